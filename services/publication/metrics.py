"""Publication's gauges for `GET /metrics`: the transparency log (see shared/metrics.py).

Each is one read by key: the log's state document, the newest checkpoint by its `_id` (the
tree size), and the sequencer's queue, which holds only the entries still waiting.
"""
from services.publication import documents
from shared.clock import utcnow
from shared.metrics import age_seconds, gauge
from shared.persistence.documents import LogQueueEntry


def gauges(service) -> list:
    now = utcnow()
    state = documents.LogState._get_collection().find_one({"_id": "log"}, {"size": 1})
    latest = documents.LogCheckpoint._get_collection().find_one({}, {"signed_at": 1}, sort=[("_id", -1)])
    return [
        gauge("irm_transparency_log_size", "Entries in the transparency log.", state["size"] if state else 0),
        gauge("irm_transparency_log_sequencer_lag", "Audit entries recorded but not yet appended to the log.",
              LogQueueEntry._get_collection().count_documents({})),
        gauge("irm_transparency_log_checkpoint_size", "Tree size of the latest signed checkpoint (0 when none).",
              latest["_id"] if latest else 0),
        # +Inf when none was ever signed: with a non-empty log, that is the oldest possible.
        gauge("irm_transparency_log_checkpoint_age_seconds", "Seconds since the latest checkpoint was signed.",
              age_seconds(latest["signed_at"], now) if latest else float("inf")),
        gauge("irm_transparency_log_checkpoint_interval_seconds", "LOG_CHECKPOINT_SECONDS: the interval checkpoints follow.",
              service.transparency.checkpoint_every.total_seconds()),
    ]
