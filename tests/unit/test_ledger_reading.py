"""Reading ledgers: cells as people type them, headers as bureaus lay them out, files as Excel
saves them."""

from __future__ import annotations

import io
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest

from application.ledger import cells
from application.ledger.cells import CellError
from application.ledger.columns import find_header, header_key
from application.ledger.kinds import CASES, RETURNEE_TYPES
from application.ledger.sheets import LedgerFile, LedgerFileError


@pytest.mark.parametrize("raw", [
    "2024-03-05", "2024/3/5", "2024.3.5", "2024年3月5日", "20240305", "２０２４－０３－０５",
    "2024-03-05 00:00:00", " 2024 年 3 月 5 日 ", 45356, 45356.75, "45356",
    datetime(2024, 3, 5), date(2024, 3, 5),
])
def test_a_date_is_read_in_every_form_ledgers_hold(raw: object) -> None:
    assert cells.a_date(raw, "returned_on") == date(2024, 3, 5)


@pytest.mark.parametrize("raw", ["2024-13-05", "2024-02-30", "去年三月", "3/5/2024", 0, -5])
def test_what_is_not_a_date_is_refused_naming_the_field(raw: object) -> None:
    with pytest.raises(CellError) as refused:
        cells.a_date(raw, "returned_on")

    assert (refused.value.field, refused.value.code) == ("returned_on", "date_unreadable")


def test_a_code_loses_spaces_and_full_width_forms_but_never_digits() -> None:
    assert cells.code("３７０３０３ １９８５０１０１ ００１Ｘ", "id_number") == "37030319850101001X"
    assert cells.code(370303850101001, "id_number") == "370303850101001"  # 15 digits survive

    with pytest.raises(CellError) as refused:
        cells.code(3.70303198501011e17, "id_number")  # Excel kept 15 of 18 digits

    assert refused.value.code == "number_cell"


def test_places_are_read_from_codes_and_names_and_a_shared_name_by_the_importer_s_district(
) -> None:
    for written in ("370303", "张店区", "淄博市张店区", "山东省淄博市张店区", "３７０３０３"):
        assert cells.county(written, "hukou_division") == "370303"
    assert cells.county("朝阳区", "hukou_division", near="110000") == "110105"

    with pytest.raises(CellError) as ambiguous:
        cells.county("朝阳区", "hukou_division", near="370303")

    assert ambiguous.value.code == "ambiguous_place"
    assert cells.province("广东", "prior_work_province") == "44"
    assert cells.province("新疆维吾尔自治区", "prior_work_province") == "65"


def test_ledger_words_become_codes_and_an_unknown_word_lists_the_known_ones() -> None:
    assert cells.label("返乡农民工", "returnee_type", RETURNEE_TYPES) == "MIGRANT_WORKER"
    assert cells.label("graduate", "returnee_type", RETURNEE_TYPES) == "GRADUATE"
    assert cells.labels("退役军人、高校毕业生;退役军人", "loan_groups",
                        {"退役军人": "VETERAN", "高校毕业生": "GRADUATE"}) == ["GRADUATE",
                                                                         "VETERAN"]
    assert cells.yes_no("√", "is_disabled") is True and cells.yes_no("否", "x") is False

    with pytest.raises(CellError) as refused:
        cells.label("个体工商户", "returnee_type", RETURNEE_TYPES)

    assert refused.value.params["words"] == "农民工、高校毕业生、退役军人、其他"


def test_header_keys_ignore_stars_notes_spaces_and_full_width_forms() -> None:
    assert header_key(" *返乡时间（年月日）") == "返乡时间"
    assert header_key("身份证号码(18位)") == header_key("身份证 号码") == "身份证号码"


def test_a_two_row_header_under_a_title_is_found_with_its_merged_cells() -> None:
    rows = [["2024年返乡创业人员台账", "2024年返乡创业人员台账", "2024年返乡创业人员台账", None],
            ["序号", "身份信息", "身份信息", "返乡时间"],
            [None, "姓名", "公民身份号码", None],
            [1, "王芳", "370303198501010012", "2024-03-05"]]

    header = find_header(rows, CASES.synonyms())

    assert header.last_row == 3
    assert header.fields == {1: "name", 2: "id_number", 3: "returned_on"}
    assert header.titles[2] == "公民身份号码" and header.ignored == ("序号",)


def test_a_mapping_names_a_column_the_words_do_not_know_and_leaves_one_out() -> None:
    rows = [["名 字", "证件编码", "手机号"], ["王芳", "370303198501010012", "13800000000"]]

    header = find_header(rows, CASES.synonyms(), {"证件编码": "id_number", "手机号": None})

    assert header.fields == {0: "name", 1: "id_number"} and header.ignored == ("手机号",)


def test_a_sheet_without_a_header_is_refused() -> None:
    with pytest.raises(LedgerFileError) as refused:
        find_header([["a", "b"], [1, 2]], CASES.synonyms())

    assert refused.value.code == "no_header"


def test_merged_cells_of_a_workbook_hold_their_value_in_every_cell() -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["序号", "身份信息", None, "返乡时间"])
    sheet.append([None, "姓名", "身份证号", None])
    sheet.merge_cells("A1:A2")
    sheet.merge_cells("B1:C1")
    sheet.merge_cells("D1:D2")
    data = io.BytesIO()
    book.save(data)

    read = LedgerFile.of("台账.xlsx", data.getvalue()).read()

    assert read.rows[0] == ["序号", "身份信息", "身份信息", "返乡时间"]
    assert read.rows[1] == ["序号", "姓名", "身份证号", "返乡时间"]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_csv_is_read_in_the_encodings_excel_saves(encoding: str) -> None:
    text = "姓名,身份证号,返乡时间\n王芳,370303198501010012,2024/3/5\n"

    read = LedgerFile.of("台账.csv", text.encode(encoding)).read()

    assert read.rows == [["姓名", "身份证号", "返乡时间"],
                         ["王芳", "370303198501010012", "2024/3/5"]]


@pytest.mark.parametrize(("data", "code"), [
    (b"", "empty"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500), "xls"),
    (b"PK\x03\x04 not really a zip", "unreadable"),
])
def test_a_file_that_is_no_ledger_is_refused_with_its_reason(data: bytes, code: str) -> None:
    with pytest.raises(LedgerFileError) as refused:
        LedgerFile.of("台账.xlsx", data).read()

    assert refused.value.code == code


def test_the_same_bytes_have_the_same_hash_whatever_the_file_is_called(tmp_path: Path) -> None:
    first = LedgerFile.of("a.csv", "姓名\n王芳\n".encode())
    second = LedgerFile.of("b.csv", "姓名\n王芳\n".encode())

    assert first.sha256 == second.sha256 and len(first.sha256) == 64
