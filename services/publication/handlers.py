"""Publication's decisions: plain functions over a unit of work and plain values (see services/review/handlers.py)."""
from services.publication import documents, member_summaries, positions
from services.publication.domain import finding as finding_rules
from shared.clock import iso
from shared.contracts.events import FINDING_PUBLISHED, build_event
from shared.http import Conflict, NotFound
from shared.ids import new_id

SYSTEM = {"role": "system", "id": "publication"}


def publish(uow, approved, correlation_id, now):
    """Publish the findings of a `review.approved` payload. A later approval of the same case is a
    correction: a new version, linked both ways to the one it supersedes, whose content stays as it was."""
    content = finding_rules.render_finding(approved)
    finding_id = new_id("fnd")
    previous = uow.get_latest(documents.Finding, {"case_id": content["case_id"]}, "version")
    version = previous.version + 1 if previous else 1
    entry = uow.record(
        case_id=content["case_id"], action="finding.published", actor=SYSTEM,
        reason=f"Findings on {content['member']['code']}'s action plan {content['action_plan']['plan_number']} published"
               + (f" (version {version}, correcting {previous.finding_id})." if previous else "."),
        data={"finding_id": finding_id, "version": version, "supersedes": previous.finding_id if previous else None,
              "content_sha256": content["content_sha256"]},
        correlation_id=correlation_id,
    )
    published = documents.Finding(
        finding_id=finding_id, case_id=content["case_id"], version=version, member=content["member"],
        supersedes=previous.finding_id if previous else None, plan_assessment=content["plan_assessment"] or {},
        government_comments=content["government_comments"], public_comments=content["public_comments"],
        member_code=content["member"]["code"], cycle=content["action_plan"]["cycle"],
        plan_number=content["action_plan"]["plan_number"], languages=content["languages"],
        expert_id=content["expert_id"], reviewer_id=content["reviewer_id"], commitments=content["commitments"],
        summary=content["summary"], content_sha256=content["content_sha256"], published_at=iso(now),
        published_at_dt=now, audit_head={"seq": entry["seq"], "hash": entry["hash"]}, position=positions.next_position(uow),
    )
    # Counted before the insert: a first count of the stored findings (member_summaries.py) must not hold this one.
    member_summaries.record(uow, member_summaries.stored(published), member_summaries.stored(previous) if previous else None)
    uow.insert(published)
    if previous:
        uow.update(documents.Finding, {"_id": previous.finding_id}, {"$set": {"superseded_by": finding_id}})
    uow.emit(build_event(FINDING_PUBLISHED, {
        "finding_id": finding_id, "case_id": content["case_id"], "member_code": content["member"]["code"],
        "cycle": content["action_plan"]["cycle"], "published_at": iso(now), "status": "published",
    }, correlation_id=correlation_id, actor=SYSTEM))
    return finding_id


def withdraw(uow, principal, finding_id, reason, correlation_id, now):
    """Withdraw the latest version of a finding: a new version, marked withdrawn, with the reason."""
    current = uow.get(documents.Finding, {"_id": finding_id})
    if current is None:
        raise NotFound(f"No finding {finding_id}.")
    if current.superseded_by:
        raise Conflict(f"Version {current.version} is superseded by {current.superseded_by}: withdraw the latest version.")
    if current.status == "withdrawn":
        raise Conflict(f"{finding_id} is already withdrawn.")
    withdrawn_id = new_id("fnd")
    entry = uow.record(case_id=current.case_id, action="finding.withdrawn", actor=principal.as_actor(),
                       reason=f"Withdrawn: {reason}",
                       data={"finding_id": withdrawn_id, "version": current.version + 1, "supersedes": finding_id},
                       correlation_id=correlation_id)
    withdrawn = documents.Finding(**{**{name: current[name] for name in current._fields if name != "finding_id"},
                                     "finding_id": withdrawn_id, "version": current.version + 1, "status": "withdrawn",
                                     "withdrawn_reason": reason, "supersedes": finding_id, "superseded_by": None,
                                     "published_at": iso(now), "published_at_dt": now,
                                     "audit_head": {"seq": entry["seq"], "hash": entry["hash"]},
                                     "position": positions.next_position(uow)})
    member_summaries.record(uow, member_summaries.stored(withdrawn), member_summaries.stored(current))
    uow.insert(withdrawn)
    uow.update(documents.Finding, {"_id": finding_id}, {"$set": {"superseded_by": withdrawn_id}})
    uow.emit(build_event(FINDING_PUBLISHED, {
        "finding_id": withdrawn_id, "case_id": current.case_id, "member_code": current.member_code,
        "cycle": current.cycle, "published_at": iso(now), "status": "withdrawn",
    }, correlation_id=correlation_id, actor=principal.as_actor()))
    return withdrawn
