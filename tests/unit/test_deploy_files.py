"""The compose file wires what the services need (`make compose-config` runs docker-compose's own check)."""
import importlib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def test_compose_starts_every_service_after_healthy_dependencies():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert {"rabbitmq", "mongo", "intake", "review", "publication", "gateway"} <= set(services)
    assert "--replSet" in services["mongo"]["command"]
    for name in ("intake", "review", "publication"):
        service = services[name]
        assert service["command"] == ["nameko", "run", "--config", "deploy/nameko.yaml", f"services.{name}.service"] or \
            service["command"] == f"nameko run --config deploy/nameko.yaml services.{name}.service"
        importlib.import_module(f"services.{name}.service")
        assert {dep: cond["condition"] for dep, cond in service["depends_on"].items()} == {
            "rabbitmq": "service_healthy", "mongo": "service_healthy"}
        assert "healthcheck" in service
    assert set(services["gateway"]["depends_on"]) == {"intake", "review", "publication"}
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
