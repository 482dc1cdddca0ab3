"""The IRM expert's case workspace's entrypoints (mixed into services/web/service.py's WebService).

    GET  /<language>/expert/cases/<id>                         the case: each commitment's self-assessment
                                                               beside its rating form, progress, the plan
    POST /<language>/expert/cases/<id>/ratings/<commitment>    one commitment's ratings (review's PUT .../ratings,
                                                               If-Match: the draft's version the form was made from)
    POST /<language>/expert/cases/<id>/plan-assessment         the plan's co-creation (PUT .../plan-assessment)
    POST /<language>/expert/cases/<id>/submit                  to quality review (POST .../submit)

Review alone decides (its ratings contract, rubric, workflow and clock); its refusals come back next to
the fields in the page's language. A save over a newer version (review's 409 with the case moved on to
another version): when this commitment's ratings are what the form was made from (another part of the
draft changed), the save is made again over the new version; otherwise the form comes back with what the
expert typed and what the other version says, to keep theirs (send again) or take the other. A
submission review refuses lists what is missing, from review's own list. Every page here is no-store.
"""
from shared.irm import LANGUAGES
from shared.webserver import http

from services.web import expert_workspace_forms as forms, expert_workspace_views as views, form_posts
from services.web.form_posts import Refused

LANGUAGE = "<any(" + ", ".join(LANGUAGES) + "):language>"
CASES = "/expert/cases"


def _path(case_id: str) -> str:
    return f"{CASES}/{case_id}"


class ExpertWorkspacePages:
    def _workspace(self, request, language, me, case_id, status=200, **shown):
        read = self.expert_review.case(request, case_id)
        if read.status != 200:
            return self._review_trouble(request, language, read, _path(case_id))
        return self.pages.page(request, language, _path(case_id), "expert_case.html", status=status, private=True,
                               **views.workspace_page(read.body, me, language, **shown))

    def _posted(self, request, language, case_id, fields):
        """(the expert, the form) for a post of theirs, else (None, the answer instead)."""
        me, answer = self._expert(request, language, _path(case_id))
        if me is None:
            return None, None, answer
        try:
            return me, form_posts.read(request, self.pages.public_origin, fields), None
        except Refused as refused:
            return None, None, self._form_refused(request, language, _path(case_id), refused)

    @http("GET", f"/{LANGUAGE}{CASES}/<string:case_id>")
    def expert_case(self, request, language, case_id):
        me, answer = self._expert(request, language, _path(case_id))
        if me is None:
            return answer
        return self._workspace(request, language, me, case_id, notice=request.args.get("done"))

    @http("POST", f"/{LANGUAGE}{CASES}/<string:case_id>/ratings/<string:commitment_id>")
    def expert_rate(self, request, language, case_id, commitment_id):
        me, form, answer = self._posted(request, language, case_id, forms.RATING_FIELDS)
        if me is None:
            return answer
        state = forms.rating_state(form)
        body = forms.rating_body(state, language)
        sent = self.expert_review.save_ratings(request, case_id, commitment_id, body, form["version"], form["csrf_token"])
        if sent.status in (409, 428):  # a newer version (or none sent): review's case says which
            sent, conflict = self._again_over_newer(request, case_id, commitment_id, body, form)
            if conflict:
                return self._workspace(request, language, me, case_id, status=409, posted_for=commitment_id,
                                       posted={"state": state, **conflict})
        if sent.status == 200:
            return self._see(f"/{language}{_path(case_id)}?done=saved&commitment={commitment_id}#commitment-{commitment_id}")
        if sent.status == 422:
            errors = forms.rating_errors((sent.body.get("error") or {}).get("fields") or {})
            return self._workspace(request, language, me, case_id, status=422, posted_for=commitment_id,
                                   posted={"state": state, "errors": errors})
        return self._review_trouble(request, language, sent, _path(case_id))

    def _again_over_newer(self, request, case_id, commitment_id, body, form):
        """After a 409: (the answer, None) once saved again over the newer version when only another part of
        the draft changed; else (the 409, what to show: the other version, or that the draft moved on)."""
        read = self.expert_review.case(request, case_id)
        if read.status != 200:
            return read, None
        case = read.body
        if case["status"] not in views.EDITABLE or str(case.get("version")) == form["version"]:
            return read, {"errors": forms.moved_on()}
        current = next((c.get("ratings") for c in case["commitments"] if c["commitment_id"] == commitment_id), None)
        if views.digest(current) != form["base"]:
            return read, {"conflict": True}
        again = self.expert_review.save_ratings(request, case_id, commitment_id, body, str(case["version"]), form["csrf_token"])
        return again, ({"conflict": True} if again.status == 409 else None)

    @http("POST", f"/{LANGUAGE}{CASES}/<string:case_id>/plan-assessment")
    def expert_plan_assessment(self, request, language, case_id):
        me, form, answer = self._posted(request, language, case_id, forms.PLAN_FIELDS)
        if me is None:
            return answer
        state = forms.plan_state(form)
        sent = self.expert_review.save_plan_assessment(request, case_id, forms.plan_body(state, language), form["version"],
                                                       form["csrf_token"])
        if sent.status == 200:
            return self._see(f"/{language}{_path(case_id)}?done=plan_saved#plan-assessment")
        if sent.status in (409, 422):
            errors = (forms.plan_errors((sent.body.get("error") or {}).get("fields") or {}) if sent.status == 422
                      else forms.changed())
            return self._workspace(request, language, me, case_id, status=sent.status, plan={"state": state, "errors": errors})
        return self._review_trouble(request, language, sent, _path(case_id))

    @http("POST", f"/{LANGUAGE}{CASES}/<string:case_id>/submit")
    def expert_submit(self, request, language, case_id):
        me, form, answer = self._posted(request, language, case_id, forms.SUBMIT_FIELDS)
        if me is None:
            return answer
        sent = self.expert_review.submit(request, case_id, form["csrf_token"])
        if sent.status == 200:
            return self._see(f"/{language}{_path(case_id)}?done=submitted#status")
        if sent.status == 422:
            missing = ((sent.body.get("error") or {}).get("fields") or {}).get("ratings") or []
            return self._workspace(request, language, me, case_id, status=422, missing_listed=missing)
        if sent.status == 409:
            return self._workspace(request, language, me, case_id, status=409, errors=forms.moved_on())
        return self._review_trouble(request, language, sent, _path(case_id))
