"""The self-assessment a government submits: the API body and the event payload share it."""
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from shared.contracts.fields import Cycle, LocalizedText, MEMBER_CODE
from shared.irm import SELF_REPORTED_COMPLETION


class EvidenceSchema(Schema):
    url = fields.Url(required=True, schemes={"http", "https"}, validate=validate.Length(max=2048))
    description = LocalizedText(max_length=2000, load_default=None)


class CommitmentSchema(Schema):
    # OGP data calls it "Commitment Unique Identifier" (e.g. TN0101).
    # No '.' or '$': the id is a key in stored documents (ratings by commitment).
    commitment_id = fields.String(required=True, validate=validate.Regexp(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$", error="Use letters, digits, '_' or '-' (at most 64)."))
    number = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=999))
    title = LocalizedText(required=True, max_length=500)
    self_reported_completion = fields.String(required=True, validate=validate.OneOf(SELF_REPORTED_COMPLETION))
    narrative = LocalizedText(load_default=None)
    evidence = fields.List(fields.Nested(EvidenceSchema), load_default=list, validate=validate.Length(max=50))


class ActionPlanSchema(Schema):
    cycle = Cycle(required=True)
    plan_number = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=99))


class SelfAssessmentSchema(Schema):
    """What a point of contact sends to POST /api/v1/self-assessments."""

    member = fields.String(required=True, validate=MEMBER_CODE)
    action_plan = fields.Nested(ActionPlanSchema, required=True)
    commitments = fields.List(fields.Nested(CommitmentSchema), required=True, validate=validate.Length(min=1, max=500))

    @validates_schema
    def commitment_ids_are_unique(self, data, **kwargs):
        seen = {}
        for index, commitment in enumerate(data.get("commitments") or []):
            for key in ("commitment_id", "number"):
                value = (key, commitment[key])
                if value in seen:
                    raise ValidationError(
                        f"Duplicates commitments[{seen[value]}].{key} ({commitment[key]}).",
                        field_name=f"commitments[{index}].{key}",
                    )
                seen[value] = index


class MemberSchema(Schema):
    code = fields.String(required=True, validate=MEMBER_CODE)
    kind = fields.String(required=True, validate=validate.OneOf(("national", "local")))
    names = LocalizedText(required=True, max_length=200)
