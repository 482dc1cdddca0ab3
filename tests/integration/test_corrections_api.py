"""Corrections and withdrawals across every case through publication's API on the real broker and database: a
finding withdrawn through POST /api/v1/findings/{id}/withdraw and a case reopened for correction (its audit entry
as review writes it) are listed newest first with who, when and why, a bounded page at a time with a stable
cursor; nothing else of the trails is. Public, as the trails it reads."""
import mongoengine
import pytest
import requests

from cli import operations
from shared.persistence.unit_of_work import run_in_transaction
from tests.integration.test_publication import approved_event, publication, published  # noqa: F401 (fixture)
from tests.integration.test_public_feed import withdraw

pytestmark = pytest.mark.integration
WITHDRAWN = "The expert's conflict of interest came to light after publication."


def record_correction(case_id, reason):
    """Review's audit entry of POST /api/v1/cases/{id}/correct (services/review/handlers.py: correct)."""
    run_in_transaction(mongoengine.connection.get_connection(), "test", lambda uow: uow.record(
        case_id=case_id, action="review.correction_opened", actor={"role": "admin", "id": "admin-1"},
        reason=f"Correction: {reason}", data={"expert_id": "exp-james"}, correlation_id=f"corr-{case_id}"))


def corrections(base, **params):
    answer = requests.get(f"{base}/api/v1/corrections", params=params, timeout=10)
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_withdrawals_and_corrections_are_listed_newest_first_with_their_reasons(publication, db):  # noqa: F811
    base, send = publication
    send(approved_event("case_cw"))
    send(approved_event("case_cc"))
    first = published("case_cw")
    published("case_cc")
    record_correction("case_cc", "The completion rating of commitment 2 misread the evidence.")
    answer = withdraw(base, first.finding_id, operations.issue_token("quality_reviewer", "iep-rivera"), WITHDRAWN)
    assert answer.status_code == 201, answer.text
    withdrawn = answer.json()

    listed = corrections(base)
    assert listed["next"] is None
    newest, older = listed["corrections"]
    assert (newest["kind"], newest["what"], newest["case_id"]) == ("withdrawal", "finding.withdrawn", "case_cw")
    assert newest["who"] == {"role": "quality_reviewer", "id": "iep-rivera"} and newest["why"] == f"Withdrawn: {WITHDRAWN}"
    assert (newest["finding_id"], newest["supersedes"]) == (withdrawn["id"], first.finding_id)
    assert newest["timeline_url"] == "/api/v1/cases/case_cw/timeline" and newest["when"].endswith("Z")
    assert (older["kind"], older["case_id"], older["who"]) == ("correction", "case_cc", {"role": "admin", "id": "admin-1"})
    assert older["why"] == "Correction: The completion rating of commitment 2 misread the evidence."
    assert older["finding_id"] is None and newest["when"] >= older["when"]

    # A page at a time, with the cursor the API gave; the same entries in the same order.
    one = corrections(base, limit=1)
    assert [c["case_id"] for c in one["corrections"]] == ["case_cw"] and one["next"]
    two = corrections(base, limit=1, cursor=one["next"])
    assert [c["case_id"] for c in two["corrections"]] == ["case_cc"] and two["next"] is None
    assert requests.get(f"{base}/api/v1/corrections", params={"cursor": "nonsense"}, timeout=10).status_code == 422
    assert requests.get(f"{base}/api/v1/corrections", params={"limit": 101}, timeout=10).status_code == 422
