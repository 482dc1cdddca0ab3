"""Intake's handlers over an in-memory unit of work (tests/fake_unit_of_work.py)."""
import copy
import dataclasses
from datetime import datetime, timezone

from devtools import sample
from services.intake import documents, handlers
from shared.auth import Principal
from shared.contracts.events import REVIEW_ACCEPTED, REVIEW_ASSIGNED, SELF_ASSESSMENT_SUBMITTED, build_event
from shared.contracts.self_assessment import SelfAssessmentSchema
from shared.persistence.documents import Member
from tests.fake_unit_of_work import FakeUnitOfWork

NOW = datetime(2026, 3, 1, 9, 0, tzinfo=timezone.utc)
POC = Principal("poc-tn", "poc", "TN")
MEMBER = Member(code="TN", kind="national", names=sample.MEMBER["names"], created_at=NOW)


def valid(body):
    """A body as the entrypoint hands it over: loaded through its schema."""
    return SelfAssessmentSchema().load(copy.deepcopy(body))


def submit(uow, body, n):
    return handlers.submit_self_assessment(uow, POC, body, MEMBER, self_assessment_id=f"sa-{n}", case_id=f"case-{n}",
                                           idempotency_key=None, request_fingerprint="-", correlation_id=f"corr-{n}", now=NOW)


def test_a_resubmission_is_the_next_version_with_what_changed_and_each_is_announced():
    uow = FakeUnitOfWork("intake")
    first = valid(sample.SELF_ASSESSMENT)
    assert submit(uow, first, 1) == 1
    second = copy.deepcopy(first)
    second["commitments"][0]["self_reported_completion"] = "complete"
    del second["commitments"][2]
    assert submit(uow, second, 2) == 2
    stored = uow.get(documents.SelfAssessment, {"_id": "sa-2"})
    assert stored.previous_version_id == "sa-1" and stored.case_status == "submitted"
    assert stored.changes == {"added": [], "removed": ["TN0503"], "changed": {"TN0501": ["self_reported_completion"]},
                              "co_creation_changed": False}
    assert [e.event_type for e in uow.events] == [SELF_ASSESSMENT_SUBMITTED] * 2
    assert uow.events[-1].payload["version"] == 2 and uow.entries[-1]["data"]["previous_version_id"] == "sa-1"


def test_the_case_status_follows_the_events_and_ignores_an_older_one_delivered_late():
    uow = FakeUnitOfWork("intake")
    submit(uow, valid(sample.SELF_ASSESSMENT), 1)
    actor = {"role": "system", "id": "review"}
    assigned = build_event(REVIEW_ASSIGNED, {"case_id": "case-1", "member_code": "TN", "expert_id": "exp-a", "reason": "r",
                                             "candidates": []}, correlation_id="corr-1", actor=actor)
    accepted = build_event(REVIEW_ACCEPTED, {"case_id": "case-1", "member_code": "TN", "expert_id": "exp-a",
                                             "deadline_at": "2026-05-01T00:00:00.000Z"}, correlation_id="corr-1", actor=actor)
    # Delivered out of order: the acceptance first, then the assignment that happened before it.
    assigned = dataclasses.replace(assigned, occurred_at="2030-01-01T00:00:00.000Z")
    accepted = dataclasses.replace(accepted, occurred_at="2030-01-02T00:00:00.000Z")
    assert handlers.follow_case_status(uow, accepted) == "in_review"
    assert handlers.follow_case_status(uow, assigned) is None  # older than what is shown
    stored = uow.get(documents.SelfAssessment, {"case_id": "case-1"})
    assert stored.case_status == "in_review" and [h["status"] for h in stored.case_history] == ["submitted", "in_review"]


def test_the_government_review_window_is_kept_with_the_stage_and_cleared_by_the_next():
    from shared.contracts.events import REVIEW_QUALITY_APPROVED, REVIEW_PUBLIC_COMMENT_OPENED
    uow = FakeUnitOfWork("intake")
    submit(uow, valid(sample.SELF_ASSESSMENT), 1)
    actor = {"role": "system", "id": "review"}
    approved = build_event(REVIEW_QUALITY_APPROVED, {"case_id": "case-1", "member_code": "TN", "expert_id": "exp-a",
                                                     "reviewer_id": "iep-1", "government_review_until": "2030-01-15T00:00:00.000Z"},
                           correlation_id="corr-1", actor=actor)
    assert handlers.follow_case_status(uow, dataclasses.replace(approved, occurred_at="2030-01-01T00:00:00.000Z")) == \
        "government_review"
    assert uow.get(documents.SelfAssessment, {"case_id": "case-1"}).case_window_until == "2030-01-15T00:00:00.000Z"
    opened = build_event(REVIEW_PUBLIC_COMMENT_OPENED, {"case_id": "case-1", "member_code": "TN", "expert_id": "exp-a",
                                                        "closes_at": "2030-02-15T00:00:00.000Z"}, correlation_id="corr-1", actor=actor)
    handlers.follow_case_status(uow, dataclasses.replace(opened, occurred_at="2030-01-16T00:00:00.000Z"))
    assert uow.get(documents.SelfAssessment, {"case_id": "case-1"}).case_window_until == "2030-02-15T00:00:00.000Z"
    accepted = build_event(REVIEW_ACCEPTED, {"case_id": "case-1", "member_code": "TN", "expert_id": "exp-a",
                                             "deadline_at": "2030-05-01T00:00:00.000Z"}, correlation_id="corr-1", actor=actor)
    handlers.follow_case_status(uow, dataclasses.replace(accepted, occurred_at="2030-03-01T00:00:00.000Z"))
    assert uow.get(documents.SelfAssessment, {"case_id": "case-1"}).case_window_until is None  # the expert's, not the government's


def test_a_draft_is_kept_replaced_by_the_next_save_and_gone_once_the_plan_is_submitted():
    uow = FakeUnitOfWork("intake")
    handlers.save_draft(uow, POC, "TN", 5, {"cycle": "2023-2025", "commitments": []}, NOW)
    handlers.save_draft(uow, POC, "TN", 5, {"cycle": "2023-2025", "commitments": [{"commitment_id": "TN0501"}]}, NOW)
    kept = uow.find(documents.SelfAssessmentDraft, {})
    assert len(kept) == 1 and kept[0].body["commitments"] == [{"commitment_id": "TN0501"}] and kept[0].saved_by == "poc-tn"
    assert uow.entries == [] and uow.events == []  # a draft decides nothing
    handlers.save_draft(uow, POC, "TN", 6, {}, NOW)
    submit(uow, valid(sample.SELF_ASSESSMENT), 1)  # plan 5's
    assert [d.plan_number for d in uow.find(documents.SelfAssessmentDraft, {})] == [6]
