"""The quality reviewer's pages' entrypoints (International Experts Panel; mixed into services/web/service.py's
WebService).

    GET  /<language>/quality-review                     the queue: drafts awaiting a quality decision (review's
                                                        GET /api/v1/cases?status=quality_review), never one's own
    GET  /<language>/quality-review/cases/<id>          the draft beside the government's self-assessment, per
                                                        commitment, a comment field each, approve or return
    POST /<language>/quality-review/cases/<id>          the decision (review's POST .../quality-decision)

Only a signed-in quality reviewer: signed out, the sign-in page, which brings them back; any other role, a
403 page that says so. Their own draft (they are its expert): review refuses it (403, shared/access.py), and
so does the page, with a 403 page that says why. Every post is checked here against forgery
(form_posts.read), then sent to review's API with the session's CSRF token, where review alone decides
(quality_review_api.py); its refusal (422, 409) comes back next to the fields in the page's language.
Post/Redirect/Get to the queue with the result. Every page here is no-store.
"""
from urllib.parse import quote

from shared.clock import utcnow
from shared.irm import LANGUAGES
from shared.webserver import http

from services.web import form_posts, quality_forms as forms, quality_views as views
from services.web.form_posts import Refused

LANGUAGE = "<any(" + ", ".join(LANGUAGES) + "):language>"
QUEUE = "/quality-review"


class QualityReviewPages:
    def _sign_in_first(self, language, rest):
        return self._see(f"/{language}/sign-in?next={quote(f'/{language}{rest}', safe='/')}")

    def _reviewer(self, request, language, rest):
        """(who is signed in, per accounts' /me) for a signed-in quality reviewer, else (None, the answer instead)."""
        me = self.accounts.me(request)
        if me.status == 401 or (me.status == 200 and me.body.get("authenticated_by") != "session"):
            return None, self._sign_in_first(language, rest)
        if me.status != 200:
            return None, self._unavailable(request, language, rest)
        if (me.body.get("person") or {}).get("role") != "quality_reviewer":
            return None, self.pages.page(request, language, rest, "quality_refused.html", status=403, private=True,
                                         reason="not_a_quality_reviewer")
        return me.body, None

    def _quality_trouble(self, request, language, rest, answer):
        """The answer to give for a review answer that is no page's content: signed out, refused, missing, down."""
        if answer.status == 401:
            return self._sign_in_first(language, rest)
        if answer.status == 403:
            return self.pages.page(request, language, rest, "quality_refused.html", status=403, private=True,
                                   reason="own_work")
        if answer.status == 404:
            return self.pages.page(request, language, rest, "not_found.html", status=404, private=True)
        return self._unavailable(request, language, rest)

    @http("GET", f"/{LANGUAGE}{QUEUE}")
    def quality_queue(self, request, language):
        me, answer = self._reviewer(request, language, QUEUE)
        if me is None:
            return answer
        listed = self.quality_review.awaiting(request)
        if listed.status != 200:
            return self._quality_trouble(request, language, QUEUE, listed)
        return self.pages.page(request, language, QUEUE, "quality_queue.html", private=True,
                               **views.queue_page(listed.body, utcnow(), language, request.args.get("done"),
                                                  request.args.get("case")))

    @http("GET", f"/{LANGUAGE}{QUEUE}/cases/<string:case_id>")
    def quality_case(self, request, language, case_id):
        rest = f"{QUEUE}/cases/{case_id}"
        me, answer = self._reviewer(request, language, rest)
        if me is None:
            return answer
        found = self.quality_review.case(request, case_id)
        if found.status != 200:
            return self._quality_trouble(request, language, rest, found)
        return self.pages.page(request, language, rest, "quality_case.html", private=True,
                               **views.case_page(found.body, me, language))

    @http("POST", f"/{LANGUAGE}{QUEUE}/cases/<string:case_id>")
    def quality_decide(self, request, language, case_id):
        rest = f"{QUEUE}/cases/{case_id}"
        me, answer = self._reviewer(request, language, rest)
        if me is None:
            return answer
        found = self.quality_review.case(request, case_id)  # its commitments name the form's fields
        if found.status != 200:
            return self._quality_trouble(request, language, rest, found)
        commitment_ids = [c["commitment_id"] for c in found.body.get("commitments") or []]
        try:
            form = form_posts.read(request, self.pages.public_origin, forms.field_names(commitment_ids))
        except Refused as refused:
            return self._form_refused(request, language, rest, refused)
        state = forms.decision_state(form, commitment_ids)
        body = forms.decision_body(state, language)
        sent = self.quality_review.decide(request, case_id, body, form["csrf_token"])
        if sent.status == 200:
            done = "approved" if body["decision"] == "approve" else "returned"
            return self._see(f"/{language}{QUEUE}?done={done}&case={quote(case_id, safe='')}#status")
        if sent.status == 422:
            errors = forms.field_errors((sent.body.get("error") or {}).get("fields") or {}, body)
        elif sent.status == 409:
            errors = forms.moved_on()
            found = self.quality_review.case(request, case_id)  # its stage now
            if found.status != 200:
                return self._quality_trouble(request, language, rest, found)
        elif sent.status == 403:  # their own draft was refused at its read above: here, the session's CSRF token
            return self._form_refused(request, language, rest, Refused("forged", 403))
        else:
            return self._quality_trouble(request, language, rest, sent)
        return self.pages.page(request, language, rest, "quality_case.html", status=sent.status, private=True,
                               **views.case_page(found.body, me, language, state, errors))
