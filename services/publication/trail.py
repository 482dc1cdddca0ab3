"""A case's audit trail as the public reads it: entries in order, checked against the head
its latest finding recorded, with sealed content only where the disclosure rule
(shared/disclosure.py) allows. Used by the public endpoints and by `irmctl audit verify`."""
import base64
import binascii
import json

from shared import audit, disclosure
from shared.http import Unprocessable
from shared.persistence.documents import AuditEntry, SealedContent


def read(case_id: str):
    """(latest finding or None, entries as stored, verification)."""
    from services.publication import documents  # late: documents stay out of the service module's scope

    # The finding first: it commits together with its audit entry, so reading it before the
    # entries guarantees they include that one (the other order could read the chain just
    # before the publication commits, and report a missing head).
    finding = documents.Finding.objects(case_id=case_id).order_by("-version").first()
    entries = list(AuditEntry._get_collection().find({"case_id": case_id}, {"_id": 0}, sort=[("seq", 1)]))
    return finding, entries, audit.verify_chain(entries, expected_head=finding.audit_head if finding else None)


def logged(case_id: str):
    """The case's trail as the public reads it (disclosed), its verification, and {seq: log
    index} of its entries already in the log: (latest finding, entries, verification, logged),
    or None when the case has no trail. What the audit and timeline endpoints and pages show."""
    from services.publication import documents

    finding, entries, verification = read(case_id)
    if not entries:
        return None
    leaves = {raw["seq"]: raw["_id"] for raw in documents.LogLeaf._get_collection().find({"case_id": case_id}, {"seq": 1})}
    return finding, disclosed(case_id, entries), verification, leaves


def timeline(case_id: str) -> dict | None:
    """Who did what, when and why: the case's disclosed entries in the order the transparency log
    holds them, each with its log index; None when the case has no trail."""
    from services.publication import views

    found = logged(case_id)
    if found is None:
        return None
    _, entries, _, leaves = found
    # Entries not yet appended (seconds old) come last, in chain order, with no log index.
    entries.sort(key=lambda e: (leaves.get(e["seq"]) is None, leaves.get(e["seq"], 0), e["seq"]))
    return {"case_id": case_id, "audit_url": f"/api/v1/cases/{case_id}/audit",
            "events": [views.timeline_event(e, leaves.get(e["seq"])) for e in entries]}


def disclosed(case_id: str, entries: list) -> list:
    """The case's entries as the public reads them (see disclosure.public_entry)."""
    reached = disclosure.moments_reached(entries)
    sealed = _sealed_contents(case_id, disclosure.disclosed_seqs(entries))
    return [disclosure.public_entry(entry, reached, sealed.get(entry["seq"])) for entry in entries]


def disclosed_entries_for(keys) -> dict:
    """{(case_id, seq): public entry} for the given keys, read per case: the entries, the
    moments each case has reached (what the disclosure rule needs), and what is disclosed."""
    wanted = {}
    for case_id, seq in keys:
        wanted.setdefault(case_id, set()).add(seq)
    found = {}
    for case_id, seqs in wanted.items():
        entries = list(AuditEntry._get_collection().find({"case_id": case_id, "seq": {"$in": sorted(seqs)}}, {"_id": 0}))
        moments = list(AuditEntry._get_collection().find(
            {"case_id": case_id, "action": {"$in": sorted(disclosure.MOMENTS)}}, {"_id": 0, "action": 1, "seq": 1}))
        reached = disclosure.moments_reached(moments)
        public_seqs = [e["seq"] for e in entries if (d := disclosure.disclosure_of(e, reached)) is not None and d.public]
        sealed = _sealed_contents(case_id, public_seqs)
        for entry in entries:
            found[(case_id, entry["seq"])] = disclosure.public_entry(entry, reached, sealed.get(entry["seq"]))
    return found


def _sealed_contents(case_id: str, seqs) -> dict:
    if not seqs:
        return {}
    return {raw["seq"]: raw for raw in SealedContent._get_collection().find(
        {"case_id": case_id, "seq": {"$in": sorted(seqs)}}, {"_id": 0, "seq": 1, "salt": 1, "content": 1})}


# Corrections and withdrawals across every case: the decisions that change what was published, with their reasons.
CORRECTION_ACTIONS = ("finding.withdrawn", "review.correction_opened")
CORRECTION_FIELDS = ("case_id", "seq", "occurred_at", "service", "action", "actor", "reason", "data")


def encode_corrections_cursor(entry: dict) -> str:
    raw = json.dumps([entry["occurred_at"], entry["case_id"], entry["seq"]], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_corrections_cursor(cursor: str) -> tuple:
    try:
        occurred_at, case_id, seq = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not (isinstance(occurred_at, str) and isinstance(case_id, str) and isinstance(seq, int)):
            raise ValueError(cursor)
        return occurred_at, case_id, seq
    except (ValueError, TypeError, binascii.Error):
        raise Unprocessable("The cursor is not one this API gave.", {"cursor": ["Use the `next` cursor as given."]}) from None


def _older_than(cursor: tuple) -> dict:
    occurred_at, case_id, seq = cursor
    return {"$or": [{"occurred_at": {"$lt": occurred_at}},
                    {"occurred_at": occurred_at, "case_id": {"$lt": case_id}},
                    {"occurred_at": occurred_at, "case_id": case_id, "seq": {"$lt": seq}}]}


def corrections(cursor: str | None = None, limit: int = 50) -> dict:
    """Findings withdrawn and cases reopened for correction, newest first, `limit` a page after `cursor`: each
    action read on its own index range (by_action_newest_first), at most limit + 1 entries, then merged.
    {"corrections": [entries with the fields the timeline shows], "next": the next page's cursor or None}."""
    after = decode_corrections_cursor(cursor) if cursor else None
    projection = {**{field: 1 for field in CORRECTION_FIELDS}, "_id": 0}
    found = []
    for action in CORRECTION_ACTIONS:
        query = {"action": action, **(_older_than(after) if after else {})}
        found += AuditEntry._get_collection().find(query, projection, limit=limit + 1,
                                                   sort=[("occurred_at", -1), ("case_id", -1), ("seq", -1)])
    found.sort(key=lambda e: (e["occurred_at"], e["case_id"], e["seq"]), reverse=True)
    page = found[:limit]
    return {"corrections": [correction_item(e) for e in page],
            "next": encode_corrections_cursor(page[-1]) if len(found) > limit else None}


def correction_item(entry: dict) -> dict:
    """A withdrawal or a correction as listed: who, when, why, and where the finding and the case's timeline are."""
    data = entry.get("data") or {}
    withdrawn = entry["action"] == "finding.withdrawn"
    return {"kind": "withdrawal" if withdrawn else "correction", "what": entry["action"], "case_id": entry["case_id"],
            "seq": entry["seq"], "when": entry["occurred_at"], "who": entry["actor"], "why": entry.get("reason"),
            "finding_id": data.get("finding_id") if withdrawn else None, "supersedes": data.get("supersedes") if withdrawn else None,
            "timeline_url": f"/api/v1/cases/{entry['case_id']}/timeline"}
