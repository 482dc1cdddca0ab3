"""What the operator's pages show of accounts' GET /api/v1/operator/messages[/{id}], and of review's expert
registry (GET /api/v1/experts) and cases waiting with nobody eligible (GET /api/v1/operator/waiting-cases):
plain values for the templates (pure). The words are msgids (`N_`), translated by the template in the page's
language; review's reasons come as codes with their values (services/review/domain/assignment.py: WHY).

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


# Review's assignment reasons (services/review/domain/assignment.py: WHY), each with its values as params.
WHY_NAMES = {
    "unavailable": N_("Not available"),
    "conflict_of_interest": N_("Conflict of interest: affiliated with %(member)s"),
    "declined_before": N_("Declined this case or missed a deadline on it before"),
    "no_shared_language": N_("Reads none of the self-assessment's languages (%(languages)s)"),
    "at_capacity": N_("At capacity: %(load)s of %(capacity)s cases"),
    "eligible": N_("Eligible"),
}


def _why(item: dict) -> dict | None:
    code = item.get("code")
    if code not in WHY_NAMES:
        return None
    params = {"member": item.get("member", ""), "languages": ", ".join(item.get("languages") or []),
              "load": item.get("load", ""), "capacity": item.get("capacity", "")}
    return {"code": code, "message": WHY_NAMES[code], "params": params}


def expert_row(expert: dict) -> dict:
    capacity, load = expert.get("capacity") or 0, expert.get("active_cases") or 0
    return {"expert_id": expert["expert_id"], "name": expert.get("name"), "languages": expert.get("languages") or [],
            "affiliations": expert.get("affiliations") or [], "expertise": expert.get("expertise") or [],
            "capacity": capacity, "load": load, "free": max(capacity - load, 0), "full": load >= capacity,
            "available": bool(expert.get("available"))}


def waiting_case(case: dict, language: str) -> dict:
    since = case.get("waiting_since")
    return {"case_id": case["case_id"], "member": case["member"], "cycle": case.get("cycle"),
            "languages": case.get("languages") or [],
            "since": {"iso": since, "text": i18n.moment(i18n.from_iso(since), language)} if since else None,
            "candidates": [{"expert_id": c["expert_id"], "eligible": bool(c.get("eligible")),
                            "why": [w for w in (_why(item) for item in c.get("why") or []) if w]}
                           for c in case.get("candidates") or []]}


def registry_page(experts: dict, waiting: dict, language: str) -> dict:
    """The registry with each expert's load, and the cases waiting with every expert's why."""
    return {"experts": [expert_row(e) for e in experts.get("experts") or []],
            "waiting": [waiting_case(c, language) for c in waiting.get("cases") or []]}
