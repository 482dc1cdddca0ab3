"""A finding's PDF report, from the running web service, in every language: served as a PDF
under the pages' security headers, its text extracted back (the Arabic title, shaped and laid
out right to left, the member's name, a translated heading, the content hash of the finding
version it was made from, where it was made), page 1 rendered to PNG and the PDF kept as
artifacts (test-artifacts/browser/report-<lang>.png and .pdf), a repeated download answered
304 from memory, and the finding page linking to it. Rendering fetches nothing but the
service's own files."""
import pypdfium2
import pytest
import requests

from services.publication import queries as publication_queries
from services.publication import views as publication_views
from services.web import i18n, report
from shared import edge
from shared.irm import LANGUAGES
from tests.browser import findings

pytestmark = pytest.mark.browser
MEMBER = {"ar": "تونس", "fr": "Tunisie", "en": "Tunisia"}
HEADING = {"ar": "الالتزامات في لمحة", "fr": "Les engagements en un coup d'œil", "en": "Commitments at a glance"}
ABOUT = {"ar": "عن هذا التقرير", "fr": "À propos de ce rapport", "en": "About this report"}
SITE = "http://127.0.0.1:8000"  # the web fixture's PUBLIC_BASE_URL


@pytest.fixture
def published(db):
    return findings.seed()


def pdf_pages(pdf: bytes):
    """Each page of the PDF with its text (line breaks as \\n)."""
    document = pypdfium2.PdfDocument(pdf)
    return document, [(page, page.get_textpage()) for page in document]


def letters_run_right_to_left(page, textpage, word: str) -> list:
    """The left edge of each letter of `word` where it first appears on the page."""
    start = textpage.get_text_range().index(word)
    return [textpage.get_charbox(start + offset)[0] for offset in range(len(word))]


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_findings_report_renders_in_each_language_with_its_arabic_titles_and_content_hash(web, published, artifacts, language):
    finding_id = published["tunisia"]
    api = publication_views.finding_view(publication_queries.finding(finding_id))  # what GET /api/v1/findings/{id} shows
    url = f"{web}/{language}/findings/{finding_id}/report.pdf"
    response = requests.get(url, timeout=120)
    assert response.status_code == 200, response.text[:500]
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Disposition"] == f'inline; filename="irm-finding-TN-2023-2025-v1-{finding_id}-{language}.pdf"'
    assert response.headers["Content-Language"] == language
    assert response.headers["Content-Security-Policy"] == edge.PAGE_CONTENT_SECURITY_POLICY
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.content.startswith(b"%PDF-")
    (artifacts / f"report-{language}.pdf").write_bytes(response.content)

    document, pages = pdf_pages(response.content)
    texts = [textpage.get_text_range().replace("\r\n", "\n") for _, textpage in pages]
    text = "\n".join(texts)
    for expected in (findings.ARABIC_ONLY_TITLE, MEMBER[language], HEADING[language], ABOUT[language], SITE,
                     f"{SITE}/{language}/findings/{finding_id}/report.pdf", findings.TUNISIA_EVIDENCE):
        assert expected in text, expected
    if language == "ar":
        assert "نشر بيانات الميزانية المفتوحة" in text  # every Arabic title in the Arabic report
    assert api["content_sha256"] in text.replace("\n", ""), "the content hash of the finding version the API shows"
    assert text.count(api["content_sha256"][:16]) >= 2  # in the finding's facts and in "about this report"

    word = findings.ARABIC_ONLY_TITLE.split()[0]
    page, textpage = next((page, textpage) for (page, textpage), page_text in zip(pages, texts) if word in page_text)
    lefts = letters_run_right_to_left(page, textpage, word)
    assert lefts == sorted(lefts, reverse=True) and len(set(lefts)) == len(lefts), \
        "each letter of the Arabic title left of the one before: right to left"
    if language == "ar":  # an Arabic report starts its lines on the right
        first_page_title = letters_run_right_to_left(*pages[0], "تونس")
        assert first_page_title[0] > pages[0][0].get_width() / 2
    pages[0][0].render(scale=1.5).to_pil().save(artifacts / f"report-{language}.png")
    document.close()

    again = requests.get(url, headers={"If-None-Match": response.headers["ETag"]}, timeout=30)
    assert (again.status_code, again.content, again.headers["ETag"]) == (304, b"", response.headers["ETag"])
    assert requests.get(url, timeout=30).content == response.content  # from memory: the same bytes, not re-rendered


def test_the_finding_page_links_to_its_report_and_an_unknown_finding_has_none(web, published, page):
    finding_id = published["tunisia"]
    for language in LANGUAGES:
        page.goto(f"{web}/{language}/findings/{finding_id}")
        link = page.locator("#report-link")
        assert link.get_attribute("href") == f"/{language}/findings/{finding_id}/report.pdf"
        assert link.get_attribute("type") == "application/pdf"
    missing = requests.get(f"{web}/fr/findings/fnd_nope/report.pdf", timeout=30)
    assert missing.status_code == 404 and missing.headers["Content-Type"].startswith("text/html")


def test_a_withdrawn_findings_report_says_so_and_why(web, published):
    response = requests.get(f"{web}/fr/findings/{published['hostile_withdrawn']}/report.pdf", timeout=120)
    assert response.status_code == 200
    _, pages = pdf_pages(response.content)
    text = "\n".join(textpage.get_text_range().replace("\r\n", "\n") for _, textpage in pages)
    assert "Cette conclusion a été retirée." in text and "Published in error <script>" in text


@pytest.mark.parametrize("url", ["https://cdn.example.org/font.woff2", "http://127.0.0.1:1/x.png", "file:///etc/passwd"])
def test_rendering_fetches_only_the_services_own_files(url):
    with pytest.raises(ValueError, match="own files|disallowed protocol"):
        report.OwnFilesOnly().fetch(url)
    report.OwnFilesOnly().fetch((i18n.HERE / "static" / "report.css").as_uri()).close()


def test_other_requests_are_answered_while_a_report_renders(web, published):
    """WeasyPrint runs in eventlet's thread pool: a report being rendered (in this process, as
    the service's green threads are) does not hold up the service's other answers."""
    import eventlet

    rendering = eventlet.spawn(requests.get, f"{web}/en/findings/{published['hostile_first']}/report.pdf", timeout=120)
    eventlet.sleep(0)  # the rendering's request goes out first
    answered_while_rendering = 0
    while not rendering.dead:
        assert requests.get(f"{web}/health", timeout=30).status_code == 200
        # Counted only when the rendering is still going once the answer is in: with WeasyPrint
        # on the service's own green thread, no answer can come back before the rendering ends.
        answered_while_rendering += not rendering.dead
    assert rendering.wait().status_code == 200
    assert answered_while_rendering >= 3, answered_while_rendering
