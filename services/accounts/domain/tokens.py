"""Links sent by e-mail that act once: an invitation, a password reset. One mechanism for both.

The token in the link is 256 random bits (`secrets.token_urlsafe(32)`), mailed once and stored
only as its SHA-256 digest (shared/auth.py's `token_digest`, the rule API tokens follow: random
bits need no salt or slow hash), so a copy of the database opens no link. A link is for one
purpose, expires (an invitation after INVITATION_SECONDS, 7 days; a reset after
PASSWORD_RESET_SECONDS, 1 hour: a reset link in a mailbox is a key to the account), and works
once: using it stores `used_at`, in the same write as what it did.

What a link is worth at a moment is `decide(stored, purpose, now)`: OK, or why not (UNKNOWN,
USED, EXPIRED). The page says the same to all three ("this link no longer works, ask for a new
one"): the codes are for the security log.

The mail that carries a link is an effect of an event (person.invited, password_reset.requested),
so the token must travel in the event, through the outbox and the broker; it travels sealed
(`seal`: Fernet, AES-128-CBC with HMAC-SHA256, under a key derived from the server's session
secret), so a copy of the database or of the broker's queues still opens no link. Whoever sends
the mail holds the secret (every service does) and `unseal`s it.
"""
import base64
import hashlib
import secrets
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from cryptography.fernet import Fernet, InvalidToken

from shared.auth import token_digest

INVITATION, PASSWORD_RESET = "invitation", "password_reset"
PURPOSES = (INVITATION, PASSWORD_RESET)

HOUR = 3600
INVITATION_SECONDS = 7 * 24 * HOUR
PASSWORD_RESET_SECONDS = HOUR
LIFETIMES = {INVITATION: INVITATION_SECONDS, PASSWORD_RESET: PASSWORD_RESET_SECONDS}

OK, UNKNOWN, USED, EXPIRED = "ok", "unknown", "used", "expired"
TOKEN_CHARACTERS = 43  # token_urlsafe(32): 32 bytes in unpadded base64url


@dataclass(frozen=True)
class LinkToken:
    """What is stored of a link: never the token itself."""
    digest: str
    purpose: str
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None = None


def issue(purpose: str, now: datetime, lifetime_seconds: int | None = None) -> tuple:
    """(the token to put in the link, once; the LinkToken to store). The lifetime defaults to the purpose's."""
    if purpose not in PURPOSES:
        raise ValueError(f"no link purpose {purpose!r}")
    seconds = LIFETIMES[purpose] if lifetime_seconds is None else lifetime_seconds
    if seconds <= 0:
        raise ValueError("a link lives a positive number of seconds")
    token = secrets.token_urlsafe(32)
    return token, LinkToken(token_digest(token), purpose, now, now + timedelta(seconds=seconds))


def lookup_digest(token: str) -> str | None:
    """The digest to look a link's token up by, or None for text that cannot be one of ours (no lookup needed)."""
    if len(token) != TOKEN_CHARACTERS or not all(c.isascii() and (c.isalnum() or c in "-_") for c in token):
        return None
    return token_digest(token)


def decide(stored: LinkToken | None, purpose: str, now: datetime) -> str:
    """OK, UNKNOWN (no such link, or one made for another purpose), USED, or EXPIRED (valid strictly before expires_at)."""
    if stored is None or stored.purpose != purpose:
        return UNKNOWN
    if stored.used_at is not None:
        return USED
    if now >= stored.expires_at:
        return EXPIRED
    return OK


def used(stored: LinkToken, now: datetime) -> LinkToken:
    """The link after it did its work (store it with that work, in one write)."""
    if decide(stored, stored.purpose, now) != OK:
        raise ValueError("only a link that is OK can be used")
    return replace(stored, used_at=now)


def _sealing_key(secret: bytes) -> bytes:
    return base64.urlsafe_b64encode(hashlib.sha256(b"irm-review link seal\x00" + secret).digest())


def seal(token: str, secret: bytes) -> str:
    """The token as an event may carry it: readable only with the server's secret."""
    return Fernet(_sealing_key(secret)).encrypt(token.encode("ascii")).decode("ascii")


def unseal(sealed: str, secret: bytes) -> str | None:
    """The token a sealed value holds, or None when it was not sealed with this secret (or was changed)."""
    try:
        return Fernet(_sealing_key(secret)).decrypt(sealed.encode("ascii")).decode("ascii")
    except (InvalidToken, ValueError):
        return None
