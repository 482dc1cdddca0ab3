"""Review's documents, and nothing else (reads: queries.py; migrations: migrations.py). Imported as a
module by the service, never as classes (see shared/persistence/documents.py)."""
from mongoengine import BooleanField, DateTimeField, DictField, Document, IntField, ListField, StringField

from shared.irm import LANGUAGES
from shared.persistence.fields import PlainData


class Expert(Document):
    """An IRM expert in the registry (created by an operator with `irmctl expert add`)."""

    expert_id = StringField(primary_key=True)
    name = StringField(required=True)  # private: never in events or the public audit
    languages = ListField(StringField(choices=LANGUAGES), required=True)
    affiliations = ListField(StringField())  # member codes: conflicts of interest
    expertise = ListField(StringField())  # member codes and regions the expert knows
    capacity = IntField(required=True, min_value=0)
    # Cases held now. A counter on the expert (not a count of cases) so that two
    # concurrent assignments to one expert conflict in the database instead of both
    # passing a capacity check on the same snapshot.
    active_cases = IntField(required=True, default=0, min_value=0)
    available = BooleanField(default=True)
    created_at = DateTimeField(required=True)
    meta = {"collection": "review_experts"}


class Case(Document):
    case_id = StringField(primary_key=True)
    self_assessment_id = StringField(required=True)
    member = DictField(required=True)
    action_plan = DictField(required=True)
    languages = ListField(StringField(), required=True)
    commitments = PlainData(list, required=True)  # as the contract loaded them (shared/persistence/fields.py)
    status = StringField(required=True)
    expert_id = StringField()
    assignment = DictField()
    ratings = DictField()  # commitment_id -> ratings (shared/contracts/ratings.py)
    plan_assessment = DictField()  # co-creation and acted-contrary-to-process, once per plan
    co_creation_report = PlainData(dict)  # what the government reported (from the self-assessment)
    quality_comments = ListField(DictField())
    reviewer_id = StringField()
    # Experts who declined or missed a deadline on this case: never assigned it again.
    excluded_experts = ListField(StringField())
    stage_started_at = DateTimeField()
    deadline_at = DateTimeField()
    reminded_at = DateTimeField()
    government_review_until = DateTimeField()
    public_comment_opened_at = DateTimeField()
    public_comment_closes_at = DateTimeField()
    # The case's comments are Comment documents, never embedded here: a case's size must not
    # depend on how many people comment. The case keeps only the current round and how many
    # comments of each kind it has (atomic counters, so a cap holds under concurrent writers).
    comment_round = IntField(required=True, default=1)  # a correction starts round 2, 3, ...
    government_comment_count = IntField(required=True, default=0)
    public_comment_count = IntField(required=True, default=0)
    correlation_id = StringField(required=True)
    version = IntField(required=True, default=1)  # optimistic concurrency for drafts
    opened_at = DateTimeField(required=True)
    updated_at = DateTimeField(required=True)
    meta = {"collection": "review_cases", "indexes": [("expert_id", "status"), "status", ("status", "deadline_at")]}


class Comment(Document):
    """A government comment (with the expert's response) or a public comment, in its own
    document. `round` ties it to the review round it was made in: a correction's new round
    starts without comments, and the earlier rounds' comments stay, attached to their round."""

    comment_id = StringField(primary_key=True)
    case_id = StringField(required=True)
    round = IntField(required=True)
    kind = StringField(required=True, choices=("government", "public"))
    seq = IntField(required=True)  # 1, 2, ... per case, round and kind: the order they came in
    commitment_id = StringField()
    text = DictField(required=True)
    at = StringField(required=True)
    author_id = StringField()  # government: the PoC
    response = DictField(default=None)  # government: the expert's answer
    author = StringField()  # public: a name the commenter chose to give, or none
    confidential = BooleanField()  # public: kept out of the publication
    meta = {"collection": "review_comments", "indexes": [
        {"fields": ["case_id", "round", "kind", "seq"], "unique": True},
    ]}


ALL = (Expert, Case, Comment)  # and the shared RateLimit (shared/persistence/documents.py)
