"""The operator's messages pages in Chromium, end to end: accounts (whose API owns the operator's messages),
review and the pages behind the gateway (one origin, as in production), on the real broker and database.

A self-assessment's submission is parked for review's consumer as a consumer parks one after its retries (the
letter on irm.dead-letters, the rejected message kept). An admin, invited and enrolled with a second factor,
signs in and finds it listed (event type, service, reason, when, correlation id), opens it (its payload), and
replays it from the page: review opens and assigns the case, once. The same form posted again (an old tab) is
refused with the reason in the page's language, and review's state shows nothing was applied twice. Another
role gets a 403 page; axe-core finds nothing on either page in ar, fr and en.
"""
import pytest
import requests

from cli import operations
from devtools import sample
from services.review import documents as review_documents
from services.review.service import ReviewService
from services.web import operator_forms, operator_views
from shared import sessions
from shared.contracts.events import SELF_ASSESSMENT_SUBMITTED
from shared.irm import LANGUAGES
from shared.persistence.documents import ProcessedEvent, RejectedMessage
from tests.browser.conftest import (PASSWORD, activate, axe_violations, behind_the_gateway, click_and_wait, code_for, empty_review,
                                    message, press_and_follow, text_of, watch)
from tests.integration.conftest import wait_until
from tests.integration.test_operator_messages import CONSUMER, ERROR, park
from tests.integration.test_review import Review, submitted_event

pytestmark = pytest.mark.browser
CASE = "case_parked_page"
WAITING = "case_waiting_page"
EXPERT = "exp-noor"


@pytest.fixture
def web_config(web_config, gateway_port, accounts_url, review_url):
    return {**web_config, "ACCOUNTS_URL": accounts_url, "REVIEW_URL": review_url,
            "PUBLIC_BASE_URL": f"http://127.0.0.1:{gateway_port}"}


@pytest.fixture
def site(container_factory, db, amqp_uri, web, gateway_port, accounts_url, review_url):
    empty_review(amqp_uri)
    RejectedMessage.objects.delete()
    operations.add_member("TN", "national", sample.MEMBER["names"])
    operations.add_expert(EXPERT, "Noor H.", ["fr", "ar"], [], capacity=5)
    with behind_the_gateway(container_factory, web, gateway_port, accounts_url, amqp_uri, db,
                            (("review", ReviewService, review_url),)) as base:
        event = submitted_event(CASE, correlation_id="corr-parked-page")
        yield base, review_url, event, park(amqp_uri, event.to_message())


def sign_in(page, email, secret):
    page.fill("#s-email", email)
    page.fill("#s-password", PASSWORD)
    page.fill("#s-code", code_for(secret))
    press_and_follow(page, page.locator("#sign-in-button"))


def admin_api(url, path):
    answer = requests.get(url + path, timeout=15, headers={"Authorization": f"Bearer {operations.issue_token('admin', 'admin-1')}"})
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_an_admin_replays_a_parked_message_from_the_page_and_it_applies_once(site, context_factory, artifacts):
    base, review, event, message_id = site
    email = "operator.fr@example.org"
    page = context_factory("fr")
    seen = watch(page)
    secret = activate(base, page, email, "fr", "admin")

    # Signed out: the list sends them to sign in, and sign-in brings them back.
    page.goto(f"{base}/fr/operator/messages")
    assert page.url == f"{base}/fr/sign-in?next=/fr/operator/messages"
    sign_in(page, email, secret)
    assert page.url == f"{base}/fr/operator/messages"
    assert page.locator("#operator-messages-link").get_attribute("aria-current") == "page"
    row = f"#message-{message_id}"
    assert text_of(page, f"{row} .message-event-type") == SELF_ASSESSMENT_SUBMITTED
    assert text_of(page, f"{row} .message-service") == "review"
    assert text_of(page, f"{row} .message-reason") == ERROR
    assert text_of(page, f"{row} .message-correlation") == "corr-parked-page"
    assert page.locator(f"{row} .message-received time").get_attribute("datetime").endswith("Z")
    assert text_of(page, f"{row} .message-state") == message("fr", "Waiting for an operator")
    assert axe_violations(page) == []
    page.screenshot(path=artifacts / "operator-messages-fr.png", full_page=True)

    # Shown: the whole message, and the Replay button.
    shown = f"{base}/fr/operator/messages/{message_id}"
    click_and_wait(page, page.locator(f"#open-{message_id}"), lambda: page.url == shown and page.locator("#payload").count())
    assert f'"case_id": "{CASE}"' in page.locator("#payload").inner_text()
    assert CONSUMER in text_of(page, "#message-facts")
    token = page.locator("form.replay-form input[name=csrf_token]").get_attribute("value")
    assert axe_violations(page) == []

    # Replayed from the page: review opens the case and assigns it, once.
    press_and_follow(page, page.locator("#replay-button"))
    assert page.url == f"{base}/fr/operator/messages/{message_id}?done=replayed#status"
    assert text_of(page, "#status") == message("fr", "The message was sent back to its consumer's queue. It takes effect once: "
                                                     "a consumer applies each event once.")
    assert page.locator("#replay-button").count() == 0
    assert message("fr", "Replayed") in text_of(page, "#message-state")
    page.screenshot(path=artifacts / "operator-message-replayed-fr.png", full_page=True)
    wait_until(lambda: review_documents.Case.objects(case_id=CASE).first(), what="review opened the case")
    case = admin_api(review, f"/api/v1/cases/{CASE}")
    assert case["status"] == "assigned" and case["expert_id"] == EXPERT

    # The same form again (a double click, an old tab): refused in French, nothing sent, nothing applied twice.
    session_id = {c["name"]: c["value"] for c in page.context.cookies()}[sessions.COOKIE_NAME]
    again = requests.post(f"{base}/fr/operator/messages/{message_id}/replay", data={"csrf_token": token}, timeout=15,
                          headers={"Cookie": f"{sessions.COOKIE_NAME}={session_id}"}, allow_redirects=False)
    assert again.status_code == 409
    assert message("fr", operator_forms.MESSAGES["already_replayed"]) in again.text
    assert ProcessedEvent.objects(consumer=CONSUMER, event_id=event.event_id).count() == 1
    expert = next(e for e in admin_api(review, "/api/v1/experts")["experts"] if e["expert_id"] == EXPERT)
    assert expert["active_cases"] == 1  # the case took the expert's capacity once
    assert admin_api(review, f"/api/v1/cases/{CASE}")["status"] == "assigned"

    # A cross-site post with the session: refused before accounts is asked.
    forged = requests.post(f"{base}/fr/operator/messages/{message_id}/replay", data={"csrf_token": token}, timeout=15,
                           headers={"Cookie": f"{sessions.COOKIE_NAME}={session_id}", "Sec-Fetch-Site": "cross-site",
                                    "Origin": "https://evil.example"}, allow_redirects=False)
    assert forged.status_code == 403 and 'data-reason="forged"' in forged.text

    page.goto(f"{base}/fr/operator/messages")
    assert page.locator(f"#message-{message_id}").get_attribute("data-replayed") == "yes"
    assert seen["csp"] == [] and seen["foreign"] == []


def waiting_case(review_url, amqp_uri):
    """A submission in English only: the registry's one expert reads French and Arabic, so it waits."""
    message = submitted_event(WAITING, correlation_id="corr-waiting-page").to_message()
    message["payload"]["languages"] = ["en"]
    Review(review_url, amqp_uri).send_raw(message)
    wait_until(lambda: review_documents.Case.objects(case_id=WAITING, status="unassigned").first(), what="the case waits")


def test_an_admin_reads_the_registry_with_each_experts_load_and_why_a_case_waits(site, context_factory, artifacts, amqp_uri):
    base, review, _, _ = site
    waiting_case(review, amqp_uri)
    email = "operator.registry@example.org"
    page = context_factory("fr")
    seen = watch(page)
    secret = activate(base, page, email, "fr", "admin")
    page.goto(f"{base}/fr/sign-in?next=/fr/operator/experts")
    sign_in(page, email, secret)
    assert page.url == f"{base}/fr/operator/experts"
    assert page.locator("#operator-experts-link").get_attribute("aria-current") == "page"
    row = f"#why-{WAITING}-{EXPERT}"
    assert page.locator(row).get_attribute("data-eligible") == "no"
    assert text_of(page, f"{row} li") == message("fr", operator_views.WHY_NAMES["no_shared_language"], languages="en")
    assert "TN" in text_of(page, f"#waiting-{WAITING}-heading")
    assert page.locator(f"#waiting-{WAITING} time").get_attribute("datetime").endswith("Z")
    assert text_of(page, f"#expert-{EXPERT} .expert-load") == message("fr", "%(load)s of %(capacity)s cases", load=0, capacity=5)
    assert text_of(page, f"#expert-{EXPERT} .expert-languages") == "fr, ar"
    assert text_of(page, f"#expert-{EXPERT} .expert-available") == message("fr", "Available")
    assert axe_violations(page) == []
    page.screenshot(path=artifacts / "operator-experts-fr.png", full_page=True)
    assert seen["csp"] == [] and seen["foreign"] == []


def test_another_role_is_told_the_pages_are_for_operators(site, context_factory):
    base, *_ = site
    page = context_factory("fr")
    activate(base, page, "poc.ops@example.org", "fr", member_code="TN")
    page.goto(f"{base}/fr/sign-in?next=/fr/operator/messages")
    page.fill("#s-email", "poc.ops@example.org")
    page.fill("#s-password", PASSWORD)
    press_and_follow(page, page.locator("#sign-in-button"))
    assert page.request.get(f"{base}/fr/operator/messages").status == 403
    page.goto(f"{base}/fr/operator/messages")
    assert page.locator("#refusal-reason").get_attribute("data-reason") == "not_an_admin"
    assert text_of(page, "h1") == message("fr", "This page is for operators")
    assert page.request.get(f"{base}/fr/operator/experts").status == 403


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_operator_pages_are_accessible_in_each_language(site, context_factory, artifacts, language, amqp_uri):
    base, review, _, message_id = site
    waiting_case(review, amqp_uri)
    email = f"operator-{language}@example.org"
    page = context_factory(language)
    seen = watch(page)
    secret = activate(base, page, email, language, "admin")
    page.goto(f"{base}/{language}/sign-in?next=/{language}/operator/messages")
    sign_in(page, email, secret)
    assert page.url == f"{base}/{language}/operator/messages"
    assert page.locator("html").get_attribute("lang") == language
    assert page.locator("html").get_attribute("dir") == ("rtl" if language == "ar" else "ltr")
    assert page.locator(f"#message-{message_id}").count() == 1
    assert axe_violations(page) == []
    page.goto(f"{base}/{language}/operator/messages/{message_id}")
    assert page.locator("#replay-button").is_visible()
    assert axe_violations(page) == []
    page.screenshot(path=artifacts / f"operator-message-{language}.png", full_page=True)
    page.goto(f"{base}/{language}/operator/experts")
    assert page.locator(f"#why-{WAITING}-{EXPERT}").count() == 1 and page.locator(f"#expert-{EXPERT}").count() == 1
    assert axe_violations(page) == []
    page.screenshot(path=artifacts / f"operator-experts-{language}.png", full_page=True)
    assert seen["csp"] == [] and seen["foreign"] == []
