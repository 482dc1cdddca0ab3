"""The operator's members and corrections pages' pure parts: intake's members and publication's corrections as the
pages show them (names per language, region and time zone; who, when in UTC in the page's language, why, and the
links to the finding and the case's timeline; the next page's cursor), and the pages rendered escaped in each
language (a hostile reason stays text)."""
import pytest

from services.web import i18n, registry_views as views
from shared.irm import LANGUAGES

TUNISIA = {"code": "TN", "kind": "national", "names": {"ar": "تونس", "fr": "Tunisie", "en": "Tunisia"}, "region": "MENA",
           "time_zone": "Africa/Tunis", "created_at": "2026-12-01T12:00:00.000Z"}
DAKAR = {"code": "SN-DKR", "kind": "local", "names": {"fr": "Dakar"}, "created_at": None}
WITHDRAWAL = {"kind": "withdrawal", "what": "finding.withdrawn", "case_id": "case_w", "seq": 7, "when": "2026-12-01T12:00:00.000Z",
              "who": {"role": "quality_reviewer", "id": "iep-rivera"}, "why": "Withdrawn: <script>alert(1)</script>",
              "finding_id": "fnd_2", "supersedes": "fnd_1", "timeline_url": "/api/v1/cases/case_w/timeline"}
CORRECTION = {"kind": "correction", "what": "review.correction_opened", "case_id": "case_c", "seq": 9,
              "when": "2026-11-30T08:00:00.000Z", "who": {"role": "admin", "id": "admin-1"},
              "why": "Correction: commitment 2 misread", "finding_id": None, "supersedes": None,
              "timeline_url": "/api/v1/cases/case_c/timeline"}


def render(language, template, rest, **context):
    return i18n.environment(language).get_template(template).render(
        static=lambda name: name, rest=rest, languages=i18n.language_links(language, rest, []),
        viewer={"email": "admin@example.org", "role": "admin", "role_name": "Administrator"}, **context)


def test_the_members_page_shows_each_member_with_its_names_region_and_time_zone():
    page = views.members_page({"members": [DAKAR, TUNISIA], "next_after": "TN"}, "fr")
    dakar, tunisia = page["members"]
    assert [n["language"] for n in tunisia["names"]] == ["ar", "fr", "en"] and tunisia["names"][0]["text"] == "تونس"
    assert (tunisia["kind_name"], tunisia["region"], tunisia["time_zone"]) == ("National", "MENA", "Africa/Tunis")
    assert tunisia["href"] == "/fr/members/TN" and "décembre 2026" in tunisia["added"]["text"]
    assert (dakar["kind_name"], dakar["region"], dakar["time_zone"], dakar["added"]) == ("Local", None, None, None)
    assert page["next_href"] == "/fr/operator/members?after=TN" and page["first_href"] is None
    later = views.members_page({"members": [], "next_after": None}, "en", after="TN")
    assert later["next_href"] is None and later["first_href"] == "/en/operator/members"


def test_the_corrections_page_shows_who_when_why_and_the_links():
    page = views.corrections_page({"corrections": [WITHDRAWAL, CORRECTION], "next": "abc="}, "ar")
    withdrawal, correction = page["corrections"]
    assert withdrawal["kind_name"] == views.CORRECTION_NAMES["withdrawal"] and withdrawal["id"] == "case_w-7"
    assert withdrawal["who"] == {"role": "quality_reviewer", "role_name": "IEP quality reviewer", "id": "iep-rivera"}
    assert withdrawal["why"] == "Withdrawn: <script>alert(1)</script>" and withdrawal["when"]["iso"] == "2026-12-01T12:00:00.000Z"
    assert (withdrawal["finding_href"], withdrawal["supersedes_href"]) == ("/ar/findings/fnd_2", "/ar/findings/fnd_1")
    assert withdrawal["timeline_href"] == "/ar/cases/case_w/timeline"
    assert correction["finding_href"] is None and correction["timeline_href"] == "/ar/cases/case_c/timeline"
    assert correction["who"]["role_name"] == "Administrator" and correction["why"] == "Correction: commitment 2 misread"
    assert page["next_href"] == "/ar/operator/corrections?cursor=abc%3D" and page["first_href"] is None


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_pages_render_escaped_in_each_language(language):
    members = render(language, "operator_members.html", "/operator/members",
                     **views.members_page({"members": [TUNISIA, DAKAR], "next_after": "TN"}, language))
    assert 'id="member-TN"' in members and 'lang="ar" dir="auto">تونس</span>' in members and "Africa/Tunis" in members
    assert 'id="operator-members-link" aria-current="page"' in members and 'id="next-page"' in members
    none = render(language, "operator_members.html", "/operator/members", **views.members_page({"members": []}, language))
    assert 'id="no-members"' in none
    listed = render(language, "operator_corrections.html", "/operator/corrections",
                    **views.corrections_page({"corrections": [WITHDRAWAL, CORRECTION], "next": None}, language))
    assert "<script>alert" not in listed and "&lt;script&gt;alert(1)&lt;/script&gt;" in listed
    assert 'id="correction-case_w-7" data-kind="withdrawal"' in listed and 'href="/%s/cases/case_c/timeline"' % language in listed
    assert 'id="operator-corrections-link" aria-current="page"' in listed and 'id="next-page"' not in listed
    empty = render(language, "operator_corrections.html", "/operator/corrections", **views.corrections_page({}, language))
    assert 'id="no-corrections"' in empty
