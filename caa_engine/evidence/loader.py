"""Load an evidence bundle (YAML or JSON file, or a dict) and turn it into facts.

:func:`load_bundle` validates the bundle and cross-checks it (body ids exist
and are unique, KLOE codes are in the rule set's catalogue) with every error
at the bundle's ``file:line``.  :func:`bundle_facts` yields the input facts,
each field remembering where in the bundle it came from.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from .._messages import did_you_mean, pydantic_issues, safe_repr
from .._plural import plural_of
from .._yaml import Document, YamlProblem, key_path, read_yaml
from ..errors import EvidenceError, Issue, Location
from ..facts import Fact, normalise_number
from .history import EarlierValue, earlier_issues, history_facts, history_issues, with_earlier_previous
from .model import EvidenceBundle, Innovation, Outcome

__all__ = ["LoadedBundle", "load_bundle", "bundle_from_dict", "validate_document", "bundle_facts"]


@dataclass(frozen=True)
class LoadedBundle:
    bundle: EvidenceBundle
    document: Document
    sha256: str

    @property
    def file(self) -> str:
        return self.document.file


def load_bundle(path: Path | str, display: str | None = None, data: bytes | None = None) -> LoadedBundle:
    """Load and validate one bundle file (``-``: standard input), read once: the sha256 is of the bytes judged.

    ``data``: the file's bytes, when read already.  Raises :class:`EvidenceError`.
    """
    try:
        document, data = read_yaml(path, display, data)
    except YamlProblem as problem:
        raise EvidenceError(problem.issues) from None
    return LoadedBundle(_validate(document), document, hashlib.sha256(data).hexdigest())


def bundle_from_dict(data: Any, name: str = "<evidence>") -> LoadedBundle:
    """Validate a bundle given as a dict (locations are key paths, not lines).  Raises :class:`EvidenceError`."""
    document = Document(name, data, {})
    bundle = _validate(document)
    # Hashed only once valid: any dict can reach this function, but only a valid one is plain JSON
    # (text keys, no cycles, no deep nesting) that json.dumps can always sort and write -- unless it holds an
    # integer of more digits than Python writes, which is then refused as a YAML file's reader refuses it.
    try:
        canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, default=str).encode()
    except ValueError:
        too_long = _too_long_numbers(data)
        if not too_long:  # pragma: no cover - json.dumps refuses nothing else in a valid bundle
            raise
        raise EvidenceError(
            [
                Issue(
                    "invalid-value",
                    f"this number has {digits:,} digits; at most {sys.get_int_max_str_digits():,} can be read",
                    Location(name, path=key_path(path)),
                    "write the number with fewer digits",
                )
                for path, digits in too_long
            ]
        ) from None
    return LoadedBundle(bundle, document, hashlib.sha256(canonical).hexdigest())


def validate_document(document: Document) -> EvidenceBundle:
    """Validate a bundle already read into a :class:`Document`, whose marks say where each value came from (a
    file's lines, or a table's cells).  Raises :class:`EvidenceError`."""
    return _validate(document)


def _too_long_numbers(data: Any, path: tuple[Any, ...] = ()) -> list[tuple[tuple[Any, ...], int]]:
    """Where a valid bundle holds an integer of more digits than Python writes, and how many digits."""
    if isinstance(data, dict):
        return [found for key, value in data.items() for found in _too_long_numbers(value, path + (key,))]
    if isinstance(data, list):
        return [found for index, value in enumerate(data) for found in _too_long_numbers(value, path + (index,))]
    limit = sys.get_int_max_str_digits()  # 0: no limit
    if isinstance(data, int) and not isinstance(data, bool) and limit and data.bit_length() > 3 * limit:
        digits = int(math.log10(abs(data))) + 1
        return [(path, digits)] if digits > limit else []
    return []


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
    if bundle.use_of_resources is not None:
        seen: dict[str, int] = {}
        for index, assessment in enumerate(bundle.use_of_resources.assessments):
            path = ("use_of_resources", "assessments", index, "body")
            if assessment.body not in ids:
                issues.append(
                    Issue(
                        "unknown-body",
                        f"this assessment is for body '{assessment.body}', which is not listed under 'bodies'",
                        document.locate(path, at_value=True),
                        f"use the id of a body listed under 'bodies': {_some(ids)}",
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
    issues += _reference_checks(bundle, document, ids)
    issues += _benchmark_checks(bundle, document)
    issues += history_issues(bundle, document)
    return _suggest(issues, ids)


def _benchmark_checks(bundle: EvidenceBundle, document: Document) -> list[Issue]:
    """An indicator's quartiles are values, lowest first: lower quartile <= median <= upper quartile."""
    issues: list[Issue] = []
    if bundle.indicator_set is None:
        return issues
    for index, indicator in enumerate(bundle.indicator_set.indicators):
        marks = indicator.benchmarks
        if marks is None:
            continue
        lower, median, upper = (normalise_number(v) for v in (marks.lower_quartile, marks.median, marks.upper_quartile))
        if lower <= median <= upper:
            continue
        wrong = "median" if lower > median else "upper_quartile"
        issues.append(
            Issue(
                "benchmarks-out-of-order",
                f"indicator '{indicator.code}' for body '{indicator.body}' has its benchmarks out of order: "
                f"lower quartile {marks.lower_quartile}, median {marks.median}, upper quartile {marks.upper_quartile}",
                document.locate(("indicator_set", "indicators", index, "benchmarks", wrong), at_value=True),
                "give the quartiles as values, lowest first (lower_quartile <= median <= upper_quartile), "
                "whichever way is better for the indicator",
            )
        )
    return issues


def _body_issue(document: Document, path: tuple[Any, ...], body: str, ids: dict[str, int], what: str) -> Issue:
    """An unknown body, without its did-you-mean: :func:`_suggest` adds that to the issues that are shown."""
    return Issue(
        "unknown-body",
        f"this {what} names body '{body}', which is not listed under 'bodies'",
        document.locate(path, at_value=True),
        f"use the id of a body listed under 'bodies': {_some(ids)}",
    )


def _some(names: Any, most: int = 10) -> str:
    """Names for a hint: all of a few, or the first few and how many more (1,000 ids help nobody)."""
    listed = list(names)
    if len(listed) <= most:
        return ", ".join(listed) or "none"
    return ", ".join(listed[:most]) + f" and {len(listed) - most:,} more"


_NAMED_BODY = re.compile(r"(?:names|is for) body '(.*)', which is not listed under 'bodies'$", re.S)


def _suggest(issues: list[Issue], ids: dict[str, int]) -> list[Issue]:
    """Add a did-you-mean to each unknown-body issue that will be shown, once per distinct name: a close
    match costs a comparison with every id, and thousands of misspellings times thousands of ids never end."""
    shown = sorted(issues, key=Issue.sort_key)[: EvidenceError.MAX_SHOWN]
    meant: dict[str, str] = {}
    better: dict[int, Issue] = {}
    for issue in shown:
        named = _NAMED_BODY.search(issue.message) if issue.code == "unknown-body" else None
        if named:
            body = named.group(1)
            if body not in meant:
                meant[body] = did_you_mean(body, ids)
            better[id(issue)] = replace(issue, message=issue.message + meant[body])
    return [better.get(id(issue), issue) for issue in issues]


def _duplicate_issue(document: Document, path: tuple[Any, ...], first: tuple[Any, ...], code: str, what: str) -> Issue:
    line = document.locate(first, at_value=True).line
    where = f" (the first at line {line})" if line else ""
    return Issue(code, f"{what} is given twice{where}", document.locate(path, at_value=True), "give each one once")


def _reference_checks(bundle: EvidenceBundle, document: Document, ids: dict[str, int]) -> list[Issue]:
    """Every body, risk-register entry and id an item names exists, and nothing is given twice."""
    issues: list[Issue] = []
    if bundle.indicator_set is not None:
        seen: dict[tuple[str, str], tuple[Any, ...]] = {}
        for index, indicator in enumerate(bundle.indicator_set.indicators):
            path = ("indicator_set", "indicators", index)
            if indicator.body not in ids:
                issues.append(_body_issue(document, path + ("body",), indicator.body, ids, "indicator"))
            key = (indicator.body, indicator.code)
            if key in seen:
                issues.append(
                    _duplicate_issue(
                        document,
                        path + ("code",),
                        seen[key] + ("code",),
                        "duplicate-indicator",
                        f"indicator '{indicator.code}' for body '{indicator.body}'",
                    )
                )
            seen.setdefault(key, path)
    if bundle.direction_of_travel is not None:
        for index, milestone in enumerate(bundle.direction_of_travel.milestones):
            if milestone.body not in ids:
                at = ("direction_of_travel", "milestones", index, "body")
                issues.append(_body_issue(document, at, milestone.body, ids, "milestone"))
    if bundle.risk_assessment is not None:
        risk = bundle.risk_assessment
        entries: dict[str, tuple[Any, ...]] = {}
        for index, entry in enumerate(risk.risk_register):
            at_entry: tuple[Any, ...] = ("risk_assessment", "risk_register", index)
            if entry.id in entries:
                issues.append(
                    _duplicate_issue(
                        document,
                        at_entry + ("id",),
                        entries[entry.id] + ("id",),
                        "duplicate-risk",
                        f"risk '{entry.id}'",
                    )
                )
            entries.setdefault(entry.id, at_entry)
        items: dict[str, tuple[Any, ...]] = {}
        listed: list[tuple[str, int, Outcome | Innovation]] = [("outcomes", i, o) for i, o in enumerate(risk.outcomes)]
        listed += [("innovations", i, o) for i, o in enumerate(risk.innovations)]
        for section, index, item in listed:
            at_item: tuple[Any, ...] = ("risk_assessment", section, index)
            what = "outcome" if section == "outcomes" else "innovation"
            if item.id in items:
                issues.append(
                    _duplicate_issue(
                        document,
                        at_item + ("id",),
                        items[item.id] + ("id",),
                        "duplicate-outcome",
                        f"id '{item.id}' (outcomes and innovations share one set of ids)",
                    )
                )
            items.setdefault(item.id, at_item)
            if item.body not in ids:
                issues.append(_body_issue(document, at_item + ("body",), item.body, ids, what))
            if item.risk is not None and item.risk not in entries:
                known = _some(entries)
                issues.append(
                    Issue(
                        "unknown-risk",
                        f"this {what} cites risk '{item.risk}', which is not in the risk register"
                        f"{did_you_mean(item.risk, entries)}",
                        document.locate(at_item + ("risk",), at_value=True),
                        f"use the id of an entry under risk_assessment.risk_register (known: {known})",
                    )
                )
    scored: dict[tuple[str, str], tuple[Any, ...]] = {}
    for index, own in enumerate(bundle.self_assessments):
        at_own: tuple[Any, ...] = ("self_assessments", index)
        if own.body not in ids:
            issues.append(_body_issue(document, at_own + ("body",), own.body, ids, "self-assessment"))
        key = (own.body, own.element)
        if key in scored:
            line = document.locate(scored[key] + ("element",), at_value=True).line
            issues.append(
                Issue(
                    "duplicate-self-assessment",
                    f"body '{own.body}' assessed itself on '{own.element}' twice"
                    + (f" (the first at line {line})" if line else ""),
                    document.locate(at_own + ("element",), at_value=True),
                    "keep one self-assessment per body and element",
                )
            )
        scored.setdefault(key, at_own)
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
    """Where the value at ``path`` came from, as a fact's origin: ``file:line``, or ``name:key.path`` for a
    bundle given as data.  The common cases (a value written in the file; data, which has no marks) are read
    straight off; anything else is located as an error would be."""
    marks = document.marks
    mark = marks.get(path)
    if mark is not None:
        return f"{document.file}:{mark.line}"
    if not marks and path:
        return f"{document.file}:{key_path(path)}"
    loc = document.locate(path, at_value=True)
    return f"{loc.file}:{loc.line}" if loc.line else str(loc)


def bundle_facts(
    loaded: LoadedBundle,
    tables: dict[str, dict[str, Any]],
    elements: tuple[str, ...] | None = None,
    earlier: Sequence[EarlierValue] = (),
    period: str | None = None,
) -> list[Fact]:
    """The input facts of a bundle, joined with the rule files' tables.

    ``elements`` are the elements the rules judge; a self-assessment of any other is an error.  ``earlier``:
    indicators' values in earlier periods from outside the bundle (the ledger), merged with its ``history``
    (evidence/history.py), for the bundle's ``period`` (when the rules said which).
    Raises :class:`EvidenceError` for a code missing from a table (an unknown KLOE), a value the
    table contradicts, an unknown element, or an earlier value the bundle gives differently.
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
                {"name": body.name, "kind": body.kind, "lead": body.lead},
                {
                    "id": _at(doc, base + ("id",)),
                    "name": _at(doc, base + ("name",)),
                    "kind": _at(doc, base + ("kind",)),
                    "lead": _at(doc, base + ("lead",)),
                },
                base,
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
    facts += _element_facts(bundle, doc)
    # The period the rules judge the bundle for counts only with earlier values from outside (which it selects):
    # a bundle's own history is read against the bundle's own period, as it always was.
    facts += history_facts(bundle, doc, _at, earlier, period if earlier else None)
    issues = _check_elements(bundle, doc, elements) if elements is not None else []
    if earlier:
        facts = with_earlier_previous(facts, bundle, earlier, period)
        issues += earlier_issues(bundle, doc, earlier, period)
    for fact in facts:
        table = tables.get(fact.type)
        if table is not None:
            issues += _join_table(fact, table, doc)
    issues += _leads_not_councils(facts, tables, doc)
    if issues:
        raise EvidenceError(issues)
    return facts


def _leads_not_councils(facts: list[Fact], tables: dict[str, dict[str, Any]], doc: Document) -> list[Issue]:
    """Only a council may lead the area. Which kinds of body are councils is the rules' table for 'body'
    (its ``council`` column); without one, nothing here says what a council is."""
    table = tables.get("body")
    if table is None:
        return []
    issues = []
    for index, fact in enumerate(f for f in facts if f.type == "body"):
        if fact.fields["lead"] and fact.fields.get("council") is False:
            issues.append(
                Issue(
                    "lead-not-council",
                    f"only a council can be the lead body, and kind '{fact.fields['kind']}' is not a council",
                    doc.locate(("bodies", index, "lead"), at_value=True),
                    f"mark a council as lead (which kinds are councils: {table['file']}:{table['line']})",
                )
            )
    return issues


def _check_elements(bundle: EvidenceBundle, doc: Document, elements: tuple[str, ...]) -> list[Issue]:
    """A self-assessment must name an element the rules judge."""
    issues = []
    for index, own in enumerate(bundle.self_assessments):
        if own.element not in elements:
            issues.append(
                Issue(
                    "unknown-element",
                    f"no rule set judges element '{own.element}'{did_you_mean(own.element, elements)}",
                    doc.locate(("self_assessments", index, "element"), at_value=True),
                    f"elements the rules judge: {', '.join(elements)}",
                )
            )
    return issues


def _join_table(fact: Fact, table: dict[str, Any], doc: Document) -> list[Issue]:
    """Fill a fact's fields from its row of a rule file's table (a catalogue).

    A key not in the table is an error unless the table lets the evidence give the row itself
    (``unlisted_need``) and it does; a value the evidence gives that the table contradicts is an error.
    """
    key = fact.fields.get(table["key"])
    row = table["rows"].get(str(key))
    label = table["label"]
    where = f"{table['file']}:{table['line']}"
    if row is None:
        missing = [name for name in table["unlisted_need"] if fact.fields.get(name) is None]
        if table["unlisted_need"] and not missing:
            return []
        known = ", ".join(table["rows"])
        if table["unlisted_need"]:
            hint = f"give its {' and '.join(missing)} in the bundle, or add it to the catalogue ({where})"
        else:
            hint = f"known {plural_of(label)} ({where}): {known}"
        # A catalogue of the facts themselves, by code (KLOEs, indicators), or of a field of theirs (a body's kind).
        of_facts = table["key"] == "code"
        return [
            Issue(
                f"unknown-{fact.type}" if of_facts else f"unknown-{table['key']}",
                f"{label} '{key}' is not in the catalogue{_same_code(str(key), table['rows'])}",
                doc.locate(fact.path if of_facts and not table["unlisted_need"] else fact.path + (table["key"],)),
                hint,
            )
        ]
    issues = []
    row_line = table.get("row_lines", {}).get(str(key))
    at_row = f"{table['file']}:{row_line}" if row_line else where
    for column, value in row.items():
        given = fact.fields.get(column)
        if given is not None and given != value:
            issues.append(
                Issue(
                    "catalogue-conflict",
                    f"{label} '{key}' has {column} {safe_repr(value)} in the catalogue, but the bundle gives "
                    f"{safe_repr(given)}",
                    doc.locate(fact.path + (column,), at_value=True),
                    f"leave '{column}' out (the catalogue at {at_row} gives it), or correct the catalogue",
                )
            )
            continue
        if given is None:
            fact.fields[column] = value
            fact.origin[column] = at_row
    return issues


def _number(value: Any) -> Any:
    return None if value is None else normalise_number(value)


def _element_facts(bundle: EvidenceBundle, doc: Document) -> list[Fact]:
    """Facts for the indicator set, direction of travel, risk assessment and self-assessments."""
    facts: list[Fact] = []

    def add(type_name: str, fact_id: str, path: tuple[Any, ...], fields: dict[str, Any], at: dict[str, Any]) -> None:
        origin = {name: _at(doc, path + at.get(name, (name,))) for name in fields}
        facts.append(Fact(type_name, fact_id, fields, origin, path))

    if bundle.indicator_set is not None:
        for index, ind in enumerate(bundle.indicator_set.indicators):
            marks = ind.benchmarks
            add(
                "indicator",
                f"{ind.body}/indicator/{ind.code}",
                ("indicator_set", "indicators", index),
                {
                    "body": ind.body,
                    "code": ind.code,
                    "title": ind.title,
                    "polarity": ind.polarity,
                    "unit": ind.unit,
                    "value": normalise_number(ind.value),
                    "target": _number(ind.target),
                    "previous": _number(ind.previous),
                    "lower_quartile": _number(marks.lower_quartile) if marks else None,
                    "median": _number(marks.median) if marks else None,
                    "upper_quartile": _number(marks.upper_quartile) if marks else None,
                },
                {name: ("benchmarks", name) for name in ("lower_quartile", "median", "upper_quartile")},
            )
    if bundle.direction_of_travel is not None:
        for index, milestone in enumerate(bundle.direction_of_travel.milestones):
            add(
                "milestone",
                f"{milestone.body}/milestone/{index + 1}",
                ("direction_of_travel", "milestones", index),
                {"body": milestone.body, "title": milestone.title, "delivered": milestone.delivered},
                {},
            )
    if bundle.risk_assessment is not None:
        risk = bundle.risk_assessment
        for index, entry in enumerate(risk.risk_register):
            add(
                "risk",
                entry.id,
                ("risk_assessment", "risk_register", index),
                {
                    "title": entry.title,
                    "recorded_on": entry.recorded_on,
                    "mitigations": len(entry.mitigations),
                    "contingency": entry.contingency is not None,
                    "exposure": entry.exposure,
                    "appetite_approved_by": entry.appetite_approved_by,
                    "early_warning_indicators": len(entry.early_warning_indicators),
                    "monitoring_acted_on": entry.monitoring_acted_on,
                    "lessons_captured": entry.lessons_captured,
                    "lessons_shared": entry.lessons_shared,
                },
                {},
            )
        groups: tuple[tuple[str, str, list[Outcome] | list[Innovation]], ...] = (
            ("outcomes", "priority", risk.outcomes),
            ("innovations", "innovation", risk.innovations),
        )
        for section, kind, entries in groups:
            for index, item in enumerate(entries):
                path = ("risk_assessment", section, index)
                fields = {
                    "body": item.body,
                    "kind": kind,
                    "title": item.title,
                    "status": item.status,
                    "vulnerable": item.vulnerable,
                    "known_issue": getattr(item, "known_issue", False),
                    "action_in_place": getattr(item, "action_in_place", False),
                    "learning_shared": getattr(item, "learning_shared", False),
                    "fraud_found": item.fraud_found,
                    "negligence_found": item.negligence_found,
                    "started_on": item.started_on,
                    "risk": item.risk,
                }
                add("outcome", item.id, path, fields, {"kind": ("id",)})
    for index, own in enumerate(bundle.self_assessments):
        add(
            "self_assessment",
            f"{own.body}/self_assessment/{own.element}",
            ("self_assessments", index),
            {"body": own.body, "element": own.element, "score": own.score},
            {},
        )
    return facts
