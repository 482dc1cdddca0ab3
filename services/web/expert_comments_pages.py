"""The IRM expert's page after the draft (mixed into services/web/service.py's WebService).

    GET  /<language>/expert/cases/<id>/comments        the government's comments with the expert's answers,
                                                       the step the case waits on, the public's comments
    POST /<language>/expert/cases/<id>/comments/<comment id>/answer   an answer (review's POST .../response)
    POST /<language>/expert/cases/<id>/comments/open-public-comment   the draft to public comment
    POST /<language>/expert/cases/<id>/comments/finalise              the findings approved for publication

As the inbox (expert_pages.py): only the signed-in expert; every post checked here against forgery, then
sent to review's API with the session's CSRF token, where review alone decides (who, the workflow's state,
the clock); its refusal comes back next to the field, or beside the step's button, in the page's language.
Post/Redirect/Get with a status message. Every page here is no-store.
"""
from urllib.parse import quote

from shared.clock import utcnow
from shared.irm import LANGUAGES
from shared.webserver import http

from services.web import expert_comments_forms as forms, expert_comments_views as views

LANGUAGE = "<any(" + ", ".join(LANGUAGES) + "):language>"
CASE = "/expert/cases/<string:case_id>/comments"


class ExpertCommentsPages:
    def _comments_page(self, request, language, me, case_id, status=200, **shown):
        case = self.expert_review.case(request, case_id)
        if case.status != 200:
            return self._review_trouble(request, language, case, views.comments_rest(case_id))
        rest = views.comments_rest(case_id)
        return self.pages.page(request, language, rest, "expert_comments.html", status=status, private=True,
                               **views.comments_page(case.body, language, me.get("csrf_token") or "", utcnow(), **shown))

    def _expert_post(self, request, language, case_id, fields):
        """(who is signed in, the posted form, None) for the case's expert's post past the forgery checks
        (form_posts.read), else (None, None, the answer instead)."""
        return self._signed_in_post(request, language, views.comments_rest(case_id), fields, self._expert)

    @http("GET", f"/{LANGUAGE}{CASE}")
    def expert_comments(self, request, language, case_id):
        me, answer = self._expert(request, language, views.comments_rest(case_id))
        if me is None:
            return answer
        return self._comments_page(request, language, me, case_id, notice=request.args.get("done"))

    @http("POST", f"/{LANGUAGE}{CASE}/<string:comment_id>/answer")
    def expert_answer(self, request, language, case_id, comment_id):
        me, form, answer = self._expert_post(request, language, case_id, forms.ANSWER_FIELDS)
        if me is None:
            return answer
        sent = self.expert_review.answer(request, case_id, comment_id, forms.answer_body(form["text"], language),
                                         form["csrf_token"])
        if sent.status == 200:
            return self._see(f"{views.comments_path(language, case_id)}?done=answered#comment-{quote(comment_id, safe='')}")
        if sent.status not in (404, 409, 422):
            return self._review_trouble(request, language, sent, views.comments_rest(case_id))
        case = self.expert_review.case(request, case_id)
        limit = (case.body or {}).get("comment_max_characters") if case.status == 200 else None
        error = forms.answer_error(sent.status, form["text"], limit)
        return self._comments_page(request, language, me, case_id, status=sent.status,
                                   posted={"comment_id": comment_id, "text": form["text"]}, error=error)

    @http("POST", f"/{LANGUAGE}{CASE}/open-public-comment")
    def expert_open_public_comment(self, request, language, case_id):
        return self._expert_step(request, language, case_id, "open_public_comment")

    @http("POST", f"/{LANGUAGE}{CASE}/finalise")
    def expert_finalise(self, request, language, case_id):
        return self._expert_step(request, language, case_id, "finalise")

    def _expert_step(self, request, language, case_id, step):
        me, form, answer = self._expert_post(request, language, case_id, forms.STEP_FIELDS)
        if me is None:
            return answer
        sent = getattr(self.expert_review, step)(request, case_id, form["csrf_token"])
        if sent.status == 200:
            return self._see(f"{views.comments_path(language, case_id)}?done={step}#status")
        if sent.status != 409:
            return self._review_trouble(request, language, sent, views.comments_rest(case_id))
        return self._comments_page(request, language, me, case_id, status=409, step_error=forms.step_refusal(step))
