"""Export files: CSV, XLSX and JSON Lines, written row by row, the same bytes every time.

Each file first states what it is: JSON Lines a header object on its first
line (``{"export": "events", "position": 1234, …}``; every further line is one
row), CSV and XLSX a first row of ``key=value`` cells above the column names.
CSV is UTF-8 with a BOM (so that Excel reads Chinese) and CRLF line ends.
A text cell that a spreadsheet would run as a formula (it starts with ``=``,
``+``, ``-``, ``@``, a tab or a carriage return) gets a leading ``'`` in CSV and
XLSX; JSON Lines is data and keeps it as it is.  An XLSX file carries the
time of the export's position as its created and modified times and as the
time of every zip entry, so regenerating it gives the same bytes.

A file is written beside ``out`` under a hidden temporary name and renamed
into place once complete: a failed export leaves no partial file.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, TextIO
from zipfile import ZIP_DEFLATED, ZipFile, ZipInfo

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.writer.excel import ExcelWriter

from application.event_export import fields_json

FORMATS = ("csv", "xlsx", "jsonl")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_FORMULA_FIRST = frozenset(FORMULA_STARTS)
XLSX_MAX_ROWS = 1_048_576
#: A zip entry cannot be dated before 1980; an export of an empty log is dated so.
EPOCH = datetime(1980, 1, 1, tzinfo=UTC)


def neutralised(value: str) -> str:
    """Text a spreadsheet will show, never run."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def _cells(row: tuple[Any, ...]) -> list[Any]:
    """A row's cells: text neutralised, an event's fields as JSON (inlined: it runs per cell)."""
    return [("'" + v if v[:1] in _FORMULA_FIRST else v) if v.__class__ is str
            else fields_json(v) if v.__class__ is dict else v for v in row]


def metadata_cells(header: dict[str, Any]) -> list[str]:
    """The header as ``key=value`` cells (filters as ``district=…; from=…``)."""
    filters = "; ".join(f"{k}={','.join(v) if isinstance(v, list) else v}"
                        for k, v in header["filters"].items())
    return ["homeward-export", *(f"{k}={'' if v is None else v}" for k, v in header.items()
                                 if k != "filters"), f"filters={filters}"]


def write_export(out: Path, file_format: str, header: dict[str, Any], columns: tuple[str, ...],
                 rows: Iterable[tuple[Any, ...]]) -> tuple[int, str]:
    """Write the file; returns how many rows it holds and its SHA-256."""
    writer = {"csv": _csv, "xlsx": _xlsx, "jsonl": _jsonl}[file_format]
    return write_atomically(out, lambda path: writer(path, header, columns, rows))


def write_atomically(out: Path, write: Callable[[Path], int]) -> tuple[int, str]:
    """Run ``write`` on a hidden file beside ``out``, then rename it into place.

    Returns what ``write`` returns (the rows) and the file's SHA-256; if
    anything fails, the hidden file is removed and ``out`` is left as it was.
    """
    out = out.resolve()
    handle, temporary = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".part")
    os.close(handle)
    try:
        count = write(Path(temporary))
        digest = hashlib.sha256()
        with open(temporary, "rb") as written:
            while chunk := written.read(1 << 20):
                digest.update(chunk)
        os.replace(temporary, out)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return count, digest.hexdigest()


def open_text(path: Path, file_format: str) -> TextIO:
    """A text file as a format writes it (UTF-8; CSV's line ends are in its lines)."""
    return open(path, "w", encoding="utf-8", newline="" if file_format == "csv" else "\n")


def _csv(path: Path, header: dict[str, Any], columns: tuple[str, ...],
         rows: Iterable[tuple[Any, ...]]) -> int:
    with open_text(path, "csv") as out:
        write_head(out, "csv", header, columns)
        return csv_rows(out, columns, rows)


def _jsonl(path: Path, header: dict[str, Any], columns: tuple[str, ...],
           rows: Iterable[tuple[Any, ...]]) -> int:
    with open_text(path, "jsonl") as out:
        write_head(out, "jsonl", header, columns)
        return jsonl_rows(out, columns, rows)


def write_head(out: TextIO, file_format: str, header: dict[str, Any],
               columns: tuple[str, ...]) -> None:
    """What a CSV or JSON Lines file says of itself, before its rows.

    A CSV file starts with a byte order mark, so that Excel reads it as UTF-8
    (written here, not by the ``utf-8-sig`` codec, whose encoder is Python code
    run on every later write too).
    """
    if file_format == "csv":
        out.write("\ufeff")
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(_cells(tuple(metadata_cells(header))))
        writer.writerow(columns)
    else:
        out.write(_dumps({**header, "columns": list(columns)}) + "\n")


def csv_rows(out: TextIO, columns: tuple[str, ...], rows: Iterable[tuple[Any, ...]]) -> int:
    """Write the rows as CSV lines; returns how many."""
    count, write, line = 0, out.write, csv_line
    for row in rows:
        write(line(row))
        count += 1
    return count


def csv_line(row: tuple[Any, ...]) -> str:
    """A row's CSV line, as ``csv.writer`` (minimal quoting, CRLF) writes its ``_cells``.

    Written out here because it runs for every row of an export and the csv
    module's writer takes longer over an event's fields than decoding them;
    tests hold it to ``csv.writer`` on every kind of value.
    """
    cells = []
    for value in row:
        kind = value.__class__
        if kind is str:
            if value[:1] in _FORMULA_FIRST:
                value = "'" + value
        elif kind is dict:
            value = fields_json(value)
        elif value is None:
            cells.append("")
            continue
        else:
            value = str(value)
        if '"' in value:
            value = '"' + value.replace('"', '""') + '"'
        elif "," in value or "\n" in value or "\r" in value:
            value = '"' + value + '"'
        cells.append(value)
    if cells == [""]:  # a lone empty cell is quoted, or the line would read as no cell
        return '""\r\n'
    return ",".join(cells) + "\r\n"


def jsonl_rows(out: TextIO, columns: tuple[str, ...], rows: Iterable[tuple[Any, ...]]) -> int:
    """Write the rows as JSON Lines; returns how many."""
    count, write, dumps = 0, out.write, _dumps
    for row in rows:
        write(dumps(dict(zip(columns, row, strict=True))) + "\n")
        count += 1
    return count


_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
#: The formats whose rows can be written in parts and the parts joined.
ROW_WRITERS = {"csv": csv_rows, "jsonl": jsonl_rows}


def _xlsx_cells(row: tuple[Any, ...] | list[Any]) -> list[Any]:
    return [ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v for v in _cells(row)]


def _xlsx(path: Path, header: dict[str, Any], columns: tuple[str, ...],
          rows: Iterable[tuple[Any, ...]]) -> int:
    workbook = Workbook(write_only=True)
    stamp = _stamp(header)
    properties = workbook.properties
    properties.creator = "Homeward"
    properties.title = f"homeward export {header['export']} at position {header['position']}"
    properties.keywords = f"position={header['position']}"
    properties.description = json.dumps(header, ensure_ascii=False, sort_keys=True)
    properties.created = properties.modified = stamp.replace(tzinfo=None)
    sheet, sheets, used, count = None, 0, XLSX_MAX_ROWS, 0
    meta = _xlsx_cells(metadata_cells(header))
    for row in _rows_or_nothing(rows):
        if used >= XLSX_MAX_ROWS:  # a sheet is full: go on in the next one
            sheets += 1
            sheet = workbook.create_sheet(header["export"] + ("" if sheets == 1 else f"-{sheets}"))
            sheet.append(meta)
            sheet.append(list(columns))
            used = 2
        if row is None:
            break
        assert sheet is not None
        sheet.append(_xlsx_cells(row))
        used, count = used + 1, count + 1
    with _FixedTimeZip(path, stamp) as archive:
        ExcelWriter(workbook, archive).write_data()
    return count


def _rows_or_nothing(rows: Iterable[tuple[Any, ...]]) -> Iterable[tuple[Any, ...] | None]:
    """The rows, then None: so an export without rows still gets its sheet and header."""
    yield from rows
    yield None


def _stamp(header: dict[str, Any]) -> datetime:
    recorded = header.get("position_recorded_at")
    moment = datetime.fromisoformat(recorded).astimezone(UTC) if recorded else EPOCH
    return max(moment, EPOCH).replace(microsecond=0)


class _FixedTimeZip(ZipFile):
    """A zip whose every entry is dated ``stamp`` (not the time it was written)."""

    def __init__(self, path: Path, stamp: datetime) -> None:
        super().__init__(path, "w", ZIP_DEFLATED, allowZip64=True)
        self.date_time = stamp.timetuple()[:6]

    def _info(self, name: str) -> ZipInfo:
        info = ZipInfo(name, date_time=self.date_time)  # type: ignore[arg-type]
        info.compress_type = ZIP_DEFLATED
        info.external_attr = 0o600 << 16
        return info

    def writestr(self, zinfo_or_arcname: str | ZipInfo, data: Any,
                 compress_type: int | None = None, compresslevel: int | None = None) -> None:
        name = zinfo_or_arcname if isinstance(zinfo_or_arcname, str) else \
            zinfo_or_arcname.filename
        super().writestr(self._info(name), data)

    def write(self, filename: Any, arcname: Any = None, compress_type: int | None = None,
              compresslevel: int | None = None) -> None:
        with open(filename, "rb") as source, \
                self.open(self._info(str(arcname or filename)), "w", force_zip64=True) as target:
            _copy(source, target)


def _copy(source: IO[bytes], target: IO[bytes]) -> None:
    shutil.copyfileobj(source, target, 1 << 20)
