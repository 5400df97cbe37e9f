"""The words of errors, shared by both loaders (rules and evidence) and the table importer.

did-you-mean suggestions (:func:`closest`, :func:`did_you_mean`), values shown safely in messages
(:func:`describe_value`, :func:`safe_repr`), and pydantic validation errors turned into located, advising
issues (:func:`pydantic_issues`).  It imports neither loader, so ``rules/`` and ``evidence/`` need not import
each other for their messages.
"""

from __future__ import annotations

import datetime
import difflib
import math
import re
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from ._yaml import Document
from .errors import Issue
from .evidence.model import INDICATOR_CODE  # a model module only: it imports no loader

__all__ = ["closest", "did_you_mean", "describe_value", "safe_repr", "pydantic_issues", "PERCENT"]

# A percentage as written in a file ("75%", "-5 %"): read as a share where a parameter allows it.
PERCENT = re.compile(r"^\s*(-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))\s*%\s*$")


def closest(word: str, candidates: Any) -> str | None:
    """The candidate closest to ``word``, if any is close enough to be what was meant."""
    names = sorted({str(c) for c in candidates})
    close = difflib.get_close_matches(word, names, n=1, cutoff=0.6)
    return close[0] if close else None


def did_you_mean(word: str, candidates: Any) -> str:
    """' — did you mean 'x'?' for the closest candidate, or ''."""
    close = closest(word, candidates)
    return f" — did you mean '{close}'?" if close else ""


# What a pydantic type error wants, in words, and how to write it.
_TYPE_WORDS = {
    "int": ("a whole number", "write a whole number such as 3, without quotes"),
    "float": ("a number", "write a number such as 0.75, without quotes"),
    "str": ("text", "write the text, in quotes if it contains ': ' or starts with a symbol"),
    "bool": ("true or false", "write true or false, without quotes"),
    "list": ("a list", "write one '- item' per line, or [item, item]"),
    "dict": ("a mapping", "write 'key: value' lines, indented under this key"),
}
_FINITE = "write a number such as 12.5, without quotes"
_TYPE_OF_ERROR = {
    "int_type": "int",
    "int_parsing": "int",
    "int_from_float": "int",
    "float_type": "float",
    "float_parsing": "float",
    "string_type": "str",
    "bool_type": "bool",
    "bool_parsing": "bool",
    "list_type": "list",
    "dict_type": "dict",
    "model_type": "dict",
    "model_attributes_type": "dict",
}
# Lists whose items are named things (noun, the key that names one) and mappings whose keys name things.
_ITEM_NAMES = {
    "rules": ("rule", "id"),
    "measures": ("measure", "id"),
    "citations": ("citation", "id"),
    "bodies": ("body", "id"),
    "assessments": ("assessment of", "body"),
}
_ENTRY_NAMES = {"parameters": "parameter", "tables": "table", "rows": "row", "kloes": "KLOE", "scale": "scale score"}
_PATTERN_WORDS = {
    r"^[a-z][a-z0-9_]*$": ("lower-case letters, digits and '_', starting with a letter", "[^a-z0-9_]+", "_"),
    r"^[a-z0-9][a-z0-9_-]*$": ("lower-case letters, digits, '-' and '_'", "[^a-z0-9_-]+", "-"),
}


@dataclass(frozen=True)
class _Subject:
    """What an error is about, in words: the named things it sits in, and the key path below them."""

    owners: tuple[str, ...]
    field: str
    whole: str  # what the file is, e.g. "the rule file"
    noun: str = ""  # what the innermost named thing is, e.g. "rule"

    def __str__(self) -> str:  # "rule 'x': priority"
        owner = ", ".join(self.owners)
        if owner and self.field:
            return f"{owner}: {self.field}"
        return owner or self.field or self.whole

    def container(self) -> str:  # "'then' of rule 'x'"
        owner = ", ".join(self.owners)
        if owner and self.field:
            return f"'{self.field}' of {owner}"
        return owner or (f"'{self.field}'" if self.field else self.whole)


def _real_path(loc: tuple[Any, ...], data: Any) -> tuple[Any, ...]:
    """The data path of a pydantic error location, without union branch tags such as 'int' or '[key]'."""
    path: list[Any] = []
    node = data
    for part in loc:
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
        elif isinstance(part, str) and ("[" in part or part in _TYPE_WORDS):
            continue  # a union branch tag or a dict-key marker, not a key in the file
        else:
            node = None
        path.append(part)
    return tuple(path)


def _subject(path: tuple[Any, ...], data: Any, whole: str) -> _Subject:
    owners: list[str] = []
    fields: list[str] = []
    noun = ""
    node = data
    for part in path:
        parent = fields[-1] if fields else None
        child = node[part] if isinstance(node, (dict, list)) and _has(node, part) else None
        if isinstance(part, int) and parent in _ITEM_NAMES and not isinstance(node, dict):
            noun, key = _ITEM_NAMES[parent]
            noun = noun.split(" ")[0]
            name = child.get(key) if isinstance(child, dict) else None
            owners.append(
                f"{_ITEM_NAMES[parent][0]} '{name}'" if isinstance(name, str) and name else f"{parent} item {part + 1}"
            )
            fields = []  # keys below a named thing are told relative to it
        elif (isinstance(part, str) or isinstance(node, dict)) and parent in _ENTRY_NAMES:
            noun = _ENTRY_NAMES[parent]
            owners.append(f"{noun} '{part}'")
            fields = []
        elif isinstance(part, int) and not isinstance(node, dict):
            fields.append(f"item {part + 1}")
        else:
            fields.append(str(part))
        node = child
    text = ""
    for part in fields:
        text += f" {part}" if part.startswith("item ") else (f".{part}" if text else part)
    return _Subject(tuple(owners), text, whole, noun)


def _has(node: Any, part: Any) -> bool:
    if isinstance(node, dict):
        return part in node
    return isinstance(part, int) and 0 <= part < len(node)


def pydantic_issues(exc: ValidationError, document: Document, model: type[BaseModel], what: str) -> list[Issue]:
    """Turn a pydantic ValidationError into located, advising issues.

    ``what`` names the whole file in messages, e.g. "the rule file".  One
    problem gives one issue: a union's branches are reported together, and a
    misspelled key is not reported again as the missing key it was meant to be.
    """
    data = document.data
    grouped: dict[tuple[bool, tuple[Any, ...]], list[ErrorDetails]] = {}
    missing: dict[tuple[Any, ...], set[str]] = {}
    for error in exc.errors():
        loc = tuple(error["loc"])
        if error["type"] == "missing":
            path = _real_path(loc[:-1], data) + (loc[-1],)
            missing.setdefault(path[:-1], set()).add(str(loc[-1]))
        else:
            path = _real_path(loc, data)
        grouped.setdefault((error["type"] == "missing", path), []).append(error)
    meant: set[tuple[Any, ...]] = set()  # missing keys that a misspelled key stands for
    for (_, path), errors in grouped.items():
        if errors[0]["type"] == "extra_forbidden":
            close = closest(str(path[-1]), missing.get(path[:-1], ()))
            if close:
                meant.add(path[:-1] + (close,))
    issues: list[Issue] = []
    for (is_missing, path), errors in grouped.items():
        if is_missing and path in meant:
            continue
        issues.append(_issue(errors, path, document, model, what))
    return issues


def _issue(
    errors: list[ErrorDetails], path: tuple[Any, ...], document: Document, model: type[BaseModel], what: str
) -> Issue:
    data = document.data
    error = errors[0]
    kind = error["type"]
    got = describe_value(error.get("input"))
    field_name, field_info = _field_at(model, path)
    about = f"{field_name}: {field_info.description}" if field_info is not None and field_info.description else ""

    def advice(text: str) -> str:
        return f"{text} — {about}" if about else text

    if kind == "extra_forbidden":
        key = str(path[-1])
        allowed = _allowed_keys(model, path[:-1])
        subject = _subject(path[:-1], data, what)
        return Issue(
            "unknown-key",
            f"unknown key '{key}' in {subject.container()}{did_you_mean(key, allowed)}",
            document.locate(path),
            f"allowed keys here: {', '.join(allowed)}" if allowed else "remove this key",
        )
    if kind == "missing":
        key = str(path[-1])
        subject = _subject(path[:-1], data, what)
        required = _required_keys(model, path[:-1])
        needs = f"; every {subject.noun} needs " if subject.noun and not subject.field else "; required here: "
        listed = needs + ", ".join(required[:-1]) + " and " + required[-1] if len(required) > 1 else ""
        return Issue(
            "missing-key",
            f"{subject.container()} has no '{key}'",
            document.locate(path[:-1]),
            advice(f"add '{key}:'{listed}"),
        )
    if kind == "invalid_key":  # a dict given to the API, with a key that is not text
        subject = _subject(path[:-1], data, what)
        return Issue(
            "wrong-type",
            f"key {safe_repr(error.get('input'))} in {subject.container()} must be text",
            document.locate(path),
            "write every key as text, e.g. 'name'",
        )
    subject = _subject(path, data, what)
    name = str(subject)
    if subject.field == "id" and subject.owners:  # "rule id 'X'", not "rule 'X': id 'X'"
        name = ", ".join((*subject.owners[:-1], subject.owners[-1].split(" '")[0] + " id"))
    at = document.locate(path, at_value=True)
    kinds = [_TYPE_OF_ERROR.get(e["type"]) for e in errors]
    if any(e["type"] == "finite_number" for e in errors):  # .nan or .inf: the int branch of a union also fails
        value = error.get("input")
        shown = (".nan" if value != value else ("-.inf" if value < 0 else ".inf")) if isinstance(value, float) else got
        return Issue("wrong-type", f"{name} must be a finite number, not {shown}", at, advice(_FINITE))
    if any(e["type"].startswith("date_") for e in errors):
        value = error.get("input")
        numeric = isinstance(value, (int, float)) and not isinstance(value, bool)
        if numeric or (isinstance(value, str) and value.strip().isdigit()):
            hint = "write the date itself, e.g. 2008-04-01: a number is never read as a date"
        elif isinstance(value, datetime.datetime):
            hint = "write the day alone, without a time, e.g. 2008-04-01"
        else:
            hint = "write a date that exists, e.g. 2008-04-01"
        return Issue("wrong-type", f"{name} must be a date written YYYY-MM-DD, not {got}", at, advice(hint))
    if kind == "version_as_number":
        value = error.get("input")
        as_written = document.written(path) or safe_repr(value)
        read = (
            "a number, not as text"
            if as_written == safe_repr(value)
            else f"the number {safe_repr(value)}, not as written"
        )
        return Issue(
            "version-as-number",
            f"version {as_written} is not in quotes, so it is read as {read}",
            at,
            f'put the version in quotes: version: "{as_written}"',
        )
    if kind == "blank_text":
        optional = field_info is not None and not field_info.is_required() and not isinstance(path[-1], int)
        return Issue(
            "invalid-value",
            f"{name} must not be only spaces",
            at,
            advice("write the text" + (", or leave the key out" if optional else "")),
        )
    if all(kinds) and isinstance(error.get("input"), str) and set(kinds) <= {"int", "float"}:
        sexagesimal = re.fullmatch(r"([-+]?)([0-9]+(?::[0-5]?[0-9])+)", error["input"])
        if sexagesimal:  # YAML 1.1 read 1:30 as 90; YAML 1.2 reads text
            parts = [int(part) for part in sexagesimal.group(2).split(":")]
            total = sum(part * 60**power for power, part in enumerate(reversed(parts)))
            return Issue(
                "wrong-type",
                f"{name} must be a number, not {got}",
                at,
                advice(f"write the number itself (older YAML read {error['input']} as {sexagesimal.group(1)}{total})"),
            )
        number = PERCENT.match(error["input"])
        if number:  # '35%' where a value is wanted: the number as it is, not as a share
            return Issue(
                "wrong-type",
                f"{name} must be a number, not {got}",
                at,
                advice(f"write the number without '%', e.g. {number.group(1)}"),
            )
    if all(kinds):
        words = [_TYPE_WORDS[k][0] for k in _union_order(kinds)]  # type: ignore[arg-type]
        wanted = words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]
        if len(words) > 1:
            wanted = wanted.replace("true or false", "true/false")
        return Issue(
            "wrong-type", f"{name} must be {wanted}, not {got}", at, advice(_TYPE_WORDS[_union_order(kinds)[0]][1])
        )  # type: ignore[arg-type]
    ctx = error.get("ctx") or {}
    value = error.get("input")
    if kind == "string_pattern_mismatch" and isinstance(value, str) and ctx.get("pattern") == INDICATOR_CODE:
        written = re.match(r"^\s*([A-Za-z]+)\s*([0-9]+[a-z]?)\s*$", value)
        rewritten = f"{written.group(1).upper()} {written.group(2)}" if written else ""
        # Suggest only a code that is well written and is not what was written (a 5-digit number is neither).
        meant = f" — did you mean '{rewritten}'?" if re.match(INDICATOR_CODE, rewritten) and rewritten != value else ""
        return Issue(
            "invalid-value",
            f"{name} '{value}' is not written like an indicator code{meant}",
            at,
            "write the prefix in capitals, a space, then the number, e.g. 'NI 192' or 'LPI 12'",
        )
    if kind == "string_pattern_mismatch" and isinstance(value, str):
        chars, bad, joiner = _PATTERN_WORDS.get(ctx.get("pattern", ""), ("the allowed characters", "", ""))
        fixed = re.sub(bad, joiner, value.lower()).strip(joiner) if bad else ""
        ok = bool(fixed) and re.match(ctx.get("pattern", "^$"), fixed)
        return Issue(
            "invalid-value",
            f"{name} '{value}' may use only {chars}",
            at,
            f"e.g. '{fixed}'" if ok else advice(f"use only {chars}"),
        )
    if kind == "literal_error":
        expected = str(ctx.get("expected", ""))
        options = re.findall(r"'([^']*)'", expected)
        close = did_you_mean(str(value), options) if isinstance(value, str) else ""
        return Issue(
            "invalid-value", f"{name} must be {expected}, not {got}{close}", at, advice("use one of the values listed")
        )
    bounds = {
        "less_than_equal": ("at most", "le"),
        "greater_than_equal": ("at least", "ge"),
        "less_than": ("less than", "lt"),
        "greater_than": ("more than", "gt"),
    }
    if kind in bounds:
        limit, key = bounds[kind]
        return Issue(
            "invalid-value",
            f"{name} must be {limit} {ctx.get(key)}, not {got}",
            at,
            about or f"use a value {limit} {ctx.get(key)}",
        )
    if kind in ("too_long", "string_too_long"):
        most = ctx.get("max_length")
        unit = "characters" if kind == "string_too_long" else "entries"
        size = f"{len(value):,} {unit}" if isinstance(value, (str, list, dict)) else "too many"
        return Issue(
            "invalid-value",
            f"{name} is too long: {size}, at most {most} allowed",
            at,
            advice(f"use at most {most} {unit}"),
        )
    if kind in ("too_short", "string_too_short"):
        needed = "write something here" if kind == "string_too_short" else "give at least one entry"
        optional = field_info is not None and not field_info.is_required()
        return Issue(
            "invalid-value",
            f"{name} must not be empty",
            at,
            advice(needed + (", or leave the key out" if optional else "")),
        )
    return Issue("invalid-value", f"{name}: {error['msg']}", at, advice("see docs/rules.md and docs/evidence.md"))


def _union_order(kinds: list[Any]) -> list[str]:
    order = ("int", "float", "str", "bool", "list", "dict")
    present = set(kinds)
    if "float" in present:
        present.discard("int")  # "a number" covers "a whole number"
    return [k for k in order if k in present]


def describe_value(value: Any) -> str:
    """A value as messages show it: short, and never failing (a 5,000-digit number has no repr)."""
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return f"the text '{_clip(value)}'"
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (datetime.date, datetime.datetime)):
        return f"the date {value.isoformat()}"  # YAML reads 2009-04-01 as a date
    return safe_repr(value)


def safe_repr(value: Any) -> str:
    """``repr(value)``, clipped to a readable length; a number too long to write is described instead."""
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 256:
        return f"a number of {int(math.log10(abs(value))) + 1:,} digits"
    try:
        return _clip(repr(value))
    except ValueError:  # a value holding such a number
        return f"a {type(value).__name__}"


def _clip(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _field_at(model: type[BaseModel], path: tuple[Any, ...]) -> tuple[str, Any]:
    """The key and pydantic field that hold ``path`` (the innermost model field along it), or ('', None)."""
    current: Any = model
    found: tuple[str, Any] = ("", None)
    for part in path:
        if isinstance(part, int) or not (isinstance(current, type) and issubclass(current, BaseModel)):
            continue
        field = _field_by_alias(current, str(part))
        if field is None:
            continue
        found = (str(part), field)
        current = _inner_model(field.annotation)
    return found


def _allowed_keys(model: type[BaseModel], path: tuple[Any, ...]) -> list[str]:
    """The keys allowed at ``path`` inside ``model`` (following nested models)."""
    inner = _model_at(model, path)
    return sorted((f.alias or name) for name, f in inner.model_fields.items()) if inner else []


def _required_keys(model: type[BaseModel], path: tuple[Any, ...]) -> list[str]:
    """The keys that must be given at ``path``, in the model's order."""
    inner = _model_at(model, path)
    return [(f.alias or name) for name, f in inner.model_fields.items() if f.is_required()] if inner else []


def _model_at(model: type[BaseModel], path: tuple[Any, ...]) -> type[BaseModel] | None:
    """The model that validates the mapping at ``path`` (dict values and list items stay on their model)."""
    current: Any = model
    for part in path:
        if isinstance(part, int):
            continue
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            return None
        field = _field_by_alias(current, str(part))
        if field is None:
            continue  # a key of a dict of models: stay on the value model
        current = _inner_model(field.annotation)
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _field_by_alias(model: type[BaseModel], key: str) -> Any:
    for name, field in model.model_fields.items():
        if (field.alias or name) == key:
            return field
    return None


def _inner_model(annotation: Any) -> Any:
    from typing import get_args

    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        found = _inner_model(arg)
        if found is not None:
            return found
    return None
