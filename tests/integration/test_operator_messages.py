"""The operator's messages through accounts' API, on the real broker and database: what a consumer of any
service rejected, listed and shown to an admin (every other caller 401 or 403), and a parked message
replayed to its consumer once: review opens the case it carried, a second replay is 409 and sends nothing,
and even the same letter delivered twice is applied once (review records the event id it applied).
"""
import json

import pytest
import requests
from kombu import Connection, Exchange, Producer

from cli import operations
from devtools import sample
from devtools.ports import free_port
from services.accounts.service import AccountsService
from services.review import documents as review_documents
from services.review.service import ReviewService
from shared import delivery
from shared.clock import utcnow
from shared.contracts.events import SELF_ASSESSMENT_SUBMITTED
from shared.persistence.documents import ProcessedEvent, RejectedMessage
from tests.integration.conftest import wait_until
from tests.integration.test_review import submitted_event

pytestmark = pytest.mark.integration
CONSUMER = "review.on_self_assessment_submitted"
QUEUE = delivery.consumer_queue("intake", SELF_ASSESSMENT_SUBMITTED, "review", "on_self_assessment_submitted")
ERROR = "OperationFailure: the registry was being migrated"


def park(amqp_uri, message, consumer=CONSUMER, queue=QUEUE, error=ERROR, attempts=5):
    """What a consumer does with a message whose retries are spent (shared/service_shell.py: StoreHandle.park):
    the letter on irm.dead-letters with its headers, and the rejected message kept. The id of the latter."""
    with Connection(amqp_uri) as connection:
        Producer(connection.default_channel).publish(
            message, exchange=Exchange(delivery.DEAD_LETTER_EXCHANGE, type="fanout", durable=True), routing_key=queue,
            serializer="json", declare=[Exchange(delivery.DEAD_LETTER_EXCHANGE, type="fanout", durable=True)],
            headers={delivery.H_QUEUE: queue, delivery.H_CONSUMER: consumer, delivery.H_ERROR: error,
                     delivery.H_ATTEMPTS: attempts, delivery.H_KIND: "failed"})
    record = RejectedMessage(consumer=consumer, kind="failed", reason=error, message=message, received_at=utcnow())
    record.save()
    return str(record.id)


def parked_letters(amqp_uri, event_id):
    """How many letters of `event_id` wait on the dead-letter queue (read and given back)."""
    with Connection(amqp_uri) as connection:
        channel = connection.channel()
        found = 0
        while (letter := channel.basic_get(delivery.DEAD_LETTER_QUEUE, no_ack=False)) is not None:
            found += json.loads(letter.body).get("event_id") == event_id
        channel.close()
        return found


@pytest.fixture
def services(container_factory, service_config):
    config = {k: v for k, v in service_config.items() if k != "base_url"}
    accounts_port, review_port = free_port(), free_port()
    for cls, port in ((AccountsService, accounts_port), (ReviewService, review_port)):
        container_factory(cls, {**config, "WEB_SERVER_ADDRESS": f"127.0.0.1:{port}"}).start()
    operations.add_member("TN", "national", sample.MEMBER["names"])
    operations.add_expert("exp-amina", "Amina B.", ["ar"], [], capacity=5)
    return f"http://127.0.0.1:{accounts_port}", f"http://127.0.0.1:{review_port}"


def call(method, url, token=None):
    return requests.request(method, url, timeout=15, headers={"Authorization": f"Bearer {token}"} if token else {})


def test_a_parked_message_is_listed_shown_and_replayed_once(services, amqp_uri):
    accounts, review = services
    admin = operations.issue_token("admin", "admin-ops")
    event = submitted_event("case_parked", correlation_id="corr-parked")
    message_id = park(amqp_uri, event.to_message())

    listed = call("GET", f"{accounts}/api/v1/operator/messages", admin)
    assert listed.status_code == 200, listed.text
    first = listed.json()["messages"][0]
    assert first["id"] == message_id and first["event_type"] == SELF_ASSESSMENT_SUBMITTED and first["service"] == "review"
    assert (first["reason"], first["correlation_id"], first["replayed"]) == (ERROR, "corr-parked", False)
    shown = call("GET", f"{accounts}/api/v1/operator/messages/{message_id}", admin).json()
    assert shown["message"]["payload"]["case_id"] == "case_parked" and shown["consumer"] == CONSUMER

    replayed = call("POST", f"{accounts}/api/v1/operator/messages/{message_id}/replay", admin)
    assert replayed.status_code == 200, replayed.text
    assert replayed.json()["replayed"] is True and replayed.json()["replayed_by"] == "admin-ops"
    wait_until(lambda: review_documents.Case.objects(case_id="case_parked").first(), what="review opened the case")
    assert call("GET", f"{review}/api/v1/cases/case_parked", admin).json()["status"] == "assigned"

    # Who replayed what is in the security log, as the other admin actions are (once: the refused second replay is not).
    again = call("POST", f"{accounts}/api/v1/operator/messages/{message_id}/replay", admin)
    assert (again.status_code, again.json()["error"]["code"]) == (409, "already_replayed")
    assert parked_letters(amqp_uri, event.event_id) == 0
    logged = [e for e in call("GET", f"{accounts}/api/v1/security-log", admin).json()["entries"] if e["kind"] == "message_replayed"]
    queue = delivery.consumer_queue("intake", SELF_ASSESSMENT_SUBMITTED, "review", "on_self_assessment_submitted")
    assert [(e["actor"], e["details"]) for e in logged] == [
        ({"role": "admin", "id": "admin-ops"}, {"message_id": message_id, "event_id": event.event_id,
                                                 "event_type": SELF_ASSESSMENT_SUBMITTED, "consumer": CONSUMER, "queue": queue})]
    assert logged[0]["correlation_id"]

    # The same letter twice (parked again and replayed): applied once all the same.
    second = park(amqp_uri, event.to_message())
    assert call("POST", f"{accounts}/api/v1/operator/messages/{second}/replay", admin).status_code == 200
    wait_until(lambda: parked_letters(amqp_uri, event.event_id) == 0, what="the letter taken")
    wait_until(lambda: ProcessedEvent.objects(consumer=CONSUMER, event_id=event.event_id).count() == 1, what="applied")
    assert review_documents.Case.objects(case_id="case_parked").count() == 1
    assert call("GET", f"{review}/api/v1/cases/case_parked", admin).json()["status"] == "assigned"


def test_a_message_no_longer_parked_is_not_sent_and_stays_replayable(services, amqp_uri):
    accounts, _ = services
    admin = operations.issue_token("admin", "admin-ops")
    record = RejectedMessage(consumer=CONSUMER, kind="failed", reason=ERROR, message={"event_id": "evt_gone"},
                             received_at=utcnow())
    record.save()
    answer = call("POST", f"{accounts}/api/v1/operator/messages/{record.id}/replay", admin)
    assert (answer.status_code, answer.json()["error"]["code"]) == (409, "not_parked")
    assert RejectedMessage.objects(id=record.id).first().replayed is False
    assert call("GET", f"{accounts}/api/v1/operator/messages/{'0' * 24}", admin).status_code == 404
    assert call("GET", f"{accounts}/api/v1/operator/messages/not-an-id", admin).status_code == 404
    assert call("GET", f"{accounts}/api/v1/operator/messages?limit=0", admin).status_code == 422


def test_only_an_admin_reads_or_replays_them(services, amqp_uri):
    accounts, _ = services
    message_id = park(amqp_uri, submitted_event("case_refused").to_message())
    callers = {"poc": operations.issue_token("poc", "poc-tn", member_code="TN"),
               "expert": operations.issue_token("expert", "exp-amina"),
               "quality_reviewer": operations.issue_token("quality_reviewer", "iep-1")}
    paths = [("GET", "/api/v1/operator/messages"), ("GET", f"/api/v1/operator/messages/{message_id}"),
             ("POST", f"/api/v1/operator/messages/{message_id}/replay")]
    for method, path in paths:
        assert call(method, accounts + path).status_code == 401
        assert call(method, accounts + path, "not-a-token").status_code == 401
        for role, token in callers.items():
            assert call(method, accounts + path, token).status_code == 403, (role, method, path)
    assert RejectedMessage.objects(id=message_id).first().replayed is False
    admin = operations.issue_token("admin", "admin-ops")  # and the letter leaves the queue, to review
    assert call("POST", f"{accounts}/api/v1/operator/messages/{message_id}/replay", admin).status_code == 200
