"""Test session: the real RabbitMQ and a real MongoDB-protocol server, never mocks.

MongoDB, in order of preference: MONGODB_URI if set; a testcontainers `mongo` replica
set if a Docker engine answers; otherwise a SecantusDB process started for the session.
RabbitMQ: AMQP_URI if set; otherwise the local broker (started if installed and down),
in a throwaway vhost so tests never meet `make dev`'s messages.
"""
import eventlet

eventlet.monkey_patch()  # nameko containers run in this process: patch before anything imports socket

import contextlib  # noqa: E402
import os  # noqa: E402
import shutil  # noqa: E402
import signal  # noqa: E402
import subprocess  # noqa: E402
import uuid  # noqa: E402
from urllib.parse import quote  # noqa: E402

import pytest  # noqa: E402

from devtools.embedded_mongo import EmbeddedMongo  # noqa: E402
from devtools.rabbitmq import DEFAULT_AMQP_URI, ensure_rabbitmq  # noqa: E402


def _docker_answers() -> bool:
    try:
        import docker

        docker.from_env(timeout=3).ping()
        return True
    except Exception:
        return False


@pytest.fixture(scope="session")
def mongodb_server(tmp_path_factory):
    """A base MongoDB URI (without database) and what started it."""
    if os.environ.get("MONGODB_URI"):
        yield os.environ["MONGODB_URI"]
        return
    if _docker_answers():
        yield from _mongo_replica_set_container()
        return
    mongo = EmbeddedMongo(tmp_path_factory.mktemp("secantus") / "data",
                          log_path=tmp_path_factory.getbasetemp() / "secantusdb.log").start()
    yield f"mongodb://127.0.0.1:{mongo.port}/?retryWrites=false"
    mongo.stop()


def _mongo_replica_set_container():
    """A real mongod as a single-node replica set (transactions need one), through testcontainers."""
    import time

    import pymongo
    from testcontainers.core.container import DockerContainer
    from testcontainers.core.waiting_utils import wait_for_logs

    container = DockerContainer("mongo:7").with_command("--replSet rs0 --bind_ip_all").with_exposed_ports(27017)
    container.start()
    try:
        wait_for_logs(container, "Waiting for connections", timeout=120)
        container.exec(["mongosh", "--quiet", "--eval", "rs.initiate({_id: 'rs0', members: [{_id: 0, host: 'localhost:27017'}]})"])
        uri = f"mongodb://{container.get_container_host_ip()}:{container.get_exposed_port(27017)}/?directConnection=true"
        client, deadline = pymongo.MongoClient(uri), time.monotonic() + 60
        while not client.admin.command("hello").get("isWritablePrimary"):
            if time.monotonic() > deadline:
                raise RuntimeError("the mongo container never became primary")
            time.sleep(0.5)
        client.close()
        yield uri
    finally:
        container.stop()


def with_database(base_uri: str, db_name: str) -> str:
    prefix, _, query = base_uri.partition("?")
    scheme, _, rest = prefix.partition("://")
    hosts = rest.split("/", 1)[0]
    return f"{scheme}://{hosts}/{db_name}" + (f"?{query}" if query else "")


@pytest.fixture(scope="session")
def mongodb_uri(mongodb_server):
    return with_database(mongodb_server, f"irm_test_{uuid.uuid4().hex[:10]}")


def throwaway_vhost():
    """AMQP_URI as given; else a new vhost on the local broker, deleted afterwards."""
    if os.environ.get("AMQP_URI"):
        yield os.environ["AMQP_URI"]
        return
    ensure_rabbitmq(DEFAULT_AMQP_URI)
    if not shutil.which("rabbitmqctl"):
        yield DEFAULT_AMQP_URI
        return
    vhost = f"irm-test-{uuid.uuid4().hex[:10]}"
    subprocess.run(["rabbitmqctl", "add_vhost", vhost], check=True, capture_output=True)
    subprocess.run(["rabbitmqctl", "set_permissions", "-p", vhost, "guest", ".*", ".*", ".*"], check=True, capture_output=True)
    yield f"amqp://guest:guest@127.0.0.1:5672/{quote(vhost, safe='')}"
    subprocess.run(["rabbitmqctl", "delete_vhost", vhost], check=False, capture_output=True)


@pytest.fixture(scope="session")
def amqp_uri():
    yield from throwaway_vhost()


@pytest.fixture(scope="module")
def stack_amqp_uri():
    """A vhost of its own for a module that runs the whole stack: events the in-process tests
    left in the services' queues (no intake runs there) must not reach this stack's consumers."""
    yield from throwaway_vhost()


# --- a time limit per test ------------------------------------------------------------------------------------------
# A test that waits forever (a lost message, an eventlet and Playwright deadlock) would hold CI until its own limit and
# say nothing of where. SIGALRM interrupts whatever the main thread waits in, and the handler's failure carries the
# traceback; the run goes on with the next test. Not pytest-timeout: under eventlet's patching it takes the main
# thread for another one, falls back to a timer thread and ends the whole run with os._exit.
DEFAULT_TIME_LIMIT = 900  # seconds for each of a test's setup, call and teardown; no test of ours needs a tenth


class TimeLimitExceeded(Exception):
    pass


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_setup(item):
    with _time_limit(item, "setup"):
        yield


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    with _time_limit(item, "call"):
        yield


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item):
    with _time_limit(item, "teardown"):
        yield


@contextlib.contextmanager
def _time_limit(item, phase):
    marker = item.get_closest_marker("time_limit")
    seconds = marker.args[0] if marker else DEFAULT_TIME_LIMIT

    def interrupt(signum, frame):
        raise TimeLimitExceeded(f"{item.nodeid} ({phase}) ran longer than {seconds} s")

    previous = signal.signal(signal.SIGALRM, interrupt)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def pytest_terminal_summary(terminalreporter, config):
    """The fuzz run's report (tests/e2e/test_fuzz.py): what it covered, and what FUZZ_SECONDS cut short."""
    from tests.e2e.fuzz_budget import REPORT

    lines = config.stash.get(REPORT, None)
    if lines:
        terminalreporter.section("fuzz coverage")
        for line in lines:
            terminalreporter.write_line(line)
