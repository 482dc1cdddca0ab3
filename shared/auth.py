"""Bearer tokens and roles: the rules, without storage.

A token is shown once when created and stored only as its SHA-256 digest: it is 256
random bits, so a plain digest is enough (no salt or slow hash needed, as for API
tokens elsewhere) and a stolen database yields no usable token.
"""
import hashlib
import secrets
from dataclasses import dataclass

TOKEN_PREFIX = "irm_"


class Unauthorized(Exception):
    """No usable credentials: 401."""


class Forbidden(Exception):
    """Valid credentials, not allowed to do this: 403."""


@dataclass(frozen=True)
class Principal:
    subject: str  # the person: expert id, reviewer id, poc id, admin id
    role: str
    member_code: str | None = None  # only for role poc

    def as_actor(self) -> dict:
        return {"role": self.role, "id": self.subject}


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def bearer_token(authorization_header: str | None) -> str:
    if not authorization_header:
        raise Unauthorized("Send 'Authorization: Bearer <token>'.")
    scheme, _, token = authorization_header.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise Unauthorized("Send 'Authorization: Bearer <token>'.")
    return token


def require_role(principal: Principal, *roles: str) -> Principal:
    if principal.role not in roles:
        raise Forbidden(f"This needs one of the roles: {', '.join(roles)}.")
    return principal
