"""The public side: withdrawals as a state, and the live feed on irm.public with its
read-only account and the pika follower (`irm follow`), on the real broker."""
import csv
import io
import json
import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import quote, unquote, urlparse

import amqp
import feedparser
import pytest
import requests
from kombu import Connection

from cli import irmctl, operations
from services.publication import documents as publication_documents
from shared.contracts.public import PUBLIC_EXCHANGE
from tests.integration.conftest import wait_until
from tests.integration.test_publication import approved_event, audit_of, publication, published  # noqa: F401 (fixture)

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]
MOROCCO_REGION = {"code": "MA-BMK", "kind": "local", "names": {"fr": "Béni Mellal-Khénifra"}}


# --- withdrawals ------------------------------------------------------------------------------
@pytest.fixture
def reviewer_token(db):
    return operations.issue_token("quality_reviewer", "iep-rivera")


def withdraw(base, finding_id, token, reason="The expert's conflict of interest came to light after publication."):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return requests.post(f"{base}/api/v1/findings/{finding_id}/withdraw", json={"reason": reason}, headers=headers, timeout=10)


def test_a_withdrawal_is_a_new_version_that_keeps_everything_readable(publication, reviewer_token):
    base, send = publication
    send(approved_event("case_w"))
    send(approved_event("case_kept"))
    first = published("case_w")
    published("case_kept")
    answer = withdraw(base, first.finding_id, reviewer_token)
    assert answer.status_code == 201, answer.text
    withdrawn = answer.json()
    assert withdrawn["status"] == "withdrawn" and withdrawn["version"] == 2 and withdrawn["supersedes"] == first.finding_id
    assert withdrawn["withdrawn_reason"].startswith("The expert's conflict")
    assert answer.headers["Location"] == f"/api/v1/findings/{withdrawn['id']}"
    # The withdrawn content is still there, and so is the version before it.
    assert withdrawn["commitments"] == requests.get(f"{base}/api/v1/findings/{first.finding_id}", timeout=10).json()["commitments"]
    old = requests.get(f"{base}/api/v1/findings/{first.finding_id}", timeout=10).json()
    assert old["status"] == "published" and old["superseded_by"] == withdrawn["id"]
    # The list shows the withdrawal (and can filter on it); open data no longer counts it.
    wait_until(lambda: len(requests.get(f"{base}/api/v1/findings", params={"status": "withdrawn"}, timeout=10).json()["items"]) == 1,
               what="the list to show the withdrawal")
    listed = {item["case_id"]: item["status"] for item in requests.get(f"{base}/api/v1/findings", timeout=10).json()["items"]}
    assert listed == {"case_w": "withdrawn", "case_kept": "published"}
    rows = list(csv.DictReader(io.StringIO(requests.get(f"{base}/api/v1/open-data/commitments.csv", timeout=10).content.decode("utf-8-sig"))))
    assert rows and all(row["Commitment Unique Identifier"] and "case_w" not in json.dumps(row) for row in rows)
    assert len(rows) == 3  # case_kept's three commitments only
    # The feed shows it as an update of the same entry.
    feed = feedparser.parse(requests.get(f"{base}/api/v1/feeds/findings.atom", timeout=10).content)
    assert not feed.bozo
    titles = {entry.id: entry.title for entry in feed.entries}
    assert any(title.startswith("Withdrawn:") for title in titles.values()) and len(titles) == 2
    # The audit trail says who withdrew it and why, and still verifies.
    trail = audit_of(base, "case_w")
    last = trail["entries"][-1]
    assert last["action"] == "finding.withdrawn" and last["actor"] == {"role": "quality_reviewer", "id": "iep-rivera"}
    assert last["reason"].startswith("Withdrawn: The expert's conflict") and trail["verification"]["valid"]


def test_withdrawing_takes_the_right_person_the_latest_version_and_a_reason(publication, reviewer_token):
    base, send = publication
    send(approved_event("case_w2"))
    first = published("case_w2")
    assert withdraw(base, first.finding_id, None).status_code == 401
    operations.add_member("TN", "national", {"en": "Tunisia"}, None)
    poc = operations.issue_token("poc", "poc-tn", "TN")
    assert withdraw(base, first.finding_id, poc).status_code == 403
    short = withdraw(base, first.finding_id, reviewer_token, reason="oops")
    assert short.status_code == 422 and "reason" in short.json()["error"]["fields"]
    assert withdraw(base, "fnd_nope", reviewer_token).status_code == 404
    assert publication_documents.Finding.objects(case_id="case_w2").count() == 1  # nothing half-written
    second = withdraw(base, first.finding_id, reviewer_token).json()
    assert withdraw(base, first.finding_id, reviewer_token).status_code == 409  # superseded: not the latest
    assert withdraw(base, second["id"], reviewer_token).status_code == 409  # already withdrawn


# --- the live feed --------------------------------------------------------------------------------
@pytest.fixture
def public_amqp(amqp_uri):
    """The public account on the test vhost, made by `irmctl broker public-user`."""
    if not shutil.which("rabbitmqctl"):
        if os.environ.get("CI") == "true":
            pytest.fail("rabbitmqctl is needed to create the public account")
        pytest.skip("rabbitmqctl is not installed here")
    parsed = urlparse(amqp_uri)
    vhost = unquote(parsed.path[1:]) or "/"
    assert irmctl.main(["broker", "public-user", "--vhost", vhost]) == 0
    return f"amqp://irm-public:irm-public@{parsed.hostname}:{parsed.port or 5672}/{quote(vhost, safe='')}", vhost


def run_follower(url, state, *args, timeout=60):
    done = subprocess.run([sys.executable, "-m", "cli.irm", "follow", "--amqp", url, "--state", str(state), "--json", *args],
                          cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines()]


def test_a_follower_prints_each_finding_and_resumes_without_gaps(publication, public_amqp, reviewer_token, tmp_path, amqp_uri):
    base, send = publication
    url, _ = public_amqp
    name = f"test-{uuid.uuid4().hex[:6]}"
    state = tmp_path / "follow.json"
    follower = ["--member", "TN", "--name", name]
    assert run_follower(url, state, *follower, "--idle-timeout", "1") == []  # subscribes: its queue now exists

    send(approved_event("case_f1"))
    send(approved_event("case_ma", member=MOROCCO_REGION))
    first = run_follower(url, state, *follower, "--max", "1", "--idle-timeout", "20")
    assert [(m["kind"], m["case_id"], m["member"]["code"]) for m in first] == [("published", "case_f1", "TN")]

    # While it is stopped: a correction, and then a withdrawal.
    corrected = approved_event("case_f1")
    corrected.payload["commitments"][1]["ratings"]["completion"]["value"] = "substantial"
    send(corrected)
    version_2 = wait_until(lambda: publication_documents.Finding.objects(case_id="case_f1", version=2).first(), what="version 2")
    assert withdraw(base, version_2.finding_id, reviewer_token).status_code == 201
    wait_until(lambda: _queue_depth(amqp_uri, "public." + name) == 2, what="both announcements to wait in the queue")
    # A duplicate delivery of the correction (at-least-once) is printed once.
    with Connection(amqp_uri) as connection:
        [raw] = [m for m in _peek(amqp_uri, "public." + name) if m["kind"] == "corrected"]
        connection.Producer().publish(raw, exchange=PUBLIC_EXCHANGE, routing_key="finding.corrected.TN", serializer="json")

    resumed = run_follower(url, state, *follower, "--idle-timeout", "3")
    assert [(m["kind"], m["version"]) for m in resumed] == [("corrected", 2), ("withdrawn", 3)]
    assert resumed[1]["reason"].startswith("The expert's conflict") and resumed[1]["url"].startswith("/api/v1/findings/")
    assert requests.get(base + resumed[1]["timeline_url"], timeout=10).status_code == 200
    assert run_follower(url, state, *follower, "--idle-timeout", "1") == []  # nothing twice, Morocco never


def _queue_depth(amqp_uri, queue):
    with Connection(amqp_uri) as connection:
        return connection.default_channel.queue_declare(queue, passive=True).message_count


def _peek(amqp_uri, queue):
    """The queue's messages, put back (rejected with requeue) after reading."""
    with Connection(amqp_uri) as connection:
        channel = connection.channel()
        messages, tags = [], []
        while True:
            message = channel.basic_get(queue, no_ack=False)
            if message is None:
                break
            messages.append(json.loads(message.body))
            tags.append(message.delivery_tag)
        for tag in tags:
            channel.basic_reject(tag, requeue=True)
        return messages


def _refused(action) -> bool:
    try:
        action()
    except amqp.exceptions.AccessRefused:
        return True
    return False


def test_the_public_account_can_only_follow(publication, public_amqp):
    _, vhost = public_amqp

    def session():
        connection = amqp.Connection("127.0.0.1:5672", userid="irm-public", password="irm-public", virtual_host=vhost)
        connection.connect()
        return connection, connection.channel()

    connection, channel = session()
    channel.queue_declare("public.mine", durable=True, auto_delete=False)
    channel.queue_bind("public.mine", PUBLIC_EXCHANGE, "finding.#")  # allowed: its own queue on the public exchange
    connection.close()

    def publish_to_public():
        connection, channel = session()
        try:
            channel.confirm_select()
            channel.basic_publish(amqp.Message(b"{}"), exchange=PUBLIC_EXCHANGE, routing_key="finding.published.TN")
            channel.basic_qos(0, 10, False)  # the broker's refusal arrives with the next synchronous reply
        finally:
            connection.collect()

    def declare_other_queue():
        connection, channel = session()
        try:
            channel.queue_declare("evt-sneaky", durable=True, auto_delete=False)
        finally:
            connection.collect()

    def bind_to_internal_events():
        connection, channel = session()
        try:
            channel.queue_bind("public.mine", "publication.events", "#")
        finally:
            connection.collect()

    def read_a_service_queue():
        connection, channel = session()
        try:
            channel.basic_get("evt-publication-finding.published--publication.announce_publicly")
        finally:
            connection.collect()

    assert _refused(publish_to_public)
    assert _refused(declare_other_queue)
    assert _refused(bind_to_internal_events)
    assert _refused(read_a_service_queue)
