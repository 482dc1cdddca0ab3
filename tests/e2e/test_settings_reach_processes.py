"""Settings in the environment reach the processes started as `make dev` and compose start them
(`nameko run --config deploy/nameko.yaml`, devtools/stack.py), and `make dev`'s stack has the
public feed's account on its vhost."""
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
    tag = uuid.uuid4().hex[:8]
    key = SigningKey.generate(f"irm-review.settings-{tag}/audit-log")
    env = {
        "MONGODB_DB": f"irm_chosen_{tag}",  # wins over the database the URI names
        "LOG_SIGNING_KEY": str(key),
        "LOG_ORIGIN": "irm-review.not-this-one/audit-log",  # a configured key carries its own origin
        "LOG_SIGNING_KEY_FILE": str(tmp_path_factory.mktemp("keys") / "unused.key"),
        "LOG_CHECKPOINT_SECONDS": str(CHECKPOINT_SECONDS),
        "PYTHONWARNINGS": "ignore",
    }
    stack = ServiceStack(amqp_uri=stack_amqp_uri, mongodb_uri=with_database(mongodb_server, f"irm_uri_{tag}"),
                         log_dir=tmp_path_factory.mktemp("settings-logs"), gateway_port=free_port(), extra_env=env)
    try:
        stack.start()
        yield stack, key, env
    finally:
        stack.stop()
        client = pymongo.MongoClient(with_database(mongodb_server, "admin"))
        for name in (env["MONGODB_DB"], f"irm_uri_{tag}"):
            client.drop_database(name)
        client.close()


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


def test_the_served_verifier_key_is_the_configured_one(configured):
    stack, key, _ = configured
    served = requests.get(f"{stack.base_url}/api/v1/log/key", timeout=10).text.strip()
    assert served == str(key.verifier)


def test_mongodb_db_picks_the_database_of_every_service_and_of_irmctl(configured, mongodb_server):
    stack, key, env = configured
    irmctl(stack, env, "member", "add", "TN", "--kind", "national", "--name", "fr=Tunisie", "--name", "ar=تونس")
    poc = irmctl(stack, env, "token", "create", "--role", "poc", "--subject", "poc-tn", "--member", "TN")
    created = requests.post(f"{stack.base_url}/api/v1/self-assessments", json=sample.SELF_ASSESSMENT, timeout=10,
                            headers={"Authorization": f"Bearer {poc}"})
    assert created.status_code == 201, created.text  # the token irmctl stored is where intake looks
    client = pymongo.MongoClient(stack.mongodb_uri)
    try:
        chosen = client[env["MONGODB_DB"]]
        wait_for(lambda: chosen["review_cases"].count_documents({}) == 1,
                 lambda: f"review's case in the chosen database: {client.list_database_names()}, {chosen.list_collection_names()}")
        assert chosen["intake_self_assessments"].count_documents({}) == 1
        assert client.get_default_database().list_collection_names() == []  # nothing in the URI's database
    finally:
        client.close()


def test_checkpoints_follow_the_configured_interval(configured):
    stack, key, env = configured
    first = wait_for(lambda: latest_checkpoint(stack, key), "the first checkpoint")
    poc = irmctl(stack, env, "token", "create", "--role", "poc", "--subject", "poc-tn-2", "--member", "TN")
    body = {**sample.SELF_ASSESSMENT, "action_plan": {"cycle": "2025-2027", "plan_number": 6}}
    assert requests.post(f"{stack.base_url}/api/v1/self-assessments", json=body, timeout=10,
                         headers={"Authorization": f"Bearer {poc}"}).status_code == 201
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
