"""Reports: views over :class:`~caa_engine.result.Result` objects, never over rules or evidence.

``text`` (a terminal table, rich), ``json`` (canonical JSON, an array for
several results) and ``html`` (a self-contained page with the audit trail).
:func:`render` picks one by name.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..result import Result
from .html import render_html
from .json import render_json
from .text import DEFAULT_WIDTH, render_text

__all__ = ["FORMATS", "render", "render_text", "render_json", "render_html", "DEFAULT_WIDTH"]

FORMATS = ("text", "json", "html")


def render(
    results: Sequence[Result], kind: str, *, width: int = DEFAULT_WIDTH, colour: bool = False, array: bool | None = None
) -> str:
    """The report of ``kind`` (one of :data:`FORMATS`) for ``results``; ``width`` and ``colour`` apply to text,
    ``array`` (always a JSON array) to json.

    Raises ValueError for an unknown kind.
    """
    if kind == "text":
        return render_text(results, width=width, colour=colour)
    if kind == "json":
        return render_json(results, array=array)
    if kind == "html":
        return render_html(results)
    raise ValueError(f"unknown report format '{kind}': choose one of {', '.join(FORMATS)}")
