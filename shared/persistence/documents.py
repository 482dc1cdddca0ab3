"""Documents every service uses: members, tokens, the audit trail, the outbox, the record
of applied events, and rejected messages.

Keep documents out of service modules: `nameko run` inspects every class there, and
touching a Document's `objects` opens a database connection at import. Service modules
import this *module*, never the classes.
"""
from mongoengine import (
    BinaryField, BooleanField, DateTimeField, DictField, Document, EmailField, FloatField, IntField, ListField,
    StringField,
)

from shared.irm import LANGUAGES, MEMBER_KINDS, ROLES


class Member(Document):
    """A national government or an OGP Local jurisdiction (created by an operator)."""

    code = StringField(primary_key=True)
    kind = StringField(required=True, choices=MEMBER_KINDS)
    names = DictField(required=True)  # {"ar": ..., "fr": ..., "en": ...}
    region = StringField()  # e.g. MENA: experts of the region are preferred
    time_zone = StringField()  # an IANA name (Africa/Tunis), validated by MemberSchema; none: the pages say UTC
    created_at = DateTimeField(required=True)
    meta = {"collection": "members"}

    def as_contract(self) -> dict:
        contract = {"code": self.code, "kind": self.kind, "names": dict(self.names)}
        if self.region:
            contract["region"] = self.region
        if self.time_zone:
            contract["time_zone"] = self.time_zone
        return contract


class ApiToken(Document):
    """A bearer token, stored only as its SHA-256 digest."""

    digest = StringField(primary_key=True)
    role = StringField(required=True, choices=ROLES)
    subject = StringField(required=True)
    member_code = StringField()
    label = StringField()
    person_id = StringField()  # a person's own (personal API token); None: issued by an operator (irmctl)
    created_at = DateTimeField(required=True)
    revoked_at = DateTimeField()
    meta = {"collection": "api_tokens", "indexes": ["subject", ("person_id", "created_at")]}


class Person(Document):
    """A person's account (services/accounts writes it). Here, beside ApiToken, because every service
    reads it: a session cookie resolves to the person's Principal in every service (shared/service_shell.py)."""

    person_id = StringField(primary_key=True)
    email = EmailField(required=True, unique=True)  # normalised: services/accounts/domain/addresses.py
    role = StringField(required=True, choices=ROLES)
    member_code = StringField()  # poc: the member it speaks for
    expert_id = StringField()  # expert: the registry entry it is (its Principal's subject)
    language = StringField(required=True, choices=LANGUAGES)
    password_hash = StringField()  # argon2id (PHC string); None until the invitation is accepted
    totp_secret = StringField()  # base32; None without a second factor
    totp_pending_secret = StringField()  # shown at enrolment, kept until a code from it is confirmed
    totp_last_step = IntField()  # the step of the last accepted code: each step is accepted once
    # "Sign out everywhere" (and a password change) adds one: every session of an older generation is over.
    session_generation = IntField(required=True, default=0)
    # The stage notices this person turned off (services/mail/domain/notices.py OPTIONAL; accounts checks the names).
    mail_opt_out = ListField(StringField(max_length=64), default=list)
    invited_by = DictField(required=True)  # the actor who invited (role, id)
    created_at = DateTimeField(required=True)
    invited_at = DateTimeField()  # the latest invitation (None: a person invited before it was kept; created_at then)
    activated_at = DateTimeField()  # when the invitation was accepted (and TOTP confirmed where required)
    last_signed_in_at = DateTimeField()  # the latest sign-in that succeeded
    version = IntField(required=True, default=1)
    # The admins' list of people pages by address (the unique index), and by role and address when filtered.
    meta = {"collection": "people", "indexes": ["expert_id", "role", ("role", "email")]}


class Session(Document):
    """A signed-in browser, stored only as the SHA-256 of its id (shared/sessions.py)."""

    digest = StringField(primary_key=True)
    person_id = StringField(required=True)
    generation = IntField(required=True)  # the person's session_generation at sign-in
    created_at = DateTimeField(required=True)
    last_seen_at = DateTimeField(required=True)
    # Forgotten by MongoDB once over by either timeout (TTL index): no session outlives its absolute end.
    expires_at = DateTimeField(required=True)
    meta = {"collection": "sessions", "indexes": ["person_id", {"fields": ["expires_at"], "expireAfterSeconds": 0}]}


class AuditEntry(Document):
    """One decision in a case's hash chain (see shared/audit.py). Written once, never updated."""

    case_id = StringField(required=True)
    seq = IntField(required=True, min_value=0)
    prev_hash = StringField(required=True)
    hash = StringField(required=True)
    occurred_at = StringField(required=True)
    service = StringField(required=True)
    action = StringField(required=True)
    actor = DictField(required=True)
    reason = StringField()
    data = DictField()
    correlation_id = StringField(required=True)
    meta = {
        "collection": "audit_entries",
        # The unique (case, seq) index is what stops two writers forking a chain.
        "indexes": [{"fields": ["case_id", "seq"], "unique": True},
                    # Every case's corrections and withdrawals, newest first (publication's GET /api/v1/corrections):
                    # one index range per action, read a bounded page at a time.
                    {"fields": ["action", "-occurred_at", "-case_id", "-seq"], "name": "by_action_newest_first"}],
    }


class SealedContent(Document):
    """What people wrote, or a draft's values, for one audit entry: {salt, content}.

    Kept out of the entry (and so out of the log), which holds only its salted fingerprint
    (`data.sealed_sha256`, shared/audit.py: seal). The public reads it once the disclosure
    rule says so; deleting it (personal data that must go) leaves every chain and proof valid.
    """

    id = StringField(primary_key=True)  # "<case_id>:<seq>"
    case_id = StringField(required=True)
    seq = IntField(required=True, min_value=0)
    salt = StringField(required=True)
    content = DictField(required=True)
    meta = {"collection": "sealed_contents", "indexes": [{"fields": ["case_id", "seq"], "unique": True}]}

    @staticmethod
    def key(case_id: str, seq: int) -> str:
        return f"{case_id}:{seq}"


class LogQueueEntry(Document):
    """An audit entry in the log queue (collection `log_queue`): waiting for its place in the transparency log.

    Written in the entry's own transaction by whichever service recorded it; publication's
    sequencer appends it to the log and deletes this in one transaction (see
    services/publication/transparency_log.py), so every entry is logged exactly once.
    """

    case_id = StringField(required=True)
    seq = IntField(required=True)
    leaf_hash = BinaryField(required=True)  # RFC 6962 hash of audit.log_leaf(entry)
    meta = {"collection": "log_queue"}


class OutboxMessage(Document):
    """An event stored in the same transaction as the change that caused it, until sent."""

    event_id = StringField(primary_key=True)
    source = StringField(required=True)
    event_type = StringField(required=True)
    message = DictField(required=True)
    created_at = DateTimeField(required=True)
    sent_at = DateTimeField()
    attempts = IntField(default=0)
    meta = {"collection": "outbox", "indexes": [("source", "sent_at", "created_at")]}


class ProcessedEvent(Document):
    """That `consumer` applied `event_id`: written atomically with the effect."""

    consumer = StringField(required=True)
    event_id = StringField(required=True)
    processed_at = DateTimeField(required=True)
    meta = {"collection": "processed_events", "indexes": [{"fields": ["consumer", "event_id"], "unique": True}]}


class DeliveryAttempt(Document):
    """How often `consumer` failed to apply `event_id`: decides retry or dead letter."""

    consumer = StringField(required=True)
    event_id = StringField(required=True)
    failures = IntField(required=True, default=0)
    last_error = StringField()
    last_failed_at = DateTimeField()
    meta = {"collection": "delivery_attempts", "indexes": [{"fields": ["consumer", "event_id"], "unique": True}]}


class RejectedMessage(Document):
    """A message a consumer could not apply (malformed, or its handler failed): kept for operators."""

    consumer = StringField(required=True)
    kind = StringField(required=True, choices=("malformed", "failed"))  # as parked on the dead-letter queue
    reason = StringField(required=True)
    errors = DictField()
    message = DictField()
    raw = StringField()
    received_at = DateTimeField(required=True)
    replayed = BooleanField(default=False)
    replayed_at = DateTimeField()  # an operator sent it back to its consumer (the operator's pages: accounts' API)
    replayed_by = StringField()
    meta = {"collection": "rejected_messages", "indexes": ["consumer", "received_at"]}


class RateLimit(Document):
    """One rate-limited key's state (shared/ratelimit.py, kept by shared/persistence/rate_limits.py): shared by
    every instance of every service that limits (review's anonymous comments, accounts' password resets; each key
    starts with its limit's name), and forgotten by MongoDB once it no longer limits anything (TTL index)."""

    key = StringField(primary_key=True)
    tat = FloatField(required=True)  # theoretical arrival time, epoch seconds
    expires_at = DateTimeField(required=True)  # = tat: from then on the key is as if never seen
    meta = {"collection": "rate_limits", "indexes": [{"fields": ["expires_at"], "expireAfterSeconds": 0}]}


SHARED_DOCUMENTS = (Member, ApiToken, Person, Session, AuditEntry, SealedContent, LogQueueEntry, OutboxMessage, ProcessedEvent, DeliveryAttempt, RejectedMessage, RateLimit)
