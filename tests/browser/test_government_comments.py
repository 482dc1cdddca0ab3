"""The government's comments on the draft findings in Chromium, end to end: accounts, intake, review and the
pages behind the gateway (one origin, as in production), on the real broker and database.

A self-assessment of Tunisia (whose registry entry has the time zone Africa/Tunis) is submitted to intake;
review assigns it, the expert rates and submits it, the IEP approves it: the case is in the government's
review, and intake's dashboard follows. In Arabic, the point of contact signs in, follows the dashboard's link
to the draft, reads the window's end in Tunis time (the zone named), has an empty and a too-long comment
refused next to their field in Arabic (the text kept, nothing stored), sends a valid one (stored: review's own
API shows it) and sees it listed. A cross-site post is refused; once review's window has closed the page shows
no form, and an old tab's post is told so in Arabic. Before the government's review the page says the draft
is not open yet, without a form, and the dashboard has no link to it. Another role and another member's point of contact get the
403 page; axe-core finds nothing on the page in ar, fr and en.
"""
import uuid
from datetime import timedelta

import eventlet
import pytest
import requests

from cli import operations
from devtools import sample
from devtools.ports import free_port
from services.accounts import documents as accounts_documents
from services.intake import documents as intake_documents
from services.intake.service import IntakeService
from services.review import documents as review_documents
from services.review.service import ReviewService
from services.web import comment_form, government_comment_form, i18n
from shared import sessions
from shared.clock import utcnow
from shared.irm import LANGUAGES
from tests.browser.conftest import (
    PASSWORD, activate, axe_violations, behind_the_gateway, empty_review, message, press_and_follow, text_of, watch,
)
from tests.integration.conftest import rate_and_submit
from tests.integration.test_review import Review

pytestmark = pytest.mark.browser
ZONE = "Africa/Tunis"
EXPERT = "exp-a"
COMMITMENTS = [c["commitment_id"] for c in sample.SELF_ASSESSMENT["commitments"]]


@pytest.fixture
def intake_url():
    return f"http://127.0.0.1:{free_port()}"


@pytest.fixture
def web_config(web_config, gateway_port, accounts_url, intake_url, review_url):
    return {**web_config, "ACCOUNTS_URL": accounts_url, "INTAKE_URL": intake_url, "REVIEW_URL": review_url,
            "PUBLIC_BASE_URL": f"http://127.0.0.1:{gateway_port}"}


def waited(condition, what):
    for _ in range(400):
        if condition():
            return
        eventlet.sleep(0.05)
    raise AssertionError(f"never happened: {what}")


@pytest.fixture
def services(container_factory, db, amqp_uri, web, gateway_port, accounts_url, intake_url, review_url):
    """(the gateway's base URL, review's API), every service's state of an earlier test gone."""
    empty_review(amqp_uri)
    accounts_documents.Person.objects(expert_id=EXPERT).delete()  # one account per registry entry: each test's own
    for document in (intake_documents.SelfAssessment, intake_documents.SelfAssessmentDraft):
        document.objects(member_code="TN").delete()
    operations.add_member("TN", "national", sample.MEMBER["names"], time_zone=ZONE)
    operations.add_member("MA", "national", {"fr": "Maroc", "ar": "المغرب"})
    operations.add_expert(EXPERT, "A", ["ar", "fr"], [], capacity=50)
    with behind_the_gateway(container_factory, web, gateway_port, accounts_url, amqp_uri, db,
                            (("intake", IntakeService, intake_url), ("review", ReviewService, review_url))) as base:
        yield base, Review(review_url, amqp_uri)


@pytest.fixture
def site(services):
    """(the gateway's base URL, review's API, the case in the government's review)."""
    base, review = services
    return base, review, in_government_review(base, review)


def submitted(base, review):
    """The sample self-assessment submitted to intake; its case accepted by the expert: in review."""
    poc = operations.issue_token("poc", "poc-tn-api", "TN")
    created = requests.post(f"{base}/api/v1/self-assessments", json=sample.SELF_ASSESSMENT, timeout=15,
                            headers={"Authorization": f"Bearer {poc}", "Idempotency-Key": uuid.uuid4().hex})
    assert created.status_code == 201, created.text
    case_id = created.json()["case_id"]
    waited(lambda: (c := review_documents.Case.objects(case_id=case_id).first()) and c.status == "assigned", "assigned")
    expert = operations.issue_token("expert", EXPERT)
    path = f"/api/v1/cases/{case_id}"
    assert review.call("POST", f"{path}/accept", expert).status_code == 200
    waited(lambda: intake_documents.SelfAssessment.objects(case_id=case_id).first().case_status == "in_review",
           "intake follows the stage")
    return case_id


def in_government_review(base, review):
    """The sample self-assessment taken by review's own API to the government's review."""
    case_id = submitted(base, review)
    expert = operations.issue_token("expert", EXPERT)
    path = f"/api/v1/cases/{case_id}"
    rate_and_submit(review, case_id, expert)
    approved = review.call("POST", f"{path}/quality-decision", operations.issue_token("quality_reviewer", "iep-1"), {"decision": "approve"})
    assert approved.status_code == 200, approved.text
    waited(lambda: intake_documents.SelfAssessment.objects(case_id=case_id).first().case_status == "government_review",
           "intake follows the stage")
    return case_id


def sign_in(page, email):
    page.fill("#s-email", email)
    page.fill("#s-password", PASSWORD)
    press_and_follow(page, page.locator("#sign-in-button"))


def government_draft(review, case_id):
    answer = review.call("GET", f"/api/v1/cases/{case_id}/draft", operations.issue_token("poc", "poc-tn-check", "TN"))
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_a_point_of_contact_comments_on_the_draft_in_arabic_within_the_window(site, context_factory, artifacts):
    base, review, case_id = site
    email = "poc-comments-ar@example.org"
    page = context_factory("ar")
    seen = watch(page)
    activate(base, page, email, "ar", member_code="TN")
    draft_path = f"/ar/government/cases/{case_id}/draft"

    # Signed out: the draft sends them to sign in, and sign-in brings them back.
    page.goto(f"{base}{draft_path}")
    assert page.url == f"{base}/ar/sign-in?next={draft_path}"
    sign_in(page, email)
    assert page.url == f"{base}{draft_path}"

    # The dashboard links to the draft while the case is in the government's review.
    page.goto(f"{base}/ar/government")
    link = page.locator("#plan-5 .plan-draft-link")
    assert link.get_attribute("href") == draft_path
    page.goto(f"{base}{link.get_attribute('href')}")
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert page.request.get(f"{base}{draft_path}").headers["cache-control"] == "no-store"

    # The window's end in Tunis time, the zone named.
    until = government_draft(review, case_id)["government_review_until"]
    assert page.locator("#window-until time").get_attribute("datetime") == until
    assert text_of(page, "#window-until") == i18n.moment_in(i18n.from_iso(until), "ar", ZONE)
    assert text_of(page, "#time-zone-note") == message("ar", "Times are in your member's time zone (%(zone)s).", zone=ZONE)
    assert page.locator("#window-notice").get_attribute("data-window") == "open"
    # Each commitment with its draft ratings, and a form; one for the draft as a whole.
    assert page.locator("article.commitment").count() == len(COMMITMENTS)
    assert page.locator("#commitment-c1 .indicators").count() == 1
    assert page.locator("form.government-comment-form").count() == len(COMMITMENTS) + 1
    page.screenshot(path=artifacts / "government-draft-ar.png", full_page=True)

    # An empty comment: refused next to its field, in Arabic; nothing stored.
    answer = press_and_follow(page, page.locator("#gc-c1-send"))
    assert answer.status == 422
    expected = message("ar", comment_form.text_error("", {})["message"])
    assert text_of(page, "#gc-c1-text-error") == expected and expected != comment_form.text_error("", {})["message"]
    assert page.locator("#gc-c1-text").get_attribute("aria-invalid") == "true"
    assert "gc-c1-text-error" in page.locator("#gc-c1-text").get_attribute("aria-describedby")

    # A too-long one: refused next to its field, in Arabic, with the limit and its length; the text kept.
    limit = government_draft(review, case_id)["comment_max_characters"]
    too_long = "ب" * (limit + 1)
    page.fill("#gc-c2-text", too_long)
    answer = press_and_follow(page, page.locator("#gc-c2-send"))
    assert answer.status == 422
    assert text_of(page, "#gc-c2-text-error") == message(
        "ar", "Your comment is too long: at most %(max)s characters, and it has %(count)s.",
        max=i18n.number(limit, "ar"), count=i18n.number(limit + 1, "ar"))
    assert page.locator("#gc-c2-text").input_value() == too_long
    assert page.locator("#gc-c1-text-error").count() == 0  # the other forms: blank, no message
    assert axe_violations(page) == []
    page.screenshot(path=artifacts / "government-draft-refused-ar.png", full_page=True)
    assert government_draft(review, case_id)["government_comments"] == []

    # A valid one: recorded, listed under its commitment, and kept by review as written.
    words = "رقم 2025 في مبرّر الاكتمال غير صحيح: نُشرت البيانات الشهرية منذ مارس."
    page.fill("#gc-c1-text", words)
    answer = press_and_follow(page, page.locator("#gc-c1-send"))
    assert answer.status == 303
    assert page.url == f"{base}{draft_path}?recorded=c1#comments-c1"
    assert text_of(page, "#recorded") == message(
        "ar", "Your comment was recorded. The IRM expert answers it before the draft is opened to public comment.")
    assert words in text_of(page, "#comments-c1")
    assert message("ar", "The IRM expert has not answered yet.") in text_of(page, "#comments-c1")
    stored = government_draft(review, case_id)["government_comments"]
    assert [(c["commitment_id"], c["text"]) for c in stored] == [(COMMITMENTS[0], {"ar": words})]

    # The expert's answer is shown beside it.
    answered = review.call("POST", f"/api/v1/cases/{case_id}/government-comments/{stored[0]['comment_id']}/response",
                           operations.issue_token("expert", EXPERT), {"text": {"ar": "شكرًا، صُحّح الرقم."}})
    assert answered.status_code == 200, answered.text
    page.reload()
    assert "شكرًا، صُحّح الرقم." in text_of(page, "#comments-c1 .comment-answer")

    # A cross-site post with the session: refused, nothing stored.
    token = page.locator("#gc-general input[name=csrf_token]").get_attribute("value")
    session_id = {c["name"]: c["value"] for c in page.context.cookies()}[sessions.COOKIE_NAME]
    cookie = {"Cookie": f"{sessions.COOKIE_NAME}={session_id}"}
    form = {"csrf_token": token, "commitment": "", "text": "مزوّر"}
    forged = requests.post(f"{base}{draft_path}/comments", data=form, timeout=15, allow_redirects=False,
                           headers={"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example", **cookie})
    assert forged.status_code == 403 and 'data-reason="forged"' in forged.text
    wrong = requests.post(f"{base}{draft_path}/comments", data={**form, "csrf_token": "not-the-token"}, timeout=15,
                          allow_redirects=False, headers=cookie)
    assert wrong.status_code == 403
    assert len(government_draft(review, case_id)["government_comments"]) == 1

    # Review's window closes: the page shows no form, and says so; an old tab's post is told so, in Arabic.
    review_documents.Case.objects(case_id=case_id).update(set__government_review_until=utcnow() - timedelta(seconds=1))
    page.reload()
    assert page.locator("#window-notice").get_attribute("data-window") == "closed"
    assert page.locator("form.government-comment-form").count() == 0
    assert words in text_of(page, "#comments-c1")
    assert axe_violations(page) == []
    page.screenshot(path=artifacts / "government-draft-closed-ar.png", full_page=True)
    late = requests.post(f"{base}{draft_path}/comments", data={**form, "text": "متأخر"}, timeout=15, allow_redirects=False,
                         headers=cookie)
    assert late.status_code == 409
    assert message("ar", government_comment_form.MESSAGES["closed"]) in late.text.replace("&#39;", "'")
    assert len(government_draft(review, case_id)["government_comments"]) == 1
    assert seen["csp"] == [] and seen["foreign"] == []


def test_another_role_and_another_member_s_point_of_contact_are_refused(site, context_factory):
    base, _, case_id = site
    draft_path = f"/fr/government/cases/{case_id}/draft"
    page = context_factory("fr")
    activate(base, page, "poc-ma-comments@example.org", "fr", member_code="MA")
    page.goto(f"{base}/fr/sign-in?next={draft_path}")
    sign_in(page, "poc-ma-comments@example.org")
    assert page.request.get(f"{base}{draft_path}").status == 403
    page.goto(f"{base}{draft_path}")
    assert page.locator("#refusal-reason").get_attribute("data-reason") == "not_your_member"
    assert page.locator("form.government-comment-form").count() == 0

    other = context_factory("fr")
    activate(base, other, "expert-comments@example.org", "fr", "expert", expert_id=EXPERT)
    other.goto(f"{base}/fr/sign-in?next={draft_path}")
    sign_in(other, "expert-comments@example.org")
    assert other.request.get(f"{base}{draft_path}").status == 403
    other.goto(f"{base}{draft_path}")
    assert other.locator("#refusal-reason").get_attribute("data-reason") == "not_a_point_of_contact"


def test_before_the_government_s_review_the_page_says_the_draft_is_not_open_yet(services, context_factory):
    base, review = services
    case_id = submitted(base, review)
    email = "poc-comments-early@example.org"
    page = context_factory("ar")
    activate(base, page, email, "ar", member_code="TN")
    draft_path = f"/ar/government/cases/{case_id}/draft"
    page.goto(f"{base}/ar/sign-in?next={draft_path}")
    sign_in(page, email)
    assert page.url == f"{base}{draft_path}"
    assert page.locator("#window-notice").get_attribute("data-window") == "not_open"
    assert page.locator("#case-stage").get_attribute("data-status") == "in_review"
    assert page.locator("form.government-comment-form").count() == 0
    page.goto(f"{base}/ar/government")
    assert page.locator("#plan-5 .plan-draft-link").count() == 0  # the dashboard links to it only in government review
    page.goto(f"{base}{draft_path}")
    assert axe_violations(page) == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_draft_page_is_accessible_in_each_language(site, context_factory, artifacts, language):
    base, _, case_id = site
    email = f"poc-comments-axe-{language}@example.org"
    page = context_factory(language)
    seen = watch(page)
    activate(base, page, email, language, member_code="TN")
    draft_path = f"/{language}/government/cases/{case_id}/draft"
    page.goto(f"{base}/{language}/sign-in?next={draft_path}")
    sign_in(page, email)
    assert page.url == f"{base}{draft_path}"
    assert page.locator("html").get_attribute("lang") == language
    assert page.locator("form.government-comment-form").count() == len(COMMITMENTS) + 1
    assert ZONE in text_of(page, "#time-zone-note")
    assert axe_violations(page) == []
    page.screenshot(path=artifacts / f"government-draft-{language}.png", full_page=True)
    assert seen["csp"] == []
