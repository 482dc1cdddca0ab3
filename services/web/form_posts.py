"""What every form of the pages does with a browser's post before any rule is asked: refuse a
forged or foreign one, read a bounded body, and parse it as this site's forms send it. Pure but for
reading the request's stream (no nameko, no HTTP client): one place for the comment form
(comment_form.py) and the sign-in and account forms (account_forms.py).

A post refused here is never sent on: `Refused` carries the reason the refusal page shows and its
status (403 forged, 415 not a form, 413 too large, 400 not this site's form).
"""
import re
from urllib.parse import parse_qsl

from shared import edge

from services.web import csrf

FORM_TYPE = "application/x-www-form-urlencoded"


def N_(message: str) -> str:
    """Marks a msgid for extraction; the template translates it in the page's language."""
    return message


class NotAForm(ValueError):
    """The body is not one this site's forms send (not UTF-8, far too many fields)."""


class Refused(Exception):
    """A post refused before it is sent on: the refusal page with its reason and status."""

    def __init__(self, reason: str, status: int):
        super().__init__(reason)
        self.reason, self.status = reason, status


def parse(raw: bytes, names: tuple) -> dict:
    """An application/x-www-form-urlencoded body as {field: text}, the first value of each of
    `names` ("" for one not sent). Line breaks come back as "\\n": HTML sends a textarea's as
    CRLF, and the APIs keep text exactly as given (a lone CR is a control character they refuse)."""
    try:
        pairs = parse_qsl(raw.decode("utf-8"), keep_blank_values=True, encoding="utf-8", errors="strict",
                          max_num_fields=2 * len(names))  # a form of ours sends each once; far more is not ours
    except (UnicodeDecodeError, ValueError) as exc:
        raise NotAForm(str(exc)) from None
    form = {}
    for name, value in pairs:
        if name in names and name not in form:
            form[name] = value.replace("\r\n", "\n").replace("\r", "\n")
    return {name: form.get(name, "") for name in names}


# The forms the gateway may refuse for their size, and the page each is sent back to (form_refused.html's link).
SELF_ASSESSMENT_UPLOAD = re.compile(r"(/[a-z]{2}/government/plans/[0-9]+/self-assessment)/evidence/[^/]+")
IMPORT_UPLOAD = re.compile(r"/[a-z]{2}/government/import")
REFUSED_BY_GATEWAY = ("too_large", "file_too_large")


def gateway_refusal(reason: str | None, posted_path: str | None) -> dict:
    """What the refusal page shows for a form the gateway refused unread (edge.refused_page_location):
    its reason, and the way back to the form when it is one of ours."""
    view = {"reason": reason if reason in REFUSED_BY_GATEWAY else "too_large"}
    form = SELF_ASSESSMENT_UPLOAD.fullmatch(posted_path or "")
    if form:
        view["back_href"] = form.group(1)
    elif IMPORT_UPLOAD.fullmatch(posted_path or ""):
        view["back_href"], view["back_to"] = posted_path, "import"
    return view


def refuse_foreign(request, public_origin: str, media_type: str) -> None:
    """Refused unless the post is this site's (Sec-Fetch-Site and Origin: csrf.cross_site) and of the form's type."""
    if csrf.cross_site(request.headers.get("Sec-Fetch-Site"), request.headers.get("Origin"), public_origin):
        raise Refused("forged", 403)
    if request.mimetype != media_type:
        raise Refused("not_a_form", 415)


def refuse_upload_unread(request, public_origin: str, body_limit: int) -> None:
    """An upload (multipart) refused before a byte of it is read: foreign, of another type, its length
    not declared (411) or declared over the route's limit (413, the file said too large)."""
    refuse_foreign(request, public_origin, "multipart/form-data")
    if request.content_length is None:
        raise Refused("not_a_form", 411)
    if request.content_length > body_limit:
        raise Refused("file_too_large", 413)


def read(request, public_origin: str, names: tuple) -> dict:
    """The posted form, once it is this site's (Sec-Fetch-Site and Origin: csrf.cross_site), of
    this site's type and size (refused before a byte is read when declared larger, else read one
    past the limit), and parsed. The form's own token is the caller's to check: it knows the purpose."""
    refuse_foreign(request, public_origin, FORM_TYPE)
    limit = edge.FORM_BODY_MAX_BYTES
    if (request.content_length or 0) > limit or len(raw := request.stream.read(limit + 1)) > limit:
        raise Refused("too_large", 413)
    try:
        return parse(raw, names)
    except NotAForm:
        raise Refused("not_a_form", 400) from None


WHOLE_SECONDS = re.compile(r"\d{1,9}\Z")


def retry_after_seconds(header: str | None) -> int | None:
    """An API's Retry-After (whole seconds), kept as it was given; None when absent or not seconds."""
    return int(header) if header and WHOLE_SECONDS.match(header.strip()) else None
