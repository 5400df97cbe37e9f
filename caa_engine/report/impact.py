"""Impact of a rule change: the same bundles judged under two rule folders, compared.

A view over two lists of :class:`~caa_engine.result.Result` (baseline and
changed rules, same bundles in the same order): every judgement whose score,
deciding rule or cap moved, every finding (an indicator's target status, a
criterion of the honourable-failure test, a self-awareness label) that changed,
and every flag or note that appeared or disappeared.  Each side of a change is
structured data (:class:`Change`); the text table and the JSON are two
renderings of it.
"""

from __future__ import annotations

import json
import re
import textwrap
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from .._plural import counted
from ..result import Result
from ._view import body_label

__all__ = ["Change", "compare_results", "impact_changes", "gates", "render_impact_text", "render_impact_json"]

# What a change is about; a change of any of GATED fails `caa impact --fail-on-change`.
GATED = ("score", "flag")


@dataclass(frozen=True)
class Change:
    """One thing that differs between the two results of an area.

    ``before`` and ``after`` are None where the thing is absent on that side (not judged, no such finding,
    flag or note); otherwise, by ``what``: a judgement ``{"score", "label", "rule", "uncapped", "capped_by"}``
    ("score"); the finding's value ("finding"); ``{"colour", "reason"}`` ("flag"); ``{"text"}`` ("note").
    """

    area: str
    period: str | None  # the period the bundle was judged for (the result's 'period')
    element: str  # the element, the finding's name, or the flag or note kind
    subject: str  # a body label, "(area)", or the finding's, flag's or note's subject
    what: str  # "score", "finding", "flag", "note"
    before: Any
    after: Any


def _judgement(
    score: int | None, label: str | None, rule: str | None, uncapped: int | None, capped_by: str | None
) -> dict[str, Any]:
    return {"score": score, "label": label, "rule": rule, "uncapped": uncapped, "capped_by": capped_by}


def _judgements(result: Result) -> dict[tuple[str, str], dict[str, Any]]:
    out: dict[tuple[str, str], dict[str, Any]] = {}
    for element_id, element in result.elements.items():
        if element.bodies is not None:
            for body_id, j in element.bodies.items():
                out[(element_id, body_label(result, body_id))] = _judgement(
                    j.score, j.label, j.rule, j.uncapped, j.capped_by
                )
        elif element.score is not None:
            out[(element_id, "(area)")] = _judgement(
                element.score, element.label, element.rule, element.uncapped, element.capped_by
            )
    return out


def _findings(result: Result) -> dict[tuple[str, str], Any]:
    """(finding name, subject) -> its value, as JSON holds it."""
    return {
        (name, subject): json.loads(json.dumps(finding.value, default=str))
        for found in result.findings.values()
        for subject, by_name in found.items()
        for name, finding in by_name.items()
    }


def compare_results(before: Result, after: Result) -> list[Change]:
    """What changed between two results for the same bundle."""
    area, period = after.area["name"], after.period
    changes: list[Change] = []
    for what, old, new in (
        ("score", _judgements(before), _judgements(after)),
        ("finding", _findings(before), _findings(after)),
    ):
        for key in sorted(set(old) | set(new)):
            if old.get(key) != new.get(key):
                changes.append(Change(area, period, key[0], key[1], what, old.get(key), new.get(key)))
    flags = [{(f.subject, f.kind): {"colour": f.colour, "reason": f.reason} for f in r.flags} for r in (before, after)]
    notes = [{(n.subject, n.kind): {"text": n.text} for n in r.notes} for r in (before, after)]
    for what, (old_items, new_items) in (("flag", flags), ("note", notes)):
        for subject, kind in sorted(set(old_items) | set(new_items)):
            old_item, new_item = old_items.get((subject, kind)), new_items.get((subject, kind))
            if old_item != new_item:
                changes.append(Change(area, period, kind, subject, what, old_item, new_item))
    return changes


def _changes_by_bundle(before: Sequence[Result], after: Sequence[Result]) -> list[list[Change]]:
    return [compare_results(old, new) for old, new in zip(before, after, strict=True)]


def impact_changes(before: Sequence[Result], after: Sequence[Result]) -> list[Change]:
    """Every change over the areas, in input order."""
    return [change for changes in _changes_by_bundle(before, after) for change in changes]


def _changed(by_bundle: list[list[Change]]) -> int:
    """How many bundles changed: an area judged for two periods is two bundles, each counted (counting area
    names said '1 changed' when both its periods moved)."""
    return sum(1 for changes in by_bundle if changes)


def gates(changes: Sequence[Change]) -> bool:
    """Whether any judgement (its score, deciding rule or cap) or flag moved: what fails --fail-on-change."""
    return any(change.what in GATED for change in changes)


def render_impact_json(before: Sequence[Result], after: Sequence[Result]) -> str:
    by_bundle = _changes_by_bundle(before, after)
    changes = [change for found in by_bundle for change in found]
    report = {
        "areas": len(after),
        "changed_areas": _changed(by_bundle),
        "gated": gates(changes),
        "changes": [asdict(change) for change in changes],
    }
    return json.dumps(report, indent=2, ensure_ascii=False) + "\n"


def shown(what: str, side: Any) -> str:
    """One side of a change as people read it."""
    if side is None:
        return "not judged" if what == "score" else "—"
    if what == "score":
        capped = f", capped by {side['capped_by']}" if side["capped_by"] else ""
        return f"{side['score']} {side['label']} ({side['rule']}{capped})"
    if what == "flag":
        return str(side["reason"])
    if what == "note":
        return str(side["text"])
    return str(side).lower() if isinstance(side, bool) else str(side)


HEADERS = ("Area", "Element / kind", "Subject", "What", "Before", "After")
GAP = "   "
# A line may break at a space, or after '.', '_', '-' or '/' inside a name (honourable_test.|recorded_in_advance).
_CHUNK = re.compile(r"\s+|[^\s._/-]*[._/-]+|[^\s._/-]+")


class _Wrapper(textwrap.TextWrapper):
    def _split(self, text: str) -> list[str]:
        return _CHUNK.findall(text)


def _wrap(text: str, width: int) -> list[str]:
    """Lines of at most ``width``, broken at spaces; a word longer than that after '.', '_', '-' or '/' in it,
    and only a name with no such place is cut."""
    lines: list[str] = []
    for line in textwrap.wrap(text, width, break_long_words=False, break_on_hyphens=False) or [""]:
        lines += [line] if len(line) <= width else _Wrapper(width, break_long_words=True).wrap(line)
    return lines


def _longest_word(text: str) -> int:
    return max((len(chunk) for chunk in _CHUNK.findall(text) if not chunk.isspace()), default=1)


def _widths(rows: list[tuple[str, ...]], width: int) -> list[int] | None:
    """Column widths that fit ``width``, every cell broken only at spaces: the widest column gives way first,
    down to its longest word.  None if even the longest words do not fit side by side."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(HEADERS))]
    floor = [max(len(word) for row in rows for word in row[i].split() or [""]) for i in range(len(HEADERS))]
    room = width - len(GAP) * (len(HEADERS) - 1)
    if sum(floor) > room:
        return None
    while sum(widths) > room:
        widest = max((i for i in range(len(widths)) if widths[i] > floor[i]), key=lambda i: (widths[i], i))
        widths[widest] -= 1
    return widths


def _table(rows: list[tuple[str, ...]], widths: list[int]) -> list[str]:
    lines: list[str] = []
    for number, row in enumerate(rows):
        cells = [_wrap(text, w) for text, w in zip(row, widths, strict=True)]
        for depth in range(max(len(cell) for cell in cells)):
            parts = [(cell[depth] if depth < len(cell) else "").ljust(w) for cell, w in zip(cells, widths, strict=True)]
            lines.append(GAP.join(parts).rstrip())
        if number == 0:
            lines.append("─" * (sum(widths) + len(GAP) * (len(widths) - 1)))
    return lines


def _area(change: Change, dated: bool) -> str:
    """The area's name, and the period judged when the bundles are for several periods (an area's 2007/08 and
    2008/09 bundles would otherwise be two rows alike)."""
    return f"{change.area} {change.period}" if dated and change.period else change.area


def _blocks(changes: Sequence[Change], width: int, dated: bool) -> list[str]:
    """For a terminal too narrow for the table: each change as a few lines, its words kept whole."""
    lines: list[str] = []
    for change in changes:
        lines.append("")
        lines += _wrap(f"{_area(change, dated)} · {change.element} · {change.subject} · {change.what}", width)
        for name, side in (("before", change.before), ("after", change.after)):
            text = _wrap(shown(change.what, side), max(width - 10, 10))
            lines += [f"  {name + ':' if not i else '':<8}{line}" for i, line in enumerate(text)]
    return lines


def render_impact_text(before: Sequence[Result], after: Sequence[Result], *, width: int = 100) -> str:
    """The changes as a table of ``width`` columns (a terminal's width), each cell wrapped at spaces; on a
    terminal too narrow for that, each change as a block of lines."""
    by_bundle = _changes_by_bundle(before, after)
    changes = [change for found in by_bundle for change in found]
    dated = len({result.period for result in after}) > 1
    head = f"{counted(len(after), 'area')} assessed; {_changed(by_bundle)} changed, {counted(len(changes), 'change')}"
    lines = textwrap.wrap(head, max(width, 20)) or [head]
    if changes:
        rows: list[tuple[str, ...]] = [HEADERS]
        rows += [
            (_area(c, dated), c.element, c.subject, c.what, shown(c.what, c.before), shown(c.what, c.after))
            for c in changes
        ]
        widths = _widths(rows, width)
        lines += _table(rows, widths) if widths is not None else _blocks(changes, width, dated)
    return "".join(line + "\n" for line in lines)
