"""The expert's workspace forms: a commitment's ratings and the plan's assessment as posted, as review's
API takes them, and review's refusal as messages next to the fields in the page's language. Pure (no
nameko, no HTTP client).

No rule of what a rating may be lives here: review's ratings contract (shared/contracts/ratings.py)
refuses a value off the IRM's scales, a rating without its justification, a lens without its three
yes/no, and anything beside `verifiability` for a not-verifiable commitment (shared/irm.py's gate); its
rubric says what is still missing before submission. This only turns the form into the API's body (an
indicator is sent once anything of it is filled in: its value, its justification or its evidence) and
the API's field paths back into the form's fields.

A rating form's fields, per indicator `<i>` (shared/irm.py INDICATORS): `<i>` (its value; the lens has
`lens_transparency`, `lens_participation`, `lens_accountability`, each "yes" or "no"), `<i>_justification`
and `<i>_evidence` (one link a line); and `csrf_token`, `version` (the draft's version the form was made
from) and `base` (the digest of this commitment's ratings then: expert_workspace_views.digest).
"""
import re

from shared.irm import INDICATORS, LENS_VALUES

from services.web.form_posts import N_

LENS = "open_government_lens"
LENS_FIELDS = tuple(f"lens_{value}" for value in LENS_VALUES)
RATING_FIELDS = ("csrf_token", "version", "base", "resolve") + tuple(
    name for indicator in INDICATORS
    for name in ((LENS_FIELDS if indicator == LENS else (indicator,)) + (f"{indicator}_justification", f"{indicator}_evidence")))
PLAN_FIELDS = ("csrf_token", "version", "public_influence", "forum_met_regularly", "co_creation_justification",
               "contrary", "contrary_justification") + tuple(f"reason_{n}" for n in range(3))
SUBMIT_FIELDS = ("csrf_token",)
YES_NO = {"yes": True, "no": False}

MESSAGES = {
    "value": N_("Choose one value on this scale."),
    "lens": N_("Answer yes or no for each of the three values."),
    "justification": N_("Write the justification of this rating."),
    "evidence": N_("Give each piece of evidence as a web address (http or https), one a line."),
    "not_verifiable": N_("A not verifiable commitment is not reviewable: it gets no other indicator. Clear this one, or rate the commitment verifiable."),
    "form": N_("Review did not take this answer: check the form and send it again."),
    "moved_on": N_("This draft can no longer be changed: it has moved on. Its stage is shown again."),
    "changed": N_("The draft changed meanwhile (another tab or device): check what you typed, then send it again."),
    "public_influence": N_("Choose the level of public influence."),
    "forum_met_regularly": N_("Say whether the forum met at least every six months."),
    "co_creation_justification": N_("Write the justification of the co-creation assessment."),
    "contrary": N_("Say whether the member acted contrary to OGP process."),
    "contrary_reasons": N_("Tick each rule broken when the member acted contrary to process, and none otherwise."),
    "contrary_justification": N_("Write the justification of this assessment."),
}


def _text(raw: str) -> str:
    return raw.strip()


def rating_state(form: dict) -> dict:
    """What a rating form says, as posted: {indicator: {"value", "justification", "evidence"}} (strings;
    the lens's value {transparency: "yes" | "no" | ""}), shown again next to review's refusal."""
    state = {}
    for indicator in INDICATORS:
        value = ({lens: form[f"lens_{lens}"] for lens in LENS_VALUES} if indicator == LENS else form[indicator])
        state[indicator] = {"value": value, "justification": form[f"{indicator}_justification"],
                            "evidence": form[f"{indicator}_evidence"]}
    return state


def filled(rated: dict) -> bool:
    value = rated["value"]
    chosen = any(value.values()) if isinstance(value, dict) else bool(value)
    return chosen or bool(_text(rated["justification"])) or bool(_text(rated["evidence"]))


def rating_body(state: dict, language: str) -> dict:
    """PUT /api/v1/cases/{id}/ratings/{commitment}: each indicator anything was given for, the
    justification in the page's language, the evidence one link a line. What is left out (a value not
    chosen, an empty justification) is review's to refuse, next to its field."""
    body = {}
    for indicator, rated in state.items():
        if not filled(rated):
            continue
        value = rated["value"]
        given = {}
        if isinstance(value, dict):
            given["value"] = {lens: YES_NO[answer] for lens, answer in value.items() if answer in YES_NO}
        elif value:
            given["value"] = value
        if _text(rated["justification"]):
            given["justification"] = {language: rated["justification"]}
        given["evidence"] = [line.strip() for line in rated["evidence"].splitlines() if line.strip()]
        body[indicator] = given
    return body


def _field_of(path: str) -> tuple:
    """A review field path ("completion.justification", "open_government_lens.value.participation",
    "completion.evidence[0]", "potential_for_results") as (form field, message key)."""
    parts = re.split(r"[.\[]", path)
    indicator = parts[0]
    if indicator not in INDICATORS:
        return "form", "form"
    if len(parts) == 1:  # the indicator itself: the not-verifiable gate (or a rating that is no object)
        return indicator, "not_verifiable"
    if parts[1] == "justification":
        return f"{indicator}_justification", "justification"
    if parts[1] == "evidence":
        return f"{indicator}_evidence", "evidence"
    if indicator == LENS:
        return "lens", "lens"
    return f"{indicator}_value", "value"


def rating_errors(api_fields: dict) -> dict:
    """Review's 422 field errors as {form field: [{"message": msgid, "params": {}}]}, one message a field."""
    errors = {}
    for path in api_fields:
        field, key = _field_of(path)
        errors.setdefault(field, [{"message": MESSAGES[key], "params": {}}])
    return errors or {"form": [{"message": MESSAGES["form"], "params": {}}]}


def plan_state(form: dict) -> dict:
    return {"public_influence": form["public_influence"], "forum_met_regularly": form["forum_met_regularly"],
            "co_creation_justification": form["co_creation_justification"], "contrary": form["contrary"],
            "reasons": [form[f"reason_{n}"] for n in range(3) if form[f"reason_{n}"]],
            "contrary_justification": form["contrary_justification"]}


def plan_body(state: dict, language: str) -> dict:
    """PUT /api/v1/cases/{id}/plan-assessment: each part anything was given for (review merges the parts)."""
    body = {}
    if state["public_influence"] or state["forum_met_regularly"] or _text(state["co_creation_justification"]):
        part = {}
        if state["public_influence"]:
            part["public_influence"] = state["public_influence"]
        if state["forum_met_regularly"] in YES_NO:
            part["forum_met_regularly"] = YES_NO[state["forum_met_regularly"]]
        if _text(state["co_creation_justification"]):
            part["justification"] = {language: state["co_creation_justification"]}
        body["co_creation"] = part
    if state["contrary"] or state["reasons"] or _text(state["contrary_justification"]):
        part = {"reasons": state["reasons"]}
        if state["contrary"] in YES_NO:
            part["value"] = YES_NO[state["contrary"]]
        if _text(state["contrary_justification"]):
            part["justification"] = {language: state["contrary_justification"]}
        body["acted_contrary_to_process"] = part
    return body


PLAN_PATHS = {"co_creation.public_influence": "public_influence", "co_creation.forum_met_regularly": "forum_met_regularly",
              "co_creation.justification": "co_creation_justification", "acted_contrary_to_process.value": "contrary",
              "acted_contrary_to_process.reasons": "contrary_reasons",
              "acted_contrary_to_process.justification": "contrary_justification"}


def plan_errors(api_fields: dict) -> dict:
    errors = {}
    for path in api_fields:
        field = next((f for p, f in PLAN_PATHS.items() if path == p or path.startswith(p + "[")), "form")
        errors.setdefault(field, [{"message": MESSAGES[field], "params": {}}])
    return errors or {"form": [{"message": MESSAGES["form"], "params": {}}]}


def moved_on() -> dict:
    return {"form": [{"message": MESSAGES["moved_on"], "params": {}}]}


def changed() -> dict:
    """Review's 409 on the plan's assessment: the draft has a newer version; the form comes back as typed."""
    return {"form": [{"message": MESSAGES["changed"], "params": {}}]}
