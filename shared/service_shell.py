"""The thin shell every nameko service shares: storage with an outbox, authentication,
event consumption with contracts and idempotency, structured logs.

Service modules declare these as dependencies and stay small:

    class IntakeService:
        name = "intake"
        store = Store(documents=intake_documents.ALL)
        auth = Auth()
        ...
"""
import time
from datetime import timedelta

import structlog
from kombu import Connection, Exchange
from nameko.amqp.publish import Publisher, UndeliverableMessage
from nameko.events import EventDispatcher
from nameko.extensions import DependencyProvider
from nameko.timer import timer
from werkzeug.wrappers import Response
from shared.webserver import http

from shared import access
from shared import auth as auth_rules
from shared import delivery, metrics, session_auth, settings, topology
from shared.clock import utcnow
from shared.contracts.events import CONTRACTS, MalformedEvent, parse_event
from shared.consumer_queues import event_handler  # nameko's, with its queue typed by QUEUE_TYPE
from shared.http import json_response
from shared.logging import bind, bind_correlation, configure_logging
from shared.persistence import mongo
from shared.persistence.documents import SHARED_DOCUMENTS, ApiToken, DeliveryAttempt, OutboxMessage, RejectedMessage
from shared.persistence.unit_of_work import AlreadyApplied, run_in_transaction

log = structlog.get_logger("irm.service_shell")
RELAY_AFTER = timedelta(seconds=3)  # an event still unsent this long after commit is the relay's
# Up to this many a tick: SecantusDB reads every unsent event for each read of the outbox (a sorted read is answered
# whole, and so is a hinted or unsorted one: ~1 s at 9,000 waiting, bench/FINDINGS.md), so a backlog of N after an
# outage costs N^2 / RELAY_BATCH decoded documents: at 200 the 9,000 events of the scale bench's seeding did not
# drain in 5 minutes. A tick ends before the next begins (nameko's timer waits for its worker).
RELAY_BATCH = 2000
RELAY_MAX_PAUSE = 30.0
# After commit, publishing is tried once more at most: the relay takes over from there,
# so a request never waits long on a broker that is away.
PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.5, "interval_max": 0.5}


class StoreHandle:
    """What a worker sees as `self.store`."""

    def __init__(self, client, service: str, dispatch, provider):
        self.client = client
        self.service = service
        self._dispatch = dispatch
        self._provider = provider

    def run(self, work):
        """Run `work(uow)` atomically, then publish the events it emitted; return its result."""
        result, uow = run_in_transaction(self.client, self.service, work)
        for event in uow.events:
            self._publish(event.event_id, event.event_type, event.to_message())
        return result

    def _publish(self, event_id, event_type, message) -> bool:
        outbox = OutboxMessage._get_collection()
        try:
            self._dispatch(event_type, message)
        except UndeliverableMessage:
            # No queue is bound yet (the consumer never started): keep it for the relay.
            outbox.update_one({"_id": event_id}, {"$inc": {"attempts": 1}})
            log.warning("event_unroutable_kept_for_relay", event_id=event_id, event_type=event_type)
            metrics.count_publish(self.service, event_type, sent=False)
            return False
        except Exception as exc:  # broker away: the relay will try again
            outbox.update_one({"_id": event_id}, {"$inc": {"attempts": 1}})
            log.warning("event_publish_failed_kept_for_relay", event_id=event_id, event_type=event_type, error=str(exc))
            metrics.count_publish(self.service, event_type, sent=False)
            return False
        outbox.update_one({"_id": event_id}, {"$set": {"sent_at": utcnow()}})
        log.info("event_published", event_id=event_id, event_type=event_type)
        metrics.count_publish(self.service, event_type, sent=True)
        return True

    def relay_pending(self) -> int:
        """Publish events committed but not yet sent (publish failed, or the process died).

        While publishing fails (broker away, or nobody bound yet) the relay backs off,
        doubling its pause up to RELAY_MAX_PAUSE, instead of hammering the broker.
        """
        provider = self._provider
        if time.monotonic() < provider.relay_paused_until:
            return 0
        cutoff = utcnow() - RELAY_AFTER
        pending = OutboxMessage._get_collection().find(
            {"source": self.service, "sent_at": None, "created_at": {"$lt": cutoff}},
            sort=[("created_at", 1)], limit=RELAY_BATCH,
        )
        sent = 0
        for doc in pending:
            bind_correlation(doc["message"].get("correlation_id", "-"), service=self.service, event_id=doc["_id"])
            if not self._publish(doc["_id"], doc["event_type"], doc["message"]):
                provider.relay_pause = min(max(provider.relay_pause * 2, 1.0), RELAY_MAX_PAUSE)
                provider.relay_paused_until = time.monotonic() + provider.relay_pause
                log.warning("outbox_relay_backing_off", pause_s=provider.relay_pause)
                return sent
            sent += 1
        provider.relay_pause = 0.0
        return sent

    def record_rejected(self, consumer, kind, reason, message, errors=None) -> None:
        RejectedMessage(
            consumer=consumer, kind=kind, reason=reason[:2000], errors=errors or {},
            message=message if isinstance(message, dict) else {}, raw=None if isinstance(message, dict) else repr(message)[:10000],
            received_at=utcnow(),
        ).save()

    def retry_or_park(self, queue, consumer, event_id, message, error) -> str:
        """A handler failed on `message`: send it back after a delay, or park it when retries are spent."""
        failures = DeliveryAttempt.objects(consumer=consumer, event_id=event_id).modify(
            upsert=True, new=True, inc__failures=1, set__last_error=error[:2000], set__last_failed_at=utcnow()).failures
        step, delay = delivery.next_step(failures, self._provider.retry_delays)
        if step == "retry":
            self._provider.delivery.publish(message, exchange=Exchange(delivery.retry_exchange(delay), type="fanout", durable=True),
                                            routing_key=queue)
            log.warning("event_retry_scheduled", failures=failures, delay_ms=delay, error=error)
            metrics.count_event(self.service, consumer, "retried")
        else:
            self.park(queue, consumer, message, "failed", error, failures)
        return step

    def park(self, queue, consumer, message, kind, error, attempts=0) -> None:
        self._provider.delivery.publish(
            message, exchange=Exchange(delivery.DEAD_LETTER_EXCHANGE, type="fanout", durable=True), routing_key=queue,
            headers={delivery.H_QUEUE: queue, delivery.H_CONSUMER: consumer, delivery.H_ERROR: error[:2000],
                     delivery.H_ATTEMPTS: attempts, delivery.H_KIND: kind})
        log.error("event_parked_on_dead_letter_queue", kind=kind, attempts=attempts, error=error)
        metrics.count_event(self.service, consumer, "parked", kind)
        self.record_rejected(consumer, kind, error, message)

    def readiness(self) -> dict:
        """Database and broker reachable, and how many events wait in the outbox."""
        report = {"service": self.service}
        try:
            mongo.ping()
            report["database"] = "ok"
            report["outbox_backlog"] = OutboxMessage.objects(source=self.service, sent_at=None).count()
        except Exception as exc:
            report["database"] = f"unreachable: {str(exc)[:200]}"
        try:
            with Connection(self._provider.amqp_uri, connect_timeout=2) as connection:
                connection.ensure_connection(max_retries=1, timeout=2)
            report["broker"] = "ok"
        except Exception as exc:
            report["broker"] = f"unreachable: {str(exc)[:200]}"
        report["status"] = "ok" if report["database"] == "ok" and report["broker"] == "ok" else "unavailable"
        return report


class Store(EventDispatcher):
    """MongoDB through units of work, and the service's event exchange behind an outbox.

    It is nameko's EventDispatcher (so events go to `<service>.events` with publisher
    confirms) with `mandatory` set, so an event nobody can receive yet is kept, not lost.
    """

    def __init__(self, documents=(), **options):
        options.setdefault("mandatory", True)
        options.setdefault("retry_policy", PUBLISH_RETRY_POLICY)
        super().__init__(**options)
        self.documents = tuple(documents)
        self.relay_pause = 0.0
        self.relay_paused_until = 0.0

    def setup(self):
        config = self.container.config
        configure_logging(self.container.service_name, settings.value(config, "LOG_LEVEL"))
        self.client = mongo.connect(settings.value(config, "MONGODB_URI"), settings.value(config, "MONGODB_DB"))
        mongo.ensure_indexes(SHARED_DOCUMENTS + self.documents)
        self.retry_delays = delivery.parse_delays(settings.value(config, "RETRY_DELAYS_MS"))
        if sum(self.retry_delays) < delivery.TRANSACTION_LIFETIME_MS:
            log.warning("retry_delays_shorter_than_transaction_lifetime", retry_delays_ms=self.retry_delays,
                        transaction_lifetime_ms=delivery.TRANSACTION_LIFETIME_MS,
                        consequence="a service killed mid-transaction gets messages parked that would have succeeded")
        self.queue_type = delivery.queue_type(settings.value(config, "QUEUE_TYPE"))
        self.delivery = Publisher(self.amqp_uri, declare=delivery.topology(self.retry_delays, self.queue_type),
                                  serializer="json")
        # Topology before traffic: every queue exists before the first event is published.
        with Connection(self.amqp_uri) as connection:
            for entity in topology.declarations(self.retry_delays, self.queue_type):
                entity(connection.default_channel).declare()
        super().setup()

    def get_dependency(self, worker_ctx):
        return StoreHandle(self.client, self.container.service_name, super().get_dependency(worker_ctx), self)


class AuthHandle:
    def __init__(self, session_policy: session_auth.SessionPolicy):
        self.session_policy = session_policy

    def principal(self, request, *roles) -> auth_rules.Principal:
        """The caller, holding one of `roles`: authenticated by bearer token, or, without an
        Authorization header, by the session cookie (shared/session_auth.py: a state-changing
        request by cookie must also carry the session's CSRF token and come from this site)."""
        if not request.headers.get("Authorization") and session_auth.session_id_of(request) is not None:
            principal = session_auth.session_principal(request, self.session_policy)
        else:
            principal = self._bearer(request)
        if roles:
            auth_rules.require_role(principal, *roles)
        bind(actor_role=principal.role, actor_id=principal.subject)
        return principal

    @staticmethod
    def _bearer(request) -> auth_rules.Principal:
        token = auth_rules.bearer_token(request.headers.get("Authorization"))
        # Read straight through pymongo, as a dict: on every request a QuerySet and a Document cost more than the read.
        record = ApiToken._get_collection().find_one({"_id": auth_rules.token_digest(token), "revoked_at": None})
        if record is None:
            raise auth_rules.Unauthorized("The token is unknown or revoked.")
        return auth_rules.Principal(subject=record["subject"], role=record["role"], member_code=record.get("member_code"),
                                    person_id=record.get("person_id"))

    def caller(self, request, operation) -> auth_rules.Principal:
        """The caller, authenticated, whose role may ask for `operation` at all (shared/access.py); 403 otherwise."""
        principal = self.principal(request)
        self.authorize(principal, operation)
        return principal

    @staticmethod
    def authorize(principal, operation, target=None, not_found="Not found."):
        """Raise the HTTP answer when shared/access.py refuses: 403 the wrong role, 404 not yours."""
        access.authorize(principal, operation, target, not_found)


class Auth(DependencyProvider):
    """Who is calling: bearer tokens and session cookies. The session settings are read once: a bad one stops start-up."""

    def setup(self):
        self.session_policy = session_auth.SessionPolicy.from_config(self.container.config)

    def get_dependency(self, worker_ctx):
        return AuthHandle(self.session_policy)


def consumes(event_type: str):
    """Make a method the service's handler of `event_type`, received through its contract.

    The method is called as `method(self, event, uow)` inside a transaction that also
    records the event as applied, so a redelivered event changes nothing. A message that
    breaks its contract is parked on the dead-letter queue at once; one whose handler
    fails is retried with backoff, then parked (see shared/delivery.py). Both are logged
    and kept in `rejected_messages` too.
    """
    contract = CONTRACTS[event_type]

    def decorator(method):
        # Not functools.wraps: nameko checks the entrypoint's signature, and
        # inspect would follow __wrapped__ to `method`'s (event, uow) instead.
        @event_handler(contract.source, event_type)
        def handler(self, message):
            consumer = f"{self.name}.{method.__name__}"
            correlation_id = message.get("correlation_id", "-") if isinstance(message, dict) else "-"
            bind_correlation(str(correlation_id), service=self.name, consumer=consumer, event_type=event_type,
                             event_id=message.get("event_id") if isinstance(message, dict) else None)
            queue = delivery.consumer_queue(contract.source, event_type, self.name, method.__name__)
            try:
                event = parse_event(event_type, message)
            except MalformedEvent as exc:
                # Waiting will not fix a broken message: straight to the dead-letter queue.
                self.store.park(queue, consumer, message, "malformed", f"{exc}: {_stringify(exc.errors)}")
                return

            def apply(uow):
                uow.mark_applied(consumer, event.event_id)
                return method(self, event, uow)

            try:
                self.store.run(apply)
            except AlreadyApplied:
                log.info("event_already_applied")
                return
            except Exception as exc:
                log.exception("event_handler_failed")
                metrics.count_event(self.name, consumer, "failed")
                self.store.retry_or_park(queue, consumer, event.event_id, message, f"{type(exc).__name__}: {exc}")
                return
            log.info("event_applied")
            metrics.count_event(self.name, consumer, "consumed")

        handler.__name__ = method.__name__
        handler.__doc__ = method.__doc__
        return handler

    return decorator


def _stringify(errors):
    return {str(key): _stringify(value) if isinstance(value, dict) else value for key, value in errors.items()}




class ServiceShell:
    """What every service has besides its own endpoints: /health, /metrics and the outbox relay.

    Subclass it as `service_shell.ServiceShell` (import the module, not the class): `nameko run`
    treats every class with entrypoints found in the service module as a service to run.
    """

    @http("GET", "/health")
    def health(self, request):
        """Readiness: database and broker reachable (503 otherwise), with the outbox backlog."""
        report = self.store.readiness()
        return json_response(report, status=200 if report["status"] == "ok" else 503)

    @http("GET", "/health/live")
    def live(self, request):
        """Liveness: the process answers HTTP."""
        return json_response({"service": self.name, "status": "ok"})

    @http("GET", "/metrics")
    def prometheus_metrics(self, request):
        """Prometheus text format: this process's counters, and gauges of the stored state (shared/metrics.py)."""
        body, content_type = metrics.exposition(self.name, metrics.service_state(self, self.store._provider.amqp_uri))
        return Response(body, content_type=content_type)

    @timer(interval=2)
    def relay_outbox(self):
        """Publish events whose commit happened but whose publication did not."""
        self.store.relay_pending()
