"""mosquitto restarted in the middle of a stream (docs/datahub/faults.md): a real broker with
persistence in a temporary directory, the bridge on a persistent session (fixed client id,
clean_session off, QoS 1), a plant gateway that publishes at QoS 1 on a persistent session
of its own and sends again what it got no receipt for. The broker is stopped and started
again on the same port while messages flow; every row arrives, rows delivered twice are
stored once, and the rollups equal a recomputation from the raw rows."""

import getpass
import json
import queue
import subprocess
import threading
import time

import paho.mqtt.client as paho
import psycopg
import pytest
from django.db import connection

from datahub.management.commands.mqtt_bridge import BridgeRun, Command
from datahub.models import IngestRequest, Observation
from datahub.services import rollups
from tests.datahub.ingest_client import fresh_partitions, hours_ago  # noqa: F401
from tests.datahub.test_faults_rollups import assert_rollups_exact
from tests.datahub.test_mqtt import _free_port, mosquitto  # noqa: F401

pytestmark = pytest.mark.django_db

PREFIX = "sfh-faults"
GATEWAY = "plant-a-gw"
MESSAGES = 30
RESTART_AFTER = 10


class PersistentBroker:
    """mosquitto on a loopback port, its sessions and queued messages saved in `directory`
    when it stops (and every second), restored when it starts."""

    def __init__(self, binary, directory):
        self.binary, self.port, self.process = binary, _free_port(), None
        self.config = directory / "mosquitto.conf"
        self.config.write_text(
            f"listener {self.port} 127.0.0.1\n"
            "allow_anonymous true\n"
            "persistence true\n"
            f"persistence_location {directory}/\n"
            "autosave_interval 1\n"
            "max_queued_messages 10000\n"
            # Started as root, mosquitto would switch to its own user, who cannot write here.
            f"user {getpass.getuser()}\n"
        )

    def start(self):
        self.process = subprocess.Popen(  # noqa: S603 - our own binary and arguments
            [self.binary, "-c", str(self.config)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while True:
            probe = paho.Client(paho.CallbackAPIVersion.VERSION2)
            try:
                probe.connect("127.0.0.1", self.port)
                probe.disconnect()
                return
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("mosquitto did not start") from None
                time.sleep(0.05)

    def stop(self):
        """SIGTERM: mosquitto saves its sessions and in-flight messages, then exits."""
        self.process.terminate()
        self.process.wait(timeout=10)


class Gateway:
    """A plant system: QoS 1 on a persistent session; keeps every message until its receipt
    arrives (receipts are matched by idempotency key)."""

    def __init__(self, port):
        self.receipts = {}
        self.arrived = queue.Queue()
        self.client = paho.Client(
            paho.CallbackAPIVersion.VERSION2,
            client_id=GATEWAY,
            clean_session=False,
            protocol=paho.MQTTv311,
        )
        self.client.reconnect_delay_set(min_delay=0.2, max_delay=1)
        self.client.on_message = self._receipt
        self.client.on_connect = lambda c, *_: c.subscribe(f"{PREFIX}/receipts/{GATEWAY}", qos=1)
        self.client.connect("127.0.0.1", port)
        self.client.loop_start()

    def _receipt(self, client, userdata, message):
        answer = json.loads(message.payload)
        self.receipts.setdefault(answer["idempotency_key"], []).append(answer)
        self.arrived.put(answer["idempotency_key"])

    def publish(self, payload: bytes):
        # Queued by the client while the broker is away, sent (again) when it is back.
        self.client.publish(f"{PREFIX}/ingest/{GATEWAY}", payload, qos=1)

    def close(self):
        self.client.loop_stop()
        self.client.disconnect()


def batch(token, index):
    hours = (hours_ago(2 * index + 1), hours_ago(2 * index + 2))
    rows = [
        {"series": "oee", "ts": h.isoformat(), "value": 50.0 + index + k / 10}
        for k, h in enumerate(hours)
    ]
    key = f"batch-{index}"
    return key, rows, json.dumps({"token": token, "body": rows, "idempotency_key": key}).encode()


def test_a_broker_restart_mid_stream_loses_no_row_and_stores_none_twice(
    mosquitto,  # noqa: F811
    tmp_path,
    feed,
    capsys,
):
    broker = PersistentBroker(mosquitto, tmp_path)
    broker.start()
    command = Command()
    bridge = BridgeRun(command, "127.0.0.1", broker.port, "hub-bridge-faults", PREFIX, 1)
    stop, failures = threading.Event(), []
    messages = {
        key: (rows, payload)
        for key, rows, payload in (batch(feed.token, i) for i in range(MESSAGES))
    }
    # A gateway that re-batches: rows of batches 3 and 4 again, under a key of their own.
    again_rows = messages["batch-3"][0] + messages["batch-4"][0]
    again = json.dumps({"token": feed.token, "body": again_rows, "idempotency_key": "rebatch"})
    messages["rebatch"] = (again_rows, again.encode())
    restarted = {}

    def stream():
        gateway = Gateway(broker.port)
        try:
            keys = list(messages)
            for n, key in enumerate(keys):
                if n == RESTART_AFTER:
                    broker.stop()  # the bridge and the gateway lose the broker here
                    restarted["down"] = time.monotonic()
                if n == RESTART_AFTER + 5:
                    broker.start()
                    restarted["up"] = time.monotonic()
                gateway.publish(messages[key][1])
                time.sleep(0.02)
            # The gateway's side of at-least-once: what the restart may have swallowed (and
            # deliberately two it already has receipts for) is sent again.
            twice = ("batch-8", "batch-9")
            for key in twice:
                gateway.publish(messages[key][1])

            def unanswered():
                missing = set(messages) - set(gateway.receipts)
                return missing | {k for k in twice if len(gateway.receipts.get(k, ())) < 2}

            # Generous: on a loaded machine a second delivery's receipt can take seconds.
            deadline = time.monotonic() + 45
            while unanswered() and time.monotonic() < deadline:
                try:
                    gateway.arrived.get(timeout=2)
                except queue.Empty:
                    for key in unanswered():
                        gateway.publish(messages[key][1])
            restarted["receipts"] = dict(gateway.receipts)
        except Exception as error:  # noqa: BLE001 - reported by the test
            failures.append(error)
        finally:
            gateway.close()
            stop.set()

    publisher = threading.Thread(target=stream)
    started = time.monotonic()
    publisher.start()
    try:
        bridge.loop(timeout=90, stop=stop)
    finally:
        bridge.close()
        publisher.join(timeout=60)
        broker.stop()
    elapsed = time.monotonic() - started
    assert not failures, failures

    receipts = restarted["receipts"]
    assert set(receipts) == set(messages), set(messages) - set(receipts)
    for key, answers in receipts.items():
        assert all(a["status"] in (200, 201) for a in answers), (key, answers)
    # Each batch was stored by exactly one request; a second delivery answered its receipt.
    assert IngestRequest.objects.filter(channel="mqtt").count() == len(messages)
    replayed = sum(a["replayed"] for answers in receipts.values() for a in answers)
    assert replayed >= 2  # batch-8 and batch-9 were sent twice on purpose
    print(f"faults-mqtt: {elapsed:.1f} s, {replayed} second deliveries answered as replays")
    rebatch = receipts["rebatch"][0]
    assert rebatch["accepted"] + rebatch["duplicates"] == 4
    expected = {row["ts"]: row["value"] for key in messages for row in messages[key][0]}
    stored = {ts.isoformat(): v for ts, v in Observation.objects.values_list("ts", "value")}
    assert stored == expected and len(stored) == 2 * MESSAGES
    rollups.refresh_dirty()
    assert_rollups_exact()

    output = capsys.readouterr()
    with capsys.disabled():
        print(output.out.splitlines()[-1] if output.out else "", output.err)
    assert "connection lost" in output.err
    # The broker kept the bridge's session over the restart (persistence).
    assert "session present: True" in output.out
    assert elapsed < 20, f"{elapsed:.1f} s"


# --- the database away while the bridge reads (PostgreSQL) -----------------------------------


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="a PostgreSQL server away")
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("kpi_catalogue")
def test_a_message_the_database_could_not_take_is_read_again(mosquitto, tmp_path, feed, capsys):  # noqa: F811
    """The bridge's database connection is cut and the server refuses new ones for a
    moment: the message gets a 503 reply, is left unacknowledged, and the broker delivers it
    again after the bridge reconnects; it is stored once."""
    broker = PersistentBroker(mosquitto, tmp_path)
    broker.start()
    bridge = BridgeRun(Command(), "127.0.0.1", broker.port, "hub-bridge-db", PREFIX, 1)
    stop, failures, seen = threading.Event(), [], []
    key, rows, payload = batch(feed.token, 0)
    settings_dict = connection.settings_dict  # shared by every thread's connection
    port = settings_dict["PORT"]

    def meanwhile():
        gateway = Gateway(broker.port)
        try:
            cut_the_connection(bridge_pid)
            settings_dict["PORT"] = _free_port()  # nothing listens: connections refused
            gateway.publish(payload)
            seen.append(gateway.arrived.get(timeout=10))  # the 503
            settings_dict["PORT"] = port  # the server is back
            deadline = time.monotonic() + 15
            while len(gateway.receipts.get(key, ())) < 2 and time.monotonic() < deadline:
                time.sleep(0.1)
            seen.append(dict(gateway.receipts))
        except Exception as error:  # noqa: BLE001 - reported by the test
            failures.append(error)
        finally:
            settings_dict["PORT"] = port
            gateway.close()
            stop.set()

    connection.ensure_connection()
    bridge_pid = connection.connection.info.backend_pid
    helper = threading.Thread(target=meanwhile)
    helper.start()
    try:
        bridge.loop(timeout=25, stop=stop)
    finally:
        bridge.close()
        helper.join(timeout=30)
        broker.stop()
    assert not failures, failures
    answers = [(a["status"], a.get("code")) for a in seen[1][key]]
    # Refused while the server was away (as often as the broker delivered it then), then
    # stored once.
    assert answers[-1] == (201, None) and len(answers) >= 2, answers
    assert set(answers[:-1]) == {(503, "unavailable")}
    assert seen[1][key][0]["retry_after"] == 5
    assert Observation.objects.count() == 2
    assert IngestRequest.objects.get().idempotency_key == key
    assert "the database did not answer" in capsys.readouterr().err


def cut_the_connection(pid: int) -> None:
    p = connection.settings_dict
    with psycopg.connect(
        host=p["HOST"], port=p["PORT"] or 5432, user=p["USER"], password=p["PASSWORD"],
        dbname=p["NAME"], autocommit=True,
    ) as other:  # fmt: skip
        other.execute("SELECT pg_terminate_backend(%s)", [pid])
