"""What the pages read from the database: the same documents the JSON API reads, read-only.

The log page's one read is publication's `LogCheckpoint` (services/publication/documents.py),
the document `GET /api/v1/log/checkpoint` serves. The findings pages call publication's own
query and view functions, the ones `GET /api/v1/findings` and `/api/v1/findings/{id}` call;
a member's page, publication's `member_summary` (its counts) and `member_findings` (a page of its versions).
Whether a case's draft is public (the timeline page links it then) is review's query and
the disclosure rule its public-draft endpoint applies; the draft itself comes from that
endpoint (services/web/review_api.py).
"""
from services.publication import documents as publication_documents
from services.publication import queries as publication_queries
from services.publication import trail as publication_trail
from services.publication import views as publication_views
from services.review import documents as review_documents
from services.review import queries as review_queries
from shared.persistence.documents import Member
from shared import disclosure


def findings_list(query: dict) -> dict:
    """One page of findings for a loaded FindingsQuery: {"items", "next"}, as the API lists them."""
    return publication_queries.findings_list(query)


def finding(finding_id: str) -> dict | None:
    """A finding as `GET /api/v1/findings/{id}` shows it; None if there is none."""
    found = publication_queries.finding(finding_id)
    return publication_views.finding_view(found) if found else None


def member_page(member_code: str, cursor: str | None) -> dict | None:
    """A member's page: its summary (publication's counts, kept at publication) and one page of its
    findings' versions, newest first, each as the API lists it; {"summary", "findings", "next"} (the
    next page's cursor or None), None if the member has no finding. A cursor not given here raises Unprocessable."""
    summary = publication_queries.member_summary(member_code)
    if summary is None:
        return None
    found, cursor = publication_queries.member_findings(member_code, cursor)
    return {"summary": summary, "findings": [publication_views.finding_view(f, full=False) for f in found], "next": cursor}


def latest_checkpoint() -> dict | None:
    """The largest signed checkpoint, as {"note", "size", "signed_at"}; None before the first."""
    latest = publication_documents.LogCheckpoint.objects.order_by("-size").only("note", "size", "signed_at").first()
    if latest is None:
        return None
    return {"note": latest.note, "size": latest.size, "signed_at": latest.signed_at}


def timeline(case_id: str) -> dict | None:
    """A case's timeline as `GET /api/v1/cases/{id}/timeline` shows it (the disclosure rule
    applied); None when the case has no trail."""
    return publication_trail.timeline(case_id)


def corrections(cursor: str | None, limit: int) -> dict:
    """Findings withdrawn and cases reopened for correction, newest first, as `GET /api/v1/corrections` lists them
    (publication's query: one bounded page, {"corrections", "next"}); an unknown cursor raises Unprocessable."""
    return publication_trail.corrections(cursor, limit)


def draft_is_public(case_id: str) -> bool:
    """Whether the case's draft is open to the public (review's GET .../public-draft answers it),
    by the rule that endpoint applies: the case's stage, shared/disclosure.py."""
    case = review_queries.case(case_id)
    return case is not None and disclosure.draft_is_public(case.status)


# The operator's invitation form offers the registry's members and experts (people_pages.py); both registries are
# an operator's lists of some dozens to a few hundred entries: bounded here far above that, read by _id (their key).
REGISTRY_LIMIT = 1000


def registry_members() -> list:
    """Every member of the registry as {"code", "names"}, by code (at most REGISTRY_LIMIT)."""
    found = Member._get_collection().find({}, {"names": 1}, sort=[("_id", 1)], limit=REGISTRY_LIMIT)
    return [{"code": raw["_id"], "names": dict(raw.get("names") or {})} for raw in found]


def registry_experts() -> list:
    """Every expert of the registry as {"expert_id", "name"}, by id (at most REGISTRY_LIMIT)."""
    found = review_documents.Expert._get_collection().find({}, {"name": 1}, sort=[("_id", 1)], limit=REGISTRY_LIMIT)
    return [{"expert_id": raw["_id"], "name": raw.get("name") or ""} for raw in found]
