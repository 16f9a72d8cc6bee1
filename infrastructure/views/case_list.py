"""The case list on SQL."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from eventsourcing.persistence import Tracking
from sqlalchemy import (
    Column,
    Connection,
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
    text,
)

from application.projections import Page
from application.projections.case_list import SORTS, CaseListView, CaseQuery, CaseRow
from infrastructure.views.base import SQLView, ddl_lock, row_values, utc

#: Filters the counts table cannot answer: a query with one of these counts its cases.
UNCOUNTED = ("text", "id_hash", "caseworker_id", "stage", "returnee_type")

#: The shape of the rows; a new shape gets new tables and its own tracking
#: position, so an existing store builds the new shape from the log by itself.
SHAPE = 3


class SQLCaseListView(SQLView, CaseListView):
    """``case_list_v3_gN``: one row per case; ``case_list_v3_counts_gN``: how many cases
    each district has in each status, kept by triggers in the same transaction.

    A district's page shows its total: counting 17,000 index entries for each page cost
    more than the page itself, and several times more once updates had left the
    table's pages not all-visible (a PostgreSQL index-only scan then reads the rows).
    """

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
        counts = Table(
            f"case_list_v{SHAPE}_counts{suffix}", metadata,
            Column("district", String(6), primary_key=True),
            Column("status", String(8), primary_key=True),
            Column("n", Integer, nullable=False),
        )
        return {"cases": table, "counts": counts}

    def complete_tables(self, conn: Connection, tables: dict[str, Table], *,
                        loaded: bool) -> None:
        cases, counts = tables["cases"], tables["counts"]
        if self.db.is_postgres:
            # One function per schema, told its counts table by the trigger.
            ddl_lock(conn, cases.schema, FUNCTION)
            found = conn.execute(text(
                "SELECT count(*) FROM pg_trigger WHERE tgrelid = CAST(:t AS regclass)"
                " AND tgname LIKE 'count_%'"), {"t": _qualified(conn, cases)}).scalar()
            if found:
                return
        elif conn.execute(text("SELECT count(*) FROM sqlite_master WHERE type = 'trigger'"
                               " AND tbl_name = :t"), {"t": cases.name}).scalar():
            return
        if loaded:
            conn.execute(counts.insert().from_select(
                ["district", "status", "n"],
                select(cases.c.district, cases.c.status, func.count())
                .group_by(cases.c.district, cases.c.status)))
        preparer = conn.dialect.identifier_preparer
        if self.db.is_postgres:
            schema = f"{preparer.quote_schema(cases.schema)}." if cases.schema else ""
            statements = _pg_triggers(_qualified(conn, cases), f"{schema}{FUNCTION}",
                                      counts.name)
        else:
            statements = _sqlite_triggers(_qualified(conn, cases), _qualified(conn, counts),
                                          cases.name)
        for statement in statements:
            conn.execute(text(statement))

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
            total = int(conn.execute(self._count(tables, query, conditions)).scalar() or 0)
            # Ties go by case number in the same direction, so that an index on
            # (district, sort, case_no) gives a page's rows in order, read backwards
            # for a descending sort, without sorting the district's every case.
            columns = [table.c[query.sort if query.sort in SORTS else "enrolled_on"],
                       table.c.case_no]
            per_page = max(1, min(query.per_page, 200))
            page = max(1, query.page)
            skip, take, descending = (page - 1) * per_page, per_page, query.descending
            # A page nearer the end is read from the end, and its rows turned round:
            # the index entries walked to reach a page are at most half the cases.
            from_end = 0 < skip < total and total - skip - per_page < skip
            if from_end:
                skip, take = max(0, total - skip - per_page), min(per_page, total - skip)
                descending = not descending
            order = [c.desc() for c in columns] if descending else columns
            # The page's cases are found first, by their ids alone, and only those
            # rows are read: skipping to a deep page walks index entries, not rows.
            ids = (select(table.c.case_id).where(*conditions).order_by(*order)
                   .limit(take).offset(skip))
            found = [_row(r._mapping) for r in conn.execute(
                select(table).where(table.c.case_id.in_(ids)).order_by(*order))]
            return Page(tuple(reversed(found) if from_end else found), total, page, per_page)

    @staticmethod
    def _count(tables: dict[str, Table], query: CaseQuery, conditions: list[Any]) -> Any:
        """How many cases the query finds: from the counts table when it filters by
        district and status alone, else by counting the matching cases."""
        if any(getattr(query, name) for name in UNCOUNTED):
            return select(func.count()).select_from(tables["cases"]).where(*conditions)
        counts = tables["counts"]
        where = []
        if query.districts:
            where.append(counts.c.district.in_(query.districts))
        if query.district_prefix:
            where.append(_within(counts.c.district, query.district_prefix))
        if query.status:
            where.append(counts.c.status == query.status)
        return select(func.coalesce(func.sum(counts.c.n), 0)).where(*where)

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


#: The PostgreSQL trigger function that keeps a generation's counts (``TG_ARGV[0]``).
FUNCTION = f"case_list_v{SHAPE}_count"


def _qualified(conn: Connection, table: Table) -> str:
    return conn.dialect.identifier_preparer.format_table(table)


def _pg_triggers(cases: str, function: str, counts_name: str) -> list[str]:
    """The function (its table's schema and ``TG_ARGV[0]`` name the counts table) and
    the triggers: a case added or removed, a case moved to another district or status."""
    change = ("EXECUTE format('UPDATE %I.%I SET n = n - 1 WHERE district = $1 AND status = $2',"
              " TG_TABLE_SCHEMA, TG_ARGV[0]) USING OLD.district, OLD.status;"
              " EXECUTE format('DELETE FROM %I.%I WHERE district = $1 AND status = $2"
              " AND n = 0', TG_TABLE_SCHEMA, TG_ARGV[0]) USING OLD.district, OLD.status;")
    add = ("EXECUTE format('INSERT INTO %I.%I AS c (district, status, n) VALUES ($1, $2, 1)"
           " ON CONFLICT (district, status) DO UPDATE SET n = c.n + 1',"
           " TG_TABLE_SCHEMA, TG_ARGV[0]) USING NEW.district, NEW.status;")
    return [
        f"CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$"
        f" BEGIN IF TG_OP <> 'INSERT' THEN {change} END IF;"
        f" IF TG_OP <> 'DELETE' THEN {add} END IF; RETURN NULL; END $$",
        f"CREATE TRIGGER count_added_or_removed AFTER INSERT OR DELETE ON {cases}"
        f" FOR EACH ROW EXECUTE FUNCTION {function}('{counts_name}')",
        f"CREATE TRIGGER count_moved AFTER UPDATE OF district, status ON {cases}"
        f" FOR EACH ROW WHEN (OLD.district IS DISTINCT FROM NEW.district"
        f" OR OLD.status IS DISTINCT FROM NEW.status)"
        f" EXECUTE FUNCTION {function}('{counts_name}')",
    ]


def _sqlite_triggers(cases: str, counts: str, cases_name: str) -> list[str]:
    """The same triggers in SQLite, whose trigger names are the schema's (hence the suffix)."""
    add = (f"INSERT INTO {counts} (district, status, n) VALUES (NEW.district, NEW.status, 1)"
           f" ON CONFLICT (district, status) DO UPDATE SET n = n + 1;")
    remove = (f"UPDATE {counts} SET n = n - 1 WHERE district = OLD.district"
              f" AND status = OLD.status; DELETE FROM {counts} WHERE district = OLD.district"
              f" AND status = OLD.status AND n = 0;")
    return [
        f"CREATE TRIGGER count_added_{cases_name} AFTER INSERT ON {cases} BEGIN {add} END",
        f"CREATE TRIGGER count_removed_{cases_name} AFTER DELETE ON {cases} BEGIN {remove} END",
        f"CREATE TRIGGER count_moved_{cases_name} AFTER UPDATE OF district, status ON {cases}"
        f" WHEN OLD.district IS NOT NEW.district OR OLD.status IS NOT NEW.status"
        f" BEGIN {remove} {add} END",
    ]


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
