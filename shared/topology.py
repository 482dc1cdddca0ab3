"""Who listens to what: the one table of subscriptions, and the broker topology it implies.

Every service declares the whole topology when it starts (exchanges, every consumer's
queue and binding, retry and dead-letter queues), so an event published before its
consumer ever ran is queued for it, not dropped. The queues are declared exactly as
nameko declares them (durable, no arguments), so the two declarations never conflict.
The same topology, as RabbitMQ definitions, is in deploy/rabbitmq/definitions.json
(`python -m shared.topology > deploy/rabbitmq/definitions.json`; a test keeps it current).

A test checks this table against the services' `@consumes` methods, both ways.
"""
import json
import sys
from dataclasses import dataclass

from kombu import Exchange, Queue

from shared import delivery
from shared.contracts.events import (
    CONTRACTS, FINDING_PUBLISHED, REVIEW_APPROVED, REVIEW_ASSIGNED, REVIEW_RETURNED, REVIEW_SUBMITTED,
    SELF_ASSESSMENT_SUBMITTED,
)

PERSISTENT = 2


@dataclass(frozen=True)
class Subscription:
    event_type: str
    service: str
    method: str

    @property
    def source(self) -> str:
        return CONTRACTS[self.event_type].source

    @property
    def queue(self) -> str:
        return delivery.consumer_queue(self.source, self.event_type, self.service, self.method)


SUBSCRIPTIONS = (
    Subscription(SELF_ASSESSMENT_SUBMITTED, "review", "on_self_assessment_submitted"),
    Subscription(REVIEW_ASSIGNED, "intake", "on_review_assigned"),
    Subscription(REVIEW_SUBMITTED, "intake", "on_review_submitted"),
    Subscription(REVIEW_RETURNED, "intake", "on_review_returned"),
    Subscription(REVIEW_APPROVED, "intake", "on_review_approved"),
    Subscription(REVIEW_APPROVED, "publication", "on_review_approved"),
    Subscription(FINDING_PUBLISHED, "intake", "on_finding_published"),
)


def event_exchange(source: str) -> Exchange:
    """`<source>.events`, as nameko's EventDispatcher declares it."""
    return Exchange(f"{source}.events", type="topic", durable=True, delivery_mode=PERSISTENT, auto_delete=False)


def declarations(retry_delays) -> list:
    exchanges = {contract.source: event_exchange(contract.source) for contract in CONTRACTS.values()}
    queues = [Queue(s.queue, exchange=exchanges[s.source], routing_key=s.event_type, durable=True,
                    auto_delete=False, exclusive=False) for s in SUBSCRIPTIONS]
    return list(exchanges.values()) + queues + delivery.topology(retry_delays)


def definitions(vhost: str = "/", retry_delays=delivery.DEFAULT_RETRY_DELAYS_MS) -> dict:
    """The topology in RabbitMQ's definitions format (`rabbitmqctl import_definitions`)."""
    exchanges, queues, bindings = [], [], []
    for entity in declarations(retry_delays):
        if isinstance(entity, Exchange):
            exchanges.append({"name": entity.name, "vhost": vhost, "type": entity.type, "durable": True,
                              "auto_delete": False, "internal": False, "arguments": {}})
        else:
            queues.append({"name": entity.name, "vhost": vhost, "durable": True, "auto_delete": False,
                           "arguments": dict(entity.queue_arguments or {})})
            bindings.append({"source": entity.exchange.name, "vhost": vhost, "destination": entity.name,
                             "destination_type": "queue", "routing_key": entity.routing_key or "", "arguments": {}})
    return {"vhosts": [{"name": vhost}], "exchanges": exchanges, "queues": queues, "bindings": bindings}


if __name__ == "__main__":
    json.dump(definitions(*(sys.argv[1:2] or ["/"])), sys.stdout, indent=2)
    sys.stdout.write("\n")
