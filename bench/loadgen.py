"""The HTTP load generator for the read path and the trivial nameko baseline.

wrk (C, epoll, one thread) when it is installed or installable with apt; otherwise a
Python client (threads, keep-alive http.client), which on this 2-core machine may
itself be the bottleneck: the result says which one ran.

Every run is bounded by time (`seconds`) and only targets 127.0.0.1.
"""
import http.client
import json
import os
import shutil
import subprocess
import tempfile
import threading
import time
from collections import Counter
from urllib.parse import urlparse

from bench.stats import percentile

WRK_SCRIPT = r"""
local paths = {%(paths)s}
local etags = {%(etags)s}
local n = 0
local threads = {}
setup = function(thread) table.insert(threads, thread) end
init = function(args) statuses = {} end
request = function()
  n = n + 1
  local i = (n %% #paths) + 1
  local headers = nil
  if etags[i] ~= nil then headers = {["If-None-Match"] = etags[i]} end
  return wrk.format("GET", paths[i], headers)
end
response = function(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end
done = function(summary, latency, requests)
  local parts = {}
  for _, t in ipairs(threads) do
    local s = t:get("statuses")
    if s ~= nil then
      for code, count in pairs(s) do table.insert(parts, string.format('"%%d":%%d', code, count)) end
    end
  end
  io.write(string.format(
    'WRKJSON {"requests":%%d,"duration_us":%%d,"bytes":%%d,"err_connect":%%d,"err_read":%%d,"err_write":%%d,' ..
    '"err_status":%%d,"err_timeout":%%d,"p50_us":%%d,"p90_us":%%d,"p95_us":%%d,"p99_us":%%d,"max_us":%%d,' ..
    '"mean_us":%%.1f,"statuses":{%%s}}\n',
    summary.requests, summary.duration, summary.bytes, summary.errors.connect, summary.errors.read,
    summary.errors.write, summary.errors.status, summary.errors.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(95), latency:percentile(99),
    latency.max, latency.mean, table.concat(parts, ",")))
end
"""


def ensure_wrk(say=print):
    """Return the path of wrk, installing Debian's package (as root) when it is missing."""
    found = shutil.which("wrk")
    if found:
        return found
    if os.environ.get("BENCH_NO_INSTALL") or not shutil.which("apt-get") or os.geteuid() != 0:
        return None
    say("  wrk is missing: apt-get install -y wrk ...")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    try:
        installed = subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], capture_output=True, timeout=240, env=env)
        if installed.returncode != 0:  # the package lists may be missing: refresh once
            subprocess.run(["apt-get", "update", "-qq"], capture_output=True, timeout=240, env=env)
            subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], capture_output=True, timeout=240, env=env)
    except subprocess.TimeoutExpired:
        return None
    return shutil.which("wrk")


class LoadGenerator:
    def __init__(self, wrk_path=None):
        self.wrk = wrk_path
        self.kind = "wrk" if wrk_path else "python-threads"

    def describe(self) -> str:
        if self.wrk:
            return "wrk 1 thread (C, keep-alive)"
        return "Python threads + http.client (keep-alive; may be client-bound)"

    def run(self, base_url, paths, connections, seconds, etags=None):
        """GET `paths` in turn on `base_url` for `seconds` over `connections` keep-alive connections."""
        if self.wrk:
            return self._run_wrk(base_url, paths, connections, seconds, etags)
        return _run_python(base_url, paths, connections, seconds, etags)

    def _run_wrk(self, base_url, paths, connections, seconds, etags):
        quote = lambda text: json.dumps(text)  # a JSON string is a valid Lua string literal here (ASCII)
        script = WRK_SCRIPT % {
            "paths": ", ".join(quote(p) for p in paths),
            "etags": ", ".join(quote(etags[p]) if etags and etags.get(p) else "nil" for p in paths),
        }
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
            handle.write(script)
            script_path = handle.name
        try:
            completed = subprocess.run(
                [self.wrk, "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout", "5s", "-s", script_path, base_url],
                capture_output=True, text=True, timeout=seconds + 60,
            )
        finally:
            os.unlink(script_path)
        line = next((l for l in completed.stdout.splitlines() if l.startswith("WRKJSON ")), None)
        if line is None:
            raise RuntimeError(f"wrk gave no result (exit {completed.returncode}): {completed.stdout[-500:]} {completed.stderr[-500:]}")
        raw = json.loads(line[len("WRKJSON "):])
        duration = raw["duration_us"] / 1e6
        errors = raw["err_connect"] + raw["err_read"] + raw["err_write"] + raw["err_timeout"]
        return {
            "generator": "wrk", "connections": connections, "seconds": round(duration, 2), "requests": raw["requests"],
            "rps": raw["requests"] / duration if duration else 0.0,
            "p50_ms": raw["p50_us"] / 1000, "p90_ms": raw["p90_us"] / 1000, "p95_ms": raw["p95_us"] / 1000,
            "p99_ms": raw["p99_us"] / 1000, "max_ms": raw["max_us"] / 1000, "mean_ms": raw["mean_us"] / 1000,
            "statuses": {int(k): v for k, v in raw["statuses"].items()}, "socket_errors": errors,
            "non_2xx_3xx": raw["err_status"], "bytes": raw["bytes"],
        }


def _run_python(base_url, paths, connections, seconds, etags):
    parsed = urlparse(base_url)
    deadline = time.monotonic() + seconds
    latencies, statuses, errors = [], Counter(), Counter()
    lock = threading.Lock()

    def worker(offset):
        conn = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=5)
        mine, mine_status, i = [], Counter(), offset
        while time.monotonic() < deadline:
            path = paths[i % len(paths)]
            i += 1
            headers = {"If-None-Match": etags[path]} if etags and etags.get(path) else {}
            started = time.perf_counter()
            try:
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                response.read()
                mine.append(time.perf_counter() - started)
                mine_status[response.status] += 1
            except (OSError, http.client.HTTPException):
                errors["socket"] += 1
                conn.close()
                conn = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=5)
        conn.close()
        with lock:
            latencies.extend(mine)
            statuses.update(mine_status)

    started = time.monotonic()
    threads = [threading.Thread(target=worker, args=(n,)) for n in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(seconds + 30)
    duration = time.monotonic() - started
    ms = sorted(x * 1000 for x in latencies)
    return {
        "generator": "python-threads", "connections": connections, "seconds": round(duration, 2), "requests": len(ms),
        "rps": len(ms) / duration if duration else 0.0,
        "p50_ms": percentile(ms, 50), "p90_ms": percentile(ms, 90), "p95_ms": percentile(ms, 95),
        "p99_ms": percentile(ms, 99), "max_ms": ms[-1] if ms else None, "mean_ms": sum(ms) / len(ms) if ms else None,
        "statuses": dict(statuses), "socket_errors": errors["socket"],
        "non_2xx_3xx": sum(v for k, v in statuses.items() if not 200 <= k < 400), "bytes": None,
    }
