"""The web service's shell: what the pages need from outside, set up once per container.

`Pages` holds the rendering environments (one per language), the static assets (read once,
served from memory with their hash as ETag), the configured verifier key, the comment form's
signing key, the database connection (read-only use: the pages never write; a public comment
is posted to review's API, services/web/review_api.py), and the findings' PDF reports rendered
so far (report.ReportCache: a repeated download is served from memory).

Who is signed in (`viewer`) is read as every service reads it, shared/session_auth.py, with the
session settings every service shares: the header names the person, and a page for a
signed-in person is never kept by any cache (Cache-Control: no-store, no ETag).
"""
import hashlib
import mimetypes

from eventlet import tpool
from nameko.exceptions import ConfigurationError
from nameko.extensions import DependencyProvider
from werkzeug.wrappers import Response

from shared import edge, session_auth, sessions, settings
from shared.auth import Forbidden, Unauthorized
from shared.clock import utcnow
from shared.persistence import mongo
from shared.persistence.documents import Person
from shared.transparency.note import NoteError, VerifierKey

from services.web import account_forms, account_views, csrf, i18n, report, views

STATIC = i18n.HERE / "static"


class StaticAsset:
    def __init__(self, name: str, body: bytes):
        self.name, self.body = name, body
        self.etag = hashlib.sha256(body).hexdigest()[:32]  # unquoted; the header quotes it
        self.content_type = (mimetypes.guess_type(name)[0] or "application/octet-stream") + (
            "; charset=utf-8" if name.endswith((".css", ".js")) else "")


def load_static() -> dict:
    return {path.name: StaticAsset(path.name, path.read_bytes()) for path in sorted(STATIC.iterdir()) if path.is_file()}


def parse_verifier_key(text: str):
    """LOG_VERIFIER_KEY as a key, None when empty; a malformed one stops the service at start."""
    if not text:
        return None
    try:
        return VerifierKey.parse(text)
    except NoteError as exc:
        raise ConfigurationError(f"LOG_VERIFIER_KEY: {exc}") from None


class Pages(DependencyProvider):
    def setup(self):
        config = self.container.config
        self.verifier_key = parse_verifier_key(settings.value(config, "LOG_VERIFIER_KEY"))
        self.key_published_at = settings.value(config, "LOG_KEY_PUBLISHED_AT")
        self.public_base_url = edge.public_base_url(settings.value(config, "PUBLIC_BASE_URL"))
        try:
            self.form_secret = csrf.secret_from_setting(settings.value(config, "PAGES_FORM_SECRET"))
        except ValueError as exc:
            raise ConfigurationError(str(exc)) from None
        self.public_origin = csrf.public_origin(self.public_base_url)
        self.evidence_max_bytes = settings.value(config, "EVIDENCE_MAX_BYTES")  # what the evidence upload says and checks first
        self.secure_cookie = csrf.secure_cookie(self.public_base_url)
        self.environments = i18n.environments()
        self.static = load_static()
        self.reports = report.ReportCache()
        try:
            self.session_policy = session_auth.SessionPolicy.from_config(config)
        except ValueError as exc:
            raise ConfigurationError(str(exc)) from None
        mongo.connect(settings.value(config, "MONGODB_URI"), settings.value(config, "MONGODB_DB"))

    def get_dependency(self, worker_ctx):
        return self

    def form_nonce(self, request) -> tuple:
        """(this browser's form nonce, the Set-Cookie that gives it one, or None when it has one)."""
        nonce = csrf.usable_nonce(request.cookies.get(csrf.COOKIE))
        if nonce:
            return nonce, None
        nonce = csrf.new_nonce()
        return nonce, csrf.cookie_header(nonce, self.secure_cookie)

    def viewer(self, request):
        """The signed-in person as the header shows them ({email, role, role_name}), or None. A page
        re-rendered after a refused post names them too: showing who is signed in needs no CSRF token
        (acting for them does, and that is the upstream API's to judge)."""
        if "irm.viewer" in request.environ:
            return request.environ["irm.viewer"]
        viewer = None
        session_id = session_auth.session_id_of(request)
        if sessions.looks_like_session_id(session_id):
            try:
                principal = session_auth.live_session_principal(session_id, self.session_policy)
            except (Unauthorized, Forbidden):
                principal = None
            person = Person.objects(person_id=principal.person_id).first() if principal and principal.person_id else None
            viewer = account_views.viewer_view(person) if person is not None else None
        request.environ["irm.viewer"] = viewer
        return viewer

    def page(self, request, language: str, rest: str, template: str, status: int = 200, **context) -> Response:
        """A page in `language`: rendered, with the language switch for the same path and query,
        and an ETag of its body (a matching If-None-Match gets 304). A page for a signed-in person
        (its header names them) is no-store, with no ETag."""
        env = self.environments[language]
        context.setdefault("viewer", self.viewer(request))
        body = env.get_template(template).render(
            static=self.static_url, rest=rest,
            languages=i18n.language_links(language, rest, list(request.args.items(multi=True))), **context).encode()
        if context["viewer"] is not None or context.get("private"):
            return Response(body, status=status, content_type="text/html; charset=utf-8",
                            headers={"Cache-Control": "no-store", "Content-Language": language, "Vary": "Cookie"})
        etag = hashlib.sha256(body).hexdigest()[:32]
        headers = {"ETag": f'"{etag}"', "Cache-Control": "no-cache", "Content-Language": language}
        if status == 200 and request.if_none_match.contains(etag):
            return Response(status=304, headers=headers)
        return Response(body, status=status, content_type="text/html; charset=utf-8", headers=headers)

    def report(self, request, language: str, view: dict) -> Response:
        """A finding's PDF report in `language` (the API's view of it), rendered once per finding
        version and kept; its ETag the SHA-256 of the PDF, a matching If-None-Match gets 304."""
        key = report.report_key(view, language)
        rendered = self.reports.get(key)
        if rendered is None:
            html = self.environments[language].get_template(report.TEMPLATE).render(
                **views.report_page(view, language, self.now(), self.public_base_url))
            # WeasyPrint holds the CPU for a good part of a second: in a thread of its own, so
            # that every other request (each a green thread of this one process) goes on meanwhile.
            rendered = self.reports.put(key, tpool.execute(report.render_pdf, html))
        headers = {"ETag": f'"{rendered.etag}"', "Cache-Control": "no-cache", "Content-Language": language,
                   "Content-Disposition": f'inline; filename="{report.filename(view, language)}"'}
        if request.if_none_match.contains(rendered.etag):
            return Response(status=304, headers=headers)
        return Response(rendered.body, content_type="application/pdf", headers=headers)

    def static_url(self, name: str) -> str:
        """An asset's URL, versioned by its content: cached for good, never stale."""
        return f"/static/{name}?v={self.static[name].etag[:12]}"

    @staticmethod
    def now():
        return utcnow()

    @staticmethod
    def ping() -> bool:
        return mongo.ping()
