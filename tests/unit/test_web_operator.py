"""The operator's messages pages' pure parts: accounts' rejected messages as the list and the message page show
them (times in UTC in the page's language, the payload as JSON, the next page's cursor), accounts' 409 as the
replay form's message, and the pages rendered escaped in each language (a hostile payload stays text)."""
import pytest

from services.web import i18n, operator_forms as forms, operator_views as views
from shared.irm import LANGUAGES

ME = {"csrf_token": "tok", "person": {"role": "admin"}}
SUMMARY = {"id": "a" * 24, "event_id": "evt_1", "event_type": "self_assessment.submitted", "correlation_id": "corr-1",
           "consumer": "review.on_self_assessment_submitted", "service": "review", "kind": "failed",
           "reason": "OperationFailure: <b>down</b>", "received_at": "2026-12-01T12:00:00.000Z", "replayed": False,
           "replayed_at": None, "replayed_by": None}
MESSAGE = {**SUMMARY, "errors": {}, "raw": None,
           "message": {"event_id": "evt_1", "payload": {"case_id": "case_1", "title": "<script>alert(1)</script>"}}}


def test_the_list_shows_each_message_with_its_link_and_the_next_page():
    page = views.messages_page({"messages": [SUMMARY], "next_before": "a" * 24}, "fr")
    shown = page["messages"][0]
    assert (shown["event_type"], shown["service"], shown["correlation_id"]) == ("self_assessment.submitted", "review", "corr-1")
    assert shown["href"] == f"/fr/operator/messages/{'a' * 24}" and page["next_href"] == f"/fr/operator/messages?before={'a' * 24}"
    assert shown["received"]["iso"] == "2026-12-01T12:00:00.000Z" and "décembre 2026" in shown["received"]["text"]
    assert shown["kind_name"] == views.KIND_NAMES["failed"] and not shown["replayed"]
    assert views.messages_page({"messages": [], "next_before": None}, "en") == {"messages": [], "next_href": None}


def test_the_message_page_holds_the_payload_and_the_replay_form():
    page = views.message_page(MESSAGE, ME, "ar", notice="<script>")
    assert page["notice"] is None and views.message_page(MESSAGE, ME, "ar", notice="replayed")["notice"] == "replayed"
    assert '"case_id": "case_1"' in page["payload"] and page["contract_errors"] is None
    assert page["replay_action"] == f"/ar/operator/messages/{'a' * 24}/replay" and page["csrf_token"] == "tok"
    replayed = views.message_page({**MESSAGE, "replayed": True, "replayed_at": "2026-12-01T13:00:00.000Z",
                                   "replayed_by": "admin-1"}, ME, "en")["message"]
    assert replayed["replayed"] and replayed["replayed_by"] == "admin-1" and "2026" in replayed["replayed_at"]["text"]


def test_accounts_refusals_are_the_forms_messages():
    for code in ("already_replayed", "not_parked"):
        body = {"error": {"code": code, "message": "..."}}
        assert forms.refusal(body) == {"form": [{"message": forms.MESSAGES[code], "params": {}}]}
    assert forms.refusal({})["form"][0]["message"] == forms.MESSAGES["conflict"]


def render(language, template, **context):
    return i18n.environment(language).get_template(template).render(
        static=lambda name: name, rest="/operator/messages", languages=i18n.language_links(language, "/operator/messages", []),
        viewer={"email": "admin@example.org", "role": "admin", "role_name": "Administrator"}, **context)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_pages_render_escaped_in_each_language(language):
    listing = render(language, "operator_messages.html", **views.messages_page({"messages": [SUMMARY], "next_before": None}, language))
    assert "<b>down</b>" not in listing and "&lt;b&gt;down&lt;/b&gt;" in listing and 'id="operator-messages-link"' in listing
    errors = forms.refusal({"error": {"code": "already_replayed"}})
    shown = render(language, "operator_message.html", **views.message_page(MESSAGE, ME, language, errors=errors))
    assert "<script>alert" not in shown and "&lt;script&gt;alert(1)&lt;/script&gt;" in shown
    assert 'id="replay-button"' in shown and 'name="csrf_token" value="tok"' in shown and 'id="replay-form-error"' in shown
    gone = render(language, "operator_message.html", **views.message_page({**MESSAGE, "replayed": True}, ME, language))
    assert 'id="replay-button"' not in gone
    if language != "en":
        assert i18n.catalog(language).gettext(forms.MESSAGES["already_replayed"]) in shown


EXPERTS = {"experts": [{"expert_id": "exp-a", "name": "Amal <b>B.</b>", "languages": ["fr", "ar"], "affiliations": ["TN"],
                        "expertise": ["MENA"], "capacity": 2, "active_cases": 2, "available": True},
                       {"expert_id": "exp-j", "name": "James O.", "languages": ["en"], "affiliations": [], "expertise": [],
                        "capacity": 5, "active_cases": 0, "available": False}]}
WAITING = {"cases": [{"case_id": "case_w", "member": "TN", "cycle": "2023-2025", "languages": ["ar", "fr"],
                      "waiting_since": "2026-12-01T10:00:00.000Z", "reason": "No expert qualifies for TN among 2 in the registry.",
                      "candidates": [
                          {"expert_id": "exp-a", "eligible": False, "load": 2, "capacity": 2, "reasons": ["..."],
                           "why": [{"code": "conflict_of_interest", "member": "TN"}, {"code": "at_capacity", "load": 2, "capacity": 2}]},
                          {"expert_id": "exp-j", "eligible": False, "load": 0, "capacity": 5, "reasons": ["..."],
                           "why": [{"code": "unavailable"}, {"code": "no_shared_language", "languages": ["ar", "fr"]},
                                   {"code": "a_code_of_tomorrow"}]}]}]}


def test_the_registry_shows_each_experts_load_and_each_waiting_case_why():
    page = views.registry_page(EXPERTS, WAITING, "fr")
    amal, james = page["experts"]
    assert (amal["load"], amal["capacity"], amal["full"], amal["free"]) == (2, 2, True, 0)
    assert (james["full"], james["available"], james["languages"]) == (False, False, ["en"])
    (case,) = page["waiting"]
    assert case["since"]["iso"] == "2026-12-01T10:00:00.000Z" and "décembre 2026" in case["since"]["text"]
    why = {c["expert_id"]: [(w["code"], w["params"]) for w in c["why"]] for c in case["candidates"]}
    assert why["exp-a"][0] == ("conflict_of_interest", {"member": "TN", "languages": "", "load": "", "capacity": ""})
    assert why["exp-a"][1][1]["load"] == 2 and [code for code, _ in why["exp-j"]] == ["unavailable", "no_shared_language"]
    assert why["exp-j"][1][1]["languages"] == "ar, fr"  # an unknown code is left out, never shown raw
    assert set(views.WHY_NAMES) == set(__import__("services.review.domain.assignment", fromlist=["WHY"]).WHY)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_registry_page_renders_escaped_in_each_language(language):
    html = render(language, "operator_experts.html", **views.registry_page(EXPERTS, WAITING, language))
    assert "<b>B.</b>" not in html and "&lt;b&gt;B.&lt;/b&gt;" in html and 'id="operator-experts-link"' in html
    assert 'id="why-case_w-exp-a"' in html and 'data-code="at_capacity"' in html
    if language != "en":
        said = i18n.catalog(language).gettext(views.WHY_NAMES["conflict_of_interest"]) % {"member": "TN"}
        assert said in html and said != views.WHY_NAMES["conflict_of_interest"] % {"member": "TN"}
    empty = render(language, "operator_experts.html", **views.registry_page({"experts": []}, {"cases": []}, language))
    assert 'id="no-waiting"' in empty and 'id="no-experts"' in empty
