"""Whether a gettext catalog holds every string its code and templates ask for: one check for the pages'
catalogs (tests/unit/test_web_pages.py) and the mails' (tests/unit/test_mail.py), run by `make translations`."""
import re
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po


def extracted_messages(folder: Path, method_map) -> set:
    """Every msgid pybabel would extract from `folder` with `method_map`."""
    return {message for _, _, message, _, _ in extract_from_dir(str(folder), method_map) if isinstance(message, str)}


def assert_translated(folder: Path, language: str, extracted: set):
    """`folder`/translations/<language> has each of `extracted`, translated (English is its own translation),
    with the same placeholders."""
    with open(folder / "translations" / language / "LC_MESSAGES" / "messages.po", "rb") as po:
        translated = {m.id: m.string for m in read_po(po, locale=language) if m.id and not m.fuzzy}
    missing = extracted - set(translated)
    assert not missing, f"{language}: not in the catalog (run make translations): {sorted(missing)}"
    if language != "en":  # English strings are their own translation
        empty = sorted(message for message in extracted if not translated[message].strip())
        assert not empty, f"{language}: untranslated: {empty}"
        for message in extracted:  # placeholders survive translation
            assert sorted(re.findall(r"%\(\w+\)s", message)) == sorted(re.findall(r"%\(\w+\)s", translated[message]))
