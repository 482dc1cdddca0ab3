"""SMTP_URL, read once: where mail goes and how the connection is protected.

    smtp://host[:port]                 plain SMTP (a relay on the same host or network; port 25)
    smtp+starttls://user:pass@host:587 STARTTLS before anything else is said, then AUTH (port 587)
    smtps://user:pass@host:465         TLS from the first byte (port 465)

Credentials are only accepted over TLS: a password is never sent in the clear.
"""
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

SECURITY = {"smtp": ("plain", 25), "smtp+starttls": ("starttls", 587), "smtps": ("tls", 465)}


@dataclass(frozen=True)
class SmtpServer:
    host: str
    port: int
    security: str  # plain, starttls or tls
    username: str | None = None
    password: str | None = None

    def __repr__(self):  # never the password in a log line
        return f"SmtpServer({self.security}://{self.host}:{self.port}, user={self.username!r})"


def parse(url: str) -> SmtpServer:
    parts = urlsplit(url)
    if parts.scheme not in SECURITY:
        raise ValueError(f"SMTP_URL must start with one of {', '.join(s + '://' for s in SECURITY)}")
    if not parts.hostname:
        raise ValueError("SMTP_URL names no host")
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise ValueError("SMTP_URL is scheme://[user:password@]host[:port], nothing more")
    security, default_port = SECURITY[parts.scheme]
    username = unquote(parts.username) if parts.username else None
    if username is not None and security == "plain":
        raise ValueError("SMTP_URL gives credentials without TLS: use smtp+starttls:// or smtps://")
    return SmtpServer(parts.hostname, parts.port or default_port, security, username,
                      unquote(parts.password) if parts.password is not None else None)
