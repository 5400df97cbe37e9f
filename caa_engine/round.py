"""A round: many evidence bundles assessed and reported one area at a time, in input order.

:class:`Round` runs its tasks in this process or in worker processes (each builds one :class:`Engine` from the
compiled plan, once, when it starts) and yields one :class:`AreaOutcome` per bundle, in the order given, whatever
order the workers finish in.  Only a few tasks are in flight at once and each area's report is rendered (and,
given a file, written atomically) where it was assessed, so memory stays flat however many areas there are; a
worker returns text or an outcome, never a :class:`Result`.  A bundle that is invalid gives its issues and the
round goes on.  The reports are rendered by the same code in every case, so a run with workers has the same
bytes as a serial one.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import signal
import sys
from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, replace
from pathlib import Path
from types import TracebackType
from typing import Any

from ._io import input_limit, write_atomic
from .compile import Plan
from .engine import Engine
from .errors import EngineError, EvidenceError, Issue
from .evidence.loader import load_bundle
from .ledger.earlier import LedgerHistory
from .ledger.store import LedgerEntry, LedgerError, entry_of
from .report import DEFAULT_WIDTH, render, render_piece
from .report._page import IndexRow, index_row
from .report.summary import summary_rows

__all__ = ["RoundTask", "ReportStyle", "AreaOutcome", "Round"]


@dataclass(frozen=True)
class RoundTask:
    """One bundle to assess: its path, the name results and messages give it, and where its report goes."""

    path: str
    display: str
    data: bytes | None = None  # the bundle's bytes, when read already (standard input)
    issues: tuple[Issue, ...] = ()  # why it could not even be read, when the caller tried
    out: str | None = None  # write the area's whole report to this file instead of returning it


@dataclass(frozen=True)
class ReportStyle:
    """How each area's report is rendered: a piece of a report of several (``render_piece``), or whole."""

    kind: str
    width: int = DEFAULT_WIDTH
    colour: bool = False
    array: bool = False  # JSON: the pieces are items of an array
    trail: str = "full"  # JSON: how much of the audit trail (Result.to_json)
    record: bool = False  # also give each area's ledger entry (caa_engine/ledger)
    summary: bool = False  # also give each area's rows of the national table (report/summary.py)
    index: bool = False  # also give each area's row of the national view (an HTML folder's index, markdown's table)


@dataclass(frozen=True)
class AreaOutcome:
    """What became of one task: the area's id and name and its report (or the file written), or why not."""

    index: int  # the task's place in the round, from 1
    display: str
    area: tuple[str, str] | None = None
    text: str | None = None
    issues: tuple[Issue, ...] = ()  # the evidence is invalid: nothing was judged
    failure: str | None = None  # the engine failed (a bug, never bad input)
    write_error: str | None = None  # the report could not be written
    entry: LedgerEntry | None = None  # what to record in the ledger, when the style asks
    summary: tuple[dict[str, str], ...] = ()  # the area's rows of the national table, when the style asks
    index_row: IndexRow | None = None  # the area's row of the national index page, when the style asks

    @property
    def judged(self) -> bool:
        return self.area is not None


class _Assessor:
    """An engine and a report style: assesses one task and renders or writes its report.  ``history``: the
    ledger to read earlier values from and the last record to read, opened (in this process) when first used."""

    def __init__(self, engine: Engine, style: ReportStyle, history: tuple[str, int] | None = None):
        self.engine = engine
        self.style = style
        self._entry: LedgerEntry | None = None  # the ledger entry of the task being run, when the style asks
        self._history_at = history
        self._history: LedgerHistory | None = None

    def history(self) -> LedgerHistory | None:
        if self._history is None and self._history_at is not None:
            self._history = LedgerHistory(*self._history_at)
        return self._history

    def close(self) -> None:
        if self._history is not None:
            self._history.close()

    def run(self, index: int, task: RoundTask) -> AreaOutcome:
        self._entry = None
        try:
            outcome = self._run(index, task)
        except Exception as error:  # a bug (bad input is EvidenceError): one line, exit 1, in a worker or not
            bug = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
            return AreaOutcome(index, task.display, failure=f"the engine failed ({bug}); this is a bug in caa-engine")
        return outcome if self._entry is None or not outcome.judged else replace(outcome, entry=self._entry)

    def _run(self, index: int, task: RoundTask) -> AreaOutcome:
        if task.issues:
            return AreaOutcome(index, task.display, issues=task.issues)
        try:
            loaded = load_bundle(task.path, task.display, task.data)
            result = self.engine.assess(loaded, self.history())
        except EvidenceError as error:
            return AreaOutcome(index, task.display, issues=tuple(error.issues))
        except LedgerError as error:
            return AreaOutcome(index, task.display, failure=f"cannot read earlier values: {error}")
        except EngineError as error:
            return AreaOutcome(index, task.display, failure=f"the {self.engine.backend_name} backend failed: {error}")
        area = (str(result.area["id"]), str(result.area["name"]))
        style = self.style
        if style.record:  # the result to record in the ledger, by the parent, in input order
            self._entry = entry_of(result, self.engine.period_of(loaded))
        rows = summary_rows(result) if style.summary else ()
        listed = index_row(result, Path(task.out).name if task.out else "") if style.index else None
        if task.out is None:
            text = render_piece(
                result,
                style.kind,
                index=index,
                width=style.width,
                colour=style.colour,
                array=style.array,
                trail=style.trail,
            )
            return AreaOutcome(index, task.display, area, text, summary=rows, index_row=listed)
        try:
            report = render(
                [result], style.kind, width=style.width, colour=style.colour, array=False, trail=style.trail
            )
            write_atomic(task.out, report)
        except OSError as error:
            return AreaOutcome(index, task.display, area, write_error=error.strerror or str(error), summary=rows)
        return AreaOutcome(index, task.display, area, summary=rows, index_row=listed)


# A worker process's assessor, built once by the pool's initializer; each process has its own.
_WORKER: dict[str, Any] = {}


def _start_worker(
    plan: Plan, backend: str, style: ReportStyle, limit: int | None, history: tuple[str, int] | None
) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle: it stops the workers
    _WORKER["limit"] = limit
    try:
        _WORKER["assessor"] = _Assessor(Engine(plan, backend), style, history)
    except EngineError as error:  # reported with the first task, so the pool does not restart the worker
        _WORKER["setup"] = str(error)
    # What the worker holds from now on (the compiled rules, the modules) lives as long as it does: the cyclic
    # garbage collector need not walk it again after every few hundred areas' worth of new objects.
    gc.freeze()


def _work(index: int, task: RoundTask) -> AreaOutcome:
    if "setup" in _WORKER:
        return AreaOutcome(index, task.display, failure=_WORKER["setup"])
    with input_limit(_WORKER["limit"]):
        outcome: AreaOutcome = _WORKER["assessor"].run(index, task)
    return outcome


class Round:
    """Assess ``tasks`` with ``plan`` on ``backend`` in ``jobs`` processes (1: in this one); iterate for outcomes.

    Use it as a context manager: the worker processes start on entry (before any other thread, such as a
    progress bar's, exists) and are stopped on exit, at once if the round did not finish.  ``limit`` is the
    input size limit for the workers (``_io.input_limit``); ``history``, a ledger (file path or URL) and the last
    of its records to read the indicators' earlier values from, each process opening it itself.  Raises
    EngineError on entry, in this process, if the engine cannot be built.
    """

    def __init__(
        self,
        plan: Plan,
        backend: str,
        tasks: Sequence[RoundTask],
        style: ReportStyle,
        *,
        jobs: int = 1,
        limit: int | None = None,
        history: tuple[str, int] | None = None,
    ):
        self.plan = plan
        self.history = history
        self.backend = backend
        self.tasks = list(tasks)
        self.style = style
        self.jobs = max(1, min(jobs, len(self.tasks)))
        self.limit = limit
        self._pool: ProcessPoolExecutor | None = None
        self._assessor: _Assessor | None = None

    def __enter__(self) -> Round:
        if self.jobs == 1:
            self._assessor = _Assessor(Engine(self.plan, self.backend), self.style, self.history)
        else:
            self._pool = ProcessPoolExecutor(
                self.jobs,
                mp_context=_context(),
                initializer=_start_worker,
                initargs=(self.plan, self.backend, self.style, self.limit, self.history),
            )
            # Start the workers now: forking later, once the caller has started threads, is unsafe.
            self._pool.submit(int).result()
        return self

    def __iter__(self) -> Iterator[AreaOutcome]:
        if self._assessor is not None:
            for index, task in enumerate(self.tasks, start=1):
                yield self._assessor.run(index, task)
            return
        assert self._pool is not None, "a Round is used inside 'with'"
        pending: deque[tuple[int, RoundTask, Future[AreaOutcome]]] = deque()
        queued = iter(enumerate(self.tasks, start=1))
        for index, task in queued:  # a few tasks per worker in flight: enough to keep each busy
            pending.append((index, task, self._pool.submit(_work, index, task)))
            if len(pending) >= 2 * self.jobs:
                break
        while pending:
            index, task, future = pending.popleft()
            try:
                outcome = future.result()
            except BrokenProcessPool:
                outcome = AreaOutcome(index, task.display, failure="a worker process died (out of memory?)")
            yield outcome
            for index, task in queued:
                pending.append((index, task, self._pool.submit(_work, index, task)))
                break

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        if self._assessor is not None:
            self._assessor.close()
        pool, self._pool = self._pool, None
        if pool is None:
            return
        if kind is not None:  # interrupted or stopped early: the workers' work is no longer wanted
            for process in list(getattr(pool, "_processes", {}).values()):
                process.terminate()
            # Wait for the pool's manager thread to see its workers gone: left running, it met the pool's closed
            # wake-up pipe at exit, and Python 3.13 printed "Exception ignored on threading shutdown" and an
            # OSError traceback after "caa: interrupted". The workers are terminated, so this is quick.
            pool.shutdown(wait=True, cancel_futures=True)
        else:
            pool.shutdown()


def _context() -> Any:
    """fork where it is safe and quickest (Linux: the workers share the parent's imports), else the default."""
    if sys.platform == "linux" and "fork" in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context()


def default_jobs() -> int:
    """The number of CPUs this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1
