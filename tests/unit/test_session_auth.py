"""shared/session_auth.py's decisions without a database: the server secret, and what a state-changing
request by session cookie must carry (the lookup itself: tests/integration/test_accounts.py)."""
import stat

import pytest
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from shared import sessions, session_auth
from shared.auth import Forbidden

SECRET = b"s" * 32
SESSION_ID = sessions.new_session_id()


def request(method="POST", headers=None, form=None):
    return Request(EnvironBuilder(method=method, headers=headers or {}, data=form).get_environ())


def test_the_secret_file_is_made_once_owner_only_and_then_read(tmp_path):
    path = tmp_path / "keys" / "session.key"
    config = {"SESSION_SECRET_FILE": str(path)}
    first = session_auth.load_session_secret(config)
    assert len(first) >= session_auth.MIN_SECRET_CHARACTERS and stat.S_IMODE(path.stat().st_mode) == 0o600
    assert session_auth.load_session_secret(config) == first
    assert [p.name for p in path.parent.iterdir()] == ["session.key"]  # no draft left behind


def test_a_configured_secret_wins_and_a_short_one_stops_start_up(tmp_path):
    config = {"SESSION_SECRET_FILE": str(tmp_path / "unused.key")}
    assert session_auth.load_session_secret({**config, "SESSION_SECRET": "x" * 40}) == b"x" * 40
    assert not (tmp_path / "unused.key").exists()
    with pytest.raises(ValueError):
        session_auth.load_session_secret({**config, "SESSION_SECRET": "too short"})
    with pytest.raises(ValueError):
        session_auth.SessionPolicy.from_config({**config, "SESSION_SECRET": "x" * 40, "SESSION_IDLE_SECONDS": 0})


def test_a_read_needs_nothing_more_than_the_cookie():
    session_auth.check_forgery(request("GET", {"Sec-Fetch-Site": "cross-site"}), SESSION_ID, session_auth.SessionPolicy(SECRET))


@pytest.mark.parametrize("headers, form", [
    ({}, None),  # no token
    ({"X-CSRF-Token": sessions.csrf_token(sessions.new_session_id(), SECRET)}, None),  # another session's
    ({"X-CSRF-Token": sessions.csrf_token(SESSION_ID, b"t" * 32)}, None),  # made with another secret
    ({"X-CSRF-Token": sessions.csrf_token(SESSION_ID, SECRET), "Sec-Fetch-Site": "cross-site"}, None),
    ({"X-CSRF-Token": sessions.csrf_token(SESSION_ID, SECRET), "Sec-Fetch-Site": "same-site"}, None),
    ({"Sec-Fetch-Site": "cross-site"}, {sessions.CSRF_FIELD: sessions.csrf_token(SESSION_ID, SECRET)}),
])
def test_a_change_without_this_sessions_token_or_from_another_site_is_forbidden(headers, form):
    with pytest.raises(Forbidden):
        session_auth.check_forgery(request("POST", headers, form), SESSION_ID, session_auth.SessionPolicy(SECRET))


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE"])
def test_a_change_with_the_token_in_the_header_or_the_form_goes_on(method):
    policy, token = session_auth.SessionPolicy(SECRET), sessions.csrf_token(SESSION_ID, SECRET)
    session_auth.check_forgery(request(method, {"X-CSRF-Token": token, "Sec-Fetch-Site": "same-origin"}), SESSION_ID, policy)
    session_auth.check_forgery(request(method, {"Sec-Fetch-Site": "none"}, {sessions.CSRF_FIELD: token}), SESSION_ID, policy)
