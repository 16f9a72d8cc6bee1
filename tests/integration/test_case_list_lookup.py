"""The case list on both stores: possible duplicates by keyed hash, reach by district prefix."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import event

from application.cases import DuplicateKeys
from application.projections.audit_log import AuditQuery
from application.projections.case_list import CaseQuery
from domain.recording import Role, recording_as
from infrastructure.bootstrap import Services
from tests.builders import an_id_number, days_ago, enrolment


def test_possible_duplicates_are_found_by_phone_or_by_name_and_birth_date(
        services: Services) -> None:
    cases, born = services.cases, date(1985, 3, 9)
    with recording_as("cw-1", Role.CASEWORKER):
        phone = cases.enrol_case(**enrolment(mobile="13911112222"))
        person = cases.enrol_case(**enrolment(name="林芳", id_number=an_id_number(born=born,
                                                                                  sex="F")))
        cases.enrol_case(**enrolment(name="林芳"))  # another birth date: not a duplicate
    services.views.catch_up("case_list")
    view = services.views["case_list"]

    with recording_as("cw-2", Role.CASEWORKER):  # a dry run: checked, nothing saved
        by_phone = cases.duplicate_keys(**enrolment(mobile="+86 139-1111-2222"))
        by_person = cases.duplicate_keys(**enrolment(
            name="林芳", id_number=an_id_number("370302", born=born, sex="F"), mobile=None))

    def found(keys: DuplicateKeys) -> list[str]:
        return [r.case_no for r in view.possible_duplicates(
            mobile_hash=keys.mobile_hash, name_birth_hash=keys.name_birth_hash)]

    assert found(by_phone) == [phone.case_no]
    assert found(by_person) == [person.case_no]
    assert "13911112222" not in str(view.possible_duplicates(mobile_hash=by_phone.mobile_hash,
                                                             name_birth_hash=None))


def test_the_case_list_filters_by_district_prefix(services: Services) -> None:
    with recording_as("cw-1", Role.CASEWORKER):
        zibo = [services.cases.enrol_case(**enrolment(
            owning_district=d, hukou_division=d, residence_division=f"{d}100201"))
            for d in ("370302", "370303")]
        services.cases.enrol_case(**enrolment(owning_district="620702", hukou_division="620702",
                                              residence_division=None))
    services.views.catch_up("case_list")
    view = services.views["case_list"]

    city = view.list_cases(CaseQuery(district_prefix="3703"))
    county = view.list_cases(CaseQuery(district_prefix="370302"))

    assert sorted(r.case_no for r in city) == sorted(s.case_no for s in zibo)
    assert [r.case_no for r in county] == [zibo[0].case_no]
    assert view.list_cases(CaseQuery(district_prefix="%")).total == 0  # no wildcards


def test_a_view_of_a_case_is_logged_apart_from_the_case(services: Services) -> None:
    with recording_as("cw-1", Role.CASEWORKER):
        saved = services.cases.enrol_case(**enrolment())
    with recording_as("sup-1", Role.SUPERVISOR, "req-9"):
        services.cases.record_view(saved.case_id)
    services.views.catch_up("audit_log")

    rows = services.views["audit_log"].list_entries(AuditQuery(case_id=saved.case_id))

    assert [(r.event, r.actor, r.request_id) for r in rows] == [
        ("Viewed", "sup-1", "req-9"), ("Enrolled", "cw-1", rows.rows[1].request_id)]
    assert services.cases.get_case(saved.case_id).version == 1


def test_totals_by_district_and_status_follow_moves_closures_and_a_rebuild(
        services: Services) -> None:
    """A page filtered by district and status alone takes its total from the counts the
    triggers keep; each total equals the cases counted one by one, live and rebuilt."""
    cases = services.cases
    with recording_as("cw-1", Role.CASEWORKER):
        saved = [cases.enrol_case(**enrolment(occurred_on=days_ago(200))) for _ in range(6)]
        moved, closed, reopened = (s.case_id for s in saved[:3])
        cases.request_transfer(moved, 1, occurred_on=days_ago(30), to_district="370302",
                               reason="迁居")
        cases.accept_transfer(moved, 2, occurred_on=days_ago(29), to_caseworker_id="cw-9")
        cases.close_case(closed, 1, occurred_on=days_ago(10), reason="OPTED_OUT")
        cases.close_case(reopened, 1, occurred_on=days_ago(10), reason="OPTED_OUT")
        cases.reopen_case(reopened, 2, occurred_on=days_ago(5), reason="回来了")
    view = services.views["case_list"]
    queries = [CaseQuery(districts=d, status=s, per_page=2)
               for d in ((), ("370303",), ("370302",), ("370303", "370302"), ("320830",))
               for s in (None, "OPEN", "CLOSED")]
    queries += [CaseQuery(district_prefix="3703", status="OPEN"), CaseQuery(status="CLOSED")]

    def totals() -> list[tuple[int, int]]:
        everything = view.list_cases(CaseQuery(per_page=200)).rows
        return [(view.list_cases(q).total, sum(
            1 for r in everything if (not q.districts or r.district in q.districts)
            and (not q.status or r.status == q.status)
            and r.district.startswith(q.district_prefix or ""))) for q in queries]

    services.views.catch_up("case_list")
    live = totals()
    assert [counted for counted, _ in live] == [expected for _, expected in live]
    assert live[:6] == [(6, 6), (5, 5), (1, 1), (5, 5), (4, 4), (1, 1)]
    assert live[6:9] == [(1, 1), (1, 1), (0, 0)]  # 370302: the moved case
    checksum = view.checksum()
    services.views.rebuild("case_list")
    assert totals() == live
    assert view.checksum() == checksum  # the counts a rebuild makes equal those kept live
    with recording_as("cw-1", Role.CASEWORKER):  # the rebuilt generation keeps counting
        cases.reopen_case(closed, 2, occurred_on=days_ago(1), reason="回来了")
    services.views.catch_up("case_list")
    assert view.list_cases(CaseQuery(status="CLOSED")).total == 0
    assert view.list_cases(CaseQuery(districts=("370303",), status="OPEN")).total == 5


def test_a_district_page_is_read_in_index_order_with_ties_by_case_number(
        services: Services) -> None:
    """Newest first, cases enrolled on the same day by case number in the same direction,
    so that the district's index gives each page in order: no sort of the whole district."""
    with recording_as("cw-1", Role.CASEWORKER):
        for k in range(7):
            services.cases.enrol_case(**enrolment(occurred_on=days_ago(380 + k % 3)))
    services.views.catch_up("case_list")
    view = services.views["case_list"]
    everything = view.list_cases(CaseQuery(districts=("370303",), per_page=200)).rows
    expected = sorted(((r.enrolled_on, r.case_no) for r in everything), reverse=True)

    statements: list[tuple[str, Any]] = []

    def seen(conn: Any, cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if " LIMIT " in statement.upper() and "case_list" in statement:
            statements.append((statement, parameters))

    engine = services.views.db.engine
    event.listen(engine, "before_cursor_execute", seen)
    try:
        pages = [view.list_cases(CaseQuery(districts=("370303",), per_page=3, page=p)).rows
                 for p in (1, 2, 3)]
        oldest_first = view.list_cases(CaseQuery(districts=("370303",), descending=False,
                                                 per_page=200)).rows
        # Pages nearer the end are read from the end and turned round.
        rising = [view.list_cases(CaseQuery(districts=("370303",), descending=False,
                                            per_page=2, page=p)).rows for p in (1, 2, 3, 4, 5)]
    finally:
        event.remove(engine, "before_cursor_execute", seen)

    assert [(r.enrolled_on, r.case_no) for page in pages for r in page] == expected
    assert [(r.enrolled_on, r.case_no) for r in oldest_first] == expected[::-1]
    assert [(r.enrolled_on, r.case_no) for page in rising for r in page] == expected[::-1]
    assert [len(page) for page in rising] == [2, 2, 2, 1, 0]
    # The page's ids come from the district's index in order; only the page's own
    # rows (at most three) are sorted once found.
    with engine.connect() as conn:
        for statement, parameters in statements:
            if engine.dialect.name == "sqlite":
                rows = list(conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters))
                ids = [row[0] for row in rows if "SUBQUERY" in row[-1]]
                for row in rows:  # every node under the page's ids
                    if row[1] in ids:
                        ids.append(row[0])
                inner = " ".join(row[-1] for row in rows if row[0] in ids)
            else:  # the planner would scan a table this small: ask it for the index
                conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
                lines = [str(row[0]) for row in conn.exec_driver_sql(
                    f"EXPLAIN {statement}", parameters)]
                inner = " ".join(lines[next(i for i, x in enumerate(lines) if "Limit" in x):])
            assert "_district" in inner, inner
            assert "TEMP B-TREE" not in inner and "Sort" not in inner, inner
