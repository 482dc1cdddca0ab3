"""Stopping a process this tooling started: its whole group, politely, then firmly."""
import os
import signal
import subprocess


def stop_process(process, timeout=10):
    """SIGTERM to the process group, SIGKILL after `timeout` s (`nameko run` may outlive SIGTERM)."""
    if process is None or process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(5)
