"""The intake API as an OpenAPI 3 document (shared/openapi.py builds it), generated from the
same marshmallow schemas that validate requests, so it cannot drift from what the service accepts."""
import functools

from marshmallow import Schema, fields

from services.intake.domain.evidence import ALLOWED as EVIDENCE_MEDIA_TYPES
from services.intake.schemas import DraftSchema, MembersQuery, VersionsQuery
from shared.contracts.self_assessment import SelfAssessmentSchema
from shared import access
from shared.irm import LANGUAGES
from shared.openapi import ApiDocument, integer


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


class VersionItemSchema(Schema):
    id = fields.String(required=True)
    url = fields.String(required=True)
    member = fields.String(required=True)
    cycle = fields.String(required=True)
    plan_number = fields.Integer(required=True)
    version = fields.Integer(required=True)
    case_id = fields.String(required=True)
    case_status = fields.String(required=True)
    submitted_at = fields.String(required=True)


class VersionsSchema(Schema):
    items = fields.List(fields.Nested(VersionItemSchema), required=True)


class CaseProgressSchema(Schema):
    status = fields.String(required=True)
    updated_at = fields.String(required=True)
    history = fields.List(fields.Dict(), required=True)
    audit_url = fields.String(required=True)


class SelfAssessmentViewSchema(Schema):
    id = fields.String(required=True)
    case_id = fields.String(required=True)
    member = fields.String(required=True)
    action_plan = fields.Dict(required=True)
    version = fields.Integer(required=True)
    previous_version_id = fields.String(required=True, allow_none=True)
    previous_version_url = fields.String(required=True, allow_none=True)
    changes = fields.Raw(required=True, allow_none=True)
    languages = fields.List(fields.String(), required=True)
    commitments = fields.List(fields.Dict(), required=True)
    co_creation = fields.Dict(required=True, allow_none=True)
    content_sha256 = fields.String(required=True)
    submitted_by = fields.String(required=True)
    submitted_at = fields.String(required=True)
    case = fields.Nested(CaseProgressSchema, required=True)


class RejectedRowSchema(Schema):
    row = fields.Integer(required=True)
    commitment_id = fields.String(required=True, allow_none=True)
    reason = fields.String(required=True, metadata={"description": "Why, in English (as irmctl prints it)."})
    code = fields.String(required=True, allow_none=True, metadata={
        "description": "The reason's code, for a client to say it in its own language: required, id_format, id_repeated, "
                       "id_repeated_first, country, plan, number_range, too_long, control_character, not_whole_number, id_taken."})
    params = fields.Dict(required=True, metadata={"description": "The reason's values (column, value, limit, ...), by name."})


class ImportReportSchema(Schema):
    imported = fields.Integer(required=True)
    rejected = fields.List(fields.Nested(RejectedRowSchema), required=True)
    commitments_url = fields.String(required=True)


class PlanCommitmentSchema(Schema):
    commitment_id = fields.String(required=True)
    number = fields.Integer(required=True)
    title = fields.Dict(required=True)
    full_text = fields.Dict(required=True, allow_none=True)
    lead_institution = fields.String(required=True, allow_none=True)
    supporting_institutions = fields.List(fields.String(), required=True)


class PlanCommitmentsSchema(Schema):
    member = fields.String(required=True)
    plan_number = fields.Integer(required=True)
    commitments = fields.List(fields.Nested(PlanCommitmentSchema), required=True)


class DraftViewSchema(Schema):
    member = fields.String(required=True)
    plan_number = fields.Integer(required=True)
    draft = fields.Nested(DraftSchema, required=True)
    saved_at = fields.String(required=True)
    saved_by = fields.String(required=True)


class PlanCaseSchema(Schema):
    status = fields.String(required=True)
    updated_at = fields.String(required=True)
    window_until = fields.String(required=True, allow_none=True)
    audit_url = fields.String(required=True)


class PlanLatestSchema(Schema):
    id = fields.String(required=True)
    url = fields.String(required=True)
    version = fields.Integer(required=True)
    case_id = fields.String(required=True)
    submitted_at = fields.String(required=True)
    case = fields.Nested(PlanCaseSchema, required=True)


class PlanDraftSchema(Schema):
    saved_at = fields.String(required=True)
    url = fields.String(required=True)


class MemberPlanSchema(Schema):
    plan_number = fields.Integer(required=True)
    cycle = fields.String(required=True, allow_none=True)
    commitments = fields.Integer(required=True)
    commitments_url = fields.String(required=True)
    draft = fields.Nested(PlanDraftSchema, required=True, allow_none=True)
    versions = fields.Integer(required=True)
    latest = fields.Nested(PlanLatestSchema, required=True, allow_none=True)


class RegistryMemberSchema(Schema):
    code = fields.String(required=True)
    kind = fields.String(required=True)
    names = fields.Dict(keys=fields.String(), values=fields.String(), required=True)
    region = fields.String()
    time_zone = fields.String()
    created_at = fields.String(required=True, allow_none=True)


class MembersSchema(Schema):
    members = fields.List(fields.Nested(RegistryMemberSchema), required=True)
    next_after = fields.String(required=True, allow_none=True)


class MemberPlansSchema(Schema):
    member = fields.Dict(required=True)
    plans = fields.List(fields.Nested(MemberPlanSchema), required=True)


@functools.lru_cache(maxsize=1)
def document() -> dict:
    api = ApiDocument("intake", "Self-assessments of OGP action plans and their evidence, by governments' points of contact.")
    for name, schema in (("SelfAssessment", SelfAssessmentSchema), ("Created", CreatedSchema), ("EvidenceFile", EvidenceFileSchema),
                         ("SelfAssessmentVersions", VersionsSchema), ("SelfAssessmentView", SelfAssessmentViewSchema),
                         ("ImportReport", ImportReportSchema), ("PlanCommitments", PlanCommitmentsSchema),
                         ("SelfAssessmentDraft", DraftSchema), ("SelfAssessmentDraftView", DraftViewSchema),
                         ("MemberPlans", MemberPlansSchema), ("Members", MembersSchema)):
        api.schema(name, schema)
    api.operation(
        "post", "/api/v1/self-assessments", roles=access.OPERATIONS["submit_self_assessment"],
        summary="Submit a self-assessment (a resubmission of the same plan is a new version)",
        headers=[{"in": "header", "name": "Idempotency-Key", "required": False, "schema": {"type": "string", "maxLength": 128},
                  "description": "A retry with the same key returns the first result."}],
        body={"application/json": {"schema": {"$ref": "#/components/schemas/SelfAssessment"}, "examples": EXAMPLES}},
        responses={"201": ("Stored", "Created"), "200": ("A retry with the same Idempotency-Key: the first result", "Created")})
    api.operation("get", "/api/v1/self-assessments", roles=access.OPERATIONS["read_self_assessments"], summary="List versions of self-assessments",
                  query=VersionsQuery, responses={"200": ("Versions, newest first", "SelfAssessmentVersions")})
    api.operation("get", "/api/v1/self-assessments/{self_assessment_id}", roles=access.OPERATIONS["read_self_assessments"],
                  summary="A self-assessment, what changed since its previous version, and its case's status",
                  responses={"200": ("The self-assessment", "SelfAssessmentView")})
    api.operation(
        "post", "/api/v1/evidence", roles=access.OPERATIONS["upload_evidence"],
        summary="Upload one evidence file (PDF, ODT, DOCX, XLSX, CSV, PNG, JPEG; judged by content)",
        body={"multipart/form-data": {"schema": {
            "type": "object", "required": ["file"],
            "properties": {"file": {"type": "string", "format": "binary"},
                           "member": {"type": "string", "description": "admin only: the member it is evidence for"}}}}},
        responses={"201": ("Stored", "EvidenceFile")})
    api.operation("get", "/api/v1/evidence/{file_id}", roles=access.OPERATIONS["read_evidence"], summary="Download an evidence file",
                  responses={"200": ("The file, with its SHA-256 as ETag",
                                     {media: {"schema": {"type": "string", "format": "binary"}} for media in EVIDENCE_MEDIA_TYPES})})
    plan = {"path_params": {"member": {"type": "string", "minLength": 1}, "plan_number": integer()}}
    api.operation(
        "post", "/api/v1/action-plans/{member}/{plan_number}/commitments", roles=access.OPERATIONS["import_commitments"], **plan,
        summary="Import an action plan's commitments from a CSV or XLSX in OGP's columns",
        body={"multipart/form-data": {"schema": {
            "type": "object", "required": ["file"],
            "properties": {"file": {"type": "string", "format": "binary"},
                           "language": {"type": "string", "enum": list(LANGUAGES), "default": "en"}}}}},
        responses={"200": ("How many rows were imported, and every rejected row with its reason", "ImportReport")})
    api.operation("get", "/api/v1/action-plans/{member}/{plan_number}/commitments", roles=access.OPERATIONS["read_commitments"], **plan,
                  summary="The plan's imported commitments", responses={"200": ("Commitments by number", "PlanCommitments")})
    api.operation("get", "/api/v1/action-plans/{member}/{plan_number}/self-assessment-draft",
                  roles=access.OPERATIONS["self_assessment_draft"], **plan,
                  summary="The plan's self-assessment draft, as last saved (from any device)",
                  responses={"200": ("The draft", "SelfAssessmentDraftView")})
    api.operation("put", "/api/v1/action-plans/{member}/{plan_number}/self-assessment-draft",
                  roles=access.OPERATIONS["self_assessment_draft"], **plan,
                  summary="Keep the plan's self-assessment draft (checked loosely; submitting holds it to the contract)",
                  body={"application/json": {"schema": {"$ref": "#/components/schemas/SelfAssessmentDraft"}}},
                  responses={"200": ("Kept", "SelfAssessmentDraftView")})
    api.operation("get", "/api/v1/members/{member}/action-plans", roles=access.OPERATIONS["read_member_plans"],
                  path_params={"member": {"type": "string", "minLength": 1}},
                  summary="The member's action plans: imported commitments, draft, newest version and its case's stage",
                  responses={"200": ("The plans, newest first", "MemberPlans")})
    api.operation("get", "/api/v1/members", roles=access.OPERATIONS["read_members"], query=MembersQuery,
                  summary="The registry's members (code, kind, names, region, time zone), in code order",
                  responses={"200": ("One page; next_after is the next page's cursor", "Members")})
    return api.to_dict()
