"""The expert's page after the draft, its views and forms (pure): which comment gets an answer form, the step the
case waits on, an answer refused shown again on its own comment, review's refusals in words."""
from datetime import datetime, timezone

from services.web import expert_comments_forms as forms, expert_comments_views as views

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=timezone.utc)


def case(status="government_review", **extra):
    return {"case_id": "case_1", "status": status, "member": {"code": "TN", "names": {"fr": "Tunisie"}},
            "action_plan": {"cycle": "2023-2025", "plan_number": 5}, "comment_max_characters": 2000,
            "government_review_until": "2026-12-10T09:00:00Z", "public_comment_closes_at": None,
            "commitments": [{"commitment_id": "TN0501", "number": 1, "title": {"fr": "Budget ouvert"}},
                            {"commitment_id": "TN0502", "number": 2, "title": {"fr": "Marchés publics"}}],
            "government_comments": [
                {"comment_id": "gc_1", "commitment_id": "TN0501", "text": {"fr": "Chiffre erroné."}, "at": "2026-12-01T10:00:00Z",
                 "response": None},
                {"comment_id": "gc_2", "commitment_id": None, "text": {"fr": "Calendrier daté."}, "at": "2026-12-01T10:05:00Z",
                 "response": {"text": {"fr": "Corrigé."}, "at": "2026-12-01T11:00:00Z"}}],
            "public_comments": [], **extra}


def test_in_the_government_s_review_each_unanswered_comment_has_its_form_and_the_step_is_opening_public_comment():
    page = views.comments_page(case(), "fr", "tok", NOW)
    [row] = page["commitments"]  # only commitments with comments are listed
    assert row["id"] == "TN0501" and row["comments"][0]["form"]["action"] == "/fr/expert/cases/case_1/comments/gc_1/answer"
    [general] = page["general"]
    assert general["form"] is None and general["answer"]["text"]["text"] == "Corrigé."
    assert page["unanswered"] == 1 and page["comment_count"] == 2
    assert page["step"]["name"] == "open_public_comment" and page["step"]["action"].endswith("/comments/open-public-comment")
    assert page["government_until"]["passed"] is False and page["case_status"] == "government_review"


def test_in_public_comment_no_answer_form_and_the_step_is_finalising_with_the_public_s_comments():
    page = views.comments_page(case("public_comment", public_comment_closes_at="2026-11-30T00:00:00Z",
                                    public_comments=[{"text": {"fr": "Merci."}, "author": None, "confidential": True,
                                                      "at": "2026-11-29T10:00:00Z"}]), "fr", "tok", NOW)
    assert all(c["form"] is None for row in page["commitments"] for c in row["comments"])
    assert page["step"]["name"] == "finalise" and page["public_closes"]["passed"] is True
    assert page["public_comments"][0]["confidential"] is True
    assert views.comments_page(case("approved"), "fr", "tok", NOW)["step"] is None


def test_a_refused_answer_is_shown_again_on_its_own_comment_only():
    error = forms.answer_error(422, "x" * 2001, 2000)
    page = views.comments_page(case(), "fr", "tok", NOW, posted={"comment_id": "gc_1", "text": "x" * 2001}, error=error)
    form = page["commitments"][0]["comments"][0]["form"]
    assert form["text"] == "x" * 2001 and form["error"]["message"] == forms.MESSAGES["long"]
    assert form["error"]["params"] == {"max": "2\u202f000", "count": "2\u202f001"}


def test_review_s_refusals_in_words():
    assert forms.answer_error(422, "  ", 2000)["message"] == forms.MESSAGES["empty"]
    assert forms.answer_error(422, "a\x00b", 2000) == {"message": forms.MESSAGES["character"], "params": {"character": "U+0000"}}
    assert forms.answer_error(404, "ok", 2000)["message"] == forms.MESSAGES["gone"]
    assert forms.answer_error(409, "ok", 2000)["message"] == forms.MESSAGES["moved_on"]
    assert forms.answer_error(422, "ok", None)["message"] == forms.MESSAGES["form"]
    assert forms.answer_body("Réponse", "fr") == {"text": {"fr": "Réponse"}}
    assert {step: forms.step_refusal(step)["message"] for step in forms.STEPS} == {
        "open_public_comment": forms.MESSAGES["open_public_comment"], "finalise": forms.MESSAGES["finalise"]}
