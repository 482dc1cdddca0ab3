"""The dead-letter queue, as an operator sees it: list, inspect, replay.

Reading a queue without consuming it: take every message unacknowledged, act on the
chosen ones (replayed ones are acked), and give the others back with one nack(requeue).
"""
import json
from dataclasses import dataclass

import pika

from shared import delivery
from shared.persistence.documents import DeliveryAttempt


@dataclass
class DeadLetter:
    delivery_tag: int
    headers: dict
    body: bytes

    @property
    def message(self):
        try:
            return json.loads(self.body)
        except ValueError:
            return None

    @property
    def event_id(self):
        return self.message.get("event_id") if isinstance(self.message, dict) else None

    def summary(self) -> dict:
        message = self.message if isinstance(self.message, dict) else {}
        return {"event_id": self.event_id, "event_type": message.get("event_type"),
                "correlation_id": message.get("correlation_id"), "queue": self.headers.get(delivery.H_QUEUE),
                "consumer": self.headers.get(delivery.H_CONSUMER), "kind": self.headers.get(delivery.H_KIND),
                "attempts": self.headers.get(delivery.H_ATTEMPTS), "error": self.headers.get(delivery.H_ERROR)}


class DeadLetterQueue:
    def __init__(self, amqp_uri: str):
        self.connection = pika.BlockingConnection(pika.URLParameters(amqp_uri))
        self.channel = self.connection.channel()
        self.channel.confirm_delivery()

    def _take_all(self) -> list:
        letters = []
        while True:
            method, properties, body = self.channel.basic_get(delivery.DEAD_LETTER_QUEUE, auto_ack=False)
            if method is None:
                return letters
            letters.append(DeadLetter(method.delivery_tag, dict(properties.headers or {}), body))

    def _give_back(self):
        self.channel.basic_nack(delivery_tag=0, multiple=True, requeue=True)

    def list(self) -> list:
        letters = self._take_all()
        self._give_back()
        return letters

    def replay(self, event_ids=None, progress=lambda letter: None) -> int:
        """Send the chosen letters (all when `event_ids` is None) back to their consumer's queue."""
        replayed = 0
        for letter in self._take_all():
            if event_ids is not None and letter.event_id not in event_ids:
                continue
            queue = letter.headers.get(delivery.H_QUEUE)
            if not queue:
                continue
            # The consumer gets a fresh set of retries.
            if letter.event_id:
                DeliveryAttempt.objects(consumer=letter.headers.get(delivery.H_CONSUMER), event_id=letter.event_id).delete()
            self.channel.basic_publish("", queue, letter.body, pika.BasicProperties(
                content_type="application/json", delivery_mode=2, headers={"x-irm-replayed": 1}), mandatory=True)
            self.channel.basic_ack(letter.delivery_tag)
            replayed += 1
            progress(letter)
        self._give_back()
        return replayed

    def close(self):
        self.connection.close()
