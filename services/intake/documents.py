"""Intake's documents, and nothing else (reads: queries.py). Imported as a module by the service, never as classes (see shared/persistence/documents.py)."""
from mongoengine import DateTimeField, DictField, Document, IntField, ListField, StringField

from shared.persistence.fields import PlainData


class SelfAssessment(Document):
    id = StringField(primary_key=True)
    case_id = StringField(required=True, unique=True)
    member_code = StringField(required=True)
    cycle = StringField(required=True)
    plan_number = IntField(required=True)
    languages = ListField(StringField(), required=True)
    # As SelfAssessmentSchema loaded them: stored as they are (shared/persistence/fields.py says why).
    commitments = PlainData(list, required=True)
    co_creation = PlainData(dict)
    content_sha256 = StringField(required=True)
    # Versions: a resubmission for the same member and plan is version N+1.
    version = IntField(required=True, default=1)
    previous_version_id = StringField()
    changes = DictField()  # against the previous version (domain/submission.py: changes_since)
    submitted_by = StringField(required=True)
    submitted_at = DateTimeField(required=True)
    correlation_id = StringField(required=True)
    # The case's progress as the other services report it (a read model fed by events).
    case_status = StringField(required=True)
    case_status_at = StringField(required=True)
    case_history = ListField(DictField())
    # Until when the stage the case is in waits on someone (the government's review window, the
    # public comment period), as the stage's event said; None when the stage names no such moment.
    case_window_until = StringField()
    meta = {"collection": "intake_self_assessments", "indexes": [
        # Unique: two concurrent resubmissions cannot both become version N+1.
        {"fields": ["member_code", "cycle", "plan_number", "version"], "unique": True},
        "submitted_at",
    ]}


class IdempotencyKey(Document):
    """A client's Idempotency-Key, so a retried upload returns the first result."""

    key = StringField(primary_key=True)  # "<subject>:<header value>": keys are per caller
    self_assessment_id = StringField(required=True)
    body_sha256 = StringField(required=True)
    created_at = DateTimeField(required=True)
    meta = {"collection": "intake_idempotency_keys"}


class ActionPlanCommitment(Document):
    """A commitment of a member's action plan as OGP's commitments data lists it (bulk import)."""

    commitment_id = StringField(primary_key=True)  # "Commitment Unique Identifier"
    member_code = StringField(required=True)
    plan_number = IntField(required=True)  # "Action Plan Number"
    number = IntField(required=True)  # "Commitment Number"
    title = DictField(required=True)  # {"en": ...}: the language the file was imported in
    full_text = DictField()
    lead_institution = StringField()
    supporting_institutions = ListField(StringField())
    source = StringField()  # file name and row, for provenance
    imported_by = StringField(required=True)
    imported_at = DateTimeField(required=True)
    meta = {"collection": "intake_action_plan_commitments", "indexes": [("member_code", "plan_number", "number")]}


class SelfAssessmentDraft(Document):
    """A point of contact's self-assessment in progress, one per member and plan, kept between sittings
    (any device). Loosely checked (schemas.DraftSchema): the submission alone is held to the contract."""

    id = StringField(primary_key=True)  # "<member>:<plan number>"
    member_code = StringField(required=True)
    plan_number = IntField(required=True)
    body = DictField()  # the DraftSchema-valid body
    saved_by = StringField(required=True)
    saved_at = DateTimeField(required=True)
    meta = {"collection": "intake_self_assessment_drafts", "indexes": ["member_code"]}


ALL = (SelfAssessment, IdempotencyKey, ActionPlanCommitment, SelfAssessmentDraft)
