"""Safe YAML loading that remembers where every value came from.

:func:`load_yaml` parses with PyYAML's safe composer (never the unsafe loader),
builds plain Python values itself, rejects duplicate keys, and returns a
:class:`Document`: the data plus a map from each value's path (a tuple of keys
and list indices) to its :class:`Mark`.  Everything downstream turns a path
into ``file:line:column`` through :meth:`Document.locate`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import Issue, Location

__all__ = ["Mark", "Document", "YamlProblem", "load_yaml", "parse_yaml"]

PathKey = tuple[Any, ...]


@dataclass(frozen=True)
class Mark:
    """Where a value (and, inside a mapping, its key) stands in the file."""

    key_line: int
    key_column: int
    line: int
    column: int
    style: str | None  # the scalar style: None (plain), "'", '"', "|", ">"


@dataclass
class Document:
    """A parsed YAML file: its data and the marks of every value in it."""

    file: str
    data: Any
    marks: dict[PathKey, Mark] = field(default_factory=dict)

    def locate(self, path: PathKey, *, at_value: bool = False) -> Location:
        """The location of ``path``, or of its nearest ancestor that has a mark."""
        probe = tuple(path)
        while probe:
            mark = self.marks.get(probe)
            if mark is not None:
                if at_value:
                    return Location(self.file, mark.line, mark.column)
                return Location(self.file, mark.key_line, mark.key_column)
            probe = probe[:-1]
        root = self.marks.get(())
        if root is not None:
            return Location(self.file, root.line, root.column)
        return Location(self.file, 1, 1)

    def text_location(self, path: PathKey, line: int, column: int) -> Location:
        """Map a (1-based) position inside the string at ``path`` to the file."""
        mark = self.marks.get(tuple(path))
        if mark is None:
            return self.locate(path, at_value=True)
        if mark.style in ("|", ">"):
            # Block scalar: its text starts on the line after the indicator.
            return Location(self.file, mark.line + line, mark.column + column - 1)
        if line == 1:
            shift = 1 if mark.style in ("'", '"') else 0
            return Location(self.file, mark.line, mark.column + shift + column - 1)
        return Location(self.file, mark.line + line - 1, column)


class YamlProblem(Exception):
    """The file is not YAML we can use; carries the issues found."""

    def __init__(self, issues: list[Issue]):
        self.issues = issues
        super().__init__("\n".join(issue.render() for issue in issues))


class _Builder:
    def __init__(self, file: str):
        self.file = file
        self.marks: dict[PathKey, Mark] = {}
        self.issues: list[Issue] = []
        self.constructor = yaml.constructor.SafeConstructor()

    def build(self, node: yaml.Node, path: PathKey, key_mark: yaml.Mark | None) -> Any:
        start = node.start_mark
        km = key_mark or start
        style = getattr(node, "style", None)
        self.marks[path] = Mark(km.line + 1, km.column + 1, start.line + 1, start.column + 1, style)
        if isinstance(node, yaml.MappingNode):
            result: dict[Any, Any] = {}
            self.constructor.flatten_mapping(node)
            for key_node, value_node in node.value:
                key = self.constructor.construct_object(key_node, deep=True)
                if not isinstance(key, (str, int, float, bool)) or key is None:
                    self._issue("yaml-key", "a mapping key must be a plain word or number",
                                key_node.start_mark, "write the key as text, e.g. 'name:'")
                    continue
                if isinstance(key, (int, float)) and not isinstance(key, bool):
                    key = str(key_node.value)
                if key in result:
                    first = self.marks[path + (key,)]
                    self._issue(
                        "duplicate-key",
                        f"key '{key}' appears twice in this mapping (first at line {first.key_line})",
                        key_node.start_mark,
                        "remove one of them: YAML keeps only the last, so one value would be lost",
                    )
                    continue
                result[key] = self.build(value_node, path + (key,), key_node.start_mark)
            return result
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, path + (index,), None) for index, item in enumerate(node.value)]
        return self.constructor.construct_object(node, deep=True)

    def _issue(self, code: str, message: str, mark: yaml.Mark, hint: str) -> None:
        self.issues.append(Issue(code, message, Location(self.file, mark.line + 1, mark.column + 1), hint))


def parse_yaml(text: str, file: str) -> Document:
    """Parse YAML text safely; raise :class:`YamlProblem` on any problem."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problem = exc.problem or exc.context or "invalid YAML"
        raise YamlProblem([Issue("yaml-syntax", f"YAML syntax error: {problem}",
                                 Location(file, line, column),
                                 "check the indentation and quoting on this line and the one above")]) from None
    except yaml.YAMLError as exc:
        raise YamlProblem([Issue("yaml-syntax", f"YAML syntax error: {exc}", Location(file, 1, 1),
                                 "check the file is valid YAML")]) from None
    if node is None:
        return Document(file, None, {(): Mark(1, 1, 1, 1, None)})
    builder = _Builder(file)
    try:
        data = builder.build(node, (), None)
    except yaml.constructor.ConstructorError as exc:
        mark = exc.problem_mark
        loc = Location(file, mark.line + 1, mark.column + 1) if mark else Location(file, 1, 1)
        raise YamlProblem([Issue("yaml-value", f"cannot read this value: {exc.problem}", loc,
                                 "only plain YAML values are allowed (no tags)")]) from None
    if builder.issues:
        raise YamlProblem(builder.issues)
    return Document(file, data, builder.marks)


def load_yaml(path: Path | str, display: str | None = None) -> Document:
    """Read and parse a YAML (or JSON) file safely, keeping line marks.

    Raises :class:`YamlProblem` if the file cannot be read or parsed.
    """
    path = Path(path)
    name = display or str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise YamlProblem([Issue("unreadable-file", f"cannot read the file: {exc}", Location(name),
                                 "check the path and that the file is UTF-8 text")]) from None
    return parse_yaml(text, name)
