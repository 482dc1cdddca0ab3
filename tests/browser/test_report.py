"""The PDF report building block (services/web/report.py): a document with an Arabic title is
shaped and laid out right to left, its text extracts back, a rendered page is kept as an
artifact (test-artifacts/browser/report-<lang>.png and .pdf), and nothing but the service's own
files can be fetched while rendering."""
from datetime import datetime, timezone

import pypdfium2
import pytest

from services.web import i18n, report

SAMPLE = {"title": "الالتزام ٣: نشر بيانات الميزانية", "title_language": "ar", "entries": 1234567,
          "signed_at": datetime(2026, 12, 1, 7, 0, tzinfo=timezone.utc),
          "body": "تقرير تجريبي بالعربية مع كلمة Latin داخله.", "fingerprint": "sha256:" + "ab" * 32}


@pytest.fixture(scope="module")
def environments():
    return i18n.environments()


@pytest.mark.parametrize("language", ["ar", "fr"])
def test_a_report_with_an_arabic_title_renders_shaped_right_to_left_and_extracts_back(environments, artifacts, language):
    pdf = report.render_report(environments, language, "report_sample.html", document=SAMPLE)
    (artifacts / f"report-{language}.pdf").write_bytes(pdf)
    document = pypdfium2.PdfDocument(pdf)
    page = document[0]
    text = page.get_textpage().get_text_range()
    for expected in ("نشر بيانات الميزانية", "تقرير تجريبي بالعربية", "Latin", SAMPLE["fingerprint"],
                     {"ar": "سجل الشفافية", "fr": "Journal de transparence"}[language],
                     {"ar": "1,234,567", "fr": "1\u202f234\u202f567"}[language]):
        assert expected in text.replace("\r\n", "\n"), expected
    textpage = page.get_textpage()
    title_start = textpage.get_text_range().index("الالتزام")
    lefts = [textpage.get_charbox(title_start + offset)[0] for offset in range(len("الالتزام"))]
    assert lefts == sorted(lefts, reverse=True), "each letter of the Arabic title left of the one before: right to left"
    if language == "ar":  # an Arabic report starts its lines on the right
        assert lefts[0] > page.get_width() / 2
    page.render(scale=1.5).to_pil().save(artifacts / f"report-{language}.png")


@pytest.mark.parametrize("url", ["https://cdn.example.org/font.woff2", "http://127.0.0.1:1/x.png", "file:///etc/passwd"])
def test_rendering_fetches_only_the_services_own_files(url):
    with pytest.raises(ValueError, match="own files|disallowed protocol"):
        report.OwnFilesOnly().fetch(url)
    report.OwnFilesOnly().fetch((i18n.HERE / "static" / "report.css").as_uri()).close()
