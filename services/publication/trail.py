"""A case's audit trail as the public reads it: entries in order, checked against the head
its latest finding recorded. Used by the public endpoint and by `irmctl audit verify`."""
from shared import audit
from shared.persistence.documents import AuditEntry


def read(case_id: str):
    """(latest finding or None, entries, verification)."""
    from services.publication import documents  # late: documents stay out of the service module's scope

    # The finding first: it commits together with its audit entry, so reading it before the
    # entries guarantees they include that one (the other order could read the chain just
    # before the publication commits, and report a missing head).
    finding = documents.Finding.objects(case_id=case_id).order_by("-version").first()
    entries = list(AuditEntry._get_collection().find({"case_id": case_id}, {"_id": 0}, sort=[("seq", 1)]))
    return finding, entries, audit.verify_chain(entries, expected_head=finding.audit_head if finding else None)


def entries_for(keys) -> dict:
    """{(case_id, seq): entry} for the given keys, read per case (one query each)."""
    wanted = {}
    for case_id, seq in keys:
        wanted.setdefault(case_id, set()).add(seq)
    found = {}
    for case_id, seqs in wanted.items():
        for entry in AuditEntry._get_collection().find({"case_id": case_id, "seq": {"$in": sorted(seqs)}}, {"_id": 0}):
            found[(case_id, entry["seq"])] = entry
    return found
