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


def new_idempotency_key() -> str:
    return secrets.token_urlsafe(24)


def usable_idempotency_key(value: str | None) -> str | None:
    return value if value and IDEMPOTENCY_KEY.match(value) else None


def field_name(kind: str, commitment_id: str) -> str:
    return f"{kind}-{commitment_id}"


def field_names(commitments: list) -> tuple:
    """Every field the form of this plan's commitments may post."""
    return PLAN_FIELDS + tuple(field_name(kind, c["commitment_id"]) for c in commitments for kind in PER_COMMITMENT)


def form_state(form: dict, commitments: list, language: str) -> dict:
    """What the form says, in the draft's shape (intake's DraftSchema): as posted, nothing judged."""
    return {"language": language, "cycle": form["cycle"].strip(),
            "civil_society_participation": form["civil_society_participation"],
            "commitments": [{"commitment_id": c["commitment_id"],
                             "self_reported_completion": form[field_name("completion", c["commitment_id"])],
                             "narrative": form[field_name("narrative", c["commitment_id"])],
                             "evidence_url": form[field_name("evidence", c["commitment_id"])].strip()}
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
                             "evidence_url": kept.get(c["commitment_id"], {}).get("evidence_url") or ""}
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
                "evidence": [{"url": own["evidence_url"]}] if own.get("evidence_url") else []}
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
                "evidence_url": "evidence"}.get(match.group(2))  # a submission's names, then a draft's
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
