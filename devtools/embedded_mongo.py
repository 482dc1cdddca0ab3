"""SecantusDB, a MongoDB-compatible server, as a process of its own for development and tests."""
import shutil
import subprocess
import sys
import time
from pathlib import Path

from devtools.errors import StackError
from devtools.ports import free_port, port_open
from devtools.processes import stop_process


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
        stop_process(self.process)
