"""The public draft page and its comment form in Chromium, with review running on the real broker
and database: a case is taken to its public comment period through review's own API (as the
integration tests do), and the pages post to review's API as any client would.

The form is filled in and sent by the browser itself (its button pressed, with JavaScript on and
off); `submit` waits for where the post leads in short pauses, since under this process's eventlet
Playwright's event-only waits never wake after a form post (see `submit`). Forged posts, which no
page of this site can make, are sent with requests.

In ar, fr and en: the page (lang, dir, landmarks, headings, CSP, 0 axe violations, a screenshot
in test-artifacts/browser/), a comment typed in the form then shown, the same with JavaScript off,
a confidential comment acknowledged and not shown, an empty or oversized comment refused next to
its field in the page's language with the text kept and nothing written, forged posts refused
with 403 and nothing written, script and markup shown as text, the per-client rate limit counting
each browser's address (not the pages' own), and the closed period."""
import os
import re
import secrets
import subprocess
import sys
import uuid
from datetime import datetime, timezone
from pathlib import Path

import pytest
import requests

from cli import operations
from devtools import sample
from devtools.ports import free_port
from devtools.processes import stop_process
from services.review import documents as review_documents
from services.web import i18n
from shared import edge
from shared.irm import LANGUAGES
from shared.persistence.documents import AuditEntry
from tests.browser import findings
from tests.browser.conftest import ROOT, axe_violations, delete_event_queues, press_and_follow
from tests.browser.test_pages import DIRECTION, MAX_PAGE_BYTES
from tests.integration.conftest import wait_until
from tests.integration.test_public_comment_limits import open_for_public_comment
from tests.integration.test_review import Review

pytestmark = pytest.mark.browser
MAX_CHARACTERS = 200
# Rate limits that never interfere, unless a test sets its own.
GENEROUS = {"ANONYMOUS_WRITES_PER_CLIENT": 1000, "ANONYMOUS_WRITES_PER_CASE": 1000}
COMMENTS = {"ar": "أقترح نشر بيانات الميزانية كل شهر.", "fr": "Je propose de publier les données chaque mois.",
            "en": "I suggest publishing the budget data every month."}
LABELS = {"text": {"ar": "تعليقك", "fr": "Votre commentaire", "en": "Your comment"},
          "author": {"ar": "اسمك أو اسم منظمتك (اختياري)", "fr": "Votre nom ou votre organisation (facultatif)",
                     "en": "Your name or organisation (optional)"},
          "confidential": {"ar": "سري (لا يُنشر)", "fr": "Confidentiel (non publié)", "en": "Confidential (not published)"},
          "send": {"ar": "إرسال التعليق", "fr": "Envoyer le commentaire", "en": "Send the comment"}}


@pytest.fixture
def review_db(db, amqp_uri):
    """review's collections emptied (the registry too: each test's expert has their capacity back), and
    no leftover message in the services' queues."""
    for document in review_documents.ALL:
        document.ensure_indexes()
        document._get_collection().delete_many({})
    delete_event_queues(amqp_uri)
    operations.add_member("TN", "national", sample.MEMBER["names"])
    operations.add_expert("exp-a", "A", ["ar", "fr"], [], capacity=50)
    return db


def nameko_process(service, port, env, log_dir):
    """`nameko run` of one service, as deploy/nameko.yaml configures it from the environment (as compose does)."""
    nameko = str(Path(sys.executable).parent / "nameko")
    log = open(log_dir / f"{service}-{port}.log", "ab")
    return subprocess.Popen([nameko, "run", "--config", str(ROOT / "deploy" / "nameko.yaml"), f"services.{service}.service"],
                            cwd=ROOT, env={**os.environ, **env, "WEB_SERVER_ADDRESS": f"127.0.0.1:{port}"},
                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


@pytest.fixture
def stack(review_db, amqp_uri, tmp_path):
    """start(**review_settings) -> (the web's base URL, review's API): review and the pages, each its own
    `nameko run`, the pages posting to review's own API (REVIEW_URL) from loopback, which review trusts
    as a proxy. Processes, as deployed: configured by deploy/nameko.yaml from the environment, so the
    pages' REVIEW_URL and PAGES_FORM_SECRET reach them as they would under compose."""
    started = []

    def start(**review_settings):
        review_port, web_port = free_port(), free_port()
        web = f"http://127.0.0.1:{web_port}"
        common = {"AMQP_URI": amqp_uri, "MONGODB_URI": review_db, "PYTHONWARNINGS": "ignore"}
        review_env = {**common, "GOVERNMENT_REVIEW_SECONDS": "0", "PUBLIC_COMMENT_SECONDS": "3600",
                      "PUBLIC_COMMENT_MIN_SECONDS": "0", "COMMENT_MAX_CHARACTERS": str(MAX_CHARACTERS), "MAX_WORKERS": "4",
                      **{key: str(value) for key, value in {**GENEROUS, **review_settings}.items()}}
        started.append(nameko_process("review", review_port, review_env, tmp_path))
        started.append(nameko_process("web", web_port, {**common, "REVIEW_URL": f"http://127.0.0.1:{review_port}",
                                                        "PUBLIC_BASE_URL": web, "PAGES_FORM_SECRET": secrets.token_urlsafe(32)},
                                      tmp_path))
        for base in (f"http://127.0.0.1:{review_port}", web):
            wait_until(lambda: healthy(base), timeout=60, interval=0.2, what=f"{base} healthy")
        return web, Review(f"http://127.0.0.1:{review_port}", amqp_uri)

    yield start
    for process in started:
        stop_process(process)


def healthy(base) -> bool:
    try:
        return requests.get(base + "/health", timeout=2).status_code == 200
    except requests.RequestException:
        return False


def open_case(review, name="draft"):
    """A new case in its public comment period: (its id, when the period closes)."""
    case_id = f"case_{name}_{uuid.uuid4().hex[:8]}"
    return case_id, open_for_public_comment(review, case_id)


def api_draft(review, case_id):
    return requests.get(f"{review.base}/api/v1/cases/{case_id}/public-draft", timeout=10).json()


def written(case_id):
    """What review holds of the case's public comments: stored comments and their audit entries."""
    return (review_documents.Comment.objects(case_id=case_id).count(),
            AuditEntry.objects(case_id=case_id, action="public.commented").count())


def submit(page, web):
    """Press the comment form's button as a reader does; the post's answer as the browser got it,
    once the page it leads to has loaded (conftest.press_and_follow)."""
    return press_and_follow(page, page.locator("#comment-form button[type=submit]"))


def watch(page):
    """tests/browser/test_pages.py's watch (foreign requests, CSP reports, bytes), for the page's first
    load only: its listener reads each response's body, which Playwright never gives for a redirect
    (a 303 after a post would hang it), so `stop()` removes the listeners before the form is sent."""
    seen = {"foreign": [], "csp": [], "bytes": 0}
    handlers = {
        "request": lambda r: None if r.url.startswith("http://127.0.0.1") else seen["foreign"].append(r.url),
        "console": lambda m: seen["csp"].append(m.text) if "Content Security Policy" in m.text else None,
        "response": lambda r: seen.__setitem__("bytes", seen["bytes"] + len(r.body())) if r.ok else None}
    for event, handler in handlers.items():
        page.on(event, handler)

    def stop():
        for event, handler in handlers.items():
            page.remove_listener(event, handler)
    return seen, stop


def check_page(page, response, language, seen):
    """What every page is checked for (tests/browser/test_pages.py), on this one."""
    assert response.headers["content-security-policy"] == edge.PAGE_CONTENT_SECURITY_POLICY
    html = page.locator("html")
    assert (html.get_attribute("lang"), html.get_attribute("dir")) == (language, DIRECTION[language])
    for landmark in ("banner", "main", "contentinfo"):
        assert page.get_by_role(landmark).count() == 1, landmark
    levels = [int(tag[1]) for tag in page.eval_on_selector_all("h1, h2, h3, h4", "els => els.map(e => e.tagName)")]
    assert levels[0] == 1 and all(b - a <= 1 for a, b in zip(levels, levels[1:])), levels
    assert seen["foreign"] == [] and seen["csp"] == []
    assert 0 < seen["bytes"] < MAX_PAGE_BYTES
    assert axe_violations(page) == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_draft_page_shows_the_apis_draft_and_a_comment_typed_in_the_form_is_then_shown(stack, page, artifacts, language):
    web, review = stack()
    case_id, closes_at = open_case(review)
    seen, stop_watching = watch(page)
    response = page.goto(f"{web}/{language}/cases/{case_id}/draft")
    assert response.status == 200
    check_page(page, response, language, seen)
    stop_watching()
    page.screenshot(path=artifacts / f"draft-{language}.png", full_page=True)

    # What review's public draft says: its commitments, their draft ratings, the period's end in the locale.
    draft = api_draft(review, case_id)
    shown = page.locator("#commitments-heading ~ article").evaluate_all("els => els.map(e => e.id)")
    assert shown == [f"commitment-{c['commitment_id']}" for c in draft["commitments"]]
    for commitment in draft["commitments"]:
        article = page.locator(f"#commitment-{commitment['commitment_id']}")
        rated_indicators = {name: rated for name, rated in commitment["ratings"].items() if rated}
        assert article.locator("[data-indicator]").evaluate_all("els => els.map(e => e.dataset.indicator)") == [
            name for name in ("verifiability", "open_government_lens", "potential_for_results", "completion",
                              "did_it_open_government") if name in rated_indicators]
        for name, rated in rated_indicators.items():
            justification = article.locator(f"[data-indicator={name}] .justification span")
            assert justification.text_content() in rated["justification"].values()
    assert page.locator("#period").get_attribute("data-open") == "true"
    assert i18n.moment(closes_at, language) in page.locator("#period").text_content()
    assert page.locator("#no-comments").is_visible()
    textarea = page.get_by_label(LABELS["text"][language], exact=True)
    assert textarea.get_attribute("dir") == "auto" and textarea.get_attribute("lang") is None
    for control in page.locator("#comment-form input:not([type=hidden]), #comment-form select, #comment-form textarea").all():
        assert page.locator(f"label[for={control.get_attribute('id')}]").count() == 1  # a label on every control

    # A comment in another language than the page's (the writer says which), with a name.
    written_in = {"ar": "fr", "fr": "ar", "en": "ar"}[language]
    textarea.fill(COMMENTS[written_in])
    page.locator("#c-language").select_option(written_in)
    page.locator("#c-commitment").select_option("TN0501")
    page.get_by_label(LABELS["author"][language], exact=True).fill("Leila B.")
    assert submit(page, web).status == 303
    assert re.search(rf"/{language}/cases/{case_id}/draft\?received=pc_\w+\.published\.", page.url)
    draft = api_draft(review, case_id)
    assert [(c["text"], c["author"], c["commitment_id"]) for c in draft["comments"]] == [
        ({written_in: COMMENTS[written_in]}, "Leila B.", "TN0501")]
    comment = page.locator(f"#comment-{draft['comments'][0]['comment_id']}")
    quoted = comment.locator("blockquote p")
    assert (quoted.text_content(), quoted.get_attribute("lang"), quoted.get_attribute("dir")) == (
        COMMENTS[written_in], written_in, "auto")
    assert comment.locator(".author").text_content() == "Leila B."
    assert page.locator("#received").is_visible() and page.locator("#received a").get_attribute("href") == \
        f"#comment-{draft['comments'][0]['comment_id']}"
    assert page.get_by_label(LABELS["text"][language], exact=True).input_value() == ""  # a fresh form
    assert axe_violations(page) == []
    page.screenshot(path=artifacts / f"draft-commented-{language}.png", full_page=True)
    page.reload()  # Post/Redirect/Get: reloading sends nothing again
    assert written(case_id) == (1, 1)


def test_with_javascript_off_comments_are_posted_and_a_confidential_one_is_acknowledged_not_shown(stack, browser, artifacts):
    web, review = stack()
    case_id, _ = open_case(review, "nojs")
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{web}/fr/cases/{case_id}/draft")
    page.get_by_label(LABELS["text"]["fr"], exact=True).fill("Un avis sans JavaScript.\nSur deux lignes.")
    assert submit(page, web).status == 303
    assert "?received=" in page.url
    assert page.locator("#comments blockquote p").all_text_contents() == ["Un avis sans JavaScript.\nSur deux lignes."]

    page.get_by_label(LABELS["text"]["fr"], exact=True).fill("Un signalement confidentiel.")
    page.get_by_label(LABELS["confidential"]["fr"], exact=True).check()
    assert submit(page, web).status == 303
    assert ".confidential." in page.url
    assert "confidentiel a bien été reçu" in page.locator("#received").text_content()
    assert "Un signalement confidentiel." not in page.locator("main").text_content()
    assert page.locator("#comments article").count() == 1
    stored = review_documents.Comment.objects(case_id=case_id).order_by("seq")
    assert [(c.text, c.confidential) for c in stored] == [({"fr": "Un avis sans JavaScript.\nSur deux lignes."}, False),
                                                          ({"fr": "Un signalement confidentiel."}, True)]
    page.screenshot(path=artifacts / "draft-confidential-no-javascript-fr.png", full_page=True)
    context.close()


ERRORS = {
    "empty": {"ar": "اكتب تعليقك قبل إرساله.", "fr": "Rédigez votre commentaire avant de l'envoyer.",
              "en": "Write your comment before sending it."},
    "oversized": {"ar": "تعليقك طويل جدًا: الحد الأقصى 200 محرفًا، وفيه 201.",
                  "fr": "Votre commentaire est trop long : 200 caractères au plus, et il en compte 201.",
                  "en": "Your comment is too long: at most 200 characters, and it has 201."},
}


@pytest.mark.parametrize("language", LANGUAGES)
def test_an_empty_or_oversized_comment_is_refused_next_to_its_field_in_the_pages_language(stack, page, artifacts, language):
    web, review = stack()
    case_id, _ = open_case(review, "invalid")
    page.goto(f"{web}/{language}/cases/{case_id}/draft")
    for kind, text in (("empty", "  \n "), ("oversized", "ب" * 100 + "\n" + "é" * 100)):
        textarea = page.get_by_label(LABELS["text"][language], exact=True)
        textarea.fill(text)
        page.get_by_label(LABELS["author"][language], exact=True).fill("Nadia")
        page.get_by_label(LABELS["confidential"][language], exact=True).check()
        assert submit(page, web).status == 422
        error = page.locator("#c-text-error")
        assert error.text_content() == ERRORS[kind][language]
        textarea = page.get_by_label(LABELS["text"][language], exact=True)
        assert textarea.get_attribute("aria-invalid") == "true"
        assert "c-text-error" in textarea.get_attribute("aria-describedby").split()
        assert textarea.input_value() == text  # what was written is kept, line breaks too
        assert page.get_by_label(LABELS["author"][language], exact=True).input_value() == "Nadia"
        assert page.get_by_label(LABELS["confidential"][language], exact=True).is_checked()
        assert page.locator("#form-errors").is_visible()
        assert page.locator("html").get_attribute("lang") == language
        assert axe_violations(page) == []
        page.screenshot(path=artifacts / f"draft-{kind}-error-{language}.png", full_page=True)
        assert written(case_id) == (0, 0)  # nothing half-written
    # Corrected in place, the same form goes through.
    page.get_by_label(LABELS["text"][language], exact=True).fill(COMMENTS[language])
    page.get_by_label(LABELS["confidential"][language], exact=True).uncheck()
    assert submit(page, web).status == 303
    assert written(case_id) == (1, 1)


def form_session(web, language, case_id):
    """A client that loaded the draft page: its cookie jar and the form's token."""
    page = requests.get(f"{web}/{language}/cases/{case_id}/draft", timeout=10)
    token = re.search(r'name="token" value="([^"]+)"', page.text).group(1)
    assert "HttpOnly; SameSite=Strict; Secure" in page.headers["Set-Cookie"]
    # The cookie is Secure, which a browser sends to http://127.0.0.1 (loopback) but requests does not.
    session = requests.Session()
    session.cookies.set("irm_form", page.cookies["irm_form"])
    return session, token


def test_forged_posts_are_refused_with_403_and_nothing_is_written(stack):
    web, review = stack()
    case_id, _ = open_case(review, "forged")
    url = f"{web}/fr/cases/{case_id}/draft/comments"
    session, token = form_session(web, "fr", case_id)
    body = {"text": "spam", "language": "fr", "token": token}

    refused = [
        session.post(url, data=body, headers={"Sec-Fetch-Site": "cross-site"}, timeout=10),
        session.post(url, data=body, headers={"Sec-Fetch-Site": "same-site"}, timeout=10),  # another port of this host
        session.post(url, data=body, headers={"Origin": "http://127.0.0.1:1"}, timeout=10),
        requests.post(url, data=body, timeout=10),  # the token without the cookie it was made for
        session.post(url, data={**body, "token": token[:-2] + "xx"}, timeout=10),
        session.post(url, data={"text": "spam", "language": "fr"}, timeout=10),
        requests.post(url, data={**body, "token": form_session(web, "fr", case_id)[1]}, cookies={"irm_form": "A" * 22},
                      timeout=10),  # someone else's token with a cookie of one's own
    ]
    assert [r.status_code for r in refused] == [403] * len(refused)
    assert all("Votre commentaire n'a pas été envoyé" in r.text for r in refused)
    _, other_case_token = form_session(web, "fr", open_case(review, "other")[0])
    assert session.post(url, data={**body, "token": other_case_token}, timeout=10).status_code == 403  # another case's form
    assert session.post(url, json=body, timeout=10).status_code == 415  # form-encoded only
    too_large = session.post(url, data={**body, "text": "x" * (edge.FORM_BODY_MAX_BYTES + 1)}, timeout=30)
    assert too_large.status_code == 413
    assert written(case_id) == (0, 0)

    # The same session's own post, with its cookie and token and no sign of another site, goes through.
    accepted = session.post(url, data=body, allow_redirects=False, timeout=10)
    assert accepted.status_code == 303 and accepted.headers["Location"].startswith(f"/fr/cases/{case_id}/draft?received=")
    assert written(case_id) == (1, 1)


def test_script_and_markup_in_a_comment_and_a_name_are_shown_as_text(stack, page):
    web, review = stack()
    case_id, _ = open_case(review, "markup")
    hostile = f"Avis {findings.SCRIPT} {findings.MARKUP}"
    for language in ("ar", "en"):
        page.goto(f"{web}/{language}/cases/{case_id}/draft")
        page.get_by_label(LABELS["text"][language], exact=True).fill(hostile)
        page.get_by_label(LABELS["author"][language], exact=True).fill(f"Mallory {findings.MARKUP}")
        assert submit(page, web).status == 303
        assert page.evaluate("document.title") != "owned"
        assert page.locator("#injected").count() == 0 and page.locator("main b").count() == 0
        assert page.locator("#comments blockquote p").last.text_content() == hostile
        assert page.locator("#comments .author").last.text_content() == f"Mallory {findings.MARKUP}"
    # Refused and shown again inside the textarea, the markup stays text too.
    page.get_by_label(LABELS["text"]["en"], exact=True).fill(findings.SCRIPT + "</textarea>" + "x" * MAX_CHARACTERS)
    assert submit(page, web).status == 422
    assert page.get_by_label(LABELS["text"]["en"], exact=True).input_value() == findings.SCRIPT + "</textarea>" + "x" * MAX_CHARACTERS
    assert page.locator("#injected").count() == 0 and page.evaluate("document.title") != "owned"


def test_the_rate_limit_counts_each_commenters_address_not_the_pages_own(stack):
    """As through the gateway (which appends the browser's address to X-Forwarded-For): the pages pass
    the chain on with their own peer, and review counts the commenter."""
    web, review = stack(ANONYMOUS_WRITES_PER_CLIENT=2)
    case_id, _ = open_case(review, "flood")
    url = f"{web}/fr/cases/{case_id}/draft/comments"

    def post(client, text):
        session, token = form_session(web, "fr", case_id)
        return session.post(url, data={"text": text, "language": "fr", "token": token}, allow_redirects=False,
                            headers={"X-Forwarded-For": client}, timeout=10)

    first = [post("203.0.113.7", f"Avis {n}").status_code for n in range(2)]
    assert first == [303, 303]
    limited = post("203.0.113.7", "Encore un avis")
    assert limited.status_code == 429 and int(limited.headers["Retry-After"]) >= 1
    assert "Trop de commentaires ont été envoyés depuis votre connexion ou sur ce projet : réessayez dans" in limited.text
    assert ">\nEncore un avis</textarea>" in limited.text  # the text kept for later
    assert post("198.51.100.9", "Un autre lecteur").status_code == 303  # another commenter is not held back
    assert written(case_id) == (3, 3)


def test_after_the_period_the_page_says_comments_are_closed_and_a_late_post_is_refused(stack, page):
    web, review = stack(PUBLIC_COMMENT_SECONDS=3)
    case_id, closes_at = open_case(review, "closed")
    page.goto(f"{web}/fr/cases/{case_id}/draft")
    assert page.locator("#comment-form").count() == 1
    page.get_by_label(LABELS["text"]["fr"], exact=True).fill("Trop tard ?")
    wait_until(lambda: datetime.now(timezone.utc) > closes_at, timeout=10, what="the period's end")
    assert submit(page, web).status == 409  # the form was open when loaded; review's clock says no
    assert "La période de commentaires s'est close avant l'arrivée de votre commentaire" in page.locator("#form-refusal").text_content()
    page.goto(f"{web}/fr/cases/{case_id}/draft")
    assert page.locator("#comment-form").count() == 0 and page.locator("#comments-closed").is_visible()
    assert page.locator("#period").get_attribute("data-open") == "false"
    assert i18n.moment(closes_at, "fr") in page.locator("#period").text_content()
    assert api_draft(review, case_id)["comments_open"] is False
    assert written(case_id) == (0, 0)
    assert axe_violations(page) == []


def test_the_timeline_links_the_public_draft_and_an_unknown_draft_is_not_found(stack, page):
    web, review = stack()
    case_id, _ = open_case(review, "linked")
    page.goto(f"{web}/ar/cases/{case_id}/timeline")
    page.locator("#draft-page").click()
    assert page.url == f"{web}/ar/cases/{case_id}/draft"
    assert page.locator("#comment-form").count() == 1
    page.locator("#timeline-page").click()
    assert page.url == f"{web}/ar/cases/{case_id}/timeline"
    assert requests.get(f"{web}/fr/cases/no_such_case/draft", timeout=10).status_code == 404
    session, token = form_session(web, "fr", case_id)
    assert session.post(f"{web}/fr/cases/no_such_case/draft/comments", data={"text": "x", "language": "fr", "token": token},
                        timeout=10).status_code == 403  # a token for another case
