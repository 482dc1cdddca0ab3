"""Every change of a case's stage is announced by the event that says where the case now is.

For each state-changing transition of services/review/domain/workflow.py (TRANSITIONS), the
handler that takes it runs over the in-memory unit of work, and the stage event it emits,
read through intake's STATUS_AFTER (services/intake/domain/case_status.py, what a
self-assessment shows), is the stage the case is in. A new transition without its event, or an
event read as the wrong stage, fails here.
"""
from datetime import timedelta

import pytest

from devtools import sample
from services.intake.domain.case_status import STATUS_AFTER
from services.review import documents, handlers
from services.review.domain import workflow
from shared.auth import Principal
from shared.clock import aware
from shared.contracts import events
from tests.fake_unit_of_work import FakeUnitOfWork
from tests.unit.test_review_handlers import ADMIN, NOW, REVIEWER, TIMING, case_of, drafted, expert, in_public_comment
from tests.unit.test_review_handlers import in_review, opened, submitted

# The exceptions, with the reason: a target that is never a resting stage has no event of its own.
PASSING_THROUGH = {
    # A decline or a missed deadline moves the case on within the same unit of work (handlers.release):
    # declined --assign--> assigned, or declined --wait--> unassigned. What the event says is where it
    # rests; "declined" is never shown, nor does any event name it.
    "declined": {"assign", "wait"},
}
STATE_CHANGING = sorted(key for key, (target, _) in workflow.TRANSITIONS.items() if target != key[0])


def only(uow, expert_id):
    """Only this expert can take a case."""
    for other in ("exp-a", "exp-b"):
        uow.update(documents.Expert, {"_id": other}, {"$set": {"available": other == expert_id}})


def unassigned(uow):
    only(uow, None)
    handlers.open_case(uow, submitted(), "corr-1", TIMING, NOW)


def rated(uow):
    """In review with every rating and the plan assessment: ready to submit."""
    case, principal = in_review(uow)
    for commitment_id, ratings in sample.RATINGS.items():
        handlers.save_ratings(uow, principal, "case-1", commitment_id, ratings, case_of(uow).version, NOW)
    handlers.save_plan_assessment(uow, principal, "case-1", sample.PLAN_ASSESSMENT, case_of(uow).version, NOW)
    return principal


def expert_of(uow):
    return Principal(case_of(uow).expert_id, "expert")


def declined_with_nobody_left(uow, before):
    """`before` brings the case to the expert's stage; the other expert is away."""
    before(uow)
    only(uow, case_of(uow).expert_id)
    return lambda: handlers.decline(uow, expert_of(uow), "case-1", "No time.", False, TIMING)


def expire_late(uow):
    """The deadline watch, just past the case's deadline (assign sets it from the real clock)."""
    case = case_of(uow)
    return lambda: handlers.expire(uow, case, TIMING, aware(case.deadline_at) + timedelta(seconds=1))


def government_review(uow):
    principal = drafted(uow)
    handlers.quality_decision(uow, REVIEWER, "case-1", "approve", [], TIMING, NOW)
    return principal


def finalised(uow):
    principal, _, closes = in_public_comment(uow)
    handlers.finalise(uow, principal, "case-1", closes)
    return closes


# (state, action) -> a function that brings a case to `state` and returns the handler call that takes `action`.
# Where two rows need the same handler call, the second one's setup makes the other outcome happen.
STEPS = {
    ("submitted", "assign"): lambda uow: lambda: handlers.open_case(uow, submitted(), "corr-1", TIMING, NOW),
    ("submitted", "wait"): lambda uow: (only(uow, None), lambda: handlers.open_case(uow, submitted(), "corr-1", TIMING, NOW))[1],
    ("unassigned", "assign"): lambda uow: (unassigned(uow), only(uow, "exp-a"),
                                           lambda: handlers.assign_if_waiting(uow, case_of(uow), TIMING, ""))[2],
    # A decline with another expert free: assigned -> declined -> assigned.
    ("assigned", "decline"): lambda uow: (opened(uow), lambda: handlers.decline(uow, expert_of(uow), "case-1", "No time.", False, TIMING))[1],
    ("declined", "assign"): lambda uow: (opened(uow), lambda: handlers.decline(uow, expert_of(uow), "case-1", "No time.", False, TIMING))[1],
    # ...and with nobody left: declined -> unassigned.
    ("declined", "wait"): lambda uow: declined_with_nobody_left(uow, opened),
    ("in_review", "decline"): lambda uow: declined_with_nobody_left(uow, in_review),
    ("assigned", "miss_deadline"): lambda uow: (opened(uow), expire_late(uow))[1],
    ("in_review", "miss_deadline"): lambda uow: (in_review(uow), expire_late(uow))[1],
    ("assigned", "accept"): lambda uow: (opened(uow), lambda: handlers.accept(uow, expert_of(uow), "case-1", TIMING, NOW))[1],
    ("in_review", "submit"): lambda uow: (rated(uow), lambda: handlers.submit(uow, expert_of(uow), "case-1", NOW))[1],
    ("quality_review", "return"): lambda uow: (drafted(uow), lambda: handlers.quality_decision(
        uow, REVIEWER, "case-1", "return", [{"commitment_id": "TN0501", "text": {"fr": "Préciser la source."}}], TIMING, NOW))[1],
    ("quality_review", "approve"): lambda uow: (drafted(uow), lambda: handlers.quality_decision(
        uow, REVIEWER, "case-1", "approve", [], TIMING, NOW))[1],
    ("government_review", "open_public_comment"): lambda uow: (government_review(uow), lambda: handlers.open_public_comment(
        uow, expert_of(uow), "case-1", TIMING, NOW + timedelta(seconds=TIMING.government_review_seconds)))[1],
    ("public_comment", "finalise"): lambda uow: (lambda closes: lambda: handlers.finalise(uow, expert_of(uow), "case-1", closes))(
        in_public_comment(uow)[2]),
    ("approved", "correct"): lambda uow: (lambda closes: lambda: handlers.correct(uow, ADMIN, "case-1", "A figure was wrong.", TIMING, closes))(
        finalised(uow)),
}


@pytest.fixture
def uow():
    uow = FakeUnitOfWork("review")
    uow.put(expert("exp-a"))
    uow.put(expert("exp-b"))
    return uow


def test_every_state_changing_transition_has_a_step_here():
    assert sorted(STEPS) == STATE_CHANGING


@pytest.mark.parametrize("transition", STATE_CHANGING, ids=lambda key: f"{key[0]}-{key[1]}")
def test_the_event_a_transition_emits_names_the_stage_the_case_is_in(uow, transition):
    origin, action = transition
    target, _ = workflow.TRANSITIONS[transition]
    act = STEPS[transition](uow)
    before = uow.get(documents.Case, {"_id": "case-1"})
    if origin in PASSING_THROUGH:  # reached within the handler: the case is in a stage that leads there
        assert any(workflow.TRANSITIONS[key][0] == origin for key in workflow.TRANSITIONS if key[0] == before.status)
    elif before is not None:  # the first transition opens the case itself
        assert before.status == origin, transition
    emitted = len(uow.events)
    act()
    status = case_of(uow).status
    stage_events = [event.event_type for event in uow.events[emitted:] if event.event_type in STATUS_AFTER]
    assert stage_events, f"{origin} --{action}--> {target} emits no stage event"
    assert STATUS_AFTER[stage_events[-1]] == status, (transition, stage_events)
    if target in PASSING_THROUGH:
        assert status in {workflow.TRANSITIONS[(target, then)][0] for then in PASSING_THROUGH[target]}, (transition, status)
    else:
        assert status == target, (transition, status)


def test_every_review_event_is_a_stage_some_transition_reaches():
    review_events = {value for name, value in vars(events).items()
                     if name.startswith("REVIEW_") and isinstance(value, str)} - set(events.DEADLINE_EVENTS)
    assert review_events <= set(STATUS_AFTER)  # intake shows each of them
    stages = {target for target, _ in workflow.TRANSITIONS.values()} - set(PASSING_THROUGH)
    assert {STATUS_AFTER[event] for event in review_events} == stages
    assert set(PASSING_THROUGH) <= set(workflow.STATES) and all(
        (state, then) in workflow.TRANSITIONS for state, thens in PASSING_THROUGH.items() for then in thens)
