"""The mail service's gauges for `GET /metrics`, read at scrape time (see shared/metrics.py)."""
from services.mail import queries
from shared.metrics import gauge


def gauges(service) -> list:
    counts = queries.counts_by_status()
    return [gauge("irm_mail_messages", "Mails by status: pending (to send or to retry), sent, failed (parked: "
                  "`irmctl mail list --failed`).", labels=["status"], samples=[((s,), n) for s, n in counts.items()])]
