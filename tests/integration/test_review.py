import pytest
import requests
from nameko.standalone.events import event_dispatcher

from cli import operations
from devtools import sample
from services.review import documents as review_documents
from services.review.service import ReviewService
from shared.contracts.events import SELF_ASSESSMENT_SUBMITTED, build_event
from shared.persistence.documents import AuditEntry, RejectedMessage
from tests.integration.conftest import wait_until

pytestmark = pytest.mark.integration


def submitted_event(case_id, correlation_id="corr-review"):
    payload = {
        "self_assessment_id": f"sa_{case_id}", "case_id": case_id, "member": sample.MEMBER,
        "action_plan": sample.SELF_ASSESSMENT["action_plan"], "languages": ["ar", "fr"],
        "commitments": [dict(c, narrative=c.get("narrative"), evidence=c.get("evidence", []))
                        for c in sample.SELF_ASSESSMENT["commitments"]],
    }
    return build_event(SELF_ASSESSMENT_SUBMITTED, payload, correlation_id=correlation_id, actor={"role": "poc", "id": "poc-tn"})


class Review:
    def __init__(self, base, amqp_uri):
        self.base = base
        self._dispatch = event_dispatcher({"AMQP_URI": amqp_uri, "serializer": "json"})

    def send_raw(self, message, event_type=SELF_ASSESSMENT_SUBMITTED):
        self._dispatch("intake", event_type, message)

    def send(self, event):
        self.send_raw(event.to_message(), event.event_type)

    def call(self, method, path, token, body=None, **headers):
        return requests.request(method, self.base + path, json=body, timeout=10,
                                headers={"Authorization": f"Bearer {token}", **headers})


@pytest.fixture
def review(start_service, service_config):
    operations.add_member("TN", "national", sample.MEMBER["names"])
    operations.add_expert("exp-salma", "Salma K.", ["ar", "fr"], ["TN"], capacity=5)  # conflicted
    operations.add_expert("exp-amina", "Amina B.", ["ar"], [], capacity=5)
    operations.add_expert("exp-james", "James O.", ["en"], [], capacity=5)  # no shared language
    return Review(start_service(ReviewService), service_config["AMQP_URI"])


def case(case_id):
    return review_documents.Case.objects(case_id=case_id).first()


def load_of(expert_id):
    return review_documents.Expert.objects(expert_id=expert_id).first().active_cases


def test_a_submission_opens_a_case_assigned_without_conflict(review, tap):
    assigned = tap("review", "review.assigned")
    review.send(submitted_event("case_1"))

    event = assigned.next()
    assert event.payload["expert_id"] == "exp-amina"
    assert event.correlation_id == "corr-review"
    reasons = {c["expert_id"]: c["reasons"] for c in event.payload["candidates"]}
    assert any("conflict of interest" in r for r in reasons["exp-salma"])
    assert any("reads none of" in r for r in reasons["exp-james"])
    stored = case("case_1")
    assert stored.status == "assigned" and stored.expert_id == "exp-amina"
    assert load_of("exp-amina") == 1
    [entry] = AuditEntry.objects(case_id="case_1")
    assert entry.action == "review.assigned" and "least loaded" in entry.reason


def test_no_qualified_expert_leaves_the_case_visibly_unassigned(review, tap):
    operations.add_expert("exp-amina", "Amina B.", ["ar"], [], capacity=0)
    review.send(submitted_event("case_wait"))
    wait_until(lambda: case("case_wait"), what="case")
    assert case("case_wait").status == "unassigned"
    [entry] = AuditEntry.objects(case_id="case_wait")
    assert entry.action == "review.unassigned"


def test_a_redelivered_event_changes_nothing(review, tap):
    assigned = tap("review", "review.assigned")
    event = submitted_event("case_2")
    review.send(event)
    assigned.next()
    review.send(event)  # the same event_id again, as after a crash before the ack
    review.send(submitted_event("case_3"))  # consumed after the duplicate
    assigned.next()
    assert AuditEntry.objects(case_id="case_2").count() == 1
    assert load_of("exp-amina") == 2
    assert assigned.empty()


def test_a_malformed_event_is_rejected_whole_and_kept_visible(review, tap):
    assigned = tap("review", "review.assigned")
    message = submitted_event("case_bad").to_message()
    message["payload"]["commitments"][0]["self_reported_completion"] = "finished"
    review.send_raw(message)
    review.send_raw({"event_type": SELF_ASSESSMENT_SUBMITTED, "payload": "not an envelope"})

    wait_until(lambda: RejectedMessage.objects(kind="malformed").count() == 2, what="two rejections")
    reasons = sorted(r.reason for r in RejectedMessage.objects)
    assert reasons[0].startswith("envelope does not match the contract")
    assert reasons[1].startswith("payload does not match the contract") and "self_reported_completion" in reasons[1]
    assert case("case_bad") is None and AuditEntry.objects(case_id="case_bad").count() == 0
    assert assigned.empty()


def test_rating_submitting_and_quality_review_over_http(review, tap):
    returned = tap("review", "review.returned")
    review.send(submitted_event("case_4"))
    wait_until(lambda: (case("case_4") or None) and case("case_4").status == "assigned", what="assignment")
    amina = operations.issue_token("expert", "exp-amina")
    james = operations.issue_token("expert", "exp-james")
    reviewer = operations.issue_token("quality_reviewer", "iep-rivera")
    author_as_reviewer = operations.issue_token("quality_reviewer", "exp-amina")
    path = "/api/v1/cases/case_4"

    def version():
        return int(review.call("GET", path, amina).headers["ETag"].strip('"'))

    def save(commitment_id, ratings, at=None):
        return review.call("PUT", f"{path}/ratings/{commitment_id}", amina, ratings, **{"If-Match": f'"{at or version()}"'})

    assert review.call("GET", path, james).status_code == 404  # not James's case
    assert review.call("GET", "/api/v1/cases/case_none", reviewer).status_code == 404
    assert review.call("GET", "/api/v1/cases?status=lost", reviewer).status_code == 422
    assert [c["case_id"] for c in review.call("GET", "/api/v1/cases", amina).json()["cases"]] == ["case_4"]
    assert review.call("GET", "/api/v1/cases", james).json()["cases"] == []
    assert save("TN0501", sample.RATINGS["TN0501"]).status_code == 409  # not accepted yet
    assert review.call("POST", f"{path}/accept", amina).status_code == 200
    assert review.call("POST", f"{path}/accept", amina).status_code == 409

    assert save("TN0501", {"verifiability": {"value": "maybe"}}).status_code == 422
    not_reviewable = {"verifiability": {"value": "not_verifiable", "justification": {"en": "x"}},
                      "completion": {"value": "complete", "justification": {"en": "x"}}}
    answer = save("TN0501", not_reviewable)
    assert answer.status_code == 422 and "completion" in answer.json()["error"]["fields"]
    assert save("TN9999", sample.RATINGS["TN0503"]).status_code == 404
    no_precondition = review.call("PUT", f"{path}/ratings/TN0501", amina, sample.RATINGS["TN0501"])
    assert no_precondition.status_code == 428

    saved = save("TN0501", sample.RATINGS["TN0501"])
    assert saved.status_code == 200, saved.text
    assert save("TN0502", sample.RATINGS["TN0502"], at=saved.json()["version"] - 1).status_code == 409  # stale

    missing = review.call("POST", f"{path}/submit", amina)
    assert missing.status_code == 422
    assert missing.json()["error"]["fields"]["ratings"] == [
        "TN0502.verifiability", "TN0503.verifiability", "plan.co_creation", "plan.acted_contrary_to_process"]
    for commitment_id in ("TN0502", "TN0503"):
        assert save(commitment_id, sample.RATINGS[commitment_id]).status_code == 200
    contrary_without_reason = {"acted_contrary_to_process": {"value": True, "justification": {"en": "late"}}}
    assert review.call("PUT", f"{path}/plan-assessment", amina, contrary_without_reason,
                       **{"If-Match": f'"{version()}"'}).status_code == 422
    assert review.call("PUT", f"{path}/plan-assessment", amina, sample.PLAN_ASSESSMENT,
                       **{"If-Match": f'"{version()}"'}).status_code == 200
    assert review.call("POST", f"{path}/submit", amina).status_code == 200

    assert review.call("POST", f"{path}/quality-decision", author_as_reviewer, {"decision": "approve"}).status_code == 403
    assert review.call("POST", f"{path}/quality-decision", amina, {"decision": "approve"}).status_code == 403
    assert review.call("POST", f"{path}/quality-decision", reviewer, {"decision": "return"}).status_code == 422
    back = review.call("POST", f"{path}/quality-decision", reviewer,
                       {"decision": "return", "comments": [{"commitment_id": "TN0502", "text": {"fr": "Preuves ?"}}]})
    assert back.status_code == 200
    assert returned.next().payload["comments"][0]["commitment_id"] == "TN0502"
    assert review.call("POST", f"{path}/quality-decision", reviewer, {"decision": "approve"}).status_code == 409

    assert review.call("POST", f"{path}/submit", amina).status_code == 200
    approved = review.call("POST", f"{path}/quality-decision", reviewer, {"decision": "approve"})
    assert approved.status_code == 200 and approved.json()["status"] == "government_review"
    actions = [e.action for e in AuditEntry.objects(case_id="case_4").order_by("seq")]
    assert actions == ["review.assigned", "review.accepted", "rating.saved", "rating.saved", "rating.saved",
                       "plan_assessment.saved", "review.submitted", "review.returned", "review.submitted",
                       "review.quality_approved"]
