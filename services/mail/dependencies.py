"""The mail service's own nameko dependencies (the shared ones are in shared/service_shell.py)."""
from nameko.extensions import DependencyProvider

from services.mail.domain import message, smtp_url
from services.mail.handlers import Composer
from shared import edge, session_auth, settings


class MailSettings(DependencyProvider):
    """Where mail goes and how it is written, read from config once: a bad setting stops start-up."""

    def setup(self):
        config = self.container.config
        self.server = smtp_url.parse(settings.value(config, "SMTP_URL"))
        mail_from = settings.value(config, "MAIL_FROM")
        message.sender_domain(mail_from)  # an address, or start-up stops here
        self.composer = Composer(session_auth.load_session_secret(config),
                                 edge.public_base_url(settings.value(config, "PUBLIC_BASE_URL")), mail_from)
        self.max_attempts = settings.value(config, "MAIL_MAX_ATTEMPTS")
        if self.max_attempts < 1:
            raise ValueError("MAIL_MAX_ATTEMPTS must be at least 1")
        self.timeout = settings.value(config, "SMTP_TIMEOUT_SECONDS")

    def get_dependency(self, worker_ctx):
        return self
