"""The government point of contact's own pages' entrypoints (mixed into services/web/service.py's WebService).

    GET  /<language>/government     the member's action plans and their cases, each at its stage, with
                                    what the government must do next and by when
    GET  /<language>/government/plans/<n>/self-assessment   the plan's self-assessment form, prefilled
                                    from its imported commitments and the draft kept on the server
    POST /<language>/government/plans/<n>/self-assessment   `action=save`: the draft (intake keeps it, any
                                    device resumes it); `action=submit`: the self-assessment, once however
                                    often the button is pressed (the form's idempotency key)
    POST /<language>/government/plans/<n>/self-assessment/evidence/<commitment id>   one evidence file for a
                                    commitment (multipart `file`, `csrf_token`): sent on to intake's
                                    POST /api/v1/evidence in pieces, then kept in the draft under its
                                    commitment; 303 back to the form with the file listed. Asked with
                                    `Accept: application/json` (static/evidence-upload.js), the same in JSON.
    POST /<language>/government/plans/<n>/self-assessment/evidence/<commitment id>/remove   one listed file
                                    (`file_id`, `csrf_token`) taken out of the draft; 303 back to the form
                                    (in JSON with `Accept: application/json`). intake keeps the file itself:
                                    an earlier submitted version may name it.

Only a signed-in point of contact: signed out, the sign-in page, which brings them back here; any other
role, a 403 page that says so. Every post is checked here against forgery (form_posts.read), then sent
to intake's API with the session's CSRF token, where intake alone decides (intake_api.py); its refusal
comes back next to the fields in the page's language. Post/Redirect/Get. Every page here is no-store.
"""
import json
from urllib.parse import quote

from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Response

from shared import edge
from shared.irm import LANGUAGES
from shared.webserver import http

from services.web import csrf, form_posts, government_forms as forms, government_views as views, i18n
from services.web.form_posts import Refused
from services.web.upstream_api import Answer

LANGUAGE = "<any(" + ", ".join(LANGUAGES) + "):language>"
FORM_PATH = "/government/plans/<int:plan_number>/self-assessment"
UPLOAD_PATH = FORM_PATH + "/evidence/<string:commitment_id>"
REMOVE_PATH = UPLOAD_PATH + "/remove"


class GovernmentPages:
    def _point_of_contact(self, request, language, rest, admin_too=False):
        """(who is signed in, per accounts' /me) for a signed-in point of contact (or, `admin_too`, an admin),
        else (None, the answer instead)."""
        me = self.accounts.me(request)
        if me.status == 401 or (me.status == 200 and me.body.get("authenticated_by") != "session"):
            return None, self._see(f"/{language}/sign-in?next={quote(f'/{language}{rest}', safe='/')}")
        if me.status != 200:
            return None, self._unavailable(request, language, rest)
        person = me.body.get("person") or {}
        if admin_too and person.get("role") == "admin":
            return me.body, None
        if person.get("role") != "poc" or not person.get("member_code"):
            return None, self.pages.page(request, language, rest, "government_refused.html", status=403, private=True)
        return me.body, None

    def _intake_trouble(self, request, language, rest, answer):
        """The answer to give for an intake answer that is no page's content: signed out, forged, missing, down."""
        if answer.status == 401:
            return self._see(f"/{language}/sign-in?next={quote(f'/{language}{rest}', safe='/')}")
        if answer.status == 403:
            return self._form_refused(request, language, rest, Refused("forged", 403))
        if answer.status == 404:
            return self.pages.page(request, language, rest, "not_found.html", status=404, private=True)
        return self._unavailable(request, language, rest)

    # --- the dashboard ---------------------------------------------------------------------------------
    @http("GET", f"/{LANGUAGE}/government")
    def government(self, request, language):
        me, answer = self._point_of_contact(request, language, "/government")
        if me is None:
            return answer
        overview = self.intake.member_plans(request, me["person"]["member_code"])
        if overview.status != 200:
            return self._intake_trouble(request, language, "/government", overview)
        latest_ids = {(p.get("latest") or {}).get("id") for p in overview.body["plans"]} - {None}
        submitted = request.args.get("submitted") if request.args.get("submitted") in latest_ids else None
        return self.pages.page(request, language, "/government", "government.html", private=True,
                               **views.dashboard_page(overview.body, language, submitted))

    # --- the self-assessment form -------------------------------------------------------------------
    @http("GET", f"/{LANGUAGE}{FORM_PATH}")
    def self_assessment_form(self, request, language, plan_number):
        rest = f"/government/plans/{plan_number}/self-assessment"
        me, loaded, answer = self._plan_of_point_of_contact(request, language, rest, plan_number)
        if answer is not None:
            return answer
        member, plan, commitments, draft = loaded
        state = forms.prefilled(commitments, draft and draft["draft"], plan.get("cycle"), language)
        notice = "saved" if request.args.get("saved") and draft else None
        return self._form_page(request, language, rest, me, member, plan_number, commitments, state,
                               forms.new_idempotency_key(), notice=notice, draft=draft, uploaded=request.args.get("uploaded"),
                               removed=request.args.get("removed"))

    # --- evidence files, per commitment ----------------------------------------------------------
    @http("POST", f"/{LANGUAGE}{UPLOAD_PATH}")
    def upload_evidence(self, request, language, plan_number, commitment_id):
        """Checked here before a byte is read: forgery (Sec-Fetch-Site, Origin), the type of the body, its
        declared size. Then the multipart body is parsed (the file spooled to disk past 500 KB, never read
        past the limit), the session's CSRF token compared, and the file streamed to intake, which decides."""
        rest = f"/government/plans/{plan_number}/self-assessment"
        as_json = forms.wants_json(request.headers.get("Accept"))
        max_bytes = self.pages.evidence_max_bytes
        body_limit = edge.upload_body_max_bytes(max_bytes)
        try:
            form_posts.refuse_upload_unread(request, self.pages.public_origin, body_limit)
        except Refused as refused:
            return self._upload_refused(request, language, rest, refused, max_bytes, as_json)
        me, answer = self._point_of_contact(request, language, rest)
        if me is None:
            return self._json_trouble(language, 401 if answer.status == 303 else answer.status) if as_json else answer
        loaded = self._plan(request, me, plan_number)
        if not isinstance(loaded, tuple):
            return self._json_trouble(language, loaded.status) if as_json else self._intake_trouble(request, language, rest, loaded)
        member, plan, commitments, draft = loaded
        if commitment_id not in {c["commitment_id"] for c in commitments}:
            return self._json_trouble(language, 404) if as_json else \
                self.pages.page(request, language, rest, "not_found.html", status=404, private=True)
        request.max_content_length, request.max_form_parts = body_limit, 8
        try:
            upload, token = request.files.get("file"), request.form.get("csrf_token") or ""
        except RequestEntityTooLarge:
            return self._upload_refused(request, language, rest, Refused("file_too_large", 413), max_bytes, as_json)
        if not csrf.session_token_matches(me.get("csrf_token"), token):
            return self._upload_refused(request, language, rest, Refused("forged", 403), max_bytes, as_json)
        state = forms.prefilled(commitments, draft and draft["draft"], plan.get("cycle"), language)
        refusal, status = None, 422
        if upload is None or not upload.filename:
            refusal = "no_file"
        elif len(forms.files_of(state, commitment_id)) >= forms.MAX_FILES:
            refusal, status = "too_many", 409
        else:
            upload.stream.seek(0, 2)
            size = upload.stream.tell()
            upload.stream.seek(0)
            sent = self.intake.upload_evidence(request, upload.filename, upload.mimetype, upload.stream, size, token)
            upload.stream.close()
            if sent.status == 201:
                described = forms.described_file(sent.body)
                state = forms.with_file(state, commitment_id, described)
                saved = self.intake.save_draft(request, member["code"], plan_number, state, token)
                if saved.status != 200:
                    return self._json_trouble(language, saved.status) if as_json else \
                        self._intake_trouble(request, language, rest, saved)
                if as_json:
                    return self._json(201, {"commitment_id": commitment_id, "file": self._listed(views.file_view(described, language), language)})
                return self._see(f"/{language}{rest}?uploaded={quote(commitment_id, safe='')}#files-{quote(commitment_id, safe='')}")
            refusal, status = forms.upload_refusal(sent.status, sent.body), sent.status
            if refusal is None:
                return self._json_trouble(language, sent.status) if as_json else self._intake_trouble(request, language, rest, sent)
        error = {"message": forms.UPLOAD_MESSAGES[refusal], "params": {"megabytes": forms.megabytes(max_bytes)} if refusal == "too_large" else {}}
        if as_json:
            return self._json(status, {"commitment_id": commitment_id, "refusal": refusal,
                                       "message": self._translated(language, error)})
        return self._form_page(request, language, rest, me, member, plan_number, commitments, state, forms.new_idempotency_key(),
                               status=status, errors={forms.file_field(commitment_id): [error]}, draft=draft)

    @http("POST", f"/{LANGUAGE}{REMOVE_PATH}")
    def remove_evidence(self, request, language, plan_number, commitment_id):
        rest = f"/government/plans/{plan_number}/self-assessment"
        as_json = forms.wants_json(request.headers.get("Accept"))
        me, loaded, answer = self._plan_of_point_of_contact(request, language, rest, plan_number)
        if answer is not None:
            return self._json_trouble(language, 401 if answer.status == 303 else answer.status) if as_json else answer
        try:
            form = form_posts.read(request, self.pages.public_origin, ("csrf_token", "file_id"))
            if not csrf.session_token_matches(me.get("csrf_token"), form["csrf_token"]):
                raise Refused("forged", 403)
        except Refused as refused:
            return self._json_trouble(language, refused.status) if as_json else self._form_refused(request, language, rest, refused)
        member, plan, commitments, draft = loaded
        state = forms.prefilled(commitments, draft and draft["draft"], plan.get("cycle"), language)
        state, removed = forms.without_file(state, commitment_id, form["file_id"])
        if removed is None:  # removed already (another tab, a second press), or never this commitment's
            return self._json_trouble(language, 404) if as_json else \
                self.pages.page(request, language, rest, "not_found.html", status=404, private=True)
        saved = self.intake.save_draft(request, member["code"], plan_number, state, form["csrf_token"])
        if saved.status != 200:
            return self._json_trouble(language, saved.status) if as_json else self._intake_trouble(request, language, rest, saved)
        if as_json:
            return self._json(200, {"commitment_id": commitment_id, "file_id": removed["file_id"], "removed": True})
        return self._see(f"/{language}{rest}?removed={quote(commitment_id, safe='')}#files-{quote(commitment_id, safe='')}")

    def _upload_refused(self, request, language, rest, refused, max_bytes, as_json):
        if as_json:
            key = {"file_too_large": "too_large"}.get(refused.reason)
            message = self._translated(language, {"message": forms.UPLOAD_MESSAGES[key], "params": {"megabytes": forms.megabytes(max_bytes)}}) \
                if key else self._translated(language, {"message": forms.UPLOAD_TROUBLE, "params": {}})
            return self._json(refused.status, {"refusal": refused.reason, "message": message})
        return self.pages.page(request, language, rest, "form_refused.html", status=refused.status, reason=refused.reason,
                               private=True, megabytes=forms.megabytes(max_bytes), back_href=f"/{language}{rest}")

    def _json_trouble(self, language, status):
        """What evidence-upload.js is told when the upload met no refusal of the file (signed out, intake away, ...):
        it then says so, and the page's own form still works."""
        return self._json(status if status >= 400 else 503,
                          {"refusal": "trouble", "message": self._translated(language, {"message": forms.UPLOAD_TROUBLE, "params": {}})})

    @staticmethod
    def _translated(language, error):
        text = i18n.catalog(language).gettext(error["message"])
        return text % error["params"] if error["params"] else text

    def _listed(self, view, language):
        """A listed file's words in the page's language, for the script to show as the page would."""
        return {**view, "size": self._translated(language, {"message": view["size"]["msgid"], "params": {"size": view["size"]["size"]}})}

    @staticmethod
    def _json(status, body):
        return Response(json.dumps(body, ensure_ascii=False), status=status, content_type="application/json; charset=utf-8",
                        headers={"Cache-Control": "no-store"})

    @http("POST", f"/{LANGUAGE}{FORM_PATH}")
    def post_self_assessment(self, request, language, plan_number):
        rest = f"/government/plans/{plan_number}/self-assessment"
        me, loaded, answer = self._plan_of_point_of_contact(request, language, rest, plan_number)
        if answer is not None:
            return answer
        member, plan, commitments, draft = loaded
        try:
            form = form_posts.read(request, self.pages.public_origin, forms.field_names(commitments))
            key = forms.usable_idempotency_key(form["idempotency_key"])
            if key is None or form["action"] not in ("save", "submit"):
                raise Refused("not_a_form", 400)
        except Refused as refused:
            return self._form_refused(request, language, rest, refused)
        state = forms.form_state(form, commitments, language, forms.kept_files(draft and draft["draft"]))
        code = member["code"]
        if form["action"] == "save":
            sent = self.intake.save_draft(request, code, plan_number, state, form["csrf_token"])
            done = f"/{language}{rest}?saved=1#draft-saved"
        else:
            sent = self.intake.submit(request, forms.submission_body(state, code, plan_number, commitments),
                                      form["csrf_token"], key)
            done = f"/{language}/government?submitted={quote((sent.body or {}).get('id') or '', safe='')}#submitted"
        if sent.status in (200, 201):
            return self._see(done)
        latest = (plan.get("latest") or {}).get("id")
        if form["action"] == "submit" and sent.status == 422 and draft is None and latest and \
                forms.key_used_for_another_body(sent.body):
            return self._see(f"/{language}/government?submitted={quote(latest, safe='')}#submitted")
        if sent.status != 422:
            return self._intake_trouble(request, language, rest, sent)
        errors = forms.field_errors((sent.body.get("error") or {}).get("fields") or {}, commitments)
        return self._form_page(request, language, rest, me, member, plan_number, commitments, state, key,
                               status=422, errors=errors, draft=draft)

    def _plan_of_point_of_contact(self, request, language, rest, plan_number):
        """(who is signed in, the plan as `_plan` gives it, None) for a point of contact's plan, else (None, None, the answer instead)."""
        me, answer = self._point_of_contact(request, language, rest)
        if me is None:
            return None, None, answer
        loaded = self._plan(request, me, plan_number)
        if not isinstance(loaded, tuple):
            return None, None, self._intake_trouble(request, language, rest, loaded)
        return me, loaded, None

    def _plan(self, request, me, plan_number):
        """(member, plan overview, imported commitments, draft or None) from intake, or intake's answer that stops the page."""
        code = me["person"]["member_code"]
        overview = self.intake.member_plans(request, code)
        if overview.status != 200:
            return overview
        plan = next((p for p in overview.body["plans"] if p["plan_number"] == plan_number), None)
        listed = self.intake.commitments(request, code, plan_number)
        if listed.status != 200:
            return listed
        if plan is None or not listed.body.get("commitments"):
            return Answer(404, {})
        draft = self.intake.draft(request, code, plan_number) if plan.get("draft") else None
        if draft is not None and draft.status not in (200, 404):
            return draft
        return overview.body["member"], plan, listed.body["commitments"], (draft.body if draft and draft.status == 200 else None)

    def _form_page(self, request, language, rest, me, member, plan_number, commitments, state, key, status=200,
                   errors=None, notice=None, draft=None, uploaded=None, removed=None):
        saved = views.when(draft["saved_at"], language, member.get("time_zone")) if draft else None
        return self.pages.page(request, language, rest, "self_assessment.html", status=status, private=True,
                               **views.form_page(member, plan_number, commitments, state, language, me.get("csrf_token") or "",
                                                 key, errors=errors, notice=notice, draft_saved=saved,
                                                 max_bytes=self.pages.evidence_max_bytes,
                                                 uploaded=uploaded, removed=removed))
