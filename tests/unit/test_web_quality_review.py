"""The quality reviewer's pages' pure parts: review's case list as the queue shows it (drafts in quality
review, longest waiting first, bounded), the draft beside the self-assessment, the decision form's body
for review's QualityDecisionSchema, and review's refusals mapped next to the fields."""
from datetime import datetime, timezone

from marshmallow import ValidationError

from devtools import sample
from services.review.schemas import QualityDecisionSchema
from services.web import quality_forms as forms, quality_views as views
from shared.http import flatten_errors

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=timezone.utc)
ME = {"csrf_token": "tok", "person": {"role": "quality_reviewer"}}


def listed(case_id, submitted, status="quality_review", member="TN", expert="exp-amal"):
    return {"case_id": case_id, "status": status, "member": member, "cycle": "2023-2025", "plan_number": 5,
            "expert_id": expert, "deadline_at": None, "stage_started_at": submitted, "url": f"/api/v1/cases/{case_id}"}


def test_the_queue_lists_drafts_in_quality_review_longest_waiting_first_with_days_waiting():
    page = views.queue_page({"cases": [listed("case_new", "2026-12-01T09:00:00.000Z"),
                                       listed("case_old", "2026-11-20T11:00:00.000Z"),
                                       listed("case_back", "2026-11-10T11:00:00.000Z", status="in_review")]}, NOW, "fr")
    assert [c["case_id"] for c in page["cases"]] == ["case_old", "case_new"]  # a returned draft waits on its expert
    old, new = page["cases"]
    assert old["days_waiting"] == 11 and new["days_waiting"] == 0
    assert old["submitted"]["text"] == "20 novembre 2026, 11:00:00 TU"
    assert old["href"] == "/fr/quality-review/cases/case_old" and old["plan_number"] == 5 and old["expert_id"] == "exp-amal"
    assert not page["more"] and page["notice"] is None


def test_the_queue_is_a_bounded_page_and_says_when_more_wait():
    many = [listed(f"case_{n:03}", f"2026-11-{1 + n % 28:02}T10:00:00.000Z") for n in range(views.QUEUE_PAGE + 5)]
    page = views.queue_page({"cases": many}, NOW, "en")
    assert len(page["cases"]) == views.QUEUE_PAGE and page["more"]
    assert page["cases"][0]["submitted"]["iso"].startswith("2026-11-01")


def test_the_queue_confirms_a_decision_it_knows_only():
    assert views.queue_page({"cases": []}, NOW, "en", "returned", "case_1")["notice"] == "returned"
    assert views.queue_page({"cases": []}, NOW, "en", "something", "case_1")["notice"] is None


def case(status="quality_review"):
    commitments = [dict(c, ratings=sample.RATINGS.get(c["commitment_id"])) for c in sample.SELF_ASSESSMENT["commitments"]]
    return {"case_id": "case_1", "status": status, "member": sample.MEMBER, "action_plan": {"cycle": "2023-2025", "plan_number": 5},
            "languages": ["ar", "fr"], "expert_id": "exp-amal", "commitments": commitments,
            "quality_comments": [{"commitment_id": "TN0502", "text": {"fr": "Préciser la source."}}]}


def test_the_draft_shows_each_commitments_self_assessment_beside_its_ratings():
    page = views.case_page(case(), ME, "fr")
    first, second, third = page["commitments"]
    assert page["awaiting"] and page["csrf_token"] == "tok" and page["action"] == "/fr/quality-review/cases/case_1"
    assert first["title"] == {"text": "Publication des données budgétaires ouvertes", "lang": None}
    assert first["self_reported"] == "Substantial" and first["narrative"]["text"].startswith("Le portail")
    assert first["evidence"][0]["url"] == "https://budget.example.tn/portail"
    lens = next(r for r in first["ratings"] if r["indicator"] == "open_government_lens")
    assert lens["shown"] == ["Transparency"]
    assert [r["indicator"] for r in first["ratings"]][0] == "verifiability"
    assert second["earlier_comments"] == [{"text": "Préciser la source.", "lang": None}]
    assert first["field"] == "comment-TN0501" and first["comment"] == ""
    assert not views.case_page(case("government_review"), ME, "fr")["awaiting"]


def test_a_refused_form_comes_back_as_posted_with_each_error_next_to_its_field():
    state = {"decision": "return", "comments": {"TN0501": "", "TN0502": "Trop long", "TN0503": ""}}
    errors = {"comment-TN0502": [{"message": forms.MESSAGES["comment"], "params": {}}]}
    page = views.case_page(case(), ME, "fr", state, errors)
    assert page["commitments"][1]["comment"] == "Trop long" and page["commitments"][1]["errors"] == errors
    assert page["commitments"][0]["errors"] == {} and page["errors"] == {} and page["decision"] == "return"


def test_the_form_is_the_body_review_takes_in_the_pages_language():
    ids = ["TN0501", "TN0502"]
    assert forms.field_names(ids) == ("csrf_token", "decision", "comment-TN0501", "comment-TN0502")
    form = {"csrf_token": "t", "decision": "return", "comment-TN0501": "  Préciser la source.\n", "comment-TN0502": " "}
    body = forms.decision_body(forms.decision_state(form, ids), "fr")
    assert body == {"decision": "return", "comments": [{"commitment_id": "TN0501", "text": {"fr": "Préciser la source."}}]}
    assert QualityDecisionSchema().load(body) == body
    approve = forms.decision_body(forms.decision_state({**form, "decision": "approve", "comment-TN0501": ""}, ids), "ar")
    assert approve == {"decision": "approve", "comments": []} and QualityDecisionSchema().load(approve)


def refusal(body):
    try:
        QualityDecisionSchema().load(body)
    except ValidationError as exc:
        return flatten_errors(exc.messages)
    raise AssertionError("review took it")


def test_reviews_refusals_land_next_to_their_fields():
    empty_return = {"decision": "return", "comments": []}
    assert forms.field_errors(refusal(empty_return), empty_return) == {
        "comments": [{"message": forms.MESSAGES["comments"], "params": {}}]}
    unknown = {"decision": "maybe", "comments": []}
    assert set(forms.field_errors(refusal(unknown), unknown)) == {"decision"}
    too_long = {"decision": "return", "comments": [{"commitment_id": "TN0502", "text": {"fr": "x" * 10001}}]}
    assert set(forms.field_errors(refusal(too_long), too_long)) == {"comment-TN0502"}
    assert forms.field_errors({}, {}) == {"form": [{"message": forms.MESSAGES["form"], "params": {}}]}
    assert forms.moved_on() == {"form": [{"message": forms.MESSAGES["conflict"], "params": {}}]}


def render(template, language, rest, **context):
    from services.web import i18n

    return i18n.environment(language).get_template(template).render(
        static=lambda name: name, rest=rest, languages=i18n.language_links(language, rest, []), viewer=None, **context)


def test_the_pages_render_escaped_in_each_language_with_errors_next_to_their_fields():
    from shared.irm import LANGUAGES

    hostile = case()
    hostile["commitments"][0] = dict(hostile["commitments"][0], narrative={"fr": "<script>alert(1)</script>"},
                                     evidence=[{"url": "javascript:alert(1)"}])
    state = {"decision": "return", "comments": {"TN0501": "<b>x</b>", "TN0502": "", "TN0503": ""}}
    errors = {"comments": [{"message": forms.MESSAGES["comments"], "params": {}}],
              "comment-TN0501": [{"message": forms.MESSAGES["comment"], "params": {}}]}
    for language in LANGUAGES:
        html = render("quality_case.html", language, "/quality-review/cases/case_1",
                      **views.case_page(hostile, ME, language, state, errors))
        assert "<script>alert" not in html and 'href="javascript:' not in html and "&lt;b&gt;x&lt;/b&gt;" in html
        assert 'id="q-comments-error"' in html and 'id="q-comment-TN0501-error"' in html
        assert 'aria-describedby="q-comment-TN0501-hint q-comment-TN0501-error" aria-invalid="true"' in html
        assert 'name="decision" value="return"' in html and 'value="tok"' in html
        queue = render("quality_queue.html", language, "/quality-review",
                       **views.queue_page({"cases": [listed("case_1", "2026-11-20T11:00:00.000Z")]}, NOW, language,
                                          "approved", "case_1"))
        assert 'id="queue-case_1"' in queue and 'id="status"' in queue
        for reason in ("own_work", "not_a_quality_reviewer"):
            assert f'data-reason="{reason}"' in render("quality_refused.html", language, "/quality-review", reason=reason)
