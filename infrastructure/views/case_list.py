"""The case list on SQL."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from eventsourcing.persistence import Tracking
from sqlalchemy import (
    Column,
    Date,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Uuid,
    and_,
    bindparam,
    func,
    or_,
    select,
)

from application.projections import Page
from application.projections.case_list import SORTS, CaseListView, CaseQuery, CaseRow
from infrastructure.views.base import SQLView, row_values, utc

#: The shape of the rows; a new shape gets new tables and its own tracking
#: position, so an existing store builds the new shape from the log by itself.
SHAPE = 2


class SQLCaseListView(SQLView, CaseListView):
    """``case_list_v2_gN``: one row per case."""

    def tracking_key(self, generation: int) -> str:
        return f"{self.name}.v{SHAPE}@{generation}"

    @cached_property
    def _statements(self) -> dict[Table, Any]:
        return {}

    def define_tables(self, metadata: MetaData, suffix: str) -> dict[str, Table]:
        name = f"case_list_v{SHAPE}{suffix}"
        table = Table(
            name, metadata,
            Column("case_id", Uuid, primary_key=True),
            Column("case_no", String(32), nullable=False),
            Column("name", String(50), nullable=False),
            Column("id_hash", String(64), nullable=False),
            Column("id_masked", String(40), nullable=False),
            Column("mobile_masked", String(20)),
            Column("district", String(6), nullable=False),
            Column("caseworker_id", String(64), nullable=False),
            Column("status", String(8), nullable=False),
            Column("stage", String(16)),
            Column("returnee_type", String(20), nullable=False),
            Column("sex", String(1), nullable=False),
            Column("enrolled_on", Date, nullable=False),
            Column("last_contact_on", Date, nullable=False),
            Column("updated_at", DateTime(timezone=True), nullable=False),
            Column("version", Integer, nullable=False),
            Column("mobile_hash", String(64)),
            Column("name_birth_hash", String(64), nullable=False),
            Index(f"ix_{name}_case_no", "case_no"),
            Index(f"ix_{name}_id_hash", "id_hash"),
            # The district's and the whole list's pages in the default order are read
            # from an index in order (backwards for the newest first), without a sort.
            # It holds the case id too: a page's cases are found in it alone (below).
            Index(f"ix_{name}_district", "district", "enrolled_on", "case_no", "case_id"),
            Index(f"ix_{name}_enrolled", "enrolled_on", "case_no"),
            Index(f"ix_{name}_caseworker", "caseworker_id", "status"),
            # A text search matches the name or the case number: a count reads this alone.
            Index(f"ix_{name}_name", "name", "case_no"),
            Index(f"ix_{name}_mobile_hash", "mobile_hash"),
            Index(f"ix_{name}_name_birth_hash", "name_birth_hash"),
        )
        return {"cases": table}

    def put_case(self, row: CaseRow, tracking: Tracking | None) -> None:
        with self.writing(tracking) as (conn, tables):
            self.upsert(conn, tables["cases"], row_values(row))

    def list_cases(self, query: CaseQuery) -> Page[CaseRow]:
        with self.reading() as (conn, tables):
            table = tables["cases"]
            conditions = []
            if query.text:
                like = f"%{query.text.strip()}%"
                conditions.append(or_(table.c.name.like(like), table.c.case_no.like(like.upper())))
            if query.id_hash:
                conditions.append(table.c.id_hash == query.id_hash)
            if query.districts:
                conditions.append(table.c.district.in_(query.districts))
            if query.district_prefix:
                conditions.append(_within(table.c.district, query.district_prefix))
            for column in ("caseworker_id", "status", "stage", "returnee_type"):
                if getattr(query, column):
                    conditions.append(table.c[column] == getattr(query, column))
            total = conn.execute(select(func.count()).select_from(table).where(*conditions)
                                 ).scalar() or 0
            # Ties go by case number in the same direction, so that an index on
            # (district, sort, case_no) gives a page's rows in order, read backwards
            # for a descending sort, without sorting the district's every case.
            order = [table.c[query.sort if query.sort in SORTS else "enrolled_on"],
                     table.c.case_no]
            order = [c.desc() for c in order] if query.descending else order
            per_page = max(1, min(query.per_page, 200))
            page = max(1, query.page)
            # The page's cases are found first, by their ids alone, and only those
            # rows are read: skipping to a deep page walks index entries, not rows.
            ids = (select(table.c.case_id).where(*conditions).order_by(*order)
                   .limit(per_page).offset((page - 1) * per_page))
            rows = conn.execute(select(table).where(table.c.case_id.in_(ids)).order_by(*order))
            return Page(tuple(_row(r._mapping) for r in rows), int(total), page, per_page)

    def possible_duplicates(self, *, mobile_hash: str | None, name_birth_hash: str | None,
                            limit: int = 20) -> list[CaseRow]:
        if not (mobile_hash or name_birth_hash):
            return []
        with self.reading() as (conn, tables):
            rows = conn.execute(self._duplicates_of(tables["cases"]),
                                {"mobile_hash": mobile_hash or None,
                                 "name_birth_hash": name_birth_hash or None, "limit": limit})
            return [_row(r._mapping) for r in rows]

    def _duplicates_of(self, table: Table) -> Any:
        """The possible-duplicates query of a generation's table, built once per table
        (every enrolment asks it; a NULL hash matches nothing)."""
        statement = self._statements.get(table)
        if statement is None:
            statement = self._statements[table] = (
                select(table)
                .where(or_(table.c.mobile_hash == bindparam("mobile_hash"),
                           table.c.name_birth_hash == bindparam("name_birth_hash")))
                .order_by(table.c.enrolled_on.desc(), table.c.case_no)
                .limit(bindparam("limit")))
        return statement


def _within(column: Any, prefix: str) -> Any:
    """Codes starting with ``prefix``, as an equality or a range the index can serve
    (``LIKE 'p%'`` cannot use a b-tree index under PostgreSQL's usual collations)."""
    if not prefix.isdigit():
        return column.startswith(prefix, autoescape=True)
    if len(prefix) == 6:
        return column == prefix
    following = str(int(prefix) + 1).zfill(len(prefix))
    if len(following) > len(prefix):  # "99…": everything from it on
        return column >= prefix
    return and_(column >= prefix, column < following)


def _row(values: object) -> CaseRow:
    data = dict(values)  # type: ignore[call-overload]
    data["updated_at"] = utc(data["updated_at"])
    return CaseRow(**data)
