"""review: carries each case through the IRM review, with every rule enforced and every decision explained.

Registry and assignment (admin)
  GET/POST /api/v1/experts, PUT /api/v1/experts/{id}     the expert registry
  GET  /api/v1/operator/waiting-cases                    cases nobody may take now, and why (each expert assessed)
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
from nameko.timer import timer
from shared.webserver import http

from services.review import documents, handlers, queries, views
from services.review import metrics as review_metrics
from services.review.dependencies import ReviewTiming
from services.review.limiter import AnonymousWrites
from services.review.schemas import (
    CaseListQuery, DeclineSchema, ExpertSchema, GovernmentCommentSchema, PublicCommentSchema, QualityDecisionSchema,
    TextSchema,
)
from services.review.domain import deadlines, workflow
from shared import access, disclosure, service_shell
from shared.auth import Unauthorized
from shared.clock import aware, iso, utcnow
from shared.contracts.events import SELF_ASSESSMENT_SUBMITTED
from shared.contracts.ratings import CommitmentRatingsSchema, PlanAssessmentSchema
from shared.http import NotFound, Unprocessable, api_endpoint, if_match_version, json_response, read_json, read_query
from shared.logging import bind_correlation
from shared.service_shell import Auth, Store, consumes


class ReviewService(service_shell.ServiceShell):
    name = "review"

    store = Store(documents=documents.ALL)
    metric_gauges = (review_metrics.gauges,)  # scraped at /metrics (shared/metrics.py)
    auth = Auth()
    timing = ReviewTiming()
    anonymous_writes = AnonymousWrites()

    # --- opening and (re)assigning a case ------------------------------------------
    @consumes(SELF_ASSESSMENT_SUBMITTED)
    def on_self_assessment_submitted(self, event, uow):
        handlers.open_case(uow, event.payload, event.correlation_id, self.timing, utcnow())

    @timer(interval=1)
    def watch_deadlines(self):
        """Remind experts before a deadline, reassign cases whose deadline passed, and retry
        waiting cases (the registry may have changed, through the API or irmctl).

        Every instance's watch acts on every due case: each action re-reads the case in its own
        transaction (`_in_own_transaction`) and acts only if it is still due (handlers.remind,
        handlers.expire, handlers.assign_if_waiting), and writes it with the case's version as a
        compare-and-set (handlers.save_case), so a second instance finds the work done and does
        nothing (tests/integration/test_two_instances.py)."""
        now, timing = utcnow(), self.timing
        # Only cases whose deadline passed or whose reminder is due (queries.cases_due: indexed).
        due = []
        for stage in workflow.EXPERT_STAGES:
            due += queries.cases_due(stage, now + deadlines.reminder_lead(stage, timing))
        for raw in due:
            deadline_at = aware(raw["deadline_at"])
            if deadlines.missed(deadline_at, now):
                self._in_own_transaction(raw, lambda uow, case: handlers.expire(uow, case, timing, utcnow()))
            elif deadlines.reminder_due(raw["status"], deadline_at, raw.get("reminded_at"), now, timing):
                self._in_own_transaction(raw, self._remind)
        self._retry_waiting("Retried: ")

    def _retry_waiting(self, reason_prefix):
        for raw in queries.waiting_cases():
            self._in_own_transaction(raw, lambda uow, case: handlers.assign_if_waiting(uow, case, self.timing, reason_prefix))

    def _remind(self, uow, case):
        if handlers.remind(uow, case, utcnow()):
            service_shell.log.info("expert_reminded", expert_id=case.expert_id, deadline_at=iso(aware(case.deadline_at)))

    def _in_own_transaction(self, raw, decide):
        """Run `decide(uow, case)` for one case the watch found, in its own transaction: one
        case failing is logged and never stops the watch."""
        bind_correlation(raw.get("correlation_id", "-"), service=self.name, case_id=raw["_id"])
        try:
            self.store.run(lambda uow: decide(uow, uow.get(documents.Case, {"_id": raw["_id"]})))
        except Exception:
            service_shell.log.exception("deadline_watch_failed")

    # --- the expert registry ----------------------------------------------------------
    @http("GET", "/api/v1/experts")
    @api_endpoint
    def list_experts(self, request):
        self.auth.caller(request, "manage_experts")
        return json_response({"experts": [views.expert_view(e) for e in queries.experts()]})

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
        expert = self.store.run(lambda uow: handlers.save_expert(uow, body, create, utcnow()))
        self._retry_waiting("Retried after a registry change: ")  # waiting cases may have an expert now
        return json_response(views.expert_view(expert), status=201 if create else 200)

    @http("GET", "/api/v1/operator/waiting-cases")
    @api_endpoint
    def waiting_cases(self, request):
        self.auth.caller(request, "read_waiting_cases")
        return json_response({"cases": [views.waiting_case_view(*one) for one in queries.waiting_cases_assessed()]})

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
        listed = []
        for case in queries.cases_listed_for(principal, query["status"]):
            facts = access.case_facts(case)
            if access.decide(principal, "list_cases", facts) != access.ALLOWED:
                continue
            listed.append(views.case_summary(case, content=access.sees_case_content(principal, facts)))
            if len(listed) == queries.CASE_LIST_LIMIT:
                break
        return json_response({"cases": listed})

    @http("GET", "/api/v1/cases/<string:case_id>")
    @api_endpoint
    def show_case(self, request, case_id):
        principal = self.auth.caller(request, "read_case")
        case = access.require(principal, "read_case", queries.case(case_id), case_id)
        return json_response(views.case_view(case, queries.comments_of(case, "government"), queries.comments_of(case, "public"),
                                             limits=self.anonymous_writes.limits),
                             headers={"ETag": f'"{case.version}"'})

    @http("GET", "/api/v1/cases/<string:case_id>/draft")
    @api_endpoint
    def government_draft(self, request, case_id):
        principal = self.auth.caller(request, "read_draft")
        case = access.require(principal, "read_draft", queries.case(case_id), case_id)
        return json_response(views.draft_view(case, queries.comments_of(case, "government"),
                                              comments_open=handlers.government_comment_open(case, principal, utcnow()),
                                              limits=self.anonymous_writes.limits))

    @http("GET", "/api/v1/cases/<string:case_id>/public-draft")
    @api_endpoint
    def public_draft(self, request, case_id):
        case = queries.case(case_id)
        if case is None or not disclosure.draft_is_public(case.status):
            raise NotFound(f"Case {case_id} has no draft open to the public.")
        return json_response(views.draft_view(case, queries.comments_of(case, "public", published_only=True), public=True,
                                              comments_open=handlers.public_comment_open(case, utcnow()),
                                              limits=self.anonymous_writes.limits))

    # --- the expert's work ----------------------------------------------------------------
    @http("POST", "/api/v1/cases/<string:case_id>/accept")
    @api_endpoint
    def accept(self, request, case_id):
        principal = self.auth.caller(request, "expert_work")
        deadline_at = self.store.run(lambda uow: handlers.accept(uow, principal, case_id, self.timing, utcnow()))
        return json_response({"case_id": case_id, "status": "in_review", "deadline_at": iso(deadline_at)})

    @http("POST", "/api/v1/cases/<string:case_id>/decline")
    @api_endpoint
    def decline(self, request, case_id):
        principal = self.auth.caller(request, "expert_work")
        body = read_json(request, DeclineSchema())
        self.store.run(lambda uow: handlers.decline(uow, principal, case_id, body["reason"], body["conflict_of_interest"],
                                                    self.timing, affiliation=body["affiliation"]))
        return json_response({"case_id": case_id, "status": "declined"})

    @http("PUT", "/api/v1/cases/<string:case_id>/ratings/<string:commitment_id>")
    @api_endpoint
    def save_ratings(self, request, case_id, commitment_id):
        principal = self.auth.caller(request, "expert_work")
        expected_version = if_match_version(request)
        ratings = read_json(request, CommitmentRatingsSchema())
        version = self.store.run(lambda uow: handlers.save_ratings(uow, principal, case_id, commitment_id, ratings,
                                                                   expected_version, utcnow()))
        return json_response({"case_id": case_id, "commitment_id": commitment_id, "version": version}, headers={"ETag": f'"{version}"'})

    @http("PUT", "/api/v1/cases/<string:case_id>/plan-assessment")
    @api_endpoint
    def save_plan_assessment(self, request, case_id):
        principal = self.auth.caller(request, "expert_work")
        expected_version = if_match_version(request)
        assessment = read_json(request, PlanAssessmentSchema())
        version = self.store.run(lambda uow: handlers.save_plan_assessment(uow, principal, case_id, assessment,
                                                                           expected_version, utcnow()))
        return json_response({"case_id": case_id, "version": version}, headers={"ETag": f'"{version}"'})

    @http("POST", "/api/v1/cases/<string:case_id>/submit")
    @api_endpoint
    def submit(self, request, case_id):
        principal = self.auth.caller(request, "expert_work")
        self.store.run(lambda uow: handlers.submit(uow, principal, case_id, utcnow()))
        return json_response({"case_id": case_id, "status": "quality_review"})

    # --- quality review ---------------------------------------------------------------------
    @http("POST", "/api/v1/cases/<string:case_id>/quality-decision")
    @api_endpoint
    def quality_decision(self, request, case_id):
        principal = self.auth.caller(request, "quality_decision")
        body = read_json(request, QualityDecisionSchema())
        status = self.store.run(lambda uow: handlers.quality_decision(uow, principal, case_id, body["decision"],
                                                                      body["comments"], self.timing, utcnow()))
        return json_response({"case_id": case_id, "status": status})

    # --- government pre-publication review ------------------------------------------------------
    @http("POST", "/api/v1/cases/<string:case_id>/government-comments")
    @api_endpoint
    def government_comment(self, request, case_id):
        principal = self.auth.caller(request, "comment_government")
        limit = self.anonymous_writes.limits
        body = read_json(request, GovernmentCommentSchema(max_characters=limit.comment_max_characters))
        comment = self.store.run(lambda uow: handlers.government_comment(uow, principal, case_id, body,
                                                                         limit.government_comments_per_case, utcnow()))
        return json_response(comment, status=201)

    @http("POST", "/api/v1/cases/<string:case_id>/government-comments/<string:comment_id>/response")
    @api_endpoint
    def respond(self, request, case_id, comment_id):
        principal = self.auth.caller(request, "expert_work")
        body = read_json(request, TextSchema(max_characters=self.anonymous_writes.limits.comment_max_characters))
        self.store.run(lambda uow: handlers.respond(uow, principal, case_id, comment_id, body["text"], utcnow()))
        return json_response({"case_id": case_id, "comment_id": comment_id, "answered": True})

    @http("POST", "/api/v1/cases/<string:case_id>/open-public-comment")
    @api_endpoint
    def open_public_comment(self, request, case_id):
        principal = self.auth.caller(request, "open_public_comment")
        closes = self.store.run(lambda uow: handlers.open_public_comment(uow, principal, case_id, self.timing, utcnow()))
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
        comment = self.store.run(lambda uow: handlers.public_comment(uow, case_id, body, limit.public_comments_per_case,
                                                                     utcnow()))
        return json_response({"comment_id": comment["comment_id"], "confidential": comment["confidential"]}, status=201)

    @http("POST", "/api/v1/cases/<string:case_id>/finalise")
    @api_endpoint
    def finalise(self, request, case_id):
        principal = self.auth.caller(request, "expert_work")
        self.store.run(lambda uow: handlers.finalise(uow, principal, case_id, utcnow()))
        return json_response({"case_id": case_id, "status": "approved"})

    @http("POST", "/api/v1/cases/<string:case_id>/correct")
    @api_endpoint
    def correct(self, request, case_id):
        """Reopen published findings for a correction (handlers.correct)."""
        principal = self.auth.caller(request, "correct")
        body = read_json(request, DeclineSchema(only=("reason",)))
        self.store.run(lambda uow: handlers.correct(uow, principal, case_id, body["reason"], self.timing, utcnow()))
        return json_response({"case_id": case_id, "status": "in_review"})

