"""Who may be invited with which role, and what each role needs before its first sign-in completes.

The roles are the project's one vocabulary (shared/irm.py: ROLES, what a token and a person
carry alike). Each role binds the person to what it acts for:

    poc               a member code (the member whose government the person speaks for)
    expert            an expert registry id (the researcher the person is)
    quality_reviewer  nothing, or (optionally) the expert registry id of the researcher they also are:
                      the rules then know their own drafts, never in their queue nor theirs to decide
    admin             nothing

and admins and quality reviewers, who decide for every member, set up a TOTP second factor
before their first sign-in completes (the invitation's page asks for it after the password).
Whether the member or the registry entry exists is the service's lookup; whether a code or an
id is well-formed, its schema's (shared/contracts/fields.py). The link itself: tokens.py.
"""
from shared.irm import LANGUAGES, ROLES

BINDINGS = {"poc": "member_code", "expert": "expert_id", "quality_reviewer": None, "admin": None}
OPTIONAL_BINDINGS = {"quality_reviewer": "expert_id"}  # a binding the role may carry, not must
TOTP_REQUIRED = ("admin", "quality_reviewer")

UNKNOWN_ROLE = "role_unknown"
UNKNOWN_LANGUAGE = "language_unknown"
BINDING_MISSING = "binding_missing"  # a poc without a member code, an expert without a registry id
BINDING_NOT_FOR_ROLE = "binding_not_for_role"  # e.g. a member code on an admin's invitation


def invitation_problems(role: str, language: str, member_code: str | None = None,
                        expert_id: str | None = None) -> dict:
    """field -> reason code for an invitation an admin is about to send (empty: it may be sent)."""
    problems = {}
    if language not in LANGUAGES:
        problems["language"] = UNKNOWN_LANGUAGE
    if role not in ROLES:
        problems["role"] = UNKNOWN_ROLE
        return problems
    given = {"member_code": member_code, "expert_id": expert_id}
    for field, value in given.items():
        if field == BINDINGS[role] and not value:
            problems[field] = BINDING_MISSING
        elif field != BINDINGS[role] and value and field != OPTIONAL_BINDINGS.get(role):
            problems[field] = BINDING_NOT_FOR_ROLE
    return problems


def needs_totp(role: str) -> bool:
    return role in TOTP_REQUIRED


def may_complete_sign_in(role: str, totp_enabled: bool) -> bool:
    """Whether a person with `role` who has (or has not) set up TOTP may end a sign-in signed in.
    False only for an admin or a quality reviewer without it: they are sent to set it up first."""
    return totp_enabled or not needs_totp(role)
