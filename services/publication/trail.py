"""A case's audit trail as the public reads it: entries in order, checked against the head
its latest finding recorded, with sealed content only where the disclosure rule
(shared/disclosure.py) allows. Used by the public endpoints and by `irmctl audit verify`."""
from shared import audit, disclosure
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
