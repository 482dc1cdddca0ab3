"""The rating rubric: what an expert must give per commitment before submitting.

Shapes and exact values come from the contract (shared/contracts/ratings.py); this
module says what is *required*: `verifiability` always; if verifiable, every other
indicator, each with a justification. A not-verifiable commitment is not reviewable: it
needs nothing else and may be given nothing else (`beyond_not_verifiable`, which the
contract asks when it reads a rating).
"""
# The gate itself is the IRM's (shared/irm.py), shared with the ratings contract.
from shared.irm import INDICATORS, NOT_VERIFIABLE_STOPS_THERE, beyond_not_verifiable  # noqa: F401


def missing_ratings(commitment_ids, ratings_by_commitment: dict) -> list:
    """Everything still missing, as 'commitment_id.indicator' paths, in commitment order."""
    missing = []
    for commitment_id in commitment_ids:
        ratings = ratings_by_commitment.get(commitment_id) or {}
        verifiability = ratings.get("verifiability")
        if not verifiability:
            missing.append(f"{commitment_id}.verifiability")
            continue
        if verifiability["value"] == "not_verifiable":
            continue
        missing += [f"{commitment_id}.{name}" for name in INDICATORS[1:] if not ratings.get(name)]
    return missing


PLAN_PARTS = ("co_creation", "acted_contrary_to_process")


def missing(commitments, ratings_by_commitment: dict, plan_assessment: dict | None) -> list:
    """What a draft still lacks before it may be submitted: its commitments' ratings, then the plan's assessment."""
    return (missing_ratings([c["commitment_id"] for c in commitments], ratings_by_commitment)
            + missing_plan_assessment(plan_assessment))


def missing_plan_assessment(plan_assessment: dict | None) -> list:
    plan_assessment = plan_assessment or {}
    return [f"plan.{part}" for part in PLAN_PARTS if not plan_assessment.get(part)]


def changes(before: dict | None, after: dict) -> dict:
    """Which indicator values a save changed: {indicator: {"from": old, "to": new}}."""
    before = before or {}
    changed = {}
    for name in INDICATORS:
        old = (before.get(name) or {}).get("value")
        new = (after.get(name) or {}).get("value")
        if old != new:
            changed[name] = {"from": old, "to": new}
    return changed
