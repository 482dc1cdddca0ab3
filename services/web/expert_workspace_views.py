"""What the expert's case workspace shows, from review's GET /api/v1/cases/{id} as its expert sees it:
the government's self-assessment of each commitment beside its rating form, the progress (rated n of m,
from review's own `missing`: its rubric), the plan's assessment, and, when a save met a newer version,
what changed. Plain values for the templates (pure); the words are msgids (`N_`), translated by the
template in the page's language.

Each scale's values carry their official meaning (../shared/IRM.md: the IRM's glossary) as help text.
"""
import hashlib
import json

from shared.irm import (
    COMPLETION, CONTRARY_TO_PROCESS_REASONS, DID_IT_OPEN_GOVERNMENT, INDICATORS, LENS_VALUES, POTENTIAL_FOR_RESULTS,
    PUBLIC_INFLUENCE, VERIFIABILITY,
)

from services.web import labels
from services.web.expert_workspace_forms import LENS, filled
from services.web.views import localized, safe_link

N_ = labels.N_

EDITABLE = ("in_review",)  # review's workflow saves ratings only in review; the page offers no form otherwise
SCALES = {"verifiability": VERIFIABILITY, "potential_for_results": POTENTIAL_FOR_RESULTS, "completion": COMPLETION,
          "did_it_open_government": DID_IT_OPEN_GOVERNMENT}
NOTICES = ("saved", "plan_saved", "submitted", "took_theirs")

# What each value means, as the IRM defines it: the help text beside each choice.
MEANINGS = {
    "verifiability": {
        "verifiable": N_("The commitment's objectives and milestones are specific enough to check whether they were carried out."),
        "not_verifiable": N_("The commitment is too vague to check: it is not reviewable and gets no other indicator."),
    },
    LENS: {
        "transparency": N_("Access to information: the government discloses more information, or improves its quality or accessibility."),
        "participation": N_("Civic participation: the public gets new or better chances to inform or influence decisions."),
        "accountability": N_("Public accountability: new or better ways to hold officials answerable for their actions."),
    },
    "potential_for_results": {
        "unclear": N_("The commitment continues existing practice, or its results cannot be foreseen."),
        "modest": N_("A positive but stand-alone change to practice, policy or institutions."),
        "substantial": N_("A possible game changer for practice, policy or institutions: a promising commitment."),
    },
    "completion": {
        "no_evidence_available": N_("There is not enough evidence to say whether the commitment was carried out."),
        "not_started": N_("No milestone was begun."),
        "limited": N_("Work began, but few milestones are done."),
        "substantial": N_("Most milestones are done: high completion."),
        "complete": N_("Every milestone is done: high completion."),
    },
    "did_it_open_government": {
        "worsened": N_("Government practice became less open because of the commitment."),
        "did_not_change": N_("Government practice did not change."),
        "marginal": N_("Some change, small in scope or significance."),
        "major": N_("A step forward for open government in the policy area: strong early results."),
        "outstanding": N_("A reform that transformed business as usual in the policy area: strong early results."),
    },
    "public_influence": {
        "inform": N_("The public was kept informed, with no say."),
        "consult": N_("The public could give its views."),
        "involve": N_("The public's views were taken into account: the minimum OGP requires during development."),
        "collaborate": N_("The public and the government decided the agenda together."),
        "empower": N_("The public made the decisions."),
    },
}
INDICATOR_HELP = {
    "verifiability": N_("Rate this first: a not verifiable commitment needs nothing else."),
    LENS: N_("Answer yes or no for each value: is the commitment relevant to it?"),
    "potential_for_results": N_("The ambition of the commitment as written."),
    "completion": N_("How much of the commitment was carried out."),
    "did_it_open_government": N_("The early results: how government practice changed."),
}


def digest(ratings: dict | None) -> str:
    """A commitment's stored ratings in a few characters: what a form was made from, to tell on a
    stale save whether this commitment itself changed meanwhile (or only another part of the draft)."""
    canonical = json.dumps(ratings or {}, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def _justification(text, language) -> str:
    shown = localized(text, language)
    return shown["text"] if shown else ""


def stored_state(ratings: dict | None, language: str) -> dict:
    """A commitment's stored ratings as the form's state (the same shape expert_workspace_forms.rating_state gives)."""
    state = {}
    for indicator in INDICATORS:
        rated = (ratings or {}).get(indicator) or {}
        value = rated.get("value")
        if indicator == LENS:
            value = {lens: ("" if (value or {}).get(lens) is None else "yes" if value[lens] else "no") for lens in LENS_VALUES}
        state[indicator] = {"value": value or "", "justification": _justification(rated.get("justification"), language),
                            "evidence": "\n".join(rated.get("evidence") or [])}
    return state


def differences(mine: dict, theirs: dict) -> list:
    """What the other version of a commitment's ratings says differently from the expert's own, indicator by indicator."""
    changed = []
    for indicator in INDICATORS:
        a, b = mine[indicator], theirs[indicator]
        parts = [part for part in ("value", "justification", "evidence")
                 if (a[part].strip() if isinstance(a[part], str) else a[part]) != (b[part].strip() if isinstance(b[part], str) else b[part])]
        if parts:
            changed.append({"indicator": indicator, "name": labels.INDICATOR_NAMES[indicator], "parts": parts,
                            "mine": _shown(indicator, a), "theirs": _shown(indicator, b)})
    return changed


def _shown(indicator: str, rated: dict) -> dict:
    value = rated["value"]
    if indicator == LENS:
        value = [{"name": labels.value(LENS, lens), "answer": value[lens]} for lens in LENS_VALUES if value.get(lens)]
    elif value:
        value = {"name": labels.value(indicator, value), "raw": value}
    return {"value": value or None, "justification": rated["justification"], "evidence": rated["evidence"]}


def _scale(indicator: str) -> list:
    return [{"value": value, "name": labels.value(indicator, value), "meaning": MEANINGS[indicator][value]}
            for value in SCALES[indicator]]


def rubric_view() -> list:
    """The indicators in the report's order, each with its scale's values and their meanings."""
    view = []
    for indicator in INDICATORS:
        item = {"indicator": indicator, "name": labels.INDICATOR_NAMES[indicator], "help": INDICATOR_HELP[indicator],
                "lens": indicator == LENS}
        if indicator == LENS:
            item["values"] = [{"value": lens, "name": labels.value(LENS, lens), "meaning": MEANINGS[LENS][lens]}
                              for lens in LENS_VALUES]
        else:
            item["values"] = _scale(indicator)
        view.append(item)
    return view


def _evidence(item: dict, language: str) -> dict:
    href = safe_link(item.get("url")) or safe_link(item.get("download_url"))
    return {"href": href, "text": item.get("url") or item.get("filename") or item.get("file_id") or "",
            "description": localized(item.get("description"), language)}


def self_assessment_view(commitment: dict, language: str) -> dict:
    """What the government reported of one commitment (intake's self-assessment, as review's case keeps it)."""
    return {"full_text": localized(commitment.get("full_text"), language),
            "lead_institution": commitment.get("lead_institution"),
            "supporting_institutions": commitment.get("supporting_institutions") or [],
            "milestones": [{"title": localized(m.get("title"), language), "due_date": m.get("due_date"), "status": m.get("status")}
                           for m in commitment.get("milestones") or []],
            "completion": commitment.get("self_reported_completion"),
            "narrative": localized(commitment.get("narrative"), language),
            "evidence": [_evidence(e, language) for e in commitment.get("evidence") or []]}


def is_rated(commitment_id: str, missing: list) -> bool:
    return not any(path.startswith(f"{commitment_id}.") for path in missing)


def quality_comments_view(comments: list, commitment_id: str | None, language: str) -> list:
    """The quality reviewers' comments (review's `quality_comments`, oldest first) on one commitment, or with
    `commitment_id` None on the draft as a whole: what a returned draft asks the expert to fix."""
    return [{"text": localized(c.get("text"), language), "at": c.get("at")} for c in comments or []
            if c.get("commitment_id") == commitment_id]


def commitment_view(commitment: dict, case_id: str, missing: list, language: str, posted: dict | None = None,
                    quality_comments: list = ()) -> dict:
    """One commitment: the self-assessment, the quality reviewers' comments on it, and the rating form's state (as
    stored, or as posted: `posted` holds "state", "errors" and, after a save over a newer version, "conflict" with
    the other version)."""
    cid = commitment["commitment_id"]
    stored = stored_state(commitment.get("ratings"), language)
    state = (posted or {}).get("state") or stored
    view = {"id": cid, "number": commitment["number"], "title": localized(commitment.get("title"), language),
            "self_assessment": self_assessment_view(commitment, language), "rated": is_rated(cid, missing),
            "ratings": stored, "state": state, "base": digest(commitment.get("ratings")),
            "not_verifiable": state["verifiability"]["value"] == "not_verifiable",
            "errors": (posted or {}).get("errors") or {},
            "action": f"/{language}/expert/cases/{case_id}/ratings/{cid}", "anchor": f"commitment-{cid}",
            "conflict": None, "given": {i: filled(state[i]) for i in INDICATORS},
            "quality_comments": quality_comments_view(quality_comments, cid, language)}
    if posted and posted.get("conflict"):
        view["conflict"] = {"changes": differences(state, stored),
                            "take_theirs": f"/{language}/expert/cases/{case_id}?done=took_theirs&commitment={cid}#commitment-{cid}"}
    return view


def plan_assessment_state(assessment: dict | None, language: str) -> dict:
    co = (assessment or {}).get("co_creation") or {}
    contrary = (assessment or {}).get("acted_contrary_to_process") or {}
    yes_no = lambda v: "" if v is None else "yes" if v else "no"  # noqa: E731
    return {"public_influence": co.get("public_influence") or "", "forum_met_regularly": yes_no(co.get("forum_met_regularly")),
            "co_creation_justification": _justification(co.get("justification"), language),
            "contrary": yes_no(contrary.get("value")), "reasons": list(contrary.get("reasons") or []),
            "contrary_justification": _justification(contrary.get("justification"), language)}


# The five OGP Participation & Co-Creation Standards, as the government reports on each (shared/contracts/self_assessment.py).
STANDARD_NAMES = {
    "space_for_dialogue": N_("1. A space for ongoing dialogue and collaboration (the forum)"),
    "open_information": N_("2. Open, accessible and timely information"),
    "inclusive_participation": N_("3. Inclusive and informed opportunities to take part"),
    "reasoned_response": N_("4. A reasoned response and ongoing dialogue"),
    "collaborative_implementation": N_("5. Participation during implementation and monitoring"),
}


def co_creation_report_view(report: dict | None, language: str) -> dict | None:
    """What the government reported of the plan's co-creation (intake's self-assessment, kept by review's case)."""
    if not report:
        return None
    standards = report.get("standards") or {}
    return {"participation": localized(report.get("civil_society_participation"), language),
            "meetings": [{"date": m.get("date"), "summary": localized(m.get("summary"), language)}
                         for m in report.get("forum_meetings") or []],
            "standards": [{"name": name, "met": standards[key].get("met"), "narrative": localized(standards[key].get("narrative"), language)}
                          for key, name in STANDARD_NAMES.items() if key in standards]}


MISSING_PLAN = {"plan.co_creation": N_("The plan's co-creation assessment"),
                "plan.acted_contrary_to_process": N_("Whether the member acted contrary to OGP process")}


def missing_view(paths: list, commitments: list, language: str) -> list:
    """Review's list of what a draft lacks ("TN0501.completion", "plan.co_creation") as lines a reader
    follows: the commitment (number, title, a link to its form) and the indicator, or the plan's part."""
    by_id = {c["commitment_id"]: c for c in commitments}
    shown = []
    for path in paths:
        head, _, indicator = path.partition(".")
        if head == "plan":
            shown.append({"plan": True, "name": MISSING_PLAN.get(path, path), "href": "#plan-assessment"})
        elif head in by_id:
            commitment = by_id[head]
            shown.append({"plan": False, "commitment_id": head, "number": commitment["number"],
                          "title": localized(commitment.get("title"), language),
                          "name": labels.INDICATOR_NAMES.get(indicator, indicator), "href": f"#commitment-{head}"})
        else:
            shown.append({"plan": False, "commitment_id": head, "number": None, "title": None, "name": path, "href": None})
    return shown


def workspace_page(case: dict, me: dict, language: str, notice: str | None = None, posted_for: str | None = None,
                   posted: dict | None = None, plan: dict | None = None, missing_listed: list | None = None,
                   errors: dict | None = None) -> dict:
    """The case workspace. `posted_for` names the commitment whose form came back (`posted`: its state,
    errors, conflict); `plan` the plan assessment's (state, errors); `missing_listed` review's refusal of a
    submission (what is missing), `errors` a refusal of the whole page's."""
    commitments = case.get("commitments") or []
    missing = case.get("missing") or []
    quality = case.get("quality_comments") or []
    views = [commitment_view(c, case["case_id"], missing, language, posted if c["commitment_id"] == posted_for else None,
                             quality) for c in commitments]
    rated = sum(1 for v in views if v["rated"])
    editable = case["status"] in EDITABLE
    return {"case_id": case["case_id"], "case_status": case["status"], "editable": editable,
            "member": case.get("member") or {}, "cycle": (case.get("action_plan") or {}).get("cycle"),
            "member_name": localized(((case.get("member") or {}).get("names")) or {}, language),
            "commitments": views, "rated": rated, "quality_comments": quality_comments_view(quality, None, language), "total": len(views), "rubric": rubric_view(),
            "version": str(case.get("version", "")), "csrf_token": me.get("csrf_token") or "",
            "plan": {"state": (plan or {}).get("state") or plan_assessment_state(case.get("plan_assessment"), language),
                     "errors": (plan or {}).get("errors") or {},
                     "influence": [{"value": v, "name": labels.value("public_influence", v),
                                    "meaning": MEANINGS["public_influence"][v]} for v in PUBLIC_INFLUENCE],
                     "reasons": [{"value": r, "name": labels.value("contrary_to_process", r), "n": n}
                                 for n, r in enumerate(CONTRARY_TO_PROCESS_REASONS)],
                     "action": f"/{language}/expert/cases/{case['case_id']}/plan-assessment",
                     "done": not any(p.startswith("plan.") for p in missing)},
            "co_creation_report": co_creation_report_view(case.get("co_creation_report"), language),
            "missing": missing_view(missing_listed, commitments, language) if missing_listed is not None else None,
            "submit_action": f"/{language}/expert/cases/{case['case_id']}/submit",
            "notice": notice if notice in NOTICES else None, "errors": errors or {},
            "inbox_href": f"/{language}/expert"}
