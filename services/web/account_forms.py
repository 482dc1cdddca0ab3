"""The sign-in and account forms: what a browser posted, their protection against forgery, and the
accounts API's answers as messages next to the fields in the page's language. Pure (no nameko, no HTTP).

No rule of accounts lives here. Whether a password may be chosen, whether a sign-in is right,
how long to wait, whether a link still works: the accounts API decides (services/accounts), and
this module only turns the form into the API's body and the API's refusal back into the form's
words (msgids, `N_`, translated by the template). A password's problems come back from the API
as domain/passwords.py's reasons, written as services/accounts/schemas.py's MESSAGES: they are
read back into those reasons through that same table, never re-checked here.

Forgery. A form posted while signed out (sign in, set a password from a link, reset) steals no
session but can sign a browser in as someone else or set a password the forger chose, so it is
checked as the public comment form is: `Sec-Fetch-Site` and `Origin` (another site's request is
refused whatever it carries), then a double-submit token, a random nonce in a `SameSite=Strict`
HttpOnly cookie and, in the form, the HMAC of that nonce and the form's purpose under the
session secret. A signed-in form carries the session's own CSRF token (shared/sessions.py),
which the accounts API checks itself (shared/session_auth.py).
"""
import base64
import hashlib
import hmac
import re

from services.accounts.domain import passwords
from services.accounts.schemas import MESSAGES as ACCOUNTS_MESSAGES
from services.web.form_posts import N_

TOKEN_FIELD = "form_token"
SIGN_IN, INVITATION, RESET_REQUEST, RESET = "sign-in", "invitation", "reset-request", "reset"
LINK_TOKEN = re.compile(r"[A-Za-z0-9_-]{20,200}\Z")  # the shape a link's token may have; accounts checks the rest


# --- forgery ------------------------------------------------------------------------------------
# The double-submit token, its cookie and the cross-site rule are the comment form's (csrf.py):
# one nonce per browser, a token bound to the form it opens, keyed here by SESSION_SECRET.
def _mac(secret: bytes, *parts: str) -> str:
    digest = hmac.new(secret, "\x00".join(("irm-web-signin", *parts)).encode("utf-8"), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def enrolment_seal(secret: bytes, link_token: str, totp_secret: str, uri: str) -> str:
    """Signs the second factor's secret and URI the accounts API gave, for the page that asks for
    the first code: shown again after a wrong code, and only what accounts gave for this link."""
    return _mac(secret, "enrolment", link_token, totp_secret, uri)


def enrolment_ok(secret: bytes, link_token: str, totp_secret: str, uri: str, seal: str) -> bool:
    return bool(seal) and seal.isascii() and hmac.compare_digest(
        enrolment_seal(secret, link_token, totp_secret, uri).encode(), seal.encode())


# --- the API's answers as the form's messages ---------------------------------------------------
REASON_OF_MESSAGE = {message: reason for reason, message in ACCOUNTS_MESSAGES.items()}
PASSWORD_MESSAGES = {
    passwords.TOO_SHORT: N_("Choose a password of at least %(min)s characters."),
    passwords.TOO_LONG: N_("Choose a password of at most %(max)s characters."),
    passwords.COMMON: N_("This password is on a list of common passwords: choose another."),
    passwords.LIKE_EMAIL: N_("The password may not be or contain your e-mail address."),
}
PASSWORD_PARAMS = {"min": passwords.MIN_CHARACTERS, "max": passwords.MAX_CHARACTERS}
REFUSED = N_("The e-mail address, password or code is not right.")  # the one answer, whichever part was wrong
LINK_NOT_USABLE = N_("This link no longer works: it was used, it expired, or it was replaced by a newer one. Ask for a new one.")
FIELD_MESSAGES = {
    "email": N_("Enter your e-mail address."),
    "password": N_("Enter your password."),
    "code": N_("Enter the six-digit code your authenticator app shows now."),
    "label": N_("Give the token a name of 1 to 100 characters."),
}


def message(msgid: str, **params) -> dict:
    return {"message": msgid, "params": params}


def api_fields(body: dict) -> dict:
    return (body.get("error") or {}).get("fields") or {}


def api_code(body: dict) -> str | None:
    return (body.get("error") or {}).get("code")


def password_errors(api_messages: list) -> list:
    """The API's reasons a password may not be chosen, each as the form's message (in the API's order)."""
    found = [REASON_OF_MESSAGE.get(text) for text in api_messages]
    return [message(PASSWORD_MESSAGES[reason], **PASSWORD_PARAMS) for reason in found if reason in PASSWORD_MESSAGES] \
        or [message(FIELD_MESSAGES["password"])]


def field_errors(body: dict, fields: tuple) -> dict:
    """A 422's field errors as {form field: [message]}: a password's reasons, each field's one message;
    a field the form does not show is the form's ("form")."""
    errors = {}
    for name, texts in api_fields(body).items():
        if name in ("password", "new_password") and "password" in fields:
            errors["password"] = password_errors(texts if isinstance(texts, list) else [texts])
        elif name == "code" and "code" in fields:
            errors["code"] = [message(N_("The code is not right: type the code your app shows now."))]
        elif name in fields and name in FIELD_MESSAGES:
            errors[name] = [message(FIELD_MESSAGES[name])]
        else:
            errors.setdefault("form", [message(N_("This form was not accepted: check it and send it again."))])
    return errors


def sign_in_body(form: dict) -> dict:
    """POST /api/v1/sessions for what the sign-in form says; an empty code is one not given."""
    body = {"email": form["email"], "password": form["password"]}
    if form["code"].strip():
        body["code"] = form["code"].strip().replace(" ", "")
    return body


def sign_in_refusal(status: int, body: dict, retry_after: int | None) -> dict:
    """The sign-in form's message for the API's answer: try later (with the wait), or the one refusal."""
    if status == 429:
        wait = retry_after if retry_after is not None else (api_fields_details(body).get("retry_after_seconds"))
        if wait:
            return message(N_("Too many failed sign-ins: try again in %(wait)s, or reset your password by e-mail."),
                           wait_seconds=int(wait))
        return message(N_("Too many failed sign-ins: try again later, or reset your password by e-mail."))
    return message(REFUSED)


def api_fields_details(body: dict) -> dict:
    details = (body.get("error") or {}).get("details")
    return details if isinstance(details, dict) else {}


RETURN_PATH = re.compile(r"/(ar|fr|en)/[A-Za-z0-9/_-]{0,200}\Z")


def return_path(value: str | None) -> str | None:
    """Where sign-in sends a person back to (a page of this site that sent them to sign in), when it is
    one: a path of ours, never another site's address (`//evil.example`, `https://...`)."""
    return value if value and RETURN_PATH.match(value) and "//" not in value else None


def usable_link_token(value: str | None) -> str | None:
    """A link's token when it has a token's shape (anything else is an unusable link, not sent on)."""
    return value if value and LINK_TOKEN.match(value) else None
