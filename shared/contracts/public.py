"""The public live feed: what anyone may read on the `irm.public` topic exchange.

Routing keys are `finding.<kind>.<member code>`: bind `finding.*.TN` for Tunisia's
findings, `finding.withdrawn.*` for withdrawals, `finding.#` for everything. Every message
is one finding version as the public API shows it, plus where to verify it; its
`message_id` is stable, so a follower that sees one twice (delivery is at least once)
can tell.
"""
from marshmallow import Schema, fields, validate

from shared.contracts.fields import Cycle, MEMBER_CODE

PUBLIC_EXCHANGE = "irm.public"
PUBLISHED, CORRECTED, WITHDRAWN = "published", "corrected", "withdrawn"
KINDS = (PUBLISHED, CORRECTED, WITHDRAWN)


def kind_of(version: int, status: str) -> str:
    if status == "withdrawn":
        return WITHDRAWN
    return PUBLISHED if version == 1 else CORRECTED


def routing_key(kind: str, member_code: str) -> str:
    return f"finding.{kind}.{member_code}"


class PublicMember(Schema):
    code = fields.String(required=True, validate=MEMBER_CODE)
    kind = fields.String(required=True)
    names = fields.Dict(keys=fields.String(), values=fields.String(), required=True)
    region = fields.String(allow_none=True, load_default=None)
    time_zone = fields.String(allow_none=True, load_default=None)


class PublicFindingMessage(Schema):
    message_id = fields.String(required=True)  # "<finding id>:<kind>"
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    finding_id = fields.String(required=True)
    case_id = fields.String(required=True)
    version = fields.Integer(required=True)
    status = fields.String(required=True)
    reason = fields.String(allow_none=True, load_default=None)  # why it was withdrawn
    member = fields.Nested(PublicMember, required=True)
    cycle = Cycle(required=True)
    plan_number = fields.Integer(required=True)
    published_at = fields.String(required=True)
    supersedes = fields.String(allow_none=True, load_default=None)
    summary = fields.Dict(required=True)
    url = fields.String(required=True)  # paths on the public API
    timeline_url = fields.String(required=True)
    audit_url = fields.String(required=True)
