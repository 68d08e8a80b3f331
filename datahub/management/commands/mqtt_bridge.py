"""manage.py mqtt_bridge: subscribe to <prefix>/ingest/+ on the broker and feed every message
to the ingest service, answering on <prefix>/receipts/<id> (topics and payload: datahub/mqtt.py,
docs/datahub/api.md).

QoS 1 on a persistent session (clean_session off, a fixed client id): messages published
while the bridge is down wait at the broker, and a message is acknowledged only after it was
handled, so none is lost; redeliveries are stored once (idempotency keys). A lost connection
is retried with exponential backoff (1 s doubling up to 60 s). A message the database could
not take (503 unavailable) is not acknowledged: the bridge waits, reconnects, and the broker
delivers it again (docs/datahub/faults.md)."""

import threading
import time

import paho.mqtt.client as mqtt
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from datahub import mqtt as bridge

MIN_DELAY, MAX_DELAY = 1.0, 60.0
FLUSH_SECONDS = 5.0  # at the end, how long to wait for the last replies to be acknowledged


class Command(BaseCommand):
    help = "Feed MQTT messages (<prefix>/ingest/<id>) to the data hub's ingest service."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=settings.MQTT_HOST)
        parser.add_argument("--port", type=int, default=settings.MQTT_PORT)
        parser.add_argument("--client-id", default=settings.MQTT_CLIENT_ID)
        parser.add_argument("--prefix", default=settings.MQTT_TOPIC_PREFIX)
        parser.add_argument(
            "--max-messages",
            type=int,
            default=None,
            help="Stop after handling this many messages (0: once subscribed).",
        )
        parser.add_argument(
            "--timeout", type=float, default=None, help="Stop after this many seconds."
        )

    def handle(self, *args, host, port, client_id, prefix, max_messages, timeout, **options):
        run = BridgeRun(self, host, port, client_id, prefix, options["verbosity"])
        try:
            run.loop(max_messages=max_messages, timeout=timeout)
        except KeyboardInterrupt:
            self.stdout.write("interrupted")
        finally:
            run.close()
        self.stdout.write(f"mqtt_bridge: {run.handled} message(s) handled")


class BridgeRun:
    def __init__(self, command, host, port, client_id, prefix, verbosity):
        if not client_id:
            raise CommandError("A fixed client id is needed for a persistent session.")
        self.command, self.host, self.port = command, host, port
        self.prefix, self.verbosity = prefix.rstrip("/"), verbosity
        self.handled = 0
        self.subscribed = threading.Event()
        self.pending = []  # MQTTMessageInfo of replies not yet acknowledged
        self.client = mqtt.Client(
            mqtt.CallbackAPIVersion.VERSION2,
            client_id=client_id,
            clean_session=False,
            protocol=mqtt.MQTTv311,
            manual_ack=True,
        )
        self.unavailable = False  # a message was left unacknowledged: reconnect to get it again
        if settings.MQTT_USERNAME:
            self.client.username_pw_set(settings.MQTT_USERNAME, settings.MQTT_PASSWORD or None)
        self.client.on_connect = self.on_connect
        self.client.on_subscribe = self.on_subscribe
        self.client.on_message = self.on_message
        self.client.on_disconnect = self.on_disconnect

    # --- callbacks (run inside client.loop(), in this thread) --------------------------------

    def on_connect(self, client, userdata, flags, reason_code, properties):
        if reason_code.is_failure:
            self.command.stderr.write(f"broker refused the connection: {reason_code}")
            return
        self.command.stdout.write(
            f"connected to {self.host}:{self.port} (session present: {flags.session_present}); "
            f"subscribing to {bridge.subscription(self.prefix)}"
        )
        client.subscribe(bridge.subscription(self.prefix), qos=bridge.QOS)

    def on_subscribe(self, client, userdata, mid, reason_codes, properties):
        if any(code.is_failure for code in reason_codes):
            self.command.stderr.write(f"subscription refused: {reason_codes}")
            return
        self.subscribed.set()

    def on_disconnect(self, client, userdata, flags, reason_code, properties):
        self.subscribed.clear()
        if reason_code.is_failure:
            self.command.stderr.write(f"connection lost: {reason_code}")

    def on_message(self, client, userdata, message):
        reply = bridge.handle(message.topic, message.payload, prefix=self.prefix)
        if reply is None:
            client.ack(message.mid, message.qos)  # not ours to answer
            return
        self.handled += 1
        if self.verbosity > 1:
            self.command.stdout.write(f"{message.topic} -> {reply.topic} {reply.status}")
        self.pending.append(client.publish(reply.topic, reply.payload, qos=bridge.QOS))
        if reply.status == 503 and reply.as_dict().get("code") == bridge.UNAVAILABLE:
            self.unavailable = True  # no PUBACK: the broker keeps the message for us
            return
        # Acknowledged after the reply is queued.
        client.ack(message.mid, message.qos)

    # --- the loop ----------------------------------------------------------------------------

    def loop(self, *, max_messages=None, timeout=None, stop: threading.Event | None = None):
        """Run until `max_messages` were handled (and the subscription is up), `timeout`
        seconds passed, or `stop` is set."""
        deadline = None if timeout is None else time.monotonic() + timeout
        delay = MIN_DELAY
        self.client.connect_async(self.host, self.port, keepalive=60)
        connected = False
        while True:
            if deadline is not None and time.monotonic() >= deadline:
                return
            if stop is not None and stop.is_set():
                return
            enough = max_messages is not None and self.handled >= max_messages
            if enough and self.subscribed.is_set():
                return
            if not connected:
                try:
                    self.client.reconnect()
                    connected = True
                except OSError as error:
                    self.command.stderr.write(
                        f"cannot reach the broker ({error}); retry in {delay:.0f} s"
                    )
                    self._sleep(delay, deadline)
                    delay = min(delay * 2, MAX_DELAY)
                    continue
            code = self.client.loop(timeout=0.5)
            if code == mqtt.MQTT_ERR_SUCCESS and self.unavailable:
                # MQTT 3.1.1 delivers an unacknowledged message again on the next connection.
                self.unavailable, connected = False, False
                self.command.stderr.write(
                    f"the database did not answer; reconnect in {delay:.0f} s to read again"
                )
                self._flush(FLUSH_SECONDS)
                self.client.disconnect()
                self.client.loop(timeout=0.1)
                self._sleep(delay, deadline)
                delay = min(delay * 2, MAX_DELAY)
                continue
            if code == mqtt.MQTT_ERR_SUCCESS:
                if self.subscribed.is_set():
                    delay = MIN_DELAY
                self.pending = [info for info in self.pending if not info.is_published()]
                continue
            connected = False
            self.command.stderr.write(
                f"connection lost ({mqtt.error_string(code)}); retry in {delay:.0f} s"
            )
            self._sleep(delay, deadline)
            delay = min(delay * 2, MAX_DELAY)

    @staticmethod
    def _sleep(seconds, deadline):
        if deadline is not None:
            seconds = max(0.0, min(seconds, deadline - time.monotonic()))
        time.sleep(seconds)

    def close(self):
        """Send what is queued (acknowledgements, replies), then disconnect."""
        self._flush(FLUSH_SECONDS)
        if self.client.is_connected():
            self.client.disconnect()
            self.client.loop(timeout=0.1)

    def _flush(self, seconds):
        """Wait (at most `seconds`) until the replies published are acknowledged."""
        end = time.monotonic() + seconds
        while self.client.is_connected() and time.monotonic() < end:
            self.pending = [info for info in self.pending if not info.is_published()]
            if not self.pending:
                self.client.loop(timeout=0.1)  # the last PUBACK
                break
            self.client.loop(timeout=0.1)
