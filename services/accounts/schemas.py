"""What the accounts API accepts: one marshmallow schema per request body or query.

Passwords are checked here only for size (what a body may carry); whether one may be chosen is
domain/passwords.py's question, answered field-level by the service with the person's address.
"""
from marshmallow import Schema, ValidationError, fields, pre_load, validate, validates_schema

from services.accounts.domain import addresses, invitations, passwords, tokens
from services.mail.domain.notices import OPTIONAL as OPTIONAL_MAILS
from shared.contracts.fields import EXPERT_ID, MEMBER_CODE
from shared.irm import LANGUAGES, ROLES

LINK_TOKEN = validate.Regexp(r"^[A-Za-z0-9_-]{%d}\Z" % tokens.TOKEN_CHARACTERS, error="Not a link token.")
# The password as typed may be longer than the rule's maximum in code points only by its
# normalisation: the rule itself (domain/passwords.py) says too long.
PASSWORD = validate.Length(min=1, max=4 * passwords.MAX_CHARACTERS)
MAX_EMAIL = 254  # RFC 5321's path limit
CODE = validate.Length(min=1, max=32)
TOKEN_ID = validate.Regexp(r"^[0-9a-f]{64}\Z", error="Not a token id.")
ENTRY_ID = validate.Regexp(r"^sec_[0-9]{13}_[0-9a-f]{32}\Z", error="Not a security log cursor.")
MAX_PAGE = 100
MESSAGE_ID = validate.Regexp(r"^[0-9a-f]{24}\Z", error="Not a rejected message's id.")


class Email(fields.Email):
    def __init__(self, **kwargs):
        super().__init__(validate=validate.Length(max=MAX_EMAIL), **kwargs)


class InvitationSchema(Schema):
    email = Email(required=True)
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    language = fields.String(required=True, validate=validate.OneOf(LANGUAGES))
    member_code = fields.String(load_default=None, validate=MEMBER_CODE)
    expert_id = fields.String(load_default=None, validate=EXPERT_ID)

    @pre_load
    def one_spelling_of_the_address(self, data, **kwargs):
        """Checked as it is stored (domain/addresses.py): surrounding spaces are not an invalid address."""
        if isinstance(data, dict) and isinstance(data.get("email"), str):
            return {**data, "email": addresses.normalized_email(data["email"])}
        return data

    @validates_schema
    def bound_as_the_role_needs(self, data, **kwargs):
        problems = invitations.invitation_problems(data["role"], data["language"], data.get("member_code"),
                                                   data.get("expert_id"))
        if problems:
            raise ValidationError({field: [MESSAGES[reason]] for field, reason in problems.items()})


MESSAGES = {
    invitations.BINDING_MISSING: "This role needs it: a poc's member code, an expert's registry id.",
    invitations.BINDING_NOT_FOR_ROLE: "This role is bound to no such thing: leave it out.",
    invitations.UNKNOWN_ROLE: "Not a role.",
    invitations.UNKNOWN_LANGUAGE: "Not a language.",
    passwords.TOO_SHORT: f"At least {passwords.MIN_CHARACTERS} characters.",
    passwords.TOO_LONG: f"At most {passwords.MAX_CHARACTERS} characters.",
    passwords.COMMON: "This password is on a list of common passwords: choose another.",
    passwords.LIKE_EMAIL: "The password may not be or contain your e-mail address.",
}


class AcceptInvitationSchema(Schema):
    token = fields.String(required=True, validate=LINK_TOKEN)
    password = fields.String(required=True, validate=PASSWORD)
    # a second factor chosen by a person whose role does not require one (an admin's or a quality reviewer's always has it)
    totp = fields.Boolean(load_default=False)


class ConfirmTotpSchema(Schema):
    token = fields.String(required=True, validate=LINK_TOKEN)
    code = fields.String(required=True, validate=CODE)


class SignInSchema(Schema):
    email = fields.String(required=True, validate=validate.Length(min=1, max=MAX_EMAIL))  # any text: one answer for all
    password = fields.String(required=True, validate=PASSWORD)
    code = fields.String(load_default=None, validate=CODE)


class ResetRequestSchema(Schema):
    email = fields.String(required=True, validate=validate.Length(min=1, max=MAX_EMAIL))


class ResetSchema(Schema):
    token = fields.String(required=True, validate=LINK_TOKEN)
    password = fields.String(required=True, validate=PASSWORD)


class PasswordChangeSchema(Schema):
    current_password = fields.String(required=True, validate=PASSWORD)
    new_password = fields.String(required=True, validate=PASSWORD)


class TokenRequestSchema(Schema):
    label = fields.String(required=True, validate=validate.Length(min=1, max=100))


class MailPreferencesSchema(Schema):
    """The stage notices the person does not want (services/mail/domain/notices.py): the others come."""
    turned_off = fields.List(fields.String(validate=validate.OneOf(OPTIONAL_MAILS)), required=True,
                             validate=validate.Length(max=len(OPTIONAL_MAILS)))


class RejectedMessagesQuery(Schema):
    before = fields.String(load_default=None, validate=MESSAGE_ID)
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=MAX_PAGE))


class SecurityLogQuery(Schema):
    before = fields.String(load_default=None, validate=ENTRY_ID)
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=MAX_PAGE))


class PeopleQuery(Schema):
    """The admins' list of people: in address order, `after` the previous page's `next_after`, of one role if given."""
    role = fields.String(load_default=None, validate=validate.OneOf(ROLES))
    after = fields.String(load_default=None, validate=validate.Length(min=1, max=MAX_EMAIL))
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=MAX_PAGE))
