"""Publication's documents. Imported as a module by the service, never as classes."""
from mongoengine import DateTimeField, DictField, Document, IntField, ListField, StringField


class Finding(Document):
    """A published finding. Inserted once and never updated: a correction will be a new version."""

    finding_id = StringField(primary_key=True)
    case_id = StringField(required=True)
    version = IntField(required=True, default=1)
    member = DictField(required=True)
    member_code = StringField(required=True)
    cycle = StringField(required=True)
    plan_number = IntField(required=True)
    languages = ListField(StringField(), required=True)
    expert_id = StringField(required=True)
    reviewer_id = StringField(required=True)
    commitments = ListField(DictField(), required=True)
    summary = DictField(required=True)
    plan_assessment = DictField()
    government_comments = ListField(DictField())  # the PoC's factual comments and the expert's answers
    public_comments = ListField(DictField())  # published with the finding (never the confidential ones)
    supersedes = StringField()  # the finding this version corrects
    superseded_by = StringField()  # set once, when a correction is published: the only field ever updated
    content_sha256 = StringField(required=True)
    published_at = StringField(required=True)
    published_at_dt = DateTimeField(required=True)
    audit_head = DictField(required=True)  # {"seq", "hash"} of the publication entry: detects a truncated chain
    meta = {
        "collection": "publication_findings",
        "indexes": [
            {"fields": ["case_id", "version"], "unique": True},
            ("member_code", "cycle", "-published_at_dt"),
            ("cycle", "-published_at_dt"),
            "-published_at_dt",
            ("superseded_by", "-published_at_dt", "-_id"),  # the public list's filter and order, cursor included
        ],
    }


ALL = (Finding,)
