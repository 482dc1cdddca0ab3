"""A quality reviewer never reviews their own draft, over review's HTTP API: their queue (GET /api/v1/cases,
status=quality_review) never lists it, they cannot read it as a reviewer nor approve or return it (403, said
why), and nothing changes; another reviewer lists it and decides on it."""
import pytest

from cli import operations
from devtools import sample
from shared.access import NEVER_OWN_WORK
from shared.persistence.documents import AuditEntry
from tests.integration.conftest import wait_until
from tests.integration.test_review import case, review, submitted_event  # noqa: F401 (the fixture)

pytestmark = pytest.mark.integration


def to_quality_review(review, case_id, expert_token):
    """The assigned expert accepts the case, rates every commitment as the sample does, assesses the plan and
    submits: the draft is in quality review."""
    path = f"/api/v1/cases/{case_id}"

    def version():
        return review.call("GET", path, expert_token).headers["ETag"]

    assert review.call("POST", f"{path}/accept", expert_token).status_code == 200
    for commitment_id, ratings in sample.RATINGS.items():
        saved = review.call("PUT", f"{path}/ratings/{commitment_id}", expert_token, ratings, **{"If-Match": version()})
        assert saved.status_code == 200, saved.text
    assessed = review.call("PUT", f"{path}/plan-assessment", expert_token, sample.PLAN_ASSESSMENT, **{"If-Match": version()})
    assert assessed.status_code == 200, assessed.text
    submitted = review.call("POST", f"{path}/submit", expert_token)
    assert submitted.status_code == 200, submitted.text


def listed(review, token):
    answer = review.call("GET", "/api/v1/cases?status=quality_review", token)
    assert answer.status_code == 200, answer.text
    return [c["case_id"] for c in answer.json()["cases"]]


def test_review_refuses_a_quality_decision_on_ones_own_draft(review):  # noqa: F811 (the fixture)
    review.send(submitted_event("case_own"))
    wait_until(lambda: case("case_own") and case("case_own").status == "assigned", what="assignment")
    author = case("case_own").expert_id
    to_quality_review(review, "case_own", operations.issue_token("expert", author))
    own = operations.issue_token("quality_reviewer", author)  # the IEP member who is also this draft's expert
    other = operations.issue_token("quality_reviewer", "iep-rivera")
    path = "/api/v1/cases/case_own"

    assert "case_own" not in listed(review, own)
    assert "case_own" not in [c["case_id"] for c in review.call("GET", "/api/v1/cases", own).json()["cases"]]
    read = review.call("GET", path, own)
    assert read.status_code == 403 and read.json()["error"]["message"] == NEVER_OWN_WORK
    entries = AuditEntry.objects(case_id="case_own").count()
    for decision in ({"decision": "approve"},
                     {"decision": "return", "comments": [{"commitment_id": "TN0501", "text": {"fr": "Moi-même."}}]}):
        refused = review.call("POST", f"{path}/quality-decision", own, decision)
        assert refused.status_code == 403 and refused.json()["error"]["message"] == NEVER_OWN_WORK
    assert case("case_own").status == "quality_review" and case("case_own").reviewer_id is None
    assert AuditEntry.objects(case_id="case_own").count() == entries

    assert listed(review, other) == ["case_own"]
    shown = review.call("GET", "/api/v1/cases?status=quality_review", other).json()["cases"][0]
    assert shown["plan_number"] == sample.SELF_ASSESSMENT["action_plan"]["plan_number"] and shown["stage_started_at"]
    assert review.call("GET", path, other).status_code == 200
    approved = review.call("POST", f"{path}/quality-decision", other, {"decision": "approve"})
    assert approved.status_code == 200 and approved.json()["status"] == "government_review"
