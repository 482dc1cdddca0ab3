"""The case status a self-assessment shows, as the other services' events move it."""
from shared.contracts.events import (
    FINDING_PUBLISHED, REVIEW_ACCEPTED, REVIEW_APPROVED, REVIEW_ASSIGNED, REVIEW_CORRECTION_OPENED,
    REVIEW_PUBLIC_COMMENT_OPENED, REVIEW_QUALITY_APPROVED, REVIEW_RETURNED, REVIEW_SUBMITTED, REVIEW_UNASSIGNED,
)

# The case status a self-assessment shows after each event the other services emit: the
# review's own stage names (services/review/domain/workflow.py), then publication's.
STATUS_AFTER = {
    REVIEW_UNASSIGNED: "unassigned",
    REVIEW_ASSIGNED: "assigned",
    REVIEW_ACCEPTED: "in_review",
    REVIEW_SUBMITTED: "quality_review",
    REVIEW_RETURNED: "in_review",
    REVIEW_QUALITY_APPROVED: "government_review",
    REVIEW_PUBLIC_COMMENT_OPENED: "public_comment",
    REVIEW_APPROVED: "approved",
    REVIEW_CORRECTION_OPENED: "in_review",  # a published finding reopened: the expert revises it
    FINDING_PUBLISHED: "published",
}


def status_update(current_at: str, event_type: str, occurred_at: str, payload: dict | None = None):
    """The new status for an event, or None if it is older than what is shown (out-of-order delivery)."""
    if occurred_at < current_at:
        return None
    if event_type == FINDING_PUBLISHED and (payload or {}).get("status") == "withdrawn":
        return "withdrawn"
    return STATUS_AFTER[event_type]
