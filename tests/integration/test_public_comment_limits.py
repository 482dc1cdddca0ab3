"""What an anonymous writer can do to a case, on the real broker and database: comment only
while the period is open (by the clock, not only the state), at a bounded rate per client
and per case, with bounded size and number, without ever growing the case document."""
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone

import bson
import pytest
import requests

from cli import operations
from devtools import sample
from devtools.ports import free_port
from services.review import documents as review_documents
from services.review import queries as review_queries
from services.review.service import ReviewService
from shared.persistence import documents as shared_documents
from shared.persistence.documents import AuditEntry
from tests.integration.conftest import rate_and_submit, wait_until
from tests.integration.test_review import Review, submitted_event

pytestmark = pytest.mark.integration

# Rate limits large enough not to interfere, unless a test sets its own.
GENEROUS = {"ANONYMOUS_WRITES_PER_CLIENT": 1000, "ANONYMOUS_WRITES_PER_CASE": 1000}


@pytest.fixture
def start_review(container_factory, service_config):
    operations.add_member("TN", "national", sample.MEMBER["names"])
    operations.add_expert("exp-a", "A", ["ar", "fr"], [], capacity=5)

    def start(**settings):
        config = {k: v for k, v in service_config.items() if k != "base_url"}
        # No government window (it is tested elsewhere); a public period the test chooses.
        config.update({"GOVERNMENT_REVIEW_SECONDS": 0, "PUBLIC_COMMENT_SECONDS": 3600, "PUBLIC_COMMENT_MIN_SECONDS": 0,
                       **GENEROUS, **settings})
        container_factory(ReviewService, config).start()
        return Review(service_config["base_url"], config["AMQP_URI"])

    return start


def open_for_public_comment(review, case_id):
    """One case taken to its public comment period; returns when the period closes."""
    review.send(submitted_event(case_id))
    wait_until(lambda: (c := review_documents.Case.objects(case_id=case_id).first()) and c.status == "assigned",
               timeout=20, what=f"{case_id} assigned")
    expert = operations.issue_token("expert", "exp-a")
    reviewer = operations.issue_token("quality_reviewer", "iep-1")
    path = f"/api/v1/cases/{case_id}"
    assert review.call("POST", f"{path}/accept", expert).status_code == 200
    rate_and_submit(review, case_id, expert)
    assert review.call("POST", f"{path}/quality-decision", reviewer, {"decision": "approve"}).status_code == 200
    opened = review.call("POST", f"{path}/open-public-comment", expert)
    assert opened.status_code == 200, opened.text
    return datetime.fromisoformat(opened.json()["closes_at"].replace("Z", "+00:00"))


def comment(review, case_id, text=None, client=None):
    headers = {"X-Forwarded-For": client} if client else {}
    return requests.post(f"{review.base}/api/v1/cases/{case_id}/public-comments", timeout=20, headers=headers,
                         json={"text": text or {"fr": "Un commentaire du public."}})


def public_comments_recorded(case_id):
    return AuditEntry.objects(case_id=case_id, action="public.commented").count()


def test_a_public_comment_after_the_period_closed_is_refused(start_review):
    review = start_review(PUBLIC_COMMENT_SECONDS=2)
    closes_at = open_for_public_comment(review, "case_late_comment")
    draft = requests.get(f"{review.base}/api/v1/cases/case_late_comment/public-draft", timeout=10).json()
    assert (draft["comments_open"], draft["comment_max_characters"], draft["author_max_characters"]) == (True, 2000, 200)
    assert comment(review, "case_late_comment").status_code == 201
    # The state is still public_comment (nobody finalised): only the clock says it is over.
    wait_until(lambda: datetime.now(timezone.utc) > closes_at, timeout=10, what="the period's end")
    late = comment(review, "case_late_comment")
    assert late.status_code == 409, late.text
    assert "closed" in late.json()["error"]["message"]
    assert review_documents.Case.objects(case_id="case_late_comment").first().status == "public_comment"
    assert public_comments_recorded("case_late_comment") == 1  # the late one left no trace
    # The public draft says so by the same rules (the pages show no form then).
    assert requests.get(f"{review.base}/api/v1/cases/case_late_comment/public-draft", timeout=10).json()["comments_open"] is False


def test_anonymous_comments_are_limited_per_client_then_per_case(start_review):
    review = start_review(ANONYMOUS_WRITES_PER_CLIENT=5, ANONYMOUS_WRITES_PER_CASE=8)
    open_for_public_comment(review, "case_flood")

    with ThreadPoolExecutor(max_workers=8) as pool:  # 100 from one client, several at a time
        answers = list(pool.map(lambda _: comment(review, "case_flood", client="203.0.113.7"), range(100)))
    statuses = [a.status_code for a in answers]
    assert statuses.count(201) == 5 and statuses.count(429) == 95, statuses
    refused = next(a for a in answers if a.status_code == 429)
    assert int(refused.headers["Retry-After"]) >= 1
    assert refused.json()["error"]["code"] == "too_many_requests"
    assert public_comments_recorded("case_flood") == 5  # nothing written for the refused ones
    assert review_documents.Comment.objects(case_id="case_flood").count() == 5

    # Another client is not held back by the first one's limit, but the case's own limit holds (8 in all).
    others = [comment(review, "case_flood", client="198.51.100.9") for _ in range(5)]
    assert [a.status_code for a in others] == [201, 201, 201, 429, 429]
    # The case's refusal says so, and when to try again, as the client's does.
    case_refused = others[3]
    assert case_refused.json()["error"]["code"] == "too_many_requests"
    assert "case_flood is receiving too many comments" in case_refused.json()["error"]["message"]
    assert int(case_refused.headers["Retry-After"]) >= 1
    assert case_refused.json()["error"]["details"]["retry_after_seconds"] == int(case_refused.headers["Retry-After"])
    assert public_comments_recorded("case_flood") == 8
    # A forwarded address is believed only from a trusted proxy: here every request comes from loopback,
    # which TRUSTED_PROXIES trusts by default, so the two clients above were told apart by the header.


def test_comment_size_and_number_are_capped_and_the_case_document_does_not_grow(start_review):
    review = start_review(COMMENT_MAX_CHARACTERS=100, PUBLIC_COMMENTS_PER_CASE=3)
    open_for_public_comment(review, "case_cap")
    oversized = comment(review, "case_cap", text={"fr": "é" * 60, "en": "e" * 60})  # 120 characters across languages
    assert oversized.status_code == 422
    assert "text" in oversized.json()["error"]["fields"]

    def case_size():
        raw = review_documents.Case._get_collection().find_one({"_id": "case_cap"})
        return len(bson.encode(raw))

    assert comment(review, "case_cap", text={"ar": "ت" * 100}).status_code == 201  # exactly the limit
    size_after_one = case_size()
    assert comment(review, "case_cap").status_code == 201
    assert comment(review, "case_cap").status_code == 201
    assert case_size() == size_after_one
    full = comment(review, "case_cap")
    assert full.status_code == 409
    assert "3 public comments" in full.json()["error"]["message"]
    assert public_comments_recorded("case_cap") == 3
    draft = requests.get(f"{review.base}/api/v1/cases/case_cap/public-draft", timeout=10).json()
    assert len(draft["comments"]) == 3


def test_two_instances_share_the_limits_and_the_state_expires(start_review, container_factory, service_config):
    first = start_review(ANONYMOUS_WRITES_PER_CLIENT=4)
    open_for_public_comment(first, "case_shared")
    port = free_port()
    config = {k: v for k, v in service_config.items() if k != "base_url"}
    config.update({"WEB_SERVER_ADDRESS": f"127.0.0.1:{port}", **GENEROUS, "ANONYMOUS_WRITES_PER_CLIENT": 4})
    container_factory(ReviewService, config).start()
    second = Review(f"http://127.0.0.1:{port}", config["AMQP_URI"])
    statuses = [comment(instance, "case_shared", client="192.0.2.44").status_code for instance in (first, second) * 4]
    assert statuses.count(201) == 4 and statuses[-2:] == [429, 429]
    ttl = [index for index in shared_documents.RateLimit._get_collection().index_information().values()
           if index["key"] == [("expires_at", 1)]]
    assert ttl and ttl[0]["expireAfterSeconds"] == 0


def test_a_correction_starts_a_new_round_and_keeps_the_earlier_comments(start_review):
    review = start_review(PUBLIC_COMMENT_SECONDS=1)
    closes_at = open_for_public_comment(review, "case_round")
    assert comment(review, "case_round", text={"fr": "Premier tour."}).status_code == 201
    wait_until(lambda: datetime.now(timezone.utc) > closes_at, timeout=10, what="the period's end")
    expert, admin = operations.issue_token("expert", "exp-a"), operations.issue_token("admin", "admin-1")
    assert review.call("POST", "/api/v1/cases/case_round/finalise", expert).status_code == 200
    assert review.call("POST", "/api/v1/cases/case_round/correct", admin, {"reason": "A rating was wrong."}).status_code == 200
    shown = review.call("GET", "/api/v1/cases/case_round", expert).json()
    assert shown["public_comments"] == [] and shown["government_comments"] == []
    [kept] = review_documents.Comment.objects(case_id="case_round")
    assert kept.round == 1 and kept.text == {"fr": "Premier tour."}
    assert review_documents.Case.objects(case_id="case_round").first().comment_round == 2


def test_comments_embedded_by_an_earlier_version_are_moved_to_their_collection(db, monkeypatch):
    from cli import irmctl

    monkeypatch.setenv("MONGODB_URI", db)
    review_documents.Case._get_collection().insert_one({
        "_id": "case_old", "self_assessment_id": "sa_old", "member": sample.MEMBER, "action_plan": {}, "languages": ["fr"],
        "commitments": [], "status": "approved", "ratings": {}, "correlation_id": "c", "version": 3,
        "opened_at": datetime.now(timezone.utc), "updated_at": datetime.now(timezone.utc),
        "government_comments": [{"comment_id": "gc_1", "commitment_id": None, "text": {"fr": "g"}, "author_id": "poc-tn",
                                 "at": "2026-01-01T00:00:00.000Z", "response": {"text": {"fr": "r"}, "expert_id": "e",
                                                                                "at": "2026-01-01T00:00:01.000Z"}}],
        "public_comments": [{"comment_id": f"pc_{i}", "commitment_id": None, "text": {"fr": f"p{i}"}, "author": None,
                             "confidential": i == 2, "at": "2026-01-01T00:00:02.000Z"} for i in (1, 2)],
    })
    assert irmctl.main(["migrate", "comments"]) == 0
    assert irmctl.main(["migrate", "comments"]) == 0  # again: nothing changes
    case = review_documents.Case.objects(case_id="case_old").first()  # readable again
    assert (case.comment_round, case.government_comment_count, case.public_comment_count) == (1, 1, 2)
    assert review_queries.comments_of(case, "government")[0]["response"]["text"] == {"fr": "r"}
    assert [c["comment_id"] for c in review_queries.comments_of(case, "public", published_only=True)] == ["pc_1"]


@pytest.mark.parametrize("control", ["\x00", "\x1b", "\r"], ids=["NUL", "ESC", "lone CR"])
def test_a_control_character_in_a_comments_text_or_author_is_a_field_error_and_nothing_is_stored(start_review, control):
    review = start_review()
    case_id = f"case_ctl_{ord(control)}"
    open_for_public_comment(review, case_id)
    url = f"{review.base}/api/v1/cases/{case_id}/public-comments"
    bodies = {
        ("text.fr",): {"text": {"fr": f"Avant{control}après."}, "author": "Leïla"},
        ("author",): {"text": {"fr": "Un commentaire."}, "author": f"Leïla{control}"},
        ("author", "text.ar"): {"text": {"ar": f"تعليق{control}"}, "author": f"{control}Leïla"},
    }
    for fields, body in bodies.items():
        refused = requests.post(url, json=body, timeout=20)
        assert refused.status_code == 422, refused.text
        error = refused.json()["error"]
        assert tuple(sorted(error["fields"])) == fields
        assert all(f"U+{ord(control):04X}" in message for field in fields for message in error["fields"][field])
    assert review_documents.Comment.objects(case_id=case_id).count() == 0
    assert public_comments_recorded(case_id) == 0
    assert review_documents.Case.objects(case_id=case_id).first().public_comment_count == 0
    # Tab and newline are text: the same comment with them is taken.
    assert requests.post(url, json={"text": {"fr": "Avant\tpendant\naprès."}, "author": "Leïla"}, timeout=20).status_code == 201
