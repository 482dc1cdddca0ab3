"""Members' summaries (domain/member_summary.py), kept up to date in the unit of work that publishes or
withdraws a finding: one upsert of counters, not a recount.

Findings stored before summaries existed are counted once, when the marker (a counter document) does not
exist yet: at the service's start (positions.FindingPositions), or by the first publication if that comes
first, as positions.py numbers them. Counting sets each summary whole, so counting again gives the same.
"""
from services.publication import documents
from services.publication.domain import member_summary

MARKER = "member_summaries"  # a FindingCounter: its `top` is how many members were counted at the start
COUNTED_FIELDS = ("member_code", "member", "languages", "cycle", "commitments", "status", "superseded_by", "position")


def stored(finding) -> dict:
    """What a summary counts of a finding (a Finding document), as the collection holds it."""
    return {field: finding[field] for field in COUNTED_FIELDS}


def record(uow, added: dict, replaced: dict | None) -> None:
    """Count the publication of `added` (superseding `replaced`, None for a first version) in its member's
    summary. Both as they were before this publication (member_summary.change)."""
    ensure_summaries(uow)
    uow.update(documents.MemberSummary, {"_id": added["member_code"]},
               {"$inc": member_summary.change(added, replaced),
                "$set": {"member": added["member"], "languages": added["languages"]}}, upsert=True)


def ensure_summaries(uow) -> bool:
    """Count every member's findings stored so far into its summary, unless that was done; whether it was now."""
    if uow.get(documents.FindingCounter, {"_id": MARKER}) is not None:
        return False
    counted = member_summary.summaries(uow.read(documents.Finding, {}, COUNTED_FIELDS))
    for member_code, summary in counted.items():
        uow.update(documents.MemberSummary, {"_id": member_code}, {"$set": summary}, upsert=True)
    uow.insert(documents.FindingCounter(counter_id=MARKER, top=len(counted)))
    return True
