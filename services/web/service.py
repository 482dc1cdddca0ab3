"""The public pages: entrypoints only (rendering in dependencies.py, what a page shows in
views.py, what it reads in queries.py, languages and formats in i18n.py).

    GET /                     -> 303 to /<language>/ chosen by Accept-Language
    GET /<language>/          the home page
    GET /<language>/log       the transparency log: latest checkpoint, how to verify it
    GET /<language>/findings  the findings, filtered as GET /api/v1/findings filters them (same query)
    GET /<language>/findings/<id>   a finding: its commitments at a glance, comments, versions, and the
                              check of its case's history in the browser (static/finding-verify.js)
    GET /<language>/findings/<id>/report.pdf   the same finding as a PDF report in that language
    GET /<language>/members/<code>  a member: its findings over the cycles a page at a time (?cursor=), the four dimensions compared
    GET /<language>/cases/<id>/timeline   who did what, when and why, in log order (the API's timeline)
    GET /<language>/cases/<id>/draft      the public draft (review's GET .../public-draft) and, while
                                          review says comments are open, the comment form
    POST /<language>/cases/<id>/draft/comments   the form: checked against forgery here (csrf.py),
                                          then posted to review's own API, which alone decides (review_api.py)
    /<language>/sign-in, /<language>/account, /<language>/accounts/invitation, password resets:
                              people's sign-in and account pages (account_pages.py), posted to
                              the accounts API (accounts_api.py)
    /<language>/government, /<language>/government/plans/<n>/self-assessment: the government point of
                              contact's dashboard and self-assessment form (government_pages.py), posted
                              to intake's API (intake_api.py); each commitment's evidence files uploaded
                              from the form (.../self-assessment/evidence/<commitment>, static/evidence-upload.js)
    /<language>/government/cases/<id>/draft (+ /comments): the draft findings under the government's
                              review and its comment forms (government_comment_pages.py), posted to
                              review's API with the session (government_review_api.py)
    /<language>/government/import, /<language>/government/plans/<n>/versions: the bulk import of a plan's
                              commitments (static/government-import.js) and the versions of its self-assessment
                              with what changed (government_import_pages.py)
    /<language>/expert, /<language>/expert/cases/<id>/accept|decline: the IRM expert's inbox
                              (expert_pages.py), posted to review's API with the session (expert_review_api.py)
    /<language>/expert/cases/<id>/comments (+ /<comment>/answer, /open-public-comment, /finalise): the expert's
                              page after the draft: the government's comments answered, public comment opened,
                              the findings finalised (expert_comments_pages.py)
    /<language>/quality-review, /<language>/quality-review/cases/<id>: the IEP quality reviewer's queue and
                              decision on a draft (quality_pages.py), posted to review's API with the session
                              (quality_review_api.py)
    /<language>/operator/people (+ /<id>/unlock): the admins' list of people and their roles, the invitation
                              form and the unlock of a sign-in lock (people_pages.py), posted to accounts' API
                              with the session (accounts_api.py)
    /<language>/operator/messages[/<id>[/replay]]: the operator's (an admin's) rejected and parked messages, shown
                              and replayed once (operator_pages.py), through accounts' API with the session
    /<language>/operator/members, /<language>/operator/corrections: the registry's members (intake's API with the
                              session) and the findings withdrawn and cases reopened for correction with their
                              reasons (publication's trail) (registry_pages.py)
    GET /static/<name>        the pages' own CSS and scripts (no third party, no build step)
    GET /health               the database answers

Every path outside /api/ reaches this service through the gateway; edge.py gives its answers
the pages' Content-Security-Policy. A signed-in person's page names them in its header: it is
rendered for them alone (no-store), never taken from or put in the public freshness cache.
"""
import json

from marshmallow import ValidationError
from nameko.timer import timer
from werkzeug.wrappers import Response

from services.publication.schemas import FINDINGS_QUERY
from shared.http import Unprocessable

from shared import edge, metrics
from shared.irm import LANGUAGES
from shared.webserver import http

from services.publication.freshness import Freshness

from services.web import comment_form, csrf, form_posts, government_forms, i18n, queries, views
# The module, not its class: `nameko run` takes every class with entrypoints in this module's namespace for a service.
from services.web import account_pages, expert_comments_pages, expert_pages, expert_workspace_pages, government_comment_pages
from services.web import government_import_pages, government_pages, operator_pages, people_pages, quality_pages, registry_pages
from services.web.accounts_api import AccountsApi
from services.web.intake_api import IntakeApi
from services.web.dependencies import Pages
from services.web.expert_review_api import ExpertReviewApi
from services.web.government_review_api import GovernmentReviewApi
from services.web.operator_review_api import OperatorReviewApi
from services.web.quality_review_api import QualityReviewApi
from services.web.review_api import ReviewApi

LANGUAGE = "<any(" + ", ".join(LANGUAGES) + "):language>"
IMMUTABLE = "public, max-age=31536000, immutable"


class WebService(account_pages.AccountPages, government_pages.GovernmentPages, government_comment_pages.GovernmentCommentPages,
                 government_import_pages.GovernmentImportPages, expert_pages.ExpertPages,
                 expert_workspace_pages.ExpertWorkspacePages, expert_comments_pages.ExpertCommentsPages,
                 quality_pages.QualityReviewPages, people_pages.PeoplePages, operator_pages.OperatorPages,
                 registry_pages.RegistryPages):
    name = "web"
    pages = Pages()
    review = ReviewApi()  # public: no session (a comment is anonymous)
    expert_review = ExpertReviewApi()  # the signed-in expert's, with their session
    quality_review = QualityReviewApi()  # the signed-in quality reviewer's, with their session
    government_review = GovernmentReviewApi()  # the signed-in point of contact's, with their session
    operator_review = OperatorReviewApi()  # the signed-in admin's, with their session
    accounts = AccountsApi()
    intake = IntakeApi()
    # The pages built from findings change only when a finding does: the API's own freshness
    # marker gives them ETags, 304s and rendered bodies kept in memory, as it does the JSON.
    freshness = Freshness()

    @timer(interval=1)
    def refresh_freshness(self):
        self.freshness.refresh()

    def _public(self, request, render):
        """A public page: through the freshness cache, unless a signed-in person asks (their header)."""
        if self.pages.viewer(request) is not None:
            return render()
        return self.freshness.respond(request, render)

    @http("GET", "/")
    def root(self, request):
        language = i18n.preferred_language(request.headers.get("Accept-Language"))
        return Response(status=303, headers={"Location": f"/{language}/", "Vary": "Accept-Language"})

    @http("GET", f"/{LANGUAGE}/")
    def home(self, request, language):
        return self.pages.page(request, language, "/", "home.html")

    @http("GET", f"/{LANGUAGE}/log")
    def log(self, request, language):
        context = views.log_page(queries.latest_checkpoint(), self.pages.verifier_key, self.pages.key_published_at,
                                 self.pages.public_base_url, self.pages.now(), language)
        return self.pages.page(request, language, "/log", "log.html", **context)

    @http("GET", f"/{LANGUAGE}/findings")
    def findings(self, request, language):
        return self._public(request, lambda: self._findings_page(request, language))

    def _findings_page(self, request, language):
        form = views.findings_form(request.args.to_dict(), FINDINGS_QUERY.fields)
        found, errors = None, {}
        try:
            found = queries.findings_list(FINDINGS_QUERY.load(form))
        except ValidationError as exc:
            errors = exc.messages
        except Unprocessable as exc:  # a cursor this site did not give
            errors = exc.details
        context = views.findings_list_page(found, form, errors, language)
        return self.pages.page(request, language, "/findings", "findings.html", status=422 if errors else 200, **context)

    @http("GET", f"/{LANGUAGE}/findings/<string:finding_id>")
    def finding(self, request, language, finding_id):
        return self._public(request, lambda: self._finding_page(request, language, finding_id))

    def _finding_page(self, request, language, finding_id):
        view = queries.finding(finding_id)
        if view is None:
            return self.pages.page(request, language, f"/findings/{finding_id}", "not_found.html", status=404)
        verification = views.finding_verification(view, self.pages.verifier_key, self.pages.key_published_at,
                                                  self.pages.public_base_url)
        return self.pages.page(request, language, f"/findings/{finding_id}", "finding.html",
                               **views.finding_page(view, language), verification=verification)

    @http("GET", f"/{LANGUAGE}/findings/<string:finding_id>/report.pdf")
    def finding_report(self, request, language, finding_id):
        view = queries.finding(finding_id)
        if view is None:
            return self.pages.page(request, language, f"/findings/{finding_id}/report.pdf", "not_found.html", status=404)
        return self.pages.report(request, language, view)

    @http("GET", f"/{LANGUAGE}/members/<string:member_code>")
    def member(self, request, language, member_code):
        return self._public(request, lambda: self._member_page(request, language, member_code))

    def _member_page(self, request, language, member_code):
        rest = f"/members/{member_code}"
        try:
            found = queries.member_page(member_code, request.args.get("cursor")) if views.is_member_code(member_code) else None
        except Unprocessable:  # a cursor this site did not give: no such page
            found = None
        if found is None:
            return self.pages.page(request, language, rest, "not_found.html", status=404)
        next_href = views.member_next_href(member_code, found["next"], language)
        return self.pages.page(request, language, rest, "member.html", **views.member_page(found, language, next_href))

    @http("GET", f"/{LANGUAGE}/cases/<string:case_id>/timeline")
    def timeline(self, request, language, case_id):
        rest = f"/cases/{case_id}/timeline"
        timeline = queries.timeline(case_id)
        if timeline is None:
            return self.pages.page(request, language, rest, "not_found.html", status=404)
        latest = queries.latest_checkpoint()
        context = views.timeline_page(timeline, latest["size"] if latest else None, language, queries.draft_is_public(case_id))
        return self.pages.page(request, language, rest, "timeline.html", **context)

    @http("GET", f"/{LANGUAGE}/cases/<string:case_id>/draft")
    def draft(self, request, language, case_id):
        answer = self.review.public_draft(case_id, request)
        if answer.status != 200:
            return self._no_draft(request, language, case_id, answer.status)
        receipt = csrf.read_receipt(self.pages.form_secret, case_id, request.args.get("received"))
        return self._draft_page(request, language, answer.body, receipt=receipt)

    @http("POST", f"/{LANGUAGE}/cases/<string:case_id>/draft/comments")
    def post_comment(self, request, language, case_id):
        """The comment form: refused here only if forged or not this form (403, 415, 413, 400: nothing
        sent on); otherwise review's API decides, and its refusal comes back next to the fields
        (422), or for the comment as a whole (409, 429 with its Retry-After). Recorded: 303 to the
        draft with a signed receipt (Post/Redirect/Get: reloading the page sends nothing twice)."""
        secret = self.pages.form_secret
        try:
            form = form_posts.read(request, self.pages.public_origin, comment_form.FIELDS)
            if not csrf.token_matches(secret, request.cookies.get(csrf.COOKIE), form["token"], case_id):
                raise form_posts.Refused("forged", 403)
        except form_posts.Refused as refused:
            return self._comment_refused(request, language, case_id, refused.reason, refused.status)
        answer = self.review.post_comment(case_id, comment_form.api_body(form), request)
        if answer.status == 201:
            receipt = csrf.receipt(secret, case_id, answer.body["comment_id"], answer.body["confidential"])
            return Response(status=303, headers={"Location": f"{views.draft_path(case_id, language)}?received={receipt}#received"})
        if answer.status == 404:  # no such case, or its draft is not public
            return self._no_draft(request, language, case_id, 404)
        if answer.status not in (409, 422, 429):
            return self._comment_refused(request, language, case_id, "not_answered" if answer.status == 0 else "failed", 502)
        draft = self.review.public_draft(case_id, request)
        if draft.status != 200:
            return self._no_draft(request, language, case_id, draft.status)
        errors = comment_form.field_errors((answer.body.get("error") or {}).get("fields") or {}, form, draft.body) \
            if answer.status == 422 else None
        refusal = None if errors else comment_form.refusal(answer.status, form_posts.retry_after_seconds(answer.retry_after),
                                                           draft.body)
        response = self._draft_page(request, language, draft.body, status=answer.status, form=form, errors=errors, refusal=refusal)
        if answer.status == 429 and answer.retry_after:
            response.headers["Retry-After"] = answer.retry_after
        return response

    def _draft_page(self, request, language, draft, status=200, **shown):
        nonce, set_cookie = self.pages.form_nonce(request)
        context = views.draft_page(draft, language, csrf.form_token(self.pages.form_secret, nonce, draft["case_id"]), **shown)
        response = self.pages.page(request, language, f"/cases/{draft['case_id']}/draft", "draft.html", status=status, **context)
        # The page holds this browser's form token: never kept by a shared cache.
        response.headers["Cache-Control"] = "private, no-cache"
        response.headers["Vary"] = "Cookie"
        if set_cookie:
            response.headers["Set-Cookie"] = set_cookie
        return response

    def _no_draft(self, request, language, case_id, status):
        rest = f"/cases/{case_id}/draft"
        if status == 404:  # review has no draft of this case open to the public
            return self.pages.page(request, language, rest, "not_found.html", status=404)
        return self.pages.page(request, language, rest, "refused.html", status=503, reason="unavailable",
                               draft_href=views.draft_path(case_id, language))

    def _comment_refused(self, request, language, case_id, reason, status):
        return self.pages.page(request, language, f"/cases/{case_id}/draft", "refused.html", status=status, reason=reason,
                               draft_href=views.draft_path(case_id, language))

    @http("GET", f"/{LANGUAGE}{edge.REFUSED_PAGE}")
    def refused_by_gateway(self, request, language):
        """Where the gateway sends a browser whose form it refused unread, for its size (shared/edge.py)."""
        view = form_posts.gateway_refusal(request.args.get("reason"), request.args.get("from"))
        return self.pages.page(request, language, edge.REFUSED_PAGE, "form_refused.html", private=True,
                               megabytes=government_forms.megabytes(self.pages.evidence_max_bytes), **view)

    @http("GET", f"/{LANGUAGE}/<path:rest>")
    def not_found(self, request, language, rest):
        return self.pages.page(request, language, "/" + rest, "not_found.html", status=404)

    @http("GET", "/static/<name>")
    def static(self, request, name):
        asset = self.pages.static.get(name)
        if asset is None:
            return Response("Not found.\n", status=404, content_type="text/plain; charset=utf-8")
        headers = {"ETag": f'"{asset.etag}"', "Cache-Control": IMMUTABLE if request.args.get("v") else "no-cache"}
        if request.if_none_match.contains(asset.etag):
            return Response(status=304, headers=headers)
        return Response(asset.body, content_type=asset.content_type, headers=headers)

    @http("GET", "/metrics")
    def prometheus_metrics(self, request):
        """Prometheus text format: the pages' requests by route, status and latency (no stored state here)."""
        body, content_type = metrics.exposition(self.name)
        return Response(body, content_type=content_type)

    @http("GET", "/health")
    def health(self, request):
        """Readiness: the database answers (503 otherwise)."""
        try:
            up = self.pages.ping()
        except Exception:  # noqa: BLE001 -- any failure to reach the database is "down"
            up = False
        return Response(json.dumps({"service": self.name, "status": "ok" if up else "down"}),
                        status=200 if up else 503, content_type="application/json")
