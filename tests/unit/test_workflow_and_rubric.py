import itertools

import pytest

from services.review.domain import rubric, workflow
from shared.irm import ROLES

ALLOWED = {
    ("submitted", "assign", "system"): "assigned",
    ("submitted", "wait", "system"): "unassigned",
    ("unassigned", "assign", "system"): "assigned",
    ("unassigned", "assign", "admin"): "assigned",
    ("assigned", "save_rating", "expert"): "in_review",
    ("in_review", "save_rating", "expert"): "in_review",
    ("in_review", "submit", "expert"): "quality_review",
    ("quality_review", "approve", "quality_reviewer"): "approved",
    ("quality_review", "return", "quality_reviewer"): "in_review",
}
ACTIONS = sorted({action for _, action, _ in ALLOWED})


@pytest.mark.parametrize("state, action, role", itertools.product(workflow.STATES, ACTIONS, ROLES + ("system",)))
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
