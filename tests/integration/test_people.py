"""The admins' list of people and the unlock of a sign-in lock, on the real broker and database:
`GET /api/v1/people` (every person, by address, a bounded page with a cursor, a role filter; each with its
binding, language, state and times) and `POST /api/v1/people/{id}/unlock` (recorded in the security log).
Admins only: any other role 403, no token 401.
"""
from datetime import timedelta

import pytest

from cli import operations
from services.accounts.domain import signin
from services.accounts.service import AccountsService
from tests.integration.test_accounts import (  # noqa: F401 -- fixtures
    PASSWORD, AccountsAtTheTestsClock, ManualClock, admin_token, invite, kinds, person_with_account, signed_in, start, tn,
)

pytestmark = pytest.mark.integration


def people(api, token, query=""):
    answer = api.call("GET", f"/api/v1/people{query}", token=token)
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_an_admin_pages_through_every_person_by_address_and_filters_by_role(start, admin_token, tn):
    api = start(AccountsService)
    operations.add_expert("exp-amal", "Amal B.", ["fr"], [], capacity=3)
    session_id, _ = person_with_account(api, admin_token, "c.poc@example.org")  # invited, accepted, signed in
    invite(api, admin_token, "a.expert@example.org", "expert", expert_id="exp-amal")
    invite(api, admin_token, "b.reviewer@example.org", "quality_reviewer")
    invite(api, admin_token, "d.poc@example.org", "poc", member_code="TN")
    invite(api, admin_token, "e.admin@example.org", "admin")

    first = people(api, admin_token, "?limit=2")
    assert [p["email"] for p in first["people"]] == ["a.expert@example.org", "b.reviewer@example.org"]
    assert first["next_after"] == "b.reviewer@example.org"
    second = people(api, admin_token, f"?limit=2&after={first['next_after']}")
    assert [p["email"] for p in second["people"]] == ["c.poc@example.org", "d.poc@example.org"]
    last = people(api, admin_token, f"?limit=2&after={second['next_after']}")
    assert [p["email"] for p in last["people"]] == ["e.admin@example.org"] and last["next_after"] is None

    expert, active = first["people"][0], second["people"][0]
    assert expert["role"] == "expert" and expert["expert_id"] == "exp-amal" and expert["member_code"] is None
    assert expert["state"] == "invited" and expert["activated_at"] is None and expert["language"] == "fr"
    assert expert["invited_at"].endswith("Z") and expert["last_signed_in_at"] is None
    assert active["state"] == "active" and active["member_code"] == "TN" and active["activated_at"]
    assert active["last_signed_in_at"] >= active["activated_at"] and active["locked_until"] is None
    assert "password_hash" not in str(first) and PASSWORD not in str(first)

    pocs = people(api, admin_token, "?role=poc")
    assert [p["email"] for p in pocs["people"]] == ["c.poc@example.org", "d.poc@example.org"] and pocs["next_after"] is None
    assert [p["email"] for p in people(api, admin_token, "?role=poc&after=c.poc@example.org")["people"]] == ["d.poc@example.org"]

    # Admins only: a poc signed in, any other role's token 403; no token 401; a page past the bound 422.
    assert api.call("GET", "/api/v1/people", cookie=session_id).status_code == 403
    for role, subject in (("expert", "exp-amal"), ("quality_reviewer", "iep-1")):
        assert api.call("GET", "/api/v1/people", token=operations.issue_token(role, subject)).status_code == 403
    assert api.call("GET", "/api/v1/people").status_code == 401
    assert api.call("GET", "/api/v1/people?limit=101", token=admin_token).status_code == 422
    assert api.call("GET", "/api/v1/people?role=king", token=admin_token).status_code == 422


def test_a_locked_person_is_listed_locked_until_an_admin_unlocks_them(start, admin_token, tn):
    api = start(AccountsAtTheTestsClock)
    session_id, csrf = person_with_account(api, admin_token, "locked@example.org")
    person_id = people(api, admin_token)["people"][0]["person_id"]
    for attempt in range(signin.ACCOUNT.lock_after):  # each wait waited out: the 10th failure locks for an hour
        answer = api.call("POST", "/api/v1/sessions", client="192.0.2.20",
                          json={"email": "locked@example.org", "password": f"wrong {attempt} password"})
        assert answer.status_code == 401, answer.text
        ManualClock.offset += timedelta(seconds=signin.delay_seconds(attempt + 1, signin.ACCOUNT))
    listed = people(api, admin_token)["people"][0]
    assert listed["state"] == "locked" and listed["locked_until"].endswith("Z")

    # Only an admin unlocks: the poc's own session (and CSRF token) is refused, nothing changed.
    assert api.call("POST", f"/api/v1/people/{person_id}/unlock", cookie=session_id, csrf=csrf).status_code == 403
    assert api.call("POST", f"/api/v1/people/{person_id}/unlock").status_code == 401
    assert api.call("POST", "/api/v1/people/per_nobody/unlock", token=admin_token).status_code == 404
    unlocked = api.call("POST", f"/api/v1/people/{person_id}/unlock", token=admin_token)
    assert unlocked.status_code == 200 and unlocked.json() == {"person_id": person_id, "unlocked": True}
    assert kinds(person_id)[-1] == "unlocked"
    assert people(api, admin_token)["people"][0]["state"] == "active"
    signed_in(api, "locked@example.org", client="192.0.2.21")  # at once, not an hour later
    again = api.call("POST", f"/api/v1/people/{person_id}/unlock", token=admin_token)
    assert again.status_code == 409 and kinds(person_id).count("unlocked") == 1
