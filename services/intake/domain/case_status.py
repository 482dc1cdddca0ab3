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


# The moment until which a stage waits on someone, as its event names it: the government's
# factual review window, then the public comment period. Other stages name none.
WINDOW_UNTIL = {
    REVIEW_QUALITY_APPROVED: "government_review_until",
    REVIEW_PUBLIC_COMMENT_OPENED: "closes_at",
}


def window_until(event_type: str, payload: dict | None) -> str | None:
    """Until when the stage the event opens waits (ISO-8601 UTC, as the event says it), or None."""
    name = WINDOW_UNTIL.get(event_type)
    return (payload or {}).get(name) if name else None
