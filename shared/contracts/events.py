"""Every event the services exchange: one envelope, one payload schema per event.

Services publish only through `build_event` and consume only through `parse_event`,
so a message that does not match its contract never reaches domain code.

Envelope fields:
  event_id        unique id; consumers record it to apply each event once
  event_type      e.g. "review.assigned"; also the AMQP routing key
  schema_version  the payload schema's version, bumped on incompatible change
  occurred_at     ISO-8601 UTC with milliseconds, e.g. 2026-11-25T12:00:00.000Z
  correlation_id  follows one case from upload to publication (logs bind it)
  actor           who caused it: {"role": ..., "id": ...}
  payload         the event's own schema, below
"""
import functools
from dataclasses import dataclass

from marshmallow import Schema, ValidationError, fields, validate

from shared.clock import now_iso
from shared.contracts.fields import Cycle, LocalizedText, MEMBER_CODE
from shared.contracts.ratings import CommitmentRatingsSchema, PlanAssessmentSchema
from shared.contracts.self_assessment import ActionPlanSchema, CoCreationSchema, CommitmentSchema, MemberSchema
from shared.ids import new_id
from shared.irm import EXPERT_STAGES, LANGUAGES, ROLES

ISO_UTC = validate.Regexp(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z\Z", error="Must be ISO-8601 UTC with milliseconds.")


class ActorSchema(Schema):
    role = fields.String(required=True, validate=validate.OneOf(ROLES + ("system",)))
    id = fields.String(required=True, validate=validate.Length(min=1, max=128))


class EnvelopeSchema(Schema):
    event_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    event_type = fields.String(required=True)
    schema_version = fields.Integer(required=True, strict=True)
    occurred_at = fields.String(required=True, validate=ISO_UTC)
    correlation_id = fields.String(required=True, validate=validate.Length(min=1, max=128))
    actor = fields.Nested(ActorSchema, required=True)
    payload = fields.Dict(required=True)


# --- payloads ---------------------------------------------------------------

class SelfAssessmentSubmitted(Schema):
    self_assessment_id = fields.String(required=True)
    case_id = fields.String(required=True)
    member = fields.Nested(MemberSchema, required=True)
    action_plan = fields.Nested(ActionPlanSchema, required=True)
    languages = fields.List(fields.String(validate=validate.OneOf(LANGUAGES)), required=True, validate=validate.Length(min=1))
    commitments = fields.List(fields.Nested(CommitmentSchema), required=True, validate=validate.Length(min=1))
    co_creation = fields.Nested(CoCreationSchema, load_default=None, allow_none=True)
    version = fields.Integer(load_default=1)


class CandidateSchema(Schema):
    expert_id = fields.String(required=True)
    eligible = fields.Boolean(required=True)
    reasons = fields.List(fields.String(), required=True)
    load = fields.Integer(required=True)
    capacity = fields.Integer(required=True)
    expertise_match = fields.Boolean(load_default=False)


class ReviewAssigned(Schema):
    case_id = fields.String(required=True)
    member_code = fields.String(required=True, validate=MEMBER_CODE)
    expert_id = fields.String(required=True)
    reason = fields.String(required=True)
    candidates = fields.List(fields.Nested(CandidateSchema), required=True)
    # When the expert must have accepted or declined (the mail tells them). Optional: a message
    # from before it was added still parses (a compatible change, no new schema version).
    accept_deadline_at = fields.String(load_default=None, allow_none=True, validate=ISO_UTC)


class ReviewSubmitted(Schema):
    case_id = fields.String(required=True)
    member_code = fields.String(required=True, validate=MEMBER_CODE)
    expert_id = fields.String(required=True)


class ReviewStage(Schema):
    """A case entered a stage of the review: enough for anyone to show where it is."""

    case_id = fields.String(required=True)
    member_code = fields.String(required=True, validate=MEMBER_CODE)
    expert_id = fields.String(required=True)


class ReviewUnassigned(Schema):
    """No expert qualifies for the case now: it waits, and is retried when the registry changes."""

    case_id = fields.String(required=True)
    member_code = fields.String(required=True, validate=MEMBER_CODE)
    reason = fields.String(required=True)


class ReviewAccepted(ReviewStage):
    deadline_at = fields.String(required=True, validate=ISO_UTC)  # the draft is due then


class ReviewReminded(ReviewStage):
    """The expert is reminded that their stage's deadline nears (sent once per stage; the watch decides when)."""

    stage = fields.String(required=True, validate=validate.OneOf(EXPERT_STAGES))
    deadline_at = fields.String(required=True, validate=ISO_UTC)


class ReviewDeadlineMissed(ReviewStage):
    """The expert (`expert_id`) let their stage's deadline pass: the case was taken back from them."""

    stage = fields.String(required=True, validate=validate.OneOf(EXPERT_STAGES))
    deadline_at = fields.String(required=True, validate=ISO_UTC)


class ReviewQualityApproved(ReviewStage):
    reviewer_id = fields.String(required=True)
    government_review_until = fields.String(required=True, validate=ISO_UTC)


class ReviewPublicCommentOpened(ReviewStage):
    closes_at = fields.String(required=True, validate=ISO_UTC)


class ReviewCorrectionOpened(ReviewStage):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))  # the operator's, as in the audit trail
    deadline_at = fields.String(required=True, validate=ISO_UTC)


class CommitmentComment(Schema):
    commitment_id = fields.String(load_default=None, allow_none=True)
    text = LocalizedText(required=True, max_length=10000)


class ReviewReturned(Schema):
    case_id = fields.String(required=True)
    member_code = fields.String(required=True, validate=MEMBER_CODE)
    expert_id = fields.String(required=True)
    reviewer_id = fields.String(required=True)
    comments = fields.List(fields.Nested(CommitmentComment), required=True, validate=validate.Length(min=1))


class RatedCommitment(Schema):
    commitment_id = fields.String(required=True)
    number = fields.Integer(required=True)
    title = LocalizedText(required=True)
    self_reported_completion = fields.String(required=True)
    ratings = fields.Nested(CommitmentRatingsSchema, required=True)


class ResponseSchema(Schema):
    text = LocalizedText(required=True, max_length=10000)
    expert_id = fields.String(required=True)
    at = fields.String(required=True, validate=ISO_UTC)


class GovernmentComment(Schema):
    """A factual comment by the member's PoC during pre-publication review, and the expert's response."""

    comment_id = fields.String(required=True)
    commitment_id = fields.String(load_default=None, allow_none=True)
    text = LocalizedText(required=True, max_length=10000)
    author_id = fields.String(required=True)
    at = fields.String(required=True, validate=ISO_UTC)
    response = fields.Nested(ResponseSchema, load_default=None, allow_none=True)


class PublicComment(Schema):
    """A comment from anyone during the public comment period (confidential ones are never sent)."""

    comment_id = fields.String(required=True)
    commitment_id = fields.String(load_default=None, allow_none=True)
    text = LocalizedText(required=True, max_length=10000)
    author = fields.String(load_default=None, allow_none=True)
    at = fields.String(required=True, validate=ISO_UTC)


class ReviewApproved(Schema):
    case_id = fields.String(required=True)
    self_assessment_id = fields.String(required=True)
    member = fields.Nested(MemberSchema, required=True)
    action_plan = fields.Nested(ActionPlanSchema, required=True)
    languages = fields.List(fields.String(validate=validate.OneOf(LANGUAGES)), required=True)
    expert_id = fields.String(required=True)
    reviewer_id = fields.String(required=True)
    commitments = fields.List(fields.Nested(RatedCommitment), required=True, validate=validate.Length(min=1))
    plan_assessment = fields.Nested(PlanAssessmentSchema, load_default=None, allow_none=True)
    government_comments = fields.List(fields.Nested(GovernmentComment), load_default=list)
    public_comments = fields.List(fields.Nested(PublicComment), load_default=list)


class FindingPublished(Schema):
    finding_id = fields.String(required=True)
    case_id = fields.String(required=True)
    member_code = fields.String(required=True, validate=MEMBER_CODE)
    cycle = Cycle(required=True)
    published_at = fields.String(required=True, validate=ISO_UTC)
    # A withdrawal is a new version too, announced like any other (added compatibly: absent means published).
    status = fields.String(load_default="published", validate=validate.OneOf(("published", "withdrawn")))


class PersonInvited(Schema):
    """An admin invited a person: the mail step sends the invitation in the person's language, with the
    link's token unsealed from `sealed_token` (services/accounts/domain/tokens.py: the outbox and the
    broker hold it only sealed with the server's secret)."""

    person_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    email = fields.Email(required=True)
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    language = fields.String(required=True, validate=validate.OneOf(LANGUAGES))
    member_code = fields.String(load_default=None, allow_none=True, validate=MEMBER_CODE)
    expert_id = fields.String(load_default=None, allow_none=True)
    expires_at = fields.String(required=True, validate=ISO_UTC)
    sealed_token = fields.String(required=True, validate=validate.Length(min=1, max=512))


class PasswordResetRequested(Schema):
    """A person asked for a password reset (only ever for an account that exists); the link as above."""

    person_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    email = fields.Email(required=True)
    language = fields.String(required=True, validate=validate.OneOf(LANGUAGES))
    expires_at = fields.String(required=True, validate=ISO_UTC)
    sealed_token = fields.String(required=True, validate=validate.Length(min=1, max=512))


SELF_ASSESSMENT_SUBMITTED = "self_assessment.submitted"
REVIEW_ASSIGNED = "review.assigned"
REVIEW_SUBMITTED = "review.submitted"
REVIEW_RETURNED = "review.returned"
REVIEW_APPROVED = "review.approved"
REVIEW_UNASSIGNED = "review.unassigned"
REVIEW_ACCEPTED = "review.accepted"
REVIEW_QUALITY_APPROVED = "review.quality_approved"
REVIEW_PUBLIC_COMMENT_OPENED = "review.public_comment_opened"
REVIEW_CORRECTION_OPENED = "review.correction_opened"
REVIEW_REMINDED = "review.reminded"
REVIEW_DEADLINE_MISSED = "review.deadline_missed"
# Of a deadline, not of a stage: where a case rests is told by the stage events (after a missed deadline,
# review.assigned or review.unassigned follow in the same transaction).
DEADLINE_EVENTS = (REVIEW_REMINDED, REVIEW_DEADLINE_MISSED)
FINDING_PUBLISHED = "finding.published"
PERSON_INVITED = "person.invited"
PASSWORD_RESET_REQUESTED = "password_reset.requested"


@dataclass(frozen=True)
class EventContract:
    event_type: str
    source: str  # the nameko service that publishes it (part of the AMQP exchange name)
    schema: type
    version: int = 1


CONTRACTS = {
    contract.event_type: contract
    for contract in (
        EventContract(SELF_ASSESSMENT_SUBMITTED, "intake", SelfAssessmentSubmitted),
        EventContract(REVIEW_ASSIGNED, "review", ReviewAssigned),
        EventContract(REVIEW_SUBMITTED, "review", ReviewSubmitted),
        EventContract(REVIEW_RETURNED, "review", ReviewReturned),
        EventContract(REVIEW_UNASSIGNED, "review", ReviewUnassigned),
        EventContract(REVIEW_ACCEPTED, "review", ReviewAccepted),
        EventContract(REVIEW_QUALITY_APPROVED, "review", ReviewQualityApproved),
        EventContract(REVIEW_PUBLIC_COMMENT_OPENED, "review", ReviewPublicCommentOpened),
        EventContract(REVIEW_APPROVED, "review", ReviewApproved),
        EventContract(REVIEW_CORRECTION_OPENED, "review", ReviewCorrectionOpened),
        EventContract(REVIEW_REMINDED, "review", ReviewReminded),
        EventContract(REVIEW_DEADLINE_MISSED, "review", ReviewDeadlineMissed),
        EventContract(FINDING_PUBLISHED, "publication", FindingPublished),
        EventContract(PERSON_INVITED, "accounts", PersonInvited),
        EventContract(PASSWORD_RESET_REQUESTED, "accounts", PasswordResetRequested),
    )
}

class MalformedEvent(ValueError):
    """A message that does not match its contract; it is rejected whole."""

    def __init__(self, message, errors=None):
        super().__init__(message)
        self.errors = errors or {}


@dataclass(frozen=True)
class Event:
    event_id: str
    event_type: str
    schema_version: int
    occurred_at: str
    correlation_id: str
    actor: dict
    payload: dict

    def to_message(self) -> dict:
        return {
            "event_id": self.event_id,
            "event_type": self.event_type,
            "schema_version": self.schema_version,
            "occurred_at": self.occurred_at,
            "correlation_id": self.correlation_id,
            "actor": dict(self.actor),
            "payload": self.payload,
        }


@functools.lru_cache(maxsize=None)
def _payload_schema(event_type: str, checked: tuple = ()) -> Schema:
    """One schema instance per contract (and set of fields left out), built once: building one costs as much
    as checking a small payload. Sharing it is safe: loading never yields to another green thread midway."""
    return CONTRACTS[event_type].schema(exclude=checked)


_ENVELOPE = EnvelopeSchema()
_ACTOR = _ENVELOPE.fields["actor"].schema


def build_event(event_type: str, payload: dict, *, correlation_id: str, actor: dict, checked: tuple = ()) -> Event:
    """Make an event, checking the payload against its contract before it can be stored.

    `checked` names payload fields the caller has just loaded through the very schemas the contract
    nests for them (intake's body through SelfAssessmentSchema: the plan, commitments and co-creation
    report): they are not checked a second time, everything else is. The consumer checks the whole."""
    checked = tuple(checked)
    errors = _payload_schema(event_type, checked).validate(
        {key: value for key, value in payload.items() if key not in checked} if checked else payload)
    if errors:
        raise ValueError(f"{event_type} payload breaks its contract: {errors}")
    return Event(
        event_id=new_id("evt"),
        event_type=event_type,
        schema_version=CONTRACTS[event_type].version,
        occurred_at=now_iso(),
        correlation_id=correlation_id,
        actor=_ACTOR.load(actor),
        payload=payload,
    )


def parse_event(expected_type: str, message) -> Event:
    """Validate a received message (envelope, then payload) or raise MalformedEvent."""
    if not isinstance(message, dict):
        raise MalformedEvent(f"expected a JSON object, got {type(message).__name__}")
    try:
        envelope = _ENVELOPE.load(message)
    except ValidationError as exc:
        raise MalformedEvent("envelope does not match the contract", exc.messages) from None
    if envelope["event_type"] != expected_type:
        raise MalformedEvent(f"expected {expected_type}, got {envelope['event_type']}")
    contract = CONTRACTS[expected_type]
    if envelope["schema_version"] != contract.version:
        raise MalformedEvent(f"unsupported schema_version {envelope['schema_version']} (this consumer reads {contract.version})")
    try:
        payload = _payload_schema(expected_type).load(envelope["payload"])
    except ValidationError as exc:
        raise MalformedEvent("payload does not match the contract", exc.messages) from None
    return Event(**{**envelope, "payload": payload})
