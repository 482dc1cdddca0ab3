"""The mail service's pure parts: how a mail is written (headers, parts, language, escaping), the retry
rule, SMTP_URL, and its catalogs (every string translated in ar and fr)."""
from datetime import datetime, timedelta, timezone
from email import message_from_bytes, policy
from pathlib import Path

import pytest

from services.accounts import views as accounts_views
from services.mail import handlers, views
from services.mail.domain import delivery, message, smtp_url
from shared.irm import LANGUAGES
from tests import catalogs

MAIL = Path(__file__).resolve().parents[2] / "services" / "mail"
CREATED = datetime(2026, 12, 1, 9, 30, tzinfo=timezone.utc)
EXPIRES = datetime(2026, 12, 8, 9, 30, tzinfo=timezone.utc)
FROM = "irm-review <no-reply@irm.example.org>"


def written(kind="invitation", language="fr", recipient="leila@example.org", role="poc"):
    link = views.link("https://irm.example.org", kind, "T0KEN-_x", language)
    rendered = views.render(kind, language, recipient, link, EXPIRES, role if kind == "invitation" else None)
    built = message.build("mail_abc", FROM, recipient, CREATED, rendered)
    return message_from_bytes(built.as_bytes(), policy=policy.default)  # as the server receives it


def parts(mail):
    return {part.get_content_type(): part.get_content() for part in mail.iter_parts()}


def test_a_mail_is_multipart_alternative_with_the_headers_a_mail_system_needs():
    mail = written()
    assert mail.get_content_type() == "multipart/alternative"
    assert list(parts(mail)) == ["text/plain", "text/html"]  # the last is the preferred
    assert mail["From"] == FROM and mail["To"] == "leila@example.org"
    assert mail["Message-ID"] == "<mail_abc@irm.example.org>" and mail["Auto-Submitted"] == "auto-generated"
    assert mail["Date"].datetime == CREATED and mail["Content-Language"] == "fr"


def test_the_same_stored_mail_is_the_same_message_every_time_it_is_built():
    first, second = written(), written()
    assert [(k, v) for k, v in first.items() if k != "Content-Type"] == [(k, v) for k, v in second.items() if k != "Content-Type"]
    assert parts(first) == parts(second)


@pytest.mark.parametrize("language, subject, greeting", [
    ("fr", "Votre invitation à irm-review", "Bonjour,"),
    ("ar", "دعوتك إلى irm-review", "مرحبًا،"),
    ("en", "Your invitation to irm-review", "Hello,"),
])
def test_an_invitation_is_written_in_the_recipient_s_language_with_its_link(language, subject, greeting):
    mail = written(language=language)
    text, html = parts(mail)["text/plain"], parts(mail)["text/html"]
    assert mail["Subject"] == subject
    link = f"https://irm.example.org/{language}{accounts_views.LINK_PAGES['invitation']}?token=T0KEN-_x"
    assert text.startswith(greeting) and link in text and f'href="{link}"' in html
    assert f'lang="{language}" dir="{"rtl" if language == "ar" else "ltr"}"' in html


def test_a_reset_mail_says_what_it_is_and_names_no_role():
    mail = written("password_reset", "fr")
    assert mail["Subject"] == "Réinitialisez votre mot de passe irm-review"
    assert "/fr/accounts/password-reset?token=T0KEN-_x" in parts(mail)["text/plain"]


def test_what_comes_from_outside_is_escaped_in_html_and_left_as_written_in_text():
    odd = '"<b>x</b>&co"@example.org'
    mail = written(recipient=odd)
    assert "&lt;b&gt;x&lt;/b&gt;&amp;co" in parts(mail)["text/html"] and "<b>x</b>" not in parts(mail)["text/html"]
    assert odd in parts(mail)["text/plain"]


def test_a_mail_id_is_one_per_event_and_recipient():
    assert handlers.mail_id("evt_1", "a@x.org") == handlers.mail_id("evt_1", "a@x.org")
    assert len({handlers.mail_id("evt_1", "a@x.org"), handlers.mail_id("evt_2", "a@x.org"),
                handlers.mail_id("evt_1", "b@x.org")}) == 3


def test_mail_from_must_be_an_address():
    with pytest.raises(ValueError):
        message.sender_domain("irm-review")


# --- the retry rule ------------------------------------------------------------------------------------
def test_the_delay_doubles_from_five_seconds_up_to_ten_minutes():
    assert [delivery.retry_delay(n).total_seconds() for n in range(1, 10)] == [5, 10, 20, 40, 80, 160, 320, 600, 600]
    assert delivery.retry_delay(500) == delivery.MAX_DELAY
    with pytest.raises(ValueError):
        delivery.retry_delay(0)


def test_a_mail_is_tried_again_until_its_last_attempt_then_parked():
    now = CREATED
    assert delivery.after_failure(0, now, 3) == delivery.AfterFailure(delivery.PENDING, 1, now + timedelta(seconds=5))
    assert delivery.after_failure(1, now, 3) == delivery.AfterFailure(delivery.PENDING, 2, now + timedelta(seconds=10))
    assert delivery.after_failure(2, now, 3) == delivery.AfterFailure(delivery.FAILED, 3, None)
    assert delivery.after_failure(0, now, 3, permanent=True).status == delivery.FAILED  # a 5xx: waiting won't help


# --- SMTP_URL --------------------------------------------------------------------------------------------
def test_smtp_url_says_where_and_how():
    assert smtp_url.parse("smtp://127.0.0.1:8025") == smtp_url.SmtpServer("127.0.0.1", 8025, "plain")
    server = smtp_url.parse("smtp+starttls://mailer%40irm:p%3Ass@smtp.example.org")
    assert (server.host, server.port, server.security, server.username, server.password) == (
        "smtp.example.org", 587, "starttls", "mailer@irm", "p:ss")
    assert smtp_url.parse("smtps://u:p@smtp.example.org").port == 465
    assert "p:ss" not in repr(server)


@pytest.mark.parametrize("url", ["http://smtp.example.org", "smtp://", "smtp://u:p@smtp.example.org",
                                 "smtp://smtp.example.org/path"])
def test_a_wrong_smtp_url_is_refused(url):
    with pytest.raises(ValueError):
        smtp_url.parse(url)


# --- catalogs -----------------------------------------------------------------------------------------------
def extracted_messages() -> set:
    return catalogs.extracted_messages(MAIL, [("**/templates/**.html", "jinja2"), ("**/templates/**.txt", "jinja2"),
                                              ("**.py", "python")])


def test_the_mails_have_strings_to_translate():
    assert len(extracted_messages()) >= 18


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_mail_string_is_in_each_catalog_and_translated_in_ar_and_fr(language):
    catalogs.assert_translated(MAIL, language, extracted_messages())


def test_an_assignment_names_the_member_the_case_and_the_accept_deadline_in_the_expert_s_language():
    link = views.link("https://irm.example.org", "review_assigned", None, "fr")
    rendered = views.render("review_assigned", "fr", "amina@example.org", link, EXPIRES, member="Tunisie", case_id="case_1")
    mail = message_from_bytes(message.build("mail_x", FROM, "amina@example.org", CREATED, rendered).as_bytes(),
                              policy=policy.default)
    text = parts(mail)["text/plain"]
    assert mail["Subject"] == "Un examen vous est confié" and link == "https://irm.example.org/fr/"
    assert "du membre Tunisie (dossier case_1)" in text and "8 décembre 2026" in text and link in text
