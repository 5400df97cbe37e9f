"""Read a folder of rule files into validated :class:`LoadedRuleSet` objects.

Each ``*.yaml`` file is parsed safely with line marks, then validated against
:class:`~caa_engine.rules.model.RuleSetFile`.  Every pydantic error becomes an
:class:`~caa_engine.errors.Issue` at the ``file:line:col`` of the offending key.
"""

from __future__ import annotations

import difflib
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from .._yaml import Document, YamlProblem, load_yaml
from ..errors import Issue, Location, RuleError
from .model import RuleSetFile

__all__ = ["LoadedRuleSet", "load_rule_files", "pydantic_issues", "did_you_mean"]


@dataclass(frozen=True)
class LoadedRuleSet:
    path: str  # as shown to people (relative where possible)
    document: Document
    model: RuleSetFile
    sha256: str


def did_you_mean(word: str, candidates: Any) -> str:
    """' — did you mean 'x'?' for the closest candidate, or ''."""
    names = sorted({str(c) for c in candidates})
    close = difflib.get_close_matches(word, names, n=1, cutoff=0.6)
    return f" — did you mean '{close[0]}'?" if close else ""


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


_TYPE_WORDS = {
    "int_type": "a whole number", "int_parsing": "a whole number", "int_from_float": "a whole number",
    "string_type": "text", "bool_type": "true or false", "bool_parsing": "true or false",
    "list_type": "a list", "dict_type": "a mapping (key: value lines)", "model_type": "a mapping (key: value lines)",
    "float_type": "a number", "float_parsing": "a number",
}


def pydantic_issues(exc: ValidationError, document: Document, model: type[BaseModel], what: str) -> list[Issue]:
    """Turn a pydantic ValidationError into located, advising issues."""
    issues: list[Issue] = []
    for error in exc.errors():
        loc = tuple(error["loc"])
        # Unions report one error per branch; keep the path only up to the union tag.
        path = tuple(part for part in loc if not (isinstance(part, str) and ("[" in part or part in _UNION_TAGS)))
        kind = error["type"]
        where = ".".join(str(p) for p in path) or "(top level)"
        if kind == "extra_forbidden":
            key = str(path[-1])
            allowed = _allowed_keys(model, path[:-1])
            hint = f"allowed keys here: {', '.join(allowed)}" if allowed else "remove this key"
            issues.append(Issue("unknown-key", f"unknown key '{key}' in {what}{did_you_mean(key, allowed)}",
                                document.locate(path), hint))
        elif kind == "missing":
            key = str(path[-1])
            issues.append(Issue("missing-key", f"'{key}' is required here ({where})", document.locate(path[:-1]),
                                f"add '{key}:' to this mapping"))
        elif kind in _TYPE_WORDS or kind.endswith("_type") or kind.endswith("_parsing"):
            got = error.get("input")
            wanted = _TYPE_WORDS.get(kind, kind.replace("_", " "))
            issues.append(Issue("wrong-type", f"'{where}' must be {wanted}, not {_show(got)}",
                                document.locate(path, at_value=True), f"write {wanted} here"))
        else:
            issues.append(Issue("invalid-value", f"'{where}': {error['msg']}", document.locate(path, at_value=True),
                                _hint_for(kind)))
    # A union field reports each branch's failure; one message per place is enough.
    seen: set[tuple[Location, str]] = set()
    unique = []
    for issue in issues:
        if (issue.location, issue.code) not in seen:
            seen.add((issue.location, issue.code))
            unique.append(issue)
    return unique


_UNION_TAGS = {"str", "bool", "int", "float", "function-after[_version_text(), str]"}


def _show(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return f"the text '{value}'"
    return repr(value)


def _hint_for(kind: str) -> str:
    if kind == "string_pattern_mismatch":
        return "use lower-case letters, digits and underscores, starting with a letter"
    if kind in ("too_short", "string_too_short"):
        return "this must not be empty"
    if kind == "literal_error":
        return "use one of the values listed"
    return "see docs/rules.md for the format"


def _allowed_keys(model: type[BaseModel], path: tuple[Any, ...]) -> list[str]:
    """The keys allowed at ``path`` inside ``model`` (following nested models)."""
    current: Any = model
    for part in path:
        if isinstance(part, int):
            continue
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            return []
        field = _field_by_alias(current, str(part))
        if field is None:
            # a dict value: stay on the value model
            continue
        current = _inner_model(field.annotation)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return sorted((f.alias or name) for name, f in current.model_fields.items())
    return []


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


def load_rule_files(directory: Path | str) -> list[LoadedRuleSet]:
    """Load and validate every ``*.yaml`` rule file in ``directory`` (file order by name).

    Raises :class:`RuleError` with every problem found in every file.
    """
    directory = Path(directory)
    if not directory.is_dir():
        raise RuleError([Issue("no-rules", f"rules folder '{directory}' does not exist", Location(str(directory)),
                               "pass the folder that holds the rule files, e.g. --rules rules")])
    files = sorted(p for p in directory.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())
    if not files:
        raise RuleError([Issue("no-rules", f"no rule files (*.yaml) in '{directory}'", Location(str(directory)),
                               "add one YAML file per CAA element")])
    loaded: list[LoadedRuleSet] = []
    issues: list[Issue] = []
    for file in files:
        display = _display(file)
        try:
            document = load_yaml(file, display)
        except YamlProblem as problem:
            issues.extend(problem.issues)
            continue
        if not isinstance(document.data, dict):
            issues.append(Issue("not-a-ruleset", "a rule file must be a mapping with 'ruleset:', 'rules:' and so on",
                                document.locate(()), "see docs/rules.md for the format"))
            continue
        try:
            model = RuleSetFile.model_validate(document.data)
        except ValidationError as exc:
            issues.extend(pydantic_issues(exc, document, RuleSetFile, "a rule file"))
            continue
        digest = hashlib.sha256(file.read_bytes()).hexdigest()
        loaded.append(LoadedRuleSet(display, document, model, digest))
    if issues:
        raise RuleError(issues)
    return loaded
