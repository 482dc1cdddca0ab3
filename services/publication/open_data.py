"""Open data: every published commitment's ratings, in the column names of OGP's own data.

The same columns serve the CSV and the JSON export, and the data dictionary describes
each one, so a researcher can join these files with OGP's datasets without guessing.
Only each case's latest finding counts (a correction replaces the figures it corrects).
"""
import csv
import io
import json

from shared import edge

# (column, description): the order is the CSV's.
COLUMNS = (
    ("Commitment Unique Identifier", "The commitment's identifier in OGP's data (e.g. TN0501)."),
    ("Country/Locality", "The OGP member's code (national government or OGP Local jurisdiction)."),
    ("Member Name", "The member's name, in English if given, else French, else Arabic."),
    ("Member Kind", "national or local."),
    ("Action Plan Number", "The member's action plan number (1 for its first plan)."),
    ("Action Plan Cycle", "The action plan's years, e.g. 2023-2025."),
    ("Commitment Number", "The commitment's number within the action plan."),
    ("Commitment Title", "The commitment's title, in English if given, else French, else Arabic."),
    ("Commitment Title (ar)", "The title in Arabic, if given."),
    ("Commitment Title (fr)", "The title in French, if given."),
    ("Verifiable", "yes / no: whether the commitment is verifiable; 'no' means not reviewable and the rest is empty."),
    ("OGP Value Access To Information", "yes / no: relevant to transparency (access to information)."),
    ("OGP Value Civic Participation", "yes / no: relevant to civic participation."),
    ("OGP Value Public Accountability", "yes / no: relevant to public accountability."),
    ("Potential Impact", "Potential for results (ambition): unclear, modest or substantial."),
    ("Completion", "no_evidence_available, not_started, limited, substantial or complete."),
    ("Did It Open Government", "Early results: worsened, did_not_change, marginal, major or outstanding."),
    ("Self-Reported Completion", "The government's own view of completion, on the same scale."),
    ("Starred", "yes / no: verifiable, relevant to a value, substantial potential, substantial or complete."),
    ("Finding Version", "1 for the first publication; higher after a correction."),
    ("Published At", "When this version was published, ISO-8601 UTC."),
    ("Finding URL", "The finding's stable address in the public API."),
)
FIELDNAMES = [name for name, _ in COLUMNS]


def _in(texts: dict, *order) -> str:
    return next((texts[lang] for lang in order if texts.get(lang)), "")


def _yes_no(value) -> str:
    return "" if value is None else ("yes" if value else "no")


def rows(findings) -> list:
    """One row per commitment of each finding given (the caller passes the latest versions)."""
    out = []
    for finding in findings:
        for commitment in finding["commitments"]:
            ratings = commitment.get("ratings") or {}

            def value(name):
                return (ratings.get(name) or {}).get("value")

            verifiable = value("verifiability")
            lens = value("open_government_lens") or {}
            out.append({
                "Commitment Unique Identifier": commitment["commitment_id"],
                "Country/Locality": finding["member"]["code"],
                "Member Name": _in(finding["member"].get("names") or {}, "en", "fr", "ar"),
                "Member Kind": finding["member"]["kind"],
                "Action Plan Number": finding["action_plan"]["plan_number"],
                "Action Plan Cycle": finding["action_plan"]["cycle"],
                "Commitment Number": commitment["number"],
                "Commitment Title": _in(commitment["title"], "en", "fr", "ar"),
                "Commitment Title (ar)": commitment["title"].get("ar", ""),
                "Commitment Title (fr)": commitment["title"].get("fr", ""),
                "Verifiable": _yes_no(None if verifiable is None else verifiable == "verifiable"),
                "OGP Value Access To Information": _yes_no(lens.get("transparency")) if lens else "",
                "OGP Value Civic Participation": _yes_no(lens.get("participation")) if lens else "",
                "OGP Value Public Accountability": _yes_no(lens.get("accountability")) if lens else "",
                "Potential Impact": value("potential_for_results") or "",
                "Completion": value("completion") or "",
                "Did It Open Government": value("did_it_open_government") or "",
                "Self-Reported Completion": commitment.get("self_reported_completion") or "",
                "Starred": _yes_no((commitment.get("judgements") or {}).get("starred")),
                "Finding Version": finding["version"],
                "Published At": finding["published_at"],
                "Finding URL": finding["url"],
            })
    return out


def _cell(value):
    """A cell as the CSV holds it: a text's control characters other than tab and newline (which the API
    refuses at the edge, so only a record that came another way could hold one) become U+FFFD, so no NUL,
    escape or lone CR reaches a spreadsheet or a CSV reader, and the file always encodes."""
    return edge.FORBIDDEN_IN_TEXT.sub("\ufffd", value) if isinstance(value, str) else value


def csv_pieces(tables):
    """The CSV file, one piece per table of rows (open data renders a batch of findings at a time, so the
    whole file is never in memory): the pieces joined are the same bytes however the rows are split.
    UTF-8 with a byte-order mark, so spreadsheet programs open Arabic text correctly. Records end in CRLF
    (RFC 4180); a CR appears nowhere else."""
    yield "\ufeff".encode("utf-8") + _csv_text(lambda writer: writer.writeheader())
    for table in tables:
        if table:
            yield _csv_text(lambda writer: writer.writerows({name: _cell(value) for name, value in row.items()} for row in table))


def _csv_text(write) -> bytes:
    out = io.StringIO()
    write(csv.DictWriter(out, fieldnames=FIELDNAMES, lineterminator="\r\n"))
    return out.getvalue().encode("utf-8")


def json_pieces(tables):
    """The JSON file, {"columns": [...], "rows": [...]}, one piece per table of rows: the pieces joined are
    byte for byte json.dumps of the whole object (its default separators, ensure_ascii off), valid JSON
    only once complete."""
    yield ('{"columns": ' + json.dumps(FIELDNAMES, ensure_ascii=False) + ', "rows": [').encode("utf-8")
    separator = ""
    for table in tables:
        if table:
            yield (separator + ", ".join(json.dumps(row, ensure_ascii=False) for row in table)).encode("utf-8")
            separator = ", "
    yield b"]}"


PIECES = {"csv": csv_pieces, "json": json_pieces}


def data_dictionary(base_url: str = "") -> dict:
    return {
        "title": "IRM findings: published commitments and their ratings",
        "license": "CC-BY-4.0",
        "downloads": {"csv": f"{base_url}/api/v1/open-data/commitments.csv",
                      "json": f"{base_url}/api/v1/open-data/commitments.json"},
        "columns": [{"name": name, "description": description} for name, description in COLUMNS],
    }
