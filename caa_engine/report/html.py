"""The HTML report: one self-contained page (inline CSS, no scripts, no external assets).

For each area it lists the judgements, the measures behind them, flags, notes
and the whole audit trail as one card per event, grouped by body.  Every
cross-reference is a link within the page: a judgement to the event that
decided it, an overridden event to the one that overrode it, a counted fact
to the measure event that derived it.  Anchors come from the area's place on
the page and the event's number in the trail, so the same rules and evidence
give the same bytes.  The template is ``templates/report.html.j2``;
autoescaping is on, so nothing from the evidence or the rules can become markup.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined

from ..result import Result
from ._view import ABSENT, audit_trail, finding_groups, humanize, judgement_rows, measure_tables, show

__all__ = ["render_html"]

TEMPLATE = "report.html.j2"


def event_anchor(area_anchor: str, number: int) -> str:
    """The id of event ``number`` (its place in the area's audit trail, from 1) on the page."""
    return f"{area_anchor}-event-{number}"


def group_anchor(area_anchor: str, index: int) -> str:
    """The id of the ``index``-th group of the area's audit trail (from 1)."""
    return f"{area_anchor}-events-{index}"


def _environment() -> Environment:
    # autoescape=True rather than select_autoescape(): the template's name ends
    # in ".j2", which select_autoescape's default extensions would not escape.
    env = Environment(
        loader=PackageLoader("caa_engine.report", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["humanize"] = humanize
    env.filters["show"] = show
    env.globals["event_anchor"] = event_anchor
    env.globals["group_anchor"] = group_anchor
    return env


def render_html(results: Sequence[Result]) -> str:
    """The page for ``results``, in the order given."""
    areas: list[dict[str, Any]] = [
        {
            "result": result,
            "anchor": f"area-{index}-{result.area['id']}",
            "judgements": judgement_rows(result),
            "measures": measure_tables(result),
            "findings": finding_groups(result),
            "trail": audit_trail(result),
        }
        for index, result in enumerate(results, start=1)
    ]
    if len(results) == 1:
        title = f"CAA assessment: {results[0].area['name']}"
    else:
        title = f"CAA assessment: {len(results)} areas"
    return _environment().get_template(TEMPLATE).render(title=title, areas=areas, absent=ABSENT)
