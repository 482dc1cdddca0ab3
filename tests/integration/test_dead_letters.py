"""A handler that keeps failing: retried with backoff, parked with its error, replayed once fixed.

The consumer here is a small service of the test's own, built from the same runtime
pieces as the real ones, so the failure can be switched off like a fixed bug.
"""
import pytest
from kombu import Connection
from mongoengine import DateTimeField, Document, IntField, StringField
from nameko.standalone.events import event_dispatcher

from cli import irmctl
from shared import dead_letters, delivery, service_shell
from shared.clock import utcnow
from shared.contracts.events import FINDING_PUBLISHED, build_event
from shared.persistence.documents import DeliveryAttempt, ProcessedEvent
from tests.integration.conftest import wait_until

pytestmark = pytest.mark.integration


class ProbeCall(Document):
    event_id = StringField(required=True)
    outcome = StringField(required=True)
    at = DateTimeField(required=True)
    meta = {"collection": "test_probe_calls"}


class Switch(Document):
    name = StringField(primary_key=True)
    broken = IntField(required=True)
    meta = {"collection": "test_probe_switch"}


class FindingFollower(service_shell.ServiceShell):
    name = "probe"
    store = service_shell.Store(documents=(ProbeCall, Switch))

    @service_shell.consumes(FINDING_PUBLISHED)
    def on_finding_published(self, event, uow):
        if Switch.objects(name="cause").first().broken:
            ProbeCall(event_id=event.event_id, outcome="failed", at=utcnow()).save()
            raise RuntimeError("the mail server is down")
        uow.insert(ProbeCall(event_id=event.event_id, outcome="applied", at=utcnow()))


QUEUE = delivery.consumer_queue("publication", FINDING_PUBLISHED, "probe", "on_finding_published")


@pytest.fixture(params=["classic", "quorum"])
def queue_type(request):
    return request.param


@pytest.fixture
def amqp_uri(amqp_uri, queue_type):
    """Classic queues on the session's vhost; quorum queues (retry and dead-letter queues
    included) on a vhost of their own, since a queue's type never changes once declared."""
    if queue_type == "classic":
        yield amqp_uri
        return
    import subprocess
    import uuid
    from urllib.parse import quote

    vhost = f"irm-dl-quorum-{uuid.uuid4().hex[:8]}"
    subprocess.run(["rabbitmqctl", "add_vhost", vhost], check=True, capture_output=True, timeout=60)
    subprocess.run(["rabbitmqctl", "set_permissions", "-p", vhost, "guest", ".*", ".*", ".*"], check=True,
                   capture_output=True, timeout=60)
    yield f"amqp://guest:guest@127.0.0.1:5672/{quote(vhost, safe='')}"
    subprocess.run(["rabbitmqctl", "delete_vhost", vhost], capture_output=True, timeout=60)


@pytest.fixture
def dead_letter_queue(amqp_uri):
    with Connection(amqp_uri) as connection:
        channel = connection.default_channel
        for queue in (QUEUE, delivery.DEAD_LETTER_QUEUE):
            channel.queue_delete(queue)
    yield
    with Connection(amqp_uri) as connection:
        connection.default_channel.queue_delete(QUEUE)


@pytest.fixture
def probe(container_factory, service_config, dead_letter_queue, monkeypatch, queue_type):
    for document in (ProbeCall, Switch):
        document.drop_collection()
    Switch(name="cause", broken=1).save()
    config = {k: v for k, v in service_config.items() if k != "base_url"}
    config["RETRY_DELAYS_MS"] = "100,300"
    config["QUEUE_TYPE"] = queue_type
    container_factory(FindingFollower, config).start()
    monkeypatch.setenv("AMQP_URI", config["AMQP_URI"])
    monkeypatch.setenv("MONGODB_URI", config["MONGODB_URI"])
    dispatch = event_dispatcher({"AMQP_URI": config["AMQP_URI"], "serializer": "json"})
    return lambda message: dispatch("publication", FINDING_PUBLISHED, message)


def finding_published(case_id="case_dl"):
    return build_event(FINDING_PUBLISHED, {"finding_id": f"fnd_{case_id}", "case_id": case_id, "member_code": "TN",
                                           "cycle": "2023-2025", "published_at": "2026-11-25T12:00:00.000Z"},
                       correlation_id="corr-dl", actor={"role": "system", "id": "publication"})


def parked(amqp_uri):
    return dead_letters.letters(amqp_uri)


def test_a_poison_message_is_retried_then_parked_then_replayed_after_the_fix(probe, amqp_uri, capsys):
    event = finding_published()
    probe(event.to_message())

    [letter] = wait_until(lambda: parked(amqp_uri), timeout=20, what="a dead letter")
    assert letter.event_id == event.event_id
    assert letter.summary()["queue"] == QUEUE and letter.summary()["kind"] == "failed"
    assert letter.summary()["attempts"] == 3 and "mail server is down" in letter.summary()["error"]
    assert ProbeCall.objects(event_id=event.event_id, outcome="failed").count() == 3  # first try + 2 retries
    calls = [c.at for c in ProbeCall.objects(event_id=event.event_id).order_by("at")]
    assert (calls[1] - calls[0]).total_seconds() >= 0.1 and (calls[2] - calls[1]).total_seconds() >= 0.3  # backoff
    assert ProcessedEvent.objects(event_id=event.event_id).count() == 0  # nothing half-applied

    assert irmctl.main(["dead-letters", "list"]) == 0
    assert event.event_id in capsys.readouterr().out

    Switch.objects(name="cause").update(set__broken=0)  # the cause is fixed
    assert irmctl.main(["dead-letters", "replay", event.event_id]) == 0

    wait_until(lambda: ProbeCall.objects(event_id=event.event_id, outcome="applied").first(), what="the replayed event applied")
    assert ProcessedEvent.objects(consumer="probe.on_finding_published", event_id=event.event_id).count() == 1
    assert parked(amqp_uri) == []
    assert DeliveryAttempt.objects(event_id=event.event_id).count() == 0


def test_a_malformed_message_goes_straight_to_the_dead_letter_queue(probe, amqp_uri):
    message = finding_published("case_bad").to_message()
    message["payload"]["cycle"] = "someday"
    probe(message)
    [letter] = wait_until(lambda: parked(amqp_uri), timeout=10, what="a dead letter")
    assert letter.summary()["kind"] == "malformed" and letter.summary()["attempts"] == 0
    assert "cycle" in letter.summary()["error"]
    assert ProbeCall.objects.count() == 0
