"""Evaluate one evidence bundle against a prepared plan, emitting audit events.

The session owns what both backends share: it builds the fact store, computes
measures (aggregates) stratum by stratum, computes each rule's operands
exactly, asks the backend which rules match, resolves conflicts (priority,
then file order), applies effects, and records one audit event per measure
computed and per rule fired.  The result is a view over those events.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction
from typing import Any, Literal

from .audit.events import EventRecord, plain, spoken
from .backends.base import Backend, MatchFact, PreparedPlan
from .compile import Plan, PlanMeasure, PlanRule
from .errors import EngineError
from .evaluate import Compiled, FactStore, Read, Scope, compile_expression
from .facts import Fact

__all__ = ["Outcome", "Program", "run_session", "INT64"]

INT64 = 2**63 - 1


@dataclass
class Candidate:
    rule: PlanRule
    subject: Fact
    event: EventRecord
    label: str | None = None  # for a classification: the label the rule gives


@dataclass
class Outcome:
    """What one assessment produced, before it is shaped into a result."""

    store: FactStore
    events: list[EventRecord]  # each event in its JSON form; Result.audit gives them as AuditEvent models
    judgements: dict[str, dict[str, Fact]] = field(default_factory=dict)  # element -> subject id -> judgement fact
    flags: list[Fact] = field(default_factory=list)
    notes: list[Fact] = field(default_factory=list)
    # (companion type, subject id) -> {field: the event that gave it}: classifications and per-fact measures
    findings: dict[tuple[str, str], dict[str, EventRecord]] = field(default_factory=dict)


@dataclass(frozen=True)
class _Operand:
    left: Compiled
    right: Compiled
    fields: tuple[str, str, str]  # the match fact's fields for it: whether valid, the left and the right integer


@dataclass(frozen=True)
class _Rule:
    """A plan rule with its expressions compiled (see ``compile_expression``)."""

    plan: PlanRule
    header: EventRecord  # what every event of this rule says about the rule itself
    params: list[dict[str, Any]]
    condition: Compiled
    operands: tuple[_Operand, ...]
    templates: tuple[tuple[str, Compiled], ...]
    fields: tuple[tuple[str, str], ...]  # (match fact field, subject field) the match condition reads directly


@dataclass(frozen=True)
class _Measure:
    plan: PlanMeasure
    header: EventRecord
    params: list[dict[str, Any]]
    value: Compiled
    when: Compiled | None
    read: tuple[str, ...]  # for a grouped measure: the fields of the measured facts it reads


class Program:
    """Every expression of a plan compiled once, for as many sessions as there are bundles."""

    def __init__(self, plan: Plan):
        types = plan.fact_types
        self.rules: dict[str, _Rule] = {}
        for rule in plan.rules:
            per = rule.per
            self.rules[rule.id] = _Rule(
                rule,
                _header("rule", rule),
                _params(rule),
                compile_expression(rule.condition, types, per),
                tuple(
                    _Operand(
                        compile_expression(op.left, types, per),
                        compile_expression(op.right, types, per),
                        _operand_names(op.key),
                    )
                    for op in rule.operands
                ),
                tuple((text, compile_expression(expr, types, per)) for text, expr in rule.templates),
                tuple((f"f_{name}", name) for name in rule.fields if name != "id"),
            )
        self.measures: dict[str, _Measure] = {}
        for measure in plan.measures:
            self.measures[measure.id] = _Measure(
                measure,
                _header("measure", measure),
                _params(measure),
                compile_expression(measure.value, types, measure.per),
                compile_expression(measure.when, types, measure.per) if measure.when is not None else None,
                tuple(_fields_read(measure)) if measure.per is None else (),
            )


def run_session(
    plan: Plan, prepared: PreparedPlan, backend: Backend, facts: list[Fact], program: Program | None = None
) -> Outcome:
    """Run every stratum of ``plan`` over ``facts`` (``program``: the plan compiled, if already at hand).

    Raises :class:`EngineError` if the backend fails or disagrees with the
    exact evaluation of a condition.
    """
    if program is None:
        program = Program(plan)
    store = FactStore(plan.fact_types)
    for fact in facts:
        store.add(fact)
    outcome = Outcome(store, [])
    candidates: dict[str, list[Candidate]] = {}
    with backend.open(prepared) as matcher:
        for stratum in plan.strata:
            for element in stratum.resolve:
                _resolve(plan, element, candidates.pop(element, []), outcome)
            for measure in stratum.measures:
                if measure.per is not None:
                    _compute_per_fact(program.measures[measure.id], store, outcome)
                else:
                    _compute_measure(program.measures[measure.id], store, outcome)
            if not stratum.rules:
                continue
            # No fact a rule of this stratum reads changes until the next one (that is what strata are), so an
            # aggregate several of its rules or subjects take is taken once.
            memo: dict[Any, Any] = {}
            match_facts = _match_facts(stratum.rules, store, program, memo)
            fired = matcher.match(stratum.index, match_facts)
            for rule in stratum.rules:  # file order, then subject id: the audit order
                compiled = program.rules[rule.id]
                for subject in store.of(rule.per):
                    if (rule.id, subject.id) in fired:
                        _fire(compiled, subject, store, outcome, candidates, memo)
    for element in sorted(candidates):
        _resolve(plan, element, candidates[element], outcome)
    return outcome


def _compute_per_fact(compiled: _Measure, store: FactStore, outcome: Outcome) -> None:
    """One value per fact of the measure's 'per' type, kept on the fact's companion (``into.field``)."""
    measure = compiled.plan
    assert measure.per is not None
    where = f"{measure.file}:{measure.line}"
    for subject in list(store.of(measure.per)):
        trace: list[Read] = []
        scope = Scope(store, subject=subject, trace=trace)
        if compiled.when is not None and compiled.when(scope) is not True:
            continue
        value = compiled.value(scope)
        effect: dict[str, Any] = {"fact": measure.into, "per": measure.per}
        if value is None and measure.if_unknown is not None:
            value = measure.if_unknown
            effect["unknown"] = f"the value is unknown, so if_unknown gives {json.dumps(plain(value))}"
        if isinstance(value, Fraction) and value.denominator == 1:
            value = int(value)
        effect[measure.field] = plain(value)
        companion = store.get(measure.into, subject.id)
        if companion is None:
            fields: dict[str, Any] = {measure.per: subject.id}
            if measure.per != "body" and "body" in subject.fields:
                fields["body"] = subject.fields["body"]
            origin = {name: subject.origin.get(name, where) for name in fields}
            origin[measure.per] = subject.origin.get("id", where)
            companion = Fact(measure.into, subject.id, fields, origin)
            store.add(companion)
        companion.fields[measure.field] = value
        companion.origin[measure.field] = where
        event = _event(compiled, subject.id, subject.body(), _inputs(trace), effect)
        outcome.events.append(event)
        outcome.findings.setdefault((measure.into, subject.id), {})[measure.field] = event


def _inputs(trace: list[Read]) -> list[dict[str, Any]]:
    """Each value read once, in the order first read."""
    inputs: dict[tuple[str, str], dict[str, Any]] = {}
    for read in trace:
        key = (read.name, read.fact)
        if key not in inputs:
            inputs[key] = _input(read)
    return list(inputs.values())


def _compute_measure(compiled: _Measure, store: FactStore, outcome: Outcome) -> None:
    measure = compiled.plan
    assert measure.from_type is not None
    from_type = measure.from_type
    read = compiled.read
    groups: dict[tuple[Any, ...], list[Fact]] = {}
    for fact in store.of(from_type):
        key = tuple(fact.get(k) for k in measure.group_by)
        if any(part is None for part in key):
            continue  # a fact without a group key belongs to no group
        groups.setdefault(key, []).append(fact)
    for key in sorted(groups, key=lambda k: tuple(str(p) for p in k)):
        members = groups[key]
        trace: list[Read] = []
        scope = Scope(store, subject=None, group=(from_type, members), trace=trace)
        value = compiled.value(scope)
        unknown = value is None and measure.if_unknown is not None
        if unknown:
            value = measure.if_unknown
        fields = dict(zip(measure.group_by, key, strict=True))
        if isinstance(value, Fraction) and value.denominator == 1:
            value = int(value)
        fields[measure.field] = value
        fact_id = _derived_id(measure.into, measure.group_by, key)
        where = f"{measure.file}:{measure.line}"
        origin = {name: where for name in fields}
        for name in measure.group_by:
            origin[name] = members[0].origin.get(name, where)
        fact = Fact(measure.into, fact_id, fields, origin)
        store.add(fact)
        inputs = [
            {
                "name": f"{from_type}.{name}",
                "value": plain(m.get(name)),
                "source": m.origin.get(name, ""),
                "fact": m.id,
                "facts": [],
            }
            for m in members
            for name in read
        ]
        outcome.events.append(
            _event(
                compiled,
                fact_id,
                fact.body(),
                inputs + [_input(r) for r in trace],
                {"fact": measure.into, measure.field: plain(value)}
                | (
                    {"unknown": f"the value is unknown, so if_unknown gives {json.dumps(plain(value))}"}
                    if unknown
                    else {}
                ),
            )
        )


def _header(kind: Literal["measure", "rule"], node: PlanMeasure | PlanRule) -> EventRecord:
    """What every event of ``node`` says about the node: what ran, where it is written, what it says."""
    return {
        "kind": kind,
        "id": node.id,
        "ruleset": node.ruleset,
        "element": node.element,
        "source": {"file": node.file, "line": node.line},
        "description": " ".join(node.description.split()),
        "expression": node.text,
        "citation": node.citation,
    }


def _params(node: PlanMeasure | PlanRule) -> list[dict[str, Any]]:
    return [{"name": p.name, "value": plain(p.value), "source": p.location} for p in node.params]


def _event(
    node: _Rule | _Measure,
    subject: str,
    body: str | None,
    inputs: list[dict[str, Any]],
    effect: dict[str, Any],
    priority: int | None = None,
) -> EventRecord:
    """One audit event, in its JSON form: what ran (and where it is written), on what, reading what, doing
    what.  The keys are AuditEvent's fields, in their order (tests/test_speed_paths.py holds the two equal)."""
    event = dict(node.header)
    event["subject"] = subject
    event["body"] = body
    event["priority"] = priority
    event["inputs"] = inputs
    event["params"] = node.params
    event["effect"] = effect
    event["status"] = "applied"
    event["overridden_by"] = None
    return event


def _fields_read(measure: PlanMeasure) -> list[str]:
    """The fields of the measured facts that the value reads, in the order it reads them."""
    from .rules.expr import Ref, walk

    names: list[str] = []
    for node in walk(measure.value):
        if isinstance(node, Ref) and len(node.parts) == 2 and node.parts[0] == measure.from_type:
            if node.parts[1] not in names:
                names.append(node.parts[1])
    return names or ["id"]


def _input(read: Read) -> dict[str, Any]:
    """A value read, as an input of an event's JSON form (``among`` only for a share)."""
    entry = {"name": read.name, "value": plain(read.value), "source": read.source, "fact": read.fact}
    entry["facts"] = list(read.facts)
    if read.among:
        entry["among"] = list(read.among)
    return entry


def _derived_id(into: str, group_by: tuple[str, ...], key: tuple[Any, ...]) -> str:
    parts = [str(p) for p in key]
    if group_by and group_by[0] == "body":
        return "/".join([parts[0], into, *parts[1:]])
    return "/".join([into, *parts])


def _match_facts(
    rules: tuple[PlanRule, ...], store: FactStore, program: Program | None = None, memo: dict[Any, Any] | None = None
) -> list[MatchFact]:
    """One flat fact per (match group, subject): the subject's fields read directly plus exact operands."""
    if program is None:
        program = Program(_plan_of(rules, store))
    out: dict[tuple[str, str], dict[str, Any]] = {}
    for rule in rules:
        compiled = program.rules[rule.id]
        group = rule.group
        for subject in store.of(rule.per):
            # durable-rules takes a fact's 'id' as its identity, so each match fact gets its own
            # (type + subject) and the subject travels as 'subject'.
            fact = out.get((group, subject.id))
            if fact is None:
                fact = out[(group, subject.id)] = {"type": group, "id": f"{group}:{subject.id}", "subject": subject.id}
            fields = subject.fields
            for key, name in compiled.fields:
                fact[key] = fields.get(name)
            if compiled.operands:
                scope = Scope(store, subject=subject, memo=memo)
                for operand in compiled.operands:
                    _put_operand(fact, operand.fields, operand.left(scope), operand.right(scope))
    return [out[key] for key in sorted(out)]


def _plan_of(rules: tuple[PlanRule, ...], store: FactStore) -> Plan:
    """A plan holding just ``rules`` (for callers that have no compiled program at hand)."""
    from .compile import Stratum

    return Plan((), store.fact_types, {}, (Stratum(0, (), (), rules),), "")


def _operand_names(key: str) -> tuple[str, str, str]:
    return f"{key}v", f"{key}l", f"{key}r"


def _put_operand(fact: dict[str, Any], fields: tuple[str, str, str], left: Any, right: Any) -> None:
    """Two integers (or texts/booleans) whose comparison equals the exact comparison of left and right.

    Numbers are cross-multiplied.  Where a product leaves int64 (what durable-rules compares), the
    session compares the two exactly itself and hands over the sign of the difference and 0, which
    every operator compares the same way: a rule's large or very precise number is never an error.
    """
    valid, low, high = fields
    if left is None or right is None:
        fact[valid] = fact[low] = fact[high] = 0
        return
    if type(left) is int and type(right) is int and -INT64 <= left <= INT64 and -INT64 <= right <= INT64:
        fact[valid], fact[low], fact[high] = 1, left, right  # the commonest case: two integers, as they are
        return
    if isinstance(left, date) and isinstance(right, date):
        left, right = left.toordinal(), right.toordinal()  # a day number: backends compare integers
    elif isinstance(left, (int, Fraction)) and not isinstance(left, bool):
        a, b = left, right
        left, right = a.numerator * b.denominator, b.numerator * a.denominator
        if left > INT64 or -left > INT64 or right > INT64 or -right > INT64:
            a, b = Fraction(a), Fraction(b)
            left, right = (a > b) - (a < b), 0
    fact[valid], fact[low], fact[high] = 1, left, right


def _operand_fields(key: str, left: Any, right: Any) -> dict[str, Any]:
    """The fields ``_put_operand`` gives one operand, as a dict (for tests and callers without a program)."""
    fact: dict[str, Any] = {}
    _put_operand(fact, _operand_names(key), left, right)
    return fact


def _fire(
    compiled: _Rule,
    subject: Fact,
    store: FactStore,
    outcome: Outcome,
    candidates: dict[str, list[Candidate]],
    memo: dict[Any, Any] | None = None,
) -> None:
    rule = compiled.plan
    trace: list[Read] = []
    verdict = compiled.condition(Scope(store, subject=subject, trace=trace, memo=memo))
    if verdict is not True:
        raise EngineError(f"backend fired rule '{rule.id}' on '{subject.id}' but its condition is {verdict!r}")
    inputs = _inputs(trace)
    effect: dict[str, Any] = {}
    rendered: dict[str, str] = {}
    if compiled.templates:
        scope = Scope(store, subject=subject, memo=memo)
        rendered = {text: spoken(expr(scope)) for text, expr in compiled.templates}
    body = subject.body()
    where = f"{rule.file}:{rule.line}"
    if rule.score is not None:
        effect.update({"score": rule.score, "label": rule.label})
    if rule.cap is not None:
        effect.update({"cap": rule.cap, "label": rule.label})
    if rule.classify:
        effect["classify"] = dict(rule.classify)
    for fact_type, effect_spec, text_field in (("flag", rule.flag, "reason"), ("note", rule.note, "text")):
        if effect_spec is None:
            continue
        # A folded (>) reason ends in a newline: the text is one line.
        kind, text = effect_spec[0], _render(effect_spec[1], rendered).strip()
        fields = {"kind": kind, "subject": subject.id, "rule": rule.id, text_field: text, "body": body}
        if fact_type == "flag":
            fields["colour"] = effect_spec[2]  # type: ignore[misc]
        effect[fact_type] = dict(fields)
        for name in ("subject", "rule", "body"):
            del effect[fact_type][name]
        if subject.type in store.fact_types[fact_type].fields:
            fields[subject.type] = subject.id  # so rules can read through the flag to its subject
        raised = Fact(fact_type, f"{subject.id}/{fact_type}/{rule.id}", fields, dict.fromkeys(fields, where))
        store.add(raised)
        (outcome.flags if fact_type == "flag" else outcome.notes).append(raised)
    event = _event(compiled, subject.id, body, inputs, effect, rule.priority)
    outcome.events.append(event)
    if rule.score is not None or rule.cap is not None:
        candidates.setdefault(rule.element, []).append(Candidate(rule, subject, event))
    for name, label in rule.classify:
        candidates.setdefault(name, []).append(Candidate(rule, subject, event, label))


def _render(template: str, values: dict[str, str]) -> str:
    from .rules.check import TEMPLATE_FIELD

    return TEMPLATE_FIELD.sub(lambda m: values.get(m.group(1), m.group(0)), template)


def _resolve(plan: Plan, settled_type: str, candidates: list[Candidate], outcome: Outcome) -> None:
    """Settle each subject's score (or label): highest priority, then earliest in file order.

    A rule with ``cap`` does not compete: the settled score is the lowest of the winner's score and
    every cap that fired, and the judgement names the cap that held it down.
    """
    by_subject: dict[str, list[Candidate]] = {}
    for candidate in candidates:
        by_subject.setdefault(candidate.subject.id, []).append(candidate)
    classification = plan.classifications.get(settled_type)
    settled = outcome.judgements.setdefault(settled_type, {})
    for subject_id in sorted(by_subject):
        caps = sorted(
            (c for c in by_subject[subject_id] if c.rule.cap is not None), key=lambda c: (c.rule.cap, c.rule.order)
        )
        ranked = sorted(
            (c for c in by_subject[subject_id] if c.rule.cap is None), key=lambda c: (-c.rule.priority, c.rule.order)
        )
        if not ranked:
            for cap in caps:
                cap.event["status"] = "overridden"  # nothing to cap
            continue
        winner = ranked[0]
        for loser in ranked[1:]:
            loser.event["status"] = "overridden"
            loser.event["overridden_by"] = winner.rule.id
        rule = winner.rule
        where = f"{rule.file}:{rule.line}"
        subject = winner.subject
        fields: dict[str, Any]
        if classification is not None:
            fields = {classification: subject_id, "label": winner.label, "rule": rule.id}
            if classification != "body" and "body" in subject.fields:
                fields["body"] = subject.fields["body"]
            fact = Fact(settled_type, subject_id, fields, {name: where for name in fields})
            outcome.findings.setdefault((settled_type, subject_id), {})["label"] = winner.event
        else:
            score, label = rule.score, rule.label
            fields = {"score": score, "label": label, "rule": rule.id}
            binding = (
                caps[0]
                if caps and score is not None and caps[0].rule.cap is not None and caps[0].rule.cap < score
                else None
            )
            for cap in caps:
                if cap is not binding:
                    cap.event["status"] = "overridden"
                    cap.event["overridden_by"] = rule.id if binding is None else binding.rule.id
            if binding is not None:
                fields.update(score=binding.rule.cap, label=binding.rule.label)
                fields["uncapped"] = score
                fields["capped_by"] = binding.rule.id
            if rule.scope == "body":
                fields = {"body": subject_id, **fields}
            fact = Fact(settled_type, subject_id, fields, {name: where for name in fields})
            if settled_type in plan.combined:
                collected = {
                    "element": settled_type,
                    "scope": rule.scope,
                    "body": subject_id if rule.scope == "body" else None,
                    "score": fields["score"],
                    "label": fields["label"],
                    "rule": fields["rule"],
                }
                outcome.store.add(
                    Fact("judgement", f"{settled_type}/{subject_id}", collected, {k: where for k in collected})
                )
        outcome.store.add(fact)
        settled[subject_id] = fact
