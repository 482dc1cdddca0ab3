"""The mail service's decisions: plain functions over a unit of work and plain values.

A consumed event becomes an OutgoingMail in the transaction that marks the event applied
(shared/service_shell.py's `consumes`); the sender then claims a due mail, sends it outside any
transaction, and records what the server said. Sending is at least once: a sender that dies after
the server took a mail and before `record_sent` committed sends it again after CLAIM, with the same
Message-ID (domain/message.py), so the copy is recognisable.
"""
import hashlib
from dataclasses import dataclass
from datetime import datetime

from services.accounts.domain import tokens
from services.mail import documents, views
from services.mail.domain import delivery, message, notices
from shared.clock import aware
from shared.persistence.documents import Member


@dataclass(frozen=True)
class Composer:
    """What composing a mail needs from the settings."""
    secret: bytes  # the server's session secret: it unseals the links events carry
    public_base_url: str
    mail_from: str


class CannotCompose(Exception):
    """The mail cannot be written (its sealed link does not open with this server's secret): never will."""


def mail_id(event_id: str, recipient: str) -> str:
    """One id per (event, recipient): a redelivered event finds its mail already there."""
    return "mail_" + hashlib.sha256(f"{event_id}\0{recipient}".encode()).hexdigest()[:32]


def _parse_moment(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def record_link_mail(uow, kind: str, event_id: str, payload: dict, secret: bytes, now: datetime):
    """An invitation or a reset link to mail: stored pending, sealed as it came. A token this server cannot
    unseal is refused here (the event is retried, then parked), not found out at send time."""
    if tokens.unseal(payload["sealed_token"], secret) is None:
        raise CannotCompose(f"{event_id}: the link's token does not open with this server's secret")
    identifier = mail_id(event_id, payload["email"])
    if uow.get(documents.OutgoingMail, {"_id": identifier}) is not None:
        return None
    mail = documents.OutgoingMail(
        mail_id=identifier, event_id=event_id, kind=kind, recipient=payload["email"], person_id=payload["person_id"],
        language=payload["language"], role=payload.get("role"), expires_at=_parse_moment(payload["expires_at"]),
        sealed_token=payload["sealed_token"], status=delivery.PENDING, attempts=0, next_attempt_at=now, created_at=now)
    uow.insert(mail)
    return mail


def record_assignment_mail(uow, event_id: str, payload: dict, now: datetime):
    """An expert was assigned a case: the mail goes to the person whose account is bound to that registry
    entry (none: the expert has no account yet, and nothing is mailed), with the accept deadline."""
    person = uow.get(documents.Person, {"expert_id": payload["expert_id"]})
    if person is None or payload.get("accept_deadline_at") is None:
        return None
    identifier = mail_id(event_id, person.email)
    if uow.get(documents.OutgoingMail, {"_id": identifier}) is not None:
        return None
    member = uow.get(Member, {"_id": payload["member_code"]})
    names = dict(member.names) if member is not None else {}
    mail = documents.OutgoingMail(
        mail_id=identifier, event_id=event_id, kind=notices.REVIEW_ASSIGNED,
        member_name=names.get(person.language) or names.get("en") or payload["member_code"], recipient=person.email,
        person_id=person.person_id, language=person.language, expires_at=_parse_moment(payload["accept_deadline_at"]),
        case_id=payload["case_id"], member_code=payload["member_code"], status=delivery.PENDING, attempts=0,
        next_attempt_at=now, created_at=now)
    uow.insert(mail)
    return mail


def record_notices(uow, event_type: str, event_id: str, payload: dict, now: datetime) -> list:
    """A case moved to a stage someone must hear of (domain/notices.py): one pending mail to each activated
    account of the notice's audience that has not turned this kind of mail off, in that person's language.
    Whoever opts out or is invited later is judged when the event is consumed, as a mail is an effect of it."""
    notice = notices.NOTICE_OF_EVENT.get(event_type)
    if notice is None:
        return []
    deadline = payload.get(notice.deadline_field) if notice.deadline_field else None
    expires_at = _parse_moment(deadline) if deadline else now + notices.NOTICE_LIFETIME
    member = uow.get(Member, {"_id": payload["member_code"]}) if payload.get("member_code") else None
    names = dict(member.names) if member is not None else {}
    time_zone = member.time_zone if member is not None and notice.audience == notices.MEMBER_POCS else None
    recorded = []
    for person in uow.find(documents.Person, notices.audience_filter(notice, payload), sort=[("_id", 1)],
                           limit=notices.MAX_RECIPIENTS):
        if not notices.wants(person.mail_opt_out, notice.kind):
            continue
        identifier = mail_id(event_id, person.email)
        if uow.get(documents.OutgoingMail, {"_id": identifier}) is not None:
            continue  # a redelivered event: this person's mail is already there
        mail = documents.OutgoingMail(
            mail_id=identifier, event_id=event_id, kind=notice.kind, recipient=person.email, person_id=person.person_id,
            language=person.language, expires_at=expires_at, has_deadline=deadline is not None,
            case_id=payload.get("case_id"), member_code=payload.get("member_code"), stage=payload.get("stage"),
            time_zone=time_zone,
            member_name=names.get(person.language) or names.get("en") or payload.get("member_code"),
            status=delivery.PENDING, attempts=0, next_attempt_at=now, created_at=now)
        uow.insert(mail)
        recorded.append(mail)
    return recorded


def claim(uow, mail, now: datetime) -> bool:
    """Take a due mail for this sender for CLAIM: false when another sender took it first."""
    return bool(uow.update(documents.OutgoingMail,
                           {"_id": mail.mail_id, "status": delivery.PENDING, "next_attempt_at": mail.next_attempt_at},
                           {"$set": {"next_attempt_at": now + delivery.CLAIM}}))


def compose(mail, composer: Composer):
    """The message to hand to the SMTP server, rendered now in the recipient's language."""
    token = None
    if mail.kind in notices.LINK_KINDS:
        token = tokens.unseal(mail.sealed_token or "", composer.secret)
        if token is None:
            raise CannotCompose("the link's token does not open with this server's secret")
    link = views.link(composer.public_base_url, mail.kind, token, mail.language, mail.case_id or "")
    moment = aware(mail.expires_at) if mail.kind not in notices.OPTIONAL or mail.has_deadline else None
    rendered = views.render(mail.kind, mail.language, mail.recipient, link, moment, mail.role,
                            mail.member_name or mail.member_code or "", mail.case_id or "", mail.stage, mail.time_zone)
    return message.build(mail.mail_id, composer.mail_from, mail.recipient, aware(mail.created_at), rendered)


def expired(mail, now: datetime) -> bool:
    """A link that expired, or a deadline that passed, before the mail could be sent: not worth sending."""
    return now >= aware(mail.expires_at)


def record_sent(uow, mail, now: datetime) -> None:
    """The server took it: sent, and the sealed link goes (no usable link kept at rest)."""
    uow.update(documents.OutgoingMail, {"_id": mail.mail_id},
               {"$set": {"status": delivery.SENT, "sent_at": now, "next_attempt_at": None, "sealed_token": None,
                         "attempts": mail.attempts + 1, "last_error": None}})


def record_failure(uow, mail, error: str, now: datetime, max_attempts: int, permanent: bool = False):
    after = delivery.after_failure(mail.attempts, now, max_attempts, permanent)
    change = {"status": after.status, "attempts": after.attempts, "next_attempt_at": after.next_attempt_at,
              "last_error": error[:2000]}
    if after.status == delivery.FAILED:
        change["sealed_token"] = None  # parked: the link is not kept either (ask for a new one)
    uow.update(documents.OutgoingMail, {"_id": mail.mail_id}, {"$set": change})
    return after
