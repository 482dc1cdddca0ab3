"""Paging by publication position: the pure rules (no database here).

Every finding version gets a position when it is published: 1, 2, 3, ... in the order of
publication (services/publication/positions.py). A list is read newest first as windows of
positions, (lo, hi], each an index range: SecantusDB answers a sorted, limited `find` by
reading every document its filter matches (bench/FINDINGS.md, 2026-12-01), but a range on an
indexed field reads only the documents in that range. So a page reads the window just below
where it starts, and a wider one below that (doubling) until the page is full.

A cursor names the position to continue below, so pages do not shift when new findings are
published while someone pages through: new findings get higher positions.
"""
import base64
import json
from datetime import datetime, timezone

from shared.http import Unprocessable

BOTTOM = 1  # the first position


def collect(read_window, top: int, want: int, first_window: int, position, budget: int | None = None):
    """Up to `want` items at or below position `top`, newest first, read window by window.

    `read_window(lo, hi)` returns the matching items with lo < position <= hi, newest first;
    `position(item)` is an item's position. Windows start `first_window` wide and double.
    `budget` bounds the positions one call reads (None: down to the bottom if need be), so
    a filter that matches rarely answers with fewer than `want` items rather than reading
    every finding. Returns (items, before): `before` is where the next page starts (positions
    strictly below it), None when nothing below is left to read.
    """
    found, hi, size, scanned = [], top, max(1, first_window), 0
    while hi >= BOTTOM:
        lo = max(hi - size, BOTTOM - 1)
        found += read_window(lo, hi)
        scanned += hi - lo
        hi = lo
        if len(found) > want:
            return found[:want], position(found[want - 1])
        if budget is not None and scanned >= budget:
            break
        size *= 2
    return found, (hi + 1 if hi >= BOTTOM else None)


def encode_cursor(before: int) -> str:
    raw = json.dumps({"before": before}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str):
    """("before", position) for this API's cursors; ("after", finding id) for a cursor of the
    earlier format ([publication time, finding id]), which names the last finding seen."""
    try:
        decoded = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if isinstance(decoded, dict) and type(decoded.get("before")) is int and decoded["before"] >= BOTTOM:
            return "before", decoded["before"]
        published_at, finding_id = decoded
        datetime.strptime(published_at, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc)
        if not isinstance(finding_id, str):
            raise TypeError
        return "after", finding_id
    except (ValueError, TypeError, AttributeError):
        raise not_a_cursor() from None


def not_a_cursor() -> Unprocessable:
    return Unprocessable("The cursor is not one this API gave.", {"cursor": ["Use the `next` link as given."]})
