"""The operator's people page's entrypoints (an admin's; mixed into services/web/service.py's WebService).

    GET  /<language>/operator/people[?role=&after=]      every person with their role, binding, language and
                                                         state (accounts' GET /api/v1/people: one bounded page,
                                                         a link to the next), filtered by role; and the
                                                         invitation form
    POST /<language>/operator/people                     invite a person (accounts' POST /api/v1/invitations):
                                                         the mail service sends the invitation (person.invited)
    POST /<language>/operator/people/<id>/unlock         lift a person's sign-in lock (POST /api/v1/people/{id}/unlock)

Only a signed-in admin: signed out, the sign-in page, which brings them back here; any other role, a 403 page
that says so. Every post is checked here against forgery (form_posts.read), then sent to accounts' API with the
session's CSRF token, where accounts alone decides (accounts_api.py); its refusal (422, 409) comes back next to
the fields in the page's language. Post/Redirect/Get with a status message. Every page here is no-store.
The invitation form's choices of member and expert are the registries' (queries.py).
"""
from urllib.parse import urlencode

from shared.irm import LANGUAGES
from shared.webserver import http

from services.web import people_forms as forms, people_views as views, queries

LANGUAGE = "<any(" + ", ".join(LANGUAGES) + "):language>"
PEOPLE = views.PEOPLE


class PeoplePages:
    def _people(self, request, language, me, status=200, role=None, after=None, **shown):
        listed = self.accounts.people(request, role or None, after or None, views.PAGE_SIZE)
        if listed.status == 422 and (role or after):  # a filter or cursor accounts does not take: the first page
            role = after = None
            listed = self.accounts.people(request, None, None, views.PAGE_SIZE)
        if listed.status != 200:
            return self._operator_trouble(request, language, PEOPLE, listed)
        context = views.people_page(listed.body, me, queries.registry_members(), queries.registry_experts(), language,
                                    role, after, **shown)
        return self.pages.page(request, language, PEOPLE, "people.html", status=status, private=True, **context)

    @http("GET", f"/{LANGUAGE}{PEOPLE}")
    def people_list(self, request, language):
        me, answer = self._operator_admin(request, language, PEOPLE)
        if me is None:
            return answer
        return self._people(request, language, me, role=request.args.get("role"), after=request.args.get("after"),
                            notice=request.args.get("done"), invited=request.args.get("person"))

    @http("POST", f"/{LANGUAGE}{PEOPLE}")
    def people_invite(self, request, language):
        me, form, answer = self._operator_post(request, language, PEOPLE, forms.INVITE_FIELDS)
        if me is None:
            return answer
        state = forms.invitation_state(form)
        sent = self.accounts.invite(request, forms.invitation_body(state), form["csrf_token"])
        if sent.status == 201:
            person_id = (sent.body.get("person") or {}).get("person_id") or ""
            return self._see(f"/{language}{PEOPLE}?{urlencode({'done': 'invited', 'person': person_id})}#status")
        error = sent.body.get("error") or {}
        if sent.status == 422:
            errors = forms.field_errors(error.get("fields") or {})
        elif sent.status == 409:
            errors = forms.conflict_errors(error.get("details"))
        else:
            return self._operator_trouble(request, language, PEOPLE, sent)
        return self._people(request, language, me, status=sent.status, state=state, errors=errors)

    @http("POST", f"/{LANGUAGE}{PEOPLE}/<string:person_id>/unlock")
    def people_unlock(self, request, language, person_id):
        me, form, answer = self._operator_post(request, language, PEOPLE, forms.UNLOCK_FIELDS)
        if me is None:
            return answer
        sent = self.accounts.unlock(request, person_id, form["csrf_token"])
        if sent.status == 200:
            return self._see(f"/{language}{PEOPLE}?done=unlocked#status")
        if sent.status == 409:
            return self._people(request, language, me, status=409, unlock_errors_for=person_id,
                                unlock_errors={"form": [{"message": forms.MESSAGES["not_locked"], "params": {}}]})
        if sent.status == 404:
            return self.pages.page(request, language, PEOPLE, "not_found.html", status=404, private=True)
        return self._operator_trouble(request, language, PEOPLE, sent)
