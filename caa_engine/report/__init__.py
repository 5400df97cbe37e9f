"""Reports: views over :class:`~caa_engine.result.Result` objects, never over rules or evidence.

``text`` (a terminal table, rich), ``json`` (canonical JSON, an array for
several results) and ``html`` (a self-contained page with the audit trail).
:func:`render` picks one by name.  A report of several areas is a frame
around one piece per area (:func:`render_piece`, :func:`report_frame`), so a
round can render each area where it was assessed and write the report as it
goes, with the same bytes as :func:`render`.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..result import Result
from ._page import IndexRow
from .html import html_frame, render_html, render_html_section
from .json import JSON_ARRAY, json_array_item, render_json
from .markdown import markdown_frame, render_markdown, render_markdown_piece
from .text import DEFAULT_WIDTH, render_text

__all__ = [
    "FORMATS",
    "SUFFIXES",
    "render",
    "render_piece",
    "report_frame",
    "render_text",
    "render_json",
    "render_html",
    "render_markdown",
    "DEFAULT_WIDTH",
]

FORMATS = ("text", "json", "html", "markdown")
SUFFIXES = {"text": ".txt", "json": ".json", "html": ".html", "markdown": ".md"}  # a report file's name ends so


def render(
    results: Sequence[Result],
    kind: str,
    *,
    width: int = DEFAULT_WIDTH,
    colour: bool = False,
    array: bool | None = None,
    trail: str = "full",
) -> str:
    """The report of ``kind`` (one of :data:`FORMATS`) for ``results``; ``width`` and ``colour`` apply to text,
    ``array`` (always a JSON array) and ``trail`` (``Result.to_json``'s) to json.

    Raises ValueError for an unknown kind or trail.
    """
    _check(kind)
    if kind == "json":
        return render_json(results, array=array, trail=trail)
    if kind == "html":
        return render_html(results)
    if kind == "markdown":
        return render_markdown(results)
    return render_text(results, width=width, colour=colour)


def render_piece(
    result: Result,
    kind: str,
    *,
    index: int,
    width: int = DEFAULT_WIDTH,
    colour: bool = False,
    array: bool = False,
    trail: str = "full",
) -> str:
    """``result``'s part of a report of ``kind`` in which it is the ``index``-th area (from 1).

    ``report_frame``'s head, the pieces joined by its separator, and its tail are :func:`render`'s text.
    Raises ValueError for an unknown kind.
    """
    _check(kind)
    if kind == "json":
        text = result.to_json(trail)
        return json_array_item(text) if array else text
    if kind == "html":
        return render_html_section(result, index)
    if kind == "markdown":
        return render_markdown_piece(result)
    return render_text([result], width=width, colour=colour)


def report_frame(
    kind: str, areas: Sequence[tuple[str, str]], *, array: bool = False, rows: Sequence[IndexRow] = ()
) -> tuple[str, str, str]:
    """What goes before, between and after the pieces of a report of ``kind`` on ``areas`` (id and name each);
    ``rows``, each area's row of the national view (``index_row``), for the formats that show one (markdown).

    Raises ValueError for an unknown kind.
    """
    _check(kind)
    if kind == "markdown":
        return markdown_frame(rows)
    if kind == "json":
        return JSON_ARRAY if array else ("", "", "")
    if kind == "html":
        head, tail = html_frame(areas)
        return head, "", tail
    return "", "\n", ""  # text: a blank line between areas


def _check(kind: str) -> None:
    if kind not in FORMATS:
        raise ValueError(f"unknown report format '{kind}': choose one of {', '.join(FORMATS)}")
