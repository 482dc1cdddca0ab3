"""A mail as the SMTP server receives it: headers and a multipart/alternative body (plain text, then HTML).

Pure: the parts are rendered before (views.py); this only assembles them. The Message-ID is derived
from the stored mail's id, so a mail sent twice (the server took it, then the sender died before it
could record that) carries the same Message-ID both times and a mail system can tell the copy.
"""
from dataclasses import dataclass
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str
    language: str


def sender_domain(mail_from: str) -> str:
    """The domain of MAIL_FROM's address: Message-IDs are made under it."""
    address = parseaddr(mail_from)[1]
    if "@" not in address or not address.rsplit("@", 1)[1]:
        raise ValueError(f"MAIL_FROM is not an address: {mail_from!r}")
    return address.rsplit("@", 1)[1]


def message_id(mail_id: str, mail_from: str) -> str:
    return f"<{mail_id}@{sender_domain(mail_from)}>"


def build(mail_id: str, mail_from: str, recipient: str, created_at: datetime, rendered: Rendered) -> EmailMessage:
    message = EmailMessage()
    message["From"] = mail_from
    message["To"] = Address(addr_spec=recipient)
    message["Subject"] = rendered.subject
    # The moment the mail was decided, not when a retry finally got through: every copy is the same mail.
    message["Date"] = format_datetime(created_at)
    message["Message-ID"] = message_id(mail_id, mail_from)
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies, no loops
    message.set_content(rendered.text, subtype="plain", charset="utf-8")
    message.add_alternative(rendered.html, subtype="html", charset="utf-8")
    message["Content-Language"] = rendered.language  # after the parts: setting content moves Content-* headers into them
    return message
