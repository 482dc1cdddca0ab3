"""The product's side: provisioning, the upload drivers, the scripted review, and the
latencies read back from the audit trail's own `occurred_at` timestamps."""
import math
import threading
import time
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor

import pymongo
import requests

from bench import cases
from bench.stats import parse_iso, summary_ms
from cli import operations
from devtools import sample
from services.review.schemas import MAX_CAPACITY

SUBMITTED, ASSIGNED, APPROVED, PUBLISHED = "self_assessment.submitted", "review.assigned", "review.approved", "finding.published"
REVIEWER = "iep-bench"


def provision(mongodb_uri, run_tag, room_for):
    """Members, experts with room for `room_for` open cases, and one token per actor (as `irmctl` does).

    Each expert profile of bench/cases.py is added as many times as the registry's capacity
    limit (review's ExpertSchema) requires: exp-bench-amina, exp-bench-amina-2, ..."""
    operations.connect(mongodb_uri)
    tokens = {"admin": operations.issue_token("admin", f"admin-bench-{run_tag}", label="bench"),
              REVIEWER: operations.issue_token("quality_reviewer", REVIEWER, label="bench")}
    for code, kind, region, names in cases.MEMBERS:
        operations.add_member(code, kind, names, region=region)
        tokens[f"poc:{code}"] = operations.issue_token("poc", f"poc-{code.lower()}-{run_tag}", member_code=code, label="bench")
    copies = max(1, math.ceil(room_for / (len(cases.EXPERTS) * MAX_CAPACITY)))
    for copy in range(1, copies + 1):
        for profile_id, languages, affiliations, expertise in cases.EXPERTS:
            expert_id = profile_id if copy == 1 else f"{profile_id}-{copy}"
            operations.add_expert(expert_id, expert_id, languages, affiliations, capacity=MAX_CAPACITY, expertise=expertise)
            tokens[expert_id] = operations.issue_token("expert", expert_id, label="bench")
    return tokens


class Http:
    """One keep-alive session per client thread; every call's latency is kept by kind."""

    def __init__(self, base_url, tokens):
        self.base = base_url
        self.tokens = tokens
        self.local = threading.local()
        self.lock = threading.Lock()
        self.latency_ms = defaultdict(list)
        self.statuses = defaultdict(Counter)

    def session(self):
        if not hasattr(self.local, "session"):
            self.local.session = requests.Session()
        return self.local.session

    def call(self, kind, method, path, token=None, body=None, data=None, headers=None, timeout=60):
        headers = dict(headers or {})
        if token:
            headers["Authorization"] = f"Bearer {self.tokens[token]}"
        if data is not None:
            headers["Content-Type"] = "application/json"
        started = time.perf_counter()
        try:
            answer = self.session().request(method, self.base + path, json=body, data=data, headers=headers, timeout=timeout)
        except requests.RequestException as exc:
            with self.lock:
                self.statuses[kind][type(exc).__name__] += 1
            return None
        elapsed = (time.perf_counter() - started) * 1000
        with self.lock:
            self.latency_ms[kind].append(elapsed)
            self.statuses[kind][answer.status_code] += 1
        return answer

    def report(self):
        with self.lock:
            return {kind: {**summary_ms(values), "statuses": {str(k): v for k, v in self.statuses[kind].items()}}
                    for kind, values in self.latency_ms.items()} | {
                kind: {"count": 0, "statuses": {str(k): v for k, v in counts.items()}}
                for kind, counts in self.statuses.items() if kind not in self.latency_ms}


def upload(http, index, body=None):
    member_code = cases.plan_of(index)[0][0]
    answer = http.call("POST /self-assessments", "POST", "/api/v1/self-assessments", token=f"poc:{member_code}",
                       data=body if body is not None else cases.encoded(index), headers={"Idempotency-Key": f"bench-{index}"})
    if answer is None or answer.status_code != 201:
        return None, (answer.status_code if answer is not None else "no answer"), (answer.text[:300] if answer is not None else "")
    return answer.json()["case_id"], 201, ""


def run_uploads(http, indices, rate=None, threads=12, say=print, label="upload"):
    """Upload the cases `indices`: at a fixed offered `rate` (open loop: case k is due at
    t0 + k/rate whether or not earlier ones have answered) or, without `rate`, as fast as
    `threads` clients can. Returns case ids, errors and client-side latencies."""
    bodies = {index: cases.encoded(index) for index in indices}
    case_ids, errors, lateness, answered_ms, sent_at = {}, Counter(), [], [], {}
    lock = threading.Lock()
    example_error = {}

    def one(index, due=None):
        now = time.monotonic()
        if due is not None:
            lateness.append(max(0.0, now - due) * 1000)
        wall = time.time() - (now - due if due is not None else 0.0)  # when it was due (open loop) or sent
        case_id, status, text = upload(http, index, bodies[index])
        took = (time.monotonic() - (due if due is not None else now)) * 1000
        with lock:
            answered_ms.append(took)
            if case_id:
                case_ids[index] = case_id
                sent_at[case_id] = wall
            else:
                errors[str(status)] += 1
                example_error.setdefault(str(status), text)
            done = len(case_ids) + sum(errors.values())
        if done % 100 == 0:
            say(f"    {label}: {done}/{len(indices)} answered")

    started = time.monotonic()
    with ThreadPoolExecutor(threads, thread_name_prefix=label) as pool:
        if rate:
            for k, index in enumerate(indices):
                due = started + k / rate
                pause = due - time.monotonic()
                if pause > 0:
                    time.sleep(pause)
                pool.submit(one, index, due)
        else:
            list(pool.map(one, indices))
    elapsed = time.monotonic() - started
    return {"case_ids": [case_ids[i] for i in indices if i in case_ids], "errors": dict(errors), "example_errors": example_error,
            "client_seconds": round(elapsed, 3), "client_rate": len(case_ids) / elapsed if elapsed else None,
            "start_lateness_ms": summary_ms(lateness) if rate else None, "sent_at": sent_at,
            # from when the upload was due (open loop) or sent, to its answer: includes waiting for a client thread
            "answered_ms": summary_ms(answered_ms)}


class AuditReader:
    def __init__(self, mongodb_uri):
        self.client = pymongo.MongoClient(mongodb_uri)
        self.db = self.client.get_default_database()
        self.entries = self.db["audit_entries"]

    def close(self):
        self.client.close()

    def wait_for(self, case_ids, action, timeout, say=print, label=""):
        """Wait until every case has an entry `action` (or the timeout); return how many do."""
        missing = set(case_ids)
        deadline = time.monotonic() + timeout
        last_report = 0.0
        while missing and time.monotonic() < deadline:
            chunk = list(missing)[:2000]
            for entry in self.entries.find({"case_id": {"$in": chunk}, "action": action}, {"case_id": 1, "_id": 0}):
                missing.discard(entry["case_id"])
            if missing:
                if time.monotonic() - last_report > 5:
                    say(f"    {label}: {len(case_ids) - len(missing)}/{len(case_ids)} with {action}")
                    last_report = time.monotonic()
                time.sleep(0.5)
        return len(case_ids) - len(missing)

    def times(self, case_ids, actions):
        """{case_id: {action: first occurred_at}} for the given cases and actions."""
        found = defaultdict(dict)
        ids = list(case_ids)
        for start in range(0, len(ids), 1000):
            for entry in self.entries.find({"case_id": {"$in": ids[start:start + 1000]}, "action": {"$in": list(actions)}},
                                           {"case_id": 1, "action": 1, "occurred_at": 1, "_id": 0}):
                moment = parse_iso(entry["occurred_at"])
                previous = found[entry["case_id"]].get(entry["action"])
                if previous is None or moment < previous:
                    found[entry["case_id"]][entry["action"]] = moment
        return found

    def count_entries_between(self, start_iso, end_iso):
        return self.entries.count_documents({"occurred_at": {"$gte": start_iso, "$lte": end_iso}})


def sent_to(times, sent_at, action):
    """Latency from the client's send (wall clock, same machine) to the audit entry `action`."""
    values = []
    for case_id, wall in sent_at.items():
        moment = times.get(case_id, {}).get(action)
        if moment is not None:
            values.append((moment.timestamp() - wall) * 1000)
    return summary_ms(values)


def stage(times, case_ids, first, second):
    """Latency first -> second per case, and throughput: cases that reached `second`
    divided by (last `second` - first `first`) over those cases."""
    latencies, starts, ends = [], [], []
    for case_id in case_ids:
        moments = times.get(case_id, {})
        if first in moments and second in moments:
            latencies.append((moments[second] - moments[first]).total_seconds() * 1000)
            starts.append(moments[first])
            ends.append(moments[second])
    span = (max(ends) - min(starts)).total_seconds() if starts else None
    return {"cases": len(case_ids), "reached": len(latencies), "span_s": round(span, 3) if span else span,
            "throughput": len(latencies) / span if span else None, **summary_ms(latencies),
            "first": min(starts).isoformat() if starts else None, "last": max(ends).isoformat() if ends else None}


class Reviewer:
    """Scripted experts and quality reviewer, with zero think time: the review of one case over HTTP."""

    def __init__(self, http):
        self.http = http

    def run(self, index, assign_timeout=120):
        case_id, status, text = upload(self.http, index)
        if not case_id:
            raise RuntimeError(f"upload {index}: {status} {text}")
        deadline = time.monotonic() + assign_timeout
        while True:
            answer = self.http.call("GET /cases/{id} (wait)", "GET", f"/api/v1/cases/{case_id}", token="admin")
            if answer is not None and answer.status_code == 200 and answer.json()["status"] == "assigned":
                expert = answer.json()["expert_id"]
                break
            if time.monotonic() > deadline:
                raise TimeoutError(f"{case_id} was not assigned in {assign_timeout} s")
            time.sleep(0.1)
        base = f"/api/v1/cases/{case_id}"
        self._expect(self.http.call("POST /accept", "POST", base + "/accept", token=expert, body={}), 200)
        answer = self._expect(self.http.call("GET /cases/{id}", "GET", base, token=expert), 200)
        version = int(answer.headers["ETag"].strip('"'))
        commitments = answer.json()["commitments"]
        for commitment in commitments:
            answer = self._expect(self.http.call(
                "PUT /ratings/{cid}", "PUT", f"{base}/ratings/{commitment['commitment_id']}", token=expert,
                body=cases.ratings_for(commitment["number"]), headers={"If-Match": f'"{version}"'}), 200)
            version = answer.json()["version"]
        self._expect(self.http.call("PUT /plan-assessment", "PUT", base + "/plan-assessment", token=expert,
                                    body=sample.PLAN_ASSESSMENT, headers={"If-Match": f'"{version}"'}), 200)
        self._expect(self.http.call("POST /submit", "POST", base + "/submit", token=expert, body={}), 200)
        self._expect(self.http.call("POST /quality-decision", "POST", base + "/quality-decision", token=REVIEWER,
                                    body={"decision": "approve"}), 200)
        self._expect(self.http.call("POST /open-public-comment", "POST", base + "/open-public-comment", token=expert, body={}), 200)
        self._expect(self.http.call("POST /finalise", "POST", base + "/finalise", token=expert, body={}), 200)
        return case_id, len(commitments)

    @staticmethod
    def _expect(answer, status):
        if answer is None:
            raise RuntimeError("no answer")
        if answer.status_code != status:
            raise RuntimeError(f"{answer.request.method} {answer.request.path_url} -> {answer.status_code}: {answer.text[:300]}")
        return answer


def run_reviews(http, indices, threads=8, say=print):
    reviewer = Reviewer(http)
    done, failures = [], []
    lock = threading.Lock()

    def one(index):
        try:
            case_id, _ = reviewer.run(index)
            with lock:
                done.append(case_id)
                if len(done) % 10 == 0:
                    say(f"    review: {len(done)}/{len(indices)} cases finalised")
        except Exception as exc:
            with lock:
                failures.append(f"{index}: {exc}")

    started = time.monotonic()
    with ThreadPoolExecutor(threads, thread_name_prefix="review") as pool:
        list(pool.map(one, indices))
    return {"case_ids": done, "failures": failures, "client_seconds": round(time.monotonic() - started, 3)}
