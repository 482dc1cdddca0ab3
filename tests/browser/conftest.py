"""The pages in headless Chromium (Debian's /usr/bin/chromium, driven by Playwright through
`executable_path`: Playwright cannot download its own browser here), against the web service
running in this process on the real database.

axe-core is injected with `page.evaluate` (the pages' CSP blocks `add_script_tag`, and
`bypass_csp` would hide CSP faults). Its colour-contrast rule skips joined Arabic letters,
which it takes for an icon ligature (dequelabs/axe-core #3867): `AXE_CHECK_EVERY_TEXT` gives
the rule a `matches` that takes every visible element holding text, and a test proves it
catches a planted pale Arabic line.

Screenshots: test-artifacts/browser/<test>-<language>.png (test-artifacts/ is git-ignored).
"""
import contextlib
import re
import shutil
from datetime import timedelta
from urllib.parse import urljoin
from pathlib import Path

import mongoengine
import pytest
import requests
from playwright.sync_api import sync_playwright

import axe_playwright_python
import eventlet
from eventlet import wsgi
from kombu import Connection
from cli import operations
from devtools.ports import free_port
from services.accounts.domain import totp
from services.accounts.service import AccountsService
from services.gateway.app import Gateway, GatewayProtocol
from services.gateway.upstreams import Upstream
from services.accounts import documents as accounts_documents
from services.publication import documents as publication_documents
from services.review import documents as review_documents
from services.web import i18n
from shared import topology
from shared.clock import utcnow
from services.web.service import WebService
from shared.persistence.documents import Person
from shared.transparency.note import SigningKey
from tests.integration.conftest import SESSION_SECRET, wait_until
from devtools.mailbox import Mailbox

PASSWORD = "a long passphrase nobody guesses"
ADMIN_EMAIL = "amina.admin@example.org"

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "browser"
CHROMIUM = "/usr/bin/chromium"
# As /work machines' notes say: without the background-networking flags Chromium keeps
# trying to reach Google's hosts, which a closed network refuses.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
AXE_SOURCE = (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text()
AXE_CHECK_EVERY_TEXT = """() => {
  axe.configure({rules: [{id: "color-contrast", matches: (node) => {
    const hasText = [...node.childNodes].some((child) => child.nodeType === Node.TEXT_NODE && child.nodeValue.trim());
    return hasText && node.checkVisibility() && !node.closest("[aria-hidden=true], [inert]");
  }}]});
}"""


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium fonts-noto-core (.ci/run does)")
    manager = sync_playwright()
    playwright = manager.start()
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    browser.close()
    # Not playwright.stop(): under eventlet's monkey patching (tests/conftest.py) it waits
    # forever for the driver's exit (asyncio's child watcher never hears of it). The driver
    # has nothing left to do once the browser is closed: end it, it is our own child.
    manager._client._transport._proc.kill()


@pytest.fixture(scope="session")
def artifacts():
    shutil.rmtree(ARTIFACTS, ignore_errors=True)
    ARTIFACTS.mkdir(parents=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def log_key():
    return SigningKey.generate("irm-review.test/audit-log")


@pytest.fixture
def db(mongodb_uri):
    """The test database with no checkpoints: each test signs the ones it shows."""
    operations.connect(mongodb_uri)
    publication_documents.LogCheckpoint.ensure_indexes()
    mongoengine.connection.get_db()[publication_documents.LogCheckpoint._get_collection_name()].delete_many({})
    return mongodb_uri


@pytest.fixture
def web_config(db, log_key):
    """The web service's configuration, with the log's verifier key."""
    return {"MONGODB_URI": db, "WEB_SERVER_ADDRESS": f"127.0.0.1:{free_port()}", "LOG_VERIFIER_KEY": str(log_key.verifier),
            "LOG_KEY_PUBLISHED_AT": "https://ogp.example/irm/verifier-key", "PUBLIC_BASE_URL": "http://127.0.0.1:8000",
            "SESSION_SECRET": SESSION_SECRET}


@pytest.fixture
def web_container(container_factory, web_config):
    container = container_factory(WebService, web_config)
    container.start()
    return container


@pytest.fixture
def web(web_container, web_config):
    """The web service's base URL."""
    return f"http://{web_config['WEB_SERVER_ADDRESS']}"


def restart_web(container_factory, web_container, web_config):
    """The web service stopped and started again on the same address: a fresh process, with
    nothing kept in memory (the pages it rendered, the reports)."""
    web_container.stop()
    container_factory(WebService, web_config).start()


@pytest.fixture
def page(browser):
    context = browser.new_context()
    page = context.new_page()
    yield page
    context.close()


def axe_violations(page, check_every_text=True, rules=None) -> list:
    """axe-core's violations on the page as it is now (WCAG 2.x A and AA, best practices)."""
    page.evaluate(AXE_SOURCE)
    if check_every_text:
        page.evaluate(AXE_CHECK_EVERY_TEXT)
    options = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]}}
    if rules:
        options = {"runOnly": {"type": "rule", "values": rules}}
    result = page.evaluate("async (options) => await axe.run(document, options)", options)
    return [{"id": v["id"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"]]} for v in result["violations"]]


def press_and_follow(page, button, timeout=20):
    """Press a form's `button` as a reader does, and wait for the page the browser's post leads
    to (the page a 303 sends it to, or the refusal it was given). Returns the post's answer
    (Playwright's Response: its status, headers and URL) as the browser received it.

    Why the waiting is a loop of short pauses: under eventlet (tests/conftest.py patches this
    process for the in-process services of the other browser tests), Playwright's sync API
    never wakes up from a wait that only an event can end (wait_for_url, expect_navigation)
    once the browser has sent a form post: the events do arrive, and are handled, as soon as
    any call with a timer of its own (wait_for_timeout) runs its loop. Measured on a bare page
    posting to a bare server: the same hang with eventlet, none without."""
    answers, navigations = [], []
    on_response = lambda response: answers.append(response) if response.request.method == "POST" else None  # noqa: E731
    on_navigation = lambda frame: navigations.append([frame.url, False]) if frame == page.main_frame else None  # noqa: E731

    def on_load(_):
        if navigations:
            navigations[-1][1] = True
    page.on("response", on_response)
    page.on("framenavigated", on_navigation)
    page.on("load", on_load)
    try:
        def arrived():
            if not answers:
                return False
            answer = answers[0]
            destination = urljoin(answer.url, answer.headers.get("location")) if answer.status == 303 else answer.url
            return bool(navigations) and navigations[-1][0].split("#")[0] == destination.split("#")[0] and navigations[-1][1]

        button.click(no_wait_after=True)
        if pause_until(page, arrived, timeout):
            return answers[0]  # there, and loaded
        raise AssertionError(f"the form's post led nowhere within {timeout} s: answers {answers}, navigations {navigations}")
    finally:
        page.remove_listener("response", on_response)
        page.remove_listener("framenavigated", on_navigation)
        page.remove_listener("load", on_load)


def click_and_wait(page, target, arrived, timeout=20):
    """Click `target` (a link or a button that navigates or changes the page) and wait until `arrived()` says the
    page is there (pause_until: a wait_for_url after the browser's form posts hung CI's run at test_operator_pages.py)."""
    target.click(no_wait_after=True)
    if not pause_until(page, arrived, timeout):
        raise AssertionError(f"the page did not get there within {timeout} s: at {page.url}")


def pause_until(page, arrived, timeout) -> bool:
    """Whether `arrived()` became true within `timeout` seconds, asked between pauses of 50 ms. The pauses are what
    makes Playwright handle the browser's events under eventlet (press_and_follow says why)."""
    for _ in range(int(timeout / 0.05)):
        page.wait_for_timeout(50)
        if arrived():
            return True
    return False


# --- people signed in through the pages (test_sign_in.py, test_government_pages.py, test_evidence_upload.py) ----
def free_url() -> str:
    return f"http://127.0.0.1:{free_port()}"


@pytest.fixture
def review_url():
    return free_url()


def empty_review(amqp_uri):
    """Review as new: its collections empty (indexes made), every event queue gone (delete_event_queues), no
    sign-in throttled: a module's cases are its own."""
    for document in review_documents.ALL:
        document.ensure_indexes()
        document._get_collection().delete_many({})
    delete_event_queues(amqp_uri)
    accounts_documents.SignInThrottle.objects.delete()


def delete_event_queues(amqp_uri):
    """Every service's event queue, gone: an event an earlier module published and no consumer took
    (its service was stopped first) would otherwise reach this module's consumers as a stray case."""
    with Connection(amqp_uri) as connection:
        for subscription in topology.SUBSCRIPTIONS:
            connection.default_channel.queue_delete(subscription.queue)


@pytest.fixture
def gateway_port():
    return free_port()


@pytest.fixture
def accounts_url():
    return free_url()


@contextlib.contextmanager
def behind_the_gateway(container_factory, web, gateway_port, accounts_url, amqp_uri, db, services=()):
    """accounts and each of `services` ((its gateway name, its nameko class, its URL[, its own settings])) in this
    process, with the pages, behind the gateway as in production: the session cookie, the pages and the APIs
    share one origin. Yields the gateway's base URL."""
    base = f"http://127.0.0.1:{gateway_port}"
    common = {"AMQP_URI": amqp_uri, "MONGODB_URI": db, "serializer": "json", "SESSION_SECRET": SESSION_SECRET,
              "PUBLIC_BASE_URL": base}
    upstreams = {"intake": Upstream([free_url()]), "review": Upstream([free_url()]), "publication": Upstream([free_url()]),
                 "accounts": Upstream([accounts_url]), "web": Upstream([web])}
    for name, service, url, *own in (("accounts", AccountsService, accounts_url), *services):
        container_factory(service, {**common, **(own[0] if own else {}), "WEB_SERVER_ADDRESS": url.removeprefix("http://")}).start()
        upstreams[name] = Upstream([url])
    listener = eventlet.listen(("127.0.0.1", gateway_port))
    server = eventlet.spawn(wsgi.server, listener, Gateway(upstreams, public_base_url=base), log_output=False,
                            protocol=GatewayProtocol)
    try:
        yield base
    finally:
        server.kill()
        listener.close()


def activate(site, page, email, language, role="poc", **binding):
    """A person invited with `role` through accounts' API who opens the link and sets up their account
    (set_up_account). The TOTP secret for `code_for` (None for the roles without a second factor)."""
    return set_up_account(page, invite(site, email=email, role=role, language=language, **binding)["link"], role)


def set_up_account(page, link, role):
    """The invitation `link` opened and the password set; an admin or a quality reviewer also confirms the second
    factor (the step before now's code: the one now is left for signing in). The TOTP secret for `code_for` (None
    for the other roles)."""
    page.goto(link)
    # Waited for in short pauses, not by fill's own wait for the field: session 24's fresh-clone run timed out in that
    # wait once, with nothing said of the page it was on (press_and_follow: the waits eventlet can leave asleep).
    if not pause_until(page, lambda: page.locator("#i-password").count() > 0, 20):
        raise AssertionError(f"no password field at {page.url}: {page.locator('body').inner_text()[:600]!r}")
    page.fill("#i-password", PASSWORD)
    press_and_follow(page, page.locator("#set-password"))
    secret = None
    if role in ("admin", "quality_reviewer"):
        secret = page.locator("#totp-secret").inner_text().strip()
        page.fill("#t-code", code_for(secret, -30))
        press_and_follow(page, page.locator("#confirm-code"))
    assert page.locator("#account-ready").is_visible()
    return secret


def signed_in_at(site, page, language, path, email, secret=None):
    """`path` (after the language) opened signed out: sent to sign in (with the code of `secret`'s second factor,
    if any), and brought back there."""
    page.goto(f"{site}/{language}{path}")
    assert page.url == f"{site}/{language}/sign-in?next=/{language}{path}"
    page.fill("#s-email", email)
    page.fill("#s-password", PASSWORD)
    if secret is not None:
        page.fill("#s-code", code_for(secret))
    press_and_follow(page, page.locator("#sign-in-button"))
    assert page.url == f"{site}/{language}{path}"


def quality_reviewer_signed_in(site, page, email, language, **binding):
    """An IEP member invited through accounts' API as a quality reviewer (with `binding`: the registry entry of the
    researcher they also are), their account set up, then signed in at their queue."""
    secret = activate(site, page, email, language, "quality_reviewer", **binding)
    signed_in_at(site, page, language, "/quality-review", email, secret)


def invite(site, email=ADMIN_EMAIL, role="admin", language="en", **binding):
    token = operations.issue_token("admin", "admin-1")
    answer = requests.post(f"{site}/api/v1/invitations", headers={"Authorization": f"Bearer {token}"}, timeout=15,
                           json={"email": email, "role": role, "language": language, **binding})
    assert answer.status_code == 201, answer.text
    return answer.json()


def signed_in_admin(base, page, language, email):
    """An admin invited through the API who sets a password and the second factor in the browser, then opens the
    people page: sent to sign in, and brought back there."""
    signed_in_at(base, page, language, "/operator/people", email, activate(base, page, email, language, "admin"))


def first_admin_signed_in(site, page, language, email):
    """The first admin as the operator makes one: `irmctl account invite-admin` (operations.invite_first_admin, as
    the command runs it), whose printed link the admin opens to set a password and the second factor, then the
    people page, signed in. The command is refused once an admin account is in use, and the modules of a session
    share one database: every admin account is deleted first (the others' admins came through the API)."""
    Person.objects(role="admin").delete()
    environ = {"SESSION_SECRET": SESSION_SECRET, "PUBLIC_BASE_URL": site}  # the services' own
    _, _, link, _ = operations.invite_first_admin(email, language, environ)
    assert link.startswith(f"{site}/accounts/invitation?token=")  # no language: the browser's, as for `/`
    signed_in_at(site, page, language, "/operator/people", email, set_up_account(page, link, "admin"))


# --- mail, at a real SMTP server (test_government_journey.py, test_review_journey.py) ----------------------------
@pytest.fixture
def mailbox(tmp_path):
    """The test's SMTP server: devtools/mailbox.py in a process of its own, as tests/integration/test_mail.py runs it."""
    box = Mailbox(tmp_path / "mail").start()
    yield box
    box.stop()


def mail_to(mailbox, recipient, containing="", what="a mail", subject=None):
    """The first mail the SMTP server took for `recipient` whose plain text holds `containing` (and with `subject`)."""
    def found():
        return next((m for m in mailbox.mails() if m["To"] == recipient and containing in plain(m)
                     and subject in (None, m["Subject"])), None)
    return wait_until(found, timeout=30, what=what)


def plain(mail):
    return mail.get_body(("plain",)).get_content()


def invited_on_the_people_page(admin, site, mailbox, email, role, language, member_code="", expert_id=""):
    """`email` invited with `role` (a PoC of `member_code`, an expert of the registry's `expert_id`) by the admin
    signed in on `admin`, at the people page; the invitation's link as the mail at the SMTP server gives it (the page
    in the person's `language`)."""
    admin.fill("#p-email", email)
    admin.select_option("#p-role", role)
    admin.select_option("#p-member_code", member_code)
    admin.select_option("#p-expert_id", expert_id)
    admin.select_option("#p-language", language)
    assert press_and_follow(admin, admin.locator("#invite-button")).status == 303
    assert "done=invited" in admin.url
    invitation = plain(mail_to(mailbox, email, what=f"the invitation of {email}"))
    link = re.search(rf"{re.escape(site)}/{language}/accounts/invitation\?token=[\w-]+", invitation)
    assert link, invitation
    return link.group(0)


def code_for(secret: str, seconds_from_now: int = 0) -> str:
    """The code of the step `seconds_from_now` away. Not in a step's last 3 seconds: the server accepts one step
    either side of its own, and a step ending between this and its check would leave a code of the step before
    now two steps behind (a refused code, now and then)."""
    into_step = utcnow().timestamp() % totp.STEP_SECONDS
    if into_step > totp.STEP_SECONDS - 3:
        eventlet.sleep(totp.STEP_SECONDS - into_step + 0.2)
    return totp.totp(totp.secret_bytes(secret), utcnow() + timedelta(seconds=seconds_from_now))


def message(language, msgid, **params):
    return i18n.catalog(language).gettext(msgid) % params if params else i18n.catalog(language).gettext(msgid)


def text_of(page, selector):
    return " ".join(page.locator(selector).inner_text().split())


@pytest.fixture
def context_factory(browser):
    made = []

    def make(language="en", **options):
        context = browser.new_context(locale={"ar": "ar", "fr": "fr-FR", "en": "en-GB"}[language], **options)
        context.set_default_timeout(10_000)
        made.append(context)
        return context.new_page()

    yield make
    for context in made:
        context.close()


def watch(page):
    seen = {"csp": [], "foreign": []}
    page.on("console", lambda m: seen["csp"].append(m.text) if "Content Security Policy" in m.text else None)
    page.on("request", lambda r: None if r.url.startswith("http://127.0.0.1") else seen["foreign"].append(r.url))
    return seen
