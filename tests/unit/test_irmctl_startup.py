"""irmctl answers --help and its offline commands without loading the database, broker,
service or spreadsheet code: each call used to take ~1.1 s importing all of it."""
import subprocess
import sys

# What only the commands that talk to a database, a broker or a spreadsheet need.
HEAVY = ("pymongo", "mongoengine", "kombu", "pika", "nameko", "eventlet", "openpyxl", "requests")

PROBE = """
import sys
from cli import irmctl
try:
    irmctl.main({argv!r})
except SystemExit:
    pass
print("LOADED:" + ",".join(sorted(name for name in {heavy!r} if name in sys.modules)))
"""


def loaded_by(argv) -> list:
    run = subprocess.run([sys.executable, "-c", PROBE.format(argv=argv, heavy=HEAVY)], capture_output=True, text=True,
                         timeout=60, check=True)
    line = run.stdout.strip().splitlines()[-1]
    assert line.startswith("LOADED:"), run.stdout
    return [name for name in line.removeprefix("LOADED:").split(",") if name]


def test_help_loads_nothing_heavy():
    assert loaded_by(["--help"]) == []


def test_a_key_is_made_without_the_database_or_the_broker():
    assert loaded_by(["log", "keygen", "--origin", "irm-review.test/audit-log"]) == []
