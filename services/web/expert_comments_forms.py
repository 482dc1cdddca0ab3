"""The expert's forms after the draft: an answer to a government comment, opening the public comment,
finalising. What the expert posted, as review's API takes it, and review's refusal as a message next to
the field in the page's language. Pure (no nameko, no HTTP client).

No rule lives here: review's schema (its COMMENT_MAX_CHARACTERS) decides what an answer may be, its
workflow and clock (domain/windows.py) when public comment may open (the government's window over, every
comment answered) and when the draft may be finalised (the public comment period over). This only turns
the forms into the API's bodies and review's answers back into words.

Every form posts `csrf_token` (the session's); an answer also `text`, written in the page's language.
"""
from shared import edge

from services.web.form_posts import N_

ANSWER_FIELDS = ("csrf_token", "text")
STEP_FIELDS = ("csrf_token",)
STEPS = ("open_public_comment", "finalise")

MESSAGES = {
    "empty": N_("Write your answer before sending it."),
    "character": N_("Your answer holds a character that cannot be kept (%(character)s): remove it and send it again."),
    "long": N_("Your answer is too long: at most %(max)s characters, and it has %(count)s."),
    "form": N_("Review did not take this answer: check it and send it again."),
    "gone": N_("This comment is not one of this review's: the page is shown again as it is now."),
    "moved_on": N_("The draft has left the government's review: comments can no longer be answered. Its stage is shown again."),
    "open_public_comment": N_("Public comment opens once the government's review has ended and every government comment "
                              "is answered. The page says where each stands."),
    "finalise": N_("The draft can be finalised once the public comment period has closed. The page says when it closes."),
}
DONE = {"answered": N_("Your answer is recorded. The government sees it beside its comment."),
        "open_public_comment": N_("The draft is open to public comment. Anyone can read it and comment until the date shown."),
        "finalise": N_("The findings are final: approved for publication. They are published in a moment.")}


def answer_body(text: str, language: str) -> dict:
    """POST /api/v1/cases/{id}/government-comments/{comment}/response: the answer in the page's language."""
    return {"text": {language: text}}


def answer_error(status: int, text: str, max_characters: int | None) -> dict:
    """Review's refusal of an answer as {"message": msgid, "params": {...}}: 422 says why in words the expert
    can act on (from what was sent); 404 the comment is none of this review's; 409 the case moved on."""
    if status == 404:
        return {"message": MESSAGES["gone"], "params": {}}
    if status == 409:
        return {"message": MESSAGES["moved_on"], "params": {}}
    if not text.strip():
        return {"message": MESSAGES["empty"], "params": {}}
    bad = edge.forbidden_character(text)
    if bad:
        return {"message": MESSAGES["character"], "params": {"character": bad}}
    if max_characters and len(text) > max_characters:
        return {"message": MESSAGES["long"], "params": {"max": max_characters, "count": len(text)}}
    return {"message": MESSAGES["form"], "params": {}}


def step_refusal(step: str) -> dict:
    """Review's 409 for a step taken too early (or once the case has moved on): what must come first."""
    return {"message": MESSAGES[step], "params": {}}
