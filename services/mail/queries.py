"""What the mail service and irmctl read."""
from services.mail import documents
from services.mail.domain import delivery

SEND_BATCH = 50


def due(now, limit=SEND_BATCH) -> list:
    """Pending mails whose time has come, oldest first (the (status, next_attempt_at) index)."""
    return list(documents.OutgoingMail.objects(status=delivery.PENDING, next_attempt_at__lte=now)
                .order_by("next_attempt_at").limit(limit))


def mails(status=None, limit=100) -> list:
    query = documents.OutgoingMail.objects(status=status) if status else documents.OutgoingMail.objects()
    return list(query.order_by("-created_at").limit(limit))


def counts_by_status() -> dict:
    return {status: documents.OutgoingMail.objects(status=status).count() for status in delivery.STATUSES}
