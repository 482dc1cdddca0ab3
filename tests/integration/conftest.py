"""Service containers in this process, on the real broker and database."""
import time

import mongoengine
import pytest
from kombu import Connection, Exchange, Queue

from cli import operations
from devtools import sample
from devtools.ports import free_port
from shared import topology
from shared.contracts.events import parse_event
from shared.persistence import documents as shared_documents
from shared.transparency.note import SigningKey
from services.accounts import documents as accounts_documents
from services.intake import documents as intake_documents
from services.publication import documents as publication_documents
from services.review import documents as review_documents

ALL_DOCUMENTS = (shared_documents.SHARED_DOCUMENTS + intake_documents.ALL + review_documents.ALL + publication_documents.ALL
                 + accounts_documents.ALL)
# The session secret of the test session's services (a deployment configures its own, or makes var/session.key).
SESSION_SECRET = "test-session-secret-" + "s" * 32


@pytest.fixture(autouse=True)
def fresh_queues(amqp_uri):
    """Each test starts with no leftover messages: a queue declared by an earlier test (or
    the end-to-end stack) would otherwise keep events for a consumer that ran later."""
    with Connection(amqp_uri) as connection:
        channel = connection.default_channel
        for subscription in topology.SUBSCRIPTIONS:
            channel.queue_delete(subscription.queue)


@pytest.fixture
def db(mongodb_uri):
    """The test database, emptied before each test (indexes stay)."""
    operations.connect(mongodb_uri)
    for document in ALL_DOCUMENTS:
        document.ensure_indexes()
    database = mongoengine.connection.get_db()
    for name in database.list_collection_names():  # GridFS buckets too
        if not name.startswith("system."):
            database[name].delete_many({})
    return mongodb_uri


@pytest.fixture(scope="session")
def log_signing_key():
    """The transparency log's key for the test session (a deployment configures its own)."""
    return SigningKey.generate("irm-review.test/audit-log")


@pytest.fixture
def service_config(db, amqp_uri, log_signing_key):
    port = free_port()
    return {"AMQP_URI": amqp_uri, "MONGODB_URI": db, "WEB_SERVER_ADDRESS": f"127.0.0.1:{port}",
            "serializer": "json", "max_workers": 4, "base_url": f"http://127.0.0.1:{port}",
            # A checkpoint on every tick that finds the log grown: tests need not wait 10 s.
            "LOG_SIGNING_KEY": str(log_signing_key), "LOG_CHECKPOINT_SECONDS": 0, "SESSION_SECRET": SESSION_SECRET}


@pytest.fixture
def start_service(container_factory, service_config):
    def start(service_cls):
        config = {k: v for k, v in service_config.items() if k != "base_url"}
        container = container_factory(service_cls, config)
        container.start()
        return service_config["base_url"]

    return start


class EventTap:
    """A queue bound to a service's event exchange: what the service really published."""

    def __init__(self, amqp_uri, source, event_type):
        self.event_type = event_type
        self.connection = Connection(amqp_uri)
        self.queue = Queue(f"test-tap-{source}-{event_type}-{time.monotonic_ns()}",
                           Exchange(f"{source}.events", type="topic", durable=True),
                           routing_key=event_type, exclusive=True)  # gone with the connection
        self.queue(self.connection.default_channel).declare()

    def next(self, timeout=15):
        deadline = time.monotonic() + timeout
        bound = self.queue(self.connection.default_channel)
        while time.monotonic() < deadline:
            message = bound.get(no_ack=True)
            if message is not None:
                return parse_event(self.event_type, message.payload)
            time.sleep(0.05)
        raise TimeoutError(f"no {self.event_type} event within {timeout} s")

    def empty(self, wait=0.5) -> bool:
        time.sleep(wait)
        return self.queue(self.connection.default_channel).get(no_ack=True) is None

    def close(self):
        self.queue(self.connection.default_channel).delete()
        self.connection.release()


@pytest.fixture
def tap(amqp_uri):
    taps = []

    def make(source, event_type):
        taps.append(EventTap(amqp_uri, source, event_type))
        return taps[-1]

    yield make
    for t in taps:
        t.close()


def wait_until(condition, timeout=15, interval=0.05, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    raise TimeoutError(f"timed out waiting for {what}")


def rate_and_submit(review, case_id, expert):
    """The expert rates every commitment with the sample ratings, assesses the plan and submits (each step 200)."""
    path = f"/api/v1/cases/{case_id}"
    for commitment_id, ratings in sample.RATINGS.items():
        version = review.call("GET", path, expert).headers["ETag"]
        assert review.call("PUT", f"{path}/ratings/{commitment_id}", expert, ratings, **{"If-Match": version}).status_code == 200
    version = review.call("GET", path, expert).headers["ETag"]
    assert review.call("PUT", f"{path}/plan-assessment", expert, sample.PLAN_ASSESSMENT, **{"If-Match": version}).status_code == 200
    assert review.call("POST", f"{path}/submit", expert).status_code == 200
