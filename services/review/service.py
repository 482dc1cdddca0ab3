"""review: assigns each case to an expert, takes their ratings, runs quality review.

GET  /api/v1/cases                                  expert (own), quality_reviewer, admin
GET  /api/v1/cases/{id}                             the assigned expert, quality_reviewer, admin
PUT  /api/v1/cases/{id}/ratings/{commitment_id}     the assigned expert: save one commitment's ratings
POST /api/v1/cases/{id}/submit                      the assigned expert: send to quality review
POST /api/v1/cases/{id}/quality-decision            a quality reviewer who is not the author
GET  /health
"""
from marshmallow import Schema, ValidationError, fields, validate, validates_schema
from nameko.web.handlers import http

from services.review import documents
from services.review.domain import assignment, rubric, workflow
from shared.audit import fingerprint
from shared.auth import Forbidden
from shared.clock import utcnow
from shared.contracts.events import (
    REVIEW_APPROVED, REVIEW_ASSIGNED, REVIEW_RETURNED, REVIEW_SUBMITTED, SELF_ASSESSMENT_SUBMITTED,
    CommitmentComment, build_event,
)
from shared.contracts.ratings import CommitmentRatingsSchema
from shared.http import Conflict, NotFound, Unprocessable, api_endpoint, json_response, read_json, read_query
from shared import runtime
from shared.runtime import Auth, Store, consumes

SYSTEM = {"role": "system", "id": "review"}


class QualityDecisionSchema(Schema):
    decision = fields.String(required=True, validate=validate.OneOf(("approve", "return")))
    comments = fields.List(fields.Nested(CommitmentComment), load_default=list)

    @validates_schema
    def returns_say_why(self, data, **kwargs):
        if data["decision"] == "return" and not data["comments"]:
            raise ValidationError("Say what to change: a return needs at least one comment.", field_name="comments")


class CaseListQuery(Schema):
    status = fields.String(validate=validate.OneOf(workflow.STATES), load_default=None)


def case_view(case) -> dict:
    return {
        "case_id": case.case_id, "self_assessment_id": case.self_assessment_id, "status": case.status,
        "member": case.member, "action_plan": case.action_plan, "languages": case.languages,
        "expert_id": case.expert_id, "assignment_reason": (case.assignment or {}).get("reason"),
        "commitments": [
            {**commitment, "ratings": case.ratings.get(commitment["commitment_id"])} for commitment in case.commitments
        ],
        "missing": rubric.missing_ratings([c["commitment_id"] for c in case.commitments], case.ratings),
        "quality_comments": case.quality_comments, "reviewer_id": case.reviewer_id,
        "version": case.version, "audit_url": f"/api/v1/cases/{case.case_id}/audit",
    }


def move(case, action, role):
    """The case's next state, or the HTTP answer for a refused transition."""
    try:
        return workflow.next_state(case.status, action, role)
    except workflow.TransitionRefused as exc:
        if exc.wrong_role:
            raise Forbidden(str(exc)) from None
        raise Conflict(str(exc)) from None


class ReviewService(runtime.ServiceShell):
    name = "review"

    store = Store(documents=documents.ALL)
    auth = Auth()

    # --- opening and assigning a case ----------------------------------------
    @consumes(SELF_ASSESSMENT_SUBMITTED)
    def on_self_assessment_submitted(self, event, uow):
        payload = event.payload
        now = utcnow()
        case = documents.Case(
            case_id=payload["case_id"], self_assessment_id=payload["self_assessment_id"], member=payload["member"],
            action_plan=payload["action_plan"], languages=payload["languages"], commitments=payload["commitments"],
            status="submitted", ratings={}, correlation_id=event.correlation_id, opened_at=now, updated_at=now,
        )
        experts = [documents.Expert._from_son(raw) for raw in documents.Expert._get_collection().find({}, session=uow.session)]
        decision = assignment.choose_expert(
            case.case_id, case.member["code"], case.languages,
            [assignment.ExpertProfile(e.expert_id, tuple(e.languages), tuple(e.affiliations), e.capacity, e.active_cases, e.available)
             for e in experts],
        )
        case.assignment = {"reason": decision.reason, "candidates": decision.candidates_as_dicts()}
        if decision.expert_id is None:
            case.status = workflow.next_state(case.status, "wait", "system")
            uow.insert(case)
            uow.record(case_id=case.case_id, action="review.unassigned", actor=SYSTEM, reason=decision.reason,
                       data={"candidates": decision.candidates_as_dicts()}, correlation_id=event.correlation_id)
            return
        case.status = workflow.next_state(case.status, "assign", "system")
        case.expert_id = decision.expert_id
        chosen = next(e for e in experts if e.expert_id == decision.expert_id)
        took = uow.update(documents.Expert, {"_id": chosen.expert_id, "active_cases": {"$lt": chosen.capacity}},
                          {"$inc": {"active_cases": 1}})
        if took != 1:  # the registry changed under us: the whole step is retried or parked
            raise RuntimeError(f"expert {chosen.expert_id} changed during assignment")
        uow.insert(case)
        uow.record(case_id=case.case_id, action="review.assigned", actor=SYSTEM, reason=decision.reason,
                   data={"expert_id": decision.expert_id, "candidates": decision.candidates_as_dicts()},
                   correlation_id=event.correlation_id)
        uow.emit(build_event(REVIEW_ASSIGNED, {
            "case_id": case.case_id, "member_code": case.member["code"], "expert_id": decision.expert_id,
            "reason": decision.reason, "candidates": decision.candidates_as_dicts(),
        }, correlation_id=event.correlation_id, actor=SYSTEM))

    # --- reading ---------------------------------------------------------------
    @http("GET", "/api/v1/cases")
    @api_endpoint
    def list_cases(self, request):
        principal = self.auth.principal(request, "expert", "quality_reviewer", "admin")
        query = read_query(request, CaseListQuery())
        filters = {"expert_id": principal.subject} if principal.role == "expert" else {}
        if query["status"]:
            filters["status"] = query["status"]
        cases = documents.Case.objects(**filters).order_by("-updated_at").limit(200)
        return json_response({"cases": [
            {"case_id": c.case_id, "status": c.status, "member": c.member["code"], "cycle": c.action_plan["cycle"],
             "expert_id": c.expert_id, "url": f"/api/v1/cases/{c.case_id}"} for c in cases
        ]})

    @http("GET", "/api/v1/cases/<string:case_id>")
    @api_endpoint
    def show_case(self, request, case_id):
        principal = self.auth.principal(request, "expert", "quality_reviewer", "admin")
        return json_response(case_view(self._visible_case(principal, case_id)))

    def _visible_case(self, principal, case_id):
        case = documents.Case.objects(case_id=case_id).first()
        if case is None or (principal.role == "expert" and case.expert_id != principal.subject):
            raise NotFound(f"No case {case_id} for you.")
        return case

    # --- the expert's work -----------------------------------------------------
    @http("PUT", "/api/v1/cases/<string:case_id>/ratings/<string:commitment_id>")
    @api_endpoint
    def save_ratings(self, request, case_id, commitment_id):
        principal = self.auth.principal(request, "expert")
        ratings = read_json(request, CommitmentRatingsSchema())
        expected_version = _if_match(request)

        def work(uow):
            case = uow.get(documents.Case, {"_id": case_id})
            if case is None or case.expert_id != principal.subject:
                raise NotFound(f"No case {case_id} for you.")
            if commitment_id not in {c["commitment_id"] for c in case.commitments}:
                raise NotFound(f"Case {case_id} has no commitment {commitment_id}.")
            if expected_version is not None and expected_version != case.version:
                raise Conflict(f"The case changed since version {expected_version} (now {case.version}); reload it and save again.")
            status = move(case, "save_rating", principal.role)
            before = case.ratings.get(commitment_id)
            changed = uow.update(documents.Case, {"_id": case_id, "version": case.version}, {
                "$set": {f"ratings.{commitment_id}": ratings, "status": status, "updated_at": utcnow()},
                "$inc": {"version": 1},
            })
            if changed != 1:
                raise Conflict("The case changed while saving; reload it and save again.")
            uow.record(case_id=case_id, action="rating.saved", actor=principal.as_actor(),
                       reason=f"Ratings of commitment {commitment_id} saved.",
                       data={"commitment_id": commitment_id, "changes": rubric.changes(before, ratings),
                             "ratings_sha256": fingerprint(ratings)},
                       correlation_id=case.correlation_id)
            return case.version + 1

        version = self.store.run(work)
        return json_response({"case_id": case_id, "commitment_id": commitment_id, "version": version}, headers={"ETag": f'"{version}"'})

    @http("POST", "/api/v1/cases/<string:case_id>/submit")
    @api_endpoint
    def submit(self, request, case_id):
        principal = self.auth.principal(request, "expert")

        def work(uow):
            case = uow.get(documents.Case, {"_id": case_id})
            if case is None or case.expert_id != principal.subject:
                raise NotFound(f"No case {case_id} for you.")
            status = move(case, "submit", principal.role)
            missing = rubric.missing_ratings([c["commitment_id"] for c in case.commitments], case.ratings)
            if missing:
                raise Unprocessable("Ratings are missing; the draft was not submitted.", {"ratings": missing})
            _set_status(uow, case, status)
            uow.record(case_id=case_id, action="review.submitted", actor=principal.as_actor(),
                       reason="The expert submitted the draft findings for quality review.",
                       data={"version": case.version}, correlation_id=case.correlation_id)
            uow.emit(build_event(REVIEW_SUBMITTED, {"case_id": case_id, "member_code": case.member["code"], "expert_id": case.expert_id},
                                 correlation_id=case.correlation_id, actor=principal.as_actor()))

        self.store.run(work)
        return json_response({"case_id": case_id, "status": "quality_review"})

    # --- quality review ---------------------------------------------------------
    @http("POST", "/api/v1/cases/<string:case_id>/quality-decision")
    @api_endpoint
    def quality_decision(self, request, case_id):
        principal = self.auth.principal(request, "quality_reviewer")
        body = read_json(request, QualityDecisionSchema())

        def work(uow):
            case = uow.get(documents.Case, {"_id": case_id})
            if case is None:
                raise NotFound(f"No case {case_id}.")
            if case.expert_id == principal.subject:
                raise Forbidden("A quality reviewer never reviews their own work.")
            action = body["decision"]
            status = move(case, action, principal.role)
            _set_status(uow, case, status, reviewer_id=principal.subject,
                        comments=[{**c, "reviewer_id": principal.subject} for c in body["comments"]])
            actor = principal.as_actor()
            if action == "return":
                uow.record(case_id=case_id, action="review.returned", actor=actor,
                           reason="Returned to the expert with comments.", data={"comments": body["comments"]},
                           correlation_id=case.correlation_id)
                uow.emit(build_event(REVIEW_RETURNED, {
                    "case_id": case_id, "member_code": case.member["code"], "expert_id": case.expert_id,
                    "reviewer_id": principal.subject, "comments": body["comments"],
                }, correlation_id=case.correlation_id, actor=actor))
                return
            uow.update(documents.Expert, {"_id": case.expert_id, "active_cases": {"$gt": 0}}, {"$inc": {"active_cases": -1}})
            uow.record(case_id=case_id, action="review.approved", actor=actor,
                       reason="Quality review approved the findings for publication.",
                       data={"expert_id": case.expert_id, "comments": body["comments"]}, correlation_id=case.correlation_id)
            uow.emit(build_event(REVIEW_APPROVED, {
                "case_id": case_id, "self_assessment_id": case.self_assessment_id, "member": case.member,
                "action_plan": case.action_plan, "languages": case.languages, "expert_id": case.expert_id,
                "reviewer_id": principal.subject,
                "commitments": [
                    {"commitment_id": c["commitment_id"], "number": c["number"], "title": c["title"],
                     "self_reported_completion": c["self_reported_completion"], "ratings": case.ratings[c["commitment_id"]]}
                    for c in case.commitments
                ],
            }, correlation_id=case.correlation_id, actor=actor))

        self.store.run(work)
        return json_response({"case_id": case_id, "status": "approved" if body["decision"] == "approve" else "in_review"})


def _set_status(uow, case, status, reviewer_id=None, comments=()):
    update = {"$set": {"status": status, "updated_at": utcnow()}, "$inc": {"version": 1}}
    if reviewer_id:
        update["$set"]["reviewer_id"] = reviewer_id
    if comments:
        update["$push"] = {"quality_comments": {"$each": list(comments)}}
    if uow.update(documents.Case, {"_id": case.case_id, "version": case.version}, update) != 1:
        raise Conflict("The case changed meanwhile; reload it and try again.")


def _if_match(request):
    header = (request.headers.get("If-Match") or "").strip().strip('"')
    if not header:
        return None
    if not header.isdigit():
        raise Unprocessable("If-Match must be a case version, as the ETag gave it.", {"If-Match": ["Not a version number."]})
    return int(header)
