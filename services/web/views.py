"""What each page shows, built from plain values (pure: no nameko, no database).

The log page: the latest signed checkpoint as the log served it, what it says (size, root,
when it was signed and how long ago, in the page's language), whether the configured
verifier key opens it, and how a reader checks it themselves (irm verify, or the in-browser
verifier, which re-checks the same note with the key the reader trusts).
"""
import base64
from datetime import datetime

from shared.transparency.note import Checkpoint, NoteError, VerifierKey, open_checkpoint

from services.web import i18n


def log_page(latest: dict | None, verifier_key: VerifierKey | None, key_published_at: str, public_base_url: str,
             now: datetime, language: str) -> dict:
    """The log page's context. `latest` is {"note", "size", "signed_at"} or None (nothing signed yet)."""
    key_text = str(verifier_key) if verifier_key else ""
    context = {"key": {"text": key_text, "configured": verifier_key is not None, "published_at": key_published_at},
               "verify_command": f"irm verify --url {public_base_url} --key '{key_text or 'KEY'}' FINDING_ID",
               "checkpoint": None}
    if latest is None:
        return context
    try:
        unverified = Checkpoint.parse(latest["note"][: latest["note"].rfind("\n\n") + 1])
    except NoteError:
        unverified = None
    checkpoint = {
        "note": latest["note"],
        "size": latest["size"],
        "size_text": i18n.number(latest["size"], language),
        "signed_at": latest["signed_at"],
        "signed_at_iso": latest["signed_at"].isoformat(),
        "signed_at_text": i18n.moment(latest["signed_at"], language),
        "age_text": i18n.age(latest["signed_at"], now, language),
        "origin": unverified.origin if unverified else "",
        "root": base64.b64encode(unverified.root).decode() if unverified else "",
        "verified": None,
    }
    if verifier_key is not None:
        try:
            open_checkpoint(latest["note"], verifier_key)
            checkpoint["verified"] = True
        except NoteError:
            checkpoint["verified"] = False
    context["checkpoint"] = checkpoint
    return context
