"""Sessions: ids, timeouts, sign out everywhere, the cookie, CSRF: shared/sessions.py (every service honours a session)."""
from datetime import datetime, timedelta, timezone

import pytest

from shared import sessions
from shared.sessions import ABSOLUTE_EXPIRED, ACTIVE, IDLE_EXPIRED, REVOKED, session_state
from shared.auth import token_digest

SIGNED_IN = datetime(2026, 12, 1, 8, 0, tzinfo=timezone.utc)
SECRET = b"s" * 32


def later(**delta):
    return SIGNED_IN + timedelta(**delta)


def test_a_session_id_is_256_random_bits_stored_as_its_digest():
    session_id = sessions.new_session_id()
    assert sessions.looks_like_session_id(session_id) and session_id != sessions.new_session_id()
    assert sessions.session_digest(session_id) == token_digest(session_id)


@pytest.mark.parametrize("value", [None, "", "x" * 42, "x" * 44, "x" * 42 + ";", "x" * 42 + "=", "x" * 42 + "ü"])
def test_a_cookie_value_that_cannot_be_an_id_is_not_looked_up(value):
    assert not sessions.looks_like_session_id(value)


def test_idle_timeout_counts_from_last_seen():
    assert session_state(SIGNED_IN, later(minutes=60), later(minutes=89, seconds=59)) == ACTIVE
    assert session_state(SIGNED_IN, later(minutes=60), later(minutes=90)) == IDLE_EXPIRED
    assert session_state(SIGNED_IN, SIGNED_IN, later(minutes=5), idle=300) == IDLE_EXPIRED


def test_absolute_timeout_counts_from_sign_in_however_active():
    assert session_state(SIGNED_IN, later(hours=7, minutes=59), later(hours=7, minutes=59, seconds=59)) == ACTIVE
    assert session_state(SIGNED_IN, later(hours=7, minutes=59), later(hours=8)) == ABSOLUTE_EXPIRED
    assert session_state(SIGNED_IN, later(hours=1), later(hours=2), absolute=3600) == ABSOLUTE_EXPIRED


def test_signing_out_everywhere_revokes_every_session_of_an_older_generation():
    assert session_state(SIGNED_IN, SIGNED_IN, later(minutes=1), generation=3, current_generation=3) == ACTIVE
    assert session_state(SIGNED_IN, SIGNED_IN, later(minutes=1), generation=3, current_generation=4) == REVOKED
    # Revoked outranks expired: the log says why it really ended.
    assert session_state(SIGNED_IN, SIGNED_IN, later(days=1), generation=0, current_generation=1) == REVOKED


def test_last_seen_is_written_at_most_once_a_minute():
    assert not sessions.should_touch(SIGNED_IN, later(seconds=59))
    assert sessions.should_touch(SIGNED_IN, later(seconds=60))
    assert sessions.should_touch(SIGNED_IN, later(seconds=1), every=1)


def test_the_cookie_is_host_only_secure_httponly_lax():
    session_id = sessions.new_session_id()
    header = sessions.set_cookie_header(session_id)
    name, _, rest = header.partition("=")
    value, *attributes = [part.strip() for part in rest.split(";")]
    assert name == "__Host-irm_session" and value == session_id
    assert sorted(attributes) == ["HttpOnly", "Path=/", "SameSite=Lax", "Secure"]  # no Domain: __Host- forbids it
    cleared = sessions.clear_cookie_header()
    assert cleared.startswith("__Host-irm_session=;") and "Max-Age=0" in cleared and "Path=/" in cleared
    with pytest.raises(ValueError):
        sessions.set_cookie_header("x; Domain=evil.example")


def test_the_csrf_token_is_the_sessions_own():
    session_id, other = sessions.new_session_id(), sessions.new_session_id()
    token = sessions.csrf_token(session_id, SECRET)
    assert sessions.csrf_ok(token, session_id, SECRET)
    assert token == sessions.csrf_token(session_id, SECRET)  # stable: no storage needed
    assert not sessions.csrf_ok(token, other, SECRET)
    assert not sessions.csrf_ok(token, session_id, b"another server secret")
    assert not sessions.csrf_ok(sessions.csrf_token(other, SECRET), session_id, SECRET)
    for forged in (None, "", token[:-1], token + "A", "é" * len(token)):
        assert not sessions.csrf_ok(forged, session_id, SECRET)


@pytest.mark.parametrize("value, allowed", [
    (None, True), ("same-origin", True), ("none", True), ("Same-Origin", True),
    ("same-site", False), ("cross-site", False), ("", False), ("bogus", False)])
def test_sec_fetch_site_refuses_what_does_not_come_from_the_page_itself(value, allowed):
    assert sessions.fetch_site_allowed(value) is allowed


def test_last_seen_is_written_back_often_enough_for_any_idle_timeout():
    assert sessions.touch_seconds() == sessions.TOUCH_SECONDS == 60
    assert sessions.touch_seconds(8) == 2 and sessions.touch_seconds(2) == 1
    for idle in (1, 2, 7, 240, 241, 1800, 28800):
        assert sessions.touch_seconds(idle) < idle or idle == 1
