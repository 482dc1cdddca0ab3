import copy

import pytest
import requests

from cli import operations
from devtools import sample
from services.intake import documents as intake_documents
from services.intake.service import IntakeService
from shared.persistence.documents import AuditEntry, OutboxMessage

pytestmark = pytest.mark.integration


@pytest.fixture
def intake(start_service, db):
    operations.add_member("TN", "national", sample.MEMBER["names"])
    operations.add_member("MA", "national", {"fr": "Maroc", "ar": "المغرب"})
    return start_service(IntakeService)


def post(base, body, token, **headers):
    return requests.post(f"{base}/api/v1/self-assessments", json=body, timeout=10,
                         headers={"Authorization": f"Bearer {token}", **headers})


def stored_counts():
    return (intake_documents.SelfAssessment.objects.count(), AuditEntry.objects.count(), OutboxMessage.objects.count())


def test_submission_is_stored_audited_and_announced(intake, tap):
    submitted = tap("intake", "self_assessment.submitted")
    token = operations.issue_token("poc", "poc-tn", member_code="TN")

    answer = post(intake, sample.SELF_ASSESSMENT, token, **{"X-Correlation-ID": "corr-intake-1"})

    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert answer.headers["Location"] == body["status_url"] == f"/api/v1/self-assessments/{body['id']}"
    event = submitted.next()
    assert event.payload["case_id"] == body["case_id"]
    assert event.correlation_id == "corr-intake-1"
    assert event.actor == {"role": "poc", "id": "poc-tn"}
    assert event.payload["languages"] == ["ar", "fr", "en"]
    assert event.payload["commitments"][0]["title"]["ar"] == "نشر بيانات الميزانية المفتوحة"

    shown = requests.get(f"{intake}{body['status_url']}", headers={"Authorization": f"Bearer {token}"}, timeout=10).json()
    assert shown["case"]["status"] == "submitted"
    assert shown["commitments"][1]["title"] == sample.SELF_ASSESSMENT["commitments"][1]["title"]
    [entry] = AuditEntry.objects(case_id=body["case_id"])
    assert entry.action == "self_assessment.submitted" and entry.seq == 0
    assert entry.data["content_sha256"] == shown["content_sha256"]
    assert OutboxMessage.objects(event_id=event.event_id).first().sent_at is not None


@pytest.mark.parametrize("mutate, status, field", [
    (lambda b: b.pop("member"), 422, "member"),
    (lambda b: b["action_plan"].update(cycle="2023/2025"), 422, "action_plan.cycle"),
    (lambda b: b["commitments"][0].update(self_reported_completion="done"), 422, "commitments[0].self_reported_completion"),
    (lambda b: b["commitments"][0]["evidence"][0].update(url="not a url"), 422, "commitments[0].evidence[0].url"),
    (lambda b: b["commitments"][1].update(commitment_id="TN0501"), 422, "commitments[1].commitment_id"),
    (lambda b: b["commitments"][2].update(title={"de": "Register"}), 422, "commitments[2].title.de.key"),
    (lambda b: b.update(member="MA"), 403, None),
    (lambda b: b.update(member="XX"), 422, "member"),
    (lambda b: b.update(commitments=[]), 422, "commitments"),
])
def test_bad_submission_is_refused_with_field_errors_and_nothing_stored(intake, tap, mutate, status, field):
    submitted = tap("intake", "self_assessment.submitted")
    token = operations.issue_token("poc", "poc-tn", member_code="TN")
    body = copy.deepcopy(sample.SELF_ASSESSMENT)
    mutate(body)

    answer = post(intake, body, token)

    assert answer.status_code == status, answer.text
    if field:
        assert field in answer.json()["error"]["fields"], answer.json()
    assert stored_counts() == (0, 0, 0)
    assert submitted.empty()


def test_malformed_bodies_and_credentials(intake):
    token = operations.issue_token("poc", "poc-tn", member_code="TN")
    url = f"{intake}/api/v1/self-assessments"
    auth = {"Authorization": f"Bearer {token}"}
    assert requests.post(url, json=sample.SELF_ASSESSMENT, timeout=10).status_code == 401
    assert requests.post(url, json=sample.SELF_ASSESSMENT, headers={"Authorization": "Bearer irm_forged"}, timeout=10).status_code == 401
    assert requests.post(url, data="{not json", headers={**auth, "Content-Type": "application/json"}, timeout=10).status_code == 400
    assert requests.post(url, data="member=TN", headers=auth, timeout=10).status_code == 415
    assert requests.post(url, data=b"[" * (3 * 1024 * 1024), headers={**auth, "Content-Type": "application/json"}, timeout=30).status_code == 413
    assert requests.post(url, json=[1, 2], headers=auth, timeout=10).status_code == 422
    expert_token = operations.issue_token("admin", "admin-1")
    operations.revoke_tokens("admin-1")
    assert requests.post(url, json=sample.SELF_ASSESSMENT, headers={"Authorization": f"Bearer {expert_token}"}, timeout=10).status_code == 401
    assert stored_counts() == (0, 0, 0)


def test_a_poc_cannot_read_another_members_self_assessment(intake):
    tn = operations.issue_token("poc", "poc-tn", member_code="TN")
    ma = operations.issue_token("poc", "poc-ma", member_code="MA")
    created = post(intake, sample.SELF_ASSESSMENT, tn).json()
    answer = requests.get(f"{intake}{created['status_url']}", headers={"Authorization": f"Bearer {ma}"}, timeout=10)
    assert answer.status_code == 404
    assert requests.get(f"{intake}{created['status_url']}", timeout=10).status_code == 401


def test_an_event_nobody_can_receive_yet_waits_in_the_outbox_then_is_relayed(intake, tap, amqp_uri):
    from tests.integration.conftest import wait_until

    from kombu import Connection

    from shared import topology

    with Connection(amqp_uri) as connection:  # as if no consumer's queue existed yet
        for subscription in topology.SUBSCRIPTIONS:
            connection.default_channel.queue_delete(subscription.queue)
    token = operations.issue_token("poc", "poc-tn", member_code="TN")
    created = post(intake, sample.SELF_ASSESSMENT, token)  # nothing can receive it
    assert created.status_code == 201
    [pending] = OutboxMessage.objects
    assert pending.sent_at is None and pending.attempts >= 1

    submitted = tap("intake", "self_assessment.submitted")  # a consumer's queue appears
    event = submitted.next(timeout=20)
    assert event.event_id == pending.event_id and event.payload["case_id"] == created.json()["case_id"]
    wait_until(lambda: OutboxMessage.objects(event_id=event.event_id).first().sent_at, what="sent_at")


def test_a_retry_with_the_same_idempotency_key_returns_the_first_result(intake, tap):
    submitted = tap("intake", "self_assessment.submitted")
    token = operations.issue_token("poc", "poc-tn", member_code="TN")
    first = post(intake, sample.SELF_ASSESSMENT, token, **{"Idempotency-Key": "upload-42"})
    again = post(intake, sample.SELF_ASSESSMENT, token, **{"Idempotency-Key": "upload-42"})
    assert first.status_code == again.status_code == 201
    assert again.json()["id"] == first.json()["id"] and again.headers["Idempotent-Replayed"] == "true"
    changed = copy.deepcopy(sample.SELF_ASSESSMENT)
    changed["commitments"][0]["self_reported_completion"] = "complete"
    reused = post(intake, changed, token, **{"Idempotency-Key": "upload-42"})
    assert reused.status_code == 422 and "Idempotency-Key" in reused.json()["error"]["fields"]
    other = operations.issue_token("admin", "admin-1")  # keys are per caller
    assert post(intake, sample.SELF_ASSESSMENT, other, **{"Idempotency-Key": "upload-42"}).json()["id"] != first.json()["id"]
    assert intake_documents.SelfAssessment.objects.count() == 2
    assert submitted.next().event_id and submitted.next().event_id and submitted.empty()
