"""Safe YAML loading that remembers where every value came from.

:func:`load_yaml` parses with PyYAML's safe composer (never the unsafe loader),
builds plain Python values itself, rejects duplicate keys, and returns a
:class:`Document`: the data plus a map from each value's path (a tuple of keys
and list indices) to its :class:`Mark`.  Everything downstream turns a path
into ``file:line:column`` through :meth:`Document.locate`.

Scalars are read as YAML 1.2's core schema says (``012`` is refused rather than
read as octal, ``1:30`` and ``yes`` are text, ``1e-07`` is a number), plus
dates written ``2008-04-01``; a number that a float cannot hold exactly is
refused.  Only ``\n``, ``\r\n`` and ``\r`` end a line, as in an editor.

Events come from libyaml (PyYAML's C binding) when it is installed, composed
by PyYAML's Python composer, which checks the nesting depth; anything libyaml
refuses is parsed again by the pure-Python parser, whose errors are the ones
worded for people, so the same input always gives the same message.

:func:`parse_json` reads a ``.json`` file with the json module, and finds the
same marks by one pass over its tokens.
"""

from __future__ import annotations

import bisect
import json
import math
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, NamedTuple

import yaml
from yaml.composer import Composer
from yaml.parser import Parser
from yaml.reader import Reader
from yaml.resolver import BaseResolver
from yaml.scanner import Scanner

from ._io import InputTooLarge, display_name, read_input
from .errors import Issue, Location

try:  # libyaml, through PyYAML's C binding: the same events, about ten times faster
    import yaml._yaml as _libyaml
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    _libyaml = None  # type: ignore[assignment]
CParser: Any = getattr(_libyaml, "CParser", None)

__all__ = [
    "Mark",
    "Document",
    "YamlProblem",
    "load_yaml",
    "read_yaml",
    "read_source",
    "parse_yaml",
    "parse_json",
    "key_path",
    "text_position",
    "MAX_DEPTH",
    "MAX_VALUES",
]

PathKey = tuple[Any, ...]

# Far beyond any real rule file or bundle (they nest fewer than ten deep and hold thousands of
# values); the limits turn a pathological file into a located error instead of exhausted recursion
# or memory (a file of 5,000 '[', or a few lines of aliases that expand to a billion values).
MAX_DEPTH = 100
MAX_VALUES = 200_000
_COLLECTION_TAGS = {f"tag:yaml.org,2002:{name}" for name in ("map", "seq", "omap", "pairs", "set")}
# What a value of each YAML type is, in words, for a value that cannot be read as one.
_TAG_WORDS = {
    "tag:yaml.org,2002:int": "a whole number",
    "tag:yaml.org,2002:float": "a number",
    "tag:yaml.org,2002:bool": "true or false",
    "tag:yaml.org,2002:timestamp": "a date",
    "tag:yaml.org,2002:binary": "base64 data",
}


class Mark(NamedTuple):
    """Where a value (and, inside a mapping, its key) stands in the file.

    A named tuple, not a dataclass: a bundle has tens of thousands of them, and a tuple is built fastest.
    """

    key_line: int
    key_column: int
    line: int
    column: int
    style: str | None  # the scalar style: None (plain), "'", '"', "|", ">"
    end_line: int = 0  # where the value ends (just after its last character); 0 if unknown
    end_column: int = 0


@dataclass
class Document:
    """A parsed YAML file: its data, the marks of every value in it, and its text."""

    file: str
    data: Any
    marks: dict[PathKey, Mark] = field(default_factory=dict)
    source: str = ""

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
        # Data that never was a file (a dict given to the API): point by key path instead.
        return Location(self.file, path=key_path(path))

    def text_location(self, path: PathKey, line: int, column: int) -> Location:
        """Map a (1-based) position inside the string at ``path`` to the file.

        Works for every scalar style: plain and quoted scalars that run over
        several lines, and literal (``|``) and folded (``>``) blocks, whose
        text YAML re-indents and folds before a condition parser sees it.
        """
        mark = self.marks.get(tuple(path))
        if mark is None:
            return self.locate(path, at_value=True)
        value = self._value(path)
        if isinstance(value, str) and self.source:
            offset = _offset(value, line, column)
            for start, file_line, file_column in reversed(_segments(value, mark, self.source)):
                if start <= offset:
                    return Location(self.file, file_line, file_column + offset - start)
        # No source text (a bundle given as a dict) or text we cannot follow.
        if line == 1:
            shift = 1 if mark.style in ("'", '"') else 0
            return Location(self.file, mark.line, mark.column + shift + column - 1)
        if mark.end_line and mark.line + line - 1 > mark.end_line:
            # More lines than the scalar has in the file: escapes such as \n made them; point at its start.
            return Location(self.file, mark.line, mark.column)
        return Location(self.file, mark.line + line - 1, column)

    def written(self, path: PathKey) -> str | None:
        """The text of the scalar at ``path`` as it is written on its line, or None if unknown."""
        mark = self.marks.get(tuple(path))
        if mark is None or not self.source or mark.line != mark.end_line:
            return None
        lines = self.source.split("\n")
        return lines[mark.line - 1][mark.column - 1 : mark.end_column - 1] if mark.line <= len(lines) else None

    def _value(self, path: PathKey) -> Any:
        value = self.data
        for part in path:
            try:
                value = value[part]
            except (KeyError, IndexError, TypeError):
                return None
        return value


def _offset(value: str, line: int, column: int) -> int:
    """The index in ``value`` of (1-based) ``line``/``column``."""
    lines = value.split("\n")
    return sum(len(text) + 1 for text in lines[: line - 1]) + column - 1


def _segments(value: str, mark: Mark, source: str) -> list[tuple[int, int, int]]:
    """Where each source line of a scalar lands in its value: (index in value, file line, file column).

    Folding and re-indenting only ever change the whitespace between lines, so
    every source line's text appears, in order, in the value; we find it there.
    """
    lines = source.split("\n")
    block = mark.style in ("|", ">")
    first = mark.line + 1 if block else mark.line
    last = mark.end_line or mark.line
    if block and mark.end_column <= 1:
        last -= 1  # a block ends at the start of the next line
    segments: list[tuple[int, int, int]] = []
    position = 0
    for number in range(first, min(last, len(lines)) + 1):
        text = lines[number - 1]
        begin, end = 0, len(text)
        if number == mark.line and not block:
            begin = mark.column - 1 + (1 if mark.style in ("'", '"') else 0)
        if number == mark.end_line and not block:
            end = mark.end_column - 1 - (1 if mark.style in ("'", '"') else 0)
        chunk = text[begin:end]
        stripped = chunk.strip()
        if not stripped:
            continue
        begin += len(chunk) - len(chunk.lstrip())
        found = value.find(stripped, position)
        if found < 0:
            continue  # an escape sequence changed the text; skip this line
        segments.append((found, number, begin + 1))
        position = found + len(stripped)
    return segments


def key_path(path: PathKey) -> str:
    """``('bodies', 0, 'id')`` -> ``bodies[0].id``: a place in data that has no lines."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


class YamlProblem(Exception):
    """The file is not YAML we can use; carries the issues found."""

    def __init__(self, issues: list[Issue]):
        self.issues = issues
        super().__init__("\n".join(issue.render() for issue in issues))


class _TooDeep(Exception):
    def __init__(self, mark: yaml.Mark):
        super().__init__("values nested too deeply")
        self.mark = mark


_STR = "tag:yaml.org,2002:str"
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_BOOL = "tag:yaml.org,2002:bool"
_NULL = "tag:yaml.org,2002:null"


class _Resolver(BaseResolver):
    """YAML 1.2's core schema, plus dates and '<<' merges as PyYAML reads them.

    YAML 1.1 (PyYAML's default) reads ``012`` as octal 10, ``1:30`` as 90, ``yes`` and ``off`` as
    booleans, and ``1e-07`` as text; none of these is what a spreadsheet means.
    """


for _tag, _pattern, _first in (
    (_BOOL, r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF"),
    (_INT, r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$", "-+0123456789"),
    (
        _FLOAT,
        r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$",
        "-+0123456789.",
    ),
    (_NULL, r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""]),
    ("tag:yaml.org,2002:merge", r"^(?:<<)$", "<"),
):
    _Resolver.add_implicit_resolver(_tag, re.compile(_pattern), list(_first))
# Dates as PyYAML reads them (YAML 1.1's timestamp): 2008-04-01 is a date, in quotes or not.
_TIMESTAMP = "tag:yaml.org,2002:timestamp"
_Resolver.add_implicit_resolver(
    _TIMESTAMP,
    next(regexp for tag, regexp in yaml.resolver.Resolver.yaml_implicit_resolvers["2"] if tag == _TIMESTAMP),
    list("0123456789"),
)


class _DepthLimit(Composer):
    """PyYAML's composer, refusing to compose values nested deeper than MAX_DEPTH (it recurses per level)."""

    depth = 0
    peek_event: Callable[[], yaml.Event]  # from the parser it is mixed with

    def compose_node(self, parent: Any, index: Any) -> Any:
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                raise _TooDeep(self.peek_event().start_mark)  # type: ignore[arg-type]
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


class _Loader(Reader, Scanner, Parser, _DepthLimit, _Resolver):
    """The pure-Python parser: the reference for what is valid, and the words of every syntax error."""

    def __init__(self, stream: str):
        Reader.__init__(self, stream)
        Scanner.__init__(self)
        Parser.__init__(self)
        _DepthLimit.__init__(self)
        _Resolver.__init__(self)


def _compose(loader_class: Any, text: str) -> yaml.Node | None:
    loader = loader_class(text)
    try:
        node: yaml.Node | None = loader.get_single_node()
        return node
    finally:
        loader.dispose()


def _fast_loader() -> Any:
    """The loader for libyaml: it composes in C when libyaml refuses deep nesting itself (0.2.6 on, at 1,000
    levels, which C recursion survives), else in Python with the depth checked; None without libyaml."""
    if CParser is None:
        return None

    class CLoader(CParser, _Resolver):  # type: ignore[misc, valid-type]
        def __init__(self, stream: str):
            CParser.__init__(self, stream)
            _Resolver.__init__(self)

    try:
        _compose(CLoader, "[" * 1001 + "]" * 1001)
    except yaml.YAMLError:
        return CLoader

    class CEventLoader(_DepthLimit, CParser, _Resolver):  # type: ignore[misc, valid-type]
        def __init__(self, stream: str):
            CParser.__init__(self, stream)
            _DepthLimit.__init__(self)
            _Resolver.__init__(self)

    return CEventLoader


_FAST_LOADER = _fast_loader()


# YAML 1.1 (and libyaml) end a line at these too; an editor does not, so they would shift every later line.
_UNICODE_BREAKS = "\x85\u2028\u2029"


def _without_unicode_breaks(text: str) -> tuple[str, dict[int, int] | None]:
    """``text`` with NEL, LS and PS swapped for private-use characters absent from it, and the way back.

    One character for one, so every line and column stays where an editor shows it; values get the
    original characters back when they are built.
    """
    if not any(char in text for char in _UNICODE_BREAKS):
        return text, None
    spare = (chr(code) for code in range(0xE000, 0xF900) if chr(code) not in text)
    there: dict[int, int] = {}
    back: dict[int, int] = {}
    for char in _UNICODE_BREAKS:
        if char in text:
            stand_in = next(spare)
            there[ord(char)] = ord(stand_in)
            back[ord(stand_in)] = ord(char)
    return text.translate(there), back


class _Unreadable(Exception):
    """A scalar written in a form we refuse to guess at: its message and hint."""

    def __init__(self, message: str, hint: str):
        super().__init__(message)
        self.message = message
        self.hint = hint


def _read_int(text: str) -> int:
    if text.startswith(("0x", "0o")):
        return int(text[2:], 16 if text[1] == "x" else 8)
    digits = text.lstrip("+-")
    if len(digits) > 1 and digits.startswith("0") and digits.isdigit():
        meant = (text[0] if text[0] in "+-" else "") + (digits.lstrip("0") or "0")
        raise _Unreadable(
            f"the number {text} starts with 0, which older YAML reads as octal",
            f"write {meant} if that is the number meant, or put it in quotes if it is a code: '{text}'",
        )
    return int(text)


def _read_float(text: str) -> float:
    lowered = text.lower()
    if lowered.endswith((".inf", ".nan")):
        return float(lowered.replace(".", ""))
    if "_" in text:
        raise ValueError(text)  # Python's float() would take 1_000; YAML 1.2 does not
    value = float(text)
    try:
        written = Decimal(text)
    except InvalidOperation:
        raise ValueError(text) from None
    if math.isinf(value):
        raise _Unreadable(
            f"the number {text} is too large to be held",
            "write a number below 1e308, or put it in quotes if it is text",
        )
    if written != Decimal(repr(value)):
        if value == 0:
            raise _Unreadable(
                f"the number {text} is too small to be held: it would be read as 0",
                "write 0 if that is what is meant, or put it in quotes if it is text",
            )
        raise _Unreadable(
            f"the number {text} has more digits than can be held exactly: it would be read as {value!r}",
            "write it with at most 15 significant digits, or put it in quotes if it is text",
        )
    return value


def _read_bool(text: str) -> bool:
    lowered = text.lower()
    if lowered not in ("true", "false"):
        raise KeyError(text)
    return lowered == "true"


def _read_null(text: str) -> None:
    if text not in ("", "~", "null", "Null", "NULL"):
        raise ValueError(text)
    return None


_SCALAR_READERS: dict[str, Callable[[str], Any]] = {
    _INT: _read_int,
    _FLOAT: _read_float,
    _BOOL: _read_bool,
    _NULL: _read_null,
}


def _end_of_text(text: str) -> tuple[int, int]:
    """Where the pure parser puts the end of a text with no final line break (line, column from 0).

    libyaml puts it at the start of a line after the last; values that end there are moved back.
    """
    breaks = text.count("\n") + text.count("\r") - text.count("\r\n")
    return breaks, len(text) - (max(text.rfind("\n"), text.rfind("\r")) + 1)


def _implicit_tag(value: str) -> str:
    """The tag a plain scalar gets from its text alone."""
    for tag, regexp in _Resolver.yaml_implicit_resolvers.get(value[:1], ()):
        if regexp.match(value):
            return str(tag)
    return _STR


class _Diverged(Exception):
    """libyaml composed something the pure-Python parser would refuse."""


class _Builder:
    def __init__(
        self, file: str, restore: dict[int, int] | None = None, fast: bool = False, end: tuple[int, int] | None = None
    ):
        self.file = file
        self.fast = fast  # composed by libyaml: watch for what only libyaml accepts
        self.end = end  # the end of a text with no final line break, for marks libyaml puts past it
        self.restore = restore  # private-use stand-ins back to the line-break characters they replaced
        self.marks: dict[PathKey, Mark] = {}
        self.issues: list[Issue] = []
        self.constructor = yaml.constructor.SafeConstructor()
        self.building: set[int] = set()  # the nodes being built, outermost to here: an alias back to one is a loop
        self.failed: set[yaml.Node] = set()  # values already reported as unreadable
        self.count = 0
        self.depth = 0  # libyaml composes up to 1,000 levels; building recurses, so it stops at MAX_DEPTH

    def build(self, node: yaml.Node, path: PathKey, key_mark: yaml.Mark | None) -> Any:
        start = node.start_mark
        km = key_mark or start
        style = getattr(node, "style", None) or None  # libyaml says '' for plain, PyYAML None
        end = node.end_mark
        if self.end is not None and end.line > self.end[0]:
            end_line, end_column = self.end
            self.marks[path] = Mark(
                km.line + 1, km.column + 1, start.line + 1, start.column + 1, style, end_line + 1, end_column + 1
            )
        else:
            self.marks[path] = Mark(
                km.line + 1, km.column + 1, start.line + 1, start.column + 1, style, end.line + 1, end.column + 1
            )
        self.count += 1
        if self.count > MAX_VALUES:
            raise _TooLarge(start)
        if isinstance(node, yaml.ScalarNode):
            return self.construct(node)
        if node.tag not in _COLLECTION_TAGS:
            self._issue(
                "yaml-value",
                f"cannot read this value: the tag '{node.tag}' is not allowed",
                start,
                "only plain YAML values are allowed (no tags)",
            )
            return None
        if id(node) in self.building:
            self._issue(
                "yaml-alias",
                "this value contains an alias of itself, so it never ends",
                start,
                "an alias (*name) may repeat an anchored value (&name) only from outside that value",
            )
            return None
        self.building.add(id(node))
        self.depth += 1
        try:
            if self.depth >= MAX_DEPTH:  # its items would be deeper than the composer allows
                raise _TooDeep(
                    node.value[0][0].start_mark
                    if isinstance(node, yaml.MappingNode) and node.value
                    else node.value[0].start_mark
                    if node.value
                    else start
                )
            return self.build_collection(node, path)
        finally:
            self.building.discard(id(node))
            self.depth -= 1

    def build_collection(self, node: yaml.Node, path: PathKey) -> Any:
        if isinstance(node, yaml.MappingNode):
            result: dict[Any, Any] = {}
            self.constructor.flatten_mapping(node)
            if self.fast and getattr(node, "flow_style", False):
                self._check_flow([part for pair in node.value for part in pair])
            for key_node, value_node in node.value:
                if isinstance(key_node, yaml.ScalarNode) and key_node.tag in (_INT, _FLOAT, _BOOL):
                    # A key is a name: '1.10', '012' and 'true' mean the text written, not a number or
                    # a boolean ('true:' would otherwise silently replace a later '1:').
                    key = self._text(key_node.value)
                else:
                    key = self.construct(key_node)
                    if isinstance(key_node, yaml.ScalarNode) and key is not None and not isinstance(key, str):
                        key = self._text(str(key_node.value))  # a date: the text written
                if not isinstance(key, str):
                    if key_node not in self.failed:
                        self._issue(
                            "yaml-key",
                            "a mapping key must be a plain word or number",
                            key_node.start_mark,
                            "write the key as text, e.g. 'name:'",
                        )
                    continue
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
        if self.fast and getattr(node, "flow_style", False):
            self._check_flow(node.value)
        return [self.build(item, path + (index,), None) for index, item in enumerate(node.value)]

    @staticmethod
    def _check_flow(nodes: list[yaml.Node]) -> None:
        # PyYAML ends a plain scalar inside [...] or {...} at '?', libyaml does not.
        for item in nodes:
            if isinstance(item, yaml.ScalarNode) and not item.style and "?" in item.value:
                raise _Diverged

    def _text(self, value: str) -> str:
        return value.translate(self.restore) if self.restore else value

    def construct(self, node: yaml.Node) -> Any:
        """The value of a scalar (or of a complex key), or None with an issue if it cannot be read."""
        try:
            if isinstance(node, yaml.ScalarNode):
                if node.tag == _STR:
                    if self.fast and not node.style and _implicit_tag(node.value) != _STR:
                        raise _Diverged  # '! 12': PyYAML resolves a plain scalar under '!', libyaml keeps text
                    return self._text(node.value)
                reader = _SCALAR_READERS.get(node.tag)
                if reader is not None:
                    return reader(node.value)
            return self.constructor.construct_object(node, deep=True)
        except _Unreadable as exc:
            self._issue("yaml-value", exc.message, node.start_mark, exc.hint)
        except yaml.constructor.ConstructorError as exc:
            mark = exc.problem_mark or node.start_mark
            self._issue(
                "yaml-value",
                f"cannot read this value: {exc.problem}",
                mark,
                "only plain YAML values are allowed (no tags)",
            )
        except (ValueError, TypeError, KeyError, AttributeError, OverflowError):
            # PyYAML's constructors raise these for '!!int abc', '!!bool maybe', a date such as
            # 2009-13-45, or a number of more than 4,300 digits.
            text = str(node.value) if isinstance(node, yaml.ScalarNode) else ""
            digits = sum(char.isdigit() for char in text)
            if node.tag == _INT and digits > sys.get_int_max_str_digits():
                message = f"this number has {digits:,} digits; at most {sys.get_int_max_str_digits():,} can be read"
            else:
                shown = text if len(text) <= 40 else text[:39] + "…"
                message = f"cannot read '{shown}' as {_TAG_WORDS.get(node.tag, 'a value of its type')}"
            hint = "write a value of that kind, or put it in quotes to keep it as text"
            if node.tag == _TIMESTAMP and re.match(r"^\d{4}-\d\d?-\d\d?$", text):
                message += ": that day does not exist"
                hint = "write a date that exists, as YYYY-MM-DD (e.g. 2008-02-29), or put it in quotes if it is text"
            self._issue("yaml-value", message, node.start_mark, hint)
        self.failed.add(node)
        return None

    def _issue(self, code: str, message: str, mark: yaml.Mark, hint: str) -> None:
        self.issues.append(Issue(code, message, Location(self.file, mark.line + 1, mark.column + 1), hint))


class _TooLarge(Exception):
    def __init__(self, mark: yaml.Mark):
        super().__init__("too many values")
        self.mark = mark


def parse_yaml(text: str, file: str) -> Document:
    """Parse YAML text safely (a file named ``*.json`` as JSON); raise :class:`YamlProblem` on any problem."""
    if file.lower().endswith(".json"):
        return parse_json(text, file)
    work, restore = _without_unicode_breaks(text)
    node = _compose_fast(work)
    fast = node is not _REFUSED
    if not fast:
        node = _compose_described(work, file)
    if node is None:
        return Document(file, None, {(): Mark(1, 1, 1, 1, None)}, text)
    builder = _Builder(file, restore, fast, _end_of_text(work) if fast and work[-1] not in "\r\n" else None)
    try:
        try:
            data = builder.build(node, (), None)
        except _Diverged:  # libyaml accepted what PyYAML refuses: PyYAML's verdict stands, as it always did
            builder = _Builder(file, restore)
            pure = _compose_described(work, file)
            data = None if pure is None else builder.build(pure, (), None)
    except _TooDeep as exc:  # composed in C: the pure parser says where, in the same words as always
        _compose_described(work, file)
        # The pure parser accepted it: only aliases, repeated, nest this deep.
        raise YamlProblem([_depth_issue(file, exc.mark.line + 1, exc.mark.column + 1)]) from None
    except yaml.constructor.ConstructorError as exc:  # a '<<' merge of something that is not a mapping
        mark = exc.problem_mark
        loc = Location(file, mark.line + 1, mark.column + 1) if mark else Location(file, 1, 1)
        raise YamlProblem(
            [
                Issue(
                    "yaml-value",
                    f"cannot read this value: {exc.problem}",
                    loc,
                    "only plain YAML values are allowed (no tags)",
                )
            ]
        ) from None
    except _TooLarge as exc:
        raise YamlProblem(
            [
                Issue(
                    "yaml-alias",
                    f"the file holds more than {MAX_VALUES:,} values once its aliases are repeated; "
                    "this is as far as it was read",
                    Location(file, exc.mark.line + 1, exc.mark.column + 1),
                    "an alias (*name) repeats a whole value: repeat small values, not ones that hold aliases",
                )
            ]
        ) from None
    if builder.issues:
        raise YamlProblem(builder.issues)
    return Document(file, data, builder.marks, text)


_REFUSED: Any = object()


def _compose_fast(text: str) -> Any:
    """The node tree through libyaml, or _REFUSED when libyaml is absent or finds anything wrong.

    Text with a tab or a byte-order mark is left to the pure parser: libyaml accepts tabs where PyYAML
    refuses them, and counts U+FEFF in columns where PyYAML does not.
    """
    if _FAST_LOADER is None or "\t" in text or "\ufeff" in text:
        return _REFUSED
    try:
        return _compose(_FAST_LOADER, text)
    except Exception:  # noqa: BLE001 - whatever it was, the pure parser finds it again and words it
        return _REFUSED


def _depth_issue(file: str, line: int, column: int) -> Issue:
    """Too deep, at ``line`` and ``column`` (from 1)."""
    return Issue(
        "yaml-depth",
        f"values are nested more than {MAX_DEPTH} levels deep here",
        Location(file, line, column),
        "a rule file or bundle nests only a few levels: look for a run of unclosed '[' or '{'",
    )


def _compose_described(text: str, file: str) -> yaml.Node | None:
    """The node tree through the pure-Python parser, whose errors become located, worded issues."""
    try:
        return _compose(_Loader, text)
    except yaml.MarkedYAMLError as exc:
        raise YamlProblem([_syntax_issue(exc, text, file)]) from None
    except _TooDeep as exc:
        raise YamlProblem([_depth_issue(file, exc.mark.line + 1, exc.mark.column + 1)]) from None
    except yaml.reader.ReaderError as exc:
        line, column = text_position(text, exc.position)
        raise YamlProblem(
            [
                Issue(
                    "yaml-syntax",
                    f"the character {_character(exc.character)} is not allowed in YAML",
                    Location(file, line, column),
                    "remove it; inside double quotes it can be written as an escape such as \\x00",
                )
            ]
        ) from None
    except yaml.YAMLError as exc:
        raise YamlProblem(
            [Issue("yaml-syntax", f"YAML syntax error: {exc}", Location(file, 1, 1), "check the file is valid YAML")]
        ) from None


_JSON_TOKEN = re.compile(
    r'(?P<string>"(?:[^"\\]|\\.)*")'
    r"|(?P<number>-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?)"
    r"|(?P<word>true|false|null|NaN|-?Infinity)"
    r"|(?P<punct>[{}\[\],:])"
)
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


class _Lines:
    """Line and column (from 1) of an index in a text; only \\n, \\r\\n and \\r end a line."""

    def __init__(self, text: str):
        self.starts = [0] + [match.end() for match in _LINE_BREAK.finditer(text)]

    def __call__(self, index: int) -> tuple[int, int]:
        line = bisect.bisect_right(self.starts, index)
        return line, index - self.starts[line - 1] + 1


def parse_json(text: str, file: str) -> Document:
    """Parse a JSON file with the json module, with a mark for every value; raise :class:`YamlProblem`.

    Valid JSON is accepted as JSON (1e-07, "\\ud83d\\ude00", tabs); as in YAML, a duplicate key, a number a
    float cannot hold exactly, and nesting deeper than MAX_DEPTH are located errors.
    """
    start = 1 if text.startswith("\ufeff") else 0
    if not text[start:].strip():
        return Document(file, None, {(): Mark(1, 1, 1, 1, None)}, text)
    lines = _Lines(text)
    try:
        data = json.loads(text[start:], parse_int=_json_int, parse_constant=lambda word: _NOT_JSON)
    except json.JSONDecodeError as exc:
        raise YamlProblem([_json_syntax_issue(exc, text, start, file, lines)]) from None
    except RecursionError:
        data = None  # nested deeper than json recurses: the pass below says where
    marks, issues = _json_marks(text, start, file, lines)
    if issues:
        raise YamlProblem(issues)
    return Document(file, data, marks, text)


def _json_syntax_issue(exc: json.JSONDecodeError, text: str, start: int, file: str, lines: _Lines) -> Issue:
    """A json module error, located; a trailing comma said the same way on every Python (3.13 names it, earlier
    versions complain about what follows it)."""
    hint = "a .json file is read as JSON: check the quotes, commas and brackets here"
    body = text[start:]
    comma = exc.pos if body[exc.pos : exc.pos + 1] == "," else len(body[: exc.pos].rstrip()) - 1
    after = body[comma + 1 :].lstrip()[:1]
    if comma >= 0 and body[comma : comma + 1] == "," and after in ("}", "]"):
        closes = "object" if after == "}" else "array"
        return Issue(
            "json-syntax",
            f"JSON syntax error: a comma before the end of an {closes}",
            Location(file, *lines(start + comma)),
            f"remove the comma: JSON allows none after the last item of an {closes}",
        )
    return Issue("json-syntax", f"JSON syntax error: {exc.msg}", Location(file, *lines(start + exc.pos)), hint)


_NOT_JSON: Any = object()


def _json_int(text: str) -> Any:
    return _NOT_JSON if len(text.lstrip("-")) > sys.get_int_max_str_digits() > 0 else int(text)


def _json_marks(text: str, start: int, file: str, lines: _Lines) -> tuple[dict[PathKey, Mark], list[Issue]]:
    """A mark for every value of valid JSON text, and the issues YAML would also raise (one pass over tokens)."""
    marks: dict[PathKey, Mark] = {}
    issues: list[Issue] = []
    # Each open container: [path, is_mapping, next index, pending key, key position, keys seen -> key line]
    stack: list[list[Any]] = []
    opened: list[tuple[PathKey, tuple[int, int], tuple[int, int]]] = []  # (path, key mark, value mark)
    expect_key = False

    def place(at: int) -> tuple[PathKey, tuple[int, int]]:
        if not stack:
            return (), lines(at)
        frame = stack[-1]
        if frame[1]:
            return frame[0] + (frame[3],), frame[4]
        frame[2] += 1
        return frame[0] + (frame[2] - 1,), lines(at)

    for match in _JSON_TOKEN.finditer(text, start):
        kind, token, at = match.lastgroup, match.group(), match.start()
        if kind == "punct":
            if token in "{[":
                path, key_at = place(at)
                if len(stack) >= MAX_DEPTH:
                    issues.append(_depth_issue(file, *lines(at)))
                    return marks, issues
                opened.append((path, key_at, lines(at)))
                stack.append([path, token == "{", 0, None, None, {}])
                expect_key = token == "{"
            elif token in "}]":
                stack.pop()
                path, key_at, value_at = opened.pop()
                marks[path] = Mark(*key_at, *value_at, None, *lines(match.end()))
                expect_key = False
            elif token == ",":
                expect_key = bool(stack and stack[-1][1])
            continue
        if expect_key:  # a key of the innermost mapping
            key = json.loads(token) if "\\" in token else token[1:-1]
            frame = stack[-1]
            key_at = lines(at)
            if key in frame[5]:
                issues.append(
                    Issue(
                        "duplicate-key",
                        f"key '{key}' appears twice in this mapping (first at line {frame[5][key]})",
                        Location(file, *key_at),
                        "remove one of them: only one value can be kept, so the other would be lost",
                    )
                )
            frame[3], frame[4], frame[5][key] = key, key_at, key_at[0]
            expect_key = False
            continue
        path, key_at = place(at)
        marks[path] = Mark(*key_at, *lines(at), '"' if kind == "string" else None, *lines(match.end()))
        if kind == "word" and token not in ("true", "false", "null"):
            issues.append(
                Issue("json-syntax", f"{token} is not a JSON number", Location(file, *lines(at)), "write a number")
            )
        elif kind == "number":
            problem = _json_number_issue(token)
            if problem:
                issues.append(Issue("yaml-value", problem[0], Location(file, *lines(at)), problem[1]))
    return marks, issues


def _json_number_issue(token: str) -> tuple[str, str] | None:
    try:
        if any(char in token for char in ".eE"):
            _read_float(token)
        elif len(token.lstrip("-")) > sys.get_int_max_str_digits() > 0:
            digits = len(token.lstrip("-"))
            return (
                f"this number has {digits:,} digits; at most {sys.get_int_max_str_digits():,} can be read",
                "write a value of that kind, or put it in quotes to keep it as text",
            )
    except _Unreadable as exc:
        return exc.message, exc.hint.replace("put it in quotes", "write it as a string")
    return None


def _character(code: Any) -> str:
    """U+0000 for a code point (PyYAML gives an int), the repr of anything else."""
    return f"U+{code:04X}" if isinstance(code, int) else repr(code)


def text_position(text: str, index: int) -> tuple[int, int]:
    """(line, column), from 1, of ``index`` in ``text``."""
    return text.count("\n", 0, index) + 1, index - (text.rfind("\n", 0, index) + 1) + 1


def _syntax_issue(exc: yaml.MarkedYAMLError, text: str, file: str) -> Issue:
    """Say what a PyYAML syntax error means for someone editing the file, and where."""
    mark = exc.problem_mark or exc.context_mark
    line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    problem = exc.problem or exc.context or "invalid YAML"
    context = exc.context_mark
    lines = text.split("\n")
    here = lines[line - 1] if 0 < line <= len(lines) else ""

    def issue(message: str, hint: str, at: tuple[int, int] = (line, column)) -> Issue:
        return Issue("yaml-syntax", message, Location(file, *at), hint)

    if "'\\t'" in problem or "\t" in here[: len(here) - len(here.lstrip())]:
        tab = here.find("\t") + 1 if "\t" in here else column
        return issue(
            "a tab is used for indentation here; YAML indents with spaces only",
            "replace the tab with spaces, lined up with the lines around it",
            (line, tab),
        )
    runaway = _runaway_quote(text, line)
    if runaway is not None:
        start, end_line = runaway
        return issue(
            f"this quoted text is not closed on its line, so it runs on to line {end_line}",
            f"add the closing {start[2]} at the end of the text on line {start[0]}",
            start[:2],
        )
    if problem == "found unexpected end of stream" and exc.context == "while scanning a quoted scalar" and context:
        quote = lines[context.line][context.column] if context.line < len(lines) else '"'
        return issue(
            "this quoted text is never closed",
            f"add the closing {quote} at the end of the text",
            (context.line + 1, context.column + 1),
        )
    if problem.startswith("expected <block end>") or problem.startswith("did not find expected key"):
        opened = f" (the one that starts at line {context.line + 1})" if context else ""
        return issue(
            f"this line is not lined up with the block it belongs to{opened}",
            "indent the keys of one mapping, and the '-' of one list, to exactly the same column",
        )
    if problem == "mapping values are not allowed here":
        before = here[: column - 1]
        if ": " in before and not before.lstrip().startswith(("'", '"')):
            key, value = (part.strip() for part in here.split(": ", 1))
            quote = "'" if '"' in value else '"'
            return issue(
                "the value on this line contains ': ', which YAML reads as the start of another key",
                f"put the whole value in quotes: {key.lstrip('- ')}: {quote}{value}{quote}",
            )
        return issue(
            "unexpected ':' here",
            "if the value itself contains ': ', put the whole value in quotes; "
            "otherwise check this line's indentation against the line above",
        )
    if problem == "could not find expected ':'":
        at = (context.line + 1, context.column + 1) if context else (line, column)
        return issue(
            "this line has no ':' after its key", "write 'key: value', or indent it as part of the value above", at
        )
    if problem.startswith("expected ',' or"):
        closer = problem.split("'")[3] if problem.count("'") >= 4 else "]"  # "expected ',' or ']', but got …"
        at = (context.line + 1, context.column + 1) if context else (line, column)
        return issue(
            f"the list or mapping opened here is not closed with '{closer}', or its items are not separated by ','",
            f"end it with '{closer}' on the same line, with ', ' between items",
            at,
        )
    return issue(f"YAML syntax error: {problem}", "check the indentation and quoting on this line and the one above")


def _runaway_quote(text: str, error_line: int) -> tuple[tuple[int, int, str], int] | None:
    """A quoted scalar that spans lines and ends on the line of a syntax error: a missing closing quote.

    Returns ((line, column, quote), end line) of the opening quote, or None.
    """
    found = None
    try:
        for token in yaml.scan(text, Loader=yaml.SafeLoader):
            if (
                isinstance(token, yaml.ScalarToken)
                and token.style in ("'", '"')
                and token.end_mark.line > token.start_mark.line
                and token.end_mark.line + 1 == error_line
            ):
                start = token.start_mark
                found = ((start.line + 1, start.column + 1, token.style), token.end_mark.line + 1)
    except yaml.YAMLError:
        pass
    return found


def load_yaml(path: Path | str, display: str | None = None) -> Document:
    """Read and parse a YAML (or JSON) file safely, keeping line marks.

    Raises :class:`YamlProblem` if the file cannot be read or parsed.
    """
    return read_yaml(path, display)[0]


def read_yaml(path: Path | str, display: str | None = None, data: bytes | None = None) -> tuple[Document, bytes]:
    """:func:`load_yaml`, and the bytes it parsed: the file is read once (``-`` is standard input), so what is
    hashed is what was parsed.  An input over the size limit (``_io.max_bytes``) is refused unparsed.  ``data``:
    the file's bytes, when the caller has read them already (:func:`read_source`).

    Raises :class:`YamlProblem` if the file cannot be read, is too large, or cannot be parsed.
    """
    name = display or display_name(path)
    if data is None:
        data = read_source(path, name)
    try:
        # Universal newlines, as Path.read_text gave: '\r\n' and a lone '\r' end a line.
        text = data.decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")
    except UnicodeDecodeError as exc:
        raise YamlProblem([_unreadable(exc, name)]) from None
    return parse_yaml(text, name), data


def read_source(path: Path | str, name: str) -> bytes:
    """The bytes of ``path`` (``-``: standard input), within the size limit.  Raises :class:`YamlProblem`."""
    try:
        return read_input(path)
    except InputTooLarge as exc:
        raise YamlProblem([Issue("too-large", str(exc), Location(name), InputTooLarge.hint)]) from None
    except OSError as exc:
        raise YamlProblem([_unreadable(exc, name)]) from None


def _unreadable(exc: Exception, name: str) -> Issue:
    return Issue(
        "unreadable-file",
        f"cannot read the file: {exc}",
        Location(name),
        "check the path and that the file is UTF-8 text",
    )
