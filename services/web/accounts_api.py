"""The pages' one way to people's accounts: the accounts service's own HTTP API.

Why over HTTP and not accounts' functions in this process: sign-in passes accounts' throttles
(per address and per client, their state in accounts' store), argon2 in its thread pool, the
TOTP check and the unit of work that writes the session with its security-log entry; a
password passes domain/passwords.py with the person's address; a link is judged and used in
one transaction. Called in-process, the pages would repeat that sequence and write into
accounts' store. Posted to the API, every rule stays in one place and the form is one more
client of it, refused exactly as `curl` would be. (The same choice as the public comment form
makes for review.)

What is carried (upstream_api.py): the client's address, and the session cookie alone of the
browser's cookies; a signed-in form's CSRF token as X-CSRF-Token.
"""
from urllib.parse import quote, urlencode

from services.web.upstream_api import Answer, UpstreamApi
from shared import settings


class AccountsApi(UpstreamApi):
    CARRIES_SESSION = True

    def base_url(self) -> str:
        return settings.value(self.container.config, "ACCOUNTS_URL")

    # --- signed out -----------------------------------------------------------------------------
    def sign_in(self, request, body: dict) -> Answer:
        return self.call("POST", "/api/v1/sessions", request, body)

    def accept_invitation(self, request, token: str, password: str, totp: bool = False) -> Answer:
        return self.call("POST", "/api/v1/invitations/accept", request, {"token": token, "password": password, "totp": totp})

    def confirm_totp(self, request, token: str, code: str) -> Answer:
        return self.call("POST", "/api/v1/invitations/confirm", request, {"token": token, "code": code})

    def request_reset(self, request, email: str) -> Answer:
        return self.call("POST", "/api/v1/password-resets", request, {"email": email})

    def reset_password(self, request, token: str, password: str) -> Answer:
        return self.call("POST", "/api/v1/password-resets/complete", request, {"token": token, "password": password})

    # --- signed in (the session cookie; a change also its CSRF token) ------------------------------
    def me(self, request) -> Answer:
        return self.call("GET", "/api/v1/me", request)

    def tokens(self, request) -> Answer:
        return self.call("GET", "/api/v1/me/tokens", request)

    def set_mail_preferences(self, request, turned_off: list, csrf_token: str) -> Answer:
        return self.call("PUT", "/api/v1/me/mail-preferences", request, {"turned_off": turned_off}, csrf_token)

    def create_token(self, request, label: str, csrf_token: str) -> Answer:
        return self.call("POST", "/api/v1/me/tokens", request, {"label": label}, csrf_token)

    def revoke_token(self, request, token_id: str, csrf_token: str) -> Answer:
        return self.call("DELETE", f"/api/v1/me/tokens/{quote(token_id, safe='')}", request, csrf_token=csrf_token)

    def sign_out(self, request, csrf_token: str) -> Answer:
        return self.call("DELETE", "/api/v1/sessions/current", request, csrf_token=csrf_token)

    def sign_out_everywhere(self, request, csrf_token: str) -> Answer:
        return self.call("DELETE", "/api/v1/sessions", request, csrf_token=csrf_token)

    # --- an admin's: the operator's people page (people_pages.py) -------------------------------------
    def people(self, request, role: str | None = None, after: str | None = None, limit: int | None = None) -> Answer:
        query = urlencode({k: v for k, v in (("role", role), ("after", after), ("limit", limit)) if v})
        return self.call("GET", "/api/v1/people" + (f"?{query}" if query else ""), request)

    def invite(self, request, body: dict, csrf_token: str) -> Answer:
        return self.call("POST", "/api/v1/invitations", request, body, csrf_token)

    def unlock(self, request, person_id: str, csrf_token: str) -> Answer:
        return self.call("POST", f"/api/v1/people/{quote(person_id, safe='')}/unlock", request, {}, csrf_token)
    # --- the operator's (an admin's session) ----------------------------------------------------
    def rejected_messages(self, request, before: str | None = None) -> Answer:
        query = f"?before={quote(before, safe='')}" if before else ""
        return self.call("GET", f"/api/v1/operator/messages{query}", request)

    def rejected_message(self, request, message_id: str) -> Answer:
        return self.call("GET", f"/api/v1/operator/messages/{quote(message_id, safe='')}", request)

    def replay_message(self, request, message_id: str, csrf_token: str) -> Answer:
        return self.call("POST", f"/api/v1/operator/messages/{quote(message_id, safe='')}/replay", request, {}, csrf_token)
