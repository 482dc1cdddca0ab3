"""The whole stack as processes on this machine, without Docker, for `make dev`, the e2e and
fault tests and `make bench`: `nameko run` for each service (deploy/nameko.yaml, as compose
does) and the gateway in front, restarted when one exits on its own as compose's restart
policy does."""
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import quote, urlparse

import requests

from cli.broker import BrokerSetupFailed, create_public_user, vhost_of
from devtools.errors import StackError
from devtools.ports import free_port
from devtools.processes import stop_process
from shared import settings

ROOT = Path(__file__).resolve().parent.parent
NAMEKO_CONFIG = ROOT / "deploy" / "nameko.yaml"
BEHIND_GATEWAY = ("intake", "review", "publication", "web", "accounts")  # the services with HTTP routes of their own
SERVICES = BEHIND_GATEWAY + ("mail",)  # mail: events in, SMTP out (SMTP_URL)
# `make dev` runs a whole review in minutes, not weeks: short comment windows unless the
# environment says otherwise. Production keeps deploy/nameko.yaml's defaults (14 days).
# (Settings: shared/settings.py; these reach the services through deploy/nameko.yaml.)
DEV_DEFAULTS = {"GOVERNMENT_REVIEW_SECONDS": "3", "PUBLIC_COMMENT_SECONDS": "3", "PUBLIC_COMMENT_MIN_SECONDS": "3",
                "LOG_CHECKPOINT_SECONDS": "2"}


def dev_settings(environ) -> dict:
    """make dev's own values, for those the environment does not set."""
    return {key: value for key, value in DEV_DEFAULTS.items() if not environ.get(key)}


def provision_public_feed(amqp_uri) -> str:
    """The public live feed's account on the stack's vhost, so `irm follow` works at once.

    Only a broker on this machine can be set up here (rabbitmqctl talks to the local node);
    for another, say what to run. Returns what was done, for the start-up message.
    """
    vhost = vhost_of(amqp_uri)
    if urlparse(amqp_uri).hostname not in ("127.0.0.1", "localhost") or not shutil.which("rabbitmqctl"):
        return f"public feed: run `irmctl broker public-user --vhost {vhost}` on the broker's machine"
    try:
        create_public_user(vhost)
    except (BrokerSetupFailed, OSError, subprocess.SubprocessError) as exc:
        return f"public feed: account not created ({exc}); run `irmctl broker public-user --vhost {vhost}`"
    return f"public feed: `irm follow --amqp amqp://irm-public:irm-public@127.0.0.1:5672/{quote(vhost, safe='')}`"


def instance_name(service: str, number: int) -> str:
    """`review` for the first instance, `review-2`, `review-3`... for more."""
    return service if number == 1 else f"{service}-{number}"


def _healthy(url) -> bool:
    try:
        return requests.get(url, timeout=2).status_code == 200
    except requests.RequestException:
        return False


class ServiceStack:
    """intake, review, publication, web, accounts, mail and the gateway, as separate processes; `instances` of each
    service (their own ports), the gateway sending each service's requests to its instances
    in turn (services/gateway/upstreams.py).

    Like a process manager (docker compose's `restart: unless-stopped`), it restarts a process
    that exits on its own: nameko stops a whole service when, for example, a worker's ack
    meets a broker connection that was just reset. A process stopped on purpose (`kill`,
    `stop`) stays stopped until `respawn`.
    """

    def __init__(self, *, amqp_uri, mongodb_uri, log_dir, gateway_port=8000, service_ports=None, echo=False, extra_env=None,
                 instances=1, public_feed=True):
        self.amqp_uri = amqp_uri
        self.mongodb_uri = mongodb_uri
        self.log_dir = Path(log_dir)
        self.gateway_port = gateway_port
        self.instances = instances
        # Off for a broker this tooling must not configure with the local rabbitmqctl (a test cluster).
        self.provision_public_feed = public_feed
        # Keyed by process name: `review`, and `review-2`... when there are more instances.
        self.service_ports = dict(service_ports or {})
        for service in SERVICES:
            for number in range(1, instances + 1):
                self.service_ports.setdefault(instance_name(service, number), free_port())
        self.echo = echo
        self.extra_env = extra_env or {}
        self.processes = {}
        self.public_feed = None  # what start() did about the public feed's account
        self.commands = {}
        self.held = set()  # stopped on purpose: not restarted
        self.stopping = False
        # One decision at a time about who runs under a name (an automatic restart, a test's
        # respawn, stop), and every process ever started, so that stop() leaves none behind: a
        # process left running would consume the next stack's events from the same vhost.
        self.lock = threading.RLock()
        self.spawned = []
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
        # Without echo, each process writes its log file itself: copying every line through a pipe here cost the
        # test process more CPU than any service (py-spy on the fault test: 71% of its samples in the copy, on
        # 2 cores the stack shares), and the fault test's time is the machine's CPU.
        with self.lock:
            process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE if self.echo else log_file,
                                       stderr=subprocess.STDOUT, start_new_session=True)
            self.processes[name] = process
            self.spawned.append(process)
        threading.Thread(target=self._pump if self.echo else self._restart_if_it_died, args=(name, process, log_file),
                         daemon=True).start()

    def _pump(self, name, process, log_file):
        """`make dev`: every line in the log file and on this terminal, with its process's name."""
        for line in process.stdout:
            log_file.write(line)
            log_file.flush()
            sys.stdout.write(f"{name:<12}| {line.decode('utf-8', 'replace')}")
            sys.stdout.flush()
        self._restart_if_it_died(name, process, log_file)

    def instance_names(self, service) -> list:
        return [instance_name(service, number) for number in range(1, self.instances + 1)]

    def _verifier_key(self, env) -> str:
        """The verifier key of the key publication will sign with, for the pages to show and check
        against (LOG_VERIFIER_KEY): the key is made here, as publication would make it on its first
        start, when neither LOG_SIGNING_KEY nor its file gives one yet."""
        from services.publication.transparency_log import load_signing_key  # only this command needs it

        config = {name: env.get(name) for name in ("LOG_SIGNING_KEY", "LOG_SIGNING_KEY_FILE", "LOG_ORIGIN")}
        key_file = Path(config["LOG_SIGNING_KEY_FILE"] or settings.default("LOG_SIGNING_KEY_FILE"))
        config["LOG_SIGNING_KEY_FILE"] = str(key_file if key_file.is_absolute() else ROOT / key_file)  # the services' cwd
        return str(load_signing_key(config).verifier)

    def _session_secret(self, env) -> None:
        """The session secret every service checks CSRF tokens with: made here (var/session.key, as a
        service would make it on its first start) so that the services, started at once, share one."""
        from shared.session_auth import load_session_secret

        key_file = Path(env.get("SESSION_SECRET_FILE") or settings.default("SESSION_SECRET_FILE"))
        load_session_secret({"SESSION_SECRET": env.get("SESSION_SECRET"),
                             "SESSION_SECRET_FILE": str(key_file if key_file.is_absolute() else ROOT / key_file)})

    def start(self, timeout=90):
        if not self._env().get("LOG_VERIFIER_KEY"):
            self.extra_env = {**self.extra_env, "LOG_VERIFIER_KEY": self._verifier_key(self._env())}
        self._session_secret(self._env())
        self.public_feed = (provision_public_feed(self.amqp_uri) if self.provision_public_feed
                            else "public feed: not provisioned on this broker")
        nameko = str(Path(sys.executable).parent / "nameko")
        # Where each service's instances are: the gateway's upstreams, and review's, accounts' and intake's for the pages' forms.
        urls = {f"{service.upper()}_URL": ",".join(f"http://127.0.0.1:{self.service_ports[name]}"
                                                   for name in self.instance_names(service)) for service in BEHIND_GATEWAY}
        for service in SERVICES:
            for name in self.instance_names(service):
                self._spawn(name, [nameko, "run", "--config", str(NAMEKO_CONFIG), f"services.{service}.service"],
                            self._env(WEB_SERVER_ADDRESS=f"127.0.0.1:{self.service_ports[name]}", REVIEW_URL=urls["REVIEW_URL"],
                                      ACCOUNTS_URL=urls["ACCOUNTS_URL"], INTAKE_URL=urls["INTAKE_URL"]))
        self._spawn("gateway", [sys.executable, "-m", "services.gateway.app"], self._env(
            GATEWAY_ADDRESS=f"127.0.0.1:{self.gateway_port}", **urls))
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
                # The gateway is healthy once one instance of each service is: wait for every one.
                waiting = [name for name, port in self.service_ports.items() if name in self.processes
                           and not _healthy(f"http://127.0.0.1:{port}/health")]
                if answer.status_code == 200 and not waiting:
                    return
                last = answer.text if answer.status_code != 200 else f"waiting for {', '.join(waiting)}"
            except requests.RequestException as exc:
                last = str(exc)
            time.sleep(0.3)
        raise StackError(f"the stack did not become healthy in {timeout} s: {last}")

    def _restart_if_it_died(self, name, process, log_file):
        # Polled rather than wait(): under eventlet (the tests), a waiting thread polls waitpid 100 times a second.
        while (status := process.poll()) is None:
            time.sleep(0.25)
        with self.lock:
            if self.stopping or name in self.held or self.processes.get(name) is not process:
                return
            self.restarts.append((name, status))
        log_file.write(f"stack: {name} exited with status {status}; restarting it in 1 s\n".encode())
        log_file.flush()
        time.sleep(1)
        with self.lock:  # a respawn or stop meanwhile decided otherwise
            if not (self.stopping or name in self.held or self.processes.get(name) is not process):
                self._spawn(name, *self.commands[name])

    def kill(self, name, sig=signal.SIGKILL):
        """Kill one process the hard way (fault tests): no shutdown, no acks, no cleanup."""
        with self.lock:
            self.held.add(name)
            process = self.processes[name]
        os.killpg(process.pid, sig)
        process.wait(10)

    def respawn(self, name, **changes):
        """Start a process stopped by `kill` again; `changes` (environment variables) apply from this start on."""
        with self.lock:
            command, env = self.commands[name]
            self.held.discard(name)
            if self.processes[name].poll() is None:
                if changes:
                    raise StackError(f"{name} is running: kill it before respawning it with other settings")
                return  # already running again
            self._spawn(name, command, {**env, **changes})

    def stop(self):
        with self.lock:
            self.stopping = True
            running = list(self.spawned)
        for process in running:
            stop_process(process)


