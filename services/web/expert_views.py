"""What the expert's inbox shows, from review's GET /api/v1/cases as the expert sees it (shared/access.py:
their current cases with content; cases they gave back as a bare summary): plain values for the
templates (pure). The words are msgids (`N_`), translated by the template in the page's language.

Every deadline is stated in UTC (review keeps them so; an expert may work from anywhere), with the
whole days left, or overdue. Newest deadline first: the furthest deadline at the top.
"""
import math
from datetime import datetime
from urllib.parse import quote

from services.web import i18n, labels

N_ = labels.N_

STAGE_NAMES = {
    "assigned": N_("Assigned to you: accept or decline it"),
    "in_review": N_("In review: your draft findings are due"),
    "quality_review": N_("In quality review by the International Experts Panel"),
    "government_review": N_("Draft findings: the government's review"),
    "public_comment": N_("Draft findings: public comment"),
    "approved": N_("Approved for publication"),
    "published": N_("Published"),
}
ACCEPTS = ("assigned",)
AFTER_THE_DRAFT = ("government_review", "public_comment")  # the expert answers comments, opens public comment, finalises
DECLINES = ("assigned", "in_review")
NOTICES = ("accepted", "declined")
DAY = 86400


def deadline_view(iso_moment: str | None, now: datetime, language: str) -> dict | None:
    """A deadline: its moment in UTC in the locale's long form, and the whole days left (or overdue)."""
    if not iso_moment:
        return None
    at = i18n.from_iso(iso_moment)
    seconds = (at - now).total_seconds()
    return {"iso": iso_moment, "text": i18n.moment(at, language), "overdue": seconds < 0,
            "days_left": math.ceil(seconds / DAY) if seconds >= 0 else 0,
            "days_over": math.ceil(-seconds / DAY) if seconds < 0 else 0}


def case_view(case: dict, now: datetime, language: str) -> dict:
    status = case["status"]
    return {"case_id": case["case_id"], "member": case["member"], "cycle": case.get("cycle"), "status": status,
            "stage": STAGE_NAMES.get(status), "deadline": deadline_view(case.get("deadline_at"), now, language),
            "may_accept": status in ACCEPTS, "may_decline": status in DECLINES,
            "member_href": f"/{language}/members/{case['member']}",
            "accept_action": f"/{language}/expert/cases/{case['case_id']}/accept",
            "decline_action": f"/{language}/expert/cases/{case['case_id']}/decline",
            "workspace_href": f"/{language}/expert/cases/{quote(case['case_id'], safe='')}" if status not in ACCEPTS else None,
            "comments_href": f"/{language}/expert/cases/{quote(case['case_id'], safe='')}/comments"
            if status in AFTER_THE_DRAFT else None}


def _newest_deadline_first(view: dict):
    deadline = view["deadline"]
    return (deadline is None, -(i18n.from_iso(deadline["iso"]).timestamp()) if deadline else 0)


def inbox_page(listed: dict, me: dict, now: datetime, language: str, notice: str | None = None, errors_for: str | None = None,
               errors: dict | None = None, decline_state: dict | None = None) -> dict:
    """The inbox: the cases assigned to the expert now (with their forms), and those they gave back.
    `errors_for` names the case whose form review refused (`errors` next to its fields, `decline_state` as posted)."""
    mine = [c for c in listed.get("cases") or [] if c.get("url")]  # content: the expert's current case
    past = [c for c in listed.get("cases") or [] if not c.get("url")]
    cases = sorted((case_view(c, now, language) for c in mine), key=_newest_deadline_first)
    for view in cases:
        own = view["case_id"] == errors_for
        view["errors"] = (errors or {}) if own else {}
        view["decline"] = decline_state if own and decline_state else {"reason": "", "conflict": False, "affiliation": ""}
    return {"cases": cases, "given_back": [{"case_id": c["case_id"], "member": c["member"], "cycle": c.get("cycle")} for c in past],
            "notice": notice if notice in NOTICES else None, "csrf_token": me.get("csrf_token") or "",
            "expert_id": (me.get("person") or {}).get("expert_id")}
