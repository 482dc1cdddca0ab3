"""The review API as an OpenAPI 3 document (shared/openapi.py builds it): request bodies and
queries from the marshmallow schemas that validate them, responses as the views render them."""
import functools

from marshmallow import Schema, fields, validate

from services.review.domain import assignment, workflow
from services.review.schemas import (
    CaseListQuery, DeclineSchema, ExpertSchema, GovernmentCommentSchema, PublicCommentSchema, QualityDecisionSchema,
    TextSchema,
)
from shared.contracts.fields import LocalizedText
from shared.contracts.ratings import CommitmentRatingsSchema, PlanAssessmentSchema
from shared import access
from shared.openapi import ApiDocument

STATUS = validate.OneOf(workflow.STATES)
MOMENT = {"metadata": {"format": "date-time"}}


def _moment(**kwargs):
    return fields.String(required=True, allow_none=True, **MOMENT, **kwargs)


class ExpertViewSchema(Schema):
    expert_id = fields.String(required=True)
    name = fields.String(required=True)
    languages = fields.List(fields.String(), required=True)
    affiliations = fields.List(fields.String(), required=True)
    expertise = fields.List(fields.String(), required=True)
    capacity = fields.Integer(required=True)
    active_cases = fields.Integer(required=True)
    available = fields.Boolean(required=True)


class ExpertListSchema(Schema):
    experts = fields.List(fields.Nested(ExpertViewSchema), required=True)


class CandidateSchema(Schema):
    expert_id = fields.String(required=True)
    eligible = fields.Boolean(required=True)
    load = fields.Integer(required=True)
    capacity = fields.Integer(required=True)
    reasons = fields.List(fields.String(), required=True, metadata={"description": "Why, in the audit record's words"})
    why = fields.List(fields.Dict(), required=True, metadata={
        "description": "Why, as codes with their values: " + ", ".join(assignment.WHY)})


class WaitingCaseSchema(Schema):
    case_id = fields.String(required=True)
    member = fields.String(required=True)
    cycle = fields.String(required=True)
    languages = fields.List(fields.String(), required=True)
    waiting_since = fields.String(required=True, allow_none=True, metadata={"format": "date-time"})
    reason = fields.String(required=True, allow_none=True, metadata={"description": "Why, when it was last tried"})
    candidates = fields.List(fields.Nested(CandidateSchema), required=True,
                             metadata={"description": "Every expert of the registry, assessed against the case now"})


class WaitingCaseListSchema(Schema):
    cases = fields.List(fields.Nested(WaitingCaseSchema), required=True)


class CaseItemSchema(Schema):
    case_id = fields.String(required=True)
    status = fields.String(required=True, validate=STATUS)
    member = fields.String(required=True)
    cycle = fields.String(required=True)
    plan_number = fields.Integer(allow_none=True)
    expert_id = fields.String(required=True, allow_none=True)
    deadline_at = _moment()
    stage_started_at = _moment()
    url = fields.String(required=True)


class CaseListSchema(Schema):
    cases = fields.List(fields.Nested(CaseItemSchema), required=True)


class MemberSchema(Schema):
    class Meta:
        unknown = "include"  # the member as the registry describes it (names, kind, region, ...)

    code = fields.String(required=True)


class CaseCommitmentSchema(Schema):
    class Meta:
        unknown = "include"  # the commitment as the government submitted it

    commitment_id = fields.String(required=True)
    number = fields.Integer(required=True)
    title = fields.Dict(required=True)
    ratings = fields.Nested(CommitmentRatingsSchema, required=True, allow_none=True)


class DraftCommitmentSchema(Schema):
    commitment_id = fields.String(required=True)
    number = fields.Integer(required=True)
    title = fields.Dict(required=True)
    ratings = fields.Nested(CommitmentRatingsSchema, required=True, allow_none=True)


class ReviewerCommentSchema(Schema):
    commitment_id = fields.String(required=True, allow_none=True)
    text = LocalizedText(required=True)
    reviewer_id = fields.String(required=True)
    at = fields.String(required=True, **MOMENT)


class ResponseSchema(Schema):
    text = LocalizedText(required=True)
    expert_id = fields.String(required=True)
    at = fields.String(required=True, **MOMENT)


class GovernmentCommentViewSchema(Schema):
    comment_id = fields.String(required=True)
    commitment_id = fields.String(required=True, allow_none=True)
    text = LocalizedText(required=True)
    author_id = fields.String(required=True)
    at = fields.String(required=True, **MOMENT)
    response = fields.Nested(ResponseSchema, required=True, allow_none=True)


class PublicCommentViewSchema(Schema):
    comment_id = fields.String(required=True)
    commitment_id = fields.String(required=True, allow_none=True)
    text = LocalizedText(required=True)
    author = fields.String(required=True, allow_none=True)
    at = fields.String(required=True, **MOMENT)


class StoredPublicCommentSchema(PublicCommentViewSchema):
    confidential = fields.Boolean(required=True)


class CasePlanSchema(Schema):
    cycle = fields.String(required=True)
    plan_number = fields.Integer(required=True)


class CaseViewSchema(Schema):
    case_id = fields.String(required=True)
    self_assessment_id = fields.String(required=True)
    status = fields.String(required=True, validate=STATUS)
    member = fields.Nested(MemberSchema, required=True)
    action_plan = fields.Nested(CasePlanSchema, required=True)
    languages = fields.List(fields.String(), required=True)
    expert_id = fields.String(required=True, allow_none=True)
    assignment_reason = fields.String(required=True, allow_none=True)
    deadline_at = _moment()
    commitments = fields.List(fields.Nested(CaseCommitmentSchema), required=True)
    plan_assessment = fields.Nested(PlanAssessmentSchema, required=True, allow_none=True)
    co_creation_report = fields.Dict(required=True, allow_none=True)
    missing = fields.List(fields.String(), required=True,
                          metadata={"description": "What is still missing, as commitment_id.indicator or plan.part"})
    quality_comments = fields.List(fields.Nested(ReviewerCommentSchema), required=True)
    reviewer_id = fields.String(required=True, allow_none=True)
    government_review_until = _moment()
    government_comments = fields.List(fields.Nested(GovernmentCommentViewSchema), required=True)
    comment_max_characters = fields.Integer(required=True, metadata={
        "description": "A comment's or an answer's text, across its languages"})
    public_comment_closes_at = _moment()
    public_comments = fields.List(fields.Nested(StoredPublicCommentSchema), required=True)
    version = fields.Integer(required=True)
    audit_url = fields.String(required=True)


class DraftSchema(Schema):
    case_id = fields.String(required=True)
    status = fields.String(required=True, validate=STATUS)
    member = fields.Nested(MemberSchema, required=True)
    action_plan = fields.Nested(CasePlanSchema, required=True)
    commitments = fields.List(fields.Nested(DraftCommitmentSchema), required=True)
    plan_assessment = fields.Nested(PlanAssessmentSchema, required=True, allow_none=True)


class GovernmentDraftSchema(DraftSchema):
    government_review_until = _moment()
    government_comments = fields.List(fields.Nested(GovernmentCommentViewSchema), required=True)
    comments_url = fields.String(required=True)
    comments_open = fields.Boolean(required=True, metadata={
        "description": "Whether this caller's comment sent now passes the who, state and clock rules (the window: "
                       "government_review_until); the cap still applies"})
    comment_max_characters = fields.Integer(required=True, metadata={"description": "A comment's text, across its languages"})
    comments_left = fields.Integer(required=True, metadata={"description": "How many more comments the case takes this round"})


class PublicDraftSchema(DraftSchema):
    public_comment_closes_at = _moment()
    comments = fields.List(fields.Nested(PublicCommentViewSchema), required=True)
    comments_url = fields.String(required=True)
    comments_open = fields.Boolean(required=True, metadata={
        "description": "Whether a comment sent now passes the state and clock rules (the caps and rate limits still apply)"})
    comment_max_characters = fields.Integer(required=True, metadata={"description": "A comment's text, across its languages"})
    author_max_characters = fields.Integer(required=True)


class CaseStatusSchema(Schema):
    case_id = fields.String(required=True)
    status = fields.String(required=True, validate=STATUS)


class AcceptedSchema(CaseStatusSchema):
    deadline_at = fields.String(required=True, **MOMENT)


class RatingsSavedSchema(Schema):
    case_id = fields.String(required=True)
    commitment_id = fields.String(required=True)
    version = fields.Integer(required=True)


class PlanAssessmentSavedSchema(Schema):
    case_id = fields.String(required=True)
    version = fields.Integer(required=True)


class AnsweredSchema(Schema):
    case_id = fields.String(required=True)
    comment_id = fields.String(required=True)
    answered = fields.Boolean(required=True)


class PublicCommentOpenedSchema(CaseStatusSchema):
    closes_at = fields.String(required=True, **MOMENT)
    public_draft_url = fields.String(required=True)


class PublicCommentCreatedSchema(Schema):
    comment_id = fields.String(required=True)
    confidential = fields.Boolean(required=True)


IF_MATCH = {"in": "header", "name": "If-Match", "required": True,
            "schema": {"type": "string", "pattern": r'^(W/)?"?[0-9]{1,18}"?$'},
            "description": "The case version edited (its ETag): a stale draft never overwrites a newer one."}


@functools.lru_cache(maxsize=1)
def document() -> dict:
    api = ApiDocument("review", "The IRM review of each case: the expert registry, assignment, ratings, quality review, "
                                "government and public comment, and approval for publication.")
    for name, schema in (
        ("CommitmentRatings", CommitmentRatingsSchema), ("PlanAssessment", PlanAssessmentSchema),
        ("Expert", ExpertSchema), ("ExpertView", ExpertViewSchema), ("ExpertList", ExpertListSchema),
        ("CaseList", CaseListSchema), ("CaseView", CaseViewSchema), ("GovernmentDraft", GovernmentDraftSchema),
        ("PublicDraft", PublicDraftSchema), ("Decline", DeclineSchema), ("QualityDecision", QualityDecisionSchema),
        ("Correction", DeclineSchema(only=("reason",))), ("Text", TextSchema), ("GovernmentComment", GovernmentCommentSchema), ("PublicComment", PublicCommentSchema),
        ("CaseStatus", CaseStatusSchema), ("Accepted", AcceptedSchema), ("RatingsSaved", RatingsSavedSchema),
        ("PlanAssessmentSaved", PlanAssessmentSavedSchema), ("GovernmentCommentView", GovernmentCommentViewSchema),
        ("Answered", AnsweredSchema), ("PublicCommentOpened", PublicCommentOpenedSchema),
        ("PublicCommentCreated", PublicCommentCreatedSchema), ("WaitingCaseList", WaitingCaseListSchema),
    ):
        api.schema(name, schema)
    case = "/api/v1/cases/{case_id}"
    api.operation("get", "/api/v1/experts", roles=access.OPERATIONS["manage_experts"], summary="The expert registry",
                  responses={"200": ("Every expert, by id", "ExpertList")})
    api.operation("post", "/api/v1/experts", roles=access.OPERATIONS["manage_experts"], summary="Add an expert", body="Expert",
                  responses={"201": ("Added", "ExpertView")}, errors=("409",))
    api.operation("put", "/api/v1/experts/{expert_id}", roles=access.OPERATIONS["manage_experts"], summary="Change an expert", body="Expert",
                  responses={"200": ("Changed", "ExpertView")})
    api.operation("get", "/api/v1/operator/waiting-cases", roles=access.OPERATIONS["read_waiting_cases"],
                  summary="Cases waiting with nobody eligible, longest waiting first (at most 100), each with every "
                          "expert of the registry assessed against it now: eligible or not, and why",
                  responses={"200": ("The waiting cases", "WaitingCaseList")})
    api.operation("get", "/api/v1/cases", roles=access.OPERATIONS["list_cases"], query=CaseListQuery,
                  summary="Cases (an expert: their own), most recently changed first",
                  responses={"200": ("Up to 200 cases", "CaseList")})
    api.operation("get", case, roles=access.OPERATIONS["read_case"],
                  summary="A case, its ratings and what is still missing; ETag is the draft's version",
                  responses={"200": ("The case", "CaseView")})
    api.operation("get", f"{case}/draft", roles=access.OPERATIONS["read_draft"], summary="The draft findings, as the government reviews them",
                  responses={"200": ("The draft", "GovernmentDraft")})
    api.operation("get", f"{case}/public-draft", summary="The draft findings open to public comment, and the comments",
                  responses={"200": ("The draft", "PublicDraft")})
    api.operation("post", f"{case}/accept", roles=access.OPERATIONS["expert_work"], summary="The assigned expert takes the case",
                  responses={"200": ("Accepted; the draft's deadline", "Accepted")}, errors=("409",))
    api.operation("post", f"{case}/decline", roles=access.OPERATIONS["expert_work"], body="Decline",
                  summary="The assigned expert gives the case back (with a reason); it is reassigned at once",
                  responses={"200": ("Declined", "CaseStatus")}, errors=("409",))
    api.operation("put", f"{case}/ratings/{{commitment_id}}", roles=access.OPERATIONS["expert_work"], headers=[IF_MATCH], body="CommitmentRatings",
                  summary="One commitment's ratings", responses={"200": ("Saved; the new version is the ETag", "RatingsSaved")},
                  errors=("409", "428"))
    api.operation("put", f"{case}/plan-assessment", roles=access.OPERATIONS["expert_work"], headers=[IF_MATCH], body="PlanAssessment",
                  summary="The plan's co-creation and acted-contrary-to-process assessment",
                  responses={"200": ("Saved; the new version is the ETag", "PlanAssessmentSaved")}, errors=("409", "428"))
    api.operation("post", f"{case}/submit", roles=access.OPERATIONS["expert_work"], summary="Submit the draft to quality review",
                  responses={"200": ("In quality review", "CaseStatus")}, errors=("409", "422"))
    api.operation("post", f"{case}/quality-decision", roles=access.OPERATIONS["quality_decision"], body="QualityDecision",
                  summary="Approve (to government review) or return with comments; never the author's own case",
                  responses={"200": ("Decided", "CaseStatus")}, errors=("409",))
    api.operation("post", f"{case}/government-comments", roles=access.OPERATIONS["comment_government"], body="GovernmentComment",
                  summary="The member's government comments on the draft, within its window",
                  responses={"201": ("Kept", "GovernmentCommentView")}, errors=("409",))
    api.operation("post", f"{case}/government-comments/{{comment_id}}/response", roles=access.OPERATIONS["expert_work"], body="Text",
                  summary="The expert answers a government comment", responses={"200": ("Answered", "Answered")},
                  errors=("409",))
    api.operation("post", f"{case}/open-public-comment", roles=access.OPERATIONS["open_public_comment"],
                  summary="Open the draft to public comment, after the government window and every comment answered",
                  responses={"200": ("Open", "PublicCommentOpened")}, errors=("409",))
    api.operation("post", f"{case}/public-comments", body="PublicComment",
                  summary="Anyone comments on a draft in public comment (anonymous: a token is refused)",
                  responses={"201": ("Kept", "PublicCommentCreated")}, errors=("401", "409", "429"))
    api.operation("post", f"{case}/finalise", roles=access.OPERATIONS["expert_work"],
                  summary="After the public comment period: approved for publication",
                  responses={"200": ("Approved", "CaseStatus")}, errors=("409",))
    api.operation("post", f"{case}/correct", roles=access.OPERATIONS["correct"], body="Correction",
                  summary="Reopen published findings for a correction (a new version will supersede them)",
                  responses={"200": ("Back in review", "CaseStatus")}, errors=("409",))
    return api.to_dict()
