"""The government's bulk import page and its versions page: entrypoints (mixed into services/web/service.py's WebService).

    GET  /<language>/government/import      the form: the plan's number (`?plan=` prefills it), the language of
                                            the file's texts, the CSV or XLSX file in OGP's columns (an admin
                                            names the member too)
    POST /<language>/government/import      multipart: checked here before a byte is read (forgery, type,
                                            declared size), then the file's name and size and the session's CSRF
                                            token; streamed on to intake's POST .../commitments, which decides
                                            each row; the answer is the page with how many rows were imported
                                            and every rejected row with its reason, in the page's language.
                                            static/government-import.js sends the same form with a progress bar
                                            and puts the answer's page in place.
    GET  /<language>/government/plans/<n>/versions   the plan's submitted versions, newest first: when (the
                                            member's time zone, else UTC), who, and what each changed against
                                            the one before (intake's GET /api/v1/self-assessments and each version's
                                            GET /api/v1/self-assessments/{id})

A point of contact imports for its own member; an admin for the member it names. The versions page is the
point of contact's. Every page here is no-store.
"""
from werkzeug.exceptions import RequestEntityTooLarge

from shared import edge
from shared.irm import LANGUAGES
from shared.webserver import http

from services.web import csrf, form_posts, government_import_forms as forms, government_import_views as views
from services.web.form_posts import Refused

LANGUAGE = "<any(" + ", ".join(LANGUAGES) + "):language>"
IMPORT_PATH = "/government/import"
VERSIONS_SHOWN = 20


class GovernmentImportPages:
    # --- the bulk import --------------------------------------------------------------------------------
    @http("GET", f"/{LANGUAGE}{IMPORT_PATH}")
    def import_form(self, request, language):
        me, answer = self._point_of_contact(request, language, IMPORT_PATH, admin_too=True)
        if me is None:
            return answer
        plan = forms.plan_number(request.args.get("plan"))
        form = {"plan_number": str(plan) if plan else "", "language": language, "member": "", "csrf_token": ""}
        return self._import_page(request, language, me, form)

    @http("POST", f"/{LANGUAGE}{IMPORT_PATH}")
    def post_import(self, request, language):
        max_bytes = self.pages.evidence_max_bytes
        body_limit = edge.upload_body_max_bytes(max_bytes)
        try:
            form_posts.refuse_upload_unread(request, self.pages.public_origin, body_limit)
        except Refused as refused:
            return self._import_refused(request, language, refused, max_bytes)
        me, answer = self._point_of_contact(request, language, IMPORT_PATH, admin_too=True)
        if me is None:
            return answer
        request.max_content_length, request.max_form_parts = body_limit, 8
        try:
            upload = request.files.get("file")
            form = {name: (request.form.get(name) or "") for name in forms.FIELDS}
        except RequestEntityTooLarge:
            return self._import_refused(request, language, Refused("file_too_large", 413), max_bytes)
        token = form["csrf_token"]
        if not csrf.session_token_matches(me.get("csrf_token"), token):
            return self._import_refused(request, language, Refused("forged", 403), max_bytes)
        is_admin = me["person"].get("role") == "admin"
        errors = forms.form_errors(form, is_admin)
        size = 0
        if upload is not None and upload.filename:
            upload.stream.seek(0, 2)
            size = upload.stream.tell()
            upload.stream.seek(0)
        refusal = forms.file_refusal(upload.filename if upload is not None else None, size, max_bytes)
        if refusal:
            errors["file"] = [forms.error(refusal, megabytes=views.megabytes(max_bytes))]
        member = form["member"].strip() if is_admin else me["person"]["member_code"]
        if not errors and is_admin:
            known = self.intake.member_plans(request, member)
            if known.status == 404:
                errors["member"] = [forms.error("unknown_member")]
            elif known.status != 200:
                return self._intake_trouble(request, language, IMPORT_PATH, known)
        if errors:
            return self._import_page(request, language, me, form, status=422, errors=errors)
        plan = forms.plan_number(form["plan_number"])
        sent = self.intake.import_commitments(request, member, plan, form["language"], upload.filename, upload.mimetype,
                                              upload.stream, size, token)
        upload.stream.close()
        if sent.status == 200:
            return self._import_page(request, language, me, form, result=sent.body, imported_for=member)
        refusal = forms.intake_refusal(sent.status, sent.body)
        if refusal is None:
            return self._intake_trouble(request, language, IMPORT_PATH, sent)
        return self._import_page(request, language, me, form, status=sent.status,
                                 errors={"file": [forms.error(refusal, megabytes=views.megabytes(max_bytes))]})

    def _import_page(self, request, language, me, form, status=200, errors=None, result=None, imported_for=None):
        code = me["person"].get("member_code") if me["person"].get("role") == "poc" else None
        overview = self.intake.member_plans(request, code) if code else None  # the plans the number may name
        plans = [p["plan_number"] for p in overview.body.get("plans") or []] if overview and overview.status == 200 else []
        return self.pages.page(request, language, IMPORT_PATH, "government_import.html", status=status, private=True,
                               **views.import_page(me, form, language, me.get("csrf_token") or "",
                                                   self.pages.evidence_max_bytes, errors=errors, result=result,
                                                   imported_for=imported_for, plans=plans))

    def _import_refused(self, request, language, refused, max_bytes):
        return self.pages.page(request, language, IMPORT_PATH, "form_refused.html", status=refused.status,
                               reason=refused.reason, private=True, megabytes=views.megabytes(max_bytes),
                               back_href=f"/{language}{IMPORT_PATH}", back_to="import")

    # --- the versions of a plan's self-assessment ----------------------------------------------------
    @http("GET", f"/{LANGUAGE}/government/plans/<int:plan_number>/versions")
    def plan_versions(self, request, language, plan_number):
        rest = f"/government/plans/{plan_number}/versions"
        me, answer = self._point_of_contact(request, language, rest)
        if me is None:
            return answer
        code = me["person"]["member_code"]
        overview = self.intake.member_plans(request, code)
        if overview.status != 200:
            return self._intake_trouble(request, language, rest, overview)
        listed = self.intake.versions(request, code, plan_number) if plan_number in forms.PLAN_NUMBERS else None
        if listed is None or listed.status == 422:
            return self.pages.page(request, language, rest, "not_found.html", status=404, private=True)
        if listed.status != 200:
            return self._intake_trouble(request, language, rest, listed)
        items = sorted(listed.body.get("items") or [], key=lambda item: item["version"], reverse=True)
        if not items:
            return self.pages.page(request, language, rest, "not_found.html", status=404, private=True)
        documents = {}
        # the versions shown, and the one before the oldest shown (what it changed is against that one)
        for item in items[:VERSIONS_SHOWN + 1]:
            shown = self.intake.self_assessment(request, item["id"])
            if shown.status != 200:
                return self._intake_trouble(request, language, rest, shown)
            documents[item["id"]] = shown.body
        return self.pages.page(request, language, rest, "government_versions.html", private=True,
                               **views.versions_page(overview.body["member"], plan_number,
                                                     [documents[i["id"]] for i in items[:VERSIONS_SHOWN]], documents,
                                                     len(items), language, me["person"].get("person_id")))
