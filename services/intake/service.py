"""intake: where governments' points of contact submit self-assessments.

POST /api/v1/self-assessments       poc (own member) or admin: submit; 201 + status URL
                                    (Idempotency-Key: a retry returns the first result)
GET  /api/v1/self-assessments/{id}  any role (a poc only for its member): the document and case status
GET  /health                        database reachable
"""
from nameko.web.handlers import http
from pymongo.errors import DuplicateKeyError

from services.intake import documents, domain
from shared.clock import utcnow
from shared.contracts.events import (
    FINDING_PUBLISHED, REVIEW_APPROVED, REVIEW_ASSIGNED, REVIEW_RETURNED, REVIEW_SUBMITTED,
    SELF_ASSESSMENT_SUBMITTED, build_event,
)
from shared.contracts.self_assessment import SelfAssessmentSchema
from shared.auth import Forbidden
from shared.http import NotFound, Unprocessable, api_endpoint, json_response, read_json
from shared.ids import new_id
from shared.persistence import documents as shared_documents
from shared import runtime
from shared.runtime import Auth, Store, consumes


class IntakeService(runtime.ServiceShell):
    name = "intake"

    store = Store(documents=documents.ALL)
    auth = Auth()

    @http("POST", "/api/v1/self-assessments")
    @api_endpoint
    def submit(self, request):
        principal = self.auth.principal(request, "poc", "admin")
        body = read_json(request, SelfAssessmentSchema())
        idempotency_key = _idempotency_key(request, principal)
        fingerprint = domain.content_sha256(body)
        if idempotency_key:
            earlier = documents.IdempotencyKey.objects(key=idempotency_key).first()
            if earlier:
                return self._replay(earlier, fingerprint)
        member = shared_documents.Member.objects(code=body["member"]).first()
        if member is None:
            raise Unprocessable("Unknown member.", {"member": [f"No member has the code {body['member']}."]})
        if principal.role == "poc" and principal.member_code != member.code:
            raise Forbidden(f"This token submits for member {principal.member_code}, not {member.code}.")

        self_assessment_id, case_id = new_id("sa"), new_id("case")
        languages = domain.submission_languages(body)
        event = build_event(
            SELF_ASSESSMENT_SUBMITTED,
            domain.submitted_payload(self_assessment_id=self_assessment_id, case_id=case_id,
                                     member=member.as_contract(), body=body, languages=languages),
            correlation_id=request.correlation_id, actor=principal.as_actor(),
        )

        def work(uow):
            if idempotency_key:  # first, so a concurrent retry with the same key fails here
                uow.insert(documents.IdempotencyKey(key=idempotency_key, self_assessment_id=self_assessment_id,
                                                    body_sha256=fingerprint, created_at=utcnow()))
            uow.insert(documents.SelfAssessment(
                id=self_assessment_id, case_id=case_id, member_code=member.code,
                cycle=body["action_plan"]["cycle"], plan_number=body["action_plan"]["plan_number"],
                languages=languages, commitments=body["commitments"], content_sha256=fingerprint,
                submitted_by=principal.subject, submitted_at=utcnow(), correlation_id=request.correlation_id,
                case_status="submitted", case_status_at=event.occurred_at,
                case_history=[{"status": "submitted", "at": event.occurred_at, "event_id": event.event_id}],
            ))
            uow.record(
                case_id=case_id, action="self_assessment.submitted", actor=principal.as_actor(),
                reason=f"{member.code} submitted its self-assessment of action plan {body['action_plan']['plan_number']} ({body['action_plan']['cycle']}).",
                data={"self_assessment_id": self_assessment_id, "member": member.code,
                      "cycle": body["action_plan"]["cycle"], "plan_number": body["action_plan"]["plan_number"],
                      "commitments": len(body["commitments"]), "languages": languages, "content_sha256": fingerprint},
                correlation_id=request.correlation_id,
            )
            uow.emit(event)

        try:
            self.store.run(work)
        except DuplicateKeyError:
            earlier = documents.IdempotencyKey.objects(key=idempotency_key).first() if idempotency_key else None
            if earlier is None:
                raise
            return self._replay(earlier, fingerprint)  # a concurrent retry won the race
        return _created(self_assessment_id, case_id, request.correlation_id)

    def _replay(self, earlier, fingerprint):
        if earlier.body_sha256 != fingerprint:
            raise Unprocessable("This Idempotency-Key was used for a different body.",
                                {"Idempotency-Key": ["Already used for another self-assessment; use a new key."]})
        record = documents.SelfAssessment.objects(id=earlier.self_assessment_id).first()
        return _created(record.id, record.case_id, record.correlation_id, replayed=True)

    @http("GET", "/api/v1/self-assessments/<string:self_assessment_id>")
    @api_endpoint
    def show(self, request, self_assessment_id):
        principal = self.auth.principal(request)
        record = documents.SelfAssessment.objects(id=self_assessment_id).first()
        if record is None or (principal.role == "poc" and principal.member_code != record.member_code):
            # A poc of another member learns nothing, not even that it exists.
            raise NotFound(f"No self-assessment {self_assessment_id}.")
        return json_response({
            "id": record.id, "case_id": record.case_id, "member": record.member_code,
            "action_plan": {"cycle": record.cycle, "plan_number": record.plan_number},
            "languages": record.languages, "commitments": record.commitments,
            "content_sha256": record.content_sha256, "submitted_by": record.submitted_by,
            "submitted_at": record.case_history[0]["at"],
            "case": {"status": record.case_status, "updated_at": record.case_status_at, "history": record.case_history,
                     "audit_url": f"/api/v1/cases/{record.case_id}/audit"},
        })

    # --- the case's progress, as the other services announce it ---------------
    def _follow(self, event, uow):
        record = uow.get(documents.SelfAssessment, {"case_id": event.payload["case_id"]})
        if record is None:
            raise LookupError(f"no self-assessment for case {event.payload['case_id']}")
        status = domain.status_update(record.case_status_at, event.event_type, event.occurred_at)
        if status is None:
            return
        uow.update(documents.SelfAssessment, {"_id": record.id}, {
            "$set": {"case_status": status, "case_status_at": event.occurred_at},
            "$push": {"case_history": {"status": status, "at": event.occurred_at, "event_id": event.event_id}},
        })

    @consumes(REVIEW_ASSIGNED)
    def on_review_assigned(self, event, uow):
        self._follow(event, uow)

    @consumes(REVIEW_SUBMITTED)
    def on_review_submitted(self, event, uow):
        self._follow(event, uow)

    @consumes(REVIEW_RETURNED)
    def on_review_returned(self, event, uow):
        self._follow(event, uow)

    @consumes(REVIEW_APPROVED)
    def on_review_approved(self, event, uow):
        self._follow(event, uow)

    @consumes(FINDING_PUBLISHED)
    def on_finding_published(self, event, uow):
        self._follow(event, uow)


def _created(self_assessment_id, case_id, correlation_id, replayed=False):
    status_url = f"/api/v1/self-assessments/{self_assessment_id}"
    headers = {"Location": status_url}
    if replayed:
        headers["Idempotent-Replayed"] = "true"
    return json_response(
        {"id": self_assessment_id, "case_id": case_id, "status": "submitted", "status_url": status_url,
         "audit_url": f"/api/v1/cases/{case_id}/audit", "correlation_id": correlation_id},
        status=201, headers=headers,
    )


def _idempotency_key(request, principal):
    value = (request.headers.get("Idempotency-Key") or "").strip()
    if not value:
        return None
    if len(value) > 128 or not value.isprintable():
        raise Unprocessable("Idempotency-Key is invalid.", {"Idempotency-Key": ["1 to 128 printable characters."]})
    return f"{principal.subject}:{value}"
