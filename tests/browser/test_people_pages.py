"""The operator's people page in Chromium, end to end: accounts and the pages behind the gateway (one origin, as
in production), on the real broker and database.

An admin is invited through the API and sets up their account in the browser (a password, then the second
factor an admin needs). In French: signed out, the people page sends them to sign in and back; they invite a
point of contact of the registry's member TN, in French: a bad address is refused next to its field, in French,
with what they chose kept; then the invitation goes out (person.invited, for the mail service, in the outbox)
and the new person is listed as invited, also under the role filter; a locked sign-in is listed with its end and
lifted from the page (the security log says who did it). A cross-site post is refused; another
role gets a 403 page; axe-core finds nothing on the page in ar, fr and en.
"""
import pytest
import requests

from cli import operations
from services.accounts import documents as accounts_documents
from services.accounts.domain import signin
from services.web import people_forms, people_views
from shared import sessions
from shared.clock import utcnow
from shared.contracts.events import PERSON_INVITED
from shared.irm import LANGUAGES
from shared.persistence.documents import OutboxMessage
from tests.browser.conftest import (
    PASSWORD, activate, axe_violations, behind_the_gateway, code_for, delete_event_queues, invite, message,
    press_and_follow, signed_in_admin, text_of, watch,
)

pytestmark = pytest.mark.browser
EXPERT = "exp-people"
POC_EMAIL = "salma.poc@example.org"


@pytest.fixture
def web_config(web_config, gateway_port, accounts_url):
    return {**web_config, "ACCOUNTS_URL": accounts_url, "PUBLIC_BASE_URL": f"http://127.0.0.1:{gateway_port}"}


@pytest.fixture
def site(container_factory, db, amqp_uri, web, gateway_port, accounts_url):
    delete_event_queues(amqp_uri)
    accounts_documents.SignInThrottle.objects.delete()
    # The in-process services share the database across the tests: this module's people are its own.
    accounts_documents.Person.objects(email__endswith="@people.example.org").delete()
    accounts_documents.Person.objects(email=POC_EMAIL).delete()
    accounts_documents.Person.objects(expert_id=EXPERT).delete()  # one account per registry entry and role
    operations.add_member("TN", "national", {"fr": "Tunisie", "ar": "تونس", "en": "Tunisia"})
    operations.add_expert(EXPERT, "Nadia K.", ["fr", "ar"], [], capacity=3)
    with behind_the_gateway(container_factory, web, gateway_port, accounts_url, amqp_uri, db) as base:
        yield base


def test_an_admin_invites_a_point_of_contact_in_french(site, context_factory, artifacts):
    base = site
    page = context_factory("fr")
    seen = watch(page)
    signed_in_admin(base, page, "fr", "amina@people.example.org")
    assert page.request.get(f"{base}/fr/operator/people").headers["cache-control"] == "no-store"
    assert page.locator("#people-link").get_attribute("aria-current") == "page"
    assert page.locator("#people-list tr[data-email='amina@people.example.org']").get_attribute("data-state") == "active"

    # A bad address: refused by accounts, said next to the field in French, the rest of the form as chosen.
    page.fill("#p-email", "salma.poc at example")
    page.select_option("#p-role", "poc")
    page.select_option("#p-member_code", "TN")
    page.select_option("#p-language", "fr")
    refused = press_and_follow(page, page.locator("#invite-button"))
    assert refused.status == 422
    expected = message("fr", people_forms.MESSAGES["email"])
    assert text_of(page, "#p-email-error") == expected and expected != people_forms.MESSAGES["email"]
    assert page.locator("#p-email").get_attribute("aria-invalid") == "true"
    assert page.locator("#p-email").input_value() == "salma.poc at example"
    assert page.locator("#p-member_code").input_value() == "TN" and page.locator("#p-role").input_value() == "poc"
    assert accounts_documents.Person.objects(email=POC_EMAIL).count() == 0
    assert axe_violations(page) == []
    page.screenshot(path=artifacts / "people-invitation-refused-fr.png", full_page=True)

    # The right address: invited, the invitation mailed (person.invited goes out for the mail service).
    page.fill("#p-email", POC_EMAIL)
    answer = press_and_follow(page, page.locator("#invite-button"))
    assert answer.status == 303
    person = accounts_documents.Person.objects(email=POC_EMAIL).first()
    assert person.role == "poc" and person.member_code == "TN" and person.language == "fr" and person.activated_at is None
    assert page.url == f"{base}/fr/operator/people?done=invited&person={person.person_id}#status"
    assert text_of(page, "#status") == message(
        "fr", "The invitation was mailed to %(email)s. The person is listed below as invited until they set their password.",
        email=POC_EMAIL)
    row = f"#person-{person.person_id}"
    assert page.locator(row).get_attribute("data-state") == "invited"
    assert text_of(page, f"{row} .person-state") == message("fr", people_views.STATE_NAMES["invited"])
    assert "TN" in text_of(page, f"{row} .person-binding") and text_of(page, f"{row} .person-language") == "Français"
    assert page.locator(f"{row} .person-invited time").get_attribute("datetime").endswith("Z")
    invited = OutboxMessage.objects(event_type=PERSON_INVITED).order_by("-created_at").first()
    assert invited.message["payload"]["email"] == POC_EMAIL and invited.message["payload"]["language"] == "fr"
    page.screenshot(path=artifacts / "people-invited-fr.png", full_page=True)

    # The role filter: the points of contact alone.
    page.goto(f"{base}/fr/operator/people?role=poc")
    assert page.locator("#f-role").input_value() == "poc"
    listed = [page.locator("#people-list tbody tr").nth(i).get_attribute("data-email")
              for i in range(page.locator("#people-list tbody tr").count())]
    points_of_contact = {p.email for p in accounts_documents.Person.objects(role="poc")}  # earlier modules' too
    assert POC_EMAIL in listed and set(listed) <= points_of_contact and "admin@example.org" not in listed

    # A person whose sign-in is locked (ten failures just now): listed locked until an hour from now, and unlocked.
    locked = accounts_documents.Person.objects(email="amina@people.example.org").first()
    accounts_documents.SignInThrottle(key=signin.account_throttle_key(locked.email), failures=signin.ACCOUNT.lock_after,
                                      last_failure_at=utcnow()).save()
    page.goto(f"{base}/fr/operator/people")
    row = f"#person-{locked.person_id}"
    assert page.locator(row).get_attribute("data-state") == "locked"
    assert text_of(page, f"{row} .person-state").startswith(message("fr", people_views.STATE_NAMES["locked"]) + " · jusqu’au ")
    assert axe_violations(page) == []
    press_and_follow(page, page.locator(f"#unlock-{locked.person_id}"))
    assert page.url == f"{base}/fr/operator/people?done=unlocked#status"
    assert text_of(page, "#status") == message("fr", "The sign-in lock was lifted: the person may sign in again at once.")
    assert page.locator(row).get_attribute("data-state") == "active"
    entry = accounts_documents.SecurityLogEntry.objects(kind="unlocked", subject=locked.person_id).first()
    assert entry.actor["role"] == "admin"

    # A cross-site post with the admin's session, and one without the session's token: refused, nobody invited.
    session_id = {c["name"]: c["value"] for c in page.context.cookies()}[sessions.COOKIE_NAME]
    token = page.locator("#invite-form input[name=csrf_token]").get_attribute("value")
    cookie = {"Cookie": f"{sessions.COOKIE_NAME}={session_id}"}
    body = {"csrf_token": token, "email": "forged@people.example.org", "role": "admin", "language": "fr"}
    forged = requests.post(f"{base}/fr/operator/people", data=body, timeout=15, allow_redirects=False,
                           headers={"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example", **cookie})
    assert forged.status_code == 403 and 'data-reason="forged"' in forged.text
    wrong = requests.post(f"{base}/fr/operator/people", data={**body, "csrf_token": "not-the-token"}, headers=cookie,
                          timeout=15, allow_redirects=False)
    assert wrong.status_code == 403
    assert accounts_documents.Person.objects(email="forged@people.example.org").count() == 0
    assert seen["csp"] == [] and seen["foreign"] == []


def test_another_role_is_told_the_page_is_for_administrators(site, context_factory):
    base = site
    page = context_factory("fr")
    activate(base, page, "poc@people.example.org", "fr", member_code="TN")
    page.goto(f"{base}/fr/operator/people")
    assert page.url == f"{base}/fr/sign-in?next=/fr/operator/people"
    page.fill("#s-email", "poc@people.example.org")
    page.fill("#s-password", PASSWORD)
    press_and_follow(page, page.locator("#sign-in-button"))
    assert page.request.get(f"{base}/fr/operator/people").status == 403
    page.goto(f"{base}/fr/operator/people")
    assert page.locator("#refusal-reason").get_attribute("data-reason") == "not_an_admin"
    assert text_of(page, "h1") == message("fr", "This page is for operators")
    assert page.locator("#people-link").count() == 0


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_people_page_is_accessible_in_each_language(site, context_factory, artifacts, language):
    base = site
    page = context_factory(language)
    seen = watch(page)
    signed_in_admin(base, page, language, f"admin-{language}@people.example.org")
    assert page.locator("html").get_attribute("lang") == language
    page.select_option("#p-role", "expert")
    page.select_option("#p-expert_id", EXPERT)
    page.fill("#p-email", f"expert-{language}@people.example.org")
    press_and_follow(page, page.locator("#invite-button"))
    assert page.locator("#status").is_visible()
    assert page.locator("#people-list tbody tr").count() >= 2
    assert axe_violations(page) == []
    page.screenshot(path=artifacts / f"people-{language}.png", full_page=True)
    assert seen["csp"] == [] and seen["foreign"] == []
