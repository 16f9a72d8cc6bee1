"""Building views from the log: batched catch-up, atomic rebuild, one runner per view.

Catch-up reads the log in batches (``select_notifications``) and commits each
batch with its tracking position in one transaction: many times faster than
one transaction per event, and still exactly-once.  A rebuild fills the next
generation of a view's tables while the current one stays readable, then
switches to it.  A view lock (a PostgreSQL advisory lock, or a file lock on
SQLite) makes sure one process at a time writes a view.
"""

from __future__ import annotations

import fcntl
import gc
import multiprocessing
import multiprocessing.connection
import threading
import zlib
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from time import monotonic
from typing import Any

from eventsourcing.persistence import Tracking
from sqlalchemy import Connection, Engine, MetaData, create_engine, delete, event, text
from sqlalchemy.exc import DBAPIError

from application.cases import Cases
from application.decoding import Decoder
from application.projections.activities import ActivitiesProjection
from application.projections.audit_log import AuditLogProjection
from application.projections.case_list import CaseListProjection
from application.projections.data_quality import DataQualityProjection
from application.projections.folding import SharedFolder
from application.projections.indicators import IndicatorsProjection
from application.projections.registries import RegistriesProjection
from application.projections.work_queue import WorkQueueProjection
from infrastructure.settings import Settings, postgres_env
from infrastructure.views.activities import SQLActivitiesView
from infrastructure.views.audit_log import SQLAuditLogView
from infrastructure.views.base import SQLView, ViewDatabase
from infrastructure.views.case_list import SQLCaseListView
from infrastructure.views.data_quality import SQLDataQualityView
from infrastructure.views.indicators import SQLIndicatorsView
from infrastructure.views.registries import SQLRegistriesView
from infrastructure.views.work_queue import SQLWorkQueueView

#: Each view: its SQL class and how to build its projection.
REGISTRY: dict[str, tuple[type[SQLView], Callable[[Any, Cases], Any]]] = {
    "case_list": (SQLCaseListView, lambda view, cases: CaseListProjection(view, cases)),
    "audit_log": (SQLAuditLogView, lambda view, cases: AuditLogProjection(view, cases)),
    "work_queue": (SQLWorkQueueView, lambda view, cases: WorkQueueProjection(view, cases)),
    "indicators": (SQLIndicatorsView, lambda view, cases: IndicatorsProjection(view, cases)),
    "data_quality": (SQLDataQualityView,
                     lambda view, cases: DataQualityProjection(view, cases)),
    "registries": (SQLRegistriesView, lambda view, cases: RegistriesProjection(view, cases)),
    "activities": (SQLActivitiesView, lambda view, cases: ActivitiesProjection(view, cases)),
}
BATCH = 500
#: A rebuild's batches: larger, since nothing reads the new generation until it is done.
REBUILD_BATCH = 5_000
STATUS_COUNT_LIMIT = 10_000
#: The generation that ``verify`` builds and drops (live generations start at 1).
SCRATCH = 0


def view_engine(settings: Settings) -> tuple[Engine, MetaData]:
    """The engine of the views' database: beside the events, in the same kind of store."""
    pool = {"pool_size": 2 * len(REGISTRY) + 2, "max_overflow": len(REGISTRY)}
    if settings.is_postgres:
        env = postgres_env(settings.database_url)
        url = (f"postgresql+psycopg://{env['POSTGRES_USER']}:{env['POSTGRES_PASSWORD']}"
               f"@{env['POSTGRES_HOST']}:{env['POSTGRES_PORT']}/{env['POSTGRES_DBNAME']}")
        # A projection worker holds each view's lock on a connection of its own and
        # writes the view on another, so it needs two per view, and all are kept: a
        # connection opened for one write and closed after it costs the server a new
        # session each time, and at tens of events a second the views fell behind.
        # The pool opens connections only when asked, so a web process keeps the few
        # it uses.  Bursts (a status, many waits at once) may open a few more.
        engine = create_engine(url, pool_pre_ping=True, **pool, connect_args={
            "connect_timeout": int(env["POSTGRES_CONNECT_TIMEOUT"])})
        return engine, MetaData(schema=env["POSTGRES_SCHEMA"])
    events_file = Path(settings.database_url.removeprefix("sqlite:///"))
    views_file = events_file.with_name(events_file.stem + ".views.sqlite3")
    # As many kept connections as on PostgreSQL: with SQLAlchemy's default of five, a
    # worker's seven runners and the waits beside them overflowed it whenever they met,
    # and each overflow connection was opened again and closed after its one use.
    engine = create_engine(f"sqlite:///{views_file}", **pool, connect_args={"timeout": 30})

    @event.listens_for(engine, "connect")
    def _pragmas(connection: Any, _: Any) -> None:
        # WAL lets the web read while a runner writes; autocommit off is SQLAlchemy's job.
        cursor = connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    return engine, MetaData()


@dataclass
class Views:
    """The views of one process and what builds them."""

    db: ViewDatabase
    cases: Cases
    lock_dir: Path | None
    #: Opens this process's stores anew (in a child process of a rebuild by several jobs):
    #: returns an object with ``cases``, ``views`` and ``close()``.
    reopen: Callable[[], Any] | None = None

    def __post_init__(self) -> None:
        self.views: dict[str, SQLView] = {name: cls(self.db) for name, (cls, _) in
                                          REGISTRY.items()}
        self._topics: dict[str, frozenset[str]] = {}

    def __getitem__(self, name: str) -> Any:
        return self.views[name]

    def projection(self, name: str, view: SQLView) -> Any:
        return REGISTRY[name][1](view, self.cases)

    def exports(self) -> Any:
        """The views' rows for exports, as of any position (``application.exports.ViewSource``)."""
        from infrastructure.views.exports import ViewExports

        return ViewExports(self)

    def catch_up(self, name: str, progress: Callable[[int, int], None] | None = None) -> int:
        """Bring one view up to the log's head; returns the events processed."""
        view = self.views[name]
        return catch_up(self.cases, self.projection(name, view), view, progress=progress)

    def wait(self, notification_id: int | None, timeout: float = 2.0,
             names: tuple[str, ...] = ()) -> None:
        """Wait until the views have processed ``notification_id``, at most ``timeout``
        seconds for all of them together (``TimeoutError`` past it).

        A view that does not take the event's topic has nothing to process (its
        position stays at the last event it takes), so it is not waited for.
        """
        if notification_id is None:
            return
        deadline = monotonic() + timeout
        found = self.cases.recorder.select_notifications(start=notification_id, limit=1)
        topic = found[0].topic if found and found[0].id == notification_id else None
        for name in names or tuple(self.views):
            view, taken = self.views[name], self.topics(name)
            if topic is not None and taken and topic not in taken:
                continue
            view.wait(self.cases.name, notification_id, timeout=max(0.0, deadline - monotonic()))

    def topics(self, name: str) -> frozenset[str]:
        """The topics a view's projection takes (empty: all), read once per process: a
        projection is made with its decoder and folds, too much for every wait."""
        found = self._topics.get(name)
        if found is None:
            found = self._topics[name] = frozenset(self.projection(name, self.views[name])
                                                   .topics)
        return found

    def rebuild(self, name: str, progress: Callable[[int, int], None] | None = None) -> int:
        """Build the view afresh beside the live one, then switch to it."""
        return self.rebuild_many([name], progress)

    def rebuild_many(self, names: list[str],
                     progress: Callable[[int, int], None] | None = None,
                     jobs: int = 1) -> int:
        """Build views afresh beside the live ones in one pass over the log, then switch.

        Each event is read and decoded once and handed to every view that takes its
        topic; each view writes its batches in its own transactions, with its own
        tracking, into a new generation whose secondary indexes are built once at the
        end.  With ``jobs`` above one the views are shared out among as many processes
        (:func:`job_groups`), each making its own pass.  Returns the events read (by
        the pass of this process).
        """
        with ExitStack() as held:
            for name in names:
                held.enter_context(self.lock(name))
            fresh: dict[str, tuple[int, SQLView, list[Any]]] = {}
            for name in names:
                with self.db.engine.connect() as conn:
                    current = self.db.generation(conn, name)
                view = type(self.views[name])(self.db, generation=current + 1)
                drop_generation(view, current + 1)  # a rebuild that died half-way
                fresh[name] = (current, view, view.without_indexes(current + 1))
            groups = job_groups(names, jobs if self.reopen is not None else 1)
            with _RebuildJobs(self.reopen, [[(n, fresh[n][0] + 1) for n in group]
                                            for group in groups[1:]]) as others:
                last = [0]

                def tick(position: int, head: int) -> None:
                    last[0] = head
                    if progress:
                        progress(others.position(position), head)

                count = replay(self.cases, [(self.projection(name, fresh[name][1]),
                                             fresh[name][1]) for name in groups[0]],
                               batch=REBUILD_BATCH, progress=tick)
                others.wait(progress, last[0])
            for name, (current, view, deferred) in fresh.items():
                view.add_indexes(current + 1, deferred)
                self._switch(name, current, view)
        return count

    def _switch(self, name: str, current: int, fresh: SQLView) -> None:
        """Point the view at its new generation and drop the old one."""
        with self.db.engine.begin() as conn:
            table = self.db.generations
            conn.execute(delete(table).where(table.c.view == name))
            conn.execute(table.insert().values(view=name, generation=current + 1))
        drop_generation(self.views[name], current)
        if self.db.is_postgres:  # fresh tables have no statistics; plans would guess
            with self.db.engine.begin() as conn:
                for new_table in fresh.tables(current + 1).values():
                    conn.execute(text(f'ANALYZE "{self.db.metadata.schema}".'
                                      f'"{new_table.name}"'))

    def verify(self, name: str) -> bool:
        """Whether the view equals a fresh replay of the log up to the view's position."""
        live = self.views[name]
        position = live.max_tracking_id(self.cases.name) or 0
        scratch = type(live)(self.db, generation=SCRATCH)
        drop_generation(scratch, SCRATCH)
        try:
            if position:
                catch_up(self.cases, self.projection(name, scratch), scratch, stop=position)
            return scratch.checksum() == live.checksum()
        finally:
            drop_generation(scratch, SCRATCH)

    def status(self) -> list[tuple[str, int, int, int, int]]:
        """Per view: generation, position, the log's head and the events still to process."""
        head = self.cases.recorder.max_notification_id() or 0
        rows = []
        for name, view in self.views.items():
            with self.db.engine.connect() as conn:
                generation = self.db.generation(conn, name)
            position = view.max_tracking_id(self.cases.name) or 0
            waiting = len(self.cases.recorder.select_notifications(
                start=position, limit=STATUS_COUNT_LIMIT, inclusive_of_start=False,
                topics=self.projection(name, view).topics))
            rows.append((name, generation, position, head, waiting))
        return rows

    @contextmanager
    def lock(self, name: str, wait: bool = True) -> Iterator[bool]:
        """Hold the view's writer lock (across processes and hosts)."""
        if self.db.is_postgres:
            # Advisory locks are per database: name the schema so deployments and
            # test schemas sharing a database do not take each other's locks.
            key = zlib.crc32(f"homeward-view-{self.db.metadata.schema}-{name}".encode())
            with self.db.engine.connect() as conn:
                sql = "SELECT pg_advisory_lock(:k)" if wait else "SELECT pg_try_advisory_lock(:k)"
                got = conn.execute(text(sql), {"k": key}).scalar() is not False
                conn.commit()
                try:
                    yield got
                finally:
                    if got:
                        _unlock(conn, key)
            return
        assert self.lock_dir is not None
        self.lock_dir.mkdir(parents=True, exist_ok=True)
        with open(self.lock_dir / f"{name}.lock", "w") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
                got = True
            except BlockingIOError:
                got = False
            try:
                yield got
            finally:
                if got:
                    fcntl.flock(handle, fcntl.LOCK_UN)


def _unlock(conn: Connection, key: int) -> None:
    try:
        conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
        conn.commit()
    except DBAPIError as error:
        if not error.connection_invalidated:
            raise
        # The session is gone (the server restarted): its locks went with it.


def catch_up(cases: Cases, projection: Any, view: SQLView, *, batch: int = BATCH,
             progress: Callable[[int, int], None] | None = None,
             stop: int | None = None) -> int:
    """Process every event after the view's position (up to ``stop``), a batch per transaction."""
    start = view.max_tracking_id(cases.name) or 0
    head, done = stop or cases.recorder.max_notification_id() or 0, 0
    decode = Decoder(cases.mapper).event
    while notifications := cases.recorder.select_notifications(
        start=start, limit=batch, topics=projection.topics, inclusive_of_start=False,
        stop=stop,
    ):
        apply_batch(projection, view, [(decode(n), Tracking(cases.name, n.id))
                                       for n in notifications])
        start, done = notifications[-1].id, done + len(notifications)
        if progress:
            progress(start, max(head, start))
    return done


#: A bulk pass's youngest generation is collected after this many new objects, not 700.
BULK_GC_THRESHOLD = 100_000


class _BulkPasses:
    """The bulk passes under way in this process, and the threshold they replaced."""

    lock = threading.Lock()
    running = 0
    threshold = 0


@contextmanager
def fewer_collections() -> Iterator[None]:
    """Python's cyclic garbage collector, run less often while a bulk pass is under way.

    A pass over the log makes and drops millions of small objects (rows, events,
    tuples); reference counting frees them, and few form cycles.  With the default
    threshold the collector runs every 700 new objects, some 3,400 times per 100,000
    events, each time scanning the young objects and now and then all that the pass
    keeps (every case's fold).  Objects that exist before the pass are set aside
    (``gc.freeze``).  Passes in several threads share one setting, restored when the
    last one ends.
    """
    with _BulkPasses.lock:
        _BulkPasses.running += 1
        if _BulkPasses.running == 1:
            first, *older = gc.get_threshold()
            _BulkPasses.threshold = first
            gc.freeze()
            gc.set_threshold(BULK_GC_THRESHOLD, *older)
    try:
        yield
    finally:
        with _BulkPasses.lock:
            _BulkPasses.running -= 1
            if _BulkPasses.running == 0:
                gc.set_threshold(_BulkPasses.threshold, *gc.get_threshold()[1:])
                gc.unfreeze()


def replay(cases: Cases, targets: list[tuple[Any, SQLView]], *, batch: int = BATCH,
           progress: Callable[[int, int], None] | None = None) -> int:
    """The whole log, read and decoded once, into several empty views: each batch of
    events goes to each view whose projection takes their topics.  Returns the events read."""
    with fewer_collections():
        return _replay(cases, targets, batch, progress)


def _replay(cases: Cases, targets: list[tuple[Any, SQLView]], batch: int,
            progress: Callable[[int, int], None] | None) -> int:
    decode = Decoder(cases.mapper).event
    topics = sorted({topic for projection, _ in targets for topic in projection.topics})
    if len(targets) > 1:  # the projections that fold cases fold each event once
        shared = SharedFolder(cases)
        for projection, _ in targets:
            if hasattr(projection, "folder"):
                projection.folder = shared
    taking = [(projection, view, frozenset(projection.topics)) for projection, view in targets]
    start, head, done = 0, cases.recorder.max_notification_id() or 0, 0
    while notifications := cases.recorder.select_notifications(
        start=start, limit=batch, topics=topics, inclusive_of_start=False,
    ):
        events = [(n.topic, decode(n), Tracking(cases.name, n.id)) for n in notifications]
        for projection, view, taken in taking:
            mine = [(event, tracking) for topic, event, tracking in events if topic in taken]
            if mine:
                apply_batch(projection, view, mine)
        start, done = notifications[-1].id, done + len(notifications)
        if progress:
            progress(start, max(head, start))
    return done


#: The views that fold cases: rebuilt by one process, they share one fold of each case.
FOLDING = ("case_list", "data_quality", "indicators", "registries")


def job_groups(names: list[str], jobs: int) -> list[list[str]]:
    """``names`` shared out among at most ``jobs`` processes, each group a pass over the log.

    The views that fold cases stay together (they share the fold); the others are
    dealt out over the remaining processes.
    """
    if jobs <= 1 or len(names) <= 1:
        return [list(names)]
    folding = [name for name in names if name in FOLDING]
    others = [name for name in names if name not in FOLDING]
    if not folding:
        folding, others = others[:1], others[1:]
    groups: list[list[str]] = [folding] + [[] for _ in range(min(jobs - 1, len(others)))]
    for index, name in enumerate(others):
        groups[1 + index % (len(groups) - 1)].append(name)
    return [group for group in groups if group]


class _RebuildJobs:
    """Child processes, each replaying the log into its group of fresh generations."""

    def __init__(self, reopen: Callable[[], Any] | None,
                 groups: list[list[tuple[str, int]]]) -> None:
        self.reopen, self.groups = reopen, groups
        self.children: list[tuple[Any, Any, Any]] = []  # process, results, position
        self.results: dict[int, tuple[str, Any]] = {}

    def __enter__(self) -> _RebuildJobs:
        context = multiprocessing.get_context(
            "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn")
        try:
            for group in self.groups:
                results, send = context.Pipe(duplex=False)
                position = context.Value("q", 0, lock=False)
                process = context.Process(target=_rebuild_part, daemon=True,
                                          args=(self.reopen, group, position, send))
                process.start()
                send.close()
                self.children.append((process, results, position))
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def position(self, own: int) -> int:
        """How far every pass has come: the least of their positions, a finished pass
        counting as ``own`` (a failed one raises)."""
        self._check()
        return min([own] + [position.value for index, (_, _, position)
                            in enumerate(self.children) if index not in self.results])

    def _check(self) -> None:
        for index, (process, results, _) in enumerate(self.children):
            if index in self.results or not results.poll():
                continue
            try:
                self.results[index] = results.recv()
            except EOFError:
                process.join(5)
                self.results[index] = ("error", f"a rebuild process stopped with exit code "
                                                f"{process.exitcode}")
            if self.results[index][0] == "error":
                raise RuntimeError(f"rebuild of {', '.join(n for n, _ in self.groups[index])}"
                                   f" failed: {self.results[index][1]}")

    def wait(self, progress: Callable[[int, int], None] | None, head: int) -> None:
        """Until every child has finished its pass up to ``head`` (a failed one raises)."""
        while len(self.results) < len(self.children):
            multiprocessing.connection.wait(
                [r for i, (_, r, _) in enumerate(self.children) if i not in self.results], 0.5)
            self._check()
            if progress:
                progress(self.position(head), head)

    def __exit__(self, *_: Any) -> None:
        for process, results, _ in self.children:
            if process.is_alive():
                process.terminate()
            process.join()
            results.close()


def _rebuild_part(reopen: Callable[[], Any], group: list[tuple[str, int]], position: Any,
                  results: Any) -> None:
    """In a child: replay the log into the fresh generations of ``group``; send the count."""
    try:
        services = reopen()
        try:
            views, targets = services.views, []
            for name, generation in group:
                view = type(views.views[name])(views.db, generation=generation)
                view.without_indexes(generation)  # the tables, made by the parent
                targets.append((views.projection(name, view), view))

            def tick(done: int, _: int) -> None:
                position.value = done

            count = replay(services.cases, targets, batch=REBUILD_BATCH, progress=tick)
            results.send(("done", count))
        finally:
            services.close()
    except BaseException as error:  # the parent raises it
        results.send(("error", f"{type(error).__name__}: {error}"))
    finally:
        results.close()


def apply_batch(projection: Any, view: SQLView, events: list[tuple[Any, Tracking]]) -> None:
    """Process a batch of events in one transaction of the view, with the last position."""
    batching = hasattr(projection, "begin_batch")
    process = projection.process_event  # looked up once: each lookup makes a new method
    try:
        with view.batch():
            if batching:
                projection.begin_batch()
            for event, tracking in events:
                process(event, tracking)
            if batching:
                projection.end_batch()
    except BaseException:
        if batching:
            projection.abort_batch()
        if hasattr(projection, "forget"):
            projection.forget()  # its cached streams may include the failed batch
        raise


def drop_generation(view: SQLView, generation: int) -> None:
    """Drop a generation's tables and its tracking row."""
    tables = view.tables(generation)
    with view.db.engine.begin() as conn:
        for table in tables.values():
            table.drop(conn, checkfirst=True)
        conn.execute(delete(view.db.tracking)
                     .where(view.db.tracking.c.view == view.tracking_key(generation)))
    view.forget_tables(generation)


def build_views(settings: Settings, cases: Cases) -> Views:
    engine, metadata = view_engine(settings)
    lock_dir = None if settings.is_postgres else settings.instance_path / "locks"
    return Views(ViewDatabase(engine, metadata), cases, lock_dir)
