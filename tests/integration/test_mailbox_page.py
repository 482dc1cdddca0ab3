"""`make dev`'s mail page: the local SMTP server (devtools/mailbox.py, its own process) takes a real SMTP
exchange, and its page lists the mail, shows its text with the links clickable and its HTML part
sandboxed. Hostile headers and markup come out escaped."""
import smtplib
import subprocess
import sys
from email.message import EmailMessage

import pytest
import requests

from devtools import mailbox_page
from devtools.ports import free_port
from tests.integration.conftest import wait_until

pytestmark = pytest.mark.integration
LINK = "http://127.0.0.1:8000/fr/accounts/invitation?token=abc-123&x=1"


@pytest.fixture
def dev_mailbox(tmp_path):
    smtp_port, page_port = free_port(), free_port()
    process = subprocess.Popen([sys.executable, "-m", "devtools.mailbox", "--port", str(smtp_port), "--directory",
                                str(tmp_path / "mail"), "--page-port", str(page_port)], stdout=subprocess.PIPE)
    try:
        assert f"listed at http://127.0.0.1:{page_port}/".encode() in process.stdout.readline()
        yield smtp_port, f"http://127.0.0.1:{page_port}"
    finally:
        process.terminate()
        process.wait(10)


def send(smtp_port, subject, text, html):
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "irm-review <no-reply@irm.example.org>", "leila@example.org", subject
    message["Content-Language"] = "fr"
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    with smtplib.SMTP("127.0.0.1", smtp_port, timeout=10) as client:
        client.send_message(message)


def test_a_mail_the_server_took_is_listed_with_its_text_and_its_html_part_sandboxed(dev_mailbox):
    smtp_port, page = dev_mailbox
    assert "No mail yet." in requests.get(page, timeout=10).text
    send(smtp_port, "Votre invitation <script>alert(1)</script>", f"Bonjour,\nAcceptez-la : {LINK}\n",
         "<p>Bonjour</p><script>alert(2)</script>")
    listing = wait_until(lambda: "leila@example.org" in (text := requests.get(page, timeout=10).text) and text,
                         what="the mail on the page")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in listing and "<script>" not in listing
    [name] = [part.split('"')[0] for part in listing.split('href="/mails/')[1:]]
    one = requests.get(f"{page}/mails/{name}", timeout=10)
    assert one.status_code == 200 and one.headers["Content-Security-Policy"] == mailbox_page.PAGE_POLICY
    assert f'<a href="{LINK.replace("&", "&amp;")}">' in one.text and "<script>" not in one.text
    framed = requests.get(f"{page}/mails/{name}/html", timeout=10)
    assert framed.headers["Content-Security-Policy"].startswith("sandbox;") and "<script>alert(2)</script>" in framed.text


@pytest.mark.parametrize("path", ["/mails/../../etc/passwd", "/mails/1.eml.part", "/mails/nothing", "/mails/123.eml/html",
                                  "/elsewhere"])
def test_anything_but_a_kept_mail_is_not_found(dev_mailbox, path):
    _, page = dev_mailbox
    assert requests.get(page + path, timeout=10).status_code == 404
    assert requests.post(page + "/", timeout=10).status_code == 405
