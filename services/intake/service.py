"""intake: where governments' points of contact submit self-assessments and evidence.

POST /api/v1/evidence                    poc, admin: upload one file (multipart field `file`); 201 + file_id, sha256
GET  /api/v1/evidence/{file_id}          any token (a poc only its member's): the file
POST /api/v1/self-assessments            poc (own member), admin: submit; 201 + status URL. A resubmission
                                         for the same member and plan is version N+1, with what changed.
                                         Idempotency-Key: a retry returns the first result.
GET  /api/v1/self-assessments            ?member=&cycle=&plan_number=: versions, newest first
GET  /api/v1/self-assessments/{id}       any token (a poc only its member's): the document and case status
POST /api/v1/action-plans/{member}/{n}/commitments   poc (own member), admin: import a CSV/XLSX of commitments
GET  /api/v1/action-plans/{member}/{n}/commitments   any token: the plan's imported commitments
GET  /api/v1/openapi/intake.json         public: this API as OpenAPI 3 (the gateway merges all three at /api/v1/openapi.json)
"""
import hashlib
import tempfile
from urllib.parse import quote

from marshmallow import Schema, fields, validate
from nameko.dependency_providers import Config
from shared.webserver import http
from pymongo.errors import DuplicateKeyError
from werkzeug.wrappers import Response

from services.intake import bulk_import, documents, domain, evidence, evidence_store
from shared import access, edge, runtime
from shared.clock import iso, utcnow
from shared.contracts.events import (
    FINDING_PUBLISHED, REVIEW_APPROVED, REVIEW_ASSIGNED, REVIEW_RETURNED, REVIEW_SUBMITTED,
    SELF_ASSESSMENT_SUBMITTED, build_event,
)
from shared.contracts.fields import MEMBER_CODE, Cycle, Integer
from shared.contracts.self_assessment import SelfAssessmentSchema
from shared.http import (
    NotFound, PayloadTooLarge, UnsupportedMediaType, Unprocessable, api_endpoint, json_response, read_json, read_query,
)
from shared.ids import new_id
from shared.persistence import documents as shared_documents
from shared.runtime import Auth, Store, consumes

EVIDENCE_MAX_BYTES = edge.EVIDENCE_MAX_BYTES


class VersionsQuery(Schema):
    member = fields.String(validate=MEMBER_CODE, load_default=None)
    cycle = Cycle(load_default=None)
    plan_number = Integer(validate=validate.Range(min=1, max=99), load_default=None)


class IntakeService(runtime.ServiceShell):
    name = "intake"

    store = Store(documents=documents.ALL)
    auth = Auth()
    config = Config()

    # --- evidence files ----------------------------------------------------------
    @http("POST", "/api/v1/evidence")
    @api_endpoint
    def upload_evidence(self, request):
        principal = self.auth.caller(request, "upload_evidence")
        max_bytes = self._max_upload_bytes()
        if request.content_length and request.content_length > edge.upload_body_max_bytes(max_bytes):
            raise PayloadTooLarge(f"Evidence files are limited to {max_bytes} bytes.")
        if request.mimetype != "multipart/form-data":
            raise UnsupportedMediaType("Send the file as multipart/form-data, in the field 'file'.")
        member_code = principal.member_code if principal.role == "poc" else request.form.get("member")
        if not member_code or not shared_documents.Member.objects(code=member_code).first():
            raise Unprocessable("Unknown member.", {"member": ["Name the member the file is evidence for."]})
        upload = request.files.get("file")
        if upload is None:
            raise Unprocessable("No file.", {"file": ["Attach the file in the multipart field 'file'."]})
        data = upload.stream.read(max_bytes + 1)
        if len(data) > max_bytes:
            raise PayloadTooLarge(f"Evidence files are limited to {max_bytes} bytes.")
        try:
            media_type = evidence.media_type(data, upload.filename or "", max_bytes)
        except evidence.Refused as refused:
            raise Unprocessable("The file was refused.", {"file": [str(refused)]}) from None
        # Checked before anything is written: a refused file leaves nothing in GridFS.
        stored = evidence_store.save(data, filename=upload.filename or "evidence", media_type=media_type,
                                     sha256=hashlib.sha256(data).hexdigest(), member_code=member_code,
                                     uploaded_by=principal.subject)
        return json_response(stored, status=201, headers={"Location": stored["download_url"]})

    @http("GET", "/api/v1/evidence/<string:file_id>")
    @api_endpoint
    def download_evidence(self, request, file_id):
        principal = self.auth.caller(request, "read_evidence")
        found = evidence_store.open_file(file_id)
        if found is None:
            raise NotFound(f"No evidence file {file_id}.")
        self.auth.authorize(principal, "read_evidence", access.Member(found[0]), not_found=f"No evidence file {file_id}.")
        _, description, stream = found
        return Response(stream.read(), mimetype=description["media_type"], headers={
            "ETag": f'"{description["sha256"]}"', "Digest": f'sha-256={description["sha256"]}',
            "Content-Disposition": _content_disposition(description["filename"]),
        })

    # --- self-assessments --------------------------------------------------------
    @http("POST", "/api/v1/self-assessments")
    @api_endpoint
    def submit(self, request):
        principal = self.auth.caller(request, "submit_self_assessment")
        body = read_json(request, SelfAssessmentSchema())
        idempotency_key = _idempotency_key(request, principal)
        request_fingerprint = domain.content_sha256(body)
        if idempotency_key:
            earlier = documents.IdempotencyKey.objects(key=idempotency_key).first()
            if earlier:
                return self._replay(earlier, request_fingerprint)
        member = shared_documents.Member.objects(code=body["member"]).first()
        if member is None:
            raise Unprocessable("Unknown member.", {"member": [f"No member has the code {body['member']}."]})
        self.auth.authorize(principal, "submit_self_assessment", access.Member(member.code))
        domain.attach_files(body, _member_files(body, member.code))

        self_assessment_id, case_id = new_id("sa"), new_id("case")
        languages = domain.submission_languages(body)
        fingerprint = domain.content_sha256(body)
        plan = body["action_plan"]

        def work(uow):
            if idempotency_key:  # first, so a concurrent retry with the same key fails here
                uow.insert(documents.IdempotencyKey(key=idempotency_key, self_assessment_id=self_assessment_id,
                                                    body_sha256=request_fingerprint, created_at=utcnow()))
            previous = uow.get_latest(documents.SelfAssessment, {"member_code": member.code, "cycle": plan["cycle"],
                                                                "plan_number": plan["plan_number"]}, "version")
            version = previous.version + 1 if previous else 1
            changes = domain.changes_since(
                {"commitments": previous.commitments, "co_creation": previous.co_creation} if previous else None, body)
            event = build_event(
                SELF_ASSESSMENT_SUBMITTED,
                domain.submitted_payload(self_assessment_id=self_assessment_id, case_id=case_id, member=member.as_contract(),
                                         body=body, languages=languages, version=version),
                correlation_id=request.correlation_id, actor=principal.as_actor(),
            )
            uow.insert(documents.SelfAssessment(
                id=self_assessment_id, case_id=case_id, member_code=member.code, cycle=plan["cycle"],
                plan_number=plan["plan_number"], languages=languages, commitments=body["commitments"],
                co_creation=body.get("co_creation") or {}, content_sha256=fingerprint, version=version,
                previous_version_id=previous.id if previous else None, changes=changes,
                submitted_by=principal.subject, submitted_at=utcnow(), correlation_id=request.correlation_id,
                case_status="submitted", case_status_at=event.occurred_at,
                case_history=[{"status": "submitted", "at": event.occurred_at, "event_id": event.event_id}],
            ))
            uow.record(
                case_id=case_id, action="self_assessment.submitted", actor=principal.as_actor(),
                reason=f"{member.code} submitted version {version} of its self-assessment of action plan "
                       f"{plan['plan_number']} ({plan['cycle']}).",
                data={"self_assessment_id": self_assessment_id, "member": member.code, "cycle": plan["cycle"],
                      "plan_number": plan["plan_number"], "version": version,
                      "previous_version_id": previous.id if previous else None, "changes": changes,
                      "commitments": len(body["commitments"]), "languages": languages, "content_sha256": fingerprint,
                      "evidence_sha256": sorted(e["sha256"] for c in body["commitments"] for e in c["evidence"] if e.get("sha256"))},
                correlation_id=request.correlation_id,
            )
            uow.emit(event)

        for attempt in range(3):
            try:
                self.store.run(work)
                break
            except DuplicateKeyError as exc:
                earlier = documents.IdempotencyKey.objects(key=idempotency_key).first() if idempotency_key else None
                if earlier is not None:
                    return self._replay(earlier, request_fingerprint)  # a concurrent retry won the race
                if "version" not in ((exc.details or {}).get("keyPattern") or {}) or attempt == 2:
                    raise
                # Another version of the same plan was submitted at the same moment: number this one after it.
        return _created(self_assessment_id, case_id, request.correlation_id)

    def _replay(self, earlier, fingerprint):
        if earlier.body_sha256 != fingerprint:
            raise Unprocessable("This Idempotency-Key was used for a different body.",
                                {"Idempotency-Key": ["Already used for another self-assessment; use a new key."]})
        record = documents.SelfAssessment.objects(id=earlier.self_assessment_id).first()
        return _created(record.id, record.case_id, record.correlation_id, replayed=True)

    @http("GET", "/api/v1/self-assessments")
    @api_endpoint
    def list_versions(self, request):
        principal = self.auth.caller(request, "read_self_assessments")
        query = read_query(request, VersionsQuery())
        filters = {key: query[name] for key, name in (("member_code", "member"), ("cycle", "cycle"), ("plan_number", "plan_number"))
                   if query[name] is not None}
        if principal.role == "poc":  # narrows the query; shared/access.py still decides each row
            filters["member_code"] = principal.member_code
        found = [r for r in documents.SelfAssessment.objects(**filters).order_by("-submitted_at").limit(200)
                 if access.decide(principal, "read_self_assessments", access.Member(r.member_code)) == access.ALLOWED]
        return json_response({"items": [
            {"id": r.id, "url": f"/api/v1/self-assessments/{r.id}", "member": r.member_code, "cycle": r.cycle,
             "plan_number": r.plan_number, "version": r.version, "case_id": r.case_id, "case_status": r.case_status,
             "submitted_at": iso(r.submitted_at)} for r in found]})

    @http("GET", "/api/v1/self-assessments/<string:self_assessment_id>")
    @api_endpoint
    def show(self, request, self_assessment_id):
        principal = self.auth.caller(request, "read_self_assessments")
        record = documents.SelfAssessment.objects(id=self_assessment_id).first()
        if record is None:
            raise NotFound(f"No self-assessment {self_assessment_id}.")
        # A poc of another member learns nothing, not even that it exists.
        self.auth.authorize(principal, "read_self_assessments", access.Member(record.member_code),
                            not_found=f"No self-assessment {self_assessment_id}.")
        return json_response({
            "id": record.id, "case_id": record.case_id, "member": record.member_code,
            "action_plan": {"cycle": record.cycle, "plan_number": record.plan_number},
            "version": record.version, "previous_version_id": record.previous_version_id,
            "previous_version_url": f"/api/v1/self-assessments/{record.previous_version_id}" if record.previous_version_id else None,
            "changes": record.changes, "languages": record.languages, "commitments": record.commitments,
            "co_creation": record.co_creation or None, "content_sha256": record.content_sha256,
            "submitted_by": record.submitted_by, "submitted_at": record.case_history[0]["at"],
            "case": {"status": record.case_status, "updated_at": record.case_status_at, "history": record.case_history,
                     "audit_url": f"/api/v1/cases/{record.case_id}/audit"},
        })

    # --- an action plan's commitments, from a spreadsheet ----------------------------
    @http("POST", "/api/v1/action-plans/<string:member>/<int:plan_number>/commitments")
    @api_endpoint
    def import_commitments(self, request, member, plan_number):
        """Bulk import (CSV or XLSX in OGP's columns): good rows are kept, bad rows reported."""
        principal = self.auth.caller(request, "import_commitments")
        self.auth.authorize(principal, "import_commitments", access.Member(member))
        if request.mimetype != "multipart/form-data":
            raise UnsupportedMediaType("Send the spreadsheet as multipart/form-data, in the field 'file'.")
        upload = request.files.get("file")
        language = request.form.get("language", "en")
        max_bytes = self._max_upload_bytes()
        if upload is None:
            raise Unprocessable("No file.", {"file": ["Attach the CSV or XLSX file in the multipart field 'file'."]})
        data = upload.stream.read(max_bytes + 1)
        if len(data) > max_bytes:
            raise PayloadTooLarge(f"Spreadsheets are limited to {max_bytes} bytes.")
        suffix = {evidence.CSV: ".csv", evidence.XLSX: ".xlsx"}.get(evidence.sniff(data))
        if suffix is None:
            raise Unprocessable("The file was refused.", {"file": ["Send a CSV (UTF-8) or an XLSX file."]})
        with tempfile.NamedTemporaryFile(suffix=suffix) as spooled:
            spooled.write(data)
            spooled.flush()
            try:
                report = bulk_import.import_commitments(spooled.name, member_code=member, plan_number=plan_number,
                                                        language=language, imported_by=principal.subject)
            except ValueError as exc:
                raise Unprocessable("The spreadsheet cannot be imported.", {"file": [str(exc)]}) from None
        return json_response({
            "imported": report.imported,
            "rejected": [{"row": row, "commitment_id": commitment_id, "reason": reason}
                         for row, commitment_id, reason in report.rejected],
            "commitments_url": f"/api/v1/action-plans/{member}/{plan_number}/commitments",
        })

    @http("GET", "/api/v1/action-plans/<string:member>/<int:plan_number>/commitments")
    @api_endpoint
    def list_commitments(self, request, member, plan_number):
        principal = self.auth.caller(request, "read_commitments")
        self.auth.authorize(principal, "read_commitments", access.Member(member))
        found = documents.ActionPlanCommitment.objects(member_code=member, plan_number=plan_number).order_by("number")
        return json_response({"member": member, "plan_number": plan_number, "commitments": [
            {"commitment_id": c.commitment_id, "number": c.number, "title": c.title, "full_text": c.full_text or None,
             "lead_institution": c.lead_institution, "supporting_institutions": c.supporting_institutions}
            for c in found]})

    @http("GET", "/api/v1/openapi/intake.json")
    @api_endpoint
    def openapi_document(self, request):
        from services.intake import openapi  # here: it reads this module's query schemas

        return json_response(openapi.document())

    def _max_upload_bytes(self) -> int:
        return int(self.config.get("EVIDENCE_MAX_BYTES") or EVIDENCE_MAX_BYTES)

    # --- the case's progress, as the other services announce it ---------------
    def _follow(self, event, uow):
        record = uow.get(documents.SelfAssessment, {"case_id": event.payload["case_id"]})
        if record is None:
            raise LookupError(f"no self-assessment for case {event.payload['case_id']}")
        status = domain.status_update(record.case_status_at, event.event_type, event.occurred_at, event.payload)
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


def _member_files(body, member_code) -> dict:
    """The stored files the body references, each checked to be this member's evidence."""
    wanted = domain.evidence_file_ids(body)
    if not wanted:
        return {}
    found = evidence_store.find(wanted)
    errors = {}
    for c_index, commitment in enumerate(body["commitments"]):
        for e_index, item in enumerate(commitment.get("evidence", [])):
            file_id = item.get("file_id")
            if file_id and (file_id not in found or found[file_id][0] != member_code):
                errors[f"commitments[{c_index}].evidence[{e_index}].file_id"] = [
                    f"No evidence file {file_id} uploaded for {member_code}: upload it to /api/v1/evidence first."]
    if errors:
        raise Unprocessable("The body references unknown evidence files.", errors)
    return {file_id: description for file_id, (_, description) in found.items()}


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


def _content_disposition(name) -> str:
    """An ASCII fallback and the exact UTF-8 name (RFC 6266): Arabic file names survive."""
    name = "".join(ch for ch in (name or "evidence") if ch.isprintable() and ch not in '"\\/')[:200] or "evidence"
    fallback = name.encode("ascii", "replace").decode().replace("?", "_")
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name)}"
