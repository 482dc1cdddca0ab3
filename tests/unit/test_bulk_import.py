"""The rules of a commitments spreadsheet, without a database: reading files and validating rows."""
import csv

import openpyxl
import pytest

from services.intake.bulk_import import (
    REQUIRED_COLUMNS, RowRejected, count_rows, is_blank, read_rows, split_institutions, validate_row,
)

TUNISIA = {"en": "Tunisia", "fr": "Tunisie", "ar": "تونس"}
ARABIC_TITLE = "نشرُ بيانات الميزانية المفتوحة «٢٠٢٤»"  # with a haraka and Arabic-Indic digits


def good_row(**changes):
    row = {
        "Commitment Unique Identifier": "TN0117",
        "Country/Locality": "Tunisia",
        "Action Plan Number": "5",
        "Commitment Number": "17",
        "Commitment Title": "Open budget data",
        "Full Text": "Publish the budget quarterly.",
        "Lead Institution": "Ministry of Finance",
        "Supporting Institution(s)": "Court of Audit; I WATCH",
    }
    row.update(changes)
    return row


def validate(row, seen_ids=None, language="en", row_number=None):
    return validate_row(row, member_code="TN", member_names=TUNISIA, plan_number=5, language=language,
                        seen_ids={} if seen_ids is None else seen_ids, row_number=row_number)


def rejection(row, **kwargs) -> str:
    with pytest.raises(RowRejected) as refused:
        validate(row, **kwargs)
    return str(refused.value)


def test_a_good_row_becomes_the_document_fields():
    assert validate(good_row()) == {
        "commitment_id": "TN0117", "member_code": "TN", "plan_number": 5, "number": 17,
        "title": {"en": "Open budget data"}, "full_text": {"en": "Publish the budget quarterly."},
        "lead_institution": "Ministry of Finance", "supporting_institutions": ["Court of Audit", "I WATCH"],
    }


def test_optional_columns_may_be_empty():
    fields = validate(good_row(**{"Full Text": "", "Lead Institution": None, "Supporting Institution(s)": " "}))
    assert fields["full_text"] == {} and fields["lead_institution"] is None and fields["supporting_institutions"] == []


def test_arabic_title_is_kept_byte_exact():
    fields = validate(good_row(**{"Commitment Title": ARABIC_TITLE, "Country/Locality": "تونس"}), language="ar")
    assert fields["title"] == {"ar": ARABIC_TITLE}
    assert fields["title"]["ar"].encode("utf-8") == ARABIC_TITLE.encode("utf-8")


@pytest.mark.parametrize("country", ["TN", " tn ", "Tunisia", "TUNISIE", "تونس"])
def test_the_member_is_named_by_its_code_or_any_of_its_names(country):
    assert validate(good_row(**{"Country/Locality": country}))["member_code"] == "TN"


@pytest.mark.parametrize("changes, reason", [
    ({"Commitment Unique Identifier": ""}, "Commitment Unique Identifier is required"),
    ({"Commitment Unique Identifier": "TN.01"}, "Commitment Unique Identifier 'TN.01' must be letters, digits"),
    ({"Commitment Unique Identifier": "$where"}, "Commitment Unique Identifier '$where' must be letters, digits"),
    ({"Commitment Unique Identifier": "-TN01"}, "Commitment Unique Identifier '-TN01' must be letters, digits"),
    ({"Commitment Unique Identifier": "T" * 65}, "must be letters, digits"),
    ({"Country/Locality": "Maroc"}, "Country/Locality 'Maroc' is not TN"),
    ({"Country/Locality": ""}, "Country/Locality '' is not TN"),
    ({"Action Plan Number": "4"}, "Action Plan Number 4 is not 5"),
    ({"Action Plan Number": "five"}, "Action Plan Number 'five' is not a whole number"),
    ({"Action Plan Number": None}, "Action Plan Number is required"),
    ({"Commitment Number": "12a"}, "Commitment Number '12a' is not a whole number"),
    ({"Commitment Number": 0}, "Commitment Number 0 is not between 1 and 999"),
    ({"Commitment Number": "1000"}, "Commitment Number 1000 is not between 1 and 999"),
    ({"Commitment Number": True}, "Commitment Number True is not a whole number"),
    ({"Commitment Title": "  "}, "Commitment Title is required"),
    ({"Commitment Title": "x" * 501}, "Commitment Title has 501 characters (at most 500)"),
    ({"Full Text": "x" * 20_001}, "Full Text has 20001 characters (at most 20000)"),
])
def test_each_rule_gives_its_reason(changes, reason):
    assert reason in rejection(good_row(**changes))


def test_the_longest_title_and_full_text_are_accepted():
    fields = validate(good_row(**{"Commitment Title": "x" * 500, "Full Text": "y" * 20_000, "Commitment Number": 999}))
    assert len(fields["title"]["en"]) == 500 and len(fields["full_text"]["en"]) == 20_000 and fields["number"] == 999


def test_an_identifier_given_twice_is_refused_the_second_time():
    seen_ids = {}
    validate(good_row(), seen_ids=seen_ids, row_number=18)
    assert rejection(good_row(**{"Commitment Number": "18"}), seen_ids=seen_ids, row_number=19) == \
        "Commitment Unique Identifier 'TN0117' is repeated (first on row 18)"


def test_a_repeated_identifier_is_refused_even_when_its_first_row_was():
    seen_ids = {}
    rejection(good_row(**{"Country/Locality": "Maroc"}), seen_ids=seen_ids, row_number=2)
    assert "is repeated (first on row 2)" in rejection(good_row(), seen_ids=seen_ids, row_number=3)


@pytest.mark.parametrize("cell, expected", [(5, 5), (5.0, 5), ("5", 5), (" 5 ", 5), ("5.0", 5)])
def test_whole_numbers_as_excel_or_csv_give_them(cell, expected):
    assert validate(good_row(**{"Action Plan Number": cell, "Commitment Number": cell}))["number"] == expected


@pytest.mark.parametrize("cell", [5.5, "5.5", "5,0"])
def test_fractions_are_not_commitment_numbers(cell):
    assert "is not a whole number" in rejection(good_row(**{"Commitment Number": cell}))


def test_an_identifier_excel_stored_as_a_number_reads_as_its_digits():
    assert validate(good_row(**{"Commitment Unique Identifier": 501.0}))["commitment_id"] == "501"


def test_an_unknown_language_is_a_usage_error_not_a_row_error():
    with pytest.raises(ValueError, match="language must be one of"):
        validate(good_row(), language="es")


@pytest.mark.parametrize("cell, names", [
    ("Court of Audit; Ministry of Finance, Budget Directorate", ["Court of Audit", "Ministry of Finance, Budget Directorate"]),
    ("Court of Audit, I WATCH", ["Court of Audit", "I WATCH"]),
    ("I WATCH;", ["I WATCH"]),
    ("", []),
])
def test_supporting_institutions_split_on_semicolons_first_then_commas(cell, names):
    assert split_institutions(cell) == names


# --- reading files ------------------------------------------------------------------------

def write_csv(path, rows, header=REQUIRED_COLUMNS, encoding="utf-8", delimiter=","):
    with open(path, "w", encoding=encoding, newline="") as file:
        writer = csv.writer(file, delimiter=delimiter)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def test_a_csv_with_a_bom_reads_its_first_column_and_arabic_text(tmp_path):
    path = write_csv(tmp_path / "plan.csv", [["TN0501", "تونس", "5", "1", ARABIC_TITLE, "", "", ""]], encoding="utf-8-sig")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    [(row_number, row)] = list(read_rows(path))
    assert row_number == 2
    assert row["Commitment Unique Identifier"] == "TN0501" and row["Commitment Title"] == ARABIC_TITLE


def test_a_csv_without_a_bom_reads_the_same(tmp_path):
    path = write_csv(tmp_path / "plan.csv", [["TN0501", "تونس", "5", "1", ARABIC_TITLE, "", "", ""]])
    [(_, row)] = list(read_rows(path))
    assert row["Commitment Title"] == ARABIC_TITLE


def test_a_semicolon_csv_as_french_excel_saves_it_reads_too(tmp_path):
    path = write_csv(tmp_path / "plan.csv", [["TN0501", "Tunisie", "5", "1", "Données, budget", "", "", "A; B"]], delimiter=";")
    [(_, row)] = list(read_rows(path))
    assert row["Commitment Title"] == "Données, budget" and row["Country/Locality"] == "Tunisie"


def test_headers_match_after_stripping_and_extra_columns_are_ignored(tmp_path):
    header = [f"  {name} " for name in REQUIRED_COLUMNS] + ["Theme"]
    path = write_csv(tmp_path / "plan.csv", [["TN0501", "TN", "5", "1", "Title", "", "", "", "Fiscal openness"]], header=header)
    [(_, row)] = list(read_rows(path))
    assert set(row) == set(REQUIRED_COLUMNS)


def test_a_missing_column_is_named_before_any_row(tmp_path):
    header = [name for name in REQUIRED_COLUMNS if name != "Lead Institution"]
    path = write_csv(tmp_path / "plan.csv", [["TN0501", "TN", "5", "1", "Title", "", ""]], header=header)
    with pytest.raises(ValueError, match="'Lead Institution'"):
        next(read_rows(path))


def test_a_file_that_is_not_utf8_is_refused_clearly(tmp_path):
    path = write_csv(tmp_path / "plan.csv", [["TN0501", "Tunisie", "5", "1", "Données", "", "", ""]], encoding="latin-1")
    with pytest.raises(ValueError, match="not UTF-8"):
        next(read_rows(path))


@pytest.mark.parametrize("name", ["plan.xls", "plan.txt", "plan"])
def test_only_csv_and_xlsx_are_read(tmp_path, name):
    path = tmp_path / name
    path.write_text("anything")
    with pytest.raises(ValueError, match="only .csv"):
        next(read_rows(path))


def test_an_xlsx_reads_its_first_sheet_with_numbers_as_excel_stores_them(tmp_path):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(list(REQUIRED_COLUMNS))
    sheet.append(["TN0501", "تونس", 5, 1.0, ARABIC_TITLE, None, "Ministry", None])
    sheet.append([None] * len(REQUIRED_COLUMNS))
    sheet.append(["TN0503", "TN", 5, 3.5, "Third", None, None, None])
    workbook.create_sheet("Notes").append(["not read"])
    path = tmp_path / "plan.xlsx"
    workbook.save(path)

    rows = list(read_rows(path))

    assert [row_number for row_number, _ in rows] == [2, 3, 4]
    assert rows[0][1]["Commitment Title"] == ARABIC_TITLE and rows[0][1]["Commitment Number"] == 1
    assert is_blank(rows[1][1])
    assert "is not a whole number" in rejection(rows[2][1])
    assert count_rows(path) == 3


def test_a_damaged_xlsx_is_refused_clearly(tmp_path):
    path = tmp_path / "plan.xlsx"
    path.write_text("Commitment Unique Identifier,Country/Locality\n")
    with pytest.raises(ValueError, match="cannot be read as an Excel workbook"):
        next(read_rows(path))


def test_a_column_given_twice_is_ambiguous(tmp_path):
    path = write_csv(tmp_path / "plan.csv", [], header=list(REQUIRED_COLUMNS) + ["Commitment Title"])
    with pytest.raises(ValueError, match="'Commitment Title' more than once"):
        next(read_rows(path))


def test_an_empty_file_says_what_row_1_must_hold(tmp_path):
    path = tmp_path / "plan.csv"
    path.write_bytes(b"")
    with pytest.raises(ValueError, match="is empty: row 1 must name the columns"):
        next(read_rows(path))


@pytest.mark.parametrize("column", ["Commitment Title", "Full Text", "Lead Institution", "Supporting Institution(s)"])
def test_a_cell_with_a_control_character_is_refused_like_any_free_text(column):
    assert "U+0000" in rejection(good_row(**{column: "Open\x00budget"}))
    assert validate(good_row(**{column: "Open\tbudget\nquarterly"}))  # tab and newline are text

