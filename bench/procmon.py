"""CPU seconds and RSS of each process the benchmark cares about, sampled every 0.5 s.

A process's figures include its children (none of ours fork, but a wrapper might).
CPU is user + system time; per phase it is the difference between two snapshots.
"""
import threading
import time

import psutil


def _tree(pid):
    try:
        root = psutil.Process(pid)
        return [root] + root.children(recursive=True)
    except psutil.Error:
        return []


def _measure(pid):
    cpu = rss = 0.0
    alive = False
    for process in _tree(pid):
        try:
            with process.oneshot():
                times = process.cpu_times()
                cpu += times.user + times.system
                rss += process.memory_info().rss
            alive = True
        except psutil.Error:
            pass
    return alive, cpu, rss


class ProcessMonitor:
    def __init__(self, interval=0.5):
        self.interval = interval
        self.pids = {}  # name -> pid
        self.peak_rss = {}
        self.last = {}  # name -> (cpu, rss)
        self.samples = 0
        self.phases = {}  # phase -> {name: cpu seconds}
        self._open = {}  # phase -> (wall start, {name: cpu at start})
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = None

    def watch(self, name, pid):
        with self._lock:
            self.pids[name] = pid
        self._sample_one(name, pid)

    def forget(self, name):
        with self._lock:
            self.pids.pop(name, None)

    def start(self):
        self._thread = threading.Thread(target=self._loop, name="procmon", daemon=True)
        self._thread.start()
        return self

    def stop(self):
        self._stop.set()
        if self._thread:
            self._thread.join(5)

    def _loop(self):
        while not self._stop.wait(self.interval):
            self.sample()

    def _sample_one(self, name, pid):
        alive, cpu, rss = _measure(pid)
        if not alive:
            return
        with self._lock:
            self.last[name] = (cpu, rss)
            self.peak_rss[name] = max(self.peak_rss.get(name, 0.0), rss)

    def sample(self):
        with self._lock:
            pids = dict(self.pids)
        for name, pid in pids.items():
            self._sample_one(name, pid)
        self.samples += 1

    def cpu_now(self):
        self.sample()
        with self._lock:
            return {name: cpu for name, (cpu, _) in self.last.items() if name in self.pids}

    def begin(self, phase):
        self._open[phase] = (time.monotonic(), self.cpu_now())

    def end(self, phase):
        started, before = self._open.pop(phase)
        after = self.cpu_now()
        wall = time.monotonic() - started
        cpu = {name: round(after[name] - before.get(name, after[name]), 3) for name in after if name in before}
        self.phases[phase] = {"wall_s": round(wall, 3), "cpu_s": cpu,
                              "cpu_share_of_one_core": {n: round(c / wall, 3) if wall else None for n, c in cpu.items()}}
        return self.phases[phase]

    def rss_mb(self):
        with self._lock:
            return {name: round(rss / 2**20, 1) for name, (_, rss) in self.last.items()}

    def peak_rss_mb(self):
        with self._lock:
            return {name: round(rss / 2**20, 1) for name, rss in self.peak_rss.items()}


def find_rabbitmq_pid():
    """The local broker's Erlang VM, watched (read-only) for its CPU; None if not found."""
    for process in psutil.process_iter(["name", "cmdline"]):
        try:
            if process.info["name"] == "beam.smp" and "rabbit" in " ".join(process.info["cmdline"] or []):
                return process.pid
        except psutil.Error:
            continue
    return None
