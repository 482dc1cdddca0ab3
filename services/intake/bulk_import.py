"""Bulk import of an action plan's commitments from a spreadsheet (CSV or XLSX).

The columns are those of OGP's own commitments data, so a sheet exported from it, or
filled in by a government, imports as is:

    Commitment Unique Identifier, Country/Locality, Action Plan Number, Commitment Number,
    Commitment Title, Full Text, Lead Institution, Supporting Institution(s)

Other columns are ignored. Full Text, Lead Institution and Supporting Institution(s) may be
empty. Supporting Institution(s) is a list: split on ';' when the cell has one, otherwise
on ',' (institution names sometimes contain commas, so ';' wins when both appear).

Row numbers are the spreadsheet's own: the header is row 1, the first commitment row 2.
Rows with every cell empty are skipped silently. Every other row is either imported or
reported with its reason; one bad row never stops the good ones.

`read_rows` and `validate_row` are pure (a file in, dicts out: no database, no nameko);
`import_commitments` is the shell that writes to MongoDB.
"""
import csv
import io
import re
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

from shared.clock import utcnow
from shared.edge import forbidden_character
from shared.irm import LANGUAGES

# openpyxl and the database (mongoengine, the documents) are imported where they are used:
# `irmctl --help` and every other command read this module's columns, and need neither.

ID = "Commitment Unique Identifier"
COUNTRY = "Country/Locality"
PLAN_NUMBER = "Action Plan Number"
NUMBER = "Commitment Number"
TITLE = "Commitment Title"
FULL_TEXT = "Full Text"
LEAD = "Lead Institution"
SUPPORTING = "Supporting Institution(s)"
REQUIRED_COLUMNS = (ID, COUNTRY, PLAN_NUMBER, NUMBER, TITLE, FULL_TEXT, LEAD, SUPPORTING)

# The same rule as the self-assessment contract: the id becomes a MongoDB key and a URL
# segment, so no '.', '$' or '/'.
COMMITMENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}\Z")
MAX_TITLE = 500
MAX_FULL_TEXT = 20_000
COMMITMENT_NUMBERS = range(1, 1000)
PROGRESS_EVERY = 20

# French-locale Excel saves "CSV" with ';' (and some tools with tabs): try each on the header.
CSV_DELIMITERS = (",", ";", "\t")


# Why a row is refused: a code, its values, and the English sentence irmctl prints (the pages translate
# the code: services/web/government_import_forms.py). Column names stay OGP's, as the file names them.
REASONS = {
    "required": "{column} is required",
    "id_format": "{column} {value!r} must be letters, digits, '_' or '-' (at most 64), starting with a letter or digit",
    "id_repeated": "{column} {value!r} is repeated",
    "id_repeated_first": "{column} {value!r} is repeated (first on row {first_row})",
    "country": "{column} {value!r} is not {member}",
    "plan": "{column} {value} is not {plan}",
    "number_range": "{column} {value} is not between 1 and 999",
    "too_long": "{column} has {length} characters (at most {limit})",
    "control_character": "{column} holds the control character {character} (only tab and newline are allowed)",
    "not_whole_number": "{column} {value!r} is not a whole number",
    "id_taken": "{column} {value!r} is already a commitment of member {owner}",
}


class Reason(str):
    """A row's reason: the English sentence (what irmctl prints and compares), with its `code` and `params`."""

    def __new__(cls, code: str, **params):
        reason = super().__new__(cls, REASONS[code].format(**params))
        reason.code = code
        reason.params = {name: value if isinstance(value, str) or type(value) is int else repr(value) for name, value in params.items()}
        return reason


class RowRejected(Exception):
    """A row that cannot be imported; the message is the reason shown to the operator (`reason`: with its code)."""

    def __init__(self, code: str, **params):
        self.reason = Reason(code, **params)
        super().__init__(str(self.reason))


@dataclass
class ImportReport:
    imported: int = 0
    rejected: list = field(default_factory=list)  # (row_number, commitment_id or None, reason)


# --- reading ------------------------------------------------------------------------------

def read_rows(path) -> Iterator[tuple[int, dict]]:
    """Yield (row_number, {column: cell value}) for every row below the header, with the
    required columns only (a cell missing from a short row is None).

    Raises ValueError for a file that is not .csv or .xlsx, cannot be decoded, or lacks a
    required column: always before the first row is yielded.
    """
    path = Path(path)
    records = _records(path)
    position = _column_positions(path, next(records, None))
    for row_number, values in enumerate(records, start=2):
        yield row_number, {name: values[index] if index < len(values) else None for name, index in position.items()}


def count_rows(path) -> int:
    """How many rows lie below the header (for progress): read fully for CSV, the sheet's size for XLSX."""
    path = Path(path)
    if _kind(path) == "csv":
        return max(sum(1 for _ in _csv_records(path)) - 1, 0)
    workbook = _open_workbook(path)
    try:
        sheet = workbook.worksheets[0]
        total = sheet.max_row if sheet.max_row is not None else sum(1 for _ in sheet.iter_rows(values_only=True))
        return max(total - 1, 0)
    finally:
        workbook.close()


def _kind(path: Path) -> str:
    kind = path.suffix.lower().lstrip(".")
    if kind not in ("csv", "xlsx"):
        refused = f", not {path.suffix}" if path.suffix else ""
        raise ValueError(f"{path.name}: only .csv (UTF-8) and .xlsx files can be imported{refused}")
    return kind


def _records(path: Path) -> Iterator[list]:
    return _csv_records(path) if _kind(path) == "csv" else _xlsx_records(path)


def _csv_records(path: Path) -> Iterator[list]:
    # Decoded and parsed whole (commitment sheets are small), so a broken file is found
    # before any row is imported.
    # utf-8-sig drops the BOM Excel writes for "CSV UTF-8", and reads files without one alike.
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValueError(f"{path.name} is not UTF-8 text (byte {exc.start}): save it as \"CSV UTF-8\"") from None
    header_line = text.split("\n", 1)[0]
    delimiter = max(CSV_DELIMITERS, key=lambda d: sum(c.strip() in REQUIRED_COLUMNS for c in header_line.split(d)))
    try:
        return iter(list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)))
    except csv.Error as exc:  # e.g. a cell over the csv module's 128 KiB field limit
        raise ValueError(f"{path.name} is not a readable CSV file: {exc}") from None


def _open_workbook(path: Path):
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        # data_only: a formula cell gives the value Excel last computed, not "=A1".
        return load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError) as exc:
        raise ValueError(f"{path.name} cannot be read as an Excel workbook: {exc}") from None


def _xlsx_records(path: Path) -> Iterator[list]:
    workbook = _open_workbook(path)
    try:
        sheet = workbook.worksheets[0]
        # Some writers record a wrong sheet size; reading without it never drops trailing rows.
        sheet.reset_dimensions()
        yield from sheet.iter_rows(values_only=True)
    except (zipfile.BadZipFile, zlib.error) as exc:  # a damaged sheet is found only while reading it
        raise ValueError(f"{path.name} is damaged: {exc}") from None
    finally:
        workbook.close()


def _column_positions(path: Path, header) -> dict:
    if header is None:
        raise ValueError(f"{path.name} is empty: row 1 must name the columns ({', '.join(REQUIRED_COLUMNS)})")
    columns = [_text(cell) for cell in header]
    missing = [name for name in REQUIRED_COLUMNS if name not in columns]
    if missing:
        raise ValueError(f"{path.name} has no column {', '.join(repr(name) for name in missing)} in row 1")
    repeated = [name for name in REQUIRED_COLUMNS if columns.count(name) > 1]
    if repeated:
        raise ValueError(f"{path.name} has the column {', '.join(repr(name) for name in repeated)} more than once")
    return {name: columns.index(name) for name in REQUIRED_COLUMNS}


def is_blank(row: dict) -> bool:
    return all(_text(value) == "" for value in row.values())


# --- validating ---------------------------------------------------------------------------

def validate_row(row: dict, *, member_code: str, member_names: dict, plan_number: int, language: str,
                 seen_ids: dict, row_number: int | None = None) -> dict:
    """The ActionPlanCommitment fields for one row, or RowRejected with the reason.

    `seen_ids` maps each identifier met so far in the file to its row: an identifier given
    twice is ambiguous, so the second row is refused even when the first was refused too.
    """
    if language not in LANGUAGES:
        raise ValueError(f"language must be one of {', '.join(LANGUAGES)}")

    commitment_id = _text(row.get(ID))
    if not commitment_id:
        raise RowRejected("required", column=ID)
    if not COMMITMENT_ID.match(commitment_id):
        raise RowRejected("id_format", column=ID, value=commitment_id)
    if commitment_id in seen_ids:
        first = seen_ids[commitment_id]
        raise RowRejected("id_repeated_first", column=ID, value=commitment_id, first_row=first) if first else \
            RowRejected("id_repeated", column=ID, value=commitment_id)
    seen_ids[commitment_id] = row_number

    country = _text(row.get(COUNTRY))
    accepted = {_comparable(member_code)} | {_comparable(name) for name in member_names.values() if name}
    if _comparable(country) not in accepted:
        raise RowRejected("country", column=COUNTRY, value=country, member=member_code)

    plan = _whole_number(row.get(PLAN_NUMBER), PLAN_NUMBER)
    if plan != plan_number:
        raise RowRejected("plan", column=PLAN_NUMBER, value=plan, plan=plan_number)

    number = _whole_number(row.get(NUMBER), NUMBER)
    if number not in COMMITMENT_NUMBERS:
        raise RowRejected("number_range", column=NUMBER, value=number)

    title = _text(row.get(TITLE))
    if not title:
        raise RowRejected("required", column=TITLE)
    if len(title) > MAX_TITLE:
        raise RowRejected("too_long", column=TITLE, length=len(title), limit=MAX_TITLE)

    full_text = _text(row.get(FULL_TEXT))
    if len(full_text) > MAX_FULL_TEXT:
        raise RowRejected("too_long", column=FULL_TEXT, length=len(full_text), limit=MAX_FULL_TEXT)

    lead = _text(row.get(LEAD))
    supporting = _text(row.get(SUPPORTING))
    # The same rule as every JSON body (shared/http.py): no control characters but tab and newline.
    for column, text in ((TITLE, title), (FULL_TEXT, full_text), (LEAD, lead), (SUPPORTING, supporting)):
        bad = forbidden_character(text)
        if bad:
            raise RowRejected("control_character", column=column, character=bad)

    return {
        "commitment_id": commitment_id,
        "member_code": member_code,
        "plan_number": plan,
        "number": number,
        "title": {language: title},
        "full_text": {language: full_text} if full_text else {},
        "lead_institution": lead or None,
        "supporting_institutions": split_institutions(supporting),
    }


def split_institutions(cell: str) -> list:
    separator = ";" if ";" in cell else ","
    return [name.strip() for name in cell.split(separator) if name.strip()]


def _text(value) -> str:
    """A cell as text: Excel hands numbers back as int or float (an id typed as 501 is 501.0)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _comparable(text: str) -> str:
    return unicodedata.normalize("NFC", text.strip()).casefold()


def _whole_number(value, column: str) -> int:
    if isinstance(value, bool):  # a TRUE/FALSE cell is not a number, though bool is an int
        raise RowRejected("not_whole_number", column=column, value=value)
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if value.is_integer():
            return int(value)
        raise RowRejected("not_whole_number", column=column, value=value)
    text = _text(value)
    if not text:
        raise RowRejected("required", column=column)
    # "5.0" is what a CSV exported from a number-formatted cell may hold.
    match = re.fullmatch(r"[+-]?(\d+)(?:\.0*)?", text)
    if not match:
        raise RowRejected("not_whole_number", column=column, value=text)
    return int(text.split(".")[0])


# --- importing ----------------------------------------------------------------------------

def import_commitments(path, *, member_code: str, plan_number: int, language: str, imported_by: str,
                       progress: Callable[[int, int], None] | None = None) -> ImportReport:
    """Validate every row and upsert the good ones as ActionPlanCommitment, one by one.

    Re-importing a file rewrites the same documents. An identifier already stored for
    another member is refused for that row, never taken over.
    """
    from mongoengine.errors import NotUniqueError

    from services.intake import documents as intake_documents
    from shared.persistence import documents as shared_documents

    if language not in LANGUAGES:
        raise ValueError(f"language must be one of {', '.join(LANGUAGES)}")
    if plan_number < 1:
        raise ValueError("the action plan number must be 1 or more")
    member = shared_documents.Member.objects(code=member_code).first()
    if member is None:
        raise ValueError(f"no member {member_code}: add it first (irmctl member add)")

    path = Path(path)
    total_rows = count_rows(path)  # also proves the file is readable before anything is written
    report, seen_ids, done_rows, last_reported = ImportReport(), {}, 0, None
    commitments = intake_documents.ActionPlanCommitment
    commitments.ensure_indexes()
    for row_number, row in read_rows(path):
        done_rows += 1
        if not is_blank(row):
            commitment_id = _text(row.get(ID)) or None
            try:
                fields = validate_row(row, member_code=member_code, member_names=dict(member.names), plan_number=plan_number,
                                      language=language, seen_ids=seen_ids, row_number=row_number)
                _upsert(commitments, fields, language=language, source=f"{path.name}:{row_number}", imported_by=imported_by)
                report.imported += 1
            except RowRejected as rejection:
                report.rejected.append((row_number, commitment_id, rejection.reason))
            except NotUniqueError:
                owner = commitments.objects(commitment_id=commitment_id).only("member_code").first()
                report.rejected.append((row_number, commitment_id, Reason(
                    "id_taken", column=ID, value=commitment_id, owner=owner.member_code if owner else "another member")))
        if progress and done_rows % PROGRESS_EVERY == 0:
            last_reported = (done_rows, max(total_rows, done_rows))
            progress(*last_reported)
    if progress and last_reported != (done_rows, done_rows):
        progress(done_rows, done_rows)  # the end: now the true number of rows is known
    return report


def _upsert(commitments, fields: dict, *, language: str, source: str, imported_by: str) -> None:
    """One conditional upsert: matched only if the id is this member's, so another member's
    commitment makes the insert collide on _id (NotUniqueError) instead of being overwritten.

    Title and full text are set per language, so importing the French file after the
    English one adds French beside English.
    """
    changes = {
        "set__plan_number": fields["plan_number"],
        "set__number": fields["number"],
        f"set__title__{language}": fields["title"][language],
        "set__supporting_institutions": fields["supporting_institutions"],
        "set__source": source,
        "set__imported_by": imported_by,
        "set__imported_at": utcnow(),
    }
    # An empty cell in the file now means empty in the store: a re-import reflects corrections.
    if fields["full_text"]:
        changes[f"set__full_text__{language}"] = fields["full_text"][language]
    else:
        changes[f"unset__full_text__{language}"] = True
    if fields["lead_institution"]:
        changes["set__lead_institution"] = fields["lead_institution"]
    else:
        changes["unset__lead_institution"] = True
    commitments.objects(commitment_id=fields["commitment_id"], member_code=fields["member_code"]).update_one(upsert=True, **changes)
