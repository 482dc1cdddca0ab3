"""Replaying a rejected message from the operator's pages: once, whoever clicks twice.

A rejected message (shared/persistence/documents.py: RejectedMessage, kept when a consumer parked it on
`irm.dead-letters`: shared/service_shell.py) is claimed for its replay by a compare-and-set on the
document (`replayed` from false to true, with who and when); only the claim's winner sends the letter
back to its consumer (shared/dead_letters.py), so a double click or a second tab gets 409
`already_replayed` and sends nothing. A letter no longer on the dead-letter queue (irmctl replayed it)
gives the claim back and answers 409 `not_parked`. Even a letter sent twice would apply once: each
consumer records the event id it applied in the transaction of its effect.
"""
from bson import ObjectId

from services.accounts import queries
from shared import dead_letters
from shared.http import Conflict, NotFound
from shared.persistence.documents import RejectedMessage


class AlreadyReplayed(Conflict):
    code = "already_replayed"


class NotParked(Conflict):
    code = "not_parked"


def replay(message_id: str, actor: str, now, amqp_uri: str):
    """Send the rejected message back to its consumer's queue: (the record as it now is, the queue it went to)."""
    record = queries.rejected_message(message_id)
    if record is None:
        raise NotFound("No rejected message has this id.")
    collection = RejectedMessage._get_collection()
    claimed = collection.find_one_and_update(
        {"_id": ObjectId(message_id), "replayed": {"$ne": True}},
        {"$set": {"replayed": True, "replayed_at": now, "replayed_by": actor}})
    if claimed is None:
        raise AlreadyReplayed("This message was replayed already: it is not sent again.")
    try:
        queue = dead_letters.replay_one(amqp_uri, record.consumer, dict(record.message or {}))
    except Exception:
        _give_back(message_id)  # the broker away: nothing was sent, the claim goes
        raise
    if queue is None:
        _give_back(message_id)
        raise NotParked("This message is not on the dead-letter queue now (replayed from irmctl?): nothing was sent.")
    return queries.rejected_message(message_id), queue


def _give_back(message_id: str) -> None:
    RejectedMessage._get_collection().update_one(
        {"_id": ObjectId(message_id)}, {"$set": {"replayed": False}, "$unset": {"replayed_at": "", "replayed_by": ""}})
