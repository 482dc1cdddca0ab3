"""The government's comment form on the draft findings, its pure parts: the form's body for review's API,
review's refusals as messages next to the field, the draft's page (the window's end in the member's time
zone, the comments with the expert's answers, a form only while review says so) and its template."""
import pytest

from devtools import sample
from services.web import comment_form, government_comment_form as forms, government_views as views, i18n
from shared.irm import LANGUAGES

DRAFT = {
    "case_id": "case_tn_5", "status": "government_review", "member": sample.MEMBER,
    "action_plan": {"cycle": "2023-2025", "plan_number": 5},
    "commitments": [{"commitment_id": cid, "number": n, "title": {"fr": f"Engagement {n}"}, "ratings": sample.RATINGS[cid]}
                    for n, cid in enumerate(sample.RATINGS, start=1)],
    "plan_assessment": sample.PLAN_ASSESSMENT, "government_review_until": "2026-12-10T16:00:00.000Z",
    "government_comments": [
        {"comment_id": "gc_1", "commitment_id": list(sample.RATINGS)[0], "text": {"ar": "الرقم غير صحيح."},
         "author_id": "poc-tn", "at": "2026-12-02T08:00:00.000Z",
         "response": {"text": {"ar": "صُحّح الرقم."}, "expert_id": "exp-a", "at": "2026-12-03T09:30:00.000Z"}},
        {"comment_id": "gc_2", "commitment_id": None, "text": {"fr": "Merci."}, "author_id": "poc-tn",
         "at": "2026-12-02T09:00:00.000Z", "response": None}],
    "comments_url": "/api/v1/cases/case_tn_5/government-comments", "comments_open": True,
    "comment_max_characters": 2000, "comments_left": 98,
}
MEMBER = {"code": "TN", "kind": "national", "names": {"fr": "Tunisie", "ar": "تونس"}, "time_zone": "Africa/Tunis"}
FIRST = list(sample.RATINGS)[0]


def render(language, **page):
    return i18n.environment(language).get_template("government_draft.html").render(
        static=lambda name: name, rest="/government/cases/case_tn_5/draft", viewer=None,
        languages=i18n.language_links(language, "/government/cases/case_tn_5/draft", []), **page)


def test_the_form_s_body_is_the_text_in_the_page_s_language_on_a_commitment_or_the_draft():
    assert forms.api_body({"commitment": FIRST, "text": "نص", "csrf_token": "t"}, "ar") == {"text": {"ar": "نص"}, "commitment_id": FIRST}
    assert forms.api_body({"commitment": "", "text": "Texte", "csrf_token": "t"}, "fr") == {"text": {"fr": "Texte"}, "commitment_id": None}
    assert forms.form_key(FIRST, DRAFT["commitments"]) == "c1" and forms.form_key("", DRAFT["commitments"]) == "general"
    assert forms.form_key("XX9999", DRAFT["commitments"]) is None  # not this draft's: no form of the page sends it


def test_review_s_refusals_become_the_field_s_words():
    empty = forms.field_errors(422, {"error": {"fields": {"text.ar.value": ["Shorter than minimum length 1."]}}},
                               {"text": "", "commitment": FIRST}, DRAFT)
    assert empty == {"text": {"message": comment_form.text_error("", DRAFT)["message"], "params": {}}}
    long = forms.field_errors(422, {"error": {"fields": {"text": ["Too long."]}}}, {"text": "x" * 2001, "commitment": ""}, DRAFT)
    assert long == {"text": {"message": "Your comment is too long: at most %(max)s characters, and it has %(count)s.",
                             "params": {"max": 2000, "count": 2001}}}
    assert forms.field_errors(422, {"error": {"fields": {"commitment_id": ["Unknown."]}}}, {"text": "a", "commitment": ""},
                              DRAFT) == {"form": {"message": forms.MESSAGES["form"], "params": {}}}
    closed = forms.field_errors(409, {}, {"text": "a", "commitment": ""}, {**DRAFT, "comments_open": False})
    assert closed == {"form": {"message": forms.MESSAGES["closed"], "params": {}}}
    assert forms.field_errors(409, {}, {"text": "a", "commitment": ""}, DRAFT)["form"]["message"] == forms.MESSAGES["full"]


def test_the_page_dates_everything_in_the_member_s_time_zone_and_pairs_comments_with_their_answers():
    page = views.draft_review_page(DRAFT, MEMBER, "fr", "csrf-1")
    assert page["time_zone"] == "Africa/Tunis"
    assert page["window_until"] == {"iso": "2026-12-10T16:00:00.000Z", "text": "10 décembre 2026, 17:00:00 +0100"}
    first = page["commitments"][0]
    assert first["key"] == "c1" and first["form"] == {"key": "c1", "commitment_id": FIRST, "text": "", "errors": {"text": None, "form": None}}
    assert [c["id"] for c in first["comments"]] == ["gc_1"]
    assert first["comments"][0]["answer"]["text"] == {"text": "صُحّح الرقم.", "lang": "ar"}
    assert first["comments"][0]["answer"]["at"]["text"] == "3 décembre 2026, 10:30:00 +0100"
    assert [c["id"] for c in page["general"]["comments"]] == ["gc_2"] and page["general"]["comments"][0]["answer"] is None
    assert page["action"] == "/fr/government/cases/case_tn_5/draft/comments" and page["comments_open"] is True
    utc = views.draft_review_page(DRAFT, {**MEMBER, "time_zone": None}, "fr", "csrf-1")
    assert utc["window_until"]["text"] == i18n.moment(i18n.from_iso("2026-12-10T16:00:00.000Z"), "fr") and utc["time_zone"] is None
    assert "16:00:00" in utc["window_until"]["text"]


def test_a_refused_form_comes_back_with_its_text_and_its_message_the_others_blank():
    errors = {"text": {"message": "Your comment is too long: at most %(max)s characters, and it has %(count)s.",
                       "params": {"max": 2000, "count": 2001}}}
    page = views.draft_review_page(DRAFT, MEMBER, "ar", "csrf-1", posted={"key": "c2", "text": "x" * 2001}, errors=errors)
    second = page["commitments"][1]["form"]
    assert second["text"] == "x" * 2001 and second["errors"]["text"]["params"] == {"max": i18n.number(2000, "ar"), "count": i18n.number(2001, "ar")}
    assert page["commitments"][0]["form"]["errors"] == {"text": None, "form": None} and page["has_errors"] is True


def test_the_dashboard_links_to_the_draft_only_in_government_review_and_knows_the_member_s_cases():
    def plan(status):
        return {"plan_number": 5, "cycle": "2023-2025", "commitments": 2, "versions": 1, "draft": None,
                "latest": {"id": "sa_1", "version": 1, "case_id": "case_tn_5",
                           "case": {"status": status, "updated_at": "2026-12-01T08:00:00.000Z", "window_until": None}}}
    assert views.plan_view(plan("government_review"), "ar", None)["draft_href"] == "/ar/government/cases/case_tn_5/draft"
    assert views.plan_view(plan("in_review"), "ar", None)["draft_href"] is None
    overview = {"member": MEMBER, "plans": [plan("in_review")]}
    assert views.member_case(overview, "case_tn_5") == {"case_id": "case_tn_5", "status": "in_review", "plan_number": 5,
                                                        "cycle": "2023-2025"}
    assert views.member_case(overview, "case_ma_1") is None
    page = views.draft_not_open_page(views.member_case(overview, "case_tn_5"), MEMBER, "fr")
    assert page["stage"] == views.STAGE_NAMES["in_review"] and page["time_zone"] == "Africa/Tunis"


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_template_shows_a_form_per_commitment_and_one_for_the_draft_only_while_open(language):
    html = render(language, not_open=False, **views.draft_review_page(DRAFT, MEMBER, language, "csrf-1"))
    assert html.count('class="comment-form government-comment-form"') == len(DRAFT["commitments"]) + 1
    assert 'name="csrf_token" value="csrf-1"' in html and 'data-window="open"' in html and "Africa/Tunis" in html
    assert 'id="gc-c1-text"' in html and 'id="gc-general-text"' in html
    closed = render(language, not_open=False, **views.draft_review_page({**DRAFT, "comments_open": False}, MEMBER, language, "c"))
    assert "<form" not in closed and 'data-window="closed"' in closed and "gc_1" in closed
    refused = render(language, not_open=False, **views.draft_review_page(
        DRAFT, MEMBER, language, "c", posted={"key": "general", "text": "<script>x</script>"},
        errors={"text": comment_form.text_error("", DRAFT)}))
    assert 'id="gc-general-text-error"' in refused and 'aria-invalid="true"' in refused
    assert "<script>x" not in refused and "&lt;script&gt;x&lt;/script&gt;" in refused
    late = views.draft_review_page({**DRAFT, "comments_open": False}, MEMBER, language, "c", posted={"key": "c1", "text": "a"},
                                   errors=forms.field_errors(409, {}, {"text": "a", "commitment": ""}, {"comments_open": False}))
    late_html = render(language, not_open=False, **late)
    assert 'id="form-refusal"' in late_html and "<form" not in late_html
    not_open = render(language, not_open=True, **views.draft_not_open_page(
        {"case_id": "case_tn_5", "status": "in_review", "plan_number": 5, "cycle": "2023-2025"}, MEMBER, language))
    assert "<form" not in not_open and 'data-window="not_open"' in not_open


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_refused_page_names_the_reason_another_member_s_case_or_another_role(language):
    env = i18n.environment(language)
    common = {"static": lambda name: name, "rest": "/government", "viewer": None, "language": language,
              "languages": i18n.language_links(language, "/government", [])}
    assert 'data-reason="not_a_point_of_contact"' in env.get_template("government_refused.html").render(**common)
    assert 'data-reason="not_your_member"' in env.get_template("government_refused.html").render(reason="not_your_member", **common)
