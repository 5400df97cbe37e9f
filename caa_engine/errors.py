"""One error family for the whole engine.

Every problem a user can cause is an :class:`Issue`: a stable ``code``, a
``message``, the ``location`` (file, line, column) it points at, and a ``hint``
that says what to do.  Loaders collect issues rather than stopping at the first
one, then raise them together as a :class:`RuleError` or :class:`EvidenceError`.
Problems in the engine itself (never the user's fault) are :class:`EngineError`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ._io import visible

__all__ = [
    "Location",
    "Issue",
    "CaaError",
    "InvalidInputError",
    "RuleError",
    "EvidenceError",
    "EngineError",
]


@dataclass(frozen=True, order=True)
class Location:
    """A place in a source file; ``line`` and ``column`` count from 1."""

    file: str
    line: int = 0
    column: int = 0
    path: str = ""  # a key path, for data given as a dict rather than a file

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

    def render(self) -> str:
        """The compiler-style line: ``file:line:col: code: message (hint)``.

        Terminal text: control characters in the file name, message or hint are shown as escapes, so evidence
        can neither send a terminal escape nor start a line of its own.
        """
        text = f"{visible(str(self.location))}: {self.code}: {visible(self.message)}"
        if self.hint:
            text += f"\n    hint: {visible(self.hint)}"
        return text


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

    def render(self) -> str:
        count = len(self.issues)
        head = f"{count:,} {self.kind} error{'s' if count != 1 else ''} occurred:"
        lines = [head, *(issue.render() for issue in self.issues[: self.MAX_SHOWN])]
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
