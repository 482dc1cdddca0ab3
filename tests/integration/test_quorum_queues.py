"""QUEUE_TYPE=quorum: every queue the services declare, nameko's consumer queues among them,
is a quorum queue, and nameko consumes from them (events flowing through them, with a broker
node killed: tests/faults, cluster mode)."""
import json
import shutil
import subprocess
import uuid
from urllib.parse import quote

import pytest

from services.intake.service import IntakeService
from services.review.service import ReviewService
from shared import topology
from tests.integration.conftest import wait_until

pytestmark = [pytest.mark.integration,
              pytest.mark.skipif(not shutil.which("rabbitmqctl"), reason="needs the local broker's rabbitmqctl")]


def rabbitmqctl(*args):
    return subprocess.run(["rabbitmqctl", *args], check=True, capture_output=True, text=True, timeout=60).stdout


@pytest.fixture
def quorum_config(service_config):
    """A vhost of its own: a queue's type never changes, and the session's vhost has classic ones."""
    vhost = f"irm-quorum-{uuid.uuid4().hex[:8]}"
    rabbitmqctl("add_vhost", vhost)
    rabbitmqctl("set_permissions", "-p", vhost, "guest", ".*", ".*", ".*")
    yield {**service_config, "AMQP_URI": f"amqp://guest:guest@127.0.0.1:5672/{quote(vhost, safe='')}", "QUEUE_TYPE": "quorum"}, vhost
    rabbitmqctl("delete_vhost", vhost)


def queues(vhost) -> dict:
    listed = rabbitmqctl("list_queues", "-p", vhost, "name", "type", "consumers", "--quiet", "--formatter", "json")
    return {q["name"]: q for q in json.loads(listed or "[]")}


def test_every_queue_is_a_quorum_queue_and_nameko_consumes_them(container_factory, quorum_config):
    config, vhost = quorum_config
    for service in (IntakeService, ReviewService):  # both start: their declarations must agree
        container = container_factory(service, {k: v for k, v in config.items() if k != "base_url"})
        container.start()
    expected = {q["name"] for q in topology.definitions(vhost)["queues"]}
    found = queues(vhost)
    assert expected <= set(found)
    assert {name: found[name]["type"] for name in expected} == {name: "quorum" for name in expected}
    consumed = {s.queue for s in topology.SUBSCRIPTIONS if s.service in ("intake", "review")}
    wait_until(lambda: all(queues(vhost)[name]["consumers"] >= 1 for name in consumed), what="a consumer on each queue")
