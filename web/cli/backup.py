"""``homeward backup`` and ``homeward restore``: the record in one file, and back.

What is backed up is what cannot be rebuilt: the event log and the accounts.
Views are left out; after a restore ``homeward projections rebuild all``
builds them again from the log.

- SQLite: the events file (accounts live in it too) copied page by page with
  SQLite's online backup API, so writers carry on meanwhile.  The backup is an
  ordinary SQLite file.
- PostgreSQL: every table of the schema but the views', copied with
  ``COPY … TO STDOUT (FORMAT BINARY)`` inside one REPEATABLE READ transaction
  (one consistent moment, as ``pg_dump`` takes it), into a tar file with a
  manifest of tables, columns, row counts and SHA-256 sums.  Unlike a
  ``pg_dump`` archive it restores into any schema, because the target's tables
  are made by the same code that made the source's.

Either way the file is written under a hidden name beside the target and
renamed when complete.  Then the backup is recorded in the audit log, in the
shell login's name (an ``Export`` of source ``backup``: kind ``sqlite`` or
``postgresql``, the log position copied, its events, bytes and SHA-256).  The
record is an event after the position copied, so the backup never holds it
and a store restored from it lacks it; a backup that cannot be recorded is
removed.  Events stay encrypted: restoring needs the same
``HOMEWARD_CIPHER_KEY`` and ``HOMEWARD_IDENTITY_KEY`` (docs/operations.md).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import sqlite3
import tarfile
import tempfile
from contextlib import closing, suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click
import psycopg
from flask.cli import with_appcontext
from psycopg import sql

from web.cli.case import lang_option
from web.cli.export import record_file
from web.cli.messages import InvestigationCommandError, say

SQLITE_MAGIC = b"SQLite format 3\x00"
FORMAT = "homeward-backup"
#: Views' tables: bookkeeping, and each view's numbered generations (``case_list_g3``).
VIEW_TABLE = re.compile(r"^view_(generations|tracking)$|_g\d+$")


class BackupError(InvestigationCommandError):
    """Raised when a backup or restore cannot be done; one line, exit code 1."""


def _lang() -> str | None:
    return click.get_current_context().find_root().meta.get("lang")


def _services() -> Any:
    from web import current_services

    return current_services()


@click.command("backup")
@click.argument("out", type=click.Path(dir_okay=False, writable=True))
@lang_option
@with_appcontext
def backup_command(out: str) -> None:
    """Write the event log and the accounts to one file (views are rebuilt, not kept).

    \b
    Example:
      homeward backup /backup/homeward-2024-12-31.sqlite3     # on SQLite
      homeward backup /backup/homeward-2024-12-31.tar         # on PostgreSQL
    """
    services = _services()
    target = Path(out).absolute()
    fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.",
                                suffix=".partial")
    os.close(fd)
    partial = Path(name)
    try:
        if services.settings.is_postgres:
            kind, file_format = "postgresql", "tar"
            events, position = _backup_postgres(services.settings, _events_table(services),
                                                partial)
        else:
            kind, file_format = "sqlite", "sqlite3"
            events, position = _backup_sqlite(_events_file(services.settings),
                                              _events_table(services), partial)
        os.replace(partial, target)
    except (OSError, sqlite3.Error, psycopg.Error) as error:
        raise BackupError("backup_failed", _lang(), error=_one_line(error)) from None
    finally:
        with suppress(FileNotFoundError):
            partial.unlink()
    try:  # once the copy is complete: the record lies after the position copied
        record_file(services.cases, target, "backup", kind, file_format, position, events,
                    f"file={target}")
    except Exception as error:  # the file is removed: no backup leaves unrecorded
        raise BackupError("backup_failed", _lang(),
                          error=f"not recorded in the audit log: {_one_line(error)}") from None
    click.echo(say("backup_done", _lang(), events=events, out=out,
                   size=target.stat().st_size))


@click.command("restore")
@click.argument("backup_file", type=click.Path(exists=True, dir_okay=False))
@click.option("--force", is_flag=True,
              help="Replace what the configured store already holds.")
@lang_option
@with_appcontext
def restore_command(backup_file: str, force: bool) -> None:
    """Load a backup into the configured store, which must be empty (or --force).

    Afterwards: ``homeward projections rebuild all``, ``homeward verify --views``
    and ``homeward digest check FILE``.

    \b
    Example:
      HOMEWARD_DATABASE_URL=postgresql://…?schema=restored homeward restore homeward.tar
    """
    services, source = _services(), Path(backup_file)
    with source.open("rb") as file:
        is_sqlite = file.read(16) == SQLITE_MAGIC
    if not is_sqlite and not tarfile.is_tarfile(source):
        raise BackupError("restore_bad_file", _lang(), backup=backup_file,
                          error="neither a SQLite file nor a tar archive")
    if is_sqlite == services.settings.is_postgres:
        raise BackupError("restore_wrong_store", _lang(), backup=backup_file,
                          kind="SQLite" if is_sqlite else "PostgreSQL",
                          store="PostgreSQL" if services.settings.is_postgres else "SQLite")
    try:
        if is_sqlite:
            events = _restore_sqlite(source, _events_file(services.settings),
                                     _events_table(services), force)
        else:
            events = _restore_postgres(source, services.settings, _events_table(services),
                                       force)
    except (OSError, sqlite3.Error, psycopg.Error, KeyError, ValueError) as error:
        raise BackupError("restore_failed", _lang(), error=_one_line(error)) from None
    click.echo(say("restore_done", _lang(), events=events, backup=backup_file))


def _one_line(error: BaseException) -> str:
    return " ".join(str(error).split()) or type(error).__name__


def _events_table(services: Any) -> str:
    """The library's table of stored events (``stored_events``, ``cases_events``)."""
    return str(services.cases.recorder.events_table_name).split(".")[-1]


def _events_file(settings: Any) -> Path:
    return Path(settings.database_url.removeprefix("sqlite:///"))


# --- SQLite -----------------------------------------------------------------------


def _backup_sqlite(events_file: Path, events_table: str, partial: Path) -> tuple[int, int]:
    """The events copied and the log position (the last notification id) of the copy."""
    with closing(sqlite3.connect(events_file, timeout=30)) as source, \
            closing(sqlite3.connect(partial)) as copy:
        source.backup(copy, pages=4096)
        # One self-contained file: no -wal beside it.
        copy.execute("PRAGMA journal_mode=DELETE")
        if copy.execute("PRAGMA quick_check").fetchone()[0] != "ok":
            raise sqlite3.DatabaseError("the copy fails PRAGMA quick_check")
        events = _sqlite_events(copy, events_table)
        position = copy.execute(f'SELECT MAX(rowid) FROM "{events_table}"').fetchone()[0]
        return events, int(position or 0)


def _sqlite_events(conn: sqlite3.Connection, events_table: str) -> int:
    found = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name = ?",
                         (events_table,)).fetchone()
    if not found:
        raise sqlite3.DatabaseError(f"no {events_table} table: not a Homeward store")
    return int(conn.execute(f'SELECT COUNT(*) FROM "{events_table}"').fetchone()[0])


def _sqlite_holdings(conn: sqlite3.Connection) -> list[str]:
    tables = [name for (name,) in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
    return [t for t in tables if conn.execute(f'SELECT 1 FROM "{t}" LIMIT 1').fetchone()]


def _restore_sqlite(source: Path, events_file: Path, events_table: str, force: bool) -> int:
    with closing(sqlite3.connect(f"file:{source}?mode=ro", uri=True)) as backup:
        if backup.execute("PRAGMA quick_check").fetchone()[0] != "ok":
            raise sqlite3.DatabaseError(f"{source} fails PRAGMA quick_check")
        events = _sqlite_events(backup, events_table)
        with closing(sqlite3.connect(events_file, timeout=30)) as target:
            held = _sqlite_holdings(target)
            if held and not force:
                raise BackupError("restore_not_empty", _lang(), what=", ".join(held))
            backup.backup(target, pages=4096)
            target.execute("PRAGMA journal_mode=WAL")
    return events


# --- PostgreSQL ---------------------------------------------------------------------


def _connect(settings: Any) -> tuple[psycopg.Connection, str]:
    # The library's settings name the server (web/ does not import infrastructure/).
    env = settings.eventsourcing_env()
    conn = psycopg.connect(
        dbname=env["POSTGRES_DBNAME"], host=env["POSTGRES_HOST"], port=env["POSTGRES_PORT"],
        user=env["POSTGRES_USER"], password=env["POSTGRES_PASSWORD"] or None,
        connect_timeout=int(env["POSTGRES_CONNECT_TIMEOUT"]),
    )
    return conn, env["POSTGRES_SCHEMA"]


def _store_tables(conn: psycopg.Connection, schema: str) -> dict[str, list[str]]:
    """Each table of the schema that is not a view's, with its columns in order."""
    rows = conn.execute(
        "SELECT c.table_name, c.column_name FROM information_schema.columns c "
        "JOIN information_schema.tables t USING (table_schema, table_name) "
        "WHERE c.table_schema = %s AND t.table_type = 'BASE TABLE' "
        "ORDER BY c.table_name, c.ordinal_position", (schema,)).fetchall()
    tables: dict[str, list[str]] = {}
    for table, column in rows:
        if not VIEW_TABLE.search(table):
            tables.setdefault(table, []).append(column)
    return tables


def _backup_postgres(settings: Any, events_table: str, partial: Path) -> tuple[int, int]:
    """The events copied and the log position (the last notification id) of the copy."""
    conn, schema = _connect(settings)
    manifest: dict[str, Any] = {"format": FORMAT, "version": 1, "store": "postgresql",
                                "schema": schema, "taken_at": datetime.now(UTC).isoformat(),
                                "tables": []}
    with closing(conn), tarfile.open(partial, "w") as archive, \
            tempfile.TemporaryDirectory(dir=partial.parent) as scratch:
        conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        tables = _store_tables(conn, schema)
        if events_table not in tables:
            raise psycopg.DatabaseError(f"no {schema}.{events_table} table: not a Homeward store")
        position = conn.execute(sql.SQL("SELECT MAX(notification_id) FROM {}.{}").format(
            sql.Identifier(schema), sql.Identifier(events_table))).fetchone()[0]  # type: ignore[index]
        for table, columns in tables.items():
            path, digest = Path(scratch) / f"{table}.copy", hashlib.sha256()
            with conn.cursor() as cur, path.open("wb") as out:
                with cur.copy(sql.SQL("COPY {}.{} ({}) TO STDOUT (FORMAT BINARY)").format(
                        sql.Identifier(schema), sql.Identifier(table),
                        sql.SQL(", ").join(map(sql.Identifier, columns)))) as copy:
                    for chunk in copy:
                        digest.update(chunk)
                        out.write(chunk)
                rows = cur.rowcount
            archive.add(path, arcname=f"tables/{table}.copy")
            path.unlink()
            manifest["tables"].append({"name": table, "columns": columns, "rows": rows,
                                       "sha256": digest.hexdigest()})
        conn.rollback()
        data = json.dumps(manifest, indent=1).encode()
        info = tarfile.TarInfo("manifest.json")
        info.size = len(data)
        archive.addfile(info, io.BytesIO(data))
    events = next(t["rows"] for t in manifest["tables"] if t["name"] == events_table)
    return events, int(position or 0)


def _restore_postgres(source: Path, settings: Any, events_table: str, force: bool
                      ) -> int:
    conn, schema = _connect(settings)
    with closing(conn), tarfile.open(source) as archive:
        manifest = json.load(archive.extractfile("manifest.json"))  # type: ignore[arg-type]
        if manifest.get("format") != FORMAT or manifest.get("store") != "postgresql":
            raise ValueError("the manifest does not describe a Homeward PostgreSQL backup")
        target = _store_tables(conn, schema)
        held = [t for t in target if conn.execute(sql.SQL("SELECT 1 FROM {}.{} LIMIT 1").format(
            sql.Identifier(schema), sql.Identifier(t))).fetchone()]
        if held and not force:
            raise BackupError("restore_not_empty", _lang(), what=", ".join(held))
        for table in target:  # nobody writes while the store is replaced
            conn.execute(sql.SQL("LOCK TABLE {}.{} IN ACCESS EXCLUSIVE MODE").format(
                sql.Identifier(schema), sql.Identifier(table)))
        if held:
            conn.execute(sql.SQL("TRUNCATE {}").format(sql.SQL(", ").join(
                sql.SQL("{}.{}").format(sql.Identifier(schema), sql.Identifier(t))
                for t in target)))
        for entry in manifest["tables"]:
            _copy_in(conn, schema, archive, entry, target)
        _reset_sequences(conn, schema, list(target))
        conn.commit()  # all tables or none
    return int(next(t["rows"] for t in manifest["tables"] if t["name"] == events_table))


def _copy_in(conn: psycopg.Connection, schema: str, archive: tarfile.TarFile,
             entry: dict[str, Any], target: dict[str, list[str]]) -> None:
    table, columns = entry["name"], entry["columns"]
    if table not in target or set(columns) - set(target[table]):
        raise ValueError(f"table {table} ({', '.join(columns)}) is not in this schema as "
                         "backed up: restore with the Homeward version that took the backup")
    member = archive.extractfile(f"tables/{table}.copy")
    digest = hashlib.sha256()
    with conn.cursor() as cur, cur.copy(sql.SQL("COPY {}.{} ({}) FROM STDIN (FORMAT BINARY)")
                                        .format(sql.Identifier(schema), sql.Identifier(table),
                                                sql.SQL(", ").join(map(sql.Identifier, columns)))
                                        ) as copy:
        while chunk := member.read(1 << 20):  # type: ignore[union-attr]
            digest.update(chunk)
            copy.write(chunk)
    if digest.hexdigest() != entry["sha256"]:
        raise ValueError(f"table {table} in the backup does not match its SHA-256")


def _reset_sequences(conn: psycopg.Connection, schema: str, tables: list[str]) -> None:
    """Serial columns continue after the restored rows (notification ids above all)."""
    serials = conn.execute(
        "SELECT table_name, column_name FROM information_schema.columns "
        "WHERE table_schema = %s AND column_default LIKE 'nextval(%%'", (schema,)).fetchall()
    for table, column in serials:
        if table in tables:
            qualified = f'"{schema}"."{table}"'
            conn.execute(sql.SQL(
                "SELECT setval(pg_get_serial_sequence(%s, %s), "
                "COALESCE((SELECT MAX({}) FROM {}.{}), 0) + 1, false)").format(
                    sql.Identifier(column), sql.Identifier(schema), sql.Identifier(table)),
                (qualified, column))
