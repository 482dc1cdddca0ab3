"""The handlers' unit tests trust tests/fake_unit_of_work.py to answer as the real unit of work
does: the same calls, with the filters and updates the handlers write, against both, give the
same answers and the same stored documents."""
from datetime import datetime, timezone

import mongoengine
import pytest

from services.review import documents
from services.review.domain import assignment
from shared.persistence.unit_of_work import run_in_transaction
from tests.fake_unit_of_work import FakeUnitOfWork

pytestmark = pytest.mark.integration

NOW = datetime(2026, 3, 1, 9, 0, tzinfo=timezone.utc)


def seed():
    return [documents.Expert(expert_id=f"exp-{n}", name=str(n), languages=["fr"], affiliations=[], expertise=[],
                             capacity=2, active_cases=n, available=True, created_at=NOW) for n in range(3)]


def script(uow) -> list:
    """What the handlers do: guarded updates, $push/$addToSet, a guarded increment, sorted finds, a read of a few fields."""
    return [
        uow.update(documents.Expert, {"_id": "exp-1", "capacity": 2, "active_cases": {"$lt": 2}}, {"$inc": {"active_cases": 1}}),
        uow.update(documents.Expert, {"_id": "exp-1", "capacity": 2, "active_cases": {"$lt": 2}}, {"$inc": {"active_cases": 1}}),
        uow.update(documents.Expert, {"_id": "exp-0", "active_cases": {"$gt": 0}}, {"$inc": {"active_cases": -1}}),
        uow.update(documents.Expert, {"_id": "exp-2"}, {"$addToSet": {"affiliations": "TN"}}),
        uow.update(documents.Expert, {"_id": "exp-2"}, {"$addToSet": {"affiliations": "TN"}}),
        uow.update(documents.Expert, {"_id": "exp-0"}, {"$push": {"expertise": {"$each": ["MENA", "TN"]}}, "$set": {"name": "zero"}}),
        uow.update(documents.Expert, {"_id": "exp-1"}, {"$push": {"expertise": "JO"}}),
        uow.increment(documents.Expert, {"_id": "exp-0", "capacity": {"$lt": 3}}, "capacity"),
        uow.increment(documents.Expert, {"_id": "exp-0", "capacity": {"$lt": 3}}, "capacity"),
        [e.expert_id for e in uow.find(documents.Expert, {"active_cases": {"$lte": 2}}, sort=[("active_cases", -1)], limit=2)],
        [e.expert_id for e in uow.find(documents.Expert, {"$or": [{"expertise": "TN"}, {"affiliations": "TN"}]}, sort=[("_id", 1)])],
        uow.get_latest(documents.Expert, {}, "capacity").expert_id,
        uow.get(documents.Expert, {"_id": "nobody"}),
        # Only some fields read: the rest at their defaults, the id always there.
        uow.get(documents.Expert, {"_id": "exp-0"}, fields=("capacity", "name")).to_mongo().to_dict(),
        # The registry as each assignment reads it, raw: the same profiles as the loaded documents give.
        [assignment.profile_of_stored(raw) for raw in uow.read(documents.Expert, {}, assignment.STORED_FIELDS)],
        [assignment.profile(expert) for expert in uow.find(documents.Expert, {})],
    ]


def test_the_fake_answers_and_stores_as_the_real_unit_of_work_does(db):
    fake = FakeUnitOfWork("review")
    for expert in seed():
        fake.insert(expert)

    def real_script(uow):
        for expert in seed():
            uow.insert(expert)
        return script(uow)

    real_answers, _ = run_in_transaction(mongoengine.connection.get_connection(), "review", real_script)
    assert script(fake) == real_answers
    assert real_answers[-2] == real_answers[-1]
    stored = {raw["_id"]: raw for raw in documents.Expert._get_collection().find({})}
    assert {k: {f: v for f, v in raw.items() if f != "created_at"} for k, raw in fake.collection(documents.Expert).items()} \
        == {k: {f: v for f, v in raw.items() if f != "created_at"} for k, raw in stored.items()}
