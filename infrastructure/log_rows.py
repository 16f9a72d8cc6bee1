"""The event log's rows as plain tuples, for reading all of it (an export) or a long stream.

The library's recorder makes a ``Notification`` or ``StoredEvent`` object, with
a ``UUID``, of every row it selects; over a whole log or a long case that costs
more than the query.  These readers run the queries ``select_notifications`` and
``select_events`` run, on the recorder's own connections, and hand back tuples:
``(position, stream id, version, topic, state)`` for the log, the stream id as
the store holds it (hex text on SQLite, a ``UUID`` on PostgreSQL), and
``(version, topic, state)`` for one stream.  Any other recorder is read through
its own objects.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.sqlite import SQLiteApplicationRecorder
from psycopg import sql
from psycopg.rows import tuple_row

from application.decoding import StreamRow, StreamRows, event_rows_of
from application.event_export import LogRow, LogRows, notification_rows


def log_rows(recorder: Any) -> LogRows:
    """The fastest reader of the recorder's rows."""
    if isinstance(recorder, SQLiteApplicationRecorder):
        return _sqlite(recorder)
    if isinstance(recorder, PostgresApplicationRecorder):
        return _postgres(recorder)
    return notification_rows(recorder)


def _sqlite(recorder: SQLiteApplicationRecorder) -> LogRows:
    select = ("SELECT rowid, originator_id, originator_version, topic, state "
              f"FROM {recorder.events_table_name} WHERE rowid>? AND rowid<=? ")

    def read(start: int, stop: int, topics: Sequence[str], limit: int) -> Sequence[LogRow]:
        statement = select
        if topics:
            statement += f"AND topic IN ({','.join('?' * len(topics))}) "
        with recorder.datastore.transaction(commit=False) as cursor:
            cursor.execute(statement + "ORDER BY rowid LIMIT ?", [start, stop, *topics, limit])
            found: Sequence[LogRow] = cursor.fetchall()  # rows that index as tuples do
            return found

    return read


def _postgres(recorder: PostgresApplicationRecorder) -> LogRows:
    table = sql.Identifier(recorder.datastore.schema, recorder.events_table_name)
    select = sql.SQL("SELECT notification_id, originator_id, originator_version, topic, state "
                     "FROM {} WHERE notification_id>%s AND notification_id<=%s ").format(table)
    every, some = (select + sql.SQL(tail) for tail in (
        "ORDER BY notification_id LIMIT %s",
        "AND topic = ANY(%s) ORDER BY notification_id LIMIT %s"))

    def read(start: int, stop: int, topics: Sequence[str], limit: int) -> Sequence[LogRow]:
        with recorder.datastore.get_connection() as conn, \
                conn.cursor(row_factory=tuple_row) as cursor:
            if topics:
                cursor.execute(some, (start, stop, list(topics), limit), prepare=True)
            else:
                cursor.execute(every, (start, stop, limit), prepare=True)
            return cursor.fetchall()

    return read


def stream_rows(recorder: Any) -> StreamRows:
    """The fastest reader of one stream's rows, oldest first."""
    if isinstance(recorder, SQLiteApplicationRecorder):
        return _sqlite_stream(recorder)
    if isinstance(recorder, PostgresApplicationRecorder):
        return _postgres_stream(recorder)
    return event_rows_of(recorder)


def _sqlite_stream(recorder: SQLiteApplicationRecorder) -> StreamRows:
    select = ("SELECT originator_version, topic, state "
              f"FROM {recorder.events_table_name} WHERE originator_id=? ")

    def read(stream: UUID, upto: int | None = None) -> Sequence[StreamRow]:
        with recorder.datastore.transaction(commit=False) as cursor:
            if upto is None:
                cursor.execute(select + "ORDER BY originator_version", [stream.hex])
            else:
                cursor.execute(select + "AND originator_version<=? ORDER BY originator_version",
                               [stream.hex, upto])
            found: Sequence[StreamRow] = cursor.fetchall()
            return found

    return read


def _postgres_stream(recorder: PostgresApplicationRecorder) -> StreamRows:
    table = sql.Identifier(recorder.datastore.schema, recorder.events_table_name)
    select = sql.SQL("SELECT originator_version, topic, state FROM {} "
                     "WHERE originator_id = %s ").format(table)
    every, some = (select + sql.SQL(tail) for tail in (
        "ORDER BY originator_version", "AND originator_version <= %s ORDER BY originator_version"))

    def read(stream: UUID, upto: int | None = None) -> Sequence[StreamRow]:
        with recorder.datastore.get_connection() as conn, \
                conn.cursor(row_factory=tuple_row) as cursor:
            if upto is None:
                cursor.execute(every, (stream,), prepare=True)
            else:
                cursor.execute(some, (stream, upto), prepare=True)
            return cursor.fetchall()

    return read
