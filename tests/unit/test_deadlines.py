from datetime import datetime, timedelta, timezone

import pytest

from services.review.domain import deadlines

T0 = datetime(2026, 1, 1, tzinfo=timezone.utc)
TIMING = deadlines.Timing(accept_seconds=100, review_seconds=1000, government_review_seconds=10, public_comment_seconds=20)


def test_each_expert_stage_has_its_deadline():
    assert deadlines.deadline("assigned", T0, TIMING) == T0 + timedelta(seconds=100)
    assert deadlines.deadline("in_review", T0, TIMING) == T0 + timedelta(seconds=1000)
    assert deadlines.deadline("quality_review", T0, TIMING) is None


def test_a_reminder_comes_once_in_the_last_quarter():
    due = T0 + timedelta(seconds=100)
    assert not deadlines.reminder_due("assigned", due, None, T0 + timedelta(seconds=74), TIMING)
    assert deadlines.reminder_due("assigned", due, None, T0 + timedelta(seconds=76), TIMING)
    assert not deadlines.reminder_due("assigned", due, T0, T0 + timedelta(seconds=76), TIMING)  # already reminded
    assert not deadlines.reminder_due("assigned", due, None, due, TIMING)  # missed, not reminded
    assert deadlines.missed(due, due) and not deadlines.missed(due, due - timedelta(seconds=1))


def test_the_reminder_lead_is_the_last_quarter_of_an_expert_stage_and_nothing_for_other_stages():
    # The deadline watch reads the cases due within this lead (review/service.py), reminder_due decides.
    assert deadlines.reminder_lead("assigned", TIMING) == timedelta(seconds=25)
    assert deadlines.reminder_lead("in_review", TIMING) == timedelta(seconds=250)
    assert deadlines.reminder_lead("quality_review", TIMING) is None


def test_the_public_comment_period_cannot_go_under_its_minimum():
    assert deadlines.Timing.from_config({}).public_comment_seconds == 14 * deadlines.DAY
    with pytest.raises(ValueError):
        deadlines.Timing.from_config({"PUBLIC_COMMENT_SECONDS": 3600})
    assert deadlines.Timing.from_config({"PUBLIC_COMMENT_SECONDS": 3, "PUBLIC_COMMENT_MIN_SECONDS": 2}).public_comment_seconds == 3


def test_the_comment_windows_run_their_configured_length_from_the_moment_they_open():
    from datetime import datetime, timezone

    timing = deadlines.Timing(government_review_seconds=100, public_comment_seconds=200)
    opened = datetime(2026, 1, 1, tzinfo=timezone.utc)
    assert (deadlines.government_review_until(opened, timing) - opened).total_seconds() == 100
    assert (deadlines.public_comment_closes_at(opened, timing) - opened).total_seconds() == 200
