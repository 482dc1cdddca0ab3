"""CPU seconds and RSS of each process the benchmark cares about, sampled every 0.5 s.

A process's figures include its children (none of the services fork, but a wrapper might);
the benchmark's own process counts only its wrk children, not the services it started.
CPU is user + system time (plus that of children already ended); per phase it is the
difference between two snapshots. RSS is summed over the live processes of the tree.
"""
import threading
import time

import psutil


def _tree(pid, only_children_named=None):
    try:
        root = psutil.Process(pid)
        children = root.children(recursive=True)
    except psutil.Error:
        return []
    if only_children_named is not None:
        kept = []
        for child in children:
            try:
                if child.name() in only_children_named:
                    kept.append(child)
            except psutil.Error:
                pass
        children = kept
    return [root] + children


def _measure(pid, only_children_named=None):
    cpu = rss = 0.0
    alive = False
    for process in _tree(pid, only_children_named):
        try:
            with process.oneshot():
                times = process.cpu_times()
                cpu += times.user + times.system
                if process.pid == pid:  # children that ended and were waited for (e.g. each wrk run)
                    cpu += times.children_user + times.children_system
                rss += process.memory_info().rss
            alive = True
        except psutil.Error:
            pass
    return alive, cpu, rss


class ProcessMonitor:
    def __init__(self, interval=0.5):
        self.interval = interval
        self.pids = {}  # name -> pid
        self.child_filter = {}  # name -> names of the children that count (None: all of them)
        self.peak_rss = {}
        self.last = {}  # name -> (cpu, rss)
        self.samples = 0
        self.phases = {}  # phase -> {name: cpu seconds}
        self._open = {}  # phase -> (wall start, {name: cpu at start})
        self._phase_peaks = {}  # phase -> {name: peak RSS in bytes while the phase ran}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = None

    def watch(self, name, pid, only_children_named=None):
        """Watch `pid` and its children (or only those children named in `only_children_named`:
        the benchmark's own process counts wrk, not the services it started)."""
        with self._lock:
            self.pids[name] = pid
            self.child_filter[name] = only_children_named
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
        alive, cpu, rss = _measure(pid, self.child_filter.get(name))
        if not alive:
            return
        with self._lock:
            self.last[name] = (cpu, rss)
            self.peak_rss[name] = max(self.peak_rss.get(name, 0.0), rss)
            for peaks in self._phase_peaks.values():
                peaks[name] = max(peaks.get(name, 0.0), rss)

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
        with self._lock:
            self._phase_peaks[phase] = {}
        self._open[phase] = (time.monotonic(), self.cpu_now())

    def end(self, phase):
        started, before = self._open.pop(phase)
        after = self.cpu_now()
        wall = time.monotonic() - started
        cpu = {name: round(after[name] - before.get(name, after[name]), 3) for name in after if name in before}
        with self._lock:
            peaks = self._phase_peaks.pop(phase, {})
        self.phases[phase] = {"wall_s": round(wall, 3), "cpu_s": cpu,
                              "cpu_share_of_one_core": {n: round(c / wall, 3) if wall else None for n, c in cpu.items()},
                              "peak_rss_mb": {n: round(v / 2**20, 1) for n, v in peaks.items()}}
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
