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
GET/PUT /api/v1/action-plans/{member}/{n}/self-assessment-draft   poc (own member), admin: the draft kept between sittings
GET  /api/v1/members/{member}/action-plans   poc (own member), admin: the member's plans, each with its case's stage
GET  /api/v1/members?after=&limit=       admin: the registry's members in code order, a bounded page
GET  /api/v1/openapi/intake.json         public: this API as OpenAPI 3 (the gateway merges all three at /api/v1/openapi.json)
"""
import hashlib
import tempfile

from nameko.dependency_providers import Config
from shared.webserver import http
from pymongo.errors import DuplicateKeyError
from werkzeug.wrappers import Response

from services.intake import bulk_import, documents, evidence_store, handlers, queries, views
from services.intake.domain import evidence, submission
from services.intake.schemas import SUBMISSION, DraftSchema, MembersQuery, VersionsQuery
from shared import access, edge, service_shell, settings
from shared.clock import utcnow
from shared.contracts.events import (
    FINDING_PUBLISHED, REVIEW_ACCEPTED, REVIEW_APPROVED, REVIEW_ASSIGNED, REVIEW_CORRECTION_OPENED,
    REVIEW_PUBLIC_COMMENT_OPENED, REVIEW_QUALITY_APPROVED, REVIEW_RETURNED, REVIEW_SUBMITTED, REVIEW_UNASSIGNED,
)
from shared.http import (
    NotFound, PayloadTooLarge, UnsupportedMediaType, Unprocessable, api_endpoint, json_response, read_json, read_query,
)
from shared.ids import new_id
from shared.service_shell import Auth, Store, consumes


class IntakeService(service_shell.ServiceShell):
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
        if not member_code or not queries.member(member_code):
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
            "Content-Disposition": views.content_disposition(description["filename"]),
        })

    # --- self-assessments --------------------------------------------------------
    @http("POST", "/api/v1/self-assessments")
    @api_endpoint
    def submit(self, request):
        principal = self.auth.caller(request, "submit_self_assessment")
        body = read_json(request, SUBMISSION)
        idempotency_key = _idempotency_key(request, principal)
        request_fingerprint = submission.content_sha256(body)
        earlier = queries.idempotency_key(idempotency_key)
        if earlier:
            return _replay(earlier, request_fingerprint)
        member = queries.member(body["member"])
        if member is None:
            raise Unprocessable("Unknown member.", {"member": [f"No member has the code {body['member']}."]})
        self.auth.authorize(principal, "submit_self_assessment", access.Member(member.code))
        submission.attach_files(body, queries.member_files(body, member.code))
        self_assessment_id, case_id = new_id("sa"), new_id("case")
        for attempt in range(3):
            try:
                self.store.run(lambda uow: handlers.submit_self_assessment(
                    uow, principal, body, member, self_assessment_id=self_assessment_id, case_id=case_id,
                    idempotency_key=idempotency_key, request_fingerprint=request_fingerprint,
                    correlation_id=request.correlation_id, now=utcnow()))
                break
            except DuplicateKeyError as exc:
                earlier = queries.idempotency_key(idempotency_key)
                if earlier is not None:
                    return _replay(earlier, request_fingerprint)  # a concurrent retry won the race
                if "version" not in ((exc.details or {}).get("keyPattern") or {}) or attempt == 2:
                    raise
                # Another version of the same plan was submitted at the same moment: number this one after it.
        return _created(self_assessment_id, case_id, request.correlation_id)

    @http("GET", "/api/v1/self-assessments")
    @api_endpoint
    def list_versions(self, request):
        principal = self.auth.caller(request, "read_self_assessments")
        query = read_query(request, VersionsQuery())
        filters = {key: query[name] for key, name in (("member_code", "member"), ("cycle", "cycle"), ("plan_number", "plan_number"))
                   if query[name] is not None}
        if principal.role == "poc":  # narrows the query; shared/access.py still decides each row
            filters["member_code"] = principal.member_code
        return json_response({"items": [
            views.version_item(r) for r in queries.versions(filters)
            if access.decide(principal, "read_self_assessments", access.Member(r.member_code)) == access.ALLOWED]})

    @http("GET", "/api/v1/self-assessments/<string:self_assessment_id>")
    @api_endpoint
    def show(self, request, self_assessment_id):
        principal = self.auth.caller(request, "read_self_assessments")
        record = queries.self_assessment(self_assessment_id)
        if record is None:
            raise NotFound(f"No self-assessment {self_assessment_id}.")
        # A poc of another member learns nothing, not even that it exists.
        self.auth.authorize(principal, "read_self_assessments", access.Member(record.member_code),
                            not_found=f"No self-assessment {self_assessment_id}.")
        return json_response(views.self_assessment_view(record))

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
        return json_response(views.import_report(report, member, plan_number))

    @http("GET", "/api/v1/action-plans/<string:member>/<int:plan_number>/commitments")
    @api_endpoint
    def list_commitments(self, request, member, plan_number):
        principal = self.auth.caller(request, "read_commitments")
        self.auth.authorize(principal, "read_commitments", access.Member(member))
        return json_response({"member": member, "plan_number": plan_number,
                              "commitments": [views.plan_commitment(c) for c in queries.plan_commitments(member, plan_number)]})

    # --- the government's own: its plans at a glance, a draft kept between sittings ------------------
    @http("GET", "/api/v1/members/<string:member>/action-plans")
    @api_endpoint
    def member_plans(self, request, member):
        principal = self.auth.caller(request, "read_member_plans")
        self.auth.authorize(principal, "read_member_plans", access.Member(member))
        found = queries.member(member)
        if found is None:
            raise NotFound(f"No member {member}.")
        return json_response(views.member_plans(found, *queries.member_plans(member)))

    @http("GET", "/api/v1/members")
    @api_endpoint
    def list_members(self, request):
        self.auth.caller(request, "read_members")  # the registry's members, in code order: one bounded page, a cursor
        return json_response(views.members_page(*queries.members(**read_query(request, MembersQuery()))))

    @http("GET", "/api/v1/action-plans/<string:member>/<int:plan_number>/self-assessment-draft")
    @api_endpoint
    def read_draft(self, request, member, plan_number):
        principal = self.auth.caller(request, "self_assessment_draft")
        self.auth.authorize(principal, "self_assessment_draft", access.Member(member))
        kept = queries.draft(member, plan_number)
        if kept is None:
            raise NotFound(f"No draft of {member}'s plan {plan_number}.")
        return json_response(views.draft_view(kept))

    @http("PUT", "/api/v1/action-plans/<string:member>/<int:plan_number>/self-assessment-draft")
    @api_endpoint
    def save_draft(self, request, member, plan_number):
        principal = self.auth.caller(request, "self_assessment_draft")
        self.auth.authorize(principal, "self_assessment_draft", access.Member(member))
        body = read_json(request, DraftSchema())
        if queries.member(member) is None:
            raise NotFound(f"No member {member}.")
        self.store.run(lambda uow: handlers.save_draft(uow, principal, member, plan_number, body, utcnow()))
        return json_response(views.draft_view(queries.draft(member, plan_number)))

    @http("GET", "/api/v1/openapi/intake.json")
    @api_endpoint
    def openapi_document(self, request):
        from services.intake import openapi  # here: it reads the service's schemas

        return json_response(openapi.document())

    def _max_upload_bytes(self) -> int:
        return settings.value(self.config, "EVIDENCE_MAX_BYTES")

    # --- the case's progress, as the other services announce it (handlers.follow_case_status) ---
    @consumes(REVIEW_ASSIGNED)
    def on_review_assigned(self, event, uow):
        handlers.follow_case_status(uow, event)

    @consumes(REVIEW_UNASSIGNED)
    def on_review_unassigned(self, event, uow):
        handlers.follow_case_status(uow, event)

    @consumes(REVIEW_ACCEPTED)
    def on_review_accepted(self, event, uow):
        handlers.follow_case_status(uow, event)

    @consumes(REVIEW_SUBMITTED)
    def on_review_submitted(self, event, uow):
        handlers.follow_case_status(uow, event)

    @consumes(REVIEW_QUALITY_APPROVED)
    def on_review_quality_approved(self, event, uow):
        handlers.follow_case_status(uow, event)

    @consumes(REVIEW_PUBLIC_COMMENT_OPENED)
    def on_review_public_comment_opened(self, event, uow):
        handlers.follow_case_status(uow, event)

    @consumes(REVIEW_CORRECTION_OPENED)
    def on_review_correction_opened(self, event, uow):
        handlers.follow_case_status(uow, event)

    @consumes(REVIEW_RETURNED)
    def on_review_returned(self, event, uow):
        handlers.follow_case_status(uow, event)

    @consumes(REVIEW_APPROVED)
    def on_review_approved(self, event, uow):
        handlers.follow_case_status(uow, event)

    @consumes(FINDING_PUBLISHED)
    def on_finding_published(self, event, uow):
        handlers.follow_case_status(uow, event)


def _replay(earlier, fingerprint):
    """The answer to a retry with a used Idempotency-Key: the first result, for the same body only."""
    if earlier.body_sha256 != fingerprint:
        raise Unprocessable("This Idempotency-Key was used for a different body.",
                            {"Idempotency-Key": ["Already used for another self-assessment; use a new key."]})
    record = queries.self_assessment(earlier.self_assessment_id)
    return _created(record.id, record.case_id, record.correlation_id, replayed=True)


def _created(self_assessment_id, case_id, correlation_id, replayed=False):
    created = views.created(self_assessment_id, case_id, correlation_id)
    headers = {"Location": created["status_url"], **({"Idempotent-Replayed": "true"} if replayed else {})}
    return json_response(created, status=201, headers=headers)


def _idempotency_key(request, principal):
    value = (request.headers.get("Idempotency-Key") or "").strip()
    if not value:
        return None
    if len(value) > 128 or not value.isprintable():
        raise Unprocessable("Idempotency-Key is invalid.", {"Idempotency-Key": ["1 to 128 printable characters."]})
    return f"{principal.subject}:{value}"
