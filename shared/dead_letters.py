"""One parked message sent back to its consumer's queue, from inside a service (kombu, so green under eventlet).

What `irmctl dead-letters replay <event_id>` does (cli/dead_letters.py, over pika, for the command line),
for the one letter an operator chose on the operator's pages: every letter of `irm.dead-letters` is taken
unacknowledged, the chosen one (its consumer and its event id, or its whole message when it has no event id)
is published back to the queue it came from with confirms and `mandatory`, its consumer's failure count is
forgotten (fresh retries) and it is acknowledged; every other letter goes back to the queue as it was (the
channel closes with them unacknowledged). Replaying is safe: consumers record each applied event id in the
transaction of its effect (shared/persistence/unit_of_work.py: mark_applied), so a letter whose effect
happened after all changes nothing.
"""
import json

from amqp import Message
from kombu import Connection

from shared import delivery
from shared.persistence.documents import DeliveryAttempt

REPLAYED_HEADER = "x-irm-replayed"


def _is_the_letter(body: bytes, headers: dict, consumer: str, message: dict) -> bool:
    if headers.get(delivery.H_CONSUMER) != consumer:
        return False
    try:
        parked = json.loads(body)
    except ValueError:
        return False
    event_id = message.get("event_id") if isinstance(message, dict) else None
    if event_id and isinstance(parked, dict):
        return parked.get("event_id") == event_id
    return parked == message


def replay(amqp_uri: str, consumer: str, message: dict) -> str | None:
    """Send the letter `consumer` parked with `message` back to its queue: the queue's name, or None when no such
    letter waits on the dead-letter queue now (replayed already, by irmctl or another operator)."""
    with Connection(amqp_uri, connect_timeout=5) as connection:
        channel = connection.channel()
        try:
            channel.confirm_select()
            while True:
                letter = channel.basic_get(delivery.DEAD_LETTER_QUEUE, no_ack=False)
                if letter is None:
                    return None
                headers = dict(letter.properties.get("application_headers") or {})
                queue = headers.get(delivery.H_QUEUE)
                if queue and _is_the_letter(letter.body, headers, consumer, message):
                    if isinstance(message, dict) and message.get("event_id"):
                        DeliveryAttempt.objects(consumer=consumer, event_id=message["event_id"]).delete()
                    channel.basic_publish(Message(letter.body, content_type="application/json", delivery_mode=2,
                                                  application_headers={REPLAYED_HEADER: 1}),
                                          exchange="", routing_key=queue, mandatory=True)
                    channel.basic_ack(letter.delivery_tag)
                    return queue
        finally:
            channel.close()  # the letters not chosen, still unacknowledged, go back to the queue
