"""Load an evidence bundle (YAML or JSON file, or a dict) and turn it into facts.

:func:`load_bundle` validates the bundle and cross-checks it (body ids exist
and are unique, KLOE codes are in the rule set's catalogue) with every error
at the bundle's ``file:line``.  :func:`bundle_facts` yields the input facts,
each field remembering where in the bundle it came from.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from .._yaml import Document, YamlProblem, load_yaml
from ..errors import EvidenceError, Issue
from ..facts import Fact
from ..rules.loader import did_you_mean, pydantic_issues, safe_repr
from .facts import COUNCIL_KINDS
from .model import EvidenceBundle

__all__ = ["LoadedBundle", "load_bundle", "bundle_from_dict", "bundle_facts"]


@dataclass(frozen=True)
class LoadedBundle:
    bundle: EvidenceBundle
    document: Document
    sha256: str

    @property
    def file(self) -> str:
        return self.document.file


def load_bundle(path: Path | str, display: str | None = None) -> LoadedBundle:
    """Load and validate one bundle file.  Raises :class:`EvidenceError`."""
    path = Path(path)
    try:
        document = load_yaml(path, display)
    except YamlProblem as problem:
        raise EvidenceError(problem.issues) from None
    return LoadedBundle(_validate(document), document, hashlib.sha256(path.read_bytes()).hexdigest())


def bundle_from_dict(data: Any, name: str = "<evidence>") -> LoadedBundle:
    """Validate a bundle given as a dict (locations are key paths, not lines).  Raises :class:`EvidenceError`."""
    document = Document(name, data, {})
    bundle = _validate(document)
    # Hashed only once valid: any dict can reach this function, but only a valid one is plain JSON
    # (text keys, no cycles, no deep nesting) that json.dumps can always sort and write.
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, default=str).encode()
    return LoadedBundle(bundle, document, hashlib.sha256(canonical).hexdigest())


def _validate(document: Document) -> EvidenceBundle:
    if not isinstance(document.data, dict):
        whole = "the file" if document.marks else "the evidence"  # a file always has a mark for its root
        found = f"{whole} is empty" if document.data is None else f"{whole} holds {_kind(document.data)}"
        raise EvidenceError(
            [
                Issue(
                    "not-a-bundle",
                    f"{found}, but an evidence bundle is a mapping with 'area:' and 'bodies:'",
                    document.locate(()),
                    "start from a bundle in fixtures/; docs/evidence.md has the format",
                )
            ]
        )
    try:
        bundle = EvidenceBundle.model_validate(document.data)
    except ValidationError as exc:
        raise EvidenceError(pydantic_issues(exc, document, EvidenceBundle, "the evidence bundle")) from None
    issues = _cross_checks(bundle, document)
    if issues:
        raise EvidenceError(issues)
    return bundle


def _cross_checks(bundle: EvidenceBundle, document: Document) -> list[Issue]:
    issues: list[Issue] = []
    ids: dict[str, int] = {}
    for index, body in enumerate(bundle.bodies):
        if body.id in ids:
            first = document.locate(("bodies", ids[body.id], "id"), at_value=True)
            where = f" (first at line {first.line})" if first.line else ""
            issues.append(
                Issue(
                    "duplicate-body",
                    f"body '{body.id}' is listed twice{where}",
                    document.locate(("bodies", index, "id"), at_value=True),
                    "give each body its own id",
                )
            )
        ids.setdefault(body.id, index)
    leads = [i for i, body in enumerate(bundle.bodies) if body.lead]
    if len(leads) > 1:
        issues.append(
            Issue(
                "two-leads",
                "more than one body is marked 'lead: true'",
                document.locate(("bodies", leads[1], "lead"), at_value=True),
                "mark only the lead council (the county in a two-tier area)",
            )
        )
    for index in leads:
        if bundle.bodies[index].kind not in COUNCIL_KINDS:
            issues.append(
                Issue(
                    "lead-not-council",
                    "only a council can be the lead body",
                    document.locate(("bodies", index, "lead"), at_value=True),
                    "mark a council as lead",
                )
            )
    if bundle.use_of_resources is not None:
        seen: dict[str, int] = {}
        for index, assessment in enumerate(bundle.use_of_resources.assessments):
            path = ("use_of_resources", "assessments", index, "body")
            if assessment.body not in ids:
                issues.append(
                    Issue(
                        "unknown-body",
                        f"this assessment is for body '{assessment.body}', which is not listed under 'bodies'"
                        f"{did_you_mean(assessment.body, ids)}",
                        document.locate(path, at_value=True),
                        f"use the id of a body listed under 'bodies': {', '.join(ids)}",
                    )
                )
            elif assessment.body in seen:
                first = document.locate(path[:-2] + (seen[assessment.body], "body"), at_value=True)
                where = f" (the first at line {first.line})" if first.line else ""
                issues.append(
                    Issue(
                        "duplicate-assessment",
                        f"body '{assessment.body}' has two use-of-resources assessments{where}",
                        document.locate(path, at_value=True),
                        "merge their KLOE scores into one assessment",
                    )
                )
            seen.setdefault(assessment.body, index)
    return issues


def _kind(value: Any) -> str:
    if isinstance(value, list):
        return "a list"
    return f"the single value {safe_repr(value)}"


def _same_code(key: str, codes: Any) -> str:
    """' — did you mean …?' only for a code written another way (3.10 for 3.1), never a different code."""

    def number(text: str) -> float | None:
        try:
            return float(text)
        except ValueError:
            return None

    for code in codes:
        if code.strip().lower() == key.strip().lower() or (number(key) is not None and number(key) == number(code)):
            return f" — did you mean '{code}'?"
    return ""


def _at(document: Document, path: tuple[Any, ...]) -> str:
    loc = document.locate(path, at_value=True)
    return f"{loc.file}:{loc.line}" if loc.line else str(loc)


def bundle_facts(loaded: LoadedBundle, tables: dict[str, dict[str, Any]]) -> list[Fact]:
    """The input facts of a bundle, joined with the rule files' tables.

    Raises :class:`EvidenceError` for a code missing from a table (an unknown KLOE).
    """
    bundle, doc = loaded.bundle, loaded.document
    facts = [
        Fact(
            "area",
            bundle.area.id,
            {"name": bundle.area.name},
            {"id": _at(doc, ("area", "id")), "name": _at(doc, ("area", "name"))},
        )
    ]
    for index, body in enumerate(bundle.bodies):
        base: tuple[Any, ...] = ("bodies", index)
        facts.append(
            Fact(
                "body",
                body.id,
                {"name": body.name, "kind": body.kind, "council": body.kind in COUNCIL_KINDS, "lead": body.lead},
                {
                    "id": _at(doc, base + ("id",)),
                    "name": _at(doc, base + ("name",)),
                    "kind": _at(doc, base + ("kind",)),
                    "council": _at(doc, base + ("kind",)),
                    "lead": _at(doc, base + ("lead",)),
                },
            )
        )
    if bundle.use_of_resources is not None:
        for index, assessment in enumerate(bundle.use_of_resources.assessments):
            base = ("use_of_resources", "assessments", index)
            for code, score in assessment.kloes.items():
                where = _at(doc, base + ("kloes", code))
                facts.append(
                    Fact(
                        "kloe",
                        f"{assessment.body}/kloe/{code}",
                        {"body": assessment.body, "code": code, "score": score},
                        {"body": _at(doc, base + ("body",)), "code": where, "score": where},
                        base + ("kloes", code),
                    )
                )
    issues: list[Issue] = []
    for fact in facts:
        table = tables.get(fact.type)
        if table is None:
            continue
        key = fact.fields.get(table["key"])
        row = table["rows"].get(str(key))
        if row is None:
            label = table["label"]
            known = ", ".join(table["rows"])
            location = doc.locate(fact.path)
            issues.append(
                Issue(
                    f"unknown-{fact.type}",
                    f"{label} '{key}' is not in the catalogue{_same_code(str(key), table['rows'])}",
                    location,
                    f"known {label}s ({table['file']}:{table['line']}): {known}",
                )
            )
            continue
        for column, value in row.items():
            fact.fields[column] = value
            fact.origin[column] = f"{table['file']}:{table['line']}"
    if issues:
        raise EvidenceError(issues)
    return facts
