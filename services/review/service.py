"""review: carries each case through the IRM review, with every rule enforced and every decision explained.

Registry (admin)
  GET/POST /api/v1/experts, PUT /api/v1/experts/{id}     the expert registry
Expert
  GET  /api/v1/cases, GET /api/v1/cases/{id}             own cases (ETag: the draft's version)
  POST /api/v1/cases/{id}/accept | /decline              take the case, or give it back with a reason
  PUT  /api/v1/cases/{id}/ratings/{commitment_id}        one commitment's ratings   (If-Match required)
  PUT  /api/v1/cases/{id}/plan-assessment                co-creation, contrary to process (If-Match required)
  POST /api/v1/cases/{id}/submit                         to quality review; 422 lists what is missing
  POST /api/v1/cases/{id}/government-comments/{cid}/response
  POST /api/v1/cases/{id}/open-public-comment            after the government window, every comment answered
  POST /api/v1/cases/{id}/finalise                       after the public comment period: approved for publication
Admin
  POST /api/v1/cases/{id}/correct                        reopen published findings for a correction
Quality reviewer (IEP, never the author)
  POST /api/v1/cases/{id}/quality-decision               approve (to government review) or return with comments
Government (the member's PoC)
  GET  /api/v1/cases/{id}/draft, POST /api/v1/cases/{id}/government-comments
Public (no token)
  GET  /api/v1/cases/{id}/public-draft, POST /api/v1/cases/{id}/public-comments
"""
from datetime import timedelta, timezone

from nameko.extensions import DependencyProvider
from nameko.timer import timer
from pymongo import ReturnDocument
from shared.webserver import http

from services.review import documents, views
from services.review import metrics as review_metrics
from services.review.limiter import AnonymousWrites
from services.review.schemas import (
    CaseListQuery, DeclineSchema, ExpertSchema, GovernmentCommentSchema, PublicCommentSchema, QualityDecisionSchema,
    TextSchema,
)
from services.review.domain import assignment, deadlines, limits, rubric, windows, workflow
from shared import access, disclosure, runtime
from shared.auth import Forbidden, Unauthorized
from shared.clock import iso, utcnow
from shared.contracts.events import (
    REVIEW_ACCEPTED, REVIEW_APPROVED, REVIEW_ASSIGNED, REVIEW_CORRECTION_OPENED, REVIEW_PUBLIC_COMMENT_OPENED,
    REVIEW_QUALITY_APPROVED, REVIEW_RETURNED, REVIEW_SUBMITTED, REVIEW_UNASSIGNED, SELF_ASSESSMENT_SUBMITTED,
    build_event,
)
from shared.contracts.ratings import CommitmentRatingsSchema, PlanAssessmentSchema
from shared.http import Conflict, NotFound, Unprocessable, api_endpoint, json_response, read_json, read_query
from shared.ids import new_id
from shared.logging import bind, bind_correlation
from shared.runtime import Auth, Store, consumes

SYSTEM = {"role": "system", "id": "review"}


class PreconditionRequired(Conflict):
    status, code = 428, "precondition_required"


class ReviewTiming(DependencyProvider):
    """The review's deadlines and windows, read from config once: a bad setting stops start-up."""

    def setup(self):
        self.value = deadlines.Timing.from_config(self.container.config)

    def get_dependency(self, worker_ctx):
        return self.value


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
    metric_gauges = (review_metrics.gauges,)  # scraped at /metrics (shared/metrics.py)
    auth = Auth()
    timing = ReviewTiming()
    anonymous_writes = AnonymousWrites()

    # --- opening and (re)assigning a case ------------------------------------------
    @consumes(SELF_ASSESSMENT_SUBMITTED)
    def on_self_assessment_submitted(self, event, uow):
        payload = event.payload
        now = utcnow()
        case = documents.Case(
            case_id=payload["case_id"], self_assessment_id=payload["self_assessment_id"], member=payload["member"],
            action_plan=payload["action_plan"], languages=payload["languages"], commitments=payload["commitments"],
            co_creation_report=payload.get("co_creation") or {}, status="submitted", ratings={},
            correlation_id=event.correlation_id, opened_at=now, updated_at=now,
        )
        uow.insert(case)
        self._assign(uow, case, reason_prefix="")

    def _assign(self, uow, case, reason_prefix):
        """Choose an expert for a case that needs one (submitted, declined or unassigned), in this unit of work."""
        experts = [documents.Expert._from_son(raw) for raw in documents.Expert._get_collection().find({}, session=uow.session)]
        decision = assignment.choose_expert(
            case.case_id, case.member["code"], case.languages,
            [assignment.ExpertProfile(e.expert_id, tuple(e.languages), tuple(e.affiliations), e.capacity, e.active_cases,
                                      e.available, tuple(e.expertise or ())) for e in experts],
            region=case.member.get("region"), excluded=tuple(case.excluded_experts or ()),
        )
        now = utcnow()
        candidates = decision.candidates_as_dicts()
        if decision.expert_id is None:
            if case.status == "unassigned":
                return False  # still nobody: stay waiting, no new record
            status = workflow.next_state(case.status, "wait", "system")
            _update(uow, case, {"status": status, "expert_id": None, "deadline_at": None, "stage_started_at": now,
                                "assignment": {"reason": decision.reason, "candidates": candidates}})
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
        _update(uow, case, {"status": status, "expert_id": chosen.expert_id, "stage_started_at": now,
                            "deadline_at": deadlines.deadline(status, now, self.timing), "reminded_at": None,
                            "assignment": {"reason": decision.reason, "candidates": candidates}})
        action = "review.reassigned" if case.excluded_experts else "review.assigned"
        uow.record(case_id=case.case_id, action=action, actor=SYSTEM, reason=reason_prefix + decision.reason,
                   data={"expert_id": chosen.expert_id, "candidates": candidates}, correlation_id=case.correlation_id)
        uow.emit(build_event(REVIEW_ASSIGNED, {
            "case_id": case.case_id, "member_code": case.member["code"], "expert_id": chosen.expert_id,
            "reason": decision.reason, "candidates": candidates,
        }, correlation_id=case.correlation_id, actor=SYSTEM))
        return True

    def _release(self, uow, case, action, actor, reason, conflict=False):
        """The expert gives the case back (declined, or missed a deadline): free their capacity,
        never offer them this case again, and find another expert in the same step."""
        expert_id = case.expert_id
        status = workflow.next_state(case.status, action, actor["role"])
        release_capacity(uow, expert_id)
        if conflict:  # a discovered conflict of interest is remembered for every future case
            uow.update(documents.Expert, {"_id": expert_id}, {"$addToSet": {"affiliations": case.member["code"]}})
        _update(uow, case, {"status": status, "excluded_experts": list(case.excluded_experts or []) + [expert_id],
                            "expert_id": None})
        uow.record(case_id=case.case_id, action=f"review.{'declined' if action == 'decline' else 'deadline_missed'}",
                   actor=actor, reason=reason, data={"expert_id": expert_id, "conflict_of_interest": conflict},
                   correlation_id=case.correlation_id)
        case.status, case.excluded_experts = status, list(case.excluded_experts or []) + [expert_id]
        self._assign(uow, case, reason_prefix=f"Reassigned after {expert_id} {'declined' if action == 'decline' else 'missed the deadline'}: ")

    @timer(interval=1)
    def watch_deadlines(self):
        """Remind experts before a deadline, reassign cases whose deadline passed, and retry
        waiting cases (the registry may have changed, through the API or irmctl).

        Every instance's watch acts on every due case: each action re-reads the case in its
        transaction and acts only if it is still due (`_remind`, `_expire`, `_retry_waiting`),
        and writes it with the case's version as a compare-and-set (`_update`), so a second
        instance finds the work done and does nothing (tests/integration/test_two_instances.py)."""
        now, timing = utcnow(), self.timing
        # Only cases whose deadline passed or whose reminder is due, one indexed range query per
        # stage on (status, deadline_at): a scan of every open case each second kept the
        # database busy (see bench/). Measured on SecantusDB with 700 open cases: 1 ms per range
        # query, 40 ms for the same filter written as one $or (not served from the index).
        due = []
        for stage in workflow.EXPERT_STAGES:
            lead = timedelta(seconds=timing.stage_seconds(stage) * timing.reminder_fraction)
            due += documents.Case._get_collection().find(
                {"status": stage, "deadline_at": {"$lte": now + lead}},
                {"_id": 1, "status": 1, "deadline_at": 1, "reminded_at": 1, "correlation_id": 1})
        for raw in due:
            deadline_at = _aware(raw["deadline_at"])
            if deadlines.missed(deadline_at, now):
                self._in_case(raw, self._expire)
            elif deadlines.reminder_due(raw["status"], deadline_at, raw.get("reminded_at"), now, timing):
                self._in_case(raw, self._remind)
        self._retry_waiting("Retried: ")

    def _retry_waiting(self, reason_prefix):
        for raw in documents.Case._get_collection().find({"status": "unassigned"}, {"_id": 1, "correlation_id": 1}).limit(100):
            self._in_case(raw, lambda uow, case: self._assign(uow, case, reason_prefix) if case.status == "unassigned" else None)

    def _expire(self, uow, case):
        # Checked again inside the transaction: the expert may have just submitted.
        if case.status in workflow.EXPERT_STAGES and deadlines.missed(_aware(case.deadline_at), utcnow()):
            self._release(uow, case, "miss_deadline", SYSTEM,
                          f"{case.expert_id} missed the {case.status} deadline of {iso(_aware(case.deadline_at))}.")

    def _in_case(self, raw, work):
        bind_correlation(raw.get("correlation_id", "-"), service=self.name, case_id=raw["_id"])
        try:
            self.store.run(lambda uow: work(uow, uow.get(documents.Case, {"_id": raw["_id"]})))
        except Exception:
            runtime.log.exception("deadline_watch_failed")

    def _remind(self, uow, case):
        deadline_at = _aware(case.deadline_at)
        if case.status not in workflow.EXPERT_STAGES or case.reminded_at is not None or deadline_at is None:
            return
        _update(uow, case, {"reminded_at": utcnow()})
        uow.record(case_id=case.case_id, action="review.reminder_sent", actor=SYSTEM,
                   reason=f"{case.expert_id} reminded that the {case.status} stage ends at {iso(deadline_at)}.",
                   data={"expert_id": case.expert_id, "deadline_at": iso(deadline_at)}, correlation_id=case.correlation_id)
        runtime.log.info("expert_reminded", expert_id=case.expert_id, deadline_at=iso(deadline_at))

    # --- the expert registry ----------------------------------------------------------
    @http("GET", "/api/v1/experts")
    @api_endpoint
    def list_experts(self, request):
        self.auth.caller(request, "manage_experts")
        return json_response({"experts": [_expert_view(e) for e in documents.Expert.objects.order_by("expert_id")]})

    @http("POST", "/api/v1/experts")
    @api_endpoint
    def add_expert(self, request):
        self.auth.caller(request, "manage_experts")
        return self._save_expert(read_json(request, ExpertSchema()), create=True)

    @http("PUT", "/api/v1/experts/<string:expert_id>")
    @api_endpoint
    def update_expert(self, request, expert_id):
        self.auth.caller(request, "manage_experts")
        body = read_json(request, ExpertSchema())
        if body["expert_id"] != expert_id:
            raise Unprocessable("The body names another expert.", {"expert_id": [f"Must be {expert_id}."]})
        return self._save_expert(body, create=False)

    def _save_expert(self, body, create):
        existing = documents.Expert.objects(expert_id=body["expert_id"]).first()
        if create and existing:
            raise Conflict(f"Expert {body['expert_id']} exists; PUT /api/v1/experts/{body['expert_id']} changes it.")
        if not create and not existing:
            raise NotFound(f"No expert {body['expert_id']}.")
        expert = existing or documents.Expert(expert_id=body["expert_id"], created_at=utcnow(), active_cases=0)
        for key in ("name", "languages", "affiliations", "expertise", "capacity", "available"):
            setattr(expert, key, body[key])
        expert.save()
        self._retry_waiting("Retried after a registry change: ")  # waiting cases may have an expert now
        return json_response(_expert_view(expert), status=201 if create else 200)

    @http("GET", "/api/v1/openapi/review.json")
    @api_endpoint
    def openapi_document(self, request):
        from services.review import openapi  # here: it reads this module's schemas

        return json_response(openapi.document())

    # --- reading ------------------------------------------------------------------------
    @http("GET", "/api/v1/cases")
    @api_endpoint
    def list_cases(self, request):
        principal = self.auth.caller(request, "list_cases")
        query = read_query(request, CaseListQuery())
        # The query only narrows; shared/access.py decides each case (an expert's own and past ones).
        filters = ({"$or": [{"expert_id": principal.subject}, {"excluded_experts": principal.subject}]}
                   if principal.role == "expert" else {})
        if query["status"]:
            filters["status"] = query["status"]
        listed = []
        for case in documents.Case.objects(__raw__=filters).order_by("-updated_at"):
            facts = access.case_facts(case)
            if access.decide(principal, "list_cases", facts) != access.ALLOWED:
                continue
            content = access.sees_case_content(principal, facts)
            listed.append({"case_id": case.case_id, "status": case.status, "member": case.member["code"],
                           "cycle": case.action_plan["cycle"], "expert_id": case.expert_id if content else None,
                           "deadline_at": iso(case.deadline_at) if content and case.deadline_at else None,
                           "url": f"/api/v1/cases/{case.case_id}" if content else None})
            if len(listed) == 200:
                break
        return json_response({"cases": listed})

    @http("GET", "/api/v1/cases/<string:case_id>")
    @api_endpoint
    def show_case(self, request, case_id):
        principal = self.auth.caller(request, "read_case")
        case = _readable(principal, "read_case", documents.Case.objects(case_id=case_id).first(), case_id)
        return json_response(views.case_view(case, documents.comments_of(case, "government"), documents.comments_of(case, "public")),
                             headers={"ETag": f'"{case.version}"'})

    @http("GET", "/api/v1/cases/<string:case_id>/draft")
    @api_endpoint
    def government_draft(self, request, case_id):
        principal = self.auth.caller(request, "read_draft")
        case = _readable(principal, "read_draft", documents.Case.objects(case_id=case_id).first(), case_id)
        return json_response(views.draft_view(case, documents.comments_of(case, "government")))

    @http("GET", "/api/v1/cases/<string:case_id>/public-draft")
    @api_endpoint
    def public_draft(self, request, case_id):
        case = documents.Case.objects(case_id=case_id).first()
        if case is None or not disclosure.draft_is_public(case.status):
            raise NotFound(f"Case {case_id} has no draft open to the public.")
        return json_response(views.draft_view(case, documents.comments_of(case, "public", published_only=True), public=True))

    # --- the expert's work ----------------------------------------------------------------
    @http("POST", "/api/v1/cases/<string:case_id>/accept")
    @api_endpoint
    def accept(self, request, case_id):
        principal = self.auth.caller(request, "expert_work")

        def work(uow):
            case = self._expert_case(uow, principal, case_id)
            status = move(case, "accept", principal.role)
            now = utcnow()
            _within_window(case, "accept", now)
            deadline_at = deadlines.deadline(status, now, self.timing)
            _update(uow, case, {"status": status, "stage_started_at": now, "deadline_at": deadline_at, "reminded_at": None})
            uow.record(case_id=case_id, action="review.accepted", actor=principal.as_actor(),
                       reason=f"{principal.subject} accepted the case; the draft is due {iso(deadline_at)}.",
                       data={"deadline_at": iso(deadline_at)}, correlation_id=case.correlation_id)
            uow.emit(_stage_event(REVIEW_ACCEPTED, case, principal.as_actor(), deadline_at=iso(deadline_at)))
            return deadline_at

        deadline_at = self.store.run(work)
        return json_response({"case_id": case_id, "status": "in_review", "deadline_at": iso(deadline_at)})

    @http("POST", "/api/v1/cases/<string:case_id>/decline")
    @api_endpoint
    def decline(self, request, case_id):
        principal = self.auth.caller(request, "expert_work")
        body = read_json(request, DeclineSchema())

        def work(uow):
            case = self._expert_case(uow, principal, case_id)
            move(case, "decline", principal.role)  # 409 outside the expert's stages, before anything changes
            self._release(uow, case, "decline", principal.as_actor(),
                          f"{principal.subject} declined: {body['reason']}", conflict=body["conflict_of_interest"])

        self.store.run(work)
        return json_response({"case_id": case_id, "status": "declined"})

    @http("PUT", "/api/v1/cases/<string:case_id>/ratings/<string:commitment_id>")
    @api_endpoint
    def save_ratings(self, request, case_id, commitment_id):
        principal = self.auth.caller(request, "expert_work")
        expected_version = _if_match(request)
        ratings = read_json(request, CommitmentRatingsSchema())

        def work(uow):
            case = self._expert_case(uow, principal, case_id)
            if commitment_id not in {c["commitment_id"] for c in case.commitments}:
                raise NotFound(f"Case {case_id} has no commitment {commitment_id}.")
            move(case, "save_rating", principal.role)
            _within_window(case, "save_rating", utcnow())
            changes = rubric.changes(case.ratings.get(commitment_id), ratings)
            _update(uow, case, {f"ratings.{commitment_id}": ratings}, expected_version=expected_version)
            uow.record(case_id=case_id, action="rating.saved", actor=principal.as_actor(),
                       reason=f"Ratings of commitment {commitment_id} saved.",
                       data={"commitment_id": commitment_id, "indicators_changed": sorted(changes)},
                       sealed={"changes": changes, "ratings": ratings}, correlation_id=case.correlation_id)
            return expected_version + 1

        version = self.store.run(work)
        return json_response({"case_id": case_id, "commitment_id": commitment_id, "version": version}, headers={"ETag": f'"{version}"'})

    @http("PUT", "/api/v1/cases/<string:case_id>/plan-assessment")
    @api_endpoint
    def save_plan_assessment(self, request, case_id):
        principal = self.auth.caller(request, "expert_work")
        expected_version = _if_match(request)
        assessment = read_json(request, PlanAssessmentSchema())

        def work(uow):
            case = self._expert_case(uow, principal, case_id)
            move(case, "save_rating", principal.role)
            _within_window(case, "save_rating", utcnow())
            merged = {**(case.plan_assessment or {}), **{k: v for k, v in assessment.items() if v is not None}}
            _update(uow, case, {"plan_assessment": merged}, expected_version=expected_version)
            uow.record(case_id=case_id, action="plan_assessment.saved", actor=principal.as_actor(),
                       reason="The assessment of the plan's co-creation and process was saved.",
                       data={}, sealed={"plan_assessment": merged}, correlation_id=case.correlation_id)
            return expected_version + 1

        version = self.store.run(work)
        return json_response({"case_id": case_id, "version": version}, headers={"ETag": f'"{version}"'})

    @http("POST", "/api/v1/cases/<string:case_id>/submit")
    @api_endpoint
    def submit(self, request, case_id):
        principal = self.auth.caller(request, "expert_work")

        def work(uow):
            case = self._expert_case(uow, principal, case_id)
            status = move(case, "submit", principal.role)
            _within_window(case, "submit", utcnow())
            missing = views.missing(case)
            if missing:
                raise Unprocessable("Ratings are missing; the draft was not submitted.", {"ratings": missing})
            _update(uow, case, {"status": status, "deadline_at": None, "stage_started_at": utcnow()})
            uow.record(case_id=case_id, action="review.submitted", actor=principal.as_actor(),
                       reason="The expert submitted the draft findings for quality review.",
                       data={"version": case.version}, correlation_id=case.correlation_id)
            uow.emit(build_event(REVIEW_SUBMITTED, {"case_id": case_id, "member_code": case.member["code"], "expert_id": case.expert_id},
                                 correlation_id=case.correlation_id, actor=principal.as_actor()))

        self.store.run(work)
        return json_response({"case_id": case_id, "status": "quality_review"})

    # --- quality review ---------------------------------------------------------------------
    @http("POST", "/api/v1/cases/<string:case_id>/quality-decision")
    @api_endpoint
    def quality_decision(self, request, case_id):
        principal = self.auth.caller(request, "quality_decision")
        body = read_json(request, QualityDecisionSchema())

        def work(uow):
            case = _case(uow, case_id, principal, "quality_decision")
            action = body["decision"]
            status = move(case, action, principal.role)
            now = utcnow()
            comments = [{**c, "reviewer_id": principal.subject, "at": iso(now)} for c in body["comments"]]
            actor = principal.as_actor()
            if action == "return":
                _update(uow, case, {"status": status, "reviewer_id": principal.subject, "stage_started_at": now,
                                    "deadline_at": deadlines.deadline(status, now, self.timing), "reminded_at": None},
                        push={"quality_comments": comments})
                uow.record(case_id=case_id, action="review.returned", actor=actor,
                           reason="Returned to the expert with comments.", data=_comments_summary(body["comments"]),
                           sealed={"comments": body["comments"]}, correlation_id=case.correlation_id)
                uow.emit(build_event(REVIEW_RETURNED, {
                    "case_id": case_id, "member_code": case.member["code"], "expert_id": case.expert_id,
                    "reviewer_id": principal.subject, "comments": body["comments"],
                }, correlation_id=case.correlation_id, actor=actor))
                return status
            window_ends = now + timedelta(seconds=self.timing.government_review_seconds)
            _update(uow, case, {"status": status, "reviewer_id": principal.subject, "stage_started_at": now,
                                "government_review_until": window_ends}, push={"quality_comments": comments})
            uow.record(case_id=case_id, action="review.quality_approved", actor=actor,
                       reason=f"Quality review approved the draft; the government may comment until {iso(window_ends)}.",
                       data={**_comments_summary(body["comments"]), "government_review_until": iso(window_ends)},
                       sealed={"comments": body["comments"]}, correlation_id=case.correlation_id)
            uow.emit(_stage_event(REVIEW_QUALITY_APPROVED, case, actor, reviewer_id=principal.subject,
                                  government_review_until=iso(window_ends)))
            return status

        status = self.store.run(work)
        return json_response({"case_id": case_id, "status": status})

    # --- government pre-publication review ------------------------------------------------------
    @http("POST", "/api/v1/cases/<string:case_id>/government-comments")
    @api_endpoint
    def government_comment(self, request, case_id):
        principal = self.auth.caller(request, "comment_government")
        limit = self.anonymous_writes.limits
        body = read_json(request, GovernmentCommentSchema(max_characters=limit.comment_max_characters))

        def work(uow):
            case = _case(uow, case_id, principal, "comment_government")
            move(case, "comment_government", principal.role)
            now = utcnow()
            _within_window(case, "comment_government", now)
            _check_commitment(case, body["commitment_id"])
            comment = {"comment_id": new_id("gc"), "commitment_id": body["commitment_id"], "text": body["text"],
                       "author_id": principal.subject, "at": iso(now), "response": None}
            _add_comment(uow, case, "government", limit.government_comments_per_case, comment)
            uow.record(case_id=case_id, action="government.commented", actor=principal.as_actor(),
                       reason=f"The government commented on {body['commitment_id'] or 'the draft'}.",
                       data={"comment_id": comment["comment_id"], "commitment_id": body["commitment_id"]},
                       sealed={"text": body["text"]}, correlation_id=case.correlation_id)
            return comment

        return json_response(self.store.run(work), status=201)

    @http("POST", "/api/v1/cases/<string:case_id>/government-comments/<string:comment_id>/response")
    @api_endpoint
    def respond(self, request, case_id, comment_id):
        principal = self.auth.caller(request, "expert_work")
        body = read_json(request, TextSchema(max_characters=self.anonymous_writes.limits.comment_max_characters))

        def work(uow):
            case = self._expert_case(uow, principal, case_id)
            move(case, "respond", principal.role)
            response = {"text": body["text"], "expert_id": principal.subject, "at": iso(utcnow())}
            if uow.update(documents.Comment, {"_id": comment_id, "case_id": case_id, "round": case.comment_round,
                                              "kind": "government"}, {"$set": {"response": response}}) != 1:
                raise NotFound(f"Case {case_id} has no government comment {comment_id} in this review.")
            uow.record(case_id=case_id, action="government.comment_answered", actor=principal.as_actor(),
                       reason=f"The expert answered government comment {comment_id}.",
                       data={"comment_id": comment_id}, sealed={"text": body["text"]}, correlation_id=case.correlation_id)

        self.store.run(work)
        return json_response({"case_id": case_id, "comment_id": comment_id, "answered": True})

    @http("POST", "/api/v1/cases/<string:case_id>/open-public-comment")
    @api_endpoint
    def open_public_comment(self, request, case_id):
        principal = self.auth.caller(request, "open_public_comment")

        def work(uow):
            case = _case(uow, case_id, principal, "open_public_comment")
            status = move(case, "open_public_comment", principal.role)
            now = utcnow()
            _within_window(case, "open_public_comment", now)
            government_comments = documents.comments_of(case, "government", session=uow.session)
            unanswered = [c["comment_id"] for c in government_comments if not c.get("response")]
            if unanswered:
                raise Conflict(f"Answer every government comment first: {', '.join(unanswered)}.")
            closes = now + timedelta(seconds=self.timing.public_comment_seconds)
            _update(uow, case, {"status": status, "public_comment_opened_at": now, "public_comment_closes_at": closes,
                                "stage_started_at": now})
            uow.record(case_id=case_id, action="review.public_comment_opened", actor=principal.as_actor(),
                       reason=f"The draft findings are open to public comment until {iso(closes)}.",
                       data={"closes_at": iso(closes), "government_comments": len(government_comments)},
                       correlation_id=case.correlation_id)
            uow.emit(_stage_event(REVIEW_PUBLIC_COMMENT_OPENED, case, principal.as_actor(), closes_at=iso(closes)))
            return closes

        closes = self.store.run(work)
        return json_response({"case_id": case_id, "status": "public_comment", "closes_at": iso(closes),
                              "public_draft_url": f"/api/v1/cases/{case_id}/public-draft"})

    # --- public comment ----------------------------------------------------------------------------
    @http("POST", "/api/v1/cases/<string:case_id>/public-comments")
    @api_endpoint
    def public_comment(self, request, case_id):
        if request.headers.get("Authorization"):
            raise Unauthorized("Public comments are anonymous: send no token.")
        refused = self.anonymous_writes.refusal(request, case_id, utcnow())
        if refused:
            return refused.response(request.correlation_id)
        limit = self.anonymous_writes.limits
        body = read_json(request, PublicCommentSchema(max_characters=limit.comment_max_characters))

        def work(uow):
            case = _case(uow, case_id)
            move(case, "comment_public", "public")
            now = utcnow()
            _within_window(case, "comment_public", now)
            _check_commitment(case, body["commitment_id"])
            comment = {"comment_id": new_id("pc"), "commitment_id": body["commitment_id"], "text": body["text"],
                       "author": body["author"], "confidential": body["confidential"], "at": iso(now)}
            _add_comment(uow, case, "public", limit.public_comments_per_case, comment)
            # The log keeps a salted fingerprint: a commenter's words and name stay removable from the document store.
            uow.record(case_id=case_id, action="public.commented", actor={"role": "public", "id": "anonymous"},
                       reason=f"A public comment on {body['commitment_id'] or 'the draft'}"
                              + (" (confidential)." if body["confidential"] else "."),
                       data={"comment_id": comment["comment_id"], "commitment_id": body["commitment_id"],
                             "confidential": body["confidential"]},
                       sealed={"text": body["text"], "author": body["author"]}, correlation_id=case.correlation_id)
            return comment

        comment = self.store.run(work)
        return json_response({"comment_id": comment["comment_id"], "confidential": comment["confidential"]}, status=201)

    @http("POST", "/api/v1/cases/<string:case_id>/finalise")
    @api_endpoint
    def finalise(self, request, case_id):
        principal = self.auth.caller(request, "expert_work")

        def work(uow):
            case = self._expert_case(uow, principal, case_id)
            status = move(case, "finalise", principal.role)
            _within_window(case, "finalise", utcnow())
            _update(uow, case, {"status": status})
            release_capacity(uow, case.expert_id)
            government_comments = documents.comments_of(case, "government", session=uow.session)
            public_comments = documents.comments_of(case, "public", session=uow.session)
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

        self.store.run(work)
        return json_response({"case_id": case_id, "status": "approved"})

    @http("POST", "/api/v1/cases/<string:case_id>/correct")
    @api_endpoint
    def correct(self, request, case_id):
        """Reopen published findings for a correction: the same expert revises, the case goes
        through quality review and comments again, and publication issues a new version."""
        principal = self.auth.caller(request, "correct")
        body = read_json(request, DeclineSchema(only=("reason",)))

        def work(uow):
            case = _case(uow, case_id, principal, "correct")
            status = move(case, "correct", principal.role)
            now = utcnow()
            # The same expert revises, and the correction counts against their capacity like any
            # assignment: at capacity it is refused (409) until the registry gives them room.
            expert = uow.get(documents.Expert, {"_id": case.expert_id})
            if expert is None or not take_capacity(uow, expert):
                load = f"{expert.active_cases} of {expert.capacity}" if expert else "not in the registry"
                raise Conflict(f"Expert {case.expert_id} is at capacity ({load} cases): raise their capacity "
                               f"(PUT /api/v1/experts/{case.expert_id}) or let them finish a case, then correct again.")
            deadline_at = deadlines.deadline(status, now, self.timing)
            _update(uow, case, {"status": status, "stage_started_at": now, "reminded_at": None, "deadline_at": deadline_at,
                                # A new round of comments; the earlier round's stay, attached to it.
                                "comment_round": case.comment_round + 1, "government_comment_count": 0,
                                "public_comment_count": 0})
            uow.record(case_id=case_id, action="review.correction_opened", actor=principal.as_actor(),
                       reason=f"Correction: {body['reason']}", data={"expert_id": case.expert_id},
                       correlation_id=case.correlation_id)
            uow.emit(_stage_event(REVIEW_CORRECTION_OPENED, case, principal.as_actor(), reason=body["reason"],
                                  deadline_at=iso(deadline_at)))

        self.store.run(work)
        return json_response({"case_id": case_id, "status": "in_review"})

    def _expert_case(self, uow, principal, case_id):
        return _case(uow, case_id, principal, "expert_work")


def _stage_event(event_type, case, actor, **details):
    """The event announcing that a case entered a stage (its contract: shared/contracts/events.py)."""
    return build_event(event_type, {"case_id": case.case_id, "member_code": case.member["code"], "expert_id": case.expert_id,
                                    **details}, correlation_id=case.correlation_id, actor=actor)


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


def _case(uow, case_id, principal=None, operation=None):
    """The case, read in this unit of work; with a principal, only if shared/access.py lets them `operation` it."""
    case = uow.get(documents.Case, {"_id": case_id})
    if principal is not None:
        return _readable(principal, operation, case, case_id)
    if case is None:
        raise NotFound(f"No case {case_id}.")
    bind(case_id=case_id)
    return case


def _readable(principal, operation, case, case_id):
    """`case` if the principal may `operation` it; otherwise the same 404 as for a case that does not exist."""
    if case is None:
        raise NotFound(f"No case {case_id} for you.")
    runtime.AuthHandle.authorize(principal, operation, access.case_facts(case), not_found=f"No case {case_id} for you.")
    bind(case_id=case_id)
    return case


def _update(uow, case, changes, expected_version=None, push=None):
    """Change a case if nobody changed it meanwhile (its version): otherwise 409, never a lost update."""
    version = case.version if expected_version is None else expected_version
    update = {"$set": {**changes, "updated_at": utcnow()}, "$inc": {"version": 1}}
    if push:
        update["$push"] = {key: {"$each": list(values)} for key, values in push.items()}
    if uow.update(documents.Case, {"_id": case.case_id, "version": version}, update) != 1:
        raise Conflict(f"The case changed since version {version} (now {case.version}); reload it and try again.")
    case.version = version + 1


def _within_window(case, action, now):
    """409 with the reason when the clock says `action` is not open now (domain/windows.py)."""
    verdict = windows.window(action, now, government_review_until=_aware(case.government_review_until),
                             public_comment_closes_at=_aware(case.public_comment_closes_at),
                             deadline_at=_aware(case.deadline_at))
    if not verdict.open:
        raise Conflict(verdict.reason)


def _add_comment(uow, case, kind, cap, comment):
    """Store a comment in its own document, numbered by the case's counter for its kind. The
    counter is raised only below the cap, atomically: concurrent writers can never pass it."""
    field = f"{kind}_comment_count"
    refusal = limits.cap_reached(kind, getattr(case, field), cap)
    counted = None if refusal else documents.Case._get_collection().find_one_and_update(
        {"_id": case.case_id, field: {"$lt": cap}}, {"$inc": {field: 1}}, projection={field: 1},
        return_document=ReturnDocument.AFTER, session=uow.session)
    if counted is None:
        raise Conflict(refusal or limits.cap_reached(kind, cap, cap))
    uow.insert(documents.Comment(case_id=case.case_id, round=case.comment_round, kind=kind, seq=counted[field], **comment))


def _comments_summary(comments) -> dict:
    """What of a quality review's comments is public from the start: how many, on what."""
    return {"comments": len(comments), "commitment_ids": sorted({c["commitment_id"] for c in comments if c.get("commitment_id")})}


def _check_commitment(case, commitment_id):
    if commitment_id and commitment_id not in {c["commitment_id"] for c in case.commitments}:
        raise Unprocessable("Unknown commitment.", {"commitment_id": [f"Case {case.case_id} has no commitment {commitment_id}."]})


def _if_match(request):
    header = (request.headers.get("If-Match") or "").strip().strip('"').removeprefix("W/").strip('"')
    if not header:
        raise PreconditionRequired("Send If-Match with the version you edited (the case's ETag): a stale draft "
                                   "must never overwrite a newer one.")
    if not header.isdigit():
        raise Unprocessable("If-Match must be a case version, as the ETag gave it.", {"If-Match": ["Not a version number."]})
    return int(header)


def _aware(moment):
    return moment if moment is None or moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _expert_view(expert) -> dict:
    return {"expert_id": expert.expert_id, "name": expert.name, "languages": expert.languages,
            "affiliations": expert.affiliations, "expertise": expert.expertise or [], "capacity": expert.capacity,
            "active_cases": expert.active_cases, "available": expert.available}
