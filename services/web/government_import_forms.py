"""The bulk import page's form: what was posted (the plan's number, the file's language, the spreadsheet), what
the page says before anything is sent, and intake's answer as the page's words. Pure (no nameko, no HTTP client).

Which rows are imported is intake's to decide (services/intake/bulk_import.py); this only turns its report
into the page's table: each rejected row's reason is a code with its values (bulk_import.REASONS), said here
in the page's language, the column names left as OGP's spreadsheet has them.

The form's fields: `plan_number`, `language` (of the file's titles and texts), `file`, `csrf_token` (the
session's), and for an admin, who may import for any member, `member`.
"""
import re

from shared.irm import LANGUAGES

from services.web.form_posts import N_

ACCEPT = ".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ACCEPTED_EXTENSIONS = ("csv", "xlsx")
PLAN_NUMBERS = range(1, 100)  # as intake's GET /api/v1/self-assessments takes them
MEMBER_CODE = re.compile(r"[A-Z0-9][A-Z0-9-]{1,31}\Z")  # shared/contracts/fields.py
FIELDS = ("plan_number", "language", "member", "csrf_token")
# the columns intake reads (bulk_import.REQUIRED_COLUMNS), as the page names them
COLUMNS = ("Commitment Unique Identifier, Country/Locality, Action Plan Number, Commitment Number, Commitment Title, "
           "Full Text, Lead Institution, Supporting Institution(s)")

MESSAGES = {
    "no_file": N_("Choose the CSV or XLSX file to import."),
    "type": N_("This file was refused: import a CSV (UTF-8) or XLSX file. Nothing was imported."),
    "too_large": N_("This file is larger than %(megabytes)s MB, the limit for a spreadsheet. Nothing was imported."),
    "cannot_import": N_("This file cannot be imported: it must be a CSV (UTF-8) or XLSX file whose first row names OGP's columns. Nothing was imported."),
    "plan_number": N_("Give the action plan's number, a whole number from 1 to 99."),
    "language": N_("Choose the language the file's titles and texts are written in."),
    "member": N_("Give the member's code, such as TN."),
    "unknown_member": N_("No member has this code."),
}
TROUBLE = N_("The file could not be imported: reload the page and try again.")

# bulk_import.REASONS, in the page's words: %(column)s is the column's name as the spreadsheet has it
REASONS = {
    "required": N_("%(column)s is required."),
    "id_format": N_("%(column)s «%(value)s» must be letters, digits, '_' or '-' (at most 64), starting with a letter or digit."),
    "id_repeated": N_("%(column)s «%(value)s» appears more than once."),
    "id_repeated_first": N_("%(column)s «%(value)s» appears more than once (first on row %(first_row)s)."),
    "country": N_("%(column)s «%(value)s» is not your member (%(member)s)."),
    "plan": N_("%(column)s %(value)s is not the plan being imported (%(plan)s)."),
    "number_range": N_("%(column)s %(value)s is not between 1 and 999."),
    "too_long": N_("%(column)s has %(length)s characters (at most %(limit)s)."),
    "control_character": N_("%(column)s holds the control character %(character)s (only tab and line breaks are allowed)."),
    "not_whole_number": N_("%(column)s «%(value)s» is not a whole number."),
    "id_taken": N_("%(column)s «%(value)s» is already a commitment of another member (%(owner)s)."),
}


def error(key: str, **params) -> dict:
    return {"message": MESSAGES[key], "params": params}


def plan_number(value: str | None) -> int | None:
    value = (value or "").strip()
    return int(value) if value.isdigit() and len(value) <= 3 and int(value) in PLAN_NUMBERS else None


def extension_accepted(filename: str) -> bool:
    """Whether the file's name is one a spreadsheet has (what the page checks; intake judges the content)."""
    return "." in (filename or "") and filename.rsplit(".", 1)[1].lower() in ACCEPTED_EXTENSIONS


def form_errors(form: dict, is_admin: bool) -> dict:
    """What the page refuses before sending (the file's own checks are the caller's: it holds the upload)."""
    errors = {}
    if plan_number(form.get("plan_number")) is None:
        errors["plan_number"] = [error("plan_number")]
    if form.get("language") not in LANGUAGES:
        errors["language"] = [error("language")]
    if is_admin and not MEMBER_CODE.match((form.get("member") or "").strip()):
        errors["member"] = [error("member")]
    return errors


def file_refusal(filename: str | None, size: int, max_bytes: int) -> str | None:
    """The message key for a file the page refuses before sending it on, or None."""
    if not filename:
        return "no_file"
    if not extension_accepted(filename):
        return "type"
    if size > max_bytes:
        return "too_large"
    return None


def intake_refusal(status: int, body: dict) -> str | None:
    """The message key for intake's refusal of the spreadsheet (413; 422 about the file: its content is no
    CSV or XLSX, or it cannot be read as OGP's columns), or None when the answer is no refusal of the file."""
    if status == 413:
        return "too_large"
    fields = ((body or {}).get("error") or {}).get("fields") or {}
    if status == 422 and "file" in fields:
        return "cannot_import"
    return None


def rejected_rows(rejected: list) -> list:
    """Intake's rejected rows as the page lists them: row, identifier, and the reason as a message to translate
    ({"message": msgid, "params"}), or, for a code this page does not know, intake's English sentence (`english`)."""
    rows = []
    for item in rejected or []:
        code = item.get("code")
        params = {name: str(value) for name, value in (item.get("params") or {}).items()}
        reason = {"message": REASONS[code], "params": params} if code in REASONS and _complete(REASONS[code], params) else None
        rows.append({"row": item.get("row"), "commitment_id": item.get("commitment_id"), "reason": reason,
                     "english": None if reason else item.get("reason") or ""})
    return rows


def _complete(msgid: str, params: dict) -> bool:
    """Whether every %(name)s the message says is among the values (else it could not be said)."""
    return all(name in params for name in re.findall(r"%\((\w+)\)s", msgid))
