"""Data quality on SQL."""

from __future__ import annotations

from datetime import date, timedelta

from eventsourcing.persistence import Tracking
from sqlalchemy import (
    Boolean,
    Column,
    Date,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Uuid,
    func,
    select,
)

from application.projections.data_quality import DataQualityView, QualityIssue, QualityRow
from infrastructure.views.base import SQLView, row_values


class SQLDataQualityView(SQLView, DataQualityView):
    """``data_quality_gN``: one row per case."""

    def define_tables(self, metadata: MetaData, suffix: str) -> dict[str, Table]:
        name = f"data_quality{suffix}"
        table = Table(
            name, metadata,
            Column("case_id", Uuid, primary_key=True),
            Column("case_no", String(32), nullable=False),
            Column("district", String(6), nullable=False),
            Column("caseworker_id", String(64), nullable=False),
            Column("is_open", Boolean, nullable=False),
            Column("last_contact_on", Date, nullable=False),
            Column("warnings", String(500), nullable=False),
            Column("missing_phone", Boolean, nullable=False),
            Column("pending_corrections", Integer, nullable=False),
            Column("phone_hash", String(64)),
            Column("person_hash", String(64), nullable=False),
            Column("version", Integer, nullable=False),
            Index(f"ix_{name}_district", "district", "is_open"),
            Index(f"ix_{name}_phone", "phone_hash"),
            Index(f"ix_{name}_person", "person_hash"),
        )
        return {"cases": table}

    def put_row(self, row: QualityRow, tracking: Tracking | None) -> None:
        with self.writing(tracking) as (conn, tables):
            self.upsert(conn, tables["cases"], row_values(row))

    def issues(self, on: date, *, stale_after_days: int,
               districts: tuple[str, ...] = ()) -> list[QualityIssue]:
        with self.reading() as (conn, tables):
            table = tables["cases"]
            scope = [table.c.is_open.is_(True)]
            if districts:
                scope.append(table.c.district.in_(districts))
            rows = conn.execute(select(table).where(*scope).order_by(table.c.case_no)).all()
            shared = {
                column: {value for value, in conn.execute(
                    select(table.c[column]).where(table.c[column].is_not(None))
                    .group_by(table.c[column]).having(func.count() > 1))}
                for column in ("phone_hash", "person_hash")
            }
        stale_before = on - timedelta(days=stale_after_days)
        issues: list[QualityIssue] = []
        for r in rows:
            found = [("SOFT_WARNING", code) for code in r.warnings.split(",") if code]
            if r.missing_phone:
                found.append(("MISSING_PHONE", ""))
            if r.last_contact_on < stale_before:
                found.append(("STALE", r.last_contact_on.isoformat()))
            if r.pending_corrections:
                found.append(("CORRECTION_PENDING", str(r.pending_corrections)))
            if r.phone_hash in shared["phone_hash"]:
                found.append(("POSSIBLE_DUPLICATE", "phone"))
            if r.person_hash in shared["person_hash"]:
                found.append(("POSSIBLE_DUPLICATE", "name_and_birth_date"))
            issues += [QualityIssue(r.case_id, r.case_no, r.district, r.caseworker_id, kind,
                                    detail) for kind, detail in found]
        return issues
