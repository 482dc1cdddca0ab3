"""PDF reports: one per finding and language. Pure: HTML and CSS in, PDF bytes out, and the
bounded cache of rendered reports (no nameko, no database; dependencies.py runs the rendering
through eventlet's thread pool, because it holds the CPU for a good part of a second).

A report is rendered from templates/report.html in one language, with the print stylesheet
static/report.css and no network: WeasyPrint fetches nothing but this service's own files
(`url_fetcher` refuses anything else), so a report can never pull in a third party. Pango
shapes Arabic and lays it out right to left from the document's `dir`.

A finding version's content never changes (publication inserts it once), except for the
one field a correction sets later, `superseded_by`: a report is therefore kept under its
finding id, the content hash the API shows (`content_sha256`), that field and the
language. A new version is a new finding id and hash, so it is rendered afresh.
"""
import hashlib
import re
from collections import OrderedDict
from typing import NamedTuple
from urllib.parse import urlsplit

from weasyprint import CSS, HTML
from weasyprint.urls import URLFetcher

from services.web import i18n

STYLESHEET = i18n.HERE / "static" / "report.css"
TEMPLATE = "report.html"
# A report is some tens of KB: 64 of them stay under a few MB of memory.
CACHE_ENTRIES = 64


class OwnFilesOnly(URLFetcher):
    """WeasyPrint's fetcher, limited to files of this service: no network, no other file."""

    def __init__(self):
        super().__init__(allowed_protocols={"file"}, allow_redirects=False)

    def fetch(self, url, headers=None):
        if not urlsplit(url).path.startswith(str(i18n.HERE) + "/"):
            raise ValueError(f"a report loads only the web service's own files, not {url}")
        return super().fetch(url, headers)


def render_pdf(html: str) -> bytes:
    """The PDF of `html` (a whole document, with its lang and dir) in the report stylesheet."""
    fetcher = OwnFilesOnly()
    document = HTML(string=html, base_url=str(i18n.HERE) + "/", url_fetcher=fetcher)
    return document.write_pdf(stylesheets=[CSS(filename=str(STYLESHEET), url_fetcher=fetcher)])


# --- which report, under which name ------------------------------------------------------------
class ReportKey(NamedTuple):
    finding_id: str
    content_sha256: str
    superseded_by: str | None
    language: str


def report_key(view: dict, language: str) -> ReportKey:
    """What a finding's report depends on, from the API's view of the finding."""
    return ReportKey(view["id"], view["content_sha256"], view["superseded_by"], language)


def filename(view: dict, language: str) -> str:
    """The name a saved report gets: member, cycle, version, finding id and language, in
    characters every file system and a Content-Disposition header take as they are."""
    parts = ("irm-finding", view["member"]["code"], view["action_plan"]["cycle"], f"v{view['version']}", view["id"], language)
    return re.sub(r"[^A-Za-z0-9._-]+", "_", "-".join(str(part) for part in parts)) + ".pdf"


class RenderedReport(NamedTuple):
    body: bytes
    etag: str  # unquoted; the header quotes it


class ReportCache:
    """The last `capacity` reports rendered, least recently used dropped first."""

    def __init__(self, capacity: int = CACHE_ENTRIES):
        if capacity < 1:
            raise ValueError("a report cache holds at least one report")
        self.capacity = capacity
        self._reports: OrderedDict = OrderedDict()

    def get(self, key: ReportKey) -> RenderedReport | None:
        report = self._reports.get(key)
        if report is not None:
            self._reports.move_to_end(key)
        return report

    def put(self, key: ReportKey, body: bytes) -> RenderedReport:
        """Keep `body` under `key`, its ETag the SHA-256 of its bytes."""
        report = RenderedReport(body, hashlib.sha256(body).hexdigest()[:32])
        self._reports[key] = report
        self._reports.move_to_end(key)
        while len(self._reports) > self.capacity:
            self._reports.popitem(last=False)
        return report

    def __len__(self):
        return len(self._reports)

    def __contains__(self, key):
        return key in self._reports
