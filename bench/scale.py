"""`make bench-scale` / `python -m bench.scale`: what each public read, the log and the deadline watch cost as
the published findings grow (issue 17). Prints a table (p50 / p99 per size, and each read's p99 at the
largest size over its p99 at the smallest) and writes the figures and a log-log plot to bench/results/.

    python -m bench.scale [--sizes 100,1000,10000] [--repeat 20] [--leaves-per-finding 100]

Seeding goes through the services' own code: each finding is published by publication's
`handlers.publish` in one unit of work (what `on_review_approved` runs), on a `review.approved`
payload built from bench/cases.py's 20-commitment self-assessment and checked by the event's contract;
the self-assessment is first stored by intake's own `handlers.submit_self_assessment` (its event kept unsent:
the bench carries the case on), and the review's decisions are recorded with `uow.record` as review records
them. Before the reads, the bench waits for every consumer to have handled the events the seeding sent.
The transparency log is then filled to `--leaves-per-finding` x size leaves (1,000,000 at 10,000 findings): extra leaf hashes are queued in the log queue, where `uow.record` puts every entry's,
and appended by the log's own sequencer (`TransparencyLog.sequence`, big batches). Everything is measured
against the real processes (`devtools/stack.py`'s stack) over HTTP on the services' own ports, except
the log's append and checkpoint and the deadline watch's reads, which are timed in this process on the
same code. Each read is called on distinct URLs (the services keep rendered bodies per URL: a repeated URL
measures the cache, shown on its own rows). Runs on an embedded SecantusDB, or on MONGODB_URI.
"""
import argparse
import json
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import psutil
import requests

from bench import cases, scale_report
from bench.infra import Infrastructure, drop_databases, new_tag

RESULTS = Path(__file__).resolve().parent / "results"
STACK_ENV = {"PYTHONWARNINGS": "ignore", "GOVERNMENT_REVIEW_SECONDS": "0", "PUBLIC_COMMENT_SECONDS": "0",
             "PUBLIC_COMMENT_MIN_SECONDS": "0"}
CASES_PER_TRAIL_TRANSACTION = 25
# The filler leaves go straight into the log's append (TransparencyLog.append_leaves), 5,000 per transaction: through the
# queue, the append deletes its batch with one `$in`, which SecantusDB answers in time quadratic in the batch (20 ms for
# 100, 2 s for 1,000), and at 100 a batch the 1,000,000 leaves of the 10,000 size took ~45 minutes.
FILL_BATCH = 5000
FILLER_CASE = "bench-scale-log-filler"


def options(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench.scale", description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default=os.environ.get("BENCH_SCALE_SIZES", "100,1000,10000"),
                        help="published findings at each measurement, ascending (quick: 100,1000)")
    parser.add_argument("--repeat", type=int, default=int(os.environ.get("BENCH_SCALE_REPEAT", "20")),
                        help="calls per read and size (distinct URLs)")
    parser.add_argument("--open-data-repeat", type=int, default=5, help="downloads of each open-data file per size (the first renders it while sending it, the others read the file)")
    parser.add_argument("--leaves-per-finding", type=int, default=100,
                        help="transparency-log leaves per published finding (100: 1,000,000 at 10,000 findings)")
    parser.add_argument("--keep-logs", action="store_true")
    args = parser.parse_args(argv)
    args.sizes = sorted({int(size) for size in args.sizes.split(",")})
    if args.sizes[0] < 20 or args.repeat < 2:
        parser.error("need sizes >= 20 and --repeat >= 2")
    return args


def say(text):
    print(f"[{time.strftime('%H:%M:%S')}] {text}", flush=True)


def timed_ms(work):
    started = time.perf_counter()
    work()
    return (time.perf_counter() - started) * 1000


# --- seeding, through the services' code ----------------------------------------------------------
def approved_payload(index):
    """A `review.approved` payload for bench case `index`, checked by the event's contract as review's finalise sends it."""
    from devtools import sample
    from shared.contracts.events import REVIEW_APPROVED, build_event

    body = cases.self_assessment(index)
    code, kind, _region, names = cases.plan_of(index)[0]
    languages = sorted({lang for c in body["commitments"] for lang in c["title"]})
    commitments = [{"commitment_id": c["commitment_id"], "number": c["number"], "title": c["title"],
                    "self_reported_completion": c["self_reported_completion"],
                    "ratings": json.loads(json.dumps(cases.ratings_for(c["number"])))} for c in body["commitments"]]
    payload = {"case_id": case_id(index), "self_assessment_id": f"sa_scale_{index:05d}",
               "member": {"code": code, "kind": kind, "names": names}, "action_plan": body["action_plan"],
               "languages": languages, "expert_id": cases.EXPERTS[index % len(cases.EXPERTS)][0],
               "reviewer_id": sample.REVIEWER, "commitments": commitments,
               "plan_assessment": json.loads(json.dumps(sample.PLAN_ASSESSMENT)),
               "government_comments": [], "public_comments": []}
    return build_event(REVIEW_APPROVED, payload, correlation_id=f"corr-scale-{index}",
                       actor={"role": "expert", "id": payload["expert_id"]}).payload


def case_id(index):
    return f"case_scale_{index:05d}"


class _EventsCarriedByTheBench:
    """A unit of work whose events stay unsent. The bench carries each service's work to the next itself (review's
    decisions recorded as review records them, the finding published by publication's handler): a sent
    `self_assessment.submitted` would have review open a second, live case for a finding already published."""

    def __init__(self, uow):
        self._uow = uow

    def emit(self, event):
        pass

    def __getattr__(self, name):
        return getattr(self._uow, name)


def record_trails(client, members, indices, payloads):
    """What each case holds before publication, as intake and review write it: intake's stored self-assessment
    and its audit entry by intake's own handler (so intake's consumers find it when the finding is published,
    as they do for a case that went through the pipeline), then review's decisions (uow.record; what people
    wrote sealed): an assignment, acceptance, the ratings, the plan assessment, submission, quality approval,
    public comment and approval."""
    from services.intake import handlers as intake_handlers
    from services.intake.schemas import SUBMISSION
    from shared.auth import Principal
    from shared.clock import utcnow
    from shared.persistence.unit_of_work import run_in_transaction

    system, quality = {"role": "system", "id": "review"}, {"role": "quality_reviewer", "id": "iep-rivera"}

    def intake(uow):
        for index, p in zip(indices, payloads):
            code = p["member"]["code"]
            intake_handlers.submit_self_assessment(
                _EventsCarriedByTheBench(uow), Principal(subject=f"poc-{code}", role="poc", member_code=code),
                SUBMISSION.load(cases.self_assessment(index)), members[code], self_assessment_id=p["self_assessment_id"],
                case_id=p["case_id"], idempotency_key=None, request_fingerprint=None, correlation_id=f"corr-{p['case_id']}",
                now=utcnow())

    def review(uow):
        for p in payloads:
            expert = {"role": "expert", "id": p["expert_id"]}
            steps = (("review.assigned", system, "Least loaded expert with no conflict.", {"expert_id": p["expert_id"]}, None),
                     ("review.accepted", expert, "Accepted.", {}, None),
                     ("rating.saved", expert, "Ratings saved.", {"commitments": len(p["commitments"])},
                      {"ratings": {c["commitment_id"]: c["ratings"] for c in p["commitments"]}}),
                     ("plan_assessment.saved", expert, "Plan assessment saved.", {}, {"plan_assessment": p["plan_assessment"]}),
                     ("review.submitted", expert, "Submitted for quality review.", {}, None),
                     ("review.quality_approved", quality, "Approved.", {}, None),
                     ("review.public_comment_opened", expert, "Public comment opened.", {}, None),
                     ("review.approved", expert, "Finalised.", {}, None))
            for action, actor, reason, data, sealed in steps:
                uow.record(case_id=p["case_id"], action=action, actor=actor, reason=reason, data=data, sealed=sealed,
                           correlation_id=f"corr-{p['case_id']}")

    run_in_transaction(client, "intake", intake)
    run_in_transaction(client, "review", review)


def add_members() -> dict:
    """The members the cases are for, added as an operator adds them (irmctl member add): {code: stored Member}."""
    from cli import operations

    return {code: operations.add_member(code, kind, names, region=region) for code, kind, region, names in cases.MEMBERS}


def seed_findings(client, transparency, members, start, end):
    """Publish bench cases start..end-1 with publication's handler, one unit of work each (as on review.approved),
    the log's sequencer taking in their trails as it goes, as a running publication does: a queue left to grow
    is read whole by every append on SecantusDB (a sorted read; 5 s an append behind 90,000 waiting entries)."""
    from services.publication import handlers
    from shared.clock import utcnow
    from shared.persistence.unit_of_work import run_in_transaction

    for first in range(start, end, CASES_PER_TRAIL_TRANSACTION):
        indices = range(first, min(end, first + CASES_PER_TRAIL_TRANSACTION))
        payloads = [approved_payload(i) for i in indices]
        record_trails(client, members, indices, payloads)
        for payload in payloads:
            run_in_transaction(client, "publication", lambda uow, p=payload: handlers.publish(
                uow, p, f"corr-{p['case_id']}", utcnow()))
        while transparency.sequence(client):
            pass
        if (first - start) % 250 == 0:
            say(f"  published {min(end, first + CASES_PER_TRAIL_TRANSACTION)} of {end} findings")


def fill_log(client, transparency, target, batch):
    """Append the queue (the trails' entries) with the log's sequencer, then filler leaves with the log's own append,
    `batch` per transaction, until the log holds `target` leaves. Returns the log's size."""
    from shared.transparency.merkle import leaf_hash

    while transparency.sequence(client):
        pass
    size, _ = transparency.state()
    while size < target:
        chunk = range(size, min(target, size + batch))
        size = transparency.append_leaves(client, [{"case_id": FILLER_CASE, "seq": i,
                                                    "leaf_hash": leaf_hash(f"bench-scale filler leaf {i}".encode())} for i in chunk])
    return size


def bench_transparency_log(key):
    """The log's own shell (publication's TransparencyLog) with the stack's signing key, outside nameko."""
    from services.publication.transparency_log import TransparencyLog

    transparency = TransparencyLog()
    transparency.key = key
    transparency.checkpoint_every = timedelta(0)
    return transparency


# --- in-process measurements ---------------------------------------------------------------------
def measure_log_writes(client, transparency, repeat, leaves=10):
    """The sequencer's append of one case's worth of queued leaves, and the checkpoint signed after it."""
    from shared.persistence.documents import LogQueueEntry
    from shared.transparency.merkle import leaf_hash

    appends, checkpoints = [], []
    for rep in range(repeat):
        size, _ = transparency.state()
        LogQueueEntry._get_collection().insert_many([
            {"case_id": FILLER_CASE, "seq": size + i, "leaf_hash": leaf_hash(f"bench-scale append {size + i}".encode())}
            for i in range(leaves)])
        appends.append(timed_ms(lambda: transparency.sequence(client)))
        time.sleep(0.002)  # a checkpoint's signed_at must move on
        checkpoints.append(timed_ms(lambda: transparency.checkpoint_if_due()))
    return {"log: sequencer append (10 leaves)": appends, "log: checkpoint": checkpoints}


def measure_deadline_watch(repeat):
    """The deadline watch's reads each second (services/review/service.py watch_deadlines): the due cases of each
    expert stage, then the waiting ones. The seed opens no review case, so nothing is due."""
    from services.review import queries
    from services.review.domain import workflow

    def tick():
        until = datetime.now(timezone.utc) + timedelta(days=30)
        for stage in workflow.EXPERT_STAGES:
            list(queries.cases_due(stage, until))
        list(queries.waiting_cases())

    return {"deadline watch: tick's reads": [timed_ms(tick) for _ in range(repeat)]}


# --- over HTTP -----------------------------------------------------------------------------------
class RssSampler:
    """Peak RSS of one process while something runs (sampled every 5 ms)."""

    def __init__(self, pid):
        self.process = psutil.Process(pid)
        self.peak = 0
        self.running = False

    def __enter__(self):
        self.base = self.peak = self.process.memory_info().rss
        self.running = True
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.thread.start()
        return self

    def _loop(self):
        while self.running:
            self.peak = max(self.peak, self.process.memory_info().rss)
            time.sleep(0.005)

    def __exit__(self, *exc):
        self.running = False
        self.thread.join()


def get_ms(session, url, expect=200):
    started = time.perf_counter()
    answer = session.get(url, timeout=120)
    elapsed = (time.perf_counter() - started) * 1000
    if answer.status_code != expect:
        raise RuntimeError(f"GET {url}: {answer.status_code} {answer.text[:300]}")
    return elapsed


def download(session, url, pid):
    """(time to first byte ms, total ms, bytes, RSS MB before, peak RSS MB of the serving process) of one download."""
    with RssSampler(pid) as rss:
        started = time.perf_counter()
        answer = session.get(url, timeout=300, stream=True)
        chunks = answer.iter_content(65536)
        first = next(chunks, b"")
        ttfb = (time.perf_counter() - started) * 1000
        size = len(first) + sum(len(chunk) for chunk in chunks)
        total = (time.perf_counter() - started) * 1000
    if answer.status_code != 200:
        raise RuntimeError(f"GET {url}: {answer.status_code}")
    return ttfb, total, size, rss.base / 2**20, rss.peak / 2**20


def measure_http(publication, web, publication_pid, log_size, repeat, open_data_repeat, tag):
    """Every public read over HTTP on the services' ports. Each sample is a distinct URL (its first render);
    the `(repeated URL)` rows call one URL again and again (the bodies kept in memory)."""
    from services.publication import documents, paging

    session = requests.Session()
    out = {}
    collection = documents.Finding._get_collection()
    current = list(collection.find({"superseded_by": None}, {"_id": 1, "case_id": 1, "member_code": 1, "position": 1},
                                   sort=[("position", -1)]))
    step = max(1, len(current) // repeat)
    sample_findings = current[::step][:repeat]
    members = [m[0] for m in cases.MEMBERS]
    limits = range(20, 20 + repeat)

    def series(name, urls, base=publication):
        started = time.monotonic()
        out[name] = [get_ms(session, base + url) for url in urls]
        say(f"  {name}: {len(out[name])} calls in {time.monotonic() - started:.1f} s")

    def repeated(name, url):
        get_ms(session, url)  # rendered once and kept: the calls below read the kept body
        out[name] = [get_ms(session, url) for _ in range(repeat)]

    series("findings list: first page", [f"/api/v1/findings?limit={n}" for n in limits])
    repeated("findings list: first page (repeated URL)", publication + "/api/v1/findings")
    series("findings list: filtered page", [f"/api/v1/findings?completion=substantial&language=fr&limit={n}" for n in limits])
    deep = current[int(len(current) * 0.9):]
    cursors = [paging.encode_cursor(raw["position"]) for raw in deep[:repeat]]
    series("findings list: deep cursor page (90%)", [f"/api/v1/findings?cursor={c}" for c in cursors])
    series("a finding", [f"/api/v1/findings/{raw['_id']}" for raw in sample_findings])
    series("a member's findings", [f"/api/v1/findings?member={members[i % len(members)]}&limit={20 + i // len(members)}"
                                   for i in range(repeat)])
    for kind in ("atom", "json"):
        label = "Atom" if kind == "atom" else "JSON"
        url = f"/api/v1/feeds/findings.{kind}"
        out[f"{label} feed: whole (first call)"] = [get_ms(session, publication + url)]
        out[f"{label} feed: whole (repeated URL)"] = [get_ms(session, publication + url) for _ in range(repeat)]  # kept since the first
        series(f"{label} feed: a member's", [f"{url}?member={members[i]}" for i in range(min(repeat, len(members)))])
    extras = {}
    for kind in ("csv", "json"):
        ttfbs, totals, sizes, bases, peaks = [], [], [], [], []
        # Open data is rendered once per content (publication's open_data_files.py), whatever the URL: the first
        # download after the seeding streams it while it is rendered, the next ones read the finished file.
        for rep in range(open_data_repeat):
            ttfb, total, length, base, peak = download(session, f"{publication}/api/v1/open-data/commitments.{kind}?n={tag}-{rep}",
                                                 publication_pid)
            ttfbs.append(ttfb), totals.append(total), sizes.append(length), bases.append(base), peaks.append(peak)
        name = f"open data {kind.upper()}"
        say(f"  {name}: {open_data_repeat} downloads, {max(totals) / 1000:.1f} s at most")
        out[f"{name}: time to first byte"] = ttfbs[:1]
        out[f"{name}: total"] = totals[:1]
        if open_data_repeat > 1:
            out[f"{name}: total (finished file)"] = totals[1:]
        extras[f"{name}: total"] = {"bytes": max(sizes), "rss_before_mb": round(min(bases), 1), "peak_rss_mb": round(max(peaks), 1),
                                    "memory": f"{max(sizes) / 2**20:.1f} MB body; RSS {min(bases):.0f} -> peak {max(peaks):.0f} MB"}
    series("timeline", [f"/api/v1/cases/{raw['case_id']}/timeline" for raw in sample_findings])
    indexes = [(log_size - 1) * i // max(1, repeat - 1) for i in range(repeat)]
    series("inclusion proof", [f"/api/v1/log/proofs/inclusion?index={i}&size={log_size}" for i in indexes])
    series("consistency proof", [f"/api/v1/log/proofs/consistency?from={max(1, i)}&to={log_size}" for i in indexes])
    languages = ("fr", "ar", "en")
    out["web: home (ar, fr, en in turn)"] = [get_ms(session, f"{web}/{languages[i % 3]}/") for i in range(repeat)]
    series("web: findings list", [f"/fr/findings?limit={n}" for n in limits], base=web)
    series("web: a finding", [f"/fr/findings/{raw['_id']}" for raw in sample_findings], base=web)
    series("web: a member", [f"/{languages[i // len(members) % 3]}/members/{members[i % len(members)]}" for i in range(repeat)],
           base=web)
    return out, extras


# --- the run -------------------------------------------------------------------------------------
def wait_until_drained(remaining, what, stall=120):
    """Wait for `remaining()` to reach 0, saying how far it is; give up only when it stops going down.

    A backlog's drain time grows with its size (the 9,900 events of a 10,000 seeding took longer than a fixed
    five minutes), so the limit is on a stall, not on the whole wait."""
    left = remaining()
    last_drop, last_said = time.monotonic(), 0.0
    while left:
        now = time.monotonic()
        if now - last_drop > stall:
            raise RuntimeError(f"{what}: still {left:,} after {stall} s without progress")
        if now - last_said > 15:
            say(f"waiting for {what}: {left:,} left")
            last_said = now
        time.sleep(0.5)
        current = remaining()
        if current < left:
            last_drop = time.monotonic()
        left = current


def wait_for_consumers(infra):
    """Wait for the consumers to handle every delivered event (retries included); say what was parked on the
    dead-letter queue, since a consumer that fails measures a broken system (and spends the machine on retries).
    Returns what to record: what was still queued when the reads began, and the parked messages (None: unknown)."""
    from shared.delivery import DEAD_LETTER_QUEUE

    def waiting(queues):
        return sum(count for name, count in queues.items() if name != DEAD_LETTER_QUEUE)

    if infra.queued_messages() is None:
        say("the broker's queues cannot be read (AMQP_URI given): measuring without waiting for the consumers")
        return {"_queued_when_measured": None, "_parked": None}
    try:
        wait_until_drained(lambda: waiting(infra.queued_messages()), "events queued for the consumers", stall=90)
    except RuntimeError as exc:  # a stuck consumer must not stop the bench: it is said and recorded
        say(f"{exc}: measuring anyway")
    queues = infra.queued_messages()
    parked = queues.get(DEAD_LETTER_QUEUE, 0)
    if parked:
        say(f"{parked:,} events parked on the dead-letter queue: a consumer failed them (--keep-logs keeps its log)")
    return {"_queued_when_measured": waiting(queues), "_parked": parked}


def _interrupt(*_):
    raise KeyboardInterrupt()


def main(argv=None):
    args = options(argv)
    from devtools.stack import ServiceStack
    from services.intake import documents as intake_documents
    from services.publication import documents as publication_documents
    from services.review import documents as review_documents
    from shared import settings
    from shared.persistence import mongo
    from shared.persistence.documents import LogQueueEntry, OutboxMessage
    from shared.service_shell import SHARED_DOCUMENTS
    from shared.transparency.note import SigningKey

    RESULTS.mkdir(exist_ok=True)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    tag = new_tag()
    workdir = tempfile.mkdtemp(prefix="irm-bench-scale-")
    infra = Infrastructure(workdir, tag, say=say)
    stack = None
    results = {"started": stamp, "sizes": {}, "extras": {}, "options": {k: v for k, v in vars(args).items()}}
    signal.signal(signal.SIGTERM, _interrupt)
    uri = None
    try:
        infra.open()
        uri = infra.mongodb_uri("scale")
        results["database"], results["broker"] = infra.mongo_source, infra.amqp_source
        say(f"database: {infra.mongo_source}; broker: {infra.amqp_source}")
        client = mongo.connect(uri)
        mongo.ensure_indexes(SHARED_DOCUMENTS + intake_documents.ALL + publication_documents.ALL + review_documents.ALL)
        members = add_members()
        key = SigningKey.generate(settings.default("LOG_ORIGIN"))
        transparency = bench_transparency_log(key)
        stack = ServiceStack(amqp_uri=infra.amqp_uri, mongodb_uri=uri, log_dir=Path(workdir) / "logs",
                             extra_env={**STACK_ENV, "LOG_SIGNING_KEY": str(key)}, public_feed=False)
        seeded, running = 0, False
        for size in args.sizes:
            started = time.monotonic()
            if running:
                stack.kill("publication", signal.SIGTERM)  # its sequencer would race ours; the web reads go on
            say(f"size {size}: publishing {size - seeded} findings through publication's handler")
            seed_findings(client, transparency, members, seeded, size)
            seeded = size
            target = size * args.leaves_per_finding
            log_size = fill_log(client, transparency, target, batch=FILL_BATCH)
            say(f"size {size}: log at {log_size:,} leaves; seeded in {time.monotonic() - started:.0f} s")
            figures = {}
            figures.update(measure_log_writes(client, transparency, args.repeat))
            figures.update(measure_deadline_watch(args.repeat))
            if running:
                stack.respawn("publication")
                stack.wait_healthy()
            else:
                say("starting the stack (devtools/stack.py)")
                stack.start()
                running = True
            wait_until_drained(lambda: OutboxMessage._get_collection().count_documents({"sent_at": None}), "unsent events")
            wait_until_drained(lambda: LogQueueEntry._get_collection().count_documents({}), "the log queue")
            consumers = wait_for_consumers(infra)  # sent is not yet handled: publication itself consumes each finding
            time.sleep(2)  # the services' freshness markers (refreshed every second) see the last publication
            log_size = transparency.state()[0]
            publication = f"http://127.0.0.1:{stack.service_ports['publication']}"
            web = f"http://127.0.0.1:{stack.service_ports['web']}"
            say(f"size {size}: measuring over HTTP ({args.repeat} calls per read)")
            http_figures, extras = measure_http(publication, web, stack.processes["publication"].pid, log_size,
                                                args.repeat, args.open_data_repeat, f"{tag}{size}")
            figures.update(http_figures)
            results["sizes"][size] = {read: scale_report.summary(samples) for read, samples in figures.items()}
            for read, extra in extras.items():
                results["sizes"][size][read].update(extra)
            results["sizes"][size]["_log_size"] = log_size
            results["sizes"][size].update(consumers)
            results["sizes"][size]["_load_average"] = os.getloadavg()
            say(f"size {size}: done in {time.monotonic() - started:.0f} s")
    except KeyboardInterrupt:
        say("interrupted: stopping what was started")
    except Exception as exc:  # the sizes measured so far are still printed and written
        say(f"stopped: {type(exc).__name__}: {exc}")
        results["error"] = f"{type(exc).__name__}: {exc}"
    finally:
        if stack is not None:
            stack.stop()
        if uri and not infra.mongo:
            try:
                drop_databases([uri])
            except Exception as exc:
                say(f"could not drop {uri}: {exc}")
        for error in infra.close():
            say(error)
    by_size = {size: {read: s for read, s in figures.items() if not read.startswith("_")}
               for size, figures in results["sizes"].items()}
    if not by_size:
        shutil.rmtree(workdir, ignore_errors=True)
        return 1
    print()
    print(f"Scale bench, {results['database']}; p50 / p99 in ms over distinct URLs; the last column is p99 at the largest "
          f"size over p99 at the smallest. Log leaves: "
          + ", ".join(f"{results['sizes'][s]['_log_size']:,} at {s:,}" for s in sorted(results["sizes"]))
          + ". Load average (1, 5, 15 min) after each size: "
          + "; ".join(f"{s:,}: " + " ".join(f"{v:.1f}" for v in results["sizes"][s]["_load_average"]) for s in sorted(results["sizes"]))
          + ". Events still queued for the consumers when the reads began, and parked on the dead-letter queue: "
          + "; ".join(f"{s:,}: {results['sizes'][s]['_queued_when_measured']}, {results['sizes'][s]['_parked']}"
                      for s in sorted(results["sizes"])))
    print(scale_report.table(by_size, extra_key="memory", extra_label="open data at the largest size: publication's memory"))
    json_path = RESULTS / f"scale-{stamp}.json"
    json_path.write_text(json.dumps(results, indent=2, default=str))
    png = RESULTS / f"scale-{stamp}.png"
    drawn = scale_report.plot(by_size, png, f"irm-review scale bench {stamp} ({'MONGODB_URI' if os.environ.get('MONGODB_URI') else 'SecantusDB'})")
    print(f"\nfigures: {json_path}" + (f"\nplot: {png}" if drawn else "\nno plot: matplotlib is not installed (pip install -e '.[dev]')"))
    if args.keep_logs and (Path(workdir) / "logs").exists():
        kept = RESULTS / f"scale-{stamp}-logs"
        shutil.copytree(Path(workdir) / "logs", kept)
        print(f"services' logs: {kept}")
    shutil.rmtree(workdir, ignore_errors=True)  # the database's files with it
    if results.get("error"):
        print(f"\nstopped before the end: {results['error']}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
