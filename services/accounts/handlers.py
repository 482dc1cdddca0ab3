"""Accounts' decisions: plain functions over a unit of work and plain values.

Each takes the unit of work (`uow`), the request's values and a `Context` (the moment, the client,
the correlation id), decides with the rules of domain/ and shared/sessions.py, and writes the
change with its security-log entry (and its event) through `uow`, so they commit together: a
link is marked used in the same write as what it did, and nothing half-done is ever stored.
Passwords are hashed and checked before (argon2 runs in eventlet's thread pool, in service.py),
so a transaction never waits on a hash; what they decide is passed in.
"""
import itertools
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from services.accounts import documents, queries, views
from services.accounts.schemas import MESSAGES
from services.accounts.domain import addresses, invitations, passwords, security_log, signin, tokens, totp
from services.mail.domain import notices
from services.review import documents as review_documents
from shared import sessions
from shared.auth import new_token, person_subject, token_digest
from shared.clock import iso
from shared.contracts.events import PASSWORD_RESET_REQUESTED, PERSON_INVITED, build_event
from shared.http import Conflict, NotFound, Unprocessable
from shared.ids import new_id
from shared.persistence.documents import ApiToken, Member

SYSTEM = {"role": "system", "id": "accounts"}
ANONYMOUS = {"role": "public", "id": "anonymous"}


@dataclass(frozen=True)
class Context:
    now: datetime
    client: str  # the client address as the limits count it
    correlation_id: str
    secret: bytes  # the server's session secret: CSRF tokens, sealed links


def log(uow, ctx: Context, kind: str, actor: dict, subject=None, reason=None, **details) -> None:
    """One security-log entry, in the transaction of what it records."""
    uow.insert(documents.SecurityLogEntry(
        entry_id=log_entry_id(ctx.now), kind=kind, at=ctx.now, actor=actor,
        subject=subject, client=ctx.client, reason=reason, details=details, correlation_id=ctx.correlation_id))


_ENTRY_SEQUENCE = itertools.count()


def log_entry_id(now: datetime) -> str:
    """`sec_<epoch ms>_<32 hex>`: ids sort as the log is read, newest first. The hex begins with this
    process's sequence, so two entries of one moment (a step's two entries) keep their order; entries of
    one millisecond from two processes are concurrent, in either order."""
    return f"sec_{int(now.timestamp() * 1000):013d}_{next(_ENTRY_SEQUENCE) % 0x10000:04x}{uuid.uuid4().hex[:28]}"


def password_problems(password: str, email: str) -> None:
    """422 on `password` with every reason it may not be chosen (domain/passwords.py)."""
    problems = passwords.password_problems(password, email)
    if problems:
        raise Unprocessable("The password may not be chosen.", {"password": [MESSAGES[p] for p in problems]})


def usable_link(stored, purpose: str, now: datetime):
    """The stored link if it may act now; the one answer for any other (views.LinkNotUsable)."""
    if tokens.decide(queries.stored_link(stored), purpose, now) != tokens.OK:
        raise views.LinkNotUsable()
    return stored


def _use_link(uow, stored, now) -> None:
    if not uow.update(documents.LinkToken, {"_id": stored.digest, "used_at": None}, {"$set": {"used_at": now}}):
        raise views.LinkNotUsable()  # used by a request that committed first


def _issue_link(uow, purpose, person_id, now):
    token, link = tokens.issue(purpose, now)
    uow.insert(documents.LinkToken(digest=link.digest, purpose=purpose, person_id=person_id, created_at=now,
                                   expires_at=link.expires_at))
    return token, link


# --- invitations ------------------------------------------------------------------------------------
def invite(uow, actor: dict, body: dict, ctx: Context):
    """An admin (or `irmctl account invite-admin`) invites a person: (person, token, link). An address whose
    invitation was never accepted is invited again (its earlier links stop working); an account in use is 409."""
    email, role = addresses.normalized_email(body["email"]), body["role"]
    member_code, expert_id = body.get("member_code"), body.get("expert_id")
    if member_code and uow.get(Member, {"_id": member_code}) is None:
        raise Unprocessable("The invitation names what does not exist.", {"member_code": ["No such member."]})
    if expert_id:
        if uow.get(review_documents.Expert, {"_id": expert_id}) is None:
            raise Unprocessable("The invitation names what does not exist.", {"expert_id": ["No such expert in the registry."]})
        bound = uow.get(documents.Person, {"expert_id": expert_id, "role": role})  # one account per entry and role
        if bound is not None and bound.email != email:
            raise Conflict(f"Expert {expert_id} already has an account.", {"field": "expert_id"})
    person = uow.get(documents.Person, {"email": email})
    if person is not None and person.activated_at is not None:
        raise Conflict("An account with this address is in use.", {"field": "email"})
    fields = {"role": role, "member_code": member_code, "expert_id": expert_id, "language": body["language"],
              "invited_at": ctx.now}
    if person is None:
        person = documents.Person(person_id=new_id("per"), email=email, invited_by=actor, created_at=ctx.now, **fields)
        uow.insert(person)
    else:
        for earlier in uow.find(documents.LinkToken, {"person_id": person.person_id, "purpose": tokens.INVITATION,
                                                      "used_at": None}, limit=100):
            uow.update(documents.LinkToken, {"_id": earlier.digest}, {"$set": {"expires_at": ctx.now}})
        uow.update(documents.Person, {"_id": person.person_id},
                   {"$set": {**fields, "invited_by": actor, "password_hash": None, "totp_pending_secret": None},
                    "$inc": {"version": 1}})
        person = uow.get(documents.Person, {"_id": person.person_id})
    token, link = _issue_link(uow, tokens.INVITATION, person.person_id, ctx.now)
    log(uow, ctx, security_log.INVITED, actor, person.person_id, role=role, language=body["language"])
    uow.emit(build_event(PERSON_INVITED, {
        "person_id": person.person_id, "email": email, "role": role, "language": body["language"],
        "member_code": member_code, "expert_id": expert_id, "expires_at": iso(link.expires_at),
        "sealed_token": tokens.seal(token, ctx.secret)}, correlation_id=ctx.correlation_id, actor=actor))
    return person, token, link


def accept_invitation(uow, digest: str, password_hash: str, ctx: Context, issuer: str, wants_totp: bool = False):
    """The invited person sets a password: (person, provisioning URI, secret). An admin or a quality
    reviewer, and anyone who asks for one (`wants_totp`), is given a TOTP secret to confirm (`confirm_totp`),
    and the link keeps working until then; anyone else's account is active at once and the link is used."""
    stored = usable_link(uow.get(documents.LinkToken, {"_id": digest}), tokens.INVITATION, ctx.now)
    person = uow.get(documents.Person, {"_id": stored.person_id})
    if invitations.needs_totp(person.role) or wants_totp:
        secret = totp.new_secret()
        uow.update(documents.Person, {"_id": person.person_id},
                   {"$set": {"password_hash": password_hash, "totp_pending_secret": secret}, "$inc": {"version": 1}})
        uri = totp.provisioning_uri(secret, person.email.replace(":", ""), issuer)
        return uow.get(documents.Person, {"_id": person.person_id}), uri, secret
    _use_link(uow, stored, ctx.now)
    uow.update(documents.Person, {"_id": person.person_id},
               {"$set": {"password_hash": password_hash, "activated_at": ctx.now}, "$inc": {"version": 1}})
    log(uow, ctx, security_log.INVITATION_ACCEPTED, ANONYMOUS, person.person_id)
    return uow.get(documents.Person, {"_id": person.person_id}), None, None


def confirm_totp(uow, digest: str, code: str, ctx: Context):
    """The second factor's first code: the account is active, the factor on, the link used."""
    stored = usable_link(uow.get(documents.LinkToken, {"_id": digest}), tokens.INVITATION, ctx.now)
    person = uow.get(documents.Person, {"_id": stored.person_id})
    if not person.totp_pending_secret or not person.password_hash:
        raise Conflict("Accept the invitation with a password first: it gives the second factor's secret.")
    check = totp.verify(totp.secret_bytes(person.totp_pending_secret), code, ctx.now, person.totp_last_step)
    if not check.ok:
        raise Unprocessable("The code is not right.", {"code": ["Type the code your app shows now."]})
    _use_link(uow, stored, ctx.now)
    uow.update(documents.Person, {"_id": person.person_id}, {"$set": {
        "totp_secret": person.totp_pending_secret, "totp_pending_secret": None, "totp_last_step": check.step,
        "activated_at": ctx.now}, "$inc": {"version": 1}})
    log(uow, ctx, security_log.TOTP_ENABLED, ANONYMOUS, person.person_id)
    log(uow, ctx, security_log.INVITATION_ACCEPTED, ANONYMOUS, person.person_id)
    return uow.get(documents.Person, {"_id": person.person_id})


# --- signing in and out -------------------------------------------------------------------------------
@dataclass(frozen=True)
class SignInAttempt:
    account_key: str  # signin.account_throttle_key of the address typed
    client_key: str  # signin.client_throttle_key of the client
    person_id: str | None  # the active account the address names (None: none)
    password_ok: bool  # checked in the thread pool (against a dummy hash when there is no account)
    code: str | None
    new_hash: str | None  # the password rehashed with today's parameters, to store on success
    session_digest: str


@dataclass(frozen=True)
class SignInResult:
    outcome: str  # signin.SIGNED_IN, REFUSED or TRY_LATER: all the person is told
    permission: signin.Permission = signin.ALLOWED
    person: object = None
    session_ends_at: datetime | None = None


def sign_in_permission(account: signin.Throttle, client: signin.Throttle, now) -> signin.Permission:
    return signin.combined(signin.may_attempt(account, now, signin.ACCOUNT), signin.may_attempt(client, now, signin.CLIENT))


def sign_in(uow, attempt: SignInAttempt, ctx: Context, idle: int, absolute: int) -> SignInResult:
    """Judge an attempt both throttles allow (asked again here, in the transaction), count it, and on
    success store the session. A refused attempt is logged with why; the person is told only REFUSED."""
    stored_account = uow.get(documents.SignInThrottle, {"_id": attempt.account_key})
    stored_client = uow.get(documents.SignInThrottle, {"_id": attempt.client_key})
    account, client = queries.throttle_of(stored_account), queries.throttle_of(stored_client)
    permission = sign_in_permission(account, client, ctx.now)
    if not permission.allowed:
        return SignInResult(signin.TRY_LATER, permission)
    person = uow.get(documents.Person, {"_id": attempt.person_id}) if attempt.person_id else None
    totp_enabled = bool(person is not None and person.totp_secret)
    check = (totp.verify(totp.secret_bytes(person.totp_secret), attempt.code or "", ctx.now, person.totp_last_step)
             if totp_enabled else None)
    judgement = signin.judge(person is not None, attempt.password_ok, totp_enabled, bool(check and check.ok))
    event = signin.SUCCEEDED if judgement.outcome == signin.SIGNED_IN else signin.FAILED
    after = signin.record(account, event, ctx.now, signin.ACCOUNT)
    _save_throttle(uow, attempt.account_key, stored_account, after, signin.ACCOUNT)
    _save_throttle(uow, attempt.client_key, stored_client, signin.record(client, event, ctx.now, signin.CLIENT), signin.CLIENT)
    subject = person.person_id if person is not None else None
    if event == signin.FAILED:
        log(uow, ctx, security_log.SIGN_IN_FAILED, ANONYMOUS, subject, judgement.failure_reason,
            account_key=attempt.account_key)
        if signin.just_locked(account, after, ctx.now, signin.ACCOUNT):
            log(uow, ctx, security_log.LOCKED, SYSTEM, subject, account_key=attempt.account_key)
        return SignInResult(signin.REFUSED)
    ends_at = sessions.ends_at(ctx.now, ctx.now, idle, absolute)
    uow.insert(documents.Session(digest=attempt.session_digest, person_id=person.person_id,
                                 generation=person.session_generation, created_at=ctx.now, last_seen_at=ctx.now,
                                 expires_at=ends_at))
    changes = {"totp_last_step": check.step, "last_signed_in_at": ctx.now} if check else {"last_signed_in_at": ctx.now}
    if attempt.new_hash:
        changes["password_hash"] = attempt.new_hash
    uow.update(documents.Person, {"_id": person.person_id}, {"$set": changes, "$inc": {"version": 1}})
    log(uow, ctx, security_log.SIGNED_IN, _actor(person), subject)
    return SignInResult(signin.SIGNED_IN, person=person, session_ends_at=ends_at)


def _save_throttle(uow, key, stored, state: signin.Throttle, policy: signin.Policy) -> None:
    """Compare-and-set on the version read: a writer that changed the key since makes this transaction retry."""
    forget_at = (state.last_failure_at + timedelta(seconds=policy.forget_after)
                 if policy.forget_after and state.last_failure_at else None)
    if stored is None:
        if state != signin.Throttle():
            uow.insert(documents.SignInThrottle(key=key, failures=state.failures, last_failure_at=state.last_failure_at,
                                                forget_at=forget_at))
        return
    if state == queries.throttle_of(stored):
        return
    changed = uow.update(documents.SignInThrottle, {"_id": key, "version": stored.version},
                         {"$set": {"failures": state.failures, "last_failure_at": state.last_failure_at,
                                   "forget_at": forget_at}, "$inc": {"version": 1}})
    if not changed:
        raise RuntimeError(f"sign-in throttle {key} changed under this transaction")


def _actor(person) -> dict:
    return {"role": person.role, "id": person_subject(person.role, person.person_id, person.expert_id)}


def sign_out(uow, principal, session_digest: str, ctx: Context) -> None:
    uow.delete(documents.Session, {"_id": session_digest, "person_id": principal.person_id})
    log(uow, ctx, security_log.SIGNED_OUT, principal.as_actor(), principal.person_id)


def sign_out_everywhere(uow, principal, ctx: Context) -> None:
    """One write ends every session of the person, wherever they are (shared/sessions.py: the generation)."""
    uow.increment(documents.Person, {"_id": principal.person_id}, "session_generation")
    log(uow, ctx, security_log.SIGNED_OUT_EVERYWHERE, principal.as_actor(), principal.person_id)


# --- passwords ------------------------------------------------------------------------------------------
def request_reset(uow, typed_email: str, ctx: Context):
    """A reset link for an active account (None otherwise: the answer is the same 202 either way)."""
    person = uow.get(documents.Person, {"email": addresses.normalized_email(typed_email)})
    if person is None or person.activated_at is None:
        return None
    token, link = _issue_link(uow, tokens.PASSWORD_RESET, person.person_id, ctx.now)
    log(uow, ctx, security_log.PASSWORD_RESET_REQUESTED, ANONYMOUS, person.person_id)
    uow.emit(build_event(PASSWORD_RESET_REQUESTED, {
        "person_id": person.person_id, "email": person.email, "language": person.language,
        "expires_at": iso(link.expires_at), "sealed_token": tokens.seal(token, ctx.secret)},
        correlation_id=ctx.correlation_id, actor=SYSTEM))
    return person


def reset_password(uow, digest: str, password_hash: str, ctx: Context):
    """The reset link's work: the new password, every session ended, the address's sign-in lock lifted."""
    stored = usable_link(uow.get(documents.LinkToken, {"_id": digest}), tokens.PASSWORD_RESET, ctx.now)
    person = uow.get(documents.Person, {"_id": stored.person_id})
    _use_link(uow, stored, ctx.now)
    _set_password(uow, person, password_hash)
    key = signin.account_throttle_key(person.email)
    throttle = uow.get(documents.SignInThrottle, {"_id": key})
    _save_throttle(uow, key, throttle, signin.record(queries.throttle_of(throttle), signin.RESET, ctx.now, signin.ACCOUNT),
                   signin.ACCOUNT)
    log(uow, ctx, security_log.PASSWORD_CHANGED, ANONYMOUS, person.person_id, by="reset")
    return person


def change_password(uow, principal, password_hash: str, ctx: Context) -> None:
    person = uow.get(documents.Person, {"_id": principal.person_id})
    _set_password(uow, person, password_hash)
    log(uow, ctx, security_log.PASSWORD_CHANGED, principal.as_actor(), principal.person_id, by="person")


def _set_password(uow, person, password_hash) -> None:
    """A new password ends every session of the person (the generation moves on)."""
    uow.update(documents.Person, {"_id": person.person_id},
               {"$set": {"password_hash": password_hash}, "$inc": {"session_generation": 1, "version": 1}})


def set_mail_preferences(uow, principal, turned_off: list) -> list:
    """The stage notices the person turned off, as a set, of those their role receives (notices.kinds_for_role's order)."""
    chosen = [kind for kind in notices.kinds_for_role(principal.role) if kind in set(turned_off)]
    uow.update(documents.Person, {"_id": principal.person_id}, {"$set": {"mail_opt_out": chosen}, "$inc": {"version": 1}})
    return chosen


# --- personal API tokens ------------------------------------------------------------------------------------
def create_token(uow, principal, label: str, ctx: Context):
    """A bearer token acting as the person (role, subject and member as now): (record, the token, shown once)."""
    active = uow.find(ApiToken, {"person_id": principal.person_id, "revoked_at": None},
                      limit=queries.MAX_TOKENS_PER_PERSON)
    if len(active) >= queries.MAX_TOKENS_PER_PERSON:
        raise Conflict(f"At most {queries.MAX_TOKENS_PER_PERSON} personal tokens at once: revoke one first.")
    token = new_token()
    record = ApiToken(digest=token_digest(token), role=principal.role, subject=principal.subject,
                      member_code=principal.member_code, label=label, person_id=principal.person_id, created_at=ctx.now)
    uow.insert(record)
    log(uow, ctx, security_log.API_TOKEN_CREATED, principal.as_actor(), principal.person_id, token_id=record.digest,
        label=label)
    return record, token


def revoke_token(uow, principal, token_id: str, ctx: Context) -> None:
    revoked = uow.update(ApiToken, {"_id": token_id, "person_id": principal.person_id, "revoked_at": None},
                         {"$set": {"revoked_at": ctx.now}})
    if not revoked:
        raise NotFound(f"No token {token_id} of yours in use.")
    log(uow, ctx, security_log.API_TOKEN_REVOKED, principal.as_actor(), principal.person_id, token_id=token_id)


# --- the admins' list of people ---------------------------------------------------------------------------
def unlock(uow, actor: dict, person_id: str, ctx: Context):
    """An admin lifts the person's sign-in lock (domain/signin.py: the one way besides a reset by e-mail once the
    100th failure made it last): the address's count of failures is cleared, in the transaction of its log entry.
    404 for no such person; 409 when the address is not locked now (nothing is written)."""
    person = uow.get(documents.Person, {"_id": person_id})
    if person is None:
        raise NotFound(f"No person {person_id}.")
    key = signin.account_throttle_key(person.email)
    stored = uow.get(documents.SignInThrottle, {"_id": key})
    before = queries.throttle_of(stored)
    if not signin.may_attempt(before, ctx.now, signin.ACCOUNT).locked:
        raise Conflict("This person's sign-in is not locked.")
    _save_throttle(uow, key, stored, signin.record(before, signin.RESET, ctx.now, signin.ACCOUNT), signin.ACCOUNT)
    log(uow, ctx, security_log.UNLOCKED, actor, person.person_id, failures=before.failures)
    return person


def message_replayed(uow, actor: dict, record, queue: str, ctx: Context) -> None:
    """An admin sent a rejected message back to its consumer (operator_messages.replay): recorded after the
    broker took it, as a publish cannot share a database transaction; the message keeps who and when too."""
    message = dict(record.message or {})
    log(uow, ctx, security_log.MESSAGE_REPLAYED, actor, message_id=str(record.id), event_id=message.get("event_id"),
        event_type=message.get("event_type"), consumer=record.consumer, queue=queue)


def people_states(listed, throttles: dict, now: datetime) -> dict:
    """{person_id: views.person_state} for a page of people and their addresses' sign-in throttles (queries.account_throttles)."""
    return {person.person_id: views.person_state(person, signin.may_attempt(throttles[person.email], now, signin.ACCOUNT), now)
            for person in listed}
