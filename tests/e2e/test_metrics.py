"""`/metrics` on a running stack (processes, as `make dev` runs them): every metric moves as
cases flow, and intake's outbox backlog rises while its broker is unreachable and returns to 0.

The broker is never stopped: intake alone reaches it through a TCP door of this test's own,
which the test closes (refusing new connections and cutting open ones) and opens again.
"""
import socket
import threading
import uuid
from urllib.parse import urlparse

import pytest
import requests
from kombu import Connection, Exchange

from devtools import sample
from cli.client import Client
from devtools.ports import free_port
from devtools.stack import ServiceStack
from services.gateway.app import route_label
from shared.contracts.events import SELF_ASSESSMENT_SUBMITTED
from tests.conftest import with_database
from tests.integration.conftest import wait_until
from tests.scrape import scrape, value

pytestmark = pytest.mark.e2e


class BrokerDoor:
    """A TCP relay to the broker that can be shut: the broker itself keeps running for everyone."""

    def __init__(self, target_port: int):
        self.target = ("127.0.0.1", target_port)
        self.port = free_port()
        self.open_sockets, self.lock = set(), threading.Lock()

    def open(self):
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        listener.settimeout(0.1)
        self.closing = threading.Event()
        self.acceptor = threading.Thread(target=self._accept, args=(listener,), daemon=True)
        self.acceptor.start()

    def close(self):
        """Refuse new connections and cut the open ones (each pump then closes its sockets)."""
        self.closing.set()
        self.acceptor.join()  # the listener is closed by its own thread, never under a waiting accept
        with self.lock:
            for sock in self.open_sockets:
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def _accept(self, listener):
        while not self.closing.is_set():
            try:
                client, _ = listener.accept()
            except socket.timeout:
                continue
            client.settimeout(None)
            upstream = socket.create_connection(self.target)
            with self.lock:
                self.open_sockets.update((client, upstream))
            done = threading.Semaphore(0)
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink, done), daemon=True).start()
            threading.Thread(target=self._close_when_done, args=(client, upstream, done), daemon=True).start()
        listener.close()

    @staticmethod
    def _pump(source, sink, done):
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        try:
            sink.shutdown(socket.SHUT_WR)
        except OSError:
            pass
        done.release()

    def _close_when_done(self, client, upstream, done):
        # Closed only once neither pump reads any more: a socket closed under a reader would
        # give its descriptor to a new socket while the old read still waits on it.
        done.acquire()
        done.acquire()
        with self.lock:
            self.open_sockets.difference_update((client, upstream))
        client.close()
        upstream.close()


class StackWithDoor(ServiceStack):
    """The stack, with intake's AMQP_URI through the door (kept across restarts of intake)."""

    def __init__(self, door_uri, **options):
        super().__init__(**options)
        self.door_uri = door_uri

    def _spawn(self, name, command, env):
        super()._spawn(name, command, {**env, "AMQP_URI": self.door_uri} if name == "intake" else env)


@pytest.fixture(scope="module")
def stack(mongodb_server, stack_amqp_uri, tmp_path_factory):
    broker = urlparse(stack_amqp_uri)
    door = BrokerDoor(broker.port or 5672)
    door.open()
    mongodb_uri = with_database(mongodb_server, f"irm_metrics_{uuid.uuid4().hex[:10]}")
    running = StackWithDoor(
        stack_amqp_uri.replace(broker.netloc, f"{broker.username}:{broker.password}@127.0.0.1:{door.port}"),
        amqp_uri=stack_amqp_uri, mongodb_uri=mongodb_uri, log_dir=tmp_path_factory.mktemp("metrics-stack-logs"),
        gateway_port=free_port(),
        extra_env={"PYTHONWARNINGS": "ignore", "GOVERNMENT_REVIEW_SECONDS": "1", "PUBLIC_COMMENT_SECONDS": "1",
                   "PUBLIC_COMMENT_MIN_SECONDS": "1", "LOG_CHECKPOINT_SECONDS": "1",
                   "ACCEPT_DEADLINE_SECONDS": "3600",  # an assigned case is due within the day
                   "LOG_SIGNING_KEY_FILE": str(tmp_path_factory.mktemp("metrics-keys") / "log.key")})
    running.door = door
    try:
        running.start()
        yield running
    finally:
        running.stop()
        door.close()


def urls(stack) -> dict:
    return {"gateway": stack.base_url, **{name: f"http://127.0.0.1:{port}" for name, port in stack.service_ports.items()}}


def total(samples, name, **labels) -> float:
    """The sum of every sample `name` whose labels include `labels`."""
    return sum(v for (sample, sample_labels), v in samples.items()
               if sample == name and set(labels.items()) <= set(sample_labels))


def test_every_metric_moves_as_cases_flow_and_the_outbox_drains_after_the_broker_returns(stack):
    services = urls(stack)
    before = {name: scrape(url) for name, url in services.items()}
    for name in ("intake", "review", "publication"):
        assert value(before[name], "irm_dependency_up", source="database") == 1
        assert value(before[name], "irm_dependency_up", source="broker") == 1
        assert value(before[name], "irm_outbox_backlog") == 0 and value(before[name], "irm_dead_letters") == 0
    assert all(value(before["review"], "irm_review_cases", stage=stage) == 0 for stage in ("assigned", "approved"))
    assert value(before["publication"], "irm_transparency_log_size") == 0
    # The stack's setting, as the service applies it (deploy/nameko.yaml declares it).
    assert value(before["publication"], "irm_transparency_log_checkpoint_interval_seconds") == 1

    # One case through every stage of the review.
    sample.run_demo(stack.base_url, stack.mongodb_uri, say=lambda *_: None)
    wait_until(lambda: value(scrape(services["publication"]), "irm_transparency_log_checkpoint_size") == 21,
               timeout=30, what="the case's 21 entries logged and checkpointed")
    assert requests.get(f"{stack.base_url}/en/log", timeout=10).status_code == 200  # a page, served by web
    after = {name: scrape(url) for name, url in services.items()}
    assert total(after["web"], "irm_http_requests_total", method="GET", status="200") >= 1
    gateway_route = route_label("/api/v1/self-assessments")  # the routing pattern, e.g. ^/api/v1/self-assessments(/|\Z)
    assert total(after["gateway"], "irm_http_requests_total", route=gateway_route, method="POST", status="201") == 1
    assert total(after["gateway"], "irm_http_request_duration_seconds_count", route=gateway_route, method="POST") == 1
    assert total(after["intake"], "irm_http_requests_total", route="/api/v1/self-assessments", method="POST", status="201") == 1
    assert total(after["review"], "irm_http_requests_total", route="/api/v1/cases/<string:case_id>/submit", status="200") == 2
    for name in ("intake", "review", "publication"):  # each consumes and publishes events
        assert total(after[name], "irm_events_consumed_total") > total(before[name], "irm_events_consumed_total"), name
        assert total(after[name], "irm_events_published_total") > total(before[name], "irm_events_published_total"), name
    assert value(after["review"], "irm_review_cases", stage="approved") == 1
    assert value(after["publication"], "irm_transparency_log_size") == 21
    assert value(after["publication"], "irm_transparency_log_sequencer_lag") == 0
    assert value(after["publication"], "irm_transparency_log_checkpoint_age_seconds") < 60

    # Intake loses its broker: a submission is committed and waits in the outbox.
    stack.door.close()
    poc = Client(stack.base_url, sample.provision(stack.mongodb_uri, uuid.uuid4().hex[:8])["poc"], "metrics-outbox")
    poc.post("/api/v1/self-assessments", {**sample.SELF_ASSESSMENT, "action_plan": {"cycle": "2023-2025", "plan_number": 6}},
             expect=(201,))
    waiting = scrape(services["intake"])
    assert value(waiting, "irm_outbox_backlog") == 1
    assert value(waiting, "irm_dependency_up", source="broker") == 0  # and the scrape still answers
    assert total(waiting, "irm_event_publish_failures_total", event_type=SELF_ASSESSMENT_SUBMITTED) >= 1
    wait_until(lambda: value(scrape(services["intake"]), "irm_outbox_oldest_unsent_age_seconds") > 0, what="the event ageing")

    # The broker is back: the relay publishes it, review assigns the case, its deadline is within the day.
    stack.door.open()
    wait_until(lambda: value(scrape(services["intake"]), "irm_outbox_backlog") == 0, timeout=45, what="the outbox drained")
    assert value(scrape(services["intake"]), "irm_outbox_oldest_unsent_age_seconds") == 0
    wait_until(lambda: value(scrape(services["review"]), "irm_review_cases", stage="assigned") == 1, what="the case assigned")
    assert value(scrape(services["review"]), "irm_review_deadlines_due_next_day", stage="assigned") == 1

    # A message that breaks its contract is parked: every service sees the dead letter.
    with Connection(stack.amqp_uri) as connection:
        connection.Producer(serializer="json").publish(
            {"event_id": "evt_broken", "event_type": SELF_ASSESSMENT_SUBMITTED},
            exchange=Exchange("intake.events", type="topic", durable=True), routing_key=SELF_ASSESSMENT_SUBMITTED)
    wait_until(lambda: value(scrape(services["review"]), "irm_dead_letters") == 1, what="the dead letter")
    parked = scrape(services["review"])
    assert total(parked, "irm_events_parked_total", kind="malformed") == 1
    assert value(scrape(services["publication"]), "irm_dead_letters") == 1
    assert value(parked, "irm_rejected_messages") == 1
    assert requests.get(stack.base_url + "/health", timeout=5).status_code == 200
