"""Settings in the environment reach the processes started as `make dev` and compose start them
(`nameko run --config deploy/nameko.yaml`, devtools/stack.py): the log's key file and origin, across a
restart, and a configured key over both; and `make dev`'s stack has the public feed's account on its vhost.
Each test submits the cases it needs: any one runs alone."""
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pymongo
import pytest
import requests
from kombu import Connection, Exchange, Queue

from devtools import sample
from cli.broker import vhost_of
from devtools.ports import free_port
from devtools.stack import ServiceStack
from shared.contracts.public import PUBLIC_EXCHANGE
from shared.transparency.note import SigningKey, VerifierKey, open_checkpoint
from tests.conftest import with_database

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]
# Far longer than the built-in default (10 s): a checkpoint within the test would be the default's.
CHECKPOINT_SECONDS = 3600


@pytest.fixture(scope="module")
def configured(mongodb_server, stack_amqp_uri, tmp_path_factory):
    """The stack with settings of its own; the log's key is the one made for LOG_ORIGIN in LOG_SIGNING_KEY_FILE
    (as compose's publication makes it on its volume). Each test submits the cases it needs."""
    tag = uuid.uuid4().hex[:8]
    env = {
        "MONGODB_DB": f"irm_chosen_{tag}",  # wins over the database the URI names
        "LOG_ORIGIN": f"irm-review.settings-{tag}/audit-log",
        "LOG_SIGNING_KEY_FILE": str(tmp_path_factory.mktemp("keys") / "log" / "transparency-log.key"),
        "LOG_CHECKPOINT_SECONDS": str(CHECKPOINT_SECONDS),
        "PYTHONWARNINGS": "ignore",
    }
    stack = ServiceStack(amqp_uri=stack_amqp_uri, mongodb_uri=with_database(mongodb_server, f"irm_uri_{tag}"),
                         log_dir=tmp_path_factory.mktemp("settings-logs"), gateway_port=free_port(), extra_env=env)
    try:
        stack.start()
        yield stack, key_in_file(env), env
    finally:
        stack.stop()
        client = pymongo.MongoClient(with_database(mongodb_server, "admin"))
        for name in (env["MONGODB_DB"], f"irm_uri_{tag}"):
            client.drop_database(name)
        client.close()


def key_in_file(env) -> SigningKey:
    return SigningKey.parse(Path(env["LOG_SIGNING_KEY_FILE"]).read_text())


def irmctl(stack, env, *args) -> str:
    """The operator's command, with the same settings as the services."""
    done = subprocess.run([sys.executable, "-m", "cli.irmctl", *args], cwd=ROOT, capture_output=True, text=True, timeout=60,
                          env={**os.environ, "MONGODB_URI": stack.mongodb_uri, "AMQP_URI": stack.amqp_uri, **env})
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def latest_checkpoint(stack, key):
    answer = requests.get(f"{stack.base_url}/api/v1/log/checkpoint", timeout=10)
    return open_checkpoint(answer.text, VerifierKey.parse(str(key.verifier))) if answer.status_code == 200 else None


def log_size(stack) -> int:
    return requests.get(f"{stack.base_url}/api/v1/log/entries", params={"limit": 1}, timeout=10).json()["tree_size"]


def wait_for(condition, what, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.3)
    raise TimeoutError(f"timed out waiting for {what() if callable(what) else what}")


def served_key(stack) -> str:
    answer = requests.get(f"{stack.base_url}/api/v1/log/key", timeout=10)
    assert answer.status_code == 200, answer.text
    return answer.text.strip()


def submit_case(stack, env, plan_number) -> str:
    """A member, its PoC's token (irmctl, as an operator does it) and a self-assessment: its case id."""
    irmctl(stack, env, "member", "add", "TN", "--kind", "national", "--name", "fr=Tunisie", "--name", "ar=تونس")
    poc = irmctl(stack, env, "token", "create", "--role", "poc", "--subject", f"poc-tn-{plan_number}", "--member", "TN")
    body = {**sample.SELF_ASSESSMENT, "action_plan": {"cycle": "2025-2027", "plan_number": plan_number}}
    created = requests.post(f"{stack.base_url}/api/v1/self-assessments", json=body, timeout=10,
                            headers={"Authorization": f"Bearer {poc}"})
    assert created.status_code == 201, created.text  # the token irmctl stored is where intake looks
    return created.json()["case_id"]


def restart_publication(stack, **changes):
    """Publication killed the hard way and started again (a crash, a recreated container)."""
    stack.kill("publication")
    stack.respawn("publication", **changes)
    stack.wait_healthy()


def nothing_to_sign(stack, key):
    """No checkpoint can be due for an hour (LOG_CHECKPOINT_SECONDS): the log is empty, or one was signed."""
    wait_for(lambda: log_size(stack) == 0 or latest_checkpoint(stack, key), "the log's first checkpoint")


def test_the_served_verifier_key_is_the_key_file_s_for_the_configured_origin(configured):
    stack, key, env = configured
    served = served_key(stack)
    assert served == str(key.verifier)  # publication signs with the key in LOG_SIGNING_KEY_FILE
    assert VerifierKey.parse(served).name == env["LOG_ORIGIN"]


def test_a_restarted_publication_keeps_the_key_and_its_origin(configured):
    stack, key, env = configured
    before = served_key(stack)
    restart_publication(stack)
    assert served_key(stack) == before == str(key.verifier)
    assert VerifierKey.parse(before).name == env["LOG_ORIGIN"] and key_in_file(env) == key


def test_a_configured_signing_key_wins_over_the_key_file_and_the_origin(configured):
    stack, key, env = configured
    nothing_to_sign(stack, key)  # so that the other key signs nothing while it is in use
    other = SigningKey.generate(f"irm-review.other-{uuid.uuid4().hex[:8]}/audit-log")
    try:
        restart_publication(stack, LOG_SIGNING_KEY=str(other))
        assert served_key(stack) == str(other.verifier)  # its own origin, not LOG_ORIGIN
    finally:
        restart_publication(stack, LOG_SIGNING_KEY="")  # empty is unset, as compose passes ${LOG_SIGNING_KEY:-}
    assert served_key(stack) == str(key.verifier) and key_in_file(env) == key  # the file was left alone


def test_mongodb_db_picks_the_database_of_every_service_and_of_irmctl(configured, mongodb_server):
    stack, key, env = configured
    case_id = submit_case(stack, env, plan_number=5)
    client = pymongo.MongoClient(stack.mongodb_uri)
    try:
        chosen = client[env["MONGODB_DB"]]
        wait_for(lambda: chosen["review_cases"].count_documents({"_id": case_id}) == 1,
                 lambda: f"review's case in the chosen database: {client.list_database_names()}, {chosen.list_collection_names()}")
        assert chosen["intake_self_assessments"].count_documents({"case_id": case_id}) == 1
        assert client.get_default_database().list_collection_names() == []  # nothing in the URI's database
    finally:
        client.close()


def test_checkpoints_follow_the_configured_interval(configured):
    stack, key, env = configured
    submit_case(stack, env, plan_number=6)
    first = wait_for(lambda: latest_checkpoint(stack, key), "the first checkpoint")
    submit_case(stack, env, plan_number=7)
    wait_for(lambda: log_size(stack) > first.size, "the log to grow past the first checkpoint")
    time.sleep(12)  # longer than the built-in 10 s: with it, a second checkpoint would be signed by now
    assert latest_checkpoint(stack, key).size == first.size
    assert log_size(stack) > first.size


def test_the_stack_s_vhost_has_the_public_feed_s_account(configured):
    stack, _, _ = configured
    public_uri = f"amqp://irm-public:irm-public@127.0.0.1:5672/{requests.utils.quote(vhost_of(stack.amqp_uri), safe='')}"
    name = f"public.settings-test-{uuid.uuid4().hex[:8]}"
    with Connection(public_uri, connect_timeout=10) as connection:
        queue = Queue(name, Exchange(PUBLIC_EXCHANGE, type="topic", durable=True, passive=True),
                      routing_key="finding.#", durable=True, auto_delete=True)
        queue(connection.default_channel).declare()  # what `irm follow` does first
        queue(connection.default_channel).delete()
