"""What the intake API accepts besides the self-assessment itself (shared/contracts/self_assessment.py)."""
from marshmallow import Schema, fields, validate

from shared.contracts.fields import MEMBER_CODE, Cycle, Integer
from shared.contracts.self_assessment import SelfAssessmentSchema
from shared.irm import LANGUAGES

# The body of POST /api/v1/self-assessments. Built once: every SelfAssessmentSchema builds its ten nested
# schemas anew. Shared safely: loading never yields to another green thread midway.
SUBMISSION = SelfAssessmentSchema()


class MembersQuery(Schema):
    """GET /api/v1/members: the registry in code order, a bounded page after the cursor `after` (a code)."""
    after = fields.String(validate=MEMBER_CODE, load_default=None)
    limit = Integer(load_default=50, validate=validate.Range(min=1, max=100))


class VersionsQuery(Schema):
    member = fields.String(validate=MEMBER_CODE, load_default=None)
    cycle = Cycle(load_default=None)
    plan_number = Integer(validate=validate.Range(min=1, max=99), load_default=None)


# --- a self-assessment's draft: kept as the form left it, checked loosely --------------------------
# Loose: a draft may be half-written, so nothing is required and no value is judged against the
# contract (the submission is, shared/contracts/self_assessment.py). What is checked keeps a draft
# small and of the form's shape: known fields, bounded strings, ids that can be document keys.
DRAFT_TEXT = validate.Length(max=20000)


MAX_DRAFT_FILES = 20


class DraftEvidenceFileSchema(Schema):
    file_id = fields.String(required=True, validate=validate.Regexp(r"^[0-9a-f]{24}\Z"))
    filename = fields.String(load_default="", validate=validate.Length(max=255))
    media_type = fields.String(load_default="", validate=validate.Length(max=100))
    size = Integer(load_default=0, validate=validate.Range(min=0, max=2 ** 40))


class SelfAssessmentDraftCommitmentSchema(Schema):
    """One commitment of the draft (its OpenAPI component, SelfAssessmentDraftCommitment, is named apart from review's
    DraftCommitment, the draft findings' commitment: the gateway merges both documents)."""

    commitment_id = fields.String(required=True, validate=validate.Regexp(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}\Z"))
    self_reported_completion = fields.String(load_default="", validate=validate.Length(max=40))
    narrative = fields.String(load_default="", validate=DRAFT_TEXT)
    evidence_url = fields.String(load_default="", validate=validate.Length(max=2048))
    # files uploaded to POST /api/v1/evidence for this commitment, as its answer described them (the
    # submission names them by file_id, and is checked against the stored files then)
    evidence_files = fields.List(fields.Nested(DraftEvidenceFileSchema), load_default=list,
                                 validate=validate.Length(max=MAX_DRAFT_FILES))


class DraftSchema(Schema):
    """PUT /api/v1/action-plans/{member}/{n}/self-assessment-draft: the form as it stands."""

    language = fields.String(load_default=None, validate=validate.OneOf(LANGUAGES))  # the texts' language
    cycle = fields.String(load_default="", validate=validate.Length(max=20))
    commitments = fields.List(fields.Nested(SelfAssessmentDraftCommitmentSchema), load_default=list, validate=validate.Length(max=500))
    civil_society_participation = fields.String(load_default="", validate=DRAFT_TEXT)
