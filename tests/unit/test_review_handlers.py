"""Review's handlers over an in-memory unit of work (tests/fake_unit_of_work.py): the decisions
themselves, with no broker and no database. The integration tests drive the same through HTTP."""
from datetime import datetime, timedelta, timezone

import json

import pytest
from nameko.testing.services import worker_factory
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from devtools import sample
from services.review import documents, handlers, views
from services.review.domain import limits
from services.review.service import ReviewService
from services.review.domain.deadlines import Timing
from shared import access, audit
from shared.auth import Forbidden, Principal
from shared.clock import aware, iso, utcnow
from shared.contracts import events
from shared.contracts.events import REVIEW_ASSIGNED, REVIEW_QUALITY_APPROVED, REVIEW_RETURNED
from shared.http import Conflict, NotFound, Unprocessable
from shared.irm import LANGUAGES
from tests.fake_unit_of_work import FakeUnitOfWork

NOW = datetime(2026, 3, 1, 9, 0, tzinfo=timezone.utc)
TIMING = Timing()
ADMIN, REVIEWER = Principal("admin", "admin"), Principal("iep-1", "quality_reviewer")


def expert(expert_id, capacity=2):
    return documents.Expert(expert_id=expert_id, name=expert_id, languages=list(LANGUAGES), affiliations=[], expertise=[],
                            capacity=capacity, active_cases=0, available=True, created_at=NOW)


def submitted(case_id="case-1"):
    return {"case_id": case_id, "self_assessment_id": "sa-1", "member": {**sample.MEMBER, "region": "MENA"},
            "action_plan": sample.SELF_ASSESSMENT["action_plan"], "languages": ["ar", "fr", "en"],
            "commitments": sample.SELF_ASSESSMENT["commitments"], "co_creation": None}


@pytest.fixture
def uow():
    uow = FakeUnitOfWork("review")
    uow.put(expert("exp-a"))
    uow.put(expert("exp-b"))
    return uow


def opened(uow, case_id="case-1", now=NOW):
    """A case opened and assigned; its expert as a principal."""
    handlers.open_case(uow, submitted(case_id), "corr-1", TIMING, now)
    case = case_of(uow, case_id)
    return case, Principal(case.expert_id, "expert")


def in_review(uow, now=NOW):
    case, expert_principal = opened(uow, now=now)
    handlers.accept(uow, expert_principal, case.case_id, TIMING, now)
    return case, expert_principal


def case_of(uow, case_id="case-1"):
    return uow.get(documents.Case, {"_id": case_id})


def test_a_submitted_case_is_assigned_at_once_and_counts_against_the_experts_capacity(uow):
    case, expert_principal = opened(uow)
    assert case_of(uow).status == "assigned" and case_of(uow).deadline_at is not None
    assert uow.stored(documents.Expert, expert_principal.subject)["active_cases"] == 1
    assert uow.actions() == ["review.assigned"] and [e.event_type for e in uow.events] == [REVIEW_ASSIGNED]


def test_a_rating_save_bumps_the_version_and_seals_the_values_it_changed(uow):
    case, expert_principal = in_review(uow)
    version = case_of(uow).version
    ratings = sample.RATINGS["TN0501"]
    assert handlers.save_ratings(uow, expert_principal, "case-1", "TN0501", ratings, version, NOW) == version + 1
    stored = case_of(uow)
    assert stored.version == version + 1 and stored.ratings["TN0501"]["completion"]["value"] == "substantial"
    entry = uow.entries[-1]
    assert entry["action"] == "rating.saved" and entry["data"]["commitment_id"] == "TN0501"
    assert entry["data"]["indicators_changed"] == sorted(ratings)
    assert uow.sealed[("case-1", entry["seq"])]["ratings"] == ratings  # the values: sealed, not in the hashed data
    assert "ratings" not in entry["data"] and audit.verify_chain(uow.entries).valid


def test_a_stale_rating_save_is_refused_and_changes_nothing(uow):
    case, expert_principal = in_review(uow)
    version = case_of(uow).version
    handlers.save_ratings(uow, expert_principal, "case-1", "TN0501", sample.RATINGS["TN0501"], version, NOW)
    recorded = len(uow.entries)
    with pytest.raises(Conflict):
        handlers.save_ratings(uow, expert_principal, "case-1", "TN0501", sample.RATINGS["TN0502"], version, NOW)
    assert case_of(uow).ratings["TN0501"] == sample.RATINGS["TN0501"] and len(uow.entries) == recorded


def test_only_the_assigned_expert_saves_ratings_and_only_for_the_cases_commitments(uow):
    case, expert_principal = in_review(uow)
    other = Principal("exp-b" if expert_principal.subject == "exp-a" else "exp-a", "expert")
    with pytest.raises(NotFound):
        handlers.save_ratings(uow, other, "case-1", "TN0501", sample.RATINGS["TN0501"], case_of(uow).version, NOW)
    with pytest.raises(NotFound):
        handlers.save_ratings(uow, expert_principal, "case-1", "XX9999", sample.RATINGS["TN0501"], case_of(uow).version, NOW)


def test_ratings_after_the_deadline_are_refused_by_the_clock(uow):
    case, expert_principal = in_review(uow)
    late = NOW + timedelta(seconds=TIMING.review_seconds + 1)
    with pytest.raises(Conflict, match="deadline"):
        handlers.save_ratings(uow, expert_principal, "case-1", "TN0501", sample.RATINGS["TN0501"], case_of(uow).version, late)


def drafted(uow, now=NOW):
    """A case with every rating and the plan assessment, submitted to quality review."""
    case, expert_principal = in_review(uow, now)
    for commitment_id, ratings in sample.RATINGS.items():
        handlers.save_ratings(uow, expert_principal, "case-1", commitment_id, ratings, case_of(uow).version, now)
    handlers.save_plan_assessment(uow, expert_principal, "case-1", sample.PLAN_ASSESSMENT, case_of(uow).version, now)
    handlers.submit(uow, expert_principal, "case-1", now)
    return expert_principal


def test_a_quality_approval_opens_the_governments_window(uow):
    drafted(uow)
    assert handlers.quality_decision(uow, REVIEWER, "case-1", "approve", [], TIMING, NOW) == "government_review"
    stored = case_of(uow)
    assert stored.reviewer_id == "iep-1"
    assert aware(stored.government_review_until) == NOW + timedelta(seconds=TIMING.government_review_seconds)
    assert uow.entries[-1]["action"] == "review.quality_approved" and uow.events[-1].event_type == REVIEW_QUALITY_APPROVED


def test_a_quality_return_goes_back_to_the_expert_with_its_comments_sealed(uow):
    drafted(uow)
    comments = [{"commitment_id": "TN0501", "text": {"fr": "Préciser la source."}}]
    assert handlers.quality_decision(uow, REVIEWER, "case-1", "return", comments, TIMING, NOW) == "in_review"
    entry = uow.entries[-1]
    assert entry["action"] == "review.returned" and {k: entry["data"][k] for k in ("comments", "commitment_ids")} == {"comments": 1, "commitment_ids": ["TN0501"]}
    assert uow.sealed[("case-1", entry["seq"])] == {"comments": comments}
    assert uow.events[-1].event_type == REVIEW_RETURNED and case_of(uow).quality_comments[0]["reviewer_id"] == "iep-1"


def test_a_reviewer_never_decides_on_their_own_work(uow):
    expert_principal = drafted(uow)
    own = Principal(expert_principal.subject, "quality_reviewer")
    with pytest.raises(Forbidden, match="own work"):
        handlers.quality_decision(uow, own, "case-1", "approve", [], TIMING, NOW)
    assert case_of(uow).status == "quality_review"


def test_a_decline_frees_the_expert_remembers_a_conflict_and_reassigns_in_the_same_step(uow):
    case, expert_principal = opened(uow)
    first = expert_principal.subject
    handlers.decline(uow, expert_principal, "case-1", "I advised this government.", True, TIMING,
                     affiliation=" Ministry of Finance ")
    declined = next(e for e in uow.entries if e["action"] == "review.declined")
    assert declined["reason"].endswith("declined: I advised this government. (conflict of interest: Ministry of Finance)")
    stored = case_of(uow)
    assert stored.status == "assigned" and stored.expert_id not in (None, first) and stored.excluded_experts == [first]
    assert uow.stored(documents.Expert, first)["active_cases"] == 0
    assert uow.stored(documents.Expert, first)["affiliations"] == ["TN"]  # never assigned TN again
    assert uow.stored(documents.Expert, stored.expert_id)["active_cases"] == 1
    assert uow.actions() == ["review.assigned", "review.declined", "review.reassigned"]
    assert uow.events[-1].event_type == REVIEW_ASSIGNED and uow.events[-1].payload["expert_id"] == stored.expert_id


def test_a_decline_with_nobody_left_waits_unassigned(uow):
    uow.update(documents.Expert, {"_id": "exp-b"}, {"$set": {"available": False}})
    uow.update(documents.Expert, {"_id": "exp-a"}, {"$set": {"available": True}})
    case, expert_principal = opened(uow)
    handlers.decline(uow, expert_principal, "case-1", "No time this month.", False, TIMING)
    assert case_of(uow).status == "unassigned" and uow.actions()[-1] == "review.unassigned"


def in_public_comment(uow):
    expert_principal = drafted(uow)
    handlers.quality_decision(uow, REVIEWER, "case-1", "approve", [], TIMING, NOW)
    opens = NOW + timedelta(seconds=TIMING.government_review_seconds)
    closes = handlers.open_public_comment(uow, expert_principal, "case-1", TIMING, opens)
    return expert_principal, opens, closes


PUBLIC_BODY = {"commitment_id": "TN0501", "text": {"fr": "Les données sont utiles."}, "author": "Leila", "confidential": False}


def test_a_public_comment_is_stored_numbered_and_sealed_in_the_log(uow):
    _, opens, _ = in_public_comment(uow)
    comment = handlers.public_comment(uow, "case-1", PUBLIC_BODY, 10, opens)
    stored = uow.stored(documents.Comment, comment["comment_id"])
    assert stored["seq"] == 1 and stored["kind"] == "public" and case_of(uow).public_comment_count == 1
    entry = uow.entries[-1]
    assert entry["action"] == "public.commented" and entry["actor"] == {"role": "public", "id": "anonymous"}
    assert "text" not in entry["data"] and uow.sealed[("case-1", entry["seq"])] == {"text": PUBLIC_BODY["text"], "author": "Leila"}


def test_public_comments_stop_at_the_cap_and_when_the_period_closes(uow):
    _, opens, closes = in_public_comment(uow)
    handlers.public_comment(uow, "case-1", PUBLIC_BODY, 1, opens)
    with pytest.raises(Conflict):
        handlers.public_comment(uow, "case-1", PUBLIC_BODY, 1, opens)
    with pytest.raises(Conflict, match="closed"):
        handlers.public_comment(uow, "case-1", PUBLIC_BODY, 10, closes)
    assert case_of(uow).public_comment_count == 1


def test_finalising_sends_the_approved_findings_with_the_published_comments_only(uow):
    expert_principal, opens, closes = in_public_comment(uow)
    handlers.public_comment(uow, "case-1", PUBLIC_BODY, 10, opens)
    handlers.public_comment(uow, "case-1", {**PUBLIC_BODY, "confidential": True}, 10, opens)
    handlers.finalise(uow, expert_principal, "case-1", closes)
    approved = uow.events[-1].payload
    assert [c["text"] for c in approved["public_comments"]] == [PUBLIC_BODY["text"]]
    assert "confidential" not in approved["public_comments"][0]
    assert uow.stored(documents.Expert, expert_principal.subject)["active_cases"] == 0
    assert uow.entries[-1]["data"]["public_comments_confidential"] == 1


def test_a_correction_is_refused_when_the_expert_is_at_capacity(uow):
    expert_principal, _, closes = in_public_comment(uow)
    handlers.finalise(uow, expert_principal, "case-1", closes)
    uow.update(documents.Expert, {"_id": expert_principal.subject}, {"$set": {"capacity": 0}})
    with pytest.raises(Conflict, match="capacity"):
        handlers.correct(uow, ADMIN, "case-1", "A figure was wrong.", TIMING, closes)
    uow.update(documents.Expert, {"_id": expert_principal.subject}, {"$set": {"capacity": 1}})
    handlers.correct(uow, ADMIN, "case-1", "A figure was wrong.", TIMING, closes)
    assert case_of(uow).status == "in_review" and case_of(uow).comment_round == 2


def test_the_registry_refuses_a_second_expert_with_the_same_id(uow):
    body = {"expert_id": "exp-c", "name": "C", "languages": ["fr"], "affiliations": [], "expertise": [], "capacity": 1,
            "available": True}
    assert handlers.save_expert(uow, body, True, NOW).languages == ["fr"]
    with pytest.raises(Conflict):
        handlers.save_expert(uow, body, True, NOW)
    assert handlers.save_expert(uow, {**body, "capacity": 4}, False, NOW).capacity == 4


# --- the deadline watch's decisions: each re-checked on the case as read in its transaction ------------------
def test_a_missed_deadline_releases_the_case_to_another_expert_once(uow):
    case, expert_principal = opened(uow)
    first, deadline_at = expert_principal.subject, aware(case.deadline_at)
    handlers.expire(uow, case_of(uow), TIMING, deadline_at - timedelta(seconds=1))  # not yet
    assert uow.actions() == ["review.assigned"] and case_of(uow).expert_id == first
    handlers.expire(uow, case_of(uow), TIMING, deadline_at)
    stored = case_of(uow)
    assert stored.status == "assigned" and stored.expert_id not in (None, first) and stored.excluded_experts == [first]
    assert uow.stored(documents.Expert, first)["active_cases"] == 0
    assert uow.actions() == ["review.assigned", "review.deadline_missed", "review.reassigned"]
    assert uow.entries[1]["actor"]["role"] == "system" and uow.entries[1]["data"]["expert_id"] == first
    # The expert who missed it is told (the mail service), the next one assigned.
    missed = [event for event in uow.events if event.event_type == events.REVIEW_DEADLINE_MISSED]
    assert [event.payload for event in missed] == [{"case_id": "case-1", "member_code": "TN", "expert_id": first,
                                                    "stage": "assigned", "deadline_at": iso(deadline_at)}]
    assert uow.events[-1].event_type == events.REVIEW_ASSIGNED and uow.events[-1].payload["expert_id"] == stored.expert_id
    handlers.expire(uow, case_of(uow), TIMING, deadline_at)  # a second watch, the same moment: the new deadline holds
    assert len(uow.entries) == 3 and case_of(uow).expert_id == stored.expert_id and len(missed) == sum(
        event.event_type == events.REVIEW_DEADLINE_MISSED for event in uow.events)


def test_a_case_submitted_before_the_watch_got_to_it_is_not_expired(uow):
    drafted(uow)
    handlers.expire(uow, case_of(uow), TIMING, NOW + timedelta(seconds=TIMING.review_seconds + 1))
    assert case_of(uow).status == "quality_review" and uow.actions()[-1] == "review.submitted"


def test_an_expert_is_reminded_once_a_stage_and_again_in_the_next(uow):
    case, expert_principal = opened(uow)
    version, emitted = case_of(uow).version, len(uow.events)
    assert handlers.remind(uow, case_of(uow), NOW) is True
    stored = case_of(uow)
    assert aware(stored.reminded_at) == NOW and stored.version == version + 1
    entry = uow.entries[-1]
    assert entry["action"] == "review.reminder_sent"
    assert entry["data"] == {"expert_id": expert_principal.subject, "deadline_at": iso(aware(case.deadline_at))}
    # In the trail, and an event the mail service turns into the expert's reminder.
    [reminded] = uow.events[emitted:]
    assert reminded.event_type == events.REVIEW_REMINDED and reminded.payload == {
        "case_id": "case-1", "member_code": "TN", "expert_id": expert_principal.subject, "stage": "assigned",
        "deadline_at": iso(aware(case.deadline_at))}
    assert handlers.remind(uow, case_of(uow), NOW) is False and len(uow.entries) == 2  # once
    assert len(uow.events) == emitted + 1
    handlers.accept(uow, expert_principal, "case-1", TIMING, NOW)  # a new stage, a new deadline
    assert case_of(uow).reminded_at is None and handlers.remind(uow, case_of(uow), NOW) is True


def test_no_reminder_outside_the_expert_s_stages(uow):
    drafted(uow)
    recorded = len(uow.entries)
    assert handlers.remind(uow, case_of(uow), NOW) is False and len(uow.entries) == recorded


# --- the government's comments and the expert's answers --------------------------------------------------------
POC = Principal("poc-tn", "poc", member_code="TN")
GOVERNMENT_BODY = {"commitment_id": "TN0501", "text": {"fr": "Le chiffre de 2025 est erroné."}}


def in_government_review(uow, now=NOW):
    expert_principal = drafted(uow, now)
    handlers.quality_decision(uow, REVIEWER, "case-1", "approve", [], TIMING, now)
    return expert_principal


def test_the_member_s_poc_comments_within_its_window_its_words_sealed(uow):
    in_government_review(uow)
    comment = handlers.government_comment(uow, POC, "case-1", GOVERNMENT_BODY, 5, NOW)
    stored = uow.stored(documents.Comment, comment["comment_id"])
    assert stored["kind"] == "government" and stored["seq"] == 1 and stored["round"] == case_of(uow).comment_round
    assert stored["author_id"] == "poc-tn" and stored.get("response") is None and case_of(uow).government_comment_count == 1
    entry = uow.entries[-1]
    assert entry["action"] == "government.commented" and entry["actor"] == {"role": "poc", "id": "poc-tn"}
    assert {k: entry["data"][k] for k in ("comment_id", "commitment_id")} == {"comment_id": comment["comment_id"],
                                                                             "commitment_id": "TN0501"}
    assert "text" not in entry["data"] and "sealed_sha256" in entry["data"]  # the words: sealed, their hash chained
    assert uow.sealed[("case-1", entry["seq"])] == {"text": GOVERNMENT_BODY["text"]}


def test_a_government_comment_is_refused_to_another_member_after_the_window_on_an_unknown_commitment_and_past_the_cap(uow):
    in_government_review(uow)
    closes = NOW + timedelta(seconds=TIMING.government_review_seconds)
    with pytest.raises(NotFound):  # another member's case does not exist for its poc
        handlers.government_comment(uow, Principal("poc-ma", "poc", member_code="MA"), "case-1", GOVERNMENT_BODY, 5, NOW)
    with pytest.raises(Conflict, match="closed"):
        handlers.government_comment(uow, POC, "case-1", GOVERNMENT_BODY, 5, closes)
    with pytest.raises(Unprocessable):
        handlers.government_comment(uow, POC, "case-1", {**GOVERNMENT_BODY, "commitment_id": "XX9999"}, 5, NOW)
    handlers.government_comment(uow, POC, "case-1", GOVERNMENT_BODY, 1, NOW)
    recorded = len(uow.entries)
    with pytest.raises(Conflict):
        handlers.government_comment(uow, POC, "case-1", GOVERNMENT_BODY, 1, NOW)
    assert case_of(uow).government_comment_count == 1 and len(uow.entries) == recorded


def test_the_government_s_draft_says_whether_its_poc_may_comment_now_by_the_handler_s_own_rules(uow):
    """What the PoC's page shows its form by: review's answer, from the same who, state and clock rules."""
    drafted(uow)
    assert handlers.government_comment_open(case_of(uow), POC, NOW) is False  # in quality review: not yet
    handlers.quality_decision(uow, REVIEWER, "case-1", "approve", [], TIMING, NOW)
    closes = NOW + timedelta(seconds=TIMING.government_review_seconds)
    case = case_of(uow)
    assert handlers.government_comment_open(case, POC, NOW) is True
    assert handlers.government_comment_open(case, POC, closes - timedelta(seconds=1)) is True
    assert handlers.government_comment_open(case, POC, closes) is False  # the window closed
    assert handlers.government_comment_open(case, Principal("poc-ma", "poc", member_code="MA"), NOW) is False
    assert handlers.government_comment_open(case, REVIEWER, NOW) is False  # not the government
    view = views.draft_view(case, [], comments_open=True, limits=limits.Limits(comment_max_characters=300,
                                                                                government_comments_per_case=4))
    assert (view["comments_open"], view["comment_max_characters"], view["comments_left"]) == (True, 300, 4)
    assert view["comments_url"] == "/api/v1/cases/case-1/government-comments"


def test_the_expert_answers_each_government_comment_before_the_draft_goes_public(uow):
    expert_principal = in_government_review(uow)
    comment = handlers.government_comment(uow, POC, "case-1", GOVERNMENT_BODY, 5, NOW)
    opens = NOW + timedelta(seconds=TIMING.government_review_seconds)
    with pytest.raises(Conflict, match=comment["comment_id"]):
        handlers.open_public_comment(uow, expert_principal, "case-1", TIMING, opens)
    answer = {"fr": "Corrigé : le chiffre vient du rapport de 2025."}
    handlers.respond(uow, expert_principal, "case-1", comment["comment_id"], answer, NOW)
    stored = uow.stored(documents.Comment, comment["comment_id"])
    assert stored["response"] == {"text": answer, "expert_id": expert_principal.subject, "at": iso(NOW)}
    entry = uow.entries[-1]
    assert entry["action"] == "government.comment_answered" and entry["data"]["comment_id"] == comment["comment_id"]
    assert uow.sealed[("case-1", entry["seq"])] == {"text": answer}
    handlers.open_public_comment(uow, expert_principal, "case-1", TIMING, opens)
    assert case_of(uow).status == "public_comment"


def test_an_answer_to_no_such_comment_or_by_another_expert_is_refused_and_records_nothing(uow):
    expert_principal = in_government_review(uow)
    comment = handlers.government_comment(uow, POC, "case-1", GOVERNMENT_BODY, 5, NOW)
    recorded = len(uow.entries)
    with pytest.raises(NotFound):
        handlers.respond(uow, expert_principal, "case-1", "gc_nope", {"fr": "?"}, NOW)
    other = Principal("exp-b" if expert_principal.subject == "exp-a" else "exp-a", "expert")
    with pytest.raises(NotFound):
        handlers.respond(uow, other, "case-1", comment["comment_id"], {"fr": "?"}, NOW)
    assert uow.stored(documents.Comment, comment["comment_id"]).get("response") is None and len(uow.entries) == recorded


# --- the same, through the review service's own entrypoints: the limits as its settings give them ---------------
class _Caller:
    """The Auth dependency, for a caller already known: shared/access.py still decides."""

    def __init__(self, principal):
        self.principal = principal

    def caller(self, request, operation):
        access.authorize(self.principal, operation)
        return self.principal


class _Store:
    """The Store dependency over the fake unit of work (one call, one unit of work)."""

    def __init__(self, uow):
        self.uow = uow

    def run(self, work):
        return work(self.uow)


def review_entrypoints(uow, principal, **configured):
    """ReviewService's worker with the fake unit of work, `principal` calling, the comment limits from `configured`
    settings (as nameko's config gives them)."""
    limits_dependency = type("AnonymousWrites", (), {"limits": limits.Limits.from_config(configured)})()
    return worker_factory(ReviewService, store=_Store(uow), auth=_Caller(principal), anonymous_writes=limits_dependency)


def posted(body):
    return Request(EnvironBuilder(method="POST", json=body).get_environ())


def test_with_government_comments_per_case_1_a_second_government_comment_is_refused_409_and_nothing_is_written(uow):
    in_government_review(uow, utcnow())  # the service asks the real clock: the window is open now
    service = review_entrypoints(uow, POC, GOVERNMENT_COMMENTS_PER_CASE=1)
    assert service.government_comment(posted(GOVERNMENT_BODY), "case-1").status_code == 201
    recorded, comments = len(uow.entries), len(uow.collection(documents.Comment))
    refused = service.government_comment(posted(GOVERNMENT_BODY), "case-1")
    assert refused.status_code == 409 and "limit of 1 government comments" in json.loads(refused.get_data())["error"]["message"]
    assert case_of(uow).government_comment_count == 1 and len(uow.entries) == recorded
    assert len(uow.collection(documents.Comment)) == comments


def test_an_over_length_government_comment_or_answer_is_refused_422_on_text_and_nothing_is_written(uow):
    expert_principal = in_government_review(uow, utcnow())
    poc, expert_service = (review_entrypoints(uow, who, COMMENT_MAX_CHARACTERS=20) for who in (POC, expert_principal))
    # 21 characters across its two languages: one too many.
    too_long = {"fr": "é" * 11, "en": "e" * 10}
    refused = poc.government_comment(posted({**GOVERNMENT_BODY, "text": too_long}), "case-1")
    assert refused.status_code == 422
    assert list(json.loads(refused.get_data())["error"]["fields"]) == ["text"]
    assert case_of(uow).government_comment_count == 0 and not uow.collection(documents.Comment)
    # At the limit it is taken; its answer one character over is refused, and the comment stays unanswered.
    taken = poc.government_comment(posted({**GOVERNMENT_BODY, "text": {"fr": "é" * 10, "en": "e" * 10}}), "case-1")
    assert taken.status_code == 201
    comment_id = json.loads(taken.get_data())["comment_id"]
    recorded = len(uow.entries)
    refused = expert_service.respond(posted({"text": too_long}), "case-1", comment_id)
    assert refused.status_code == 422 and list(json.loads(refused.get_data())["error"]["fields"]) == ["text"]
    assert uow.stored(documents.Comment, comment_id).get("response") is None and len(uow.entries) == recorded
    assert expert_service.respond(posted({"text": {"fr": "x" * 20}}), "case-1", comment_id).status_code == 200
