"""When a mail that the SMTP server did not take is tried again, and when it stops being tried.

The first retry waits FIRST_DELAY, each further one twice as long, up to MAX_DELAY: a server away for
a minute gets a few tries, one away for hours gets one every ten minutes, not a flood. After
`max_attempts` failed attempts the mail is parked (FAILED): an operator sees it (`irmctl mail list
--failed`, the irm_mail_messages gauge) and nothing sends it on its own again.
"""
from dataclasses import dataclass
from datetime import datetime, timedelta

PENDING, SENT, FAILED = "pending", "sent", "failed"
STATUSES = (PENDING, SENT, FAILED)
FIRST_DELAY = timedelta(seconds=5)
MAX_DELAY = timedelta(minutes=10)
# How long one sender holds a mail it took (the SMTP exchange's own timeouts are far shorter):
# another instance, or this one after a crash, tries it again only after that.
CLAIM = timedelta(minutes=2)


@dataclass(frozen=True)
class AfterFailure:
    status: str  # PENDING (tried again at next_attempt_at) or FAILED (parked)
    attempts: int
    next_attempt_at: datetime | None


def retry_delay(attempts: int) -> timedelta:
    """The wait after the `attempts`-th failed attempt (1 -> 5 s, 2 -> 10 s, ... capped at 10 min)."""
    if attempts < 1:
        raise ValueError("a delay follows a failed attempt")
    return min(FIRST_DELAY * 2 ** min(attempts - 1, 20), MAX_DELAY)


def after_failure(attempts_before: int, now: datetime, max_attempts: int, permanent: bool = False) -> AfterFailure:
    """After a failed attempt: try again later, or park it (`permanent`: the server refused the mail itself
    with a 5xx, or it cannot be composed; waiting will not change that)."""
    attempts = attempts_before + 1
    if permanent or attempts >= max_attempts:
        return AfterFailure(FAILED, attempts, None)
    return AfterFailure(PENDING, attempts, now + retry_delay(attempts))
