"""The HTML report: one self-contained page (inline CSS, no scripts, no external assets).

For each area it lists the judgements, the measures behind them, flags, notes
and the whole audit trail as one card per event, grouped by body.  Every
cross-reference is a link within the page: a judgement to the event that
decided it, an overridden event to the one that overrode it, a counted fact
to the measure event that derived it.  Anchors come from the area's place on
the page and the event's number in the trail, so the same rules and evidence
give the same bytes.  The templates are ``templates/report.html.j2`` (the page)
and ``templates/area.html.j2`` (one area's section, rendered on its own so a
round can write the page as it goes);
autoescaping is on, so nothing from the evidence or the rules can become markup.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from .._plural import counted
from ..result import Result
from ._page import IndexRow, area_page, index_row, national_columns
from ._view import ABSENT, audit_trail, finding_groups, humanize, judgement_rows, measure_tables, period_words, show

__all__ = ["render_html", "render_html_section", "html_frame", "render_index", "index_row", "IndexRow"]

TEMPLATE = "report.html.j2"
INDEX_TEMPLATE = "index.html.j2"
AREA_TEMPLATE = "area.html.j2"
_SECTIONS = "<!-- the areas' sections -->"  # where the page is cut to stream its sections in between


def event_anchor(area_anchor: str, number: int) -> str:
    """The id of event ``number`` (its place in the area's audit trail, from 1) on the page."""
    return f"{area_anchor}-event-{number}"


def group_anchor(area_anchor: str, index: int) -> str:
    """The id of the ``index``-th group of the area's audit trail (from 1)."""
    return f"{area_anchor}-events-{index}"


@lru_cache(maxsize=1)
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
    env.globals["period_words"] = period_words
    env.globals["counted"] = counted
    return env


def render_html(results: Sequence[Result]) -> str:
    """The page for ``results``, in the order given."""
    head, tail = html_frame([(result.area["id"], result.area["name"]) for result in results])
    return head + "".join(render_html_section(result, index) for index, result in enumerate(results, start=1)) + tail


def render_html_section(result: Result, index: int) -> str:
    """The section of the page for ``result``, the ``index``-th area on it (from 1)."""
    area = {
        "result": result,
        "anchor": _area_anchor(index, result.area["id"]),
        "judgements": judgement_rows(result),
        "measures": measure_tables(result),
        "findings": finding_groups(result),
        "trail": audit_trail(result),
        "page": area_page(result),
    }
    return _environment().get_template(AREA_TEMPLATE).render(area=area, absent=ABSENT)


def html_frame(areas: Sequence[tuple[str, str]]) -> tuple[str, str]:
    """What comes before and after the sections of a page for ``areas`` (each an id and a name, in order)."""
    nav = [{"anchor": _area_anchor(index, id_), "name": name} for index, (id_, name) in enumerate(areas, start=1)]
    title = f"CAA assessment: {areas[0][1]}" if len(areas) == 1 else f"CAA assessment: {len(areas)} areas"
    page = _environment().get_template(TEMPLATE).render(title=title, areas=nav, sections=Markup(_SECTIONS))
    head, tail = page.split(_SECTIONS)
    return head, tail


def render_index(rows: Sequence[IndexRow], title: str = "CAA assessment: national index") -> str:
    """The national index page: one row per area (``index_row``), with its scores, flag counts and a link."""
    columns = national_columns(rows)
    return str(_environment().get_template(INDEX_TEMPLATE).render(title=title, rows=rows, columns=columns))


def _area_anchor(index: int, area_id: str) -> str:
    return f"area-{index}-{area_id}"
