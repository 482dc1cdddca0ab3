"""The IRM expert's inbox in Chromium, end to end: accounts, review and the pages behind the gateway
(one origin, as in production), on the real broker and database.

An expert of the registry is invited with an account bound to their entry; two self-assessments are
submitted (intake's self_assessment.submitted event, on the broker) and review assigns both to them.
In French: signed out, the inbox sends them to sign in and back; it lists both cases with their
deadlines; they decline one for a conflict of interest (the affiliation refused next to its field, in
French, while empty) and accept the other; review's API shows each case's state. A cross-site post is
refused; another role gets a 403 page; axe-core finds nothing on the inbox in ar, fr and en.
"""
import eventlet
import pytest
import requests

from cli import operations
from devtools import sample
from services.accounts import documents as accounts_documents
from services.review import documents as review_documents
from services.review.service import ReviewService
from services.web import expert_forms, expert_views
from shared import sessions
from shared.irm import LANGUAGES
from tests.browser.conftest import activate, behind_the_gateway, empty_review, PASSWORD, axe_violations, invite, message, press_and_follow, text_of, watch
from tests.integration.test_review import Review, submitted_event

pytestmark = pytest.mark.browser
EXPERT = "exp-amal"
CASES = ("case_expert_one", "case_expert_two")


@pytest.fixture
def web_config(web_config, gateway_port, accounts_url, review_url):
    return {**web_config, "ACCOUNTS_URL": accounts_url, "REVIEW_URL": review_url,
            "PUBLIC_BASE_URL": f"http://127.0.0.1:{gateway_port}"}


@pytest.fixture
def site(container_factory, db, amqp_uri, web, gateway_port, accounts_url, review_url):
    empty_review(amqp_uri)
    accounts_documents.Person.objects(expert_id=EXPERT).delete()  # one account per registry entry: each test's own
    operations.add_member("TN", "national", sample.MEMBER["names"])
    operations.add_expert(EXPERT, "Amal B.", ["fr", "ar"], [], capacity=5)
    with behind_the_gateway(container_factory, web, gateway_port, accounts_url, amqp_uri, db,
                            (("review", ReviewService, review_url),)) as base:
        yield base, assigned(Review(review_url, amqp_uri))


def assigned(review):
    """Both cases, as intake publishes a submission: review assigns each to the one free expert."""
    for case_id in CASES:
        review.send(submitted_event(case_id, correlation_id=f"corr-{case_id}"))
    for _ in range(200):
        if review_documents.Case.objects(case_id__in=CASES, status="assigned", expert_id=EXPERT).count() == 2:
            break
        eventlet.sleep(0.05)
    assert review_documents.Case.objects(case_id__in=CASES, status="assigned").count() == 2
    return review


def sign_in(page, email):
    page.fill("#s-email", email)
    page.fill("#s-password", PASSWORD)
    press_and_follow(page, page.locator("#sign-in-button"))


def state_of(review, case_id):
    answer = review.call("GET", f"/api/v1/cases/{case_id}", operations.issue_token("admin", "admin-1"))
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_an_expert_declines_one_case_for_a_conflict_and_accepts_the_other_in_french(site, context_factory, artifacts):
    base, review = site
    email = "amal.expert@example.org"
    page = context_factory("fr")
    seen = watch(page)
    activate(base, page, email, "fr", "expert", expert_id=EXPERT)

    # Signed out: the inbox sends them to sign in, and sign-in brings them back.
    page.goto(f"{base}/fr/expert")
    assert page.url == f"{base}/fr/sign-in?next=/fr/expert"
    sign_in(page, email)
    assert page.url == f"{base}/fr/expert"
    assert page.request.get(f"{base}/fr/expert").headers["cache-control"] == "no-store"

    # Both cases, each with its member, stage and deadline (in UTC, days left).
    for case_id in CASES:
        section = f"#case-{case_id}"
        assert page.locator(section).get_attribute("data-status") == "assigned"
        assert "TN" in text_of(page, f"{section} .case-member")
        assert message("fr", expert_views.STAGE_NAMES["assigned"]) in text_of(page, f"{section} .case-stage")
        deadline = text_of(page, f"{section} .case-deadline")
        assert "TU" in deadline
        assert page.locator(f"{section} .case-deadline time").get_attribute("datetime").endswith("Z")
        assert "jours restants" in deadline
    assert page.locator("section.expert-case").count() == 2
    page.screenshot(path=artifacts / "expert-inbox-fr.png", full_page=True)

    # Declined for a conflict of interest without the affiliation: refused next to the field, in French.
    one, two = CASES
    p = f"#decline-{one}"
    assert not page.locator(f"{p}-affiliation").is_visible()  # shown once the conflict is ticked (without JS: always)
    page.fill(f"{p}-reason", "J’ai conseillé le ministère des Finances en 2024.")
    page.check(f"{p}-conflict")
    assert page.locator(f"{p}-affiliation").is_visible()
    press_and_follow(page, page.locator(f"#decline-{one}"))
    expected = message("fr", expert_forms.MESSAGES["affiliation"])
    assert text_of(page, f"{p}-affiliation-error") == expected and expected != expert_forms.MESSAGES["affiliation"]
    assert page.locator(f"{p}-affiliation").get_attribute("aria-invalid") == "true"
    assert page.locator(f"{p}-reason").input_value() == "J’ai conseillé le ministère des Finances en 2024."
    assert page.locator(f"{p}-conflict").is_checked()
    assert state_of(review, one)["status"] == "assigned"
    assert axe_violations(page) == []
    page.screenshot(path=artifacts / "expert-decline-refused-fr.png", full_page=True)

    page.fill(f"{p}-affiliation", "Ministère des Finances de Tunisie")
    press_and_follow(page, page.locator(f"#decline-{one}"))
    assert page.url == f"{base}/fr/expert?done=declined#status"
    assert text_of(page, "#status") == message("fr", "You declined the case. Review offers it to another expert.")
    assert page.locator(f"#case-{one}").count() == 0 and one in text_of(page, "#given-back")
    declined = state_of(review, one)
    assert declined["status"] in ("declined", "unassigned") and declined.get("expert_id") in (None, "")
    assert "TN" in review_documents.Expert.objects(expert_id=EXPERT).first().affiliations  # never offered TN again

    # The other, accepted: in review, with its draft's deadline.
    press_and_follow(page, page.locator(f"#accept-{two}"))
    assert page.url == f"{base}/fr/expert?done=accepted#status"
    assert page.locator(f"#case-{two}").get_attribute("data-status") == "in_review"
    assert state_of(review, two)["status"] == "in_review"
    assert page.locator(f"#accept-{two}").count() == 0
    page.screenshot(path=artifacts / "expert-accepted-fr.png", full_page=True)

    # Accepted again (an old tab): review's 409, said next to the case, in French.
    token = page.locator(f"#case-{two} input[name=csrf_token]").first.get_attribute("value")
    session_id = {c["name"]: c["value"] for c in page.context.cookies()}[sessions.COOKIE_NAME]
    cookie = {"Cookie": f"{sessions.COOKIE_NAME}={session_id}"}
    again = requests.post(f"{base}/fr/expert/cases/{two}/accept", data={"csrf_token": token}, headers=cookie,
                          timeout=15, allow_redirects=False)
    assert again.status_code == 409 and message("fr", expert_forms.MESSAGES["conflict"]).split(":")[0] in again.text

    # A cross-site post with the session, and one without the session's token: refused, nothing changed.
    forged = requests.post(f"{base}/fr/expert/cases/{two}/decline", data={"csrf_token": token, "reason": "Forgé."},
                           headers={"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example", **cookie},
                           timeout=15, allow_redirects=False)
    assert forged.status_code == 403 and 'data-reason="forged"' in forged.text
    wrong = requests.post(f"{base}/fr/expert/cases/{two}/decline", data={"csrf_token": "not-the-token", "reason": "Forgé."},
                          headers=cookie, timeout=15, allow_redirects=False)
    assert wrong.status_code == 403
    assert state_of(review, two)["status"] == "in_review"
    assert seen["csp"] == [] and seen["foreign"] == []


def test_without_javascript_both_decline_fields_are_shown_with_the_hint(site, context_factory):
    base, _ = site
    email = "amal.nojs@example.org"
    page = context_factory("fr", java_script_enabled=False)
    activate(base, page, email, "fr", "expert", expert_id=EXPERT)
    page.goto(f"{base}/fr/sign-in?next=/fr/expert")
    sign_in(page, email)
    p = f"#decline-{CASES[0]}"
    assert page.locator(f"{p}-conflict").is_visible() and page.locator(f"{p}-affiliation").is_visible()
    assert "conflit d’intérêts" in text_of(page, f"{p}-affiliation-hint")


def test_another_role_is_told_the_inbox_is_for_experts(site, context_factory):
    base, _ = site
    page = context_factory("fr")
    activate(base, page, "poc.tn@example.org", "fr", member_code="TN")
    page.goto(f"{base}/fr/sign-in?next=/fr/expert")
    sign_in(page, "poc.tn@example.org")
    answer = page.request.get(f"{base}/fr/expert")
    assert answer.status == 403
    page.goto(f"{base}/fr/expert")
    assert page.locator("#refusal-reason").get_attribute("data-reason") == "not_an_expert"
    assert text_of(page, "h1") == message("fr", "This page is for IRM experts")


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_inbox_is_accessible_in_each_language(site, context_factory, artifacts, language):
    base, _ = site
    email = f"amal-{language}@example.org"
    page = context_factory(language)
    seen = watch(page)
    activate(base, page, email, language, "expert", expert_id=EXPERT)
    page.goto(f"{base}/{language}/sign-in?next=/{language}/expert")
    sign_in(page, email)
    assert page.url == f"{base}/{language}/expert"
    assert page.locator("html").get_attribute("lang") == language
    assert page.locator("section.expert-case").count() == 2
    assert axe_violations(page) == []
    page.screenshot(path=artifacts / f"expert-inbox-{language}.png", full_page=True)
    assert seen["csp"] == [] and seen["foreign"] == []
