"""The public pages' pure rules: languages, direction, the language switch, translations
complete in ar and fr, the pages' security policy, logical CSS only, the log page's view."""
import re
from datetime import datetime, timedelta, timezone

import pytest

from services.gateway.app import route
from services.web import i18n, views
from shared import edge
from shared.irm import LANGUAGES
from shared.transparency.note import Checkpoint, SigningKey, sign_checkpoint
from tests import catalogs

WEB = i18n.HERE
NOW = datetime(2026, 12, 1, 7, 30, tzinfo=timezone.utc)


def test_arabic_is_right_to_left_and_the_others_left_to_right():
    assert {language: i18n.direction(language) for language in LANGUAGES} == {"ar": "rtl", "fr": "ltr", "en": "ltr"}


@pytest.mark.parametrize("header,expected", [("fr-TN,fr;q=0.9,en;q=0.5", "fr"), ("ar-MA", "ar"), ("en-GB,ar;q=0.2", "en"),
                                             ("de-DE,ar;q=0.3", "ar"), ("de", "en"), ("", "en"), (None, "en")])
def test_the_default_language_comes_from_accept_language(header, expected):
    assert i18n.preferred_language(header) == expected


def test_the_language_switch_keeps_the_path_and_the_query():
    links = i18n.language_links("fr", "/log", [("member", "tunisia"), ("q", "a&b é")])
    assert [link["href"] for link in links] == [f"/{lang}/log?member=tunisia&q=a%26b+%C3%A9" for lang in LANGUAGES]
    assert [link["current"] for link in links] == [lang == "fr" for lang in LANGUAGES]
    assert {link["language"]: link["name"] for link in links}["ar"] == "العربية"
    assert i18n.split_language("/ar/log") == ("ar", "/log") and i18n.split_language("/de/log") is None


def extracted_messages() -> set:
    return catalogs.extracted_messages(WEB, [("**/templates/**.html", "jinja2"), ("**.py", "python")])


def test_the_templates_have_strings_to_translate():
    assert len(extracted_messages()) > 40


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_interface_string_is_in_each_catalog_and_translated_in_ar_and_fr(language):
    catalogs.assert_translated(WEB, language, extracted_messages())


def test_the_catalog_compiled_at_start_is_the_one_served():
    assert i18n.catalog("fr").gettext("Transparency log") == "Journal de transparence"
    assert i18n.catalog("ar").gettext("Transparency log") == "سجل الشفافية"


def test_pages_get_their_own_policy_and_the_api_keeps_its_own():
    assert edge.security_headers("http://x", "/fr/log")["Content-Security-Policy"] == edge.PAGE_CONTENT_SECURITY_POLICY
    assert "script-src 'self'" in edge.PAGE_CONTENT_SECURITY_POLICY and "'unsafe-inline'" not in edge.PAGE_CONTENT_SECURITY_POLICY
    for path in ("/api/v1/findings", "/health", "/health/live", "/metrics", None, ""):
        assert edge.security_headers("http://x", path)["Content-Security-Policy"] == edge.CONTENT_SECURITY_POLICY


def test_the_gateway_sends_every_page_to_the_web_service_and_the_api_where_it_was():
    assert route("/") == route("/fr/log") == route("/static/site.css") == "web"
    assert route("/api/v1/findings") == "publication" and route("/api/v1/nothing") is None


def test_the_pages_have_no_inline_script_or_style_and_no_third_party():
    for template in (WEB / "templates").glob("*.html"):
        text = template.read_text()
        assert not re.search(r"<script(?![^>]*\bsrc=)", text), f"{template.name}: an inline script"
        assert not re.search(r"<style|\sstyle=|\son\w+=", text), f"{template.name}: inline style or handler"
        assert not re.search(r"(src|href)=\"(https?:)?//", text), f"{template.name}: a third-party resource"


def test_the_stylesheet_uses_logical_properties_only():
    css = re.sub(r"/\*.*?\*/", "", (WEB / "static" / "site.css").read_text(), flags=re.S)
    assert not re.findall(r"[\w-]*\b(left|right)\b[\w-]*", css)


def log_context(note, key, language="fr"):
    latest = {"note": note, "size": 1234567, "signed_at": NOW - timedelta(minutes=3)}
    return views.log_page(latest, key, "https://ogp.example/irm-key", "https://irm.example.org", NOW, language)


def test_the_log_page_shows_the_checkpoint_in_the_locale_and_whether_the_configured_key_opens_it():
    key = SigningKey.generate("irm.test/audit-log")
    note = sign_checkpoint(Checkpoint("irm.test/audit-log", 1234567, b"\x07" * 32, ("time: 2026-12-01T07:27:00Z",)), key)
    french = log_context(note, key.verifier)["checkpoint"]
    assert (french["size_text"], french["age_text"], french["verified"]) == ("1\u202f234\u202f567", "il y a 3 minutes", True)
    assert french["signed_at_text"].startswith("1 décembre 2026")
    assert log_context(note, key.verifier, "ar")["checkpoint"]["age_text"] == "قبل 3 دقائق"
    other = SigningKey.generate("irm.test/audit-log").verifier
    assert log_context(note, other)["checkpoint"]["verified"] is False
    assert log_context(note, None)["checkpoint"]["verified"] is None
    assert log_context(note, key.verifier)["verify_command"] == f"irm verify --url https://irm.example.org --key '{key.verifier}' FINDING_ID"
    assert views.log_page(None, None, "", "https://x.org", NOW, "en")["checkpoint"] is None


# --- the findings pages -------------------------------------------------------------------------
def test_every_irm_value_has_a_translatable_name_and_keeps_its_exact_spelling():
    from services.web import labels
    from shared import irm

    scales = {"verifiability": irm.VERIFIABILITY, "open_government_lens": irm.LENS_VALUES,
              "potential_for_results": irm.POTENTIAL_FOR_RESULTS, "completion": irm.COMPLETION,
              "did_it_open_government": irm.DID_IT_OPEN_GOVERNMENT, "public_influence": irm.PUBLIC_INFLUENCE,
              "contrary_to_process": irm.CONTRARY_TO_PROCESS_REASONS, "kind": irm.MEMBER_KINDS}
    for scale, values in scales.items():
        assert tuple(labels.VALUES[scale]) == values, scale
    assert tuple(labels.INDICATOR_NAMES) == irm.INDICATORS
    assert i18n.catalog("fr").gettext(labels.value("completion", "no_evidence_available")) == "Aucune preuve disponible"
    assert labels.value("completion", "something_new") == "something_new"


def test_text_is_shown_in_the_page_language_or_else_the_original_with_its_lang():
    assert views.localized({"ar": "تونس", "fr": "Tunisie"}, "fr") == {"text": "Tunisie", "lang": None}
    assert views.localized({"ar": "تونس", "en": "Tunisia"}, "fr", ["ar", "en"]) == {"text": "تونس", "lang": "ar"}
    assert views.localized({"en": "Tunisia", "ar": "تونس"}, "fr", ["en"]) == {"text": "Tunisia", "lang": "en"}
    assert views.localized({"en": "Tunisia", "ar": "تونس"}, "fr") == {"text": "تونس", "lang": "ar"}  # sorted: stable
    assert views.localized({}, "fr") is None and views.localized("plain", "ar") == {"text": "plain", "lang": None}


def test_only_http_links_become_links():
    assert views.safe_link("https://budget.example.tn/p") == "https://budget.example.tn/p"
    assert views.safe_link("HTTP://x.org") == "HTTP://x.org"
    for url in ("javascript:alert(1)", "data:text/html,<b>", "//x.org", None, " https://x"):
        assert views.safe_link(url) is None


def test_the_filter_form_reads_as_the_apis_query_and_its_next_link_keeps_the_filters():
    from services.publication.schemas import FINDINGS_QUERY

    form = views.findings_form({"member": "TN", "kind": "", "cycle": " ", "completion": "limited", "from": "search"},
                               FINDINGS_QUERY.fields)
    assert form == {"member": "TN", "completion": "limited"}
    found = {"items": [], "next": {"member": "TN", "completion": "limited", "limit": 20, "cursor": "abc"}}
    page = views.findings_list_page(found, form, {}, "ar")
    assert page["next_href"] == "/ar/findings?member=TN&completion=limited&limit=20&cursor=abc"
    assert page["api_url"] == "/api/v1/findings?member=TN&completion=limited" and page["count"] == 0
    assert views.findings_list_page({"items": [], "next": None}, {}, {}, "fr")["next_href"] is None


FINDING_VIEW = {
    "id": "fnd_2", "url": "/api/v1/findings/fnd_2", "case_id": "case_1", "version": 2,
    "member": {"code": "TN", "kind": "national", "names": {"ar": "تونس", "fr": "Tunisie"}},
    "action_plan": {"cycle": "2023-2025", "plan_number": 5}, "languages": ["ar", "fr"], "summary": {"commitments": 1},
    "published_at": "2026-12-01T07:30:00.000Z", "audit_url": "/api/v1/cases/case_1/audit",
    "timeline_url": "/api/v1/cases/case_1/timeline", "status": "withdrawn", "withdrawn_reason": "Wrong plan.",
    "supersedes": "fnd_1", "superseded_by": None, "expert_id": "exp-a", "reviewer_id": "iep-b", "content_sha256": "ab",
    "audit_head": {}, "plan_assessment": None, "government_comments": [],
    "public_comments": [{"comment_id": "p1", "text": {"fr": "Bien"}, "author": None, "at": "2026-12-01T07:30:00.000Z"},
                        {"comment_id": "p2", "text": {"fr": "Secret"}, "confidential": True, "at": "2026-12-01T07:30:00.000Z"}],
    "commitments": [{"commitment_id": "TN0501", "number": 1, "title": {"en": "Open budget"}, "judgements": {},
                     "ratings": {"completion": {"value": "limited", "justification": {"fr": "Un atelier."},
                                                "evidence": ["https://x.tn/a.pdf", "javascript:alert(1)"]},
                                 "verifiability": {"value": "verifiable", "justification": {"fr": "Mesurable."}},
                                 "open_government_lens": {"value": {"transparency": True, "participation": False,
                                                                    "accountability": True}, "justification": {"fr": "x"}}}}],
}


def test_the_finding_page_shows_the_apis_view_in_the_rubrics_order():
    page = views.finding_page(FINDING_VIEW, "fr")
    commitment = page["commitments"][0]
    assert [i["name"] for i in commitment["indicators"]] == ["verifiability", "open_government_lens", "completion"]
    assert commitment["indicators"][1]["values"] == ["transparency", "accountability"]
    assert commitment["indicators"][2]["evidence"] == [{"url": "https://x.tn/a.pdf", "href": "https://x.tn/a.pdf"},
                                                       {"url": "javascript:alert(1)", "href": None}]
    assert commitment["title"] == {"text": "Open budget", "lang": "en"} and page["member"]["name"]["text"] == "Tunisie"
    assert [c["id"] for c in page["public_comments"]] == ["p1"]  # a confidential one is never shown
    assert (page["supersedes_href"], page["superseded_by_href"]) == ("/fr/findings/fnd_1", None)
    assert page["links"]["feed"] == "/api/v1/feeds/findings.atom?member=TN"


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_finding_page_renders_escaped_in_each_language(language):
    hostile = dict(FINDING_VIEW, withdrawn_reason="<script>alert(1)</script>",
                   member={"code": "TN", "names": {language: "<b>Tunisie</b>"}})
    env = i18n.environment(language)
    html = env.get_template("finding.html").render(static=lambda name: name, rest="/findings/fnd_2",
                                                   languages=i18n.language_links(language, "/findings/fnd_2", []),
                                                   **views.finding_page(hostile, language),
                                                   verification=views.finding_verification(hostile, None, "", "https://x.org"))
    assert "<script>alert" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<b>Tunisie</b>" not in html and "&lt;b&gt;Tunisie&lt;/b&gt;" in html
    assert 'href="javascript:' not in html


def test_the_finding_page_hands_its_verifier_the_case_its_audit_head_and_the_configured_key():
    key = SigningKey.generate("irm.example.org/audit-log")
    view = dict(FINDING_VIEW, audit_head={"seq": 6, "hash": "ab" * 32})
    section = views.finding_verification(view, key.verifier, "https://ogp.example/key", "https://irm.example.org")
    assert (section["case_id"], section["finding_id"], section["head_seq"], section["head_hash"]) == (
        view["case_id"], view["id"], 6, "ab" * 32)
    assert section["key"] == {"text": str(key.verifier), "configured": True, "published_at": "https://ogp.example/key"}
    assert section["command"] == f"irm verify --url https://irm.example.org --key '{key.verifier}' {view['id']}"
    assert section["links"]["audit"] == view["audit_url"] and section["links"]["checkpoint"] == "/api/v1/log/checkpoint"
    unconfigured = views.finding_verification(view, None, "", "https://irm.example.org")
    assert unconfigured["key"]["configured"] is False and "--key 'KEY'" in unconfigured["command"]
    html = i18n.environment("fr").get_template("finding.html").render(
        static=lambda name: name, rest="/findings/fnd_2", languages=[], **views.finding_page(view, "fr"), verification=section)
    assert f'data-key="{key.verifier}"' in html and 'data-head-seq="6"' in html and 'data-case-id="' + view["case_id"] + '"' in html
    assert "Vérifier l" in html  # the section's heading, translated


def test_the_timeline_links_an_entry_to_its_proof_only_once_a_signed_tree_holds_it():
    def event(seq, index, **more):
        return {"log_index": index, "seq": seq, "when": "2026-12-01T07:30:00.000Z", "who": {"role": "expert", "id": "exp-a"},
                "what": "rating.saved", "why": "Saved.", "details": {}, "service": "review", "entry_hash": "ab", **more}

    timeline = {"case_id": "case_1", "audit_url": "/api/v1/cases/case_1/audit", "events": [
        event(1, 4, withheld={"until": "public_comment"}), event(2, 9, sealed={"salt": "s", "content": {}}),
        event(3, None), event(4, 5, withheld={"until": None, "erased": True})]}
    page = views.timeline_page(timeline, 8, "fr")
    assert [e["proof_href"] for e in page["events"]] == [
        "/api/v1/log/proofs/inclusion?index=4&size=8", None, None, "/api/v1/log/proofs/inclusion?index=5&size=8"]
    assert [(e["withheld_until"], e["disclosed"]) for e in page["events"]] == [
        ("public_comment", False), (None, True), (None, False), ("erased", False)]
    assert views.timeline_page(timeline, None, "en")["events"][0]["proof_href"] is None
    assert page["api_url"] == "/api/v1/cases/case_1/timeline"


def test_every_withheld_moment_of_the_disclosure_rule_has_a_name():
    from services.web import labels
    from shared import disclosure

    assert set(labels.WITHHELD_UNTIL) == {*disclosure.MOMENTS.values(), disclosure.NEVER}
    assert set(disclosure.DISCLOSED_BY) <= set(labels.ACTIONS)
