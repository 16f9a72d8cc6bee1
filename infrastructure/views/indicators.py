"""The indicators on SQL."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from eventsourcing.persistence import Tracking
from sqlalchemy import (
    BigInteger,
    Column,
    Date,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Uuid,
    distinct,
    func,
    select,
)

from application.projections.indicators import (
    IndicatorRow,
    IndicatorsView,
    areas,
    check_query,
)
from domain.indicators import Fact
from infrastructure.views.base import SQLView, row_values


class SQLIndicatorsView(SQLView, IndicatorsView):
    """``indicator_facts_gN``: one row per fact; ``indicator_targets_gN``: one per target."""

    def define_tables(self, metadata: MetaData, suffix: str) -> dict[str, Table]:
        facts_name = f"indicator_facts{suffix}"
        facts = Table(
            facts_name, metadata,
            Column("case_id", Uuid, primary_key=True),
            Column("seq", Integer, primary_key=True),
            Column("kpi", String(40), nullable=False),
            Column("on", Date, nullable=False),
            # Text, so that grouping by month is the same SQL on SQLite and PostgreSQL.
            Column("month", String(7), nullable=False),
            Column("district", String(6), nullable=False),
            Column("returnee_type", String(20), nullable=False),
            Column("sex", String(1), nullable=False),
            Column("loan_group", String(40)),
            Column("course", String(30)),
            Column("value", BigInteger, nullable=False),
            Column("person", String(36), nullable=False),
            Column("source_version", Integer, nullable=False),
            Index(f"ix_{facts_name}_on", "kpi", "on"),
            Index(f"ix_{facts_name}_district", "kpi", "district"),
        )
        targets = Table(
            f"indicator_targets{suffix}", metadata,
            Column("district", String(6), primary_key=True),
            Column("year", Integer, primary_key=True),
            Column("kpi", String(40), primary_key=True),
            Column("value", BigInteger, nullable=False),
        )
        return {"facts": facts, "targets": targets}

    def replace_facts(self, case_id: UUID, facts: list[Fact],
                      tracking: Tracking | None) -> None:
        rows = [row_values(f) | {"seq": seq, "month": f.month} for seq, f in enumerate(facts)]
        with self.writing(tracking) as (conn, tables):
            self.replace_group(conn, tables["facts"], "case_id", case_id, rows)

    def put_target(self, district: str, year: int, kpi: str, value: int,
                   tracking: Tracking) -> None:
        with self.writing(tracking) as (conn, tables):
            self.upsert(conn, tables["targets"],
                        {"district": district, "year": year, "kpi": kpi, "value": value})

    def summarise(self, kpi: str, *, date_from: date, date_to: date,
                  districts: tuple[str, ...] = (), by: tuple[str, ...] = (),
                  ) -> list[IndicatorRow]:
        check_query(kpi, by)
        with self.reading() as (conn, tables):
            table = tables["facts"]
            groups = [table.c[name] for name in dict.fromkeys(by)]
            conditions = [table.c.kpi == kpi, table.c.on >= date_from, table.c.on <= date_to]
            if districts:
                conditions.append(table.c.district.in_(
                    [code for district in districts for code in areas(district)]))
            query = (select(*groups, func.count(), func.count(distinct(table.c.person)),
                            func.coalesce(func.sum(table.c.value), 0))
                     .where(*conditions).group_by(*groups).order_by(*groups))
            rows = conn.execute(query).all()
        found = []
        for row in rows:
            *values, facts, people, total = row
            if not facts:
                continue  # no group at all: the empty sum of an ungrouped query
            found.append(IndicatorRow(**dict(zip((c.name for c in groups), values, strict=True)),
                                      count=int(facts), people=int(people), total=int(total)))
        return found

    def sources(self, kpi: str, district: str, date_from: date,
                date_to: date) -> list[tuple[UUID, int]]:
        check_query(kpi)
        with self.reading() as (conn, tables):
            table = tables["facts"]
            rows = conn.execute(
                select(table.c.case_id, table.c.source_version).distinct()
                .where(table.c.kpi == kpi, table.c.district.in_(areas(district)),
                       table.c.on >= date_from, table.c.on <= date_to)
                .order_by(table.c.case_id, table.c.source_version))
            return [(UUID(str(case_id)), int(version)) for case_id, version in rows]

    def target(self, district: str, year: int, kpi: str) -> int | None:
        with self.reading() as (conn, tables):
            table = tables["targets"]
            found = conn.execute(
                select(table.c.value).where(table.c.district == district,
                                            table.c.year == year, table.c.kpi == kpi)
            ).scalar()
            return None if found is None else int(found)
