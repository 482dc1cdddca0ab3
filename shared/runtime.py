"""The thin shell every nameko service shares: storage with an outbox, authentication,
event consumption with contracts and idempotency, structured logs.

Service modules declare these as dependencies and stay small:

    class IntakeService:
        name = "intake"
        store = Store(documents=intake_documents.ALL)
        auth = Auth()
        ...
"""
from datetime import timedelta

import structlog
from nameko.amqp.publish import UndeliverableMessage
from nameko.events import EventDispatcher, event_handler
from nameko.extensions import DependencyProvider
from nameko.timer import timer
from nameko.web.handlers import http

from shared import auth as auth_rules
from shared.clock import utcnow
from shared.contracts.events import CONTRACTS, MalformedEvent, parse_event
from shared.http import json_response
from shared.logging import bind, bind_correlation, configure_logging
from shared.persistence import mongo
from shared.persistence.documents import SHARED_DOCUMENTS, ApiToken, OutboxMessage, RejectedMessage
from shared.persistence.unit_of_work import AlreadyApplied, run_in_transaction

log = structlog.get_logger("irm.runtime")
RELAY_AFTER = timedelta(seconds=3)  # an event still unsent this long after commit is the relay's
RELAY_BATCH = 200


class StoreHandle:
    """What a worker sees as `self.store`."""

    def __init__(self, client, service: str, dispatch):
        self.client = client
        self.service = service
        self._dispatch = dispatch

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
            return False
        except Exception as exc:  # broker away: the relay will try again
            outbox.update_one({"_id": event_id}, {"$inc": {"attempts": 1}})
            log.warning("event_publish_failed_kept_for_relay", event_id=event_id, event_type=event_type, error=str(exc))
            return False
        outbox.update_one({"_id": event_id}, {"$set": {"sent_at": utcnow()}})
        log.info("event_published", event_id=event_id, event_type=event_type)
        return True

    def relay_pending(self) -> int:
        """Publish events committed but not yet sent (publish failed, or the process died)."""
        cutoff = utcnow() - RELAY_AFTER
        pending = OutboxMessage._get_collection().find(
            {"source": self.service, "sent_at": None, "created_at": {"$lt": cutoff}},
            sort=[("created_at", 1)], limit=RELAY_BATCH,
        )
        sent = 0
        for doc in pending:
            bind_correlation(doc["message"].get("correlation_id", "-"), service=self.service, event_id=doc["_id"])
            sent += self._publish(doc["_id"], doc["event_type"], doc["message"])
        return sent

    def record_rejected(self, consumer, kind, reason, message, errors=None) -> None:
        RejectedMessage(
            consumer=consumer, kind=kind, reason=reason[:2000], errors=errors or {},
            message=message if isinstance(message, dict) else {}, raw=None if isinstance(message, dict) else repr(message)[:10000],
            received_at=utcnow(),
        ).save()


class Store(EventDispatcher):
    """MongoDB through units of work, and the service's event exchange behind an outbox.

    It is nameko's EventDispatcher (so events go to `<service>.events` with publisher
    confirms) with `mandatory` set, so an event nobody can receive yet is kept, not lost.
    """

    def __init__(self, documents=(), **options):
        options.setdefault("mandatory", True)
        super().__init__(**options)
        self.documents = tuple(documents)

    def setup(self):
        configure_logging(self.container.service_name, self.container.config.get("LOG_LEVEL", "INFO"))
        uri = self.container.config["MONGODB_URI"]
        self.client = mongo.connect(uri, self.container.config.get("MONGODB_DB"))
        mongo.ensure_indexes(SHARED_DOCUMENTS + self.documents)
        super().setup()

    def get_dependency(self, worker_ctx):
        return StoreHandle(self.client, self.container.service_name, super().get_dependency(worker_ctx))


class AuthHandle:
    def principal(self, request, *roles) -> auth_rules.Principal:
        """The caller, authenticated by bearer token and holding one of `roles`."""
        token = auth_rules.bearer_token(request.headers.get("Authorization"))
        record = ApiToken.objects(digest=auth_rules.token_digest(token), revoked_at=None).first()
        if record is None:
            raise auth_rules.Unauthorized("The token is unknown or revoked.")
        principal = auth_rules.Principal(subject=record.subject, role=record.role, member_code=record.member_code)
        if roles:
            auth_rules.require_role(principal, *roles)
        bind(actor_role=principal.role, actor_id=principal.subject)
        return principal


class Auth(DependencyProvider):
    def get_dependency(self, worker_ctx):
        return AuthHandle()


def consumes(event_type: str):
    """Make a method the service's handler of `event_type`, received through its contract.

    The method is called as `method(self, event, uow)` inside a transaction that also
    records the event as applied, so a redelivered event changes nothing. A message that
    breaks its contract, or whose handler fails, is logged and kept in
    `rejected_messages` for an operator instead of vanishing.
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
            try:
                event = parse_event(event_type, message)
            except MalformedEvent as exc:
                log.error("event_rejected_malformed", reason=str(exc), errors=exc.errors)
                self.store.record_rejected(consumer, "malformed", str(exc), message, errors=_stringify(exc.errors))
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
                self.store.record_rejected(consumer, "failed", f"{type(exc).__name__}: {exc}", message)
                return
            log.info("event_applied")

        handler.__name__ = method.__name__
        handler.__doc__ = method.__doc__
        return handler

    return decorator


def _stringify(errors):
    return {str(key): _stringify(value) if isinstance(value, dict) else value for key, value in errors.items()}


def health_response(service: str):
    """Liveness and readiness for compose and orchestrators: 200 only if the database answers."""
    try:
        mongo.ping()
    except Exception as exc:
        return json_response({"service": service, "status": "unavailable", "database": str(exc)[:200]}, status=503)
    return json_response({"service": service, "status": "ok", "database": "ok"})


class ServiceShell:
    """What every service has besides its own endpoints: /health and the outbox relay.

    Subclass it as `runtime.ServiceShell` (import the module, not the class): `nameko run`
    treats every class with entrypoints found in the service module as a service to run.
    """

    @http("GET", "/health")
    def health(self, request):
        return health_response(self.name)

    @timer(interval=2)
    def relay_outbox(self):
        """Publish events whose commit happened but whose publication did not."""
        self.store.relay_pending()
