"""Positions of published findings: 1, 2, 3, ... in the order publications commit (see paging.py).

A position is taken from the counter document in the unit of work that inserts the finding:
a redelivered event is applied once (the unit of work records it), and two publications at
once both write the counter, so one of them is retried after the other commits. Positions
therefore grow with commit order and are never reused.

Findings stored before positions existed are numbered once, in the order they were
published, when the counter does not exist yet: at the service's start (FindingPositions),
or by the first publication if that comes first.
"""
import mongoengine
from nameko.extensions import DependencyProvider
from pymongo.errors import DuplicateKeyError

from services.publication import documents, member_summaries
from shared.persistence.unit_of_work import run_in_transaction

COUNTER = "findings"


def next_position(uow) -> int:
    """The position for a finding inserted in this unit of work."""
    top = uow.increment(documents.FindingCounter, {"_id": COUNTER}, "top")
    if top is None:
        top = number_unpositioned(uow) + 1
        uow.insert(documents.FindingCounter(counter_id=COUNTER, top=top))
    return top


def number_unpositioned(uow) -> int:
    """Number the findings that have no position, oldest publication first, above the highest
    position already given (none, unless the counter was lost); the last number given. Runs
    only while the counter does not exist: once per database."""
    highest = uow.get_latest(documents.Finding, {"position": {"$gte": 1}}, "position")
    top = highest.position if highest else 0
    for finding in uow.find(documents.Finding, {"position": None}, sort=[("published_at_dt", 1), ("_id", 1)]):
        top += 1
        uow.update(documents.Finding, {"_id": finding.finding_id}, {"$set": {"position": top}})
    return top


def ensure_counter(uow) -> int:
    """Create the counter, numbering the findings stored before it, unless it exists; its top."""
    counter = uow.get(documents.FindingCounter, {"_id": COUNTER})
    if counter is not None:
        return counter.top
    top = number_unpositioned(uow)
    uow.insert(documents.FindingCounter(counter_id=COUNTER, top=top))
    return top


def top() -> int:
    """The highest position given so far (0 before the first finding): one read by _id."""
    raw = documents.FindingCounter._get_collection().find_one({"_id": COUNTER}, {"top": 1})
    return raw["top"] if raw else 0


class FindingPositions(DependencyProvider):
    """At the service's start, numbers findings stored before positions existed, so none goes unlisted, and
    counts them into the members' summaries if those were never counted (member_summaries.py)."""

    def start(self):
        # In start, not setup: nameko sets extensions up at the same time, and Store's setup
        # connects the database (and makes the indexes) that this reads.
        for first_count in (ensure_counter, member_summaries.ensure_summaries):
            try:
                run_in_transaction(mongoengine.connection.get_connection(), "publication", first_count)
            except DuplicateKeyError:
                pass  # another instance (or a first publication) created it at the same moment, counting the same findings
