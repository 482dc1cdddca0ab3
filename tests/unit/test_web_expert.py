"""The expert's inbox's pure parts: review's case list as the inbox shows it (current cases with their
deadline in days, newest deadline first; cases given back apart), the decline form's body for review's
DeclineSchema, and review's refusals mapped next to the fields."""
from datetime import datetime, timezone

from services.review.schemas import DeclineSchema
from services.web import expert_forms as forms, expert_views as views

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=timezone.utc)
ME = {"csrf_token": "tok", "person": {"role": "expert", "expert_id": "exp-amal"}}


def case(case_id, status, deadline, content=True, member="TN"):
    return {"case_id": case_id, "status": status, "member": member, "cycle": "2023-2025",
            "expert_id": "exp-amal" if content else None, "deadline_at": deadline if content else None,
            "url": f"/api/v1/cases/{case_id}" if content else None}


def test_the_inbox_lists_current_cases_newest_deadline_first_and_past_ones_apart():
    listed = {"cases": [case("case_a", "assigned", "2026-12-04T12:00:00.000Z"),
                        case("case_b", "in_review", "2027-01-20T09:00:00.000Z"),
                        case("case_c", "assigned", "2026-11-30T12:00:00.000Z"),
                        case("case_d", "declined", None, content=False, member="MA")]}
    page = views.inbox_page(listed, ME, NOW, "fr")
    assert [c["case_id"] for c in page["cases"]] == ["case_b", "case_a", "case_c"]
    assert page["given_back"] == [{"case_id": "case_d", "member": "MA", "cycle": "2023-2025"}]
    first, second, late = page["cases"]
    assert second["deadline"]["days_left"] == 3 and not second["deadline"]["overdue"]
    assert late["deadline"]["overdue"] and late["deadline"]["days_over"] == 1
    assert second["deadline"]["text"] == "4 décembre 2026, 12:00:00 TU" and "décembre 2026" in second["deadline"]["text"]
    assert second["may_accept"] and second["may_decline"] and not first["may_accept"] and first["may_decline"]
    assert second["accept_action"] == "/fr/expert/cases/case_a/accept" and page["csrf_token"] == "tok"


def test_a_deadline_is_in_the_locales_format_in_utc():
    shown = views.deadline_view("2026-12-04T12:00:00.000Z", NOW, "ar")
    assert shown["text"] != views.deadline_view("2026-12-04T12:00:00.000Z", NOW, "en")["text"]
    assert "UTC" in views.deadline_view("2026-12-04T12:00:00.000Z", NOW, "en")["text"]
    assert views.deadline_view(None, NOW, "en") is None
    assert views.deadline_view("2026-12-01T12:00:00.000Z", NOW, "en")["days_left"] == 0


def test_only_known_notices_are_shown_and_errors_belong_to_their_case():
    listed = {"cases": [case("case_a", "assigned", "2026-12-04T12:00:00.000Z"), case("case_b", "assigned", None)]}
    errors = {"affiliation": [{"message": forms.MESSAGES["affiliation"], "params": {}}]}
    state = {"reason": "J'ai conseillé ce ministère.", "conflict": True, "affiliation": ""}
    page = views.inbox_page(listed, ME, NOW, "fr", notice="<script>", errors_for="case_b", errors=errors, decline_state=state)
    assert page["notice"] is None and views.inbox_page(listed, ME, NOW, "fr", notice="declined")["notice"] == "declined"
    by_id = {c["case_id"]: c for c in page["cases"]}
    assert by_id["case_b"]["errors"] == errors and by_id["case_b"]["decline"] == state
    assert by_id["case_a"]["errors"] == {} and by_id["case_a"]["decline"]["reason"] == ""
    assert page["cases"][-1]["case_id"] == "case_b"  # no deadline: last


def posted(**values):
    form = {name: "" for name in forms.DECLINE_FIELDS}
    form.update(values)
    return form


def test_the_decline_form_is_reviews_body_and_a_conflict_carries_its_affiliation():
    plain = forms.decline_body(forms.decline_state(posted(reason="  Pas le temps ce mois-ci. ", affiliation="ignored")))
    assert plain == {"reason": "Pas le temps ce mois-ci.", "conflict_of_interest": False}
    assert DeclineSchema().load(plain)["affiliation"] is None
    conflict = forms.decline_body(forms.decline_state(posted(reason="Conflit.", conflict="yes", affiliation=" Ministère des Finances ")))
    assert conflict == {"reason": "Conflit.", "conflict_of_interest": True, "affiliation": "Ministère des Finances"}
    assert DeclineSchema().load(conflict)["affiliation"] == "Ministère des Finances"


def test_review_refuses_a_conflict_without_affiliation_and_the_form_shows_it_next_to_the_field():
    body = forms.decline_body(forms.decline_state(posted(reason="Conflit d'intérêts.", conflict="yes", affiliation="  ")))
    assert "affiliation" not in body
    try:
        DeclineSchema().load(body)
    except Exception as exc:  # noqa: BLE001 -- marshmallow's ValidationError
        api_fields = exc.messages
    assert set(api_fields) == {"affiliation"}
    assert forms.field_errors(api_fields) == {"affiliation": [{"message": forms.MESSAGES["affiliation"], "params": {}}]}
    assert set(forms.field_errors({"reason": ["Shorter than minimum length 3."], "other": ["x"]})) == {"reason", "form"}
    assert forms.field_errors({}) == {"form": [{"message": forms.MESSAGES["form"], "params": {}}]}
    assert forms.moved_on()["form"][0]["message"] == forms.MESSAGES["conflict"]


def test_no_page_mixin_shadows_another_ones_method():
    """WebService is one class made of mixins: a helper named alike in two would silently be the first's."""
    from services.web import service

    parts = [part for part in service.WebService.__mro__ if part is not object]  # every mixin, and the class itself
    names = [{n for n in vars(part) if not n.startswith("__")} for part in parts]
    for i, mine in enumerate(names):
        for theirs in names[i + 1:]:
            assert not mine & theirs
