"""The findings list over HTTP, on publication under `nameko run`.

    .venv/bin/python -m bench.list_http [--findings 70] [--seconds 5] [--connections 10]

Starts what `make bench` starts (bench/infra.py: a throwaway RabbitMQ vhost, an embedded
SecantusDB), stores `--findings` findings (bench/findings_seed.py), and runs
publication with deploy/nameko.yaml (max_workers 10, LOG_LEVEL INFO as in the stack) and
loads `GET /api/v1/findings` with wrk (bench/loadgen.py):

`services.publication.service` as it is (the fix of bench/FINDINGS.md is in it since; the
prototype variants it was measured with are gone, their figures stay in FINDINGS.md).

Measured: the list at `--connections` (200 answers), with If-None-Match (304), at 1
connection, and 40 sequential requests to distinct URLs (`?limit=1..20`, with and without
`&all_versions=false`: every one a cache miss, every body under 16 KiB); during the 200 run, SecantusDB's and the service's CPU and the service's
open connections to SecantusDB. The trivial nameko endpoint (bench/trivial_service.py) is
measured the same way first. See bench/FINDINGS.md.
"""
import argparse
import io
import json
import os
import pstats
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil
import requests

from bench import findings_seed
from bench.infra import Infrastructure, new_tag
from bench.limits import TrivialNameko
from bench.loadgen import LoadGenerator, ensure_wrk
from devtools.ports import free_port
from devtools.processes import stop_process
from devtools.stack import NAMEKO_CONFIG, ROOT
from services.publication import documents
from shared.persistence import mongo

LIST = "/api/v1/findings"
VARIANTS = (
    ("as is", "services.publication.service", {}),
)
# Distinct URLs whose bodies all stay under 16 KiB (no delayed-ACK stall in the figure): each one a cache miss.
MISS_URLS = [f"{LIST}?limit={k}" for k in range(1, 21)] + [f"{LIST}?limit={k}&all_versions=false" for k in range(1, 21)]


class Sampler:
    """CPU share of the watched processes and the service's connections to the database, while a run lasts."""

    def __init__(self, processes, service_pid, db_port):
        self.processes = processes  # name -> psutil.Process
        self.service = psutil.Process(service_pid)
        self.db_port = db_port
        self.connections = []
        self._stop = threading.Event()

    def __enter__(self):
        self.started = time.monotonic()
        self.cpu = {name: _cpu(p) for name, p in self.processes.items()}
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.thread.start()
        return self

    def _loop(self):
        while not self._stop.wait(0.5):
            try:
                self.connections.append(sum(1 for c in self.service.net_connections(kind="tcp")
                                            if c.raddr and c.raddr.port == self.db_port and c.status == "ESTABLISHED"))
            except psutil.Error:
                pass

    def __exit__(self, *exc):
        self._stop.set()
        self.thread.join(2)
        wall = time.monotonic() - self.started
        self.cpu_share = {name: round((_cpu(p) - self.cpu[name]) / wall * 100) for name, p in self.processes.items()}


def _cpu(process):
    times = process.cpu_times()
    return times.user + times.system


def start_publication(module, env, log_path, timeout=90, profile_to=None):
    port = free_port()
    nameko = str(Path(sys.executable).parent / "nameko")
    log = open(log_path, "ab")
    prefix = [sys.executable, "-m", "cProfile", "-o", str(profile_to)] if profile_to else []
    process = subprocess.Popen(prefix + [nameko, "run", "--config", str(NAMEKO_CONFIG), module], cwd=ROOT,
                               env=dict(os.environ, PYTHONWARNINGS="ignore", WEB_SERVER_ADDRESS=f"127.0.0.1:{port}", **env),
                               stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{module} exited with {process.returncode}; see {log_path}")
        try:
            if requests.get(base + "/health/live", timeout=1).status_code == 200:
                return process, base
        except requests.RequestException:
            pass
        time.sleep(0.3)
    stop_process(process)
    raise RuntimeError(f"{module} did not answer in time; see {log_path}")


def print_profile(path, requests_served):
    """Own time per request of the service's top functions, and the cumulative time of a few we care about."""
    out = io.StringIO()
    stats = pstats.Stats(str(path), stream=out)
    stats.sort_stats("tottime").print_stats(25)
    total = stats.total_tt
    print(f"  cProfile: {total:.1f} s profiled for {requests_served} requests "
          f"({total / requests_served * 1e6:.0f} us each, profiler overhead included; idle waits included); "
          "top 25 by own time:")
    lines = out.getvalue().splitlines()
    start = next(i for i, line in enumerate(lines) if "ncalls" in line)
    for line in lines[start:]:
        if line.strip():
            print("   ", line.replace(str(Path(sys.executable).parent.parent), ".venv")[:170])
    wanted = ("read_query", "FindingsQuery", "api_endpoint", "wrapper", "bind_correlation", "get_dependency", "respond",
              "handle_one_request", "spawn_worker", "_run_worker", "info", "load", "__init__")
    out = io.StringIO()
    stats.stream = out
    stats.sort_stats("cumulative").print_stats(40)
    print("  top 40 by cumulative time:")
    lines = out.getvalue().splitlines()
    start = next(i for i, line in enumerate(lines) if "ncalls" in line)
    for line in lines[start:]:
        if line.strip():
            print("   ", line.replace(str(Path(sys.executable).parent.parent), ".venv")[:170])


def fmt(run):
    errors = run["socket_errors"] + run["non_2xx_3xx"]
    return (f"{run['rps']:>8.1f} req/s  p50 {run['p50_ms']:>7.1f}  p99 {run['p99_ms']:>7.1f} ms"
            + (f"  ({errors} errors)" if errors else "") + f"  {run['statuses']}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--findings", type=int, default=70, help="findings stored (make bench publishes ~70)")
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--connections", type=int, default=10)
    parser.add_argument("--only", help="comma-separated variant numbers to run (1-based), e.g. 1,3")
    parser.add_argument("--json", help="write the figures to this file")
    parser.add_argument("--cprofile", action="store_true",
                        help="run each variant under cProfile (slower: for where the time goes, not for the figures) "
                             "and print its top functions after its runs")
    args = parser.parse_args(argv)
    workdir = tempfile.mkdtemp(prefix="irm-list-http-")
    loadgen = LoadGenerator(ensure_wrk())
    infra = Infrastructure(workdir, new_tag()).open()
    results = {"findings": args.findings, "generator": loadgen.describe(), "variants": {}}
    try:
        uri = infra.mongodb_uri("listhttp")
        mongo.connect(uri)
        mongo.ensure_indexes(documents.ALL)
        findings_seed.seed(args.findings)
        print(f"{args.findings} findings stored; {loadgen.describe()}; {infra.mongo_source}; {infra.amqp_source}")
        db_process = psutil.Process(infra.mongo.process.pid) if infra.mongo else None

        trivial = TrivialNameko(infra.amqp_uri, workdir, Path(workdir) / "trivial.log").start()
        try:
            results["trivial"] = loadgen.run(trivial.base_url, ["/ping"], args.connections, args.seconds)
        finally:
            trivial.stop()
        print(f"\ntrivial nameko /ping, {args.connections} conn: {fmt(results['trivial'])}")

        added = 0
        chosen = [VARIANTS[int(i) - 1] for i in args.only.split(",")] if args.only else VARIANTS
        for label, module, env in chosen:
            profile_to = Path(workdir) / f"{label.split()[0]}.prof" if args.cprofile else None
            process, base = start_publication(module, {"AMQP_URI": infra.amqp_uri, "MONGODB_URI": uri, **env},
                                              Path(workdir) / f"{label.split()[0]}.log", profile_to=profile_to)
            try:
                time.sleep(2)  # the freshness timer has run
                watched = {"SecantusDB": db_process, "publication": psutil.Process(process.pid)} if db_process else \
                    {"publication": psutil.Process(process.pid)}
                with Sampler(watched, process.pid, infra.mongo.port if infra.mongo else -1) as idle:
                    time.sleep(5)  # no requests: only the service's timers
                first = requests.get(base + LIST, timeout=30)
                assert first.status_code == 200 and len(first.json()["items"]) == 20, first.text[:300]
                etag = first.headers["ETag"]
                with Sampler(watched, process.pid, infra.mongo.port if infra.mongo else -1) as sampler:
                    plain = loadgen.run(base, [LIST], args.connections, args.seconds)
                cached = loadgen.run(base, [LIST], args.connections, args.seconds, etags={LIST: etag})
                single = loadgen.run(base, [LIST], 1, 3)
                misses = []
                for url in MISS_URLS:
                    started = time.perf_counter()
                    answer = requests.get(base + url, timeout=30)
                    misses.append((time.perf_counter() - started) * 1000)
                    assert answer.status_code == 200
                misses.sort()
                # A new finding (stored directly, newest of all): how long until the list shows it?
                requests.get(base + LIST, timeout=30)  # the current page is kept (with the cache)
                added += 1
                findings_seed.seed(1, start=args.findings + added - 1)
                stored_at = time.perf_counter()
                newest = f"fnd-bench-{args.findings + added - 1:05d}"
                while requests.get(base + LIST, timeout=30).json()["items"][0]["id"] != newest:
                    if time.perf_counter() - stored_at > 10:
                        break
                    time.sleep(0.01)
                visible_ms = round((time.perf_counter() - stored_at) * 1000)
                row = {"plain": plain, "if_none_match": cached, "one_connection": single,
                       "distinct_urls_ms": {"p50": round(misses[len(misses) // 2], 1), "max": round(misses[-1], 1),
                                            "mean": round(sum(misses) / len(misses), 1)},
                       "cpu_share_during_plain_pct": sampler.cpu_share, "cpu_share_idle_pct": idle.cpu_share,
                       "db_connections_during_plain": {"max": max(sampler.connections, default=None),
                                                       "samples": sampler.connections},
                       "body_bytes": len(first.content), "new_finding_visible_after_ms": visible_ms}
                results["variants"][label] = row
            finally:
                if profile_to:
                    process.send_signal(signal.SIGINT)  # nameko stops, cProfile writes its file
                    try:
                        process.wait(30)
                    except subprocess.TimeoutExpired:
                        pass
                stop_process(process, timeout=5)
            print(f"\n{label} ({module}{' ' + str(env) if env else ''}):")
            print(f"  idle 5 s (timers only): {', '.join(f'{k} {v}%' for k, v in idle.cpu_share.items())} of one core")
            print(f"  list, {args.connections} conn          {fmt(plain)}")
            print(f"    CPU during it: {', '.join(f'{k} {v}%' for k, v in sampler.cpu_share.items())} of one core; "
                  f"service's connections to SecantusDB: max {row['db_connections_during_plain']['max']}")
            print(f"  list + If-None-Match, {args.connections} conn {fmt(cached)}")
            print(f"  list, 1 conn           {fmt(single)}")
            print(f"  {len(MISS_URLS)} distinct URLs, one after the other (each a cache miss): p50 {row['distinct_urls_ms']['p50']} ms, "
                  f"mean {row['distinct_urls_ms']['mean']} ms, max {row['distinct_urls_ms']['max']} ms")
            print(f"  a finding stored while it runs is listed after {visible_ms} ms")
            if profile_to and profile_to.exists():
                requests_served = plain["requests"] + cached["requests"] + single["requests"] + len(MISS_URLS)
                print_profile(profile_to, requests_served)
    finally:
        for error in infra.close():
            print("cleanup:", error)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2, default=str))
    return results


if __name__ == "__main__":
    main()
