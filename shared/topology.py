"""Who listens to what: the one table of subscriptions, and the broker topology it implies.

Every service declares the whole topology when it starts (exchanges, every consumer's
queue and binding, retry and dead-letter queues), so an event published before its
consumer ever ran is queued for it, not dropped. The queues are declared exactly as
nameko declares them (durable; with QUEUE_TYPE=quorum both add `x-queue-type: quorum`, see
shared/consumer_queues.py), so the two declarations never conflict.
The same topology, as RabbitMQ definitions, is in deploy/rabbitmq/definitions.json and, for
quorum queues, definitions-quorum.json (`python -m shared.topology [vhost] [classic|quorum]`;
a test keeps both current).

A test checks this table against the services' `@consumes` methods, both ways.
"""
import json
import sys
from dataclasses import dataclass

from kombu import Exchange, Queue

from shared import delivery
from shared.contracts.public import PUBLIC_EXCHANGE
from shared.contracts.events import (
    CONTRACTS, FINDING_PUBLISHED, PASSWORD_RESET_REQUESTED, PERSON_INVITED, REVIEW_ACCEPTED, REVIEW_APPROVED, REVIEW_ASSIGNED, REVIEW_CORRECTION_OPENED,
    REVIEW_DEADLINE_MISSED, REVIEW_PUBLIC_COMMENT_OPENED, REVIEW_QUALITY_APPROVED, REVIEW_REMINDED, REVIEW_RETURNED, REVIEW_SUBMITTED, REVIEW_UNASSIGNED,
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
    Subscription(REVIEW_UNASSIGNED, "intake", "on_review_unassigned"),
    Subscription(REVIEW_ACCEPTED, "intake", "on_review_accepted"),
    Subscription(REVIEW_SUBMITTED, "intake", "on_review_submitted"),
    Subscription(REVIEW_RETURNED, "intake", "on_review_returned"),
    Subscription(REVIEW_QUALITY_APPROVED, "intake", "on_review_quality_approved"),
    Subscription(REVIEW_PUBLIC_COMMENT_OPENED, "intake", "on_review_public_comment_opened"),
    Subscription(REVIEW_APPROVED, "intake", "on_review_approved"),
    Subscription(REVIEW_CORRECTION_OPENED, "intake", "on_review_correction_opened"),
    Subscription(REVIEW_APPROVED, "publication", "on_review_approved"),
    Subscription(FINDING_PUBLISHED, "intake", "on_finding_published"),
    Subscription(FINDING_PUBLISHED, "publication", "announce_publicly"),
    Subscription(PERSON_INVITED, "mail", "on_person_invited"),
    Subscription(PASSWORD_RESET_REQUESTED, "mail", "on_password_reset_requested"),
    Subscription(REVIEW_ASSIGNED, "mail", "on_review_assigned"),
    Subscription(REVIEW_SUBMITTED, "mail", "on_review_submitted"),
    Subscription(REVIEW_QUALITY_APPROVED, "mail", "on_review_quality_approved"),
    Subscription(REVIEW_PUBLIC_COMMENT_OPENED, "mail", "on_public_comment_opened"),
    Subscription(REVIEW_CORRECTION_OPENED, "mail", "on_correction_opened"),
    Subscription(FINDING_PUBLISHED, "mail", "on_finding_published"),
    Subscription(REVIEW_REMINDED, "mail", "on_review_reminded"),
    Subscription(REVIEW_DEADLINE_MISSED, "mail", "on_deadline_missed"),
)

# The public live feed (shared/contracts/public.py) and who may read it. The public account
# may declare, bind and read only queues named `public.*`, and read (bind to) only irm.public:
# it can neither publish there nor see the services' own exchanges and queues.
PUBLIC_USER = "irm-public"
PUBLIC_QUEUE_PREFIX = "public."
PUBLIC_PERMISSIONS = {"configure": r"^public\..*", "write": r"^public\..*", "read": r"^(irm\.public|public\..*)$"}
# A follower's queue outlives a restart, not abandonment: a week unused and it goes, and it
# never holds more than PUBLIC_QUEUE_MAX_LENGTH messages (the oldest go first).
PUBLIC_QUEUE_POLICY = {"pattern": r"^public\.", "apply-to": "queues",
                       "definition": {"expires": 7 * 24 * 3600 * 1000, "max-length": 100_000}}
PUBLIC_USER_LIMITS = {"max-connections": 1000, "max-channels": 2000}


def public_exchange() -> Exchange:
    return Exchange(PUBLIC_EXCHANGE, type="topic", durable=True, delivery_mode=PERSISTENT, auto_delete=False)


def event_exchange(source: str) -> Exchange:
    """`<source>.events`, as nameko's EventDispatcher declares it."""
    return Exchange(f"{source}.events", type="topic", durable=True, delivery_mode=PERSISTENT, auto_delete=False)


def declarations(retry_delays, queue_type="classic") -> list:
    exchanges = {contract.source: event_exchange(contract.source) for contract in CONTRACTS.values()}
    queues = [Queue(s.queue, exchange=exchanges[s.source], routing_key=s.event_type, durable=True,
                    auto_delete=False, exclusive=False, queue_arguments=delivery.queue_arguments(queue_type) or None)
              for s in SUBSCRIPTIONS]
    return list(exchanges.values()) + [public_exchange()] + queues + delivery.topology(retry_delays, queue_type)


def definitions(vhost: str = "/", retry_delays=delivery.DEFAULT_RETRY_DELAYS_MS, queue_type="classic") -> dict:
    """The topology in RabbitMQ's definitions format (`rabbitmqctl import_definitions`)."""
    exchanges, queues, bindings = [], [], []
    for entity in declarations(retry_delays, queue_type):
        if isinstance(entity, Exchange):
            exchanges.append({"name": entity.name, "vhost": vhost, "type": entity.type, "durable": True,
                              "auto_delete": False, "internal": False, "arguments": {}})
        else:
            queues.append({"name": entity.name, "vhost": vhost, "durable": True, "auto_delete": False,
                           "arguments": dict(entity.queue_arguments or {})})
            bindings.append({"source": entity.exchange.name, "vhost": vhost, "destination": entity.name,
                             "destination_type": "queue", "routing_key": entity.routing_key or "", "arguments": {}})
    return {"vhosts": [{"name": vhost}], "exchanges": exchanges, "queues": queues, "bindings": bindings,
            "policies": [{"vhost": vhost, "name": "public-follower-queues", "priority": 0, **PUBLIC_QUEUE_POLICY}]}


def public_user_commands(vhost: str = "/", password: str = "irm-public") -> list:
    """The rabbitmqctl commands that create the public read-only account on a broker.

    The password is no secret: the account is public, and its permissions are what protect
    the broker. `irmctl broker public-user` runs these (or prints them for a container).
    """
    p = PUBLIC_PERMISSIONS
    return [
        ["rabbitmqctl", "add_user", PUBLIC_USER, password],
        ["rabbitmqctl", "set_permissions", "-p", vhost, PUBLIC_USER, p["configure"], p["write"], p["read"]],
        ["rabbitmqctl", "set_user_limits", PUBLIC_USER, json.dumps(PUBLIC_USER_LIMITS)],
        ["rabbitmqctl", "set_policy", "-p", vhost, "--apply-to", PUBLIC_QUEUE_POLICY["apply-to"], "public-follower-queues",
         PUBLIC_QUEUE_POLICY["pattern"], json.dumps(PUBLIC_QUEUE_POLICY["definition"])],
    ]


if __name__ == "__main__":
    vhost, queue_type = (sys.argv[1:] + ["/", "classic"][len(sys.argv[1:]):])[:2]
    json.dump(definitions(vhost, queue_type=queue_type), sys.stdout, indent=2)
    sys.stdout.write("\n")
