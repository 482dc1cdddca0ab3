"""Stable cursor pagination: a cursor names the last item seen (its publication time and id),
so pages do not shift when new findings are published while someone pages through."""
import base64
import json
from datetime import datetime, timezone

from shared.clock import iso
from shared.http import Unprocessable


def encode_cursor(published_at: datetime, finding_id: str) -> str:
    raw = json.dumps([iso(published_at), finding_id], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str):
    try:
        published_at, finding_id = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        moment = datetime.strptime(published_at, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc)
        return moment, str(finding_id)
    except (ValueError, TypeError):
        raise Unprocessable("The cursor is not one this API gave.", {"cursor": ["Use the `next` link as given."]}) from None
