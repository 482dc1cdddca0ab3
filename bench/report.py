"""The one table `make bench` prints: each figure, the limit it is compared with (measured
in the same run), the ratio, and the issue's target next to it."""

HEADER = ("figure", "measured", "limit (same run)", "ratio", "target", "verdict")
from devtools.stack import SERVICES as STACK_SERVICES

# Every service of the stack and the gateway (the memory target is per service), then the infrastructure and the client.
SERVICES = STACK_SERVICES + ("gateway",)
SHORT = {**{name: name for name in SERVICES}, "secantusdb": "db", "rabbitmq": "mq", "bench client (+wrk)": "client"}


def _n(value, digits=0):
    return "-" if value is None else f"{value:,.{digits}f}"


def _pct(value):
    return "-" if value is None else f"{100 * value:.0f}%"


def _lat(d):
    if not d or d.get("p50_ms") is None:
        return "-"
    return f"p50 {_n(d['p50_ms'])} / p95 {_n(d.get('p95_ms'))} / p99 {_n(d['p99_ms'])} ms"


def _verdict(ok):
    return "" if ok is None else ("PASS" if ok else "FAIL")


def rows(results, memory_limit_mb):
    out, notes = [], []
    section = lambda title: out.append(("section", title))
    row = lambda *cells: out.append(("row", tuple(str(c) for c in cells)))
    lim = results.get("limits") or {}

    section("Limits of this machine, measured in this run")
    for key, label, unit in (
        ("pika_publish_confirm_each", "RabbitMQ publish 2 KB persistent, confirm each", "msg/s"),
        ("pika_publish_confirm_batched", "RabbitMQ publish 2 KB persistent, confirms per 100", "msg/s"),
        ("pika_consume", "RabbitMQ consume, prefetch 100, ack each", "msg/s"),
        ("mongo_insert_one", "DB insert_one ~2 KB", "ops/s"),
        ("mongo_transaction_1", "DB transaction of two ~2 KB inserts, 1 client", "tx/s"),
        ("mongo_transaction_4", "DB transaction of two ~2 KB inserts, 4 clients", "tx/s"),
    ):
        if key in lim:
            share = ((lim[key].get("process") or {}).get("cpu_share_of_one_core") or {})
            server = "secantusdb" if key.startswith("mongo") else "rabbitmq"
            busy = f" ({SHORT[server]} {_pct(share[server])} of a core)" if share.get(server) is not None else ""
            row(label, f"{_n(lim[key]['rate'])} {unit}{busy}", "", "", "", "")
    two = lim.get("raw_two_stage_limit")
    if two:
        row("L = raw two-stage limit (formula below)", f"{_n(two['rate'])} cases/s", f"bound by {two['bound_by']}", "", "", "")
        notes.append("L = min(publish rate with a confirm per message, consume rate, best DB transaction rate / 2): "
                     "each case is two stages, each one transaction and one confirmed publish.")
    for connections in (1, 10, 50):
        run = lim.get(f"trivial_nameko_{connections}")
        if run:
            row(f"T{connections} = trivial nameko @http, 1 KB JSON, {connections} conn",
                f"{_n(run['rps'])} req/s, p50 {_n(run['p50_ms'], 1)} / p99 {_n(run['p99_ms'], 1)} ms", "", "", "", "")

    limit = two["rate"] if two else None
    pipe = results.get("pipeline") or {}
    if any(k in pipe for k in ("max_rate", "fixed_rate_target", "fixed_rate_half_max")):
        section("Pipeline: submitted -> assigned, from the audit trail (intake's commit -> review's commit)")
    for name, title in (("max_rate", "max rate"), ("fixed_rate_half_max", "at max/2"), ("fixed_rate_target", "at L/4")):
        phase = pipe.get(name)
        if not phase:
            continue
        if phase.get("skipped"):
            row(f"{title}: skipped ({phase['skipped']})", "", "", "", "", "")
            continue
        stage = phase["submitted_to_assigned"]
        how = (f"{phase['threads']} client threads" if not phase["offered_rate"] else f"offered {phase['offered_rate']:.1f}/s")
        errors = sum((phase.get("upload_errors") or {}).values())
        is_max, is_target = name == "max_rate", name == "fixed_rate_target"
        ratio = (stage["throughput"] / limit) if (stage["throughput"] and limit) else None
        row(f"{title}, {phase['assigned']}/{phase['cases']} cases, {how}" + (f", {errors} upload errors" if errors else ""),
            f"{_n(stage['throughput'], 1)} cases/s", f"L {_n(limit)}", _pct(ratio),
            ">= 50% of L" if is_max else "", _verdict(ratio >= 0.5) if (is_max and ratio is not None) else "")
        row("  latency (audit: submitted -> assigned)", _lat(stage), "", "", "p99 < 250 ms at L/4" if is_target else "",
            _verdict(stage["p99_ms"] < 250) if (is_target and stage["p99_ms"] is not None) else "")
        row("  latency (client: upload due -> assigned)", _lat(phase.get("sent_to_assigned")), "", "", "", "")
        cpu = phase.get("cpu_ms_per_case") or {}
        total = sum(v for n, v in cpu.items() if n in SHORT)
        ceiling = phase.get("cpu_ceiling")
        row("  CPU ms per case", " ".join(f"{SHORT[n]} {cpu[n]:.0f}" for n in SHORT if n in cpu and cpu[n] >= 0.5)
            + f" = {total:.0f}", f"CPU ceiling {_n(ceiling, 1)}" if ceiling else "",
            _pct(stage["throughput"] / ceiling) if (ceiling and stage["throughput"]) else "", "", "")
    if pipe.get("fixed_rate_target"):
        notes.append("'at L/4': " + pipe.get("target_rate_rule", "") + "; 'at max/2': half the measured max-rate "
                     "throughput. Offered rates are open loop (a case is sent when due, answered or not).")
        notes.append("CPU ceiling = cores x 1000 / (CPU ms per case summed over every process on the box, the client included): "
                     "the most cases/s these processes could reach if every core were busy for them.")

    review = results.get("review") or {}
    if review.get("assigned_to_published"):
        section(f"Review, scripted with zero think time: {review['published']}/{review['cases']} cases, 8 client threads, "
                f"26 HTTP calls per case")
        stage = review["assigned_to_published"]
        ratio = (stage["throughput"] / limit) if (stage["throughput"] and limit) else None
        row("assigned -> published: throughput", f"{_n(stage['throughput'], 2)} cases/s", f"L {_n(limit)}", _pct(ratio), "", "")
        row("  latency", _lat(stage), "", "", "", "")
        row("approved -> published (event, publication's commit)", _lat(review["approved_to_published"]), "", "", "", "")
        tx = max(lim.get("mongo_transaction_1", {}).get("rate", 0), lim.get("mongo_transaction_4", {}).get("rate", 0)) or None
        per_s = review.get("audit_entries_per_s")
        row("decisions recorded (audit entries, one per transaction)", f"{_n(per_s)} /s", f"DB tx {_n(tx)}/s",
            _pct(per_s / tx if per_s and tx else None), "", "")
        calls = review.get("http_calls") or {}
        for kind in ("POST /self-assessments", "GET /cases/{id}", "PUT /ratings/{cid}", "POST /finalise"):
            if calls.get(kind, {}).get("count"):
                row(f"client latency {kind}", _lat(calls[kind]), "", "", "", "")

    read = results.get("read_path") or {}
    if read.get("runs") is not None:
        section(f"Public read path: {read.get('findings_available')} findings; {results.get('load_generator', '?')}, "
                f"{results.get('config', {}).get('http_seconds')} s per run")
        for run in read["runs"]:
            trivial = lim.get(f"trivial_nameko_{run['connections']}") or {}
            ratio = run["rps"] / trivial["rps"] if trivial.get("rps") else None
            is_target = run["what"] == "findings list (JSON)" and run["connections"] == 10 and not run["conditional"]
            bad = run.get("socket_errors", 0) + run.get("non_2xx_3xx", 0)
            name = (f"{run['what']}, {run['where']}, {run['connections']} conn" + (", If-None-Match" if run["conditional"] else "")
                    + (f" ({bad} errors)" if bad else ""))
            ok = (ratio >= 0.6 and run["p99_ms"] < 50 and bad == 0) if (is_target and ratio is not None) else None
            row(name, f"{_n(run['rps'])} req/s, p50 {_n(run['p50_ms'], 1)} / p99 {_n(run['p99_ms'], 1)} ms",
                f"T{run['connections']} {_n(trivial.get('rps'))}", _pct(ratio),
                ">= 60% of T10, p99 < 50 ms" if is_target else "", _verdict(ok))
        again = read.get("list_after_uploads")
        if again:
            trivial = lim.get("trivial_nameko_10") or {}
            ratio = again["rps"] / trivial["rps"] if trivial.get("rps") else None
            bad = again.get("socket_errors", 0) + again.get("non_2xx_3xx", 0)
            row(f"list, gateway, 10 conn, AFTER the uploads ({again.get('open_cases')} cases open)" + (f" ({bad} errors)" if bad else ""),
                f"{_n(again['rps'])} req/s, p50 {_n(again['p50_ms'], 1)} / p99 {_n(again['p99_ms'], 1)} ms",
                f"T10 {_n(trivial.get('rps'))}", _pct(ratio), ">= 60% of T10, p99 < 50 ms",
                _verdict(ratio >= 0.6 and again["p99_ms"] < 50 and bad == 0) if ratio is not None else "")
        for name, probe in (read.get("conditional_get") or {}).items():
            if not probe.get("supported"):
                row(f"{name}, If-None-Match", "304 " + probe.get("note", "not implemented"), "", "", "", "")
        for name, note in (read.get("not_implemented") or {}).items():
            row(name, note, "", "", "", "")

    processes = results.get("processes") or {}
    peak = processes.get("peak_rss_mb") or {}
    if peak:
        cases = processes.get("cases_uploaded")
        section(f"Processes over the whole run ({cases if cases is not None else '?'} cases uploaded; psutil every 0.5 s)")
        phases = processes.get("phases") or {}
        idle = (processes.get("idle") or {}).get("cpu_share_of_one_core") or {}
        for name in SHORT:
            if name not in peak:
                continue
            cpu = sum(p["cpu_s"].get(name, 0) for p in phases.values())
            service = name in SERVICES
            during = max(phases.items(), key=lambda kv: (kv[1].get("peak_rss_mb") or {}).get(name, 0), default=(None, {}))[0]
            row(f"{name}: peak RSS; CPU in measured phases",
                f"{_n(peak[name])} MB" + (f" (during {during})" if during and service else "") + f"; {_n(cpu, 1)} s", "", "",
                f"< {memory_limit_mb} MB RSS" if service else "", _verdict(peak[name] < memory_limit_mb) if service else "")
        idle_phase = processes.get("idle") or {}
        if idle:
            row(f"idle 5 s with {idle_phase.get('open_cases', '?')} cases open in review: CPU share of a core",
                " ".join(f"{SHORT[n]} {_pct(idle[n])}" for n in SHORT if n in idle and idle[n] >= 0.005), "", "", "", "")
        notes.append("The issue's memory target is for 10,000 cases; this run uploaded "
                     f"{cases if cases is not None else '?'} (BENCH_CASES=10000 make bench to go larger).")
    if results.get("error"):
        section(f"ERROR: {results['error']}")
    if results.get("interrupted"):
        section("INTERRUPTED: the figures above are partial")
    return out, notes


def render(results, memory_limit_mb=150):
    lines, notes = rows(results, memory_limit_mb)
    cells = [HEADER] + [r for kind, r in lines if kind == "row"]
    widths = [max(len(c[i]) for c in cells) for i in range(len(HEADER))]
    fmt = lambda c: " | ".join(c[i].ljust(widths[i]) for i in range(len(c)))
    total = sum(widths) + 3 * (len(widths) - 1)
    text = [fmt(HEADER).rstrip(), "=" * total]
    for kind, content in lines:
        if kind == "section":
            text.append("-- " + content + " " + "-" * max(0, total - len(content) - 4))
        else:
            text.append(fmt(content).rstrip())
    text.append("=" * total)
    text += [f"* {note}" for note in notes]
    return "\n".join(text)
