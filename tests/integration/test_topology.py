import json
import shutil
import subprocess
import time
import uuid

import pytest

from shared import topology

pytestmark = pytest.mark.integration


@pytest.mark.skipif(not shutil.which("rabbitmqctl"), reason="needs the local broker's rabbitmqctl")
def test_the_definitions_import_into_rabbitmq(tmp_path):
    vhost = f"irm-defs-{uuid.uuid4().hex[:8]}"
    path = tmp_path / "definitions.json"
    path.write_text(json.dumps(topology.definitions(vhost)))
    try:
        # Through stdin: rabbitmqctl may run as the broker's user, who cannot read our temp files.
        subprocess.run(["rabbitmqctl", "import_definitions"], input=path.read_bytes(), check=True, capture_output=True, timeout=60)
        expected = {q["name"] for q in topology.definitions(vhost)["queues"]}
        queues, deadline = set(), time.monotonic() + 30
        while queues != expected and time.monotonic() < deadline:  # the import is asynchronous
            time.sleep(0.5)
            listed = subprocess.run(["rabbitmqctl", "list_queues", "-p", vhost, "name", "--quiet", "--formatter", "json"],
                                    capture_output=True, text=True, timeout=60)
            if listed.returncode == 0 and listed.stdout.strip():
                queues = {q["name"] for q in json.loads(listed.stdout)}
        assert queues == expected
    finally:
        subprocess.run(["rabbitmqctl", "delete_vhost", vhost], capture_output=True, timeout=60)
