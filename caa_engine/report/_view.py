"""The shapes every report shows, taken from :class:`~caa_engine.result.Result` objects.

The text and HTML reports lay out the same things: one row per element and
body, the measures behind each judgement as a small table (use of resources:
theme scores per body), flags, notes and provenance.  Deciding what those
rows are lives here once; the renderers only lay them out.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from ..result import ElementResult, Result

__all__ = ["JudgementRow", "MeasureTable", "judgement_rows", "measure_tables", "humanize", "show", "ABSENT"]

ABSENT = "—"


@dataclass(frozen=True)
class JudgementRow:
    """One scored judgement (or the lack of one) for an element and a body (or the area)."""

    element: str
    title: str
    body: str  # a body id, or "(area)" for an area-level element, or ABSENT when nothing was judged
    score: int | None
    label: str
    rule: str


@dataclass(frozen=True)
class MeasureTable:
    """A measure's derived facts for every body of one element, pivoted where that reads better.

    Pivoted (every row is one group key and one value, e.g. theme and score):
    ``columns`` are the group values and each row is a body with its values
    (ABSENT where a body has none, e.g. a theme with no assessed KLOE).
    Otherwise ``columns`` are the fields and each row is one derived fact.
    """

    element: str
    title: str
    measure: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, tuple[str, ...]], ...]
    pivoted: bool


def humanize(name: str) -> str:
    """'managing_finances' -> 'Managing finances'."""
    words = name.replace("_", " ").strip()
    return words[:1].upper() + words[1:]


def show(value: Any) -> str:
    """A value as people read it: texts as they are, everything else as JSON."""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def body_label(result: Result, body_id: str) -> str:
    """A body as people know it: its name, with its id to match the JSON."""
    info = result.bodies.get(body_id)
    return f"{info.name} ({body_id})" if info is not None else body_id


def judgement_rows(result: Result) -> list[JudgementRow]:
    rows: list[JudgementRow] = []
    for element_id, element in result.elements.items():
        if element.bodies is not None:
            if not element.bodies:
                rows.append(JudgementRow(element_id, element.title, ABSENT, None, "not judged", ABSENT))
            for body_id, judgement in element.bodies.items():
                rows.append(
                    JudgementRow(
                        element_id,
                        element.title,
                        body_label(result, body_id),
                        judgement.score,
                        judgement.label,
                        judgement.rule,
                    )
                )
        elif element.score is not None:
            rows.append(
                JudgementRow(
                    element_id, element.title, "(area)", element.score, element.label or "", element.rule or ABSENT
                )
            )
        else:
            rows.append(JudgementRow(element_id, element.title, "(area)", None, "not judged", ABSENT))
    return rows


def measure_tables(result: Result) -> list[MeasureTable]:
    tables: list[MeasureTable] = []
    for element_id, element in result.elements.items():
        for measure, per_body in _measures(result, element).items():
            tables.append(_table(element_id, element.title, measure, per_body))
    return tables


def _measures(result: Result, element: ElementResult) -> dict[str, dict[str, list[dict[str, Any]]]]:
    """measure id -> body label -> derived facts, in first-seen order."""
    found: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for body_id, judgement in (element.bodies or {}).items():
        for measure, facts in judgement.measures.items():
            found.setdefault(measure, {})[body_label(result, body_id)] = facts
    return found


def _table(element: str, title: str, measure: str, per_body: dict[str, list[dict[str, Any]]]) -> MeasureTable:
    facts = [fact for rows in per_body.values() for fact in rows]
    keys = {tuple(fact) for fact in facts}
    # A derived fact lists its group keys first and its value last (compile order).
    if len(keys) == 1 and len(next(iter(keys))) == 2:
        group, value = next(iter(keys))
        columns = tuple(sorted({show(fact[group]) for fact in facts}))
        rows = []
        for body_id, body_facts in per_body.items():
            values = {show(fact[group]): show(fact[value]) for fact in body_facts}
            rows.append((body_id, tuple(values.get(column, ABSENT) for column in columns)))
        return MeasureTable(element, title, measure, columns, tuple(rows), True)
    fields: list[str] = []
    for fact in facts:
        fields.extend(name for name in fact if name not in fields)
    flat = tuple(
        (body_id, tuple(show(fact[name]) if name in fact else ABSENT for name in fields))
        for body_id, body_facts in per_body.items()
        for fact in body_facts
    )
    return MeasureTable(element, title, measure, tuple(fields), flat, False)
