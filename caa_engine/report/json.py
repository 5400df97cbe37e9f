"""The JSON report: one result's canonical JSON, or an array of them.

One result is exactly :meth:`Result.to_json`; several are a JSON array of
those same objects, in the order given, so the text is byte-identical on every
backend and every run.  The array is written around each result's own text
(indented one level, as ``json.dumps(indent=2)`` would), never by parsing it
back, so a round can write it one area at a time.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..result import Result

__all__ = ["render_json", "json_array_item", "JSON_ARRAY"]

JSON_ARRAY = ("[\n", ",\n", "\n]\n")  # what comes before, between and after the items of an array


def render_json(results: Sequence[Result], *, array: bool | None = None, trail: str = "full") -> str:
    """``to_json()`` of a single result; a JSON array of every result otherwise.

    ``array=True`` always gives an array (the CLI asks for one whenever a folder
    or several paths were given, so the shape depends on the arguments, never
    on how many bundles a folder happens to hold).
    """
    if array is None:
        array = len(results) != 1
    if not array:
        return results[0].to_json(trail)
    if not results:
        return "[]\n"
    head, between, tail = JSON_ARRAY
    return head + between.join(json_array_item(result.to_json(trail)) for result in results) + tail


def json_array_item(canonical: str) -> str:
    """A result's canonical JSON as an item of an array: each line indented two spaces, no final newline.

    Canonical JSON has line breaks only between tokens (one inside a string is written ``\\n``), so this is
    exactly what ``json.dumps`` gives for the parsed object one level down.
    """
    return "  " + canonical.rstrip("\n").replace("\n", "\n  ")
