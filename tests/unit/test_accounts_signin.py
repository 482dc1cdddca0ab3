"""Sign-in throttling per account and per client, and the one answer: services/accounts/domain/signin.py."""
from datetime import datetime, timedelta, timezone

import pytest

from services.accounts.domain import security_log, signin
from services.accounts.domain.signin import ACCOUNT, CLIENT, FAILED, RESET, SUCCEEDED, Permission, Throttle, may_attempt, record

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)


def fail(times: int, policy, state=None, every_seconds: float = 0, start=T0):
    """`times` failures, each `every_seconds` after the previous; the state and the moment of the last one."""
    state, now = state or Throttle(), start
    for i in range(times):
        now = start + timedelta(seconds=i * every_seconds)
        state = record(state, FAILED, now, policy)
    return state, now


def test_four_failures_cost_nothing_then_the_wait_doubles():
    waits = []
    state, now = Throttle(), T0
    for _ in range(9):
        state = record(state, FAILED, now, ACCOUNT)
        permission = may_attempt(state, now, ACCOUNT)
        waits.append(permission.wait_seconds)
        now += timedelta(seconds=permission.wait_seconds)  # the attacker waits exactly as told
        assert may_attempt(state, now, ACCOUNT).allowed
    assert waits == [0, 0, 0, 0, 1, 2, 4, 8, 16]


def test_a_wait_counts_down():
    state, last = fail(7, ACCOUNT)
    assert may_attempt(state, last + timedelta(seconds=1.5), ACCOUNT) == Permission(False, 3, False)
    assert may_attempt(state, last + timedelta(seconds=4), ACCOUNT).allowed


def test_the_tenth_failure_locks_the_account_for_an_hour_and_each_later_one_again():
    before, _ = fail(9, ACCOUNT, every_seconds=60)
    state, last = fail(1, ACCOUNT, state=before, start=T0 + timedelta(hours=1))
    assert signin.just_locked(before, state, last, ACCOUNT)
    assert may_attempt(state, last + timedelta(minutes=59, seconds=59), ACCOUNT) == Permission(False, 1, True)
    assert may_attempt(state, last + timedelta(hours=1), ACCOUNT).allowed
    again = record(state, FAILED, last + timedelta(hours=1), ACCOUNT)
    assert may_attempt(again, last + timedelta(hours=1, minutes=30), ACCOUNT) == Permission(False, 1800, True)
    assert not signin.just_locked(state, again, last + timedelta(hours=1), ACCOUNT)  # logged and mailed once


def test_from_the_hundredth_failure_only_a_reset_unlocks():
    state, last = fail(100, ACCOUNT, every_seconds=3600)
    assert may_attempt(state, last + timedelta(days=365), ACCOUNT) == Permission(False, None, True)
    assert may_attempt(record(state, RESET, last, ACCOUNT), last, ACCOUNT).allowed


@pytest.mark.parametrize("event", [SUCCEEDED, RESET])
def test_a_success_a_reset_by_email_or_an_admins_unlock_clears_the_account(event):
    state, last = fail(12, ACCOUNT)
    cleared = record(state, event, last, ACCOUNT)
    assert cleared == Throttle() and may_attempt(cleared, last, ACCOUNT).allowed
    # The count starts again from nothing: four more failures are free.
    assert may_attempt(fail(4, ACCOUNT, state=cleared, start=last)[0], last, ACCOUNT).allowed


def test_an_account_never_forgets_failures_by_time_alone():
    state, last = fail(9, ACCOUNT)
    assert record(state, FAILED, last + timedelta(days=30), ACCOUNT).failures == 10


def test_a_client_waits_from_its_tenth_failure_up_to_fifteen_minutes_and_never_locks():
    waits = []
    state, now = Throttle(), T0
    for _ in range(24):
        state = record(state, FAILED, now, CLIENT)
        permission = may_attempt(state, now, CLIENT)
        assert not permission.locked
        waits.append(permission.wait_seconds)
        now += timedelta(seconds=permission.wait_seconds)
    assert waits[:9] == [0] * 9
    assert waits[9:] == [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 900, 900, 900, 900, 900]


def test_a_success_does_not_clear_a_client_but_an_hour_of_quiet_does():
    state, last = fail(15, CLIENT)
    assert record(state, SUCCEEDED, last, CLIENT) == state
    assert not may_attempt(state, last + timedelta(seconds=31), CLIENT).allowed
    assert may_attempt(state, last + timedelta(hours=1), CLIENT).allowed
    assert record(state, FAILED, last + timedelta(hours=1), CLIENT).failures == 1


def test_per_client_and_per_account_are_independent():
    # One client guessing many addresses: no address is slowed, the client is.
    client = Throttle()
    accounts = {}
    for i in range(12):
        key = signin.account_throttle_key(f"official{i}@gov.example")
        now = T0 + timedelta(seconds=i * 600)
        assert may_attempt(client, now, CLIENT).allowed and may_attempt(accounts.get(key, Throttle()), now, ACCOUNT).allowed
        client = record(client, FAILED, now, CLIENT)
        accounts[key] = record(accounts.get(key, Throttle()), FAILED, now, ACCOUNT)
    assert not may_attempt(client, now, CLIENT).allowed
    assert all(may_attempt(state, now, ACCOUNT).allowed for state in accounts.values())
    # Many clients guessing one address: each client is free, the address locks.
    account, now = fail(10, ACCOUNT, every_seconds=60)
    assert may_attempt(record(Throttle(), FAILED, now, CLIENT), now, CLIENT).allowed
    assert may_attempt(account, now, ACCOUNT).locked


def test_the_longer_wait_of_both_throttles_applies():
    assert signin.combined(signin.ALLOWED, signin.ALLOWED) == signin.ALLOWED
    assert signin.combined(Permission(False, 4), signin.ALLOWED) == Permission(False, 4)
    assert signin.combined(Permission(False, 4), Permission(False, 900)) == Permission(False, 900)
    assert signin.combined(Permission(False, None, True), Permission(False, 900)) == Permission(False, None, True)


def test_the_account_key_is_the_address_as_normalised_whether_or_not_an_account_has_it():
    assert signin.account_throttle_key(" Amina@Gov.Example") == signin.account_throttle_key("amina@gov.example")
    assert "amina" not in signin.account_throttle_key("amina@gov.example")
    assert signin.client_throttle_key("2001:db8:1:2:aaaa::1") == signin.client_throttle_key("2001:db8:1:2:bbbb::9")


def test_the_person_is_told_one_thing_whatever_was_wrong():
    wrong = [signin.judge(account_known=False, password_ok=False, totp_enabled=False, code_ok=False),
             signin.judge(account_known=True, password_ok=False, totp_enabled=False, code_ok=False),
             signin.judge(account_known=True, password_ok=False, totp_enabled=True, code_ok=True),
             signin.judge(account_known=True, password_ok=True, totp_enabled=True, code_ok=False)]
    assert {judgement.outcome for judgement in wrong} == {signin.REFUSED}
    assert [judgement.failure_reason for judgement in wrong] == ["unknown_account", "wrong_password", "wrong_password", "wrong_code"]
    assert all(j.failure_reason in security_log.FAILURE_REASONS for j in wrong)
    assert signin.judge(True, True, totp_enabled=False, code_ok=False) == signin.Judgement(signin.SIGNED_IN)
    assert signin.judge(True, True, totp_enabled=True, code_ok=True) == signin.Judgement(signin.SIGNED_IN)
    assert set(signin.OUTCOMES) == {signin.SIGNED_IN, signin.REFUSED, signin.TRY_LATER}


def test_an_unknown_event_is_a_mistake():
    with pytest.raises(ValueError):
        record(Throttle(), "guessed", T0, ACCOUNT)


def test_the_security_log_has_one_vocabulary():
    assert len(set(security_log.KINDS)) == len(security_log.KINDS)
    assert {"signed_in", "sign_in_failed", "locked", "invited", "invitation_accepted", "role_changed",
            "password_reset_requested", "password_changed", "totp_enabled", "signed_out_everywhere"} <= set(security_log.KINDS)
