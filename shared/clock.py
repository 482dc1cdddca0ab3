"""Time in one canonical form: timezone-aware UTC, ISO-8601 with millisecond precision.

BSON keeps milliseconds and hands datetimes back naive, so anything that is hashed or
compared across services uses these strings, never a raw datetime.
"""
from datetime import datetime, timezone


def utcnow() -> datetime:
    now = datetime.now(timezone.utc)
    return now.replace(microsecond=(now.microsecond // 1000) * 1000)


def iso(dt: datetime) -> str:
    if dt.tzinfo is None:  # BSON round-trip: naive means UTC
        dt = dt.replace(tzinfo=timezone.utc)
    dt = dt.astimezone(timezone.utc)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


def now_iso() -> str:
    return iso(utcnow())
