"""Read a folder of rule files into validated :class:`LoadedRuleSet` objects.

Each ``*.yaml`` file is parsed safely with line marks, then validated against
:class:`~caa_engine.rules.model.RuleSetFile`.  Every pydantic error becomes an
:class:`~caa_engine.errors.Issue` at the ``file:line:col`` of the offending key.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from .._messages import _clip, closest, describe_value, did_you_mean, pydantic_issues, safe_repr
from .._yaml import Document, YamlProblem, read_yaml
from ..errors import Issue, Location, RuleError
from .model import RuleSetFile

# The message helpers live in caa_engine/_messages.py (both loaders use them); re-exported for old imports.
__all__ = [
    "LoadedRuleSet",
    "load_rule_files",
    "pydantic_issues",
    "did_you_mean",
    "closest",
    "describe_value",
    "safe_repr",
    "_clip",
]


@dataclass(frozen=True)
class LoadedRuleSet:
    path: str  # as shown to people (relative where possible)
    document: Document
    model: RuleSetFile
    sha256: str


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def load_rule_files(directory: Path | str) -> list[LoadedRuleSet]:
    """Load and validate every ``*.yaml`` rule file in ``directory`` (file order by name).

    Raises :class:`RuleError` with every problem found in every file.
    """
    directory = Path(directory)
    if not directory.is_dir():
        raise RuleError(
            [
                Issue(
                    "no-rules",
                    f"rules folder '{directory}' is a file, not a folder"
                    if directory.exists()
                    else f"rules folder '{directory}' does not exist",
                    Location(str(directory)),
                    "pass the folder that holds the rule files, e.g. --rules rules",
                )
            ]
        )
    files = sorted(p for p in directory.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())
    if not files:
        raise RuleError(
            [
                Issue(
                    "no-rules",
                    f"no rule files (*.yaml) in '{directory}'",
                    Location(str(directory)),
                    "add one YAML file per CAA element",
                )
            ]
        )
    loaded: list[LoadedRuleSet] = []
    issues: list[Issue] = []
    for file in files:
        display = _display(file)
        try:
            document, data = read_yaml(file, display)
        except YamlProblem as problem:
            issues.extend(problem.issues)
            continue
        if not isinstance(document.data, dict):
            found = (
                "the file is empty"
                if document.data is None
                else (
                    "the file holds a list"
                    if isinstance(document.data, list)
                    else f"the file holds {safe_repr(document.data)}"
                )
            )
            issues.append(
                Issue(
                    "not-a-ruleset",
                    f"{found}, but a rule file is a mapping with 'ruleset:', 'element:', 'rules:' and so on",
                    document.locate(()),
                    "start from a copy of a shipped file in rules/; docs/rules.md has the format",
                )
            )
            continue
        try:
            model = RuleSetFile.model_validate(document.data)
        except ValidationError as exc:
            issues.extend(pydantic_issues(exc, document, RuleSetFile, "the rule file"))
            continue
        digest = hashlib.sha256(data).hexdigest()
        loaded.append(LoadedRuleSet(display, document, model, digest))
    if issues:
        raise RuleError(issues)
    return loaded
