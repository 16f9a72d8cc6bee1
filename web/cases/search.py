"""The case list's search: the form's filters within the account's reach."""

from __future__ import annotations

from typing import Any

from application.identity import identity_value
from application.projections import Page
from application.projections.case_list import CaseQuery, CaseRow
from domain.accounts import Account
from domain.codes import IdNumber
from domain.errors import DomainError
from domain.values import IdType
from web.cases.pages import reach_prefix

PER_PAGE = 20


def search_cases(services: Any, who: Account, wanted: dict[str, Any]) -> Page[CaseRow]:
    """A page of the cases ``who`` may read that match the search form."""
    view = services.views["case_list"]
    query = CaseQuery(
        text=wanted["q"], district_prefix=reach_prefix(who),
        districts=(wanted["district"],) if wanted["district"] else (),
        caseworker_id=wanted["caseworker"], status=wanted["status"], stage=wanted["stage"],
        returnee_type=wanted["returnee_type"], sort=wanted["sort"] or "enrolled_on",
        descending=wanted["order"] != "asc", page=wanted["page"], per_page=PER_PAGE)
    if wanted["idh"]:
        query = CaseQuery(**{**vars(query), "id_hash": wanted["idh"]})
    return view.list_cases(query)  # type: ignore[no-any-return]


def id_hash_for(services: Any, who: Account, raw: str) -> str:
    """The keyed hash to search an ID number by: of the document type that finds a case."""
    hashes = id_hashes(services.cases.identity_hasher, raw)
    for hashed in hashes:
        query = CaseQuery(id_hash=hashed, district_prefix=reach_prefix(who), per_page=1)
        if services.views["case_list"].list_cases(query).total:
            return hashed
    return hashes[0]


def id_hashes(hasher: Any, raw: str) -> list[str]:
    """The keyed hashes an ID number is indexed under (the number is never searched in clear)."""
    try:
        return [hasher(identity_value(IdType.RESIDENT_ID, IdNumber.parse(raw).value.value))]
    except DomainError:
        number = raw.strip().upper().replace(" ", "")
        return [hasher(identity_value(kind, number)) for kind in IdType
                if kind is not IdType.RESIDENT_ID]
