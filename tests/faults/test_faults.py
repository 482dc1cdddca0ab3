"""Fault tests: a stream of cases through the whole pipeline while processes are killed,
the broker application restarts and the database goes away; afterwards every case is in
its final state exactly once. Three modes, one test each, the same stream and counts table:

- one of each (`test_every_case_is_published_exactly_once_through_faults`), FAULT_CASES cases
  (default 500, 150 in CI), the faults each once at set points of the stream:
  1. kill -9 intake, review and publication (each restarted after 2 s);
  2. `rabbitmqctl stop_app` / `start_app` on the local broker (the shared one: run it alone);
  3. the database unreachable for 10 s (its process stopped, then restarted on the same data);
  4. the SMTP server down for 10 s (its process stopped, then started on the same port).
- two of each (`test_two_instances_of_each_service`), FAULT_CASES cases: the gateway spreads
  requests over both instances; one instance of each service is killed -9 mid-stream and
  stays down for a while, so the other carries on alone; the SMTP server is down for 10 s, with
  two mail senders racing for each mail when it is back. The broker is left alone.
- a broker cluster (`test_broker_cluster_with_a_node_killed`), FAULT_CLUSTER_CASES cases
  (default 300, 100 in CI; FAULT_CLUSTER_CASES=500 for the full one): a
  three-node cluster of its own (devtools/rabbitmq_cluster.py), quorum queues, the services
  connected to all three nodes; the node they are connected to is killed -9 and
  restarted. The system broker is not touched.

    .venv/bin/python -m pytest tests/faults -k "two_instances or broker_cluster"   # the modes that leave the shared broker alone

Mail runs in every mode: the PoC, the four experts and a quality reviewer have accounts, so each
case is four mails (the expert's assignment, the PoC's "assigned" and "published", the quality
reviewers' queue) at a real SMTP server of the test's own (devtools/mailbox.py). Every mail must
arrive once: one file per Message-ID, none missing, none twice.

All traffic on 127.0.0.1, deadlines throughout.
"""
import os
import shutil
import subprocess
import tempfile
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from cli import operations
from devtools import sample
from devtools.embedded_mongo import EmbeddedMongo
from devtools.mailbox import Mailbox
from devtools.ports import free_port
from devtools.rabbitmq_cluster import Cluster
from tests.conftest import throwaway_vhost
from tests.integration.test_mail import PASSWORD, activated
from devtools.stack import ServiceStack
from shared import audit

pytestmark = [pytest.mark.fault, pytest.mark.time_limit(2700)]  # the stream's DEADLINE, then the counting wait

# The whole of `make test` must end well within CI's 90 minutes (48 min in a fresh clone at these sizes, README):
# CI streams fewer cases through the same faults, which happen at fractions of the stream, so every fault still
# meets cases in flight. The full sizes are every other run's default.
_IN_CI = os.environ.get("CI") == "true"
CASES = int(os.environ.get("FAULT_CASES", "150" if _IN_CI else "500"))
CLUSTER_CASES = int(os.environ.get("FAULT_CLUSTER_CASES", "100" if _IN_CI else "300"))
CLUSTER_BASE_PORT = 5711  # not devtools.rabbitmq_cluster's default: a cluster started by hand may be running
EXPERTS = ("exp-f1", "exp-f2", "exp-f3", "exp-f4")
DEADLINE = 900  # seconds for the whole stream to reach publication
TRANSIENT = (500, 502, 503, 504)
EXPECTED_ACTIONS = ("self_assessment.submitted", "review.assigned", "review.accepted", "rating.saved", "plan_assessment.saved",
                    "review.submitted", "review.quality_approved", "review.public_comment_opened", "review.approved",
                    "finding.published")


def running_stack(amqp_uri, tmp_path_factory, **options):
    """(stack, its database, its SMTP server): the stack on a database of its own, mailing to an SMTP server
    of its own; `options` go to ServiceStack (instances, extra settings)."""
    data = tmp_path_factory.mktemp("fault-db")
    mongo = EmbeddedMongo(data / "data", log_path=data / "secantusdb.log").start()
    mailbox = Mailbox(tmp_path_factory.mktemp("fault-mail")).start()
    mongodb_uri = mongo.uri(f"irm_fault_{uuid.uuid4().hex[:8]}")
    extra_env = {
        "PYTHONWARNINGS": "ignore",
        # Long enough to outlast every fault below before a message is parked, the longest being a
        # service killed mid-transaction: its writes stay held for the transaction lifetime (60 s).
        "RETRY_DELAYS_MS": "500,1000,2000,4000,8000,16000,32000,64000",
        # No comment windows: this test is about delivery, not timing.
        "GOVERNMENT_REVIEW_SECONDS": "0", "PUBLIC_COMMENT_SECONDS": "0", "PUBLIC_COMMENT_MIN_SECONDS": "0",
        "LOG_CHECKPOINT_SECONDS": "1", "LOG_SIGNING_KEY_FILE": str(data / "log.key"),
        "SMTP_URL": mailbox.url, "SMTP_TIMEOUT_SECONDS": "5",
        **options.pop("extra_env", {}),
    }
    stack = ServiceStack(amqp_uri=amqp_uri, mongodb_uri=mongodb_uri, log_dir=tmp_path_factory.mktemp("fault-logs"),
                         gateway_port=free_port(), extra_env=extra_env, **options)
    try:
        stack.start()
        yield stack, mongo, mailbox
    finally:
        stack.stop()
        mongo.stop()
        mailbox.stop()


# Each mode its own stack on its own vhost, stopped before the next mode starts: a stack left
# running (module scope) consumed the next mode's events from a shared vhost into its own
# database, and the next mode's cases never reached its review (seen in the full run).
@pytest.fixture
def mode_vhost():
    yield from throwaway_vhost()


@pytest.fixture
def faulty_stack(mode_vhost, tmp_path_factory):
    yield from running_stack(mode_vhost, tmp_path_factory)


@pytest.fixture
def doubled_stack(mode_vhost, tmp_path_factory):
    yield from running_stack(mode_vhost, tmp_path_factory, instances=2)


@pytest.fixture(scope="module")
def broker_cluster(tmp_path_factory):
    # Under /tmp itself: the nodes run as the rabbitmq user, who cannot enter pytest's 0700 directories.
    cluster = Cluster(tempfile.mkdtemp(prefix="irm-fault-cluster-"), base_port=CLUSTER_BASE_PORT).start()
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture
def clustered_stack(broker_cluster, tmp_path_factory):
    # Not the local rabbitmqctl's broker: no public-feed account set up there.
    yield from running_stack(broker_cluster.amqp_uri, tmp_path_factory, public_feed=False,
                             extra_env={"QUEUE_TYPE": "quorum"})


class Driver:
    """The PoC, the experts and the quality reviewer, retrying through faults like real clients."""

    def __init__(self, base_url, tokens):
        self.base = base_url
        self.tokens = tokens
        self.local = threading.local()
        self.retries = Counter()

    def session(self):
        if not hasattr(self.local, "session"):
            self.local.session = requests.Session()
        return self.local.session

    def call(self, method, path, token, body=None, ok=(200, 201), deadline=300, **headers):
        end = time.monotonic() + deadline
        while True:
            try:
                answer = self.session().request(method, self.base + path, json=body, timeout=60,
                                                headers={"Authorization": f"Bearer {self.tokens[token]}", **headers})
                if answer.status_code in ok:
                    return answer
                if answer.status_code not in TRANSIENT:
                    return answer
            except requests.RequestException:
                pass
            self.retries[path.split("/")[3] if path.count("/") > 3 else path] += 1
            if time.monotonic() > end:
                raise TimeoutError(f"{method} {path} kept failing")
            time.sleep(0.5)

    def case(self, case_id):
        answer = self.call("GET", f"/api/v1/cases/{case_id}", "admin", ok=(200, 404))
        return answer.json() if answer.status_code == 200 else None

    def run_case(self, index):
        created = self.call("POST", "/api/v1/self-assessments", "poc", sample.SELF_ASSESSMENT, ok=(201,),
                            **{"Idempotency-Key": f"fault-{index}"})
        assert created.status_code == 201, created.text
        case_id = created.json()["case_id"]
        end = time.monotonic() + DEADLINE
        case = None
        while not case or case["status"] == "submitted":
            if time.monotonic() > end:
                raise TimeoutError(f"{case_id} never assigned")
            time.sleep(0.3)
            case = self.case(case_id)
        expert = case["expert_id"]
        self.step(case_id, expert, "/accept", {}, "in_review")
        version = self.case(case_id)["version"]
        for commitment_id, ratings in sample.RATINGS.items():
            version = self.save(case_id, expert, f"/ratings/{commitment_id}", ratings, version,
                                stored=lambda case, cid=commitment_id: next(c for c in case["commitments"] if c["commitment_id"] == cid)["ratings"])
        self.save(case_id, expert, "/plan-assessment", sample.PLAN_ASSESSMENT, version, stored=lambda case: case["plan_assessment"])
        self.step(case_id, expert, "/submit", {}, "quality_review")
        self.step(case_id, "iep-fault", "/quality-decision", {"decision": "approve"}, "government_review")
        self.step(case_id, expert, "/open-public-comment", {}, "public_comment")
        self.step(case_id, expert, "/finalise", {}, "approved")
        return case_id

    def save(self, case_id, expert, suffix, body, version, stored):
        """PUT with If-Match on the version the last answer gave; the case's version after it. A 409 may be this very
        save, gone through with its answer lost and sent again: look before saving again (no second save)."""
        while True:
            saved = self.call("PUT", f"/api/v1/cases/{case_id}{suffix}", expert, body, **{"If-Match": f'"{version}"'})
            if saved.status_code == 200:
                return saved.json()["version"]
            assert saved.status_code == 409, saved.text
            case = self.case(case_id)
            if stored(case):
                return case["version"]
            version = case["version"]

    ORDER = ("assigned", "in_review", "quality_review", "government_review", "public_comment", "approved")

    def step(self, case_id, token, suffix, body, reached):
        answer = self.call("POST", f"/api/v1/cases/{case_id}{suffix}", token, body)
        if answer.status_code == 409 and self.ORDER.index(self.case(case_id)["status"]) >= self.ORDER.index(reached):
            return  # the first attempt went through; its answer was lost
        assert answer.status_code == 200, answer.text


def rabbitmq(command):
    subprocess.run(["rabbitmqctl", command], check=True, capture_output=True, timeout=120)


@pytest.mark.skipif(not shutil.which("rabbitmqctl"), reason="the broker fault needs the local rabbitmqctl")
def test_every_case_is_published_exactly_once_through_faults(faulty_stack, capsys):
    stack, mongo, mailbox = faulty_stack

    def faults(at, note):
        for fraction, service in ((0.10, "intake"), (0.22, "review"), (0.34, "publication")):
            at(fraction)
            stack.kill(service)
            note(f"kill -9 {service}")
            time.sleep(2)
            stack.respawn(service)
        at(0.48)
        rabbitmq("stop_app")
        note("rabbitmqctl stop_app")
        time.sleep(5)
        rabbitmq("start_app")
        at(0.62)
        mongo.stop()
        note("database down for 10 s")
        time.sleep(10)
        mongo.start()
        at(0.76)
        smtp_server_away(mailbox, note)

    stream_through_faults(stack, mailbox, CASES, faults, capsys)


def test_two_instances_of_each_service(doubled_stack, capsys):
    """Two of each service, the gateway spreading requests over them; one instance of each is
    killed -9 mid-stream and stays down for 5 s (the other carries on alone), then restarted."""
    stack, _, mailbox = doubled_stack

    def faults(at, note):
        for fraction, name in ((0.15, "intake"), (0.35, "review-2"), (0.55, "publication")):
            at(fraction)
            stack.kill(name)
            note(f"kill -9 {name}")
            time.sleep(5)
            stack.respawn(name)
        at(0.7)
        smtp_server_away(mailbox, note)

    stream_through_faults(stack, mailbox, CASES, faults, capsys)


@pytest.mark.skipif(not shutil.which("rabbitmq-server"), reason="the cluster is made of the installed RabbitMQ's nodes")
def test_broker_cluster_with_a_node_killed(broker_cluster, clustered_stack, capsys):
    """Quorum queues on a three-node cluster; the services all use node 1 first (AMQP_URI lists
    the three), so killing it -9 makes every connection fail over; it restarts after 5 s."""
    stack, _, mailbox = clustered_stack
    first = broker_cluster.nodes[0]

    def faults(at, note):
        at(0.3)
        broker_cluster.kill_node(first)
        note(f"kill -9 broker node {first.name}")
        time.sleep(5)
        broker_cluster.start_node(first)
        note(f"{first.name} restarted and rejoined: {sorted(broker_cluster.running_nodes())}")

    stream_through_faults(stack, mailbox, CLUSTER_CASES, faults, capsys)


def smtp_server_away(mailbox, note):
    """The SMTP server stopped for 10 s while mails are being sent, then started again on its port."""
    mailbox.stop()
    note("SMTP server down for 10 s")
    time.sleep(10)
    mailbox.start()


# Each case's mails (services/mail/domain/notices.py) once the accounts below exist. The PoC turns off the two
# notices that name a comment window's end: this test's windows are 0 s, so those mails would be past their
# deadline when sent and parked, by design (handlers.expired), which is not what this test counts.
MAILS_PER_CASE = ("review_assigned", "case_assigned", "quality_review_waiting", "finding_published")
POC_TURNS_OFF = ["government_review_opened", "public_comment_opened"]


def accounts_that_get_mail(base_url) -> int:
    """The PoC of the member, an account for each expert of the registry and a quality reviewer, each invited and
    activated through the accounts API (their invitations are mails too): how many invitations that made."""
    people = [(f"poc@{sample.MEMBER['code'].lower()}.example.org", "poc", {"member_code": sample.MEMBER["code"]}),
              ("iep@example.org", "quality_reviewer", {}),
              *((f"{expert_id}@example.org", "expert", {"expert_id": expert_id}) for expert_id in EXPERTS)]
    for email, role, binding in people:
        activated(base_url, email, "fr", role, **binding)
    signed_in = requests.post(f"{base_url}/api/v1/sessions", json={"email": people[0][0], "password": PASSWORD}, timeout=30)
    assert signed_in.status_code == 201, signed_in.text
    chosen = requests.put(f"{base_url}/api/v1/me/mail-preferences", json={"turned_off": POC_TURNS_OFF}, timeout=30,
                          headers={"Cookie": signed_in.headers["Set-Cookie"].split(";")[0], "Sec-Fetch-Site": "same-origin",
                                   "X-CSRF-Token": signed_in.json()["csrf_token"]})
    assert chosen.status_code == 200, chosen.text
    return len(people)


def stream_through_faults(stack, mailbox, cases, faults, capsys):
    """`cases` cases through the stack while `faults(at, note)` runs beside them (`at(f)` waits
    until a share f of the cases is done; `note` records a fault), then every count compared."""
    CASES = cases  # noqa: N806 (the count every expectation below is written in)
    operations.connect(stack.mongodb_uri)
    operations.add_member(sample.MEMBER["code"], sample.MEMBER["kind"], sample.MEMBER["names"])
    tokens = {"poc": operations.issue_token("poc", "poc-fault", member_code="TN"),
              "admin": operations.issue_token("admin", "admin-fault"),
              "iep-fault": operations.issue_token("quality_reviewer", "iep-fault")}
    for expert_id in EXPERTS:
        operations.add_expert(expert_id, expert_id, ["ar", "fr", "en"], [], capacity=CASES)
        tokens[expert_id] = operations.issue_token("expert", expert_id)
    invitations = accounts_that_get_mail(stack.base_url)
    driver = Driver(stack.base_url, tokens)

    done = Counter()
    faults_log = []

    def at(fraction):
        while done["cases"] < fraction * CASES:
            time.sleep(0.1)

    def note(fault):
        faults_log.append(f"{fault} at {done['cases']} cases")

    fault_errors = []

    def run_faults():
        try:
            faults(at, note)
        except BaseException as exc:  # noqa: BLE001 -- reported by the assertion below
            fault_errors.append(repr(exc))

    fault_thread = threading.Thread(target=run_faults, daemon=True)
    fault_thread.start()

    def run(index):
        case_id = driver.run_case(index)
        done["cases"] += 1
        return case_id

    clock = time.monotonic()
    with ThreadPoolExecutor(8) as pool:
        case_ids = list(pool.map(run, range(CASES)))
    fault_thread.join(timeout=120)
    assert not fault_thread.is_alive() and not fault_errors, f"the faults did not all happen: {fault_errors}"

    from services.intake import documents as intake_documents
    from services.mail import documents as mail_documents
    from services.mail.domain import delivery
    from services.publication import documents as publication_documents
    from services.review import documents as review_documents
    from shared.persistence.documents import AuditEntry, OutboxMessage, ProcessedEvent, RejectedMessage, LogQueueEntry
    from shared.transparency import merkle
    from shared.transparency.note import VerifierKey, open_checkpoint

    operations.connect(stack.mongodb_uri)
    end = time.monotonic() + DEADLINE
    while publication_documents.Finding.objects(case_id__in=case_ids).count() < CASES:
        assert time.monotonic() < end, "not every case was published in time"
        time.sleep(1)
    while intake_documents.SelfAssessment.objects(case_status="published").count() < CASES:
        assert time.monotonic() < end, "intake did not see every publication in time"
        time.sleep(1)
    elapsed = time.monotonic() - clock
    # The transparency log takes in every entry, and signs a checkpoint over all of them.
    total_entries = AuditEntry.objects.count()
    while not (LogQueueEntry.objects.count() == 0 and (publication_documents.LogCheckpoint.objects.order_by("-size").first()
                                                       or publication_documents.LogCheckpoint(size=-1)).size == total_entries):
        assert time.monotonic() < end, "the transparency log did not take in every entry in time"
        time.sleep(1)
        total_entries = AuditEntry.objects.count()
    # Every event consumed: one redelivered after a kill may still be on its way to a consumer (at least once, not
    # within a given time); at the deadline, the counts below show what never came.
    def events_applied():
        return Counter(e["consumer"] for e in ProcessedEvent._get_collection().find({}, {"consumer": 1}))

    def consumers_behind():
        applied = events_applied()
        return (applied["publication.announce_publicly"] < CASES or applied["review.on_self_assessment_submitted"] < CASES
                or applied["publication.on_review_approved"] < CASES
                or sum(v for k, v in applied.items() if k.startswith("intake.")) < 7 * CASES)

    waited_for_consumers = time.monotonic()
    while consumers_behind() and time.monotonic() < end:
        time.sleep(1)
    waited_for_consumers = time.monotonic() - waited_for_consumers
    # Every mail handed to the SMTP server (the last ones may still be waiting for a retry's moment).
    expected_mails = invitations + len(MAILS_PER_CASE) * CASES
    while not (mail_documents.OutgoingMail.objects(status=delivery.PENDING).count() == 0
               and len(list(mailbox.directory.glob("*.eml"))) >= expected_mails) and time.monotonic() < end:
        time.sleep(1)  # at the deadline, the counts below show what is missing
    time.sleep(3)  # a few sender ticks: a copy sent late would show
    arrived = Counter(mail["Message-ID"] for mail in mailbox.mails())
    stored_mails = mail_documents.OutgoingMail._get_collection()
    mails_of = Counter(m["kind"] for m in stored_mails.find({}, {"kind": 1}))
    sent_ids = {f"<{m['_id']}@irm-review.localhost>" for m in stored_mails.find({"status": delivery.SENT}, {"_id": 1})}
    leaves = list(publication_documents.LogLeaf._get_collection().find({}, sort=[("_id", 1)]))
    key = VerifierKey.parse(requests.get(stack.base_url + "/api/v1/log/key", timeout=10).text.strip())
    signed = open_checkpoint(requests.get(stack.base_url + "/api/v1/log/checkpoint", timeout=10).text, key)
    stored = merkle.append(0, [], [leaf["leaf_hash"] for leaf in leaves])
    recomputed_root_matches = int(merkle.root(len(leaves), stored) == signed.root)

    actions = Counter()
    chains_valid = 0
    for case_id in case_ids:
        entries = list(AuditEntry._get_collection().find({"case_id": case_id}, {"_id": 0}, sort=[("seq", 1)]))
        actions.update(entry["action"] for entry in entries)
        finding = publication_documents.Finding.objects(case_id=case_id).first()
        chains_valid += audit.verify_chain(entries, expected_head=finding.audit_head).valid
    applied = events_applied()
    counts = {
        "distinct cases driven": (len(set(case_ids)), CASES),
        "self-assessments stored": (intake_documents.SelfAssessment.objects.count(), CASES),
        "cases opened": (review_documents.Case.objects.count(), CASES),
        "audit: self_assessment.submitted": (actions["self_assessment.submitted"], CASES),
        "audit: review.assigned": (actions["review.assigned"], CASES),
        "audit: review.accepted": (actions["review.accepted"], CASES),
        "audit: rating.saved": (actions["rating.saved"], 3 * CASES),
        "audit: plan_assessment.saved": (actions["plan_assessment.saved"], CASES),
        "audit: review.submitted": (actions["review.submitted"], CASES),
        "audit: review.quality_approved": (actions["review.quality_approved"], CASES),
        "audit: review.public_comment_opened": (actions["review.public_comment_opened"], CASES),
        "audit: review.approved": (actions["review.approved"], CASES),
        "audit: finding.published": (actions["finding.published"], CASES),
        "audit: other entries": (sum(actions.values()) - sum(actions[a] for a in EXPECTED_ACTIONS), 0),
        "findings published": (publication_documents.Finding.objects.count(), CASES),
        "intake shows published": (intake_documents.SelfAssessment.objects(case_status="published").count(), CASES),
        "chains that verify": (chains_valid, CASES),
        "log leaves, each entry once": (len({(leaf["case_id"], leaf["seq"]) for leaf in leaves}), total_entries),
        "log leaves, positions 0..n-1": (sum(leaf["_id"] == i for i, leaf in enumerate(leaves)), total_entries),
        "signed root = root of the leaves": (recomputed_root_matches, 1),
        "announced on irm.public": (applied["publication.announce_publicly"], CASES),
        "events applied by review": (applied["review.on_self_assessment_submitted"], CASES),
        "events applied by publication": (applied["publication.on_review_approved"], CASES),
        # every stage event intake follows (assigned, accepted, submitted, quality_approved,
        # public_comment_opened, approved) and finding.published: seven status updates per case
        "events applied by intake": (sum(v for k, v in applied.items() if k.startswith("intake.")), 7 * CASES),
        "outbox events unsent": (OutboxMessage.objects(sent_at=None).count(), 0),
        "messages parked or rejected": (RejectedMessage.objects.count(), 0),
        "expert load left": (sum(e.active_cases for e in review_documents.Expert.objects), 0),
        "mails: invitations": (mails_of["invitation"], invitations),
        **{f"mails: {kind}": (mails_of[kind], CASES) for kind in MAILS_PER_CASE},
        "mails: other kinds": (sum(mails_of.values()) - mails_of["invitation"] - sum(mails_of[k] for k in MAILS_PER_CASE), 0),
        "mails sent": (len(sent_ids), expected_mails),
        "mails parked": (stored_mails.count_documents({"status": delivery.FAILED}), 0),
        "mails at the SMTP server": (sum(arrived.values()), expected_mails),
        "  each a mail that was sent": (len(set(arrived) & sent_ids), expected_mails),
        "  the same Message-ID twice": (sum(n - 1 for n in arrived.values()), 0),
    }
    with capsys.disabled():  # the compared counts belong in the test log, pass or fail
        print(f"\nfault test: {CASES} cases in {elapsed:.0f} s, {stack.instances} instance(s) of each service; "
              f"faults: {'; '.join(faults_log)}")
        print(f"client retries by endpoint: {dict(driver.retries)}")
        print(f"waited {waited_for_consumers:.0f} s after the log for the last events to be consumed")
        print(f"mails sent after a failed attempt: {stored_mails.count_documents({'status': delivery.SENT, 'attempts': {'$gte': 2}})}")
        print(f"processes that exited on their own and were restarted: {stack.restarts or 'none'}")
        for name, (seen, expected) in counts.items():
            print(f"  {name:<34} {seen:>6}  expected {expected:>6}  {'ok' if seen == expected else 'MISMATCH'}")
        for message in RejectedMessage.objects:  # what a mismatch needs to be understood
            print(f"  rejected: {message.consumer} {message.kind} at {message.received_at.isoformat()}: {message.reason[:300]}")
    assert {name: seen for name, (seen, _) in counts.items()} == {name: expected for name, (_, expected) in counts.items()}
