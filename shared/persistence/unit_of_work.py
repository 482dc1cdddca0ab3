"""One atomic step: state changes, their audit entries and the events they cause.

Everything a unit of work writes goes through one MongoDB transaction, so a crash can
never leave a state change without its audit entry, or an audit entry or event without
its change. The events are stored in the outbox in that same transaction; they are
published after commit (and again by the relay if the process dies in between).
"""
import time

import structlog
from pymongo import ReturnDocument
from pymongo.errors import BulkWriteError, ConnectionFailure, DuplicateKeyError, OperationFailure, PyMongoError
from pymongo.read_concern import ReadConcern
from pymongo.write_concern import WriteConcern

from shared import audit
from shared.clock import now_iso, utcnow
from shared.persistence.documents import AuditEntry, OutboxMessage, ProcessedEvent, SealedContent, LogQueueEntry
from shared.transparency.merkle import leaf_hash

log = structlog.get_logger("irm.persistence")
MAX_ATTEMPTS = 8
NO_ENTRY = object()  # a case whose chain is known to be empty (UnitOfWork.new_case)


class AlreadyApplied(Exception):
    """This consumer has already applied this event: nothing to do."""


class UnitOfWork:
    """The audit entries, their sealed content, their log-queue entries and the outbox's events are append-only and
    read by nothing in the transaction that writes them: they are held here and written with one `insert_many` per
    collection when the transaction reads or writes anything else, or before it commits. A transaction that records a
    case's nine decisions makes 4 round trips instead of 27 (the database's per-command cost is most of a small
    insert's, bench/FINDINGS.md); one that reads after each record is no worse than before."""

    # Audit entries first: a chain race (the unique (case_id, seq)) is the error a retry looks for.
    APPEND_ONLY = (AuditEntry, SealedContent, LogQueueEntry, OutboxMessage)

    def __init__(self, session, service: str):
        self.session = session
        self.service = service
        self.events = []
        self._audit_heads = {}
        self._pending = {document: [] for document in self.APPEND_ONLY}

    def flush(self) -> None:
        """Write the held appends; a duplicate key among them is raised as the DuplicateKeyError insert_one raises."""
        for document, raws in self._pending.items():
            if not raws:
                continue
            batch, self._pending[document] = raws, []
            try:
                document._get_collection().insert_many(batch, ordered=True, session=self.session)
            except BulkWriteError as exc:
                first = (exc.details.get("writeErrors") or [{}])[0]
                if first.get("code") == 11000:
                    raise DuplicateKeyError(first.get("errmsg", "duplicate key"), 11000, first) from exc
                raise

    def _append(self, document, raw: dict) -> None:
        self._pending[document].append(raw)

    # --- documents -----------------------------------------------------------
    def get(self, document, filter_: dict, fields=None):
        """The first document matching, or None; with `fields`, only those (and its id) are read, the rest left
        at their defaults: for a few values of a large document, never for one to write back whole."""
        self.flush()
        projection = None if fields is None else {field: 1 for field in fields}
        raw = document._get_collection().find_one(filter_, projection, session=self.session)
        return document._from_son(raw) if raw else None

    def get_latest(self, document, filter_: dict, by: str):
        self.flush()
        raw = document._get_collection().find_one(filter_, sort=[(by, -1)], session=self.session)
        return document._from_son(raw) if raw else None

    def find(self, document, filter_: dict, sort=None, limit: int = 0) -> list:
        """Every document matching, in `sort` order ([(field, 1 | -1)]), at most `limit` (0: all)."""
        self.flush()
        cursor = document._get_collection().find(filter_, session=self.session)
        if sort:
            cursor = cursor.sort(sort)
        return [document._from_son(raw) for raw in cursor.limit(limit)]

    def read(self, document, filter_: dict, fields) -> list:
        """The `fields` of every document matching, as stored (dicts, not documents: loading each through the ODM
        converts every nested value, which a read of many findings with their commitments cannot afford)."""
        self.flush()
        return list(document._get_collection().find(filter_, {field: 1 for field in fields}, session=self.session))

    def increment(self, document, filter_: dict, field: str):
        """Add one to `field` of the document matching `filter_` and return the new value, or
        None when nothing matches: the filter is the guard, checked and applied atomically."""
        self.flush()
        raw = document._get_collection().find_one_and_update(
            filter_, {"$inc": {field: 1}}, projection={field: 1}, return_document=ReturnDocument.AFTER, session=self.session)
        return None if raw is None else raw[field]

    def insert(self, doc) -> None:
        self.flush()
        doc.validate()
        # The SON as it is: pymongo encodes it, and SON.to_dict() would copy every nested value of a 29 KB document.
        doc._get_collection().insert_one(doc.to_mongo(), session=self.session)

    def update(self, document, filter_: dict, update: dict, upsert: bool = False) -> int:
        """Apply `update` to the document matching `filter_` (with `upsert`, to a new one made from the filter if none
        does); how many were modified."""
        self.flush()
        return document._get_collection().update_one(filter_, update, upsert=upsert, session=self.session).modified_count

    def delete(self, document, filter_: dict) -> int:
        """Remove the one document matching `filter_` (a signed-out session); how many went (0 or 1)."""
        self.flush()
        return document._get_collection().delete_one(filter_, session=self.session).deleted_count

    # --- audit ----------------------------------------------------------------
    def new_case(self, case_id: str) -> None:
        """`case_id` was made for this transaction: its chain is empty, so its first `record` need not read
        the chain's head. (Were it not new, the unique (case_id, seq) index would refuse the entry.)"""
        self._audit_heads.setdefault(case_id, NO_ENTRY)

    def record(self, *, case_id: str, action: str, actor: dict, reason: str, data: dict, correlation_id: str,
               sealed=None) -> dict:
        """Append a decision to the case's audit chain, in this transaction.

        `sealed` is what people wrote or a draft's values (comments, justifications,
        ratings): it is stored beside the entry, and only its salted fingerprint is hashed
        into the entry and the log (shared/audit.py: seal). The public reads it once the
        disclosure rule says so.
        """
        previous = self._audit_heads.get(case_id)
        if previous is NO_ENTRY:
            previous = None
        elif previous is None:
            previous = AuditEntry._get_collection().find_one(
                {"case_id": case_id}, sort=[("seq", -1)], projection={"_id": 0}, session=self.session
            )
        entry = audit.next_entry(
            previous, case_id=case_id, occurred_at=now_iso(), service=self.service, action=action,
            actor=actor, reason=reason, data=data, correlation_id=correlation_id,
            sealed=None if sealed is None else audit.seal(sealed),
        )
        sealed = entry.pop("sealed", None)
        self._append(AuditEntry, dict(entry))
        if sealed is not None:
            self._append(SealedContent, {"_id": SealedContent.key(case_id, entry["seq"]), "case_id": case_id,
                                         "seq": entry["seq"], **sealed})
        self._append(LogQueueEntry, {"case_id": case_id, "seq": entry["seq"], "leaf_hash": leaf_hash(audit.log_leaf(entry))})
        self._audit_heads[case_id] = entry
        return entry

    # --- events ---------------------------------------------------------------
    def emit(self, event) -> None:
        self._append(OutboxMessage, {"_id": event.event_id, "source": self.service, "event_type": event.event_type,
                                     "message": event.to_message(), "created_at": utcnow(), "sent_at": None, "attempts": 0})
        self.events.append(event)

    def mark_applied(self, consumer: str, event_id: str) -> None:
        self.flush()
        try:
            ProcessedEvent._get_collection().insert_one(
                {"consumer": consumer, "event_id": event_id, "processed_at": utcnow()}, session=self.session
            )
        except DuplicateKeyError:
            raise AlreadyApplied(f"{consumer} already applied {event_id}") from None


def _is_chain_race(exc: DuplicateKeyError) -> bool:
    pattern = (exc.details or {}).get("keyPattern") or {}
    return set(pattern) == {"case_id", "seq"}


def _is_transient(exc: PyMongoError) -> bool:
    return isinstance(exc, ConnectionFailure) or (
        isinstance(exc, OperationFailure) and (exc.has_error_label("TransientTransactionError") or exc.code in (112, 251))
    )


def run_in_transaction(client, service: str, work):
    """Run `work(uow)` in one transaction and return (result, uow) once committed.

    Retried from scratch when another writer appended to the same audit chain first, or
    on a transient error; `work` must therefore only read and write through `uow`.
    """
    for attempt in range(1, MAX_ATTEMPTS + 1):
        with client.start_session() as session:
            uow = UnitOfWork(session, service)
            try:
                with session.start_transaction(read_concern=ReadConcern("snapshot"), write_concern=WriteConcern("majority")):
                    result = work(uow)
                    uow.flush()
                return result, uow
            except DuplicateKeyError as exc:
                if not _is_chain_race(exc) or attempt == MAX_ATTEMPTS:
                    raise
                log.info("audit_chain_race_retry", attempt=attempt)
            except PyMongoError as exc:
                if not _is_transient(exc) or attempt == MAX_ATTEMPTS:
                    raise
                log.warning("transaction_retry", attempt=attempt, error=str(exc))
        time.sleep(min(0.01 * 2 ** attempt, 1.0))
    raise RuntimeError("unreachable")
