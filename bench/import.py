"""Ledger import throughput beside the same cases enrolled directly through ``Cases``.

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
Rounds alternate which goes first, so a shared machine's load falls on both alike.
Usage: ``python bench/import.py [--rows 10000] [--stores sqlite,postgres] [--rounds 2]``
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

from application.ledger.columns import find_header
from application.ledger.importer import LedgerImport, Status
from application.ledger.kinds import CASES
from application.ledger.sheets import LedgerFile
from domain.errors import DomainError
from domain.recording import Role, recording_as
from infrastructure.bootstrap import Services, bootstrap
from infrastructure.settings import Settings, postgres_env
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


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000, help="ledger rows (default 10000)")
    parser.add_argument("--stores", default="sqlite,postgres", help="sqlite,postgres")
    parser.add_argument("--rounds", type=int, default=2,
                        help="runs of each, alternating which goes first (default 2)")
    args = parser.parse_args(argv)
    stores = [s.strip() for s in args.stores.split(",") if s.strip()]
    if set(stores) - {"sqlite", "postgres"} or args.rows < 100:
        parser.error("stores are sqlite and postgres; --rows must be >= 100")

    print(f"ledger of {args.rows} rows (XLSX, two-row merged header, 10 bad rows, 2 repeated); "
          f"Python {platform.python_version()}; eventsourcing {version('eventsourcing')}; "
          f"{args.rounds} rounds; rows/s = ledger rows per second; cases/s = cases written "
          "per second; ratio = direct seconds / import seconds (target >= 0.7)")
    print(f"{'store':<9} {'rows':>6} {'dry rows/s':>11} {'import rows/s':>14} "
          f"{'import cases/s':>15} {'direct cases/s':>15} {'ratio':>6}")
    for store in stores:
        t = measure(store, args.rows, max(1, args.rounds))
        n = args.rows * max(1, args.rounds)
        print(f"{store:<9} {args.rows:>6} {n / t['dry']:>11.1f} {n / t['import']:>14.1f} "
              f"{t['cases'] / t['import']:>15.1f} {t['cases'] / t['direct']:>15.1f} "
              f"{t['direct'] / t['import']:>6.2f}", flush=True)


if __name__ == "__main__":
    main()
