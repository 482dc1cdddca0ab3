"""The government's comment form on the draft findings: what a point of contact posted, as review's
API takes it (POST /api/v1/cases/{id}/government-comments), and review's refusal as a message next to
the field, in the page's language. Pure (no nameko, no HTTP client).

No rule of what a comment may be, nor of when the government may comment, lives here: review's
schema (its COMMENT_MAX_CHARACTERS), its window (domain/windows.py) and its cap decide, and its draft
says whether this PoC may comment now (`comments_open`). This only turns the form into the API's body
and the API's answer back into the form's words, which are the public comment form's own where they
say the same thing (comment_form.text_error).

One form per commitment of the draft, and one on the draft as a whole; each posts `csrf_token` (the
session's), `commitment` (the commitment's id; empty: the draft as a whole) and `text`, written in the
page's language. A form is named on the page by its key: `general`, or the commitment's place in the
draft (`c1`, `c2`, ...: a commitment id is the government's text, not an HTML id).
"""
from services.web import comment_form
from services.web.form_posts import N_

FIELDS = ("csrf_token", "commitment", "text")
GENERAL = "general"

MESSAGES = {
    "form": N_("Your comment was not accepted: check it and send it again."),
    "closed": N_("The government's review window closed before your comment arrived: it was not recorded."),
    "full": N_("This draft has received all the comments it can take: yours was not recorded."),
}


def form_key(commitment_id: str | None, commitments: list) -> str | None:
    """The form's key for a commitment id of the draft (`general` for none); None for one the draft does not have."""
    if not commitment_id:
        return GENERAL
    for index, commitment in enumerate(commitments, start=1):
        if commitment["commitment_id"] == commitment_id:
            return f"c{index}"
    return None


def api_body(form: dict, language: str) -> dict:
    """The body of POST .../government-comments: the text in the page's language, on a commitment or the draft."""
    return {"text": {language: form["text"]}, "commitment_id": form["commitment"] or None}


def field_errors(status: int, body: dict, form: dict, draft: dict) -> dict:
    """Review's refusal as {"text": {"message": msgid, "params": {...}}} or {"form": ...} for the form that was sent.
    422 on the text: why, in words the writer can act on (comment_form.text_error, from what was sent and the
    draft's limit); 409: the window closed (the draft, read again, says so: `draft`) or the case is full."""
    if status == 422:
        fields = (body.get("error") or {}).get("fields") or {}
        if any(comment_form.form_field(path) in ("text", "language") for path in fields):
            return {"text": comment_form.text_error(form["text"], draft)}
        return {"form": {"message": MESSAGES["form"], "params": {}}}
    if not draft.get("comments_open"):
        return {"form": {"message": MESSAGES["closed"], "params": {}}}
    return {"form": {"message": MESSAGES["full"], "params": {}}}
