"""How a case is shown: to its expert and reviewers, to the government, to the public."""
from services.review.domain import rubric
from services.review.domain.limits import AUTHOR_MAX_CHARACTERS
from shared.clock import iso


def case_view(case, government_comments, public_comments, limits=None) -> dict:
    """The whole case; its comments are read apart (queries.comments_of) and given here; `limits`
    (review's configured ones) say how long an answer to a comment may be."""
    return {
        "case_id": case.case_id, "self_assessment_id": case.self_assessment_id, "status": case.status,
        "member": case.member, "action_plan": case.action_plan, "languages": case.languages,
        "expert_id": case.expert_id, "assignment_reason": (case.assignment or {}).get("reason"),
        "deadline_at": iso(case.deadline_at) if case.deadline_at else None,
        "commitments": [
            {**commitment, "ratings": case.ratings.get(commitment["commitment_id"])} for commitment in case.commitments
        ],
        "plan_assessment": case.plan_assessment or None, "co_creation_report": case.co_creation_report or None,
        "missing": missing(case),
        "quality_comments": case.quality_comments, "reviewer_id": case.reviewer_id,
        "government_review_until": iso(case.government_review_until) if case.government_review_until else None,
        "government_comments": government_comments,
        "comment_max_characters": limits.comment_max_characters if limits else None,
        "public_comment_closes_at": iso(case.public_comment_closes_at) if case.public_comment_closes_at else None,
        "public_comments": public_comments,
        "version": case.version, "audit_url": f"/api/v1/cases/{case.case_id}/audit",
    }


def draft_view(case, comments, public=False, comments_open=False, limits=None) -> dict:
    """The draft findings as the government (or, in the comment period, the public) sees them,
    with the comments that audience sees (government comments, or published public ones).
    Either audience also learns whether it may comment now (`comments_open`, the handler's own who,
    state and clock rules) and how long a comment may be (`limits`, review's configured ones).
    The government also learns how many comments the case may still take this round."""
    view = {
        "case_id": case.case_id, "status": case.status, "member": case.member, "action_plan": case.action_plan,
        "commitments": [{"commitment_id": c["commitment_id"], "number": c["number"], "title": c["title"],
                         "ratings": case.ratings.get(c["commitment_id"])} for c in case.commitments],
        "plan_assessment": case.plan_assessment or None,
    }
    if public:
        view["public_comment_closes_at"] = iso(case.public_comment_closes_at) if case.public_comment_closes_at else None
        view["comments"] = [public_comment(c) for c in comments if not c.get("confidential")]
        view["comments_url"] = f"/api/v1/cases/{case.case_id}/public-comments"
        view["comments_open"] = comments_open
        view["comment_max_characters"] = limits.comment_max_characters if limits else None
        view["author_max_characters"] = AUTHOR_MAX_CHARACTERS
    else:
        view["government_review_until"] = iso(case.government_review_until) if case.government_review_until else None
        view["government_comments"] = comments
        view["comments_url"] = f"/api/v1/cases/{case.case_id}/government-comments"
        view["comments_open"] = comments_open
        view["comment_max_characters"] = limits.comment_max_characters if limits else None
        if limits:
            view["comments_left"] = max(0, limits.government_comments_per_case - (case.government_comment_count or 0))
    return view


def public_comment(comment) -> dict:
    return {key: comment.get(key) for key in ("comment_id", "commitment_id", "text", "author", "at")}


def missing(case) -> list:
    return rubric.missing(case.commitments, case.ratings, case.plan_assessment)


def case_summary(case, content: bool) -> dict:
    """A case in a list; without `content` (a past expert's view) only its id, status, member and cycle."""
    return {"case_id": case.case_id, "status": case.status, "member": case.member["code"],
            "cycle": case.action_plan["cycle"], "plan_number": case.action_plan.get("plan_number"),
            "expert_id": case.expert_id if content else None,
            "deadline_at": iso(case.deadline_at) if content and case.deadline_at else None,
            # when the case entered its stage (in quality review: when the draft was submitted)
            "stage_started_at": iso(case.stage_started_at) if content and case.stage_started_at else None,
            "url": f"/api/v1/cases/{case.case_id}" if content else None}


def expert_view(expert) -> dict:
    return {"expert_id": expert.expert_id, "name": expert.name, "languages": expert.languages,
            "affiliations": expert.affiliations, "expertise": expert.expertise or [], "capacity": expert.capacity,
            "active_cases": expert.active_cases, "available": expert.available}


def candidate_view(candidate) -> dict:
    """One registry entry assessed against a case: eligible or not, and why (codes with their values)."""
    return {"expert_id": candidate.expert_id, "eligible": candidate.eligible, "load": candidate.load,
            "capacity": candidate.capacity, "reasons": list(candidate.reasons),
            "why": [{"code": code, **values} for code, values in candidate.why]}


def waiting_case_view(case, candidates) -> dict:
    """A case waiting with nobody eligible: since when, why when it was last tried, and every expert's why now."""
    return {"case_id": case.case_id, "member": case.member["code"], "cycle": case.action_plan["cycle"],
            "languages": case.languages, "waiting_since": iso(case.stage_started_at) if case.stage_started_at else None,
            "reason": (case.assignment or {}).get("reason"), "candidates": [candidate_view(c) for c in candidates]}
