"""PDF reports: a page's HTML rendered to PDF with WeasyPrint (Pango shapes Arabic and lays it
out right to left from the document's `dir`). Pure: HTML and CSS in, PDF bytes out.

A report is rendered from a template of this service in one language, with the print
stylesheet static/report.css and no network: WeasyPrint fetches nothing but this service's
own files (`url_fetcher` refuses anything else), so a report can never pull in a third party.
Wired to findings in a later step (one report per finding and language, at a stable URL,
naming the content hash of the finding it was made from).
"""
from urllib.parse import urlsplit

from weasyprint import CSS, HTML
from weasyprint.urls import URLFetcher

from services.web import i18n

STYLESHEET = i18n.HERE / "static" / "report.css"


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


def render_report(environments: dict, language: str, template: str, **context) -> bytes:
    """A report template rendered in `language`, then to PDF."""
    return render_pdf(environments[language].get_template(template).render(**context))
