"""The whole stack as separate processes, with the review's windows and the log's checkpoint
interval shortened to a second, for the end-to-end tests that drive it over HTTP."""
import contextlib
import uuid

from devtools.ports import free_port
from devtools.stack import ServiceStack
from tests.conftest import with_database

FAST_CLOCK = {"PYTHONWARNINGS": "ignore", "GOVERNMENT_REVIEW_SECONDS": "1", "PUBLIC_COMMENT_SECONDS": "1",
              "PUBLIC_COMMENT_MIN_SECONDS": "1", "LOG_CHECKPOINT_SECONDS": "1"}


@contextlib.contextmanager
def fast_stack(mongodb_server, amqp_uri, tmp_path_factory, name):
    """A started stack on a fresh database `irm_<name>_<random>`, stopped on exit."""
    mongodb_uri = with_database(mongodb_server, f"irm_{name}_{uuid.uuid4().hex[:10]}")
    running = ServiceStack(amqp_uri=amqp_uri, mongodb_uri=mongodb_uri, log_dir=tmp_path_factory.mktemp(f"{name}-logs"),
                           gateway_port=free_port(),
                           extra_env={**FAST_CLOCK,
                                      "LOG_SIGNING_KEY_FILE": str(tmp_path_factory.mktemp(f"{name}-keys") / "log.key"),
                                      "SESSION_SECRET_FILE": str(tmp_path_factory.mktemp(f"{name}-session") / "session.key")})
    try:
        running.start()
        yield running
    finally:
        running.stop()
