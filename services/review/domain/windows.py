"""Whether an action on a case is open at a moment, by the clock: one rule for every window and deadline.

The state machine (workflow.py) says what a case may do in its state; this says when. A
case stays in `public_comment` after its period ended until the expert finalises, and an
expert stage outlives its deadline until the deadline watch reassigns it, so the state
alone would let a late comment or a late acceptance through.

    comment_government     until government_review_until   (the PoC's window)
    open_public_comment    from government_review_until
    comment_public         until public_comment_closes_at  (the public comment period)
    finalise               from public_comment_closes_at
    accept                 until deadline_at               (the expert's deadline to accept)
    save_rating, submit    until deadline_at               (the expert's deadline to submit)

Every other action has no time rule here. Moments are timezone-aware datetimes.
"""
from dataclasses import dataclass
from datetime import datetime

from shared.clock import iso


@dataclass(frozen=True)
class Verdict:
    open: bool
    reason: str = ""  # why it is closed, in words a person can act on


OPEN = Verdict(True)

# action -> (the moment that bounds it, "until" it or "from" it, the closed reason given that moment)
RULES = {
    "comment_government": ("government_review_until", "until", "The government review window closed at {}."),
    "open_public_comment": ("government_review_until", "from", "The government may comment until {}."),
    "comment_public": ("public_comment_closes_at", "until", "The public comment period closed at {}."),
    "finalise": ("public_comment_closes_at", "from", "The public comment period runs until {}."),
    "accept": ("deadline_at", "until", "The deadline to accept this case passed at {}; it is being reassigned."),
    "save_rating": ("deadline_at", "until", "The deadline for this draft passed at {}; the case is being reassigned."),
    "submit": ("deadline_at", "until", "The deadline for this draft passed at {}; the case is being reassigned."),
}


def window(action: str, now: datetime, *, government_review_until: datetime | None = None,
           public_comment_closes_at: datetime | None = None, deadline_at: datetime | None = None) -> Verdict:
    """Is `action` open at `now`, given the case's moments? An "until" is open strictly before its
    moment, a "from" at and after it. A window whose moment was never set is closed (the case never
    opened it); a stage without a deadline has no time limit."""
    rule = RULES.get(action)
    if rule is None:
        return OPEN
    key, side, closed = rule
    moment = {"government_review_until": government_review_until, "public_comment_closes_at": public_comment_closes_at,
              "deadline_at": deadline_at}[key]
    if moment is None:
        return OPEN if key == "deadline_at" else Verdict(False, f"This case has no {key.replace('_', ' ')} set: not open.")
    is_open = now < moment if side == "until" else now >= moment
    return OPEN if is_open else Verdict(False, closed.format(iso(moment)))
