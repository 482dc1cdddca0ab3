"""The sign-in and account pages' entrypoints (mixed into services/web/service.py's WebService).

    GET/POST /<language>/sign-in                  e-mail, password and, on the same form, the code
    GET/POST /<language>/accounts/invitation      an invitation link (?token=): set a password, then
    POST     /<language>/accounts/invitation/confirm   for admins and quality reviewers, the second factor
    GET      /<language>/account                  who you are, your personal API tokens, signing out
    POST     /<language>/account/sign-out, /sign-out-everywhere, /tokens, /tokens/revoke
    GET/POST /<language>/password-reset           ask for a reset link by e-mail
    GET/POST /<language>/accounts/password-reset  a reset link (?token=): a new password

Every post is checked here against forgery (csrf.cross_site; a signed-out form's
double-submit token) and then sent to the accounts API, which alone decides
(accounts_api.py); its refusal comes back next to the fields, in the page's language.
Every one of these pages is no-store: none is kept by any cache, the public freshness cache included.
"""
from werkzeug.wrappers import Response

from shared.irm import LANGUAGES
from shared.webserver import http

from services.accounts.views import LINK_PAGES
from services.mail.domain.notices import OPTIONAL as OPTIONAL_MAILS
from services.web import account_forms as forms
from services.web import account_views, csrf, form_posts, i18n, qr
from services.web.form_posts import Refused

LANGUAGE = "<any(" + ", ".join(LANGUAGES) + "):language>"
SIGN_IN_FIELDS = ("email", "password", "code", "next", forms.TOKEN_FIELD)
LINK_FIELDS = ("token", "password", "totp", forms.TOKEN_FIELD)
CONFIRM_FIELDS = ("token", "code", "secret", "uri", "seal", "chosen", forms.TOKEN_FIELD)
SIGNED_IN_FIELDS = ("csrf_token", "label", "token_id")
MAIL_FIELDS = ("csrf_token",) + tuple(account_views.mail_field(kind) for kind in OPTIONAL_MAILS)


class AccountPages:
    # --- the plumbing every form shares ------------------------------------------------------------
    def _form(self, request, names: tuple, purpose: str | None = None) -> dict:
        """The posted form, once it passed the checks against forgery (`purpose`: a signed-out form's token)."""
        form = form_posts.read(request, self.pages.public_origin, names)
        if purpose is not None and not csrf.token_matches(self.pages.session_policy.secret, request.cookies.get(csrf.COOKIE),
                                                           form[forms.TOKEN_FIELD], purpose):
            raise Refused("forged", 403)
        return form

    def _form_refused(self, request, language, rest, refused: Refused):
        return self.pages.page(request, language, rest, "form_refused.html", status=refused.status, reason=refused.reason,
                               private=True)

    def _signed_in_post(self, request, language, rest, fields, let_in):
        """(who is signed in, the posted form, None) for a post by someone `let_in(request, language, rest)` admits
        ((me, None), else (None, the sign-in or 403 page)) past the forgery checks (form_posts.read), else (None,
        None, the answer instead): the role's page, or the form's refusal."""
        me, answer = let_in(request, language, rest)
        if me is None:
            return None, None, answer
        try:
            return me, form_posts.read(request, self.pages.public_origin, fields), None
        except Refused as refused:
            return None, None, self._form_refused(request, language, rest, refused)

    def _signed_out_page(self, request, language, rest, template, purpose, status=200, **context):
        """A signed-out form's page, with this browser's form token (and the cookie that gives it a nonce)."""
        nonce = csrf.usable_nonce(request.cookies.get(csrf.COOKIE))
        set_cookie = None
        if nonce is None:
            nonce = csrf.new_nonce()
            set_cookie = csrf.cookie_header(nonce, self.pages.secure_cookie)
        for name, default in (("errors", {}), ("refusal", None), ("notice", None)):
            context.setdefault(name, default)
        response = self.pages.page(request, language, rest, template, status=status, private=True,
                                   form_token=csrf.form_token(self.pages.session_policy.secret, nonce, purpose), **context)
        if set_cookie:
            response.headers.add("Set-Cookie", set_cookie)
        return response

    @staticmethod
    def _see(location: str, set_cookies=()) -> Response:
        response = Response(status=303, headers={"Location": location, "Cache-Control": "no-store"})
        for value in set_cookies:
            response.headers.add("Set-Cookie", value)
        return response

    def _unavailable(self, request, language, rest):
        return self.pages.page(request, language, rest, "form_refused.html", status=503, reason="unavailable", private=True)

    # --- the links in the mails ----------------------------------------------------------------------
    # accounts' links (views.LINK_PAGES) carry no language: the browser's, as for `/`.
    @http("GET", LINK_PAGES["invitation"])
    def invitation_link(self, request):
        return self._to_language(request, LINK_PAGES["invitation"])

    @http("GET", LINK_PAGES["password_reset"])
    def password_reset_link(self, request):
        return self._to_language(request, LINK_PAGES["password_reset"])

    def _to_language(self, request, path):
        language = i18n.preferred_language(request.headers.get("Accept-Language"))
        token = forms.usable_link_token(request.args.get("token"))
        location = f"/{language}{path}" + (f"?token={token}" if token else "")
        return Response(status=303, headers={"Location": location, "Vary": "Accept-Language", "Cache-Control": "no-store"})

    # --- signing in ------------------------------------------------------------------------------------
    @http("GET", f"/{LANGUAGE}/sign-in")
    def sign_in_page(self, request, language):
        back = forms.return_path(request.args.get("next"))
        if self.pages.viewer(request) is not None:
            return self._see(back or f"/{language}/account")
        notice = "signed_out" if request.args.get("signed_out") else None
        return self._signed_out_page(request, language, "/sign-in", "sign_in.html", forms.SIGN_IN,
                                     form={"email": "", "next": back or ""}, notice=notice)

    @http("POST", f"/{LANGUAGE}/sign-in")
    def sign_in(self, request, language):
        try:
            form = self._form(request, SIGN_IN_FIELDS, forms.SIGN_IN)
        except Refused as refused:
            return self._form_refused(request, language, "/sign-in", refused)
        answer = self.accounts.sign_in(request, forms.sign_in_body(form))
        if answer.status == 201:
            return self._see(forms.return_path(form["next"]) or f"/{language}/account", answer.set_cookie)
        if answer.status == 0 or answer.status >= 500:
            return self._unavailable(request, language, "/sign-in")
        errors = forms.field_errors(answer.body, ("email", "password")) if answer.status == 422 else {}
        refusal = None if errors else forms.sign_in_refusal(answer.status, answer.body,
                                                             form_posts.retry_after_seconds(answer.retry_after))
        if refusal and "wait_seconds" in refusal["params"]:
            refusal = forms.message(refusal["message"], wait=i18n.duration(refusal["params"]["wait_seconds"], language))
        response = self._signed_out_page(request, language, "/sign-in", "sign_in.html", forms.SIGN_IN,
                                         status=answer.status if answer.status in (401, 422, 429) else 400,
                                         form={"email": form["email"], "next": forms.return_path(form["next"]) or ""},
                                         errors=errors, refusal=refusal)
        if answer.status == 429 and answer.retry_after:
            response.headers["Retry-After"] = answer.retry_after
        return response

    # --- an invitation link ---------------------------------------------------------------------------
    @http("GET", f"/{LANGUAGE}{LINK_PAGES['invitation']}")
    def invitation_page(self, request, language):
        token = forms.usable_link_token(request.args.get("token"))
        return self._signed_out_page(request, language, LINK_PAGES["invitation"], "invitation.html", forms.INVITATION,
                                     step="password" if token else "unusable", token=token, totp_chosen=False,
                                     status=200 if token else 410)

    @http("POST", f"/{LANGUAGE}{LINK_PAGES['invitation']}")
    def accept_invitation(self, request, language):
        rest = LINK_PAGES["invitation"]
        try:
            form = self._form(request, LINK_FIELDS, forms.INVITATION)
        except Refused as refused:
            return self._form_refused(request, language, rest, refused)
        token = forms.usable_link_token(form["token"])
        chosen = form["totp"] == "yes"  # a second factor the person asked for (their role may not need one)
        answer = self.accounts.accept_invitation(request, token, form["password"], chosen) if token else None
        page = lambda status=200, **shown: self._signed_out_page(  # noqa: E731 -- the one page, at several steps
            request, language, rest, "invitation.html", forms.INVITATION, status=status, token=token, **shown)
        if answer is None or answer.status in (400, 404, 410) or (
                answer.status == 422 and "token" in forms.api_fields(answer.body)):
            return page(410, step="unusable")
        if answer.status == 422:
            return page(422, step="password", totp_chosen=chosen, errors=forms.field_errors(answer.body, ("password",)))
        if answer.status != 200:
            return self._unavailable(request, language, rest)
        if answer.body.get("status") == "totp_required":
            return page(**self._enrolment(language, token, answer.body["totp_secret"], answer.body["totp_provisioning_uri"],
                                          chosen=chosen))
        return page(step="done")

    def _enrolment(self, language, token, secret, uri, errors=None, chosen=False) -> dict:
        label = i18n.catalog(language).gettext("QR code of your second factor's secret, for your authenticator app to scan")
        return {"step": "totp", "totp_chosen": chosen, "totp_secret": secret, "totp_uri": uri, "qr_svg": qr.svg(uri, label),
                "seal": forms.enrolment_seal(self.pages.session_policy.secret, token, secret, uri), "errors": errors or {}}

    @http("POST", f"/{LANGUAGE}{LINK_PAGES['invitation']}/confirm")
    def confirm_totp(self, request, language):
        rest = LINK_PAGES["invitation"]
        try:
            form = self._form(request, CONFIRM_FIELDS, forms.INVITATION)
        except Refused as refused:
            return self._form_refused(request, language, rest, refused)
        token = forms.usable_link_token(form["token"])
        sealed = token and forms.enrolment_ok(self.pages.session_policy.secret, token, form["secret"], form["uri"], form["seal"])
        page = lambda status=200, **shown: self._signed_out_page(  # noqa: E731
            request, language, rest, "invitation.html", forms.INVITATION, status=status, token=token, **shown)
        if not sealed:
            return page(410, step="unusable")
        answer = self.accounts.confirm_totp(request, token, form["code"].strip().replace(" ", "") or "-")
        if answer.status == 422 and "token" not in forms.api_fields(answer.body):
            errors = forms.field_errors(answer.body, ("code",))
            return page(422, **self._enrolment(language, token, form["secret"], form["uri"], errors, form["chosen"] == "yes"))
        if answer.status in (400, 404, 409, 410, 422):
            return page(410, step="unusable")
        if answer.status != 200:
            return self._unavailable(request, language, rest)
        return page(step="done")

    # --- the account page ------------------------------------------------------------------------------
    @http("GET", f"/{LANGUAGE}/account")
    def account(self, request, language):
        return self._account_page(request, language, mail_saved=bool(request.args.get("mail_saved")))

    def _account_page(self, request, language, status=200, **shown):
        me = self.accounts.me(request)
        if me.status == 401 or (me.status == 200 and me.body.get("authenticated_by") != "session"):
            return self._see(f"/{language}/sign-in")
        listed = self.accounts.tokens(request) if me.status == 200 else me
        if listed.status != 200:
            return self._unavailable(request, language, "/account")
        context = account_views.account_page(me.body, listed.body.get("tokens", []), **shown)
        return self.pages.page(request, language, "/account", "account.html", status=status, **context)

    def _signed_in_form(self, request, language):
        form = self._form(request, SIGNED_IN_FIELDS)
        return form, form["csrf_token"]

    def _after(self, request, language, answer, done):
        """A signed-in change's answer: `done()` when accounts took it; signed out: to sign-in; forged: refused."""
        if answer.status in (200, 201):
            return done()
        if answer.status == 401:
            return self._see(f"/{language}/sign-in")
        if answer.status == 403:
            return self._form_refused(request, language, "/account", Refused("forged", 403))
        return self._unavailable(request, language, "/account")

    @http("POST", f"/{LANGUAGE}/account/sign-out")
    def sign_out(self, request, language):
        return self._sign_out(request, language, self.accounts.sign_out)

    @http("POST", f"/{LANGUAGE}/account/sign-out-everywhere")
    def sign_out_everywhere(self, request, language):
        return self._sign_out(request, language, self.accounts.sign_out_everywhere)

    def _sign_out(self, request, language, ask):
        """This session, or every one of the person's (`ask`: accounts' call), then the sign-in page."""
        try:
            _, csrf = self._signed_in_form(request, language)
        except Refused as refused:
            return self._form_refused(request, language, "/account", refused)
        answer = ask(request, csrf)
        return self._after(request, language, answer, lambda: self._see(f"/{language}/sign-in?signed_out=1", answer.set_cookie))

    @http("POST", f"/{LANGUAGE}/account/tokens")
    def create_token(self, request, language):
        try:
            form, csrf = self._signed_in_form(request, language)
        except Refused as refused:
            return self._form_refused(request, language, "/account", refused)
        answer = self.accounts.create_token(request, form["label"].strip(), csrf)
        if answer.status == 422:
            return self._account_page(request, language, 422, errors=forms.field_errors(answer.body, ("label",)))
        if answer.status == 409:
            return self._account_page(request, language, 409, errors={"label": [forms.message(
                forms.N_("You have as many personal tokens as you may: revoke one first."))]})
        # Shown once, in this answer: it is stored nowhere in clear, so there is no page to redirect to.
        return self._after(request, language, answer, lambda: self._account_page(request, language, 201, created=answer.body))

    @http("POST", f"/{LANGUAGE}/account/mail")
    def choose_mail(self, request, language):
        """The stage notices this person gets: a ticked box is a mail wanted (an unticked one is not sent at all)."""
        try:
            form = self._form(request, MAIL_FIELDS)
        except Refused as refused:
            return self._form_refused(request, language, "/account", refused)
        turned_off = [kind for kind in OPTIONAL_MAILS if form[account_views.mail_field(kind)] != "yes"]
        answer = self.accounts.set_mail_preferences(request, turned_off, form["csrf_token"])
        return self._after(request, language, answer, lambda: self._see(f"/{language}/account?mail_saved=1#mail-heading"))

    @http("POST", f"/{LANGUAGE}/account/tokens/revoke")
    def revoke_token(self, request, language):
        try:
            form, csrf = self._signed_in_form(request, language)
        except Refused as refused:
            return self._form_refused(request, language, "/account", refused)
        answer = self.accounts.revoke_token(request, form["token_id"], csrf)
        if answer.status in (404, 422):  # not a token of yours in use (revoked meanwhile, say)
            return self._see(f"/{language}/account")
        return self._after(request, language, answer, lambda: self._see(f"/{language}/account#tokens-heading"))
