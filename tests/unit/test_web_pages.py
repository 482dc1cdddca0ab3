"""The public pages' pure rules: languages, direction, the language switch, translations
complete in ar and fr, the pages' security policy, logical CSS only, the log page's view."""
import re
from datetime import datetime, timedelta, timezone

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from services.gateway.app import route
from services.web import i18n, views
from shared import edge
from shared.irm import LANGUAGES
from shared.transparency.note import Checkpoint, SigningKey, sign_checkpoint

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
    method_map = [("**/templates/**.html", "jinja2"), ("**.py", "python")]
    return {message for _, _, message, _, _ in extract_from_dir(str(WEB), method_map) if isinstance(message, str)}


def test_the_templates_have_strings_to_translate():
    assert len(extracted_messages()) > 40


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_interface_string_is_in_each_catalog_and_translated_in_ar_and_fr(language):
    with open(WEB / "translations" / language / "LC_MESSAGES" / "messages.po", "rb") as po:
        catalog = read_po(po, locale=language)
    translated = {m.id: m.string for m in catalog if m.id and not m.fuzzy}
    missing = extracted_messages() - set(translated)
    assert not missing, f"{language}: not in the catalog (run make translations): {sorted(missing)}"
    if language != "en":  # English strings are their own translation
        empty = sorted(message for message in extracted_messages() if not translated[message].strip())
        assert not empty, f"{language}: untranslated: {empty}"
        for message in extracted_messages():  # placeholders survive translation
            assert sorted(re.findall(r"%\(\w+\)s", message)) == sorted(re.findall(r"%\(\w+\)s", translated[message]))


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
