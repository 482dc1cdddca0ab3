"""Accounts' documents, and nothing else (reads: queries.py). Imported as a module by the service,
never as classes (see shared/persistence/documents.py).

A person (Person) and a signed-in browser (Session) are in shared/persistence/documents.py, beside
ApiToken: every service reads them to resolve a session cookie. What only accounts reads is here.
"""
from mongoengine import DateTimeField, DictField, Document, IntField, StringField

from services.accounts.domain import security_log, tokens
from shared.persistence.documents import Person, Session


class LinkToken(Document):
    """A link that acts once (an invitation, a password reset), stored only as its token's SHA-256 (domain/tokens.py)."""

    digest = StringField(primary_key=True)
    purpose = StringField(required=True, choices=tokens.PURPOSES)
    person_id = StringField(required=True)
    created_at = DateTimeField(required=True)
    expires_at = DateTimeField(required=True)
    used_at = DateTimeField()  # written in the same transaction as what the link did
    meta = {"collection": "accounts_links", "indexes": [("person_id", "purpose", "used_at")]}


class SignInThrottle(Document):
    """One throttle key's state (domain/signin.py: an account address's or a client's): changed only
    by compare-and-set on `version`, inside the sign-in's transaction."""

    key = StringField(primary_key=True)
    failures = IntField(required=True, default=0, min_value=0)
    last_failure_at = DateTimeField()
    # When the rule forgets the key (a client's, an hour after its last failure): MongoDB then deletes it
    # (TTL index). An address's count is never forgotten by time (domain/signin.py), so it has none.
    forget_at = DateTimeField()
    version = IntField(required=True, default=1)
    meta = {"collection": "accounts_signin_throttles", "indexes": [{"fields": ["forget_at"], "expireAfterSeconds": 0}]}


class SecurityLogEntry(Document):
    """One account event an admin can read (not the public transparency log): never a password, a code
    or a token. The id begins with the moment in milliseconds, so the log pages by id alone."""

    entry_id = StringField(primary_key=True)
    kind = StringField(required=True, choices=security_log.KINDS)
    at = DateTimeField(required=True)
    actor = DictField(required=True)  # who did it: {"role", "id"}, or {"role": "public", "id": "anonymous"}
    subject = StringField()  # the person it concerns (None: an address without an account)
    client = StringField()  # the client address as the limits count it
    reason = StringField(choices=security_log.FAILURE_REASONS)  # a failed sign-in's
    details = DictField()
    correlation_id = StringField(required=True)
    meta = {"collection": "accounts_security_log", "indexes": ["subject"]}


ALL = (Person, Session, LinkToken, SignInThrottle, SecurityLogEntry)
