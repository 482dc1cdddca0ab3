"""The expert's accept and decline forms: what an expert posted, as review's API takes it, and review's
refusal as messages next to the fields in the page's language. Pure (no nameko, no HTTP client).

No rule of what a decline may be lives here: review's DeclineSchema decides (a reason of 3 to 2,000
characters; a conflict of interest names the affiliation behind it), and its workflow whether the case
may still be accepted or declined (409). This only turns the form into the API's body and the API's
answer back into the form's fields.

The decline form's fields: `reason`, `conflict` ("yes" when ticked), `affiliation`; both forms carry
`csrf_token` (the session's).
"""
from services.web.form_posts import N_

ACCEPT_FIELDS = ("csrf_token",)
DECLINE_FIELDS = ("csrf_token", "reason", "conflict", "affiliation")

MESSAGES = {
    "reason": N_("Say why you decline this case, in 3 to 2,000 characters."),
    "affiliation": N_("A conflict of interest names its affiliation: the organisation or person that ties you to this member."),
    "form": N_("Review did not take this answer: check the form and send it again."),
    "conflict": N_("This case can no longer be accepted or declined: it has moved on. Its stage is shown again."),
}


def decline_state(form: dict) -> dict:
    """What the decline form says, as posted (shown again next to review's refusal)."""
    return {"reason": form["reason"], "conflict": form["conflict"] == "yes", "affiliation": form["affiliation"]}


def decline_body(state: dict) -> dict:
    """POST /api/v1/cases/{id}/decline: the reason; the affiliation only with a conflict of interest."""
    body = {"reason": state["reason"].strip(), "conflict_of_interest": state["conflict"]}
    affiliation = state["affiliation"].strip()
    if state["conflict"] and affiliation:
        body["affiliation"] = affiliation
    return body


def field_errors(api_fields: dict) -> dict:
    """Review's 422 field errors as {form field: [{"message": msgid, "params": {}}]}, one message a field."""
    errors = {}
    for path in api_fields:
        field = path if path in ("reason", "affiliation") else "form"
        errors.setdefault(field, [{"message": MESSAGES[field], "params": {}}])
    return errors or {"form": [{"message": MESSAGES["form"], "params": {}}]}


def moved_on() -> dict:
    """Review's 409: the case is no longer at a stage where it may be accepted or declined."""
    return {"form": [{"message": MESSAGES["conflict"], "params": {}}]}
