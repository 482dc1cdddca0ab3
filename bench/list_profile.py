"""Where the time of `GET /api/v1/findings` goes, piece by piece, on an embedded SecantusDB.

    .venv/bin/python -m bench.list_profile [--sizes 25,50,100,200,300] [--repeat 15]

No RabbitMQ and no nameko here: one process calls the service's own functions
(`_findings_page`, `finding_view`, `LIST_PROJECTION`, `json_response`) against a fresh
SecantusDB filled with bench/findings_seed.py's findings, and times

- the exact pymongo query of `_findings_page`, and variants of it (no sort, no projection,
  by `_id`, single-field sort, a small summary-only collection), as the collection grows;
- the server's CPU per query (psutil on the SecantusDB process) and what `explain` says;
- mongoengine `_from_son`, `finding_view`, JSON encoding, and the whole `_findings_page`;
- a cProfile of `_findings_page` (client side) and of the server while it answers.

Prints a report; `--json PATH` writes the figures too. See bench/FINDINGS.md.
"""
import argparse
import cProfile
import io
import json
import pstats
import statistics
import tempfile
import time
from pathlib import Path

import psutil
import pymongo

from bench import findings_seed
from devtools.embedded_mongo import EmbeddedMongo
from services.publication import documents
from services.publication.service import LIST_PROJECTION, FindingsQuery, PublicationService, finding_view
from shared.http import json_response
from shared.persistence import mongo

SORT = [("published_at_dt", -1), ("_id", -1)]
# What finding_view(full=False) reads (status and withdrawn_reason since withdrawals exist).
LIST_FIELDS = ("case_id", "version", "member", "cycle", "plan_number", "languages", "summary", "published_at",
               "published_at_dt", "status", "withdrawn_reason", "supersedes", "superseded_by")


class CommandCounter(pymongo.monitoring.CommandListener):
    """Which database commands a piece of code sends (registered before the client is made)."""

    def __init__(self):
        self.names = []

    def started(self, event):
        self.names.append(event.command_name)

    def succeeded(self, event):
        pass

    def failed(self, event):
        pass


COMMANDS = CommandCounter()
pymongo.monitoring.register(COMMANDS)


DB_PROCESS = None  # psutil.Process of SecantusDB, once started


def timed(fn, repeat):
    """Median and min wall ms of `fn()` over `repeat` calls (after one warm-up), and SecantusDB's CPU ms
    per call over those calls: CPU time is what other processes on a busy machine disturb least."""
    fn()
    samples = []
    before = DB_PROCESS.cpu_times() if DB_PROCESS else None
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    result = {"median_ms": round(statistics.median(samples), 3), "min_ms": round(min(samples), 3)}
    if before is not None:
        after = DB_PROCESS.cpu_times()
        result["db_cpu_ms"] = round(((after.user - before.user) + (after.system - before.system)) * 1000 / repeat, 2)
    return result


VARIANTS = (
    ("service_query", "the service's query: {superseded_by: null}, exclusion projection, 2-field sort, limit 21"),
    ("no_sort", "same, no sort"),
    ("inclusion_projection", "same, projection naming the 13 list fields (inclusion)"),
    ("no_projection", "same, no projection (whole documents)"),
    ("single_field_sort_no_filter", "no filter, sort published_at_dt only (walks its index)"),
    ("in_21_ids", "21 findings by _id $in (21 documents fetched)"),
    ("one_by_id", "1 finding by _id"),
    ("summary_collection", "the service's query on a collection of the list fields only"),
    ("freshness_newest", "Freshness.refresh's newest-finding query (no filter, sort published_at_dt, every second)"),
    ("estimated_count", "Freshness.refresh's estimated_document_count"),
    ("newest_since_last", "newest finding by range from the last newest ({published_at_dt: {$gte: t}}, same sort)"),
    ("findings_page", "the service's whole _findings_page (query + mongoengine + view + JSON)"),
)


def print_table(sizes):
    """One row per variant, one column per collection size: median wall ms (min) / SecantusDB CPU ms."""
    print("\nper call, by number of findings in the collection: median wall ms (min wall ms) / SecantusDB CPU ms")
    print(f"{'':<88}" + "".join(f"{size:>22}" for size in sizes))
    for key, label in VARIANTS:
        cells = [f"{row[key]['median_ms']:>7.1f} ({row[key]['min_ms']:>5.1f}) /{row[key].get('db_cpu_ms', 0):>6.1f}"
                 for row in sizes.values()]
        print(f"{label[:87]:<88}" + "".join(cells))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="25,50,100,200,300", help="collection sizes (findings) to measure at")
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--json", help="write the figures to this file")
    parser.add_argument("--server-profile", action="store_true",
                        help="also run a second SecantusDB under cProfile and show where it spends a list query")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    workdir = tempfile.mkdtemp(prefix="irm-list-profile-")
    db = EmbeddedMongo(Path(workdir) / "db", log_path=Path(workdir) / "secantusdb.log").start()
    results = {"sizes": {}}
    try:
        mongo.connect(db.uri("irm_list_profile"), "irm_list_profile")
        mongo.ensure_indexes(documents.ALL)
        collection = documents.Finding._get_collection()
        summaries = collection.database["bench_list_summaries"]
        summaries.create_index([("superseded_by", 1), ("published_at_dt", -1), ("_id", -1)])
        global DB_PROCESS
        db_process = DB_PROCESS = psutil.Process(db.process.pid)
        seeded = 0
        query = FindingsQuery().load({})
        print(f"SecantusDB on 127.0.0.1:{db.port}, data in {workdir}")
        for size in sizes:
            added = size - seeded
            stored = findings_seed.seed(added, start=seeded)
            # the same findings, list fields only, in a scratch collection (the "summary collection" variant)
            fresh = list(collection.find({"_id": {"$gte": f"fnd-bench-{seeded:05d}"}}, {f: 1 for f in LIST_FIELDS}))
            if fresh:
                summaries.insert_many(fresh)
            seeded = size
            ids = [raw["_id"] for raw in collection.find({}, {"_id": 1}, sort=SORT, limit=21)]
            newest = collection.find_one({"_id": ids[0]})["published_at_dt"]

            def service_query():
                return list(collection.find({"superseded_by": None}, LIST_PROJECTION, sort=SORT, limit=21))

            row = {
                "bytes_per_finding": round(stored / max(1, added)),
                "service_query": timed(service_query, args.repeat),
                "no_sort": timed(lambda: list(collection.find({"superseded_by": None}, LIST_PROJECTION, limit=21)), args.repeat),
                "inclusion_projection": timed(
                    lambda: list(collection.find({"superseded_by": None}, {f: 1 for f in LIST_FIELDS}, sort=SORT, limit=21)), args.repeat),
                "no_projection": timed(lambda: list(collection.find({"superseded_by": None}, sort=SORT, limit=21)), args.repeat),
                "one_by_id": timed(lambda: collection.find_one({"_id": ids[0]}, LIST_PROJECTION), args.repeat),
                "in_21_ids": timed(lambda: list(collection.find({"_id": {"$in": ids}}, LIST_PROJECTION)), args.repeat),
                "single_field_sort_no_filter": timed(
                    lambda: list(collection.find({}, LIST_PROJECTION, sort=[("published_at_dt", -1)], limit=21)), args.repeat),
                "summary_collection": timed(
                    lambda: list(summaries.find({"superseded_by": None}, sort=SORT, limit=21)), args.repeat),
                "freshness_newest": timed(
                    lambda: collection.find_one({}, {"published_at_dt": 1}, sort=[("published_at_dt", -1)]), args.repeat),
                "estimated_count": timed(lambda: collection.estimated_document_count(), args.repeat),
                "newest_since_last": timed(lambda: collection.find_one(
                    {"published_at_dt": {"$gte": newest}}, {"published_at_dt": 1}, sort=[("published_at_dt", -1)]), args.repeat),
                "findings_page": timed(lambda: PublicationService._findings_page(None, dict(query)), args.repeat),
            }
            results["sizes"][size] = row
            print(f"  {size} findings seeded and measured", flush=True)
        print_table(results["sizes"])

        # --- the largest size, piece by piece --------------------------------------------
        size = sizes[-1]
        raw_page = list(collection.find({"superseded_by": None}, LIST_PROJECTION, sort=SORT, limit=21))
        page = [documents.Finding._from_son(raw) for raw in raw_page[:20]]
        views = [finding_view(f, full=False) for f in page]
        body = {"items": views, "next": "/api/v1/findings?limit=20&cursor=x"}
        explain = collection.find({"superseded_by": None}, LIST_PROJECTION, sort=SORT, limit=21).explain()
        stats = explain.get("executionStats", {})
        plan = explain["queryPlanner"]["winningPlan"]
        stages = []
        while plan:
            stages.append(plan.get("stage") + (f"({plan['indexName']})" if plan.get("indexName") else ""))
            plan = plan.get("inputStage")
        COMMANDS.names.clear()
        PublicationService._findings_page(None, dict(query))
        page_commands = list(COMMANDS.names)
        pieces = {
            "commands_per_findings_page": page_commands,
            "from_son_20": timed(lambda: [documents.Finding._from_son(raw) for raw in raw_page[:20]], args.repeat * 10),
            "finding_view_20": timed(lambda: [finding_view(f, full=False) for f in page], args.repeat * 10),
            "json_response": timed(lambda: json_response(body), args.repeat * 10),
            "body_bytes": len(json.dumps(body, ensure_ascii=False).encode()),
            "explain_stages": " <- ".join(stages),
            "explain_docs_examined": stats.get("totalDocsExamined"),
            "explain_returned_before_limit": stats.get("nReturned"),
        }
        results["pieces_at_largest"] = pieces
        print(f"\nAt {size} findings ({results['sizes'][size]['bytes_per_finding']} BSON bytes each):")
        print(f"  explain: {pieces['explain_stages']}; docs examined {pieces['explain_docs_examined']}, "
              f"returned by the fetch stage {pieces['explain_returned_before_limit']} (limit 21)")
        print(f"  database commands sent by one _findings_page: {pieces['commands_per_findings_page']}")
        for key in ("from_son_20", "finding_view_20", "json_response"):
            print(f"  {key:<16} {pieces[key]['median_ms']:.3f} ms")
        print(f"  response body    {pieces['body_bytes']} bytes")

        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(10):
            PublicationService._findings_page(None, dict(query))
        profiler.disable()
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(8)
        print("\ncProfile of 10 x _findings_page (this process), top 8 by own time:")
        print("\n".join(line for line in out.getvalue().splitlines() if line.strip())[-1400:])

        if args.server_profile:
            results["server_profile"] = profile_server(workdir, size)
    finally:
        mongo.mongoengine.disconnect() if hasattr(mongo, "mongoengine") else None
        db.stop()
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2, default=str))
        print(f"\nfigures written to {args.json}")
    return results


SERVER_PROFILE_DRIVER = """
import cProfile, signal, sys, threading
from secantus.cli import main

profiles = []
original_run = threading.Thread.run

def profiled_run(self):  # SecantusDB answers each connection on its own thread
    profiler = cProfile.Profile()
    profiles.append(profiler)
    profiler.enable()
    try:
        original_run(self)
    finally:
        profiler.disable()

threading.Thread.run = profiled_run

def stop(*_):
    raise KeyboardInterrupt

signal.signal(signal.SIGTERM, stop)
sys.argv = ["secantusd-py", "--host", "127.0.0.1", "--port", sys.argv[1], "--storage-path", sys.argv[2], "--log-level", "WARNING"]
try:
    main()
except BaseException:
    pass
finally:
    import pstats
    for profiler in profiles:
        profiler.disable()
    stats = [p for p in profiles if p.getstats()]
    merged = pstats.Stats(stats[0])
    for other in stats[1:]:
        merged.add(other)
    merged.dump_stats(sys.argv[-1] if False else OUT)
"""


def profile_server(workdir, size, queries=20):
    """Run a second SecantusDB with every connection thread under cProfile, copy the findings
    into it, issue `queries` list queries on a fresh connection, and print its hot spots."""
    import os
    import signal
    import subprocess
    import sys

    import pymongo

    from devtools.ports import free_port, port_open

    port = free_port()
    prof = Path(workdir) / "secantusd.prof"
    data = Path(workdir) / "db-prof"
    driver = Path(workdir) / "profiled_secantusd.py"
    driver.write_text(SERVER_PROFILE_DRIVER.replace("OUT", repr(str(prof))))
    process = subprocess.Popen([sys.executable, str(driver), str(port), str(data)], start_new_session=True,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while not port_open("127.0.0.1", port):
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError("the profiled SecantusDB did not start")
            time.sleep(0.1)
        loader = pymongo.MongoClient(f"mongodb://127.0.0.1:{port}/?retryWrites=false")
        source = documents.Finding._get_collection()
        target = loader["irm_list_profile"][source.name]
        for spec in source.index_information().values():
            if spec["key"] != [("_id", 1)]:
                target.create_index(spec["key"])
        target.insert_many(list(source.find()))
        loader.close()
        time.sleep(0.5)
        reader = pymongo.MongoClient(f"mongodb://127.0.0.1:{port}/?retryWrites=false&maxPoolSize=1")
        collection = reader["irm_list_profile"][source.name]
        collection.find_one({})  # the connection exists before the clock starts
        started = time.perf_counter()
        for _ in range(queries):
            list(collection.find({"superseded_by": None}, LIST_PROJECTION, sort=SORT, limit=21))
        wall = (time.perf_counter() - started) * 1000 / queries
        reader.close()
    finally:
        os.kill(process.pid, signal.SIGTERM)
        process.wait(30)
    out = io.StringIO()
    stats = pstats.Stats(str(prof), stream=out)
    stats.sort_stats("tottime").print_stats(14)
    text = out.getvalue()
    print(f"\nSecantusDB under cProfile (all its threads, the bulk load included), {size} findings, "
          f"{queries} list queries at {wall:.0f} ms each; top by own time:")
    print("\n".join(line for line in text.splitlines()[text.splitlines().index(next(l for l in text.splitlines() if "ncalls" in l)):]
                    if line.strip()))
    # Where find_matching's time goes (its callees' cumulative time, per list query).
    breakdown = {}
    for (filename, _, function), (_, _, _, cumulative, callers) in stats.stats.items():
        for (caller_file, _, caller_function), caller_stats in callers.items():
            if caller_function == "find_matching" and caller_file.endswith("storage.py"):
                breakdown[f"{Path(filename).name}:{function}"] = caller_stats[3]
    own = next((v[2] for (f, _, fn), v in stats.stats.items() if fn == "find_matching" and f.endswith("storage.py")), 0.0)
    print(f"  find_matching's callees, cumulative ms per list query (of {queries}; the bulk copy's one query is included):")
    for name, seconds in sorted(breakdown.items(), key=lambda kv: -kv[1])[:6]:
        print(f"    {name:<48} {seconds * 1000 / queries:>8.1f}")
    return {"wall_ms_per_query_under_cprofile": round(wall, 1), "top": text,
            "find_matching_callees_ms_per_query": {k: round(v * 1000 / queries, 1) for k, v in breakdown.items()},
            "find_matching_own_ms_per_query": round(own * 1000 / queries, 1)}


if __name__ == "__main__":
    main()
