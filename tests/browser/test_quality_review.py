"""The IEP quality reviewer's pages in Chromium, end to end: accounts, review and the pages behind the gateway
(one origin, as in production), on the real broker and database.

Two self-assessments are submitted (intake's self_assessment.submitted event, on the broker); review assigns
each to an expert of the registry, who rates and submits it (review's API): both drafts are in quality review.
The quality reviewer is a member of the International Experts Panel who is also the second case's researcher:
invited bound to that registry entry, with a second factor. In French: their queue lists the first draft with
its member, plan, expert, submission and days waiting, never their own; their own by URL is a 403 page (and
review refuses it: tests/integration/test_quality_review_own_work.py); a return without any comment is
refused next to the decision, in French; returned with a comment; resubmitted by the expert; approved.
A cross-site post is refused; another role gets a 403 page; axe-core finds nothing in ar, fr and en.
"""
import eventlet
import pytest
import requests

from cli import operations
from devtools import sample
from services.accounts import documents as accounts_documents
from services.review import documents as review_documents
from services.review.service import ReviewService
from services.web import quality_forms
from shared import sessions
from shared.irm import LANGUAGES
from tests.browser.conftest import (
    PASSWORD, activate, axe_violations, behind_the_gateway, empty_review, message, press_and_follow,
    quality_reviewer_signed_in, text_of, watch,
)
from tests.integration.test_quality_review_own_work import to_quality_review
from tests.integration.test_review import Review, submitted_event

pytestmark = pytest.mark.browser
EXPERTS = ("exp-omar", "exp-nadia")
OTHERS, OWN = "case_qr_others", "case_qr_own"


@pytest.fixture
def web_config(web_config, gateway_port, accounts_url, review_url):
    return {**web_config, "ACCOUNTS_URL": accounts_url, "REVIEW_URL": review_url,
            "PUBLIC_BASE_URL": f"http://127.0.0.1:{gateway_port}"}


@pytest.fixture
def site(container_factory, db, amqp_uri, web, gateway_port, accounts_url, review_url):
    empty_review(amqp_uri)
    accounts_documents.Person.objects(expert_id__in=EXPERTS).delete()  # one account per entry and role: each test's own
    operations.add_member("TN", "national", sample.MEMBER["names"])
    for expert_id in EXPERTS:
        operations.add_expert(expert_id, expert_id.title(), ["fr", "ar"], [], capacity=5)
    with behind_the_gateway(container_factory, web, gateway_port, accounts_url, amqp_uri, db,
                            (("review", ReviewService, review_url),)) as base:
        yield base, in_quality_review(Review(review_url, amqp_uri))


def in_quality_review(review):
    """Both cases, as intake publishes a submission, each assigned to an expert (the least loaded), rated and
    submitted by them over review's API: {case id: its expert}."""
    experts = {}
    for case_id in (OTHERS, OWN):
        review.send(submitted_event(case_id, correlation_id=f"corr-{case_id}"))
        for _ in range(200):
            if review_documents.Case.objects(case_id=case_id, status="assigned").count() == 1:
                break
            eventlet.sleep(0.05)
        experts[case_id] = review_documents.Case.objects(case_id=case_id).first().expert_id
        to_quality_review(review, case_id, operations.issue_token("expert", experts[case_id]))
    assert experts[OTHERS] != experts[OWN]
    review.experts = experts
    return review


def reviewer_signed_in(base, page, review, email, language):
    """The IEP member who wrote the OWN draft as its expert: a quality reviewer bound to that registry entry, signed in."""
    quality_reviewer_signed_in(base, page, email, language, expert_id=review.experts[OWN])


def state_of(review, case_id):
    answer = review.call("GET", f"/api/v1/cases/{case_id}", operations.issue_token("admin", "admin-1"))
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_a_reviewer_returns_a_draft_with_a_comment_then_approves_it_and_never_sees_their_own(site, context_factory, artifacts):
    base, review = site
    page = context_factory("fr")
    seen = watch(page)
    reviewer_signed_in(base, page, review, "nadia.iep@example.org", "fr")
    assert page.request.get(f"{base}/fr/quality-review").headers["cache-control"] == "no-store"
    assert page.locator("#quality-review-link").get_attribute("aria-current") == "page"

    # The queue: the other expert's draft, with its member, plan, expert, submission and days waiting; never their own.
    row = f"#queue-{OTHERS}"
    assert page.locator("#queue tbody tr").count() == 1 and page.locator(f"#queue-{OWN}").count() == 0
    assert text_of(page, f"{row} .queue-member") == "TN"
    assert text_of(page, f"{row} .queue-plan") == message("fr", "Plan %(number)s, %(cycle)s", number=5, cycle="2023-2025")
    assert text_of(page, f"{row} .queue-expert") == review.experts[OTHERS]
    assert page.locator(f"{row} .queue-submitted time").get_attribute("datetime").endswith("Z")
    assert "TU" in text_of(page, f"{row} .queue-submitted") and text_of(page, f"{row} .queue-days") == "0 jour"
    page.screenshot(path=artifacts / "quality-review-queue-fr.png", full_page=True)

    # Their own draft by URL: a 403 page that says why; review refused it too (the page asked it).
    own = page.request.get(f"{base}/fr/quality-review/cases/{OWN}")
    assert own.status == 403
    page.goto(f"{base}/fr/quality-review/cases/{OWN}")
    assert page.locator("#refusal-reason").get_attribute("data-reason") == "own_work"
    assert text_of(page, "h1") == message("fr", "You wrote this draft")

    # The draft, the self-assessment beside it per commitment.
    page.goto(f"{base}/fr/quality-review")
    page.click(f"#open-{OTHERS}")
    assert page.url == f"{base}/fr/quality-review/cases/{OTHERS}"
    first = "#commitment-TN0501"
    assert text_of(page, f"{first} .sa-completion") == message("fr", "Substantial")
    assert "Le portail budgétaire" in text_of(page, f"{first} .sa-narrative")
    assert message("fr", "Verifiable") in text_of(page, f"{first} .rating-verifiability")
    assert page.locator(".quality-commitment").count() == len(sample.SELF_ASSESSMENT["commitments"])

    # A return without any comment: refused next to the decision, in French; nothing changed.
    press_and_follow(page, page.locator("#return-button"))
    expected = message("fr", quality_forms.MESSAGES["comments"])
    assert text_of(page, "#q-comments-error") == expected and expected != quality_forms.MESSAGES["comments"]
    assert state_of(review, OTHERS)["status"] == "quality_review"
    assert axe_violations(page) == []
    page.screenshot(path=artifacts / "quality-review-return-refused-fr.png", full_page=True)

    # Returned with a comment on one commitment: confirmed, and with its expert again.
    comment = "Préciser la source des données du portail."
    page.fill("#q-comment-TN0502", comment)
    press_and_follow(page, page.locator("#return-button"))
    assert page.url == f"{base}/fr/quality-review?done=returned&case={OTHERS}#status"
    assert text_of(page, "#status") == message("fr", "You returned the draft of case %(case)s to its expert with your comments.",
                                               case=OTHERS)
    assert page.locator("#no-drafts").is_visible()
    returned = state_of(review, OTHERS)
    assert returned["status"] == "in_review"
    assert [(c["commitment_id"], c["text"]) for c in returned["quality_comments"]] == [("TN0502", {"fr": comment})]

    # The expert submits again: in the queue again; the earlier comment shown; approved.
    expert = operations.issue_token("expert", review.experts[OTHERS])
    assert review.call("POST", f"/api/v1/cases/{OTHERS}/submit", expert).status_code == 200
    page.goto(f"{base}/fr/quality-review")
    page.click(f"#open-{OTHERS}")
    assert comment in text_of(page, "#commitment-TN0502 .earlier-comments")
    token = page.locator("input[name=csrf_token]").get_attribute("value")
    press_and_follow(page, page.locator("#approve-button"))
    assert page.url == f"{base}/fr/quality-review?done=approved&case={OTHERS}#status"
    assert text_of(page, "#status") == message("fr", "You approved the draft of case %(case)s: it goes to the government's review.",
                                               case=OTHERS)
    assert state_of(review, OTHERS)["status"] == "government_review"
    assert state_of(review, OWN)["status"] == "quality_review"  # never theirs to decide

    # Their own draft by a post, and a cross-site post: refused, nothing changed.
    session_id = {c["name"]: c["value"] for c in page.context.cookies()}[sessions.COOKIE_NAME]
    cookie = {"Cookie": f"{sessions.COOKIE_NAME}={session_id}"}
    forged = requests.post(f"{base}/fr/quality-review/cases/{OWN}", data={"csrf_token": token, "decision": "approve"},
                           headers={"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example", **cookie},
                           timeout=15, allow_redirects=False)
    assert forged.status_code == 403
    by_post = requests.post(f"{base}/fr/quality-review/cases/{OWN}", data={"csrf_token": token, "decision": "approve"},
                            headers=cookie, timeout=15, allow_redirects=False)
    assert by_post.status_code == 403 and 'data-reason="own_work"' in by_post.text
    assert state_of(review, OWN)["status"] == "quality_review"
    assert seen["csp"] == [] and seen["foreign"] == []


def test_another_role_is_told_the_queue_is_for_the_panel(site, context_factory):
    base, _ = site
    page = context_factory("fr")
    activate(base, page, "poc.qr@example.org", "fr", member_code="TN")
    page.goto(f"{base}/fr/sign-in?next=/fr/quality-review")
    page.fill("#s-email", "poc.qr@example.org")
    page.fill("#s-password", PASSWORD)
    press_and_follow(page, page.locator("#sign-in-button"))
    assert page.request.get(f"{base}/fr/quality-review").status == 403
    page.goto(f"{base}/fr/quality-review")
    assert page.locator("#refusal-reason").get_attribute("data-reason") == "not_a_quality_reviewer"
    assert page.locator("#quality-review-link").count() == 0


def test_the_queue_and_the_draft_are_accessible_in_each_language(site, context_factory, artifacts):
    base, review = site
    page = context_factory("en")
    seen = watch(page)
    reviewer_signed_in(base, page, review, "nadia.axe@example.org", "en")
    for language in LANGUAGES:
        for rest in ("/quality-review", f"/quality-review/cases/{OTHERS}", f"/quality-review/cases/{OWN}"):
            page.goto(f"{base}/{language}{rest}")
            assert page.locator("html").get_attribute("lang") == language
            assert page.locator("html").get_attribute("dir") == ("rtl" if language == "ar" else "ltr")
            assert axe_violations(page) == [], (language, rest)
        page.goto(f"{base}/{language}/quality-review/cases/{OTHERS}")
        page.screenshot(path=artifacts / f"quality-review-case-{language}.png", full_page=True)
    assert seen["csp"] == [] and seen["foreign"] == []
