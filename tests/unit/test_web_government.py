"""The government's pages' pure parts: the self-assessment form's parsing and its mapping of intake's
field errors, the dashboard's view of each plan's stage and deadline, sign-in's return path."""
import pytest

from services.web import account_forms, government_forms as forms, government_views as views, i18n
from shared.contracts.self_assessment import SelfAssessmentSchema

COMMITMENTS = [
    {"commitment_id": "TN0501", "number": 1, "title": {"fr": "Budget ouvert"}, "full_text": {"fr": "Publier."},
     "lead_institution": "Ministère des Finances", "supporting_institutions": []},
    {"commitment_id": "TN-0502", "number": 2, "title": {"fr": "Marchés publics"}, "full_text": None,
     "lead_institution": None, "supporting_institutions": ["INS"]},
]


def posted(**values):
    form = {name: "" for name in forms.field_names(COMMITMENTS)}
    form.update(values)
    return form


def test_the_form_names_three_fields_per_commitment_and_reads_back_as_a_draft():
    names = forms.field_names(COMMITMENTS)
    assert "completion-TN-0502" in names and "evidence-TN0501" in names and len(names) == len(forms.PLAN_FIELDS) + 6
    state = forms.form_state(posted(**{"cycle": " 2023-2025 ", "completion-TN0501": "substantial",
                                       "narrative-TN0501": "نشرت البوابة البيانات.", "evidence-TN0501": " https://a.tn/x "}),
                             COMMITMENTS, "ar")
    assert state["cycle"] == "2023-2025" and state["language"] == "ar"
    assert state["commitments"][0] == {"commitment_id": "TN0501", "self_reported_completion": "substantial",
                                       "narrative": "نشرت البوابة البيانات.", "evidence_url": "https://a.tn/x",
                                       "evidence_files": []}


def test_a_complete_form_is_a_valid_submission_carrying_the_imported_commitments():
    state = forms.form_state(posted(**{"cycle": "2023-2025", "completion-TN0501": "complete", "completion-TN-0502": "limited",
                                       "narrative-TN0501": "تم.", "evidence-TN-0502": "https://a.tn/y",
                                       "civil_society_participation": "منتدى كل ثلاثة أشهر."}), COMMITMENTS, "ar")
    body = forms.submission_body(state, "TN", 5, COMMITMENTS)
    loaded = SelfAssessmentSchema().load(body)
    assert loaded["commitments"][0]["title"] == {"fr": "Budget ouvert"} and loaded["commitments"][0]["narrative"] == {"ar": "تم."}
    assert "narrative" not in body["commitments"][1] and body["commitments"][1]["evidence"] == [{"url": "https://a.tn/y"}]
    assert body["co_creation"] == {"civil_society_participation": {"ar": "منتدى كل ثلاثة أشهر."}}


def test_intakes_field_paths_come_back_next_to_the_forms_fields():
    api = {"action_plan.cycle": ["x"], "commitments[1].self_reported_completion": ["x"],
           "commitments[0].evidence[0].url": ["x"], "commitments[0].narrative.ar.value": ["x"],
           "co_creation.civil_society_participation": ["x"], "commitments[7].title": ["x"], "member": ["x"]}
    errors = forms.field_errors(api, COMMITMENTS)
    assert set(errors) == {"cycle", "completion-TN-0502", "evidence-TN0501", "narrative-TN0501",
                           "civil_society_participation", "form"}
    assert errors["completion-TN-0502"] == [{"message": forms.MESSAGES["completion"], "params": {}}]
    # a draft's own names (intake's DraftSchema) land on the same fields
    assert set(forms.field_errors({"cycle": ["x"], "commitments[0].evidence_url": ["x"]}, COMMITMENTS)) == {"cycle", "evidence-TN0501"}
    assert forms.field_errors({"Idempotency-Key": ["x"]}, COMMITMENTS) == {"form": [{"message": forms.MESSAGES["key_reused"], "params": {}}]}


def test_a_draft_prefills_the_plans_commitments_only():
    draft = {"language": "ar", "cycle": "2023-2025", "commitments": [
        {"commitment_id": "TN0501", "self_reported_completion": "limited", "narrative": "n", "evidence_url": ""},
        {"commitment_id": "GONE", "self_reported_completion": "complete", "narrative": "", "evidence_url": ""}]}
    state = forms.prefilled(COMMITMENTS, draft, None, "fr")
    assert [c["commitment_id"] for c in state["commitments"]] == ["TN0501", "TN-0502"]
    assert state["commitments"][0]["self_reported_completion"] == "limited" and state["commitments"][1]["narrative"] == ""
    assert forms.prefilled(COMMITMENTS, None, "2021-2023", "fr")["cycle"] == "2021-2023"


def test_the_idempotency_key_has_a_shape_and_each_form_a_new_one():
    assert forms.new_idempotency_key() != forms.new_idempotency_key()
    assert forms.usable_idempotency_key(forms.new_idempotency_key())
    assert forms.usable_idempotency_key("short") is None and forms.usable_idempotency_key("x" * 30 + "\n") is None


def plan(status=None, window=None, draft=None, commitments=3):
    latest = None if status is None else {"id": "sa_1", "version": 2, "case_id": "case_1", "submitted_at": "2026-01-01T00:00:00.000Z",
                                          "case": {"status": status, "updated_at": "2026-01-02T00:00:00.000Z",
                                                   "window_until": window}}
    return {"plan_number": 5, "cycle": "2023-2025", "commitments": commitments, "versions": 1 if latest else 0,
            "latest": latest, "draft": draft}


def test_each_stage_says_what_the_government_must_do_and_by_when_in_utc_when_no_zone_is_known():
    shown = views.plan_view(plan("government_review", "2026-12-15T16:00:00.000Z"), "fr", None)
    assert shown["next_step"] == views.NEXT_STEPS["government_review"] and shown["deadline_label"] == "Comments due by"
    assert shown["deadline"]["text"] == i18n.moment_in(i18n.from_iso("2026-12-15T16:00:00.000Z"), "fr") and shown["deadline"]["text"].endswith("TU")  # French for UTC
    assert views.plan_view(plan("government_review", "2026-12-15T16:00:00.000Z"), "en", "Africa/Tunis")["deadline"]["text"] != \
        shown["deadline"]["text"]
    for status in ("submitted", "assigned", "in_review", "quality_review", "unassigned"):
        assert views.plan_view(plan(status), "en", None)["next_step"] == views.UNDER_REVIEW
        assert views.plan_view(plan(status), "en", None)["deadline"] is None
    fresh = views.plan_view(plan(draft={"saved_at": "2026-01-03T00:00:00.000Z"}), "ar", None)
    assert fresh["stage"] is None and fresh["next_step"] == views.NEXT_STEPS[None] and fresh["draft_saved"]
    assert fresh["form_href"] == "/ar/government/plans/5/self-assessment"
    assert views.plan_view(plan(commitments=0), "ar", None)["form_href"] is None
    assert set(views.STAGE_NAMES) >= {"submitted", "government_review", "public_comment", "published", "withdrawn"}


@pytest.mark.parametrize("value, expected", [
    ("/ar/government", "/ar/government"), ("/fr/government/plans/5/self-assessment", "/fr/government/plans/5/self-assessment"),
    ("//evil.example/x", None), ("https://evil.example/", None), ("/de/government", None), ("/en//evil", None),
    ("/en/government?x=1", None), (None, None)])
def test_sign_in_brings_a_person_back_only_to_a_page_of_this_site(value, expected):
    assert account_forms.return_path(value) == expected


# --- evidence files -----------------------------------------------------------------------------------
PDF_FILE = {"file_id": "a" * 24, "filename": "تقرير.pdf", "media_type": "application/pdf", "size": 1536,
            "sha256": "0" * 64, "download_url": "/api/v1/evidence/" + "a" * 24}


def test_a_key_used_for_another_body_is_told_from_a_refusal_of_the_form_s_fields():
    reused = {"error": {"code": "unprocessable", "fields": {"Idempotency-Key": ["Already used for another self-assessment; use a new key."]}}}
    assert forms.key_used_for_another_body(reused)
    assert not forms.key_used_for_another_body({"error": {"fields": {"Idempotency-Key": ["x"], "action_plan.cycle": ["y"]}}})
    assert not forms.key_used_for_another_body({"error": {"fields": {"commitments[0].narrative": ["y"]}}})
    assert not forms.key_used_for_another_body(None) and not forms.key_used_for_another_body({})


def test_a_file_removed_from_a_commitment_leaves_its_other_files_and_the_other_commitments_as_they_were():
    state = forms.prefilled(COMMITMENTS, None, "2023-2025", "ar")
    first, second = forms.described_file(PDF_FILE), forms.described_file({**PDF_FILE, "file_id": "b" * 24, "filename": "b.pdf"})
    state = forms.with_file(forms.with_file(forms.with_file(state, "TN0501", first), "TN0501", second), "TN-0502", first)
    after, removed = forms.without_file(state, "TN0501", "a" * 24)
    assert removed == first
    assert forms.files_of(after, "TN0501") == [second] and forms.files_of(after, "TN-0502") == [first]
    assert forms.files_of(state, "TN0501") == [first, second]  # the state given is not changed
    # a file this commitment does not list (another's, or gone already): nothing is taken out
    assert forms.without_file(after, "TN0501", "a" * 24) == (after, None)
    assert forms.without_file(after, "TN0503", "b" * 24) == (after, None)


def test_an_uploaded_file_is_kept_in_the_draft_under_its_commitment_once_and_submitted_by_id():
    state = forms.prefilled(COMMITMENTS, None, "2023-2025", "ar")
    described = forms.described_file(PDF_FILE)
    assert described == {"file_id": "a" * 24, "filename": "تقرير.pdf", "media_type": "application/pdf", "size": 1536}
    state = forms.with_file(forms.with_file(state, "TN0501", described), "TN0501", described)
    assert forms.files_of(state, "TN0501") == [described] and forms.files_of(state, "TN-0502") == []
    # what intake's DraftSchema takes, and what the form keeps when it is saved (it never posts the files)
    from services.intake.schemas import DraftSchema
    assert DraftSchema().load(state)["commitments"][0]["evidence_files"] == [described]
    kept = forms.kept_files(state)
    again = forms.form_state(posted(**{"cycle": "2023-2025"}), COMMITMENTS, "ar", kept)
    assert again["commitments"][0]["evidence_files"] == [described]
    body = forms.submission_body({**again, "commitments": [{**again["commitments"][0], "evidence_url": "https://a.tn/x"},
                                                         again["commitments"][1]]}, "TN", 5, COMMITMENTS)
    assert body["commitments"][0]["evidence"] == [{"url": "https://a.tn/x"}, {"file_id": "a" * 24}]
    assert SelfAssessmentSchema().validate({**body, "commitments": [
        {**c, "self_reported_completion": "substantial"} for c in body["commitments"]]}) == {}
    # a file intake did not take at submission comes back next to the commitment's evidence
    assert forms.form_field("commitments[0].evidence[1].file_id", COMMITMENTS) == "evidence-TN0501"


def test_intakes_refusal_of_a_file_is_named_for_the_page():
    assert forms.upload_refusal(413, {}) == "too_large"
    assert forms.upload_refusal(422, {"error": {"fields": {"file": ["The file is not one of the accepted types"]}}}) == "type"
    assert forms.upload_refusal(422, {"error": {"fields": {"member": ["Unknown."]}}}) is None
    assert forms.upload_refusal(403, {}) is None and forms.upload_refusal(0, {}) is None
    assert forms.megabytes(20 * 1024 * 1024) == "20" and forms.megabytes(1536 * 1024) == "1.5"
    assert forms.wants_json("application/json") and not forms.wants_json("text/html,*/*") and not forms.wants_json(None)
    for key, msgid in forms.UPLOAD_MESSAGES.items():
        for language in ("ar", "fr"):
            assert i18n.catalog(language).gettext(msgid) != msgid, (key, language)


def test_the_multipart_frame_around_a_streamed_file_is_one_werkzeug_reads_back():
    import io
    from werkzeug.formparser import parse_form_data
    content_type, head, tail = forms.multipart_frame('ta"b\r\nle\u00e9.pdf', "application/pdf; x")
    data = b"%PDF-1.4 tiny"
    body = head + data + tail
    environ = {"REQUEST_METHOD": "POST", "CONTENT_TYPE": content_type, "CONTENT_LENGTH": str(len(body)),
               "wsgi.input": io.BytesIO(body)}
    _, form, files = parse_form_data(environ)
    upload = files["file"]
    assert upload.read() == data and upload.filename == "table\u00e9.pdf" and upload.mimetype == "application/octet-stream"
    assert forms.multipart_frame("a.pdf", "application/pdf")[1].endswith(b"Content-Type: application/pdf\r\n\r\n")
    assert forms.multipart_frame("a.pdf", "x")[0] != content_type  # a boundary of its own each time


def test_a_listed_file_says_its_name_size_and_type_in_the_pages_language():
    view = views.file_view(PDF_FILE, "fr")
    assert view["filename"] == "تقرير.pdf" and view["type"] == "PDF"
    assert view["size"] == {"msgid": "%(size)s KB", "size": "1,5"}
    assert views.file_size(300, "en") == {"msgid": "%(size)s bytes", "size": "300"}
    assert views.file_size(3 * 1024 * 1024, "ar")["msgid"] == "%(size)s MB"
    assert views.upload_path("ar", 5, "TN-0502") == "/ar/government/plans/5/self-assessment/evidence/TN-0502"
    page = views.form_page({"code": "TN", "name": {"fr": "Tunisie"}}, 5, COMMITMENTS,
                           forms.with_file(forms.prefilled(COMMITMENTS, None, None, "fr"), "TN0501", forms.described_file(PDF_FILE)),
                           "fr", "token", "k" * 32, max_bytes=20 * 1024 * 1024, uploaded="TN0501")
    first, second = page["commitments"]
    assert first["uploaded"] and not second["uploaded"] and first["file_field"] == "file-TN0501"
    assert [f["filename"] for f in first["files"]] == ["تقرير.pdf"] and second["files"] == []
    assert page["upload"]["megabytes"] == "20" and "pdf" in page["upload"]["extensions"].split()
