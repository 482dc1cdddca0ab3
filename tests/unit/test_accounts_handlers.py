"""Accounts' handlers, views and schemas directly, over the in-memory unit of work: what each decision
writes (and does not), without a broker or a database. The same paths over the real ones:
tests/integration/test_accounts.py."""
from datetime import datetime, timedelta, timezone

import pytest
from marshmallow import ValidationError

from services.accounts import documents, handlers, views
from services.accounts.domain import signin, tokens, totp
from services.accounts.schemas import AcceptInvitationSchema, InvitationSchema, SecurityLogQuery
from shared.auth import Principal
from shared.http import Conflict, Unprocessable
from shared.persistence.documents import ApiToken, Member
from tests.fake_unit_of_work import FakeUnitOfWork

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)
SECRET = b"k" * 32
ADMIN = {"role": "admin", "id": "admin-1"}


def ctx(now=NOW, client="192.0.2.1"):
    return handlers.Context(now, client, "corr-1", SECRET)


def logged(uow) -> list:
    return sorted((raw["_id"], raw["kind"], raw.get("reason")) for raw in uow.collection(documents.SecurityLogEntry).values())


@pytest.fixture
def uow():
    unit = FakeUnitOfWork("accounts")
    unit.put(Member(code="TN", kind="national", names={"fr": "Tunisie"}, created_at=NOW))
    return unit


def invited(uow, email="poc@example.org", role="poc", **binding):
    body = InvitationSchema().load({"email": email, "role": role, "language": "fr",
                                    **(binding or ({"member_code": "TN"} if role == "poc" else {}))})
    return handlers.invite(uow, ADMIN, body, ctx())


def active(uow, email="poc@example.org", role="poc"):
    person, token, link = invited(uow, email, role)
    handlers.accept_invitation(uow, link.digest, "argon2-hash", ctx(), "irm-review")
    return uow.get(documents.Person, {"_id": person.person_id})


def test_an_invitation_binds_the_role_field_level_and_spells_the_address_once():
    assert InvitationSchema().load({"email": " A@Example.ORG ", "role": "admin", "language": "ar"})["email"] == "a@example.org"
    with pytest.raises(ValidationError) as refused:
        InvitationSchema().load({"email": "a@example.org", "role": "poc", "language": "fr", "expert_id": "exp-a"})
    assert set(refused.value.messages) == {"member_code", "expert_id"}


def test_inviting_writes_the_person_the_link_its_log_entry_and_a_sealed_event(uow):
    person, token, link = invited(uow)
    stored = uow.stored(documents.LinkToken, link.digest)
    assert stored["purpose"] == tokens.INVITATION and token not in str(stored) and stored["person_id"] == person.person_id
    assert [kind for _, kind, _ in logged(uow)] == ["invited"]
    (event,) = uow.events
    assert tokens.unseal(event.payload["sealed_token"], SECRET) == token and token not in str(event.payload)


def test_inviting_again_before_acceptance_ends_the_earlier_link_and_after_it_is_refused(uow):
    person, _, first = invited(uow)
    again, _, second = invited(uow)
    assert again.person_id == person.person_id
    assert tokens.decide(_link(uow, first.digest), tokens.INVITATION, NOW) == tokens.EXPIRED
    assert tokens.decide(_link(uow, second.digest), tokens.INVITATION, NOW) == tokens.OK
    handlers.accept_invitation(uow, second.digest, "argon2-hash", ctx(), "irm-review")
    with pytest.raises(Conflict):
        invited(uow)
    with pytest.raises(Unprocessable):
        invited(uow, "other@example.org", member_code="MA")  # no such member


def _link(uow, digest):
    from services.accounts import queries

    return queries.stored_link(uow.get(documents.LinkToken, {"_id": digest}))


def test_a_link_acts_once(uow):
    person, _, link = invited(uow)
    handlers.accept_invitation(uow, link.digest, "argon2-hash", ctx(), "irm-review")
    with pytest.raises(views.LinkNotUsable):
        handlers.accept_invitation(uow, link.digest, "another-hash", ctx(), "irm-review")
    assert uow.stored(documents.Person, person.person_id)["password_hash"] == "argon2-hash"


def test_an_admin_is_active_only_once_a_code_from_the_new_secret_is_confirmed(uow):
    person, _, link = invited(uow, "admin@example.org", "admin")
    _, uri, secret = handlers.accept_invitation(uow, link.digest, "argon2-hash", ctx(), "irm-review")
    assert uri.startswith("otpauth://totp/irm-review:admin%40example.org?secret=")
    assert uow.stored(documents.Person, person.person_id).get("activated_at") is None
    with pytest.raises(Unprocessable):
        handlers.confirm_totp(uow, link.digest, "12345x", ctx())
    confirmed = handlers.confirm_totp(uow, link.digest, totp.totp(totp.secret_bytes(secret), NOW), ctx())
    assert confirmed.totp_secret == secret and confirmed.activated_at is not None
    assert [kind for _, kind, _ in logged(uow)][-2:] == ["totp_enabled", "invitation_accepted"]


def test_a_point_of_contact_who_asks_for_a_second_factor_is_active_once_its_first_code_is_confirmed(uow):
    person, _, link = invited(uow, "careful-poc@example.org")
    _, uri, secret = handlers.accept_invitation(uow, link.digest, "argon2-hash", ctx(), "irm-review", wants_totp=True)
    assert uri.startswith("otpauth://totp/irm-review:careful-poc%40example.org?secret=")
    assert uow.stored(documents.Person, person.person_id).get("activated_at") is None
    confirmed = handlers.confirm_totp(uow, link.digest, totp.totp(totp.secret_bytes(secret), NOW), ctx())
    assert confirmed.totp_secret == secret and confirmed.activated_at is not None and confirmed.role == "poc"
    assert AcceptInvitationSchema().load({"token": "t" * 43, "password": "p" * 12})["totp"] is False  # not asked: none


def attempt(person=None, password_ok=False, code=None, email="poc@example.org", client="192.0.2.1", digest="d" * 64):
    return handlers.SignInAttempt(signin.account_throttle_key(email), signin.client_throttle_key(client),
                                  person.person_id if person else None, password_ok, code, None, digest)


def test_a_failed_sign_in_is_counted_on_both_keys_and_logged_with_why(uow):
    result = handlers.sign_in(uow, attempt(), ctx(), 1800, 28800)
    assert result.outcome == signin.REFUSED
    assert {raw["_id"]: raw["failures"] for raw in uow.collection(documents.SignInThrottle).values()} == {
        signin.account_throttle_key("poc@example.org"): 1, signin.client_throttle_key("192.0.2.1"): 1}
    assert [(kind, reason) for _, kind, reason in logged(uow)] == [("sign_in_failed", "unknown_account")]
    # A client's count is forgotten an hour after its last failure (TTL); an address's never by time.
    forget = {raw["_id"]: raw.get("forget_at") for raw in uow.collection(documents.SignInThrottle).values()}
    assert forget == {signin.account_throttle_key("poc@example.org"): None,
                      signin.client_throttle_key("192.0.2.1"): NOW + timedelta(hours=1)}


def test_a_throttled_attempt_is_not_an_attempt_nothing_is_written(uow):
    for _ in range(5):
        handlers.sign_in(uow, attempt(), ctx(), 1800, 28800)
    before = (dict(uow.collection(documents.SignInThrottle)), logged(uow))
    result = handlers.sign_in(uow, attempt(), ctx(NOW + timedelta(milliseconds=500)), 1800, 28800)
    assert (result.outcome, result.permission.wait_seconds) == (signin.TRY_LATER, 1)
    assert (dict(uow.collection(documents.SignInThrottle)), logged(uow)) == before


def test_a_sign_in_stores_the_session_clears_the_account_count_but_not_the_clients(uow):
    person = active(uow)
    handlers.sign_in(uow, attempt(person), ctx(), 1800, 28800)
    result = handlers.sign_in(uow, attempt(person, password_ok=True), ctx(), 1800, 28800)
    assert result.outcome == signin.SIGNED_IN and result.session_ends_at == NOW + timedelta(seconds=1800)
    session = uow.stored(documents.Session, "d" * 64)
    assert session["person_id"] == person.person_id and session["generation"] == 0
    counts = {raw["_id"]: raw["failures"] for raw in uow.collection(documents.SignInThrottle).values()}
    assert counts == {signin.account_throttle_key("poc@example.org"): 0, signin.client_throttle_key("192.0.2.1"): 1}


def test_a_changed_password_and_sign_out_everywhere_move_the_generation_on(uow):
    person = active(uow)
    principal = Principal(person.person_id, "poc", "TN", person_id=person.person_id, by_session=True)
    handlers.sign_out_everywhere(uow, principal, ctx())
    handlers.change_password(uow, principal, "new-hash", ctx())
    assert uow.stored(documents.Person, person.person_id)["session_generation"] == 2


def test_personal_tokens_are_capped_and_revoked_only_by_their_person(uow):
    person = active(uow)
    principal = Principal(person.person_id, "poc", "TN", person_id=person.person_id, by_session=True)
    for n in range(20):
        record, token = handlers.create_token(uow, principal, f"script {n}", ctx())
        assert record.person_id == person.person_id and record.member_code == "TN" and token.startswith("irm_")
    with pytest.raises(Conflict):
        handlers.create_token(uow, principal, "one too many", ctx())
    stranger = Principal("per_x", "poc", "TN", person_id="per_x", by_session=True)
    with pytest.raises(Exception) as refused:
        handlers.revoke_token(uow, stranger, record.digest, ctx())
    assert refused.value.status == 404
    handlers.revoke_token(uow, principal, record.digest, ctx())
    assert uow.stored(ApiToken, record.digest)["revoked_at"] == NOW


def test_a_try_later_answer_says_how_long_and_a_lock_until_reset_says_no_time():
    assert views.SignInTryLater(16).response().headers["Retry-After"] == "16"
    answer = views.SignInTryLater(None).response()
    assert "Retry-After" not in answer.headers and answer.status_code == 429


def test_the_security_log_pages_by_its_ids():
    class Entry:
        def __init__(self, n):
            self.entry_id, self.kind, self.at, self.actor = f"sec_{n:013d}_{'0' * 32}", "signed_in", NOW, {"role": "poc", "id": "p"}
            self.subject, self.client, self.reason, self.details, self.correlation_id = "p", "192.0.2.1", None, {}, "c"

    page = views.security_log_page([Entry(3), Entry(2), Entry(1)], limit=2)
    assert [e["entry_id"][-36:-33] for e in page["entries"]] == ["003", "002"] and page["next_before"] == page["entries"][-1]["entry_id"]
    assert views.security_log_page([Entry(1)], limit=2)["next_before"] is None
    with pytest.raises(ValidationError):
        SecurityLogQuery().load({"before": "sec_1; drop"})


def test_an_admin_unlocks_a_locked_sign_in_once_and_says_who_in_the_log(uow):
    from shared.http import NotFound
    person = active(uow, "locked@example.org")
    key = signin.account_throttle_key(person.email)
    with pytest.raises(Conflict):  # never failed: nothing to unlock, nothing written
        handlers.unlock(uow, ADMIN, person.person_id, ctx())
    uow.put(documents.SignInThrottle(key=key, failures=signin.ACCOUNT.lock_until_reset_after, last_failure_at=NOW))
    locked = signin.may_attempt(handlers.queries.throttle_of(uow.get(documents.SignInThrottle, {"_id": key})), NOW,
                                signin.ACCOUNT)
    assert locked.locked and locked.wait_seconds is None  # from the 100th: only a reset or an admin ends it
    before = len(logged(uow))
    handlers.unlock(uow, ADMIN, person.person_id, ctx(NOW + timedelta(days=3)))
    after = handlers.queries.throttle_of(uow.get(documents.SignInThrottle, {"_id": key}))
    assert after == signin.Throttle()
    entries = sorted(uow.collection(documents.SecurityLogEntry).values(), key=lambda raw: raw["_id"])
    assert len(entries) == before + 1 and entries[-1]["kind"] == "unlocked" and entries[-1]["actor"] == ADMIN
    assert entries[-1]["details"] == {"failures": signin.ACCOUNT.lock_until_reset_after}
    with pytest.raises(Conflict):
        handlers.unlock(uow, ADMIN, person.person_id, ctx())
    with pytest.raises(NotFound):
        handlers.unlock(uow, ADMIN, "per_nobody", ctx())


def test_the_people_list_says_each_state_from_the_throttles():
    class Stored:
        def __init__(self, person_id, email, activated_at):
            self.person_id, self.email, self.activated_at = person_id, email, activated_at

    listed = [Stored("per_a", "a@example.org", None), Stored("per_b", "b@example.org", NOW),
              Stored("per_c", "c@example.org", NOW)]
    throttles = {"a@example.org": signin.Throttle(), "b@example.org": signin.Throttle(3, NOW),
                 "c@example.org": signin.Throttle(signin.ACCOUNT.lock_after, NOW)}
    states = handlers.people_states(listed, throttles, NOW + timedelta(minutes=10))
    assert [states[p]["state"] for p in ("per_a", "per_b", "per_c")] == ["invited", "active", "locked"]
    assert states["per_c"]["locked_until"] == NOW + timedelta(hours=1)
