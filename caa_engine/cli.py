"""The ``caa`` command: parse arguments, call the public API, print.

``caa assess PATH...`` assesses bundle files and folders of bundles,
``caa explain PATH --body ID`` explains one judgement from its audit trail,
``caa impact PATH... --against OLD_RULES`` shows what a rule change does to
every area, ``caa check [RULES_DIR]`` validates a rules folder, and ``caa
schema evidence|rules [--out FILE]`` prints or writes JSON Schema.  Invalid rules or evidence exit with
status 2 and every problem on stderr as ``path:line:col: code: message``;
no traceback is ever shown for bad input.
"""

from __future__ import annotations

import signal
import sys
from typing import NoReturn


class Interrupted(BaseException):
    """Ctrl-C, raised by our SIGINT handler: not a KeyboardInterrupt, so click never turns it into "Aborted!"."""


def _interrupted() -> NoReturn:
    """The one line Ctrl-C gives, and status 130 (128 + SIGINT), as shells expect."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not interrupt the goodbye
    sys.stderr.write("caa: interrupted\n")
    sys.stderr.flush()
    sys.exit(130)


# A parent may have started us with Ctrl-C ignored (a test runner's worker, a background job): Python then keeps
# ignoring it, and main() would only take it over after the imports. The caa command answers Ctrl-C the same way
# at every moment, so it takes it over here, before them.
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)

# The imports take a noticeable fraction of a second: Ctrl-C during them is still one line, never a traceback.
try:
    import json
    import os
    import re
    import shutil
    import tempfile
    from collections.abc import Callable, Iterable, Iterator
    from contextlib import contextmanager
    from dataclasses import replace
    from pathlib import Path
    from typing import IO, Any, TypeVar

    import click

    from . import (
        BACKENDS,
        Engine,
        EngineError,
        EvidenceError,
        Issue,
        Location,
        Plan,
        Result,
        RuleError,
        __version__,
    )
    from ._git import GitRevisionError, rules_at_revision
    from ._io import (
        DEFAULT_MAX_BYTES,
        MAX_BYTES_ENV,
        STDIN,
        atomic_writer,
        display_name,
        input_limit,
        parse_size,
        same_file,
        show_size,
        visible,
        visible_lines,
        write_atomic,
    )
    from ._messages import did_you_mean
    from ._plural import counted
    from ._yaml import YamlProblem, read_source
    from .audit.explain import explain, judged_subjects
    from .audit.reasons import Reason, finding_reason, flag_reason, judgement_reason, plain
    from .backends.durable import DurableBackend, durable_import_error
    from .engine import default_backend_name, default_rules_dir, load_rules
    from .errors import InvalidInputError
    from .evidence.loader import LoadedBundle, load_bundle
    from .json_schema import SCHEMA_IDS, SCHEMAS, schema_text
    from .ledger import DEFAULT_LEDGER, LEDGER_ENV, Ledger, LedgerError
    from .ledger.commands import compare_command, history_command, ledger_group
    from .ledger.earlier import LedgerHistory
    from .report import DEFAULT_WIDTH, FORMATS, SUFFIXES, report_frame
    from .report._page import IndexRow
    from .report.html import render_index
    from .report.impact import gates, impact_changes, render_impact_json, render_impact_text
    from .report.summary import SUMMARY_SUFFIXES, render_summary
    from .result import TRAILS
    from .round import AreaOutcome, ReportStyle, Round, RoundTask, default_jobs
    from .scenario_runner import caa_test_command
except KeyboardInterrupt:
    _interrupted()

__all__ = ["main", "cli"]

F = TypeVar("F", bound=Callable[..., Any])

BUNDLE_SUFFIXES = (".yaml", ".yml", ".json")
INDEX_PAGE = "index.html"  # the national index of an HTML folder run


def _fail(*errors: InvalidInputError) -> NoReturn:
    for error in errors:
        click.echo(error.render(_context()), err=True)  # Issue.render shows control characters as escapes
    sys.exit(2)


_CONTEXT = "caa.context"  # the key in click's context meta that --context/--no-context sets


def _context() -> bool:
    """Whether located errors show their source line with a caret: yes unless the command was given --no-context."""
    ctx = click.get_current_context(silent=True)
    return True if ctx is None else bool(ctx.meta.get(_CONTEXT, True))


def _context_option(command: F) -> F:
    return click.option(
        "--context/--no-context",
        default=True,
        expose_value=False,
        callback=lambda ctx, param, value: ctx.meta.__setitem__(_CONTEXT, value),
        help="Under each located error, show the line of the file it points at with a caret under the column "
        "(the default); --no-context prints each as one line and its hint.",
    )(command)


def _stop(message: str, status: int) -> NoReturn:
    click.echo(f"caa: error: {visible(message)}", err=True)
    sys.exit(status)


def _shown(path: Path | str) -> str:
    """A path in a message: its control characters and undecodable bytes as escapes."""
    return visible(display_name(path))


def _bundle_paths(paths: tuple[Path, ...]) -> tuple[list[Path], list[Issue]]:
    """Every bundle file named or inside a named folder (sorted), and the paths that gave none."""
    found: list[Path] = []
    issues: list[Issue] = []
    for path in paths:
        if str(path) == STDIN:
            found.append(path)
        elif path.is_dir():
            inside = sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in BUNDLE_SUFFIXES)
            if not inside:
                issues.append(
                    Issue(
                        "no-bundles",
                        f"no evidence bundles ({', '.join('*' + s for s in BUNDLE_SUFFIXES)}) in folder "
                        f"'{display_name(path)}'",
                        Location(display_name(path)),
                        "pass a bundle file or a folder of them",
                    )
                )
            found.extend(inside)
        elif path.exists():
            found.append(path)
        else:
            issues.append(
                Issue(
                    "no-such-path",
                    f"no file or folder '{display_name(path)}'",
                    Location(display_name(path)),
                    "check the path; give an evidence bundle (.yaml, .yml, .json) or a folder of them",
                )
            )
    unique: list[Path] = []
    seen: set[Path] = set()
    for path in found:
        key = path if str(path) == STDIN else path.resolve()
        if key not in seen:
            seen.add(key)
            unique.append(path)
    return unique, issues


def _backend_name(requested: str | None) -> str:
    if requested is not None:
        return requested
    name = default_backend_name()
    if name == "native":
        version = f"{sys.version_info.major}.{sys.version_info.minor}"
        click.echo(
            f"note: durable-rules is not available on Python {version} ({_reason(durable_import_error())}); "
            "using the native backend",
            err=True,
        )
    return name


def _reason(error: str | None) -> str:
    """The import error without its exception name and the extension's file path."""
    text = " ".join((error or "unknown reason").split())
    text = re.sub(r"^\w+(Error|Exception): ", "", text)
    return re.sub(r"^/\S+: ", "", text)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="caa")
def cli() -> None:
    """Comprehensive Area Assessment judgements from YAML rule sets, with an audit trail."""


_paths_argument = click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path), metavar="PATH...")


def _rules_option(text: str) -> Callable[[F], F]:
    return click.option(
        "--rules", "rules_dir", type=click.Path(path_type=Path), default=None, help=f"{text}  [default: ./rules]"
    )


def _limit_option(command: F) -> F:
    return click.option(
        "--max-bytes",
        "max_bytes",
        type=_SIZE,
        default=None,
        envvar=MAX_BYTES_ENV,
        show_envvar=True,
        help=f"Refuse any bundle or rule file larger than this (e.g. 256MiB).  [default: {show_size(DEFAULT_MAX_BYTES)}]",
    )(command)


class _Size(click.ParamType):
    name = "SIZE"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        if isinstance(value, int):
            return value
        try:
            return parse_size(str(value))
        except ValueError as exc:
            self.fail(str(exc), param, ctx)


_SIZE = _Size()

_backend_option = click.option(
    "--backend",
    type=click.Choice(BACKENDS),
    default=None,
    help="Rule engine backend.  [default: durable where it imports, else native]",
)


def _plans(rule_folders: list[Path | None], path_issues: list[Issue]) -> list[Plan]:
    """Each rules folder compiled; every rule and path problem is printed before exiting 2."""
    plans = []
    problems: list[InvalidInputError] = []
    for folder in rule_folders:
        try:
            plans.append(load_rules(folder))
        except RuleError as error:
            problems.append(error)
    if problems or path_issues:
        _fail(*problems, *([EvidenceError(path_issues)] if path_issues else []))
    return plans


def _engines(rule_folders: list[Path | None], backend: str | None, path_issues: list[Issue]) -> list[Engine]:
    """One engine per rules folder; every rule and path problem is printed before exiting 2."""
    plans = _plans(rule_folders, path_issues)
    name = _backend_name(backend)
    try:
        return [Engine(plan, name) for plan in plans]
    except EngineError as error:
        _stop(str(error), 2)


def _check_backend(name: str) -> None:
    """Exit 2 here, before any worker starts, if the backend cannot run at all."""
    if name == "durable":
        try:
            DurableBackend()
        except EngineError as error:
            _stop(str(error), 2)


def _unnamed(issues: list[Issue], names: list[str] | None) -> list[Issue]:
    if names is None:
        return issues
    suffix = f" (under the rules in {names[0]})"
    return [replace(i, message=i.message.removesuffix(suffix)) for i in issues]


def _assess_all(
    engines: list[Engine],
    bundles: list[Path],
    names: list[str] | None = None,
    history_from: LedgerHistory | None = None,
) -> list[list[Result]]:
    """Each engine's results for every bundle (each read once); all evidence problems are printed before exiting 2.
    ``names``: what each engine's rules are called, said in a problem only one engine's rules find (caa impact's
    'the rules in OLD' or 'the rules in NEW': a bundle for a period only one of them covers)."""
    results: list[list[Result]] = [[] for _ in engines]
    issues: list[Issue] = []
    for bundle in bundles:
        try:
            loaded: LoadedBundle = load_bundle(bundle, display_name(bundle))
        except EvidenceError as error:
            issues.extend(error.issues)  # the same evidence is invalid for every engine: report it once
            continue
        refused: list[list[Issue]] = []
        for index, engine in enumerate(engines):
            try:
                results[index].append(engine.assess(loaded, history_from))
            except EvidenceError as error:
                refused.append(error.issues)
                if names is not None:  # said with the rules that refused it, unless every engine's rules do
                    refused[-1] = [
                        replace(i, message=f"{i.message} (under the rules in {names[index]})") for i in error.issues
                    ]
            except EngineError as error:
                _stop(f"{display_name(bundle)}: the {engine.backend_name} backend failed: {error}", 1)
        if (
            refused
            and len(refused) == len(engines)
            and all([i.code for i in found] == [i.code for i in refused[0]] for found in refused)
        ):
            issues.extend(_unnamed(refused[0], names))  # the bundle's own problem: told once, with no rules named
        else:
            issues.extend(issue for found in refused for issue in found)
    if issues:
        _fail(EvidenceError(issues))
    return results


@cli.command("assess")
@_context_option
@_paths_argument
@_rules_option("Folder of rule files.")
@click.option("--format", "kind", type=click.Choice(FORMATS), default="text", show_default=True, help="Report format.")
@_backend_option
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the report to this file instead of stdout (whole or not at all: never half-written).",
)
@click.option(
    "--out-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Write one report per area into this folder, named after its bundle (NAME.json, .html, .md or .txt), "
    "each as soon as it is judged, and for HTML the national index, index.html; a bad bundle is reported and "
    "every other area is still judged.",
)
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(min=1),
    default=None,
    help="Assess in this many worker processes; the output is the same as with one.  [default: the CPUs]",
)
@click.option(
    "--trail",
    type=click.Choice(TRAILS),
    default="full",
    show_default=True,
    help="With --format json, how much of the audit trail each result holds: every event in full; compact "
    "(every event, input value and source, but each rule's texts and each list of counted facts written once, "
    "under rule_texts and fact_lists); or none (judgements, findings, flags and notes only).",
)
@click.option(
    "--fail-fast",
    is_flag=True,
    help="Stop at the first bad bundle and write nothing (without it, every good area is judged and reported).",
)
@click.option(
    "--summary",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Also write the national table: a row per area and per body, with the period judged, every element's "
    "score, label and deciding rule, the overall score and cap, and the flag counts, as CSV, Markdown (.md) or text "
    "(.txt), by suffix.",
)
@click.option("--record", is_flag=True, help="Also append every result judged to the ledger (see --ledger).")
@click.option(
    "--ledger",
    "ledger_path",
    default=None,
    help="With --record or --history-from-ledger: the ledger, a SQLite file created on first use, or a PostgreSQL "
    "database shared by several "
    "recorders (postgresql://USER@HOST/DB; needs the 'postgres' extra).  [default: $CAA_LEDGER, else "
    "./caa-ledger.sqlite]",
)
@click.option("--supersedes", type=int, default=None, help="With --record: the record this result corrects.")
@click.option("--reason", default=None, help="With --supersedes: why the correction is made.")
@click.option(
    "--history-from-ledger",
    "history_from_ledger",
    is_flag=True,
    help="Also read each indicator's earlier values from the ledger (see --ledger): what the results recorded for "
    "the area in earlier periods were judged on, the ledger as it stands when the run starts.  The bundle's own "
    "history wins; a value it gives differently is an error.",
)
@_limit_option
def assess_command(
    paths: tuple[Path, ...],
    rules_dir: Path | None,
    kind: str,
    backend: str | None,
    out: Path | None,
    out_dir: Path | None,
    jobs: int | None,
    trail: str,
    fail_fast: bool,
    summary: Path | None,
    record: bool,
    ledger_path: str | None,
    supersedes: int | None,
    reason: str | None,
    history_from_ledger: bool,
    max_bytes: int | None,
) -> None:
    """Assess evidence bundles: each PATH is a bundle file, a folder of them, or - (standard input).

    A bad bundle is reported with its located errors and every other area is still judged and reported; the exit
    status is then 2 (with --fail-fast, the first bad bundle stops the run and nothing is written)."""
    if out is not None and out_dir is not None:
        raise click.UsageError("give --out FILE (one report) or --out-dir FOLDER (one per area), not both")
    if (supersedes is not None or reason is not None) and not record:
        raise click.UsageError("--supersedes and --reason go with --record")
    if ledger_path is not None and not (record or history_from_ledger):
        raise click.UsageError("--ledger goes with --record or --history-from-ledger")
    if (supersedes is None) != (reason is None):
        raise click.UsageError("a correction gives both --supersedes RECORD and --reason TEXT")
    if trail != "full" and kind != "json":
        raise click.UsageError(
            f"--trail {trail} goes with --format json (it sets how much of the trail a JSON result holds)"
        )
    with input_limit(max_bytes):
        bundles, path_issues = _bundle_paths(paths)
        folder = rules_dir if rules_dir is not None else default_rules_dir()
        plan = _plans([rules_dir], path_issues)[0]
        name = _backend_name(backend)
        rule_files = _rule_files(folder)
        if out is not None:
            _refuse_own_input(out, bundles, rule_files)
        if summary is not None:
            if summary.suffix.lower() not in SUMMARY_SUFFIXES:
                raise click.UsageError(
                    f"--summary writes {', '.join(SUMMARY_SUFFIXES)}: name the file with one of them"
                )
            _refuse_own_input(summary, bundles, rule_files)
        targets = _targets(out_dir, bundles, kind, rule_files) if out_dir is not None else [None] * len(bundles)
        colour = out is None and out_dir is None and kind == "text" and sys.stdout.isatty()
        width = shutil.get_terminal_size((DEFAULT_WIDTH, 24)).columns if colour else DEFAULT_WIDTH
        several = len(paths) > 1 or any(str(path) != STDIN and path.is_dir() for path in paths)
        array = several and kind == "json" and out_dir is None
        # A folder of HTML pages gets a national index (index.html); a Markdown report closes with the national view.
        index = (out_dir is not None and kind == "html") or (out_dir is None and kind == "markdown")
        style = ReportStyle(
            kind, width, colour, array=array, trail=trail, summary=summary is not None, record=record, index=index
        )
        tasks = [_task(bundle, target) for bundle, target in zip(bundles, targets, strict=True)]
        if supersedes is not None and len(tasks) != 1:
            raise click.UsageError("--supersedes corrects one record: assess one bundle")
        jobs = default_jobs() if jobs is None else jobs
        if jobs > 1 and len(tasks) > 1:
            _check_backend(name)
        history = _history_source(ledger_path) if history_from_ledger else None
        try:
            # The ledger is opened once the workers are started: a forked worker must never hold its connection.
            with (
                Round(plan, name, tasks, style, jobs=jobs, limit=max_bytes, history=history) as assessing,
                _ledger_sink(record, ledger_path, supersedes, reason) as keep,
            ):
                with _summary_sink(summary, fail_fast) as record_rows:
                    rounds = _recorded(_recorded(assessing, keep), record_rows)
                    if out_dir is None:
                        bar = len(tasks) > 1 and not sys.stdout.isatty()
                        _report(rounds, len(tasks), style, out, progress=bar, fail_fast=fail_fast)
                    else:
                        _report_each(
                            rounds, len(tasks), out_dir, progress=len(tasks) > 1, fail_fast=fail_fast, index=index
                        )
        except EngineError as error:
            _stop(str(error), 2)


def _history_source(target: str | None) -> tuple[str, int]:
    """The ledger to read earlier values from, and its last record now: every area of the run reads the ledger
    as it stood when the run started, whatever the run (or anyone) records meanwhile.  The ledger is closed
    again before any worker starts; each opens its own."""
    where = target or os.environ.get(LEDGER_ENV) or DEFAULT_LEDGER
    try:
        with LedgerHistory(where) as history:
            return where, history.upto
    except LedgerError as error:
        _stop(str(error), 2)


@contextmanager
def _ledger_sink(
    wanted: bool, target: str | None, supersedes: int | None, reason: str | None
) -> Iterator[Callable[[AreaOutcome], None]]:
    """With --record, appends each judged area's result to the ledger as it comes (in input order), each in its
    own transaction, and says on stderr how many were recorded; the records of a run stopped early stay."""
    if not wanted:
        yield lambda outcome: None
        return
    try:
        ledger = Ledger.open(target)
    except LedgerError as error:
        _stop(str(error), 2)
    numbers: list[int] = []

    def keep(outcome: AreaOutcome) -> None:
        if outcome.entry is None or outcome.write_error is not None:
            return
        try:
            numbers.append(ledger.append(outcome.entry, supersedes=supersedes, reason=reason).id)
        except LedgerError as error:
            _stop(str(error), 2)

    try:
        yield keep
    finally:
        ledger.close()
        if numbers:
            ids = f"record {numbers[0]}" if len(numbers) == 1 else f"records {numbers[0]}-{numbers[-1]}"
            click.echo(
                f"caa: {counted(len(numbers), 'result')} recorded in {_shown(ledger.path)} ({ids})",
                err=True,
            )


def _recorded(outcomes: Iterable[AreaOutcome], record: Callable[[AreaOutcome], None]) -> Iterator[AreaOutcome]:
    for outcome in outcomes:
        record(outcome)
        yield outcome


@contextmanager
def _summary_sink(target: Path | None, fail_fast: bool) -> Iterator[Callable[[AreaOutcome], None]]:
    """Collects each judged area's rows of the national table (a few short rows per area, never a result) and
    writes the table to ``target`` atomically when the round ends, also when it ends refusing some bundles (exit
    2), unless --fail-fast stopped it."""
    rows: list[dict[str, str]] = []

    def record(outcome: AreaOutcome) -> None:
        rows.extend(outcome.summary)

    if target is None:
        yield record
        return
    try:
        yield record
    except SystemExit as stop:
        if stop.code == 2 and not fail_fast and rows:
            _write_summary(target, rows)
        raise
    _write_summary(target, rows)


def _write_summary(target: Path, rows: list[dict[str, str]]) -> None:
    try:
        write_atomic(target, render_summary(rows, target.suffix.lower()))
    except OSError as error:
        _stop(f"cannot write '{display_name(target)}': {error.strerror or error}", 2)


def _task(bundle: Path, target: Path | None) -> RoundTask:
    """A round's task for ``bundle``; standard input is read here, once, since a worker process cannot."""
    shown = display_name(bundle)
    out = None if target is None else str(target)
    if str(bundle) != STDIN:
        return RoundTask(str(bundle), shown, out=out)
    try:
        return RoundTask(str(bundle), shown, data=read_source(STDIN, shown), out=out)
    except YamlProblem as problem:
        return RoundTask(str(bundle), shown, issues=tuple(problem.issues), out=out)


def _report(
    assessing: Iterable[AreaOutcome],
    total: int,
    style: ReportStyle,
    out: Path | None,
    *,
    progress: bool,
    fail_fast: bool,
) -> None:
    """One report of every area judged, to ``out`` or stdout; each bad bundle's errors on stderr as it comes, and
    exit 2 at the end if there was one.  With ``fail_fast``, the first bad bundle stops the run: nothing written."""
    separator = report_frame(style.kind, [], array=style.array)[1]
    areas: list[tuple[str, str]] = []
    rows: list[IndexRow] = []  # each area's row of the national view, for the formats that show one
    tally = _Tally()
    # The report is complete only when the last area is: until then it waits in memory, then on disk.
    with tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024) as spool:
        for outcome in _judged(assessing, total, progress=progress, fail_fast=fail_fast, tally=tally):
            assert outcome.area is not None and outcome.text is not None
            if areas:
                spool.write(separator.encode("utf-8"))
            spool.write(outcome.text.encode("utf-8"))
            areas.append(outcome.area)
            if outcome.index_row is not None:
                rows.append(outcome.index_row)
        refused = tally.refused
        if not areas:  # every bundle refused: there is no report to write
            _closing_line(0, refused, total, "")
        head, _, tail = report_frame(style.kind, areas, array=style.array, rows=rows)
        spool.seek(0)
        if out is None:
            sys.stdout.flush()
            _copy(head, spool, tail, sys.stdout.buffer)  # UTF-8 bytes, whatever the locale: as --out writes
        else:
            try:
                with atomic_writer(out) as handle:
                    _copy(head, spool, tail, handle)
            except OSError as error:
                _stop(f"cannot write '{display_name(out)}': {error.strerror or error}", 2)
    _closing_line(len(areas), refused, total, f" and written to {_shown(out)}" if out is not None else "")


def _copy(head: str, body: IO[bytes], tail: str, stream: IO[bytes]) -> None:
    stream.write(head.encode("utf-8"))
    shutil.copyfileobj(body, stream)
    stream.write(tail.encode("utf-8"))
    stream.flush()


def _report_each(
    assessing: Iterable[AreaOutcome],
    total: int,
    out_dir: Path,
    *,
    progress: bool,
    fail_fast: bool,
    index: bool = False,
) -> None:
    """Each area's report written to its file as it comes; every bad bundle reported; exit 2 if there was one.
    With ``fail_fast``, the first bad bundle stops the run (the reports written before it stay). With ``index``,
    the national index page of the areas judged, OUT_DIR/index.html, is written last (a small row per area is
    all the round keeps)."""
    judged = 0
    rows: list[IndexRow] = []
    tally = _Tally()
    for outcome in _judged(assessing, total, progress=progress, fail_fast=fail_fast, tally=tally):
        judged += 1
        if outcome.index_row is not None:
            rows.append(outcome.index_row)
    refused = tally.refused
    if index and rows:
        target = out_dir / INDEX_PAGE
        try:
            write_atomic(target, render_index(rows))
        except OSError as error:
            _stop(f"cannot write '{display_name(target)}': {error.strerror or error}", 2)
    _closing_line(judged, refused, total, f" and written to {_shown(out_dir)}", always=True)


class _Tally:
    """How many bundles of a round were refused (counted by ``_judged`` as they come)."""

    def __init__(self) -> None:
        self.refused = 0


def _judged(
    assessing: Iterable[AreaOutcome], total: int, *, progress: bool, fail_fast: bool, tally: _Tally
) -> Iterator[AreaOutcome]:
    """The judged areas of a round, as they come, with a progress bar on a terminal; each bad bundle's errors said
    on stderr and counted in ``tally`` (or, with ``fail_fast``, the run stopped there: exit 2); an engine failure
    or a report that cannot be written stops the run."""
    with _progress(total, progress) as (advance, say):
        for outcome in assessing:
            advance()
            _stop_on_failure(outcome)
            if outcome.issues:
                if fail_fast:
                    _fail(EvidenceError(outcome.issues))
                tally.refused += 1
                say(EvidenceError(outcome.issues).render(_context()))
                continue
            yield outcome


def _closing_line(judged: int, refused: int, total: int, where: str, *, always: bool = False) -> None:
    """After a run that refused a bundle: how many areas were judged and how many refused (for a run of several
    bundles, or ``always``), and exit 2."""
    if not refused:
        return
    if total > 1 or always:
        click.echo(f"caa: {counted(judged, 'area')} judged{where}, {refused} refused", err=True)
    sys.exit(2)


def _stop_on_failure(outcome: AreaOutcome) -> None:
    if outcome.failure is not None:
        _stop(f"{outcome.display}: {outcome.failure}", 1)
    if outcome.write_error is not None:
        target = f" for {outcome.display}" if outcome.display else ""
        _stop(f"cannot write the report{target}: {outcome.write_error}", 2)


@contextmanager
def _progress(total: int, wanted: bool) -> Iterator[tuple[Callable[[], None], Callable[[str], None]]]:
    """A progress bar on stderr when it is a terminal (and ``wanted``); yields (advance, say-on-stderr)."""

    def say(text: str) -> None:
        click.echo(text, err=True)

    if not (wanted and sys.stderr.isatty()):
        yield (lambda: None), say
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    console = Console(stderr=True, highlight=False, markup=False, emoji=False)
    columns = (TextColumn("assessing"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task("assessing", total=total)
        yield (lambda: bar.advance(task)), (lambda text: console.out(text, highlight=False))


def _rule_files(folder: Path) -> list[Path]:
    try:
        return [p for p in folder.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file()]
    except OSError:
        return []


def _refuse_own_input(target: Path, bundles: list[Path], rule_files: list[Path]) -> None:
    """Exit 2 if writing ``target`` would overwrite one of the command's own inputs (a bundle or a rule file)."""
    for what, paths in (("evidence bundle", bundles), ("rule file", rule_files)):
        for path in paths:
            if str(path) != STDIN and same_file(target, path):
                _stop(
                    f"refusing to write the report over '{display_name(target)}': it is an input of this command "
                    f"(the {what} '{display_name(path)}'); write the report somewhere else",
                    2,
                )


def _targets(out_dir: Path, bundles: list[Path], kind: str, rule_files: list[Path]) -> list[Path | None]:
    """The report file for each bundle: OUT_DIR/<bundle name without suffix><report suffix>.

    Exits 2 if two bundles would share a file (names compared case-insensitively, as some file systems do)
    or a file would overwrite an input.
    """
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        _stop(f"cannot create the folder '{display_name(out_dir)}': {error.strerror or error}", 2)
    targets: list[Path | None] = []
    claimed: dict[str, Path] = {}
    for bundle in bundles:
        stem = "stdin" if str(bundle) == STDIN else bundle.stem
        target = out_dir / f"{stem}{SUFFIXES[kind]}"
        key = target.name.casefold()
        if kind == "html" and key == INDEX_PAGE:
            _stop(
                f"'{display_name(bundle)}' would be reported in '{display_name(target)}', the national index of "
                "an HTML folder run: rename the bundle",
                2,
            )
        if key in claimed:
            _stop(
                f"'{display_name(claimed[key])}' and '{display_name(bundle)}' would both be reported in "
                f"'{display_name(target)}': rename one, or assess them into different folders",
                2,
            )
        claimed[key] = bundle
        _refuse_own_input(target, bundles, rule_files)
        targets.append(target)
    return targets


@cli.command("import")
@_context_option
@click.argument("tables", nargs=-1, required=True, type=click.Path(path_type=Path), metavar="TABLES...")
@click.option(
    "--out-dir",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Write one evidence bundle per area into this folder, named after the area (AREA.yaml or AREA.json).",
)
@click.option("--format", "kind", type=click.Choice(("yaml", "json")), default="yaml", show_default=True)
@_rules_option("Folder of rule files the bundles are checked against (catalogues, elements).")
@_limit_option
def import_command(
    tables: tuple[Path, ...], out_dir: Path, kind: str, rules_dir: Path | None, max_bytes: int | None
) -> None:
    """Build evidence bundles from tables: CSV files named after their kind, or Excel workbooks with a sheet per kind.

    Every problem is printed with its file, sheet, row and column, and then nothing is written (exit 2).
    """
    from .tables import import_tables, write_bundles

    with input_limit(max_bytes):
        paths: list[Path] = []
        for path in tables:
            if path.is_dir():
                paths.extend(sorted(p for p in path.iterdir() if p.suffix.lower() in (".csv", ".xlsx")))
            else:
                paths.append(path)
        plan = _plans([rules_dir], [])[0]
        try:
            areas = import_tables(paths, plan)
        except EvidenceError as error:
            _fail(error)
    try:
        written = write_bundles(areas, out_dir, kind)
    except OSError as error:
        _stop(f"cannot write the bundles into '{display_name(out_dir)}': {error.strerror or error}", 2)
    click.echo(f"caa: {counted(len(written), 'area')} imported into {_shown(out_dir)}", err=True)


@cli.command("impact")
@_context_option
@_paths_argument
@_rules_option("The changed rules folder.")
@click.option(
    "--against",
    "baseline",
    required=True,
    help="The rules to compare with: a folder (e.g. a copy of the rules before your edit), or a git revision "
    "(HEAD, main, a commit: the rules folder as it was there) or REV:PATH (the folder PATH at REV).",
)
@click.option("--format", "kind", type=click.Choice(("text", "json")), default="text", show_default=True)
@click.option(
    "--fail-on-change",
    is_flag=True,
    help="Exit 3 if any judgement (score, deciding rule or cap) or flag moves, for CI.",
)
@_backend_option
@_limit_option
def impact_command(
    paths: tuple[Path, ...],
    rules_dir: Path | None,
    baseline: str,
    kind: str,
    fail_on_change: bool,
    backend: str | None,
    max_bytes: int | None,
) -> None:
    """Show what changed rules do to every area: judgements, caps, findings, flags and notes that differ."""
    with tempfile.TemporaryDirectory(prefix="caa-against-") as scratch:
        baseline_dir = Path(baseline)
        if not baseline_dir.is_dir():
            try:
                baseline_dir = rules_at_revision(
                    baseline, rules_dir if rules_dir is not None else default_rules_dir(), Path(scratch)
                )
            except GitRevisionError as error:
                _stop(str(error), 2)
        with input_limit(max_bytes):
            bundles, path_issues = _bundle_paths(paths)
            names = [_shown(baseline), _shown(rules_dir if rules_dir is not None else default_rules_dir())]
            before, after = _assess_all(_engines([baseline_dir, rules_dir], backend, path_issues), bundles, names)
    if kind == "json":
        click.echo(render_impact_json(before, after), nl=False)
    else:
        width = shutil.get_terminal_size((DEFAULT_WIDTH, 24)).columns
        click.echo(visible_lines(render_impact_text(before, after, width=width)), nl=False)
    if fail_on_change and gates(impact_changes(before, after)):
        sys.exit(3)


@cli.command("explain")
@_context_option
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--element", default=None, help="The element to explain.  [default: the overall score, if any]")
@click.option("--body", "body", default=None, help="The body's id (for an element judged per body).")
@click.option("--flag", "flag", default=None, help="Explain a flag: its subject's id (or the end of it), or its kind.")
@click.option(
    "--subject",
    default=None,
    help="Explain what was found about a fact: its id, or the end of it ('NI 192', 'payt-pilot'); with --finding.",
)
@click.option(
    "--finding",
    default=None,
    help="What was found: a classification ('trend', 'verdict', 'self_awareness') or a measure's 'into' "
    "('honourable_test': every criterion).",
)
@click.option("--evidence", is_flag=True, help="Also list the values behind each reason, with their file:line.")
@click.option("--trail", "full_trail", is_flag=True, help="The full audit trail of an element's judgement instead.")
@_rules_option("Folder of rule files.")
@_backend_option
@click.option(
    "--history-from-ledger",
    "history_from_ledger",
    is_flag=True,
    help="Also read each indicator's earlier values from the ledger (see --ledger), as caa assess "
    "--history-from-ledger does: to explain a result judged so.",
)
@click.option(
    "--ledger",
    "ledger_path",
    default=None,
    help="With --history-from-ledger: the ledger, a SQLite file or a PostgreSQL URL.  [default: $CAA_LEDGER, else "
    "./caa-ledger.sqlite]",
)
@_limit_option
def explain_command(
    path: Path,
    element: str | None,
    body: str | None,
    flag: str | None,
    subject: str | None,
    finding: str | None,
    evidence: bool,
    full_trail: bool,
    rules_dir: Path | None,
    backend: str | None,
    history_from_ledger: bool,
    ledger_path: str | None,
    max_bytes: int | None,
) -> None:
    """Explain one judgement, flag or finding of one bundle in plain words, and why it is not a band higher.

    --trail gives an element's judgement with the full audit trail: the deciding rule, its condition, the values
    it read and where each came from.
    """
    bundles, path_issues = _bundle_paths((path,))
    if len(bundles) > 1:
        _stop(f"explain takes one bundle; {display_name(path)} holds {len(bundles)}: name one of its files", 2)
    if ledger_path is not None and not history_from_ledger:
        raise click.UsageError("--ledger goes with --history-from-ledger")
    history = LedgerHistory(*_history_source(ledger_path)) if history_from_ledger else None
    with input_limit(max_bytes):
        try:
            ((result, *_),) = _assess_all(_engines([rules_dir], backend, path_issues), bundles, history_from=history)
        except LedgerError as error:
            _stop(str(error), 2)
        finally:
            if history is not None:
                history.close()
    try:
        if flag is not None:
            reasons = [flag_reason(result, found) for found in _flags_named(result, flag)]
        elif subject is not None or finding is not None:
            reasons = _findings_named(result, subject, finding)
        else:
            element, body = _judgement_named(result, path, element, body)
            if full_trail:
                click.echo(visible_lines(explain(result, element, body)), nl=False)
                return
            reasons = [judgement_reason(result, element, body)]
    except LookupError as error:
        _stop(str(error).strip("'\""), 2)
    click.echo(visible_lines(plain(reasons, evidence=evidence)), nl=False)


def _judgement_named(result: Result, path: Path, element: str | None, subject: str | None) -> tuple[str, str]:
    """The (element, subject) to explain: as named, or the overall score, or the only judgement there is."""
    if element is None:
        judged = [name for name in result.elements if judged_subjects(result, name)]
        if result.overall is not None and subject is None:
            judged = [result.overall["element"]]
        if not judged:
            _stop(f"{path}: no element is judged (see its notes: caa assess {path})", 2)
        if len(judged) != 1:
            _stop(f"say which element to explain with --element ({', '.join(judged)})", 2)
        element = judged[0]
    if element not in result.elements:
        dated = any(info.get("periods") for info in result.rulesets.values())
        rules = f"the rules in force for {result.period}" if dated and result.period else "these rules"
        _stop(
            f"no element '{element}' in {rules}{did_you_mean(element, result.elements)} "
            f"(elements: {', '.join(result.elements)})",
            2,
        )
    if subject is None:
        candidates = judged_subjects(result, element)
        if not candidates:
            _stop(f"{path}: no {element} judgement was made (see its notes: caa assess {path})", 2)
        if len(candidates) != 1:
            _stop(f"say which body to explain with --body ({', '.join(candidates)})", 2)
        subject = candidates[0]
    if subject not in judged_subjects(result, element):
        listed = ", ".join(judged_subjects(result, element)) or "none"
        _stop(f"'{subject}' has no {element} judgement (judged: {listed})", 2)
    return element, subject


def _matches(fact_id: str, wanted: str) -> bool:
    return fact_id == wanted or fact_id.endswith("/" + wanted)


def _flags_named(result: Result, wanted: str) -> list[Any]:
    found = [f for f in result.flags if _matches(f.subject, wanted) or f.kind == wanted]
    if not found:
        listed = ", ".join(f"{f.subject} ({f.kind})" for f in result.flags) or "none"
        raise LookupError(f"no flag on '{wanted}' or of that kind (flags: {listed})")
    return found


def _findings_named(result: Result, wanted: str | None, name: str | None) -> list[Reason]:
    if wanted is None or name is None:
        raise LookupError("name both the fact (--subject) and what was found about it (--finding)")
    subjects = [(kind, sid) for kind, found in result.findings.items() for sid in found if _matches(sid, wanted)]
    if not subjects:
        raise LookupError(f"nothing was found about '{wanted}'")
    if len(subjects) > 1:
        raise LookupError(f"'{wanted}' names {counted(len(subjects), 'fact')}: {', '.join(sid for _, sid in subjects)}")
    kind, sid = subjects[0]
    names = [n for n in result.findings[kind][sid] if n == name or n.startswith(name + ".")]
    if not names:
        known = ", ".join(result.findings[kind][sid])
        raise LookupError(f"nothing called '{name}' was found about '{sid}' (found: {known})")
    return [finding_reason(result, kind, sid, n) for n in names]


@cli.command("check")
@click.argument("rules_dir", required=False, type=click.Path(path_type=Path))
@click.option(
    "--format",
    "kind",
    type=click.Choice(("text", "json")),
    default="text",
    show_default=True,
    help="text: errors and warnings on stderr as file:line:col lines; json: one object "
    '{"errors": [...], "warnings": [...]} on stdout, each issue with code, message, file, line, column, path and '
    "hint, for an editor or CI (exit 2 when there are errors, as with text).",
)
@_context_option
@_limit_option
def check_command(rules_dir: Path | None, kind: str, max_bytes: int | None) -> None:
    """Validate a rules folder (default: ./rules) and summarise it."""
    directory = rules_dir if rules_dir is not None else default_rules_dir()
    try:
        with input_limit(max_bytes):
            plan = load_rules(directory)
    except RuleError as error:
        if kind == "json":
            click.echo(_issues_json(error.issues, []))
            sys.exit(2)
        _fail(error)
    # Dated rules: every period's rules were checked and compiled when the folder was loaded; their warnings too.
    warnings = plan.dated.warnings() if plan.dated is not None else list(plan.warnings)
    if kind == "json":
        click.echo(_issues_json([], sorted(warnings, key=Issue.sort_key)))
        return
    for warning in sorted(warnings, key=Issue.sort_key):
        click.echo(warning.render(_context(), label="warning: "), err=True)
    click.echo(f"{_shown(directory)}: OK, {_plan_counts(plan)}")
    if plan.dated is not None:
        click.echo("each period's rules, checked on their own:")
        for text, _, judged in plan.dated.plans():
            current = " (the current rules, counted above)" if judged.digest == plan.digest else ""
            click.echo(f"  {text}: {_plan_counts(judged)}{current}")
        click.echo("periods each element is judged for:")
        for line in plan.dated.lines():
            click.echo(f"  {visible(line)}")


def _plan_counts(plan: Plan) -> str:
    """'7 rule sets, 56 rules, 17 measures'."""
    return ", ".join(
        [
            counted(len(plan.rulesets), "rule set"),
            counted(len(plan.rules), "rule"),
            counted(len(plan.measures), "measure"),
        ]
    )


def _issues_json(errors: list[Issue], warnings: list[Issue]) -> str:
    """``{"errors": [...], "warnings": [...]}``: every issue (none cut), sorted by place, for machines."""
    document = {
        "errors": [i.as_dict() for i in sorted(errors, key=Issue.sort_key)],
        "warnings": [i.as_dict() for i in warnings],
    }
    return json.dumps(document, indent=2, ensure_ascii=False)


@cli.command("verify")
@_context_option
@click.argument("rules_dir", required=False, type=click.Path(path_type=Path))
@click.option(
    "--against",
    "old_dir",
    type=click.Path(path_type=Path),
    default=None,
    help="Search instead for evidence on which RULES_DIR and this rules folder judge differently.",
)
@click.option(
    "--witness-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Write each finding's witness bundle here.  [default: a new temporary folder, named in the output]",
)
@click.option("--element", "elements", multiple=True, help="Verify only this element or classification (repeatable).")
@_limit_option
def verify_command(
    rules_dir: Path | None,
    old_dir: Path | None,
    witness_dir: Path | None,
    elements: tuple[str, ...],
    max_bytes: int | None,
) -> None:
    """Look for gaps, clashes, rules that never win and non-monotone bands, each with a confirmed witness
    (exit 2 on any but the last); with --against, for evidence the two folders judge differently (docs/verify.md)."""
    from .verify import compare_rules, verify_rules

    directory = rules_dir if rules_dir is not None else default_rules_dir()
    with input_limit(max_bytes):
        folders: list[Path | None] = [directory]
        if old_dir is not None:
            folders.append(old_dir)
        plans = _plans(folders, [])
    if old_dir is not None:
        compared = compare_rules(plans[0], plans[1], _shown(directory), _shown(old_dir), witness_dir)
        click.echo(compared.render(), nl=False)
        sys.exit(compared.status)
    report = verify_rules(plans[0], _shown(directory), witness_dir, set(elements) or None)
    click.echo(report.render(), nl=False)
    sys.exit(report.status)


@cli.command("schema")
@click.argument("which", type=click.Choice(sorted(SCHEMAS)))
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="write the schema to FILE (atomically) instead of printing it; the project's copies are "
    "schemas/rules.schema.json and schemas/evidence.schema.json",
)
def schema_command(which: str, out: Path | None) -> None:
    """Print the JSON Schema of an evidence bundle or a rule file.

    Its "$id" is stable (https://caa-engine.example/schemas/WHICH.schema.json); an editor's YAML extension
    reads the schema a file names on its first line, "# yaml-language-server: $schema=PATH".
    """
    text = schema_text(which)
    if out is None:
        click.echo(text, nl=False)
        return
    try:
        write_atomic(out, text)
    except OSError as error:
        _stop(f"cannot write '{display_name(out)}': {error.strerror or error}", 2)
    click.echo(f"{_shown(out)}: the {which} schema ({SCHEMA_IDS[which]})", err=True)


cli.add_command(ledger_group)
cli.add_command(history_command)
cli.add_command(compare_command)
cli.add_command(caa_test_command)  # caa test: the step library over scenarios kept anywhere


def main() -> None:
    """The console-script entry point.

    Ctrl-C at any moment exits 130 with the one line "caa: interrupted": SIGINT raises :class:`Interrupted`
    rather than KeyboardInterrupt (which click would answer with "Aborted!" and status 1), so it unwinds
    through every ``finally`` (temporary files removed, worker processes stopped) before the line is printed.
    """
    try:

        def interrupt(signum: int, frame: Any) -> None:
            raise Interrupted()

        signal.signal(signal.SIGINT, interrupt)
        cli(prog_name="caa")
    except (Interrupted, KeyboardInterrupt):
        _interrupted()
