"""The expert's case workspace's pure parts: a rating form as review's ratings contract takes it (and the
contract's refusals mapped next to the fields, the not-verifiable gate among them), the plan's assessment,
a stale save's differences, progress from review's own `missing`, review's submit refusal as lines, and
the page rendered (every scale's meaning in ar, fr and en; read-only once submitted)."""
import pytest
from marshmallow import ValidationError

from shared.contracts.ratings import CommitmentRatingsSchema, PlanAssessmentSchema
from shared.http import flatten_errors
from shared.irm import INDICATORS
from services.review.domain import rubric
from services.web import expert_workspace_forms as forms, expert_workspace_views as views, i18n

ME = {"csrf_token": "tok", "person": {"role": "expert", "expert_id": "exp-amal"}}


def posted(**values):
    form = {name: "" for name in forms.RATING_FIELDS}
    form.update(values)
    return form


def refusal(body):
    try:
        CommitmentRatingsSchema().load(body)
    except ValidationError as error:
        return flatten_errors(error.messages)
    return {}


def test_a_complete_rating_form_is_a_body_the_ratings_contract_takes():
    form = posted(verifiability="verifiable", verifiability_justification="Les jalons sont mesurables.",
                  lens_transparency="yes", lens_participation="no", lens_accountability="no",
                  open_government_lens_justification="Accès à l'information.",
                  potential_for_results="substantial", potential_for_results_justification="Ambitieux.",
                  potential_for_results_evidence="https://a.example/1\n\n https://a.example/2 ",
                  completion="limited", completion_justification="Un atelier.",
                  did_it_open_government="marginal", did_it_open_government_justification="Peu.")
    body = forms.rating_body(forms.rating_state(form), "fr")
    assert refusal(body) == {}
    assert body["open_government_lens"]["value"] == {"transparency": True, "participation": False, "accountability": False}
    assert body["potential_for_results"]["evidence"] == ["https://a.example/1", "https://a.example/2"]
    assert body["verifiability"]["justification"] == {"fr": "Les jalons sont mesurables."}
    assert rubric.missing_ratings(["X"], {"X": body}) == []


def test_an_indicator_left_empty_is_not_sent_and_one_half_filled_is_refused_next_to_its_field():
    form = posted(verifiability="verifiable", verifiability_justification="Mesurable.", completion_justification="Sans valeur.",
                  lens_transparency="yes", potential_for_results="modest")
    body = forms.rating_body(forms.rating_state(form), "fr")
    assert "did_it_open_government" not in body
    errors = forms.rating_errors(refusal(body))
    assert set(errors) == {"completion_value", "lens", "open_government_lens_justification", "potential_for_results_justification"}
    assert errors["completion_value"][0]["message"] == forms.MESSAGES["value"]


def test_not_verifiable_with_another_indicator_is_refused_on_that_indicator():
    form = posted(verifiability="not_verifiable", verifiability_justification="Trop vague.", completion="limited",
                  completion_justification="Un atelier.")
    errors = forms.rating_errors(refusal(forms.rating_body(forms.rating_state(form), "fr")))
    assert errors == {"completion": [{"message": forms.MESSAGES["not_verifiable"], "params": {}}]}
    alone = forms.rating_body(forms.rating_state(posted(verifiability="not_verifiable", verifiability_justification="Vague.")), "fr")
    assert refusal(alone) == {} and list(alone) == ["verifiability"]


def test_a_bad_evidence_link_is_refused_next_to_its_field():
    form = posted(verifiability="verifiable", verifiability_justification="Oui.", verifiability_evidence="javascript:alert(1)")
    assert set(forms.rating_errors(refusal(forms.rating_body(forms.rating_state(form), "fr")))) == {"verifiability_evidence"}
    assert forms.rating_errors({}) == {"form": [{"message": forms.MESSAGES["form"], "params": {}}]}


def plan_posted(**values):
    form = {name: "" for name in forms.PLAN_FIELDS}
    form.update(values)
    return form


def test_the_plan_form_is_a_body_the_plan_contract_takes_and_its_refusals_are_per_field():
    form = plan_posted(public_influence="involve", forum_met_regularly="yes", co_creation_justification="Forum trimestriel.",
                       contrary="no", contrary_justification="Dans les délais.")
    body = forms.plan_body(forms.plan_state(form), "fr")
    assert PlanAssessmentSchema().load(body)["co_creation"]["forum_met_regularly"] is True
    assert rubric.missing_plan_assessment(body) == []
    wrong = forms.plan_body(forms.plan_state(plan_posted(contrary="yes", contrary_justification="Oui.")), "fr")
    with pytest.raises(ValidationError) as refused:
        PlanAssessmentSchema().load(wrong)
    assert set(forms.plan_errors(flatten_errors(refused.value.messages))) == {"contrary_reasons"}
    assert forms.plan_body(forms.plan_state(plan_posted()), "fr") == {}


STORED = {"verifiability": {"value": "verifiable", "justification": {"ar": "قابل للتحقق"}, "evidence": []},
          "completion": {"value": "limited", "justification": {"fr": "Un atelier."}, "evidence": ["https://e.example"]},
          "open_government_lens": {"value": {"transparency": True, "participation": False, "accountability": False},
                                   "justification": {"fr": "Budget."}}}


def test_stored_ratings_come_back_as_the_forms_state_and_a_stale_save_lists_what_differs():
    state = views.stored_state(STORED, "fr")
    assert state["verifiability"]["justification"] == "قابل للتحقق"  # the original when the page's language has none
    assert state["open_government_lens"]["value"] == {"transparency": "yes", "participation": "no", "accountability": "no"}
    assert state["completion"]["evidence"] == "https://e.example" and state["potential_for_results"]["value"] == ""
    mine = {**state, "completion": {**state["completion"], "justification": "Deux ateliers."}}
    changes = views.differences(mine, state)
    assert [(c["indicator"], c["parts"]) for c in changes] == [("completion", ["justification"])]
    assert changes[0]["mine"]["justification"] == "Deux ateliers." and changes[0]["theirs"]["justification"] == "Un atelier."
    assert views.digest(STORED) == views.digest(dict(reversed(list(STORED.items())))) != views.digest({})


CASE = {"case_id": "case_1", "status": "in_review", "member": {"code": "TN", "names": {"fr": "Tunisie", "ar": "تونس"}},
        "action_plan": {"cycle": "2023-2025"}, "version": 7,
        "commitments": [{"commitment_id": "TN0501", "number": 1, "title": {"fr": "Budget ouvert"}, "self_reported_completion": "substantial",
                         "narrative": {"fr": "Le portail publie les données."},
                         "evidence": [{"url": "https://budget.example.tn", "description": {"ar": "بوابة"}}, {"url": "javascript:x"}],
                         "ratings": STORED},
                        {"commitment_id": "TN0502", "number": 2, "title": {"ar": "الصفقات"}, "self_reported_completion": "limited",
                         "ratings": None}],
        "missing": ["TN0501.potential_for_results", "TN0501.did_it_open_government", "TN0502.verifiability", "plan.co_creation"]}


def test_the_workspace_counts_what_review_says_is_rated_and_lists_a_refused_submission():
    page = views.workspace_page({**CASE, "missing": ["TN0502.verifiability", "plan.co_creation"]}, ME, "fr")
    assert (page["rated"], page["total"], page["version"], page["editable"]) == (1, 2, "7", True)
    first = page["commitments"][0]
    assert first["self_assessment"]["evidence"][0]["href"] == "https://budget.example.tn"
    assert first["self_assessment"]["evidence"][1]["href"] is None  # a javascript: link is shown as text
    assert first["base"] == views.digest(STORED) and first["action"] == "/fr/expert/cases/case_1/ratings/TN0501"
    listed = views.workspace_page(CASE, ME, "fr", missing_listed=CASE["missing"])["missing"]
    assert [(m["href"], m["name"]) for m in listed] == [
        ("#commitment-TN0501", "Potential for results"), ("#commitment-TN0501", "Did it open government?"),
        ("#commitment-TN0502", "Verifiability"), ("#plan-assessment", views.MISSING_PLAN["plan.co_creation"])]
    assert views.workspace_page(CASE, ME, "fr", notice="<b>")["notice"] is None


def render(language, case=CASE, **shown):
    env = i18n.environment(language)
    return env.get_template("expert_case.html").render(static=lambda name: f"/static/{name}", rest="/", languages=[],
                                                       viewer=None, **views.workspace_page(case, ME, language, **shown))


@pytest.mark.parametrize("language", ("ar", "fr", "en"))
def test_every_scales_meaning_is_help_text_in_each_language(language):
    html = render(language)
    catalog = i18n.catalog(language)
    for scale in views.MEANINGS.values():
        for meaning in scale.values():
            translated = catalog.gettext(meaning)
            assert translated in html.replace("&#39;", "'")
            if language != "en":
                assert translated != meaning, meaning
    for indicator in INDICATORS:
        assert f'name="{indicator}_justification"' in html and f'name="{indicator}_evidence"' in html


def test_a_conflict_shows_both_versions_and_keeps_what_was_typed():
    mine = views.stored_state(STORED, "fr")
    mine["completion"]["justification"] = "Deux ateliers <tenus>."
    html = render("fr", posted_for="TN0501", posted={"state": mine, "conflict": True})
    assert 'id="c-TN0501-conflict"' in html and 'id="c-TN0501-keep-mine"' in html
    assert html.count("Deux ateliers &lt;tenus&gt;.") == 2  # in the table and in the form
    assert "done=took_theirs&amp;commitment=TN0501" in html


def test_a_submitted_draft_is_read_only():
    html = render("fr", case={**CASE, "status": "quality_review"})
    assert "<form" not in html and 'id="read-only"' in html and "Un atelier." in html


def test_the_governments_co_creation_report_is_shown_beside_the_plans_assessment():
    report = {"civil_society_participation": {"fr": "Ateliers ouverts."}, "forum_meetings": [{"date": "2024-03-01"}],
              "standards": {"open_information": {"met": True}, "space_for_dialogue": {"met": False, "narrative": {"ar": "لا"}}}}
    shown = views.workspace_page({**CASE, "co_creation_report": report}, ME, "fr")["co_creation_report"]
    assert [(s["name"], s["met"]) for s in shown["standards"]] == [
        (views.STANDARD_NAMES["space_for_dialogue"], False), (views.STANDARD_NAMES["open_information"], True)]
    assert shown["meetings"] == [{"date": "2024-03-01", "summary": None}] and shown["participation"]["text"] == "Ateliers ouverts."
    assert views.workspace_page(CASE, ME, "fr")["co_creation_report"] is None
    html = render("fr", case={**CASE, "co_creation_report": report})
    assert "Ateliers ouverts." in html and 'lang="ar"' in html


def test_the_inbox_links_an_accepted_case_to_its_workspace():
    from datetime import datetime, timezone
    from services.web import expert_views
    now = datetime(2026, 12, 1, tzinfo=timezone.utc)
    listed = {"cases": [{"case_id": "a", "status": "assigned", "member": "TN", "url": "/api/v1/cases/a"},
                        {"case_id": "b", "status": "in_review", "member": "TN", "url": "/api/v1/cases/b"}]}
    links = {c["case_id"]: c["workspace_href"] for c in expert_views.inbox_page(listed, ME, now, "fr")["cases"]}
    assert links == {"a": None, "b": "/fr/expert/cases/b"}


def test_a_returned_draft_shows_the_quality_reviewers_comments_beside_their_commitment_and_on_the_draft():
    comments = [{"commitment_id": "TN0502", "text": {"fr": "Préciser la <source>."}, "reviewer_id": "iep-1", "at": "2026-12-01T10:00:00Z"},
                {"commitment_id": None, "text": {"ar": "راجع الخطة."}, "reviewer_id": "iep-1", "at": "2026-12-01T10:00:00Z"}]
    page = views.workspace_page({**CASE, "quality_comments": comments}, ME, "fr")
    assert [c["quality_comments"] for c in page["commitments"]][0] == []
    assert [q["text"]["text"] for q in page["commitments"][1]["quality_comments"]] == ["Préciser la <source>."]
    assert [q["text"]["text"] for q in page["quality_comments"]] == ["راجع الخطة."]
    html = render("fr", case={**CASE, "quality_comments": comments})
    assert 'id="c-TN0502-quality-comments"' in html and "Préciser la &lt;source&gt;." in html
    assert 'id="c-TN0501-quality-comments"' not in html
    assert 'id="quality-comments"' in html and 'lang="ar"' in html
    assert i18n.catalog("fr").gettext("The quality reviewer's comments") in html.replace("&#39;", "'")
    assert 'id="quality-comments"' not in render("fr")
