"""Accounts' reads outside a transaction (a read a decision depends on goes through the unit of work).

Every list is an index range with a bounded page: a person's tokens by (person_id, created_at),
at most MAX_TOKENS_PER_PERSON; the security log by its id (which begins with the moment), newest first;
people by their address (its unique index; with a role, the (role, email) index), after the cursor; the
rejected messages by their id, newest first, before the cursor.

SecantusDB answers a sorted query by reading every document the filter matches before the limit (README,
Performance): the people list's filter is therefore a range of the index it is sorted by, starting at the
cursor, and names the few fields it shows (an inclusion projection). A real mongod reads only the page."""
import re

from bson import ObjectId

from services.accounts import documents
from services.accounts.domain import signin, tokens
from shared.clock import aware
from shared.persistence.documents import ApiToken, RejectedMessage

MAX_TOKENS_PER_PERSON = 20


MESSAGE_ID = re.compile(r"[0-9a-f]{24}\Z")


def person(person_id):
    return documents.Person.objects(person_id=person_id).first()


def person_by_email(email):
    """`email` already normalised (domain/addresses.py): the unique index's spelling."""
    return documents.Person.objects(email=email).first()


def active_person_by_email(email):
    """The account a sign-in names, if it is in use (an invitation not yet accepted signs nobody in)."""
    person = person_by_email(email)
    return person if person is not None and person.activated_at is not None and person.password_hash else None


def link_document(token: str):
    """The stored link of a token, or None (no such link, or text that cannot be a token: not looked up)."""
    digest = tokens.lookup_digest(token)
    return documents.LinkToken.objects(digest=digest).first() if digest else None


def stored_link(stored):
    """A stored link as domain/tokens.py knows it (None: none)."""
    if stored is None:
        return None
    return tokens.LinkToken(stored.digest, stored.purpose, aware(stored.created_at), aware(stored.expires_at),
                            aware(stored.used_at))


def throttle(key: str) -> signin.Throttle:
    return throttle_of(documents.SignInThrottle.objects(key=key).first())


def throttle_of(stored) -> signin.Throttle:
    if stored is None:
        return signin.Throttle()
    return signin.Throttle(stored.failures, aware(stored.last_failure_at))


def tokens_of(person_id):
    """A person's personal API tokens, newest first (revoked ones too, while they are recent)."""
    return list(ApiToken.objects(person_id=person_id).order_by("-created_at").limit(MAX_TOKENS_PER_PERSON * 2))


def security_log(before=None, limit=50):
    """Up to `limit` + 1 entries older than the cursor `before`, newest first (the extra one says there is more)."""
    query = {"_id": {"$lt": before}} if before else {}
    return list(documents.SecurityLogEntry.objects(__raw__=query).order_by("-entry_id").limit(limit + 1))


# What the people list shows of a person (documents.Person): never a password hash, a TOTP secret or a generation.
PEOPLE_FIELDS = ("email", "role", "member_code", "expert_id", "language", "created_at", "invited_at", "activated_at",
                 "last_signed_in_at", "totp_secret")


def people(role=None, after=None, limit=50):
    """Up to `limit` + 1 people in address order after the cursor `after` (an address), of `role` if given."""
    query = {"role": role} if role else {}
    if after:
        query["email"] = {"$gt": after}
    projection = {field: 1 for field in PEOPLE_FIELDS}
    found = documents.Person._get_collection().find(query, projection, sort=[("email", 1)], limit=limit + 1)
    return [documents.Person._from_son(raw) for raw in found]


def account_throttles(emails) -> dict:
    """{address: its sign-in throttle} for a page of people: one $in on the throttles' _id."""
    keys = {signin.account_throttle_key(email): email for email in emails}
    stored = documents.SignInThrottle._get_collection().find({"_id": {"$in": list(keys)}})
    found = {keys[raw["_id"]]: throttle_of(documents.SignInThrottle._from_son(raw)) for raw in stored}
    return {email: found.get(email, signin.Throttle()) for email in emails}
def rejected_messages(before=None, limit=50):
    """Up to `limit` + 1 rejected messages older than the cursor `before` (an id), newest first."""
    query = {"_id": {"$lt": ObjectId(before)}} if before else {}
    return list(RejectedMessage.objects(__raw__=query).order_by("-id").limit(limit + 1))


def rejected_message(message_id: str):
    """The rejected message of that id, or None (an id that is not one is no message)."""
    if not MESSAGE_ID.match(message_id or ""):
        return None
    return RejectedMessage.objects(id=ObjectId(message_id)).first()
