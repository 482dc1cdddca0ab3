"""Cases waiting with nobody eligible, and why, through review's API on the real broker and database: a
submission no expert of the registry may take (one reads neither of its languages, one is affiliated with the
member, one is at capacity) waits, and the admin reads each expert's why, as the assignment rule says it now.
Every other caller 401 or 403."""
import pytest
import requests

from cli import operations
from devtools import sample
from services.review import documents
from services.review.service import ReviewService
from tests.integration.conftest import wait_until
from tests.integration.test_review import Review, submitted_event

pytestmark = pytest.mark.integration
PATH = "/api/v1/operator/waiting-cases"


@pytest.fixture
def review(start_service, service_config):
    operations.add_member("TN", "national", sample.MEMBER["names"])
    operations.add_expert("exp-james", "James O.", ["en"], [], capacity=5)
    operations.add_expert("exp-salma", "Salma K.", ["ar", "fr"], ["TN"], capacity=5)
    operations.add_expert("exp-full", "Full F.", ["fr"], [], capacity=0)
    return Review(start_service(ReviewService), service_config["AMQP_URI"])


def test_a_case_nobody_may_take_waits_and_the_admin_reads_why(review):
    review.send(submitted_event("case_waiting", correlation_id="corr-waiting"))
    wait_until(lambda: documents.Case.objects(case_id="case_waiting", status="unassigned").first(), what="the case waits")
    admin = operations.issue_token("admin", "admin-1")
    answer = review.call("GET", PATH, admin)
    assert answer.status_code == 200, answer.text
    (case,) = answer.json()["cases"]
    assert (case["case_id"], case["member"], case["languages"]) == ("case_waiting", "TN", ["ar", "fr"])
    assert case["waiting_since"].endswith("Z") and "No expert qualifies for TN" in case["reason"]
    why = {c["expert_id"]: c["why"] for c in case["candidates"]}
    assert why["exp-james"] == [{"code": "no_shared_language", "languages": ["ar", "fr"]}]
    assert why["exp-salma"] == [{"code": "conflict_of_interest", "member": "TN"}]
    assert why["exp-full"] == [{"code": "at_capacity", "load": 0, "capacity": 0}]
    assert not any(c["eligible"] for c in case["candidates"])
    assert [c["reasons"] for c in case["candidates"] if c["expert_id"] == "exp-salma"] == [["conflict of interest: affiliated with TN"]]


def test_only_an_admin_reads_the_waiting_cases(review):
    assert requests.get(review.base + PATH, timeout=10).status_code == 401
    for role, subject, member in (("poc", "poc-tn", "TN"), ("expert", "exp-james", None), ("quality_reviewer", "iep-1", None)):
        assert review.call("GET", PATH, operations.issue_token(role, subject, member_code=member)).status_code == 403, role
