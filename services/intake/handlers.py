"""Intake's decisions: plain functions over a unit of work and plain values (see services/review/handlers.py)."""
from services.intake import documents
from services.intake.domain import case_status, submission
from shared.contracts.events import SELF_ASSESSMENT_SUBMITTED, build_event

# The event's fields `body` brings, which SelfAssessmentSchema has loaded through the same schemas the
# event's contract nests (ActionPlanSchema, CommitmentSchema, CoCreationSchema): build_event need not check them again.
SUBMISSION_CHECKED = ("action_plan", "commitments", "co_creation")


def submit_self_assessment(uow, principal, body, member, *, self_assessment_id, case_id, idempotency_key,
                           request_fingerprint, correlation_id, now):
    """Store a self-assessment as the next version of its plan's, record it and announce it to review.

    `body` is SelfAssessmentSchema-valid with its files attached (domain/submission.py:
    attach_files); `member` the stored Member it is for. With an idempotency key, the key is
    written first, so a concurrent retry with the same key fails here (DuplicateKeyError)."""
    if idempotency_key:
        uow.insert(documents.IdempotencyKey(key=idempotency_key, self_assessment_id=self_assessment_id,
                                            body_sha256=request_fingerprint, created_at=now))
    plan = body["action_plan"]
    languages = submission.submission_languages(body)
    fingerprint = submission.content_sha256(body)
    previous = uow.get_latest(documents.SelfAssessment, {"member_code": member.code, "cycle": plan["cycle"],
                                                        "plan_number": plan["plan_number"]}, "version")
    version = previous.version + 1 if previous else 1
    changes = submission.changes_since(
        {"commitments": previous.commitments, "co_creation": previous.co_creation} if previous else None, body)
    event = build_event(
        SELF_ASSESSMENT_SUBMITTED,
        submission.submitted_payload(self_assessment_id=self_assessment_id, case_id=case_id, member=member.as_contract(),
                                     body=body, languages=languages, version=version),
        correlation_id=correlation_id, actor=principal.as_actor(),
        checked=SUBMISSION_CHECKED,
    )
    uow.insert(documents.SelfAssessment(
        id=self_assessment_id, case_id=case_id, member_code=member.code, cycle=plan["cycle"],
        plan_number=plan["plan_number"], languages=languages, commitments=body["commitments"],
        co_creation=body.get("co_creation") or {}, content_sha256=fingerprint, version=version,
        previous_version_id=previous.id if previous else None, changes=changes,
        submitted_by=principal.subject, submitted_at=now, correlation_id=correlation_id,
        case_status="submitted", case_status_at=event.occurred_at,
        case_history=[{"status": "submitted", "at": event.occurred_at, "event_id": event.event_id}],
    ))
    uow.new_case(case_id)  # its audit chain starts here: nothing to read before the first entry
    uow.record(
        case_id=case_id, action="self_assessment.submitted", actor=principal.as_actor(),
        reason=f"{member.code} submitted version {version} of its self-assessment of action plan "
               f"{plan['plan_number']} ({plan['cycle']}).",
        data={"self_assessment_id": self_assessment_id, "member": member.code, "cycle": plan["cycle"],
              "plan_number": plan["plan_number"], "version": version,
              "previous_version_id": previous.id if previous else None, "changes": changes,
              "commitments": len(body["commitments"]), "languages": languages, "content_sha256": fingerprint,
              "evidence_sha256": sorted(e["sha256"] for c in body["commitments"] for e in c["evidence"] if e.get("sha256"))},
        correlation_id=correlation_id,
    )
    uow.emit(event)
    # The plan's draft was this submission's working copy: it is done with.
    uow.delete(documents.SelfAssessmentDraft, {"_id": submission.draft_id(member.code, plan["plan_number"])})
    return version


def follow_case_status(uow, event):
    """Another service moved the case (a review stage, a publication): show it on the self-assessment,
    unless the event is older than what is shown (out-of-order delivery)."""
    # Only what the status needs: the self-assessment itself is ~29 KB the database would send and the ODM load.
    record = uow.get(documents.SelfAssessment, {"case_id": event.payload["case_id"]}, fields=("case_status_at",))
    if record is None:
        raise LookupError(f"no self-assessment for case {event.payload['case_id']}")
    status = case_status.status_update(record.case_status_at, event.event_type, event.occurred_at, event.payload)
    if status is None:
        return None
    uow.update(documents.SelfAssessment, {"_id": record.id}, {
        "$set": {"case_status": status, "case_status_at": event.occurred_at,
                 "case_window_until": case_status.window_until(event.event_type, event.payload)},
        "$push": {"case_history": {"status": status, "at": event.occurred_at, "event_id": event.event_id}},
    })
    return status


def save_draft(uow, principal, member_code, plan_number, body, now):
    """Keep the plan's draft as given (DraftSchema-valid), replacing the one kept before; no audit entry:
    a draft decides nothing and is nobody's record until it is submitted."""
    key = submission.draft_id(member_code, plan_number)
    changes = {"body": body, "saved_by": principal.subject, "saved_at": now}
    if uow.get(documents.SelfAssessmentDraft, {"_id": key}) is None:
        uow.insert(documents.SelfAssessmentDraft(id=key, member_code=member_code, plan_number=plan_number, **changes))
    else:
        uow.update(documents.SelfAssessmentDraft, {"_id": key}, {"$set": changes})
    return key
