"""The government point of contact's own pages' entrypoints (mixed into services/web/service.py's WebService).

    GET  /<language>/government     the member's action plans and their cases, each at its stage, with
                                    what the government must do next and by when
    GET  /<language>/government/plans/<n>/self-assessment   the plan's self-assessment form, prefilled
                                    from its imported commitments and the draft kept on the server
    POST /<language>/government/plans/<n>/self-assessment   `action=save`: the draft (intake keeps it, any
                                    device resumes it); `action=submit`: the self-assessment, once however
                                    often the button is pressed (the form's idempotency key)

Only a signed-in point of contact: signed out, the sign-in page, which brings them back here; any other
role, a 403 page that says so. Every post is checked here against forgery (form_posts.read), then sent
to intake's API with the session's CSRF token, where intake alone decides (intake_api.py); its refusal
comes back next to the fields in the page's language. Post/Redirect/Get. Every page here is no-store.
"""
from urllib.parse import quote

from shared.irm import LANGUAGES
from shared.webserver import http

from services.web import form_posts, government_forms as forms, government_views as views
from services.web.form_posts import Refused
from services.web.upstream_api import Answer

LANGUAGE = "<any(" + ", ".join(LANGUAGES) + "):language>"
FORM_PATH = "/government/plans/<int:plan_number>/self-assessment"


class GovernmentPages:
    def _point_of_contact(self, request, language, rest):
        """(who is signed in, per accounts' /me) for a signed-in point of contact, else (None, the answer instead)."""
        me = self.accounts.me(request)
        if me.status == 401 or (me.status == 200 and me.body.get("authenticated_by") != "session"):
            return None, self._see(f"/{language}/sign-in?next={quote(f'/{language}{rest}', safe='/')}")
        if me.status != 200:
            return None, self._unavailable(request, language, rest)
        person = me.body.get("person") or {}
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
        me, answer = self._point_of_contact(request, language, rest)
        if me is None:
            return answer
        loaded = self._plan(request, me, plan_number)
        if not isinstance(loaded, tuple):
            return self._intake_trouble(request, language, rest, loaded)
        member, plan, commitments, draft = loaded
        state = forms.prefilled(commitments, draft and draft["draft"], plan.get("cycle"), language)
        notice = "saved" if request.args.get("saved") and draft else None
        return self._form_page(request, language, rest, me, member, plan_number, commitments, state,
                               forms.new_idempotency_key(), notice=notice, draft=draft)

    @http("POST", f"/{LANGUAGE}{FORM_PATH}")
    def post_self_assessment(self, request, language, plan_number):
        rest = f"/government/plans/{plan_number}/self-assessment"
        me, answer = self._point_of_contact(request, language, rest)
        if me is None:
            return answer
        loaded = self._plan(request, me, plan_number)
        if not isinstance(loaded, tuple):
            return self._intake_trouble(request, language, rest, loaded)
        member, _, commitments, draft = loaded
        try:
            form = form_posts.read(request, self.pages.public_origin, forms.field_names(commitments))
            key = forms.usable_idempotency_key(form["idempotency_key"])
            if key is None or form["action"] not in ("save", "submit"):
                raise Refused("not_a_form", 400)
        except Refused as refused:
            return self._form_refused(request, language, rest, refused)
        state = forms.form_state(form, commitments, language)
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
        if sent.status != 422:
            return self._intake_trouble(request, language, rest, sent)
        errors = forms.field_errors((sent.body.get("error") or {}).get("fields") or {}, commitments)
        return self._form_page(request, language, rest, me, member, plan_number, commitments, state, key,
                               status=422, errors=errors, draft=draft)

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
                   errors=None, notice=None, draft=None):
        saved = views.when(draft["saved_at"], language, member.get("time_zone")) if draft else None
        return self.pages.page(request, language, rest, "self_assessment.html", status=status, private=True,
                               **views.form_page(member, plan_number, commitments, state, language, me.get("csrf_token") or "",
                                                 key, errors=errors, notice=notice, draft_saved=saved))
