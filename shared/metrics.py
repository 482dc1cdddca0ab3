"""What each process tells Prometheus at `GET /metrics`: counters where things happen, gauges of
stored state computed when scraped.

Two kinds of metric, on purpose:
- **Counters and histograms** (requests, events) count what *this process* did. They are
  incremented by one-line hooks where the thing happens (shared/webserver.py's HTTP
  entrypoint, shared/service_shell.py's `consumes` and `Store`), and Prometheus sums them over
  instances.
- **Gauges of stored state** (outbox, dead letters, cases by stage, the transparency log) are
  read from MongoDB and the broker at scrape time by `StateCollector`, with bounded, indexed
  queries only, so two instances of a service report the same values and nothing is kept in
  memory that a restart would lose. A gauge whose source cannot be read is left out of the
  scrape (and `irm_dependency_up` says which source), never reported as 0.

Each service has a registry of its own (several nameko containers can share one process in
tests), so a scrape shows only that service's counters. Names follow Prometheus conventions:
`irm_` prefix, `_total` for counters, `_seconds` for durations. README ("Metrics and alerts")
lists every metric and alert; deploy/prometheus/ holds the scrape config and alert rules.
"""
import threading
import time

from kombu import Connection

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily

from shared import delivery
from shared.clock import aware, utcnow
from shared.persistence.documents import OutboxMessage, RejectedMessage

# Latency buckets (seconds): a JSON read is a few ms here, a transaction tens, a bulk import seconds.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
EVENT_OUTCOMES = ("consumed", "failed", "retried", "parked")
HTTP_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")  # anything else is labelled "other"


class ProcessMetrics:
    """One service's (or the gateway's) counters, in a registry of its own."""

    def __init__(self):
        self.registry = CollectorRegistry(auto_describe=True)
        self.http_requests = Counter(
            "irm_http_requests", "HTTP requests answered, by route (the URL rule, not the path), method and status.",
            ["route", "method", "status"], registry=self.registry)
        self.http_latency = Histogram(
            "irm_http_request_duration_seconds", "Time to answer an HTTP request, by route and method.",
            ["route", "method"], buckets=LATENCY_BUCKETS, registry=self.registry)
        self.events = {
            "consumed": Counter("irm_events_consumed", "Events a consumer applied (duplicates excluded).",
                                ["consumer"], registry=self.registry),
            "failed": Counter("irm_events_failed", "Times a consumer's handler raised on an event.",
                              ["consumer"], registry=self.registry),
            "retried": Counter("irm_events_retried", "Failed events sent back to their consumer after a delay.",
                               ["consumer"], registry=self.registry),
            "parked": Counter("irm_events_parked", "Events parked on the dead-letter queue, by kind (malformed or failed).",
                              ["consumer", "kind"], registry=self.registry),
        }
        self.events_published = Counter(
            "irm_events_published", "Events published to the broker (confirmed), by event type.", ["event_type"],
            registry=self.registry)
        self.publish_failures = Counter(
            "irm_event_publish_failures", "Publications that failed and left the event in the outbox for the relay.",
            ["event_type"], registry=self.registry)


_processes: dict = {}
_lock = threading.Lock()


def of(name: str) -> ProcessMetrics:
    """The counters of service `name` in this process (created on first use)."""
    with _lock:
        if name not in _processes:
            _processes[name] = ProcessMetrics()
        return _processes[name]


# --- the hooks: one call each where the thing happens -------------------------------------------
def observe_request(name: str, route: str, method: str, status: int, seconds: float) -> None:
    process, method = of(name), method if method in HTTP_METHODS else "other"
    process.http_requests.labels(route, method, str(status)).inc()
    process.http_latency.labels(route, method).observe(seconds)


def count_event(name: str, consumer: str, outcome: str, kind: str | None = None) -> None:
    """`outcome` is one of EVENT_OUTCOMES; `kind` (malformed | failed) only for "parked"."""
    counter = of(name).events[outcome]
    (counter.labels(consumer, kind) if outcome == "parked" else counter.labels(consumer)).inc()


def count_publish(name: str, event_type: str, sent: bool) -> None:
    process = of(name)
    (process.events_published if sent else process.publish_failures).labels(event_type).inc()


# --- gauges of stored state ---------------------------------------------------------------------
def gauge(name: str, documentation: str, value=None, labels=None, samples=()) -> GaugeMetricFamily:
    """A gauge family with one unlabelled value, or `samples` of (label values, value)."""
    family = GaugeMetricFamily(name, documentation, labels=labels)
    if value is not None:
        family.add_metric([], value)
    for label_values, sample in samples:
        family.add_metric(list(label_values), sample)
    return family


def age_seconds(moment, now) -> float:
    return max(0.0, (now - aware(moment)).total_seconds())


def outbox_state(service: str) -> list:
    """This service's unsent events and the age of the oldest: both from the outbox's
    (source, sent_at, created_at) index, reading one document at most."""
    outbox = OutboxMessage._get_collection()
    unsent = {"source": service, "sent_at": None}
    oldest = outbox.find_one(unsent, {"created_at": 1}, sort=[("created_at", 1)])
    return [
        gauge("irm_outbox_backlog", "Events committed but not yet published by this service.",
              outbox.count_documents(unsent)),
        gauge("irm_outbox_oldest_unsent_age_seconds", "Age of this service's oldest unsent event (0 when none).",
              age_seconds(oldest["created_at"], utcnow()) if oldest else 0.0),
        # The collection's metadata count: O(1), never a scan (nothing is ever deleted from it).
        gauge("irm_rejected_messages", "Messages ever rejected by a consumer and kept in rejected_messages (all services).",
              RejectedMessage._get_collection().estimated_document_count()),
    ]


def dead_letter_state(amqp_uri: str) -> list:
    """Messages parked on the dead-letter queue now (a passive declare: the broker's own count)."""
    with Connection(amqp_uri, connect_timeout=2) as connection:
        _, waiting, _ = connection.default_channel.queue_declare(delivery.DEAD_LETTER_QUEUE, passive=True)
    return [gauge("irm_dead_letters", "Messages parked on the irm.dead-letters queue, waiting for an operator.", waiting)]


class StateCollector:
    """Run at scrape time: each (source, read) pair returns metric families; a read that fails
    is skipped and shown as `irm_dependency_up{source=...} 0`, so the scrape still answers.
    """

    def __init__(self, sources):
        self.sources = tuple(sources)  # ((source name, callable), ...)

    def collect(self):
        families, up = [], {}
        for source, read in self.sources:
            try:
                families.extend(read())
                up.setdefault(source, 1)
            except Exception:
                up[source] = 0
        yield gauge("irm_dependency_up", "Whether a scrape could read this source of stored state (1) or not (0).",
                    labels=["source"], samples=[((source,), value) for source, value in up.items()])
        yield from families


def service_state(service, amqp_uri: str) -> StateCollector:
    """The stored-state gauges of a nameko service: the shared ones, then those its class lists
    in `metric_gauges` (callables taking the service instance, e.g. services/review/metrics.py)."""
    sources = [("database", lambda: outbox_state(service.name)), ("broker", lambda: dead_letter_state(amqp_uri))]
    sources += [("database", lambda read=read: read(service)) for read in getattr(service, "metric_gauges", ())]
    return StateCollector(sources)


class InstrumentedWsgi:
    """A WSGI app (the gateway) with `GET /metrics` and every request counted and timed.

    `route_of(path)` names the route a path belongs to: a bounded label, never the path.
    """

    def __init__(self, app, name: str, route_of):
        self.app, self.name, self.route_of = app, name, route_of

    def __call__(self, environ, start_response):
        method, path = environ.get("REQUEST_METHOD", "GET"), environ.get("PATH_INFO", "")
        started, status = time.perf_counter(), []
        if path == "/metrics" and method == "GET":
            body, content_type = exposition(self.name)
            start_response("200 OK", [("Content-Type", content_type), ("Content-Length", str(len(body)))])
            observe_request(self.name, "/metrics", method, 200, time.perf_counter() - started)
            return [body]

        def recording_start_response(status_line, headers, exc_info=None):
            status.append(int(status_line.split(" ", 1)[0]))
            return start_response(status_line, headers, exc_info)

        body = self.app(environ, recording_start_response)
        observe_request(self.name, self.route_of(path), method, status[0] if status else 500, time.perf_counter() - started)
        return body


def exposition(name: str, *collectors) -> tuple:
    """(body, content type) of `GET /metrics`: this process's counters, then the state gauges."""
    body = generate_latest(of(name).registry)
    for collector in collectors:
        body += generate_latest(collector)
    return body, CONTENT_TYPE_LATEST
