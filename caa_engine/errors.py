"""One error family for the whole engine.

Every problem a user can cause is an :class:`Issue`: a stable ``code``, a
``message``, the ``location`` (file, line, column) it points at, and a ``hint``
that says what to do.  Loaders collect issues rather than stopping at the first
one, then raise them together as a :class:`RuleError` or :class:`EvidenceError`.
Problems in the engine itself (never the user's fault) are :class:`EngineError`.
"""

from __future__ import annotations

import os
import re
import stat
import unicodedata
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, ClassVar

from ._io import visible

__all__ = [
    "Location",
    "Issue",
    "CaaError",
    "InvalidInputError",
    "RuleError",
    "EvidenceError",
    "EngineError",
    "fold_repeats",
    "source_line",
]

# A source line is shown under an issue only from a regular file this size or smaller: a line of a huge file is
# not worth reading it again, and a pipe or device cannot be read twice.
MAX_SOURCE_BYTES = 8 * 1024 * 1024
# Past this many characters a source line is cut (around the column) rather than shown whole.
MAX_SHOWN_LINE = 160


@lru_cache(maxsize=16)
def _source_lines(file: str, size: int, mtime_ns: int) -> tuple[str, ...]:
    with open(file, "rb") as handle:
        return tuple(handle.read(MAX_SOURCE_BYTES + 1).decode("utf-8", errors="replace").split("\n"))


def source_line(location: Location) -> str | None:
    """The text of the line ``location`` points at, or None when there is none to show.

    None for a location with no line (a dict bundle's key path, standard input), a file that is not a regular
    file, is over :data:`MAX_SOURCE_BYTES`, cannot be read, or is shorter than the line.  Files are read once
    per size and modification time and kept in a small cache.
    """
    if location.line <= 0 or not location.file or not location.shows_source:
        return None
    try:
        found = os.stat(location.file)
    except (OSError, ValueError):
        return None
    if not stat.S_ISREG(found.st_mode) or found.st_size > MAX_SOURCE_BYTES:
        return None
    try:
        lines = _source_lines(location.file, found.st_size, found.st_mtime_ns)
    except OSError:
        return None
    if location.line > len(lines):
        return None
    line = lines[location.line - 1].rstrip("\r")
    return line if line.strip() else None  # a caret under nothing points at nothing


# A tab in a source line is shown as spaces to the next multiple of this, as a terminal shows it.
TAB_STOP = 8


def _width(text: str) -> int:
    """The columns ``text`` takes on a terminal: 2 for a wide or full-width character (CJK, most emoji), 0 for a
    combining mark or an invisible format character, 1 for any other."""
    total = 0
    for char in text:
        if unicodedata.combining(char) or unicodedata.category(char) in ("Mn", "Me", "Cf"):
            continue
        total += 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1
    return total


def _with_caret(text: str, column: int) -> tuple[str, str]:
    """The line as a terminal shows it and the line to print under it.

    With a ``column`` (counting from 1, in characters), a caret under that character: placed by the columns the
    characters before it take on a terminal (a tab to the next tab stop, a wide character two, a combining mark
    none, a control character its escape's length).  With none (0), the line's text is underlined as a whole
    (``^~~~``), from its first to its last character that is not a space.
    """
    whole = column <= 0
    column = max(1, min(column, len(text) + 1))
    start, end = 0, len(text)
    if len(text) > MAX_SHOWN_LINE:  # keep the column in view: cut the line around it
        start = 0 if whole else max(0, column - 1 - MAX_SHOWN_LINE // 2)
        end = start + MAX_SHOWN_LINE
    pieces = ["…"] if start else []
    width = _width("…") if start else 0
    at: list[int] = []  # the terminal column each character starts at
    for char in text[start:end]:
        at.append(width)
        if char == "\t":
            piece = " " * (TAB_STOP - width % TAB_STOP)
        else:
            piece = visible(char)
        pieces.append(piece)
        width += len(piece) if char == "\t" else _width(piece)
    if end < len(text):
        pieces.append("…")
    shown = "".join(pieces)
    if not whole:
        index = column - 1 - start
        return shown, " " * (at[index] if index < len(at) else width) + "^"
    blank = [char.isspace() for char in text[start:end]]
    first = blank.index(False) if False in blank else 0
    last = len(blank) - 1 - blank[::-1].index(False) if False in blank else 0
    finish = at[last + 1] if last + 1 < len(at) else width
    return shown, " " * at[first] + "^" + "~" * max(0, finish - at[first] - 1)


@dataclass(frozen=True, order=True)
class Location:
    """A place in a source file; ``line`` and ``column`` count from 1."""

    file: str
    line: int = 0
    column: int = 0
    path: str = ""  # a key path, for data given as a dict rather than a file
    # Whether the line it points at is text worth showing under an issue: not for a spreadsheet cell, whose
    # column is a cell's, not a character's (and a workbook is not text at all).
    shows_source: ClassVar[bool] = True

    def __str__(self) -> str:
        if self.line <= 0:
            return f"{self.file}:{self.path}" if self.path else self.file
        return f"{self.file}:{self.line}:{self.column or 1}"


@dataclass(frozen=True)
class Issue:
    """One problem found in a rule file or an evidence bundle."""

    code: str
    message: str
    location: Location
    hint: str = ""

    def sort_key(self) -> tuple[str, int, int, str, str]:
        loc = self.location
        return (loc.file, loc.line, loc.column, self.code, self.message)

    def render(self, context: bool = False, label: str = "") -> str:
        """The compiler-style line ``file:line:col: code: message``, then the hint.

        With ``context``, the source line is shown between them with a caret under the column (the line
        underlined when the location has no column), when the file can be read again and holds the line: what
        the ``caa`` commands print unless ``--no-context``.  Without it (the default, and ``str()`` of an
        error), nothing is read again: the one-line form a log or a test can rely on.

        ``label`` goes before the code (``warning: ``).  Terminal text: control characters in the file name,
        message, source line or hint are shown as escapes, so evidence can neither send a terminal escape nor
        start a line of its own.
        """
        text = f"{visible(str(self.location))}: {label}{self.code}: {visible(self.message)}"
        line = source_line(self.location) if context else None
        if line is not None:
            shown, caret = _with_caret(line, self.location.column)
            text += f"\n    {shown}\n    {caret}"
        if self.hint:
            text += f"\n    hint: {visible(self.hint)}"
        return text

    def as_dict(self) -> dict[str, Any]:
        """The issue for machines: code, message, file, line, column (0 when unknown), path and hint."""
        loc = self.location
        return {
            "code": self.code,
            "message": self.message,
            "file": loc.file,
            "line": loc.line,
            "column": (loc.column or 1) if loc.line > 0 else 0,
            "path": loc.path,
            "hint": self.hint,
        }


# "condition uses 'x'", "description uses 'x'": where a name is used is not part of the mistake, so a misspelt
# field read by conditions and by descriptions is one mistake, not one per kind of place.
_USED_IN = re.compile(r"^[a-z_ ]+ uses '")


def fold_repeats(issues: Iterable[Issue], codes: Collection[str]) -> list[Issue]:
    """One issue for each root cause, sorted by place.

    An issue of one of ``codes`` (codes whose message names what is wrong, such as an unknown name) with the same
    code and message in the same file as an earlier one is the same mistake met again, e.g. a misspelt label
    used by three rules: the first, by place, stays and says where else it was met; the others go.  Issues of
    other codes are all kept: two table values that are not numbers are two mistakes, though worded alike.
    """
    groups: dict[tuple[str, str, str] | int, list[Issue]] = {}
    for n, issue in enumerate(sorted(issues, key=Issue.sort_key)):
        key = (issue.location.file, issue.code, _USED_IN.sub("uses '", issue.message)) if issue.code in codes else n
        groups.setdefault(key, []).append(issue)
    folded: list[Issue] = []
    for first, *rest in groups.values():
        lines = sorted({i.location.line for i in rest if i.location.line > 0} - {first.location.line})
        if lines:
            shown = ", ".join(str(n) for n in lines[:5]) + (f" and {len(lines) - 5} more" if len(lines) > 5 else "")
            first = Issue(
                first.code,
                f"{first.message} (also at line{'s' if len(lines) > 1 else ''} {shown})",
                first.location,
                first.hint,
            )
        folded.append(first)
    return folded


class CaaError(Exception):
    """Base of every error caa-engine raises on purpose."""


class InvalidInputError(CaaError):
    """Rule files or evidence that cannot be used; carries every issue found."""

    kind = "input"
    # Past this many, more lines help nobody (a spreadsheet with one systematic slip gives thousands): the
    # first ones, by place, and how many more.  ``issues`` keeps them all.
    MAX_SHOWN = 100

    def __init__(self, issues: Iterable[Issue]):
        self.issues: list[Issue] = sorted(issues, key=Issue.sort_key)
        super().__init__(self.render())

    def render(self, context: bool = False) -> str:
        """The heading, then each issue (with its source line and caret, if ``context``), sorted by place."""
        count = len(self.issues)
        head = f"{count:,} {self.kind} error{'s' if count != 1 else ''} occurred:"
        lines = [head, *(issue.render(context) for issue in self.issues[: self.MAX_SHOWN])]
        if count > self.MAX_SHOWN:
            more = count - self.MAX_SHOWN
            lines.append(f"... and {more:,} more {self.kind} error{'s' if more != 1 else ''}, not shown")
        return "\n".join(lines)


class RuleError(InvalidInputError):
    """The rule files are invalid."""

    kind = "rule"


class EvidenceError(InvalidInputError):
    """An evidence bundle is invalid."""

    kind = "evidence"


class EngineError(CaaError):
    """Something went wrong inside the engine or a backend: a bug, never bad input."""

    def __init__(self, message: str):
        super().__init__(message)
