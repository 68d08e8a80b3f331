"""The MQTT bridge: message handling without a broker (datahub.mqtt.handle), then
manage.py mqtt_bridge against a real mosquitto started on a free loopback port.

mosquitto missing: these broker tests are skipped on a workstation, and fail on CI (CI=true),
which must install it (.ci/run, Makefile APT_TEST)."""

import datetime as dt
import json
import os
import queue
import shutil
import socket
import subprocess
import threading
import time
import uuid

import paho.mqtt.client as paho
import pytest
from django.core.management import call_command
from django.utils import timezone

from datahub import mqtt
from datahub.models import Correction, IngestRequest, Observation
from datahub.services import sources
from tests.datahub.ingest_client import fresh_partitions, hours_ago, iso  # noqa: F401

pytestmark = pytest.mark.django_db

PREFIX = "sfh-test"


def message(token, body, **extra) -> bytes:
    return json.dumps({"token": token, "body": body, **extra}).encode()


def recent_hours(n=2):
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    return [(now - dt.timedelta(hours=h)).isoformat() for h in range(n, 0, -1)]


def records(series_key, values):
    return [
        {"series": series_key, "ts": ts, "value": value}
        for ts, value in zip(recent_hours(len(values)), values, strict=True)
    ]


# --- topics and payloads ---------------------------------------------------------------------


def test_topics():
    assert mqtt.subscription("sfh") == "sfh/ingest/+"
    assert mqtt.client_id_of("sfh/ingest/plant-7-mes", "sfh") == "plant-7-mes"
    assert mqtt.reply_topic("plant-7-mes", "sfh") == "sfh/receipts/plant-7-mes"
    for other in ("sfh/receipts/x", "sfh/ingest/a/b", "other/ingest/x", "sfh/ingest"):
        assert mqtt.client_id_of(other, "sfh") is None


def test_a_message_on_another_topic_gets_no_reply(feed):
    assert mqtt.handle("sfh/receipts/x", message(feed.token, []), prefix="sfh") is None


def test_the_idempotency_key_is_derived_from_the_body_when_none_is_given(feed):
    body = records("oee", [70.0])
    first = mqtt.parse(message(feed.token, body))
    again = mqtt.parse(message(feed.token, body))
    other = mqtt.parse(message(feed.token, records("oee", [71.0])))
    replace = mqtt.parse(message(feed.token, body, on_conflict="replace"))
    atomic = mqtt.parse(message(feed.token, body, atomic=True))
    named = mqtt.parse(message(feed.token, body, idempotency_key="batch-1"))
    assert first == again and first.idempotency_key.startswith("mqtt-")
    keys = {m.idempotency_key for m in (first, other, replace, atomic, named)}
    assert len(keys) == 5
    assert named.idempotency_key == "batch-1" and named.body == first.body
    assert first.content_type == "application/json" and json.loads(first.body) == body
    assert (replace.on_conflict, atomic.atomic) == ("replace", True)
    assert (first.on_conflict, first.atomic) == ("refuse", False)


def test_a_csv_body_is_sent_as_text():
    csv = "timestamp,oee\n2025-03-01T09:00:00+09:00,71.5\n"
    parsed = mqtt.parse(message("sfh_x_y", csv))
    assert (parsed.token, parsed.body, parsed.content_type) == ("sfh_x_y", csv.encode(), "text/csv")


@pytest.mark.parametrize(
    ("payload", "status", "code"),
    [
        (b"not json", 400, "bad_payload"),
        (b"\xff\xfe", 400, "bad_payload"),
        (b"[1, 2]", 400, "bad_payload"),
        (json.dumps({"body": []}).encode(), 401, "token_missing"),
        (json.dumps({"token": "sfh_abc_def"}).encode(), 400, "bad_payload"),
        (json.dumps({"token": "x", "body": [], "content_type": 7}).encode(), 400, "bad_payload"),
        (json.dumps({"token": "x", "body": [], "atomic": "yes"}).encode(), 400, "bad_payload"),
        (json.dumps({"token": "x", "body": [], "on_conflict": 1}).encode(), 400, "bad_payload"),
        (b"[" * 100_000 + b"]" * 100_000, 400, "bad_payload"),
        (
            json.dumps({"token": "x", "body": [], "idempotency_key": ["k"]}).encode(),
            400,
            "bad_idempotency_key",
        ),
        (json.dumps({"token": "sfh_abc_def", "body": []}).encode(), 401, "token_invalid"),
    ],
)
def test_refused_messages_get_an_error_on_the_reply_topic(payload, status, code):
    reply = mqtt.handle("sfh/ingest/gw-1", payload, prefix="sfh")
    assert reply.topic == "sfh/receipts/gw-1" and reply.status == status
    answer = reply.as_dict()
    assert answer["status"] == status and answer["code"] == code and answer["detail"]


def test_a_message_too_large_is_refused_unread(settings):
    settings.DATAHUB_MAX_BYTES = 100
    payload = message("sfh_x_y", "x" * (100 + mqtt.ENVELOPE_BYTES))
    reply = mqtt.handle("sfh/ingest/gw-1", payload, prefix="sfh")
    assert reply.status == 413 and reply.as_dict()["code"] == "too_large"


def test_a_revoked_or_deactivated_token_is_refused(world, feed):
    payload = message(feed.token, records("oee", [70.0]))
    sources.token_revoke(user=world.sme, source=feed.source)
    reply = mqtt.handle("sfh/ingest/gw-1", payload, prefix="sfh")
    assert reply.status == 401 and reply.as_dict()["code"] == "token_invalid"
    _row, fresh = sources.token_issue(user=world.sme, source=feed.source)
    sources.source_update(user=world.sme, source=feed.source, data={"is_active": False})
    reply = mqtt.handle("sfh/ingest/gw-1", message(fresh, []), prefix="sfh")
    assert reply.status == 401
    assert not Observation.objects.exists()


# --- the bridge against a real broker --------------------------------------------------------


def _mosquitto() -> str | None:
    found = shutil.which("mosquitto")
    if found is None and os.path.exists("/usr/sbin/mosquitto"):
        found = "/usr/sbin/mosquitto"
    return found


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Mosquitto:
    """A mosquitto of our own on a loopback port (no configuration: local-only mode)."""

    def __init__(self, binary: str, port: int):
        self.binary, self.port, self.process = binary, port, None

    def start(self):
        self.process = subprocess.Popen(  # noqa: S603 - our own binary and arguments
            [self.binary, "-p", str(self.port)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.process.kill()
                    error = self.process.stderr.read()
                    raise RuntimeError(f"mosquitto did not start: {error!r}") from None
                time.sleep(0.05)

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process.stderr.close()


@pytest.fixture(scope="module")
def mosquitto():
    """mosquitto's binary; skipped without it, except on CI."""
    binary = _mosquitto()
    if binary is None:
        if os.environ.get("CI") == "true":
            pytest.fail("mosquitto is not installed: CI must install it (.ci/run)")
        pytest.skip("mosquitto is not installed (apt-get install mosquitto)")
    return binary


@pytest.fixture(scope="module")
def broker(mosquitto):
    """A broker on a free port for the module: (host, port)."""
    server = Mosquitto(mosquitto, _free_port())
    server.start()
    yield "127.0.0.1", server.port
    server.stop()


class Device:
    """A plant system on the broker: publishes to <prefix>/ingest/<id>, hears every reply."""

    def __init__(self, host, port):
        self.replies = queue.Queue()
        self.client = paho.Client(paho.CallbackAPIVersion.VERSION2, client_id=f"dev-{uuid.uuid4()}")
        subscribed = queue.Queue()
        self.client.on_message = lambda c, u, m: self.replies.put((m.topic, json.loads(m.payload)))
        self.client.on_subscribe = lambda *args: subscribed.put(True)
        self.client.connect(host, port)
        self.client.loop_start()
        self.client.subscribe(f"{PREFIX}/receipts/#", qos=1)
        subscribed.get(timeout=5)

    def publish(self, client_id, payload: bytes):
        info = self.client.publish(f"{PREFIX}/ingest/{client_id}", payload, qos=1)
        info.wait_for_publish(timeout=5)
        assert info.is_published()

    def answers(self, n, timeout=10):
        return [self.replies.get(timeout=timeout) for _ in range(n)]

    def close(self):
        self.client.loop_stop()
        self.client.disconnect()


@pytest.fixture
def device(broker):
    device = Device(*broker)
    yield device
    device.close()


def bridge(broker, client_id, **options):
    host, port = broker
    call_command(
        "mqtt_bridge",
        host=host,
        port=port,
        client_id=client_id,
        prefix=PREFIX,
        verbosity=0,
        **options,
    )


def test_the_bridge_answers_refused_messages_on_the_reply_topic(broker, device, feed):
    """Messages published while the bridge is away wait in its persistent session."""
    bridge_id = f"bridge-{uuid.uuid4()}"
    bridge(broker, bridge_id, max_messages=0, timeout=10)  # subscribes, then leaves
    device.publish("gw-json", b"{not json")
    device.publish("gw-token", message("sfh_0000_forged", records("oee", [70.0])))
    bridge(broker, bridge_id, max_messages=2, timeout=20)
    answers = dict(device.answers(2))
    assert answers[f"{PREFIX}/receipts/gw-json"]["status"] == 400
    assert answers[f"{PREFIX}/receipts/gw-token"]["code"] == "token_invalid"
    assert not Observation.objects.exists()


def test_the_bridge_gives_up_waiting_for_an_absent_broker():
    started = time.monotonic()
    call_command(
        "mqtt_bridge", host="127.0.0.1", port=_free_port(), client_id="x", timeout=1.5, verbosity=0
    )
    assert time.monotonic() - started < 5


def test_the_bridge_reconnects_and_subscribes_again_after_the_broker_restarts(mosquitto, capsys):
    """The broker goes away for a while (its sessions with it): the bridge retries with
    backoff, subscribes again, and answers the next message."""
    server = Mosquitto(mosquitto, _free_port())
    server.start()
    answered = queue.Queue()

    def meanwhile():
        time.sleep(1.0)
        server.stop()
        time.sleep(1.5)
        server.start()
        device = Device("127.0.0.1", server.port)
        try:
            for _ in range(40):  # until the bridge is back and answers
                device.publish("probe", b"not json")
                try:
                    answered.put(device.replies.get(timeout=0.5))
                    return
                except queue.Empty:
                    continue
        finally:
            device.close()

    helper = threading.Thread(target=meanwhile)
    helper.start()
    try:
        call_command(
            "mqtt_bridge",
            host="127.0.0.1",
            port=server.port,
            client_id=f"bridge-{uuid.uuid4()}",
            prefix=PREFIX,
            max_messages=1,
            timeout=25,
        )
    finally:
        helper.join(timeout=30)
        server.stop()
    topic, answer = answered.get_nowait()
    assert topic == f"{PREFIX}/receipts/probe" and answer["code"] == "bad_payload"
    output = capsys.readouterr()
    assert "connection lost" in output.err and "1 message(s) handled" in output.out


# --- through the ingest service --------------------------------------------------------------


def good_rows():
    return [
        {"series": "oee", "ts": iso(hours_ago(2)), "value": 71.5},
        {"series": "oee", "ts": iso(hours_ago(1)), "value": 73.0},
    ]


def send(payload, client_id="gw-1"):
    return mqtt.handle(f"sfh/ingest/{client_id}", payload, prefix="sfh")


def test_a_message_is_stored_once_and_answers_the_apis_receipt(feed):
    payload = message(feed.token, good_rows())
    first = send(payload)
    assert first.topic == "sfh/receipts/gw-1" and first.status == 201
    receipt = first.as_dict()
    assert receipt | {"request": None, "idempotency_key": None} == {
        "request": None,
        "accepted": 2,
        "duplicates": 0,
        "conflicts": 0,
        "replaced": 0,
        "rejected": [],
        "stored": True,
        "status": 201,
        "replayed": False,
        "idempotency_key": None,
    }
    request = IngestRequest.objects.get(pk=receipt["request"])
    assert (request.channel, request.source) == ("mqtt", feed.source)
    assert request.idempotency_key == receipt["idempotency_key"]
    # A QoS 1 redelivery: the same receipt, nothing stored twice.
    again = send(payload)
    assert again.status == 200 and again.as_dict()["replayed"] is True
    assert again.as_dict()["request"] == receipt["request"]
    assert Observation.objects.filter(series=feed.oee).count() == 2
    assert IngestRequest.objects.count() == 1


def test_rejections_conflicts_and_replacements_as_through_the_api(feed):
    t = iso(hours_ago(1))
    assert send(message(feed.token, [{"series": "oee", "ts": t, "value": 70.0}])).status == 201
    rows = [{"series": "oee", "ts": t, "value": 75.0}, {"series": "nope", "ts": t, "value": 1}]
    refused = send(message(feed.token, rows)).as_dict()
    assert refused["conflicts"] == 1 and refused["accepted"] == 0
    assert {(r["index"], r["code"]) for r in refused["rejected"]} >= {(1, "unknown_series")}
    replaced = send(message(feed.token, rows[:1], on_conflict="replace")).as_dict()
    assert replaced["replaced"] == 1
    assert Observation.objects.get(series=feed.oee).value == 75.0
    assert Correction.objects.get(series=feed.oee).old_value == 70.0


def test_a_csv_message(feed):
    csv = f"timestamp,oee,produced_quantity-line-1\n{iso(hours_ago(1))},71.5,480\n"
    reply = send(message(feed.token, csv))
    assert reply.status == 201 and reply.as_dict()["accepted"] == 2


def test_a_key_reused_with_another_body_is_refused(feed):
    rows = good_rows()
    assert send(message(feed.token, rows[:1], idempotency_key="k1")).status == 201
    reply = send(message(feed.token, rows[1:], idempotency_key="k1"))
    assert reply.status == 422 and reply.as_dict()["idempotency_key"] == "k1"
    assert Observation.objects.filter(series=feed.oee).count() == 1


def test_one_rate_budget_per_token_for_the_api_and_mqtt(feed, settings):
    settings.DATAHUB_TOKEN_RATE = "2/min"
    over = [send(message(feed.token, [row])) for row in good_rows() + good_rows()[:1]]
    assert [reply.status for reply in over] == [201, 201, 429]
    answer = over[-1].as_dict()
    assert answer["code"] == "rate_limited" and answer["retry_after"] >= 1
    assert send(message(feed.token_b, [])).status != 429  # another token, another budget


def test_the_bridge_stores_rows_and_publishes_the_receipt(broker, device, feed):
    bridge_id = f"bridge-{uuid.uuid4()}"
    bridge(broker, bridge_id, max_messages=0, timeout=10)
    payload = message(feed.token, good_rows())
    device.publish("line1-gw", payload)
    device.publish("line1-gw", payload)  # as a QoS 1 redelivery would
    device.publish("gw-json", b'{"token": ')
    bridge(broker, bridge_id, max_messages=3, timeout=20)
    answers = device.answers(3)
    receipts = [answer for topic, answer in answers if topic == f"{PREFIX}/receipts/line1-gw"]
    assert [(r["status"], r["accepted"], r["replayed"]) for r in receipts] == [
        (201, 2, False),
        (200, 2, True),
    ]
    assert dict(answers)[f"{PREFIX}/receipts/gw-json"]["code"] == "bad_payload"
    assert Observation.objects.filter(series=feed.oee).count() == 2
    assert IngestRequest.objects.get().channel == "mqtt"
