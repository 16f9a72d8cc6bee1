"""Which row of a sheet is its header, and which field each column holds.

A ledger's header is found by its words: the row (or pair of rows, for a
group header such as 身份信息 over 姓名 | 身份证号) in which the most cells
name a known field.  Header words are compared after folding full-width
forms, dropping spaces, a required-field star and notes in brackets
(``返乡时间（年月日）`` is ``返乡时间``).  The user may map a header to a field,
or to nothing, whatever the defaults say.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from application.ledger.sheets import LedgerFileError

#: How far down a sheet the header is looked for (title rows, notes, blank rows).
HEADER_SCAN_ROWS = 20
_NOTE = re.compile(r"\([^)]*\)|\[[^\]]*\]|【[^】]*】")
_NOISE = re.compile(r"[\s*:：\u200b]+")


def header_key(raw: Any) -> str:
    """A header cell as it is compared: folded, without spaces, stars and notes."""
    if raw is None:
        return ""
    value = unicodedata.normalize("NFKC", str(raw))
    return _NOISE.sub("", _NOTE.sub("", value))


@dataclass(frozen=True)
class Header:
    """Where the header is and what each column holds."""

    #: The sheet row (1-based) of the header's last row; data starts on the next one.
    last_row: int
    #: Column index (0-based) → field name.
    fields: dict[int, str]
    #: Column index → the header as the file writes it (for messages and the report).
    titles: dict[int, str]
    #: Headers of columns that hold no field (not imported).
    ignored: tuple[str, ...]

    def title_of(self, field: str) -> str | None:
        for column, name in self.fields.items():
            if name == field:
                return self.titles[column]
        return None


def find_header(rows: Sequence[Sequence[Any]], synonyms: Mapping[str, str],
                mapping: Mapping[str, str | None] | None = None) -> Header:
    """The header of a sheet; ``synonyms`` maps header keys to fields, ``mapping`` overrides.

    ``mapping`` maps a header (as written, or its key) to a field, or to None
    to leave that column out.
    """
    words = {**synonyms, **{header_key(k): v for k, v in (mapping or {}).items()}}
    best: tuple[int, int, int] | None = None  # (score, first row, rows)
    for first in range(min(HEADER_SCAN_ROWS, len(rows))):
        for span in (1, 2):
            if first + span > len(rows):
                continue
            score = len(_match(rows[first:first + span], words)[0])
            if score and (best is None or score > best[0]):
                best = (score, first, span)
    if best is None or best[0] < 2:
        raise LedgerFileError("no_header", "no header row naming the ledger's columns was found")
    _, first, span = best
    fields, titles = _match(rows[first:first + span], words)
    ignored = []
    for column in range(max(len(r) for r in rows[first:first + span])):
        written = [r[column] for r in rows[first:first + span]
                   if column < len(r) and header_key(r[column])]
        if column not in fields and written:
            ignored.append(str(written[-1]).strip())
    return Header(first + span, fields, titles, tuple(dict.fromkeys(ignored)))


def _match(header_rows: Sequence[Sequence[Any]], words: Mapping[str, str | None]
           ) -> tuple[dict[int, str], dict[int, str]]:
    """Each column's field, reading the lower header row first; a field taken once."""
    width = max(len(row) for row in header_rows)
    fields: dict[int, str] = {}
    titles: dict[int, str] = {}
    for column in range(width):
        for row in reversed(header_rows):
            cell = row[column] if column < len(row) else None
            key = header_key(cell)
            if key in words:
                field = words[key]
                if field is not None and field not in fields.values():
                    fields[column], titles[column] = field, str(cell).strip()
                break
    return fields, titles
