"""Run the whole stack on this machine, without Docker: `make dev`, the e2e tests and `make bench`.

- RabbitMQ: the one at AMQP_URI (default the local broker); a local broker that is
  installed but down is started, a missing one is explained.
- MongoDB: MONGODB_URI if set, otherwise an embedded SecantusDB process with its data
  under ./var/mongo (connected with retryWrites=false: it slows ~10x without).
- intake, review, publication: `nameko run` each, and the gateway in front of them.
"""
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlparse

import requests

ROOT = Path(__file__).resolve().parent.parent
NAMEKO_CONFIG = ROOT / "deploy" / "nameko.yaml"
SERVICES = ("intake", "review", "publication")
DEFAULT_AMQP_URI = "amqp://guest:guest@127.0.0.1:5672/"
# `make dev` runs a whole review in minutes, not weeks: short comment windows unless the
# environment says otherwise. Production keeps deploy/nameko.yaml's defaults (14 days).
DEV_TIMING = {key: os.environ.get(key, value) for key, value in {
    "GOVERNMENT_REVIEW_SECONDS": "3", "PUBLIC_COMMENT_SECONDS": "3", "PUBLIC_COMMENT_MIN_SECONDS": "3",
    "LOG_CHECKPOINT_SECONDS": "2",
}.items()}


class StackError(RuntimeError):
    pass


def port_open(host: str, port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


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


class EmbeddedMongo:
    """A SecantusDB server as its own process (it is GPL-2.0: never imported, only run)."""

    def __init__(self, storage_path, port=None, log_path=None):
        self.storage_path = str(storage_path)
        self.port = port or free_port()
        self.log_path = log_path
        self.process = None

    def uri(self, db_name="irm") -> str:
        return f"mongodb://127.0.0.1:{self.port}/{db_name}?retryWrites=false"

    def start(self, timeout=60):
        executable = shutil.which("secantusd-py") or str(Path(sys.executable).parent / "secantusd-py")
        if not Path(executable).exists():
            raise StackError("secantusd-py is missing: `pip install -e .[dev]` installs SecantusDB.")
        if self.storage_path != ":memory:":
            Path(self.storage_path).mkdir(parents=True, exist_ok=True)
        out = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL
        self.process = subprocess.Popen(
            [executable, "--host", "127.0.0.1", "--port", str(self.port), "--storage-path", self.storage_path,
             "--log-level", "WARNING"],
            stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while not port_open("127.0.0.1", self.port):
            if self.process.poll() is not None:
                raise StackError(f"SecantusDB exited with {self.process.returncode}; see {self.log_path}")
            if time.monotonic() > deadline:
                raise StackError("SecantusDB did not start in time")
            time.sleep(0.1)
        return self

    def stop(self):
        _stop(self.process)


def _stop(process, timeout=10):
    if process is None or process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(5)


class ServiceStack:
    """intake, review, publication and the gateway, as separate processes.

    Like a process manager (docker compose's `restart: unless-stopped`), it restarts a process
    that exits on its own: nameko stops a whole service when, for example, a worker's ack
    meets a broker connection that was just reset. A process stopped on purpose (`kill`,
    `stop`) stays stopped until `respawn`.
    """

    def __init__(self, *, amqp_uri, mongodb_uri, log_dir, gateway_port=8000, service_ports=None, echo=False, extra_env=None):
        self.amqp_uri = amqp_uri
        self.mongodb_uri = mongodb_uri
        self.log_dir = Path(log_dir)
        self.gateway_port = gateway_port
        self.service_ports = service_ports or {name: free_port() for name in SERVICES}
        self.echo = echo
        self.extra_env = extra_env or {}
        self.processes = {}
        self.commands = {}
        self.held = set()  # stopped on purpose: not restarted
        self.stopping = False
        self.restarts = []  # (name, exit status) of every restart, for the record

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.gateway_port}"

    def _env(self, **more):
        env = dict(os.environ)
        env.update({"AMQP_URI": self.amqp_uri, "MONGODB_URI": self.mongodb_uri, "PYTHONUNBUFFERED": "1",
                    # Links name this stack's own gateway unless the environment says otherwise.
                    "PUBLIC_BASE_URL": os.environ.get("PUBLIC_BASE_URL") or self.base_url})
        env.update(self.extra_env)
        env.update(more)
        return env

    def _spawn(self, name, command, env):
        self.commands[name] = (command, env)
        self.log_dir.mkdir(parents=True, exist_ok=True)
        log_file = open(self.log_dir / f"{name}.log", "ab")
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                   start_new_session=True)
        self.processes[name] = process
        threading.Thread(target=self._pump, args=(name, process, log_file), daemon=True).start()

    def _pump(self, name, process, log_file):
        for line in process.stdout:
            log_file.write(line)
            log_file.flush()
            if self.echo:
                sys.stdout.write(f"{name:<12}| {line.decode('utf-8', 'replace')}")
                sys.stdout.flush()
        self._restart_if_it_died(name, process, log_file)

    def start(self, timeout=90):
        nameko = str(Path(sys.executable).parent / "nameko")
        for name in SERVICES:
            self._spawn(name, [nameko, "run", "--config", str(NAMEKO_CONFIG), f"services.{name}.service"],
                        self._env(WEB_SERVER_ADDRESS=f"127.0.0.1:{self.service_ports[name]}"))
        self._spawn("gateway", [sys.executable, "-m", "services.gateway.app"], self._env(
            GATEWAY_ADDRESS=f"127.0.0.1:{self.gateway_port}",
            **{f"{name.upper()}_URL": f"http://127.0.0.1:{port}" for name, port in self.service_ports.items()},
        ))
        self.wait_healthy(timeout)
        return self

    def wait_healthy(self, timeout=90):
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            for name, process in self.processes.items():
                if process.poll() is not None:
                    raise StackError(f"{name} exited with {process.returncode}; see {self.log_dir / (name + '.log')}")
            try:
                answer = requests.get(self.base_url + "/health", timeout=2)
                if answer.status_code == 200:
                    return
                last = answer.text
            except requests.RequestException as exc:
                last = str(exc)
            time.sleep(0.3)
        raise StackError(f"the stack did not become healthy in {timeout} s: {last}")

    def _restart_if_it_died(self, name, process, log_file):
        status = process.wait()
        if self.stopping or name in self.held or self.processes.get(name) is not process:
            return
        self.restarts.append((name, status))
        log_file.write(f"localstack: {name} exited with status {status}; restarting it in 1 s\n".encode())
        log_file.flush()
        time.sleep(1)
        if not (self.stopping or name in self.held or self.processes.get(name) is not process):
            self._spawn(name, *self.commands[name])

    def kill(self, name, sig=signal.SIGKILL):
        """Kill one process the hard way (fault tests): no shutdown, no acks, no cleanup."""
        self.held.add(name)
        process = self.processes[name]
        os.killpg(process.pid, sig)
        process.wait(10)

    def respawn(self, name):
        command, env = self.commands[name]
        self.held.discard(name)
        self._spawn(name, command, env)

    def stop(self):
        self.stopping = True
        for process in self.processes.values():
            _stop(process)


def main():
    amqp_uri = os.environ.get("AMQP_URI", DEFAULT_AMQP_URI)
    var = ROOT / "var"
    var.mkdir(exist_ok=True)
    mongo = None
    try:
        ensure_rabbitmq(amqp_uri)
        mongodb_uri = os.environ.get("MONGODB_URI")
        if not mongodb_uri:
            port = int(os.environ.get("EMBEDDED_MONGO_PORT", "27027"))
            if port_open("127.0.0.1", port):
                raise StackError(f"port {port} is taken (another `make dev`?); set EMBEDDED_MONGO_PORT or MONGODB_URI.")
            mongo = EmbeddedMongo(var / "mongo", port=port, log_path=var / "secantusdb.log").start()
            mongodb_uri = mongo.uri()
            print(f"Embedded SecantusDB on {mongodb_uri} (data in var/mongo)", flush=True)
        gateway_port = int(os.environ.get("GATEWAY_PORT", "8000"))
        ports = {name: gateway_port + 1 + index for index, name in enumerate(SERVICES)}
        stack = ServiceStack(amqp_uri=amqp_uri, mongodb_uri=mongodb_uri, log_dir=var / "log",
                             gateway_port=gateway_port, service_ports=ports, echo=True, extra_env=DEV_TIMING)
        (var / "dev.env").write_text(f"MONGODB_URI={mongodb_uri}\nAMQP_URI={amqp_uri}\nBASE_URL={stack.base_url}\n")
        stack.start()
    except StackError as exc:
        print(f"make dev: {exc}", file=sys.stderr)
        if mongo:
            mongo.stop()
        sys.exit(2)
    print(f"\nirm-review is up: {stack.base_url}  (health: {stack.base_url}/health)\n"
          f"Create members, experts and tokens with `.venv/bin/irmctl --help`; `make demo` runs one case.\n"
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
