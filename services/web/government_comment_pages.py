"""The government point of contact's review of the draft findings: entrypoints (mixed into
services/web/service.py's WebService, beside government_pages.py's, whose `_point_of_contact` and
`_intake_trouble` they share).

    GET  /<language>/government/cases/<id>/draft       the expert's draft under the government's review
                                   (review's GET .../draft): per commitment its draft ratings and
                                   justifications, the government's comments with the expert's answers,
                                   and while review says this PoC may comment, a comment form per
                                   commitment and one on the draft as a whole; the window's end in the
                                   member's time zone (named), else in UTC
    POST /<language>/government/cases/<id>/draft/comments   one comment (`commitment`, `text`,
                                   `csrf_token`): posted on to review's POST .../government-comments

Only the point of contact of the case's member: signed out, the sign-in page, which brings them back;
another role, or the point of contact of another member (the case is not among intake's plans of theirs),
the 403 page that says so. A case of theirs whose draft review does not show them (not yet approved for
their review): a page that says so, without a form. Whether the form is shown, and whether a comment is
taken, is review's answer (its window, its schema, its cap), never decided here. Every post is checked
against forgery here (form_posts.read), then sent with the session's CSRF token, which review checks
again; its refusal comes back next to the field in the page's language. Post/Redirect/Get. No-store.
"""
from urllib.parse import quote

from shared.irm import LANGUAGES
from shared.webserver import http

from services.web import form_posts, government_comment_form as forms, government_views as views
from services.web.form_posts import Refused

LANGUAGE = "<any(" + ", ".join(LANGUAGES) + "):language>"
DRAFT_PATH = "/government/cases/<string:case_id>/draft"


def _rest(case_id: str) -> str:
    return f"/government/cases/{quote(case_id, safe='')}/draft"


class GovernmentCommentPages:
    def _case_of_point_of_contact(self, request, language, case_id):
        """(who is signed in, intake's member, the member's case) for the PoC of the case's member, else (None, None, the answer)."""
        rest = _rest(case_id)
        me, answer = self._point_of_contact(request, language, rest)
        if me is None:
            return None, None, answer
        overview = self.intake.member_plans(request, me["person"]["member_code"])
        if overview.status != 200:
            return None, None, self._intake_trouble(request, language, rest, overview)
        case = views.member_case(overview.body, case_id)
        if case is None:  # another member's case, or none at all: the same answer
            return None, None, self.pages.page(request, language, rest, "government_refused.html", status=403, private=True,
                                               reason="not_your_member")
        return me, (overview.body["member"], case), None

    def _government_draft_trouble(self, request, language, case_id, member, case, answer):
        """The answer for a review answer that is no draft: review shows this PoC no draft of the case (404: not
        yet in their review), signed out, forged, or away."""
        rest = _rest(case_id)
        if answer.status == 404:
            return self.pages.page(request, language, rest, "government_draft.html", private=True, not_open=True,
                                   **views.draft_not_open_page(case, member, language))
        if answer.status == 401:
            return self._see(f"/{language}/sign-in?next={quote(f'/{language}{rest}', safe='/')}")
        if answer.status == 403:
            return self._form_refused(request, language, rest, Refused("forged", 403))
        return self._unavailable(request, language, rest)

    def _government_draft_page(self, request, language, case_id, me, member, draft, status=200, **shown):
        return self.pages.page(request, language, _rest(case_id), "government_draft.html", status=status, private=True,
                               not_open=False, **views.draft_review_page(draft, member, language, me.get("csrf_token") or "", **shown))

    @http("GET", f"/{LANGUAGE}{DRAFT_PATH}")
    def government_draft(self, request, language, case_id):
        me, found, answer = self._case_of_point_of_contact(request, language, case_id)
        if me is None:
            return answer
        member, case = found
        draft = self.government_review.draft(request, case_id)
        if draft.status != 200:
            return self._government_draft_trouble(request, language, case_id, member, case, draft)
        recorded = request.args.get("recorded")
        keys = {forms.form_key(c["commitment_id"], draft.body["commitments"]) for c in draft.body["commitments"]} | {forms.GENERAL}
        return self._government_draft_page(request, language, case_id, me, member, draft.body, recorded=recorded if recorded in keys else None)

    @http("POST", f"/{LANGUAGE}{DRAFT_PATH}/comments")
    def government_comment(self, request, language, case_id):
        me, found, answer = self._case_of_point_of_contact(request, language, case_id)
        if me is None:
            return answer
        member, case = found
        rest = _rest(case_id)
        try:
            form = form_posts.read(request, self.pages.public_origin, forms.FIELDS)
        except Refused as refused:
            return self._form_refused(request, language, rest, refused)
        draft = self.government_review.draft(request, case_id)
        if draft.status != 200:
            return self._government_draft_trouble(request, language, case_id, member, case, draft)
        key = forms.form_key(form["commitment"], draft.body["commitments"])
        if key is None:
            return self._form_refused(request, language, rest, Refused("not_a_form", 400))
        sent = self.government_review.comment(request, case_id, forms.api_body(form, language), form["csrf_token"])
        if sent.status == 201:
            return self._see(f"/{language}{rest}?recorded={key}#comments-{key}")
        if sent.status not in (409, 422):
            return self._government_draft_trouble(request, language, case_id, member, case, sent)
        again = self.government_review.draft(request, case_id)  # as it is now: the window may have closed meanwhile
        if again.status != 200:
            return self._government_draft_trouble(request, language, case_id, member, case, again)
        errors = forms.field_errors(sent.status, sent.body, form, again.body)
        return self._government_draft_page(request, language, case_id, me, member, again.body, status=sent.status,
                                posted={"key": key, "text": form["text"]}, errors=errors)
