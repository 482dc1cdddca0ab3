"""The expert's page after the draft in Chromium, end to end: accounts, intake, review and the pages behind the
gateway, on the real broker and database (test_government_comments.py's site: a case in the government's review).

In French, the expert finds the case in the inbox and follows it to its comments: the government's two comments
(one on a commitment, one on the draft as a whole), each with an answer form. Opening public comment too early is
refused beside the button, in French; an empty answer is refused next to its field; both answers are recorded
(review's API shows them). Once the government's window has passed, the draft is opened to public comment; the
public's comment is listed; finalising before the period closes is refused; once it has closed, the findings
are finalised (review: approved). A cross-site post changes nothing; axe-core finds nothing in ar, fr and en.
"""
from datetime import timedelta

import pytest
import requests

from cli import operations
from services.review import documents as review_documents
from services.web import expert_comments_forms as forms
from shared.clock import utcnow
from shared.irm import LANGUAGES
from tests.browser.conftest import activate, axe_violations, message, press_and_follow, text_of, watch
from tests.browser.test_government_comments import (  # noqa: F401 -- fixtures, by name
    COMMITMENTS, EXPERT, intake_url, services, site, web_config,
)
from tests.browser.test_government_comments import sign_in

pytestmark = pytest.mark.browser


def government_comments(review, case_id):
    """The PoC's two comments, through review's API: one on the first commitment, one on the draft."""
    poc = operations.issue_token("poc", "poc-tn-api", "TN")
    for commitment_id, text in ((COMMITMENTS[0], "Le chiffre de 2025 est erroné."), (None, "Le calendrier est daté.")):
        sent = review.call("POST", f"/api/v1/cases/{case_id}/government-comments", poc,
                           {"commitment_id": commitment_id, "text": {"fr": text}})
        assert sent.status_code == 201, sent.text


def case_of(review, case_id):
    answer = review.call("GET", f"/api/v1/cases/{case_id}", operations.issue_token("admin", "admin-1"))
    assert answer.status_code == 200, answer.text
    return answer.json()


def moved_back(case_id, field):
    """The clock's stand-in: the window `field` ends now (review judges by it, as a day later)."""
    review_documents.Case.objects(case_id=case_id).update_one(**{f"set__{field}": utcnow() - timedelta(seconds=1)})


def signed_in_expert(base, context_factory, language, email):
    page = context_factory(language)
    seen = watch(page)
    activate(base, page, email, language, role="expert", expert_id=EXPERT)
    page.goto(f"{base}/{language}/sign-in?next=/{language}/expert")
    sign_in(page, email)
    return page, seen


def test_the_expert_answers_opens_public_comment_and_finalises_in_french(site, context_factory, artifacts):
    base, review, case_id = site
    government_comments(review, case_id)
    page, seen = signed_in_expert(base, context_factory, "fr", "expert-comments-fr@example.org")
    page.click(f"#comments-{case_id}")
    page.wait_for_selector("#comments-title")
    assert page.locator("#case-stage").get_attribute("data-status") == "government_review"
    forms_shown = page.locator("form.answer-form")
    assert forms_shown.count() == 2 and page.locator("#step").get_attribute("data-step") == "open_public_comment"

    # Too early (the window lasts, two comments unanswered): refused beside the button, in French.
    answer = press_and_follow(page, page.locator("#step-button"))
    assert answer.status == 409
    assert text_of(page, "#step-error") == message("fr", forms.MESSAGES["open_public_comment"])
    assert case_of(review, case_id)["status"] == "government_review"

    # An empty answer: refused next to its field; then both answered.
    first = page.locator("form.answer-form").first
    form_id = first.get_attribute("id")
    answer = press_and_follow(page, page.locator(f"#{form_id}-send"))
    assert answer.status == 422 and text_of(page, f"#{form_id}-error") == message("fr", forms.MESSAGES["empty"])
    assert page.locator(f"#{form_id}-text").get_attribute("aria-invalid") == "true"
    for text in ("Corrigé : le chiffre vient du rapport de 2025.", "Le calendrier est celui du plan publié."):
        form_id = page.locator("form.answer-form").first.get_attribute("id")
        page.fill(f"#{form_id}-text", text)
        press_and_follow(page, page.locator(f"#{form_id}-send"))
        assert text_of(page, "#status") == message("fr", forms.DONE["answered"])
    assert page.locator("form.answer-form").count() == 0
    answers = sorted(c["response"]["text"]["fr"] for c in case_of(review, case_id)["government_comments"])
    assert answers == ["Corrigé : le chiffre vient du rapport de 2025.", "Le calendrier est celui du plan publié."]
    page.screenshot(path=artifacts / "expert-comments-answered-fr.png", full_page=True)
    assert axe_violations(page) == []

    # The government's window over: open to public comment.
    moved_back(case_id, "government_review_until")
    press_and_follow(page, page.locator("#step-button"))
    assert text_of(page, "#status") == message("fr", forms.DONE["open_public_comment"])
    assert case_of(review, case_id)["status"] == "public_comment"
    assert page.locator("#step").get_attribute("data-step") == "finalise"

    # The public comments (anonymously, through the gateway as anyone would); the page lists it.
    public = requests.post(f"{base}/api/v1/cases/{case_id}/public-comments", timeout=15,
                           json={"text": {"fr": "Merci pour ce projet clair."}, "author": "Al Bawsala"})
    assert public.status_code == 201, public.text
    page.reload()
    assert "Merci pour ce projet clair." in text_of(page, "#public-comments") and "Al Bawsala" in text_of(page, "#public-comments")

    # Finalising before the period closes: refused; after: approved.
    answer = press_and_follow(page, page.locator("#step-button"))
    assert answer.status == 409 and text_of(page, "#step-error") == message("fr", forms.MESSAGES["finalise"])
    moved_back(case_id, "public_comment_closes_at")
    press_and_follow(page, page.locator("#step-button"))
    assert text_of(page, "#status") == message("fr", forms.DONE["finalise"])
    assert case_of(review, case_id)["status"] in ("approved", "published")
    assert page.locator("#step").count() == 0
    assert seen["csp"] == [] and seen["foreign"] == []


def test_a_cross_site_answer_is_refused_and_changes_nothing(site, context_factory):
    base, review, case_id = site
    government_comments(review, case_id)
    page, _ = signed_in_expert(base, context_factory, "fr", "expert-comments-forged@example.org")
    comment_id = case_of(review, case_id)["government_comments"][0]["comment_id"]
    forged = page.request.post(f"{base}/fr/expert/cases/{case_id}/comments/{comment_id}/answer",
                               form={"csrf_token": "x", "text": "forged"}, headers={"Sec-Fetch-Site": "cross-site"})
    assert forged.status == 403
    assert all(not c.get("response") for c in case_of(review, case_id)["government_comments"])


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_page_is_accessible_in_each_language(site, context_factory, artifacts, language):
    base, review, case_id = site
    government_comments(review, case_id)
    page, _ = signed_in_expert(base, context_factory, language, f"expert-comments-{language}@example.org")
    page.goto(f"{base}/{language}/expert/cases/{case_id}/comments")
    assert page.locator("html").get_attribute("dir") == ("rtl" if language == "ar" else "ltr")
    assert page.locator("form.answer-form").count() == 2
    page.screenshot(path=artifacts / f"expert-comments-{language}.png", full_page=True)
    assert axe_violations(page) == []
