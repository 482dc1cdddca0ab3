"""What every HTTP request and answer at the edge shares, defined once: how large a body may
be on each route, the security headers, and the public base URL that absolute links name.

Pure (no nameko, no WSGI server): the gateway (services/gateway/app.py), the services' web
server (shared/webserver.py), their JSON reader (shared/http.py) and intake's upload checks
all read these.
"""
import re
from urllib.parse import urlencode, urlsplit

from shared import settings
from shared.irm import LANGUAGES

# --- body limits ------------------------------------------------------------------------------
# Any JSON body: a self-assessment with 999 commitments in three languages stays well under it.
JSON_BODY_MAX_BYTES = 2 * 1024 * 1024
# A page's form (the public comment form, percent-encoded): half the JSON limit, because each
# byte of a form becomes at most two in the JSON the pages then send review (a `"` is `\"`,
# the three bytes of %01 the six of \u0001), so no form this limit lets through meets review's
# JSON limit. A comment review accepts is far smaller (2,000 characters x 4 bytes x 3 = 24 KB).
FORM_BODY_MAX_BYTES = JSON_BODY_MAX_BYTES // 2
# An evidence file or a spreadsheet (EVIDENCE_MAX_BYTES in deploy/nameko.yaml, this by default).
EVIDENCE_MAX_BYTES = settings.default("EVIDENCE_MAX_BYTES")
# A multipart body is its file plus boundaries, part headers and small form fields.
MULTIPART_OVERHEAD_BYTES = 64 * 1024
# The routes whose body is an uploaded file (multipart): evidence, bulk import of commitments, and the
# pages that send them on: the self-assessment form's evidence upload (services/web/government_pages.py,
# to /api/v1/evidence) and the import page (government_import_pages.py, to .../commitments).
UPLOAD_ROUTES = re.compile(r"/api/v1/evidence/?|/api/v1/action-plans/[^/]+/[^/]+/commitments/?"
                           r"|/[a-z]{2}/government/plans/[0-9]+/self-assessment/evidence/[^/]+"
                           r"|/[a-z]{2}/government/import")


def upload_body_max_bytes(evidence_max_bytes: int) -> int:
    """The largest multipart body an upload route reads: the file limit plus the multipart frame."""
    return evidence_max_bytes + MULTIPART_OVERHEAD_BYTES


def body_max_bytes(method: str, path: str, evidence_max_bytes: int) -> int:
    """The largest request body `method path` may carry."""
    if method == "POST" and UPLOAD_ROUTES.fullmatch(path):
        return upload_body_max_bytes(evidence_max_bytes)
    return JSON_BODY_MAX_BYTES


# --- integers ---------------------------------------------------------------------------------
# What MongoDB stores as an integer (BSON int64); anything beyond it cannot even be queried.
INT64_MIN, INT64_MAX = -(2 ** 63), 2 ** 63 - 1


# --- text -------------------------------------------------------------------------------------
# C0 controls but tab and newline, DEL, C1 controls, and lone surrogates (JSON's "\ud800" parses
# to one, and it cannot be encoded to UTF-8, so it could not be stored or hashed either).
FORBIDDEN_IN_TEXT = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")


def forbidden_character(text: str):
    """The first character free text may not hold, as 'U+0000', or None."""
    found = FORBIDDEN_IN_TEXT.search(text)
    return f"U+{ord(found.group()):04X}" if found else None


# --- the public base URL ------------------------------------------------------------------------
DEFAULT_PUBLIC_BASE_URL = settings.default("PUBLIC_BASE_URL")


class BadPublicBaseUrl(ValueError):
    pass


def public_base_url(configured) -> str:
    """PUBLIC_BASE_URL, checked: scheme and host (and port), nothing else; no trailing '/'.

    Absolute links in public, cached bodies (feeds, data dictionary) are built from it and
    never from a request's Host or X-Forwarded-Host, which any client can set."""
    value = (configured or DEFAULT_PUBLIC_BASE_URL).strip().rstrip("/")
    parts = urlsplit(value)
    try:
        parts.port  # noqa: B018 -- raises on a port that is not a number
    except ValueError:
        raise BadPublicBaseUrl(f"PUBLIC_BASE_URL {value!r} has a bad port.") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise BadPublicBaseUrl(f"PUBLIC_BASE_URL {value!r} must be http(s)://host[:port], e.g. https://irm.example.org.")
    if parts.username or parts.password or parts.path or parts.query or parts.fragment:
        raise BadPublicBaseUrl(f"PUBLIC_BASE_URL {value!r} must be only scheme, host and port (no user, path or query).")
    return value


# --- security headers --------------------------------------------------------------------------
# The API serves no pages: JSON, Atom, CSV, plain text and uploaded files. So a browser may load
# nothing on their behalf, frame them or resolve relative URLs against them.
CONTENT_SECURITY_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'"
# The public pages (services/web) load their own scripts, styles and images and nothing else:
# no inline script or style, no third party, forms posted only back here, never framed.
PAGE_CONTENT_SECURITY_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                                "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'")
HSTS_MAX_AGE_SECONDS = 365 * 24 * 3600
# What is not a page: the API, and each process's own health and metrics.
NOT_PAGES = re.compile(r"/api/.*|/health(/.*)?|/metrics")


# A page's form refused for its size is still read to its end (and dropped) up to this, so that the
# browser shows the refusal page: one that comes while it is still sending shows as a reset connection.
# Past it, the connection is closed unread, as for the API.
PAGE_BODY_DRAIN_MAX_BYTES = 256 * 1024 * 1024

# Where the gateway sends a browser whose page form it refused unread (too large): the web service's page
# that says so in the path's language (services/web/service.py refused_page). JSON is for the API.
REFUSED_PAGE = "/refused"
PAGE_LANGUAGE = re.compile(r"/(" + "|".join(LANGUAGES) + r")(/|\Z)")


def refused_page_location(path: str) -> str:
    """The refusal page for a form posted to the page `path` and refused for its size."""
    language = PAGE_LANGUAGE.match(path)
    reason = "file_too_large" if UPLOAD_ROUTES.fullmatch(path) else "too_large"
    return f"/{language.group(1) if language else LANGUAGES[-1]}{REFUSED_PAGE}?" + urlencode({"reason": reason, "from": path})


def is_page(path: str | None) -> bool:
    """Whether `path` is one of the public pages (the web service's), not the API. None: not a page."""
    return path is not None and path.startswith("/") and not NOT_PAGES.fullmatch(path)


def security_headers(base_url: str, path: str | None = None) -> dict:
    """The headers every answer carries, errors included. HSTS only when served over TLS.

    `path` picks the Content-Security-Policy: the pages' own for a page, the API's (which lets
    nothing load) for everything else, and when the path is not known.

    Referrer-Policy is no-referrer rather than strict-origin-when-cross-origin: no outgoing
    link needs to tell the target where a reader came from, and a finding's or evidence file's
    URL is not the business of the site it links to."""
    policy = PAGE_CONTENT_SECURITY_POLICY if is_page(path) else CONTENT_SECURITY_POLICY
    headers = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer",
               "Content-Security-Policy": policy}
    if base_url.startswith("https://"):
        headers["Strict-Transport-Security"] = f"max-age={HSTS_MAX_AGE_SECONDS}"
    return headers


def with_security_headers(headers: list, base_url: str, path: str | None = None) -> list:
    """WSGI response headers with the security headers set (replacing any of the same name)."""
    ours = security_headers(base_url, path)
    lowered = {name.lower() for name in ours}
    return [(k, v) for k, v in headers if k.lower() not in lowered] + list(ours.items())
