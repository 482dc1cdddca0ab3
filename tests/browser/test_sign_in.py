"""People's sign-in and account pages in Chromium, end to end: the accounts service (real broker,
real database) and the pages, behind the gateway as in production, so the session cookie, the
pages and the API share one origin.

An admin is invited through the API; in the browser they open the link, are refused a short
password next to the field in the page's language, set one, enrol the second factor from the
secret the page shows (the test computes the codes with accounts' own TOTP), sign in (a wrong
password gets the one generic refusal), create and revoke a token, and sign out everywhere.
Then: the sign-in page's refusals in Arabic and French, the "try later" message with its wait,
axe-core on every new page in every language, JavaScript off, and forged cross-site posts that
change nothing.
"""
import time

import eventlet
import pytest
import requests

from cli import operations
from services.accounts import documents as accounts_documents
from services.web import i18n
from shared import sessions
from shared.irm import LANGUAGES
from shared.persistence.documents import ApiToken, Person, Session
from tests.browser.conftest import (
    behind_the_gateway, 
    ADMIN_EMAIL as EMAIL, PASSWORD, axe_violations, code_for, invite, message, press_and_follow, text_of, watch,
)

pytestmark = pytest.mark.browser


@pytest.fixture
def web_config(web_config, gateway_port, accounts_url):
    """The pages posting to accounts, on the gateway's origin (the Origin a browser sends)."""
    return {**web_config, "ACCOUNTS_URL": accounts_url, "PUBLIC_BASE_URL": f"http://127.0.0.1:{gateway_port}"}


@pytest.fixture
def site(container_factory, db, amqp_uri, web, gateway_port, accounts_url):
    """The gateway's base URL, in front of accounts and the pages."""
    operations.add_member("TN", "national", {"fr": "Tunisie"})  # the member a poc is bound to
    # The in-process services share the process's database connection across the tests: the
    # client address's failed sign-ins of an earlier test would throttle this one's.
    accounts_documents.SignInThrottle.objects.delete()
    with behind_the_gateway(container_factory, web, gateway_port, accounts_url, amqp_uri, db) as base:
        yield base


def enrol(page, site, invitation, language="en", artifacts=None):
    """Open the link, set the password (a short one first), add the second factor: the TOTP secret shown."""
    page.goto(invitation["link"])
    assert page.url.startswith(f"{site}/{language}/accounts/invitation?token=")
    page.fill("#i-password", "too short")
    press_and_follow(page, page.locator("#set-password"))
    assert text_of(page, "#i-password-error") == message(language, "Choose a password of at least %(min)s characters.",
                                                          min=12)
    assert page.locator("#i-password").get_attribute("aria-invalid") == "true"
    page.fill("#i-password", PASSWORD)
    press_and_follow(page, page.locator("#set-password"))
    secret = page.locator("#totp-secret").inner_text().strip()
    svg = page.locator(".qr svg")
    assert svg.get_attribute("role") == "img" and svg.get_attribute("aria-label")
    assert "style" not in page.locator(".qr").inner_html()
    if artifacts:
        page.screenshot(path=artifacts / f"sign-in-totp-enrolment-{language}.png", full_page=True)
        assert axe_violations(page) == []
    page.fill("#t-code", "000000" if code_for(secret) != "000000" else "111111")
    press_and_follow(page, page.locator("#confirm-code"))
    assert text_of(page, "#t-code-error") == message(language, "The code is not right: type the code your app shows now.")
    assert page.locator("#totp-secret").inner_text().strip() == secret  # shown again to try once more
    page.fill("#t-code", code_for(secret, -30))  # the step before: the one now is left for signing in
    press_and_follow(page, page.locator("#confirm-code"))
    assert page.locator("#account-ready").is_visible()
    return secret


def test_an_admin_sets_up_the_account_signs_in_manages_tokens_and_signs_out_everywhere(site, context_factory, artifacts):
    invitation = invite(site)
    page = context_factory("en")
    seen = watch(page)
    secret = enrol(page, site, invitation, "en", artifacts)
    person = Person.objects(email=EMAIL).first()
    assert person.activated_at is not None and person.totp_secret == secret

    # A wrong password: the one refusal, which says nothing of which part was wrong.
    page.goto(f"{site}/en/sign-in")
    assert page.locator("#sign-in-link").get_attribute("aria-current") == "page"
    page.fill("#s-email", EMAIL)
    page.fill("#s-password", "not the password at all")
    page.fill("#s-code", code_for(secret))
    press_and_follow(page, page.locator("#sign-in-button"))
    assert text_of(page, "#sign-in-refusal") == message("en", "The e-mail address, password or code is not right.")
    assert page.locator("#s-email").input_value() == EMAIL and page.locator("#s-password").input_value() == ""
    page.screenshot(path=artifacts / "sign-in-refused-en.png", full_page=True)

    # The right password and code: the session cookie, and the account page.
    page.fill("#s-password", PASSWORD)
    page.fill("#s-code", code_for(secret))
    press_and_follow(page, page.locator("#sign-in-button"))
    assert page.url == f"{site}/en/account"
    cookies = {c["name"]: c for c in page.context.cookies()}
    session = cookies[sessions.COOKIE_NAME]
    assert session["httpOnly"] and session["secure"] and session["sameSite"] == "Lax" and session["path"] == "/"
    assert text_of(page, "#account-email") == EMAIL and page.locator("#account-role").get_attribute("data-role") == "admin"
    assert text_of(page, "#account-totp") == "On"
    assert EMAIL in text_of(page, "#signed-in-as") and page.locator("#account-link").is_visible()
    answer = page.request.get(f"{site}/en/account")
    assert answer.headers["cache-control"] == "no-store" and "etag" not in answer.headers
    # A public page names the person too, and is then theirs alone: never the cache's.
    page.goto(f"{site}/en/")
    assert EMAIL in text_of(page, "#signed-in-as")
    assert page.request.get(f"{site}/en/findings").headers["cache-control"] == "no-store"

    # A personal token: shown once, listed, revoked.
    page.goto(f"{site}/en/account")
    page.fill("#k-label", "nightly export")
    press_and_follow(page, page.locator("#create-token"))
    token = page.locator("#new-token").inner_text().strip()
    assert requests.get(f"{site}/api/v1/me", headers={"Authorization": f"Bearer {token}"}, timeout=10).status_code == 200
    assert page.locator("#tokens tbody tr").count() == 1
    page.screenshot(path=artifacts / "account-token-created-en.png", full_page=True)
    assert axe_violations(page) == []
    page.goto(f"{site}/en/account")
    assert page.locator("#new-token").count() == 0  # shown once: never again
    rows = page.locator("#tokens tbody tr")
    for _ in range(rows.count()):
        press_and_follow(page, page.locator("#tokens tbody tr button.revoke").first)
    assert page.locator("#no-tokens").is_visible()
    assert ApiToken.objects(person_id=person.person_id, revoked_at=None).count() == 0
    assert requests.get(f"{site}/api/v1/me", headers={"Authorization": f"Bearer {token}"}, timeout=10).status_code == 401

    # Sign out everywhere: this browser and another one signed in elsewhere.
    other = context_factory("en")
    other.goto(f"{site}/en/sign-in")
    other.fill("#s-email", EMAIL)
    other.fill("#s-password", PASSWORD)
    other.fill("#s-code", code_for(secret, 30))
    press_and_follow(other, other.locator("#sign-in-button"))
    assert other.url == f"{site}/en/account"
    press_and_follow(page, page.locator("#sign-out-everywhere"))
    assert page.url == f"{site}/en/sign-in?signed_out=1" and page.locator("#signed-out").is_visible()
    assert page.locator("#sign-in-link").is_visible()
    other.goto(f"{site}/en/account")
    assert other.url == f"{site}/en/sign-in"
    assert seen["csp"] == [] and seen["foreign"] == []


@pytest.mark.parametrize("language", ["ar", "fr"])
def test_the_sign_in_page_refuses_in_the_pages_language(site, context_factory, artifacts, language):
    invitation = invite(site, email=f"poc-{language}@example.org", role="poc", language=language, member_code="TN")
    page = context_factory(language)
    page.goto(invitation["link"])
    assert page.url.startswith(f"{site}/{language}/accounts/invitation")
    page.fill("#i-password", "short")
    press_and_follow(page, page.locator("#set-password"))
    expected = message(language, "Choose a password of at least %(min)s characters.", min=12)
    assert text_of(page, "#i-password-error") == expected and expected != "Choose a password of at least 12 characters."
    page.fill("#i-password", PASSWORD)
    press_and_follow(page, page.locator("#set-password"))
    assert page.locator("#account-ready").is_visible()  # a poc needs no second factor

    page.goto(f"{site}/{language}/sign-in")
    assert page.locator("html").get_attribute("dir") == ("rtl" if language == "ar" else "ltr")
    page.fill("#s-email", f"poc-{language}@example.org")
    page.fill("#s-password", "wrong wrong wrong wrong")
    press_and_follow(page, page.locator("#sign-in-button"))
    refused = message(language, "The e-mail address, password or code is not right.")
    assert text_of(page, "#sign-in-refusal") == refused and refused != "The e-mail address, password or code is not right."
    # An unknown address gets the very same words.
    page.fill("#s-email", "nobody@example.org")
    page.fill("#s-password", "wrong wrong wrong wrong")
    press_and_follow(page, page.locator("#sign-in-button"))
    assert text_of(page, "#sign-in-refusal") == refused
    page.screenshot(path=artifacts / f"sign-in-refused-{language}.png", full_page=True)
    assert axe_violations(page) == []

    # Failures past the free ones: "try again in ..." with the wait, in the page's language.
    failures = 2  # the browser's wrong password above, and this loop's until the wait has grown to 4 s
    while failures < 7:
        answer = requests.post(f"{site}/api/v1/sessions", json={"email": f"poc-{language}@example.org", "password": "x"},
                               timeout=15)
        if answer.status_code == 429:
            time.sleep(int(answer.headers["Retry-After"]) + 0.1)
            continue
        assert answer.status_code == 401
        failures += 1
    page.fill("#s-password", PASSWORD)
    page.fill("#s-email", f"poc-{language}@example.org")
    press_and_follow(page, page.locator("#sign-in-button"))
    shown = text_of(page, "#sign-in-refusal")
    template = message(language, "Too many failed sign-ins: try again in %(wait)s, or reset your password by e-mail.",
                       wait="\x00")
    before, after = template.split("\x00")
    assert shown.startswith(before) and shown.endswith(after) and shown != template, shown
    assert shown[len(before):len(shown) - len(after)] in {" ".join(i18n.duration(s, language).split()) for s in range(1, 61)}
    page.screenshot(path=artifacts / f"sign-in-try-later-{language}.png", full_page=True)


@pytest.mark.parametrize("language", LANGUAGES)
def test_each_new_page_is_accessible_in_each_language(site, context_factory, artifacts, language):
    invitation = invite(site, email=f"a11y-{language}@example.org", role="poc", language=language, member_code="TN")
    page = context_factory(language)
    seen = watch(page)
    for name, path in (("sign-in", f"/{language}/sign-in"), ("unusable-link", f"/{language}/accounts/invitation?token=x"),
                       ("invitation", f"/{language}/accounts/invitation?token={invitation['token']}")):
        page.goto(site + path)
        assert page.locator("html").get_attribute("lang") == language
        assert axe_violations(page) == [], name
        page.screenshot(path=artifacts / f"{name}-{language}.png", full_page=True)
    assert page.locator("#link-unusable").count() == 0
    page.fill("#i-password", PASSWORD)
    press_and_follow(page, page.locator("#set-password"))
    page.goto(f"{site}/{language}/sign-in")
    page.fill("#s-email", f"a11y-{language}@example.org")
    page.fill("#s-password", PASSWORD)
    press_and_follow(page, page.locator("#sign-in-button"))
    assert page.url == f"{site}/{language}/account"
    assert axe_violations(page) == []
    page.screenshot(path=artifacts / f"account-{language}.png", full_page=True)
    # The used link: one clear message.
    page.goto(invitation["link"])
    page.fill("#i-password", PASSWORD)
    press_and_follow(page, page.locator("#set-password"))
    assert text_of(page, "#link-unusable") == message(
        language, "This link no longer works: it was used, it expired, or it was replaced by a newer one. Ask for a new one.")
    assert seen["csp"] == [] and seen["foreign"] == []


def test_with_javascript_off_a_person_signs_in_and_out(site, context_factory):
    invitation = invite(site, email="nojs@example.org", role="poc", language="fr", member_code="TN")
    page = context_factory("fr", java_script_enabled=False)
    page.goto(invitation["link"])
    page.fill("#i-password", PASSWORD)
    press_and_follow(page, page.locator("#set-password"))
    page.click("#go-sign-in")
    page.fill("#s-email", "nojs@example.org")
    page.fill("#s-password", PASSWORD)
    press_and_follow(page, page.locator("#sign-in-button"))
    assert page.url == f"{site}/fr/account" and text_of(page, "#account-binding") == "TN"
    session_id = {c["name"]: c["value"] for c in page.context.cookies()}[sessions.COOKIE_NAME]
    assert Session.objects(digest=sessions.session_digest(session_id)).count() == 1
    press_and_follow(page, page.locator("#sign-out"))
    assert page.url == f"{site}/fr/sign-in?signed_out=1" and page.locator("#sign-in-link").is_visible()
    assert Session.objects(digest=sessions.session_digest(session_id)).count() == 0


def test_a_cross_site_post_is_refused_and_writes_nothing(site, context_factory):
    invitation = invite(site, email="forged@example.org", role="poc", language="en", member_code="TN")
    page = context_factory("en")
    page.goto(invitation["link"])
    form_token = page.locator("input[name=form_token]").get_attribute("value")
    nonce = {c["name"]: c["value"] for c in page.context.cookies()}["irm_form"]
    cookies = {"irm_form": nonce}
    before = accounts_documents.SecurityLogEntry.objects.count()
    forged = {"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"}
    answer = requests.post(f"{site}/en/accounts/invitation", cookies=cookies, headers=forged, timeout=15,
                           data={"token": invitation["token"], "password": PASSWORD, "form_token": form_token})
    assert answer.status_code == 403 and 'data-reason="forged"' in answer.text
    assert Person.objects(email="forged@example.org").first().password_hash is None
    # Same-site (another port of this host) is not this site either; and no token is no post.
    answer = requests.post(f"{site}/en/accounts/invitation", cookies=cookies, headers={"Sec-Fetch-Site": "same-site"},
                           data={"token": invitation["token"], "password": PASSWORD, "form_token": form_token}, timeout=15)
    assert answer.status_code == 403
    answer = requests.post(f"{site}/en/accounts/invitation", headers={"Sec-Fetch-Site": "same-origin"},
                           data={"token": invitation["token"], "password": PASSWORD}, timeout=15)
    assert answer.status_code == 403
    assert Person.objects(email="forged@example.org").first().password_hash is None

    # Signed in: a forged sign-out-everywhere and token creation change nothing.
    page.fill("#i-password", PASSWORD)
    press_and_follow(page, page.locator("#set-password"))
    page.goto(f"{site}/en/sign-in")
    page.fill("#s-email", "forged@example.org")
    page.fill("#s-password", PASSWORD)
    press_and_follow(page, page.locator("#sign-in-button"))
    session_id = {c["name"]: c["value"] for c in page.context.cookies()}[sessions.COOKIE_NAME]
    csrf = page.locator("#token-form input[name=csrf_token]").get_attribute("value")
    generation = Person.objects(email="forged@example.org").first().session_generation
    logged = accounts_documents.SecurityLogEntry.objects.count()
    for path, data in (("/en/account/sign-out-everywhere", {"csrf_token": csrf}),
                       ("/en/account/tokens", {"csrf_token": csrf, "label": "forged"})):
        # requests sends a Secure cookie over http only when told: the header, as a browser would send it
        answer = requests.post(site + path, headers={**forged, "Cookie": f"{sessions.COOKIE_NAME}={session_id}"},
                               data=data, timeout=15)
        assert answer.status_code == 403, path
        answer = requests.post(site + path, headers={"Cookie": f"{sessions.COOKIE_NAME}={session_id}"},
                               data={**data, "csrf_token": "not-the-token"}, timeout=15)
        assert answer.status_code == 403, path
    assert Person.objects(email="forged@example.org").first().session_generation == generation
    assert ApiToken.objects(label="forged").count() == 0
    assert accounts_documents.SecurityLogEntry.objects.count() == logged > before
    page.goto(f"{site}/en/account")
    assert page.url == f"{site}/en/account"  # still signed in


@pytest.mark.parametrize("language", ["ar", "fr"])
def test_a_poc_chooses_which_stage_notices_come_by_mail(site, context_factory, artifacts, language):
    """The account page's mail boxes: each of a poc's stage notices ticked until turned off, the choice
    saved through accounts' API (the mail service reads it when a stage's event comes), in the page's language."""
    email = f"mail-{language}@example.org"
    invitation = invite(site, email=email, role="poc", language=language, member_code="TN")
    page = context_factory(language)
    page.goto(invitation["link"])
    page.fill("#i-password", PASSWORD)
    press_and_follow(page, page.locator("#set-password"))
    page.goto(f"{site}/{language}/sign-in")
    page.fill("#s-email", email)
    page.fill("#s-password", PASSWORD)
    press_and_follow(page, page.locator("#sign-in-button"))
    assert page.url == f"{site}/{language}/account"
    boxes = page.locator("#mail-form input[type=checkbox]")
    kinds = [boxes.nth(i).get_attribute("id").removeprefix("m-") for i in range(boxes.count())]
    assert kinds == ["case_assigned", "government_review_opened", "public_comment_opened", "finding_published",
                     "correction_opened"]  # a poc's notices; the quality reviewers' queue is not theirs
    assert all(boxes.nth(i).is_checked() for i in range(boxes.count()))
    assert text_of(page, "#mail-form legend") == message(language, "Which of the case's stages you are told of by e-mail")
    page.uncheck("#m-finding_published")
    press_and_follow(page, page.locator("#save-mail"))
    assert page.url == f"{site}/{language}/account?mail_saved=1#mail-heading"
    assert text_of(page, "#mail-saved") == message(language, "Your mail choices are saved.")
    assert not page.locator("#m-finding_published").is_checked() and page.locator("#m-case_assigned").is_checked()
    assert Person.objects(email=email).first().mail_opt_out == ["finding_published"]
    assert axe_violations(page) == []
    page.screenshot(path=artifacts / f"account-mail-{language}.png", full_page=True)
    # Ticked again: every notice comes.
    page.check("#m-finding_published")
    press_and_follow(page, page.locator("#save-mail"))
    assert Person.objects(email=email).first().mail_opt_out == []
