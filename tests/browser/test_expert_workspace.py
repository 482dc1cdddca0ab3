"""The IRM expert's case workspace in Chromium, end to end: accounts, review and the pages behind the
gateway (one origin, as in production), on the real broker and database.

An expert of the registry is invited with an account bound to their entry; a self-assessment is submitted
(intake's self_assessment.submitted event, on the broker) and review assigns it to them. In French: they
accept it in the inbox and open it from there; they rate a commitment with the keyboard alone (the
government's self-assessment beside the form, each value's meaning as help text); a not verifiable
commitment hides the other indicators; a save from an older tab meets the newer version, shows what
differs and keeps what was typed; what was typed survives the session's end; a submission with something
missing lists it; a complete one makes the draft read-only. Without JavaScript, review refuses a not
verifiable commitment with another indicator, next to that field. axe-core finds nothing in ar, fr and en.
"""
import eventlet
import pytest

from cli import operations
from devtools import sample
from services.accounts import documents as accounts_documents
from services.review import documents as review_documents
from services.review.service import ReviewService
from services.web import expert_workspace_forms as forms, expert_workspace_views as views
from shared.irm import LANGUAGES
from tests.browser.conftest import (
    PASSWORD, activate, axe_violations, behind_the_gateway, click_and_wait, empty_review, message, press_and_follow, text_of,
    watch,
)
from shared.contracts.events import SELF_ASSESSMENT_SUBMITTED, build_event
from tests.integration.test_review import Review, submitted_event

pytestmark = pytest.mark.browser
EXPERT = "exp-amal"
CASE = "case_workspace"
CO_CREATION = {"civil_society_participation": {"fr": "Douze associations ont pris part aux ateliers."},
               "forum_meetings": [{"date": "2024-03-14", "summary": {"ar": "الاجتماع الأول للمنتدى"}}],
               "standards": {"space_for_dialogue": {"met": True}, "reasoned_response": {"met": False}}}
ONE, TWO, THREE = (c["commitment_id"] for c in sample.SELF_ASSESSMENT["commitments"])


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
        review = Review(review_url, amqp_uri)
        event = submitted_event(CASE, correlation_id=f"corr-{CASE}")
        review.send(build_event(SELF_ASSESSMENT_SUBMITTED, {**event.payload, "co_creation": CO_CREATION},
                                correlation_id=event.correlation_id, actor=event.actor))
        for _ in range(200):
            if review_documents.Case.objects(case_id=CASE, status="assigned", expert_id=EXPERT).count() == 1:
                break
            eventlet.sleep(0.05)
        assert review_documents.Case.objects(case_id=CASE, status="assigned").count() == 1
        yield base, review


class EnterKey:
    """A form submitted from the keyboard: Enter on the focused button (press_and_follow presses it)."""

    def __init__(self, page):
        self.page = page

    def click(self, no_wait_after=True):
        self.page.keyboard.press("Enter")


def sign_in(page, email):
    page.fill("#s-email", email)
    page.fill("#s-password", PASSWORD)
    press_and_follow(page, page.locator("#sign-in-button"))


def state_of(review, case_id=CASE):
    answer = review.call("GET", f"/api/v1/cases/{case_id}", operations.issue_token("admin", "admin-1"))
    assert answer.status_code == 200, answer.text
    return answer.json()


def ratings_of(review, commitment_id):
    return next(c["ratings"] for c in state_of(review)["commitments"] if c["commitment_id"] == commitment_id)


def opened(base, page, email, language):
    """Signed in as the expert, the case accepted in the inbox and opened from its link."""
    activate(base, page, email, language, "expert", expert_id=EXPERT)
    page.goto(f"{base}/{language}/sign-in?next=/{language}/expert")
    sign_in(page, email)
    press_and_follow(page, page.locator(f"#accept-{CASE}"))
    page.goto(base + page.locator(f"#workspace-{CASE}").get_attribute("href"))
    assert page.url == f"{base}/{language}/expert/cases/{CASE}"


def tab_to(page, element_id, limit=400):
    """Tab (the keyboard alone) until `element_id` has the focus, and check the focus is visible there."""
    for _ in range(limit):
        if page.evaluate("document.activeElement && document.activeElement.id") == element_id:
            style = page.evaluate("(() => { const s = getComputedStyle(document.activeElement); return [s.outlineStyle, s.outlineWidth]; })()")
            assert style[0] != "none" and style[1] != "0px", (element_id, style)
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"{element_id} is never reached with Tab")


def type_into(page, element_id, text):
    tab_to(page, element_id)
    page.keyboard.press("Control+A")
    page.keyboard.type(text)


def choose(page, element_id):
    tab_to(page, element_id)
    page.keyboard.press("Space")


def rate_with_the_keyboard(page, commitment):
    """One commitment rated with the keyboard alone: Tab to each field, Space on a choice, typing, Enter on the
    button (verifiable; transparency only; substantial potential; substantial completion; major change)."""
    choose(page, f"c-{commitment}-verifiability-verifiable")
    type_into(page, f"c-{commitment}-verifiability-justification", "Les jalons sont mesurables.")
    choose(page, f"c-{commitment}-open_government_lens-transparency-yes")
    choose(page, f"c-{commitment}-open_government_lens-participation-yes")
    page.keyboard.press("ArrowDown")  # within a radio group, the arrows choose: participation, no
    choose(page, f"c-{commitment}-open_government_lens-accountability-yes")
    page.keyboard.press("ArrowDown")
    type_into(page, f"c-{commitment}-open_government_lens-justification", "Accès à l’information budgétaire.")
    choose(page, f"c-{commitment}-potential_for_results-unclear")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")  # substantial
    type_into(page, f"c-{commitment}-potential_for_results-justification", "Change la pratique de publication.")
    type_into(page, f"c-{commitment}-potential_for_results-evidence", "https://budget.example.tn/rapport")
    choose(page, f"c-{commitment}-completion-no_evidence_available")
    for _ in range(3):
        page.keyboard.press("ArrowDown")  # substantial
    type_into(page, f"c-{commitment}-completion-justification", "Un atelier tenu.")
    choose(page, f"c-{commitment}-did_it_open_government-worsened")
    for _ in range(3):
        page.keyboard.press("ArrowDown")  # major
    type_into(page, f"c-{commitment}-did_it_open_government-justification", "Les journalistes utilisent les données.")
    tab_to(page, f"c-{commitment}-save")
    press_and_follow(page, EnterKey(page))


def progress(page):
    return text_of(page, "#progress-text")


def test_an_expert_rates_a_case_in_french_meets_a_newer_version_and_submits(site, context_factory, artifacts):
    base, review = site
    email = "amal.workspace@example.org"
    page = context_factory("fr")
    seen = watch(page)
    opened(base, page, email, "fr")
    p = f"#c-{ONE}"

    # The government's self-assessment beside the form; each value's official meaning as help text, in French.
    assert "Le portail budgétaire publie désormais les données trimestrielles." in text_of(page, f"#commitment-{ONE} .self-assessment")
    assert page.locator(f"#commitment-{ONE} .sa-evidence a").get_attribute("href") == "https://budget.example.tn/portail"
    meaning = message("fr", views.MEANINGS["potential_for_results"]["substantial"])
    assert text_of(page, f"{p}-potential_for_results-substantial-meaning") == meaning != views.MEANINGS["potential_for_results"]["substantial"]
    assert page.locator(f"{p}-potential_for_results-substantial").get_attribute("aria-describedby") == \
        f"c-{ONE}-potential_for_results-substantial-meaning"
    assert text_of(page, f"{p}-open_government_lens > legend") == message("fr", "Open government lens")
    assert progress(page) == "Engagements notés : 0 sur 3"
    page.screenshot(path=artifacts / "expert-workspace-fr.png", full_page=True)

    # Commitment 1, with the keyboard alone: Tab to each field, Space on a choice, typing, Enter on the button.
    rate_with_the_keyboard(page, ONE)
    assert page.url.startswith(f"{base}/fr/expert/cases/{CASE}?done=saved&commitment={ONE}")
    assert text_of(page, "#status") == message("fr", "The ratings were saved.")
    saved = ratings_of(review, ONE)
    assert saved["open_government_lens"]["value"] == {"transparency": True, "participation": False, "accountability": False}
    assert (saved["potential_for_results"]["value"], saved["completion"]["value"], saved["did_it_open_government"]["value"]) == \
        ("substantial", "substantial", "major")
    assert saved["potential_for_results"]["evidence"] == ["https://budget.example.tn/rapport"]
    assert saved["completion"]["justification"] == {"fr": "Un atelier tenu."}
    assert progress(page) == "Engagements notés : 1 sur 3"

    # Not verifiable hides (and leaves unsent) every other indicator.
    q = f"#c-{THREE}"
    assert page.locator(f"{q}-completion-justification").is_visible()
    page.check(f"{q}-verifiability-not_verifiable")
    assert not page.locator(f"{q}-completion-justification").is_visible()
    page.fill(f"{q}-verifiability-justification", "Aucun jalon mesurable dans le plan.")
    press_and_follow(page, page.locator(f"{q}-save"))
    assert {name for name, rated in ratings_of(review, THREE).items() if rated} == {"verifiability"}
    assert progress(page) == "Engagements notés : 2 sur 3"

    # A second tab saves commitment 1 meanwhile; the first tab's save meets the newer version.
    mine = "Deux ateliers tenus en 2025, avec la société civile."
    page.fill(f"{p}-completion-justification", mine)
    other = page.context.new_page()
    other.goto(f"{base}/fr/expert/cases/{CASE}")
    other.fill(f"{p}-completion-justification", "Texte de l’autre onglet.")
    press_and_follow(other, other.locator(f"{p}-save"))
    assert ratings_of(review, ONE)["completion"]["justification"] == {"fr": "Texte de l’autre onglet."}
    answer = press_and_follow(page, page.locator(f"{p}-save"))
    assert answer.status == 409
    conflict = text_of(page, f"{p}-conflict")
    assert message("fr", "Another version was saved meanwhile") in conflict
    assert mine in text_of(page, f"{p}-conflict tr[data-indicator=completion] td.mine")
    assert "Texte de l’autre onglet." in text_of(page, f"{p}-conflict tr[data-indicator=completion] td.theirs")
    assert page.locator(f"{p}-conflict tr").count() == 2  # the header and the one indicator that differs
    assert page.locator(f"{p}-completion-justification").input_value() == mine  # nothing typed is lost
    assert axe_violations(page) == []
    page.screenshot(path=artifacts / "expert-workspace-conflict-fr.png", full_page=True)
    press_and_follow(page, page.locator(f"{p}-keep-mine"))
    assert page.url.startswith(f"{base}/fr/expert/cases/{CASE}?done=saved")
    assert ratings_of(review, ONE)["completion"]["justification"] == {"fr": mine}
    assert ratings_of(review, ONE)["potential_for_results"]["value"] == "substantial"  # the rest as it was

    # The session ends while typing: after a new sign-in, what was typed is back, with a notice.
    typed = "Les jalons sont vérifiables, à confirmer."
    r = f"#c-{TWO}"
    page.check(f"{r}-verifiability-verifiable")
    page.fill(f"{r}-verifiability-justification", typed)
    page.context.clear_cookies()
    press_and_follow(page, page.locator(f"{r}-save"))
    assert page.url.split("#")[0] == f"{base}/fr/sign-in?next=/fr/expert/cases/{CASE}"
    sign_in(page, email)
    assert page.url.split("#")[0] == f"{base}/fr/expert/cases/{CASE}"
    assert page.locator(f"{r}-verifiability-justification").input_value() == typed
    assert page.locator(f"{r}-verifiability-verifiable").is_checked()
    assert page.locator(f"#commitment-{TWO} [data-restored-notice]").is_visible()
    assert ratings_of(review, TWO) is None

    # Submitted with something missing: exactly what review says is missing, listed.
    press_and_follow(page, page.locator("#submit-draft"))
    listed = [" ".join(item.split()) for item in page.locator("#missing li").all_inner_texts()]
    assert listed == [f"Engagement n° 2 ({TWO}) : {message('fr', 'Verifiability')}"] + [
        message("fr", views.MISSING_PLAN["plan.co_creation"]), message("fr", views.MISSING_PLAN["plan.acted_contrary_to_process"])]
    assert state_of(review)["status"] == "in_review"

    # Complete: commitment 2, then the plan's assessment (the government's report beside it), then submitted: read-only.
    assert "Douze associations ont pris part aux ateliers." in text_of(page, "#co-creation-report")
    assert message("fr", "Not met, says the government") in text_of(page, "#co-creation-report")
    page.reload()
    page.check(f"{r}-verifiability-verifiable")
    page.fill(f"{r}-verifiability-justification", typed)
    page.check(f"{r}-open_government_lens-transparency-yes")
    page.check(f"{r}-open_government_lens-participation-yes")
    page.check(f"{r}-open_government_lens-accountability-no")
    for indicator, value in (("potential_for_results", "modest"), ("completion", "limited"), ("did_it_open_government", "marginal")):
        page.check(f"{r}-{indicator}-{value}")
        page.fill(f"{r}-{indicator}-justification", f"Justification : {value}.")
    page.fill(f"{r}-open_government_lens-justification", "مشاركة المجتمع المدني")
    press_and_follow(page, page.locator(f"{r}-save"))
    assert page.url.startswith(f"{base}/fr/expert/cases/{CASE}?done=saved&commitment={TWO}")
    assert not page.locator(f"#commitment-{TWO} [data-restored-notice]").is_visible()  # cleared once saved
    assert progress(page) == "Engagements notés : 3 sur 3"
    page.check("#plan-influence-involve")
    page.check("#plan-forum-yes")
    page.fill("#plan-co-creation-justification", "Le forum multi-acteurs s’est réuni tous les trois mois.")
    page.check("#plan-contrary-no")
    page.fill("#plan-contrary-justification", "Le plan a été co-créé dans les délais.")
    press_and_follow(page, page.locator("#plan-save"))
    assert text_of(page, "#status") == message("fr", "The plan's assessment was saved.")
    press_and_follow(page, page.locator("#submit-draft"))
    assert page.url == f"{base}/fr/expert/cases/{CASE}?done=submitted#status"
    assert state_of(review)["status"] == "quality_review"
    assert page.locator("form.rating-form, form.plan-form, form.submit-form").count() == 0
    assert text_of(page, "#read-only") == message("fr", "Submitted: this draft is read-only.")
    assert mine in text_of(page, f"#commitment-{ONE}")
    page.screenshot(path=artifacts / "expert-workspace-submitted-fr.png", full_page=True)
    assert seen["csp"] == [] and seen["foreign"] == []


def test_taking_the_other_version_shows_it_and_forgets_what_was_kept_in_the_tab(site, context_factory):
    base, review = site
    page = context_factory("fr")
    opened(base, page, "amal.theirs@example.org", "fr")
    p = f"#c-{ONE}"
    page.check(f"{p}-verifiability-verifiable")
    page.fill(f"{p}-verifiability-justification", "Ma version, que je vais abandonner.")
    other = page.context.new_page()
    other.goto(f"{base}/fr/expert/cases/{CASE}")
    other.check(f"{p}-verifiability-verifiable")
    other.fill(f"{p}-verifiability-justification", "La version de l’autre onglet.")
    press_and_follow(other, other.locator(f"{p}-save"))
    assert press_and_follow(page, page.locator(f"{p}-save")).status == 409
    click_and_wait(page, page.locator(f"{p}-take-theirs"), lambda: "done=took_theirs" in page.url and page.locator("#status").count())
    assert page.url == f"{base}/fr/expert/cases/{CASE}?done=took_theirs&commitment={ONE}#commitment-{ONE}"
    assert text_of(page, "#status") == message("fr", "You took the other version: it is shown below.")
    assert page.locator(f"{p}-verifiability-justification").input_value() == "La version de l’autre onglet."
    assert not page.locator(f"#commitment-{ONE} [data-restored-notice]").is_visible()
    page.reload()  # nothing of the dropped version comes back
    assert page.locator(f"{p}-verifiability-justification").input_value() == "La version de l’autre onglet."
    assert ratings_of(review, ONE)["verifiability"]["justification"] == {"fr": "La version de l’autre onglet."}


def test_without_javascript_review_refuses_a_not_verifiable_commitment_with_another_indicator(site, context_factory):
    base, review = site
    page = context_factory("fr", java_script_enabled=False)
    opened(base, page, "amal.nojs.ws@example.org", "fr")
    q = f"#c-{THREE}"
    assert page.locator(f"{q}-completion-justification").is_visible()  # without JS every field is shown
    page.check(f"{q}-verifiability-not_verifiable")
    page.fill(f"{q}-verifiability-justification", "Aucun jalon mesurable.")
    page.check(f"{q}-completion-limited")
    page.fill(f"{q}-completion-justification", "Un atelier.")
    answer = press_and_follow(page, page.locator(f"{q}-save"))
    assert answer.status == 422
    assert text_of(page, f"{q}-completion-error") == message("fr", forms.MESSAGES["not_verifiable"])
    assert page.locator(f"{q}-completion-justification").input_value() == "Un atelier."  # as typed
    assert ratings_of(review, THREE) is None


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_workspace_is_accessible_in_each_language(site, context_factory, artifacts, language):
    base, _ = site
    page = context_factory(language)
    seen = watch(page)
    opened(base, page, f"amal-ws-{language}@example.org", language)
    assert page.locator("html").get_attribute("lang") == language
    assert page.locator("section.commitment-work").count() == 4  # three commitments and the plan
    assert axe_violations(page) == []
    press_and_follow(page, page.locator("#submit-draft"))  # with what is missing listed
    assert page.locator("#missing li").count() > 0
    assert axe_violations(page) == []
    page.screenshot(path=artifacts / f"expert-workspace-{language}.png", full_page=True)
    assert seen["csp"] == [] and seen["foreign"] == []
