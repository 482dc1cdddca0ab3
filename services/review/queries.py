"""Review's reads: what the entrypoints and the handlers look up, and how.

Reads outside a transaction go through mongoengine here; a read a decision depends on goes
through the unit of work given (`uow`), so it sees the transaction's snapshot (and a fake
unit of work in the handlers' unit tests).
"""
from services.review import documents
from services.review.domain import assignment
from shared import access

API_FIELDS = {
    "government": ("comment_id", "commitment_id", "text", "author_id", "at", "response"),
    "public": ("comment_id", "commitment_id", "text", "author", "confidential", "at"),
}
CASE_LIST_LIMIT = 200


def comments_of(case, kind, published_only=False, uow=None) -> list:
    """A case's comments of one kind in its current round, in order, as the API shows them.

    An index range on (case_id, round, kind, seq), bounded by the case's own counter, which the
    per-case cap bounded when each comment was written."""
    count = case.public_comment_count if kind == "public" else case.government_comment_count
    if not count:
        return []  # (a limit of 0 would mean no limit)
    query = {"case_id": case.case_id, "round": case.comment_round, "kind": kind, "seq": {"$lte": count}}
    if published_only:
        query["confidential"] = False
    if uow is not None:
        found = uow.find(documents.Comment, query, sort=[("seq", 1)], limit=count)
    else:
        found = documents.Comment.objects(__raw__=query).order_by("seq").limit(count)
    return [_as_shown(comment.to_mongo(), kind) for comment in found]


def _as_shown(son, kind) -> dict:
    return {key: son.get("_id" if key == "comment_id" else key) for key in API_FIELDS[kind]}


def case(case_id):
    return documents.Case.objects(case_id=case_id).first()


def cases_listed_for(principal, status=None):
    """The cases a caller's list may hold, newest change first. It only narrows (an expert's own
    and past cases); shared/access.py still decides each one."""
    if principal.role == "expert":
        filters = {"$or": [{"expert_id": principal.subject}, {"excluded_experts": principal.subject}]}
    elif principal.role == "quality_reviewer":  # in or past quality review (access.CaseFacts.been_in_quality_review)
        filters = {"$or": [{"status": access.QUALITY_REVIEW_STAGE}, {"reviewer_id": {"$ne": None}}]}
    else:
        filters = {}
    if status:
        filters["status"] = status
    return documents.Case.objects(__raw__=filters).order_by("-updated_at")


def experts():
    return documents.Expert.objects.order_by("expert_id")


def cases_due(stage, until):
    """The cases in an expert stage whose deadline passed or whose reminder is due by `until`:
    one indexed range query on (status, deadline_at). A scan of every open case each second kept
    the database busy; measured on SecantusDB with 700 open cases: 1 ms per range query, 40 ms
    for the same filter written as one $or over the stages (not served from the index)."""
    return documents.Case._get_collection().find(
        {"status": stage, "deadline_at": {"$lte": until}},
        {"_id": 1, "status": 1, "deadline_at": 1, "reminded_at": 1, "correlation_id": 1})


def waiting_cases(limit=100):
    """Cases no expert could take yet (status unassigned), the oldest batch of them."""
    return documents.Case._get_collection().find({"status": "unassigned"}, {"_id": 1, "correlation_id": 1}).limit(limit)


def waiting_cases_assessed(limit=100):
    """The cases waiting with nobody eligible (status unassigned), longest waiting first, each with every registry
    entry assessed against it now (domain/assignment.py: who may not take it, and why): [(case, [Candidate])]."""
    profiles = [assignment.profile(expert) for expert in experts()]
    cases = documents.Case.objects(status="unassigned").order_by("stage_started_at").limit(limit)
    return [(case, sorted((assignment.assess(profile, case.member["code"], case.languages, case.member.get("region"),
                                             tuple(case.excluded_experts or ())) for profile in profiles),
                          key=lambda candidate: candidate.expert_id)) for case in cases]
