"""Accounts' own nameko dependencies (the shared ones are in shared/service_shell.py)."""
from nameko.extensions import DependencyProvider

from shared import edge, forwarded, session_auth, settings
from shared.clock import utcnow


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

    def get_dependency(self, worker_ctx):
        return self

    def client(self, request) -> str:
        """The client as every limit counts it (an IPv4 address, an IPv6 /64)."""
        address = forwarded.client_address(request.remote_addr, request.headers.get("X-Forwarded-For"), self.trusted_proxies)
        return forwarded.client_key(address)
