"""What an insider with database access can do to the audit trail and the transparency log, once for
every test that checks a verifier catches it (tests/integration/test_transparency_log.py against
`irm verify`, tests/browser/test_finding_verify.py against the in-browser verifier too).

Each tampering takes the case it works on; the tests name their own case and their own lists of what
must fail.
"""
import functools

from services.publication import documents as publication_documents
from shared import audit
from shared.persistence.documents import AuditEntry, LogQueueEntry
from shared.transparency import merkle


def entries():
    return AuditEntry._get_collection()


def leaves():
    return publication_documents.LogLeaf._get_collection()


def change_an_entry(case_id, seq=2):
    entries().update_one({"case_id": case_id, "seq": seq}, {"$set": {"reason": "nothing to see here"}})


def rehash_chain_from(case_id, seq):
    """Recompute the chain from `seq` on, as an insider covering an edit would."""
    previous = entries().find_one({"case_id": case_id, "seq": seq - 1}, {"_id": 0}) if seq else None
    for entry in list(entries().find({"case_id": case_id, "seq": {"$gte": seq}}, {"_id": 0}, sort=[("seq", 1)])):
        entry["prev_hash"] = previous["hash"] if previous else audit.GENESIS
        entry["hash"] = audit.entry_hash(entry)
        entries().replace_one({"case_id": case_id, "seq": entry["seq"]}, entry)
        previous = entry


def remove_a_log_leaf(case_id):
    leaves().delete_one({"case_id": case_id, "seq": 1})


def reorder_two_log_leaves(case_id):
    a = leaves().find_one({"case_id": case_id, "seq": 1})
    b = leaves().find_one({"case_id": case_id, "seq": 4})
    leaves().update_one({"_id": a["_id"]}, {"$set": {"seq": -1}})
    leaves().update_one({"_id": b["_id"]}, {"$set": {"seq": 1}})
    leaves().update_one({"_id": a["_id"]}, {"$set": {"seq": 4}})


def alter_a_stored_node(case_id):
    """The first subtree above the leaves in seq 1's inclusion proof (a leaf's own hash is its LogLeaf's)."""
    index = leaves().find_one({"case_id": case_id, "seq": 1})["_id"]
    size = publication_documents.LogState._get_collection().find_one({"_id": "log"})["size"]
    lo, hi = next((lo, hi) for lo, hi in merkle.inclusion_ranges(index, size) if hi - lo > 1)
    level, node = merkle.subtrees(lo, hi)[0]
    altered = publication_documents.LogNode._get_collection().update_one({"_id": f"{level}/{node}"}, {"$set": {"hash": bytes(32)}})
    assert altered.modified_count == 1


def requeue_the_whole_log():
    """Throw the tree, its checkpoints and its queue away and queue every stored entry again, in the
    order recorded: the sequencer then builds and signs a new tree from the entries as they are now."""
    for document in (publication_documents.LogLeaf, publication_documents.LogNode, publication_documents.LogState,
                     publication_documents.LogCheckpoint, LogQueueEntry):
        document._get_collection().delete_many({})
    LogQueueEntry._get_collection().insert_many([
        {"case_id": e["case_id"], "seq": e["seq"], "leaf_hash": merkle.leaf_hash(audit.log_leaf(e))}
        for e in entries().find({}, {"_id": 0}, sort=[("_id", 1)])])


def bound_to(case_id, *tamperings):
    """Each tampering bound to `case_id` as a function of no arguments, keeping its name (the tests' ids and
    screenshots use it)."""
    return [functools.update_wrapper(functools.partial(tamper, case_id), tamper) for tamper in tamperings]
