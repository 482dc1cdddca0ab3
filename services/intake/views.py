"""How intake shows what it holds."""
from urllib.parse import quote

from shared.clock import iso


def created(self_assessment_id, case_id, correlation_id) -> dict:
    return {"id": self_assessment_id, "case_id": case_id, "status": "submitted",
            "status_url": f"/api/v1/self-assessments/{self_assessment_id}",
            "audit_url": f"/api/v1/cases/{case_id}/audit", "correlation_id": correlation_id}


def version_item(record) -> dict:
    return {"id": record.id, "url": f"/api/v1/self-assessments/{record.id}", "member": record.member_code,
            "cycle": record.cycle, "plan_number": record.plan_number, "version": record.version, "case_id": record.case_id,
            "case_status": record.case_status, "submitted_at": iso(record.submitted_at)}


def self_assessment_view(record) -> dict:
    return {
        "id": record.id, "case_id": record.case_id, "member": record.member_code,
        "action_plan": {"cycle": record.cycle, "plan_number": record.plan_number},
        "version": record.version, "previous_version_id": record.previous_version_id,
        "previous_version_url": f"/api/v1/self-assessments/{record.previous_version_id}" if record.previous_version_id else None,
        "changes": record.changes, "languages": record.languages, "commitments": record.commitments,
        "co_creation": record.co_creation or None, "content_sha256": record.content_sha256,
        "submitted_by": record.submitted_by, "submitted_at": record.case_history[0]["at"],
        "case": {"status": record.case_status, "updated_at": record.case_status_at, "history": record.case_history,
                 "audit_url": f"/api/v1/cases/{record.case_id}/audit"},
    }


def plan_commitment(c) -> dict:
    return {"commitment_id": c.commitment_id, "number": c.number, "title": c.title, "full_text": c.full_text or None,
            "lead_institution": c.lead_institution, "supporting_institutions": c.supporting_institutions}


def import_report(report, member, plan_number) -> dict:
    return {"imported": report.imported,
            # the reason in English, and its code and values for a page to say it in its own language
            "rejected": [{"row": row, "commitment_id": commitment_id, "reason": str(reason),
                          "code": getattr(reason, "code", None), "params": getattr(reason, "params", {})}
                         for row, commitment_id, reason in report.rejected],
            "commitments_url": f"/api/v1/action-plans/{member}/{plan_number}/commitments"}


def content_disposition(name) -> str:
    """An ASCII fallback and the exact UTF-8 name (RFC 6266): Arabic file names survive."""
    name = "".join(ch for ch in (name or "evidence") if ch.isprintable() and ch not in '"\\/')[:200] or "evidence"
    fallback = name.encode("ascii", "replace").decode().replace("?", "_")
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name)}"


def draft_view(d) -> dict:
    return {"member": d.member_code, "plan_number": d.plan_number, "draft": d.body, "saved_at": iso(d.saved_at),
            "saved_by": d.saved_by}


def member_plans(member, counts, latest, versions, drafts) -> dict:
    """The government's overview: each plan (imported, submitted or drafted), newest first, with its case's stage."""
    plans = []
    for number in sorted(set(counts) | set(latest) | set(drafts), reverse=True):
        record, kept = latest.get(number), drafts.get(number)
        plans.append({
            "plan_number": number,
            "cycle": record.cycle if record else ((kept.body.get("cycle") or None) if kept else None),
            "commitments": counts.get(number, 0),
            "commitments_url": f"/api/v1/action-plans/{member.code}/{number}/commitments",
            "draft": {"saved_at": iso(kept.saved_at),
                      "url": f"/api/v1/action-plans/{member.code}/{number}/self-assessment-draft"} if kept else None,
            "versions": versions.get(number, 0),
            "latest": None if record is None else {
                "id": record.id, "url": f"/api/v1/self-assessments/{record.id}", "version": record.version,
                "case_id": record.case_id, "submitted_at": iso(record.submitted_at),
                "case": {"status": record.case_status, "updated_at": record.case_status_at,
                         "window_until": record.case_window_until, "audit_url": f"/api/v1/cases/{record.case_id}/audit"}},
        })
    # A member without a time zone in the registry: the pages state their times in UTC (and say so).
    return {"member": {**member.as_contract(), "time_zone": member.time_zone or None}, "plans": plans}


def member_item(member) -> dict:
    """A member of the registry as its contract says it (code, kind, names, region, time zone), and when it was added."""
    return {**member.as_contract(), "created_at": iso(member.created_at) if member.created_at else None}


def members_page(page: list, next_after: str | None) -> dict:
    """A page of the registry (queries.members): the members, and the next page's cursor."""
    return {"members": [member_item(m) for m in page], "next_after": next_after}
