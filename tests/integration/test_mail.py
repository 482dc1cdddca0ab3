"""Mail end to end: the accounts API, the real broker and database, the mail service, and a real SMTP
server (devtools/mailbox.py, aiosmtpd, in a process of its own: its asyncio loop has no place in this
eventlet-patched one, and stopping that process is the server going away). No mock anywhere."""
import re
import time

import pytest
import requests
from kombu import Connection, Exchange, Producer

from cli import irmctl, operations
from devtools.mailbox import Mailbox
from devtools.ports import free_port
from services.accounts.domain import totp
from services.accounts.service import AccountsService
from services.mail import documents
from services.mail.domain import delivery
from services.mail.service import MailService
from shared import sessions
from shared.clock import utcnow
from shared.delivery import consumer_queue
from shared.contracts.events import (
    FINDING_PUBLISHED, PERSON_INVITED, REVIEW_ASSIGNED, REVIEW_PUBLIC_COMMENT_OPENED, REVIEW_SUBMITTED, build_event,
)
from services.review import documents as review_documents
from services.review.service import ReviewService
from tests.integration.conftest import wait_until
from tests.integration.test_review import Review, submitted_event

pytestmark = pytest.mark.integration
PASSWORD = "a long passphrase nobody guesses"
PUBLIC = "https://irm.example.org"


@pytest.fixture
def mailbox(tmp_path):
    box = Mailbox(tmp_path / "mail")
    yield box
    box.stop()


@pytest.fixture
def stack(container_factory, service_config, mailbox, db):
    """start(**mail_settings) -> (accounts' base URL, mail's); they share the secret, the broker and the database."""
    operations.add_member("TN", "national", {"fr": "Tunisie"})

    def start(**mail_settings):
        config = {k: v for k, v in service_config.items() if k != "base_url"}
        port, mail_port = free_port(), free_port()
        container_factory(AccountsService, {**config, "WEB_SERVER_ADDRESS": f"127.0.0.1:{port}",
                                            "PUBLIC_BASE_URL": PUBLIC}).start()
        container_factory(MailService, {**config, "WEB_SERVER_ADDRESS": f"127.0.0.1:{mail_port}", "PUBLIC_BASE_URL": PUBLIC,
                                        "SMTP_URL": mailbox.url, "SMTP_TIMEOUT_SECONDS": 5, **mail_settings}).start()
        return f"http://127.0.0.1:{port}", f"http://127.0.0.1:{mail_port}"

    return start


def invite(base, email, language, role="poc", **binding):
    token = operations.issue_token("admin", "admin-1")
    binding = binding or ({"member_code": "TN"} if role == "poc" else {})
    answer = requests.post(f"{base}/api/v1/invitations", headers={"Authorization": f"Bearer {token}"}, timeout=15,
                           json={"email": email, "role": role, "language": language, **binding})
    assert answer.status_code == 201, answer.text
    return answer.json()


def delivery_queue(event_type, method):
    return consumer_queue("accounts", event_type, "mail", method)


def link_in(mail, kind="invitation"):
    text = mail.get_body(("plain",)).get_content()
    return re.search(rf"{re.escape(PUBLIC)}/\w\w/accounts/{kind}\?token=([\w-]+)", text)


def test_an_invitation_arrives_in_the_person_s_language_and_its_link_opens_the_account(stack, mailbox):
    mailbox.start()
    base, _ = stack()
    invitation = invite(base, "leila@example.org", "ar")
    [mail] = wait_until(lambda: mailbox.mails(), what="the invitation at the SMTP server")
    assert mail["To"] == "leila@example.org" and mail["Subject"] == "دعوتك إلى irm-review"
    assert mail["Auto-Submitted"] == "auto-generated" and mail["Content-Language"] == "ar"
    assert [part.get_content_type() for part in mail.iter_parts()] == ["text/plain", "text/html"]
    found = link_in(mail)
    assert found and found.group(0).startswith(f"{PUBLIC}/ar/accounts/invitation?token=")
    stored = documents.OutgoingMail.objects.get()
    assert mail["Message-ID"] == f"<{stored.mail_id}@irm-review.localhost>"
    accepted = requests.post(f"{base}/api/v1/invitations/accept", json={"token": found.group(1), "password": PASSWORD},
                             timeout=15)
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["person"]["person_id"] == invitation["person"]["person_id"]
    # Sent: recorded once the server took it, and the (sealed) link is no longer kept.
    stored.reload()
    assert stored.status == delivery.SENT and stored.sent_at and stored.attempts == 1 and stored.sealed_token is None


def test_a_password_reset_is_mailed_too(stack, mailbox):
    mailbox.start()
    base, _ = stack()
    token = invite(base, "sami@example.org", "fr")["token"]
    requests.post(f"{base}/api/v1/invitations/accept", json={"token": token, "password": PASSWORD}, timeout=15).raise_for_status()
    assert requests.post(f"{base}/api/v1/password-resets", json={"email": "sami@example.org"}, timeout=15).status_code == 202
    mails = wait_until(lambda: len(mailbox.mails()) == 2 and mailbox.mails(), what="the reset mail")
    reset = mails[1]
    assert reset["Subject"] == "Réinitialisez votre mot de passe irm-review"
    found = link_in(reset, "password-reset")
    done = requests.post(f"{base}/api/v1/password-resets/complete", json={"token": found.group(1), "password": PASSWORD + "!"},
                         timeout=15)
    assert done.status_code == 200, done.text


def test_a_redelivered_event_sends_nothing_twice(stack, mailbox, tap, amqp_uri):
    mailbox.start()
    base, _ = stack()
    invited = tap("accounts", PERSON_INVITED)
    invite(base, "once@example.org", "en")
    event = invited.next()
    wait_until(lambda: mailbox.mails(), what="the invitation")
    with Connection(amqp_uri) as connection:  # the broker delivers the same event again
        Producer(connection.default_channel).publish(
            event.to_message(), exchange=Exchange("accounts.events", type="topic", durable=True),
            routing_key=PERSON_INVITED, serializer="json")
    queue = delivery_queue(PERSON_INVITED, "on_person_invited")
    with Connection(amqp_uri) as connection:
        wait_until(lambda: connection.default_channel.queue_declare(queue, passive=True).message_count == 0,
                   what="the redelivered event consumed")
    time.sleep(3)  # a few sender ticks
    assert len(mailbox.mails()) == 1 and documents.OutgoingMail.objects.count() == 1


def test_a_mail_whose_server_is_down_is_sent_exactly_once_when_it_is_back(stack, mailbox):
    base, _ = stack()  # the SMTP server is not running
    invite(base, "later@example.org", "fr")
    failed_once = wait_until(lambda: documents.OutgoingMail.objects(attempts__gte=1).first(), what="a failed attempt")
    assert failed_once.status == delivery.PENDING and "Connection" in failed_once.last_error
    assert failed_once.sealed_token is not None  # still to be sent
    mailbox.start()
    [mail] = wait_until(lambda: mailbox.mails(), timeout=30, what="the mail once the server is back")
    assert mail["Subject"] == "Votre invitation à irm-review"
    time.sleep(3)
    assert len(mailbox.mails()) == 1
    sent = documents.OutgoingMail.objects.get()
    assert sent.status == delivery.SENT and sent.attempts >= 2 and sent.sealed_token is None


def test_a_mail_that_keeps_failing_is_parked_listed_and_counted(stack, mailbox, capsys, monkeypatch, db):
    base, mail_base = stack(MAIL_MAX_ATTEMPTS=2)  # the server never comes
    invite(base, "never@example.org", "en")
    parked = wait_until(lambda: documents.OutgoingMail.objects(status=delivery.FAILED).first(), timeout=30,
                        what="the mail parked")
    assert parked.attempts == 2 and parked.sealed_token is None and parked.next_attempt_at is None
    metrics = requests.get(f"{mail_base}/metrics", timeout=15).text
    assert 'irm_mail_messages{status="failed"} 1.0' in metrics and 'irm_mail_messages{status="sent"} 0.0' in metrics
    monkeypatch.setenv("MONGODB_URI", db)
    capsys.readouterr()
    assert irmctl.main(["mail", "list", "--failed"]) == 0
    [line] = capsys.readouterr().out.splitlines()
    assert '"recipient": "never@example.org"' in line and '"status": "failed"' in line and "token" not in line
    mailbox.start()
    time.sleep(3)
    assert mailbox.mails() == []  # parked means not sent on its own again


def test_an_assigned_expert_with_an_account_is_mailed_the_accept_deadline(stack, mailbox, amqp_uri):
    """review.assigned as review publishes it (through its contract, on review.events)."""
    mailbox.start()
    base, _ = stack()
    operations.add_expert("exp-amina", "Amina B.", ["ar", "fr"], [], 3, True, [])
    token = operations.issue_token("admin", "admin-1")
    requests.post(f"{base}/api/v1/invitations", headers={"Authorization": f"Bearer {token}"}, timeout=15, json={
        "email": "amina@example.org", "role": "expert", "expert_id": "exp-amina", "language": "ar"}).raise_for_status()
    wait_until(lambda: mailbox.mails(), what="the invitation")
    assigned = build_event(REVIEW_ASSIGNED, {"case_id": "case_1", "member_code": "TN", "expert_id": "exp-amina",
                                             "reason": "capacity", "candidates": [],
                                             "accept_deadline_at": "2099-12-08T09:30:00.000Z"},
                           correlation_id="corr_assigned", actor={"role": "system", "id": "review"})
    with Connection(amqp_uri) as connection:
        Producer(connection.default_channel).publish(
            assigned.to_message(), exchange=Exchange("review.events", type="topic", durable=True),
            routing_key=REVIEW_ASSIGNED, serializer="json")
    mails = wait_until(lambda: len(mailbox.mails()) == 2 and mailbox.mails(), what="the assignment mail")
    text = mails[1].get_body(("plain",)).get_content()
    assert mails[1]["To"] == "amina@example.org" and mails[1]["Subject"] == "أُسندت إليك مراجعة"
    assert "(الملف case_1)" in text and "2099" in text and f"{PUBLIC}/ar/" in text


def activated(base, email, language, role="poc", **binding):
    """Invited and the invitation accepted through the accounts API (a quality reviewer confirms its second
    factor's first code too): the person's id."""
    invitation = invite(base, email, language, role, **binding)
    accepted = requests.post(f"{base}/api/v1/invitations/accept", json={"token": invitation["token"], "password": PASSWORD},
                             timeout=15)
    assert accepted.status_code == 200, accepted.text
    if role == "quality_reviewer":
        assert accepted.json()["status"] == "totp_required"
        code = totp.totp(totp.secret_bytes(accepted.json()["totp_secret"]), utcnow())
        confirmed = requests.post(f"{base}/api/v1/invitations/confirm", json={"token": invitation["token"], "code": code},
                                  timeout=15)
        assert confirmed.status_code == 200, confirmed.text
    else:
        assert accepted.json()["status"] == "active", accepted.text
    return invitation["person"]["person_id"]


def publish_event(amqp_uri, event, exchange="review.events"):
    """An event as its service publishes it: on its exchange, under its type."""
    with Connection(amqp_uri) as connection:
        Producer(connection.default_channel).publish(
            event.to_message(), exchange=Exchange(exchange, type="topic", durable=True),
            routing_key=event.event_type, serializer="json")


def notices_after(mailbox, seen, count, what):
    """The mails the server took after the first `seen`, once there are `count` of them; by recipient."""
    mails = wait_until(lambda: len(mailbox.mails()) >= seen + count and mailbox.mails(), what=what)[seen:]
    time.sleep(3)  # a few sender ticks: nothing more comes
    assert len(mailbox.mails()) == seen + count, [m["To"] for m in mailbox.mails()[seen:]]
    return {mail["To"]: mail for mail in mails}


def text_of(mail):
    return mail.get_body(("plain",)).get_content()


def test_stage_notices_reach_the_member_s_points_of_contact_each_in_their_language_once_and_as_they_chose(
        stack, mailbox, amqp_uri):
    mailbox.start()
    base, _ = stack()
    operations.add_member("TN", "national", {"fr": "Tunisie", "ar": "تونس"})  # upserted: a name in each poc's language
    operations.add_member("MA", "national", {"fr": "Maroc"})
    activated(base, "leila@example.org", "ar")
    activated(base, "sami@example.org", "fr")
    activated(base, "iep@example.org", "en", role="quality_reviewer")
    activated(base, "youssef@example.org", "fr", member_code="MA")
    invited_only = invite(base, "later@example.org", "fr")  # a TN poc who never accepted: no account in use, no notice
    assert invited_only["person"]["active"] is False
    seen = len(wait_until(lambda: len(mailbox.mails()) == 5 and mailbox.mails(), what="the five invitations"))

    # The draft is opened to public comment: the two TN points of contact, and no one else, are told.
    opened = build_event(REVIEW_PUBLIC_COMMENT_OPENED, {"case_id": "case_tn1", "member_code": "TN", "expert_id": "exp-a",
                                                        "closes_at": "2099-03-14T16:30:00.000Z"},
                         correlation_id="corr_public", actor={"role": "expert", "id": "exp-a"})
    publish_event(amqp_uri, opened)
    mails = notices_after(mailbox, seen, 2, "the public comment notices")
    assert sorted(mails) == ["leila@example.org", "sami@example.org"]
    arabic, french = mails["leila@example.org"], mails["sami@example.org"]
    assert (arabic["Subject"], arabic["Content-Language"]) == ("مسودة التقرير مفتوحة لتعليقات العموم", "ar")
    assert (french["Subject"], french["Content-Language"]) == ("Le projet de rapport est ouvert aux commentaires du public", "fr")
    assert arabic["Auto-Submitted"] == french["Auto-Submitted"] == "auto-generated"
    assert [part.get_content_type() for part in arabic.iter_parts()] == ["text/plain", "text/html"]
    ar_text, fr_text = text_of(arabic), text_of(french)
    assert f"{PUBLIC}/ar/cases/case_tn1/draft" in ar_text and f"{PUBLIC}/fr/cases/case_tn1/draft" in fr_text
    assert f"{PUBLIC}/ar/cases/case_tn1/draft" in arabic.get_body(("html",)).get_content()
    # The period's end, in each language's long form (UTC).
    assert "مسودة تقرير آلية التقييم المستقلة عن خطة عمل تونس (الملف case_tn1) مفتوحة لتعليقات العموم حتى" in ar_text
    assert "14 مارس 2099" in ar_text and "اقرأ المسودة وعلّق عليها:" in ar_text
    assert "Le projet de rapport du MEI sur le plan d'action de Tunisie (dossier case_tn1)" in " ".join(fr_text.split())
    assert "14 mars 2099, 16:30:00 TU" in fr_text
    stored = documents.OutgoingMail.objects(event_id=opened.event_id)
    assert sorted((m.recipient, m.kind, m.language, m.status) for m in stored) == [
        ("leila@example.org", "public_comment_opened", "ar", delivery.SENT),
        ("sami@example.org", "public_comment_opened", "fr", delivery.SENT)]

    # The broker delivers the same event again: nothing more is mailed, nothing more is stored.
    publish_event(amqp_uri, opened)
    queue = consumer_queue("review", REVIEW_PUBLIC_COMMENT_OPENED, "mail", "on_public_comment_opened")
    with Connection(amqp_uri) as connection:
        wait_until(lambda: connection.default_channel.queue_declare(queue, passive=True).message_count == 0,
                   what="the redelivered event consumed")
    time.sleep(3)
    assert len(mailbox.mails()) == seen + 2 and documents.OutgoingMail.objects(event_id=opened.event_id).count() == 2
    seen += 2

    # Sami turns the publication notice off on his account page (signed in, by session cookie and CSRF token).
    signed_in = requests.post(f"{base}/api/v1/sessions", json={"email": "sami@example.org", "password": PASSWORD}, timeout=15)
    assert signed_in.status_code == 201, signed_in.text
    cookie = {"Cookie": signed_in.headers["Set-Cookie"].split(";")[0], "X-CSRF-Token": signed_in.json()["csrf_token"],
              "Sec-Fetch-Site": "same-origin"}
    assert cookie["Cookie"].startswith(sessions.COOKIE_NAME + "=")
    chosen = requests.put(f"{base}/api/v1/me/mail-preferences", headers=cookie, json={"turned_off": ["finding_published"]},
                          timeout=15)
    assert chosen.status_code == 200, chosen.text
    assert chosen.json()["turned_off"] == ["finding_published"]

    published = build_event(FINDING_PUBLISHED, {"finding_id": "fnd_tn1", "case_id": "case_tn1", "member_code": "TN",
                                                "cycle": "2023-2025", "published_at": "2026-01-05T10:00:00.000Z"},
                            correlation_id="corr_published", actor={"role": "system", "id": "publication"})
    publish_event(amqp_uri, published, exchange="publication.events")
    mails = notices_after(mailbox, seen, 1, "the publication notice")
    assert list(mails) == ["leila@example.org"]
    assert mails["leila@example.org"]["Subject"] == "نُشر تقرير آلية التقييم المستقلة عن خطة عملكم"
    assert f"{PUBLIC}/ar/cases/case_tn1/timeline" in text_of(mails["leila@example.org"])
    assert [m.recipient for m in documents.OutgoingMail.objects(event_id=published.event_id)] == ["leila@example.org"]
    seen += 1

    # A review submitted waits in the quality review queue: the quality reviewer is told, no point of contact.
    submitted = build_event(REVIEW_SUBMITTED, {"case_id": "case_tn1", "member_code": "TN", "expert_id": "exp-a"},
                            correlation_id="corr_submitted", actor={"role": "expert", "id": "exp-a"})
    publish_event(amqp_uri, submitted)
    mails = notices_after(mailbox, seen, 1, "the quality review notice")
    assert list(mails) == ["iep@example.org"]
    assert mails["iep@example.org"]["Subject"] == "A review is waiting for quality review"


def test_an_expert_is_reminded_before_the_accept_deadline_and_told_when_it_passed(stack, mailbox, container_factory,
                                                                                   service_config, amqp_uri):
    """Review's own deadline watch (a 12-second accept deadline: the reminder is due in its last 3 s) emits
    review.reminded, then review.deadline_missed; the mail service mails the expert each, in French, once."""
    for document in review_documents.ALL:
        document.ensure_indexes()
        document._get_collection().delete_many({})
    mailbox.start()
    base, _ = stack()
    operations.add_expert("exp-karim", "Karim T.", ["ar", "fr"], [], 3, True, [])
    activated(base, "karim@example.org", "fr", "expert", expert_id="exp-karim")
    wait_until(lambda: mailbox.mails(), what="the invitation")
    config = {k: v for k, v in service_config.items() if k != "base_url"}
    container_factory(ReviewService, {**config, "WEB_SERVER_ADDRESS": f"127.0.0.1:{free_port()}",
                                      "ACCEPT_DEADLINE_SECONDS": 12}).start()
    seen = len(mailbox.mails())
    Review(service_config["base_url"], amqp_uri).send(submitted_event("case_late_mail"))
    # The assignment, the reminder, then the notice that it passed (nobody else is eligible: the case waits).
    mails = wait_until(lambda: len(mailbox.mails()) >= seen + 3 and mailbox.mails(), timeout=60,
                       what="the assignment, the reminder and the missed deadline")[seen:]
    time.sleep(3)  # a few sender ticks: nothing more comes
    assert len(mailbox.mails()) == seen + 3
    assert [mail["Subject"] for mail in mails] == ["Un examen vous est confié", "Rappel : une échéance de votre revue approche",
                                                  "Une revue vous a été retirée : son échéance est passée"]
    assert all(mail["To"] == "karim@example.org" for mail in mails)
    reminder, missed = text_of(mails[1]), text_of(mails[2])
    assert "accepter ou refuser le dossier" in reminder and "case_late_mail" in reminder and f"{PUBLIC}/fr/expert" in reminder
    assert "est passée" in missed and "accepter ou refuser le dossier" in missed
    assert review_documents.Case.objects(case_id="case_late_mail").first().status == "unassigned"
