"""The report of an import: a copy of the ledger with a result column.

An XLSX ledger is copied as it is (its sheets, formats and formulas) and the
sheet read gets one more column, headed on the header's last row, with what
became of each data row; refused rows are shaded red and duplicates amber.
A CSV ledger becomes a workbook of its rows, every cell as text.  The copy
holds whatever the file held, ID numbers in clear included: it is the
bureau's own file, and goes where the file came from.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Mapping
from pathlib import Path

from application.ledger.importer import Outcome, Status
from application.ledger.sheets import LedgerFile

_SHADES = {Status.REFUSED: "FFF4CCCC", Status.DUPLICATE: "FFFFE7B3"}


def write_report(ledger: LedgerFile, outcome: Outcome, notes: Mapping[int, str],
                 title: str, out: Path) -> None:
    """Write the copy of ``ledger`` with ``notes`` (sheet row → text) under ``title``."""
    import openpyxl
    from openpyxl.styles import Font, PatternFill

    if ledger.kind == "xlsx":
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            book = openpyxl.load_workbook(io.BytesIO(ledger.data))
        sheet = book.worksheets[outcome.sheet_index]
    else:
        book = openpyxl.Workbook()
        sheet = book.active
        sheet.title = "ledger"
        for values in ledger.read().rows:
            sheet.append(values)
            for cell in sheet[sheet.max_row]:
                cell.data_type = "s"  # a cell that starts with = stays text, never a formula
    column = max(sheet.max_column, max(outcome.header.fields, default=0) + 1) + 1
    head = sheet.cell(outcome.header.last_row, column, title)
    head.font = Font(bold=True)
    statuses = {r.row: r.status for r in outcome.rows}
    for row, note in notes.items():
        cell = sheet.cell(row, column, note)
        cell.data_type = "s"
        shade = _SHADES.get(statuses.get(row, Status.READY))
        if shade:
            cell.fill = PatternFill("solid", fgColor=shade)
    sheet.column_dimensions[head.column_letter].width = 60
    scratch = out.with_name(f".{out.name}.part")
    try:
        book.save(scratch)
        scratch.replace(out)
    finally:
        scratch.unlink(missing_ok=True)

