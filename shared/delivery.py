"""What happens to a message a consumer cannot apply: retried with backoff, then parked.

nameko acks a message once its handler returns and, by default, drops one whose handler
raised. Our handlers never raise: a failure is sent back to the consumer's own queue
after a delay (1 s, 5 s, 30 s by default), and after the last retry it is parked on the
dead-letter queue with its error, for an operator to inspect and replay
(`irmctl dead-letters ...`). A message that breaks its contract cannot get better by
waiting: it is parked at once.

Delays are RabbitMQ queues with a message TTL and the default exchange as their
dead-letter exchange: a message published to `irm.retry.<ms>ms` with the consumer's queue
name as routing key expires there and is dead-lettered straight back into that queue.
All of these are ours, declared with their arguments at start-up; nameko's own queues
stay as nameko declares them.
"""
from kombu import Exchange, Queue

DEAD_LETTER_EXCHANGE = "irm.dead-letters"
DEAD_LETTER_QUEUE = "irm.dead-letters"
DEFAULT_RETRY_DELAYS_MS = (1000, 5000, 30000)

# Headers a parked message carries.
H_QUEUE, H_CONSUMER, H_ERROR, H_ATTEMPTS, H_KIND = "x-irm-queue", "x-irm-consumer", "x-irm-error", "x-irm-attempts", "x-irm-kind"


def parse_delays(text) -> tuple:
    if not text:
        return DEFAULT_RETRY_DELAYS_MS
    delays = tuple(int(part) for part in str(text).split(",") if part.strip())
    if any(delay <= 0 for delay in delays):
        raise ValueError("retry delays are positive milliseconds, e.g. 1000,5000,30000")
    return delays


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


def topology(delays) -> list:
    """The exchanges and queues retries and dead letters need, to declare before use."""
    dead_letters = Exchange(DEAD_LETTER_EXCHANGE, type="fanout", durable=True)
    declarations = [dead_letters, Queue(DEAD_LETTER_QUEUE, exchange=dead_letters, durable=True)]
    for delay in delays:
        exchange = Exchange(retry_exchange(delay), type="fanout", durable=True)
        declarations += [exchange, Queue(retry_exchange(delay), exchange=exchange, durable=True,
                                         queue_arguments={"x-message-ttl": delay, "x-dead-letter-exchange": ""})]
    return declarations
