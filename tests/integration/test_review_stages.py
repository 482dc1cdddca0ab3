"""Every review stage is an event, so intake's status view follows the review exactly
(government review, public comment, a correction), and a correction takes the expert's
capacity through the same guard as every other assignment."""
import pytest
import requests

from cli import operations
from devtools import sample
from services.intake.service import IntakeService
from services.review import documents as review_documents
from services.review.service import ReviewService
from tests.integration.conftest import free_port, rate_and_submit, wait_until
from tests.integration.test_review import Review, submitted_event

pytestmark = pytest.mark.integration

# Comment windows of zero seconds: each stage can be left as soon as it is reached.
NO_WAIT = {"GOVERNMENT_REVIEW_SECONDS": 0, "PUBLIC_COMMENT_SECONDS": 0, "PUBLIC_COMMENT_MIN_SECONDS": 0}


def start(container_factory, service_config, service_cls):
    port = free_port()
    config = {k: v for k, v in service_config.items() if k != "base_url"}
    config.update(NO_WAIT, WEB_SERVER_ADDRESS=f"127.0.0.1:{port}")
    container_factory(service_cls, config).start()
    return f"http://127.0.0.1:{port}"


@pytest.fixture
def review(container_factory, service_config):
    operations.add_member("TN", "national", sample.MEMBER["names"])
    return Review(start(container_factory, service_config, ReviewService), service_config["AMQP_URI"])


@pytest.fixture
def stack(container_factory, service_config, review):
    return start(container_factory, service_config, IntakeService), review


def case(case_id):
    return review_documents.Case.objects(case_id=case_id).first()


def load_of(expert_id):
    return review_documents.Expert.objects(expert_id=expert_id).first().active_cases


def test_intake_shows_every_stage_of_the_review_and_of_a_correction(stack):
    intake, review = stack
    operations.add_expert("exp-a", "A", ["ar", "fr"], [], capacity=5)
    poc = operations.issue_token("poc", "poc-tn", member_code="TN")
    expert = operations.issue_token("expert", "exp-a")
    reviewer = operations.issue_token("quality_reviewer", "iep-1")
    admin = operations.issue_token("admin", "ops")
    created = requests.post(f"{intake}/api/v1/self-assessments", json=sample.SELF_ASSESSMENT, timeout=10,
                            headers={"Authorization": f"Bearer {poc}"}).json()
    case_id = created["case_id"]
    path = f"/api/v1/cases/{case_id}"

    def intake_shows(status):
        def shown():
            answer = requests.get(intake + created["status_url"], headers={"Authorization": f"Bearer {poc}"}, timeout=10)
            return answer.json()["case"]["status"] == status
        wait_until(shown, timeout=20, what=f"intake showing {status}")
        assert case(case_id).status == status  # the same stage as the review itself

    intake_shows("assigned")
    assert review.call("POST", f"{path}/accept", expert).status_code == 200
    intake_shows("in_review")
    rate_and_submit(review, case_id, expert)
    intake_shows("quality_review")
    assert review.call("POST", f"{path}/quality-decision", reviewer, {"decision": "approve"}).status_code == 200
    intake_shows("government_review")
    assert review.call("POST", f"{path}/open-public-comment", expert).status_code == 200
    intake_shows("public_comment")
    assert review.call("POST", f"{path}/finalise", expert).status_code == 200
    intake_shows("approved")
    assert review.call("POST", f"{path}/correct", admin, {"reason": "A ministry report was misdated."}).status_code == 200
    intake_shows("in_review")

    answer = requests.get(intake + created["status_url"], headers={"Authorization": f"Bearer {poc}"}, timeout=10).json()
    assert [step["status"] for step in answer["case"]["history"]] == [
        "submitted", "assigned", "in_review", "quality_review", "government_review", "public_comment", "approved", "in_review"]


def test_a_correction_for_an_expert_at_capacity_is_refused_until_they_have_room(review):
    operations.add_expert("exp-a", "A", ["ar", "fr"], [], capacity=1)
    expert = operations.issue_token("expert", "exp-a")
    reviewer = operations.issue_token("quality_reviewer", "iep-1")
    admin = operations.issue_token("admin", "ops")
    review.send(submitted_event("case_first"))
    wait_until(lambda: (c := case("case_first")) and c.status == "assigned", timeout=20, what="first case assigned")
    path = "/api/v1/cases/case_first"
    review.call("POST", f"{path}/accept", expert)
    rate_and_submit(review, "case_first", expert)
    review.call("POST", f"{path}/quality-decision", reviewer, {"decision": "approve"})
    review.call("POST", f"{path}/open-public-comment", expert)
    assert review.call("POST", f"{path}/finalise", expert).status_code == 200
    assert load_of("exp-a") == 0
    review.send(submitted_event("case_second"))  # takes exp-a's only place
    wait_until(lambda: (c := case("case_second")) and c.status == "assigned", timeout=20, what="second case assigned")
    assert load_of("exp-a") == 1

    refused = review.call("POST", f"{path}/correct", admin, {"reason": "A ministry report was misdated."})
    assert refused.status_code == 409, refused.text
    assert "capacity" in refused.json()["error"]["message"]
    assert case("case_first").status == "approved" and load_of("exp-a") == 1  # nothing changed

    raised = review.call("PUT", "/api/v1/experts/exp-a", admin, {"expert_id": "exp-a", "name": "A", "languages": ["ar", "fr"],
                                                                  "capacity": 2})
    assert raised.status_code == 200, raised.text
    assert review.call("POST", f"{path}/correct", admin, {"reason": "A ministry report was misdated."}).status_code == 200
    assert case("case_first").status == "in_review" and load_of("exp-a") == 2
