"""Publication's documents. Imported as a module by the service, never as classes."""
from mongoengine import BinaryField, DateTimeField, DictField, Document, IntField, ListField, StringField


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
    # Withdrawn is a state, not a deletion: a withdrawal is a new version that keeps the content.
    status = StringField(required=True, default="published", choices=("published", "withdrawn"))
    withdrawn_reason = StringField()
    content_sha256 = StringField(required=True)
    published_at = StringField(required=True)
    published_at_dt = DateTimeField(required=True)
    audit_head = DictField(required=True)  # {"seq", "hash"} of the publication entry: detects a truncated chain
    # The order of publication, 1, 2, 3, ...: what the lists page by (paging.py, positions.py). Sparse:
    # findings stored before it existed have none until positions.number_unpositioned numbers them.
    position = IntField()
    meta = {
        "collection": "publication_findings",
        "indexes": [
            {"fields": ["case_id", "version"], "unique": True},
            ("member_code", "cycle", "-published_at_dt"),
            ("cycle", "-published_at_dt"),
            "-published_at_dt",
            ("superseded_by", "-published_at_dt", "-_id"),  # the public list's filter and order, cursor included
            # The lists' windows: a range of positions, alone or for one member (queries.py).
            {"fields": ["-position"], "unique": True, "sparse": True},
            ("member_code", "-position"),
        ],
    }


class FindingCounter(Document):
    """The last position given to a finding (the document "findings"): incremented in the unit of
    work that publishes, so positions follow the order in which publications commit. The document
    "member_summaries" says the members' summaries were counted (member_summaries.py)."""

    counter_id = StringField(primary_key=True, default="findings")
    top = IntField(required=True)
    meta = {"collection": "publication_counters"}


class MemberSummary(Document):
    """One member's findings counted for its page (domain/member_summary.py): its versions, and per cycle the
    findings in force, their commitments and the four dimensions; changed in the unit of work that publishes or
    withdraws one of its findings (member_summaries.py). `member` and `languages`: as its newest finding names it."""

    member_code = StringField(primary_key=True)
    member = DictField(required=True)
    languages = ListField(StringField())
    versions = IntField(required=True, default=0)
    cycles = DictField()  # cycle_key(cycle) -> {"findings", "commitments", "transparency", ...}
    meta = {"collection": "publication_member_summaries"}



# --- the transparency log (see transparency_log.py and shared/transparency/) ---------------
class LogLeaf(Document):
    """Leaf `index` of the transparency log: which audit entry it is. Written once."""

    index = IntField(primary_key=True)
    case_id = StringField(required=True)
    seq = IntField(required=True)
    leaf_hash = BinaryField(required=True)
    meta = {"collection": "log_leaves", "indexes": [{"fields": ["case_id", "seq"], "unique": True}]}


class LogNode(Document):
    """The hash of one complete subtree of the log, "<level>/<index>". Written once."""

    node_id = StringField(primary_key=True)
    hash = BinaryField(required=True)
    meta = {"collection": "log_nodes"}


class LogState(Document):
    """The log's size and root: the sequencer's compare-and-set target (one document)."""

    state_id = StringField(primary_key=True, default="log")
    size = IntField(required=True)
    root = BinaryField(required=True)
    updated_at = DateTimeField(required=True)
    meta = {"collection": "log_state"}


class LogCheckpoint(Document):
    """Every checkpoint the log signed, kept for good: a signed note per tree size."""

    size = IntField(primary_key=True)
    root = BinaryField(required=True)
    signed_at = DateTimeField(required=True)
    note = StringField(required=True)
    # The size of the checkpoint this one follows (0 for the first), unique: two instances
    # that judged the same latest checkpoint old enough cannot both sign after it, so there is
    # one checkpoint per interval however many instances run. Sparse: checkpoints signed
    # before this field existed have none.
    follows = IntField()
    meta = {"collection": "log_checkpoints",
            "indexes": [{"fields": ["follows"], "unique": True, "sparse": True, "name": "one_checkpoint_after_each"}]}


ALL = (Finding, FindingCounter, MemberSummary, LogLeaf, LogNode, LogState, LogCheckpoint)
