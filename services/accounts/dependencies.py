"""Accounts' own nameko dependencies (the shared ones are in shared/service_shell.py)."""
import hashlib
from datetime import datetime

from nameko.extensions import DependencyProvider

from services.accounts.domain.addresses import normalized_email
from shared import edge, forwarded, ratelimit, session_auth, settings
from shared.clock import utcnow
from shared.http import TooManyRequests
from shared.persistence.rate_limits import take


class AccountsClock(DependencyProvider):
    """What time it is for the accounts' rules (throttles, links, codes, sessions): one place a test can set
    the clock (a sign-in lock lasts an hour), instead of a test that waits it out."""

    def get_dependency(self, worker_ctx):
        return utcnow


class AccountsSettings(DependencyProvider):
    """The accounts' settings, read from config once: a bad one stops start-up."""

    def setup(self):
        config = self.container.config
        self.trusted_proxies = forwarded.parse_networks(settings.value(config, "TRUSTED_PROXIES"))
        self.public_base_url = edge.public_base_url(settings.value(config, "PUBLIC_BASE_URL"))
        self.totp_issuer = settings.value(config, "TOTP_ISSUER")
        if ":" in self.totp_issuer:
            raise ValueError("TOTP_ISSUER may not contain ':' (it separates issuer and account in the app's label)")
        self.session_policy = session_auth.SessionPolicy.from_config(config)
        self.resets_per_client = ratelimit.Rate(settings.value(config, "PASSWORD_RESETS_PER_CLIENT"),
                                                settings.value(config, "PASSWORD_RESETS_CLIENT_SECONDS"))
        self.resets_per_address = ratelimit.Rate(settings.value(config, "PASSWORD_RESETS_PER_ADDRESS"),
                                                 settings.value(config, "PASSWORD_RESETS_ADDRESS_SECONDS"))

    def get_dependency(self, worker_ctx):
        return self

    def client(self, request) -> str:
        """The client as every limit counts it (an IPv4 address, an IPv6 /64)."""
        address = forwarded.client_address(request.remote_addr, request.headers.get("X-Forwarded-For"), self.trusted_proxies)
        return forwarded.client_key(address)

    # --- password-reset requests: anonymous, and each one for an account in use sends a mail ---------------
    # Limited as review limits anonymous comments (shared/persistence/rate_limits.py, GCRA): per client first, so
    # one client's flood never spends an address's limit, then per typed address, whether or not an account has
    # it, so the answer (202, or 429 with Retry-After) never tells which addresses have accounts.
    def reset_refused_for_client(self, client: str, now: datetime):
        """A TooManyRequests to answer with, or None: the client's limit (`client` as `client()` gives it)."""
        decision = take(f"password_reset:client:{client}", self.resets_per_client, now.timestamp())
        if decision.admitted:
            return None
        return TooManyRequests(f"Too many password-reset requests from your address; try again in {decision.retry_after} s.",
                               retry_after=decision.retry_after)

    def reset_refused_for_address(self, typed_email: str, now: datetime):
        """A TooManyRequests to answer with, or None: the typed address's limit, keyed by its SHA-256 (the store is
        no plain list of addresses people asked for)."""
        digest = hashlib.sha256(normalized_email(typed_email).encode("utf-8")).hexdigest()
        decision = take(f"password_reset:address:{digest}", self.resets_per_address, now.timestamp())
        if decision.admitted:
            return None
        return TooManyRequests(f"Too many password-reset requests for this address; try again in {decision.retry_after} s.",
                               retry_after=decision.retry_after)
