"""The compose file wires what the services need (`make compose-config` runs docker-compose's own check)."""
import importlib
import ipaddress
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from shared import forwarded, settings

ROOT = Path(__file__).resolve().parents[2]


def test_compose_starts_every_service_after_healthy_dependencies():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert {"rabbitmq", "mongo", "intake", "review", "publication", "web", "accounts", "mail", "gateway"} <= set(services)
    assert "--replSet" in services["mongo"]["command"]
    for name in ("intake", "review", "publication", "web", "accounts", "mail"):
        service = services[name]
        assert service["command"] == ["nameko", "run", "--config", "deploy/nameko.yaml", f"services.{name}.service"] or \
            service["command"] == f"nameko run --config deploy/nameko.yaml services.{name}.service"
        importlib.import_module(f"services.{name}.service")
        assert {dep: cond["condition"] for dep, cond in service["depends_on"].items()} == {
            "rabbitmq": "service_healthy", "mongo": "service_healthy"}
        assert "healthcheck" in service
    assert set(services["gateway"]["depends_on"]) == {"intake", "review", "publication", "web", "accounts"}
    assert all(v["condition"] == "service_healthy" for v in services["gateway"]["depends_on"].values())

# deploy/nameko.yaml itself: tests/unit/test_settings.py (generated from shared/settings.py).


def test_compose_keeps_the_log_key_on_a_named_volume():
    """A recreated publication container must sign with the same key, or every verifier breaks."""
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    publication = compose["services"]["publication"]
    key_file = Path(publication["environment"]["LOG_SIGNING_KEY_FILE"])
    mounts = {mount.split(":")[1]: mount.split(":")[0] for mount in publication["volumes"]}
    assert str(key_file.parent) in mounts and mounts[str(key_file.parent)] in compose["volumes"]
    assert publication["environment"]["MONGODB_URI"] == compose["services"]["review"]["environment"]["MONGODB_URI"]
    assert f"chown app:app {key_file.parent}" in (ROOT / "deploy" / "Dockerfile").read_text()


def ha_settings() -> dict:
    lines = (ROOT / "deploy" / "ha.env").read_text().splitlines()
    return dict(line.split("=", 1) for line in lines if line.strip() and not line.startswith("#"))


def test_compose_ha_profile_is_a_three_node_cluster_and_a_three_member_replica_set():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services, ha = compose["services"], ha_settings()
    assert ha["COMPOSE_PROFILES"] == "ha" and ha["QUEUE_TYPE"] == "quorum" and ha["RABBITMQ_CLUSTER_SIZE"] == "3"
    brokers = ["rabbitmq", "rabbitmq-2", "rabbitmq-3"]
    assert [services[name]["hostname"] for name in brokers] == brokers
    assert all(services[name]["profiles"] == ["ha"] for name in brokers[1:] + ["mongo-2", "mongo-3"])
    assert "profiles" not in services["rabbitmq"] and "profiles" not in services["mongo"]  # the default stack is unchanged
    # Each broker node is in AMQP_URI (failover) and in the nodes the extra ones join.
    assert ha["AMQP_URI"].split(";") == [f"amqp://guest:guest@{name}:5672/" for name in brokers]
    cluster_conf = (ROOT / "deploy" / "rabbitmq" / "cluster.conf").read_text()
    assert all(f"= rabbit@{name}\n" in cluster_conf for name in brokers)
    # The replica set's members are the mongo services, and the URI seeds all of them.
    members = ha["MONGO_REPLICA_SET_MEMBERS"].split(",")
    assert members == [f"{services[name]['hostname']}:27017" for name in ("mongo", "mongo-2", "mongo-3")]
    assert ha["MONGODB_URI"] == f"mongodb://{','.join(members)}/irm?replicaSet=rs0"
    # The services read these from the environment compose passes on.
    environment = services["review"]["environment"]
    assert {key: environment[key].split(":-")[0] for key in ("AMQP_URI", "QUEUE_TYPE", "MONGODB_URI")} == {
        key: "${" + key for key in ("AMQP_URI", "QUEUE_TYPE", "MONGODB_URI")}


def compose_commands() -> list:
    """Each compose at hand, as `make compose-config` would pick it: Docker's `docker compose` plugin,
    Debian's `docker-compose` (1.29). Neither needs a Docker engine to check a file."""
    found = []
    if shutil.which("docker") and subprocess.run(["docker", "compose", "version"], capture_output=True).returncode == 0:
        found.append(["docker", "compose"])
    if shutil.which("docker-compose"):
        found.append(["docker-compose"])
    return found


@pytest.fixture(scope="module")
def composes():
    found = compose_commands()
    if not found:
        reason = "no compose binary: apt-get install docker-compose"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)  # .ci/run installs it: in CI the check must run
        pytest.skip(reason)
    return found


# As `make compose-config` checks it: the default stack, the ha profile through its env file, the
# monitoring profile (compose v2 leaves a profile's services out of `config` unless it is on).
@pytest.mark.parametrize("options", [[], ["--env-file", "deploy/ha.env"], ["--profile", "monitoring"]],
                         ids=["default", "ha", "monitoring"])
def test_docker_compose_accepts_the_file_with_and_without_the_ha_profile(composes, options):
    for compose in composes:
        command = compose + options + ["-f", "docker-compose.yml", "config", "--quiet"]
        answer = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=60)
        assert answer.returncode == 0, f"{' '.join(command)}: {answer.stderr}"
        assert answer.stderr == "", f"{' '.join(command)} warns: {answer.stderr}"


def test_make_compose_config_checks_what_the_test_checks():
    makefile = (ROOT / "Makefile").read_text()
    target = makefile.split("\ncompose-config:", 1)[1].split("\n\n", 1)[0]
    for options in ("", "--env-file deploy/ha.env ", "--profile monitoring "):
        assert f"$(COMPOSE) {options}-f docker-compose.yml config --quiet" in target, options


def compose_default(value: str) -> str:
    """`${NAME:-default}` as compose reads it when NAME is not set: the default."""
    match = re.fullmatch(r"\$\{(\w+):-(.*)\}", value)
    assert match, f"{value!r} is not ${{NAME:-default}}"
    return match.group(2)


EDGE_SETTINGS = ("PUBLIC_BASE_URL", "TRUSTED_PROXIES")


def test_compose_gives_every_service_the_public_address_and_its_proxies():
    """Under compose the gateway and the pages post from the compose network: review and accounts must
    trust it, or every anonymous commenter (and sign-in) shares the gateway's one rate-limit bucket; links and
    HSTS need the public address in every service that makes them, the gateway included."""
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    behind_gateway = ("intake", "review", "publication", "web", "accounts", "mail")
    for name in behind_gateway:
        environment = services[name]["environment"]
        for setting in EDGE_SETTINGS:
            assert environment.get(setting, "").startswith("${" + setting + ":-"), (name, setting)
        assert compose_default(environment["PUBLIC_BASE_URL"]) == settings.default("PUBLIC_BASE_URL")
    gateway = services["gateway"]["environment"]
    assert gateway["PUBLIC_BASE_URL"] == services["review"]["environment"]["PUBLIC_BASE_URL"]
    # Each compose service gets every edge setting shared/settings.py says it reads (the gateway reads
    # PUBLIC_BASE_URL for HSTS; TRUSTED_PROXIES is read behind it, by review and accounts).
    for setting in EDGE_SETTINGS:
        for reader in settings.SETTINGS[setting].read_by:
            if reader in services:
                assert setting in services[reader]["environment"], (reader, setting)

    # TRUSTED_PROXIES' default covers the compose network's own fixed subnet, and loopback as before.
    subnets = [ipaddress.ip_network(pool["subnet"]) for pool in compose["networks"]["default"]["ipam"]["config"]]
    assert subnets
    trusted = forwarded.parse_networks(compose_default(services["review"]["environment"]["TRUSTED_PROXIES"]))
    for subnet in subnets:
        assert any(subnet.subnet_of(network) for network in trusted if network.version == subnet.version), subnet
    for network in forwarded.parse_networks(settings.default("TRUSTED_PROXIES")):
        assert network in trusted
    # Every service is on that network (none names networks of its own), so the gateway's and the pages'
    # addresses are in it.
    assert all("networks" not in service and service.get("network_mode") is None for service in services.values())
    # And the gateway's peer, as review sees it, is then no longer the client.
    gateway_address = str(next(subnets[0].hosts()) + 5)
    assert forwarded.client_address(gateway_address, "203.0.113.7", trusted) == "203.0.113.7"
