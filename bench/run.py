"""`make bench` / `python -m bench.run`: measure the pipeline and the public read path
against this machine's own limits, in the same run; print one table and write every
figure to bench/results/<UTC timestamp>.json. See bench/README.md.

Options (each also an environment variable):
  --cases N           BENCH_CASES         cases uploaded in the maximum-rate run (300)
  --rate R            BENCH_RATE          the fixed offered rate, cases/s (default: a quarter
                                          of the raw two-stage limit, i.e. half the target rate)
  --rate-cases N      BENCH_RATE_CASES    cases per fixed-rate run (default: 15 s worth at max/2,
                                          10 s worth at L/4; 60..200)
  --review-cases N    BENCH_REVIEW_CASES  cases taken through the scripted review (50)
  --threads N         BENCH_THREADS       client threads of the maximum-rate run (12)
  --http-seconds S    BENCH_HTTP_SECONDS  length of each read-path load run (5)
  --budget S          BENCH_BUDGET        seconds after which the remaining fixed-rate runs are skipped
                                          and waits are cut short (480), so a run stays under 10 minutes
  --keep-logs         BENCH_KEEP_LOGS=1   keep the services' logs under bench/results/
"""
import argparse
import json
import math
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from datetime import datetime, timezone
from pathlib import Path

from bench import limits, pipeline, readpath, report
from bench.infra import Infrastructure, drop_databases, new_tag
from bench.loadgen import LoadGenerator, ensure_wrk
from bench.procmon import ProcessMonitor, find_rabbitmq_pid
from devtools.ports import free_port
from devtools.stack import ROOT, ServiceStack

RESULTS = Path(__file__).resolve().parent / "results"
STACK_ENV = {"PYTHONWARNINGS": "ignore", "GOVERNMENT_REVIEW_SECONDS": "0", "PUBLIC_COMMENT_SECONDS": "0",
             "PUBLIC_COMMENT_MIN_SECONDS": "0"}
MEMORY_LIMIT_MB = 150
SERVICES = report.SERVICES  # every service of the stack and the gateway, memory and CPU followed


def options(argv=None):
    env = os.environ.get
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=int(env("BENCH_CASES", "300")))
    parser.add_argument("--rate", type=float, default=float(env("BENCH_RATE")) if env("BENCH_RATE") else None)
    parser.add_argument("--rate-cases", type=int, default=int(env("BENCH_RATE_CASES")) if env("BENCH_RATE_CASES") else None)
    parser.add_argument("--review-cases", type=int, default=int(env("BENCH_REVIEW_CASES", "50")))
    parser.add_argument("--threads", type=int, default=int(env("BENCH_THREADS", "12")))
    parser.add_argument("--http-seconds", type=int, default=int(env("BENCH_HTTP_SECONDS", "5")))
    parser.add_argument("--budget", type=int, default=int(env("BENCH_BUDGET", "480")))
    parser.add_argument("--keep-logs", action="store_true", default=env("BENCH_KEEP_LOGS", "") not in ("", "0"))
    args = parser.parse_args(argv)
    if args.cases < 20 or args.review_cases < 1 or not 1 <= args.threads <= 64 or not 1 <= args.http_seconds <= 60:
        parser.error("need --cases >= 20, --review-cases >= 1, 1 <= --threads <= 64, 1 <= --http-seconds <= 60")
    return args


class Clock:
    def __init__(self):
        self.started = time.monotonic()

    def say(self, text):
        print(f"[{time.monotonic() - self.started:6.1f}s] {text}", flush=True)


def git_describe():
    def git(*args):
        done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True)
        return done.stdout.strip() if done.returncode == 0 else None
    return {"commit": git("rev-parse", "HEAD"), "dirty": bool(git("status", "--porcelain", "--untracked-files=no"))}


def measure_limits(results, infra, load, monitor, workdir, args, say, started):
    out = results["limits"]
    queue = f"bench-raw-{infra.run_tag}"
    raw_uri = infra.mongodb_uri("raw")

    def measured(key, text, work):
        say(f"limits: {text}")
        monitor.begin(key)
        out[key] = work()
        out[key]["process"] = monitor.end(key)

    try:
        measured("pika_publish_confirm_each", "RabbitMQ publish, a confirm per message (2,000 persistent 2 KB messages)",
                 lambda: limits.pika_publish_confirm_each(infra.amqp_uri, queue, 2000))
        measured("pika_publish_confirm_batched", "RabbitMQ publish, confirms batched per 100 (10,000 messages)",
                 lambda: limits.pika_publish_confirm_batched(infra.amqp_uri, queue, 10000, batch=100))
        measured("pika_consume", "RabbitMQ consume, prefetch 100, ack per message (12,000 messages)",
                 lambda: limits.pika_consume(infra.amqp_uri, queue, 12000, prefetch=100))
    finally:
        limits.delete_queue(infra.amqp_uri, queue)  # already gone after a complete consume
    results["created_databases"].append(raw_uri)
    measured("mongo_insert_one", "database insert_one ~2 KB (2,000)", lambda: limits.mongo_insert_one(raw_uri, 2000))
    measured("mongo_transaction_1", "database two-document transaction, 1 client (1,000)",
             lambda: limits.mongo_transactions(raw_uri, 1000, threads=1))
    measured("mongo_transaction_4", "database two-document transaction, 4 clients (1,000)",
             lambda: limits.mongo_transactions(raw_uri, 1000, threads=4))
    drop_databases([raw_uri])  # the pipeline gets a server without the raw data
    results["created_databases"].remove(raw_uri)
    tx = max(out["mongo_transaction_1"]["rate"], out["mongo_transaction_4"]["rate"])
    parts = {"publish_confirm_each": out["pika_publish_confirm_each"]["rate"], "consume": out["pika_consume"]["rate"],
             "db_transactions_half": tx / 2}
    out["raw_two_stage_limit"] = {
        "rate": min(parts.values()), "bound_by": min(parts, key=parts.get), "parts": parts,
        "formula": "min(publish rate with a confirm per message, consume rate, best db-transaction rate / 2)",
    }
    say(f"limits: raw two-stage limit {out['raw_two_stage_limit']['rate']:.0f} cases/s "
        f"(bound by {out['raw_two_stage_limit']['bound_by']})")

    say("limits: trivial nameko @http endpoint (bench/trivial_service.py)")
    trivial = started["trivial"] = limits.TrivialNameko(infra.amqp_uri, workdir, os.path.join(workdir, "trivial-nameko.log"))
    trivial.start()
    try:
        monitor.watch("trivial nameko", trivial.process.pid)
        for connections in (1, 10, 50):
            monitor.begin(f"trivial_{connections}")
            run = load.run(trivial.base_url, ["/ping"], connections, args.http_seconds if connections > 1 else min(3, args.http_seconds))
            run["process"] = monitor.end(f"trivial_{connections}")
            out[f"trivial_nameko_{connections}"] = run
            say(f"limits: trivial nameko, {connections} connections: {run['rps']:.0f} req/s, p99 {run['p99_ms']:.1f} ms")
    finally:
        trivial.stop()
        monitor.forget("trivial nameko")


def upload_phase(results, name, http, audit, monitor, indices, rate, threads, limit, say, timeout=300):
    """Upload `indices` (at `rate`, or as fast as `threads` clients can) and wait for every assignment."""
    label = f"{name} ({len(indices)} cases, " + (f"offered {rate:.1f}/s" if rate else f"max rate, {threads} threads") + ")"
    say(f"pipeline: {label}")
    monitor.begin(name)
    sent = pipeline.run_uploads(http, indices, rate=rate, threads=threads, say=say, label=name)
    reached = audit.wait_for(sent["case_ids"], pipeline.ASSIGNED, timeout, say=say, label=name)
    process = monitor.end(name)
    times = audit.times(sent["case_ids"], (pipeline.SUBMITTED, pipeline.ASSIGNED))
    stage = pipeline.stage(times, sent["case_ids"], pipeline.SUBMITTED, pipeline.ASSIGNED)
    phase = {"cases": len(indices), "offered_rate": rate, "threads": threads, "uploaded": len(sent["case_ids"]),
             "upload_errors": sent["errors"], "example_errors": sent["example_errors"],
             "client_seconds": sent["client_seconds"], "client_rate": sent["client_rate"],
             "start_lateness_ms": sent["start_lateness_ms"], "assigned": reached, "upload_answered_ms": sent["answered_ms"],
             "submitted_to_assigned": stage, "sent_to_assigned": pipeline.sent_to(times, sent["sent_at"], pipeline.ASSIGNED),
             "ratio_to_raw_two_stage_limit": (stage["throughput"] or 0) / limit,
             "process": process,
             "cpu_ms_per_case": {n: round(1000 * c / max(1, reached), 2) for n, c in process["cpu_s"].items()}}
    total_ms = sum(v for n, v in phase["cpu_ms_per_case"].items() if n != "trivial nameko")
    phase["cpu_ceiling"] = (os.cpu_count() or 1) * 1000 / total_ms if total_ms else None
    results["pipeline"][name] = phase
    say(f"pipeline: {name}: {reached}/{len(indices)} assigned, {stage['throughput'] or 0:.1f} cases/s, "
        f"p50 {_ms(stage['p50_ms'])} p99 {_ms(stage['p99_ms'])} (errors {sent['errors'] or 0})")
    return phase


def _ms(value):
    return "-" if value is None else f"{value:.0f} ms"


def review_phase(results, http, audit, monitor, indices, say):
    say(f"review: {len(indices)} cases, upload -> assigned -> accept, {20} ratings, plan, submit, approve, "
        "public comment, finalise (8 client threads)")
    monitor.begin("review")
    window_start = datetime.now(timezone.utc)
    done = pipeline.run_reviews(http, indices, threads=8, say=say)
    published = audit.wait_for(done["case_ids"], pipeline.PUBLISHED, 180, say=say, label="review")
    window_end = datetime.now(timezone.utc)
    process = monitor.end("review")
    times = audit.times(done["case_ids"], (pipeline.SUBMITTED, pipeline.ASSIGNED, pipeline.APPROVED, pipeline.PUBLISHED))
    iso = lambda dt: dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"
    entries = audit.count_entries_between(iso(window_start), iso(window_end))
    seconds = (window_end - window_start).total_seconds()
    phase = {"cases": len(indices), "finalised": len(done["case_ids"]), "published": published,
             "failures": done["failures"][:20], "failure_count": len(done["failures"]), "client_seconds": done["client_seconds"],
             "assigned_to_published": pipeline.stage(times, done["case_ids"], pipeline.ASSIGNED, pipeline.PUBLISHED),
             "approved_to_published": pipeline.stage(times, done["case_ids"], pipeline.APPROVED, pipeline.PUBLISHED),
             "submitted_to_published": pipeline.stage(times, done["case_ids"], pipeline.SUBMITTED, pipeline.PUBLISHED),
             "audit_entries_written": entries, "audit_entries_per_s": entries / seconds if seconds else None,
             "window_s": round(seconds, 3), "process": process}
    results["review"] = phase
    stage = phase["assigned_to_published"]
    say(f"review: {published}/{len(indices)} published, {stage['throughput'] or 0:.2f} cases/s, "
        f"assigned->published p50 {_ms(stage['p50_ms'])} p99 {_ms(stage['p99_ms'])}; failures {len(done['failures'])}")
    return phase


def read_path_phase(results, stack, load, monitor, args, say):
    out = results["read_path"]
    gateway, direct = stack.base_url, f"http://127.0.0.1:{stack.service_ports['publication']}"
    web = f"http://127.0.0.1:{stack.service_ports['web']}"
    pages = readpath.finding_paths(gateway)
    out["findings_available"] = len(pages)
    # "direct" is the service that answers the path: publication for JSON, web for the pages.
    plan = [("findings list (JSON)", [readpath.LIST_PATH], ("gateway", "direct"), (10, 50)),
            ("findings list web page", [readpath.LIST_PAGE_PATH], ("gateway", "direct web"), (10, 50))]
    if pages:
        plan.append(("finding (JSON)", pages, ("gateway", "direct"), (10, 50)))
        # One connection, one request at a time: the latency of a single answer, without queueing.
        plan.append(("finding (JSON)", pages, ("direct",), (1,)))
        plan.append(("finding web page", readpath.page_paths(pages), ("gateway", "direct web"), (10, 50)))
    out["not_implemented"] = {}
    for label, path in readpath.EXTRAS:
        status = readpath.probe(gateway, path)["status"]
        if status == 200:
            plan.append((label, [path], ("gateway",), (10,)))
        else:
            out["not_implemented"][label] = f"not implemented (issue 5): GET {path} answered {status}"
    bases = {"gateway": gateway, "direct": direct, "direct web": web}
    out["conditional_get"] = {f"{what} via {where}": readpath.probe(bases[where], paths[0])
                              for what, paths, wheres, _ in plan for where in wheres}
    say(f"read path: {len(pages)} findings; If-None-Match -> 304: "
        + ", ".join(f"{k} {'yes' if v['supported'] else 'no'}" for k, v in out["conditional_get"].items()))
    runs = out["runs"] = []
    for what, paths, wheres, connection_counts in plan:
        for where in wheres:
            base = bases[where]
            for conditional in (False, True):
                if conditional and (1 in connection_counts or not out["conditional_get"][f"{what} via {where}"]["supported"]):
                    continue
                etags = readpath.etags_for(base, paths) if conditional else None
                for connections in connection_counts:
                    name = f"{what} via {where}, {connections} conn" + (", If-None-Match" if conditional else "")
                    monitor.begin(name)
                    run = load.run(base, paths, connections, args.http_seconds if connections > 1 else min(3, args.http_seconds),
                                   etags=etags)
                    run["process"] = monitor.end(name)
                    run.update({"what": what, "where": where, "conditional": conditional, "paths": len(paths)})
                    runs.append(run)
                    say(f"read path: {name}: {run['rps']:.0f} req/s, p50 {run['p50_ms']:.1f} ms, p99 {run['p99_ms']:.1f} ms, "
                        f"statuses {run['statuses']}")


def main(argv=None):
    args = options(argv)
    clock = Clock()
    say = clock.say
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    tag = new_tag()
    results = {
        "started_at": datetime.now(timezone.utc).isoformat(timespec="seconds"), "run_tag": tag,
        "config": {k: v for k, v in vars(args).items()}, "git": git_describe(),
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version()},
        "limits": {}, "pipeline": {}, "review": {}, "read_path": {}, "processes": {}, "created_databases": [],
    }
    workdir = tempfile.mkdtemp(prefix="irm-bench-")
    infra = Infrastructure(workdir, tag, say)
    monitor = ProcessMonitor(interval=0.5).start()
    monitor.watch("bench client (+wrk)", os.getpid(), only_children_named=("wrk",))
    stack = audit = None
    started = {"trivial": None}  # what must be stopped even when an interrupt lands mid-way
    status = 0

    def on_term(*_):
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, on_term)
    try:
        say("setup: broker vhost, database, load generator")
        infra.open()
        results["infrastructure"] = {"amqp": infra.amqp_source, "mongodb": infra.mongo_source}
        if infra.mongo is not None:
            monitor.watch("secantusdb", infra.mongo.process.pid)
        rabbit_pid = find_rabbitmq_pid() if infra.local_broker else None
        if rabbit_pid:
            monitor.watch("rabbitmq", rabbit_pid)
        load = LoadGenerator(None if os.environ.get("BENCH_LOADGEN") == "python" else ensure_wrk(say))
        results["load_generator"] = load.describe()
        say(f"setup: {infra.amqp_source}; {infra.mongo_source}; load generator: {load.describe()}")

        measure_limits(results, infra, load, monitor, workdir, args, say, started)
        limit = results["limits"]["raw_two_stage_limit"]["rate"]

        mongodb_uri = infra.mongodb_uri("stack")
        results["created_databases"].append(mongodb_uri)
        say("stack: starting every service and the gateway (memory followed: " + ", ".join(SERVICES) + ")")
        stack = ServiceStack(amqp_uri=infra.amqp_uri, mongodb_uri=mongodb_uri, log_dir=os.path.join(workdir, "logs"),
                             gateway_port=free_port(), extra_env=STACK_ENV)
        stack.start()
        for name in SERVICES:
            monitor.watch(name, stack.processes[name].pid)
        # Room for every case the run uploads: warm-up, review, max rate and up to two fixed-rate runs of 200.
        tokens = pipeline.provision(mongodb_uri, tag, room_for=20 + args.review_cases + args.cases + 400)
        say(f"stack: up at {stack.base_url}; {len(pipeline.cases.MEMBERS)} members, {len(pipeline.cases.EXPERTS)} experts, tokens issued")
        http = pipeline.Http(stack.base_url, tokens)
        audit = pipeline.AuditReader(mongodb_uri)

        next_index = 0

        def take(count):
            nonlocal next_index
            indices = list(range(next_index, next_index + count))
            next_index += count
            return indices

        say("pipeline: warm-up, 20 cases (not measured)")
        warm = pipeline.run_uploads(http, take(20), threads=4, say=say, label="warm-up")
        audit.wait_for(warm["case_ids"], pipeline.ASSIGNED, 120, say=say, label="warm-up")

        # The review and the read path first, on a small database: every open case costs the
        # review service's 1 s deadline scan (see bench/README.md), which later phases feel.
        review_phase(results, http, audit, monitor, take(args.review_cases), say)
        results["review"]["http_calls"] = http.report()
        read_path_phase(results, stack, load, monitor, args, say)

        def budget_left():
            return args.budget - (time.monotonic() - clock.started)

        upload_phase(results, "max_rate", http, audit, monitor, take(args.cases), None, args.threads, limit, say,
                     timeout=max(60, budget_left() - 120))
        max_throughput = results["pipeline"]["max_rate"]["submitted_to_assigned"]["throughput"] or 1.0
        target_rate = args.rate or round(limit / 4, 1)
        results["pipeline"]["target_rate_rule"] = ("offered rate = --rate" if args.rate else
                                                   "offered rate = 25% of the raw two-stage limit (half of the 50% throughput target)")
        for name, rate, seconds in (("fixed_rate_half_max", round(max_throughput / 2, 1), 15),
                                    ("fixed_rate_target", target_rate, 10)):
            if budget_left() < 90:
                results["pipeline"][name] = {"skipped": f"time budget ({args.budget} s) nearly spent"}
                say(f"pipeline: {name} skipped: the time budget is nearly spent")
                continue
            count = args.rate_cases or max(60, min(200, math.ceil(rate * seconds)))
            upload_phase(results, name, http, audit, monitor, take(count), rate, 32, limit, say,
                         timeout=max(30, budget_left() - 60))

        open_cases = audit.db["review_cases"].count_documents({"status": {"$in": ["assigned", "in_review"]}})
        say(f"idle: 5 s with no traffic and {open_cases} cases open in review (the services' timers only)")
        monitor.begin("idle")
        time.sleep(5)
        results["processes"]["idle"] = monitor.end("idle")
        results["processes"]["idle"]["open_cases"] = open_cases
        say("read path: the findings list again, after the uploads (gateway, 10 connections)")
        monitor.begin("list after uploads")
        again = load.run(stack.base_url, [readpath.LIST_PATH], 10, args.http_seconds)
        again["process"] = monitor.end("list after uploads")
        again.update({"open_cases": open_cases})
        results["read_path"]["list_after_uploads"] = again
        say(f"read path: list after uploads: {again['rps']:.0f} req/s, p99 {again['p99_ms']:.1f} ms")
        results["processes"]["cases_uploaded"] = next_index
        say("done measuring")
    except KeyboardInterrupt:
        status = 130
        results["interrupted"] = True
        say("interrupted: stopping everything")
    except Exception as exc:
        status = 1
        results["error"] = f"{type(exc).__name__}: {exc}"
        traceback.print_exc()
    finally:
        # Stopping takes a few seconds: a second Ctrl-C must not leave processes behind.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        if started["trivial"] is not None:
            started["trivial"].stop()
        results["processes"]["peak_rss_mb"] = monitor.peak_rss_mb()
        results["processes"]["final_rss_mb"] = monitor.rss_mb()
        results["processes"]["phases"] = monitor.phases
        results["processes"]["samples"] = monitor.samples
        monitor.stop()
        if audit is not None:
            audit.close()
        if stack is not None:
            say("teardown: stopping the stack")
            stack.stop()
        if os.environ.get("MONGODB_URI") and results["created_databases"]:
            try:
                drop_databases(results["created_databases"])
            except Exception as exc:
                print(f"bench: could not drop {results['created_databases']}: {exc}", file=sys.stderr)
        say("teardown: database and vhost")
        cleanup_errors = infra.close()
        if cleanup_errors:
            results["cleanup_errors"] = cleanup_errors
            print("bench: cleanup: " + "; ".join(cleanup_errors), file=sys.stderr)
        results["total_seconds"] = round(time.monotonic() - clock.started, 1)
        RESULTS.mkdir(exist_ok=True)
        if status != 0 or args.keep_logs:
            kept = RESULTS / f"{stamp}-logs"
            shutil.copytree(workdir, kept, ignore=shutil.ignore_patterns("secantusdb"), dirs_exist_ok=True)
            results["logs"] = str(kept)
            print(f"bench: logs kept in {kept}", file=sys.stderr)
        shutil.rmtree(workdir, ignore_errors=True)
        table = report.render(results, MEMORY_LIMIT_MB)
        results["table"] = table
        path = RESULTS / f"{stamp}.json"
        path.write_text(json.dumps(results, indent=2, default=str, ensure_ascii=False))
        print()
        print(table)
        print(f"\nTotal {results['total_seconds']:.0f} s. Every figure: {path.relative_to(ROOT)}")
    return status


if __name__ == "__main__":
    sys.exit(main())
