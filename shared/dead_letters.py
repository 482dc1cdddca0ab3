"""The dead-letter queue (`irm.dead-letters`), read and replayed: `irmctl dead-letters list|show|replay` and
the operator's page of rejected messages both act through this module (kombu: green under eventlet in a
service, plain blocking sockets on the command line).

Reading a queue without consuming it: every letter is taken unacknowledged, the chosen ones are published
back to the queue they came from (with confirms and `mandatory`) and acknowledged, and the others go back to
the queue as they were when the channel closes with them unacknowledged. A replayed letter's consumer has its
failure count forgotten (fresh retries). Replaying is safe: consumers record each applied event id in the
transaction of its effect (shared/persistence/unit_of_work.py: mark_applied), so a letter whose effect
happened after all changes nothing.
"""
import json
from dataclasses import dataclass, field
from typing import Callable

from amqp import Message
from kombu import Connection

from shared import delivery
from shared.persistence.documents import DeliveryAttempt

REPLAYED_HEADER = "x-irm-replayed"
CONNECT_TIMEOUT_SECONDS = 5


@dataclass
class DeadLetter:
    body: bytes
    headers: dict = field(default_factory=dict)

    @property
    def message(self):
        try:
            return json.loads(self.body)
        except ValueError:
            return None

    @property
    def event_id(self):
        return self.message.get("event_id") if isinstance(self.message, dict) else None

    @property
    def consumer(self):
        return self.headers.get(delivery.H_CONSUMER)

    @property
    def queue(self):
        return self.headers.get(delivery.H_QUEUE)

    def summary(self) -> dict:
        message = self.message if isinstance(self.message, dict) else {}
        return {"event_id": self.event_id, "event_type": message.get("event_type"),
                "correlation_id": message.get("correlation_id"), "queue": self.queue, "consumer": self.consumer,
                "kind": self.headers.get(delivery.H_KIND), "attempts": self.headers.get(delivery.H_ATTEMPTS),
                "error": self.headers.get(delivery.H_ERROR)}


def is_the_letter(letter: DeadLetter, consumer: str, message: dict) -> bool:
    """Whether `letter` is the one `consumer` parked with `message`: by event id, or the whole message when it has
    none (a malformed one)."""
    if letter.consumer != consumer or letter.message is None:
        return False
    event_id = message.get("event_id") if isinstance(message, dict) else None
    if event_id and isinstance(letter.message, dict):
        return letter.message.get("event_id") == event_id
    return letter.message == message


def letters(amqp_uri: str) -> list:
    """Every letter waiting now, oldest first; the queue is left as it was."""
    return replay(amqp_uri, lambda letter: False)


def replay(amqp_uri: str, chosen: Callable[[DeadLetter], bool], progress=lambda letter: None, first_only=False) -> list:
    """Every letter waiting now (the `chosen` ones replayed, and only the first of them when `first_only`), oldest
    first. A chosen letter that names no queue to go back to stays where it is."""
    seen = []
    with Connection(amqp_uri, connect_timeout=CONNECT_TIMEOUT_SECONDS) as connection:
        channel = connection.channel()
        try:
            channel.confirm_select()
            replayed = False
            while True:
                raw = channel.basic_get(delivery.DEAD_LETTER_QUEUE, no_ack=False)
                if raw is None:
                    return seen
                letter = DeadLetter(raw.body, dict(raw.properties.get("application_headers") or {}))
                seen.append(letter)
                if letter.queue and not (first_only and replayed) and chosen(letter):
                    _send_back(channel, letter)
                    channel.basic_ack(raw.delivery_tag)
                    replayed = True
                    progress(letter)
                    if first_only:
                        return seen
        finally:
            channel.close()  # the letters not chosen, still unacknowledged, go back to the queue


def replay_one(amqp_uri: str, consumer: str, message: dict) -> str | None:
    """Send the letter `consumer` parked with `message` back to its queue: the queue's name, or None when no such
    letter waits on the dead-letter queue now (replayed already, by irmctl or another operator)."""
    sent = []
    replay(amqp_uri, lambda letter: is_the_letter(letter, consumer, message), progress=sent.append, first_only=True)
    return sent[0].queue if sent else None


def _send_back(channel, letter: DeadLetter) -> None:
    if letter.event_id:
        DeliveryAttempt.objects(consumer=letter.consumer, event_id=letter.event_id).delete()
    channel.basic_publish(Message(letter.body, content_type="application/json", delivery_mode=2,
                                  application_headers={REPLAYED_HEADER: 1}),
                          exchange="", routing_key=letter.queue, mandatory=True)
