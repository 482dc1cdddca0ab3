"""Time in one canonical form: timezone-aware UTC, ISO-8601 with millisecond precision.

BSON keeps milliseconds and hands datetimes back naive, so anything that is hashed or
compared across services uses these strings, never a raw datetime.
"""
from datetime import datetime, timezone


def utcnow() -> datetime:
    now = datetime.now(timezone.utc)
    return now.replace(microsecond=(now.microsecond // 1000) * 1000)


def aware(moment: datetime | None) -> datetime | None:
    """A stored moment as a timezone-aware datetime: BSON hands datetimes back naive, and naive means UTC."""
    return moment if moment is None or moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def iso(dt: datetime) -> str:
    dt = aware(dt).astimezone(timezone.utc)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


def now_iso() -> str:
    return iso(utcnow())
