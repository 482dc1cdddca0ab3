"""The quality reviewer's decision form: what a reviewer posted, as review's API takes it, and review's
refusal as messages next to the fields in the page's language. Pure (no nameko, no HTTP client).

No rule of what a decision may be lives here: review's QualityDecisionSchema decides (approve or return;
a return says what to change, in at least one comment), and its workflow whether the draft still awaits
a decision (409). This only turns the form into the API's body and the API's answer back into the form.

The form's fields: `decision` (the button pressed: "approve" or "return"), one `comment-<commitment id>`
per commitment of the draft (its comment, in the page's language), and `csrf_token` (the session's).
"""
import re

from services.web.form_posts import N_

DECISIONS = ("approve", "return")
COMMENTS_AT = re.compile(r"comments\[(\d+)\]")

MESSAGES = {
    "decision": N_("Choose to approve the draft or to return it to its expert."),
    "comments": N_("A return says what to change: write a comment on at least one commitment."),
    "comment": N_("This comment was not taken: write it in 1 to 10,000 characters."),
    "form": N_("Review did not take this decision: check the form and send it again."),
    "conflict": N_("This draft no longer awaits a quality decision: it has moved on. Its stage is shown again."),
}


def comment_field(commitment_id: str) -> str:
    return f"comment-{commitment_id}"


def field_names(commitment_ids) -> tuple:
    """The names the form posts for a draft of these commitments."""
    return ("csrf_token", "decision", *(comment_field(c) for c in commitment_ids))


def decision_state(form: dict, commitment_ids) -> dict:
    """What the form says, as posted (shown again next to review's refusal)."""
    return {"decision": form["decision"], "comments": {c: form[comment_field(c)] for c in commitment_ids}}


def decision_body(state: dict, language: str) -> dict:
    """POST /api/v1/cases/{id}/quality-decision: the decision, and each commitment's comment written, in the
    page's language (a commitment left blank has none). An unknown decision is sent as it is: review refuses it."""
    comments = [{"commitment_id": commitment_id, "text": {language: text.strip()}}
                for commitment_id, text in state["comments"].items() if text.strip()]
    return {"decision": state["decision"], "comments": comments}


def _error(field: str) -> list:
    return [{"message": MESSAGES[field], "params": {}}]


def field_errors(api_fields: dict, body: dict) -> dict:
    """Review's 422 field errors as {form field: [{"message": msgid, "params": {}}]}: a comment's next to its
    commitment's field (`comments[i]...` names the i-th comment sent), a return without any at the decision."""
    errors = {}
    sent = body.get("comments") or []
    for path in api_fields:
        at = COMMENTS_AT.match(path)
        if path == "decision":
            errors.setdefault("decision", _error("decision"))
        elif path == "comments":
            errors.setdefault("comments", _error("comments"))
        elif at and int(at.group(1)) < len(sent) and sent[int(at.group(1))].get("commitment_id"):
            errors.setdefault(comment_field(sent[int(at.group(1))]["commitment_id"]), _error("comment"))
        else:
            errors.setdefault("form", _error("form"))
    return errors or {"form": _error("form")}


def moved_on() -> dict:
    """Review's 409: the draft is no longer in quality review."""
    return {"form": _error("conflict")}
