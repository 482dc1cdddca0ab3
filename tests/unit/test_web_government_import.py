"""The bulk import page's and the versions page's pure parts: the form's checks, intake's report as the page's
table (each reason's code said in the page's language), the multipart body with its language, what a version
changed shown old and new, and both pages rendered in every language."""
import io
import re

import pytest
from werkzeug.formparser import parse_form_data

from services.intake import bulk_import
from services.web import government_forms, government_import_forms as forms, government_import_views as views, i18n
from shared.irm import LANGUAGES


def test_every_reason_bulk_import_gives_is_one_the_page_says_with_the_same_values():
    assert set(forms.REASONS) == set(bulk_import.REASONS)
    for code, english in bulk_import.REASONS.items():
        names = set(re.findall(r"\{(\w+)", english))
        assert names == set(re.findall(r"%\((\w+)\)s", forms.REASONS[code])), code


def test_a_rejected_rows_reason_keeps_the_sentence_irmctl_prints_with_its_code_and_values():
    with pytest.raises(bulk_import.RowRejected) as refused:
        bulk_import.validate_row({bulk_import.ID: "TN0601", bulk_import.COUNTRY: "Maroc"}, member_code="TN", member_names={},
                                 plan_number=6, language="fr", seen_ids={})
    reason = refused.value.reason
    assert reason == "Country/Locality 'Maroc' is not TN" == str(refused.value)
    assert (reason.code, reason.params) == ("country", {"column": "Country/Locality", "value": "Maroc", "member": "TN"})
    assert bulk_import.Reason("not_whole_number", column="X", value=2.5).params["value"] == "2.5"


def test_intakes_rejected_rows_become_the_pages_table_in_its_language():
    rows = forms.rejected_rows([
        {"row": 3, "commitment_id": "TN0602", "reason": "Country/Locality 'Maroc' is not TN", "code": "country",
         "params": {"column": "Country/Locality", "value": "Maroc", "member": "TN"}},
        {"row": 9, "commitment_id": None, "reason": "Something new", "code": "unknown_code", "params": {}},
        {"row": 10, "commitment_id": "X", "reason": "Short", "code": "too_long", "params": {"column": "Full Text"}},  # values missing
    ])
    assert rows[0]["reason"] == {"message": forms.REASONS["country"], "params": {"column": "Country/Locality", "value": "Maroc", "member": "TN"}}
    said = i18n.catalog("fr").gettext(rows[0]["reason"]["message"]) % rows[0]["reason"]["params"]
    assert said == "Country/Locality « Maroc » n’est pas votre membre (TN)."
    assert rows[1]["reason"] is None and rows[1]["english"] == "Something new"  # intake's English, marked as such by the page
    assert rows[2]["reason"] is None and rows[2]["english"] == "Short"


@pytest.mark.parametrize("value, expected", [("6", 6), (" 12 ", 12), ("0", None), ("100", None), ("-1", None), ("x", None), ("", None)])
def test_the_plan_number_is_a_whole_number_from_1_to_99(value, expected):
    assert forms.plan_number(value) == expected


def test_the_form_is_checked_before_anything_is_sent():
    assert forms.form_errors({"plan_number": "6", "language": "fr"}, is_admin=False) == {}
    errors = forms.form_errors({"plan_number": "", "language": "de", "member": "tn"}, is_admin=True)
    assert set(errors) == {"plan_number", "language", "member"}
    assert forms.form_errors({"plan_number": "6", "language": "ar", "member": "MA-BMK"}, is_admin=True) == {}
    assert forms.file_refusal(None, 0, 100) == "no_file"
    assert forms.file_refusal("plan.pdf", 10, 100) == "type"
    assert forms.file_refusal("plan.XLSX", 101, 100) == "too_large"
    assert forms.file_refusal("plan.csv", 100, 100) is None


def test_intakes_refusal_of_the_spreadsheet_is_named_for_the_page():
    assert forms.intake_refusal(413, {}) == "too_large"
    assert forms.intake_refusal(422, {"error": {"fields": {"file": ["x.csv has no column ..."]}}}) == "cannot_import"
    assert forms.intake_refusal(422, {"error": {"fields": {"language": ["?"]}}}) is None
    assert forms.intake_refusal(503, {}) is None


def test_the_import_is_sent_on_with_its_language_before_the_file():
    content_type, head, tail = government_forms.multipart_frame("plan.csv", "text/csv", {"language": "fr"})
    body = head + b"a,b\n" + tail
    _, form, files = parse_form_data({"REQUEST_METHOD": "POST", "CONTENT_TYPE": content_type, "CONTENT_LENGTH": str(len(body)),
                                      "wsgi.input": io.BytesIO(body)})
    assert form["language"] == "fr" and files["file"].read() == b"a,b\n" and files["file"].filename == "plan.csv"


PREVIOUS = {"id": "sa_1", "version": 1, "previous_version_id": None, "case_id": "case_1", "submitted_by": "poc-1",
            "submitted_at": "2026-12-01T07:30:00.000Z", "changes": {"added": ["A", "B"], "removed": [], "changed": {}, "co_creation_changed": False},
            "commitments": [{"commitment_id": "A", "number": 1, "title": {"fr": "Budget"}, "self_reported_completion": "limited",
                             "narrative": {"fr": "Début."}, "evidence": [{"url": "https://a.tn/1"}]},
                            {"commitment_id": "B", "number": 2, "title": {"fr": "Marchés"}, "self_reported_completion": "not_started"}],
            "co_creation": None}
CURRENT = {"id": "sa_2", "version": 2, "previous_version_id": "sa_1", "case_id": "case_2", "submitted_by": "person-9",
           "submitted_at": "2026-12-02T08:00:00.000Z",
           "changes": {"added": ["C"], "removed": ["B"], "changed": {"A": ["evidence", "narrative", "self_reported_completion"]},
                       "co_creation_changed": True},
           "commitments": [{"commitment_id": "A", "number": 1, "title": {"fr": "Budget"}, "self_reported_completion": "substantial",
                            "narrative": {"fr": "Fait."}, "evidence": [{"file_id": "f1", "filename": "rapport.pdf"}]},
                           {"commitment_id": "C", "number": 3, "title": {"fr": "Justice"}, "self_reported_completion": "complete"}],
           "co_creation": {"civil_society_participation": {"fr": "Forum."}}}


def test_what_a_version_changed_is_shown_old_and_new_readably():
    shown = views.version_view(CURRENT, PREVIOUS, "ar", "Africa/Tunis", "person-9")
    assert shown["by_me"] and not shown["first"] and not shown["nothing_changed"]
    assert shown["submitted_at"]["iso"] == "2026-12-02T08:00:00.000Z"
    assert shown["submitted_at"]["text"] == i18n.moment_in(i18n.from_iso("2026-12-02T08:00:00.000Z"), "ar", "Africa/Tunis")
    assert [c["commitment_id"] for c in shown["added"]] == ["C"] and shown["added"][0]["title"]["text"] == "Justice"
    assert [(c["commitment_id"], c["title"]["text"]) for c in shown["removed"]] == [("B", "Marchés")]  # named from the previous version
    fields = {f["raw_name"]: f for f in shown["changed"][0]["fields"]}
    assert fields["self_reported_completion"]["old"]["label"] == "Limited" and fields["self_reported_completion"]["new"]["label"] == "Substantial"
    assert fields["narrative"]["old"]["items"] == [{"text": "Début.", "lang": "fr"}]
    assert fields["evidence"]["old"]["items"][0]["text"] == "https://a.tn/1" and fields["evidence"]["new"]["items"][0]["text"] == "rapport.pdf"
    assert fields["narrative"]["name"] == "What was done, and what it achieved"
    assert shown["co_creation"][0]["old"]["none"] and shown["co_creation"][0]["new"]["items"][0]["text"] == "Forum."
    assert [row["raw_name"] for row in shown["co_creation"]] == ["civil_society_participation"]
    stored = {**CURRENT, "co_creation": {"civil_society_participation": {"fr": "Forum."}, "forum_meetings": [], "standards": {}}}
    assert [row["raw_name"] for row in views.version_view(stored, PREVIOUS, "fr", None, None)["co_creation"]] == \
        ["civil_society_participation"]  # the contract's empty defaults are no change
    meetings = views.readable("forum_meetings", [{"date": "2026-01-05", "participants": 12}])
    assert meetings["items"] == [{"text": "date: 2026-01-05; participants: 12", "lang": None}]
    first = views.version_view(PREVIOUS, None, "fr", None, "person-9")
    assert first["first"] and first["added"] == [] and first["commitments"] == 2 and not first["by_me"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_both_pages_render_in_each_language(language):
    env = i18n.environment(language)
    render = lambda name, **context: env.get_template(name).render(static=lambda n: f"/static/{n}", rest="/x",  # noqa: E731
                                                                   languages=[], viewer=None, **context)
    me = {"person": {"role": "poc", "member_code": "TN"}}
    report = {"imported": 2, "rejected": [{"row": 3, "commitment_id": "TN0602", "reason": "…", "code": "country",
                                           "params": {"column": "Country/Locality", "value": "Maroc", "member": "TN"}}]}
    page = render("government_import.html", **views.import_page(me, {"plan_number": "6", "language": language, "member": ""},
                                                                language, "tok", 20 * 1024 * 1024, result=report, imported_for="TN"))
    assert 'id="rejected-rows"' in page and "TN0602" in page and 'name="member"' not in page
    assert i18n.catalog(language).gettext(forms.REASONS["country"]).split("%")[0] in page or language == "en"
    admin = render("government_import.html", **views.import_page({"person": {"role": "admin"}}, {"plan_number": "", "language": language,
                                                                                                 "member": ""}, language, "tok", 1024,
                                                                 errors={"member": [forms.error("member")]}))
    assert 'name="member"' in admin and 'id="im-member-error"' in admin and 'aria-invalid="true"' in admin
    member = {"code": "TN", "names": {"fr": "Tunisie"}, "time_zone": None}
    versions = render("government_versions.html", **views.versions_page(member, 6, [CURRENT, PREVIOUS], {"sa_1": PREVIOUS, "sa_2": CURRENT},
                                                                         2, language, "person-9"))
    assert 'id="version-2"' in versions and 'data-field="self_reported_completion"' in versions and "rapport.pdf" in versions
