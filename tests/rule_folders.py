"""Small rule folders and evidence bundles, built in a test's tmp_path.

The unit tests of the checker, the compiler and the evaluator each need a
rule set that differs from a minimal valid one in one place: :func:`ruleset`
gives that minimal rule set as a dict, :func:`rule` and :func:`measure` build
its entries, and :func:`write_rules` writes dicts (or YAML text, where the
exact lines matter) into a folder that ``load_plan`` and ``assess`` accept.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

from caa_engine.compile import Plan, load_plan
from caa_engine.errors import RuleError

__all__ = ["ruleset", "rule", "measure", "write_rules", "plan_of", "rule_errors", "bundle", "KLOE_TABLE"]

_BASE: dict[str, Any] = {
    "ruleset": "test_rules",
    "element": "test_element",
    "version": "1",
    "title": "Test rules",
    "scope": "body",
    "scale": {4: "strong", 3: "well", 2: "adequate", 1: "inadequate"},
    "parameters": {"two": {"value": 2}, "three_quarters": {"value": 0.75}},
    "rules": [],
}

# A kloe table whose columns give the tests text, exact decimals, booleans and a nullable column.
KLOE_TABLE: dict[str, Any] = {
    "key": "code",
    "label": "KLOE",
    "rows": {
        "1.1": {"theme": "money", "weight": 0.1, "core": True, "cap": 3},
        "1.2": {"theme": "money", "weight": 0.2, "core": False, "cap": 2},
        "2.1": {"theme": "people", "weight": 0.3, "core": True},
        "2.2": {"theme": "people", "weight": 0.7, "core": False},
    },
}


def ruleset(**overrides: Any) -> dict[str, Any]:
    """A minimal valid rule set, with ``overrides`` replacing its top-level keys."""
    data = copy.deepcopy(_BASE)
    data.update(copy.deepcopy(overrides))
    return data


def rule(rule_id: str, when: str | bool, per: str = "body", priority: int = 0, **then: Any) -> dict[str, Any]:
    """One rule; ``then`` defaults to a note (so the rule may run per any fact)."""
    return {
        "id": rule_id,
        "description": f"rule {rule_id}",
        "source": "test",
        "per": per,
        "priority": priority,
        "when": when,
        "then": then or {"note": {"kind": "fired", "text": f"{rule_id} fired"}},
    }


def measure(
    measure_id: str, from_: str, value: str, into: str, group_by: tuple[str, ...] = ("body",), field: str = "value"
) -> dict[str, Any]:
    return {
        "id": measure_id,
        "description": f"measure {measure_id}",
        "source": "test",
        "from": from_,
        "group_by": list(group_by),
        "value": value,
        "into": into,
        "field": field,
    }


def write_rules(folder: Path, files: dict[str, dict[str, Any] | str]) -> Path:
    """Write each file (a dict dumped as YAML, or YAML text as it is) into ``folder``; returns it."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        text = content if isinstance(content, str) else yaml.safe_dump(content, sort_keys=False, allow_unicode=True)
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def plan_of(folder: Path, files: dict[str, dict[str, Any] | str]) -> Plan:
    return load_plan(write_rules(folder, files))


def rule_errors(folder: Path, files: dict[str, dict[str, Any] | str]) -> list[str]:
    """The rendered issues (``file:line:col: code: message``, then the hint) of an invalid rules folder."""
    write_rules(folder, files)
    try:
        load_plan(folder)
    except RuleError as exc:
        prefix = f"{folder}/"
        return [issue.render().replace(prefix, "") for issue in exc.issues]
    raise AssertionError("the rules were accepted")


def bundle(kloes: dict[str, dict[str, int]], bodies: tuple[str, ...] | None = None) -> dict[str, Any]:
    """An evidence bundle: one district council per body id, with its KLOE scores."""
    body_ids = bodies if bodies is not None else tuple(kloes)
    return {
        "area": {"id": "testshire", "name": "Testshire"},
        "bodies": [{"id": body_id, "name": body_id.title(), "kind": "district"} for body_id in body_ids],
        "use_of_resources": {
            "assessments": [{"body": body_id, "kloes": scores} for body_id, scores in kloes.items() if scores]
        },
    }
