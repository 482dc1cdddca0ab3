"""Review's decisions: plain functions over a unit of work and plain values.

Each takes the unit of work (`uow`: get, find, insert, update, increment, record, emit; see
shared/persistence/unit_of_work.py), the caller and the request's values, decides with the
rules of domain/, and writes the state change, its audit entry and its event through `uow`,
so they commit together. Nothing here knows nameko, HTTP requests or how the unit of work
stores things; an entrypoint in service.py parses, authorizes the role, calls one of these
in `store.run`, and answers. The unit tests drive them with an in-memory unit of work.
"""
from services.review import documents, queries, views
from services.review.domain import assignment, deadlines, limits, rubric, windows, workflow
from shared import access
from shared.auth import Forbidden
from shared.clock import aware, iso, utcnow
from shared.contracts.events import (
    REVIEW_ACCEPTED, REVIEW_APPROVED, REVIEW_ASSIGNED, REVIEW_CORRECTION_OPENED, REVIEW_DEADLINE_MISSED,
    REVIEW_PUBLIC_COMMENT_OPENED, REVIEW_QUALITY_APPROVED, REVIEW_REMINDED, REVIEW_RETURNED, REVIEW_SUBMITTED, REVIEW_UNASSIGNED, build_event,
)
from shared.http import Conflict, NotFound, Unprocessable
from shared.ids import new_id
from shared.logging import bind

SYSTEM = {"role": "system", "id": "review"}
PUBLIC = {"role": "public", "id": "anonymous"}


# --- opening and (re)assigning a case --------------------------------------------------------
def open_case(uow, payload, correlation_id, timing, now):
    """A self-assessment was submitted: open its case and assign an expert in the same step.

    The case is stored once, already assigned (or waiting): storing its ~29 KB and then changing it
    in the same transaction cost the database twice as much. It is stored as version 2, as if stored
    and then changed, which is what the version counts."""
    case = documents.Case(
        case_id=payload["case_id"], self_assessment_id=payload["self_assessment_id"], member=payload["member"],
        action_plan=payload["action_plan"], languages=payload["languages"], commitments=payload["commitments"],
        co_creation_report=payload.get("co_creation") or {}, status="submitted", ratings={},
        correlation_id=correlation_id, opened_at=now, updated_at=now,
    )
    assign(uow, case, timing, reason_prefix="", unsaved=True)
    return case


def assign(uow, case, timing, reason_prefix, unsaved=False) -> bool:
    """Choose an expert for a case that needs one (submitted, declined or unassigned); False when nobody can take it.
    `unsaved`: the case was opened in this unit of work and is not stored yet (save_case stores it)."""
    experts = [assignment.profile_of_stored(raw) for raw in uow.read(documents.Expert, {}, assignment.STORED_FIELDS)]
    decision = assignment.choose_expert(
        case.case_id, case.member["code"], case.languages, experts,
        region=case.member.get("region"), excluded=tuple(case.excluded_experts or ()),
    )
    now = utcnow()
    candidates = decision.candidates_as_dicts()
    if decision.expert_id is None:
        if case.status == "unassigned":
            return False  # still nobody: stay waiting, no new record
        status = workflow.next_state(case.status, "wait", "system")
        save_case(uow, case, {"status": status, "expert_id": None, "deadline_at": None, "stage_started_at": now,
                              "assignment": {"reason": decision.reason, "candidates": candidates}}, unsaved=unsaved)
        uow.record(case_id=case.case_id, action="review.unassigned", actor=SYSTEM, reason=reason_prefix + decision.reason,
                   data={"candidates": candidates}, correlation_id=case.correlation_id)
        uow.emit(build_event(REVIEW_UNASSIGNED, {"case_id": case.case_id, "member_code": case.member["code"],
                                                 "reason": reason_prefix + decision.reason},
                             correlation_id=case.correlation_id, actor=SYSTEM))
        return False
    status = workflow.next_state(case.status, "assign", "system")
    chosen = next(e for e in experts if e.expert_id == decision.expert_id)
    if not take_capacity(uow, chosen):
        raise RuntimeError(f"expert {chosen.expert_id} changed during assignment")  # retried whole
    accept_by = deadlines.deadline(status, now, timing)
    save_case(uow, case, {"status": status, "expert_id": chosen.expert_id, "stage_started_at": now,
                          "deadline_at": accept_by, "reminded_at": None,
                          "assignment": {"reason": decision.reason, "candidates": candidates}}, unsaved=unsaved)
    action = "review.reassigned" if case.excluded_experts else "review.assigned"
    uow.record(case_id=case.case_id, action=action, actor=SYSTEM, reason=reason_prefix + decision.reason,
               data={"expert_id": chosen.expert_id, "candidates": candidates}, correlation_id=case.correlation_id)
    uow.emit(build_event(REVIEW_ASSIGNED, {
        "case_id": case.case_id, "member_code": case.member["code"], "expert_id": chosen.expert_id,
        "reason": decision.reason, "candidates": candidates, "accept_deadline_at": iso(accept_by) if accept_by else None,
    }, correlation_id=case.correlation_id, actor=SYSTEM))
    return True


def assign_if_waiting(uow, case, timing, reason_prefix):
    """A waiting case, retried (the registry may have changed): assign it if it still waits."""
    if case is not None and case.status == "unassigned":
        assign(uow, case, timing, reason_prefix)


def release(uow, case, action, actor, reason, timing, conflict=False):
    """The expert gives the case back (declined, or missed a deadline): free their capacity,
    never offer them this case again, and find another expert in the same step."""
    expert_id, stage, deadline_at = case.expert_id, case.status, aware(case.deadline_at)
    status = workflow.next_state(case.status, action, actor["role"])
    release_capacity(uow, expert_id)
    if conflict:  # a discovered conflict of interest is remembered for every future case
        uow.update(documents.Expert, {"_id": expert_id}, {"$addToSet": {"affiliations": case.member["code"]}})
    excluded = list(case.excluded_experts or []) + [expert_id]
    save_case(uow, case, {"status": status, "excluded_experts": excluded, "expert_id": None})
    uow.record(case_id=case.case_id, action=f"review.{'declined' if action == 'decline' else 'deadline_missed'}",
               actor=actor, reason=reason, data={"expert_id": expert_id, "conflict_of_interest": conflict},
               correlation_id=case.correlation_id)
    if action == "miss_deadline":  # the expert hears of it (the mail service): the case is no longer theirs
        uow.emit(stage_event(REVIEW_DEADLINE_MISSED, case, actor, expert_id=expert_id, stage=stage,
                             deadline_at=iso(deadline_at)))
    case.status, case.excluded_experts = status, excluded
    assign(uow, case, timing,
           reason_prefix=f"Reassigned after {expert_id} {'declined' if action == 'decline' else 'missed the deadline'}: ")


def expire(uow, case, timing, now):
    """The deadline watch found the case late: checked again inside the transaction (the expert may have just submitted)."""
    if case.status in workflow.EXPERT_STAGES and deadlines.missed(aware(case.deadline_at), now):
        release(uow, case, "miss_deadline", SYSTEM,
                f"{case.expert_id} missed the {case.status} deadline of {iso(aware(case.deadline_at))}.", timing)


def remind(uow, case, now) -> bool:
    """Record the reminder an expert gets before a deadline; False when there is nothing to remind."""
    deadline_at = aware(case.deadline_at)
    if case.status not in workflow.EXPERT_STAGES or case.reminded_at is not None or deadline_at is None:
        return False
    save_case(uow, case, {"reminded_at": now})
    uow.record(case_id=case.case_id, action="review.reminder_sent", actor=SYSTEM,
               reason=f"{case.expert_id} reminded that the {case.status} stage ends at {iso(deadline_at)}.",
               data={"expert_id": case.expert_id, "deadline_at": iso(deadline_at)}, correlation_id=case.correlation_id)
    uow.emit(stage_event(REVIEW_REMINDED, case, SYSTEM, stage=case.status, deadline_at=iso(deadline_at)))
    return True


# --- the expert registry ----------------------------------------------------------------------
def save_expert(uow, body, create, now):
    """Add (create) or change an expert from an ExpertSchema-valid body (the API's and irmctl's)."""
    existing = uow.get(documents.Expert, {"_id": body["expert_id"]})
    if create and existing:
        raise Conflict(f"Expert {body['expert_id']} exists; PUT /api/v1/experts/{body['expert_id']} changes it.")
    if not create and not existing:
        raise NotFound(f"No expert {body['expert_id']}.")
    changes = {key: body[key] for key in ("name", "languages", "affiliations", "expertise", "capacity", "available")}
    if existing:
        uow.update(documents.Expert, {"_id": body["expert_id"]}, {"$set": changes})
    else:
        uow.insert(documents.Expert(expert_id=body["expert_id"], created_at=now, active_cases=0, **changes))
    return uow.get(documents.Expert, {"_id": body["expert_id"]})


# --- the expert's work ------------------------------------------------------------------------
def accept(uow, principal, case_id, timing, now):
    case = case_for(uow, case_id, principal, "expert_work")
    status = transition(case, "accept", principal.role)
    require_open(case, "accept", now)
    deadline_at = deadlines.deadline(status, now, timing)
    save_case(uow, case, {"status": status, "stage_started_at": now, "deadline_at": deadline_at, "reminded_at": None})
    uow.record(case_id=case_id, action="review.accepted", actor=principal.as_actor(),
               reason=f"{principal.subject} accepted the case; the draft is due {iso(deadline_at)}.",
               data={"deadline_at": iso(deadline_at)}, correlation_id=case.correlation_id)
    uow.emit(stage_event(REVIEW_ACCEPTED, case, principal.as_actor(), deadline_at=iso(deadline_at)))
    return deadline_at


def decline(uow, principal, case_id, reason, conflict_of_interest, timing, affiliation=None):
    case = case_for(uow, case_id, principal, "expert_work")
    transition(case, "decline", principal.role)  # 409 outside the expert's stages, before anything changes
    why = f"{principal.subject} declined: {reason}"
    if conflict_of_interest and affiliation:
        why += f" (conflict of interest: {affiliation.strip()})"
    release(uow, case, "decline", principal.as_actor(), why, timing, conflict=conflict_of_interest)


def save_ratings(uow, principal, case_id, commitment_id, ratings, expected_version, now) -> int:
    """One commitment's ratings (CommitmentRatingsSchema-valid), over the version the expert edited; the new version."""
    case = case_for(uow, case_id, principal, "expert_work")
    if commitment_id not in {c["commitment_id"] for c in case.commitments}:
        raise NotFound(f"Case {case_id} has no commitment {commitment_id}.")
    transition(case, "save_rating", principal.role)
    require_open(case, "save_rating", now)
    changes = rubric.changes(case.ratings.get(commitment_id), ratings)
    save_case(uow, case, {f"ratings.{commitment_id}": ratings}, expected_version=expected_version)
    uow.record(case_id=case_id, action="rating.saved", actor=principal.as_actor(),
               reason=f"Ratings of commitment {commitment_id} saved.",
               data={"commitment_id": commitment_id, "indicators_changed": sorted(changes)},
               sealed={"changes": changes, "ratings": ratings}, correlation_id=case.correlation_id)
    return expected_version + 1


def save_plan_assessment(uow, principal, case_id, assessment, expected_version, now) -> int:
    case = case_for(uow, case_id, principal, "expert_work")
    transition(case, "save_rating", principal.role)
    require_open(case, "save_rating", now)
    merged = {**(case.plan_assessment or {}), **{k: v for k, v in assessment.items() if v is not None}}
    save_case(uow, case, {"plan_assessment": merged}, expected_version=expected_version)
    uow.record(case_id=case_id, action="plan_assessment.saved", actor=principal.as_actor(),
               reason="The assessment of the plan's co-creation and process was saved.",
               data={}, sealed={"plan_assessment": merged}, correlation_id=case.correlation_id)
    return expected_version + 1


def submit(uow, principal, case_id, now):
    case = case_for(uow, case_id, principal, "expert_work")
    status = transition(case, "submit", principal.role)
    require_open(case, "submit", now)
    missing = rubric.missing(case.commitments, case.ratings, case.plan_assessment)
    if missing:
        raise Unprocessable("Ratings are missing; the draft was not submitted.", {"ratings": missing})
    save_case(uow, case, {"status": status, "deadline_at": None, "stage_started_at": now})
    uow.record(case_id=case_id, action="review.submitted", actor=principal.as_actor(),
               reason="The expert submitted the draft findings for quality review.",
               data={"version": case.version}, correlation_id=case.correlation_id)
    uow.emit(build_event(REVIEW_SUBMITTED, {"case_id": case_id, "member_code": case.member["code"], "expert_id": case.expert_id},
                         correlation_id=case.correlation_id, actor=principal.as_actor()))


# --- quality review ---------------------------------------------------------------------------
def quality_decision(uow, principal, case_id, decision, comments, timing, now) -> str:
    """Approve (to government review) or return with comments; a reviewer never decides on their own work (shared/access.py)."""
    case = case_for(uow, case_id, principal, "quality_decision")
    status = transition(case, decision, principal.role)
    stamped = [{**c, "reviewer_id": principal.subject, "at": iso(now)} for c in comments]
    actor = principal.as_actor()
    if decision == "return":
        save_case(uow, case, {"status": status, "reviewer_id": principal.subject, "stage_started_at": now,
                              "deadline_at": deadlines.deadline(status, now, timing), "reminded_at": None},
                  push={"quality_comments": stamped})
        uow.record(case_id=case_id, action="review.returned", actor=actor,
                   reason="Returned to the expert with comments.", data=comments_summary(comments),
                   sealed={"comments": comments}, correlation_id=case.correlation_id)
        uow.emit(build_event(REVIEW_RETURNED, {
            "case_id": case_id, "member_code": case.member["code"], "expert_id": case.expert_id,
            "reviewer_id": principal.subject, "comments": comments,
        }, correlation_id=case.correlation_id, actor=actor))
        return status
    window_ends = deadlines.government_review_until(now, timing)
    save_case(uow, case, {"status": status, "reviewer_id": principal.subject, "stage_started_at": now,
                          "government_review_until": window_ends}, push={"quality_comments": stamped})
    uow.record(case_id=case_id, action="review.quality_approved", actor=actor,
               reason=f"Quality review approved the draft; the government may comment until {iso(window_ends)}.",
               data={**comments_summary(comments), "government_review_until": iso(window_ends)},
               sealed={"comments": comments}, correlation_id=case.correlation_id)
    uow.emit(stage_event(REVIEW_QUALITY_APPROVED, case, actor, reviewer_id=principal.subject,
                         government_review_until=iso(window_ends)))
    return status


# --- government pre-publication review and public comment --------------------------------------
def government_comment(uow, principal, case_id, body, cap, now) -> dict:
    case = case_for(uow, case_id, principal, "comment_government")
    transition(case, "comment_government", principal.role)
    require_open(case, "comment_government", now)
    require_commitment(case, body["commitment_id"])
    comment = {"comment_id": new_id("gc"), "commitment_id": body["commitment_id"], "text": body["text"],
               "author_id": principal.subject, "at": iso(now), "response": None}
    add_comment(uow, case, "government", cap, comment)
    uow.record(case_id=case_id, action="government.commented", actor=principal.as_actor(),
               reason=f"The government commented on {body['commitment_id'] or 'the draft'}.",
               data={"comment_id": comment["comment_id"], "commitment_id": body["commitment_id"]},
               sealed={"text": body["text"]}, correlation_id=case.correlation_id)
    return comment


def respond(uow, principal, case_id, comment_id, text, now):
    case = case_for(uow, case_id, principal, "expert_work")
    transition(case, "respond", principal.role)
    response = {"text": text, "expert_id": principal.subject, "at": iso(now)}
    if uow.update(documents.Comment, {"_id": comment_id, "case_id": case_id, "round": case.comment_round,
                                      "kind": "government"}, {"$set": {"response": response}}) != 1:
        raise NotFound(f"Case {case_id} has no government comment {comment_id} in this review.")
    uow.record(case_id=case_id, action="government.comment_answered", actor=principal.as_actor(),
               reason=f"The expert answered government comment {comment_id}.",
               data={"comment_id": comment_id}, sealed={"text": text}, correlation_id=case.correlation_id)


def open_public_comment(uow, principal, case_id, timing, now):
    """After the government's window, every government comment answered: the draft goes public; when it closes."""
    case = case_for(uow, case_id, principal, "open_public_comment")
    status = transition(case, "open_public_comment", principal.role)
    require_open(case, "open_public_comment", now)
    government_comments = queries.comments_of(case, "government", uow=uow)
    unanswered = [c["comment_id"] for c in government_comments if not c.get("response")]
    if unanswered:
        raise Conflict(f"Answer every government comment first: {', '.join(unanswered)}.")
    closes = deadlines.public_comment_closes_at(now, timing)
    save_case(uow, case, {"status": status, "public_comment_opened_at": now, "public_comment_closes_at": closes,
                          "stage_started_at": now})
    uow.record(case_id=case_id, action="review.public_comment_opened", actor=principal.as_actor(),
               reason=f"The draft findings are open to public comment until {iso(closes)}.",
               data={"closes_at": iso(closes), "government_comments": len(government_comments)},
               correlation_id=case.correlation_id)
    uow.emit(stage_event(REVIEW_PUBLIC_COMMENT_OPENED, case, principal.as_actor(), closes_at=iso(closes)))
    return closes


def public_comment(uow, case_id, body, cap, now) -> dict:
    """An anonymous comment on a draft open to the public. The audit log keeps a salted
    fingerprint of it: a commenter's words and name stay removable from the document store."""
    case = case_for(uow, case_id)
    transition(case, "comment_public", PUBLIC["role"])
    require_open(case, "comment_public", now)
    require_commitment(case, body["commitment_id"])
    comment = {"comment_id": new_id("pc"), "commitment_id": body["commitment_id"], "text": body["text"],
               "author": body["author"], "confidential": body["confidential"], "at": iso(now)}
    add_comment(uow, case, "public", cap, comment)
    uow.record(case_id=case_id, action="public.commented", actor=PUBLIC,
               reason=f"A public comment on {body['commitment_id'] or 'the draft'}"
                      + (" (confidential)." if body["confidential"] else "."),
               data={"comment_id": comment["comment_id"], "commitment_id": body["commitment_id"],
                     "confidential": body["confidential"]},
               sealed={"text": body["text"], "author": body["author"]}, correlation_id=case.correlation_id)
    return comment


def public_comment_open(case, now) -> bool:
    """Whether `public_comment` would get past its state and clock rules now: the same two
    checks (transition, require_open), asked without writing, for the public draft to say so.
    A comment can still be refused after this says yes: the caps and rate limits decide per request."""
    try:
        transition(case, "comment_public", PUBLIC["role"])
        require_open(case, "comment_public", now)
    except (Conflict, Forbidden):
        return False
    return True


def government_comment_open(case, principal, now) -> bool:
    """Whether `government_comment` would get past its who, state and clock rules now for this caller:
    the same checks (shared/access.py, transition, require_open), asked without writing, for the
    government's draft to say so (the PoC's page shows its form only then). The cap still decides per request."""
    if access.decide(principal, "comment_government", access.case_facts(case)) != access.ALLOWED:
        return False
    try:
        transition(case, "comment_government", principal.role)
        require_open(case, "comment_government", now)
    except (Conflict, Forbidden):
        return False
    return True


def finalise(uow, principal, case_id, now):
    """After the public comment period: approved for publication, with the comments that are published."""
    case = case_for(uow, case_id, principal, "expert_work")
    status = transition(case, "finalise", principal.role)
    require_open(case, "finalise", now)
    save_case(uow, case, {"status": status})
    release_capacity(uow, case.expert_id)
    government_comments = queries.comments_of(case, "government", uow=uow)
    public_comments = queries.comments_of(case, "public", uow=uow)
    public = [views.public_comment(c) for c in public_comments if not c.get("confidential")]
    uow.record(case_id=case_id, action="review.approved", actor=principal.as_actor(),
               reason=f"The expert finalised the findings after {len(public_comments)} public comment(s); "
                      "approved for publication.",
               data={"expert_id": case.expert_id, "reviewer_id": case.reviewer_id,
                     "public_comments_published": len(public),
                     "public_comments_confidential": len(public_comments) - len(public)},
               correlation_id=case.correlation_id)
    uow.emit(build_event(REVIEW_APPROVED, {
        "case_id": case_id, "self_assessment_id": case.self_assessment_id, "member": case.member,
        "action_plan": case.action_plan, "languages": case.languages, "expert_id": case.expert_id,
        "reviewer_id": case.reviewer_id,
        "commitments": [
            {"commitment_id": c["commitment_id"], "number": c["number"], "title": c["title"],
             "self_reported_completion": c["self_reported_completion"], "ratings": case.ratings[c["commitment_id"]]}
            for c in case.commitments
        ],
        "plan_assessment": case.plan_assessment or None,
        "government_comments": government_comments, "public_comments": public,
    }, correlation_id=case.correlation_id, actor=principal.as_actor()))


def correct(uow, principal, case_id, reason, timing, now):
    """Reopen published findings for a correction: the same expert revises, the case goes
    through quality review and comments again, and publication issues a new version."""
    case = case_for(uow, case_id, principal, "correct")
    status = transition(case, "correct", principal.role)
    # The same expert revises, and the correction counts against their capacity like any
    # assignment: at capacity it is refused (409) until the registry gives them room.
    expert = uow.get(documents.Expert, {"_id": case.expert_id})
    if expert is None or not take_capacity(uow, expert):
        load = f"{expert.active_cases} of {expert.capacity}" if expert else "not in the registry"
        raise Conflict(f"Expert {case.expert_id} is at capacity ({load} cases): raise their capacity "
                       f"(PUT /api/v1/experts/{case.expert_id}) or let them finish a case, then correct again.")
    deadline_at = deadlines.deadline(status, now, timing)
    save_case(uow, case, {"status": status, "stage_started_at": now, "reminded_at": None, "deadline_at": deadline_at,
                          # A new round of comments; the earlier round's stay, attached to it.
                          "comment_round": case.comment_round + 1, "government_comment_count": 0,
                          "public_comment_count": 0})
    uow.record(case_id=case_id, action="review.correction_opened", actor=principal.as_actor(),
               reason=f"Correction: {reason}", data={"expert_id": case.expert_id}, correlation_id=case.correlation_id)
    uow.emit(stage_event(REVIEW_CORRECTION_OPENED, case, principal.as_actor(), reason=reason,
                         deadline_at=iso(deadline_at)))


# --- what every decision above shares ----------------------------------------------------------
def stage_event(event_type, case, actor, **details):
    """The event announcing that a case entered a stage (its contract: shared/contracts/events.py)."""
    return build_event(event_type, {"case_id": case.case_id, "member_code": case.member["code"], "expert_id": case.expert_id,
                                    **details}, correlation_id=case.correlation_id, actor=actor)


def transition(case, action, role) -> str:
    """The case's next state after `action` (domain/workflow.py), or the HTTP answer for a refused
    transition: 403 for the wrong role, 409 for the wrong moment."""
    try:
        return workflow.next_state(case.status, action, role)
    except workflow.TransitionRefused as exc:
        if exc.wrong_role:
            raise Forbidden(str(exc)) from None
        raise Conflict(str(exc)) from None


def take_capacity(uow, expert) -> bool:
    """Count one more case against an expert, only while they are under capacity.

    The one guard every assignment goes through (first assignment, reassignment, correction):
    the filter repeats what was read in this transaction, so a concurrent assignment or a
    registry change makes it match nothing (False) instead of going over capacity.
    """
    return uow.update(documents.Expert, {"_id": expert.expert_id, "capacity": expert.capacity,
                                         "active_cases": {"$lt": expert.capacity}}, {"$inc": {"active_cases": 1}}) == 1


def release_capacity(uow, expert_id) -> None:
    """The expert no longer holds the case (declined, missed a deadline, finalised); never below zero."""
    uow.update(documents.Expert, {"_id": expert_id, "active_cases": {"$gt": 0}}, {"$inc": {"active_cases": -1}})


def case_for(uow, case_id, principal=None, operation=None):
    """The case, read in this unit of work; with a principal, only if shared/access.py lets them `operation` it."""
    case = uow.get(documents.Case, {"_id": case_id})
    if principal is not None:
        return access.require(principal, operation, case, case_id)
    if case is None:
        raise NotFound(f"No case {case_id}.")
    bind(case_id=case_id)
    return case


def save_case(uow, case, changes, expected_version=None, push=None, unsaved=False):
    """Change a case if nobody changed it meanwhile (its version): otherwise 409, never a lost update.
    `unsaved`: a case opened in this unit of work, stored now with the changes, as the version they make."""
    if unsaved:
        for field, value in {**changes, "updated_at": utcnow()}.items():
            setattr(case, field, value)
        case.version += 1
        uow.insert(case)
        return
    version = case.version if expected_version is None else expected_version
    update = {"$set": {**changes, "updated_at": utcnow()}, "$inc": {"version": 1}}
    if push:
        update["$push"] = {key: {"$each": list(values)} for key, values in push.items()}
    if uow.update(documents.Case, {"_id": case.case_id, "version": version}, update) != 1:
        raise Conflict(f"The case changed since version {version} (now {case.version}); reload it and try again.")
    case.version = version + 1


def require_open(case, action, now):
    """409 with the reason when the clock says `action` is not open now (domain/windows.py)."""
    verdict = windows.window(action, now, government_review_until=aware(case.government_review_until),
                             public_comment_closes_at=aware(case.public_comment_closes_at),
                             deadline_at=aware(case.deadline_at))
    if not verdict.open:
        raise Conflict(verdict.reason)


def add_comment(uow, case, kind, cap, comment):
    """Store a comment in its own document, numbered by the case's counter for its kind. The
    counter is raised only below the cap, atomically: concurrent writers can never pass it."""
    field = f"{kind}_comment_count"
    refusal = limits.cap_reached(kind, getattr(case, field), cap)
    seq = None if refusal else uow.increment(documents.Case, {"_id": case.case_id, field: {"$lt": cap}}, field)
    if seq is None:
        raise Conflict(refusal or limits.cap_reached(kind, cap, cap))
    uow.insert(documents.Comment(case_id=case.case_id, round=case.comment_round, kind=kind, seq=seq, **comment))


def comments_summary(comments) -> dict:
    """What of a quality review's comments is public from the start: how many, on what."""
    return {"comments": len(comments), "commitment_ids": sorted({c["commitment_id"] for c in comments if c.get("commitment_id")})}


def require_commitment(case, commitment_id):
    if commitment_id and commitment_id not in {c["commitment_id"] for c in case.commitments}:
        raise Unprocessable("Unknown commitment.", {"commitment_id": [f"Case {case.case_id} has no commitment {commitment_id}."]})

