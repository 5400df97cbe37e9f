"""The ledger's commands: ``caa ledger verify``, ``caa history AREA`` and ``caa compare AREA``.

Thin, as ``cli.py`` is: parse, call :mod:`.store` and :mod:`.views`, print.  A problem with the ledger or the
request is one line on stderr and exit 2; a ledger that fails verification names each bad record, exit 2.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NoReturn

import click

from .._io import visible, visible_lines
from .._plural import counted
from ..periods import period_year
from .storage import is_postgres_url
from .store import DEFAULT_LEDGER, LEDGER_ENV, Ledger, LedgerError
from .views import compare_records, comparison_text, history_text, latest_for_period

__all__ = ["ledger_group", "history_command", "compare_command", "ledger_option", "LEDGER_HELP"]

LEDGER_HELP = (
    "The ledger: a SQLite file, created on first use, or a PostgreSQL database shared by several recorders "
    "(postgresql://USER@HOST/DB; needs the 'postgres' extra)."
)


def ledger_option(command):  # type: ignore[no-untyped-def]
    return click.option(
        "--ledger",
        "ledger_path",
        default=None,
        envvar=LEDGER_ENV,
        show_envvar=True,
        help=f"{LEDGER_HELP}  [default: ./{DEFAULT_LEDGER}]",
    )(command)


def _stop(message: str) -> NoReturn:
    click.echo(f"caa: error: {visible(message)}", err=True)
    sys.exit(2)


@contextmanager
def _opened(path: str | None, *, must_exist: bool = True) -> Iterator[Ledger]:
    target = path or DEFAULT_LEDGER
    if must_exist and not is_postgres_url(target) and not Path(target).is_file():
        _stop(f"no ledger '{target}': record results with 'caa assess … --record' first, or give --ledger PATH")
    try:
        with Ledger.open(target, create=False) as ledger:
            yield ledger
    except LedgerError as error:
        _stop(str(error))


@click.group("ledger")
def ledger_group() -> None:
    """The ledger of recorded results."""


@ledger_group.command("init")
@ledger_option
def init_command(ledger_path: str | None) -> None:
    """Create an empty ledger (a file, or the tables and triggers in a PostgreSQL schema), recording nothing.

    Recording creates one too; this lets a database's owner create it before granting recorders SELECT and
    INSERT only (docs/ledger.md).  An existing ledger is left as it is."""
    target = ledger_path or DEFAULT_LEDGER
    try:
        with Ledger.open(target) as ledger:
            count = ledger.head_id()
            name = ledger.path
    except LedgerError as error:
        _stop(str(error))
    click.echo(f"{visible(str(name))}: a caa ledger, {count} record{'s' if count != 1 else ''}")


@ledger_group.command("verify")
@ledger_option
@click.option(
    "--head", default=None, help="Also check that the record with this hash (a head published earlier) is there."
)
def verify_command(ledger_path: str | None, head: str | None) -> None:
    """Check every record against its hash and the chain: any record edited, removed or moved is named."""
    with _opened(ledger_path) as ledger:
        problems, count, last = ledger.verify()
        hashes = ledger.hashes() if head else set()
        name = ledger.path
    failed = bool(problems)
    for problem in problems:
        click.echo(f"{visible(str(name))}: record {problem.record}: {problem.message}", err=True)
    if head and head not in hashes:
        failed = True
        click.echo(
            f"{visible(str(name))}: the record with hash {visible(head[:64])} is not in the ledger: "
            "records were removed from its end",
            err=True,
        )
    if failed:
        click.echo(f"caa: the ledger '{visible(str(name))}' FAILED verification ({counted(count, 'record')})", err=True)
        sys.exit(2)
    click.echo(f"{visible(str(name))}: OK, {counted(count, 'record')}, head {last}")


@click.command("history")
@click.argument("area")
@ledger_option
def history_command(area: str, ledger_path: str | None) -> None:
    """Every record of AREA in the ledger, period by period, with what corrects what."""
    with _opened(ledger_path) as ledger:
        try:
            text = history_text(ledger, area)
        except LedgerError as error:
            _stop(str(error))
    click.echo(visible_lines(text), nl=False)


@click.command("compare")
@click.argument("area", required=False)
@click.option("--period", "periods", multiple=True, help="A period of AREA (twice: before, then after).")
@click.option("--record", "records", multiple=True, type=int, help="A record id (twice: before, then after).")
@ledger_option
def compare_command(
    area: str | None, periods: tuple[str, ...], records: tuple[int, ...], ledger_path: str | None
) -> None:
    """What moved between two recorded results of one area: AREA --period A --period B, or --record N --record M.

    For a period, the record in force is the latest one not superseded.  Says whether the rules, the evidence
    or both changed, then every judgement (score, deciding rule, cap), finding, flag and note that moved."""
    if records and (periods or area):
        raise click.UsageError("give AREA --period A --period B, or --record N --record M, not both")
    if records and len(records) != 2:
        raise click.UsageError("give --record twice: the record before, then the record after")
    if not records:
        if area is None or len(periods) != 2:
            raise click.UsageError(
                "give AREA and --period twice (before, then after), e.g. --period 2007/08 --period 2008/09"
            )
        for period in periods:
            if period_year(period) is None:
                raise click.UsageError(f"'{period}' is not a period written YYYY/YY, e.g. 2008/09")
    with _opened(ledger_path) as ledger:
        try:
            if records:
                found = [ledger.record(number) for number in records]
                for number, record in zip(records, found, strict=True):
                    if record is None:
                        raise LedgerError(f"the ledger holds no record {number}")
                before, after = found
                assert before is not None and after is not None
                if before.area != after.area:
                    raise LedgerError(
                        f"record {before.id} is for area '{before.area}' and record {after.id} for '{after.area}': "
                        "compare two records of one area"
                    )
            else:
                assert area is not None
                before, after = (latest_for_period(ledger, area, period) for period in periods)
            text = comparison_text(compare_records(before, after))
        except LedgerError as error:
            _stop(str(error))
    click.echo(visible_lines(text), nl=False)
