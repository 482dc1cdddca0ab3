"""Anonymous writes, rate-limited per client and per case: review's limits over the shared store
(shared/persistence/rate_limits.py: MongoDB, compare-and-set, shared by every instance). A limit is
taken before the request's transaction and is not given back when the request is then refused for
another reason: a flood of invalid requests is still a flood.
"""
from datetime import datetime

from nameko.extensions import DependencyProvider

from services.review.domain.limits import Limits
from shared import forwarded, settings
from shared.http import TooManyRequests
from shared.persistence.rate_limits import take


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
