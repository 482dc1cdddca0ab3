"""The accounts API as an OpenAPI 3 document (shared/openapi.py builds it): request bodies and queries
from the marshmallow schemas that validate them, responses as the views render them."""
import functools

from marshmallow import Schema, fields, validate

from services.accounts.domain import security_log
from services.accounts.schemas import (
    AcceptInvitationSchema, ConfirmTotpSchema, InvitationSchema, PasswordChangeSchema, ResetRequestSchema, ResetSchema,
    MailPreferencesSchema, PeopleQuery, RejectedMessagesQuery, SecurityLogQuery, SignInSchema, TokenRequestSchema,
)
from shared import access
from shared.irm import LANGUAGES, ROLES
from shared.openapi import ApiDocument

MOMENT = {"metadata": {"format": "date-time"}}


class PersonViewSchema(Schema):
    person_id = fields.String(required=True)
    email = fields.String(required=True)
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    member_code = fields.String(required=True, allow_none=True)
    expert_id = fields.String(required=True, allow_none=True)
    language = fields.String(required=True, validate=validate.OneOf(LANGUAGES))
    totp_enabled = fields.Boolean(required=True)
    active = fields.Boolean(required=True)


class InvitationCreatedSchema(Schema):
    person = fields.Nested(PersonViewSchema, required=True)
    token = fields.String(required=True, metadata={"description": "The link's token: shown this once, stored only hashed"})
    expires_at = fields.String(required=True, **MOMENT)
    link = fields.String(required=True)


class AcceptanceSchema(Schema):
    status = fields.String(required=True, validate=validate.OneOf(("active", "totp_required")))
    person = fields.Nested(PersonViewSchema, required=True)
    totp_provisioning_uri = fields.String(metadata={"description": "otpauth:// URI for the authenticator app"})
    totp_secret = fields.String()


class SignedInSchema(Schema):
    person = fields.Nested(PersonViewSchema, required=True)
    csrf_token = fields.String(required=True, metadata={"description": "Send it as X-CSRF-Token (or the csrf_token form field) with every change"})
    session_ends_at = fields.String(required=True, **MOMENT)


class SignedOutSchema(Schema):
    signed_out = fields.String(required=True, validate=validate.OneOf(("this_session", "every_session")))


class StatusSchema(Schema):
    status = fields.String(required=True)


class ResetDoneSchema(StatusSchema):
    person = fields.Nested(PersonViewSchema, required=True)


class MeSchema(Schema):
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    subject = fields.String(required=True)
    member_code = fields.String(required=True, allow_none=True)
    authenticated_by = fields.String(required=True, validate=validate.OneOf(("session", "token")))
    person = fields.Nested(PersonViewSchema, required=True, allow_none=True)
    csrf_token = fields.String(required=True, allow_none=True)
    mail = fields.Nested("MailPreferencesViewSchema", required=True, allow_none=True)


class MailPreferencesViewSchema(Schema):
    optional = fields.List(fields.String(), required=True, metadata={"description": "The stage notices one may turn off"})
    turned_off = fields.List(fields.String(), required=True)


class TokenViewSchema(Schema):
    token_id = fields.String(required=True)
    label = fields.String(required=True, allow_none=True)
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    created_at = fields.String(required=True, **MOMENT)
    revoked_at = fields.String(required=True, allow_none=True, **MOMENT)


class TokenCreatedSchema(TokenViewSchema):
    token = fields.String(required=True, metadata={"description": "The bearer token: shown this once"})


class TokenListSchema(Schema):
    tokens = fields.List(fields.Nested(TokenViewSchema), required=True)


class TokenRevokedSchema(Schema):
    token_id = fields.String(required=True)
    revoked = fields.Boolean(required=True)


class ActorSchema(Schema):
    role = fields.String(required=True)
    id = fields.String(required=True)


class SecurityEntrySchema(Schema):
    entry_id = fields.String(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(security_log.KINDS))
    at = fields.String(required=True, **MOMENT)
    actor = fields.Nested(ActorSchema, required=True)
    subject = fields.String(required=True, allow_none=True)
    client = fields.String(required=True, allow_none=True)
    reason = fields.String(required=True, allow_none=True)
    details = fields.Dict(required=True)
    correlation_id = fields.String(required=True)


class SecurityLogPageSchema(Schema):
    entries = fields.List(fields.Nested(SecurityEntrySchema), required=True)
    next_before = fields.String(required=True, allow_none=True, metadata={"description": "The cursor of the next page"})


class ListedPersonSchema(Schema):
    person_id = fields.String(required=True)
    email = fields.String(required=True)
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    member_code = fields.String(required=True, allow_none=True)
    expert_id = fields.String(required=True, allow_none=True)
    language = fields.String(required=True, validate=validate.OneOf(LANGUAGES))
    totp_enabled = fields.Boolean(required=True)
    state = fields.String(required=True, validate=validate.OneOf(("invited", "active", "locked")))
    locked_until = fields.String(required=True, allow_none=True, metadata={
        "format": "date-time", "description": "When a lock ends by itself; null while locked: only a reset or an admin ends it"})
    invited_at = fields.String(required=True, **MOMENT)
    activated_at = fields.String(required=True, allow_none=True, **MOMENT)
    last_signed_in_at = fields.String(required=True, allow_none=True, **MOMENT)


class PeoplePageSchema(Schema):
    people = fields.List(fields.Nested(ListedPersonSchema), required=True)
    next_after = fields.String(required=True, allow_none=True, metadata={"description": "The cursor of the next page (?after=)"})


class UnlockedSchema(Schema):
    person_id = fields.String(required=True)
    unlocked = fields.Boolean(required=True)
class RejectedMessageSummarySchema(Schema):
    id = fields.String(required=True)
    event_id = fields.String(required=True, allow_none=True)
    event_type = fields.String(required=True, allow_none=True)
    correlation_id = fields.String(required=True, allow_none=True)
    consumer = fields.String(required=True, metadata={"description": "<service>.<handler> that rejected it"})
    service = fields.String(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(("malformed", "failed")))
    reason = fields.String(required=True)
    received_at = fields.String(required=True, **MOMENT)
    replayed = fields.Boolean(required=True)
    replayed_at = fields.String(required=True, allow_none=True, **MOMENT)
    replayed_by = fields.String(required=True, allow_none=True)


class RejectedMessageSchema(RejectedMessageSummarySchema):
    errors = fields.Dict(required=True)
    message = fields.Dict(required=True, metadata={"description": "The message as received (its envelope and payload)"})
    raw = fields.String(required=True, allow_none=True, metadata={"description": "A message that was not a JSON object"})


class RejectedMessagesPageSchema(Schema):
    messages = fields.List(fields.Nested(RejectedMessageSummarySchema), required=True)
    next_before = fields.String(required=True, allow_none=True, metadata={"description": "The cursor of the next page"})


@functools.lru_cache(maxsize=1)
def document() -> dict:
    api = ApiDocument("accounts", "People's accounts: invitations, passwords, a TOTP second factor, sign-in and "
                                  "sessions (honoured by every service), personal API tokens and the security log.")
    for name, schema in (
        ("Invitation", InvitationSchema), ("AcceptInvitation", AcceptInvitationSchema), ("ConfirmTotp", ConfirmTotpSchema),
        ("SignIn", SignInSchema), ("ResetRequest", ResetRequestSchema), ("Reset", ResetSchema),
        ("PasswordChange", PasswordChangeSchema), ("TokenRequest", TokenRequestSchema), ("PersonView", PersonViewSchema),
        ("InvitationCreated", InvitationCreatedSchema), ("Acceptance", AcceptanceSchema), ("SignedIn", SignedInSchema),
        ("SignedOut", SignedOutSchema), ("Status", StatusSchema), ("ResetDone", ResetDoneSchema), ("Me", MeSchema),
        ("TokenView", TokenViewSchema), ("TokenCreated", TokenCreatedSchema), ("TokenList", TokenListSchema),
        ("TokenRevoked", TokenRevokedSchema), ("SecurityLogPage", SecurityLogPageSchema),
        ("MailPreferences", MailPreferencesSchema), ("MailPreferencesView", MailPreferencesViewSchema),
        ("ListedPerson", ListedPersonSchema), ("PeoplePage", PeoplePageSchema), ("Unlocked", UnlockedSchema),
        ("RejectedMessage", RejectedMessageSchema), ("RejectedMessagesPage", RejectedMessagesPageSchema),
    ):
        api.schema(name, schema)
    ops = access.OPERATIONS
    api.operation("post", "/api/v1/invitations", roles=ops["invite_people"], body="Invitation",
                  summary="Invite a person with a role (a poc bound to a member, an expert to a registry entry)",
                  responses={"201": ("Invited; the link's token, shown once", "InvitationCreated")}, errors=("409",))
    api.operation("post", "/api/v1/invitations/accept", body="AcceptInvitation",
                  summary="Set a password with an invitation's token (admins and quality reviewers then confirm a TOTP code)",
                  responses={"200": ("Active, or a TOTP secret to confirm", "Acceptance")}, errors=("403", "410"))
    api.operation("post", "/api/v1/invitations/confirm", body="ConfirmTotp",
                  summary="Confirm the second factor with its first code: the account is active",
                  responses={"200": ("Active", "Acceptance")}, errors=("403", "409", "410"))
    api.operation("post", "/api/v1/sessions", body="SignIn",
                  summary="Sign in: sets the session cookie; one answer for every wrong address, password or code",
                  responses={"201": ("Signed in (Set-Cookie)", "SignedIn")}, errors=("401", "403", "429"))
    api.operation("delete", "/api/v1/sessions/current", roles=ops["end_own_sessions"], session_only=True,
                  summary="Sign out", responses={"200": ("Signed out", "SignedOut")})
    api.operation("delete", "/api/v1/sessions", roles=ops["end_own_sessions"], session_only=True,
                  summary="Sign out everywhere: every session of the person ends", responses={"200": ("Signed out", "SignedOut")})
    api.operation("post", "/api/v1/password-resets", body="ResetRequest",
                  summary="Ask for a password reset link by e-mail (the same answer whether or not the account exists; "
                          "429 with Retry-After past the per-client or per-address limit)",
                  responses={"202": ("Asked", "Status")}, errors=("403", "429"))
    api.operation("post", "/api/v1/password-resets/complete", body="Reset",
                  summary="Set a new password with a reset link's token: every session ends, a sign-in lock is lifted",
                  responses={"200": ("Changed", "ResetDone")}, errors=("403", "410"))
    api.operation("get", "/api/v1/me", roles=ops["read_own_account"], summary="Who am I",
                  responses={"200": ("The caller", "Me")})
    api.operation("put", "/api/v1/me/password", roles=ops["change_own_password"], session_only=True, body="PasswordChange",
                  summary="Change the password: every session ends", responses={"200": ("Changed", "Status")})
    api.operation("put", "/api/v1/me/mail-preferences", roles=ops["choose_own_mail"], session_only=True,
                  body="MailPreferences", summary="Choose which stage notices the person gets by e-mail (those named are not sent)",
                  responses={"200": ("Chosen", "MailPreferencesView")})
    api.operation("get", "/api/v1/me/tokens", roles=ops["manage_own_tokens"], session_only=True,
                  summary="The person's personal API tokens, newest first", responses={"200": ("Tokens", "TokenList")})
    api.operation("post", "/api/v1/me/tokens", roles=ops["manage_own_tokens"], session_only=True, body="TokenRequest",
                  summary="A personal API token acting as the person", responses={"201": ("Created; shown once", "TokenCreated")},
                  errors=("409",))
    api.operation("delete", "/api/v1/me/tokens/{token_id}", roles=ops["manage_own_tokens"], session_only=True,
                  summary="Revoke a personal API token", responses={"200": ("Revoked", "TokenRevoked")})
    api.operation("get", "/api/v1/security-log", roles=ops["read_security_log"], query=SecurityLogQuery,
                  summary="The security log, newest first (at most 100 a page; ?before= the previous page's next_before)",
                  responses={"200": ("A page", "SecurityLogPage")})
    api.operation("get", "/api/v1/people", roles=ops["read_people"], query=PeopleQuery,
                  summary="Every person in address order (at most 100 a page; ?after= the previous page's next_after, "
                          "?role= one role): role, binding, language, state (invited, active, locked until), times",
                  responses={"200": ("A page", "PeoplePage")})
    api.operation("post", "/api/v1/people/{person_id}/unlock", roles=ops["unlock_people"],
                  summary="Lift a person's sign-in lock (recorded in the security log); 409 when it is not locked",
                  responses={"200": ("Unlocked", "Unlocked")}, errors=("404", "409"))
    message_id = {"message_id": {"type": "string", "pattern": "^[0-9a-f]{24}$"}}
    api.operation("get", "/api/v1/operator/messages", roles=ops["operate_messages"], query=RejectedMessagesQuery,
                  summary="Messages a consumer of any service rejected (malformed, or parked after its retries), newest "
                          "first (at most 100 a page; ?before= the previous page's next_before)",
                  responses={"200": ("A page", "RejectedMessagesPage")})
    api.operation("get", "/api/v1/operator/messages/{message_id}", roles=ops["operate_messages"], path_params=message_id,
                  summary="One rejected message, with the message as received", responses={"200": ("The message", "RejectedMessage")})
    api.operation("post", "/api/v1/operator/messages/{message_id}/replay", roles=ops["operate_messages"],
                  path_params=message_id,
                  summary="Send a parked message back to its consumer's queue, once: 409 already_replayed for a second "
                          "replay, 409 not_parked when it is no longer on the dead-letter queue",
                  responses={"200": ("Sent back", "RejectedMessage")}, errors=("409",))
    return api.to_dict()
