"""The comment form's protection against forged posts (CSRF), and its signed receipts: pure.

Who would forge a post here: a comment is anonymous, so a forged one steals no account; it
spends visitors' addresses. A page elsewhere that makes every visitor's browser post a comment
would get round the per-client rate limit, which counts addresses. Three checks, each enough
against a current browser and together against older ones:

- `Sec-Fetch-Site` (sent by every current browser): only `same-origin` and `none` (typed, a
  bookmark) are let through. `same-site` is refused too: another port of this host, or a
  sibling subdomain, is the same site and still not this site (../shared/UI.md, trap 4).
- `Origin`, when the browser sends a real one, must be this site's public origin. The pages
  answer with `Referrer-Policy: no-referrer`, under which a browser sends `Origin: null` on a
  form post from the page itself (Fetch: "serializing a request origin"): `null` proves
  nothing either way and leaves the decision to the token.
- A token: a random nonce in a cookie (`SameSite=Strict`, so another site's post never
  carries it; `HttpOnly`), and in the form the HMAC of that nonce and the case, keyed with the
  pages' secret. A forger can read neither the victim's cookie nor the secret, and a token
  taken from their own copy of the page matches their own cookie only.

Receipts: after a comment is recorded the page redirects to the draft with a note saying so;
the note's parameters are signed with the same key (another purpose in the MAC), so a link
from elsewhere cannot make the page say a comment was received when none was.
"""
import base64
import hashlib
import hmac
import re
import secrets
from urllib.parse import urlsplit

from shared import sessions

COOKIE = "irm_form"
NONCE = re.compile(r"[A-Za-z0-9_-]{22}\Z")  # 16 random bytes, base64url without padding
MIN_SECRET_CHARACTERS = 32


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _mac(secret: bytes, purpose: str, *parts: str) -> str:
    message = "\x00".join((purpose, *parts)).encode("utf-8")
    return _b64(hmac.new(secret, message, hashlib.sha256).digest())


def secret_from_setting(configured: str | None) -> bytes:
    """PAGES_FORM_SECRET as the key; empty: a random key for this process (one instance only).
    A short one is refused: a guessable key would let anyone make tokens."""
    if not configured:
        return secrets.token_bytes(32)
    if len(configured) < MIN_SECRET_CHARACTERS:
        raise ValueError(f"PAGES_FORM_SECRET must be at least {MIN_SECRET_CHARACTERS} characters (random ones).")
    return configured.encode("utf-8")


def new_nonce() -> str:
    return _b64(secrets.token_bytes(16))


def usable_nonce(cookie: str | None) -> str | None:
    """The cookie's nonce when it is one this site could have made (its shape), else None."""
    return cookie if cookie and NONCE.match(cookie) else None


def form_token(secret: bytes, nonce: str, bound_to: str) -> str:
    """The token a form carries for this browser's nonce and what the form is for (a case's
    comment form: the case id; an account form: its name), so a token opens no other form."""
    return _mac(secret, "form", bound_to, nonce)


def token_matches(secret: bytes, cookie: str | None, token: str | None, bound_to: str) -> bool:
    nonce = usable_nonce(cookie)
    if nonce is None or not token or not token.isascii():
        return False
    return hmac.compare_digest(form_token(secret, nonce, bound_to).encode(), token.encode())


def session_token_matches(expected: str | None, given: str | None) -> bool:
    """A multipart form's token is the session's (compared in constant time): checked here because such a
    body is streamed on, not sent as the JSON the API checks first; the API checks it again."""
    return bool(expected) and bool(given) and given.isascii() and hmac.compare_digest(expected.encode(), given.encode())


def cross_site(fetch_site: str | None, origin: str | None, public_origin: str) -> bool:
    """Whether the request's own headers show it came from another site (then it is refused,
    whatever its token). Absent headers show nothing: the token decides."""
    if not sessions.fetch_site_allowed(fetch_site):  # the API's own rule for signed-in requests
        return True
    if origin is not None and origin.strip() not in ("null", public_origin):
        return True
    return False


def public_origin(public_base_url: str) -> str:
    """The Origin a browser sends from this site's pages: PUBLIC_BASE_URL without a default port."""
    scheme, _, rest = public_base_url.partition("://")
    default = {"http": ":80", "https": ":443"}.get(scheme)
    return f"{scheme}://{rest.removesuffix(default) if default else rest}"


def secure_cookie(public_base_url: str) -> bool:
    """Whether the nonce cookie may be marked Secure: over https, and on loopback, which
    browsers treat as secure even over http (a Secure cookie sent to http://host would never come back)."""
    host = urlsplit(public_base_url).hostname or ""
    return public_base_url.startswith("https://") or host in ("127.0.0.1", "::1", "localhost")


def cookie_header(nonce: str, secure: bool) -> str:
    """The Set-Cookie value that gives a browser its nonce: for this site's pages only, never to
    scripts, never sent by another site's request, for the browser's session."""
    return f"{COOKIE}={nonce}; Path=/; HttpOnly; SameSite=Strict" + ("; Secure" if secure else "")


# --- receipts ---------------------------------------------------------------------------------
def receipt(secret: bytes, case_id: str, comment_id: str, confidential: bool) -> str:
    kind = "confidential" if confidential else "published"
    return f"{comment_id}.{kind}.{_mac(secret, 'public-comment-receipt', case_id, comment_id, kind)[:22]}"


def read_receipt(secret: bytes, case_id: str, value: str | None) -> dict | None:
    """{"comment_id", "confidential"} from a receipt this site signed for this case; None otherwise."""
    if not value or value.count(".") != 2:
        return None
    comment_id, kind, mac = value.split(".")
    if kind not in ("published", "confidential"):
        return None
    if not hmac.compare_digest(_mac(secret, "public-comment-receipt", case_id, comment_id, kind)[:22], mac):
        return None
    return {"comment_id": comment_id, "confidential": kind == "confidential"}
