"""make dev: the whole stack on this machine (no Docker) at http://127.0.0.1:8000.

- RabbitMQ: the one at AMQP_URI (default the local broker); a local broker that is
  installed but down is started, a missing one is explained.
- MongoDB: MONGODB_URI if set, otherwise an embedded SecantusDB process with its data
  under ./var/mongo (connected with retryWrites=false: it slows ~10x without).
- mail: SMTP_URL if set, otherwise a local SMTP server (devtools/mailbox.py) on DEV_SMTP_PORT
  that keeps every mail under ./var/mail (`irmctl mail dev-list`, and a page on DEV_MAIL_PAGE_PORT).
- intake, review, publication, web, accounts, mail: `nameko run` each, and the gateway in front
  (devtools/stack.py).
"""
import subprocess
import os
import signal
import sys
import threading

from devtools.embedded_mongo import EmbeddedMongo
from devtools.errors import StackError
from devtools.ports import port_open
from devtools.processes import stop_process
from devtools.rabbitmq import ensure_rabbitmq
from devtools.stack import ROOT, SERVICES, ServiceStack, dev_settings
from shared import settings


def main():
    amqp_uri = settings.env("AMQP_URI")
    var = ROOT / "var"
    var.mkdir(exist_ok=True)
    mongo = mailbox = None
    extra_env = dev_settings(os.environ)
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
        if not os.environ.get("SMTP_URL"):
            mailbox, extra_env["SMTP_URL"] = _start_mailbox(var / "mail")
        gateway_port = settings.env("GATEWAY_PORT")
        ports = {name: gateway_port + 1 + index for index, name in enumerate(SERVICES)}
        stack = ServiceStack(amqp_uri=amqp_uri, mongodb_uri=mongodb_uri, log_dir=var / "log",
                             gateway_port=gateway_port, service_ports=ports, echo=True, extra_env=extra_env)
        (var / "dev.env").write_text(f"MONGODB_URI={mongodb_uri}\nAMQP_URI={amqp_uri}\nBASE_URL={stack.base_url}\n")
        stack.start()
    except StackError as exc:
        print(f"make dev: {exc}", file=sys.stderr)
        if mongo:
            mongo.stop()
        if mailbox:
            stop_process(mailbox)
        sys.exit(2)
    mail_note = (f" (kept under var/mail/, listed at http://127.0.0.1:{settings.env('DEV_MAIL_PAGE_PORT')}/)"
                 if mailbox else "")
    print(f"\nirm-review is up: {stack.base_url}  (health: {stack.base_url}/health)\n"
          f"Create members, experts and tokens with `.venv/bin/irmctl --help`; `make demo` runs one case.\n"
          f"{stack.public_feed}\n"
          f"Mail: {extra_env.get('SMTP_URL') or os.environ.get('SMTP_URL')}"
          f"{mail_note}\n"
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
        if mailbox:
            stop_process(mailbox)


def _start_mailbox(directory):
    """The local SMTP server every mail of `make dev` goes to: (its process, the SMTP_URL naming it)."""
    port, page_port = settings.env("DEV_SMTP_PORT"), settings.env("DEV_MAIL_PAGE_PORT")
    for taken, name in ((port, "DEV_SMTP_PORT"), (page_port, "DEV_MAIL_PAGE_PORT")):
        if port_open("127.0.0.1", taken):
            raise StackError(f"port {taken} is taken (another `make dev`?); set {name} or SMTP_URL.")
    process = subprocess.Popen([sys.executable, "-m", "devtools.mailbox", "--port", str(port), "--directory", str(directory),
                                "--page-port", str(page_port)],
                               cwd=ROOT, stdout=subprocess.PIPE, start_new_session=True)
    if b"mailbox: SMTP on" not in process.stdout.readline():
        raise StackError(f"the local SMTP server did not start on port {port}")
    return process, f"smtp://127.0.0.1:{port}"


if __name__ == "__main__":
    main()
