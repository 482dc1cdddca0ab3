"""A three-node RabbitMQ cluster on this machine, from the installed RabbitMQ, for the fault
test's cluster mode and for trying QUEUE_TYPE=quorum by hand:

    python -m devtools.rabbitmq_cluster start     # prints AMQP_URI for the three nodes
    python -m devtools.rabbitmq_cluster status
    python -m devtools.rabbitmq_cluster stop      # stops the nodes and deletes their data

Each node has its own name (`irm-cluster-<port>@localhost`), AMQP and distribution ports, config
file, data (mnesia) and log directories, owned by the `rabbitmq` user; nodes 2 and 3 join
node 1 with `rabbitmqctl join_cluster`. The system broker `rabbit@localhost` (the one every
other test uses) is never addressed: every rabbitmqctl call here names its node, and a node
named like the system one is refused. /etc/rabbitmq/rabbitmq.conf pins the system node's
listener to 5672, so each node reads a config file of its own (see /work/shared/STACK.md).
"""
import argparse
import json
import os
import pwd
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from devtools.errors import StackError
from devtools.ports import port_open
from shared import settings

SYSTEM_NODE = "rabbit@localhost"
DEFAULT_DIR = Path(settings.env("IRM_CLUSTER_DIR"))
DEFAULT_BASE_PORT = 5701  # AMQP 5701-5703; Erlang distribution 25701-25703


@dataclass(frozen=True)
class Node:
    index: int
    base_dir: Path
    base_port: int

    @property
    def name(self) -> str:
        return f"irm-cluster-{self.port}@localhost"  # by port: two clusters on other ports never share a name

    @property
    def port(self) -> int:
        return self.base_port + self.index - 1

    @property
    def dist_port(self) -> int:
        return self.port + 20000

    @property
    def home(self) -> Path:
        return self.base_dir / f"node{self.index}"

    @property
    def pid_file(self) -> Path:
        return self.home / "rabbit.pid"

    @property
    def amqp_uri(self) -> str:
        return f"amqp://guest:guest@127.0.0.1:{self.port}/"

    def env(self) -> dict:
        """The node's own everything. RABBITMQ_CONF_ENV_FILE replaces /etc/rabbitmq/rabbitmq-env.conf,
        whose NODENAME would otherwise name the system node."""
        env = dict(os.environ)
        env.update({
            "RABBITMQ_NODENAME": self.name, "RABBITMQ_NODE_PORT": str(self.port), "RABBITMQ_DIST_PORT": str(self.dist_port),
            "RABBITMQ_CONFIG_FILE": str(self.home / "rabbitmq.conf"),
            "RABBITMQ_ADVANCED_CONFIG_FILE": str(self.home / "advanced.config"),
            "RABBITMQ_CONF_ENV_FILE": str(self.home / "rabbitmq-env.conf"),
            "RABBITMQ_MNESIA_BASE": str(self.home / "mnesia"), "RABBITMQ_LOG_BASE": str(self.home / "log"),
            "RABBITMQ_PID_FILE": str(self.pid_file), "RABBITMQ_ENABLED_PLUGINS_FILE": str(self.home / "enabled_plugins"),
        })
        return env


class Cluster:
    def __init__(self, base_dir=DEFAULT_DIR, size=3, base_port=DEFAULT_BASE_PORT):
        self.base_dir = Path(base_dir)
        self.nodes = [Node(index, self.base_dir, base_port) for index in range(1, size + 1)]
        for node in self.nodes:
            if node.name == SYSTEM_NODE:
                raise ValueError("the cluster never uses the system node")

    @property
    def amqp_uri(self) -> str:
        """Every node, for kombu's failover (`;`-separated): a client moves on when its node goes."""
        return ";".join(node.amqp_uri for node in self.nodes)

    # --- one node ---------------------------------------------------------------------------
    def _prepare(self, node: Node) -> None:
        for sub in ("mnesia", "log"):
            (node.home / sub).mkdir(parents=True, exist_ok=True)
        (node.home / "rabbitmq.conf").write_text(
            f"listeners.tcp.local = 127.0.0.1:{node.port}\n"
            "loopback_users.guest = true\n"
            # Small machine, three nodes: never block publishers for disk space on a test box.
            "disk_free_limit.absolute = 50MB\n")
        (node.home / "rabbitmq-env.conf").write_text(
            f"NODENAME={node.name}\nERL_EPMD_ADDRESS=127.0.0.1\n"
            'export ERL_FLAGS="-kernel inet_dist_use_interface {127,0,0,1}"\n')
        (node.home / "enabled_plugins").write_text("[].\n")
        owner = pwd.getpwnam("rabbitmq")
        for path in [self.base_dir, *self.base_dir.rglob("*")]:
            os.chown(path, owner.pw_uid, owner.pw_gid)

    def ctl(self, node: Node, *args, check=True, timeout=120) -> subprocess.CompletedProcess:
        assert node.name != SYSTEM_NODE
        return subprocess.run(["rabbitmqctl", "-n", node.name, *args], env=node.env(), capture_output=True, text=True,
                              check=check, timeout=timeout)

    def start_node(self, node: Node) -> None:
        """Start one node (again: after a kill it comes back with its data and rejoins)."""
        self._prepare(node)
        node.pid_file.unlink(missing_ok=True)  # `wait` must not read a dead VM's pid
        subprocess.run(["rabbitmq-server", "-detached"], env=node.env(), check=True, capture_output=True, timeout=60)
        # `wait` (not await_startup, which fails until the node has registered): for the pid file, then the app.
        self.ctl(node, "wait", str(node.pid_file), "--timeout", "120", timeout=150)
        deadline = time.monotonic() + 60
        while not port_open("127.0.0.1", node.port):
            if time.monotonic() > deadline:
                raise StackError(f"{node.name} does not listen on {node.port}; see {node.home / 'log'}")
            time.sleep(0.2)

    def kill_node(self, node: Node) -> int:
        """kill -9 the node's Erlang VM: no shutdown, no goodbye to its peers."""
        pid = int(node.pid_file.read_text().strip())
        os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 30
        while _alive(pid):
            if time.monotonic() > deadline:
                raise StackError(f"{node.name} (pid {pid}) survived SIGKILL")
            time.sleep(0.1)
        return pid

    # --- the cluster ------------------------------------------------------------------------
    def start(self) -> "Cluster":
        if shutil.which("rabbitmq-server") is None:
            raise StackError("RabbitMQ is not installed (Debian: apt-get install rabbitmq-server)")
        for node in self.nodes:
            if port_open("127.0.0.1", node.port):
                raise StackError(f"port {node.port} is taken: is a cluster running? (`python -m devtools.rabbitmq_cluster stop`)")
        first, *others = self.nodes
        try:
            self.start_node(first)
            for node in others:
                self.start_node(node)
                self.ctl(node, "stop_app")
                self.ctl(node, "join_cluster", first.name)
                self.ctl(node, "start_app")
                self.ctl(node, "await_startup", "--timeout", "120", timeout=150)
            running = self.running_nodes()
            if sorted(running) != sorted(node.name for node in self.nodes):
                raise StackError(f"the cluster has {running}, not all {len(self.nodes)} nodes")
        except BaseException:
            self.stop()  # what was started here, and only that: the ports were free
            raise
        return self

    def running_nodes(self) -> list:
        for node in self.nodes:
            answer = self.ctl(node, "cluster_status", "--formatter", "json", check=False, timeout=60)
            if answer.returncode == 0:
                return json.loads(answer.stdout).get("running_nodes", [])
        return []

    def stop(self, clean=True) -> None:
        """Stop every node (killing one that does not stop), then delete their data and logs."""
        for node in reversed(self.nodes):
            if node.pid_file.exists():
                if self.ctl(node, "stop", check=False, timeout=60).returncode != 0:
                    try:
                        self.kill_node(node)
                    except (OSError, ValueError, StackError):
                        pass
        if clean:
            shutil.rmtree(self.base_dir, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A killed child of ours stays a zombie until reaped; the node is a daemon, not our child.
    return Path(f"/proc/{pid}").exists() and "zombie" not in Path(f"/proc/{pid}/status").read_text().lower()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devtools.rabbitmq_cluster", description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=("start", "stop", "status"))
    parser.add_argument("--dir", default=str(DEFAULT_DIR), help="the nodes' data, logs and config (default %(default)s)")
    parser.add_argument("--base-port", type=int, default=DEFAULT_BASE_PORT, help="node 1's AMQP port (default %(default)s)")
    args = parser.parse_args(argv)
    cluster = Cluster(args.dir, base_port=args.base_port)
    if args.command == "start":
        cluster.start()
        print(f"three-node cluster running: {', '.join(n.name for n in cluster.nodes)}")
        print(f"AMQP_URI='{cluster.amqp_uri}' QUEUE_TYPE=quorum")
    elif args.command == "status":
        print("running nodes:", cluster.running_nodes() or "none")
    else:
        cluster.stop()
        print("cluster stopped; data removed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
