"""What the end-to-end modules share: the whole stack as processes, with a review that runs in seconds."""
import contextlib
import uuid

from devtools.ports import free_port
from devtools.stack import ServiceStack
from tests.conftest import with_database

# Comment windows of a second and a checkpoint every second: a whole review in a test.
QUICK_REVIEW = {"PYTHONWARNINGS": "ignore", "GOVERNMENT_REVIEW_SECONDS": "1", "PUBLIC_COMMENT_SECONDS": "1",
                "PUBLIC_COMMENT_MIN_SECONDS": "1", "LOG_CHECKPOINT_SECONDS": "1"}


@contextlib.contextmanager
def quick_review_stack(mongodb_server, amqp_uri, tmp_path_factory, name):
    """A running ServiceStack on a database of its own, stopped afterwards."""
    mongodb_uri = with_database(mongodb_server, f"irm_{name}_{uuid.uuid4().hex[:10]}")
    running = ServiceStack(amqp_uri=amqp_uri, mongodb_uri=mongodb_uri, log_dir=tmp_path_factory.mktemp(f"{name}-logs"),
                           gateway_port=free_port(),
                           extra_env={**QUICK_REVIEW,
                                      "LOG_SIGNING_KEY_FILE": str(tmp_path_factory.mktemp(f"{name}-keys") / "log.key")})
    try:
        running.start()
        yield running
    finally:
        running.stop()
