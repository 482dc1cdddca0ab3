"""The self-assessment a government submits: the API body and the event payload share it.

It follows the IRM's own vocabulary (see the domain brief): a member's action plan
(cycle, plan number), its commitments (Commitment Unique Identifier, number, title, full
text, lead and supporting institutions, milestones) with the government's self-reported
completion, narrative and evidence, and the co-creation report against the five OGP
Participation & Co-Creation Standards. Every free text may be given in ar, fr and en.
"""
from datetime import date

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from shared.contracts.fields import Cycle, Integer, LocalizedText, MEMBER_CODE, time_zone
from shared.irm import COMPLETION, MEMBER_KINDS, SELF_REPORTED_COMPLETION

# The five OGP Participation & Co-Creation Standards (2022), in their order.
CO_CREATION_STANDARDS = (
    "space_for_dialogue",          # 1. a space for ongoing dialogue and collaboration (the forum)
    "open_information",            # 2. open, accessible and timely information
    "inclusive_participation",     # 3. inclusive and informed opportunities to take part
    "reasoned_response",           # 4. a reasoned response and ongoing dialogue
    "collaborative_implementation",  # 5. participation during implementation and monitoring
)


class IsoDate(fields.String):
    """A calendar date as 'YYYY-MM-DD', kept as that string (hashable, JSON-safe)."""

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            date.fromisoformat(text)
        except ValueError:
            raise ValidationError("Must be a date as YYYY-MM-DD.") from None
        if len(text) != 10:
            raise ValidationError("Must be a date as YYYY-MM-DD.")
        return text


class EvidenceSchema(Schema):
    """A link, or a file uploaded to POST /api/v1/evidence (then its file_id)."""

    url = fields.Url(load_default=None, schemes={"http", "https"}, validate=validate.Length(max=2048))
    file_id = fields.String(load_default=None, validate=validate.Regexp(r"^[0-9a-f]{24}\Z", error="Not an evidence file id."))
    description = LocalizedText(max_length=2000, load_default=None)
    # Filled in by intake from the stored file; what a client sends here is replaced.
    sha256 = fields.String(load_default=None)
    media_type = fields.String(load_default=None)
    filename = fields.String(load_default=None)
    size = Integer(load_default=None)
    download_url = fields.String(load_default=None)

    @validates_schema
    def one_kind(self, data, **kwargs):
        if bool(data.get("url")) == bool(data.get("file_id")):
            raise ValidationError("Give either url or file_id.", field_name="_schema")


class MilestoneSchema(Schema):
    title = LocalizedText(required=True, max_length=1000)
    due_date = IsoDate(required=True)
    status = fields.String(load_default=None, validate=validate.OneOf(COMPLETION))


class CommitmentSchema(Schema):
    # OGP data calls it "Commitment Unique Identifier" (e.g. TN0101).
    # No '.' or '$': the id is a key in stored documents (ratings by commitment).
    commitment_id = fields.String(required=True, validate=validate.Regexp(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}\Z", error="Use letters, digits, '_' or '-' (at most 64)."))
    number = Integer(required=True, strict=True, validate=validate.Range(min=1, max=999))
    title = LocalizedText(required=True, max_length=500)
    full_text = LocalizedText(load_default=None, max_length=20000)
    lead_institution = fields.String(load_default=None, validate=validate.Length(min=1, max=300))
    supporting_institutions = fields.List(fields.String(validate=validate.Length(min=1, max=300)), load_default=list,
                                          validate=validate.Length(max=50))
    milestones = fields.List(fields.Nested(MilestoneSchema), load_default=list, validate=validate.Length(max=100))
    self_reported_completion = fields.String(required=True, validate=validate.OneOf(SELF_REPORTED_COMPLETION))
    narrative = LocalizedText(load_default=None)
    evidence = fields.List(fields.Nested(EvidenceSchema), load_default=list, validate=validate.Length(max=50))


class ForumMeetingSchema(Schema):
    date = IsoDate(required=True)
    summary = LocalizedText(load_default=None, max_length=5000)


class StandardReportSchema(Schema):
    met = fields.Boolean(required=True, truthy={True}, falsy={False})
    narrative = LocalizedText(load_default=None, max_length=10000)


class CoCreationSchema(Schema):
    """How the plan was co-created and implemented with civil society."""

    forum_meetings = fields.List(fields.Nested(ForumMeetingSchema), load_default=list, validate=validate.Length(max=200))
    civil_society_participation = LocalizedText(load_default=None, max_length=20000)
    standards = fields.Dict(keys=fields.String(validate=validate.OneOf(CO_CREATION_STANDARDS)),
                            values=fields.Nested(StandardReportSchema), load_default=dict)


class ActionPlanSchema(Schema):
    cycle = Cycle(required=True)
    plan_number = Integer(required=True, strict=True, validate=validate.Range(min=1, max=99))


class SelfAssessmentSchema(Schema):
    """What a point of contact sends to POST /api/v1/self-assessments."""

    member = fields.String(required=True, validate=MEMBER_CODE)
    action_plan = fields.Nested(ActionPlanSchema, required=True)
    commitments = fields.List(fields.Nested(CommitmentSchema), required=True, validate=validate.Length(min=1, max=500))
    co_creation = fields.Nested(CoCreationSchema, load_default=None)

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
    kind = fields.String(required=True, validate=validate.OneOf(MEMBER_KINDS))
    names = LocalizedText(required=True, max_length=200)
    region = fields.String(load_default=None, validate=validate.Length(min=2, max=40))
    # An IANA name (Africa/Tunis): the government's pages state their moments in it; none: in UTC.
    time_zone = fields.String(load_default=None, allow_none=True, validate=time_zone)
