"""`/metrics` of a service built from the shared shell: event counters where things happen, and
the stored state's gauges read at scrape time.

The consumer is a small service of the test's own (as in test_dead_letters), so that its
handler can fail and then be fixed.
"""
import math

import mongoengine
import pytest
from kombu import Connection
from mongoengine import Document, IntField, StringField
from nameko.standalone.events import event_dispatcher
from nameko.testing.services import restrict_entrypoints

from services.publication.service import PublicationService
from services.publication.transparency_log import TransparencyLog

from shared import delivery, service_shell
from shared.contracts.events import FINDING_PUBLISHED, build_event
from shared.persistence.unit_of_work import run_in_transaction
from tests.integration.conftest import wait_until
from tests.scrape import scrape, value

pytestmark = pytest.mark.integration
CONSUMER = "metrics_probe.on_finding_published"


class MetricsSwitch(Document):
    name = StringField(primary_key=True)
    broken = IntField(required=True)
    meta = {"collection": "test_metrics_switch"}


class MetricsProbe(service_shell.ServiceShell):
    name = "metrics_probe"
    store = service_shell.Store(documents=(MetricsSwitch,))

    @service_shell.consumes(FINDING_PUBLISHED)
    def on_finding_published(self, event, uow):
        if MetricsSwitch.objects(name="cause").first().broken:
            raise RuntimeError("the mail server is down")


@pytest.fixture
def probe(container_factory, service_config, monkeypatch):
    queue = delivery.consumer_queue("publication", FINDING_PUBLISHED, "metrics_probe", "on_finding_published")
    with Connection(service_config["AMQP_URI"]) as connection:
        for name in (queue, delivery.DEAD_LETTER_QUEUE):
            connection.default_channel.queue_delete(name)
    MetricsSwitch.drop_collection()
    MetricsSwitch(name="cause", broken=1).save()
    config = {k: v for k, v in service_config.items() if k != "base_url"}
    config["RETRY_DELAYS_MS"] = "100"  # one retry, then parked
    container_factory(MetricsProbe, config).start()
    dispatch = event_dispatcher({"AMQP_URI": config["AMQP_URI"], "serializer": "json"})
    yield service_config["base_url"], lambda message: dispatch("publication", FINDING_PUBLISHED, message)
    with Connection(service_config["AMQP_URI"]) as connection:
        connection.default_channel.queue_delete(queue)


def finding_published(case_id):
    return build_event(FINDING_PUBLISHED, {"finding_id": f"fnd_{case_id}", "case_id": case_id, "member_code": "TN",
                                           "cycle": "2023-2025", "published_at": "2026-11-25T12:00:00.000Z"},
                       correlation_id="corr-metrics", actor={"role": "system", "id": "publication"}).to_message()


def counter(samples, name, **labels):
    return value(samples, name, 0.0, **labels)


def test_events_failed_retried_parked_and_consumed_are_counted_by_consumer(probe):
    base_url, publish = probe
    before = scrape(base_url)
    assert value(before, "irm_dependency_up", source="database") == 1
    assert value(before, "irm_dependency_up", source="broker") == 1
    assert value(before, "irm_dead_letters") == 0
    assert value(before, "irm_outbox_backlog") == 0 and value(before, "irm_outbox_oldest_unsent_age_seconds") == 0
    rejected_before = value(before, "irm_rejected_messages")

    publish(finding_published("case_metrics_1"))  # fails, is retried once, fails again: parked
    wait_until(lambda: value(scrape(base_url), "irm_dead_letters") == 1, what="the failed event parked")
    failing = scrape(base_url)
    delta = lambda name, **labels: counter(failing, name, **labels) - counter(before, name, **labels)  # noqa: E731
    assert delta("irm_events_failed_total", consumer=CONSUMER) == 2
    assert delta("irm_events_retried_total", consumer=CONSUMER) == 1
    assert delta("irm_events_parked_total", consumer=CONSUMER, kind="failed") == 1
    assert delta("irm_events_consumed_total", consumer=CONSUMER) == 0
    assert value(failing, "irm_rejected_messages") == rejected_before + 1

    publish({"event_id": "evt_broken", "event_type": FINDING_PUBLISHED})  # breaks its contract: parked at once
    wait_until(lambda: value(scrape(base_url), "irm_dead_letters") == 2, what="the malformed message parked")
    MetricsSwitch.objects(name="cause").update_one(set__broken=0)  # the cause is fixed
    publish(finding_published("case_metrics_2"))
    wait_until(lambda: counter(scrape(base_url), "irm_events_consumed_total", consumer=CONSUMER)
               == counter(before, "irm_events_consumed_total", consumer=CONSUMER) + 1, what="the event applied")
    after = scrape(base_url)
    assert counter(after, "irm_events_parked_total", consumer=CONSUMER, kind="malformed") \
        == counter(before, "irm_events_parked_total", consumer=CONSUMER, kind="malformed") + 1
    assert counter(after, "irm_events_failed_total", consumer=CONSUMER) == counter(failing, "irm_events_failed_total", consumer=CONSUMER)


def test_http_requests_are_counted_by_url_rule_method_and_status_with_latency(probe):
    base_url, _ = probe
    before = scrape(base_url)
    for _ in range(3):
        scrape(base_url)
    after = scrape(base_url)
    labels = {"route": "/metrics", "method": "GET", "status": "200"}
    assert counter(after, "irm_http_requests_total", **labels) - counter(before, "irm_http_requests_total", **labels) == 4
    # The histogram: every request is in the +Inf bucket, and its count matches the counter.
    assert value(after, "irm_http_request_duration_seconds_count", route="/metrics", method="GET") \
        == value(after, "irm_http_request_duration_seconds_bucket", route="/metrics", method="GET", le="+Inf") \
        == counter(after, "irm_http_requests_total", **labels)


@pytest.fixture
def publication_without_timers(container_factory, service_config):
    """Publication answering /metrics, its timers off: its sequencer runs only when the test ticks it."""
    config = {k: v for k, v in service_config.items() if k != "base_url"}
    container = container_factory(PublicationService, config)
    restrict_entrypoints(container, "prometheus_metrics")
    container.start()
    log = next(extension for extension in container.extensions if isinstance(extension, TransparencyLog))
    store = next(extension for extension in container.extensions if isinstance(extension, service_shell.Store))
    return service_config["base_url"], lambda: log.tick(store.client)


def record_decisions(case_id, count):
    """Decisions written as any service writes them: each one waits in the log queue for the sequencer."""
    def work(uow):
        for number in range(count):
            uow.record(case_id=case_id, action="rating.saved", actor={"role": "system", "id": "test"},
                       reason=f"decision {number}", data={"n": number}, correlation_id=f"corr-{case_id}")
    run_in_transaction(mongoengine.connection.get_connection(), "test", work)


def test_the_sequencer_lag_counts_waiting_entries_and_the_checkpoint_age_is_infinite_before_the_first(
        publication_without_timers):
    base_url, tick = publication_without_timers
    empty = scrape(base_url)
    assert value(empty, "irm_transparency_log_size") == 0 and value(empty, "irm_transparency_log_sequencer_lag") == 0
    assert value(empty, "irm_transparency_log_checkpoint_size") == 0
    assert value(empty, "irm_transparency_log_checkpoint_age_seconds") == math.inf  # none signed yet

    record_decisions("case_metrics_lag", 3)
    waiting = scrape(base_url)
    assert value(waiting, "irm_transparency_log_sequencer_lag") == 3  # recorded, not yet in the log
    assert value(waiting, "irm_transparency_log_size") == 0
    assert value(waiting, "irm_transparency_log_checkpoint_age_seconds") == math.inf

    tick()  # what the sequencer's timer does: append them, then sign (LOG_CHECKPOINT_SECONDS is 0 here)
    logged = scrape(base_url)
    assert value(logged, "irm_transparency_log_sequencer_lag") == 0
    assert value(logged, "irm_transparency_log_size") == value(logged, "irm_transparency_log_checkpoint_size") == 3
    assert 0 <= value(logged, "irm_transparency_log_checkpoint_age_seconds") < math.inf
