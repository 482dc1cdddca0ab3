"""The shape of an expert's rating of one commitment.

Each indicator is {"value": ..., "justification": {"en": "..."}}; the values are the
IRM's exact ones. Whether a set of ratings is complete and consistent (e.g. nothing
beyond `verifiability` for a not-verifiable commitment) is the rubric's business:
services/review/domain/rubric.py; the gate the schema below asks is the IRM's own rule
(shared/irm.py: beyond_not_verifiable), so this contract depends on no service.
"""
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from shared.contracts.fields import LocalizedText
from shared.irm import (
    COMPLETION, CONTRARY_TO_PROCESS_REASONS, DID_IT_OPEN_GOVERNMENT, NOT_VERIFIABLE_STOPS_THERE, POTENTIAL_FOR_RESULTS,
    PUBLIC_INFLUENCE, VERIFIABILITY, beyond_not_verifiable,
)


def _rated(name, value_field):
    class Rated(Schema):
        value = value_field
        justification = LocalizedText(required=True, max_length=10000)
        evidence = fields.List(fields.Url(schemes={"http", "https"}), load_default=list, validate=validate.Length(max=50))

    # Named after its indicator, so the OpenAPI documents name each one (not Rated, Rated1, ...).
    Rated.__name__ = Rated.__qualname__ = f"{name}Rating"
    return fields.Nested(Rated, load_default=None, allow_none=True)


def _yes_no():
    # JSON true/false only: "yes", 1 or "false" are refused rather than guessed at.
    return fields.Boolean(required=True, truthy={True}, falsy={False})


class LensSchema(Schema):
    """One yes/no per open-government value."""

    transparency = _yes_no()
    participation = _yes_no()
    accountability = _yes_no()


class CommitmentRatingsSchema(Schema):
    verifiability = _rated("Verifiability", fields.String(required=True, validate=validate.OneOf(VERIFIABILITY)))
    open_government_lens = _rated("OpenGovernmentLens", fields.Nested(LensSchema, required=True))
    potential_for_results = _rated("PotentialForResults", fields.String(required=True, validate=validate.OneOf(POTENTIAL_FOR_RESULTS)))
    completion = _rated("Completion", fields.String(required=True, validate=validate.OneOf(COMPLETION)))
    did_it_open_government = _rated("DidItOpenGovernment", fields.String(required=True, validate=validate.OneOf(DID_IT_OPEN_GOVERNMENT)))

    @validates_schema
    def not_verifiable_stops_there(self, data, **kwargs):
        extra = beyond_not_verifiable(data)  # the IRM's gate, asked wherever a rating is read
        if extra:
            raise ValidationError(NOT_VERIFIABLE_STOPS_THERE, field_name=extra[0])


class CoCreationAssessmentSchema(Schema):
    public_influence = fields.String(required=True, validate=validate.OneOf(PUBLIC_INFLUENCE))
    forum_met_regularly = _yes_no()  # at least every six months
    justification = LocalizedText(required=True, max_length=10000)


class ContraryToProcessSchema(Schema):
    value = _yes_no()
    reasons = fields.List(fields.String(validate=validate.OneOf(CONTRARY_TO_PROCESS_REASONS)), load_default=list)
    justification = LocalizedText(required=True, max_length=10000)

    @validates_schema
    def reasons_match(self, data, **kwargs):
        if data["value"] and not data["reasons"]:
            raise ValidationError("Say which rule was broken.", field_name="reasons")
        if not data["value"] and data["reasons"]:
            raise ValidationError("No reasons when the member did not act contrary to process.", field_name="reasons")


class PlanAssessmentSchema(Schema):
    """What the expert assesses once per action plan."""

    co_creation = fields.Nested(CoCreationAssessmentSchema, load_default=None, allow_none=True)
    acted_contrary_to_process = fields.Nested(ContraryToProcessSchema, load_default=None, allow_none=True)
