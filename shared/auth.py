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
    person_id: str | None = None  # the account behind it (a session, a personal token); None: an operator's token
    by_session: bool = False  # authenticated by the session cookie (not a bearer token)

    def as_actor(self) -> dict:
        return {"role": self.role, "id": self.subject}


REGISTRY_BOUND = ("expert", "quality_reviewer")  # roles whose person may name an expert registry entry


def person_subject(role: str, person_id: str, expert_id: str | None = None) -> str:
    """Who a person is to the rules: an expert is their registry id (cases name it), and so is a quality reviewer
    bound to the registry entry they also are (the rules then know their own drafts: shared/access.py); anyone
    else their account id."""
    return expert_id if role in REGISTRY_BOUND and expert_id else person_id


def person_principal(person, by_session: bool = False) -> Principal:
    """The Principal of a stored person (any object with the Person document's attributes)."""
    return Principal(subject=person_subject(person.role, person.person_id, person.expert_id), role=person.role,
                     member_code=person.member_code if person.role == "poc" else None, person_id=person.person_id,
                     by_session=by_session)


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
