"""Intake's rules: what a submission records, what it tells the others, how status moves."""
from shared.audit import fingerprint
from shared.contracts.events import (
    FINDING_PUBLISHED, REVIEW_APPROVED, REVIEW_ASSIGNED, REVIEW_RETURNED, REVIEW_SUBMITTED,
)
from shared.contracts.fields import languages_of

# The case status a self-assessment shows after each event the other services emit.
STATUS_AFTER = {
    REVIEW_ASSIGNED: "assigned",
    REVIEW_SUBMITTED: "quality_review",
    REVIEW_RETURNED: "in_review",
    REVIEW_APPROVED: "approved",
    FINDING_PUBLISHED: "published",
}


def submission_languages(body: dict) -> list:
    texts = []
    for commitment in body["commitments"]:
        texts += [commitment["title"], commitment.get("narrative")]
        texts += [evidence.get("description") for evidence in commitment.get("evidence", [])]
    return languages_of(*texts)


def content_sha256(body: dict) -> str:
    """A fingerprint of exactly what was submitted; the audit trail keeps this, not the text."""
    return fingerprint(body)


def submitted_payload(*, self_assessment_id, case_id, member: dict, body: dict, languages: list) -> dict:
    return {
        "self_assessment_id": self_assessment_id,
        "case_id": case_id,
        "member": member,
        "action_plan": body["action_plan"],
        "languages": languages,
        "commitments": body["commitments"],
    }


def status_update(current_at: str, event_type: str, occurred_at: str):
    """The new status for an event, or None if it is older than what is shown (out-of-order delivery)."""
    if occurred_at < current_at:
        return None
    return STATUS_AFTER[event_type]
