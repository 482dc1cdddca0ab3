"""make dev: the whole stack on this machine (no Docker) at http://127.0.0.1:8000.

- RabbitMQ: the one at AMQP_URI (default the local broker); a local broker that is
  installed but down is started, a missing one is explained.
- MongoDB: MONGODB_URI if set, otherwise an embedded SecantusDB process with its data
  under ./var/mongo (connected with retryWrites=false: it slows ~10x without).
- intake, review, publication: `nameko run` each, and the gateway in front of them
  (devtools/stack.py).
"""
import os
import signal
import sys
import threading

from devtools.embedded_mongo import EmbeddedMongo
from devtools.errors import StackError
from devtools.ports import port_open
from devtools.rabbitmq import ensure_rabbitmq
from devtools.stack import ROOT, SERVICES, ServiceStack, dev_settings
from shared import settings


def main():
    amqp_uri = settings.env("AMQP_URI")
    var = ROOT / "var"
    var.mkdir(exist_ok=True)
    mongo = None
    try:
        ensure_rabbitmq(amqp_uri)
        mongodb_uri = os.environ.get("MONGODB_URI")
        if not mongodb_uri:
            port = settings.env("EMBEDDED_MONGO_PORT")
            if port_open("127.0.0.1", port):
                raise StackError(f"port {port} is taken (another `make dev`?); set EMBEDDED_MONGO_PORT or MONGODB_URI.")
            mongo = EmbeddedMongo(var / "mongo", port=port, log_path=var / "secantusdb.log").start()
            mongodb_uri = mongo.uri()
            print(f"Embedded SecantusDB on {mongodb_uri} (data in var/mongo)", flush=True)
        gateway_port = settings.env("GATEWAY_PORT")
        ports = {name: gateway_port + 1 + index for index, name in enumerate(SERVICES)}
        stack = ServiceStack(amqp_uri=amqp_uri, mongodb_uri=mongodb_uri, log_dir=var / "log",
                             gateway_port=gateway_port, service_ports=ports, echo=True, extra_env=dev_settings(os.environ))
        (var / "dev.env").write_text(f"MONGODB_URI={mongodb_uri}\nAMQP_URI={amqp_uri}\nBASE_URL={stack.base_url}\n")
        stack.start()
    except StackError as exc:
        print(f"make dev: {exc}", file=sys.stderr)
        if mongo:
            mongo.stop()
        sys.exit(2)
    print(f"\nirm-review is up: {stack.base_url}  (health: {stack.base_url}/health)\n"
          f"Create members, experts and tokens with `.venv/bin/irmctl --help`; `make demo` runs one case.\n"
          f"{stack.public_feed}\n"
          f"Logs: var/log/*.log. Ctrl-C stops everything.\n", flush=True)
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    try:
        while not stopping.is_set():
            for name, process in stack.processes.items():
                if process.poll() is not None:
                    print(f"{name} exited with {process.returncode}; stopping.", file=sys.stderr)
                    stopping.set()
            stopping.wait(1)
    except KeyboardInterrupt:
        pass
    finally:
        stack.stop()
        if mongo:
            mongo.stop()


if __name__ == "__main__":
    main()
