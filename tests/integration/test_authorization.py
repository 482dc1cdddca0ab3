"""Every endpoint of every service × every kind of caller × the stages where the answer differs,
on the real broker and database, against the answers written by hand in tests/authorization_table.py.

"Allowed" means the request passed authorization: whatever 2xx, 409 or 422 followed. 401, 403
and 404 are refusals; a 404 for a reason other than authorization is avoided by asking about
objects that exist (a seeded case in each stage, a stored evidence file, a published finding, a
plan's self-assessment draft).
A case is put back as it was before every request, so an allowed action (a decline, a
submission) never changes the stage the next caller is asked in.
"""
import copy
from datetime import timedelta

import pytest
import requests
from nameko.standalone.events import event_dispatcher

from cli import operations
from devtools import sample
from devtools.ports import free_port
from services.accounts.service import AccountsService
from services.intake import documents as intake_documents
from services.intake import evidence_store
from services.intake.service import IntakeService
from services.publication.service import PublicationService
from services.review import documents as review_documents
from services.review.service import ReviewService
from shared.clock import utcnow
from shared.persistence.documents import ApiToken, Person, RejectedMessage
from tests.authorization_table import CALLERS, ENDPOINTS, OK, STAGES
from tests.integration.conftest import wait_until
from tests.integration.test_publication import approved_event

pytestmark = pytest.mark.integration

MEMBER, OTHER_MEMBER = "TN", "MA"
EXPERT, OTHER_EXPERT, PAST_EXPERT, REVIEWER, OTHER_REVIEWER = "exp-a", "exp-b", "exp-c", "iep-1", "iep-2"
COMMITMENT = "TN0501"
DRAFT = {"language": "fr", "cycle": "2023-2025"}  # a plan's self-assessment draft as the form keeps it


def callers():
    """Each caller's Authorization header (None: no token)."""
    revoked = operations.issue_token("admin", "admin-revoked")  # the strongest role, revoked
    operations.revoke_tokens("admin-revoked")
    assert ApiToken.objects(subject="admin-revoked").first().revoked_at is not None
    bearer = lambda token: f"Bearer {token}"  # noqa: E731
    return {
        "no_token": None, "revoked_token": bearer(revoked), "unknown_token": bearer("irm_" + "x" * 43),
        "member_poc": bearer(operations.issue_token("poc", "poc-tn", member_code=MEMBER)),
        "other_poc": bearer(operations.issue_token("poc", "poc-ma", member_code=OTHER_MEMBER)),
        "assigned_expert": bearer(operations.issue_token("expert", EXPERT)),
        "unassigned_expert": bearer(operations.issue_token("expert", OTHER_EXPERT)),
        "past_expert": bearer(operations.issue_token("expert", PAST_EXPERT)),
        "quality_reviewer": bearer(operations.issue_token("quality_reviewer", REVIEWER)),
        "admin": bearer(operations.issue_token("admin", "admin-1")),
    }


def seeded_case(stage) -> dict:
    """A case of MEMBER in `stage`, assigned to EXPERT after PAST_EXPERT declined it, fully rated."""
    now = utcnow()
    status = {"returned": "in_review", "published": "approved"}.get(stage, stage)
    reviewed = stage not in ("in_review", "quality_review")
    case = review_documents.Case(
        case_id=f"case_{stage}", self_assessment_id=f"sa_{stage}", member=sample.MEMBER,
        action_plan=sample.SELF_ASSESSMENT["action_plan"], languages=["ar", "fr"],
        commitments=[dict(c, narrative=None, evidence=[]) for c in sample.SELF_ASSESSMENT["commitments"]],
        status=status, expert_id=EXPERT, excluded_experts=[PAST_EXPERT], ratings=copy.deepcopy(sample.RATINGS),
        plan_assessment=copy.deepcopy(sample.PLAN_ASSESSMENT), reviewer_id=OTHER_REVIEWER if reviewed else None,
        quality_comments=[], government_review_until=now + timedelta(days=14), government_comment_count=1,
        public_comment_opened_at=now, public_comment_closes_at=now + timedelta(days=14),
        deadline_at=now + timedelta(days=60), stage_started_at=now, correlation_id=f"corr-{stage}",
        opened_at=now, updated_at=now, version=7,
    )
    comment = review_documents.Comment(
        comment_id=f"gc_{stage}", case_id=case.case_id, round=1, kind="government", seq=1, commitment_id=COMMITMENT,
        text={"fr": "Précision."}, author_id="poc-tn", at=now.isoformat(), response=None)
    return case.to_mongo().to_dict(), comment.to_mongo().to_dict()


def restore(seed) -> None:
    """Put a seeded case and its government comment back as they were (a request may have changed them)."""
    case, comment = seed
    review_documents.Case._get_collection().replace_one({"_id": case["_id"]}, case, upsert=True)
    review_documents.Comment._get_collection().replace_one({"_id": comment["_id"]}, comment, upsert=True)


def request_for(endpoint, ids, tree_size):
    """The method, concrete path, body and headers a caller sends: valid, so that an allowed
    caller is never refused for its body before authorization could be seen."""
    path = endpoint["path"]
    for name, value in ids.items():
        path = path.replace("{" + name + "}", str(value))
    kind = endpoint["method"] + " " + endpoint["path"].rsplit("/", 1)[-1]
    json_bodies = {
        "POST self-assessments": sample.SELF_ASSESSMENT, "POST experts": {}, "PUT {id}": {},
        "POST decline": {"reason": "A conflict of interest."},
        "PUT {commitment_id}": sample.RATINGS[COMMITMENT], "PUT plan-assessment": sample.PLAN_ASSESSMENT,
        "POST quality-decision": {"decision": "return", "comments": [{"commitment_id": COMMITMENT, "text": {"en": "Why?"}}]},
        "POST government-comments": {"commitment_id": COMMITMENT, "text": {"fr": "Une précision."}},
        "POST response": {"text": {"fr": "Noté."}}, "POST public-comments": {"text": {"en": "A comment."}},
        "POST correct": {"reason": "A factual error."}, "POST withdraw": {},
        # accounts: valid bodies; a link's token that is no link (410) or a sign-in that fails (401, a refusal
        # the table cannot tell from authorization's) would hide nothing, so sign-in is sent empty (422).
        "POST invitations": {"email": "invited@example.org", "role": "quality_reviewer", "language": "fr"},
        "POST accept": {"token": "x" * 43, "password": "a long passphrase nobody guesses"},
        "POST confirm": {"token": "x" * 43, "code": "123456"}, "POST sessions": {},
        "POST password-resets": {"email": "nobody@example.org"},
        "POST complete": {"token": "x" * 43, "password": "a long passphrase nobody guesses"},
        "PUT password": {"current_password": "x", "new_password": "y"}, "POST tokens": {"label": "a script"},
        "PUT self-assessment-draft": DRAFT, "PUT mail-preferences": {"turned_off": []},
    }
    kwargs = {"headers": {}}
    if kind in json_bodies:
        kwargs["json"] = json_bodies[kind]
    if endpoint["method"] == "PUT" and "/cases/" in path:
        kwargs["headers"]["If-Match"] = '"7"'
    if kind in ("POST evidence", "POST commitments"):
        kwargs["files"] = {"unused": ("a.txt", b"x")}  # multipart without `file`: 422 once authorized
    query = {"GET inclusion": f"?index=0&size={tree_size}", "GET consistency": f"?from=1&to={tree_size}"}.get(kind, "")
    return endpoint["method"], path + query, kwargs


def answer_of(response) -> str:
    """A refusal's status, or OK; a server error is never an answer the table can expect."""
    return str(response.status_code) if response.status_code in (401, 403, 404) or response.status_code >= 500 else OK


def expected(endpoint, caller, stage):
    value = endpoint["answers"][caller]
    value = value[stage] if isinstance(value, dict) else value
    return OK if value == OK else str(value)


@pytest.fixture
def start(container_factory, service_config):
    operations.add_member(MEMBER, "national", sample.MEMBER["names"])
    operations.add_member(OTHER_MEMBER, "national", {"fr": "Maroc"})
    for expert_id in (EXPERT, OTHER_EXPERT, PAST_EXPERT):
        operations.add_expert(expert_id, expert_id, ["ar", "fr"], [], capacity=100)
    bases, containers = {}, {}

    def start_service(name, cls):
        config = {k: v for k, v in service_config.items() if k != "base_url"}
        port = free_port()  # each its own: a neighbouring port may be any client's ephemeral port
        config["WEB_SERVER_ADDRESS"] = f"127.0.0.1:{port}"
        containers[name] = container_factory(cls, config)
        containers[name].start()
        bases[name] = f"http://127.0.0.1:{port}"

    start_service("intake", IntakeService)
    start_service("review", ReviewService)
    start_service("publication", PublicationService)
    start_service("accounts", AccountsService)
    return bases, containers


def test_every_endpoint_answers_every_caller_as_the_table_says(start, service_config):
    (bases, containers), headers_of = start, callers()
    admin = {"Authorization": headers_of["admin"]}
    # The objects asked about, made the way the services make them.
    submitted = requests.post(bases["intake"] + "/api/v1/self-assessments", json=sample.SELF_ASSESSMENT, headers=admin, timeout=10)
    assert submitted.status_code == 201, submitted.text
    file_id = evidence_store.save(b"%PDF-1.4 x", filename="e.pdf", media_type="application/pdf", sha256="0" * 64,
                                  member_code=MEMBER, uploaded_by="poc-tn")["file_id"]
    published_case = submitted.json()["case_id"]  # intake follows it: no stray failures in the logs
    # The plan's draft, kept through intake's API: its GET has one to answer with. A (re)submission of the plan
    # removes it (POST self-assessments is asked before), so it is put back before each request about it.
    kept = requests.put(f"{bases['intake']}/api/v1/action-plans/{MEMBER}/5/self-assessment-draft", json=DRAFT, headers=admin,
                        timeout=10)
    assert kept.status_code == 200, kept.text
    drafts = intake_documents.SelfAssessmentDraft._get_collection()
    draft = drafts.find_one({"_id": f"{MEMBER}:5"})
    event = approved_event(published_case)
    event_dispatcher({"AMQP_URI": service_config["AMQP_URI"], "serializer": "json"})("review", event.event_type, event.to_message())
    finding_id = wait_until(lambda: (r := requests.get(bases["publication"] + "/api/v1/findings", timeout=10).json()["items"])
                            and r[0]["id"], what="a published finding")
    checkpoint = wait_until(lambda: (r := requests.get(bases["publication"] + "/api/v1/log/checkpoint", timeout=10)).ok and r,
                            what="a signed checkpoint")
    tree_size = int(checkpoint.text.splitlines()[1])
    seeds = {stage: seeded_case(stage) for stage in STAGES}
    person = Person(person_id="per_authorization", email="unlocked@example.org", role="poc", member_code=MEMBER,
                    language="fr", invited_by={"role": "admin", "id": "admin-1"}, created_at=utcnow())
    Person._get_collection().replace_one({"_id": person.person_id}, person.to_mongo().to_dict(), upsert=True)
    rejected = RejectedMessage(consumer="review.on_self_assessment_submitted", kind="failed", reason="A test's.",
                               message={"event_id": "evt_not_parked"}, received_at=utcnow())
    rejected.save()  # not on the dead-letter queue: an admin's replay is 409 not_parked, authorized all the same

    session, mismatches, asked = requests.Session(), [], 0
    for endpoint in sorted(ENDPOINTS, key=lambda e: e["service"] != "intake"):  # intake's first
        if endpoint["service"] != "intake" and containers["intake"].started:
            # Done with intake: the seeded cases have no self-assessment there, so their events would only
            # fail in its consumers (and be retried and logged); they wait in its queue instead.
            containers["intake"].stop()
        for stage in (STAGES if endpoint["staged"] else ("published",)):
            ids = {"id": f"case_{stage}" if "/cases/" in endpoint["path"] else finding_id, "file_id": file_id,
                   "member": MEMBER, "n": 5, "commitment_id": COMMITMENT, "cid": f"gc_{stage}", "size": tree_size,
                   "token_id": "0" * 64}
            if endpoint["path"].startswith("/api/v1/self-assessments/"):
                ids["id"] = submitted.json()["id"]
            if endpoint["path"].startswith("/api/v1/experts/"):
                ids["id"] = EXPERT
            if endpoint["path"].startswith("/api/v1/people/"):
                ids["id"] = person.person_id  # not locked: an admin's unlock is a 409, past authorization
            if endpoint["path"].startswith("/api/v1/operator/messages/"):
                ids["id"] = str(rejected.id)
            if endpoint["path"] in ("/api/v1/cases/{id}/audit", "/api/v1/cases/{id}/timeline"):
                ids["id"] = published_case
            method, path, kwargs = request_for(endpoint, ids, tree_size)
            for caller in CALLERS:
                if endpoint["staged"]:
                    restore(seeds[stage])
                if endpoint["path"].endswith("/self-assessment-draft"):
                    drafts.replace_one({"_id": draft["_id"]}, draft, upsert=True)
                header = headers_of[caller]
                response = session.request(method, bases[endpoint["service"]] + path, timeout=10,
                                           **{**kwargs, "headers": {**kwargs["headers"], **({"Authorization": header} if header else {})}})
                asked += 1
                got, want = answer_of(response), expected(endpoint, caller, stage)
                if got != want:
                    mismatches.append(f"{method} {endpoint['path']} [{stage}] {caller}: expected {want}, "
                                      f"got {response.status_code} {response.text[:120]}")
    assert not mismatches, f"{len(mismatches)} of {asked} answers differ from the table:\n" + "\n".join(mismatches)


def test_case_lists_show_each_caller_only_what_it_may_see(start):
    headers_of = callers()
    for stage in STAGES:
        restore(seeded_case(stage))

    def listed(caller):
        response = requests.get(start[0]["review"] + "/api/v1/cases", headers={"Authorization": headers_of[caller]}, timeout=10)
        assert response.status_code == 200, response.text
        return {c["case_id"]: c for c in response.json()["cases"]}

    everything = {f"case_{stage}" for stage in STAGES}
    assert set(listed("admin")) == set(listed("assigned_expert")) == everything
    assert listed("unassigned_expert") == {}
    assert set(listed("quality_reviewer")) == everything - {"case_in_review"}  # never in quality review yet
    past = listed("past_expert")
    assert set(past) == everything
    # A past expert learns what became of the case, not who holds it now nor where its content is.
    assert all(c["expert_id"] is None and c["deadline_at"] is None and c["url"] is None for c in past.values())
    assert all(c["expert_id"] == EXPERT for c in listed("assigned_expert").values())
