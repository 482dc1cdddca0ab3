"""What the intake API accepts besides the self-assessment itself (shared/contracts/self_assessment.py)."""
from marshmallow import Schema, fields, validate

from shared.contracts.fields import MEMBER_CODE, Cycle, Integer


class VersionsQuery(Schema):
    member = fields.String(validate=MEMBER_CODE, load_default=None)
    cycle = Cycle(load_default=None)
    plan_number = Integer(validate=validate.Range(min=1, max=99), load_default=None)
