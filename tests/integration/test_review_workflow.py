"""The IRM review's rules on the real broker and database: decline and reassignment,
deadlines, concurrent drafts, registry changes, government and public comment windows."""
import threading
import time

import pytest
import requests

from cli import operations
from devtools import sample
from services.review import documents as review_documents
from services.review.service import ReviewService
from shared.persistence.documents import AuditEntry
from tests.integration.conftest import wait_until
from tests.integration.test_review import Review, submitted_event

pytestmark = pytest.mark.integration


@pytest.fixture
def start_review(container_factory, service_config):
    operations.add_member("TN", "national", sample.MEMBER["names"])
    operations.add_member("MA", "national", {"fr": "Maroc"})

    def start(**settings):
        config = {k: v for k, v in service_config.items() if k != "base_url"}
        config.update({"GOVERNMENT_REVIEW_SECONDS": 2, "PUBLIC_COMMENT_SECONDS": 2, "PUBLIC_COMMENT_MIN_SECONDS": 2, **settings})
        container_factory(ReviewService, config).start()
        return Review(service_config["base_url"], config["AMQP_URI"])

    return start


def case(case_id):
    return review_documents.Case.objects(case_id=case_id).first()


def assigned(case_id, not_to=None):
    return wait_until(lambda: (c := case(case_id)) and c.status == "assigned" and c.expert_id != not_to and c,
                      timeout=20, what=f"{case_id} assigned")


def actions(case_id):
    return [(e.action, e.actor["role"]) for e in AuditEntry.objects(case_id=case_id).order_by("seq")]


def load_of(expert_id):
    return review_documents.Expert.objects(expert_id=expert_id).first().active_cases


def test_a_declining_expert_is_replaced_and_never_offered_the_case_again(start_review):
    operations.add_expert("exp-a", "A", ["ar", "fr"], [], capacity=5)
    operations.add_expert("exp-b", "B", ["ar", "fr"], [], capacity=5)
    review = start_review()
    review.send(submitted_event("case_d"))
    first = assigned("case_d").expert_id
    other = "exp-b" if first == "exp-a" else "exp-a"
    token = operations.issue_token("expert", first)
    without = review.call("POST", "/api/v1/cases/case_d/decline", token,
                          {"reason": "I worked for the ministry in 2024.", "conflict_of_interest": True})
    assert without.status_code == 422 and set(without.json()["error"]["fields"]) == {"affiliation"}  # a conflict names its tie
    answer = review.call("POST", "/api/v1/cases/case_d/decline", token,
                         {"reason": "I worked for the ministry in 2024.", "conflict_of_interest": True,
                          "affiliation": "Ministry of Finance"})
    assert answer.status_code == 200, answer.text
    reassigned = assigned("case_d", not_to=first)
    assert reassigned.expert_id == other and reassigned.excluded_experts == [first]
    assert "TN" in review_documents.Expert.objects(expert_id=first).first().affiliations  # the conflict is remembered
    assert (load_of(first), load_of(other)) == (0, 1)
    assert actions("case_d") == [("review.assigned", "system"), ("review.declined", "expert"), ("review.reassigned", "system")]
    declined = AuditEntry.objects(case_id="case_d", action="review.declined").first()
    assert "worked for the ministry" in declined.reason and declined.data["conflict_of_interest"] is True
    assert "(conflict of interest: Ministry of Finance)" in declined.reason
    assert review.call("POST", "/api/v1/cases/case_d/decline", token, {"reason": "again"}).status_code == 404


def test_a_missed_deadline_reminds_then_reassigns(start_review):
    operations.add_expert("exp-a", "A", ["ar", "fr"], [], capacity=5)
    operations.add_expert("exp-b", "B", ["ar", "fr"], [], capacity=5)
    review = start_review(ACCEPT_DEADLINE_SECONDS=4)
    review.send(submitted_event("case_late"))
    first = assigned("case_late").expert_id
    wait_until(lambda: case("case_late").expert_id not in (None, first), timeout=20, what="reassignment after the deadline")
    steps = actions("case_late")
    assert steps[:4] == [("review.assigned", "system"), ("review.reminder_sent", "system"),
                         ("review.deadline_missed", "system"), ("review.reassigned", "system")]
    missed = AuditEntry.objects(case_id="case_late", action="review.deadline_missed").first()
    assert missed.data["expert_id"] == first and "missed the assigned deadline" in missed.reason
    assert load_of(first) == 0


def test_two_tabs_saving_the_same_draft_end_in_one_success_and_one_409(start_review):
    operations.add_expert("exp-a", "A", ["ar", "fr"], [], capacity=5)
    review = start_review()
    review.send(submitted_event("case_tabs"))
    assigned("case_tabs")
    token = operations.issue_token("expert", "exp-a")
    assert review.call("POST", "/api/v1/cases/case_tabs/accept", token).status_code == 200
    version = review.call("GET", "/api/v1/cases/case_tabs", token).headers["ETag"]
    tab_one = dict(sample.RATINGS["TN0502"], completion={"value": "limited", "justification": {"en": "tab one"}})
    tab_two = dict(sample.RATINGS["TN0502"], completion={"value": "substantial", "justification": {"en": "tab two"}})
    results, start = {}, threading.Barrier(2)

    def save(label, ratings):
        start.wait()  # both tabs send at the same moment, from the same version
        results[label] = review.call("PUT", "/api/v1/cases/case_tabs/ratings/TN0502", token, ratings, **{"If-Match": version})

    threads = [threading.Thread(target=save, args=(label, r)) for label, r in (("tab one", tab_one), ("tab two", tab_two))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(r.status_code for r in results.values()) == [200, 409]
    [winner] = [label for label, r in results.items() if r.status_code == 200]
    assert case("case_tabs").ratings["TN0502"]["completion"]["justification"]["en"] == winner  # never the loser's
    assert AuditEntry.objects(case_id="case_tabs", action="rating.saved").count() == 1  # the loser left no trace


def test_a_waiting_case_is_assigned_when_the_registry_changes(start_review):
    review = start_review()
    admin = operations.issue_token("admin", "admin-1")
    review.send(submitted_event("case_wait"))
    wait_until(lambda: (c := case("case_wait")) and c.status == "unassigned", what="waiting")
    bad = review.call("POST", "/api/v1/experts", admin, {"expert_id": "Exp A", "languages": ["de"], "capacity": -1})
    assert bad.status_code == 422 and {"expert_id", "name", "languages[0]", "capacity"} <= set(bad.json()["error"]["fields"])
    created = review.call("POST", "/api/v1/experts", admin, {"expert_id": "exp-new", "name": "New", "languages": ["fr"],
                                                             "capacity": 2, "expertise": ["MENA"]})
    assert created.status_code == 201, created.text
    assert assigned("case_wait").expert_id == "exp-new"
    assert [a for a, _ in actions("case_wait")] == ["review.unassigned", "review.assigned"]
    expert = operations.issue_token("expert", "exp-new")
    assert review.call("GET", "/api/v1/experts", expert).status_code == 403
    assert review.call("POST", "/api/v1/experts", admin, {"expert_id": "exp-new", "name": "N", "languages": ["fr"],
                                                          "capacity": 1}).status_code == 409


def test_government_and_public_comment_windows(start_review, tap):
    operations.add_expert("exp-a", "A", ["ar", "fr"], [], capacity=5)
    review = start_review()
    approved = tap("review", "review.approved")
    review.send(submitted_event("case_c"))
    assigned("case_c")
    expert = operations.issue_token("expert", "exp-a")
    reviewer = operations.issue_token("quality_reviewer", "iep-1")
    poc = operations.issue_token("poc", "poc-tn", member_code="TN")
    other_poc = operations.issue_token("poc", "poc-ma", member_code="MA")
    path = "/api/v1/cases/case_c"
    review.call("POST", f"{path}/accept", expert)
    for commitment_id, ratings in sample.RATINGS.items():
        version = review.call("GET", path, expert).headers["ETag"]
        assert review.call("PUT", f"{path}/ratings/{commitment_id}", expert, ratings, **{"If-Match": version}).status_code == 200
    review.call("PUT", f"{path}/plan-assessment", expert, sample.PLAN_ASSESSMENT, **{"If-Match": review.call("GET", path, expert).headers["ETag"]})
    assert review.call("GET", f"{path}/draft", poc).status_code == 404  # not before government review
    review.call("POST", f"{path}/submit", expert)
    assert review.call("POST", f"{path}/quality-decision", reviewer, {"decision": "approve"}).json()["status"] == "government_review"

    assert review.call("GET", f"{path}/draft", poc).json()["commitments"][0]["ratings"]["completion"]["value"] == "substantial"
    assert review.call("GET", f"{path}/draft", other_poc).status_code == 404
    comment = review.call("POST", f"{path}/government-comments", poc, {"commitment_id": "TN0501", "text": {"fr": "Données mensuelles aussi."}})
    assert comment.status_code == 201
    assert review.call("POST", f"{path}/government-comments", poc, {"commitment_id": "TN9", "text": {"fr": "x"}}).status_code == 422
    assert review.call("POST", f"{path}/open-public-comment", expert).status_code == 409  # window open, comment unanswered
    comment_id = comment.json()["comment_id"]
    assert review.call("POST", f"{path}/government-comments/{comment_id}/response", expert, {"text": {"fr": "Noté."}}).status_code == 200
    time.sleep(2.1)
    assert review.call("POST", f"{path}/government-comments", poc, {"text": {"fr": "Trop tard ?"}}).status_code == 409
    opened = review.call("POST", f"{path}/open-public-comment", expert)
    assert opened.status_code == 200, opened.text

    public = requests.post(f"{review.base}{path}/public-comments", json={"text": {"ar": "تعليق عام"}, "author": "Al Bawsala"}, timeout=10)
    secret = requests.post(f"{review.base}{path}/public-comments", json={"text": {"en": "whistle"}, "confidential": True}, timeout=10)
    assert public.status_code == secret.status_code == 201
    assert review.call("POST", f"{path}/public-comments", poc, {"text": {"en": "as poc"}}).status_code == 401
    draft = requests.get(f"{review.base}{path}/public-draft", timeout=10).json()
    assert [c["text"] for c in draft["comments"]] == [{"ar": "تعليق عام"}]  # the confidential one is not shown
    assert review.call("POST", f"{path}/finalise", expert).status_code == 409  # the period is not over
    time.sleep(2.1)
    assert review.call("POST", f"{path}/finalise", expert).status_code == 200

    event = approved.next()
    assert [c["author"] for c in event.payload["public_comments"]] == ["Al Bawsala"]
    assert event.payload["government_comments"][0]["response"]["text"] == {"fr": "Noté."}
    assert event.payload["plan_assessment"]["co_creation"]["public_influence"] == "involve"
    trail = [a for a, _ in actions("case_c")]
    assert trail[-7:] == ["review.quality_approved", "government.commented", "government.comment_answered",
                          "review.public_comment_opened", "public.commented", "public.commented", "review.approved"]
    confidential = AuditEntry.objects(case_id="case_c", action="public.commented").order_by("-seq").first()
    assert confidential.data["confidential"] is True and "whistle" not in str(confidential.to_mongo())
