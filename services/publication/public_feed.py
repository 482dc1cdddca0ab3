"""The live public feed: each finding version, announced on the irm.public topic exchange.

Announced by a consumer of publication's own finding.published event, so an announcement
is made at least once for every committed finding (the event is in the outbox with it),
with publisher confirms; nobody following is fine (the exchange drops what no queue wants).
"""
from nameko.amqp.publish import Publisher
from nameko.extensions import DependencyProvider

from shared import topology
from shared.contracts.public import PublicFindingMessage, kind_of, routing_key


def public_message(view: dict, status: str, reason: str | None) -> dict:
    """The public message for one finding version, from its public view."""
    kind = kind_of(view["version"], status)
    message = {
        "message_id": f"{view['id']}:{kind}", "kind": kind, "finding_id": view["id"], "case_id": view["case_id"],
        "version": view["version"], "status": status, "reason": reason, "member": view["member"],
        "cycle": view["action_plan"]["cycle"], "plan_number": view["action_plan"]["plan_number"],
        "published_at": view["published_at"], "supersedes": view["supersedes"], "summary": view["summary"],
        "url": view["url"], "timeline_url": f"/api/v1/cases/{view['case_id']}/timeline", "audit_url": view["audit_url"],
    }
    errors = PublicFindingMessage().validate(message)
    if errors:
        raise ValueError(f"public message breaks its contract: {errors}")
    return message


class PublicFeed(DependencyProvider):
    def setup(self):
        exchange = topology.public_exchange()
        self.publisher = Publisher(self.container.config["AMQP_URI"], exchange=exchange, declare=[exchange], serializer="json")

    def get_dependency(self, worker_ctx):
        return self

    def announce(self, message: dict) -> None:
        self.publisher.publish(message, routing_key=routing_key(message["kind"], message["member"]["code"]),
                               message_id=message["message_id"])
