"""Review's gauges for `GET /metrics`, read at scrape time (see shared/metrics.py).

Bounded and indexed: one count per stage on the `status` index, and one range count per
expert stage on `(status, deadline_at)`, the index the deadline watch uses. No scan of cases.
"""
from datetime import timedelta

from services.review import documents
from services.review.domain import workflow
from shared.clock import utcnow
from shared.metrics import gauge

DUE_WITHIN = timedelta(days=1)


def gauges(service) -> list:
    cases, now = documents.Case._get_collection(), utcnow()
    by_stage = [((stage,), cases.count_documents({"status": stage})) for stage in workflow.STATES]
    due = [((stage,), cases.count_documents({"status": stage, "deadline_at": {"$gte": now, "$lte": now + DUE_WITHIN}}))
           for stage in workflow.EXPERT_STAGES]
    return [
        gauge("irm_review_cases", "Cases in each stage of the review.", labels=["stage"], samples=by_stage),
        gauge("irm_review_deadlines_due_next_day", "Cases whose expert's deadline (accept or submit) falls within the next 24 hours.",
              labels=["stage"], samples=due),
    ]
