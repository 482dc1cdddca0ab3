"""What the expert's page after the draft shows, from review's GET /api/v1/cases/{id} as the case's expert
sees it: the government's comments on each commitment with the expert's answers (or a form for each
unanswered one while the government's review lasts), the step the case waits on (opening the public
comment, finalising) with its moment, and the public's comments. Plain values for the template (pure);
the words are msgids (`N_`), translated by the template in the page's language.

Moments are in UTC (review keeps them so; an expert may work from anywhere), said so on the page.
"""
from datetime import datetime
from urllib.parse import quote

from services.web import expert_comments_forms as forms, expert_views, i18n, views

SHOWN_IN = ("government_review", "public_comment", "approved", "published")  # the stages this page is for
STEP_OF = {"government_review": "open_public_comment", "public_comment": "finalise"}
NOTICES = ("answered",) + forms.STEPS


def comments_rest(case_id: str) -> str:
    return f"/expert/cases/{quote(case_id, safe='')}/comments"


def comments_path(language: str, case_id: str) -> str:
    return f"/{language}{comments_rest(case_id)}"


def _moment(iso_moment: str | None, language: str, now: datetime) -> dict | None:
    if not iso_moment:
        return None
    at = i18n.from_iso(iso_moment)
    return {"iso": iso_moment, "text": i18n.moment(at, language), "passed": at <= now}


def _comment(comment: dict, index: int, language: str, answerable: bool, action: str, posted: dict | None,
             error: dict | None) -> dict:
    answer = comment.get("response") or None
    own = bool(posted) and posted.get("comment_id") == comment["comment_id"]
    return {"id": comment["comment_id"], "key": f"a{index}", "text": views.localized(comment.get("text"), language),
            "at": comment.get("at") and {"iso": comment["at"], "text": i18n.moment(i18n.from_iso(comment["at"]), language)},
            "answer": answer and {"text": views.localized(answer.get("text"), language),
                                  "at": answer.get("at") and {"iso": answer["at"],
                                                              "text": i18n.moment(i18n.from_iso(answer["at"]), language)}},
            "form": {"action": f"{action}/{quote(comment['comment_id'], safe='')}/answer",
                     "text": posted.get("text", "") if own else "",
                     "error": views.message_view(error, language) if own and error else None} if answerable and not answer else None}


def comments_page(case: dict, language: str, csrf_token: str, now: datetime, notice: str | None = None,
                  posted: dict | None = None, error: dict | None = None, step_error: dict | None = None) -> dict:
    """The page: `posted` ({"comment_id", "text"}) and `error` an answer review refused, shown again next to its
    field; `step_error` the step (open public comment, finalise) review refused, said beside its button."""
    status = case["status"]
    action = comments_path(language, case["case_id"])
    answerable = status == "government_review"
    comments = case.get("government_comments") or []
    numbered = {c["commitment_id"]: c for c in case.get("commitments") or []}
    index = iter(range(1, len(comments) + 1))
    rows = []
    for commitment in case.get("commitments") or []:
        mine = [c for c in comments if c.get("commitment_id") == commitment["commitment_id"]]
        if mine:
            rows.append({"id": commitment["commitment_id"], "number": commitment["number"],
                         "title": views.localized(commitment.get("title"), language),
                         "comments": [_comment(c, next(index), language, answerable, action, posted, error) for c in mine]})
    general = [_comment(c, next(index), language, answerable, action, posted, error) for c in comments
               if c.get("commitment_id") not in numbered]
    step = STEP_OF.get(status)
    public = [{"text": views.localized(c.get("text"), language), "author": c.get("author"),
               "confidential": bool(c.get("confidential")),
               "at": c.get("at") and {"iso": c["at"], "text": i18n.moment(i18n.from_iso(c["at"]), language)}}
              for c in case.get("public_comments") or []]
    return {
        "case_id": case["case_id"], "member": views.member_view(case["member"], language),
        "cycle": (case.get("action_plan") or {}).get("cycle"), "case_status": status,
        "stage": expert_views.STAGE_NAMES.get(status), "shown": status in SHOWN_IN,
        "government_until": _moment(case.get("government_review_until"), language, now),
        "public_closes": _moment(case.get("public_comment_closes_at"), language, now),
        "commitments": rows, "general": general, "comment_count": len(comments),
        "unanswered": sum(1 for c in comments if not c.get("response")),
        "answer_max_characters": case.get("comment_max_characters"),
        "step": step and {"name": step, "action": f"{action}/{step.replace('_', '-')}",
                          "error": views.message_view(step_error, language) if step_error else None},
        "public_comments": public,
        "notice": forms.DONE[notice] if notice in NOTICES else None,
        "csrf_token": csrf_token, "action": action,
        "inbox_href": f"/{language}/expert", "workspace_href": f"/{language}/expert/cases/{quote(case['case_id'], safe='')}",
        "timeline_href": views.timeline_path(case["case_id"], language),
    }

