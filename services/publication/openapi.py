"""The publication API as an OpenAPI 3 document (shared/openapi.py builds it): queries and bodies
from the marshmallow schemas the service validates them with, responses as it renders them."""
import functools

from marshmallow import Schema, fields, validate

from services.publication import open_data
from services.publication.schemas import (
    CheckpointsQuery, ConsistencyQuery, CorrectionsQuery, FeedQuery, FindingsQuery, InclusionQuery, LogRangeQuery,
    WithdrawalBody,
)
from shared import access
from shared.openapi import ApiDocument, integer

MOMENT = {"metadata": {"format": "date-time"}}
TEXT = {"text/plain": {"schema": {"type": "string"}}}
NOT_MODIFIED = ("Not modified: the If-None-Match tag is current (answered without a database read)", None)


def _status():
    return fields.String(required=True, metadata={"enum": ["published", "withdrawn"]})


class ListedMemberSchema(Schema):
    class Meta:
        unknown = "include"  # the member as the registry describes it (names, kind, region, ...)

    code = fields.String(required=True)


class FindingPlanSchema(Schema):
    cycle = fields.String(required=True)
    plan_number = fields.Integer(required=True)


class FindingSummarySchema(Schema):
    commitments = fields.Integer(required=True)
    reviewable = fields.Integer(required=True)
    relevant_to_open_government = fields.Integer(required=True)
    promising = fields.Integer(required=True)
    high_completion = fields.Integer(required=True)
    strong_early_results = fields.Integer(required=True)
    starred = fields.Integer(required=True)


class FindingItemSchema(Schema):
    id = fields.String(required=True)
    url = fields.String(required=True)
    case_id = fields.String(required=True)
    version = fields.Integer(required=True)
    member = fields.Nested(ListedMemberSchema, required=True)
    action_plan = fields.Nested(FindingPlanSchema, required=True)
    languages = fields.List(fields.String(), required=True)
    summary = fields.Nested(FindingSummarySchema, required=True)
    published_at = fields.String(required=True, **MOMENT)
    audit_url = fields.String(required=True)
    timeline_url = fields.String(required=True)
    status = _status()
    withdrawn_reason = fields.String(required=True, allow_none=True)
    supersedes = fields.String(required=True, allow_none=True)
    superseded_by = fields.String(required=True, allow_none=True)


class AuditHeadSchema(Schema):
    seq = fields.Integer(required=True)
    hash = fields.String(required=True)


class FindingSchema(FindingItemSchema):
    expert_id = fields.String(required=True)
    reviewer_id = fields.String(required=True, allow_none=True)
    commitments = fields.List(fields.Dict(), required=True,
                              metadata={"description": "Each commitment's ratings, justifications and IRM judgements"})
    plan_assessment = fields.Dict(required=True, allow_none=True)
    government_comments = fields.List(fields.Dict(), required=True)
    public_comments = fields.List(fields.Dict(), required=True)
    content_sha256 = fields.String(required=True)
    audit_head = fields.Nested(AuditHeadSchema, required=True)


class FindingsPageSchema(Schema):
    items = fields.List(fields.Nested(FindingItemSchema), required=True)
    next = fields.String(required=True, allow_none=True, metadata={"description": "The next page, or null on the last"})


class FeedItemExtensionSchema(Schema):
    member = fields.String(required=True)
    languages = fields.List(fields.String(), required=True)
    supersedes = fields.List(fields.String(), required=True)


class FeedItemSchema(Schema):
    id = fields.String(required=True)
    url = fields.String(required=True)
    title = fields.String(required=True)
    content_text = fields.String(required=True)
    date_published = fields.String(required=True, **MOMENT)
    date_modified = fields.String(required=True, **MOMENT)
    tags = fields.List(fields.String(), required=True)
    _irm = fields.Nested(FeedItemExtensionSchema, required=True)


class JsonFeedSchema(Schema):
    version = fields.String(required=True, metadata={"enum": ["https://jsonfeed.org/version/1.1"]})
    title = fields.String(required=True)
    home_page_url = fields.String(required=True)
    feed_url = fields.String(required=True)
    language = fields.String(required=True)
    items = fields.List(fields.Nested(FeedItemSchema), required=True)


class OpenDataSchema(Schema):
    columns = fields.List(fields.String(), required=True, metadata={"example": open_data.FIELDNAMES})
    rows = fields.List(fields.Dict(keys=fields.String()), required=True,
                       metadata={"description": "One object per commitment, keyed by the column names"})


class DictionaryColumnSchema(Schema):
    name = fields.String(required=True)
    description = fields.String(required=True)


class DataDictionarySchema(Schema):
    title = fields.String(required=True)
    license = fields.String(required=True)
    downloads = fields.Dict(keys=fields.String(), values=fields.String(), required=True)
    columns = fields.List(fields.Nested(DictionaryColumnSchema), required=True)


class ActorSchema(Schema):
    role = fields.String(required=True)
    id = fields.String(required=True)


class SealedSchema(Schema):
    salt = fields.String(required=True)
    content = fields.Dict(required=True, metadata={"description": "What people wrote, or the draft's values"})


class WithheldSchema(Schema):
    until = fields.String(required=True, allow_none=True, validate=validate.OneOf(("public_comment", "publication", "never")),
                          metadata={"description": "The moment the disclosure rule makes it public; null once erased"})
    erased = fields.Boolean(metadata={"description": "Disclosed, but deleted from the store (personal data)"})


# What the disclosure rule (shared/disclosure.py) adds to an entry whose data holds `sealed_sha256`.
def sealed_field():
    return fields.Nested(SealedSchema, metadata={
        "description": "The sealed content with its salt, once public: its canonical-JSON SHA-256 is data.sealed_sha256"})


def withheld_field():
    return fields.Nested(WithheldSchema, metadata={"description": "Until when the sealed content stays private"})


class AuditEntrySchema(Schema):
    class Meta:
        unknown = "include"  # what a decision's entry adds (its disclosed content, its log index)

    case_id = fields.String(required=True)
    seq = fields.Integer(required=True)
    prev_hash = fields.String(required=True)
    occurred_at = fields.String(required=True, **MOMENT)
    service = fields.String(required=True)
    action = fields.String(required=True)
    actor = fields.Nested(ActorSchema, required=True)
    reason = fields.String(required=True)
    data = fields.Dict(required=True)
    correlation_id = fields.String(required=True)
    hash = fields.String(required=True)
    sealed = sealed_field()
    withheld = withheld_field()


class LoggedEntrySchema(AuditEntrySchema):
    log_index = fields.Integer(required=True, allow_none=True,
                               metadata={"description": "Its leaf index in the transparency log; null until appended"})


class VerificationSchema(Schema):
    valid = fields.Boolean(required=True)
    entries = fields.Integer(required=True)
    head = fields.String(required=True)
    problems = fields.List(fields.Raw(), required=True)


class AuditTrailSchema(Schema):
    case_id = fields.String(required=True)
    entries = fields.List(fields.Nested(LoggedEntrySchema), required=True)
    verification = fields.Nested(VerificationSchema, required=True)
    finding_url = fields.String(required=True, allow_none=True)


class TimelineEventSchema(Schema):
    log_index = fields.Integer(required=True, allow_none=True)
    seq = fields.Integer(required=True)
    when = fields.String(required=True, **MOMENT)
    who = fields.Nested(ActorSchema, required=True)
    what = fields.String(required=True)
    why = fields.String(required=True)
    details = fields.Dict(required=True)
    service = fields.String(required=True)
    entry_hash = fields.String(required=True)
    sealed = sealed_field()
    withheld = withheld_field()


class TimelineSchema(Schema):
    case_id = fields.String(required=True)
    audit_url = fields.String(required=True)
    events = fields.List(fields.Nested(TimelineEventSchema), required=True)


class CorrectionEntrySchema(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(("withdrawal", "correction")))
    what = fields.String(required=True)
    case_id = fields.String(required=True)
    seq = fields.Integer(required=True)
    when = fields.String(required=True, **MOMENT)
    who = fields.Nested(ActorSchema, required=True)
    why = fields.String(required=True, allow_none=True)
    finding_id = fields.String(required=True, allow_none=True, metadata={"description": "The withdrawn version (a withdrawal)"})
    supersedes = fields.String(required=True, allow_none=True, metadata={"description": "The version it withdrew"})
    timeline_url = fields.String(required=True)


class CorrectionsPageSchema(Schema):
    corrections = fields.List(fields.Nested(CorrectionEntrySchema), required=True)
    next = fields.String(required=True, allow_none=True)


class CheckpointItemSchema(Schema):
    size = fields.Integer(required=True)
    root = fields.String(required=True, metadata={"format": "byte"})
    signed_at = fields.String(required=True, **MOMENT)
    note = fields.String(required=True)
    url = fields.String(required=True)


class CheckpointsSchema(Schema):
    origin = fields.String(required=True)
    items = fields.List(fields.Nested(CheckpointItemSchema), required=True)
    next = fields.String(required=True, allow_none=True)


class InclusionProofSchema(Schema):
    index = fields.Integer(required=True)
    tree_size = fields.Integer(required=True)
    leaf_hash = fields.String(required=True, allow_none=True)
    case_id = fields.String(required=True, allow_none=True)
    seq = fields.Integer(required=True, allow_none=True)
    hashes = fields.List(fields.String(metadata={"format": "byte"}), required=True)


class ConsistencyProofSchema(Schema):
    from_ = fields.Integer(required=True, data_key="from")
    to = fields.Integer(required=True)
    hashes = fields.List(fields.String(metadata={"format": "byte"}), required=True)


class LogItemSchema(Schema):
    index = fields.Integer(required=True)
    leaf_hash = fields.String(required=True)
    entry = fields.Nested(AuditEntrySchema, required=True, allow_none=True)
    leaf_data = fields.String(required=True, allow_none=True, metadata={"description": "The leaf's canonical JSON"})


class LogEntriesSchema(Schema):
    tree_size = fields.Integer(required=True)
    items = fields.List(fields.Nested(LogItemSchema), required=True)
    next = fields.String(required=True, allow_none=True)


@functools.lru_cache(maxsize=1)
def document() -> dict:
    api = ApiDocument("publication", "Published findings, their feeds and open data, each case's audit trail, and the "
                                     "transparency log every decision is in. No token needed, except to withdraw.")
    for name, schema in (
        ("Withdrawal", WithdrawalBody), ("Finding", FindingSchema), ("FindingsPage", FindingsPageSchema),
        ("JsonFeed", JsonFeedSchema), ("OpenData", OpenDataSchema), ("DataDictionary", DataDictionarySchema),
        ("AuditTrail", AuditTrailSchema), ("Timeline", TimelineSchema), ("Checkpoints", CheckpointsSchema),
        ("CorrectionsPage", CorrectionsPageSchema),
        ("InclusionProof", InclusionProofSchema), ("ConsistencyProof", ConsistencyProofSchema), ("LogEntries", LogEntriesSchema),
    ):
        api.schema(name, schema)
    api.operation("post", "/api/v1/findings/{finding_id}/withdraw", roles=access.OPERATIONS["withdraw_finding"], body="Withdrawal",
                  summary="Withdraw a finding's latest version: a new version, marked withdrawn, with the reason",
                  responses={"201": ("The withdrawn version", "Finding")}, errors=("409",))
    api.operation("get", "/api/v1/findings", query=FindingsQuery,
                  summary="Published findings, newest first (latest versions unless all_versions), stable cursor pages",
                  responses={"200": ("A page", "FindingsPage"), "304": NOT_MODIFIED})
    api.operation("get", "/api/v1/findings/{finding_id}", summary="One finding, whole",
                  responses={"200": ("The finding", "Finding"), "304": NOT_MODIFIED})
    api.operation("get", "/api/v1/feeds/findings.atom", query=FeedQuery, summary="Findings as an Atom feed (RFC 4287)",
                  responses={"200": ("The feed", {"application/atom+xml": {"schema": {"type": "string"}}}), "304": NOT_MODIFIED})
    api.operation("get", "/api/v1/feeds/findings.json", query=FeedQuery, summary="Findings as a JSON Feed 1.1",
                  responses={"200": ("The feed", {"application/feed+json": {"schema": "JsonFeed"}}), "304": NOT_MODIFIED})
    api.operation("get", "/api/v1/open-data/commitments.csv", summary="Every published commitment's ratings (UTF-8 CSV with BOM)",
                  responses={"200": ("The table, in OGP's column names", {"text/csv": {"schema": {"type": "string"}}}),
                             "304": NOT_MODIFIED})
    api.operation("get", "/api/v1/open-data/commitments.json", summary="Every published commitment's ratings, as JSON",
                  responses={"200": ("The table", "OpenData"), "304": NOT_MODIFIED})
    api.operation("get", "/api/v1/open-data/data-dictionary.json", summary="What each open-data column means",
                  responses={"200": ("The columns", "DataDictionary")})
    api.operation("get", "/api/v1/cases/{case_id}/audit", summary="The case's decisions in order, and their verification",
                  responses={"200": ("The trail", "AuditTrail")})
    api.operation("get", "/api/v1/cases/{case_id}/timeline", summary="Who did what, when and why, in log order",
                  responses={"200": ("The timeline", "Timeline")})
    api.operation("get", "/api/v1/corrections", query=CorrectionsQuery,
                  summary="Findings withdrawn and cases reopened for correction, newest first: who, when and why",
                  responses={"200": ("A page; next is the next page's cursor", "CorrectionsPage")})
    api.operation("get", "/api/v1/log/key", summary="The log's verifier key (publish it elsewhere too)",
                  responses={"200": ("name+keyid+base64", TEXT)})
    api.operation("get", "/api/v1/log/checkpoint", summary="The latest signed checkpoint (a C2SP signed note)",
                  responses={"200": ("The checkpoint", TEXT)}, errors=("404",))
    api.operation("get", "/api/v1/log/checkpoints", query=CheckpointsQuery, summary="Every checkpoint signed, by size",
                  responses={"200": ("A page", "Checkpoints")})
    api.operation("get", "/api/v1/log/checkpoints/{size}", path_params={"size": integer()},
                  summary="The checkpoint signed at a tree size", responses={"200": ("The checkpoint", TEXT)})
    api.operation("get", "/api/v1/log/proofs/inclusion", query=InclusionQuery, summary="An RFC 6962 inclusion proof",
                  responses={"200": ("The audit path", "InclusionProof")}, errors=("404",))
    api.operation("get", "/api/v1/log/proofs/consistency", query=ConsistencyQuery, summary="An RFC 6962 consistency proof",
                  responses={"200": ("The proof", "ConsistencyProof")}, errors=("404",))
    api.operation("get", "/api/v1/log/entries", query=LogRangeQuery, summary="The log's leaves in order, with their entries",
                  responses={"200": ("A page", "LogEntries")})
    return api.to_dict()
