"""Signing in: how fast guesses may come, and the one answer a person is given.

Two throttles are asked before a password is checked, and both must allow the attempt:

- per account, kept under the normalised e-mail address typed (addresses.py) *whether or not an
  account has it*, so an address without an account slows and locks exactly like one with an
  account and the throttle tells nobody which addresses exist. The first 4 consecutive failures
  cost nothing (typos); from the 5th a wait doubles: 1, 2, 4, 8, 16 s; the 10th locks the
  address for LOCK_SECONDS (1 h), and every failure after that locks it for another hour. A
  success, a password reset by e-mail, or an admin's unlock clears the count. At the 100th
  consecutive failure (NIST SP 800-63B 5.2.2: at most 100 on one account) the lock no longer
  ends by time: only the reset by e-mail or an admin ends it. Why not a lock until reset from
  the 10th (what a bank might do): OWASP's authentication guidance warns that such a lock lets
  anyone shut every official out by typing ten wrong passwords for each address; a lock by time
  with self-service reset by e-mail bounds guessing (10 an hour) without handing out that
  weapon, and the reset ends the lock at once for the person it annoys.
- per client (an address, an IPv6 client by its /64, as the anonymous-write limit keys it): 9
  failures cost nothing (one office behind one address makes typos), then a wait doubles from
  1 s up to 15 min; a success does not clear it (an attacker with an account of their own would
  clear it between guesses), an hour without a failure does. It never locks: an address is
  shared, and locking it would lock a whole ministry out.

An attempt refused by a throttle is not an attempt: the password is not checked and nothing is
counted. Whatever went wrong, the person reads one of two answers: REFUSED ("the e-mail
address, password or code is not right") or TRY_LATER (with the wait, or none for a lock that
only a reset ends; the page offers the reset by e-mail either way). Which part was wrong is
kept for the security log (`judge`'s failure reason), never shown.

All transitions are pure: `record(state, event, now, policy) -> state`, `may_attempt(state, now,
policy) -> Permission`. Moments are timezone-aware datetimes.
"""
import hashlib
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from services.accounts.domain.addresses import normalized_email
from shared.forwarded import client_key

FAILED, SUCCEEDED, RESET = "failed", "succeeded", "reset"  # RESET: a password reset by e-mail, an admin's unlock

SIGNED_IN, REFUSED, TRY_LATER = "signed_in", "sign_in_refused", "sign_in_try_later"
OUTCOMES = (SIGNED_IN, REFUSED, TRY_LATER)  # all the person is ever told


@dataclass(frozen=True)
class Policy:
    free_failures: int  # consecutive failures that cost no wait
    first_delay: int = 1  # seconds, doubling with each further failure
    max_delay: int = 15 * 60
    lock_after: int | None = None  # consecutive failures that lock
    lock_seconds: int = 3600  # how long each lock lasts
    lock_until_reset_after: int | None = None  # consecutive failures from which only a reset unlocks
    success_clears: bool = True
    forget_after: int | None = None  # seconds without a failure after which the count starts again


ACCOUNT = Policy(free_failures=4, lock_after=10, lock_seconds=3600, lock_until_reset_after=100)
CLIENT = Policy(free_failures=9, success_clears=False, forget_after=3600)


def account_throttle_key(typed_email: str) -> str:
    """The per-account throttle's key: the address as typed, normalised, whether an account has it or
    not. Stored as its SHA-256 so the throttle's store is no plain list of addresses people tried."""
    return "sign_in:account:" + hashlib.sha256(normalized_email(typed_email).encode("utf-8")).hexdigest()


def client_throttle_key(client_address: str) -> str:
    """The per-client throttle's key: the client as every limit counts it (shared/forwarded.py)."""
    return "sign_in:client:" + client_key(client_address)


@dataclass(frozen=True)
class Throttle:
    """What is stored per key (account address or client): nothing at all for a key never failed."""
    failures: int = 0
    last_failure_at: datetime | None = None


@dataclass(frozen=True)
class Permission:
    allowed: bool
    wait_seconds: int | None = 0  # whole seconds until an attempt is allowed; None: not until a reset
    locked: bool = False


ALLOWED = Permission(True)


def _count(state: Throttle, now: datetime, policy: Policy) -> int:
    if state.last_failure_at is None:
        return 0
    if policy.forget_after is not None and now >= state.last_failure_at + timedelta(seconds=policy.forget_after):
        return 0
    return state.failures


def record(state: Throttle, event: str, now: datetime, policy: Policy) -> Throttle:
    """The key's state after `event` at `now`."""
    if event == FAILED:
        return Throttle(_count(state, now, policy) + 1, now)
    if event == SUCCEEDED:
        return Throttle() if policy.success_clears else state
    if event == RESET:
        return Throttle()
    raise ValueError(f"no sign-in event {event!r}")


def delay_seconds(failures: int, policy: Policy) -> int:
    """The wait after `failures` consecutive failures (before any lock)."""
    if failures <= policy.free_failures:
        return 0
    return min(policy.first_delay * 2 ** (failures - policy.free_failures - 1), policy.max_delay)


def is_locked(failures: int, policy: Policy) -> bool:
    return policy.lock_after is not None and failures >= policy.lock_after


def may_attempt(state: Throttle, now: datetime, policy: Policy) -> Permission:
    """Whether an attempt for this key may be checked at `now`, or how long to wait."""
    failures = _count(state, now, policy)
    if failures == 0:
        return ALLOWED
    if is_locked(failures, policy):
        if policy.lock_until_reset_after is not None and failures >= policy.lock_until_reset_after:
            return Permission(False, None, locked=True)
        return _until(state.last_failure_at + timedelta(seconds=policy.lock_seconds), now, locked=True)
    return _until(state.last_failure_at + timedelta(seconds=delay_seconds(failures, policy)), now)


def _until(moment: datetime, now: datetime, locked: bool = False) -> Permission:
    if now >= moment:
        return ALLOWED
    return Permission(False, math.ceil((moment - now).total_seconds()), locked)


def just_locked(before: Throttle, after: Throttle, now: datetime, policy: Policy) -> bool:
    """Whether this failure is the one that locked the account (log `locked` and mail the person once)."""
    return is_locked(after.failures, policy) and not is_locked(_count(before, now, policy), policy)


def combined(*permissions: Permission) -> Permission:
    """Both throttles together: allowed when every one allows; otherwise the longest wait (None outlasts any)."""
    refused = [p for p in permissions if not p.allowed]
    if not refused:
        return ALLOWED
    waits = [p.wait_seconds for p in refused]
    return Permission(False, None if None in waits else max(waits), any(p.locked for p in refused))


@dataclass(frozen=True)
class Judgement:
    outcome: str  # SIGNED_IN or REFUSED: what the person is told
    failure_reason: str | None = None  # for the security log only (security_log.FAILURE_REASONS)


def judge(account_known: bool, password_ok: bool, totp_enabled: bool, code_ok: bool) -> Judgement:
    """The answer to an attempt both throttles allowed. For an unknown account the service has still
    run the dummy password check (passwords.password_matches(None, ...)), so the time is the same."""
    if not account_known:
        return Judgement(REFUSED, "unknown_account")
    if not password_ok:
        return Judgement(REFUSED, "wrong_password")
    if totp_enabled and not code_ok:
        return Judgement(REFUSED, "wrong_code")
    return Judgement(SIGNED_IN)
