"""What the government's pages show, from intake's answers: plain values for the templates (pure).
The words are msgids (`N_`), translated by the template in the page's language.

What the government must do next follows from the stage its case is in (intake's case status, which
follows every review stage event: services/intake/domain/case_status.py) and the moment that stage
waits until (the government's review window, the public comment period), shown in the member's
time zone when the registry has one, else in UTC, said so.
"""
from urllib.parse import quote

from services.web import government_forms, i18n, labels, views

N_ = labels.N_

STAGE_NAMES = {
    "submitted": N_("Submitted: waiting for an IRM expert"),
    "unassigned": N_("Waiting: no IRM expert is free yet"),
    "assigned": N_("Assigned to an IRM expert"),
    "in_review": N_("In review by the IRM expert"),
    "quality_review": N_("In quality review by the International Experts Panel"),
    "government_review": N_("Draft findings: your government's review"),
    "public_comment": N_("Draft findings: public comment"),
    "approved": N_("Approved for publication"),
    "published": N_("Published"),
    "withdrawn": N_("Withdrawn"),
}
NEXT_STEPS = {
    None: N_("Fill in the self-assessment of this plan and submit it."),
    "government_review": N_("Read the draft findings and send your comments on their factual accuracy."),
    "public_comment": N_("Nothing is required of you: anyone may comment on the draft findings."),
    "approved": N_("Nothing is required of you: the findings will be published."),
    "published": N_("Nothing is required of you: the findings are published."),
    "withdrawn": N_("Nothing is required of you: the findings were withdrawn."),
}
UNDER_REVIEW = N_("Nothing is required of you now: the IRM is reviewing. You will be asked for your comments on the draft findings.")
DEADLINE_LABELS = {
    "government_review": N_("Comments due by"),
    "public_comment": N_("Public comment closes"),
}


def plan_path(language: str, plan_number: int) -> str:
    return f"/{language}/government/plans/{int(plan_number)}/self-assessment"


def when(iso_moment: str | None, language: str, time_zone: str | None) -> dict | None:
    """A moment as the page shows it: in the member's zone when known, else UTC (the form names it)."""
    if not iso_moment:
        return None
    return {"iso": iso_moment, "text": i18n.moment_in(i18n.from_iso(iso_moment), language, time_zone)}


def plan_view(plan: dict, language: str, time_zone: str | None) -> dict:
    latest = plan.get("latest")
    status = latest["case"]["status"] if latest else None
    until = latest["case"].get("window_until") if latest else None
    return {
        "plan_number": plan["plan_number"], "cycle": plan.get("cycle"), "commitments": plan["commitments"],
        "versions": plan["versions"], "status": status, "stage": STAGE_NAMES.get(status, status) if status else None,
        "next_step": NEXT_STEPS.get(status, UNDER_REVIEW),
        "deadline_label": DEADLINE_LABELS.get(status) if until else None,
        "deadline": when(until, language, time_zone) if status in DEADLINE_LABELS else None,
        "stage_since": when(latest["case"]["updated_at"], language, time_zone) if latest else None,
        "version": latest["version"] if latest else None, "case_id": latest["case_id"] if latest else None,
        "timeline_href": f"/{language}/cases/{latest['case_id']}/timeline" if latest else None,
        "draft_saved": when(plan["draft"]["saved_at"], language, time_zone) if plan.get("draft") else None,
        # a plan with commitments may get a (new version of its) self-assessment at any stage
        "form_href": plan_path(language, plan["plan_number"]) if plan["commitments"] else None,
    }


def dashboard_page(overview: dict, language: str, submitted: str | None = None) -> dict:
    member = overview["member"]
    time_zone = member.get("time_zone")
    return {"member": views.member_view(member, language), "member_code": member["code"], "time_zone": time_zone,
            "plans": [plan_view(p, language, time_zone) for p in overview["plans"]], "submitted": submitted}


def completion_choices() -> list:
    """The IRM's completion levels (shared/irm.py, as the labels name them), in their order."""
    return [{"value": value, "name": name} for value, name in labels.VALUES["completion"].items()]


def upload_path(language: str, plan_number: int, commitment_id: str) -> str:
    return f"{plan_path(language, plan_number)}/evidence/{quote(commitment_id, safe='')}"


SIZE_UNITS = ((1024 * 1024, N_("%(size)s MB")), (1024, N_("%(size)s KB")))


def file_size(size: int, language: str) -> dict:
    """A file's size as the page says it: {"msgid", "size"} (the template translates), one decimal past 1 KB."""
    for unit, msgid in SIZE_UNITS:
        if size >= unit:
            return {"msgid": msgid, "size": i18n.decimal(size / unit, language)}
    return {"msgid": N_("%(size)s bytes"), "size": i18n.number(size, language)}


def file_view(described: dict, language: str) -> dict:
    """An uploaded file as listed under its commitment: its name, size and type."""
    media_type = described.get("media_type") or ""
    return {"file_id": described.get("file_id"), "filename": described.get("filename") or "",
            "size": file_size(int(described.get("size") or 0), language),
            "type": government_forms.TYPE_NAMES.get(media_type, media_type)}


def form_page(member: dict, plan_number: int, commitments: list, state: dict, language: str, csrf_token: str,
              idempotency_key: str, errors: dict | None = None, notice: str | None = None, draft_saved: dict | None = None,
              max_bytes: int = 0, uploaded: str | None = None) -> dict:
    """The self-assessment form: each imported commitment (title and text in the page's language when the
    plan has it, else the original with its lang) beside the government's answers for it."""
    mine = {c["commitment_id"]: c for c in state["commitments"]}
    rows = []
    for c in commitments:
        cid = c["commitment_id"]
        rows.append({"commitment_id": cid, "number": c["number"], "title": views.localized(c["title"], language),
                     "full_text": views.localized(c.get("full_text"), language),
                     "lead_institution": c.get("lead_institution"),
                     "fields": {kind: government_forms.field_name(kind, cid) for kind in government_forms.PER_COMMITMENT},
                     "values": mine.get(cid, {}), "file_field": government_forms.file_field(cid),
                     "upload_href": upload_path(language, plan_number, cid),
                     "files": [file_view(f, language) for f in mine.get(cid, {}).get("evidence_files") or []],
                     "uploaded": uploaded == cid})
    return {"member": views.member_view(member, language), "member_code": member["code"], "plan_number": plan_number,
            "commitments": rows, "state": state, "csrf_token": csrf_token, "idempotency_key": idempotency_key,
            "errors": errors or {}, "notice": notice, "draft_saved": draft_saved, "completion_choices": completion_choices(),
            "text_language": state.get("language") or language,
            "upload": {"accept": government_forms.ACCEPT, "extensions": " ".join(government_forms.ACCEPTED_EXTENSIONS),
                       "max_bytes": max_bytes, "megabytes": government_forms.megabytes(max_bytes),
                       "messages": government_forms.UPLOAD_MESSAGES}}
