"""Impact of a rule change: the same bundles judged under two rule folders, compared.

A view over two lists of :class:`~caa_engine.result.Result` (baseline and
changed rules, same bundles in the same order): every judgement whose score,
deciding rule or cap moved, every finding (an indicator's target status, a
criterion of the honourable-failure test, a self-awareness label) that changed,
and every flag or note that appeared or disappeared.
"""

from __future__ import annotations

import io
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from ..result import Result
from ._view import body_label

__all__ = ["Change", "compare_results", "render_impact_text", "render_impact_json"]


@dataclass(frozen=True)
class Change:
    area: str
    element: str
    subject: str  # a body label, "(area)", or the flag/note subject
    what: str  # "score", "finding", "flag", "note"
    before: str
    after: str


def _shown(score: int | None, label: str | None, rule: str | None, capped_by: str | None) -> str:
    capped = f", capped by {capped_by}" if capped_by else ""
    return f"{score} {label} ({rule}{capped})"


def _judgements(result: Result) -> dict[tuple[str, str], str]:
    out: dict[tuple[str, str], str] = {}
    for element_id, element in result.elements.items():
        if element.bodies is not None:
            for body_id, j in element.bodies.items():
                out[(element_id, body_label(result, body_id))] = _shown(j.score, j.label, j.rule, j.capped_by)
        elif element.score is not None:
            out[(element_id, "(area)")] = _shown(element.score, element.label, element.rule, element.capped_by)
    return out


def _findings(result: Result) -> dict[tuple[str, str], str]:
    """(finding name, subject) -> its value as people read it."""
    return {
        (name, subject): str(finding.value).lower() if isinstance(finding.value, bool) else str(finding.value)
        for found in result.findings.values()
        for subject, by_name in found.items()
        for name, finding in by_name.items()
    }


def compare_results(before: Result, after: Result) -> list[Change]:
    """What changed between two results for the same bundle."""
    area = after.area["name"]
    changes: list[Change] = []
    old, new = _judgements(before), _judgements(after)
    for key in sorted(set(old) | set(new)):
        if old.get(key) != new.get(key):
            changes.append(
                Change(area, key[0], key[1], "score", old.get(key, "not judged"), new.get(key, "not judged"))
            )
    old, new = _findings(before), _findings(after)
    for key in sorted(set(old) | set(new)):
        if old.get(key) != new.get(key):
            changes.append(Change(area, key[0], key[1], "finding", old.get(key, "—"), new.get(key, "—")))
    for what, items_before, items_after in (
        (
            "flag",
            {(f.subject, f.kind, f.reason) for f in before.flags},
            {(f.subject, f.kind, f.reason) for f in after.flags},
        ),
        (
            "note",
            {(n.subject, n.kind, n.text) for n in before.notes},
            {(n.subject, n.kind, n.text) for n in after.notes},
        ),
    ):
        for subject, kind, text in sorted(items_before - items_after):
            changes.append(Change(area, kind, subject, what, text, "—"))
        for subject, kind, text in sorted(items_after - items_before):
            changes.append(Change(area, kind, subject, what, "—", text))
    return changes


def _all_changes(before: Sequence[Result], after: Sequence[Result]) -> list[Change]:
    return [change for old, new in zip(before, after, strict=True) for change in compare_results(old, new)]


def render_impact_json(before: Sequence[Result], after: Sequence[Result]) -> str:
    changes = [asdict(change) for change in _all_changes(before, after)]
    return json.dumps({"areas": len(after), "changes": changes}, indent=2, ensure_ascii=False) + "\n"


def render_impact_text(before: Sequence[Result], after: Sequence[Result], *, width: int = 100) -> str:
    changes = _all_changes(before, after)
    buffer = io.StringIO()
    console = Console(
        file=buffer, width=width, color_system=None, no_color=True, highlight=False, markup=False, emoji=False
    )
    changed_areas = len({change.area for change in changes})
    console.print(Text(f"{len(after)} area(s) assessed; {changed_areas} changed, {len(changes)} change(s)"))
    if changes:
        table = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False, header_style="bold")
        for column in ("Area", "Element / kind", "Subject", "What", "Before", "After"):
            table.add_column(column, overflow="fold")
        for change in changes:
            table.add_row(
                *(
                    Text(value)
                    for value in (change.area, change.element, change.subject, change.what, change.before, change.after)
                )
            )
        console.print(table)
    return "".join(line.rstrip() + "\n" for line in buffer.getvalue().splitlines())
