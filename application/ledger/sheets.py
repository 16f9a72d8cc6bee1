"""A ledger file (XLSX or CSV) read into a grid of cell values.

XLSX cells keep the types openpyxl gives them (text, int, float, datetime,
bool), and every cell of a merged range holds the range's value, so a header
merged over two rows or a group header over several columns reads as if each
cell had its own.  CSV files are read as Excel saves them: UTF-8 with or
without a byte-order mark, or GB18030 (what a Chinese Excel writes as "CSV").
"""

from __future__ import annotations

import csv
import hashlib
import io
import warnings
import zipfile
from dataclasses import dataclass
from typing import Any

#: The first bytes of an XLSX file (a zip archive) and of an old binary XLS file.
_ZIP_MAGIC = b"PK\x03\x04"
_XLS_MAGIC = b"\xd0\xcf\x11\xe0"


class LedgerFileError(Exception):
    """Raised when a file cannot be read as a ledger (the code names why)."""

    def __init__(self, code: str, message: str, **params: Any) -> None:
        super().__init__(message)
        self.code, self.params = code, params


@dataclass(frozen=True)
class Sheet:
    """One sheet's cells, row by row; ``rows[0]`` is the sheet's row 1."""

    name: str
    index: int
    rows: list[list[Any]]


@dataclass(frozen=True)
class LedgerFile:
    """The bytes of a ledger file, what kind of file it is, and its SHA-256."""

    name: str
    data: bytes
    kind: str
    sha256: str

    @classmethod
    def of(cls, name: str, data: bytes) -> LedgerFile:
        """Recognise the file by its content (its name only breaks a tie)."""
        if not data.strip():
            raise LedgerFileError("empty", "the file is empty")
        if data.startswith(_XLS_MAGIC):
            raise LedgerFileError("xls", "old .xls workbooks are not read: save as .xlsx or .csv")
        kind = "xlsx" if data.startswith(_ZIP_MAGIC) else "csv"
        return cls(name, data, kind, hashlib.sha256(data).hexdigest())

    def sheet_names(self) -> list[str]:
        """The sheets in workbook order (a CSV file has one, named after the file)."""
        if self.kind == "csv":
            return [self.name]
        return list(self._workbook().sheetnames)

    def read(self, sheet: str | None = None) -> Sheet:
        """The named sheet (by default the first) as a grid of values."""
        if self.kind == "csv":
            if sheet not in (None, self.name):
                raise LedgerFileError("no_sheet", f"no sheet {sheet}", sheet=sheet,
                                      sheets=self.name)
            return Sheet(self.name, 0, _csv_rows(self.data))
        workbook = self._workbook()
        names = list(workbook.sheetnames)
        if sheet is not None and sheet not in names:
            raise LedgerFileError("no_sheet", f"no sheet {sheet}", sheet=sheet,
                                  sheets=", ".join(names))
        index = names.index(sheet) if sheet is not None else 0
        return Sheet(names[index], index, _xlsx_rows(workbook.worksheets[index]))

    def _workbook(self) -> Any:
        import openpyxl

        try:
            with warnings.catch_warnings():
                # Files from other programs make openpyxl warn (no default style, unknown
                # extensions); the values are read all the same.
                warnings.simplefilter("ignore")
                return openpyxl.load_workbook(io.BytesIO(self.data), data_only=True)
        except (zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError) as error:
            raise LedgerFileError("unreadable", f"not a readable XLSX workbook: {error}",
                                  error=str(error)) from None


def _xlsx_rows(worksheet: Any) -> list[list[Any]]:
    rows = [list(row) for row in worksheet.iter_rows(values_only=True)]
    for merged in worksheet.merged_cells.ranges:
        top = merged.min_row - 1
        if top >= len(rows):
            continue
        value = rows[top][merged.min_col - 1] if merged.min_col - 1 < len(rows[top]) else None
        for r in range(top, min(merged.max_row, len(rows))):
            row = rows[r]
            if len(row) < merged.max_col:
                row.extend([None] * (merged.max_col - len(row)))
            for c in range(merged.min_col - 1, merged.max_col):
                row[c] = value
    return rows


def _csv_rows(data: bytes) -> list[list[Any]]:
    text = decode_text(data)
    sample = text[:8192]
    try:
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    try:
        return [[cell if cell != "" else None for cell in row]
                for row in csv.reader(io.StringIO(text, newline=""), dialect)]
    except csv.Error as error:
        raise LedgerFileError("unreadable", f"not a readable CSV file: {error}",
                              error=str(error)) from None


def decode_text(data: bytes) -> str:
    """UTF-8 (with or without BOM), else GB18030; anything else is refused."""
    if data.startswith(b"\xef\xbb\xbf"):
        encodings: tuple[str, ...] = ("utf-8-sig",)
    else:
        encodings = ("utf-8", "gb18030")
    for encoding in encodings:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" not in text:
            return text
    raise LedgerFileError("encoding", "the CSV file is neither UTF-8 nor GB18030 text")
