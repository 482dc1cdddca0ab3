"""accounts: people's accounts, sign-in and sessions (the sessions are honoured by every service).

Admin (bearer token or session)
  POST   /api/v1/invitations                 invite a person with a role; the link's token is in the answer, once
  GET    /api/v1/security-log                sign-ins, failures, invitations...: newest first, ?before=cursor
  GET    /api/v1/people                      every person: role, binding, language, state; by address, ?role=&after=cursor
  POST   /api/v1/people/{id}/unlock          lift a person's sign-in lock (recorded in the security log)
  GET    /api/v1/operator/messages           messages a consumer rejected (every service's), newest first, ?before=
  GET    /api/v1/operator/messages/{id}      one, with its message; POST .../replay sends it back to its consumer once
Anyone with an invitation or reset link (the token in the body, never in a path)
  POST   /api/v1/invitations/accept          set a password (admins and quality reviewers get a TOTP secret)
  POST   /api/v1/invitations/confirm         the second factor's first code: the account is active
  POST   /api/v1/password-resets             ask for a reset link (always 202)
  POST   /api/v1/password-resets/complete    set a new password: every session ends
Signing in (public) and out (the signed-in person, by the session cookie)
  POST   /api/v1/sessions                    sign in: the session cookie, and the CSRF token of forms
  DELETE /api/v1/sessions/current            sign out
  DELETE /api/v1/sessions                    sign out everywhere
The caller
  GET    /api/v1/me                          who am I (a session or any token)
  PUT    /api/v1/me/password                 change the password (session only): every session ends
  GET/POST /api/v1/me/tokens, DELETE /api/v1/me/tokens/{token_id}   personal API tokens (session only)
"""
from eventlet import tpool
from shared.webserver import http

from services.accounts import documents, handlers, operator_messages, queries, views
from services.accounts.dependencies import AccountsClock, AccountsSettings
from services.accounts.domain import addresses, passwords, signin, tokens
from services.accounts.schemas import (
    AcceptInvitationSchema, ConfirmTotpSchema, InvitationSchema, PasswordChangeSchema, ResetRequestSchema, ResetSchema,
    MailPreferencesSchema, PeopleQuery, RejectedMessagesQuery, SecurityLogQuery, SignInSchema, TokenRequestSchema,
)
from shared import service_shell, session_auth, sessions
from shared.http import NotFound, api_endpoint, json_response, read_json, read_query
from shared.service_shell import Auth, Store


class AccountsService(service_shell.ServiceShell):
    name = "accounts"

    store = Store(documents=documents.ALL)
    auth = Auth()
    clock = AccountsClock()
    config = AccountsSettings()

    def _context(self, request) -> handlers.Context:
        return handlers.Context(self.clock(), self.config.client(request), request.correlation_id,
                                self.config.session_policy.secret)

    @staticmethod
    def _link_and_new_password(body, kind, ctx):
        """A link of `kind` still usable now (else 410) and the body's new password, judged against the
        link's person and hashed (off the hub): the start of accepting an invitation and of a reset."""
        stored = handlers.usable_link(queries.link_document(body["token"]), kind, ctx.now)
        handlers.password_problems(body["password"], queries.person(stored.person_id).email)
        return stored, tpool.execute(passwords.hash_password, body["password"])

    # --- invitations ----------------------------------------------------------------------------
    @http("POST", "/api/v1/invitations")
    @api_endpoint
    def invite(self, request):
        principal = self.auth.caller(request, "invite_people")
        body, ctx = read_json(request, InvitationSchema()), self._context(request)
        person, token, link = self.store.run(lambda uow: handlers.invite(uow, principal.as_actor(), body, ctx))
        return json_response(views.invitation_view(person, token, link.expires_at, self.config.public_base_url), status=201)

    @http("POST", "/api/v1/invitations/accept")
    @api_endpoint
    def accept_invitation(self, request):
        session_auth.refuse_cross_site(request)
        body, ctx = read_json(request, AcceptInvitationSchema()), self._context(request)
        stored, hashed = self._link_and_new_password(body, tokens.INVITATION, ctx)
        person, uri, secret = self.store.run(
            lambda uow: handlers.accept_invitation(uow, stored.digest, hashed, ctx, self.config.totp_issuer, body["totp"]))
        return json_response(views.acceptance_view(person, uri, secret))

    @http("POST", "/api/v1/invitations/confirm")
    @api_endpoint
    def confirm_totp(self, request):
        session_auth.refuse_cross_site(request)
        body, ctx = read_json(request, ConfirmTotpSchema()), self._context(request)
        digest = tokens.lookup_digest(body["token"])
        person = self.store.run(lambda uow: handlers.confirm_totp(uow, digest, body["code"], ctx))
        return json_response(views.acceptance_view(person))

    # --- signing in and out -----------------------------------------------------------------------
    @http("POST", "/api/v1/sessions")
    @api_endpoint
    def sign_in(self, request):
        session_auth.refuse_cross_site(request)
        body, ctx = read_json(request, SignInSchema()), self._context(request)
        account_key, client_key = signin.account_throttle_key(body["email"]), signin.client_throttle_key(ctx.client)
        permission = handlers.sign_in_permission(queries.throttle(account_key), queries.throttle(client_key), ctx.now)
        if not permission.allowed:  # not an attempt: no password is checked, nothing is counted
            return views.SignInTryLater(permission.wait_seconds).response(request.correlation_id)
        person = queries.active_person_by_email(addresses.normalized_email(body["email"]))
        stored_hash = person.password_hash if person is not None else None
        password_ok = tpool.execute(passwords.password_matches, stored_hash, body["password"])
        rehash = password_ok and passwords.needs_rehash(stored_hash)
        session_id = sessions.new_session_id()
        attempt = handlers.SignInAttempt(account_key, client_key, person.person_id if person else None, password_ok,
                                         body["code"], tpool.execute(passwords.hash_password, body["password"]) if rehash else None,
                                         sessions.session_digest(session_id))
        policy = self.config.session_policy
        result = self.store.run(lambda uow: handlers.sign_in(uow, attempt, ctx, policy.idle, policy.absolute))
        return self._sign_in_answer(request, result, session_id)

    def _sign_in_answer(self, request, result, session_id):
        if result.outcome == signin.TRY_LATER:
            return views.SignInTryLater(result.permission.wait_seconds).response(request.correlation_id)
        if result.outcome == signin.REFUSED:
            raise views.SignInRefused(views.REFUSED_MESSAGE)
        csrf_token = sessions.csrf_token(session_id, self.config.session_policy.secret)
        return json_response(views.signed_in_view(result.person, csrf_token, result.session_ends_at), status=201,
                             headers={"Set-Cookie": sessions.set_cookie_header(session_id)})

    @http("DELETE", "/api/v1/sessions/current")
    @api_endpoint
    def sign_out(self, request):
        principal = self.auth.caller(request, "end_own_sessions")
        digest, ctx = sessions.session_digest(session_auth.session_id_of(request)), self._context(request)
        self.store.run(lambda uow: handlers.sign_out(uow, principal, digest, ctx))
        return json_response({"signed_out": "this_session"}, headers={"Set-Cookie": sessions.clear_cookie_header()})

    @http("DELETE", "/api/v1/sessions")
    @api_endpoint
    def sign_out_everywhere(self, request):
        principal, ctx = self.auth.caller(request, "end_own_sessions"), self._context(request)
        self.store.run(lambda uow: handlers.sign_out_everywhere(uow, principal, ctx))
        return json_response({"signed_out": "every_session"}, headers={"Set-Cookie": sessions.clear_cookie_header()})

    # --- passwords -------------------------------------------------------------------------------------
    @http("POST", "/api/v1/password-resets")
    @api_endpoint
    def request_password_reset(self, request):
        session_auth.refuse_cross_site(request)
        ctx = self._context(request)
        refused = self.config.reset_refused_for_client(ctx.client, ctx.now)
        body = None if refused else read_json(request, ResetRequestSchema())
        refused = refused or self.config.reset_refused_for_address(body["email"], ctx.now)
        if refused:
            return refused.response(request.correlation_id)
        self.store.run(lambda uow: handlers.request_reset(uow, body["email"], ctx))
        return json_response({"status": "requested"}, status=202)  # the same whether or not the account exists

    @http("POST", "/api/v1/password-resets/complete")
    @api_endpoint
    def reset_password(self, request):
        session_auth.refuse_cross_site(request)
        body, ctx = read_json(request, ResetSchema()), self._context(request)
        stored, hashed = self._link_and_new_password(body, tokens.PASSWORD_RESET, ctx)
        person = self.store.run(lambda uow: handlers.reset_password(uow, stored.digest, hashed, ctx))
        return json_response({"status": "password_changed", "person": views.person_view(person)})

    @http("PUT", "/api/v1/me/password")
    @api_endpoint
    def change_password(self, request):
        principal = self.auth.caller(request, "change_own_password")
        body, ctx = read_json(request, PasswordChangeSchema()), self._context(request)
        person = queries.person(principal.person_id)
        if not tpool.execute(passwords.password_matches, person.password_hash, body["current_password"]):
            raise views.current_password_wrong()
        handlers.password_problems(body["new_password"], person.email)
        hashed = tpool.execute(passwords.hash_password, body["new_password"])
        self.store.run(lambda uow: handlers.change_password(uow, principal, hashed, ctx))
        return json_response({"status": "password_changed"}, headers={"Set-Cookie": sessions.clear_cookie_header()})

    # --- the caller ---------------------------------------------------------------------------------------
    @http("GET", "/api/v1/me")
    @api_endpoint
    def me(self, request):
        principal = self.auth.caller(request, "read_own_account")
        person = queries.person(principal.person_id) if principal.person_id else None
        csrf_token = (sessions.csrf_token(session_auth.session_id_of(request), self.config.session_policy.secret)
                      if principal.by_session else None)
        return json_response(views.me_view(principal, person, csrf_token))

    @http("PUT", "/api/v1/me/mail-preferences")
    @api_endpoint
    def set_mail_preferences(self, request):
        principal = self.auth.caller(request, "choose_own_mail")
        body = read_json(request, MailPreferencesSchema())
        chosen = self.store.run(lambda uow: handlers.set_mail_preferences(uow, principal, body["turned_off"]))
        return json_response(views.mail_preferences_view(principal.role, chosen))

    @http("GET", "/api/v1/me/tokens")
    @api_endpoint
    def list_tokens(self, request):
        principal = self.auth.caller(request, "manage_own_tokens")
        return json_response({"tokens": [views.token_view(t) for t in queries.tokens_of(principal.person_id)]})

    @http("POST", "/api/v1/me/tokens")
    @api_endpoint
    def create_token(self, request):
        principal = self.auth.caller(request, "manage_own_tokens")
        body, ctx = read_json(request, TokenRequestSchema()), self._context(request)
        record, token = self.store.run(lambda uow: handlers.create_token(uow, principal, body["label"], ctx))
        return json_response(views.created_token_view(record, token), status=201)

    @http("DELETE", "/api/v1/me/tokens/<string:token_id>")
    @api_endpoint
    def revoke_token(self, request, token_id):
        principal, ctx = self.auth.caller(request, "manage_own_tokens"), self._context(request)
        self.store.run(lambda uow: handlers.revoke_token(uow, principal, token_id, ctx))
        return json_response({"token_id": token_id, "revoked": True})

    # --- the security log -----------------------------------------------------------------------------------
    @http("GET", "/api/v1/security-log")
    @api_endpoint
    def security_log(self, request):
        self.auth.caller(request, "read_security_log")
        query = read_query(request, SecurityLogQuery())
        return json_response(views.security_log_page(queries.security_log(query["before"], query["limit"]), query["limit"]))

    # --- people -----------------------------------------------------------------------------------------------
    @http("GET", "/api/v1/people")
    @api_endpoint
    def people(self, request):
        self.auth.caller(request, "read_people")
        query, now = read_query(request, PeopleQuery()), self.clock()
        listed = queries.people(query["role"], query["after"], query["limit"])
        states = handlers.people_states(listed, queries.account_throttles([p.email for p in listed]), now)
        return json_response(views.people_page(listed, states, query["limit"]))

    @http("POST", "/api/v1/people/<string:person_id>/unlock")
    @api_endpoint
    def unlock(self, request, person_id):
        principal, ctx = self.auth.caller(request, "unlock_people"), self._context(request)
        person = self.store.run(lambda uow: handlers.unlock(uow, principal.as_actor(), person_id, ctx))
        return json_response(views.unlocked_view(person))
    # --- the operator's messages: what any service's consumer rejected, and replaying it (operator_messages.py) ----
    @http("GET", "/api/v1/operator/messages")
    @api_endpoint
    def rejected_messages(self, request):
        self.auth.caller(request, "operate_messages")
        query = read_query(request, RejectedMessagesQuery())
        listed = queries.rejected_messages(query["before"], query["limit"])
        return json_response(views.rejected_messages_page(listed, query["limit"]))

    @http("GET", "/api/v1/operator/messages/<string:message_id>")
    @api_endpoint
    def rejected_message(self, request, message_id):
        self.auth.caller(request, "operate_messages")
        record = queries.rejected_message(message_id)
        if record is None:
            raise NotFound("No rejected message has this id.")
        return json_response(views.rejected_message_view(record))

    @http("POST", "/api/v1/operator/messages/<string:message_id>/replay")
    @api_endpoint
    def replay_message(self, request, message_id):
        principal, ctx = self.auth.caller(request, "operate_messages"), self._context(request)
        record, queue = operator_messages.replay(message_id, principal.subject, ctx.now, self.store._provider.amqp_uri)
        self.store.run(lambda uow: handlers.message_replayed(uow, principal.as_actor(), record, queue, ctx))
        return json_response(views.rejected_message_view(record))

    @http("GET", "/api/v1/openapi/accounts.json")
    @api_endpoint
    def openapi_document(self, request):
        from services.accounts import openapi  # here: it reads this module's schemas

        return json_response(openapi.document())
