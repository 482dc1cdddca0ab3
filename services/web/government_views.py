"""What the government's pages show, from intake's answers: plain values for the templates (pure).
The words are msgids (`N_`), translated by the template in the page's language.

What the government must do next follows from the stage its case is in (intake's case status, which
follows every review stage event: services/intake/domain/case_status.py) and the moment that stage
waits until (the government's review window, the public comment period), shown in the member's
time zone when the registry has one, else in UTC, said so.
"""
from urllib.parse import quote

from services.web import government_comment_form, government_forms, i18n, labels, views

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


# The stage in which the draft findings await the government's comments: the dashboard links to them then.
DRAFT_REVIEW_STAGE = "government_review"


def draft_review_path(language: str, case_id: str) -> str:
    return f"/{language}/government/cases/{quote(case_id, safe='')}/draft"


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
        "draft_href": draft_review_path(language, latest["case_id"]) if status == DRAFT_REVIEW_STAGE else None,
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


def remove_path(language: str, plan_number: int, commitment_id: str) -> str:
    """Where a commitment's listed file is taken out of the draft (the file's id in the form)."""
    return upload_path(language, plan_number, commitment_id) + "/remove"


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
              max_bytes: int = 0, uploaded: str | None = None, removed: str | None = None) -> dict:
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
                     "remove_href": remove_path(language, plan_number, cid),
                     "files": [file_view(f, language) for f in mine.get(cid, {}).get("evidence_files") or []],
                     "uploaded": uploaded == cid, "removed": removed == cid})
    return {"member": views.member_view(member, language), "member_code": member["code"], "plan_number": plan_number,
            "commitments": rows, "state": state, "csrf_token": csrf_token, "idempotency_key": idempotency_key,
            "errors": errors or {}, "notice": notice, "draft_saved": draft_saved, "completion_choices": completion_choices(),
            "text_language": state.get("language") or language,
            "upload": {"accept": government_forms.ACCEPT, "extensions": " ".join(government_forms.ACCEPTED_EXTENSIONS),
                       "max_bytes": max_bytes, "megabytes": government_forms.megabytes(max_bytes),
                       "messages": government_forms.UPLOAD_MESSAGES}}


# --- the draft findings under the government's review (government_comment_pages.py) ---------------------------
def member_case(overview: dict, case_id: str) -> dict | None:
    """The case of this member's plans (intake's overview: each plan's latest submission) with this id, as
    {"case_id", "status", "plan_number", "cycle"}; None when it is not the member's."""
    for plan in overview.get("plans") or []:
        latest = plan.get("latest") or {}
        if latest.get("case_id") == case_id:
            return {"case_id": case_id, "status": (latest.get("case") or {}).get("status"),
                    "plan_number": plan["plan_number"], "cycle": plan.get("cycle") or latest.get("cycle")}
    return None


def government_comment_view(comment: dict, language: str, time_zone: str | None) -> dict:
    """A government comment with the expert's answer (or none yet), each dated in the member's zone."""
    answer = comment.get("response") or None
    return {"id": comment.get("comment_id"), "text": views.localized(comment.get("text"), language),
            "at": when(comment.get("at"), language, time_zone),
            "answer": answer and {"text": views.localized(answer.get("text"), language),
                                  "at": when(answer.get("at"), language, time_zone)}}


def _comment_form(key: str, commitment_id: str, posted: dict | None, errors: dict | None, language: str) -> dict:
    own = (posted or {}).get("key") == key
    shown = {field: views.message_view(message, language) for field, message in (errors or {}).items()} if own else {}
    return {"key": key, "commitment_id": commitment_id, "text": (posted or {}).get("text", "") if own else "",
            "errors": {"text": shown.get("text"), "form": shown.get("form")}}


def draft_review_page(draft: dict, member: dict, language: str, csrf_token: str, recorded: str | None = None,
                      posted: dict | None = None, errors: dict | None = None) -> dict:
    """The draft findings as the government reviews them (review's GET .../draft): per commitment its draft
    ratings and justifications, the government's comments on it with the expert's answers, and while review
    says this PoC may comment (`comments_open`) a comment form; the same for the draft as a whole. The
    window's end and every moment in the member's time zone (`member`: intake's, the registry's), else UTC.
    `recorded`: the key of the form whose comment was just recorded; `posted` ({"key", "text"}) and `errors`:
    the form review refused, shown again with its message next to its field."""
    time_zone = member.get("time_zone")

    def text(value):
        return views.localized(value, language)

    commitments = draft.get("commitments") or []
    comments = draft.get("government_comments") or []
    known = {c["commitment_id"] for c in commitments}
    rows = []
    for index, commitment in enumerate(commitments, start=1):
        key = f"c{index}"
        rows.append({**views.commitment_view(commitment, text), "key": key,
                     "comments": [government_comment_view(c, language, time_zone) for c in comments
                                  if c.get("commitment_id") == commitment["commitment_id"]],
                     "form": _comment_form(key, commitment["commitment_id"], posted, errors, language)})
    general = government_comment_form.GENERAL
    return {
        "case_id": draft["case_id"], "member": views.member_view(member, language), "member_code": member["code"],
        "cycle": (draft.get("action_plan") or {}).get("cycle"), "plan_number": (draft.get("action_plan") or {}).get("plan_number"),
        "case_status": draft.get("status"), "stage": STAGE_NAMES.get(draft.get("status")),
        "time_zone": time_zone, "window_until": when(draft.get("government_review_until"), language, time_zone),
        "comments_open": bool(draft.get("comments_open")), "comment_max_characters": draft.get("comment_max_characters"),
        "commitments": rows, **views.plan_view(draft.get("plan_assessment"), text),
        "general": {"comments": [government_comment_view(c, language, time_zone) for c in comments
                                 if c.get("commitment_id") not in known],
                    "form": _comment_form(general, "", posted, errors, language)},
        "csrf_token": csrf_token, "recorded": recorded, "has_errors": bool(errors),
        # a refusal of the whole comment once review shows no form (its window closed meanwhile): said above the draft
        "refusal": views.message_view(errors["form"], language) if errors and errors.get("form") and not draft.get("comments_open") else None,
        "action": draft_review_path(language, draft["case_id"]) + "/comments",
        "dashboard_href": f"/{language}/government", "timeline_href": f"/{language}/cases/{quote(draft['case_id'], safe='')}/timeline",
    }


def draft_not_open_page(case: dict, member: dict, language: str) -> dict:
    """The member's case whose draft review does not hold for the government (review has no draft for it to show):
    its stage, said so, and no form."""
    return {"case_id": case["case_id"], "member": views.member_view(member, language), "member_code": member["code"],
            "case_status": case["status"], "stage": STAGE_NAMES.get(case["status"], case["status"]) if case["status"] else None,
            "cycle": case.get("cycle"), "plan_number": case.get("plan_number"), "time_zone": member.get("time_zone"),
            "dashboard_href": f"/{language}/government"}
