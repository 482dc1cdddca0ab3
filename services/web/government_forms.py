"""The self-assessment form: what a point of contact posted, as intake's API takes it (a draft, or the
submission), and intake's refusal as messages next to the fields in the page's language. Pure (no
nameko, no HTTP client).

No rule of what a self-assessment may be lives here: intake's API decides (the contract,
shared/contracts/self_assessment.py, for a submission; its loose DraftSchema for a draft), and this
only turns the form into the API's body and the API's 422 field paths back into the form's fields.

The form's fields, per commitment of the plan (imported by intake: the page shows them, the form
never carries their titles back): `completion-<id>`, `narrative-<id>`, `evidence-<id>`; for the plan:
`cycle`, `civil_society_participation`; and `csrf_token` (the session's), `idempotency_key` (one
submission however often the button is pressed: intake answers a repeated key with the first
result), `action` (`save` or `submit`). Texts are in the page's language.
"""
import re
import secrets
import uuid

from services.web.form_posts import N_

PLAN_FIELDS = ("csrf_token", "idempotency_key", "action", "cycle", "civil_society_participation")
PER_COMMITMENT = ("completion", "narrative", "evidence")
IDEMPOTENCY_KEY = re.compile(r"[A-Za-z0-9_-]{22,64}\Z")

MESSAGES = {
    "cycle": N_("Give the action plan's cycle as two years, such as 2023-2025: it starts in 2011 or later and lasts 1 to 4 years."),
    "completion": N_("Choose the commitment's level of completion."),
    "narrative": N_("This narrative cannot be kept: write at most 20,000 characters, without control characters."),
    "evidence": N_("Give the evidence as a full link starting with https:// or http://."),
    "civil_society_participation": N_("This report cannot be kept: write at most 20,000 characters, without control characters."),
    "form": N_("The self-assessment was not accepted: check it and send it again."),
    "key_reused": N_("This form was already submitted with other answers. Open the form again to submit a new version."),
}

# --- evidence files, uploaded per commitment (POST .../self-assessment/evidence/<commitment id>) -------
# What the form says before a file is sent (the `accept` attribute, evidence-upload.js) is a courtesy:
# intake judges the content (services/intake/domain/evidence.py) and its refusal is what is shown.
ACCEPT = (".pdf,.odt,.docx,.xlsx,.csv,.png,.jpg,.jpeg,application/pdf,application/vnd.oasis.opendocument.text,"
          "application/vnd.openxmlformats-officedocument.wordprocessingml.document,"
          "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet,text/csv,image/png,image/jpeg")
ACCEPTED_EXTENSIONS = ("pdf", "odt", "docx", "xlsx", "csv", "png", "jpg", "jpeg")
TYPE_NAMES = {"application/pdf": "PDF", "application/vnd.oasis.opendocument.text": "ODT",
              "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "DOCX",
              "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "XLSX",
              "text/csv": "CSV", "image/png": "PNG", "image/jpeg": "JPEG"}
MAX_FILES = 20  # per commitment, as intake's DraftSchema keeps them
UPLOAD_MESSAGES = {
    "no_file": N_("Choose a file to upload."),
    "too_large": N_("This file is larger than %(megabytes)s MB, the limit for an evidence file. Nothing was kept."),
    "type": N_("This file was refused: an evidence file is a PDF, ODT, DOCX, XLSX, CSV, PNG or JPEG file whose name matches its content. Nothing was kept."),
    "too_many": N_("This commitment already has as many files as it may hold."),
}


UPLOAD_TROUBLE = N_("The file could not be uploaded: reload the page and try again.")


def wants_json(accept: str | None) -> bool:
    """Whether the upload was sent by evidence-upload.js (it asks for JSON), not by the plain form."""
    return "application/json" in (accept or "")


def file_field(commitment_id: str) -> str:
    """The file input's id (and its error's key) for a commitment."""
    return field_name("file", commitment_id)


def megabytes(max_bytes: int) -> str:
    """The limit as the page says it: 20 MB for 20,971,520 bytes (MiB, as people count file sizes)."""
    value = max_bytes / (1024 * 1024)
    return str(int(value)) if value == int(value) else f"{value:.1f}"


def upload_refusal(status: int, body: dict) -> str | None:
    """The message key for intake's refusal of an evidence file (413: too large; 422 about the file: its
    type, judged by content, or an empty file), or None when the answer is no refusal of the file."""
    if status == 413:
        return "too_large"
    fields = ((body or {}).get("error") or {}).get("fields") or {}
    if status == 422 and "file" in fields:
        return "type"
    return None


def described_file(answer: dict) -> dict:
    """A file as a draft keeps it, from intake's 201 (file_id, filename, media_type, size)."""
    return {"file_id": answer["file_id"], "filename": (answer.get("filename") or "")[:255],
            "media_type": answer.get("media_type") or "", "size": int(answer.get("size") or 0)}


def with_file(state: dict, commitment_id: str, described: dict) -> dict:
    """The form's state with one more file for a commitment (one already listed is not listed twice)."""
    commitments = []
    for c in state["commitments"]:
        files = list(c.get("evidence_files") or [])
        if c["commitment_id"] == commitment_id and all(f.get("file_id") != described["file_id"] for f in files):
            files.append(described)
        commitments.append({**c, "evidence_files": files})
    return {**state, "commitments": commitments}


def without_file(state: dict, commitment_id: str, file_id: str) -> tuple:
    """(the form's state without one of a commitment's files, the file taken out), or (state, None) when that
    commitment lists no such file. The file itself stays with intake: a submitted version may name it."""
    removed, commitments = None, []
    for c in state["commitments"]:
        files = list(c.get("evidence_files") or [])
        if c["commitment_id"] == commitment_id and removed is None:
            removed = next((f for f in files if f.get("file_id") == file_id), None)
            files = [f for f in files if f is not removed]
        commitments.append({**c, "evidence_files": files})
    return ({**state, "commitments": commitments}, removed) if removed is not None else (state, None)


def key_used_for_another_body(refusal: dict | None) -> bool:
    """Whether intake refused a submission only because its idempotency key went with another body before. For
    the form that is a second press handled after the first one's submission took the draft, and with it the
    files the post does not carry: the first press's submission is the answer, not a refusal."""
    fields = ((refusal or {}).get("error") or {}).get("fields") or {}
    return set(fields) == {"Idempotency-Key"}


def files_of(state: dict, commitment_id: str) -> list:
    return next((c.get("evidence_files") or [] for c in state["commitments"] if c["commitment_id"] == commitment_id), [])


def kept_files(draft: dict | None) -> dict:
    """{commitment id: its uploaded files} from a draft (the form never posts them: they are kept by intake)."""
    return {c.get("commitment_id"): list(c.get("evidence_files") or []) for c in (draft or {}).get("commitments") or []}


def multipart_frame(filename: str, media_type: str, fields: dict | None = None) -> tuple:
    """(content type, the bytes before the file, the bytes after it) of a multipart/form-data body whose last
    part is `file`, after a text part for each of `fields` (names and values of this site's own): what the
    pages send intake's POST /api/v1/evidence (and its bulk import), the file's bytes streamed in between."""
    boundary = "irm-evidence-" + uuid.uuid4().hex
    safe_name = "".join(ch for ch in (filename or "evidence") if ch not in '"\\\r\n' and ch.isprintable()) or "evidence"
    safe_type = media_type if re.fullmatch(r"[\w.+-]+/[\w.+-]+", media_type or "") else "application/octet-stream"
    parts = "".join(f"--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
                    for name, value in (fields or {}).items())
    head = (f"{parts}--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{safe_name}\"\r\n"
            f"Content-Type: {safe_type}\r\n\r\n").encode("utf-8")
    tail = f"\r\n--{boundary}--\r\n".encode("ascii")
    return f"multipart/form-data; boundary={boundary}", head, tail


def new_idempotency_key() -> str:
    return secrets.token_urlsafe(24)


def usable_idempotency_key(value: str | None) -> str | None:
    return value if value and IDEMPOTENCY_KEY.match(value) else None


def field_name(kind: str, commitment_id: str) -> str:
    return f"{kind}-{commitment_id}"


def field_names(commitments: list) -> tuple:
    """Every field the form of this plan's commitments may post."""
    return PLAN_FIELDS + tuple(field_name(kind, c["commitment_id"]) for c in commitments for kind in PER_COMMITMENT)


def form_state(form: dict, commitments: list, language: str, files: dict | None = None) -> dict:
    """What the form says, in the draft's shape (intake's DraftSchema): as posted, nothing judged; with
    each commitment's uploaded files as the draft keeps them (`files`: kept_files), which the form never posts."""
    files = files or {}
    return {"language": language, "cycle": form["cycle"].strip(),
            "civil_society_participation": form["civil_society_participation"],
            "commitments": [{"commitment_id": c["commitment_id"],
                             "self_reported_completion": form[field_name("completion", c["commitment_id"])],
                             "narrative": form[field_name("narrative", c["commitment_id"])],
                             "evidence_url": form[field_name("evidence", c["commitment_id"])].strip(),
                             "evidence_files": files.get(c["commitment_id"], [])}
                            for c in commitments]}


def prefilled(commitments: list, draft: dict | None, cycle: str | None, language: str) -> dict:
    """The form's state when it is opened: the plan's commitments, with what the draft kept for each
    (a commitment the draft does not name starts blank; a draft's commitment no longer in the plan is left out)."""
    kept = {c.get("commitment_id"): c for c in (draft or {}).get("commitments") or []}
    return {"language": (draft or {}).get("language") or language,
            "cycle": (draft or {}).get("cycle") or cycle or "",
            "civil_society_participation": (draft or {}).get("civil_society_participation") or "",
            "commitments": [{"commitment_id": c["commitment_id"],
                             "self_reported_completion": kept.get(c["commitment_id"], {}).get("self_reported_completion") or "",
                             "narrative": kept.get(c["commitment_id"], {}).get("narrative") or "",
                             "evidence_url": kept.get(c["commitment_id"], {}).get("evidence_url") or "",
                             "evidence_files": list(kept.get(c["commitment_id"], {}).get("evidence_files") or [])}
                            for c in commitments]}


def _text(value: str, language: str):
    return {language: value} if value.strip() else None


def submission_body(state: dict, member: str, plan_number: int, commitments: list) -> dict:
    """POST /api/v1/self-assessments for the form's state: each imported commitment as intake holds it,
    with the government's completion, narrative and evidence link; an empty optional field is one not given."""
    language = state["language"]
    mine = {c["commitment_id"]: c for c in state["commitments"]}
    body = {"member": member, "action_plan": {"cycle": state["cycle"], "plan_number": plan_number}, "commitments": []}
    for c in commitments:
        own = mine.get(c["commitment_id"], {})
        item = {"commitment_id": c["commitment_id"], "number": c["number"], "title": c["title"],
                "self_reported_completion": own.get("self_reported_completion", ""),
                "evidence": ([{"url": own["evidence_url"]}] if own.get("evidence_url") else [])
                + [{"file_id": f["file_id"]} for f in own.get("evidence_files") or []]}
        for name in ("full_text", "lead_institution"):
            if c.get(name):
                item[name] = c[name]
        if c.get("supporting_institutions"):
            item["supporting_institutions"] = c["supporting_institutions"]
        if own.get("narrative", "").strip():
            item["narrative"] = {language: own["narrative"]}
        body["commitments"].append(item)
    report = _text(state["civil_society_participation"], language)
    if report:
        body["co_creation"] = {"civil_society_participation": report}
    return body


COMMITMENT_PATH = re.compile(r"commitments\[(\d+)\]\.?([a-z_]*)")


def form_field(api_path: str, commitments: list) -> str:
    """The form's field for a path of intake's field errors (`commitments[2].evidence[0].url`, `action_plan.cycle`, ...)."""
    if api_path.startswith(("action_plan", "cycle")):
        return "cycle"
    if api_path.startswith(("co_creation", "civil_society_participation")):
        return "civil_society_participation"
    match = COMMITMENT_PATH.match(api_path)
    if match and int(match.group(1)) < len(commitments):
        commitment_id = commitments[int(match.group(1))]["commitment_id"]
        kind = {"self_reported_completion": "completion", "narrative": "narrative", "evidence": "evidence",
                "evidence_url": "evidence", "evidence_files": "evidence"}.get(match.group(2))  # a submission's names, then a draft's
        if kind:
            return field_name(kind, commitment_id)
    return "form"


def field_errors(api_fields: dict, commitments: list) -> dict:
    """Intake's 422 field errors as {form field: [{"message": msgid, "params": {}}]}, one message a field."""
    errors = {}
    for path in api_fields:
        if path == "Idempotency-Key":
            errors["form"] = [{"message": MESSAGES["key_reused"], "params": {}}]
            continue
        field = form_field(path, commitments)
        kind = field if field in MESSAGES else field.split("-", 1)[0]
        errors.setdefault(field, [{"message": MESSAGES.get(kind, MESSAGES["form"]), "params": {}}])
    return errors
