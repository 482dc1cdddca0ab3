"""deploy/prometheus/: the alert rules are valid, each alert fires and stays quiet when it should
(alerts_test.yaml), and the scrape config is valid. Needs `promtool` (Debian's `prometheus`
package; .ci/run installs it): skipped locally without it, failed in CI."""
import glob
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from devtools.stack import SERVICES

ROOT = Path(__file__).resolve().parents[2]
PROMETHEUS = ROOT / "deploy" / "prometheus"


@pytest.fixture(scope="module")
def promtool():
    path = shutil.which("promtool")
    if path is None:
        reason = "promtool is missing: apt-get install prometheus"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    return path


def run(promtool, *args):
    done = subprocess.run([promtool, *args], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_the_rule_files_are_valid(promtool):
    files = sorted(glob.glob(str(PROMETHEUS / "*.yml")))
    assert files, "no rule files in deploy/prometheus"
    run(promtool, "check", "rules", *files)


def test_each_alert_fires_and_stays_quiet_as_its_tests_say(promtool):
    run(promtool, "test", "rules", str(PROMETHEUS / "alerts_test.yaml"))


def processes() -> set:
    """Every process of ours compose runs: the services it builds from deploy/Dockerfile (the gateway
    among them), which are also the ones `make dev` starts (devtools/stack.py SERVICES, and the gateway)."""
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    built = {name for name, service in services.items() if service.get("build", {}).get("dockerfile") == "deploy/Dockerfile"}
    assert built == set(SERVICES) | {"gateway"}, "docker-compose.yml and devtools/stack.py disagree on the processes"
    return built


def scrape_jobs() -> dict:
    config = yaml.safe_load((PROMETHEUS / "prometheus.yaml").read_text())
    return {job["job_name"]: [target for static in job["static_configs"] for target in static["targets"]]
            for job in config["scrape_configs"]}


def test_the_scrape_config_is_valid(promtool):
    run(promtool, "check", "config", str(PROMETHEUS / "prometheus.yaml"))


def test_the_scrape_config_scrapes_every_process_on_its_own_port():
    # Each serves /metrics on the port it listens on in compose (WEB_SERVER_ADDRESS, GATEWAY_ADDRESS: 8000).
    assert scrape_jobs() == {name: [f"{name}:8000"] for name in processes()}


def test_service_down_watches_every_scraped_job():
    rules = yaml.safe_load((PROMETHEUS / "alerts.yml").read_text())["groups"][0]["rules"]
    expr = next(rule["expr"] for rule in rules if rule.get("alert") == "ServiceDown")
    matcher = re.fullmatch(r'up(?:\{job=~"([^"]+)"\})? == 0', expr.strip())
    assert matcher, f"ServiceDown is not a plain `up == 0` (optionally by job): {expr}"
    if matcher.group(1):  # a job list: it must match every job
        assert all(re.fullmatch(matcher.group(1), job) for job in scrape_jobs()), expr
    # ...and its unit tests show a process outside the review's four services firing it.
    tests = (PROMETHEUS / "alerts_test.yaml").read_text()
    assert all(f'up{{job="{job}"' in tests for job in ("accounts", "mail", "web"))


def test_every_metric_an_alert_uses_is_one_the_code_exposes():
    rules = (PROMETHEUS / "alerts.yml").read_text()
    used = set(re.findall(r"\birm_[a-z_]+", rules))
    sources = "".join(path.read_text() for path in [ROOT / "shared" / "metrics.py", *ROOT.glob("services/*/metrics.py")])
    # Counters are declared without `_total`: prometheus-client appends it.
    defined = {name + suffix for name in re.findall(r'"(irm_[a-z_]+)"', sources) for suffix in ("", "_total")}
    assert used and used <= defined, used - defined
    alerts = set(re.findall(r"- alert: (\w+)", rules))
    tested = set(re.findall(r"alertname: (\w+)", (PROMETHEUS / "alerts_test.yaml").read_text()))
    assert alerts == tested == {"ServiceDown", "OutboxStuck", "DeadLetters", "CheckpointStale", "HighErrorRate", "MailParked"}


def test_compose_runs_prometheus_only_with_the_monitoring_profile():
    prometheus = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]["prometheus"]
    assert prometheus["profiles"] == ["monitoring"]
    assert "./deploy/prometheus:/etc/prometheus:ro" in prometheus["volumes"]
    assert "--config.file=/etc/prometheus/prometheus.yaml" in prometheus["command"]


def test_readme_names_every_alert_and_every_scraped_job():
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Metrics and alerts", 1)[1].split("\n## ", 1)[0]
    alerts = re.findall(r"- alert: (\w+)", (PROMETHEUS / "alerts.yml").read_text())
    assert all(f"| `{alert}` |" in section for alert in alerts), [a for a in alerts if f"| `{a}` |" not in section]
    scraped = section.split("`prometheus.yaml` scrapes", 1)[1].split("on port 8000", 1)[0]
    assert set(re.findall(r"`([a-z]+)`", scraped)) == set(scrape_jobs())
    assert "all four" not in section and "three services" not in (ROOT / "docker-compose.yml").read_text()
