"""Publication's handlers over an in-memory unit of work (tests/fake_unit_of_work.py)."""
from datetime import datetime, timezone

import pytest

from devtools import sample
from services.publication import documents, handlers, positions
from shared.auth import Principal
from shared.contracts.events import FINDING_PUBLISHED
from shared.http import Conflict
from tests.fake_unit_of_work import FakeUnitOfWork

NOW = datetime(2026, 3, 1, 9, 0, tzinfo=timezone.utc)
LATER = datetime(2026, 4, 1, 9, 0, tzinfo=timezone.utc)


def approved(case_id="case-1"):
    """A review.approved payload, as review's finalise sends it."""
    return sample.approved_payload(case_id, self_assessment_id="sa-1", expert_id="exp-a", reviewer_id="iep-1")


def test_a_publication_stores_the_finding_with_its_judgements_and_the_head_of_its_audit_chain():
    uow = FakeUnitOfWork("publication")
    finding_id = handlers.publish(uow, approved(), "corr-1", NOW)
    finding = uow.get(documents.Finding, {"_id": finding_id})
    assert finding.version == 1 and finding.supersedes is None and finding.status == "published"
    assert finding.summary["starred"] == 1 and finding.summary["reviewable"] == 2
    assert finding.audit_head == {"seq": uow.entries[-1]["seq"], "hash": uow.entries[-1]["hash"]}
    assert uow.actions() == ["finding.published"]
    assert uow.events[-1].event_type == FINDING_PUBLISHED and uow.events[-1].payload["status"] == "published"


def test_a_second_approval_of_the_case_is_a_new_version_linked_both_ways():
    uow = FakeUnitOfWork("publication")
    first = handlers.publish(uow, approved(), "corr-1", NOW)
    second = handlers.publish(uow, approved(), "corr-2", LATER)
    assert uow.get(documents.Finding, {"_id": second}).supersedes == first
    assert uow.get(documents.Finding, {"_id": first}).superseded_by == second
    assert uow.entries[-1]["data"]["version"] == 2


def test_a_withdrawal_is_a_new_withdrawn_version_and_only_of_the_latest():
    uow = FakeUnitOfWork("publication")
    first = handlers.publish(uow, approved(), "corr-1", NOW)
    admin = Principal("admin", "admin")
    withdrawn = handlers.withdraw(uow, admin, first, "The data was fabricated.", "corr-2", LATER)
    assert withdrawn.status == "withdrawn" and withdrawn.version == 2 and withdrawn.supersedes == first
    assert withdrawn.commitments == uow.get(documents.Finding, {"_id": first}).commitments
    with pytest.raises(Conflict, match="superseded"):
        handlers.withdraw(uow, admin, first, "Again, the old one.", "corr-3", LATER)
    with pytest.raises(Conflict, match="already withdrawn"):
        handlers.withdraw(uow, admin, withdrawn.finding_id, "Again, the new one.", "corr-3", LATER)
    assert uow.actions() == ["finding.published", "finding.withdrawn"]


def test_each_version_published_or_withdrawn_takes_the_next_position():
    uow = FakeUnitOfWork("publication")
    first = handlers.publish(uow, approved("case-1"), "corr-1", NOW)
    other = handlers.publish(uow, approved("case-2"), "corr-2", NOW)
    withdrawn = handlers.withdraw(uow, Principal("admin", "admin"), first, "The data was fabricated.", "corr-3", LATER)
    assert [uow.get(documents.Finding, {"_id": f}).position for f in (first, other)] == [1, 2]
    assert withdrawn.position == 3 and uow.get(documents.FindingCounter, {"_id": "findings"}).top == 3


def test_findings_stored_before_positions_existed_are_numbered_in_publication_order_first():
    uow = FakeUnitOfWork("publication")
    older = handlers.publish(uow, approved("case-1"), "corr-1", LATER)
    oldest = handlers.publish(uow, approved("case-2"), "corr-2", NOW)
    for finding_id in (older, oldest):  # as a database from before positions holds them
        del uow.stored(documents.Finding, finding_id)["position"]
    del uow.collection(documents.FindingCounter)["findings"]
    newest = handlers.publish(uow, approved("case-3"), "corr-3", LATER)
    assert [uow.get(documents.Finding, {"_id": f}).position for f in (oldest, older, newest)] == [1, 2, 3]
    assert positions.ensure_counter(uow) == 3  # the counter exists now: nothing numbered again
