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


def test_the_scrape_config_is_valid_and_scrapes_every_process(promtool):
    run(promtool, "check", "config", str(PROMETHEUS / "prometheus.yaml"))
    config = (PROMETHEUS / "prometheus.yaml").read_text()
    for job in ("gateway", "intake", "review", "publication", "accounts", "mail"):
        assert f"job_name: {job}" in config and f'"{job}:8000"' in config


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
    import yaml

    prometheus = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]["prometheus"]
    assert prometheus["profiles"] == ["monitoring"]
    assert "./deploy/prometheus:/etc/prometheus:ro" in prometheus["volumes"]
    assert "--config.file=/etc/prometheus/prometheus.yaml" in prometheus["command"]
