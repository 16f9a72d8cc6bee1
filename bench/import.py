"""Ledger import throughput beside the same commands run directly through ``Cases``.

Per store, a realistic returnee ledger (``tests/ledgers.py``: a two-row merged header,
full-width digits, 15-digit IDs, dates in every form, ten bad rows, two repeated rows) of
``--rows`` rows is
- checked by ``homeward import cases --dry-run`` (``LedgerImport.run(dry_run=True)``) on an
  empty store, then imported (``dry_run=False``): the file read, every row checked, the
  accepted ones saved in batches with their row keys;
- and the same accepted rows, already read into enrolment fields, are enrolled one by one
  through ``Cases.enrol_case`` on another empty store.
The ratio is direct seconds / import seconds for the same cases: the import pays for
reading the workbook and checking each row, the direct path for one transaction per case.
Training and loan ledgers (``tests/case_ledgers.py``: a class of the registry, a revoked
provider's class, bad rows, repeats; loans with and without their business) are likewise
checked and imported into a store that holds their people's cases, beside the same rows'
commands (``record_training``, ``record_loan``: enrol and complete; business, apply, certify,
grant, repay) run through ``Cases`` on another such store, one transaction per command, each
case read before (outside the clock) as a form would have it.
Rounds alternate which goes first, so a shared machine's load falls on both alike.
Usage: ``python bench/import.py [--rows 10000] [--stores sqlite,postgres] [--rounds 2]
[--kinds cases,trainings,loans]``
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from importlib.metadata import version
from pathlib import Path
from typing import Any
from uuid import uuid4

import psycopg
from psycopg import sql

# tests/ is not an installed package; its ledger maker gives the realistic file.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from application.ledger.case_rows import CaseRowImport
from application.ledger.columns import find_header
from application.ledger.importer import LedgerImport, Status
from application.ledger.imports import PLANS, ledger_import
from application.ledger.kinds import CASES, KINDS
from application.ledger.sheets import LedgerFile
from domain.errors import DomainError
from domain.recording import Role, recording_as
from infrastructure.bootstrap import Services, bootstrap
from infrastructure.settings import Settings, postgres_env
from tests.case_ledgers import loan_ledger, training_ledger
from tests.ledgers import write_xlsx

PG_URL = os.environ.get("HOMEWARD_BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
PASSWORD = "bench password 1"


@contextmanager
def scratch(store: str) -> Iterator[tuple[Path, Callable[[str], str]]]:
    """A temporary directory and store URLs (files in it, or fresh schemas), all removed after."""
    schemas: list[str] = []
    with tempfile.TemporaryDirectory(prefix="homeward-bench-") as tmp:
        def url(label: str) -> str:
            if store == "sqlite":
                return f"sqlite:///{Path(tmp) / label}.sqlite3"
            schemas.append(f"bench_{label}_{uuid4().hex[:12]}")
            return f"{PG_URL}?schema={schemas[-1]}"

        try:
            yield Path(tmp), url
        finally:
            if schemas:
                env = postgres_env(PG_URL)
                with psycopg.connect(dbname=env["POSTGRES_DBNAME"], host=env["POSTGRES_HOST"],
                                     port=env["POSTGRES_PORT"], user=env["POSTGRES_USER"],
                                     password=env["POSTGRES_PASSWORD"] or None,
                                     autocommit=True) as conn:
                    for schema in schemas:
                        conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE")
                                     .format(sql.Identifier(schema)))


def services_at(tmp: Path, url: str) -> Services:
    """Services on a fresh store with the importing supervisor and the caseworker."""
    services = bootstrap(Settings.from_env({"HOMEWARD_INSTANCE_PATH": str(tmp / "instance"),
                                            "HOMEWARD_DATABASE_URL": url}))
    services.accounts.add(username="sup.li", password=PASSWORD, role="supervisor",
                          district="370303")
    services.accounts.add(username="cw.zhang", password=PASSWORD, role="caseworker",
                          district="370303")
    return services


def importer(services: Services) -> LedgerImport:
    who = services.accounts.find("sup.li")
    assert who is not None
    return LedgerImport(services.cases, CASES, who, services.accounts.list())


def accepted_fields(services: Services, ledger: LedgerFile) -> list[dict[str, Any]]:
    """The enrolment fields of the rows an import accepts, read once, outside the clock."""
    check = importer(services)
    sheet = ledger.read()
    header = find_header(sheet.rows, CASES.synonyms())
    found, seen = [], set()
    for cells in sheet.rows[header.last_row:]:
        if not any(c not in (None, "") for c in cells[1:]):
            continue
        values, errors = check._read(header, cells)
        if errors or check._check_reach(header, values) or values["id_number"] in seen:
            continue
        try:
            check._build(values, "bench-check")
        except DomainError:
            continue
        seen.add(values["id_number"])
        found.append(values)
    return found


def direct(services: Services, fields: list[dict[str, Any]]) -> float:
    """Seconds to enrol each case through Cases, one command (and transaction) each."""
    started = time.perf_counter()
    with recording_as("sup.li", Role.SUPERVISOR, "bench-direct"):
        for values in fields:
            services.cases.enrol_case(**values)
    return time.perf_counter() - started


def through_import(services: Services, ledger: LedgerFile) -> tuple[float, float, int]:
    """Seconds for the dry run and for the import of the whole file, and the cases imported."""
    started = time.perf_counter()
    checked = importer(services).run(ledger, dry_run=True)
    dry = time.perf_counter() - started
    started = time.perf_counter()
    done = importer(services).run(ledger, dry_run=False)
    seconds = time.perf_counter() - started
    assert done.count(Status.IMPORTED) == checked.count(Status.READY)
    return dry, seconds, done.count(Status.IMPORTED)


def measure(store: str, rows: int, rounds: int) -> dict[str, float]:
    totals = {"direct": 0.0, "dry": 0.0, "import": 0.0, "cases": 0.0}
    with scratch(store) as (tmp, url):
        ledger_path = tmp / "台账.xlsx"
        write_xlsx(ledger_path, rows, caseworker="cw.zhang")
        ledger = LedgerFile.of(ledger_path.name, ledger_path.read_bytes())
        for round_ in range(rounds):
            plain = services_at(tmp / f"direct-{round_}", url(f"direct{round_}"))
            imported = services_at(tmp / f"import-{round_}", url(f"import{round_}"))
            try:
                fields = accepted_fields(plain, ledger)
                if round_ % 2 == 0:
                    seconds = direct(plain, fields)
                    dry, import_seconds, count = through_import(imported, ledger)
                else:
                    dry, import_seconds, count = through_import(imported, ledger)
                    seconds = direct(plain, fields)
                assert count == len(fields)
            finally:
                plain.close()
                imported.close()
            totals["direct"] += seconds
            totals["dry"] += dry
            totals["import"] += import_seconds
            totals["cases"] += count
    return totals


MAKERS = {"trainings": training_ledger, "loans": loan_ledger}


def case_rows_importer(services: Services, kind: str) -> CaseRowImport:
    who = services.accounts.find("sup.li")
    assert who is not None
    made = ledger_import(services.cases, KINDS[kind], who, services.accounts.list())
    assert isinstance(made, CaseRowImport)
    return made


def accepted_rows(services: Services, kind: str, ledger: LedgerFile) -> list[dict[str, Any]]:
    """The values of the rows a dry run accepts, read once, outside the clock."""
    check = case_rows_importer(services, kind)
    ready = {r.row for r in check.run(ledger, dry_run=True).rows if r.status is Status.READY}
    sheet = ledger.read()
    header = find_header(sheet.rows, KINDS[kind].synonyms())
    return [check._read(header, sheet.rows[row - 1])[0] for row in sorted(ready)]


def direct_rows(services: Services, kind: str, rows: list[dict[str, Any]]) -> float:
    """Seconds to run each row's commands through Cases, one transaction per command."""
    check, record = case_rows_importer(services, kind), PLANS[kind].record
    seconds = 0.0
    with recording_as("sup.li", Role.SUPERVISOR, "bench-direct"):
        for values in rows:
            state = services.cases.get_case(check._case_of(values))  # the form's read
            started = time.perf_counter()
            record(services.cases, state, dict(values))
            seconds += time.perf_counter() - started
    return seconds


def import_rows(services: Services, kind: str, ledger: LedgerFile
                ) -> tuple[float, float, int, int]:
    """Seconds for the dry run and for the import of a ledger, and the rows it recorded."""
    started = time.perf_counter()
    checked = case_rows_importer(services, kind).run(ledger, dry_run=True)
    dry = time.perf_counter() - started
    started = time.perf_counter()
    done = case_rows_importer(services, kind).run(ledger, dry_run=False)
    seconds = time.perf_counter() - started
    assert done.count(Status.IMPORTED) == checked.count(Status.READY)
    return dry, seconds, done.count(Status.IMPORTED), len(done.rows)


def measure_rows(kind: str, store: str, rows: int, rounds: int) -> dict[str, float]:
    """A training or loan ledger: dry run and import beside the same commands direct."""
    totals = {"direct": 0.0, "dry": 0.0, "import": 0.0, "cases": 0.0, "rows": 0.0}
    with scratch(store) as (tmp, url):
        for round_ in range(rounds):
            plain = services_at(tmp / f"direct-{round_}", url(f"direct{round_}"))
            imported = services_at(tmp / f"import-{round_}", url(f"import{round_}"))
            try:
                ledgers = []
                for services, label in ((plain, "direct"), (imported, "import")):
                    path = tmp / f"{label}-{round_}.xlsx"
                    MAKERS[kind](services.cases, path, rows)
                    ledgers.append(LedgerFile.of(path.name, path.read_bytes()))
                values = accepted_rows(plain, kind, ledgers[0])

                if round_ % 2 == 0:
                    seconds = direct_rows(plain, kind, values)
                    dry, import_seconds, count, read = import_rows(imported, kind, ledgers[1])
                else:
                    dry, import_seconds, count, read = import_rows(imported, kind, ledgers[1])
                    seconds = direct_rows(plain, kind, values)
                assert count == len(values), (count, len(values))
            finally:
                plain.close()
                imported.close()
            totals["direct"] += seconds
            totals["dry"] += dry
            totals["import"] += import_seconds
            totals["cases"] += count
            totals["rows"] += read
    return totals


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000, help="ledger rows (default 10000)")
    parser.add_argument("--stores", default="sqlite,postgres", help="sqlite,postgres")
    parser.add_argument("--rounds", type=int, default=2,
                        help="runs of each, alternating which goes first (default 2)")
    parser.add_argument("--kinds", default="cases,trainings,loans",
                        help="cases,trainings,loans")
    args = parser.parse_args(argv)
    stores = [s.strip() for s in args.stores.split(",") if s.strip()]
    kinds = [k.strip() for k in args.kinds.split(",") if k.strip()]
    if set(stores) - {"sqlite", "postgres"} or args.rows < 100:
        parser.error("stores are sqlite and postgres; --rows must be >= 100")
    if set(kinds) - set(KINDS):
        parser.error("kinds are cases, trainings and loans")

    print(f"ledgers of {args.rows} rows (XLSX; returnees: two-row merged header, 10 bad rows, "
          "2 repeated; trainings and loans: bad rows, a repeat, rows on their cases already); "
          f"Python {platform.python_version()}; eventsourcing {version('eventsourcing')}; "
          f"{args.rounds} rounds; rows/s = ledger rows per second; done/s = rows accepted "
          "(cases enrolled, trainings or loans recorded) per second; ratio = direct seconds / "
          "import seconds (target >= 0.7)")
    print(f"{'kind':<10} {'store':<9} {'rows':>6} {'dry rows/s':>11} {'import rows/s':>14} "
          f"{'import done/s':>14} {'direct done/s':>14} {'ratio':>6}")
    for kind in kinds:
        for store in stores:
            rounds = max(1, args.rounds)
            t = measure(store, args.rows, rounds) if kind == "cases" else \
                measure_rows(kind, store, args.rows, rounds)
            n = t.get("rows") or args.rows * rounds
            print(f"{kind:<10} {store:<9} {round(n / rounds):>6} {n / t['dry']:>11.1f} "
                  f"{n / t['import']:>14.1f} {t['cases'] / t['import']:>14.1f} "
                  f"{t['cases'] / t['direct']:>14.1f} {t['direct'] / t['import']:>6.2f}",
                  flush=True)

if __name__ == "__main__":
    main()
