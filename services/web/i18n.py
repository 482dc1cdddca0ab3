"""The pages' languages: which one a request gets, its direction, its catalog and its formats.

Pure (Babel and Jinja2, no nameko, no database). The languages are the IRM's (shared/irm.py);
a page's language is the first segment of its path (`/ar/log`), and `/` picks one from the
browser's Accept-Language. Each language has one Jinja2 environment with its catalog
installed (new-style gettext, autoescape on), built once at start.

Catalogs: translations/<lang>/LC_MESSAGES/messages.po is the only copy. It is compiled in
memory when the environments are built (babel's read_po + write_mo), so there is no .mo file
to forget to rebuild and a fresh clone serves its translations as they are. `make translations`
extracts the strings from the templates and updates every .po; tests/unit/test_web_i18n.py
fails on a string that the templates use and a catalog leaves untranslated.
"""
import io
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError
from urllib.parse import urlencode

import jinja2
from babel import Locale, dates, negotiate_locale, numbers
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations
from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header

from shared.irm import LANGUAGES

from services.web import labels

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
TRANSLATIONS = HERE / "translations"
DOMAIN = "messages"
DEFAULT_LANGUAGE = "en"  # when the browser asks for none of ours


def direction(language: str) -> str:
    """"rtl" or "ltr", from Babel's locale data (Arabic is rtl)."""
    return Locale.parse(language).text_direction


def preferred_language(accept_language: str | None) -> str:
    """The language `/` sends a browser to: its best Accept-Language match among ours.

    In the browser's order of preference, each tag taken whole or by its primary language:
    `fr-TN` matches `fr`, and `en-GB,ar;q=0.2` gives English, not the exact but less wanted `ar`."""
    wanted = [tag.lower() for tag, quality in parse_accept_header(accept_language or "", LanguageAccept) if quality > 0]
    return negotiate_locale(wanted, LANGUAGES, sep="-") or DEFAULT_LANGUAGE


def split_language(path: str):
    """(language, rest of the path) for a page path such as /fr/log -> ("fr", "/log"); None if it has none."""
    first, _, rest = path.lstrip("/").partition("/")
    if first not in LANGUAGES:
        return None
    return first, "/" + rest


def language_links(language: str, rest: str, query: list) -> list:
    """The language switch: the same page and query in every language, this one marked current."""
    suffix = ("?" + urlencode(query)) if query else ""
    return [{"language": other, "href": f"/{other}{rest}{suffix}", "name": Locale.parse(other).get_display_name(other),
             "current": other == language} for other in LANGUAGES]


def catalog(language: str, translations: Path = TRANSLATIONS) -> Translations:
    """The language's catalog, compiled from its .po in memory (`translations`: another catalog folder
    laid out the same way, as the mail service's)."""
    with open(translations / language / "LC_MESSAGES" / f"{DOMAIN}.po", "rb") as po:
        messages = read_po(po, locale=language, domain=DOMAIN)
    compiled = io.BytesIO()
    write_mo(compiled, messages)
    compiled.seek(0)
    return Translations(compiled, domain=DOMAIN)


# --- formats: dates and numbers as the page's language writes them ----------------------------
def number(value: int, language: str) -> str:
    return numbers.format_decimal(value, locale=language)


def decimal(value: float, language: str) -> str:
    """A quantity with at most one decimal (1.5 in English, 1,5 in French)."""
    return numbers.format_decimal(value, format="#,##0.#", locale=language)


def percent(fraction: float, language: str) -> str:
    """A share (0.5) as the language writes a whole percentage ("50 %" in French)."""
    return numbers.format_percent(fraction, locale=language)


def moment(value: datetime, language: str) -> str:
    """A date and time, long form, in UTC (said so: the public reads it from everywhere)."""
    return dates.format_datetime(value, "long", tzinfo=timezone.utc, locale=language)


def moment_in(value: datetime, language: str, time_zone: str | None = None) -> str:
    """A date and time, long form, in `time_zone` (an IANA name: a member's) when given and known,
    else in UTC; the form names its zone either way."""
    zone = timezone.utc
    if time_zone:
        try:
            zone = ZoneInfo(time_zone)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return dates.format_datetime(value, "long", tzinfo=zone, locale=language)


def from_iso(value: str) -> datetime:
    """A time as the API writes it ("2026-12-01T07:30:00.000Z"), as an aware datetime."""
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def age(value: datetime, now: datetime, language: str) -> str:
    """How long ago, in words ("il y a 3 minutes")."""
    return dates.format_timedelta(value - now, add_direction=True, threshold=1.1, locale=language)


def duration(seconds: int, language: str) -> str:
    """A wait in words, rounded as people say it ("45 secondes", "2 minutes", "ساعة واحدة")."""
    return dates.format_timedelta(timedelta(seconds=seconds), locale=language)


def environment(language: str) -> jinja2.Environment:
    """The Jinja2 environment of one language: autoescaped, with its catalog and formats."""
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                             extensions=["jinja2.ext.i18n"], undefined=jinja2.StrictUndefined)
    env.install_gettext_translations(catalog(language), newstyle=True)
    env.filters["number"] = lambda value: number(value, language)
    env.filters["percent"] = lambda value: percent(value, language)
    env.filters["moment"] = lambda value: moment(value, language)
    env.filters["moment_iso"] = lambda value: moment(from_iso(value), language)
    env.globals.update(language=language, direction=direction(language), labels=labels)
    return env


def environments() -> dict:
    return {language: environment(language) for language in LANGUAGES}
