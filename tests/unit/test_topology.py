import json
from pathlib import Path

import pytest
from nameko.events import EventHandler
from nameko.extensions import ENTRYPOINT_EXTENSIONS_ATTR

from services.intake.service import IntakeService
from services.mail.service import MailService
from services.publication.service import PublicationService
from services.review.service import ReviewService
from shared import delivery, topology

ROOT = Path(__file__).resolve().parents[2]


def declared_by_services():
    for service in (IntakeService, ReviewService, PublicationService, MailService):
        for method_name in dir(service):
            for entrypoint in getattr(getattr(service, method_name), ENTRYPOINT_EXTENSIONS_ATTR, ()):
                if isinstance(entrypoint, EventHandler):
                    yield (entrypoint.source_service, entrypoint.event_type, service.name, method_name)


def test_the_subscription_table_is_exactly_what_the_services_consume():
    table = {(s.source, s.event_type, s.service, s.method) for s in topology.SUBSCRIPTIONS}
    assert table == set(declared_by_services())


def test_queue_names_are_nameko_s():
    [review] = [s for s in topology.SUBSCRIPTIONS if s.service == "review"]
    assert review.queue == "evt-intake-self_assessment.submitted--review.on_self_assessment_submitted"


def test_the_committed_rabbitmq_definitions_are_current():
    committed = json.loads((ROOT / "deploy" / "rabbitmq" / "definitions.json").read_text())
    assert committed == topology.definitions("/")
    dead_letter = [q for q in committed["queues"] if q["name"] == delivery.DEAD_LETTER_QUEUE]
    assert dead_letter and all(q["arguments"] == {} for q in committed["queues"] if q["name"].startswith("evt-"))
    retry = [q for q in committed["queues"] if q["name"].startswith("irm.retry.")]
    assert [q["arguments"]["x-message-ttl"] for q in retry] == list(delivery.DEFAULT_RETRY_DELAYS_MS)


def test_the_committed_quorum_definitions_are_current_and_every_queue_is_quorum():
    committed = json.loads((ROOT / "deploy" / "rabbitmq" / "definitions-quorum.json").read_text())
    assert committed == topology.definitions("/", queue_type="quorum")
    assert {q["name"] for q in committed["queues"]} == {q["name"] for q in topology.definitions("/")["queues"]}
    assert all(q["arguments"]["x-queue-type"] == "quorum" for q in committed["queues"])
    retry = [q for q in committed["queues"] if q["name"].startswith("irm.retry.")]
    # Expired retries go back with confirms: a node lost mid-move drops nothing.
    assert all(q["arguments"]["x-dead-letter-strategy"] == "at-least-once" and q["arguments"]["x-overflow"] == "reject-publish"
               for q in retry)


def test_queue_type_setting_is_checked():
    assert delivery.queue_arguments("classic") == {} and delivery.queue_arguments(None) == {}
    assert delivery.queue_arguments("quorum") == {"x-queue-type": "quorum"}
    with pytest.raises(ValueError):
        delivery.queue_type("qourum")


def test_nameko_s_handler_queue_gets_the_topology_s_arguments():
    """nameko declares its consumer queues itself: they must match shared/topology.py's, or the
    broker refuses the second declaration (PRECONDITION_FAILED)."""
    from nameko.containers import ServiceContainer

    for queue_type in ("classic", "quorum"):
        container = ServiceContainer(ReviewService, {"AMQP_URI": "memory://", "QUEUE_TYPE": queue_type})
        [handler] = [e for e in container.entrypoints if isinstance(e, EventHandler)]
        handler.setup()
        [declared] = [q for q in topology.declarations(delivery.DEFAULT_RETRY_DELAYS_MS, queue_type)
                      if getattr(q, "name", None) == handler.queue.name]
        assert (handler.queue.queue_arguments or {}) == (declared.queue_arguments or {}) == delivery.queue_arguments(queue_type)
        assert handler.queue.durable and not handler.queue.exclusive and not handler.queue.auto_delete


def test_retry_then_park():
    delays = (100, 300)
    assert [delivery.next_step(n, delays) for n in (1, 2, 3, 4)] == [
        ("retry", 100), ("retry", 300), ("park", None), ("park", None)]
    assert delivery.parse_delays(None) == delivery.DEFAULT_RETRY_DELAYS_MS
    assert delivery.parse_delays("5, 10") == (5, 10)


def test_the_default_retries_outlast_a_killed_process_s_open_transaction():
    """A process killed mid-transaction holds its writes for the database's transaction lifetime;
    the default retries must still be going when they are released (a CI fault run parked two
    messages with retries that stopped after 63.5 s, too close to the 60.4 s measured)."""
    assert sum(delivery.DEFAULT_RETRY_DELAYS_MS) >= 1.5 * delivery.TRANSACTION_LIFETIME_MS
