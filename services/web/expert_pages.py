"""The IRM expert's own pages' entrypoints (mixed into services/web/service.py's WebService).

    GET  /<language>/expert                               the expert's inbox: the cases review assigned
                                                          to them, each with its member, stage and deadline
    POST /<language>/expert/cases/<id>/accept             take the case (review's POST .../accept)
    POST /<language>/expert/cases/<id>/decline            give it back with a reason; a conflict of
                                                          interest names its affiliation (POST .../decline)

Only a signed-in expert: signed out, the sign-in page, which brings them back here; any other role, a
403 page that says so. Every post is checked here against forgery (form_posts.read), then sent to
review's API with the session's CSRF token, where review alone decides (expert_review_api.py); its
refusal (422, 409) comes back next to the fields in the page's language. Post/Redirect/Get with a
status message. Every page here is no-store.
"""
from urllib.parse import quote

from shared.clock import utcnow
from shared.irm import LANGUAGES
from shared.webserver import http

from services.web import expert_forms as forms, expert_views as views, form_posts, views as page_views
from services.web.form_posts import Refused

LANGUAGE = "<any(" + ", ".join(LANGUAGES) + "):language>"
INBOX = page_views.EXPERT_INBOX


class ExpertPages:
    def _expert(self, request, language, back=INBOX):
        """(who is signed in, per accounts' /me) for a signed-in expert, else (None, the answer instead);
        signed out, the sign-in page, which brings them back to `back`."""
        me = self.accounts.me(request)
        if me.status == 401 or (me.status == 200 and me.body.get("authenticated_by") != "session"):
            return None, self._see(f"/{language}/sign-in?next={quote(f'/{language}{back}', safe='/')}")
        if me.status != 200:
            return None, self._unavailable(request, language, INBOX)
        person = me.body.get("person") or {}
        if person.get("role") != "expert" or not person.get("expert_id"):
            return None, self.pages.page(request, language, INBOX, "expert_refused.html", status=403, private=True)
        return me.body, None

    def _review_trouble(self, request, language, answer, back=INBOX):
        """The answer to give for a review answer that is no page's content: signed out, forged, missing, down."""
        if answer.status == 401:
            return self._see(f"/{language}/sign-in?next={quote(f'/{language}{back}', safe='/')}")
        if answer.status == 403:
            return self._form_refused(request, language, INBOX, Refused("forged", 403))
        if answer.status == 404:
            return self.pages.page(request, language, INBOX, "not_found.html", status=404, private=True)
        return self._unavailable(request, language, INBOX)

    def _inbox(self, request, language, me, status=200, **shown):
        listed = self.expert_review.cases(request)
        if listed.status != 200:
            return self._review_trouble(request, language, listed)
        return self.pages.page(request, language, INBOX, "expert.html", status=status, private=True,
                               **views.inbox_page(listed.body, me, utcnow(), language, **shown))

    @http("GET", f"/{LANGUAGE}{INBOX}")
    def expert_inbox(self, request, language):
        me, answer = self._expert(request, language)
        if me is None:
            return answer
        return self._inbox(request, language, me, notice=request.args.get("done"))

    @http("POST", f"/{LANGUAGE}{INBOX}/cases/<string:case_id>/accept")
    def expert_accept(self, request, language, case_id):
        me, answer = self._expert(request, language)
        if me is None:
            return answer
        try:
            form = form_posts.read(request, self.pages.public_origin, forms.ACCEPT_FIELDS)
        except Refused as refused:
            return self._form_refused(request, language, INBOX, refused)
        sent = self.expert_review.accept(request, case_id, form["csrf_token"])
        return self._expert_answered(request, language, me, case_id, sent, "accepted")

    @http("POST", f"/{LANGUAGE}{INBOX}/cases/<string:case_id>/decline")
    def expert_decline(self, request, language, case_id):
        me, answer = self._expert(request, language)
        if me is None:
            return answer
        try:
            form = form_posts.read(request, self.pages.public_origin, forms.DECLINE_FIELDS)
        except Refused as refused:
            return self._form_refused(request, language, INBOX, refused)
        state = forms.decline_state(form)
        sent = self.expert_review.decline(request, case_id, forms.decline_body(state), form["csrf_token"])
        return self._expert_answered(request, language, me, case_id, sent, "declined", state)

    def _expert_answered(self, request, language, me, case_id, sent, done, state=None):
        if sent.status == 200:
            return self._see(f"/{language}{INBOX}?done={done}#status")
        if sent.status == 422:
            errors = forms.field_errors((sent.body.get("error") or {}).get("fields") or {})
        elif sent.status == 409:
            errors = forms.moved_on()
        else:
            return self._review_trouble(request, language, sent)
        return self._inbox(request, language, me, status=sent.status, errors_for=case_id, errors=errors, decline_state=state)
