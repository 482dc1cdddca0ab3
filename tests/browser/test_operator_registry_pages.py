"""The operator's members and corrections pages in Chromium, end to end: accounts and intake (whose API owns the
registry's members) and the pages behind the gateway (one origin, as in production), on the real broker and
database.

The registry holds Tunisia (named in ar, fr and en, a region and a time zone) and a local member with script and
markup in its names. The findings are published and one withdrawn through publication's own handlers (the
withdrawal's reason holds script and markup: tests/browser/findings.py), and a published report is reopened for
correction (its audit entry as review's handlers.correct records it). An admin, invited and enrolled with a second
factor, signs in and finds the members listed with their names, region and time zone, and the withdrawal and the
correction listed newest first with who, when and why, linked to the finding and the case's timeline. Another role
gets a 403 page; axe-core finds nothing on either page in ar, fr and en.
"""
from datetime import timedelta

import mongoengine
import pytest

from cli import operations
from devtools import sample
from devtools.ports import free_port
from services.intake.service import IntakeService
from services.web import registry_views
from shared.clock import utcnow
from shared.irm import LANGUAGES
from shared.persistence.documents import Member
from shared.persistence.unit_of_work import run_in_transaction
from tests.browser import findings
from tests.browser.conftest import (PASSWORD, activate, axe_violations, behind_the_gateway, code_for, empty_review,
                                    message, press_and_follow, text_of, watch)

pytestmark = pytest.mark.browser
CORRECTION = "The completion rating of TN0502 misread the budget portal's evidence."


@pytest.fixture
def intake_url():
    return f"http://127.0.0.1:{free_port()}"


@pytest.fixture
def web_config(web_config, gateway_port, accounts_url, intake_url):
    return {**web_config, "ACCOUNTS_URL": accounts_url, "INTAKE_URL": intake_url,
            "PUBLIC_BASE_URL": f"http://127.0.0.1:{gateway_port}"}


def reopen_for_correction(case_id, reason):
    """Review's audit entry of POST /api/v1/cases/{id}/correct, as services/review/handlers.py: correct records it."""
    run_in_transaction(mongoengine.connection.get_connection(), "review", lambda uow: uow.record(
        case_id=case_id, action="review.correction_opened", actor={"role": "admin", "id": "admin-7"},
        reason=f"Correction: {reason}", data={"expert_id": "exp-amina"}, correlation_id=f"corr-{case_id}"))


@pytest.fixture
def site(container_factory, db, amqp_uri, web, gateway_port, accounts_url, intake_url):
    empty_review(amqp_uri)
    Member.objects.delete()
    operations.add_member("TN", "national", {**sample.MEMBER["names"], "en": "Tunisia"}, region="MENA", time_zone="Africa/Tunis")
    operations.add_member(findings.HOSTILE_MEMBER["code"], "local", findings.HOSTILE_MEMBER["names"])
    published = findings.seed()
    reopen_for_correction("case_web_tn", CORRECTION)
    with behind_the_gateway(container_factory, web, gateway_port, accounts_url, amqp_uri, db,
                            (("intake", IntakeService, intake_url),)) as base:
        yield base, published


def sign_in(page, email, secret):
    page.fill("#s-email", email)
    page.fill("#s-password", PASSWORD)
    page.fill("#s-code", code_for(secret))
    press_and_follow(page, page.locator("#sign-in-button"))


def test_an_admin_reads_the_members_and_the_corrections_with_their_reasons(site, context_factory, artifacts):
    base, published = site
    email = "operator.members@example.org"
    page = context_factory("fr")
    seen = watch(page)
    secret = activate(base, page, email, "fr", "admin")

    # Signed out: the members page sends them to sign in, and sign-in brings them back.
    page.goto(f"{base}/fr/operator/members")
    assert page.url == f"{base}/fr/sign-in?next=/fr/operator/members"
    sign_in(page, email, secret)
    assert page.url == f"{base}/fr/operator/members"
    assert page.locator("#operator-members-link").get_attribute("aria-current") == "page"
    assert text_of(page, "#member-TN .member-kind") == message("fr", "National")
    assert page.locator('#member-TN .member-names [lang="ar"]').inner_text() == sample.MEMBER["names"]["ar"]
    assert page.locator('#member-TN .member-names [lang="en"]').inner_text() == "Tunisia"
    assert (text_of(page, "#member-TN .member-region"), text_of(page, "#member-TN .member-time-zone")) == ("MENA", "Africa/Tunis")
    hostile = "#member-XS"
    assert text_of(page, f"{hostile} .member-kind") == message("fr", "Local")
    assert page.locator(f'{hostile} .member-names [lang="fr"]').inner_text() == findings.HOSTILE_MEMBER["names"]["fr"]
    assert page.locator("#injected").count() == 0 and page.title() != "owned"
    assert text_of(page, f"{hostile} .member-time-zone") == message("fr", "none: the pages say UTC")
    assert axe_violations(page) == []
    page.screenshot(path=artifacts / "operator-members-fr.png", full_page=True)

    # The corrections: the correction (newest) and the withdrawal, with who, when and why.
    assert page.locator("#operator-corrections-link").get_attribute("href") == "/fr/operator/corrections"
    page.goto(f"{base}/fr/operator/corrections")
    rows = page.locator("#corrections tbody tr")
    assert [rows.nth(i).get_attribute("data-kind") for i in range(rows.count())] == ["correction", "withdrawal"]
    correction, withdrawal = rows.nth(0), rows.nth(1)
    assert text_of(page, f"#{correction.get_attribute('id')} .correction-kind") == message("fr", registry_views.CORRECTION_NAMES["correction"])
    assert correction.locator(".correction-why").inner_text() == f"Correction: {CORRECTION}"
    assert text_of(page, f"#{correction.get_attribute('id')} .correction-who") == f"{message('fr', 'Administrator')} admin-7"
    assert correction.locator("time").get_attribute("datetime").endswith("Z")
    assert correction.locator(".timeline-link").get_attribute("href") == "/fr/cases/case_web_tn/timeline"
    assert withdrawal.locator(".correction-why").inner_text() == f"Withdrawn: Published in error {findings.SCRIPT} {findings.MARKUP}"
    assert text_of(page, f"#{withdrawal.get_attribute('id')} .correction-who") == f"{message('fr', 'IEP quality reviewer')} iep-rivera"
    assert withdrawal.locator(".finding-link").get_attribute("href") == f"/fr/findings/{published['hostile_withdrawn']}"
    assert withdrawal.locator(".supersedes-link").get_attribute("href") == f"/fr/findings/{published['hostile_corrected']}"
    assert page.locator("#injected").count() == 0 and page.title() != "owned"
    assert axe_violations(page) == []
    page.screenshot(path=artifacts / "operator-corrections-fr.png", full_page=True)

    # The links lead to the withdrawn finding and to the case's timeline.
    assert page.goto(base + withdrawal.locator(".finding-link").get_attribute("href")).status == 200
    assert page.goto(f"{base}/fr/cases/case_web_tn/timeline").status == 200
    assert seen["csp"] == [] and seen["foreign"] == []


def test_another_role_is_told_the_pages_are_for_operators(site, context_factory):
    base, _ = site
    page = context_factory("fr")
    activate(base, page, "poc.members@example.org", "fr", member_code="TN")
    page.goto(f"{base}/fr/sign-in?next=/fr/operator/members")
    page.fill("#s-email", "poc.members@example.org")
    page.fill("#s-password", PASSWORD)
    press_and_follow(page, page.locator("#sign-in-button"))
    assert page.request.get(f"{base}/fr/operator/members").status == 403
    page.goto(f"{base}/fr/operator/corrections")
    assert page.locator("#refusal-reason").get_attribute("data-reason") == "not_an_admin"
    assert text_of(page, "h1") == message("fr", "This page is for operators")
    assert page.request.get(f"{base}/fr/operator/corrections").status == 403
    assert page.locator("#operator-members-link").count() == 0


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_pages_are_accessible_in_each_language(site, context_factory, artifacts, language):
    base, _ = site
    email = f"operator-registry-{language}@example.org"
    page = context_factory(language)
    seen = watch(page)
    secret = activate(base, page, email, language, "admin")
    page.goto(f"{base}/{language}/sign-in?next=/{language}/operator/members")
    sign_in(page, email, secret)
    assert page.url == f"{base}/{language}/operator/members"
    assert page.locator("html").get_attribute("lang") == language
    assert page.locator("html").get_attribute("dir") == ("rtl" if language == "ar" else "ltr")
    assert page.locator("#member-TN").count() == 1 and page.locator("#member-XS").count() == 1
    assert axe_violations(page) == []
    page.screenshot(path=artifacts / f"operator-members-{language}.png", full_page=True)
    page.goto(f"{base}/{language}/operator/corrections")
    assert page.locator("#corrections tbody tr").count() == 2
    assert axe_violations(page) == []
    page.screenshot(path=artifacts / f"operator-corrections-{language}.png", full_page=True)
    assert seen["csp"] == [] and seen["foreign"] == []
