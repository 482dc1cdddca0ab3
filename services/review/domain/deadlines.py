"""Time rules of a review: stage deadlines, reminders, and the comment windows.

All durations are configurable (shared/settings.py); the defaults follow the IRM's
practice. The public comment period can be set longer but never under its minimum.
"""
from dataclasses import dataclass
from datetime import timedelta

from shared import settings

DAY = 24 * 3600


@dataclass(frozen=True)
class Timing:
    accept_seconds: int = 7 * DAY            # an assigned expert accepts or declines within this
    review_seconds: int = 60 * DAY           # an accepted expert submits the draft within this
    government_review_seconds: int = 14 * DAY  # the PoC's window for factual comments
    public_comment_seconds: int = 14 * DAY   # the draft stays public at least this long
    reminder_fraction: float = 0.25          # remind when this share of a stage is left

    @classmethod
    def from_config(cls, config) -> "Timing":
        """From nameko's config; an absent setting is its declared default (shared/settings.py)."""
        timing = cls(accept_seconds=settings.value(config, "ACCEPT_DEADLINE_SECONDS"),
                     review_seconds=settings.value(config, "REVIEW_DEADLINE_SECONDS"),
                     government_review_seconds=settings.value(config, "GOVERNMENT_REVIEW_SECONDS"),
                     public_comment_seconds=settings.value(config, "PUBLIC_COMMENT_SECONDS"))
        minimum = settings.value(config, "PUBLIC_COMMENT_MIN_SECONDS")
        if timing.public_comment_seconds < minimum:
            raise ValueError(f"PUBLIC_COMMENT_SECONDS ({timing.public_comment_seconds}) is under the minimum ({minimum})")
        return timing

    def stage_seconds(self, status: str) -> int | None:
        return {"assigned": self.accept_seconds, "in_review": self.review_seconds}.get(status)


def deadline(status: str, started_at, timing: Timing):
    """When the expert's current stage must be done, or None for stages without one."""
    seconds = timing.stage_seconds(status)
    return started_at + timedelta(seconds=seconds) if seconds is not None else None


def government_review_until(approved_at, timing: Timing):
    """When the government's window to comment on a draft approved at `approved_at` closes."""
    return approved_at + timedelta(seconds=timing.government_review_seconds)


def public_comment_closes_at(opened_at, timing: Timing):
    """When the public comment period opened at `opened_at` closes."""
    return opened_at + timedelta(seconds=timing.public_comment_seconds)


def reminder_lead(status: str, timing: Timing):
    """How long before the stage's deadline its expert is reminded (a fraction of the stage), or None for
    stages without one."""
    seconds = timing.stage_seconds(status)
    return timedelta(seconds=seconds * timing.reminder_fraction) if seconds is not None else None


def reminder_due(status: str, deadline_at, reminded_at, now, timing: Timing) -> bool:
    lead = reminder_lead(status, timing)
    if lead is None or deadline_at is None or reminded_at is not None:
        return False
    return now >= deadline_at - lead and now < deadline_at


def missed(deadline_at, now) -> bool:
    return deadline_at is not None and now >= deadline_at
