"""What the quality reviewer's pages show, from review's API as the reviewer sees it (shared/access.py:
drafts in or past quality review, never their own): plain values for the templates (pure). The words are
msgids (`N_`), translated by the template in the page's language.

The queue: the drafts awaiting a quality decision, the longest waiting first, at most QUEUE_PAGE of them
(review answers at most its CASE_LIST_LIMIT; the page says when more wait). Each with its member, plan,
expert, the moment its draft was submitted (in UTC) and the whole days it has waited.
The case: each commitment's draft ratings with the government's self-assessment beside them, and a
comment field per commitment for the decision form (quality_forms.py).
"""
import math
from datetime import datetime

from services.web import i18n, labels, quality_forms as forms, views
from shared import irm

N_ = labels.N_

QUEUE_PAGE = 50
DAY = 86400
AWAITING = "quality_review"
NOTICES = ("approved", "returned")


def _moment(iso_moment: str | None, language: str) -> dict | None:
    if not iso_moment:
        return None
    return {"iso": iso_moment, "text": i18n.moment(i18n.from_iso(iso_moment), language)}


def days_waiting(iso_moment: str | None, now: datetime) -> int:
    """Whole days since the draft was submitted (0 on its first day)."""
    if not iso_moment:
        return 0
    return max(0, math.floor((now - i18n.from_iso(iso_moment)).total_seconds() / DAY))


def queue_item(case: dict, now: datetime, language: str) -> dict:
    return {"case_id": case["case_id"], "member": case["member"], "cycle": case.get("cycle"),
            "plan_number": case.get("plan_number"), "expert_id": case.get("expert_id"),
            "submitted": _moment(case.get("stage_started_at"), language),
            "days_waiting": days_waiting(case.get("stage_started_at"), now),
            "href": f"/{language}/quality-review/cases/{case['case_id']}"}


def _longest_waiting_first(item: dict):
    submitted = item["submitted"]
    return (submitted is None, i18n.from_iso(submitted["iso"]).timestamp() if submitted else 0, item["case_id"])


def queue_page(listed: dict, now: datetime, language: str, notice: str | None = None, case_id: str | None = None) -> dict:
    """The queue: drafts in quality review the reviewer may decide on (review lists no other), longest waiting first."""
    awaiting = [c for c in listed.get("cases") or [] if c.get("status") == AWAITING and c.get("url")]
    items = sorted((queue_item(c, now, language) for c in awaiting), key=_longest_waiting_first)
    return {"cases": items[:QUEUE_PAGE], "more": len(items) > QUEUE_PAGE, "page_size": QUEUE_PAGE,
            "notice": notice if notice in NOTICES else None, "notice_case": case_id if notice in NOTICES else None}


def _rating_view(indicator: str, rating: dict | None, language: str, languages) -> dict | None:
    if not rating:
        return None
    value = rating.get("value")
    if indicator == "open_government_lens" and isinstance(value, dict):
        shown = [labels.value(indicator, key) for key in irm.LENS_VALUES if value.get(key)]
    else:
        shown = [labels.value(indicator, value)] if value is not None else []
    return {"indicator": indicator, "name": labels.INDICATOR_NAMES[indicator], "shown": shown,
            "justification": views.localized(rating.get("justification"), language, languages)}


def _evidence_view(evidence: dict, language: str, languages) -> dict:
    return {"url": evidence.get("url"), "href": views.safe_link(evidence.get("url")), "file_id": evidence.get("file_id"),
            "description": views.localized(evidence.get("description"), language, languages)}


def commitment_view(commitment: dict, language: str, languages, comment: str = "", errors: dict | None = None,
                    returned: list = ()) -> dict:
    ratings = commitment.get("ratings") or {}
    commitment_id = commitment["commitment_id"]
    field = forms.comment_field(commitment_id)
    return {"commitment_id": commitment_id, "number": commitment.get("number"),
            "title": views.localized(commitment.get("title"), language, languages),
            "self_reported": labels.value("completion", commitment["self_reported_completion"])
            if commitment.get("self_reported_completion") else None,
            "self_reported_value": commitment.get("self_reported_completion"),
            "narrative": views.localized(commitment.get("narrative"), language, languages),
            "evidence": [_evidence_view(e, language, languages) for e in commitment.get("evidence") or []],
            "ratings": [shown for indicator in irm.INDICATORS
                        if (shown := _rating_view(indicator, ratings.get(indicator), language, languages))],
            "field": field, "comment": comment, "errors": {k: v for k, v in (errors or {}).items() if k == field},
            "earlier_comments": [views.localized(c.get("text"), language, languages) for c in returned
                                 if c.get("commitment_id") == commitment_id]}


def case_page(case: dict, me: dict, language: str, state: dict | None = None, errors: dict | None = None) -> dict:
    """The draft with the self-assessment beside it per commitment; the decision form while it awaits one.
    `state` is the form as posted (shown again next to review's refusal, `errors`)."""
    languages = case.get("languages") or ()
    comments = (state or {}).get("comments") or {}
    returned = case.get("quality_comments") or []
    errors = errors or {}
    action_plan = case.get("action_plan") or {}
    return {"case_id": case["case_id"], "stage": case["status"], "awaiting": case["status"] == AWAITING,
            "member": views.member_view(case["member"], language, languages),
            "cycle": action_plan.get("cycle"), "plan_number": action_plan.get("plan_number"),
            "expert_id": case.get("expert_id"),
            "commitments": [commitment_view(c, language, languages, comments.get(c["commitment_id"], ""), errors, returned)
                            for c in case.get("commitments") or []],
            "errors": {k: v for k, v in errors.items() if not k.startswith("comment-")},
            "decision": (state or {}).get("decision", ""),
            "action": f"/{language}/quality-review/cases/{case['case_id']}",
            "queue_href": f"/{language}/quality-review", "csrf_token": me.get("csrf_token") or ""}
