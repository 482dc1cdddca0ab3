import itertools

import pytest

from services.review.domain import rubric, workflow

# The specification, written out independently of workflow.TRANSITIONS: every (state,
# action, role) not listed here must be refused.
ALLOWED = {
    ("submitted", "assign", "system"): "assigned",
    ("submitted", "wait", "system"): "unassigned",
    ("unassigned", "assign", "system"): "assigned",
    ("declined", "assign", "system"): "assigned",
    ("declined", "wait", "system"): "unassigned",
    ("assigned", "accept", "expert"): "in_review",
    ("assigned", "decline", "expert"): "declined",
    ("in_review", "decline", "expert"): "declined",
    ("assigned", "miss_deadline", "system"): "declined",
    ("in_review", "miss_deadline", "system"): "declined",
    ("in_review", "save_rating", "expert"): "in_review",
    ("in_review", "submit", "expert"): "quality_review",
    ("quality_review", "return", "quality_reviewer"): "in_review",
    ("quality_review", "approve", "quality_reviewer"): "government_review",
    ("government_review", "comment_government", "poc"): "government_review",
    ("government_review", "respond", "expert"): "government_review",
    ("government_review", "open_public_comment", "expert"): "public_comment",
    ("government_review", "open_public_comment", "admin"): "public_comment",
    ("public_comment", "comment_public", "public"): "public_comment",
    ("public_comment", "finalise", "expert"): "approved",
    ("approved", "correct", "admin"): "in_review",
}
ACTIONS = sorted({action for _, action, _ in ALLOWED})
STATES = sorted({state for state, _, _ in ALLOWED} | set(ALLOWED.values()))


def test_the_machine_has_exactly_the_specified_states_and_actions():
    assert workflow.STATES == STATES and workflow.ACTIONS == ACTIONS


@pytest.mark.parametrize("state, action, role", itertools.product(STATES, ACTIONS, workflow.ROLES))
def test_every_transition_is_allowed_or_refused_exactly_as_specified(state, action, role):
    expected = ALLOWED.get((state, action, role))
    if expected:
        assert workflow.next_state(state, action, role) == expected
    else:
        with pytest.raises(workflow.TransitionRefused) as refused:
            workflow.next_state(state, action, role)
        # The wrong role is told apart from the wrong moment (403 vs 409).
        assert refused.value.wrong_role == ((state, action) in workflow.TRANSITIONS)


def rated(value):
    return {"value": value, "justification": {"en": "why"}}


FULL = {"verifiability": rated("verifiable"),
        "open_government_lens": {"value": {"transparency": True, "participation": False, "accountability": False},
                                 "justification": {"en": "why"}},
        "potential_for_results": rated("modest"), "completion": rated("limited"),
        "did_it_open_government": rated("marginal")}


def test_missing_ratings_are_listed_in_commitment_order():
    ratings = {"C1": FULL, "C2": {"verifiability": rated("not_verifiable")},
               "C3": {**FULL, "completion": None, "did_it_open_government": None}}
    assert rubric.missing_ratings(["C1", "C2", "C3", "C4"], ratings) == [
        "C3.completion", "C3.did_it_open_government", "C4.verifiability"]


def test_changes_name_each_indicator_that_moved():
    after = {**FULL, "completion": rated("complete")}
    assert rubric.changes(FULL, after) == {"completion": {"from": "limited", "to": "complete"}}
    assert rubric.changes(None, {"verifiability": rated("not_verifiable")}) == {"verifiability": {"from": None, "to": "not_verifiable"}}


def test_plan_assessment_is_required():
    assert rubric.missing_plan_assessment(None) == ["plan.co_creation", "plan.acted_contrary_to_process"]
    assert rubric.missing_plan_assessment({"co_creation": {"x": 1}}) == ["plan.acted_contrary_to_process"]


def test_a_not_verifiable_commitment_takes_no_other_indicator_and_the_contract_asks_the_rubric():
    from marshmallow import ValidationError

    from shared.contracts.ratings import CommitmentRatingsSchema

    assert rubric.beyond_not_verifiable({"verifiability": rated("not_verifiable")}) == []
    assert rubric.beyond_not_verifiable({"verifiability": rated("not_verifiable"), "completion": rated("complete")}) == ["completion"]
    assert rubric.beyond_not_verifiable({"verifiability": rated("verifiable"), "completion": rated("complete")}) == []
    try:
        CommitmentRatingsSchema().load({"verifiability": rated("not_verifiable"), "completion": rated("complete")})
    except ValidationError as exc:
        assert exc.messages == {"completion": [rubric.NOT_VERIFIABLE_STOPS_THERE]}
    else:
        raise AssertionError("a not_verifiable commitment with a completion was accepted")
