"""Handing a message to the SMTP server (SMTP_URL: domain/smtp_url.py), with timeouts.

smtplib is imported green (eventlet.patcher.import_patched): its socket waits yield to the other
greenthreads, so a slow or silent server holds one timer tick, never the service's HTTP or consumers.
"""
import ssl

from eventlet import patcher

smtplib = patcher.import_patched("smtplib")


class SendFailed(Exception):
    def __init__(self, reason: str, permanent: bool):
        super().__init__(reason)
        self.permanent = permanent  # a 5xx about this mail: trying again will not help


def _code(exc) -> int | None:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return min(code for code, _ in exc.recipients.values()) if exc.recipients else None
    return getattr(exc, "smtp_code", None)


def send(server, message, timeout: float) -> None:
    """Deliver `message` or raise SendFailed (connection refused or lost, timeout, 4xx: transient)."""
    try:
        if server.security == "tls":
            client = smtplib.SMTP_SSL(server.host, server.port, timeout=timeout, context=ssl.create_default_context())
        else:
            client = smtplib.SMTP(server.host, server.port, timeout=timeout)
        with client:
            client.ehlo()
            if server.security == "starttls":
                client.starttls(context=ssl.create_default_context())
                client.ehlo()
            if server.username:
                client.login(server.username, server.password or "")
            client.send_message(message)
    except smtplib.SMTPException as exc:
        code = _code(exc)
        raise SendFailed(f"{type(exc).__name__}: {exc}"[:2000], permanent=code is not None and code >= 500) from exc
    except (OSError, ssl.SSLError) as exc:  # refused, unreachable, timed out, TLS failed
        raise SendFailed(f"{type(exc).__name__}: {exc}"[:2000], permanent=False) from exc
