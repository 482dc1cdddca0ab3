"""The operator's invitation and unlock forms: what an admin posted, as accounts' API takes it, and accounts'
refusal as messages next to the fields in the page's language. Pure (no nameko, no HTTP client).

No rule of who may be invited lives here: accounts' InvitationSchema and its handler decide (an address, one of
the roles, one of the languages; a poc bound to a member of the registry, an expert to an entry of the expert
registry, a quality reviewer optionally to the entry they also are, nobody else to anything; an address in use,
or a registry entry that has an account of the role already, is 409). This only turns the form into the API's
body, sending the binding the chosen role takes (a member chosen before the role was changed to an admin is not
sent), and the API's answer back into the form's fields.

The invitation form's fields: `email`, `role`, `member_code`, `expert_id`, `language`; every form carries
`csrf_token` (the session's).
"""
from services.accounts.domain import invitations
from services.accounts.schemas import MESSAGES as ACCOUNTS_MESSAGES
from services.web.form_posts import N_

INVITE_FIELDS = ("csrf_token", "email", "role", "member_code", "expert_id", "language")
UNLOCK_FIELDS = ("csrf_token",)
SHOWN = ("email", "role", "member_code", "expert_id", "language")
# The binding each role's invitation carries from the form (accounts' BINDINGS, and the optional one).
BOUND_BY = {"poc": ("member_code",), "expert": ("expert_id",), "quality_reviewer": ("expert_id",), "admin": ()}

MESSAGES = {
    "email": N_("Type the person's e-mail address, such as name@example.org."),
    "email_in_use": N_("An account with this address is in use: the person signs in, or resets their password."),
    "role": N_("Choose the person's role."),
    "member_code": N_("A point of contact speaks for one member: choose it."),
    "member_code_unknown": N_("This member is not in the registry: choose one of the list."),
    "expert_id": N_("An IRM expert is one entry of the expert registry: choose it."),
    "expert_id_unknown": N_("This expert is not in the registry: choose one of the list."),
    "expert_id_taken": N_("This entry of the expert registry already has an account of this role."),
    "not_for_role": N_("This role is bound to no such thing: leave it empty."),
    "language": N_("Choose the language of the person's mails and pages."),
    "form": N_("Accounts did not take this invitation: check the form and send it again."),
    "not_locked": N_("This person's sign-in is not locked (any more): nothing was changed."),
}
_BINDING_MISSING = ACCOUNTS_MESSAGES[invitations.BINDING_MISSING]
_NOT_FOR_ROLE = ACCOUNTS_MESSAGES[invitations.BINDING_NOT_FOR_ROLE]
_UNKNOWN = {"member_code": "No such member.", "expert_id": "No such expert in the registry."}  # accounts' handler


def invitation_state(form: dict) -> dict:
    """What the invitation form says, as posted (shown again next to accounts' refusal)."""
    return {name: form[name].strip() for name in SHOWN}


def invitation_body(state: dict) -> dict:
    """POST /api/v1/invitations: the address, role and language, and the binding the role takes when chosen. A role
    the form does not know is sent as it is (accounts refuses it, next to the field)."""
    body = {"email": state["email"], "role": state["role"], "language": state["language"]}
    for name in BOUND_BY.get(state["role"], ()):
        if state[name]:
            body[name] = state[name]
    return body


def _error(key: str) -> list:
    return [{"message": MESSAGES[key], "params": {}}]


def _binding_error(field: str, said: list) -> list:
    if _UNKNOWN[field] in said:
        return _error(f"{field}_unknown")
    if _NOT_FOR_ROLE in said:
        return _error("not_for_role")
    return _error(field)  # missing (_BINDING_MISSING), or not an id this registry could hold


def field_errors(api_fields: dict) -> dict:
    """Accounts' 422 field errors as {form field: [{"message": msgid, "params": {}}]}, one message a field."""
    errors = {}
    for path, said in api_fields.items():
        said = said if isinstance(said, list) else [str(said)]
        if path in ("member_code", "expert_id"):
            errors.setdefault(path, _binding_error(path, said))
        elif path in ("email", "role", "language"):
            errors.setdefault(path, _error(path))
        else:
            errors.setdefault("form", _error("form"))
    return errors or {"form": _error("form")}


def conflict_errors(details: dict | None) -> dict:
    """Accounts' 409: the address has an account in use, or the registry entry one of this role."""
    field = (details or {}).get("field")
    if field == "expert_id":
        return {"expert_id": _error("expert_id_taken")}
    return {"email": _error("email_in_use")}
