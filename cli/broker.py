"""The broker's public side, set up with rabbitmqctl: `irmctl broker public-user` and `make dev`."""
import shlex
import subprocess
from urllib.parse import unquote, urlparse

from shared.topology import public_user_commands


class BrokerSetupFailed(RuntimeError):
    pass


def vhost_of(amqp_uri: str) -> str:
    path = urlparse(amqp_uri).path
    return unquote(path[1:]) if len(path) > 1 else "/"


def create_public_user(vhost: str = "/", password: str = "irm-public", progress=None) -> None:
    """Create (or update) the public feed's read-only account on `vhost`; idempotent."""
    for command in public_user_commands(vhost, password):
        done = subprocess.run(command, capture_output=True, text=True, timeout=120)
        if done.returncode != 0 and not (command[1] == "add_user" and "already exists" in done.stderr + done.stdout):
            raise BrokerSetupFailed(f"{shlex.join(command)} failed: {done.stderr.strip() or done.stdout.strip()}")
        if progress:
            progress(command)
