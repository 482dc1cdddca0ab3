"""What the operator's pages show of accounts' GET /api/v1/operator/messages[/{id}]: plain values for the
templates (pure). The words are msgids (`N_`), translated by the template in the page's language.

A message's time is stated in UTC in the locale's long form; its payload as indented JSON (ltr: it is code).
"""
import json

from services.web import i18n, labels

N_ = labels.N_

KIND_NAMES = {
    "malformed": N_("Malformed: it breaks its contract"),
    "failed": N_("Failed: its handler failed after every retry"),
}
NOTICES = ("replayed",)


def message_summary(message: dict, language: str) -> dict:
    received_at = message.get("received_at")
    return {"id": message["id"], "event_id": message.get("event_id"), "event_type": message.get("event_type"),
            "correlation_id": message.get("correlation_id"), "service": message.get("service"),
            "consumer": message.get("consumer"), "kind": message.get("kind"), "kind_name": KIND_NAMES.get(message.get("kind")),
            "reason": message.get("reason"), "replayed": bool(message.get("replayed")),
            "received": {"iso": received_at, "text": i18n.moment(i18n.from_iso(received_at), language)} if received_at else None,
            "replayed_at": ({"iso": message["replayed_at"], "text": i18n.moment(i18n.from_iso(message["replayed_at"]), language)}
                            if message.get("replayed_at") else None),
            "replayed_by": message.get("replayed_by"),
            "href": f"/{language}/operator/messages/{message['id']}"}


def messages_page(listed: dict, language: str) -> dict:
    """The list, newest first, and the next page's link (accounts' cursor)."""
    following = listed.get("next_before")
    return {"messages": [message_summary(m, language) for m in listed.get("messages") or []],
            "next_href": f"/{language}/operator/messages?before={following}" if following else None}


def message_page(message: dict, me: dict, language: str, notice: str | None = None, errors: dict | None = None) -> dict:
    """One message whole, with its replay form (unless replayed already)."""
    shown = message_summary(message, language)
    payload = message.get("message") or {}
    return {"message": shown, "errors": errors or {}, "notice": notice if notice in NOTICES else None,
            "payload": json.dumps(payload, ensure_ascii=False, indent=2, sort_keys=True) if payload else None,
            "raw": message.get("raw"),
            "contract_errors": json.dumps(message["errors"], ensure_ascii=False, indent=2, sort_keys=True) if message.get("errors") else None,
            "replay_action": f"/{language}/operator/messages/{message['id']}/replay", "csrf_token": me.get("csrf_token") or "",
            "list_href": f"/{language}/operator/messages"}
