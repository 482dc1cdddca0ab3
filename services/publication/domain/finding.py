"""What a published finding says: the approved ratings, plus the IRM's derived judgements.

Derived flags follow the IRM's definitions (see the domain brief):
- promising: potential for results is `substantial`
- high_completion: completion is `substantial` or `complete`
- strong_early_results: did it open government is `major` or `outstanding`
- starred (legacy): verifiable, relevant to at least one lens value, substantial
  potential, and substantially or fully complete.
"""
from shared.audit import fingerprint


def _value(ratings, name):
    return (ratings.get(name) or {}).get("value")


def judgements(ratings: dict) -> dict:
    verifiable = _value(ratings, "verifiability") == "verifiable"
    lens = _value(ratings, "open_government_lens") or {}
    relevant = verifiable and any(lens.get(v) for v in ("transparency", "participation", "accountability"))
    promising = verifiable and _value(ratings, "potential_for_results") == "substantial"
    high_completion = verifiable and _value(ratings, "completion") in ("substantial", "complete")
    return {
        "reviewable": verifiable,
        "relevant_to_open_government": bool(relevant),
        "promising": promising,
        "high_completion": high_completion,
        "strong_early_results": verifiable and _value(ratings, "did_it_open_government") in ("major", "outstanding"),
        "starred": bool(relevant and promising and high_completion),
    }


def render_finding(payload: dict) -> dict:
    """The public content of a finding from a `review.approved` payload."""
    commitments = [
        {**commitment, "judgements": judgements(commitment["ratings"])}
        for commitment in sorted(payload["commitments"], key=lambda c: c["number"])
    ]
    summary = {"commitments": len(commitments)}
    for flag in ("reviewable", "relevant_to_open_government", "promising", "high_completion", "strong_early_results", "starred"):
        summary[flag] = sum(1 for c in commitments if c["judgements"][flag])
    content = {
        "case_id": payload["case_id"],
        "member": payload["member"],
        "action_plan": payload["action_plan"],
        "languages": payload["languages"],
        "expert_id": payload["expert_id"],
        "reviewer_id": payload["reviewer_id"],
        "commitments": commitments,
        "summary": summary,
        "plan_assessment": payload.get("plan_assessment"),
        "government_comments": payload.get("government_comments") or [],
        "public_comments": payload.get("public_comments") or [],
    }
    return {**content, "content_sha256": fingerprint(content)}
