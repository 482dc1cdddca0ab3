"""The government point of contact's own pages in Chromium, end to end: accounts, intake and the pages
behind the gateway (one origin, as in production), on the real broker and database.

A point of contact is invited and sets a password; the plan's commitments are imported through intake's
API; signed out, the dashboard sends them to sign in and back; they fill the self-assessment in Arabic,
save a draft, sign out, sign in again in another browser and find the draft; a wrong link is refused next
to its field in Arabic; the submission, its button pressed twice, is one version in intake; the dashboard
shows its stage. A cross-site post is refused; axe-core finds nothing on each new page in ar, fr and en.
"""
import eventlet
import pytest
import requests

from cli import operations
from devtools.ports import free_port
from services.accounts import documents as accounts_documents
from services.intake import documents as intake_documents
from services.intake.service import IntakeService
from services.web import government_forms, government_views
from shared import sessions
from shared.irm import LANGUAGES
from tests.browser.conftest import activate, behind_the_gateway, PASSWORD, axe_violations, invite, message, press_and_follow, text_of, watch

pytestmark = pytest.mark.browser
PLAN = 5
CSV = ("Commitment Unique Identifier,Country/Locality,Action Plan Number,Commitment Number,Commitment Title,Full Text,"
       "Lead Institution,Supporting Institution(s)\n"
       "TN0501,TN,5,1,Publier les données budgétaires,Le portail publie les données.,Ministère des Finances,\n"
       "TN0502,TN,5,2,Ouvrir les marchés publics,Les contrats sont publiés.,Haute instance de la commande publique,\n")
FORM = f"/government/plans/{PLAN}/self-assessment"


@pytest.fixture
def intake_url():
    return f"http://127.0.0.1:{free_port()}"


@pytest.fixture
def web_config(web_config, gateway_port, accounts_url, intake_url):
    return {**web_config, "ACCOUNTS_URL": accounts_url, "INTAKE_URL": intake_url,
            "PUBLIC_BASE_URL": f"http://127.0.0.1:{gateway_port}"}


@pytest.fixture
def site(container_factory, db, amqp_uri, web, gateway_port, accounts_url, intake_url):
    operations.add_member("TN", "national", {"fr": "Tunisie", "ar": "تونس"})
    accounts_documents.SignInThrottle.objects.delete()
    intake_documents.ActionPlanCommitment.objects(member_code="TN").delete()  # the plan as this module imports it, alone
    for document in (intake_documents.SelfAssessment, intake_documents.SelfAssessmentDraft, intake_documents.IdempotencyKey):
        document.objects(**({"key__startswith": ""} if document is intake_documents.IdempotencyKey else {"member_code": "TN"})).delete()
    with behind_the_gateway(container_factory, web, gateway_port, accounts_url, amqp_uri, db,
                            (("intake", IntakeService, intake_url),)) as base:
        token = operations.issue_token("poc", "poc-tn-import", "TN")
        answer = requests.post(f"{base}/api/v1/action-plans/TN/{PLAN}/commitments", files={"file": ("plan.csv", CSV.encode(), "text/csv")},
                               headers={"Authorization": f"Bearer {token}"}, data={"language": "fr"}, timeout=15)
        assert answer.status_code == 200 and answer.json()["imported"] == 2, answer.text
        yield base


def poc_account(site, page, email, language):
    activate(site, page, email, language, member_code="TN")


def sign_in(page, email):
    page.fill("#s-email", email)
    page.fill("#s-password", PASSWORD)
    press_and_follow(page, page.locator("#sign-in-button"))


def versions():
    return intake_documents.SelfAssessment.objects(member_code="TN", plan_number=PLAN).count()


def test_a_point_of_contact_drafts_resumes_elsewhere_and_submits_once(site, context_factory, artifacts):
    email = "government-poc-ar@example.org"
    page = context_factory("ar")
    seen = watch(page)
    poc_account(site, page, email, "ar")

    # Signed out: the dashboard sends them to sign in, and sign-in brings them back.
    page.goto(f"{site}/ar/government")
    assert page.url == f"{site}/ar/sign-in?next=/ar/government"
    sign_in(page, email)
    assert page.url == f"{site}/ar/government"
    plan = page.locator(f"#plan-{PLAN}")
    assert plan.get_attribute("data-status") == ""
    assert text_of(page, f"#plan-{PLAN} .plan-next") == message("ar", government_views.NEXT_STEPS[None])
    assert text_of(page, "#time-zone-note") == message("ar", "Times are in UTC: the registry holds no time zone for your member.")
    assert page.request.get(f"{site}/ar/government").headers["cache-control"] == "no-store"

    # The form, prefilled with the imported commitments; a draft in Arabic, kept by intake.
    page.click(f"#plan-{PLAN} .plan-form-link")
    assert page.url == f"{site}/ar{FORM}"
    assert page.locator("#commitment-TN0501 legend").inner_text().count("Publier les données budgétaires") == 1
    page.fill("#sa-cycle", "2023-2025")
    page.select_option("#completion-TN0501", "substantial")
    page.fill("#narrative-TN0501", "تنشر البوابة بيانات الميزانية كل ثلاثة أشهر.")
    page.fill("#evidence-TN0501", "ليس رابطاً")
    page.select_option("#completion-TN0502", "limited")
    page.fill("#sa-co-creation", "اجتمع المنتدى متعدد الأطراف كل ثلاثة أشهر.")
    press_and_follow(page, page.locator("#save-draft"))
    assert page.url == f"{site}/ar{FORM}?saved=1#draft-saved" and page.locator("#draft-saved").is_visible()
    kept = intake_documents.SelfAssessmentDraft.objects(member_code="TN", plan_number=PLAN).first()
    assert kept.body["commitments"][0]["narrative"] == "تنشر البوابة بيانات الميزانية كل ثلاثة أشهر."
    page.screenshot(path=artifacts / "government-draft-saved-ar.png", full_page=True)
    page.goto(f"{site}/ar/account")
    press_and_follow(page, page.locator("#sign-out"))

    # Another browser (another device): the draft is there.
    other = context_factory("ar")
    other.goto(f"{site}/ar{FORM}")
    assert other.url == f"{site}/ar/sign-in?next=/ar{FORM}"
    sign_in(other, email)
    assert other.url == f"{site}/ar{FORM}"
    assert other.locator("#draft-resumed").is_visible()
    assert other.locator("#narrative-TN0501").input_value() == "تنشر البوابة بيانات الميزانية كل ثلاثة أشهر."
    assert other.locator("#completion-TN0502").input_value() == "limited"
    assert other.locator("#sa-cycle").input_value() == "2023-2025"

    # Submitted with a link that is none: refused next to its field, in Arabic; nothing stored.
    press_and_follow(other, other.locator("#submit-self-assessment"))
    expected = message("ar", government_forms.MESSAGES["evidence"])
    assert text_of(other, "#sa-evidence-TN0501-error") == expected and expected != government_forms.MESSAGES["evidence"]
    assert other.locator("#evidence-TN0501").get_attribute("aria-invalid") == "true"
    assert "sa-evidence-TN0501-error" in other.locator("#evidence-TN0501").get_attribute("aria-describedby")
    assert other.locator("#form-errors").is_visible() and versions() == 0
    # The page that answers the refused post still names who is signed in (not "Sign in").
    assert email in text_of(other, "#signed-in-as")
    other.screenshot(path=artifacts / "government-field-error-ar.png", full_page=True)
    assert axe_violations(other) == []

    # The button pressed twice, quickly: one submission, one version.
    other.fill("#evidence-TN0501", "https://budget.example.tn/portail")
    key = other.locator("input[name=idempotency_key]").get_attribute("value")
    fields = {i.get_attribute("name"): i.input_value() for i in other.locator("#self-assessment-form [name]").all()
              if i.get_attribute("name") != "action"}
    other.evaluate("""() => { const form = document.getElementById('self-assessment-form');
        const button = document.getElementById('submit-self-assessment');
        form.requestSubmit(button); form.requestSubmit(button); }""")
    for _ in range(400):
        other.wait_for_timeout(50)
        if "/ar/government?submitted=" in other.url and other.locator("#submitted").count():
            break
    assert other.locator("#submitted").is_visible(), other.url
    # and once more, the very same post (as a browser that sent it again would): the first answer, nothing new
    again = other.request.post(f"{site}/ar{FORM}", form={**fields, "action": "submit"}, max_redirects=0)
    assert again.status == 303 and again.headers["location"] == other.url.removeprefix(site)
    assert versions() == 1 and intake_documents.IdempotencyKey.objects(self_assessment_id__exists=True).count() == 1
    assert key in intake_documents.IdempotencyKey.objects.first().key
    stored = intake_documents.SelfAssessment.objects(member_code="TN", plan_number=PLAN).first()
    assert stored.commitments[0]["narrative"] == {"ar": "تنشر البوابة بيانات الميزانية كل ثلاثة أشهر."}
    assert stored.co_creation["civil_society_participation"] == {"ar": "اجتمع المنتدى متعدد الأطراف كل ثلاثة أشهر."}
    assert intake_documents.SelfAssessmentDraft.objects(member_code="TN").count() == 0  # done with

    # The dashboard: the plan at its case's stage.
    assert other.locator(f"#plan-{PLAN}").get_attribute("data-status") == "submitted"
    assert message("ar", government_views.STAGE_NAMES["submitted"]) in text_of(other, f"#plan-{PLAN} .plan-stage")
    other.screenshot(path=artifacts / "government-submitted-ar.png", full_page=True)

    # A cross-site post with the session: refused, nothing stored.
    session_id = {c["name"]: c["value"] for c in other.context.cookies()}[sessions.COOKIE_NAME]
    forged = requests.post(f"{site}/ar{FORM}", data={**fields, "action": "submit", "idempotency_key": "x" * 32},
                           headers={"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example",
                                    "Cookie": f"{sessions.COOKIE_NAME}={session_id}"}, timeout=15, allow_redirects=False)
    assert forged.status_code == 403 and 'data-reason="forged"' in forged.text
    wrong_token = requests.post(f"{site}/ar{FORM}", data={**fields, "action": "save", "csrf_token": "not-the-token"},
                                headers={"Cookie": f"{sessions.COOKIE_NAME}={session_id}"}, timeout=15, allow_redirects=False)
    assert wrong_token.status_code == 403
    assert versions() == 1 and intake_documents.SelfAssessmentDraft.objects(member_code="TN").count() == 0
    assert seen["csp"] == [] and seen["foreign"] == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_each_new_page_is_accessible_in_each_language(site, context_factory, artifacts, language):
    email = f"poc-a11y-{language}@example.org"
    page = context_factory(language)
    seen = watch(page)
    poc_account(site, page, email, language)
    page.goto(f"{site}/{language}/sign-in?next=/{language}/government")
    sign_in(page, email)
    assert page.url == f"{site}/{language}/government"
    assert page.locator("html").get_attribute("lang") == language
    assert page.locator("h1").count() == 1 and page.locator("main h2").count() >= 1
    assert axe_violations(page) == []
    page.screenshot(path=artifacts / f"government-{language}.png", full_page=True)
    page.goto(f"{site}/{language}{FORM}")
    assert axe_violations(page) == []
    page.fill("#sa-cycle", "1999")
    press_and_follow(page, page.locator("#submit-self-assessment"))
    assert text_of(page, "#sa-cycle-error") == message(language, government_forms.MESSAGES["cycle"])
    assert axe_violations(page) == []
    page.screenshot(path=artifacts / f"government-form-errors-{language}.png", full_page=True)
    assert seen["csp"] == [] and seen["foreign"] == []
