"""A request signed in by the session cookie, as every service resolves it (shared/sessions.py's rules).

`AuthHandle.principal` (shared/service_shell.py) asks this when a request carries no
Authorization header but the session cookie: machines keep bearer tokens, and a bearer
request is never looked at here. For a state-changing method the request must first pass
the Sec-Fetch-Site check and carry the session's CSRF token (header X-CSRF-Token, or the
form field `csrf_token`): both are checked before anything is read or written, so a forged
cross-site request is refused with 403 and changes nothing.

The server secret of the CSRF tokens is SESSION_SECRET, else the file SESSION_SECRET_FILE,
created on first start. Every service reads it: the token accounts hands out at sign-in is
checked by whichever service the form is posted to.
"""
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

import structlog

from shared import sessions, settings
from shared.auth import Forbidden, Unauthorized, person_principal
from shared.clock import aware, utcnow
from shared.persistence.documents import Person, Session

log = structlog.get_logger("irm.session_auth")
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
CSRF_HEADER = "X-CSRF-Token"
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
MIN_SECRET_CHARACTERS = 32
SESSION_OVER = "Your session has ended: sign in again."


@dataclass(frozen=True)
class SessionPolicy:
    secret: bytes
    idle: int = sessions.IDLE_SECONDS
    absolute: int = sessions.ABSOLUTE_SECONDS

    @classmethod
    def from_config(cls, config) -> "SessionPolicy":
        idle, absolute = settings.value(config, "SESSION_IDLE_SECONDS"), settings.value(config, "SESSION_ABSOLUTE_SECONDS")
        if idle <= 0 or absolute <= 0:
            raise ValueError("SESSION_IDLE_SECONDS and SESSION_ABSOLUTE_SECONDS must be positive")
        return cls(load_session_secret(config), idle, absolute)


def load_session_secret(config) -> bytes:
    """SESSION_SECRET, else the file SESSION_SECRET_FILE, made on first start (by whichever process
    comes first: the file appears whole or not at all, and the others read it)."""
    text = settings.value(config, "SESSION_SECRET")
    if not text:
        path = Path(settings.value(config, "SESSION_SECRET_FILE"))
        if not path.exists():
            _create_secret_file(path)
        text = path.read_text(encoding="utf-8").strip()
    if len(text) < MIN_SECRET_CHARACTERS:
        raise ValueError(f"SESSION_SECRET must have at least {MIN_SECRET_CHARACTERS} characters")
    return text.encode("utf-8")


def _create_secret_file(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    draft = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as file:
        file.write(secrets.token_urlsafe(32) + "\n")
    try:
        os.link(draft, path)  # atomic, and refused when another process made it first
        log.warning("session_secret_generated", path=str(path))
    except FileExistsError:
        pass
    finally:
        os.unlink(draft)


def session_id_of(request) -> str | None:
    return request.cookies.get(sessions.COOKIE_NAME)


def csrf_token_sent(request) -> str | None:
    token = request.headers.get(CSRF_HEADER)
    if token is None and request.mimetype in FORM_TYPES:
        token = request.form.get(sessions.CSRF_FIELD)
    return token


def check_forgery(request, session_id: str, policy: SessionPolicy) -> None:
    """403 unless a state-changing request is the person's own: same origin (Sec-Fetch-Site) and the session's CSRF token."""
    if request.method in SAFE_METHODS:
        return
    refuse_cross_site(request)
    if not sessions.csrf_ok(csrf_token_sent(request), session_id, policy.secret):
        raise Forbidden(f"Send this session's CSRF token ({CSRF_HEADER} header or the {sessions.CSRF_FIELD} form field).")


def session_principal(request, policy: SessionPolicy):
    """The signed-in person's Principal, or Unauthorized (no such session, or over) / Forbidden (a forgery)."""
    session_id = session_id_of(request)
    if not sessions.looks_like_session_id(session_id):
        raise Unauthorized(SESSION_OVER)
    check_forgery(request, session_id, policy)
    return live_session_principal(session_id, policy)


def live_session_principal(session_id: str, policy: SessionPolicy):
    """The Principal of a session still live, or Unauthorized; no forgery check: alone, only for showing
    who is signed in (a page's header), never for acting on their behalf."""
    stored = Session.objects(digest=sessions.session_digest(session_id)).first()
    person = Person.objects(person_id=stored.person_id).first() if stored else None
    if person is None or person.activated_at is None:
        raise Unauthorized(SESSION_OVER)
    now, last_seen = utcnow(), aware(stored.last_seen_at)
    state = sessions.session_state(aware(stored.created_at), last_seen, now, policy.idle, policy.absolute,
                                   stored.generation, person.session_generation)
    if state != sessions.ACTIVE:
        raise Unauthorized(SESSION_OVER)
    if sessions.should_touch(last_seen, now, sessions.touch_seconds(policy.idle)):
        # Compare-and-set on the moment read: of two requests at once, one writes.
        Session.objects(digest=stored.digest, last_seen_at=stored.last_seen_at).update(
            set__last_seen_at=now, set__expires_at=sessions.ends_at(aware(stored.created_at), now, policy.idle, policy.absolute))
    return person_principal(person, by_session=True)


def refuse_cross_site(request) -> None:
    """403 for a state-changing request another site's page sent (Sec-Fetch-Site), signed in or not:
    a sign-in or a link's form posted from elsewhere is a forgery too (it would sign the browser in as
    someone else, or set a password the forger chose)."""
    if request.method not in SAFE_METHODS and not sessions.fetch_site_allowed(request.headers.get("Sec-Fetch-Site")):
        raise Forbidden("This request comes from another site: it is refused.")
