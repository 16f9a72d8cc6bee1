"""Realistic returnee ledgers (实名制台账), as bureaus keep them, made for tests and benchmarks.

A title row merged over the sheet, a two-row header with group headers
(身份信息, 返乡信息) merged over their columns and single headers merged down
both rows, full-width digits, spaces inside numbers, 15-digit ID numbers,
places written as codes or in words, dates as text in several forms, as date
cells and as Excel serial numbers; and, where asked, a few bad rows and rows
that repeat an earlier row's ID number.
"""

from __future__ import annotations

import csv
import io
import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import openpyxl

from domain.codes import id_check_character
from domain.values import today

TITLE = "张店区返乡入乡创业人员实名制台账"
#: Row 2 (group headers) and row 3 of the header; None: merged from the cell above.
GROUPS = ["序号", "身份信息", None, None, "手机号码", "户籍所在地", "返乡信息", None,
          "登记日期", "经办人", "是否残疾人", "贷款人员类别", "备注"]
SUBHEADERS = [None, "姓名", "公民身份号码", "性别", None, None, "返乡时间（年月日）", "人员类别",
              None, None, None, None, None]
#: The header of the CSV variant: one row, other words for the same fields.
CSV_HEADER = ["序号", "名字", "身份证号码", "性别", "联系电话", "户籍地", "返乡日期", "返乡类型",
              "建档日期", "经办人", "残疾人", "贷款扶持对象", "说明"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰建国志红春梅海波宁"
RETURNEE_WORDS = ["农民工", "农民工", "农民工", "高校毕业生", "退役军人", "其他"]
HUKOU_FORMS = ["370303", "淄博市张店区", "山东省淄博市张店区", "张店区", "３７０３０３"]
DATE_FORMS = ["iso", "slash", "dots", "chinese", "digits", "cell", "serial"]
EXCEL_EPOCH = date(1899, 12, 30)


@dataclass
class Ledger:
    """A ledger made for a test, and what a correct import of it does."""

    path: Path
    #: Sheet row numbers of the rows that must be imported.
    good: list[int] = field(default_factory=list)
    #: Row number → the field the row is refused for.
    bad: dict[int, str] = field(default_factory=dict)
    #: Row number → the earlier row that holds the same ID number.
    repeats: dict[int, int] = field(default_factory=dict)
    #: Row number → the 18-digit ID number the row holds (good rows and repeats).
    id_numbers: dict[int, str] = field(default_factory=dict)
    #: Row number → the row's name.
    names: dict[int, str] = field(default_factory=dict)
    #: Row number → the row's return date.
    returned: dict[int, date] = field(default_factory=dict)


def _id_number(rng: random.Random, issued: set[str], born: date) -> str:
    while True:
        first17 = f"370303{born:%Y%m%d}{rng.randrange(1000):03d}"
        if first17 not in issued:
            issued.add(first17)
            return first17 + id_check_character(first17)


def _full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in text)


def _date_cell(day: date, form: str) -> Any:
    if form == "iso":
        return day.isoformat()
    if form == "slash":
        return f"{day.year}/{day.month}/{day.day}"
    if form == "dots":
        return f"{day.year}.{day.month}.{day.day}"
    if form == "chinese":
        return f"{day.year}年{day.month}月{day.day}日"
    if form == "digits":
        return f"{day:%Y%m%d}"
    if form == "cell":
        return datetime(day.year, day.month, day.day)
    return (day - EXCEL_EPOCH).days  # an Excel serial number in a General cell


def _id_cell(number: str, rng: random.Random, n: int) -> Any:
    """The ID as a ledger holds it: plain, full-width, spaced, 15 digits (text or number)."""
    style = n % 7
    if style == 1:
        return _full_width(number)
    if style == 2:
        return f"{number[:6]} {number[6:14]} {number[14:]}"
    if style == 3 and number[6:8] == "19":
        old = number[:6] + number[8:17]
        return old if n % 2 else int(old)
    if style == 4:
        return number.lower()
    return number


#: The refused rows: (what is wrong, the field the report must name, how to spoil the row).
BAD_ROWS: list[tuple[str, str]] = [
    ("check character", "id_number"),
    ("ID typed as a number", "id_number"),
    ("unreadable return date", "returned_on"),
    ("return date in the future", "returned_on"),
    ("unknown returnee type", "returnee_type"),
    ("no name", "name"),
    ("unknown place", "hukou_division"),
    ("registered before the return", "returned_on"),
    ("bad mobile", "mobile"),
    ("name with digits", "name"),
]


def make_rows(count: int, *, seed: int = 10, bad: bool = True, repeats: int = 2,
              caseworker: str = "cw.zhang", first_row: int = 4
              ) -> tuple[list[list[Any]], Ledger]:
    """The data rows of a ledger (``first_row`` is the sheet row of the first one)."""
    rng = random.Random(seed)
    issued: set[str] = set()
    ledger = Ledger(Path())
    rows: list[list[Any]] = []
    bad_at = {first_row + 7 + i * max(count // len(BAD_ROWS), 1): case
              for i, case in enumerate(BAD_ROWS)} if bad else {}
    repeat_at = {first_row + count - 1 - 3 * i for i in range(repeats)}
    end = today() - timedelta(days=30)
    for n in range(count):
        number = first_row + n
        born = date(1965, 1, 1) + timedelta(days=rng.randrange(35 * 365))
        id_number = _id_number(rng, issued, born)
        returned = end - timedelta(days=rng.randrange(60, 1500))
        registered = returned + timedelta(days=rng.randrange(0, 50))
        sex = "男" if int(id_number[16]) % 2 else "女"
        name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
        mobile = f"1{rng.choice('3589')}{rng.randrange(10**9):09d}"
        mobile_cell = [mobile, f"{mobile[:3]} {mobile[3:7]} {mobile[7:]}", f"+86 {mobile}",
                       _full_width(mobile), int(mobile)][n % 5]
        form = DATE_FORMS[n % len(DATE_FORMS)]
        row = [n + 1, name, _id_cell(id_number, rng, n), sex, mobile_cell,
               HUKOU_FORMS[n % len(HUKOU_FORMS)], _date_cell(returned, form),
               RETURNEE_WORDS[n % len(RETURNEE_WORDS)],
               _date_cell(registered, DATE_FORMS[(n + 3) % len(DATE_FORMS)]),
               caseworker, "是" if n % 41 == 0 else "否",
               "返乡创业农民工" if n % 3 == 0 else
               ("退役军人、就业困难人员" if n % 7 == 0 else None),
               "返乡开办农家乐" if n % 11 == 0 else None]
        if number in repeat_at and n > 10:
            earlier = rng.choice([g for g in ledger.good if g < first_row + 7])
            row = [n + 1, *rows[earlier - first_row][1:]]  # a row pasted twice
            ledger.repeats[number] = earlier
        elif number in bad_at:
            what, spoiled = bad_at[number]
            _spoil(row, what, id_number)
            ledger.bad[number] = spoiled
        else:
            ledger.good.append(number)
            ledger.id_numbers[number] = id_number
            ledger.names[number] = name
            ledger.returned[number] = returned
        rows.append(row)
    return rows, ledger


def _spoil(row: list[Any], what: str, id_number: str) -> None:
    wrong = "0" if id_number[-1] != "0" else "1"
    if what == "check character":
        row[2] = id_number[:17] + wrong
    elif what == "ID typed as a number":
        row[2] = float(id_number[:17] + "0") if id_number[-1] == "X" else float(id_number)
    elif what == "unreadable return date":
        row[6] = "2023-13-45"
    elif what == "return date in the future":
        row[6] = (today() + timedelta(days=40)).isoformat()
    elif what == "unknown returnee type":
        row[7] = "个体工商户"
    elif what == "no name":
        row[1] = None
    elif what == "unknown place":
        row[5] = "火星区"
    elif what == "registered before the return":
        row[6], row[8] = "2024-05-01", "2024-04-01"
    elif what == "bad mobile":
        row[4] = "12345"
    elif what == "name with digits":
        row[1] = "张3"


def write_xlsx(path: Path, count: int, **options: Any) -> Ledger:
    """A workbook with a title row, a two-row merged header, the rows and a blank row or two."""
    rows, ledger = make_rows(count, **options)
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "2024年台账"
    width = len(GROUPS)
    sheet.append([TITLE] + [None] * (width - 1))
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    sheet.append(GROUPS)
    sheet.append(SUBHEADERS)
    for column, sub in enumerate(SUBHEADERS, start=1):
        if sub is None:
            sheet.merge_cells(start_row=2, start_column=column, end_row=3, end_column=column)
    sheet.merge_cells("B2:D2")
    sheet.merge_cells("G2:H2")
    for index, row in enumerate(rows):
        sheet.append(row)
        if index == len(rows) // 2:
            sheet.append([None] * width)  # a blank line a clerk left
            sheet.append([index + 2] + [None] * (width - 1))  # a numbered, empty row
    for cell in sheet["G"][3:] + sheet["I"][3:]:
        if isinstance(cell.value, datetime):
            cell.number_format = "yyyy-mm-dd"
    book.create_sheet("说明").append(["填表说明：身份证号请以文本格式填写"])
    # The two inserted blank rows move every later row down by two.
    shift = _shifted(rows, ledger, 4 + len(rows) // 2 + 1)
    shift.path = path
    book.save(path)
    return shift


def _shifted(rows: list[list[Any]], ledger: Ledger, from_row: int) -> Ledger:
    def move(number: int) -> int:
        return number + 2 if number >= from_row else number

    return Ledger(
        ledger.path, [move(n) for n in ledger.good], {move(n): f for n, f in ledger.bad.items()},
        {move(n): move(e) for n, e in ledger.repeats.items()},
        {move(n): v for n, v in ledger.id_numbers.items()},
        {move(n): v for n, v in ledger.names.items()},
        {move(n): v for n, v in ledger.returned.items()})


def write_csv(path: Path, count: int, *, encoding: str = "gb18030", **options: Any) -> Ledger:
    """The same kind of ledger as Excel saves it as CSV: one header row, dates as text."""
    rows, ledger = make_rows(count, first_row=2, **options)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_HEADER)
    for row in rows:
        writer.writerow([_as_text(v) for v in row])
    path.write_bytes(out.getvalue().encode(encoding))
    ledger.path = path
    return ledger


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return f"{value.year}/{value.month}/{value.day}"
    if isinstance(value, float) and value.is_integer():
        return f"{value:.14E}"  # how Excel writes a long number it holds as a number
    return str(value)
