"""The findings' PDF reports, their pure part: which rendered report a request may reuse (the
bounded cache, keyed by the finding version's content hash), the file name, and the report's
context (the finding page's own, its links absolute)."""
from datetime import datetime, timezone

import pytest

from services.web import report, views
from shared.irm import LANGUAGES
from tests.unit.test_web_pages import FINDING_VIEW

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=timezone.utc)


def key(finding_id="fnd_1", content="aa", superseded_by=None, language="ar"):
    return report.ReportKey(finding_id, content, superseded_by, language)


def test_the_cache_is_bounded_and_drops_the_least_recently_used():
    cache = report.ReportCache(capacity=2)
    cache.put(key("fnd_1"), b"%PDF-1")
    cache.put(key("fnd_2"), b"%PDF-2")
    assert cache.get(key("fnd_1")).body == b"%PDF-1"  # fnd_1 is now the most recently used
    cache.put(key("fnd_3"), b"%PDF-3")
    assert len(cache) == 2 and key("fnd_2") not in cache
    assert cache.get(key("fnd_2")) is None and cache.get(key("fnd_1")).body == b"%PDF-1"
    with pytest.raises(ValueError):
        report.ReportCache(capacity=0)


def test_a_report_is_kept_per_finding_version_content_and_language():
    cache = report.ReportCache()
    cache.put(report.report_key(FINDING_VIEW, "fr"), b"%PDF-fr")
    assert cache.get(report.report_key(dict(FINDING_VIEW), "fr")).body == b"%PDF-fr"
    for other in (report.report_key(FINDING_VIEW, "ar"),  # another language
                  report.report_key({**FINDING_VIEW, "content_sha256": "cd"}, "fr"),  # other content: rendered anew
                  report.report_key({**FINDING_VIEW, "id": "fnd_3"}, "fr"),  # another version
                  report.report_key({**FINDING_VIEW, "superseded_by": "fnd_3"}, "fr")):  # a correction now replaces it
        assert cache.get(other) is None


def test_the_etag_is_the_pdfs_own_hash():
    cache = report.ReportCache()
    first, same, other = cache.put(key("a"), b"%PDF-x"), cache.put(key("b"), b"%PDF-x"), cache.put(key("c"), b"%PDF-y")
    assert first.etag == same.etag != other.etag and len(first.etag) == 32


def test_the_file_name_says_what_the_report_is_in_safe_characters():
    assert report.filename(FINDING_VIEW, "ar") == "irm-finding-TN-2023-2025-v2-fnd_2-ar.pdf"
    odd = {**FINDING_VIEW, "member": {"code": 'X"; filename=evil.exe'}, "action_plan": {"cycle": "2023/2025", "plan_number": 1}}
    assert report.filename(odd, "fr") == "irm-finding-X_filename_evil.exe-2023_2025-v2-fnd_2-fr.pdf"


def test_the_report_shows_the_finding_page_with_absolute_links_and_where_it_was_made():
    page = views.finding_page(FINDING_VIEW, "fr")
    printed = views.report_page(FINDING_VIEW, "fr", NOW, "https://irm.example.org")
    assert page["links"]["report"] == "/fr/findings/fnd_2/report.pdf" and page["links"]["page"] == "/fr/findings/fnd_2"
    assert printed["links"]["report"] == "https://irm.example.org/fr/findings/fnd_2/report.pdf"
    assert printed["links"]["json"] == "https://irm.example.org/api/v1/findings/fnd_2"
    assert printed["supersedes_href"] == "https://irm.example.org/fr/findings/fnd_1"
    assert (printed["generated_at"], printed["site_url"]) == (NOW, "https://irm.example.org")
    assert printed["commitments"] == page["commitments"] and printed["public_comments"] == page["public_comments"]
    assert printed["finding"]["content_sha256"] == FINDING_VIEW["content_sha256"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_report_template_shows_the_page_body_escaped_with_its_provenance(language):
    from services.web import i18n

    hostile = dict(FINDING_VIEW, withdrawn_reason="<script>alert(1)</script>", content_sha256="c0ffee" * 10 + "abcd",
                   member={"code": "TN", "names": {language: "<b>Tunisie</b>"}})
    html = i18n.environment(language).get_template(report.TEMPLATE).render(
        **views.report_page(hostile, language, NOW, "https://irm.example.org"))
    assert html.startswith("<!doctype html>") and f'<html lang="{language}" dir="{i18n.direction(language)}">' in html
    assert "<script>alert" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<b>Tunisie</b>" not in html and "&lt;b&gt;Tunisie&lt;/b&gt;" in html
    assert html.count(hostile["content_sha256"]) >= 3  # the facts, "about this report", the PDF's subject
    assert 'id="commitment-TN0501"' in html and 'href="https://irm.example.org/api/v1/findings/fnd_2"' in html
    assert 'href="/' not in html  # a saved file has no site to resolve a relative link against
    assert i18n.moment(NOW, language) in html
