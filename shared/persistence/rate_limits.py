"""Rate limits kept in MongoDB: the store around shared/ratelimit.py's rule (GCRA), one for every service.

Each key's state lives in one document (documents.RateLimit, collection `rate_limits`), so every
instance of every service shares it; it is changed by compare-and-set on the stored TAT, so two
writers never both take the last slot. A key names its limit first (`public_comment:client:...`,
`password_reset:address:...`), so limits never share a key. MongoDB forgets a key once its TAT has
passed (TTL index), which is the same as never having seen it. A limit is taken before the request's
transaction and is not given back when the request is then refused for another reason: a flood of
invalid requests is still a flood.
"""
from datetime import datetime, timezone

from pymongo.errors import DuplicateKeyError

from shared import ratelimit
from shared.persistence import documents

CAS_ATTEMPTS = 20


def take(key: str, rate: ratelimit.Rate, now: float) -> ratelimit.Decision:
    """One request for `key` at `now` (epoch seconds): admitted (and recorded) or refused (nothing written)."""
    collection = documents.RateLimit._get_collection()
    for _ in range(CAS_ATTEMPTS):
        stored = collection.find_one({"_id": key})
        tat = stored["tat"] if stored else None
        decision = ratelimit.decide(rate, tat, now)
        if not decision.admitted:
            return decision
        state = {"tat": decision.tat, "expires_at": datetime.fromtimestamp(decision.tat, timezone.utc)}
        if stored is None:
            try:
                collection.insert_one({"_id": key, **state})
                return decision
            except DuplicateKeyError:
                continue  # another request created it first: read it again
        elif collection.update_one({"_id": key, "tat": tat}, {"$set": state}).modified_count == 1:
            return decision
    # Still contended after every attempt: so many requests on one key at once is itself a flood.
    return ratelimit.Decision(False, None, max(1, round(rate.interval)))
