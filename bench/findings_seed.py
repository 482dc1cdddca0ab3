"""Published findings for read-path measurements, without running the review pipeline.

Each finding is what publication's `on_review_approved` stores for a case the benchmark
uploads (bench/cases.py's self-assessment i, rated with cli/sample.py's ratings in turn,
cli/sample.py's plan assessment, two government comments and one public comment), rendered
by the service's own `domain.render_finding` and stored as a `documents.Finding` through
mongoengine's `to_mongo()` as the unit of work does. Only the audit entry is left out:
the list never reads it.
"""
from datetime import timedelta

from bench import cases
from devtools import sample
from services.publication import documents, domain
from shared.clock import iso, utcnow


def approved_payload(index: int) -> dict:
    sa = cases.self_assessment(index)
    member_row = cases.plan_of(index)[0]
    code, kind, region, names = member_row
    commitments = [{"commitment_id": c["commitment_id"], "number": c["number"], "title": c["title"],
                    "self_reported_completion": c["self_reported_completion"], "ratings": cases.ratings_for(c["number"])}
                   for c in sa["commitments"]]
    languages = sorted({lang for c in sa["commitments"] for lang in c["title"]})
    first = commitments[0]["commitment_id"]
    return {
        "case_id": f"case-bench-{index:05d}", "self_assessment_id": f"sa-bench-{index:05d}",
        "member": {"code": code, "kind": kind, "names": names, "region": region},
        "action_plan": sa["action_plan"], "languages": languages,
        "expert_id": cases.EXPERTS[index % len(cases.EXPERTS)][0], "reviewer_id": "iep-bench-quality",
        "commitments": commitments, "plan_assessment": sample.PLAN_ASSESSMENT,
        "government_comments": [
            {"comment_id": f"gc-{index}-1", "commitment_id": first, "text": {"fr": "Le portail publie aussi les données mensuelles."},
             "at": "2026-11-20T10:00:00.000Z",
             "response": {"text": {"fr": "Noté : la justification mentionne désormais les données mensuelles."},
                          "at": "2026-11-20T11:00:00.000Z"}},
        ],
        "public_comments": [{"comment_id": f"pc-{index}-1", "commitment_id": first,
                             "text": {"en": "The quarterly files are indeed online."}, "author": "A reader",
                             "at": "2026-11-21T09:00:00.000Z"}],
    }


def seed(count: int, start: int = 0, *, spacing_ms: int = 10) -> int:
    """Insert findings start..start+count-1 (publication times 10 ms apart); return the bytes stored."""
    collection = documents.Finding._get_collection()
    base = utcnow() - timedelta(days=1)
    total = 0
    batch = []
    for index in range(start, start + count):
        content = domain.render_finding(approved_payload(index))
        published = base + timedelta(milliseconds=spacing_ms * index)
        finding = documents.Finding(
            finding_id=f"fnd-bench-{index:05d}", case_id=content["case_id"], version=1, member=content["member"],
            supersedes=None, plan_assessment=content["plan_assessment"] or {},
            government_comments=content["government_comments"], public_comments=content["public_comments"],
            member_code=content["member"]["code"], cycle=content["action_plan"]["cycle"],
            plan_number=content["action_plan"]["plan_number"], languages=content["languages"],
            expert_id=content["expert_id"], reviewer_id=content["reviewer_id"], commitments=content["commitments"],
            summary=content["summary"], content_sha256=content["content_sha256"], published_at=iso(published),
            published_at_dt=published, audit_head={"seq": 12, "hash": "0" * 64},
        )
        finding.validate()
        son = finding.to_mongo().to_dict()
        batch.append(son)
        if len(batch) == 50:
            collection.insert_many(batch)
            batch = []
    if batch:
        collection.insert_many(batch)
    import bson

    for raw in collection.find({"_id": {"$gte": f"fnd-bench-{start:05d}", "$lt": f"fnd-bench-{start + count:05d}"}}):
        total += len(bson.encode(raw))
    return total
