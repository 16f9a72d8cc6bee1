"""Export files on their own: neutralised formulas, CSV for Excel, full XLSX sheets go on."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from web.cli import export_files
from web.cli.export_files import csv_line, neutralised, write_export

HEADER = {"export": "events", "position": 8, "position_recorded_at": "2025-01-02T03:04:05+08:00",
          "personal_data": "masked", "filters": {"district": ["370303"]}}


@pytest.mark.parametrize("text", ["=1+2", "+86", "-1", "@SUM(A1)", "\tx", "\rx"])
def test_text_a_spreadsheet_would_run_gets_a_leading_quote(text: str) -> None:
    assert neutralised(text) == "'" + text


def test_other_text_is_left_alone() -> None:
    assert [neutralised(t) for t in ("张三", "", "a=b", "'=x")] == ["张三", "", "a=b", "'=x"]


def test_csv_has_a_bom_crlf_and_a_metadata_row(tmp_path: Path) -> None:
    out = tmp_path / "e.csv"

    rows, digest = write_export(out, "csv", HEADER, ("a", "b"), [(1, "=x"), (2, {"k": "王"})])

    data = out.read_bytes()
    assert rows == 2 and len(digest) == 64
    assert data.startswith("\ufeffhomeward-export,export=events,position=8,".encode())
    assert data.endswith(b'2,"{""k"":""\xe7\x8e\x8b""}"\r\n')
    assert b"\r\n1,'=x\r\n" in data and b"filters=district=370303" in data


def test_a_full_xlsx_sheet_goes_on_in_the_next(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(export_files, "XLSX_MAX_ROWS", 5)
    out = tmp_path / "e.xlsx"

    rows, _ = write_export(out, "xlsx", HEADER, ("n",), [(n,) for n in range(8)])

    book = openpyxl.load_workbook(out, read_only=True)
    assert rows == 8 and book.sheetnames == ["events", "events-2", "events-3"]
    values = [[r[0] for r in sheet.iter_rows(values_only=True)] for sheet in book.worksheets]
    assert [v[2:] for v in values] == [[0, 1, 2], [3, 4, 5], [6, 7]]
    assert all(v[:2] == ["homeward-export", "n"] for v in values)
    assert book.properties.keywords == "position=8"


def test_an_export_that_fails_leaves_no_file(tmp_path: Path) -> None:
    def rows() -> object:
        yield (1,)
        raise RuntimeError("the store went away")

    with pytest.raises(RuntimeError):
        write_export(tmp_path / "e.jsonl", "jsonl", HEADER, ("n",), rows())  # type: ignore[arg-type]

    assert list(tmp_path.iterdir()) == []


CELL = st.one_of(
    st.none(), st.booleans(), st.integers(), st.decimals(allow_nan=False),
    st.text(alphabet=st.sampled_from(list(',"\r\n\t =+-@\'x王 ')), max_size=12),
    st.text(max_size=20),
    st.dictionaries(st.text(max_size=5), st.one_of(st.none(), st.integers(), st.text(max_size=8)),
                    max_size=3),
)


@settings(max_examples=500)
@given(st.lists(st.lists(CELL, min_size=1, max_size=6).map(tuple), max_size=5))
def test_csv_lines_are_what_the_csv_writer_writes(rows: list[tuple[object, ...]]) -> None:
    expected = io.StringIO()
    writer = csv.writer(expected, lineterminator="\r\n")
    for row in rows:
        writer.writerow(export_files._cells(row))

    assert "".join(csv_line(row) for row in rows) == expected.getvalue()
