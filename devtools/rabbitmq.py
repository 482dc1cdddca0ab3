"""The local RabbitMQ: started when installed but down, explained when missing."""
import shutil
import subprocess
import time
from urllib.parse import urlparse

from devtools.errors import StackError
from devtools.ports import port_open
from shared import settings

DEFAULT_AMQP_URI = settings.SETTINGS["AMQP_URI"].default


def ensure_rabbitmq(amqp_uri: str) -> None:
    parsed = urlparse(amqp_uri)
    host, port = parsed.hostname or "127.0.0.1", parsed.port or 5672
    if port_open(host, port):
        return
    if host not in ("127.0.0.1", "localhost"):
        raise StackError(f"RabbitMQ at {host}:{port} does not answer; check AMQP_URI.")
    if not shutil.which("rabbitmq-server"):
        raise StackError(
            "RabbitMQ is not installed. Install it (Debian/Ubuntu: `sudo apt-get install rabbitmq-server`; "
            "macOS: `brew install rabbitmq`) or point AMQP_URI at a broker you have."
        )
    print("RabbitMQ is installed but down: starting it (rabbitmq-server -detached)...", flush=True)
    subprocess.run(["rabbitmq-server", "-detached"], check=False)
    subprocess.run(["rabbitmqctl", "await_startup", "--timeout", "120"], check=False, capture_output=True)
    deadline = time.monotonic() + 120
    while not port_open(host, port):
        if time.monotonic() > deadline:
            raise StackError("RabbitMQ did not come up within 120 s; see `rabbitmqctl status`.")
        time.sleep(0.5)
