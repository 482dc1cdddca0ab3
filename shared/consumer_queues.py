"""nameko's event handler, with its queue declared as QUEUE_TYPE says.

nameko 2.14 declares each SERVICE_POOL handler's queue (`evt-<source>-<event>--<service>.<method>`)
itself, durable and without arguments, and RabbitMQ 3.10 has no vhost default queue type
that could make such a declaration a quorum queue. So the handler here is nameko's own with
one change: its queue carries `shared/delivery.py: queue_arguments` (`x-queue-type: quorum`
when QUEUE_TYPE=quorum), the same arguments shared/topology.py declares the queue with at
start-up, so the two declarations agree (RabbitMQ refuses a redeclaration with other
arguments: PRECONDITION_FAILED).
"""
from nameko.events import EventHandler

from shared import delivery, settings


class TypedQueueEventHandler(EventHandler):
    def setup(self):
        super().setup()  # builds self.queue; nameko's consumer reads it only when it starts consuming
        self.queue.queue_arguments = delivery.queue_arguments(settings.value(self.container.config, "QUEUE_TYPE")) or None


event_handler = TypedQueueEventHandler.decorator
