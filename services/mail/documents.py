"""The mail service's documents, and nothing else (reads: queries.py; the rules: domain/delivery.py)."""
from mongoengine import BooleanField, DateTimeField, Document, IntField, StringField

from services.mail.domain import delivery
from services.mail.domain.notices import KINDS
from shared.irm import LANGUAGES
from shared.persistence.documents import Person


class OutgoingMail(Document):
    """One mail to one recipient, written in the transaction that marks its event applied: it exists only
    because the event does, and the event only because the change it tells of was committed.

    Its id is derived from (event id, recipient) (handlers.mail_id), so one event makes one mail per
    recipient however often it is delivered. It holds the link's token only as the event carried it,
    sealed with the server's secret (services/accounts/domain/tokens.py), and the mail is rendered when it
    is sent; once the server took it, the sealed token is removed: no usable link is kept at rest.
    """

    mail_id = StringField(primary_key=True)
    event_id = StringField(required=True)
    kind = StringField(required=True, choices=KINDS)
    recipient = StringField(required=True)
    person_id = StringField()
    language = StringField(required=True, choices=LANGUAGES)
    role = StringField()  # an invitation's role, named in the mail
    expires_at = DateTimeField(required=True)  # the link's expiry, or the deadline the mail names: not worth sending after
    has_deadline = BooleanField(default=False)  # a notice: whether expires_at is a deadline the mail names (else its lifetime)
    case_id = StringField()  # an assignment's
    stage = StringField()  # a deadline notice's: the expert's stage (accept or decline, or the draft) the deadline ends
    member_code = StringField()
    member_name = StringField()  # in the recipient's language, as the registry names it
    time_zone = StringField()  # the member's (IANA): a point of contact's notice names its deadline in it
    sealed_token = StringField()  # None once sent (or parked)
    status = StringField(required=True, choices=delivery.STATUSES, default=delivery.PENDING)
    attempts = IntField(required=True, default=0, min_value=0)
    next_attempt_at = DateTimeField()  # a pending mail is tried from then on (a sender's claim moves it)
    last_error = StringField()
    created_at = DateTimeField(required=True)
    sent_at = DateTimeField()  # when the SMTP server accepted it
    meta = {"collection": "mail_outgoing", "indexes": [("status", "next_attempt_at"), ("event_id", "recipient")]}


ALL = (Person, OutgoingMail)
