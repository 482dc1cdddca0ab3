"""Two instances of a service at once give the same result as one: each in this process, on
the same broker and database, acting on the same data at the same moment."""
import eventlet
import eventlet.event
import pytest
from nameko.extensions import Entrypoint
from nameko.testing.utils import get_extension

from cli import operations
from devtools import sample
from devtools.ports import free_port
from services.publication import documents as publication_documents
from services.publication.transparency_log import TransparencyLog
from services.review import documents as review_documents
from services.review.service import ReviewService
from shared.persistence.documents import AuditEntry, LogQueueEntry
from tests.integration.conftest import wait_until
from tests.integration.test_publication import seed_history
from tests.integration.test_review import Review, submitted_event

pytestmark = pytest.mark.integration

CASES = 6
# What one instance records for each case, with two experts who never accept: the first is
# reminded and misses the deadline, the second likewise, then the case waits for an expert.
ONE_INSTANCE = ["review.assigned", "review.reminder_sent", "review.deadline_missed", "review.reassigned",
                "review.reminder_sent", "review.deadline_missed", "review.unassigned"]


@pytest.fixture
def two_reviews(container_factory, service_config):
    operations.add_member("TN", "national", sample.MEMBER["names"])
    config = {k: v for k, v in service_config.items() if k != "base_url"}
    config["ACCEPT_DEADLINE_SECONDS"] = 3  # a reminder is due in the last 0.75 s
    containers = []
    for _ in range(2):
        container = container_factory(ReviewService, {**config, "WEB_SERVER_ADDRESS": f"127.0.0.1:{free_port()}"})
        container.start()
        containers.append(container)
    return containers, Review(service_config["base_url"], config["AMQP_URI"])


def actions(case_id):
    return [e.action for e in AuditEntry.objects(case_id=case_id).order_by("seq")]


def test_two_deadline_watches_at_once_remind_and_reassign_each_case_once(two_reviews):
    """Both instances' watches run on every due case at the same moment (two green threads
    calling `watch_deadlines`, besides their own timers): each reminder, missed deadline and
    reassignment is still recorded once, and no expert's load is counted twice."""
    containers, review = two_reviews
    operations.add_expert("exp-a", "A", ["ar", "fr"], [], capacity=CASES)
    operations.add_expert("exp-b", "B", ["ar", "fr"], [], capacity=CASES)
    case_ids = [f"case_two_{n}" for n in range(CASES)]
    for case_id in case_ids:
        review.send(submitted_event(case_id))

    def settled():
        return all(actions(case_id)[-1:] == ["review.unassigned"] for case_id in case_ids)

    def watch(container):
        entrypoint = get_extension(container, Entrypoint, method_name="watch_deadlines")
        while not settled():
            done = eventlet.event.Event()

            def finished(worker_ctx, result, exc_info):
                done.send(exc_info)
                return result, exc_info

            container.spawn_worker(entrypoint, (), {}, handle_result=finished)
            assert done.wait() is None
            eventlet.sleep(0.01)

    watchers = [eventlet.spawn(watch, container) for container in containers for _ in range(2)]
    wait_until(settled, timeout=60, what="every case through both deadlines")
    for watcher in watchers:
        watcher.wait()
    assert {case_id: actions(case_id) for case_id in case_ids} == {case_id: ONE_INSTANCE for case_id in case_ids}
    assert [e.active_cases for e in review_documents.Expert.objects.order_by("expert_id")] == [0, 0]


def sequenced_log(log_signing_key, every):
    log = TransparencyLog()
    log.key, log.checkpoint_every = log_signing_key, every
    return log


def test_two_publications_sign_one_checkpoint_per_interval(db, log_signing_key):
    """Two instances decide on the same latest checkpoint, then the log grows between their
    signatures: the second must not sign a checkpoint of its own within the interval.

    The interleaving is fixed, not left to chance: instance B's read of the latest checkpoint
    is the one it made before A signed (what two timers ticking together produce)."""
    from datetime import timedelta

    from mongoengine.connection import get_connection
    from shared.clock import utcnow

    client = get_connection()
    every = timedelta(seconds=3600)
    a, b = sequenced_log(log_signing_key, every), sequenced_log(log_signing_key, every)
    seed_history(client, "case_cp1")
    a.sequence(client)
    read_by_b_before_a_signed = b.latest_checkpoint()  # None: no checkpoint yet
    b.latest_checkpoint = lambda: read_by_b_before_a_signed
    now = utcnow()
    assert a.checkpoint_if_due(now) is not None
    seed_history(client, "case_cp2")  # the log grows: B's state read sees a bigger tree
    b.sequence(client)
    assert b.checkpoint_if_due(now) is None
    assert [c.size for c in publication_documents.LogCheckpoint.objects.order_by("size")] == [5]
    assert LogQueueEntry.objects.count() == 0


def test_two_publication_containers_sign_checkpoints_an_interval_apart(container_factory, service_config):
    """Both publications' timers sequence and sign while entries keep coming: every entry is
    logged once, and checkpoints follow one another, never two within LOG_CHECKPOINT_SECONDS."""
    import time

    from mongoengine.connection import get_connection
    from services.publication.service import PublicationService

    interval = 2
    config = {k: v for k, v in service_config.items() if k != "base_url"}
    for _ in range(2):
        container_factory(PublicationService, {**config, "LOG_CHECKPOINT_SECONDS": interval,
                                               "WEB_SERVER_ADDRESS": f"127.0.0.1:{free_port()}"}).start()
    client = get_connection()
    end = time.monotonic() + 4 * interval
    n = 0
    while time.monotonic() < end:
        seed_history(client, f"case_pub{n}")
        n += 1
        eventlet.sleep(0.2)
    wait_until(lambda: LogQueueEntry.objects.count() == 0, what="every entry logged")
    leaves = list(publication_documents.LogLeaf._get_collection().find({}, {"case_id": 1, "seq": 1}))
    assert len(leaves) == len({(leaf["case_id"], leaf["seq"]) for leaf in leaves}) == AuditEntry.objects.count() == 5 * n
    checkpoints = list(publication_documents.LogCheckpoint.objects.order_by("size"))
    assert len(checkpoints) >= 2
    assert [c.follows for c in checkpoints] == [0] + [c.size for c in checkpoints[:-1]]
    gaps = [(b.signed_at - a.signed_at).total_seconds() for a, b in zip(checkpoints, checkpoints[1:])]
    assert min(gaps) >= interval, gaps
