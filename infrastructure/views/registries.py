"""The registries' view on SQL."""

from __future__ import annotations

import json
from typing import Any
from uuid import UUID

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
    Text,
    Uuid,
    func,
    select,
)

from application.projections import Page
from application.projections.registries import (
    CaseLink,
    CaseResources,
    EntryQuery,
    EntryRow,
    PairingRow,
    RegistriesView,
    RosterRow,
    SessionRow,
    TenantRow,
)
from infrastructure.views.base import SQLView, row_values


def area_prefix(district: str) -> str:
    """The code prefix of everything inside a province, city or county."""
    if district.endswith("0000"):
        return district[:2]
    if district.endswith("00"):
        return district[:4]
    return district


def serving_codes(district: str) -> list[str]:
    """The districts whose entries serve ``district``: itself, its city and its province."""
    return list(dict.fromkeys([district, district[:4] + "00", district[:2] + "0000"]))


class SQLRegistriesView(SQLView, RegistriesView):
    """``registry_entries_gN`` and the case-derived ``registry_*_gN`` tables."""

    def define_tables(self, metadata: MetaData, suffix: str) -> dict[str, Table]:
        def table(name: str, *columns: Any) -> Table:
            return Table(f"registry_{name}{suffix}", metadata, *columns)

        return {
            "entries": table(
                "entries",
                Column("entry_id", Uuid, primary_key=True),
                Column("kind", String(20), nullable=False),
                Column("key", String(64), nullable=False),
                Column("title", String(200), nullable=False),
                Column("district", String(6), nullable=False),
                Column("status", String(12), nullable=False),
                Column("tags", String(800), nullable=False),
                Column("search", String(1000), nullable=False),
                Column("values", Text, nullable=False),
                Column("version", Integer, nullable=False),
                Column("updated_on", Date, nullable=False),
                Index(f"ix_registry_entries{suffix}_kind", "kind", "title", "key"),
                Index(f"ix_registry_entries{suffix}_key", "kind", "key", unique=True),
            ),
            "cases": table(
                "cases",
                Column("case_id", Uuid, primary_key=True),
                Column("case_no", String(32), nullable=False),
                Column("district", String(6), nullable=False),
                Column("caseworker_id", String(64), nullable=False),
                Column("is_open", Boolean, nullable=False),
            ),
            "roster": table(
                "roster",
                Column("case_id", Uuid, primary_key=True),
                Column("enrolment_ref", String(64), primary_key=True),
                Column("approval_no", String(40), nullable=False),
                Column("course", String(30), nullable=False),
                Column("provider_uscc", String(18), nullable=False),
                Column("start_on", Date, nullable=False),
                Column("enrolled_on", Date, nullable=False),
                Column("result", String(12)),
                Column("ended_on", Date),
                Index(f"ix_registry_roster{suffix}_class", "approval_no", "enrolled_on"),
            ),
            "pairings": table(
                "pairings",
                Column("case_id", Uuid, primary_key=True),
                Column("pairing_ref", String(64), primary_key=True),
                Column("mentor_id", String(64), nullable=False),
                Column("group_ref", String(64)),
                Column("planned_sessions_per_year", Integer, nullable=False),
                Column("assigned_on", Date, nullable=False),
                Column("released_on", Date),
                Column("sessions", Integer, nullable=False),
                Column("counted_sessions", Integer, nullable=False),
                Column("last_session_on", Date),
                Index(f"ix_registry_pairings{suffix}_mentor", "mentor_id", "released_on"),
            ),
            "sessions": table(
                "sessions",
                Column("case_id", Uuid, primary_key=True),
                Column("version", Integer, primary_key=True),
                Column("pairing_ref", String(64), nullable=False),
                Column("mentor_id", String(64), nullable=False),
                Column("occurred_on", Date, nullable=False),
                Column("minutes", Integer, nullable=False),
                Column("counted", Boolean, nullable=False),
                Index(f"ix_registry_sessions{suffix}_mentor", "mentor_id", "occurred_on"),
            ),
            "tenants": table(
                "tenants",
                Column("case_id", Uuid, primary_key=True),
                Column("business_ref", String(64), primary_key=True),
                Column("incubator_id", String(64), nullable=False),
                Column("business_name", String(100), nullable=False),
                Column("registered_on", Date, nullable=False),
                Column("closed_on", Date),
                Index(f"ix_registry_tenants{suffix}_incubator", "incubator_id"),
            ),
        }

    # --------------------------------------------------------------- commands
    def put_entry(self, row: EntryRow, tracking: Tracking) -> None:
        values = {**row_values(row), "values": json.dumps(row.values, ensure_ascii=False,
                                                          sort_keys=True)}
        with self.writing(tracking) as (conn, tables):
            self.upsert(conn, tables["entries"], values)

    def put_case(self, resources: CaseResources, tracking: Tracking | None) -> None:
        case_id = resources.link.case_id
        with self.writing(tracking) as (conn, tables):
            self.upsert(conn, tables["cases"], row_values(resources.link))
            for name, rows in (("roster", resources.roster), ("pairings", resources.pairings),
                               ("sessions", resources.sessions),
                               ("tenants", resources.tenants)):
                self.replace_group(conn, tables[name], "case_id", case_id,
                                   [row_values(r) for r in rows])

    # ---------------------------------------------------------------- queries
    def search(self, query: EntryQuery) -> Page[EntryRow]:
        with self.reading() as (conn, tables):
            table = tables["entries"]
            where = [table.c.kind == query.kind]
            if query.text:
                where.append(table.c.search.contains(query.text.strip().lower(),
                                                     autoescape=True))
            if query.district_prefix:
                where.append(table.c.district.startswith(area_prefix(query.district_prefix),
                                                         autoescape=True))
            if query.serving:
                where.append(table.c.district.in_(serving_codes(query.serving)))
            if query.status:
                where.append(table.c.status == query.status)
            if query.tag:
                where.append(table.c.tags.contains(f" {query.tag} ", autoescape=True))
            total = conn.execute(select(func.count()).select_from(table).where(*where)
                                 ).scalar() or 0
            per_page, page = max(1, min(query.per_page, 500)), max(1, query.page)
            rows = conn.execute(select(table).where(*where)
                                .order_by(table.c.title, table.c.key)
                                .limit(per_page).offset((page - 1) * per_page))
            return Page(tuple(_entry(r) for r in rows), int(total), page, per_page)

    def entries(self, kind: str, keys: list[str]) -> dict[str, EntryRow]:
        if not keys:
            return {}
        with self.reading() as (conn, tables):
            table = tables["entries"]
            found: dict[str, EntryRow] = {}
            for start in range(0, len(keys), 500):
                rows = conn.execute(select(table).where(
                    table.c.kind == kind, table.c.key.in_(keys[start:start + 500])))
                found.update({r.key: _entry(r) for r in rows})
            return found

    def roster(self, approval_no: str) -> list[tuple[RosterRow, CaseLink]]:
        with self.reading() as (conn, tables):
            roster, cases = tables["roster"], tables["cases"]
            rows = conn.execute(
                select(roster, cases.c.case_no, cases.c.district, cases.c.caseworker_id,
                       cases.c.is_open)
                .join(cases, cases.c.case_id == roster.c.case_id)
                .where(roster.c.approval_no == approval_no)
                .order_by(roster.c.enrolled_on, cases.c.case_no))
            return [(RosterRow(**{c.name: r._mapping[c.name] for c in roster.columns}),
                     _link(r)) for r in rows]

    def pairings(self, mentor_ids: list[str], *, active_only: bool = True
                 ) -> list[tuple[PairingRow, CaseLink]]:
        if not mentor_ids:
            return []
        with self.reading() as (conn, tables):
            pairings, cases = tables["pairings"], tables["cases"]
            where = [pairings.c.mentor_id.in_(mentor_ids)]
            if active_only:
                where.append(pairings.c.released_on.is_(None))
            rows = conn.execute(
                select(pairings, cases.c.case_no, cases.c.district, cases.c.caseworker_id,
                       cases.c.is_open)
                .join(cases, cases.c.case_id == pairings.c.case_id).where(*where)
                .order_by(pairings.c.mentor_id, pairings.c.group_ref, pairings.c.assigned_on,
                          cases.c.case_no))
            return [(PairingRow(**{c.name: r._mapping[c.name] for c in pairings.columns}),
                     _link(r)) for r in rows]

    def sessions(self, mentor_ids: list[str], year: int) -> list[SessionRow]:
        if not mentor_ids:
            return []
        from datetime import date

        with self.reading() as (conn, tables):
            table = tables["sessions"]
            rows = conn.execute(select(table).where(
                table.c.mentor_id.in_(mentor_ids),
                table.c.occurred_on >= date(year, 1, 1), table.c.occurred_on <= date(year, 12, 31),
            ).order_by(table.c.occurred_on, table.c.case_id, table.c.version))
            return [SessionRow(**r._mapping) for r in rows]

    def tenants(self, incubator_ids: list[str], *, operating_only: bool = True
                ) -> list[tuple[TenantRow, CaseLink]]:
        if not incubator_ids:
            return []
        with self.reading() as (conn, tables):
            tenants, cases = tables["tenants"], tables["cases"]
            where = [tenants.c.incubator_id.in_(incubator_ids)]
            if operating_only:
                where.append(tenants.c.closed_on.is_(None))
            rows = conn.execute(
                select(tenants, cases.c.case_no, cases.c.district, cases.c.caseworker_id,
                       cases.c.is_open)
                .join(cases, cases.c.case_id == tenants.c.case_id).where(*where)
                .order_by(tenants.c.registered_on, cases.c.case_no))
            return [(TenantRow(**{c.name: r._mapping[c.name] for c in tenants.columns}),
                     _link(r)) for r in rows]


def _entry(row: Any) -> EntryRow:
    values = dict(row._mapping)
    values["values"] = json.loads(values["values"])
    return EntryRow(**values)


def _link(row: Any) -> CaseLink:
    return CaseLink(UUID(str(row.case_id)), row.case_no, row.district, row.caseworker_id,
                    bool(row.is_open))
