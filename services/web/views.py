"""What each page shows, built from plain values (pure: no nameko, no database).

The findings pages are built from publication's own views of the data (the dicts its JSON
API serves), so a page and the API can never disagree on what a finding says.

The log page: the latest signed checkpoint as the log served it, what it says (size, root,
when it was signed and how long ago, in the page's language), whether the configured
verifier key opens it, and how a reader checks it themselves (irm verify, or the in-browser
verifier, which re-checks the same note with the key the reader trusts).
"""
import base64
from datetime import datetime
from urllib.parse import quote, urlencode

from marshmallow import ValidationError

from shared.contracts.fields import MEMBER_CODE
from shared.irm import INDICATORS as INDICATOR_ORDER, LENS_VALUES as LENS_ORDER

from shared.transparency.note import Checkpoint, NoteError, VerifierKey, open_checkpoint

from services.publication.domain import finding as finding_rules
from services.publication.domain import member_summary

from services.web import chart, i18n


def key_view(verifier_key: VerifierKey | None, key_published_at: str) -> dict:
    """The configured verifier key as a page shows it, with where its owner publishes it."""
    return {"text": str(verifier_key) if verifier_key else "", "configured": verifier_key is not None,
            "published_at": key_published_at}


def verify_command(public_base_url: str, verifier_key: VerifierKey | None, target: str) -> str:
    """The `irm verify` command line that checks `target` against this site with the configured key."""
    return f"irm verify --url {public_base_url} --key '{verifier_key or 'KEY'}' {target}"


def log_page(latest: dict | None, verifier_key: VerifierKey | None, key_published_at: str, public_base_url: str,
             now: datetime, language: str) -> dict:
    """The log page's context. `latest` is {"note", "size", "signed_at"} or None (nothing signed yet)."""
    context = {"key": key_view(verifier_key, key_published_at),
               "verify_command": verify_command(public_base_url, verifier_key, "FINDING_ID"), "checkpoint": None}
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


# --- text in several languages ------------------------------------------------------------
def localized(text, language: str, languages=()) -> dict | None:
    """People's text kept per language ({"ar": ..., "fr": ...}) as a page shows it: in the page's
    language when the data has it, otherwise the original, first in the finding's own languages,
    with its `lang` (None when it is the page's). A plain string is shown as it is, in no
    declared language."""
    if not text:
        return None
    if isinstance(text, str):
        return {"text": text, "lang": None}
    if text.get(language):
        return {"text": text[language], "lang": None}
    for other in (*languages, *sorted(text)):
        if text.get(other):
            return {"text": text[other], "lang": other}
    return None


def member_view(member: dict, language: str, languages=()) -> dict:
    return {"code": member["code"], "kind": member.get("kind"), "name": localized(member.get("names") or {}, language, languages)
            or {"text": member["code"], "lang": None}}


def safe_link(url) -> str | None:
    """A link target only for http(s) URLs: anything else (javascript:, data:) is shown as text."""
    return url if isinstance(url, str) and url.lower().startswith(("https://", "http://")) else None


# --- the findings list ------------------------------------------------------------------------
FILTERS = ("member", "kind", "cycle", "language", "verifiability", "potential_for_results", "completion",
           "did_it_open_government", "status")


def findings_form(args: dict, fields) -> dict:
    """What the filter form sent, as the API's query reads it: the query's own fields only
    (a link may carry others) and empty fields left out (a form sends every field)."""
    return {key: value for key, value in args.items() if key in fields and value.strip() != ""}


def is_member_code(code: str) -> bool:
    """Whether `code` is spelled as member codes are (the contracts' rule): anything else names no member."""
    try:
        MEMBER_CODE(code)
    except ValidationError:
        return False
    return True


def member_href(code: str, language: str) -> str:
    return f"/{language}/members/{quote(code, safe='')}"


def findings_list_page(found: dict | None, form: dict, errors: dict, language: str) -> dict:
    """The findings page's context: the form as sent, its errors by field, and the results
    (publication's findings_list) with each member's name in the page's language."""
    items = []
    for item in (found or {}).get("items", []):
        items.append({"id": item["id"], "href": finding_href(item["id"], language), "api_url": item["url"],
                      "member": member_view(item["member"], language, item["languages"]),
                      "member_href": member_href(item["member"]["code"], language),
                      "cycle": item["action_plan"]["cycle"], "plan_number": item["action_plan"]["plan_number"],
                      "version": item["version"], "status": item["status"], "published_at": item["published_at"],
                      "summary": item["summary"], "languages": item["languages"]})
    next_href = f"/{language}/findings?" + urlencode(found["next"]) if found and found["next"] else None
    api_query = urlencode({k: v for k, v in form.items()})
    return {"form": {key: form.get(key, "") for key in FILTERS},
            "errors": {key: bool(errors.get(key)) for key in (*FILTERS, "cursor", "limit")}, "has_errors": bool(errors),
            "items": items, "next_href": next_href, "count": len(items),
            "api_url": "/api/v1/findings" + ("?" + api_query if api_query else ""),
            "searched": bool(form)}


# --- a finding ------------------------------------------------------------------------------------
def commitment_view(commitment: dict, text) -> dict:
    """A commitment and its ratings as the finding and draft pages show them: each indicator
    rated, in the IRM's order, with its justification and evidence links. `text` shows people's
    text in the page's language (localized, bound to the page)."""
    indicators = []
    for indicator in INDICATOR_ORDER:
        rated = (commitment.get("ratings") or {}).get(indicator)
        if not rated:
            continue
        value = rated.get("value")
        indicators.append({
            "name": indicator,
            "values": [lens for lens in LENS_ORDER if value.get(lens)] if indicator == "open_government_lens" else [value],
            "justification": text(rated.get("justification")),
            "evidence": [{"url": url, "href": safe_link(url)} for url in rated.get("evidence") or []]})
    return {"id": commitment["commitment_id"], "number": commitment["number"],
            "title": text(commitment.get("title")) or {"text": commitment["commitment_id"], "lang": None},
            "indicators": indicators}


def plan_view(plan: dict | None, text) -> dict:
    """The plan's co-creation assessment, as the finding and draft pages show it."""
    plan = plan or {}
    co_creation, contrary = plan.get("co_creation"), plan.get("acted_contrary_to_process")
    return {"co_creation": co_creation and {"public_influence": co_creation.get("public_influence"),
                                            "forum_met_regularly": co_creation.get("forum_met_regularly"),
                                            "justification": text(co_creation.get("justification"))},
            "contrary": contrary and {"value": contrary.get("value"), "reasons": contrary.get("reasons") or [],
                                      "justification": text(contrary.get("justification"))}}


def public_comments_view(comments, text) -> list:
    """Public comments as a page shows them: the published ones only (the API gives no other;
    a confidential one is left out here too, should one ever be given)."""
    return [{"id": c["comment_id"], "commitment_id": c.get("commitment_id"), "text": text(c.get("text")),
             "author": c.get("author"), "at": c.get("at")} for c in comments or [] if not c.get("confidential")]


def finding_page(view: dict, language: str, base: str = "") -> dict:
    """A finding's page from the API's own view of it (publication's views.finding_view).

    `base` goes before every link of the site: none on the page, the public base URL in its
    PDF report (a link in a saved file has no site to be relative to)."""
    languages = view["languages"]

    def text(value):
        return localized(value, language, languages)

    commitments = [{**commitment_view(commitment, text), "self_reported_completion": commitment.get("self_reported_completion"),
                    "judgements": commitment.get("judgements") or {}} for commitment in view["commitments"]]
    government = [{"id": c["comment_id"], "commitment_id": c.get("commitment_id"), "text": text(c.get("text")),
                   "at": c.get("at"), "response": c.get("response") and {
                       "text": text(c["response"].get("text")), "expert_id": c["response"].get("expert_id"),
                       "at": c["response"].get("at")}} for c in view.get("government_comments") or []]
    public = public_comments_view(view.get("public_comments"), text)
    member = member_view(view["member"], language, languages)
    return {
        "finding": view, "member": member, "member_href": base + member_href(member["code"], language),
        "cycle": view["action_plan"]["cycle"], "plan_number": view["action_plan"]["plan_number"],
        "commitments": commitments, **plan_view(view.get("plan_assessment"), text),
        "government_comments": government, "public_comments": public,
        "supersedes_href": view["supersedes"] and base + finding_href(view["supersedes"], language),
        "superseded_by_href": view["superseded_by"] and base + finding_href(view["superseded_by"], language),
        "links": {key: base + path for key, path in {
            "page": finding_href(view["id"], language), "report": report_href(view["id"], language),
            "json": view["url"], "feed": f"/api/v1/feeds/findings.atom?member={quote(member['code'])}",
            "open_data": "/api/v1/open-data/commitments.csv", "audit": view["audit_url"], "timeline": view["timeline_url"],
            "timeline_page": timeline_path(view["case_id"], language), "log_page": f"/{language}/log"}.items()},
    }


def finding_href(finding_id: str, language: str) -> str:
    return f"/{language}/findings/{quote(finding_id)}"


def report_href(finding_id: str, language: str) -> str:
    """A finding's PDF report in one language: a stable URL (the finding version's own id)."""
    return finding_href(finding_id, language) + "/report.pdf"


def report_page(view: dict, language: str, generated_at: datetime, public_base_url: str) -> dict:
    """A finding's PDF report: the finding page's own context with the site's links made
    absolute, plus where and when the report was made."""
    return {**finding_page(view, language, base=public_base_url), "generated_at": generated_at, "site_url": public_base_url}
# --- a member ------------------------------------------------------------------------------------
def version_status(finding: dict) -> str:
    """What a version is now: replaced by a newer one, withdrawn, or published and standing."""
    return "superseded" if finding["superseded_by"] else finding["status"]


def member_page(found: dict, language: str, next_href: str | None = None) -> dict:
    """A member's page from what web queries.member_page reads: who it is (named as its newest finding
    names it), the four dimensions per cycle of its findings in force as a chart and a table of the same
    numbers (its summary's counts, kept at publication), and one page of its findings' versions, newest
    first, with the link to the next (older) page."""
    summary = found["summary"]
    member = member_view(summary["member"], language, summary.get("languages") or ())
    rows = member_summary.rows(summary)
    table = [{"cycle": row["cycle"], "commitments": row["commitments"], "findings": row["findings"],
              "cells": [{"dimension": name, "count": row["counts"][name],
                         "share_text": i18n.percent(chart.share(row["counts"][name], row["commitments"]), language)}
                        for name in finding_rules.FOUR_DIMENSIONS]} for row in rows]
    listed = [{"id": f["id"], "href": finding_href(f["id"], language), "cycle": f["action_plan"]["cycle"],
               "plan_number": f["action_plan"]["plan_number"], "version": f["version"], "status": version_status(f),
               "published_at": f["published_at"], "summary": f["summary"]} for f in found["findings"]]
    code = quote(member["code"], safe="")
    return {"member": member, "member_href": member_href(member["code"], language), "findings": listed,
            "versions": summary["versions"], "next_href": next_href, "dimensions": finding_rules.FOUR_DIMENSIONS,
            "table": table, "chart": chart.dimension_chart(rows, language),
            "cycles": {"count": len(rows), "first": rows[0]["cycle"] if rows else None, "last": rows[-1]["cycle"] if rows else None},
            "links": {"json": f"/api/v1/findings?member={code}&all_versions=true&limit=100",
                      "feed": f"/api/v1/feeds/findings.atom?member={code}"}}


def member_next_href(code: str, cursor: str | None, language: str) -> str | None:
    """The member page's next (older) page, None on the last."""
    return f"{member_href(code, language)}?{urlencode({'cursor': cursor})}" if cursor else None


def finding_verification(view: dict, verifier_key: VerifierKey | None, key_published_at: str, public_base_url: str) -> dict:
    """The finding page's "verify this finding's history" section: what finding-verify.js
    needs (handed over as data-* attributes: the case, the audit head this version recorded,
    the configured key), the command that checks the same with JavaScript off, and the public
    endpoints both read."""
    head = view.get("audit_head") or {}
    return {"key": key_view(verifier_key, key_published_at),
            "command": verify_command(public_base_url, verifier_key, view["id"]),
            "case_id": view["case_id"], "finding_id": view["id"], "head_seq": head.get("seq"), "head_hash": head.get("hash"),
            "links": {"audit": view["audit_url"], "checkpoint": "/api/v1/log/checkpoint", "checkpoints": "/api/v1/log/checkpoints",
                      "entries": "/api/v1/log/entries", "key": "/api/v1/log/key"}}


# --- a case's timeline -----------------------------------------------------------------------------
def timeline_page(timeline: dict, checkpoint_size: int | None, language: str, draft_is_public: bool = False) -> dict:
    """A case's timeline page from publication's own timeline (the API's body): each event with
    a link to its inclusion proof in the latest signed tree, when that tree holds it, and a link
    to the case's public draft when the disclosure rule makes it public (shared/disclosure.py)."""
    events = []
    for event in timeline["events"]:
        index = event["log_index"]
        proof = (f"/api/v1/log/proofs/inclusion?{urlencode({'index': index, 'size': checkpoint_size})}"
                 if index is not None and checkpoint_size and index < checkpoint_size else None)
        withheld = event.get("withheld")
        events.append({"log_index": index, "proof_href": proof, "seq": event["seq"], "when": event["when"],
                       "who": {"role": event["who"].get("role"), "id": event["who"].get("id")},
                       "what": event["what"], "why": event["why"] or "", "entry_hash": event["entry_hash"],
                       "disclosed": "sealed" in event,
                       "withheld_until": (withheld.get("until") or "erased") if withheld else None})
    return {"case_id": timeline["case_id"], "events": events, "checkpoint_size": checkpoint_size,
            "api_url": f"/api/v1/cases/{timeline['case_id']}/timeline", "audit_url": timeline["audit_url"],
            "draft_href": draft_path(timeline["case_id"], language) if draft_is_public else None}


# --- a case's public draft and its comment form ------------------------------------------------------
def draft_path(case_id: str, language: str) -> str:
    return f"/{language}/cases/{quote(case_id, safe='')}/draft"


def timeline_path(case_id: str, language: str) -> str:
    return f"/{language}/cases/{quote(case_id, safe='')}/timeline"


EXPERT_INBOX = "/expert"


def expert_inbox_path(case_id: str, language: str) -> str:
    """The expert's inbox, where the case is (the mails an expert gets link there)."""
    return f"/{language}{EXPERT_INBOX}"


def message_view(message: dict, language: str) -> dict:
    """A form message (comment_form's msgid and values) with its values written in the page's
    language: numbers in the locale, a wait in words ("2 minutes", "دقيقتان")."""
    params = {}
    for key, value in message["params"].items():
        if key == "wait_seconds":
            params["wait"] = i18n.duration(value, language)
        elif isinstance(value, int):
            params[key] = i18n.number(value, language)
        else:
            params[key] = "" if value is None else str(value)
    return {"message": message["message"], "params": params}


FORM_DEFAULTS = {"text": "", "commitment": "", "author": "", "confidential": ""}
FORM_FIELDS = ("text", "language", "commitment", "author", "confidential", "form")  # where a message may stand


def draft_page(draft: dict, language: str, token: str, form: dict | None = None, errors: dict | None = None,
               refusal: dict | None = None, receipt: dict | None = None) -> dict:
    """The public draft's page from review's own view of it (GET /api/v1/cases/{id}/public-draft):
    the commitments and their draft assessment, the published comments, and while review says
    comments are open, the form, as it was sent when it comes back with errors (`errors` by
    field, `refusal` for the comment as a whole), with the signed receipt of a comment just
    recorded (`receipt`: the comment shown, or a confidential one acknowledged)."""
    def text(value):
        return localized(value, language)

    case_id = draft["case_id"]
    comments = public_comments_view(draft.get("comments"), text)
    received = None
    if receipt:
        shown = any(c["id"] == receipt["comment_id"] for c in comments)
        received = {"comment_id": receipt["comment_id"], "confidential": receipt["confidential"], "shown": shown}
    sent = {**FORM_DEFAULTS, "language": language, **(form or {})}
    return {
        "case_id": case_id, "member": member_view(draft["member"], language), "cycle": draft["action_plan"]["cycle"],
        "plan_number": draft["action_plan"]["plan_number"], "case_status": draft["status"],
        "commitments": [commitment_view(c, text) for c in draft["commitments"]], **plan_view(draft.get("plan_assessment"), text),
        "comments": comments, "received": received,
        "comments_open": bool(draft.get("comments_open")), "closes_at": draft.get("public_comment_closes_at"),
        "comment_max_characters": draft.get("comment_max_characters"),
        "form": {key: sent.get(key, "") for key in (*FORM_DEFAULTS, "language")}, "token": token,
        "errors": {**dict.fromkeys(FORM_FIELDS), **{field: message_view(message, language) for field, message in (errors or {}).items()}},
        "has_errors": bool(errors),
        "refusal": message_view(refusal, language) if refusal else None,
        "action": draft_path(case_id, language) + "/comments",
        "links": {"json": f"/api/v1/cases/{quote(case_id, safe='')}/public-draft",
                  "timeline": timeline_path(case_id, language)},
    }
