"""The unit of work holds its append-only writes (audit entries, sealed content, log-queue entries, outbox events)
and writes them with one insert per collection: the transaction must still see them wherever it reads through the
unit of work, commit all or nothing, and retry a chain that another writer extended first."""
import mongoengine
import pytest
from pymongo.errors import DuplicateKeyError

from shared import audit
from shared.contracts.events import FINDING_PUBLISHED, build_event
from shared.persistence.documents import AuditEntry, LogQueueEntry, OutboxMessage, SealedContent
from shared.persistence.unit_of_work import run_in_transaction

pytestmark = pytest.mark.integration

ACTOR = {"role": "expert", "id": "exp-a"}


def record(uow, case_id, action, sealed=None):
    return uow.record(case_id=case_id, action=action, actor=ACTOR, reason=action, data={}, sealed=sealed,
                      correlation_id="corr-uow")


def client():
    return mongoengine.connection.get_connection()


def chain(case_id):
    return list(AuditEntry._get_collection().find({"case_id": case_id}, {"_id": 0}, sort=[("seq", 1)]))


def test_records_are_held_until_the_transaction_reads_then_all_written_in_order(db):
    seen = {}

    def nine_decisions(uow):
        for n in range(9):
            record(uow, "case_uow_batch", f"step.{n}", sealed={"comment": f"text {n}"} if n % 3 == 0 else None)
        seen["held"] = AuditEntry._get_collection().count_documents({"case_id": "case_uow_batch"}, session=uow.session)
        seen["read"] = len(uow.find(AuditEntry, {"case_id": "case_uow_batch"}))  # a read through the unit of work sees them
        record(uow, "case_uow_batch", "step.9")  # after the read: held again, written at commit

    run_in_transaction(client(), "review", nine_decisions)
    assert seen == {"held": 0, "read": 9}
    entries = chain("case_uow_batch")
    assert [e["action"] for e in entries] == [f"step.{n}" for n in range(10)]
    assert audit.verify_chain(entries).valid
    assert SealedContent._get_collection().count_documents({"case_id": "case_uow_batch"}) == 3
    assert LogQueueEntry._get_collection().count_documents({"case_id": "case_uow_batch"}) == 10


def test_a_failing_transaction_writes_none_of_its_held_appends(db):
    def fails_after_recording(uow):
        record(uow, "case_uow_failed", "step.0")
        uow.emit(build_event(FINDING_PUBLISHED, {"finding_id": "fnd_x", "case_id": "case_uow_failed", "member_code": "TN",
                                                 "cycle": "2024-2026", "published_at": "2026-03-01T09:00:00Z",
                                                 "status": "published"}, correlation_id="corr-uow", actor=ACTOR))
        uow.flush()
        raise ValueError("the handler's rule refused")

    with pytest.raises(ValueError):
        run_in_transaction(client(), "review", fails_after_recording)
    assert chain("case_uow_failed") == []
    assert OutboxMessage._get_collection().count_documents({}) == 0
    assert LogQueueEntry._get_collection().count_documents({"case_id": "case_uow_failed"}) == 0


def test_a_chain_extended_by_another_writer_first_is_retried_on_the_new_head(db):
    attempts = []

    def records_while_another_writer_wins(uow):
        attempts.append(1)
        record(uow, "case_uow_race", "mine")  # read the head (none): held as seq 0
        if len(attempts) == 1:  # another transaction records on the same chain and commits first
            run_in_transaction(client(), "review", lambda other: record(other, "case_uow_race", "theirs"))

    run_in_transaction(client(), "review", records_while_another_writer_wins)
    entries = chain("case_uow_race")
    assert len(attempts) == 2
    assert [e["action"] for e in entries] == ["theirs", "mine"]
    assert audit.verify_chain(entries).valid


def test_a_held_entry_refused_by_the_chains_unique_index_is_the_duplicate_key_error_insert_one_raised(db):
    run_in_transaction(client(), "intake", lambda uow: record(uow, "case_uow_taken", "first"))

    def claims_a_new_case(uow):
        uow.new_case("case_uow_taken")  # wrongly: its chain exists, so the held seq 0 collides at the flush
        record(uow, "case_uow_taken", "second")

    with pytest.raises(DuplicateKeyError) as refused:
        run_in_transaction(client(), "intake", claims_a_new_case)
    assert set(refused.value.details["keyPattern"]) == {"case_id", "seq"}
    assert [e["action"] for e in chain("case_uow_taken")] == ["first"]
