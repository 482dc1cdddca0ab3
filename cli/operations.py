"""What an operator does to the registries: members, experts, tokens; and checks.

Plain functions over the database, used by `irmctl`, `make demo` and the tests.
"""
from pathlib import Path

import mongoengine

from shared import audit
from shared.auth import new_token, token_digest
from shared.clock import utcnow
from shared.contracts.fields import time_zone_problem
from shared.contracts.self_assessment import MemberSchema
from shared.irm import ROLES
from shared.persistence import mongo
from shared.persistence.documents import SHARED_DOCUMENTS, ApiToken, Member, RejectedMessage
from services.accounts import documents as accounts_documents
from services.review import documents as review_documents


ROOT = Path(__file__).resolve().parent.parent  # where the services run: relative setting paths start here
IRMCTL_ACTOR = {"role": "system", "id": "irmctl"}


class OperationError(ValueError):
    pass


def connect(mongodb_uri: str, db_name: str | None = None):
    client = mongo.connect(mongodb_uri, db_name)
    mongo.ensure_indexes(SHARED_DOCUMENTS + review_documents.ALL + accounts_documents.ALL)
    return client


def add_member(code: str, kind: str, names: dict, region: str | None = None, time_zone: str | None = None) -> Member:
    """Create a member, or replace one (re-running provisioning is harmless): its time zone is an IANA
    name (Africa/Tunis) or none, as given here."""
    errors = MemberSchema().validate({"code": code, "kind": kind, "names": names, "region": region, "time_zone": time_zone})
    if errors:
        raise OperationError(f"invalid member: {_said(errors)}")
    member = Member(code=code, kind=kind, names=names, region=region, time_zone=time_zone or None, created_at=utcnow())
    member.save()  # upsert by code: re-running provisioning is harmless
    return member


def set_member_time_zone(code: str, time_zone: str | None) -> Member:
    """Change an existing member's time zone only (None: none, the pages then say UTC)."""
    member = Member.objects(code=code).first()
    if member is None:
        raise OperationError(f"no member {code}: add it first (irmctl member add)")
    if time_zone is not None:
        problem = time_zone_problem(time_zone)
        if problem:
            raise OperationError(f"invalid member: time_zone: {problem}")
    member.time_zone = time_zone or None
    member.save()
    return member


def _said(errors: dict) -> str:
    """Marshmallow's errors as one line: `field: message; ...`."""
    return "; ".join(f"{field}: {' '.join(map(str, messages)) if isinstance(messages, list) else messages}"
                     for field, messages in errors.items())


def add_expert(expert_id: str, name: str, languages, affiliations=(), capacity: int = 3, available: bool = True,
               expertise=()):
    """Add an expert to the registry, or change one (re-running provisioning is harmless): validated by
    the API's own ExpertSchema and saved by the API's own handler, in one transaction."""
    from marshmallow import ValidationError

    from services.review import handlers
    from services.review.schemas import ExpertSchema
    from shared.http import flatten_errors
    from shared.persistence.unit_of_work import run_in_transaction

    try:
        body = ExpertSchema().load({"expert_id": expert_id, "name": name, "languages": list(languages),
                                    "affiliations": list(affiliations), "expertise": list(expertise),
                                    "capacity": capacity, "available": available})
    except ValidationError as exc:
        raise OperationError(f"invalid expert: {flatten_errors(exc.messages)}") from None

    def save(uow):
        exists = uow.get(review_documents.Expert, {"_id": expert_id}) is not None
        return handlers.save_expert(uow, body, create=not exists, now=utcnow())

    return run_in_transaction(mongoengine.connection.get_connection(), "irmctl", save)[0]


def issue_token(role: str, subject: str, member_code: str | None = None, label: str | None = None) -> str:
    """Create a token and return it: this is the only time it exists in clear."""
    if role not in ROLES:
        raise OperationError(f"role must be one of {', '.join(ROLES)}")
    if role == "poc":
        if not member_code or Member.objects(code=member_code).first() is None:
            raise OperationError("a poc token needs --member, the code of an existing member")
    elif member_code:
        raise OperationError("only poc tokens are bound to a member")
    if role == "expert" and review_documents.Expert.objects(expert_id=subject).first() is None:
        raise OperationError(f"no expert {subject} in the registry: add the expert first")
    token = new_token()
    ApiToken(digest=token_digest(token), role=role, subject=subject, member_code=member_code, label=label,
             created_at=utcnow()).save(force_insert=True)
    return token


def invite_first_admin(email: str, language: str, environ=None) -> tuple:
    """The way in: an invitation for the first admin, made as the API makes one (the accounts service's own
    schema and handler, in one transaction, its event in accounts' outbox). Refused once an admin account
    is in use: from then on admins invite through the API. Returns (person, token, link)."""
    from marshmallow import ValidationError

    from services.accounts import handlers, views
    from services.accounts.schemas import InvitationSchema
    from shared import edge, settings
    from shared.http import flatten_errors
    from shared.ids import new_id
    from shared.persistence.documents import Person
    from shared.persistence.unit_of_work import run_in_transaction
    from shared.session_auth import load_session_secret

    if Person.objects(role="admin", activated_at__ne=None).first() is not None:
        raise OperationError("an admin account is in use: invite people through the API as that admin")
    try:
        body = InvitationSchema().load({"email": email, "role": "admin", "language": language})
    except ValidationError as exc:
        raise OperationError(f"invalid invitation: {flatten_errors(exc.messages)}") from None
    key_file = Path(settings.env("SESSION_SECRET_FILE", environ))
    secret = load_session_secret({"SESSION_SECRET": settings.env("SESSION_SECRET", environ),  # the services' own
                                  "SESSION_SECRET_FILE": str(key_file if key_file.is_absolute() else ROOT / key_file)})
    ctx = handlers.Context(utcnow(), "irmctl", new_id("corr"), secret)
    person, token, link = run_in_transaction(mongoengine.connection.get_connection(), "accounts",
                                             lambda uow: handlers.invite(uow, IRMCTL_ACTOR, body, ctx))[0]
    base_url = edge.public_base_url(settings.env("PUBLIC_BASE_URL", environ))
    return person, token, views.link_url(base_url, "invitation", token), link.expires_at


def revoke_tokens(subject: str) -> int:
    return ApiToken.objects(subject=subject, revoked_at=None).update(set__revoked_at=utcnow())


def verify_case(case_id: str) -> audit.Verification:
    from services.publication import trail

    return trail.read(case_id)[2]


def rejected_messages(limit: int = 50):
    return RejectedMessage.objects.order_by("-received_at").limit(limit)
