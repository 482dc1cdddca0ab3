"""Does nameko's web server stall responses over 16 KiB, and does shared/webserver.py fix it?

    .venv/bin/python -m bench.nodelay_check [--requests 200] [--bytes 65536] [--quiet]

Starts bench/nodelay_service.py twice under `nameko run` (nameko's own @http, then
shared.webserver's), each on a free 127.0.0.1 port, and sends each `--requests`
sequential GETs over ONE keep-alive connection (http.client), printing every request's
latency in ms (10 per line) and a summary. Needs no database; nameko run only reads its
AMQP_URI (RabbitMQ is not contacted by an HTTP-only service).
"""
import argparse
import http.client
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from devtools.ports import free_port
from devtools.processes import stop_process
from devtools.rabbitmq import DEFAULT_AMQP_URI

ROOT = Path(__file__).resolve().parent.parent


def start(nodelay, body_bytes, workdir):
    port = free_port()
    config = Path(workdir) / f"nodelay-{nodelay}.yaml"
    config.write_text(f"AMQP_URI: {os.environ.get('AMQP_URI', DEFAULT_AMQP_URI)}\n"
                      f"WEB_SERVER_ADDRESS: 127.0.0.1:{port}\nmax_workers: 10\n")
    log = open(Path(workdir) / f"nodelay-{nodelay}.log", "ab")
    env = dict(os.environ, PYTHONWARNINGS="ignore", NODELAY="1" if nodelay else "0", BODY_BYTES=str(body_bytes))
    process = subprocess.Popen([str(Path(sys.executable).parent / "nameko"), "run", "--config", str(config),
                                "bench.nodelay_service"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                               start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"nameko exited with {process.returncode}; see {log.name}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return process, port
        except OSError:
            time.sleep(0.2)
    stop_process(process)
    raise RuntimeError("the demo service did not start in time")


def measure(port, count, body_bytes, path="/body"):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("GET", path)  # warm-up: the connection is open, nameko's worker pool is warm
    connection.getresponse().read()
    latencies = []
    for _ in range(count):
        started = time.perf_counter()
        connection.request("GET", path)
        response = connection.getresponse()
        body = response.read()
        latencies.append((time.perf_counter() - started) * 1000)
        assert response.status == 200 and len(body) == body_bytes, (response.status, len(body))
        assert not response.will_close, "the server closed the keep-alive connection"
    connection.close()
    return latencies


def summary(latencies):
    ordered = sorted(latencies)
    pick = lambda p: ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]
    return {"requests": len(latencies), "mean_ms": statistics.fmean(latencies), "p50_ms": statistics.median(latencies),
            "p90_ms": pick(90), "p99_ms": pick(99), "max_ms": ordered[-1], "min_ms": ordered[0],
            "over_30ms": sum(1 for x in latencies if x > 30), "total_s": sum(latencies) / 1000}


def sweep(sizes, count, workdir):
    """Mean / p50 / max ms and the requests over 30 ms, per body size, without and with the fix."""
    results = {}
    print(f"{count} sequential keep-alive GETs per size and server; ms")
    print(f"{'body bytes':>10} | {'as is: mean':>11} {'p50':>6} {'max':>6} {'>30ms':>6} | {'NODELAY: mean':>13} {'p50':>6} {'max':>6} {'>30ms':>6}")
    for nodelay in (False, True):
        process, port = start(nodelay, 0, workdir)  # the body size comes from the query below
        try:
            for size in sizes:
                results.setdefault(size, {})[nodelay] = summary(measure(port, count, size, path=f"/body?bytes={size}"))
        finally:
            stop_process(process, timeout=5)
    for size in sizes:
        a, b = results[size][False], results[size][True]
        print(f"{size:>10} | {a['mean_ms']:>11.1f} {a['p50_ms']:>6.1f} {a['max_ms']:>6.1f} {a['over_30ms']:>6} | "
              f"{b['mean_ms']:>13.1f} {b['p50_ms']:>6.1f} {b['max_ms']:>6.1f} {b['over_30ms']:>6}")
    return results


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--bytes", type=int, default=64_000,
                        help="response body size (default 64,000: ~64 KiB, under loopback's ~65,483-byte MSS)")
    parser.add_argument("--sweep", help="comma-separated body sizes: one summary line per size and server, no per-request lines")
    parser.add_argument("--quiet", action="store_true", help="only the summaries")
    args = parser.parse_args(argv)
    workdir = tempfile.mkdtemp(prefix="irm-nodelay-")
    if args.sweep:
        return sweep([int(size) for size in args.sweep.split(",")], args.requests, workdir)
    results = {}
    for nodelay in (False, True):
        label = "with shared.webserver (TCP_NODELAY)" if nodelay else "nameko's WebServer as is"
        process, port = start(nodelay, args.bytes, workdir)
        try:
            latencies = measure(port, args.requests, args.bytes)
        finally:
            stop_process(process, timeout=5)
        results[label] = summary(latencies)
        print(f"\n{label}: {args.requests} sequential GETs of a {args.bytes}-byte body on one keep-alive connection")
        if not args.quiet:
            for row in range(0, len(latencies), 10):
                print(f"  {row + 1:>4}-{min(row + 10, len(latencies)):<4}" + "".join(f"{x:>7.1f}" for x in latencies[row:row + 10]))
    print(f"\n{'':<40}{'mean':>8}{'p50':>8}{'p90':>8}{'p99':>8}{'max':>8}{'min':>8}{'>30 ms':>8}{'total':>9}")
    for label, s in results.items():
        print(f"{label:<40}{s['mean_ms']:>8.1f}{s['p50_ms']:>8.1f}{s['p90_ms']:>8.1f}{s['p99_ms']:>8.1f}{s['max_ms']:>8.1f}"
              f"{s['min_ms']:>8.1f}{s['over_30ms']:>8}{s['total_s']:>8.2f}s")
    print("(ms per request; '>30 ms': requests that waited for a delayed ACK)")
    return results


if __name__ == "__main__":
    main()
