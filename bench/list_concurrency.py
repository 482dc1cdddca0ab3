"""Is it the database or the driver? The list query from N concurrent clients, three ways.

    .venv/bin/python -m bench.list_concurrency [--findings 300] [--clients 10] [--rounds 3] [--eventlet]

Stores `--findings` findings in a fresh SecantusDB, then runs the list's query (the service's
filter, LIST_PROJECTION, sort, limit 21) `--rounds` times from each of `--clients` concurrent
clients, sharing one pymongo client (its pool), as the service's workers do; prints each
query's latency, the wall time, SecantusDB's CPU over the run and the connections it had.
With --eventlet the process is monkey-patched first and the clients are green threads (as in
`nameko run`); without it they are OS threads. Then the same queries one at a time.
"""
import sys

if "--eventlet" in sys.argv:
    import eventlet

    eventlet.monkey_patch()

import argparse  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import psutil  # noqa: E402

from bench import findings_seed  # noqa: E402
from devtools.embedded_mongo import EmbeddedMongo  # noqa: E402
from services.publication import documents  # noqa: E402
from services.publication.service import LIST_PROJECTION  # noqa: E402
from shared.persistence import mongo  # noqa: E402

SORT = [("published_at_dt", -1), ("_id", -1)]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--findings", type=int, default=300)
    parser.add_argument("--clients", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--eventlet", action="store_true")
    args = parser.parse_args(argv)
    workdir = tempfile.mkdtemp(prefix="irm-list-conc-")
    db = EmbeddedMongo(Path(workdir) / "db", log_path=Path(workdir) / "secantusdb.log").start()
    try:
        mongo.connect(db.uri("irm_list_conc"), "irm_list_conc")
        mongo.ensure_indexes(documents.ALL)
        findings_seed.seed(args.findings)
        collection = documents.Finding._get_collection()
        server = psutil.Process(db.process.pid)
        query = lambda: list(collection.find({"superseded_by": None}, LIST_PROJECTION, sort=SORT, limit=21))
        query()
        kind = "green threads (eventlet.monkey_patch)" if args.eventlet else "OS threads"
        latencies, lock = [], threading.Lock()
        peak = [0]

        spans = []

        def client():
            for _ in range(args.rounds):
                started = time.perf_counter()
                query()
                ended = time.perf_counter()
                with lock:
                    latencies.append((ended - started) * 1000)
                    spans.append((started, ended))

        def watch(stop):
            while not stop.is_set():
                try:
                    peak[0] = max(peak[0], sum(1 for c in server.net_connections(kind="tcp")
                                               if c.laddr.port == db.port and c.status == "ESTABLISHED"))
                except psutil.Error:
                    pass
                stop.wait(0.2)

        stop = threading.Event()
        watcher = threading.Thread(target=watch, args=(stop,), daemon=True)
        watcher.start()
        me = psutil.Process()
        cpu0, mine0 = server.cpu_times(), me.cpu_times()
        started = time.perf_counter()
        threads = [threading.Thread(target=client) for _ in range(args.clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.perf_counter() - started
        cpu1, mine1 = server.cpu_times(), me.cpu_times()
        stop.set()
        cpu = (cpu1.user - cpu0.user) + (cpu1.system - cpu0.system)
        mine = (mine1.user - mine0.user) + (mine1.system - mine0.system)
        n = len(latencies)
        edges = sorted([(a, 1) for a, _ in spans] + [(b, -1) for _, b in spans])
        running = overlap = 0
        for _, step in edges:
            running += step
            overlap = max(overlap, running)
        print(f"{args.findings} findings; {args.clients} concurrent {kind} x {args.rounds} queries, one pymongo client:")
        print(f"  wall {wall:.2f} s for {n} queries = {n / wall:.1f} queries/s; per query p50 {statistics.median(latencies):.0f} ms, "
              f"max {max(latencies):.0f} ms")
        print(f"  SecantusDB CPU {cpu:.2f} s = {cpu / wall * 100:.0f}% of one core, {cpu / n * 1000:.0f} ms per query; "
              f"connections it held (peak): {peak[0]}")
        print(f"  queries in flight at once (client side, peak): {overlap}; this client process's CPU: "
              f"{mine / wall * 100:.0f}% of one core")
        sequential = []
        cpu0 = server.cpu_times()
        started = time.perf_counter()
        for _ in range(n):
            t0 = time.perf_counter()
            query()
            sequential.append((time.perf_counter() - t0) * 1000)
        wall = time.perf_counter() - started
        cpu1 = server.cpu_times()
        cpu = (cpu1.user - cpu0.user) + (cpu1.system - cpu0.system)
        print(f"  the same {n} queries one at a time: {n / wall:.1f} queries/s, p50 {statistics.median(sequential):.0f} ms; "
              f"SecantusDB {cpu / wall * 100:.0f}% of one core, {cpu / n * 1000:.0f} ms per query")
    finally:
        db.stop()


if __name__ == "__main__":
    main()
