"""`make dev`'s page of the mails its local SMTP server kept (devtools/mailbox.py), at DEV_MAIL_PAGE_PORT:
newest first, each with its plain text (links clickable: an invitation is accepted from here) and its HTML
part as the recipient's mail reader would show it.

Dev only: it listens on 127.0.0.1 and is never part of the deployed services. A mail's HTML is someone
else's markup, so it is served under a CSP sandbox (no script, no form, no same origin) and this page
never inlines it.
"""
import html
import re
from email.message import EmailMessage
from pathlib import Path
from wsgiref.simple_server import WSGIRequestHandler, make_server

from cli.mailbox import stored_files

NAME = re.compile(r"^[0-9]{1,20}\.eml\Z")  # what devtools/mailbox.py writes (time.time_ns())
LINK = re.compile(r"https?://[^\s<>\"']+")
PAGE_POLICY = "default-src 'none'; style-src 'self' 'unsafe-inline'; frame-src 'self'; base-uri 'none'; form-action 'none'"
MAIL_HTML_POLICY = "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:"
STYLE = ("body{font:16px/1.5 system-ui,sans-serif;margin:2rem;max-width:60rem}table{border-collapse:collapse;width:100%}"
         "th,td{text-align:start;padding:.4rem .6rem;border-bottom:1px solid #ccc}pre{white-space:pre-wrap}"
         "iframe{width:100%;height:32rem;border:1px solid #ccc}")


def listing(mails: list) -> str:
    """The list page: (file name, parsed mail) pairs, shown newest first."""
    rows = "".join(
        f"<tr><td>{_text(mail['Date'])}</td><td dir=\"auto\">{_text(mail['To'])}</td>"
        f"<td dir=\"auto\"><a href=\"/mails/{name}\">{_text(mail['Subject'])}</a></td>"
        f"<td>{_text(mail['Content-Language'])}</td></tr>"
        for name, mail in reversed(mails))
    body = (f"<h1>Mails kept by the local SMTP server ({len(mails)})</h1>"
            + (f"<table><thead><tr><th>Date</th><th>To</th><th>Subject</th><th>Language</th></tr></thead><tbody>{rows}"
               "</tbody></table>" if mails else "<p>No mail yet.</p>"))
    return _document("Mails — make dev", body)


def one_mail(name: str, mail: EmailMessage) -> str:
    """One mail: its headers, its plain text with links made clickable, its HTML part framed (sandboxed)."""
    plain = mail.get_body(("plain",))
    text = plain.get_content() if plain is not None else ""
    headers = "".join(f"<tr><th>{field}</th><td dir=\"auto\">{_text(mail[field])}</td></tr>"
                      for field in ("From", "To", "Subject", "Date", "Content-Language"))
    framed = (f'<h2>HTML part</h2><iframe title="The HTML part" sandbox src="/mails/{name}/html"></iframe>'
              if mail.get_body(("html",)) is not None else "")
    body = (f'<p><a href="/">All mails</a></p><h1 dir="auto">{_text(mail["Subject"])}</h1><table>{headers}</table>'
            f'<h2>Plain text</h2><pre dir="auto">{_linked(text)}</pre>{framed}')
    return _document(f"{mail['Subject']} — make dev", body)


def html_part(mail: EmailMessage) -> str | None:
    part = mail.get_body(("html",))
    return part.get_content() if part is not None else None


def application(directory: Path):
    """The WSGI application over the folder the SMTP server writes to (read again on every request)."""
    def app(environ, start_response):
        path = environ.get("PATH_INFO", "/")
        if environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
            return _answer(start_response, "405 Method Not Allowed", "text/plain", "GET only", PAGE_POLICY)
        mails = stored_files(directory)
        if path == "/":
            return _answer(start_response, "200 OK", "text/html", listing([(p.name, m) for p, m in mails]), PAGE_POLICY)
        parts = path.strip("/").split("/")
        found = dict((p.name, m) for p, m in mails).get(parts[1]) if len(parts) in (2, 3) and parts[0] == "mails" and \
            NAME.match(parts[1]) else None
        if found is not None and len(parts) == 2:
            return _answer(start_response, "200 OK", "text/html", one_mail(parts[1], found), PAGE_POLICY)
        if found is not None and parts[2] == "html" and html_part(found) is not None:
            return _answer(start_response, "200 OK", "text/html", html_part(found), MAIL_HTML_POLICY)
        return _answer(start_response, "404 Not Found", "text/plain", "No such mail.", PAGE_POLICY)
    return app


def serve(directory: Path, host: str, port: int):
    """A server for the page, to run in a thread: `.serve_forever()`, `.shutdown()`."""
    return make_server(host, port, application(directory), handler_class=_Quiet)


class _Quiet(WSGIRequestHandler):
    def log_message(self, *args):  # the dev stack's terminal is for the services' logs
        pass


def _linked(text: str) -> str:
    """`text` escaped, its links made clickable."""
    pieces, start = [], 0
    for match in LINK.finditer(text):
        url = _text(match.group(0))
        pieces.append(f'{_text(text[start:match.start()])}<a href="{url}">{url}</a>')
        start = match.end()
    return "".join(pieces) + _text(text[start:])


def _text(value) -> str:
    return html.escape(str(value)) if value is not None else ""


def _document(title: str, body: str) -> str:
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{_text(title)}</title>'
            f"<style>{STYLE}</style></head><body>{body}</body></html>")


def _answer(start_response, status: str, content_type: str, body: str, policy: str):
    encoded = body.encode()
    start_response(status, [("Content-Type", f"{content_type}; charset=utf-8"), ("Content-Length", str(len(encoded))),
                            ("Content-Security-Policy", policy), ("X-Content-Type-Options", "nosniff"),
                            ("Referrer-Policy", "no-referrer"), ("Cache-Control", "no-store")])
    return [encoded]
