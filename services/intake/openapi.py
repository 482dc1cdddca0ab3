"""The intake API as an OpenAPI 3 document, generated from the same marshmallow schemas
that validate requests (so the document cannot drift from what the service accepts)."""
import functools

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from marshmallow import Schema, fields

from shared.contracts.self_assessment import SelfAssessmentSchema


class ErrorBody(Schema):
    code = fields.String(required=True, metadata={"example": "validation_failed"})
    message = fields.String(required=True)
    fields_ = fields.Dict(data_key="fields", keys=fields.String(), values=fields.List(fields.String()),
                          metadata={"description": "Field path (e.g. commitments[3].evidence[0].url) to messages."})


class ErrorSchema(Schema):
    error = fields.Nested(ErrorBody, required=True)


class CreatedSchema(Schema):
    id = fields.String(required=True)
    case_id = fields.String(required=True)
    status = fields.String(required=True)
    status_url = fields.String(required=True)
    audit_url = fields.String(required=True)
    correlation_id = fields.String(required=True)


class EvidenceFileSchema(Schema):
    file_id = fields.String(required=True)
    filename = fields.String(required=True)
    media_type = fields.String(required=True)
    sha256 = fields.String(required=True)
    size = fields.Integer(required=True)
    download_url = fields.String(required=True)


def _example(lang, title, narrative, institution):
    return {
        "member": "TN", "action_plan": {"cycle": "2023-2025", "plan_number": 5},
        "commitments": [{
            "commitment_id": "TN0501", "number": 1, "title": {lang: title}, "full_text": {lang: narrative},
            "lead_institution": institution, "supporting_institutions": [],
            "milestones": [{"title": {lang: title}, "due_date": "2024-12-31", "status": "substantial"}],
            "self_reported_completion": "substantial", "narrative": {lang: narrative},
            "evidence": [{"url": "https://budget.example.tn/portail"}],
        }],
        "co_creation": {"forum_meetings": [{"date": "2023-03-14"}],
                        "standards": {"space_for_dialogue": {"met": True}}},
    }


EXAMPLES = {
    "ar": {"summary": "بالعربية", "value": _example("ar", "نشر بيانات الميزانية المفتوحة", "تنشر البوابة البيانات كل ثلاثة أشهر.", "وزارة المالية")},
    "fr": {"summary": "En français", "value": _example("fr", "Publication des données budgétaires", "Le portail publie les données trimestrielles.", "Ministère des Finances")},
    "en": {"summary": "In English", "value": _example("en", "Open budget data", "The portal publishes quarterly data.", "Ministry of Finance")},
}
ERRORS = {status: {"description": text, "content": {"application/json": {"schema": "ErrorSchema"}}} for status, text in {
    "400": "The body is not JSON", "401": "No or unknown bearer token", "403": "Not allowed for this token",
    "404": "Not found", "413": "Too large", "415": "Wrong content type", "422": "Field-level validation errors",
}.items()}


def _errors(*statuses):
    return {status: ERRORS[status] for status in statuses}


@functools.lru_cache(maxsize=1)
def document() -> dict:
    spec = APISpec(
        title="irm-review intake", version="1.0.0", openapi_version="3.0.3", plugins=[MarshmallowPlugin()],
        info={"description": "Self-assessments of OGP action plans and their evidence, by governments' points of contact."},
        servers=[{"url": "/"}],
    )
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    for name, schema in (("SelfAssessment", SelfAssessmentSchema), ("ErrorSchema", ErrorSchema),
                         ("Created", CreatedSchema), ("EvidenceFile", EvidenceFileSchema)):
        spec.components.schema(name, schema=schema)
    secured = [{"bearer": []}]
    spec.path(path="/api/v1/self-assessments", operations={
        "post": {
            "summary": "Submit a self-assessment (a resubmission of the same plan is a new version)",
            "security": secured,
            "parameters": [{"in": "header", "name": "Idempotency-Key", "required": False, "schema": {"type": "string", "maxLength": 128},
                            "description": "A retry with the same key returns the first result."}],
            "requestBody": {"required": True, "content": {"application/json": {"schema": "SelfAssessment", "examples": EXAMPLES}}},
            "responses": {"201": {"description": "Stored", "content": {"application/json": {"schema": "Created"}}},
                          **_errors("400", "401", "403", "413", "415", "422")},
        },
        "get": {
            "summary": "List versions of self-assessments", "security": secured,
            "parameters": [{"in": "query", "name": name, "required": False, "schema": {"type": kind}}
                           for name, kind in (("member", "string"), ("cycle", "string"), ("plan_number", "integer"))],
            "responses": {"200": {"description": "Versions, newest first"}, **_errors("401", "422")},
        },
    })
    spec.path(path="/api/v1/self-assessments/{self_assessment_id}", operations={"get": {
        "summary": "A self-assessment, what changed since its previous version, and its case's status",
        "security": secured,
        "parameters": [{"in": "path", "name": "self_assessment_id", "required": True, "schema": {"type": "string"}}],
        "responses": {"200": {"description": "The self-assessment"}, **_errors("401", "404")},
    }})
    spec.path(path="/api/v1/evidence", operations={"post": {
        "summary": "Upload one evidence file (PDF, ODT, DOCX, XLSX, CSV, PNG, JPEG; judged by content)",
        "security": secured,
        "requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
            "type": "object", "required": ["file"],
            "properties": {"file": {"type": "string", "format": "binary"},
                           "member": {"type": "string", "description": "admin only: the member it is evidence for"}}}}}},
        "responses": {"201": {"description": "Stored", "content": {"application/json": {"schema": "EvidenceFile"}}},
                      **_errors("401", "403", "413", "415", "422")},
    }})
    spec.path(path="/api/v1/evidence/{file_id}", operations={"get": {
        "summary": "Download an evidence file", "security": secured,
        "parameters": [{"in": "path", "name": "file_id", "required": True, "schema": {"type": "string"}}],
        "responses": {"200": {"description": "The file, with its SHA-256 as ETag",
                              "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}},
                      **_errors("401", "404")},
    }})
    plan_parameters = [{"in": "path", "name": "member", "required": True, "schema": {"type": "string"}},
                       {"in": "path", "name": "plan_number", "required": True, "schema": {"type": "integer"}}]
    spec.path(path="/api/v1/action-plans/{member}/{plan_number}/commitments", operations={
        "post": {
            "summary": "Import an action plan's commitments from a CSV or XLSX in OGP's columns",
            "security": secured, "parameters": plan_parameters,
            "requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
                "type": "object", "required": ["file"],
                "properties": {"file": {"type": "string", "format": "binary"},
                               "language": {"type": "string", "enum": ["ar", "fr", "en"], "default": "en"}}}}}},
            "responses": {"200": {"description": "How many rows were imported, and every rejected row with its reason"},
                          **_errors("401", "403", "413", "415", "422")},
        },
        "get": {"summary": "The plan's imported commitments", "security": secured, "parameters": plan_parameters,
                "responses": {"200": {"description": "Commitments by number"}, **_errors("401")}},
    })
    spec.path(path="/api/v1/openapi.json", operations={"get": {
        "summary": "This document", "responses": {"200": {"description": "OpenAPI 3"}}}})
    return spec.to_dict()
