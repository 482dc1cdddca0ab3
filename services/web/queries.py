"""What the pages read from the database: the same documents the JSON API reads, read-only.

The log page's one read is publication's `LogCheckpoint` (services/publication/documents.py),
the document `GET /api/v1/log/checkpoint` serves. When publication exposes its read functions
(services/publication/queries.py), these calls become calls to those.
"""
from services.publication import documents as publication_documents


def latest_checkpoint() -> dict | None:
    """The largest signed checkpoint, as {"note", "size", "signed_at"}; None before the first."""
    latest = publication_documents.LogCheckpoint.objects.order_by("-size").only("note", "size", "signed_at").first()
    if latest is None:
        return None
    return {"note": latest.note, "size": latest.size, "signed_at": latest.signed_at}
