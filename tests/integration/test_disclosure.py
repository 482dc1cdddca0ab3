"""The disclosure rule on the real services: what the public audit, timeline and log show of
a case at each stage, and that what they disclose is what the log committed to."""
import json
import time

import pytest
import requests

from cli import operations
from devtools import sample
from cli import verify as verifier
from devtools.ports import free_port
from services.publication.service import PublicationService
from services.review.service import ReviewService
from shared.persistence.documents import AuditEntry, SealedContent, LogQueueEntry
from tests.integration.conftest import wait_until
from tests.integration.test_review import Review, submitted_event

pytestmark = pytest.mark.integration
CASE = "case_disclosure"
# Words that appear only in what people wrote or in the draft's values, each marked so that a
# leak anywhere in a public body is found by a plain substring search.
JUSTIFICATION = "MARK-justification-completion"
RETURN_COMMENT = "MARK-return-comment"
GOVERNMENT_COMMENT = "MARK-government-comment"
ANSWER = "MARK-expert-answer"
PUBLIC_COMMENT = "MARK-public-comment"
PUBLIC_AUTHOR = "MARK-public-author"
CONFIDENTIAL = "MARK-confidential-whistle"
PLAN_JUSTIFICATION = "MARK-plan-justification"


@pytest.fixture
def stack(container_factory, service_config):
    operations.add_member("TN", "national", sample.MEMBER["names"])
    operations.add_expert("exp-a", "A", ["ar", "fr"], [], capacity=5)
    config = {k: v for k, v in service_config.items() if k != "base_url"}
    config.update({"GOVERNMENT_REVIEW_SECONDS": 2, "PUBLIC_COMMENT_SECONDS": 2, "PUBLIC_COMMENT_MIN_SECONDS": 2})
    container_factory(ReviewService, config).start()
    publication_port = free_port()
    container_factory(PublicationService, {**config, "WEB_SERVER_ADDRESS": f"127.0.0.1:{publication_port}"}).start()
    return Review(service_config["base_url"], config["AMQP_URI"]), f"http://127.0.0.1:{publication_port}"


def public_bodies(publication):
    """Everything the public can read of the case's history, as text."""
    wait_until(lambda: LogQueueEntry.objects.count() == 0, what="the log to take in every entry")
    audit = requests.get(f"{publication}/api/v1/cases/{CASE}/audit", timeout=10)
    timeline = requests.get(f"{publication}/api/v1/cases/{CASE}/timeline", timeout=10)
    log = requests.get(f"{publication}/api/v1/log/entries", params={"limit": 1000}, timeout=10)
    assert audit.status_code == timeline.status_code == log.status_code == 200
    return audit.json(), timeline.json(), log.json()


def leaks(bodies, *marks):
    text = json.dumps(bodies, ensure_ascii=False)
    return [mark for mark in marks if mark in text]


def drive_to_public_comment(review):
    review.send(submitted_event(CASE))
    wait_until(lambda: (c := AuditEntry.objects(case_id=CASE, action="review.assigned").first()) and c, timeout=20, what="assigned")
    expert = operations.issue_token("expert", "exp-a")
    reviewer = operations.issue_token("quality_reviewer", "iep-1")
    poc = operations.issue_token("poc", "poc-tn", member_code="TN")
    path = f"/api/v1/cases/{CASE}"

    def version():
        return review.call("GET", path, expert).headers["ETag"]

    assert review.call("POST", f"{path}/accept", expert).status_code == 200
    for commitment_id, ratings in sample.RATINGS.items():
        marked = "completion" if "completion" in ratings else "verifiability"  # not verifiable: nothing else is rated
        ratings = dict(ratings, **{marked: dict(ratings[marked], justification={"fr": f"{JUSTIFICATION} {commitment_id}"})})
        assert review.call("PUT", f"{path}/ratings/{commitment_id}", expert, ratings, **{"If-Match": version()}).status_code == 200
    plan = dict(sample.PLAN_ASSESSMENT, acted_contrary_to_process={"value": False, "justification": {"en": PLAN_JUSTIFICATION}})
    assert review.call("PUT", f"{path}/plan-assessment", expert, plan, **{"If-Match": version()}).status_code == 200
    assert review.call("POST", f"{path}/submit", expert).status_code == 200
    returned = review.call("POST", f"{path}/quality-decision", reviewer,
                           {"decision": "return", "comments": [{"commitment_id": "TN0502", "text": {"en": RETURN_COMMENT}}]})
    assert returned.status_code == 200, returned.text
    assert review.call("POST", f"{path}/submit", expert).status_code == 200
    yield "quality_review"
    assert review.call("POST", f"{path}/quality-decision", reviewer, {"decision": "approve"}).status_code == 200
    comment = review.call("POST", f"{path}/government-comments", poc, {"commitment_id": "TN0501", "text": {"fr": GOVERNMENT_COMMENT}})
    assert comment.status_code == 201, comment.text
    answer = review.call("POST", f"{path}/government-comments/{comment.json()['comment_id']}/response", expert, {"text": {"fr": ANSWER}})
    assert answer.status_code == 200, answer.text
    yield "government_review"
    time.sleep(2.1)
    assert review.call("POST", f"{path}/open-public-comment", expert).status_code == 200
    for body in ({"text": {"ar": PUBLIC_COMMENT}, "author": PUBLIC_AUTHOR}, {"text": {"en": CONFIDENTIAL}, "confidential": True}):
        assert requests.post(f"{review.base}{path}/public-comments", json=body, timeout=10).status_code == 201
    yield "public_comment"
    time.sleep(2.1)
    assert review.call("POST", f"{path}/finalise", expert).status_code == 200
    yield "approved"


def test_the_public_trail_discloses_each_thing_at_its_moment_and_it_matches_the_log(stack, log_signing_key, tmp_path):
    review, publication = stack
    stages = drive_to_public_comment(review)
    draft_marks = (JUSTIFICATION, PLAN_JUSTIFICATION)
    dialogue = (RETURN_COMMENT, GOVERNMENT_COMMENT, ANSWER)

    # Under review, in quality review and in government review: no draft value, no comment text.
    assert next(stages) == "quality_review"
    bodies = public_bodies(publication)
    assert leaks(bodies, *draft_marks, *dialogue) == []
    audit, timeline, log = bodies
    ratings = [e for e in audit["entries"] if e["action"] == "rating.saved"]
    assert ratings and all(e["withheld"] == {"until": "public_comment"} and "sealed" not in e for e in ratings)
    assert all(set(e["data"]) == {"commitment_id", "indicators_changed", "sealed_sha256"} for e in ratings)
    # The facts stay public from the start: what was decided, by which role, when and why.
    assert [e["what"] for e in timeline["events"]][:3] == ["review.assigned", "review.accepted", "rating.saved"]
    assert all(e["who"]["role"] and e["when"] and e["why"] for e in timeline["events"])
    # The log's leaves hold fingerprints only.
    assert all(leaks(item["leaf_data"], *draft_marks, *dialogue) == [] for item in log["items"])

    assert next(stages) == "government_review"
    assert leaks(public_bodies(publication), *draft_marks, *dialogue) == []

    # Public comment: the draft is public, so are its values and the non-confidential comments.
    assert next(stages) == "public_comment"
    bodies = public_bodies(publication)
    assert leaks(bodies, *draft_marks) == list(draft_marks)
    assert leaks(bodies, PUBLIC_COMMENT, PUBLIC_AUTHOR) == [PUBLIC_COMMENT, PUBLIC_AUTHOR]
    assert leaks(bodies, *dialogue, CONFIDENTIAL) == []
    # ... but never in a log leaf.
    assert all(leaks(item["leaf_data"], *draft_marks, PUBLIC_COMMENT) == [] for item in bodies[2]["items"])

    # Published: the dialogue too; a confidential comment never.
    assert next(stages) == "approved"
    wait_until(lambda: AuditEntry.objects(case_id=CASE, action="finding.published").first(), timeout=20, what="published")
    bodies = public_bodies(publication)
    assert leaks(bodies, *draft_marks, *dialogue, PUBLIC_COMMENT) == [*draft_marks, *dialogue, PUBLIC_COMMENT]
    assert leaks(bodies, CONFIDENTIAL) == []
    confidential = [e for e in bodies[0]["entries"] if e["action"] == "public.commented" and e["data"]["confidential"]]
    assert confidential[0]["withheld"] == {"until": "never"}

    # The verifier checks every disclosed value against the fingerprint its logged entry holds.
    wait_until(lambda: requests.get(f"{publication}/api/v1/log/checkpoint", timeout=5).status_code == 200, what="a checkpoint")
    report = verifier.verify(publication, log_signing_key.verifier, CASE, wait=15)
    assert report.ok, report.problems
    disclosed = [e for e in bodies[0]["entries"] if "sealed" in e]
    assert len(disclosed) >= 8
    assert any(f"{len(disclosed)} disclosed content(s) match" in line for line in report.checked)

    # A disclosed value changed in the store no longer matches what the log committed to.
    target = next(e for e in disclosed if e["action"] == "rating.saved")
    SealedContent._get_collection().update_one(
        {"case_id": CASE, "seq": target["seq"]}, {"$set": {"content.ratings.completion.value": "complete"}})
    tampered = verifier.verify(publication, log_signing_key.verifier, CASE)
    assert not tampered.ok
    assert any(f"seq {target['seq']} (rating.saved): the disclosed content does not match" in p for p in tampered.problems)
