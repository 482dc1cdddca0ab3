"""What happens to a message a consumer cannot apply: retried with backoff, then parked.

nameko acks a message once its handler returns and, by default, drops one whose handler
raised. Our handlers never raise: a failure is sent back to the consumer's own queue
after a delay (1 s, 5 s, 30 s, 60 s by default), and after the last retry it is parked on the
dead-letter queue with its error, for an operator to inspect and replay
(`irmctl dead-letters ...`). A message that breaks its contract cannot get better by
waiting: it is parked at once.

Delays are RabbitMQ queues with a message TTL and the default exchange as their
dead-letter exchange: a message published to `irm.retry.<ms>ms` with the consumer's queue
name as routing key expires there and is dead-lettered straight back into that queue.
All of these are ours, declared with their arguments at start-up. QUEUE_TYPE=quorum makes
every queue, ours and nameko's consumer queues (shared/consumer_queues.py), a quorum queue.
"""
from kombu import Exchange, Queue

from shared import settings

DEAD_LETTER_EXCHANGE = "irm.dead-letters"
DEAD_LETTER_QUEUE = "irm.dead-letters"
# A process killed inside a transaction leaves it open on the database, holding the writes it
# made, until the server's transaction lifetime ends (MongoDB's transactionLifetimeLimitSeconds,
# 60 s by default; SecantusDB the same, measured: 60.4 s). Until then every transaction touching
# those documents fails with WriteConflict, however often it is retried. Retries that give up
# sooner park good messages after every crash, so the delays together must outlast it.
TRANSACTION_LIFETIME_MS = 60_000
QUEUE_TYPES = ("classic", "quorum")

# Headers a parked message carries.
H_QUEUE, H_CONSUMER, H_ERROR, H_ATTEMPTS, H_KIND = "x-irm-queue", "x-irm-consumer", "x-irm-error", "x-irm-attempts", "x-irm-kind"


def parse_delays(text) -> tuple:
    if not text:
        return DEFAULT_RETRY_DELAYS_MS
    delays = tuple(int(part) for part in str(text).split(",") if part.strip())
    if any(delay <= 0 for delay in delays):
        raise ValueError("retry delays are positive milliseconds, e.g. 1000,5000,30000,60000")
    return delays


DEFAULT_RETRY_DELAYS_MS = parse_delays(settings.default("RETRY_DELAYS_MS"))


def queue_type(text) -> str:
    """QUEUE_TYPE, checked: a typo must stop start-up, not declare classic queues on a cluster."""
    text = (text or "classic").strip()
    if text not in QUEUE_TYPES:
        raise ValueError(f"QUEUE_TYPE is one of {', '.join(QUEUE_TYPES)}, not {text!r}")
    return text


def queue_arguments(kind: str) -> dict:
    """The arguments of every queue we and nameko declare. A quorum queue is replicated over
    the cluster's nodes (Raft): losing a node loses neither the queue nor its messages. A classic
    queue keeps nameko's argument-less declaration, so existing brokers keep their queues."""
    return {"x-queue-type": "quorum"} if queue_type(kind) == "quorum" else {}


def retry_queue_arguments(delay_ms: int, kind: str) -> dict:
    """A delay queue: messages expire after `delay_ms` and go back through the default exchange.

    On quorum queues (RabbitMQ 3.10+: message TTL and at-least-once dead-lettering), the
    expiry is re-published with confirms (`at-least-once`, which needs `reject-publish`
    overflow): a broker node lost mid-move cannot drop a message waiting for its retry.
    """
    arguments = {"x-message-ttl": delay_ms, "x-dead-letter-exchange": ""}
    if queue_type(kind) == "quorum":
        arguments.update({**queue_arguments(kind), "x-dead-letter-strategy": "at-least-once", "x-overflow": "reject-publish"})
    return arguments


def consumer_queue(source: str, event_type: str, service: str, method: str) -> str:
    """The queue nameko declares for a SERVICE_POOL event handler."""
    return f"evt-{source}-{event_type}--{service}.{method}"


def retry_exchange(delay_ms: int) -> str:
    return f"irm.retry.{delay_ms}ms"


def next_step(failures: int, delays) -> tuple:
    """After `failures` failed attempts: ("retry", delay_ms) or ("park", None)."""
    if failures <= len(delays):
        return "retry", delays[failures - 1]
    return "park", None


def topology(delays, kind="classic") -> list:
    """The exchanges and queues retries and dead letters need, to declare before use."""
    dead_letters = Exchange(DEAD_LETTER_EXCHANGE, type="fanout", durable=True)
    declarations = [dead_letters, Queue(DEAD_LETTER_QUEUE, exchange=dead_letters, durable=True,
                                        queue_arguments=queue_arguments(kind) or None)]
    for delay in delays:
        exchange = Exchange(retry_exchange(delay), type="fanout", durable=True)
        declarations += [exchange, Queue(retry_exchange(delay), exchange=exchange, durable=True,
                                         queue_arguments=retry_queue_arguments(delay, kind))]
    return declarations
