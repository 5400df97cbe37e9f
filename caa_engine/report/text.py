"""The terminal report: one block per area, drawn with rich.

Each block has the judgements (one row per element and body), the measures
behind them (theme scores per body for use of resources), flags, notes and a
provenance line.  The width is fixed by the caller, and colour is used only
when asked for, so the text is the same on every run.  Every value from the
evidence or the rules is shown as plain text, never as rich markup, and with
its control characters as escapes (``_io.visible``): a report is terminal text.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from rich import box
from rich.console import Console, Group, RenderableType
from rich.rule import Rule
from rich.table import Table
from rich.text import Text

from .._io import visible
from ..result import Result
from ._view import (
    ABSENT,
    finding_groups,
    flag_counts,
    flags_not_judged_words,
    humanize,
    judgement_rows,
    measure_tables,
    period_words,
    rule_set_lines,
)

__all__ = ["render_text", "DEFAULT_WIDTH"]

DEFAULT_WIDTH = 100
_SCORE_STYLES = {4: "bold green", 3: "green", 2: "yellow", 1: "bold red"}


def render_text(results: Sequence[Result], *, width: int = DEFAULT_WIDTH, colour: bool = False) -> str:
    """The report for ``results`` as text ``width`` columns wide (ANSI colours only if ``colour``)."""
    buffer = io.StringIO()
    console = Console(
        file=buffer,
        width=width,
        color_system="standard" if colour else None,
        force_terminal=colour,
        no_color=not colour,
        highlight=False,
        emoji=False,
        markup=False,
        soft_wrap=False,
        legacy_windows=False,
    )
    for index, result in enumerate(results):
        if index:
            console.print()
        console.print(_area(result, width))
    # rich pads every line to the full width; trailing blanks only get in the way of diffs.
    return "".join(line.rstrip() + "\n" for line in buffer.getvalue().splitlines())


def _plain(text: str, style: str = "") -> Text:
    """Text from the evidence or the rules, as a terminal should show it: no markup, no control characters."""
    return Text(visible(text), style=style)


def _area(result: Result, width: int) -> RenderableType:
    heading = _plain(f"{result.area['name']} ({result.area['id']})", style="bold")
    parts: list[RenderableType] = [
        Rule(heading, align="left", characters="═"),
        _plain(f"period {period_words(result)}", style="dim"),
        _plain(f"evidence {result.evidence['file']} (sha256 {result.evidence['sha256'][:12]})", style="dim"),
        _judgements(result),
    ]
    for table in measure_tables(result):
        grid = _table(f"{table.title}: {humanize(table.measure).lower()}")
        grid.add_column("Body", min_width=20)
        names = [humanize(column) if table.pivoted else column for column in table.columns]
        # Many columns (CPA's five themes) would push the last off the edge: their headings wrap instead.
        share = (width - 22) // max(len(names), 1) - 2
        narrow = share if 22 + sum(len(name) + 2 for name in names) > width else None
        for name in names:
            grid.add_column(_plain(name), justify="right" if table.pivoted else "left", max_width=narrow)
        for body, cells in table.rows:
            grid.add_row(_plain(body), *(_plain(cell) for cell in cells))
        parts.append(grid)
    parts.extend(_findings(result))
    parts.append(_flags(result))
    parts.append(_notes(result))
    parts.append(_provenance(result))
    spaced: list[RenderableType] = parts[:3]
    for part in parts[3:]:
        spaced.extend([Text(""), part])
    return Group(*spaced)


def _table(title: str) -> Table:
    return Table(
        title=_plain(title, style="bold"),
        title_justify="left",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
        show_edge=False,
        header_style="bold",
    )


def _judgements(result: Result) -> RenderableType:
    rows = judgement_rows(result)
    table = _table("Judgements")
    # An element's title stays on one line unless it is long (2007/08's rule set names the CPA rule it applies):
    # then it wraps, rather than push the deciding rule off the edge.
    table.add_column("Element", no_wrap=max((len(row.title) for row in rows), default=0) <= 24)
    table.add_column("Body", min_width=16)
    table.add_column("Score", justify="right", no_wrap=True)
    table.add_column("Label", min_width=12)
    # A rule id is what a reader looks up: never cut it short.
    table.add_column("Deciding rule", no_wrap=True, min_width=max((len(row.rule) for row in rows), default=1))
    capped = []
    for row in rows:
        score = Text(ABSENT) if row.score is None else Text(str(row.score), _SCORE_STYLES.get(row.score, ""))
        table.add_row(_plain(row.title), _plain(row.body), score, _plain(row.shown_label), _plain(row.rule))
        if row.capped_by is not None:
            where = "" if row.body == "(area)" else f" for {row.body}"
            capped.append(
                _plain(f"{row.title}{where}: {row.uncapped} by {row.rule}, capped at {row.score} by {row.capped_by}")
            )
    return Group(table, *capped) if capped else table


def _findings(result: Result) -> list[RenderableType]:
    """Per fact type: each fact with what the rules settled about it (labels, criteria, shares)."""
    tables: list[RenderableType] = []
    for group in finding_groups(result):
        table = _table(f"Findings: {group.title.lower()}")
        table.add_column(humanize(group.subject_type), no_wrap=True)
        table.add_column("What the rules found")
        for subject, pairs in group.rows:
            table.add_row(_plain(subject), _plain("; ".join(f"{name} {value}" for name, value in pairs)))
        tables.append(table)
    return tables


def _flags(result: Result) -> RenderableType:
    if flag_counts(result) is None:
        return _plain(f"Flags: {flags_not_judged_words(result)}")
    return _section(
        "Flags",
        "Flag",
        [(f.subject, f"{f.colour} flag: {f.kind}" if f.colour else f.kind, f.rule, f.reason) for f in result.flags],
    )


def _notes(result: Result) -> RenderableType:
    return _section("Notes", "Note", [(n.subject, n.kind, n.rule, n.text) for n in result.notes])


def _section(title: str, noun: str, rows: list[tuple[str, str, str, str]]) -> RenderableType:
    if not rows:
        return _plain(f"{title}: none")
    return _raised(f"{title} ({len(rows)})", noun, rows)


def _raised(title: str, noun: str, rows: list[tuple[str, str, str, str]]) -> Table:
    """Flags or notes: the subject, then the kind and rule over the reason or text."""
    table = _table(title)
    table.add_column("Subject", no_wrap=True)
    table.add_column(noun)
    for subject, kind, rule, text in rows:
        style = "bold red" if kind.startswith("red ") else "bold green" if kind.startswith("green ") else "bold"
        table.add_row(
            _plain(subject),
            Text.assemble((visible(kind), style), (visible(f"  (rule {rule})"), "dim"), "\n", visible(text)),
        )
    return table


def _provenance(result: Result) -> Text:
    rulesets = ", ".join(
        f"{name} {version} ({file}{', ' + periods if periods else ''})"
        for name, version, file, periods in rule_set_lines(result)
    )
    return _plain(
        f"judged for {period_words(result)} by the rules {rulesets}; rules sha256 {result.rules_sha256[:12]}; "
        f"{result.engine['name']} {result.engine['version']}, {result.backend or 'unknown'} backend",
        style="dim",
    )
