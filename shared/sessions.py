"""A signed-in browser: the session id, its timeouts, its cookie, and the CSRF token of its forms.

In shared/ (not services/accounts/domain/) because every service honours a session: the
accounts service signs a browser in, and shared/service_shell.py's Auth resolves the cookie to
the person's Principal in intake, review and publication alike, with these rules.

- The id is 256 random bits, made anew at every sign-in (a session id known before sign-in is
  worth nothing after it), sent only in the cookie, stored only as its SHA-256 digest
  (shared/auth.py's `token_digest`): the cookie holds nothing but that opaque id.
- A session ends IDLE_SECONDS (30 min) after it was last seen or ABSOLUTE_SECONDS (8 h, a
  working day: OWASP's session guidance) after sign-in, whichever comes first, and when its
  person signs out everywhere: every session carries the person's session generation at
  sign-in, "sign out everywhere" increments the person's counter (one write), and a session of
  an older generation is REVOKED, however many there are and wherever they are.
- `last_seen_at` is written back at most once every TOUCH_SECONDS (60 s), not on every
  request: a busy page costs one write a minute. So a session may end up to a minute before
  its idle time after its last request, never after it.
- The cookie: `__Host-` prefix (the browser takes it only with Secure, Path=/ and no Domain, so
  no subdomain can set or shadow it), HttpOnly (no script reads it), SameSite=Lax (not sent on
  cross-site POSTs). No Max-Age: the server's timeouts decide.
- CSRF: every state-changing form carries HMAC-SHA256(server secret, session id), checked in
  constant time; it needs no storage and changes with the session. And a POST whose
  Sec-Fetch-Site is neither same-origin nor none is refused before the token is looked at:
  SameSite=Lax lets through a form posted from another port of the same host (same-site).
"""
import base64
import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from shared.auth import token_digest

IDLE_SECONDS = 30 * 60
ABSOLUTE_SECONDS = 8 * 3600
TOUCH_SECONDS = 60

ACTIVE, IDLE_EXPIRED, ABSOLUTE_EXPIRED, REVOKED = "active", "idle_expired", "absolute_expired", "revoked"

COOKIE_NAME = "__Host-irm_session"
COOKIE_ATTRIBUTES = "Path=/; Secure; HttpOnly; SameSite=Lax"
SESSION_ID_CHARACTERS = 43  # token_urlsafe(32)

CSRF_FIELD = "csrf_token"
ALLOWED_FETCH_SITES = ("same-origin", "none")  # "none": the person's own action (typed, bookmarked)


def new_session_id() -> str:
    return secrets.token_urlsafe(32)


def session_digest(session_id: str) -> str:
    return token_digest(session_id)


def looks_like_session_id(value: str | None) -> bool:
    """Whether a cookie's value can be one of our ids at all (anything else is not looked up)."""
    return (value is not None and len(value) == SESSION_ID_CHARACTERS
            and all(c.isascii() and (c.isalnum() or c in "-_") for c in value))


def session_state(created_at: datetime, last_seen_at: datetime, now: datetime, idle: int = IDLE_SECONDS,
                  absolute: int = ABSOLUTE_SECONDS, generation: int = 0, current_generation: int = 0) -> str:
    """ACTIVE, or why the session is over: REVOKED (its person signed out everywhere since),
    ABSOLUTE_EXPIRED (`absolute` seconds after sign-in), IDLE_EXPIRED (`idle` seconds after last seen).
    A moment exactly at a limit is past it."""
    if generation != current_generation:
        return REVOKED
    if now >= created_at + timedelta(seconds=absolute):
        return ABSOLUTE_EXPIRED
    if now >= last_seen_at + timedelta(seconds=idle):
        return IDLE_EXPIRED
    return ACTIVE


def ends_at(created_at: datetime, last_seen_at: datetime, idle: int = IDLE_SECONDS, absolute: int = ABSOLUTE_SECONDS) -> datetime:
    """When a session last seen at `last_seen_at` is over by its timeouts, if not seen again (what the
    store may forget it at)."""
    return min(created_at + timedelta(seconds=absolute), last_seen_at + timedelta(seconds=idle))


def should_touch(last_seen_at: datetime, now: datetime, every: int = TOUCH_SECONDS) -> bool:
    """Whether this request writes `last_seen_at = now` back (once `every` seconds at most)."""
    return now >= last_seen_at + timedelta(seconds=every)


def touch_seconds(idle: int = IDLE_SECONDS) -> int:
    """How often `last_seen_at` is written back for an idle timeout of `idle` seconds: TOUCH_SECONDS,
    or a quarter of a shorter idle timeout (a session in use must never idle out between writes)."""
    return max(1, min(TOUCH_SECONDS, idle // 4))


def set_cookie_header(session_id: str) -> str:
    """The Set-Cookie value that signs a browser in."""
    if not looks_like_session_id(session_id):
        raise ValueError("not a session id")
    return f"{COOKIE_NAME}={session_id}; {COOKIE_ATTRIBUTES}"


def clear_cookie_header() -> str:
    """The Set-Cookie value that signs a browser out (the same attributes, or the browser keeps the old one)."""
    return f"{COOKIE_NAME}=; {COOKIE_ATTRIBUTES}; Max-Age=0"


def csrf_token(session_id: str, secret: bytes) -> str:
    """The token a signed-in page puts in its forms' hidden CSRF_FIELD."""
    mac = hmac.new(secret, b"csrf\x00" + session_id.encode("ascii"), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode("ascii")


def csrf_ok(token: str | None, session_id: str, secret: bytes) -> bool:
    """Whether a posted form's token is this session's, compared in constant time."""
    if not token or not token.isascii():
        return False
    return hmac.compare_digest(token.encode("ascii"), csrf_token(session_id, secret).encode("ascii"))


def fetch_site_allowed(sec_fetch_site: str | None) -> bool:
    """Whether a state-changing request may go on given its Sec-Fetch-Site header. Absent (a browser
    that does not send it, a machine client) leaves the decision to the CSRF token; present, only a
    request from the page's own origin, or the person's own action, passes."""
    return sec_fetch_site is None or sec_fetch_site.strip().lower() in ALLOWED_FETCH_SITES
