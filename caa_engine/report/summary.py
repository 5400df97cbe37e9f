"""The national table: one row per area and one per body, built from each result as a round goes.

:func:`summary_rows` turns one result into its rows (small: computed where the area was judged, so a round never
holds results); :func:`render_summary` writes the rows of a whole round as CSV (the spreadsheet people open),
Markdown or plain text, chosen by the target's suffix.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from ..result import Result
from ._view import flag_counts, flags_not_judged_words, not_in_force_words, overall_cell_words

__all__ = ["SUMMARY_SUFFIXES", "summary_rows", "summary_columns", "render_summary"]

SUMMARY_SUFFIXES = (".csv", ".md", ".txt")
Row = dict[str, str]


def _text(value: object) -> str:
    return "" if value is None else str(value)


def summary_rows(result: Result) -> tuple[Row, ...]:
    """The area's row (the period judged, its per-area elements, the overall score and cap, and every flag) and one
    row per body (the period, its per-body elements, and its own flags)."""
    area_id, area_name = _text(result.area["id"]), _text(result.area["name"])
    overall = result.overall or {}

    unjudged = not_in_force_words(result)

    def flags(body: str | None) -> Row:
        counts = flag_counts(result, body)
        if counts is None:  # no rule in force raises flags: not judged, which a 0 would hide
            said = flags_not_judged_words(result)
            return {"red_flags": said, "green_flags": said, "honourable_failures": said}
        red, honourable, green = counts
        return {"red_flags": str(red), "green_flags": str(green), "honourable_failures": str(honourable)}

    def not_in_force(scope: str) -> Row:
        """An element the period's rules do not judge: no score, and the label says why."""
        row: Row = {}
        for element in result.not_in_force:
            if element.scope == scope and not element.combines:
                row |= {f"{element.element}_score": "", f"{element.element}_label": unjudged}
                row |= {f"{element.element}_rule": "", f"{element.element}_cap": ""}
        return row

    period = _text(result.period)
    row: Row = {"area": area_id, "area_name": area_name, "period": period}
    row |= {"body": "", "body_name": "", "kind": "", "lead": ""}
    for name, element in result.elements.items():
        if element.bodies is None:
            row |= {f"{name}_score": _text(element.score), f"{name}_label": _text(element.label)}
            row |= {f"{name}_rule": _text(element.rule), f"{name}_cap": _text(element.capped_by)}
    row |= not_in_force("area")
    row |= {
        "overall_score": _text(overall.get("score")),
        "overall_label": _text(overall.get("label")) if overall else (overall_cell_words(result) or ""),
        "overall_uncapped": _text(overall.get("uncapped")),
        "overall_cap": _text(overall.get("capped_by")),
    }
    rows = [row | flags(None)]
    for body_id, body in result.bodies.items():
        own: Row = {"area": area_id, "area_name": area_name, "period": period}
        own |= {"body": body_id, "body_name": _text(body.name)}
        own |= {"kind": _text(body.kind), "lead": "true" if body.lead else "false"}
        for name, element in result.elements.items():
            if element.bodies is not None and body_id in element.bodies:
                judged = element.bodies[body_id]
                own |= {f"{name}_score": _text(judged.score), f"{name}_label": _text(judged.label)}
                own |= {f"{name}_rule": _text(judged.rule), f"{name}_cap": _text(judged.capped_by)}
        rows.append(own | not_in_force("body") | flags(body_id))
    return tuple(rows)


def summary_columns(rows: Sequence[Row]) -> list[str]:
    """Every column any row has, in the order they first appear (the area's, then the per-body elements')."""
    columns: dict[str, None] = {}
    for row in rows:
        columns.update(dict.fromkeys(row))
    tail = ["red_flags", "green_flags", "honourable_failures"]
    return [c for c in columns if c not in tail] + tail


def render_summary(rows: Sequence[Row], suffix: str) -> str:
    """The table as CSV (``.csv``), a Markdown table (``.md``) or aligned text (``.txt``)."""
    columns = summary_columns(rows)
    if suffix == ".csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows([row.get(c, "") for c in columns] for row in rows)
        return out.getvalue()
    if suffix == ".md":
        lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
        lines += ["| " + " | ".join(row.get(c, "").replace("|", "\\|") for c in columns) + " |" for row in rows]
        return "\n".join(lines) + "\n"
    widths = {c: max([len(c), *(len(row.get(c, "")) for row in rows)]) for c in columns}
    lines = ["  ".join(c.ljust(widths[c]) for c in columns).rstrip()]
    lines += ["  ".join(row.get(c, "").ljust(widths[c]) for c in columns).rstrip() for row in rows]
    return "\n".join(lines) + "\n"
