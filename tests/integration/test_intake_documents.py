"""Intake as real points of contact use it: full trilingual self-assessments, evidence files,
versions with their differences, idempotent retries (the OpenAPI description: test_openapi.py)."""
import copy
import hashlib
import io
import struct
import zlib

import openpyxl
import pytest
import requests

from cli import operations
from devtools import sample
from services.intake import documents as intake_documents
from services.intake import evidence_store
from services.intake.service import IntakeService
from shared.contracts.self_assessment import SelfAssessmentSchema

pytestmark = pytest.mark.integration
MAX_BYTES = 300_000


def png_bytes() -> bytes:
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00")) + chunk(b"IEND", b""))


def pdf_bytes() -> bytes:
    return (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
            b"trailer<</Root 1 0 R>>\n%%EOF\n")


def xlsx_bytes() -> bytes:
    book = openpyxl.Workbook()
    book.active.append(["Atelier", "Date", "المشاركون"])
    book.active.append(["Marchés publics", "2025-03-12", 42])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


FULL = {
    "member": "TN",
    "action_plan": {"cycle": "2023-2025", "plan_number": 5},
    "commitments": [
        {"commitment_id": "TN0501", "number": 1,
         "title": {"ar": "نشر بيانات الميزانية المفتوحة", "fr": "Publication des données budgétaires ouvertes", "en": "Open budget data"},
         "full_text": {"ar": "تلتزم الحكومة بنشر بيانات الميزانية في شكل مفتوح\u200f.", "en": "The government will publish budget data openly."},
         "lead_institution": "Ministère des Finances", "supporting_institutions": ["Cour des comptes", "البوصلة"],
         "milestones": [{"title": {"fr": "Portail en ligne"}, "due_date": "2024-06-30", "status": "complete"},
                        {"title": {"ar": "نشر فصلي"}, "due_date": "2025-06-30", "status": "substantial"}],
         "self_reported_completion": "substantial",
         "narrative": {"fr": "Données trimestrielles publiées depuis 2024.", "ar": "تُنشر البيانات كل ثلاثة أشهر."},
         "evidence": [{"url": "https://budget.example.tn/portail", "description": {"ar": "بوابة الميزانية"}}]},
        {"commitment_id": "TN0502", "number": 2,
         "title": {"ar": "إشراك المجتمع المدني في الصفقات العمومية", "fr": "Participation de la société civile aux marchés publics"},
         "self_reported_completion": "limited", "evidence": []},
    ],
    "co_creation": {
        "forum_meetings": [{"date": "2023-03-14", "summary": {"fr": "Réunion du forum multi-acteurs"}},
                           {"date": "2023-09-20", "summary": {"ar": "اجتماع المنتدى"}}],
        "civil_society_participation": {"en": "Twelve organisations took part.", "ar": "شاركت اثنتا عشرة منظمة."},
        "standards": {"space_for_dialogue": {"met": True}, "open_information": {"met": True},
                      "inclusive_participation": {"met": False, "narrative": {"fr": "Peu de régions représentées."}},
                      "reasoned_response": {"met": True}, "collaborative_implementation": {"met": False}},
    },
}


@pytest.fixture
def intake(container_factory, service_config, db):
    operations.add_member("TN", "national", sample.MEMBER["names"])
    operations.add_member("MA", "national", {"fr": "Maroc"})
    config = {k: v for k, v in service_config.items() if k != "base_url"}
    config["EVIDENCE_MAX_BYTES"] = MAX_BYTES
    container_factory(IntakeService, config).start()
    return service_config["base_url"]


def auth(token):
    return {"Authorization": f"Bearer {token}"}


def upload(base, token, name, data):
    return requests.post(f"{base}/api/v1/evidence", files={"file": (name, data)}, headers=auth(token), timeout=20)


def test_a_full_trilingual_self_assessment_with_evidence_files_reads_back_identical(intake):
    token = operations.issue_token("poc", "poc-tn", member_code="TN")
    files = {"budget.pdf": pdf_bytes(), "photo-atelier.png": png_bytes(), "ورشة.xlsx": xlsx_bytes()}
    stored = {}
    for name, data in files.items():
        answer = upload(intake, token, name, data)
        assert answer.status_code == 201, answer.text
        stored[name] = answer.json()
        assert stored[name]["sha256"] == hashlib.sha256(data).hexdigest() and stored[name]["size"] == len(data)
    assert {v["media_type"] for v in stored.values()} == {
        "application/pdf", "image/png", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}

    body = copy.deepcopy(FULL)
    body["commitments"][0]["evidence"] += [{"file_id": stored["budget.pdf"]["file_id"], "description": {"fr": "Rapport"}},
                                           {"file_id": stored["photo-atelier.png"]["file_id"]}]
    body["commitments"][1]["evidence"] = [{"file_id": stored["ورشة.xlsx"]["file_id"]}]
    created = requests.post(f"{intake}/api/v1/self-assessments", json=body, headers=auth(token), timeout=20)
    assert created.status_code == 201, created.text
    shown = requests.get(intake + created.json()["status_url"], headers=auth(token), timeout=20).json()

    for sent, back in zip(body["commitments"], shown["commitments"]):
        for key in ("commitment_id", "title", "full_text", "lead_institution", "supporting_institutions", "milestones", "narrative"):
            if key in sent:  # what was not sent comes back as its default (None or [])
                assert back[key] == sent[key], key
    assert shown["commitments"][0]["full_text"]["ar"].encode() == FULL["commitments"][0]["full_text"]["ar"].encode()
    # Identical to what was sent, with the schema's defaults (None, []) for what was left out.
    assert shown["co_creation"] == SelfAssessmentSchema().load(FULL)["co_creation"]
    assert shown["co_creation"]["civil_society_participation"] == FULL["co_creation"]["civil_society_participation"]
    assert shown["languages"] == ["ar", "fr", "en"] and shown["version"] == 1
    attached = [e for c in shown["commitments"] for e in c["evidence"] if e.get("file_id")]
    assert len(attached) == 3
    for item in attached:
        download = requests.get(intake + item["download_url"], headers=auth(token), timeout=20)
        assert download.status_code == 200
        assert hashlib.sha256(download.content).hexdigest() == item["sha256"]
        assert download.headers["Content-Type"].startswith(item["media_type"])
    other = operations.issue_token("poc", "poc-ma", member_code="MA")
    assert requests.get(intake + attached[0]["download_url"], headers=auth(other), timeout=20).status_code == 404


def test_a_resubmission_is_a_new_version_that_says_what_changed(intake):
    token = operations.issue_token("poc", "poc-tn", member_code="TN")
    first = requests.post(f"{intake}/api/v1/self-assessments", json=FULL, headers=auth(token), timeout=20).json()
    changed = copy.deepcopy(FULL)
    changed["commitments"][0]["self_reported_completion"] = "complete"
    changed["commitments"][0]["narrative"]["en"] = "All quarters published."
    del changed["commitments"][1]
    changed["commitments"].append({"commitment_id": "TN0503", "number": 3, "title": {"en": "Beneficial ownership"},
                                   "self_reported_completion": "not_started"})
    changed["co_creation"]["standards"]["collaborative_implementation"]["met"] = True
    second = requests.post(f"{intake}/api/v1/self-assessments", json=changed, headers=auth(token), timeout=20).json()

    v2 = requests.get(intake + second["status_url"], headers=auth(token), timeout=20).json()
    assert v2["version"] == 2 and v2["previous_version_id"] == first["id"]
    assert v2["changes"] == {"added": ["TN0503"], "removed": ["TN0502"],
                             "changed": {"TN0501": ["narrative", "self_reported_completion"]}, "co_creation_changed": True}
    v1 = requests.get(intake + first["status_url"], headers=auth(token), timeout=20).json()
    assert v1["version"] == 1 and v1["commitments"][0]["self_reported_completion"] == "substantial"
    assert second["case_id"] != first["case_id"]  # each version is reviewed as its own case
    versions = requests.get(f"{intake}/api/v1/self-assessments?member=TN&cycle=2023-2025", headers=auth(token), timeout=20).json()
    assert [v["version"] for v in versions["items"]] == [2, 1]


def test_a_retried_upload_with_its_idempotency_key_creates_no_second_case(intake):
    token = operations.issue_token("poc", "poc-tn", member_code="TN")
    answers = [requests.post(f"{intake}/api/v1/self-assessments", json=FULL, timeout=20,
                             headers={**auth(token), "Idempotency-Key": "tn-2025-upload"}) for _ in range(3)]
    assert {a.json()["case_id"] for a in answers} == {answers[0].json()["case_id"]}
    assert intake_documents.SelfAssessment.objects.count() == 1


@pytest.mark.parametrize("name, data, status", [
    ("rapport.pdf", b"This is only text pretending to be a PDF, with a comma, really.", 422),
    ("rapport.pdf", png_bytes(), 422),                   # a real image, named as a PDF
    ("notes.txt", b"\x00\x01\x02 binary junk", 422),
    ("big.pdf", b"%PDF-1.4\n" + b"0" * (MAX_BYTES + 10), 413),
    ("empty.csv", b"", 422),
])
def test_a_refused_file_gets_a_clear_answer_and_leaves_nothing_behind(intake, name, data, status):
    token = operations.issue_token("poc", "poc-tn", member_code="TN")
    answer = upload(intake, token, name, data)
    assert answer.status_code == status, answer.text
    assert answer.json()["error"]["message"]
    assert evidence_store.count() == 0


def test_evidence_must_be_the_members_own_and_exist(intake):
    tn = operations.issue_token("poc", "poc-tn", member_code="TN")
    ma = operations.issue_token("poc", "poc-ma", member_code="MA")
    morocco_file = upload(intake, ma, "rapport.pdf", pdf_bytes()).json()["file_id"]
    body = copy.deepcopy(FULL)
    body["commitments"][1]["evidence"] = [{"file_id": morocco_file}, {"file_id": "0" * 24}]
    answer = requests.post(f"{intake}/api/v1/self-assessments", json=body, headers=auth(tn), timeout=20)
    assert answer.status_code == 422
    assert set(answer.json()["error"]["fields"]) == {"commitments[1].evidence[0].file_id", "commitments[1].evidence[1].file_id"}
    assert requests.post(f"{intake}/api/v1/evidence", data={"x": "1"}, headers=auth(tn), timeout=20).status_code in (415, 422)
    assert requests.post(f"{intake}/api/v1/evidence", files={"file": ("a.pdf", pdf_bytes())}, timeout=20).status_code == 401


def test_a_poc_imports_commitments_over_http_and_bad_rows_are_reported(intake):
    token = operations.issue_token("poc", "poc-tn", member_code="TN")
    header = "Commitment Unique Identifier,Country/Locality,Action Plan Number,Commitment Number,Commitment Title,Full Text,Lead Institution,Supporting Institution(s)\n"
    rows = "".join(f"TN05{n:02d},Tunisie,5,{n},Engagement {n},Texte {n},Ministère,ONG A;ONG B\n" for n in range(1, 11))
    rows += "TN0599,Maroc,5,99,Wrong member,,,\n"
    answer = requests.post(f"{intake}/api/v1/action-plans/TN/5/commitments", headers=auth(token), timeout=20,
                           files={"file": ("plan.csv", (header + rows).encode())}, data={"language": "fr"})
    assert answer.status_code == 200, answer.text
    assert answer.json()["imported"] == 10
    assert [(r["row"], r["commitment_id"]) for r in answer.json()["rejected"]] == [(12, "TN0599")]
    # the reason in English, and its code and values for a page to say it in its own language
    assert answer.json()["rejected"][0] == {"row": 12, "commitment_id": "TN0599", "reason": "Country/Locality 'Maroc' is not TN",
                                            "code": "country", "params": {"column": "Country/Locality", "value": "Maroc", "member": "TN"}}
    listed = requests.get(f"{intake}/api/v1/action-plans/TN/5/commitments", headers=auth(token), timeout=20).json()
    assert [c["number"] for c in listed["commitments"]] == list(range(1, 11))
    assert listed["commitments"][0]["supporting_institutions"] == ["ONG A", "ONG B"]
    other = operations.issue_token("poc", "poc-ma", member_code="MA")
    assert requests.post(f"{intake}/api/v1/action-plans/TN/5/commitments", headers=auth(other), timeout=20,
                         files={"file": ("plan.csv", header.encode())}).status_code == 403
    assert requests.post(f"{intake}/api/v1/action-plans/TN/5/commitments", headers=auth(token), timeout=20,
                         files={"file": ("plan.csv", png_bytes())}).status_code == 422
