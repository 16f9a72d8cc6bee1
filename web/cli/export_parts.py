"""An events export made in parts at once: this process makes the first, a child each other.

The log up to the export's position is cut into consecutive ranges
(``Exporter.parts``).  This process writes the file's head and the first
range's rows; each other range is written by a child process to a hidden part
file beside the export, with the same row writer.  The parts are then
appended in order, so the file has the bytes a single pass writes.  The
progress bar counts every part's events; a failure in any part stops the
others and leaves neither the export nor a part file behind.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import os
import shutil
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from application.exports import ExportError
from web.cli.export_files import ROW_WRITERS, open_text, write_atomically, write_head

if TYPE_CHECKING:
    from multiprocessing.connection import Connection
    from multiprocessing.process import BaseProcess

    from application.cases import Cases
    from application.event_export import EventRange

#: A forked child starts at once, with everything imported; elsewhere children start afresh.
START = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
POLL_SECONDS = 0.2


def default_jobs() -> int:
    """One process per CPU this process may run on, at most 4."""
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(1, min(cpus or 1, 4))


@dataclass
class _Child:
    process: BaseProcess
    results: Connection
    path: Path
    done: Any  # a shared counter: events covered so far
    rows: int | None = None


def write_in_parts(out: Path, file_format: str, header: dict[str, Any],
                   columns: tuple[str, ...], parts: Sequence[EventRange], cases: Cases,
                   progress: Callable[[int, int], None] | None = None) -> tuple[int, str]:
    """Write the export from ``parts`` at once; returns its rows and SHA-256."""
    context = multiprocessing.get_context(START)
    total, write_rows = parts[-1].stop, ROW_WRITERS[file_format]

    def write(path: Path) -> int:
        children: list[_Child] = []
        try:
            for part in parts[1:]:
                children.append(_start(context, part, file_format, columns, path))

            def tick(done: int, _: int) -> None:
                _check(children)
                if progress:
                    progress(done + sum(c.done.value for c in children), total)

            with open_text(path, file_format) as handle:
                write_head(handle, file_format, header, columns)
                count = write_rows(handle, columns, parts[0].rows(tick, cases))
            while not all(c.rows is not None for c in children):
                tick(parts[0].stop, total)
                multiprocessing.connection.wait([c.results for c in children if c.rows is None],
                                                POLL_SECONDS)
            with open(path, "ab") as target:
                for child in children:
                    with open(child.path, "rb") as source:
                        shutil.copyfileobj(source, target, 1 << 20)
            return count + sum(c.rows or 0 for c in children)
        finally:
            _stop(children)

    return write_atomically(out, write)


def _start(context: Any, part: EventRange, file_format: str, columns: tuple[str, ...],
           beside: Path) -> _Child:
    handle, name = tempfile.mkstemp(dir=beside.parent, prefix=f"{beside.name}.",
                                    suffix=f".{part.start}")
    os.close(handle)
    results, send = context.Pipe(duplex=False)
    done = context.Value("q", 0, lock=False)
    process = context.Process(target=_make_part, daemon=True,
                              args=(part, file_format, columns, Path(name), done, send))
    child = _Child(process, results, Path(name), done)
    try:
        process.start()
    except BaseException:
        child.path.unlink(missing_ok=True)
        raise
    finally:
        send.close()
    return child


def _check(children: list[_Child]) -> None:
    """Take the results that came in; a failed part raises its error here."""
    for child in children:
        if child.rows is None and child.results.poll():
            try:
                result = child.results.recv()
            except EOFError:
                child.process.join(5)
                result = ("error", f"a part stopped with exit code {child.process.exitcode}")
            if result[0] == "done":
                child.rows = result[1]
            elif result[0] == "export":
                raise ExportError(result[1], result[2], **result[3])
            elif result[0] == "os":
                raise OSError(result[1], result[2])
            else:
                raise RuntimeError(result[1])


def _stop(children: list[_Child]) -> None:
    for child in children:
        if child.process.is_alive():
            child.process.terminate()
        child.process.join()
        child.results.close()
        child.path.unlink(missing_ok=True)


def _make_part(part: EventRange, file_format: str, columns: tuple[str, ...], path: Path,
               done: Any, results: Connection) -> None:
    """In a child: write the part's rows to ``path`` and send back how many, or the error."""

    def tick(position: int, _: int) -> None:
        done.value = position - part.start

    try:
        with open_text(path, file_format) as handle:
            rows = ROW_WRITERS[file_format](handle, columns, part.rows(tick))
        results.send(("done", rows))
    except ExportError as error:
        results.send(("export", error.code, str(error), error.params))
    except OSError as error:
        results.send(("os", error.errno, error.strerror or str(error)))
    except BaseException as error:  # the parent raises it
        results.send(("error", f"{type(error).__name__}: {error}"))
    finally:
        results.close()
