"""What the operator's members and corrections pages show: intake's GET /api/v1/members as an admin reads it, and
publication's corrections (GET /api/v1/corrections: findings withdrawn and cases reopened for correction, the
audit trail's entries with their reasons): plain values for the templates (pure). The words are msgids (`N_`),
translated by the template in the page's language; the reasons are people's words, shown as they were written.

Members: in code order, a bounded page (intake's, PAGE_SIZE) with a link to the next (intake's cursor), each with
its kind, its names in ar, fr and en (those it has), its region and IANA time zone (none: the pages say UTC).
Corrections: newest first, a bounded page (publication's) with a link to the next, each with who (role and
pseudonymous id), when (UTC, the locale's long form), why, and links to the finding and the case's timeline.
"""
from urllib.parse import urlencode

from services.web import i18n, labels
from shared.irm import LANGUAGES

N_ = labels.N_

MEMBERS = "/operator/members"
CORRECTIONS = "/operator/corrections"
PAGE_SIZE = 50
KIND_NAMES = labels.VALUES["kind"]
CORRECTION_NAMES = {"withdrawal": N_("Finding withdrawn"), "correction": N_("Reopened for correction")}


def _moment(iso_moment: str | None, language: str) -> dict | None:
    if not iso_moment:
        return None
    return {"iso": iso_moment, "text": i18n.moment(i18n.from_iso(iso_moment), language)}


def member_row(member: dict, language: str) -> dict:
    names = member.get("names") or {}
    return {"code": member["code"], "kind": member.get("kind"), "kind_name": KIND_NAMES.get(member.get("kind")),
            "names": [{"language": lang, "text": names[lang]} for lang in LANGUAGES if names.get(lang)],
            "region": member.get("region"), "time_zone": member.get("time_zone"),
            "added": _moment(member.get("created_at"), language), "href": f"/{language}/members/{member['code']}"}


def members_page(listed: dict, language: str, after: str | None = None) -> dict:
    """One page of the registry, and the next page's link (intake's cursor)."""
    following = listed.get("next_after")
    path = f"/{language}{MEMBERS}"
    return {"members": [member_row(m, language) for m in listed.get("members") or []],
            "next_href": f"{path}?{urlencode({'after': following})}" if following else None,
            "first_href": path if after else None, "page_size": PAGE_SIZE}


def correction_row(item: dict, language: str) -> dict:
    case_id, finding_id = item["case_id"], item.get("finding_id")
    who = item.get("who") or {}
    return {"kind": item["kind"], "kind_name": CORRECTION_NAMES.get(item["kind"], item["kind"]),
            "case_id": case_id, "seq": item.get("seq"), "id": f"{case_id}-{item.get('seq')}",
            "when": _moment(item.get("when"), language), "why": item.get("why") or "",
            "who": {"role": who.get("role"), "role_name": labels.ROLES.get(who.get("role")), "id": who.get("id")},
            "finding_href": f"/{language}/findings/{finding_id}" if finding_id else None,
            "supersedes_href": f"/{language}/findings/{item['supersedes']}" if item.get("supersedes") else None,
            "timeline_href": f"/{language}/cases/{case_id}/timeline"}


def corrections_page(listed: dict, language: str, cursor: str | None = None) -> dict:
    """One page of corrections and withdrawals, newest first, and the next page's link (publication's cursor)."""
    following = listed.get("next")
    path = f"/{language}{CORRECTIONS}"
    return {"corrections": [correction_row(c, language) for c in listed.get("corrections") or []],
            "next_href": f"{path}?{urlencode({'cursor': following})}" if following else None,
            "first_href": path if cursor else None}
