"""Intake's reads outside a transaction."""
from services.intake import documents, evidence_store
from services.intake.domain import submission
from shared.http import Unprocessable
from shared.persistence import documents as shared_documents

VERSIONS_LIMIT = 200


def member(code):
    return _by_id(shared_documents.Member, code)


def _by_id(document, _id):
    """One document by its id, read straight through pymongo: a QuerySet costs more to build than the read."""
    raw = document._get_collection().find_one({"_id": _id})
    return document._from_son(raw) if raw else None


def members(after=None, limit=50) -> tuple:
    """A page of the registry: (up to `limit` members in code order after the cursor `after`, a code; the next
    page's cursor, or None). Read by _id, one more than the page to know whether another follows."""
    query = {"_id": {"$gt": after}} if after else {}
    found = [shared_documents.Member._from_son(raw) for raw in
             shared_documents.Member._get_collection().find(query, sort=[("_id", 1)], limit=limit + 1)]
    page = found[:limit]
    return page, (page[-1].code if len(found) > limit and page else None)


def idempotency_key(key):
    return _by_id(documents.IdempotencyKey, key) if key else None


def self_assessment(self_assessment_id):
    return documents.SelfAssessment.objects(id=self_assessment_id).first()


def versions(filters):
    """Self-assessments matching {member_code, cycle, plan_number}, newest first."""
    return documents.SelfAssessment.objects(**filters).order_by("-submitted_at").limit(VERSIONS_LIMIT)


def plan_commitments(member_code, plan_number):
    return documents.ActionPlanCommitment.objects(member_code=member_code, plan_number=plan_number).order_by("number")


def member_files(body, member_code) -> dict:
    """The stored files the body references, each checked to be this member's evidence (422 naming each other one)."""
    wanted = submission.evidence_file_ids(body)
    if not wanted:
        return {}
    found = evidence_store.find(wanted)
    errors = {}
    for c_index, commitment in enumerate(body["commitments"]):
        for e_index, item in enumerate(commitment.get("evidence", [])):
            file_id = item.get("file_id")
            if file_id and (file_id not in found or found[file_id][0] != member_code):
                errors[f"commitments[{c_index}].evidence[{e_index}].file_id"] = [
                    f"No evidence file {file_id} uploaded for {member_code}: upload it to /api/v1/evidence first."]
    if errors:
        raise Unprocessable("The body references unknown evidence files.", errors)
    return {file_id: description for file_id, (_, description) in found.items()}


def member_plans(member_code) -> tuple:
    """What the member's overview is made of: {plan number: imported commitments}, the newest version of
    each plan's self-assessment with its count of versions, and the drafts kept."""
    counts = {}
    for c in documents.ActionPlanCommitment.objects(member_code=member_code).only("plan_number"):
        counts[c.plan_number] = counts.get(c.plan_number, 0) + 1
    latest, versions = {}, {}
    for record in documents.SelfAssessment.objects(member_code=member_code).order_by("-version").limit(VERSIONS_LIMIT):
        latest.setdefault(record.plan_number, record)
        versions[record.plan_number] = versions.get(record.plan_number, 0) + 1
    drafts = {d.plan_number: d for d in documents.SelfAssessmentDraft.objects(member_code=member_code)}
    return counts, latest, versions, drafts


def draft(member_code, plan_number):
    return documents.SelfAssessmentDraft.objects(id=submission.draft_id(member_code, plan_number)).first()
