"""The JSON report: one result's canonical JSON, or an array of them.

One result is exactly :meth:`Result.to_json`; several are a JSON array of
those same objects, in the order given, so the text is byte-identical on every
backend and every run.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from ..result import Result

__all__ = ["render_json"]


def render_json(results: Sequence[Result], *, array: bool | None = None) -> str:
    """``to_json()`` of a single result; a JSON array of every result otherwise.

    ``array=True`` always gives an array (the CLI asks for one whenever a folder
    or several paths were given, so the shape depends on the arguments, never
    on how many bundles a folder happens to hold).
    """
    if array is None:
        array = len(results) != 1
    if not array:
        return results[0].to_json()
    # Each element is re-read from to_json() so the canonical form has one home.
    items = [json.loads(result.to_json()) for result in results]
    return json.dumps(items, indent=2, ensure_ascii=False) + "\n"
