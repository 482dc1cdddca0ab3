"""The public comment form: what a browser posted, as review's API takes it, and review's
answer as messages next to the fields, in the page's language. Pure (no nameko, no HTTP client).

No rule of what a comment may be lives here. Review's API decides (its schema, its limits,
its clock, its caps, its rate limits: services/review/service.py `public_comment`); this only
translates the form into the API's body and the API's refusal back into the form's words. So
a page and the API can never disagree on what is accepted.

The messages are msgids (`N_`), translated by the template in the page's language.
"""
from shared import edge

from services.web.form_posts import N_

FIELDS = ("text", "language", "commitment", "author", "confidential", "token")


def api_body(form: dict) -> dict:
    """The body of POST /api/v1/cases/{id}/public-comments for what the form says: the text in
    the language its writer chose; an empty optional field is one not given."""
    return {"text": {form["language"]: form["text"]},
            "commitment_id": form["commitment"] or None,
            "author": form["author"] if form["author"].strip() else None,
            "confidential": form["confidential"] == "yes"}


def form_field(api_path: str) -> str:
    """The form's field for a path of review's field errors (`text`, `text.fr.value`, `text.de.key`, ...)."""
    head, _, rest = api_path.partition(".")
    if head == "text":
        # marshmallow names a refused dict key `text.<key>.key` and a refused value `text.<key>.value`
        return "language" if rest and rest.split(".")[-1] == "key" else "text"
    return {"author": "author", "commitment_id": "commitment", "confidential": "confidential"}.get(head, "form")


def field_errors(api_fields: dict, form: dict, draft: dict) -> dict:
    """Review's 422 field errors as {form field: {"message": msgid, "params": {...}}}.

    Review says which field it refused; the wording says why, in terms the writer can act on,
    picked from what was sent: blank text, a character that cannot be stored
    (shared/edge.py's own test), or else the length the draft's limits name."""
    errors = {}
    for path in api_fields:
        field = form_field(path)
        if field in errors:
            continue
        if field == "text":
            errors[field] = text_error(form["text"], draft)
        elif field == "author":
            bad = edge.forbidden_character(form["author"])
            errors[field] = ({"message": N_("Your name holds a character that cannot be kept (%(character)s): remove it."),
                              "params": {"character": bad}} if bad else
                             {"message": N_("Your name is too long: at most %(max)s characters."),
                              "params": {"max": draft.get("author_max_characters")}})
        elif field == "language":
            errors[field] = {"message": N_("Choose the language you wrote in."), "params": {}}
        elif field == "commitment":
            errors[field] = {"message": N_("Choose one of this draft's commitments, or the draft as a whole."), "params": {}}
        else:
            errors["form"] = {"message": N_("The comment was not accepted: check it and send it again."), "params": {}}
    return errors


def text_error(text: str, draft: dict) -> dict:
    if not text.strip():
        return {"message": N_("Write your comment before sending it."), "params": {}}
    bad = edge.forbidden_character(text)
    if bad:
        return {"message": N_("Your comment holds a character that cannot be kept (%(character)s): remove it and send it again."),
                "params": {"character": bad}}
    return {"message": N_("Your comment is too long: at most %(max)s characters, and it has %(count)s."),
            "params": {"max": draft.get("comment_max_characters"), "count": len(text)}}


def refusal(status: int, retry_after: int | None, draft: dict | None) -> dict:
    """A refusal that is about the comment as a whole (review's 409 and 429), as the form's message.
    409: the period closed (the draft, read again, says so) or the case took all the comments it may."""
    if status == 429:
        return {"message": N_("Too many comments were sent from your connection or to this draft: try again in %(wait)s."),
                "params": {"wait_seconds": retry_after or 1}}
    if draft is not None and not draft.get("comments_open"):
        return {"message": N_("The comment period closed before your comment arrived: it was not recorded."), "params": {}}
    return {"message": N_("This draft has received all the comments it can take: yours was not recorded."), "params": {}}

