"""What the review API accepts: one marshmallow schema per request body or query."""
from marshmallow import Schema, ValidationError, fields, validate, validates, validates_schema

from services.review.domain import limits, workflow
from shared.contracts.events import CommitmentComment
from shared.contracts.fields import EXPERT_ID, Integer, LocalizedText
from shared.irm import LANGUAGES


class QualityDecisionSchema(Schema):
    decision = fields.String(required=True, validate=validate.OneOf(("approve", "return")))
    comments = fields.List(fields.Nested(CommitmentComment), load_default=list)

    @validates_schema
    def returns_say_why(self, data, **kwargs):
        if data["decision"] == "return" and not data["comments"]:
            raise ValidationError("Say what to change: a return needs at least one comment.", field_name="comments")


class DeclineSchema(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=3, max=2000))
    conflict_of_interest = fields.Boolean(load_default=False, truthy={True}, falsy={False})
    # A conflict of interest names the tie (an employer, a client, a family member's post): the record
    # says why the expert may never be offered this member's cases again.
    affiliation = fields.String(load_default=None, validate=validate.Length(min=2, max=300))

    @validates_schema
    def a_conflict_names_the_affiliation(self, data, **kwargs):
        if data.get("conflict_of_interest") and not (data.get("affiliation") or "").strip():
            raise ValidationError("Name the affiliation that makes this a conflict of interest.", field_name="affiliation")


class TextSchema(Schema):
    """A comment or an answer: its text, at most `max_characters` across its languages (the
    service passes COMMENT_MAX_CHARACTERS; see domain/limits.py for why)."""

    text = LocalizedText(required=True, max_length=10000)

    def __init__(self, *, max_characters=None, **kwargs):
        super().__init__(**kwargs)
        self.max_characters = max_characters

    @validates("text")
    def within_the_size_limit(self, value, **kwargs):
        problem = limits.too_long(value, self.max_characters)
        if problem:
            raise ValidationError(problem)


class GovernmentCommentSchema(TextSchema):
    commitment_id = fields.String(load_default=None)


class PublicCommentSchema(TextSchema):
    commitment_id = fields.String(load_default=None)
    author = fields.String(load_default=None, validate=validate.Length(max=limits.AUTHOR_MAX_CHARACTERS))
    confidential = fields.Boolean(load_default=False, truthy={True}, falsy={False})


MAX_CAPACITY = 1000  # cases one expert may hold at once


class ExpertSchema(Schema):
    """An expert in the registry: what the API (POST/PUT /api/v1/experts) and `irmctl expert add` accept."""

    expert_id = fields.String(required=True, validate=EXPERT_ID)
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    languages = fields.List(fields.String(validate=validate.OneOf(LANGUAGES)), required=True, validate=validate.Length(min=1))
    affiliations = fields.List(fields.String(), load_default=list)
    expertise = fields.List(fields.String(), load_default=list)
    capacity = Integer(required=True, strict=True, validate=validate.Range(min=0, max=MAX_CAPACITY))
    available = fields.Boolean(load_default=True, truthy={True}, falsy={False})


class CaseListQuery(Schema):
    status = fields.String(validate=validate.OneOf(workflow.STATES), load_default=None)
