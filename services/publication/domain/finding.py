"""What a published finding says: the approved ratings, plus the IRM's derived judgements.

Derived flags follow the IRM's definitions (see the domain brief):
- promising: potential for results is `substantial`
- high_completion: completion is `substantial` or `complete`
- strong_early_results: did it open government is `major` or `outstanding`
- starred (legacy): verifiable, relevant to at least one lens value, substantial
  potential, and substantially or fully complete.

The four dimensions the public compares across members and cycles (transparency,
participation, accountability, ambition) are counted per finding by `dimensions`.
"""
from shared.audit import fingerprint
from shared.irm import LENS_VALUES as LENS

FOUR_DIMENSIONS = (*LENS, "ambition")


def _value(ratings, name):
    return (ratings.get(name) or {}).get("value")


def judgements(ratings: dict) -> dict:
    verifiable = _value(ratings, "verifiability") == "verifiable"
    lens = _value(ratings, "open_government_lens") or {}
    relevant = verifiable and any(lens.get(v) for v in LENS)
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


def dimensions(commitments) -> dict:
    """How many of a finding's commitments score on each of the four dimensions, and out of how
    many: relevant to each lens value, and ambitious (`promising`). A not-verifiable commitment
    is not reviewable, so it counts towards the total only (as it does in `judgements`)."""
    counts = {"commitments": len(commitments), **{name: 0 for name in FOUR_DIMENSIONS}}
    for commitment in commitments:
        ratings = commitment.get("ratings") or {}
        if _value(ratings, "verifiability") != "verifiable":
            continue
        lens = _value(ratings, "open_government_lens") or {}
        for value in LENS:
            counts[value] += bool(lens.get(value))
        counts["ambition"] += _value(ratings, "potential_for_results") == "substantial"
    return counts


def in_force(finding: dict) -> bool:
    """Whether a finding (its view) stands: no later version replaces it and it was not
    withdrawn. The same rule as latest_in_force, for findings already read with their `superseded_by`."""
    return finding.get("superseded_by") is None and finding.get("status") != "withdrawn"


def latest_in_force(versions, seen: set):
    """The ids of the versions in force among `versions` ({"_id", "case_id", "status"}), read newest first
    (by position), given the cases `seen` in newer ones (updated as it goes): a case's newest version is in
    force unless it is a withdrawal; every older one was replaced. Why not `superseded_by`: it is set when a
    newer version is published, which may happen while a reading goes on, whereas a case's newest version at
    or below a position says what was in force when that position was given, whatever is published later."""
    for version in versions:
        if version["case_id"] in seen:
            continue
        seen.add(version["case_id"])
        if version.get("status") != "withdrawn":
            yield version["_id"]


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
