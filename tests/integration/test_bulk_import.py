"""Importing an action plan's commitments into the real database, from CSV and XLSX, and through irmctl."""
import csv

import openpyxl
import pytest

from cli import irmctl, operations
from services.intake import bulk_import
from services.intake.documents import ActionPlanCommitment

pytestmark = pytest.mark.integration

ROWS = 200
# The five bad rows, by their position among the 200 (spreadsheet row = position + 1).
EXPECTED_REJECTIONS = [
    (18, "TN05017", "Country/Locality 'Maroc' is not TN"),
    (41, "TN05039", "Commitment Unique Identifier 'TN05039' is repeated (first on row 40)"),
    (81, "TN05080", "Commitment Title is required"),
    (121, "TN05120", "Commitment Number '12a' is not a whole number"),
    (161, "TN05160", "Action Plan Number 4 is not 5"),
]


def arabic_title(n: int) -> str:
    return f"الالتزام رقم {n}: نشر بيانات الميزانية المفتوحة"


def plan_rows(non_integer_number):
    """200 rows of Tunisia's fifth action plan, five of them wrong in a different way each."""
    rows = []
    for n in range(1, ROWS + 1):
        row = {"Commitment Unique Identifier": f"TN05{n:03d}", "Country/Locality": "تونس", "Action Plan Number": 5,
               "Commitment Number": n, "Commitment Title": arabic_title(n),
               "Full Text": f"النص الكامل للالتزام {n}" if n % 2 else "",
               "Lead Institution": "رئاسة الحكومة", "Supporting Institution(s)": "I WATCH; البوصلة", "Theme": "Fiscal"}
        if n == 17:
            row["Country/Locality"] = "Maroc"
        if n == 40:
            row["Commitment Unique Identifier"] = "TN05039"
        if n == 80:
            row["Commitment Title"] = ""
        if n == 120:
            row["Commitment Number"] = non_integer_number
        if n == 160:
            row["Action Plan Number"] = 4
        rows.append(row)
    return rows


def write_csv(path, rows):
    with open(path, "w", encoding="utf-8-sig", newline="") as file:  # as Excel's "CSV UTF-8" saves it
        writer = csv.DictWriter(file, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def write_xlsx(path, rows):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(list(rows[0]))
    for row in rows:
        sheet.append([None if value == "" else value for value in row.values()])
    workbook.save(path)
    return path


@pytest.fixture
def tunisia(db):
    return operations.add_member("TN", "national", {"en": "Tunisia", "fr": "Tunisie", "ar": "تونس"})


def import_plan(path, progress=None):
    return bulk_import.import_commitments(path, member_code="TN", plan_number=5, language="ar",
                                          imported_by="operator-test", progress=progress)


def assert_plan_imported(report, filename):
    assert report.imported == 195
    assert report.rejected == EXPECTED_REJECTIONS
    assert ActionPlanCommitment.objects(member_code="TN", plan_number=5).count() == 195
    first = ActionPlanCommitment.objects.get(commitment_id="TN05001")
    assert first.title == {"ar": arabic_title(1)} and first.full_text == {"ar": "النص الكامل للالتزام 1"}
    assert first.number == 1 and first.lead_institution == "رئاسة الحكومة"
    assert first.supporting_institutions == ["I WATCH", "البوصلة"]
    assert first.source == f"{filename}:2" and first.imported_by == "operator-test" and first.imported_at is not None
    assert ActionPlanCommitment.objects.get(commitment_id="TN05002").full_text == {}
    # The first of two rows with one identifier is kept; rows after a bad one are not lost.
    assert ActionPlanCommitment.objects.get(commitment_id="TN05039").number == 39
    assert ActionPlanCommitment.objects.get(commitment_id="TN05200").number == 200
    assert not ActionPlanCommitment.objects(commitment_id__in=["TN05017", "TN05080", "TN05120", "TN05160"])


def test_a_csv_imports_its_good_rows_and_reports_the_bad_ones_and_again_harmlessly(tunisia, tmp_path):
    path = write_csv(tmp_path / "tn-plan-5.csv", plan_rows(non_integer_number="12a"))
    progress = []

    assert_plan_imported(import_plan(path, progress=lambda done, total: progress.append((done, total))), "tn-plan-5.csv")
    assert progress == [(done, ROWS) for done in range(20, ROWS + 1, 20)]

    again = import_plan(path)
    assert (again.imported, again.rejected) == (195, EXPECTED_REJECTIONS)
    assert ActionPlanCommitment.objects.count() == 195


def test_an_xlsx_imports_the_same_with_excel_numbers(tunisia, tmp_path):
    path = write_xlsx(tmp_path / "tn-plan-5.xlsx", plan_rows(non_integer_number=12.5))
    progress = []

    report = import_plan(path, progress=lambda done, total: progress.append((done, total)))

    expected = [(row, cid, "Commitment Number 12.5 is not a whole number" if row == 121 else reason)
                for row, cid, reason in EXPECTED_REJECTIONS]
    assert report.rejected == expected
    assert report.imported == 195 and ActionPlanCommitment.objects.count() == 195
    assert progress[-1] == (ROWS, ROWS) and len(progress) == ROWS // 20
    assert import_plan(path).imported == 195 and ActionPlanCommitment.objects.count() == 195


def test_a_second_language_is_added_beside_the_first(tunisia, tmp_path):
    arabic = plan_rows(non_integer_number="12a")[:3]
    french = [{**row, "Country/Locality": "Tunisie", "Commitment Title": f"Engagement {row['Commitment Number']}", "Full Text": ""}
              for row in arabic]
    import_plan(write_csv(tmp_path / "ar.csv", arabic))

    bulk_import.import_commitments(write_csv(tmp_path / "fr.csv", french), member_code="TN", plan_number=5, language="fr",
                                   imported_by="operator-test")

    commitment = ActionPlanCommitment.objects.get(commitment_id="TN05001")
    assert commitment.title == {"ar": arabic_title(1), "fr": "Engagement 1"}
    assert commitment.full_text == {"ar": "النص الكامل للالتزام 1"}
    assert commitment.source == "fr.csv:2"


def test_another_members_commitment_is_refused_not_overwritten(tunisia, tmp_path):
    operations.add_member("MA", "national", {"fr": "Maroc", "ar": "المغرب"})
    moroccan = [{**plan_rows(non_integer_number="12a")[0], "Country/Locality": "Maroc", "Commitment Title": "Budget ouvert"}]
    bulk_import.import_commitments(write_csv(tmp_path / "ma.csv", moroccan), member_code="MA", plan_number=5,
                                   language="fr", imported_by="operator-test")

    report = import_plan(write_csv(tmp_path / "tn.csv", plan_rows(non_integer_number="12a")[:3]))

    assert report.imported == 2
    assert report.rejected == [(2, "TN05001", "Commitment Unique Identifier 'TN05001' is already a commitment of member MA")]
    stored = ActionPlanCommitment.objects.get(commitment_id="TN05001")
    assert (stored.member_code, stored.title) == ("MA", {"fr": "Budget ouvert"})


def test_an_unknown_member_or_a_missing_column_imports_nothing(tunisia, tmp_path):
    path = write_csv(tmp_path / "tn.csv", plan_rows(non_integer_number="12a"))
    with pytest.raises(ValueError, match="no member XX"):
        bulk_import.import_commitments(path, member_code="XX", plan_number=5, language="ar", imported_by="operator-test")

    rows = [{key: value for key, value in row.items() if key != "Full Text"} for row in plan_rows(non_integer_number="12a")]
    with pytest.raises(ValueError, match="'Full Text'"):
        import_plan(write_csv(tmp_path / "no-full-text.csv", rows))
    assert ActionPlanCommitment.objects.count() == 0


def test_irmctl_prints_progress_and_the_report(db, tunisia, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("MONGODB_URI", db)
    path = write_csv(tmp_path / "tn-plan-5.csv", plan_rows(non_integer_number="12a"))

    code = irmctl.main(["import-commitments", str(path), "--member", "TN", "--plan", "5", "--language", "ar", "--by", "ops"])

    out, err = capsys.readouterr()
    assert code == 0
    report_lines = [f"row {row} ({cid}): {reason}" for row, cid, reason in EXPECTED_REJECTIONS]
    assert out.splitlines() == ["imported 195, rejected 5"] + report_lines
    assert "\r  20/200 rows" in err and err.endswith("\r  200/200 rows\n")
    assert ActionPlanCommitment.objects.count() == 195 and ActionPlanCommitment.objects.first().imported_by == "ops"


@pytest.mark.parametrize("name, member, message", [
    ("missing.csv", "TN", "irmctl: cannot read "),
    ("tn-plan-5.xls", "TN", "irmctl: tn-plan-5.xls: only .csv (UTF-8) and .xlsx files can be imported"),
    ("tn-plan-5.csv", "XX", "irmctl: no member XX"),
])
def test_irmctl_refuses_a_file_or_member_it_cannot_use_with_exit_code_2(db, tunisia, tmp_path, monkeypatch, capsys,
                                                                        name, member, message):
    monkeypatch.setenv("MONGODB_URI", db)
    if name != "missing.csv":
        write_csv(tmp_path / name, plan_rows(non_integer_number="12a"))

    code = irmctl.main(["import-commitments", str(tmp_path / name), "--member", member, "--plan", "5"])

    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    assert err.startswith(message) and "Traceback" not in err
    assert ActionPlanCommitment.objects.count() == 0
