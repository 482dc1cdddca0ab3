"""Anonymous writes, rate-limited per client and per case: the shell around shared/ratelimit.py.

Each key's state lives in MongoDB (documents.RateLimit), so every instance of the service
shares it; it is changed by compare-and-set on the stored TAT, so two writers never both
take the last slot. A limit is taken before the request's transaction and is not given
back when the request is then refused for another reason: a flood of invalid requests is
still a flood.
"""
from datetime import datetime, timezone

from nameko.extensions import DependencyProvider
from pymongo.errors import DuplicateKeyError

from services.review import documents
from services.review.domain.limits import Limits
from shared import forwarded, ratelimit, settings
from shared.http import TooManyRequests

CAS_ATTEMPTS = 20


def take(key: str, rate: ratelimit.Rate, now: float) -> ratelimit.Decision:
    """One request for `key` at `now`: admitted (and recorded) or refused (nothing written)."""
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


class AnonymousWrites(DependencyProvider):
    """The comment limits and the anonymous-write rate limits, read from config once (a bad setting stops start-up)."""

    def setup(self):
        config = self.container.config
        self.limits = Limits.from_config(config)
        self.trusted_proxies = forwarded.parse_networks(settings.value(config, "TRUSTED_PROXIES"))

    def get_dependency(self, worker_ctx):
        return self

    def client(self, request) -> str:
        return forwarded.client_address(request.remote_addr, request.headers.get("X-Forwarded-For"), self.trusted_proxies)

    def refusal(self, request, case_id, now: datetime):
        """A TooManyRequests to answer with, or None when this anonymous write may go ahead.
        The client's limit is taken first, so one client's flood never spends the case's limit."""
        moment = now.timestamp()
        client = self.client(request)
        decision = take(f"public_comment:client:{forwarded.client_key(client)}", self.limits.per_client, moment)
        if not decision.admitted:
            return TooManyRequests(f"Too many comments from your address; try again in {decision.retry_after} s.",
                                   retry_after=decision.retry_after)
        decision = take(f"public_comment:case:{case_id}", self.limits.per_case, moment)
        if not decision.admitted:
            return TooManyRequests(f"Case {case_id} is receiving too many comments; try again in {decision.retry_after} s.",
                                   retry_after=decision.retry_after)
        return None
