"""The transparency log's shell: sequencing audit entries into the Merkle tree, signing
checkpoints, and reading proofs. The rules themselves are in shared/transparency/.

Every service records audit entries together with a `LogQueueEntry` (its leaf hash, in the
log queue) in one transaction. Here, one sequencer appends the queued ones to the tree, in a
transaction that moves the log's size with a compare-and-set: two publication instances can never both
append at the same position, and an entry is logged exactly once. Then, once at least
LOG_CHECKPOINT_SECONDS have passed and the tree has grown, it signs a checkpoint and keeps
it for good; each checkpoint names the one it follows, uniquely, so however many instances
run, one checkpoint is signed per interval.
"""
import os
from datetime import timedelta
from pathlib import Path

import structlog
from nameko.extensions import DependencyProvider
from mongoengine.errors import NotUniqueError
from pymongo.errors import DuplicateKeyError

from shared import settings
from shared.clock import iso, utcnow
from shared.http import LogIncomplete
from shared.persistence.documents import LogQueueEntry
from shared.persistence.unit_of_work import run_in_transaction
from shared.transparency import merkle
from shared.transparency.note import Checkpoint, SigningKey, TIME_PREFIX, sign_checkpoint

log = structlog.get_logger("irm.transparency")
SEQUENCE_BATCH = 500


class LogStateChanged(Exception):
    """Another sequencer appended first; this batch is retried on the next tick."""


def load_signing_key(config) -> SigningKey:
    """LOG_SIGNING_KEY (the key itself), else LOG_SIGNING_KEY_FILE, created on first start.

    A generated key is written once, readable by its owner only, and its verifier key is
    logged: publish that verifier key where the public can find it independently of us.
    """
    if settings.value(config, "LOG_SIGNING_KEY"):
        return SigningKey.parse(settings.value(config, "LOG_SIGNING_KEY"))
    path = Path(settings.value(config, "LOG_SIGNING_KEY_FILE"))
    if path.exists():
        return SigningKey.parse(path.read_text())
    key = SigningKey.generate(settings.value(config, "LOG_ORIGIN"))
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another instance created it first: use that one
        return SigningKey.parse(path.read_text())
    with os.fdopen(fd, "w") as file:
        file.write(str(key) + "\n")
    log.warning("transparency_log_key_generated", path=str(path), verifier_key=str(key.verifier))
    return key


def _node_id(coord) -> str:
    return f"{coord[0]}/{coord[1]}"


class TransparencyLog(DependencyProvider):
    def setup(self):
        config = self.container.config
        self.key = load_signing_key(config)
        self.checkpoint_every = timedelta(seconds=settings.value(config, "LOG_CHECKPOINT_SECONDS"))

    def get_dependency(self, worker_ctx):
        return self

    @property
    def verifier_key(self) -> str:
        return str(self.key.verifier)

    @property
    def origin(self) -> str:
        return self.key.name

    # --- documents are imported late: they stay out of the service module's scope ----------
    @staticmethod
    def _docs():
        from services.publication import documents

        return documents

    def state(self, session=None) -> tuple:
        raw = self._docs().LogState._get_collection().find_one({"_id": "log"}, session=session)
        return (raw["size"], raw["root"]) if raw else (0, merkle.EMPTY_ROOT)

    def read_nodes(self, coords, session=None) -> dict:
        """The stored hashes of complete subtrees `coords` ((level, index)): a leaf's (level 0) from its LogLeaf,
        the others from LogNode."""
        docs = self._docs()
        leaves = [index for level, index in coords if level == 0]
        inner = [_node_id(coord) for coord in coords if coord[0] > 0]
        found = {}
        if inner:
            found.update((raw["_id"], raw["hash"]) for raw in docs.LogNode._get_collection().find(
                {"_id": {"$in": inner}}, session=session))
        if leaves:
            found.update((_node_id((0, raw["_id"])), raw["leaf_hash"]) for raw in docs.LogLeaf._get_collection().find(
                {"_id": {"$in": leaves}}, {"leaf_hash": 1}, session=session))
        missing = [_node_id(coord) for coord in coords if _node_id(coord) not in found]
        if missing:
            log.error("transparency_log_incomplete", missing=missing[:5])
            raise LogIncomplete(f"The log is missing stored nodes {', '.join(missing[:5])}: it was altered.")
        return {coord: found[_node_id(coord)] for coord in coords}

    # --- appending --------------------------------------------------------------------------
    def sequence(self, client, batch=SEQUENCE_BATCH) -> int:
        """Append up to `batch` waiting entries; return how many were appended."""
        try:
            appended, _ = run_in_transaction(client, "publication", lambda uow: self._append(uow.session, batch))
        except (LogStateChanged, DuplicateKeyError):
            log.info("transparency_log_sequencer_race")
            return 0
        return appended

    def _append(self, session, batch) -> int:
        queue = LogQueueEntry._get_collection()
        waiting = list(queue.find({}, sort=[("_id", 1)], limit=batch, session=session))
        if not waiting:
            return 0
        # A case's entries go in their chain order; across cases, in the order they were recorded.
        waiting.sort(key=lambda raw: (raw["_id"].generation_time, raw["case_id"], raw["seq"]))
        self._append_leaves(session, waiting)
        queue.delete_many({"_id": {"$in": [raw["_id"] for raw in waiting]}}, session=session)
        return len(waiting)

    def append_leaves(self, client, entries) -> int:
        """Append `entries` ({"case_id", "seq", "leaf_hash"}, in order) without the queue, in one transaction: the
        scale bench fills a log of a million leaves this way (the queue's delete is quadratic in its batch on
        SecantusDB, bench/FINDINGS.md). Returns the log's size."""
        run_in_transaction(client, "publication", lambda uow: self._append_leaves(uow.session, entries))
        return self.state()[0]

    def _append_leaves(self, session, waiting) -> None:
        docs = self._docs()
        size, _ = self.state(session)
        border_coords = merkle.subtrees(0, size)
        border = self.read_nodes(border_coords, session)
        new_nodes = merkle.append(size, [border[c] for c in border_coords], [raw["leaf_hash"] for raw in waiting])
        new_size = size + len(waiting)
        stored = {**border, **new_nodes}
        new_root = merkle.root(new_size, stored)
        docs.LogLeaf._get_collection().insert_many([
            {"_id": size + offset, "case_id": raw["case_id"], "seq": raw["seq"], "leaf_hash": raw["leaf_hash"]}
            for offset, raw in enumerate(waiting)
        ], session=session)
        # A leaf's hash is its LogLeaf's: only the subtrees above the leaves are stored as nodes (a log of 1,000,000
        # leaves writes 2,000,000 documents, not 3,000,000; logs written before keep their level-0 nodes, unread).
        inner = [{"_id": _node_id(coord), "hash": digest} for coord, digest in new_nodes.items() if coord[0] > 0]
        if inner:
            docs.LogNode._get_collection().insert_many(inner, session=session)
        state = docs.LogState._get_collection()
        if size == 0:
            state.insert_one({"_id": "log", "size": new_size, "root": new_root, "updated_at": utcnow()}, session=session)
        elif state.update_one({"_id": "log", "size": size},
                              {"$set": {"size": new_size, "root": new_root, "updated_at": utcnow()}},
                              session=session).matched_count != 1:
            raise LogStateChanged()
        log.info("transparency_log_appended", entries=len(waiting), size=new_size)

    # --- checkpoints ------------------------------------------------------------------------
    def latest_checkpoint(self):
        return self._docs().LogCheckpoint.objects.order_by("-size").first()

    def checkpoint_if_due(self, now=None):
        """Sign the current tree if it grew and the last checkpoint is old enough; return it or None."""
        now = now or utcnow()
        latest = self.latest_checkpoint()  # first: the tree read next is at least its size
        size, root = self.state()
        if size == 0 or (latest and (latest.size >= size or now - latest.signed_at < self.checkpoint_every)):
            return None
        checkpoint = Checkpoint(self.origin, size, root, (TIME_PREFIX + iso(now),))
        doc = self._docs().LogCheckpoint(size=size, root=root, signed_at=now, note=sign_checkpoint(checkpoint, self.key),
                                         follows=latest.size if latest else 0)
        try:
            doc.save(force_insert=True)
        except NotUniqueError:  # another instance signed this size, or after `latest`, first: theirs stands
            return None
        log.info("transparency_log_checkpoint_signed", size=size, root=root.hex())
        return doc

    def tick(self, client) -> None:
        while self.sequence(client) == SEQUENCE_BATCH:
            pass
        self.checkpoint_if_due()

    # --- proofs -----------------------------------------------------------------------------
    def _hashes(self, ranges) -> list:
        stored = self.read_nodes(sorted(merkle.coords_for(ranges)))
        return [merkle.range_hash(lo, hi, stored) for lo, hi in ranges]

    def inclusion_proof(self, index: int, size: int) -> list:
        return self._hashes(merkle.inclusion_ranges(index, size))

    def consistency_proof(self, old_size: int, new_size: int) -> list:
        return self._hashes(merkle.consistency_ranges(old_size, new_size))
