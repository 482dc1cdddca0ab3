"""People's accounts end to end on the real broker and database: invitations, passwords, TOTP,
sign-in throttling, sessions (their timeouts, sign out everywhere, CSRF and Sec-Fetch-Site),
personal tokens, the security log, and a session cookie honoured by review's API.

The throttle's waits and the links' lifetimes are hours and days: those tests run accounts with
its clock set forward by the test (`ManualClock`, the one dependency they replace), never
with a shorter rule. Sessions are timed out with small SESSION_*_SECONDS settings and real time.
"""
import re
from datetime import timedelta

import pytest
import requests
from nameko.extensions import DependencyProvider

from cli import operations
from devtools.ports import free_port
from services.accounts import documents
from services.accounts.domain import tokens, totp
from services.accounts.service import AccountsService
from services.review.service import ReviewService
from shared import sessions
from shared.clock import utcnow
from shared.contracts.events import PASSWORD_RESET_REQUESTED, PERSON_INVITED
from shared.persistence.documents import ApiToken, Person
from tests.integration.conftest import SESSION_SECRET

pytestmark = pytest.mark.integration
PASSWORD = "a long passphrase nobody guesses"
SECRET = SESSION_SECRET.encode()


class ManualClock(DependencyProvider):
    """Accounts' clock, set forward by the test (class-wide: one accounts container per test)."""

    offset = timedelta(0)

    @classmethod
    def now(cls):
        return utcnow() + cls.offset

    def get_dependency(self, worker_ctx):
        return ManualClock.now


class AccountsAtTheTestsClock(AccountsService):
    clock = ManualClock()


class Api:
    def __init__(self, base):
        self.base = base
        self.http = requests.Session()

    def call(self, method, path, *, token=None, cookie=None, csrf=None, client=None, headers=None, **kwargs):
        sent = dict(headers or {})
        if token:
            sent["Authorization"] = f"Bearer {token}"
        if cookie:
            sent["Cookie"] = f"{sessions.COOKIE_NAME}={cookie}"
        if csrf:
            sent["X-CSRF-Token"] = csrf
        if client:
            sent["X-Forwarded-For"] = client  # the test runs on loopback, a trusted proxy
        return self.http.request(method, self.base + path, headers=sent, timeout=15, **kwargs)


@pytest.fixture
def start(container_factory, service_config):
    """start(cls, **settings) -> Api: a service container on its own port, with settings added."""
    ManualClock.offset = timedelta(0)

    def start_service(cls, **settings):
        port = free_port()
        config = {k: v for k, v in service_config.items() if k != "base_url"}
        config.update(WEB_SERVER_ADDRESS=f"127.0.0.1:{port}", **settings)
        container_factory(cls, config).start()
        return Api(f"http://127.0.0.1:{port}")

    return start_service


@pytest.fixture
def admin_token(db):
    return operations.issue_token("admin", "admin-1")


def invite(api, admin_token, email, role, **binding):
    answer = api.call("POST", "/api/v1/invitations", token=admin_token,
                      json={"email": email, "role": role, "language": "fr", **binding})
    assert answer.status_code == 201, answer.text
    return answer.json()


def signed_in(api, email, password=PASSWORD, code=None, client=None):
    answer = api.call("POST", "/api/v1/sessions", client=client,
                      json={"email": email, "password": password, **({"code": code} if code else {})})
    assert answer.status_code == 201, answer.text
    cookie = answer.headers["Set-Cookie"]
    session_id = cookie.split(";")[0].split("=", 1)[1]
    return session_id, answer.json()["csrf_token"]


def person_with_account(api, admin_token, email, role="poc", **binding):
    """Invited, accepted (no second factor for these roles) and signed in: (session id, CSRF token)."""
    binding = binding or ({"member_code": "TN"} if role == "poc" else {})
    token = invite(api, admin_token, email, role, **binding)["token"]
    assert api.call("POST", "/api/v1/invitations/accept", json={"token": token, "password": PASSWORD}).status_code == 200
    return signed_in(api, email)


def kinds(person_id=None):
    query = {"subject": person_id} if person_id else {}
    return [entry.kind for entry in documents.SecurityLogEntry.objects(**query).order_by("entry_id")]


def error_without_correlation(answer):
    """What a person is told: status, error code and message, and how long to wait."""
    error = answer.json()["error"]
    return answer.status_code, error["code"], error["message"], answer.headers.get("Retry-After")


@pytest.fixture
def tn(db):
    operations.add_member("TN", "national", {"fr": "Tunisie"})


def test_invite_accept_sign_in_me_sign_out(start, admin_token, tn, tap):
    api = start(AccountsService)
    invited_tap = tap("accounts", PERSON_INVITED)
    invitation = invite(api, admin_token, "  Leila.Ben@Example.ORG ", "poc", member_code="TN")
    assert invitation["person"]["email"] == "leila.ben@example.org" and not invitation["person"]["active"]
    assert invitation["link"].endswith(f"/accounts/invitation?token={invitation['token']}")
    event = invited_tap.next()  # for the mail step: the link's token sealed with the server's secret
    assert event.payload["email"] == "leila.ben@example.org" and event.payload["member_code"] == "TN"
    assert tokens.unseal(event.payload["sealed_token"], SECRET) == invitation["token"]
    assert invitation["token"] not in str(event.to_message())

    weak = api.call("POST", "/api/v1/invitations/accept", json={"token": invitation["token"], "password": "leila.ben-2026!"})
    assert weak.status_code == 422 and list(weak.json()["error"]["fields"]) == ["password"]
    accepted = api.call("POST", "/api/v1/invitations/accept", json={"token": invitation["token"], "password": PASSWORD})
    assert accepted.status_code == 200 and accepted.json()["status"] == "active", accepted.text

    answer = api.call("POST", "/api/v1/sessions", json={"email": "LEILA.BEN@example.org", "password": PASSWORD})
    assert answer.status_code == 201, answer.text
    cookie = answer.headers["Set-Cookie"]
    assert cookie.startswith(sessions.COOKIE_NAME + "=") and "; Path=/; Secure; HttpOnly; SameSite=Lax" in cookie
    session_id, csrf = cookie.split(";")[0].split("=", 1)[1], answer.json()["csrf_token"]
    assert session_id not in answer.text and documents.Session.objects(digest=sessions.session_digest(session_id)).count() == 1

    me = api.call("GET", "/api/v1/me", cookie=session_id).json()
    assert me["authenticated_by"] == "session" and me["role"] == "poc" and me["member_code"] == "TN"
    assert me["person"]["email"] == "leila.ben@example.org" and me["csrf_token"] == csrf
    out = api.call("DELETE", "/api/v1/sessions/current", cookie=session_id, csrf=csrf)
    assert out.status_code == 200 and "Max-Age=0" in out.headers["Set-Cookie"]
    assert api.call("GET", "/api/v1/me", cookie=session_id).status_code == 401
    person_id = invitation["person"]["person_id"]
    assert kinds(person_id) == ["invited", "invitation_accepted", "signed_in", "signed_out"]


def test_a_stale_or_reused_invitation_is_refused_and_says_the_same_as_an_unknown_one(start, admin_token, tn):
    api = start(AccountsAtTheTestsClock)
    used = invite(api, admin_token, "used@example.org", "poc", member_code="TN")["token"]
    stale = invite(api, admin_token, "stale@example.org", "poc", member_code="TN")["token"]
    assert api.call("POST", "/api/v1/invitations/accept", json={"token": used, "password": PASSWORD}).status_code == 200
    again = api.call("POST", "/api/v1/invitations/accept", json={"token": used, "password": PASSWORD + " again"})
    ManualClock.offset = timedelta(seconds=tokens.INVITATION_SECONDS)  # the moment it expires
    expired = api.call("POST", "/api/v1/invitations/accept", json={"token": stale, "password": PASSWORD})
    unknown = api.call("POST", "/api/v1/invitations/accept", json={"token": "x" * tokens.TOKEN_CHARACTERS, "password": PASSWORD})
    assert {error_without_correlation(a) for a in (again, expired, unknown)} == {
        (410, "link_not_usable", "This link no longer works: ask for a new one.", None)}
    # Nothing was written: the first password stands, the stale account never became active.
    api.call("POST", "/api/v1/sessions", json={"email": "used@example.org", "password": PASSWORD}).raise_for_status()
    assert documents.Person.objects(email="stale@example.org").first().activated_at is None


def test_ten_wrong_passwords_slow_then_lock_sign_in_alike_for_an_unknown_address(start, admin_token, tn):
    api = start(AccountsAtTheTestsClock)
    person_with_account(api, admin_token, "known@example.org")

    def ten_wrong_then_the_right_one(email, client):
        answers = []
        for attempt in range(1, 11):
            answer = api.call("POST", "/api/v1/sessions", client=client, json={"email": email, "password": f"wrong {attempt} x" * 2})
            answers.append(error_without_correlation(answer))
            if attempt >= 5:  # from the 5th failure a wait doubles: the next attempt, at once, is not even checked
                early = api.call("POST", "/api/v1/sessions", client=client, json={"email": email, "password": PASSWORD})
                answers.append(error_without_correlation(early))
                if attempt < 10:  # wait it out (the 10th locks: no waiting that out here)
                    ManualClock.offset += timedelta(seconds=int(early.headers["Retry-After"]))
        answers.append(error_without_correlation(
            api.call("POST", "/api/v1/sessions", client=client, json={"email": email, "password": PASSWORD})))
        return answers

    known = ten_wrong_then_the_right_one("known@example.org", "192.0.2.10")
    ManualClock.offset = timedelta(0)
    unknown = ten_wrong_then_the_right_one("nobody@example.org", "192.0.2.11")
    assert known == unknown  # status, code, message and wait: nothing tells the two apart
    refused = (401, "sign_in_refused", "The e-mail address, password or code is not right.", None)
    assert known[:5] == [refused] * 5
    waits = [int(retry) for status, _, _, retry in known[5:-1] if status == 429]
    # After failures 5..9: 1, 2, 4, 8, 16 s; after the 10th (the correct password, too): locked for an hour.
    assert waits == [1, 2, 4, 8, 16, 3600] and known[-1][:2] == (429, "sign_in_try_later")
    assert kinds().count("locked") == 2 and kinds().count("sign_in_failed") == 20
    # An hour later the right password signs in (the lock ends by time; the reset ends it at once).
    ManualClock.offset += timedelta(seconds=3600)
    assert api.call("POST", "/api/v1/sessions", client="192.0.2.12",
                    json={"email": "known@example.org", "password": PASSWORD}).status_code == 201


def test_an_admin_sets_up_a_second_factor_and_signs_in_with_it(start, admin_token, db):
    api = start(AccountsAtTheTestsClock)
    token = invite(api, admin_token, "admin@example.org", "admin")["token"]
    accepted = api.call("POST", "/api/v1/invitations/accept", json={"token": token, "password": PASSWORD}).json()
    assert accepted["status"] == "totp_required" and accepted["totp_provisioning_uri"].startswith("otpauth://totp/irm-review:")
    key = totp.secret_bytes(accepted["totp_secret"])
    # Not active until the code is confirmed: signing in is refused like any wrong password.
    assert api.call("POST", "/api/v1/sessions", json={"email": "admin@example.org", "password": PASSWORD}).status_code == 401
    wrong = api.call("POST", "/api/v1/invitations/confirm", json={"token": token, "code": "000000" if totp.totp(key, ManualClock.now()) != "000000" else "111111"})
    assert wrong.status_code == 422 and list(wrong.json()["error"]["fields"]) == ["code"]
    confirmed = api.call("POST", "/api/v1/invitations/confirm", json={"token": token, "code": totp.totp(key, ManualClock.now())})
    assert confirmed.status_code == 200 and confirmed.json()["person"]["totp_enabled"], confirmed.text

    no_code = api.call("POST", "/api/v1/sessions", json={"email": "admin@example.org", "password": PASSWORD})
    assert no_code.status_code == 401
    code = totp.totp(key, ManualClock.now() + timedelta(seconds=totp.STEP_SECONDS))  # a step not yet used
    signed_in(api, "admin@example.org", code=code)
    replayed = api.call("POST", "/api/v1/sessions", json={"email": "admin@example.org", "password": PASSWORD, "code": code})
    assert replayed.status_code == 401  # each step once
    reasons = [e.reason for e in documents.SecurityLogEntry.objects(kind="sign_in_failed").order_by("entry_id")]
    assert reasons == ["unknown_account", "wrong_code", "wrong_code"]
    assert api.call("POST", "/api/v1/invitations/confirm", json={"token": token, "code": code}).status_code == 410


def test_a_session_ends_when_idle(start, admin_token, tn):
    import time

    api = start(AccountsService, SESSION_IDLE_SECONDS=2)
    session_id, _ = person_with_account(api, admin_token, "idle@example.org")
    for _ in range(4):  # in use: last seen is written back often enough (shared/sessions.py: touch_seconds)
        assert api.call("GET", "/api/v1/me", cookie=session_id).status_code == 200
        time.sleep(0.7)
    time.sleep(2.1)
    assert api.call("GET", "/api/v1/me", cookie=session_id).status_code == 401


def test_a_session_ends_at_its_absolute_timeout_however_active(start, admin_token, tn):
    import time

    api = start(AccountsService, SESSION_ABSOLUTE_SECONDS=3)
    session_id, _ = person_with_account(api, admin_token, "busy@example.org")
    started = time.monotonic()
    while time.monotonic() - started < 2.5:
        assert api.call("GET", "/api/v1/me", cookie=session_id).status_code == 200
        time.sleep(0.3)
    time.sleep(0.8)
    answer = api.call("GET", "/api/v1/me", cookie=session_id)
    assert answer.status_code == 401 and answer.json()["error"]["message"] == "Your session has ended: sign in again."


def test_sign_out_everywhere_ends_every_session(start, admin_token, tn):
    api = start(AccountsService)
    laptop, laptop_csrf = person_with_account(api, admin_token, "two@example.org")
    phone, _ = signed_in(api, "two@example.org")
    other, _ = person_with_account(api, admin_token, "other@example.org")
    assert all(api.call("GET", "/api/v1/me", cookie=s).status_code == 200 for s in (laptop, phone, other))
    assert api.call("DELETE", "/api/v1/sessions", cookie=laptop, csrf=laptop_csrf).status_code == 200
    assert [api.call("GET", "/api/v1/me", cookie=s).status_code for s in (laptop, phone, other)] == [401, 401, 200]
    assert "signed_out_everywhere" in kinds()


def test_a_forged_cookie_request_is_refused_and_writes_nothing(start, admin_token, tn):
    api = start(AccountsService)
    session_id, csrf = person_with_account(api, admin_token, "forged@example.org")
    before = (ApiToken.objects.count(), documents.SecurityLogEntry.objects.count())
    forgeries = [
        {},  # no CSRF token
        {"csrf": "x" * len(csrf)},  # not this session's
        {"csrf": csrf, "headers": {"Sec-Fetch-Site": "cross-site"}},  # the token leaked, the request is from elsewhere
        {"csrf": csrf, "headers": {"Sec-Fetch-Site": "same-site"}},  # another port or subdomain of the same site
    ]
    for forgery in forgeries:
        answer = api.call("POST", "/api/v1/me/tokens", cookie=session_id, json={"label": "forged"}, **forgery)
        assert answer.status_code == 403, (forgery, answer.text)
    form = api.call("POST", "/api/v1/me/tokens", cookie=session_id, data={"label": "form"},
                    headers={"Sec-Fetch-Site": "cross-site"})
    assert form.status_code == 403
    assert api.call("DELETE", "/api/v1/sessions", cookie=session_id).status_code == 403
    assert (ApiToken.objects.count(), documents.SecurityLogEntry.objects.count()) == before
    assert api.call("POST", "/api/v1/sessions", headers={"Sec-Fetch-Site": "cross-site"},
                    json={"email": "forged@example.org", "password": PASSWORD}).status_code == 403  # login CSRF
    allowed = api.call("POST", "/api/v1/me/tokens", cookie=session_id, csrf=csrf, json={"label": "mine"},
                       headers={"Sec-Fetch-Site": "same-origin"})
    assert allowed.status_code == 201


def test_personal_tokens(start, admin_token, tn):
    api = start(AccountsService)
    session_id, csrf = person_with_account(api, admin_token, "tokens@example.org")
    created = api.call("POST", "/api/v1/me/tokens", cookie=session_id, csrf=csrf, json={"label": "my script"})
    assert created.status_code == 201, created.text
    token, token_id = created.json()["token"], created.json()["token_id"]
    listed = api.call("GET", "/api/v1/me/tokens", cookie=session_id).json()["tokens"]
    assert [(t["token_id"], t["label"], t["revoked_at"]) for t in listed] == [(token_id, "my script", None)]
    assert token not in str(listed)
    me = api.call("GET", "/api/v1/me", token=token).json()  # a machine acts as the person, by bearer token
    assert me["authenticated_by"] == "token" and me["member_code"] == "TN" and me["person"]["email"] == "tokens@example.org"
    assert me["csrf_token"] is None
    # A bearer token cannot mint more tokens, revoke them or end sessions (403), nor does a cookie need one to read.
    assert api.call("POST", "/api/v1/me/tokens", token=token, json={"label": "more"}).status_code == 403
    assert api.call("DELETE", f"/api/v1/me/tokens/{token_id}", token=token).status_code == 403
    other, other_csrf = person_with_account(api, admin_token, "thief@example.org")
    assert api.call("DELETE", f"/api/v1/me/tokens/{token_id}", cookie=other, csrf=other_csrf).status_code == 404
    assert api.call("DELETE", f"/api/v1/me/tokens/{token_id}", cookie=session_id, csrf=csrf).status_code == 200
    assert api.call("GET", "/api/v1/me", token=token).status_code == 401
    assert kinds(documents.Person.objects(email="tokens@example.org").first().person_id)[-2:] == [
        "api_token_created", "api_token_revoked"]


def test_the_security_log_is_an_admins_newest_first_in_pages(start, admin_token, tn):
    api = start(AccountsService)
    session_id, _ = person_with_account(api, admin_token, "logged@example.org")
    api.call("POST", "/api/v1/sessions", json={"email": "logged@example.org", "password": "not the password at all"})
    first = api.call("GET", "/api/v1/security-log?limit=2", token=admin_token).json()
    assert [e["kind"] for e in first["entries"]] == ["sign_in_failed", "signed_in"] and first["next_before"]
    assert first["entries"][0]["reason"] == "wrong_password" and first["entries"][0]["client"] == "127.0.0.1"
    rest = api.call("GET", f"/api/v1/security-log?limit=2&before={first['next_before']}", token=admin_token).json()
    assert [e["kind"] for e in rest["entries"]] == ["invitation_accepted", "invited"] and rest["next_before"] is None
    assert rest["entries"][1]["actor"] == {"role": "admin", "id": "admin-1"}
    assert PASSWORD not in str(first) + str(rest)
    assert api.call("GET", "/api/v1/security-log", cookie=session_id).status_code == 403  # a poc, signed in
    assert api.call("GET", "/api/v1/security-log?limit=101", token=admin_token).status_code == 422


def test_a_password_reset_by_link_ends_every_session(start, admin_token, tn, tap):
    api = start(AccountsService)
    reset_tap = tap("accounts", PASSWORD_RESET_REQUESTED)
    session_id, _ = person_with_account(api, admin_token, "forgot@example.org")
    unknown = api.call("POST", "/api/v1/password-resets", json={"email": "nobody@example.org"})
    assert unknown.status_code == 202 and reset_tap.empty()  # the same answer, and no mail for nobody
    known = api.call("POST", "/api/v1/password-resets", json={"email": "Forgot@example.org"})
    assert (known.status_code, known.json()) == (unknown.status_code, unknown.json())
    token = tokens.unseal(reset_tap.next().payload["sealed_token"], SECRET)
    common = api.call("POST", "/api/v1/password-resets/complete", json={"token": token, "password": "password1234"})
    assert common.status_code == 422 and list(common.json()["error"]["fields"]) == ["password"]
    new_password = "another long passphrase, new"
    assert api.call("POST", "/api/v1/password-resets/complete", json={"token": token, "password": new_password}).status_code == 200
    assert api.call("GET", "/api/v1/me", cookie=session_id).status_code == 401
    assert api.call("POST", "/api/v1/password-resets/complete", json={"token": token, "password": new_password}).status_code == 410
    signed_in(api, "forgot@example.org", password=new_password)


def test_reviews_api_takes_the_session_cookie_of_an_expert(start, admin_token, db):
    operations.add_expert("exp-a", "Amina", ["ar", "fr"], capacity=3)
    accounts, review = start(AccountsService), start(ReviewService)
    session_id, csrf = person_with_account(accounts, admin_token, "amina@example.org", role="expert", expert_id="exp-a")
    cases = review.call("GET", "/api/v1/cases", cookie=session_id)
    assert cases.status_code == 200 and cases.json() == {"cases": []}, cases.text
    assert review.call("GET", "/api/v1/experts", cookie=session_id).status_code == 403  # an expert, not an admin
    # A change by cookie needs the CSRF token in review too (refused before the case is even looked for).
    assert review.call("POST", "/api/v1/cases/case_1/accept", cookie=session_id).status_code == 403
    assert review.call("POST", "/api/v1/cases/case_1/accept", cookie=session_id, csrf=csrf).status_code == 404
    accounts.call("DELETE", "/api/v1/sessions/current", cookie=session_id, csrf=csrf).raise_for_status()
    assert review.call("GET", "/api/v1/cases", cookie=session_id).status_code == 401


def test_irmctl_invites_the_first_admin_and_no_second_one(start, db, tap):
    api = start(AccountsAtTheTestsClock)
    invited_tap = tap("accounts", PERSON_INVITED)
    environ = {"SESSION_SECRET": SESSION_SECRET, "PUBLIC_BASE_URL": "https://irm.example.org"}
    person, token, link, _ = operations.invite_first_admin("Root@Example.org", "ar", environ)
    assert link == f"https://irm.example.org/accounts/invitation?token={token}" and person.language == "ar"
    # Its event is accounts' own, published by the service's outbox relay (irmctl runs no broker client).
    assert tokens.unseal(invited_tap.next(timeout=20).payload["sealed_token"], SECRET) == token
    secret = api.call("POST", "/api/v1/invitations/accept", json={"token": token, "password": PASSWORD}).json()["totp_secret"]
    code = totp.totp(totp.secret_bytes(secret), ManualClock.now())
    assert api.call("POST", "/api/v1/invitations/confirm", json={"token": token, "code": code}).status_code == 200
    with pytest.raises(operations.OperationError, match="an admin account is in use"):
        operations.invite_first_admin("second@example.org", "fr", environ)
    entry = documents.SecurityLogEntry.objects(kind="invited").first()
    assert entry.actor == {"role": "system", "id": "irmctl"} and entry.subject == person.person_id


def test_password_reset_requests_are_limited_per_address_and_per_client_alike_whether_an_account_exists(start, admin_token, tn):
    api = start(AccountsAtTheTestsClock, PASSWORD_RESETS_PER_ADDRESS=2, PASSWORD_RESETS_PER_CLIENT=6)
    person_with_account(api, admin_token, "forgot@example.org")
    person_id = Person.objects(email="forgot@example.org").first().person_id

    def ask(email, client="203.0.113.5"):
        return api.call("POST", "/api/v1/password-resets", client=client, json={"email": email})

    def links():
        return documents.LinkToken.objects(person_id=person_id, purpose=tokens.PASSWORD_RESET).count()

    def told(answer):
        """What the asker learns of a refusal, but for how many seconds to wait."""
        status, code, message, retry_after = error_without_correlation(answer)
        return status, code, re.sub(r"\d+", "N", message), retry_after is not None and int(retry_after) >= 1

    # Two a period for one address, however it is typed; the third is refused and issues no link (no mail).
    known = [ask(email) for email in ("forgot@example.org", "Forgot@Example.org", " forgot@example.org")]
    assert [a.status_code for a in known] == [202, 202, 429], [a.text for a in known]
    assert links() == 2 and kinds(person_id).count("password_reset_requested") == 2
    # An address no account has is answered the same, refusal included: nothing tells the two apart.
    unknown = [ask("nobody@example.org") for _ in range(3)]
    assert [a.status_code for a in unknown] == [202, 202, 429]
    assert known[0].json() == unknown[0].json()
    assert told(known[2]) == told(unknown[2]) == (429, "too_many_requests", "Too many password-reset requests for this "
                                                  "address; try again in N s.", True)
    # One client: six requests a period over every address (the refused ones count: a flood is a flood).
    from_client = ask("someone.else@example.org")
    assert told(from_client) == (429, "too_many_requests", "Too many password-reset requests from your address; try again "
                                 "in N s.", True)
    assert ask("someone.else@example.org", client="198.51.100.20").status_code == 202  # another client is not held back
    # Once the wait it named has passed, the address is taken again and a new link goes out.
    ManualClock.offset += timedelta(seconds=int(known[2].headers["Retry-After"]))
    assert ask("forgot@example.org").status_code == 202 and links() == 3


def test_mail_preferences_are_chosen_by_session_only_and_a_refusal_changes_nothing(start, admin_token, tn):
    api = start(AccountsService)
    session_id, csrf = person_with_account(api, admin_token, "notices@example.org")
    person_id = Person.objects(email="notices@example.org").first().person_id
    me = api.call("GET", "/api/v1/me", cookie=session_id).json()
    assert me["mail"]["turned_off"] == [] and "finding_published" in me["mail"]["optional"]
    assert me["csrf_token"] == csrf

    # Chosen by session, with the CSRF token: kept as a set, in the account page's order.
    chosen = api.call("PUT", "/api/v1/me/mail-preferences", cookie=session_id, csrf=csrf, headers={"Sec-Fetch-Site": "same-origin"},
                      json={"turned_off": ["finding_published", "case_assigned", "finding_published"]})
    assert chosen.status_code == 200, chosen.text
    assert chosen.json() == {"optional": me["mail"]["optional"], "turned_off": ["case_assigned", "finding_published"]}
    assert api.call("GET", "/api/v1/me", cookie=session_id).json()["mail"]["turned_off"] == ["case_assigned", "finding_published"]
    assert Person.objects.get(person_id=person_id).mail_opt_out == ["case_assigned", "finding_published"]

    def unchanged():
        person = Person.objects.get(person_id=person_id)
        return person.mail_opt_out, person.version

    before = unchanged()
    # A kind there is no such notice of (or one that always goes): a field-level 422 on turned_off.
    for kind in ("weekly_digest", "invitation"):
        unknown = api.call("PUT", "/api/v1/me/mail-preferences", cookie=session_id, csrf=csrf,
                           json={"turned_off": ["correction_opened", kind]})
        assert unknown.status_code == 422, unknown.text
        assert list(unknown.json()["error"]["fields"]) == ["turned_off[1]"], unknown.text
    missing = api.call("PUT", "/api/v1/me/mail-preferences", cookie=session_id, csrf=csrf, json={})
    assert missing.status_code == 422 and list(missing.json()["error"]["fields"]) == ["turned_off"]
    # A bearer token, the person's own or irmctl's: 403 (a machine does not choose the person's mail).
    personal = api.call("POST", "/api/v1/me/tokens", cookie=session_id, csrf=csrf, json={"label": "script"}).json()["token"]
    assert api.call("GET", "/api/v1/me", token=personal).json()["mail"]["turned_off"] == ["case_assigned", "finding_published"]
    poc_token = operations.issue_token("poc", "poc-tn", member_code="TN")
    for token in (personal, admin_token, poc_token):
        refused = api.call("PUT", "/api/v1/me/mail-preferences", token=token, json={"turned_off": []})
        assert refused.status_code == 403, refused.text
    # A session without its CSRF token, with another's, or from another site: 403.
    for forgery in ({}, {"csrf": "x" * len(csrf)}, {"csrf": csrf, "headers": {"Sec-Fetch-Site": "cross-site"}}):
        refused = api.call("PUT", "/api/v1/me/mail-preferences", cookie=session_id, json={"turned_off": []}, **forgery)
        assert refused.status_code == 403, (forgery, refused.text)
    # No session at all: 401.
    assert api.call("PUT", "/api/v1/me/mail-preferences", json={"turned_off": []}).status_code == 401
    assert unchanged() == before
    assert api.call("GET", "/api/v1/me", cookie=session_id).json()["mail"]["turned_off"] == ["case_assigned", "finding_published"]
    # Everything back on.
    back = api.call("PUT", "/api/v1/me/mail-preferences", cookie=session_id, csrf=csrf, json={"turned_off": []})
    assert back.status_code == 200 and back.json()["turned_off"] == []
