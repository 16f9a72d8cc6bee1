"""Whose work a supervisor's pages cover: their district (a city: its counties), or a part of it."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any
from uuid import UUID

from flask import abort, request

from application.projections.indicators import areas
from domain.accounts import Account
from domain.divisions import divisions
from domain.recording import Role
from domain.values import today


def day_asked() -> date:
    """``?on=YYYY-MM-DD`` (a past or future day to look at), else today."""
    raw = request.args.get("on", "").strip()
    if not raw:
        return today()
    try:
        return date.fromisoformat(raw)
    except ValueError:
        abort(400)


def district_asked(who: Account) -> str | None:
    """``?district=`` if it lies within the account's reach; 403 if it does not."""
    raw = request.args.get("district", "").strip()
    if not raw:
        return None
    if divisions().get(raw) is None:
        abort(400)
    if who.role is not Role.INVESTIGATOR and not who.covers(raw):
        abort(403)
    return raw


def districts_for(who: Account, wanted: str | None = None) -> tuple[str, ...]:
    """The county codes to query; () means every district (investigators only)."""
    if wanted is not None:
        return areas(wanted)
    if who.role is Role.INVESTIGATOR:
        return ()
    return areas(who.district)


def district_choices(who: Account) -> list[str]:
    """The districts a filter offers: the counties of a city, or none for a county."""
    if who.role is Role.INVESTIGATOR:
        return []
    counties = areas(who.district)
    return list(counties) if len(counties) > 1 else []


def case_numbers(views: Any, case_ids: Iterable[UUID]) -> dict[UUID, tuple[str, str]]:
    """(case number, name) of each case, read from the case list in one query."""
    from sqlalchemy import select

    wanted = list(set(case_ids))
    if not wanted:
        return {}
    with views["case_list"].reading() as (conn, tables):
        table = tables["cases"]
        rows = conn.execute(select(table.c.case_id, table.c.case_no, table.c.name)
                            .where(table.c.case_id.in_(wanted)))
        return {row.case_id: (row.case_no, row.name) for row in rows}
