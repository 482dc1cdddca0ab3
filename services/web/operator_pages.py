"""The operator's (an admin's) pages' entrypoints (mixed into services/web/service.py's WebService).

    GET  /<language>/operator/messages                   what a consumer of any service rejected, newest first
                                                         (accounts' GET /api/v1/operator/messages, its page and cursor)
    GET  /<language>/operator/messages/<id>              one, with its payload and, while parked, a Replay button
    POST /<language>/operator/messages/<id>/replay       send it back to its consumer (accounts' POST .../replay)
    GET  /<language>/operator/experts                    the expert registry with each expert's load, and the cases
                                                         waiting with nobody eligible and why (review's API)

Only a signed-in admin: signed out, the sign-in page, which brings them back; any other role, a 403 page.
The post is checked here against forgery (form_posts.read), then sent to accounts' API with the session's
CSRF token, where accounts alone decides that a message is replayed once (a double click or a second tab
gets 409, shown on the message's page in the page's language). Post/Redirect/Get with a status message.
Every page here is no-store. The pages read neither the database nor the broker: accounts' API does (the
messages), and review's (the registry and the waiting cases, expert_review_api.py, with the session).
"""
from urllib.parse import quote

from shared.irm import LANGUAGES
from shared.webserver import http

from services.web import operator_forms as forms, operator_views as views
from services.web.form_posts import Refused

LANGUAGE = "<any(" + ", ".join(LANGUAGES) + "):language>"
MESSAGES = "/operator/messages"
EXPERTS = "/operator/experts"


class OperatorPages:
    def _operator_admin(self, request, language, rest):
        """(who is signed in, per accounts' /me) for a signed-in admin, else (None, the answer instead)."""
        me = self.accounts.me(request)
        if me.status == 401 or (me.status == 200 and me.body.get("authenticated_by") != "session"):
            return None, self._see(f"/{language}/sign-in?next={quote(f'/{language}{rest}', safe='/')}")
        if me.status != 200:
            return None, self._unavailable(request, language, rest)
        if (me.body.get("person") or {}).get("role") != "admin":
            return None, self.pages.page(request, language, rest, "operator_refused.html", status=403, private=True)
        return me.body, None

    def _operator_post(self, request, language, rest, fields):
        """(who is signed in, the posted form, None) for an admin's post past the forgery checks (form_posts.read),
        else (None, None, the answer instead): the sign-in page, the 403 page, or the form's refusal."""
        return self._signed_in_post(request, language, rest, fields, self._operator_admin)

    def _operator_trouble(self, request, language, rest, answer):
        """The answer to give for an accounts answer that is no page's content: signed out, forged, missing, down."""
        if answer.status == 401:
            return self._see(f"/{language}/sign-in?next={quote(f'/{language}{rest}', safe='/')}")
        if answer.status == 403:
            return self._form_refused(request, language, rest, Refused("forged", 403))
        if answer.status in (404, 422):
            return self.pages.page(request, language, rest, "not_found.html", status=404, private=True)
        return self._unavailable(request, language, rest)

    @http("GET", f"/{LANGUAGE}{MESSAGES}")
    def operator_messages(self, request, language):
        me, answer = self._operator_admin(request, language, MESSAGES)
        if me is None:
            return answer
        listed = self.accounts.rejected_messages(request, request.args.get("before"))
        if listed.status != 200:
            return self._operator_trouble(request, language, MESSAGES, listed)
        return self.pages.page(request, language, MESSAGES, "operator_messages.html", private=True,
                               **views.messages_page(listed.body, language))

    @http("GET", f"/{LANGUAGE}{EXPERTS}")
    def operator_experts(self, request, language):
        me, answer = self._operator_admin(request, language, EXPERTS)
        if me is None:
            return answer
        experts, waiting = self.operator_review.experts(request), self.operator_review.waiting_cases(request)
        for listed in (experts, waiting):
            if listed.status != 200:
                return self._operator_trouble(request, language, EXPERTS, listed)
        return self.pages.page(request, language, EXPERTS, "operator_experts.html", private=True,
                               **views.registry_page(experts.body, waiting.body, language))

    def _message(self, request, language, me, message_id, status=200, **shown):
        rest = f"{MESSAGES}/{message_id}"
        found = self.accounts.rejected_message(request, message_id)
        if found.status != 200:
            return self._operator_trouble(request, language, rest, found)
        return self.pages.page(request, language, rest, "operator_message.html", status=status, private=True,
                               **views.message_page(found.body, me, language, **shown))

    @http("GET", f"/{LANGUAGE}{MESSAGES}/<string:message_id>")
    def operator_message(self, request, language, message_id):
        me, answer = self._operator_admin(request, language, f"{MESSAGES}/{message_id}")
        if me is None:
            return answer
        return self._message(request, language, me, message_id, notice=request.args.get("done"))

    @http("POST", f"/{LANGUAGE}{MESSAGES}/<string:message_id>/replay")
    def operator_replay(self, request, language, message_id):
        rest = f"{MESSAGES}/{message_id}"
        me, form, answer = self._operator_post(request, language, rest, forms.REPLAY_FIELDS)
        if me is None:
            return answer
        sent = self.accounts.replay_message(request, message_id, form["csrf_token"])
        if sent.status == 200:
            return self._see(f"/{language}{rest}?done=replayed#status")
        if sent.status == 409:
            return self._message(request, language, me, message_id, status=409, errors=forms.refusal(sent.body))
        return self._operator_trouble(request, language, rest, sent)
