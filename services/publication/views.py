"""How publication shows a finding, a checkpoint, a case's timeline."""
import base64

from shared.clock import iso

IMMUTABLE = {"Cache-Control": "public, max-age=31536000, immutable"}


def finding_view(finding, full=True) -> dict:
    view = {
        "id": finding.finding_id, "url": f"/api/v1/findings/{finding.finding_id}", "case_id": finding.case_id,
        "version": finding.version, "member": finding.member, "action_plan": {"cycle": finding.cycle, "plan_number": finding.plan_number},
        "languages": finding.languages, "summary": finding.summary, "published_at": finding.published_at,
        "audit_url": f"/api/v1/cases/{finding.case_id}/audit", "timeline_url": f"/api/v1/cases/{finding.case_id}/timeline",
        "status": finding.status, "withdrawn_reason": finding.withdrawn_reason,
        "supersedes": finding.supersedes, "superseded_by": finding.superseded_by,
    }
    if full:
        view.update({"expert_id": finding.expert_id, "reviewer_id": finding.reviewer_id, "commitments": finding.commitments,
                     "plan_assessment": finding.plan_assessment or None, "government_comments": finding.government_comments,
                     "public_comments": finding.public_comments,
                     "content_sha256": finding.content_sha256, "audit_head": finding.audit_head})
    return view


def next_page_query(query, cursor: str) -> dict:
    """The query parameters of the next page: the same filters and limit, and its cursor."""
    params = {k: v for k, v in query.items() if v not in (None, False) and k not in ("cursor", "limit")}
    params.update(limit=query["limit"], cursor=cursor)
    return params


def checkpoint_item(checkpoint) -> dict:
    return {"size": checkpoint.size, "root": b64(checkpoint.root), "signed_at": iso(checkpoint.signed_at),
            "note": checkpoint.note, "url": f"/api/v1/log/checkpoints/{checkpoint.size}"}


def timeline_event(entry, log_index) -> dict:
    """One decision of a case as the timeline shows it: who did what, when and why."""
    return {"log_index": log_index, "seq": entry["seq"], "when": entry["occurred_at"], "who": entry["actor"],
            "what": entry["action"], "why": entry["reason"], "details": entry["data"], "service": entry["service"],
            "entry_hash": entry["hash"], **{key: entry[key] for key in ("sealed", "withheld") if key in entry}}


def b64(digest: bytes) -> str:
    return base64.b64encode(digest).decode()
