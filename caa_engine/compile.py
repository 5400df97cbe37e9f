"""Rule model -> backend-neutral plan.

A :class:`Plan` is what both backends consume; neither re-reads YAML.  For each
rule the compiler splits the condition in two:

* **operands**: every value a backend cannot read straight off the subject fact
  (aggregates, arithmetic, decimals, nullable fields).  The session computes
  them exactly (fractions) and, for each comparison, hands the backend two
  *integers* obtained by cross-multiplying, so a backend only ever compares
  integers, text and booleans and can never disagree through float rounding;
* a **match condition** in negation normal form over one flat *match fact*:
  comparisons of a field with a constant or with another field, ``all``/``any``.

Measures and rules are ordered into **strata** derived from what each reads
and writes, so an aggregate only ever reads facts that are final.  A rule set
where no such order exists (a cycle) is refused.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from typing import Any, Union

from .errors import Issue, RuleError
from .facts import FactType, normalise_number
from .rules.check import CheckedRule, CheckedRules, check_rules, conjuncts
from .rules.expr import Arith, BoolOp, Call, Compare, Const, Expr, ListLit, Neg, Not, Ref
from .rules.loader import LoadedRuleSet, load_rule_files

__all__ = [
    "Cmp",
    "AllOf",
    "AnyOf",
    "Always",
    "MatchCondition",
    "Operand",
    "ParamRef",
    "PlanMeasure",
    "PlanRule",
    "Stratum",
    "RuleSetInfo",
    "Plan",
    "compile_rules",
    "load_plan",
    "NEGATED",
]

NEGATED = {"==": "!=", "!=": "==", "<": ">=", ">=": "<", ">": "<=", "<=": ">"}
FLIPPED = {"==": "==", "!=": "!=", "<": ">", ">": "<", "<=": ">=", ">=": "<="}
MAX_FIELDS_PER_MATCH_FACT = 240  # durable-rules allows 252 properties a fact
MATCH_FACT_BASE_FIELDS = 3  # every match fact carries type, id and subject before any rule's fields


@dataclass(frozen=True)
class Cmp:
    """``fact[field] op value`` — or ``op fact[other]`` when ``is_field``."""

    field: str
    op: str
    value: Any
    is_field: bool = False


@dataclass(frozen=True)
class AllOf:
    items: tuple[MatchCondition, ...]


@dataclass(frozen=True)
class AnyOf:
    items: tuple[MatchCondition, ...]


@dataclass(frozen=True)
class Always:
    value: bool


MatchCondition = Union[Cmp, AllOf, AnyOf, Always]


@dataclass(frozen=True)
class Operand:
    """One comparison the session evaluates into integer fields ``{key}l``/``{key}r``/``{key}v``."""

    key: str
    left: Expr
    right: Expr


@dataclass(frozen=True)
class ParamRef:
    ruleset: str
    name: str
    value: Any
    location: str


@dataclass(frozen=True)
class PlanMeasure:
    id: str
    ruleset: str
    element: str
    description: str
    citation: str
    file: str
    line: int
    order: int
    from_type: str | None  # a grouped measure aggregates facts of this type
    group_by: tuple[str, ...]
    value: Expr
    into: str
    field: str
    params: tuple[ParamRef, ...]
    stratum: int = 0
    text: str = ""  # the value expression as written, for the audit trail
    per: str | None = None  # a per-fact measure derives one value for each fact of this type
    when: Expr | None = None  # ... where this holds
    if_unknown: Any = None  # the value taken when the value is unknown


@dataclass(frozen=True)
class PlanRule:
    id: str
    ruleset: str
    element: str
    scope: str
    description: str
    citation: str
    file: str
    line: int
    order: int
    per: str
    priority: int
    condition: Expr  # the original AST, params folded, for the audit trail
    match: MatchCondition
    operands: tuple[Operand, ...]
    fields: tuple[str, ...]  # subject fields the match condition reads directly
    score: int | None
    label: str | None
    flag: tuple[str, str, str | None] | None  # (kind, reason template, colour)
    note: tuple[str, str] | None  # (kind, text template)
    templates: tuple[tuple[str, Expr], ...]
    params: tuple[ParamRef, ...]
    stratum: int = 0
    group: str = ""  # the match-fact type this rule matches
    text: str = ""  # the condition as written, for the audit trail
    cap: int | None = None  # the highest score the subject may have
    classify: tuple[tuple[str, str], ...] = ()  # (classification, label)
    # For reasons in words (caa_engine/wording.py): the placeholders of the description and 'short_of' texts
    # (text, expr with params folded, whether it is a parameter written as a percentage), the 'short_of' texts,
    # and the parts of the condition joined by 'and' (params folded) that they speak for.
    words: tuple[tuple[str, Expr, bool], ...] = ()
    short_of: tuple[str, ...] = ()
    conjuncts: tuple[Expr, ...] = ()

    @property
    def settles(self) -> tuple[str, ...]:
        """The judgement and classification types this rule is a candidate for."""
        own = (self.element,) if self.score is not None or self.cap is not None else ()
        return own + tuple(name for name, _ in self.classify)


@dataclass(frozen=True)
class Stratum:
    index: int
    resolve: tuple[str, ...]  # judgement fact types to settle before this stratum runs
    measures: tuple[PlanMeasure, ...]
    rules: tuple[PlanRule, ...]


@dataclass(frozen=True)
class RuleSetInfo:
    ruleset: str
    element: str | None  # none for a file of reference data
    title: str
    version: str
    scope: str
    file: str
    sha256: str
    scale: dict[int, str]
    combines: tuple[str, ...] = ()
    # name -> exact value (an int or a Fraction: "75%" is 3/4), as the rules compare it
    parameters: dict[str, Any] = field(default_factory=dict)
    periods: str | None = None  # the periods it is in force for, in words ('2007/08'); None: every period


@dataclass(frozen=True)
class Plan:
    rulesets: tuple[RuleSetInfo, ...]
    fact_types: dict[str, FactType]
    tables: dict[str, dict[str, Any]]  # fact type -> {key, label, file, rows}
    strata: tuple[Stratum, ...]
    digest: str  # sha256 over the rule files
    warnings: tuple[Issue, ...] = ()  # e.g. parameters nothing reads; `caa check` prints them
    classifications: dict[str, str] = field(default_factory=dict)  # name -> the fact type it labels
    combined: tuple[str, ...] = ()  # elements whose judgements are also 'judgement' facts
    dated: Any = None  # caa_engine.dated.DatedRules: every period's plan, when the folder's rules are dated

    @property
    def elements(self) -> tuple[str, ...]:
        """The elements the rules judge, in file order."""
        return tuple(info.element for info in self.rulesets if info.element is not None and info.scale)

    @property
    def rules(self) -> tuple[PlanRule, ...]:
        return tuple(rule for stratum in self.strata for rule in stratum.rules)

    @property
    def measures(self) -> tuple[PlanMeasure, ...]:
        return tuple(m for stratum in self.strata for m in stratum.measures)

    def parameter(self, ruleset: str, name: str) -> Any:
        """A rule set's parameter, exactly as its rules compare it (an int, a Fraction for "75%", text...).

        Raises KeyError naming what exists when the rule set or the parameter does not.
        """
        for info in self.rulesets:
            if info.ruleset == ruleset:
                if name not in info.parameters:
                    raise KeyError(
                        f"rule set '{ruleset}' has no parameter '{name}' (it has: {', '.join(info.parameters)})"
                    )
                return info.parameters[name]
        raise KeyError(f"no rule set '{ruleset}' (there are: {', '.join(i.ruleset for i in self.rulesets)})")

    def element_info(self, element: str) -> RuleSetInfo:
        for info in self.rulesets:
            if info.element == element:
                return info
        raise KeyError(element)


class _RuleCompiler:
    """Compiles one rule's condition into operands plus a match condition."""

    def __init__(self, rule: CheckedRule, types: dict[str, FactType], prefix: str):
        self.rule = rule
        self.types = types
        self.prefix = prefix
        self.operands: list[Operand] = []
        self.fields: set[str] = set()
        self.subject = types[rule.model.per]

    def fold(self, expr: Expr) -> Expr:
        return fold_params(expr, self.rule.ruleset)

    def direct(self, expr: Expr) -> str | None:
        """The subject field a backend can read directly, if ``expr`` is one."""
        if isinstance(expr, Ref) and len(expr.parts) == 2 and expr.parts[0] == self.rule.model.per:
            name = expr.parts[1]
            if name == "id":
                return "id"
            spec = self.subject.fields[name]
            if not spec.nullable and spec.type in ("int", "str", "bool"):
                return name
        return None

    def plain_const(self, expr: Expr) -> bool:
        """A constant a backend compares as it is: text, a boolean, or an integer within int64.

        A larger integer becomes an operand, which the session compares exactly whatever its size.
        """
        if not isinstance(expr, Const) or not isinstance(expr.value, (int, str, bool)):
            return False
        return not isinstance(expr.value, int) or isinstance(expr.value, bool) or abs(expr.value) < 2**63

    def compile(self, expr: Expr, negate: bool = False) -> MatchCondition:
        if isinstance(expr, Not):
            return self.compile(expr.operand, not negate)
        if isinstance(expr, BoolOp):
            items = tuple(self.compile(item, negate) for item in expr.items)
            use_all = (expr.op == "and") != negate
            return AllOf(items) if use_all else AnyOf(items)
        if isinstance(expr, Const) and isinstance(expr.value, bool):
            return Always(expr.value != negate)
        if isinstance(expr, Compare):
            if expr.op in ("in", "not in"):
                assert isinstance(expr.right, ListLit)
                positive = (expr.op == "in") != negate
                parts = tuple(self.compare(expr.left, "==" if positive else "!=", item) for item in expr.right.items)
                if not parts:
                    return Always(not positive)
                return AnyOf(parts) if positive else AllOf(parts)
            return self.compare(expr.left, NEGATED[expr.op] if negate else expr.op, expr.right)
        # a bare boolean field or expression
        return self.compare(expr, "!=" if negate else "==", Const(expr.line, expr.column, True))

    def compare(self, left: Expr, op: str, right: Expr) -> MatchCondition:
        lf, rf = self.direct(left), self.direct(right)
        if lf and self.plain_const(right):
            self.fields.add(lf)
            return Cmp(lf, op, right.value)  # type: ignore[union-attr]
        if rf and self.plain_const(left):
            self.fields.add(rf)
            return Cmp(rf, FLIPPED[op], left.value)  # type: ignore[union-attr]
        if lf and rf and self.subject_type(left) == self.subject_type(right):
            self.fields.update((lf, rf))
            return Cmp(lf, op, rf, is_field=True)
        key = f"{self.prefix}{len(self.operands)}"
        self.operands.append(Operand(key, left, right))
        return AllOf((Cmp(f"{key}v", "==", 1), Cmp(f"{key}l", op, f"{key}r", is_field=True)))

    def subject_type(self, expr: Expr) -> str:
        assert isinstance(expr, Ref)
        name = expr.parts[1]
        return "str" if name == "id" else self.subject.fields[name].type


def fold_params(expr: Expr, rs: LoadedRuleSet) -> Expr:
    """Replace params.NAME by its value (a Const at the same position); an expression naming no parameter is
    returned as it is."""
    if isinstance(expr, Ref):
        if expr.parts[0] == "params":
            value = rs.model.parameters[expr.parts[1]].value
            return Const(expr.line, expr.column, _const(value))
        return expr
    if isinstance(expr, (Const, ListLit)):
        return expr
    return _map_children(expr, lambda child: fold_params(child, rs))


def _const(value: Any) -> Any:
    if isinstance(value, float):
        return normalise_number(value)
    return value


def _map_children(expr: Expr, fn: Any) -> Expr:
    """``expr`` with ``fn`` applied to each child; ``expr`` itself where no child changed."""
    if isinstance(expr, (Neg, Not)):
        operand = fn(expr.operand)
        return expr if operand is expr.operand else replace(expr, operand=operand)
    if isinstance(expr, (Arith, Compare)):
        left, right = fn(expr.left), fn(expr.right)
        return expr if left is expr.left and right is expr.right else replace(expr, left=left, right=right)
    if isinstance(expr, BoolOp):
        items = tuple(fn(item) for item in expr.items)
        return expr if all(a is b for a, b in zip(items, expr.items, strict=True)) else replace(expr, items=items)
    if isinstance(expr, Call):
        args = tuple(fn(arg) for arg in expr.args)
        where = fn(expr.where) if expr.where is not None else None
        if where is expr.where and all(a is b for a, b in zip(args, expr.args, strict=True)):
            return expr
        return replace(expr, args=args, where=where)
    return expr


def _percent(rs: LoadedRuleSet, expr: Expr) -> bool:
    """Whether ``expr`` is a parameter written as a percentage ("75%")."""
    if not (isinstance(expr, Ref) and len(expr.parts) == 2 and expr.parts[0] == "params"):
        return False
    param = rs.model.parameters.get(expr.parts[1])
    return param is not None and param.percent


def _params(rs: LoadedRuleSet, names: set[str]) -> tuple[ParamRef, ...]:
    out = []
    for name in sorted(names):
        param = rs.model.parameters[name]
        loc = rs.document.locate(("parameters", name, "value"), at_value=True)
        out.append(ParamRef(rs.model.ruleset, name, _const(param.value), f"{loc.file}:{loc.line}"))
    return tuple(out)


def _strata(checked: CheckedRules) -> tuple[dict[int, int], dict[int, int]]:
    """Stratum of every measure and rule (by position), from reads and writes.

    A node's stratum is one more than that of every node writing a type it
    reads.  Raises RuleError on a cycle.
    """
    nodes: list[tuple[str, Any, set[str], set[str]]] = []
    for i, m in enumerate(checked.measures):
        nodes.append(("measure", i, m.reads, {m.model.into}))
    for i, r in enumerate(checked.rules):
        nodes.append(("rule", i, r.reads, r.writes))
    writers: dict[str, list[int]] = {}
    for n, (_, _, _, writes) in enumerate(nodes):
        for fact_type in writes:
            writers.setdefault(fact_type, []).append(n)
    level: dict[int, int] = {}
    state: dict[int, str] = {}
    issues: list[Issue] = []

    def visit(n: int, trail: list[int]) -> int:
        if state.get(n) == "done":
            return level[n]
        if state.get(n) == "active":
            cycle = trail[trail.index(n) :] + [n]
            names = " -> ".join(_node_name(checked, nodes[k]) for k in cycle)
            kind, index, _, _ = nodes[n]
            item = checked.measures[index] if kind == "measure" else checked.rules[index]
            issues.append(
                Issue(
                    "rule-cycle",
                    f"these read each other's results in a cycle: {names}",
                    item.ruleset.document.locate((f"{kind}s", item.index)),
                    "a rule or measure cannot read, even through others, what it writes",
                )
            )
            raise _Cycle()
        state[n] = "active"
        best = 0
        for fact_type in sorted(nodes[n][2]):
            for w in writers.get(fact_type, []):
                best = max(best, visit(w, trail + [n]) + 1)
        state[n] = "done"
        level[n] = best
        return best

    for n in range(len(nodes)):
        try:
            visit(n, [])
        except _Cycle:
            break
    if issues:
        raise RuleError(issues)
    measure_levels = {i: level[n] for n, (kind, i, _, _) in enumerate(nodes) if kind == "measure"}
    rule_levels = {i: level[n] for n, (kind, i, _, _) in enumerate(nodes) if kind == "rule"}
    return measure_levels, rule_levels


class _Cycle(Exception):
    pass


def _node_name(checked: CheckedRules, node: tuple[str, Any, set[str], set[str]]) -> str:
    kind, index, _, _ = node
    item = checked.measures[index] if kind == "measure" else checked.rules[index]
    return f"{kind} '{item.model.id}'"


def compile_rules(checked: CheckedRules) -> Plan:
    """Build the plan from checked rules.  Raises RuleError on a cycle."""
    from .dated import in_force_text  # it builds on this module

    measure_levels, rule_levels = _strata(checked)
    order = {id(rs): n for n, rs in enumerate(checked.rulesets)}
    measures: list[PlanMeasure] = []
    for i, m in enumerate(checked.measures):
        rs = m.ruleset
        loc = rs.document.locate(("measures", m.index))
        measures.append(
            PlanMeasure(
                m.model.id,
                rs.model.ruleset,
                rs.model.element or "",
                m.model.description,
                m.model.source,
                loc.file,
                loc.line,
                order[id(rs)] * 10_000 + m.index,
                m.model.from_,
                tuple(m.model.group_by),
                fold_params(m.value, rs),
                m.model.into,
                m.model.field,
                _params(rs, m.params),
                measure_levels[i],
                text=" ".join(m.model.value.split()),
                per=m.model.per,
                when=fold_params(m.when, rs) if m.when is not None else None,
                if_unknown=_const(m.model.if_unknown),
            )
        )
    rules: list[PlanRule] = []
    for i, r in enumerate(checked.rules):
        rs = r.ruleset
        loc = rs.document.locate(("rules", r.index))
        compiler = _RuleCompiler(r, checked.fact_types, f"_{i}_")
        folded = compiler.fold(r.condition)
        match = compiler.compile(folded)
        then = r.model.then
        label = rs.model.scale.get(then.score if then.score is not None else r.cap or 0)
        templates = tuple((text, compiler.fold(expr)) for parts in r.templates.values() for text, expr in parts)
        rules.append(
            PlanRule(
                r.model.id,
                rs.model.ruleset,
                rs.model.element or "",
                rs.model.scope,
                r.model.description,
                r.model.source,
                loc.file,
                loc.line,
                order[id(rs)] * 10_000 + r.index,
                r.model.per,
                r.model.priority,
                folded,
                match,
                tuple(compiler.operands),
                tuple(sorted(compiler.fields)),
                then.score,
                label,
                (then.flag.kind, then.flag.reason, then.flag.colour) if then.flag else None,
                (then.note.kind, then.note.text) if then.note else None,
                templates,
                _params(rs, r.params),
                rule_levels[i],
                text=str(r.model.when).lower() if isinstance(r.model.when, bool) else " ".join(r.model.when.split()),
                cap=r.cap,
                classify=tuple(sorted((then.classify or {}).items())),
                words=tuple((text, compiler.fold(expr), _percent(rs, expr)) for text, expr in r.words.items()),
                short_of=tuple(r.model.short_of or ()),
                conjuncts=tuple(compiler.fold(part) for part in conjuncts(r.condition)),
            )
        )
    depth = max([m.stratum for m in measures] + [r.stratum for r in rules] + [0]) + 1
    writers: dict[str, int] = {}
    for planned in rules:
        for settled in planned.settles:
            writers[settled] = max(writers.get(settled, -1), planned.stratum)
    strata: list[Stratum] = []
    for level in range(depth):
        level_rules = sorted((r for r in rules if r.stratum == level), key=lambda r: r.order)
        grouped = _assign_groups(level, level_rules)
        resolve = tuple(sorted(t for t, last in writers.items() if last == level - 1))
        strata.append(
            Stratum(
                level,
                resolve,
                tuple(sorted((m for m in measures if m.stratum == level), key=lambda m: m.order)),
                tuple(grouped),
            )
        )
    tables = {}
    for fact_type, (rs, name) in checked.tables.items():
        table = rs.model.tables[name]
        # Exact values, like every other number: a table's 0.1 is 1/10, not the float nearest to it.
        rows = {key: {column: _const(value) for column, value in row.items()} for key, row in table.rows.items()}
        tables[fact_type] = {
            "key": table.key,
            "label": table.label or fact_type,
            "file": rs.path,
            "line": rs.document.locate(("tables", name)).line,
            "rows": rows,
            "row_lines": {key: rs.document.locate(("tables", name, "rows", key)).line for key in table.rows},
            "unlisted_need": tuple(table.unlisted_need),
        }
    infos = tuple(
        RuleSetInfo(
            rs.model.ruleset,
            rs.model.element,
            rs.model.title,
            rs.model.version,
            rs.model.scope,
            rs.path,
            rs.sha256,
            dict(rs.model.scale),
            tuple(rs.model.combines),
            {name: _const(param.value) for name, param in rs.model.parameters.items()},
            in_force_text(rs),
        )
        for rs in checked.rulesets
    )
    digest = hashlib.sha256("".join(f"{rs.path}\0{rs.sha256}\n" for rs in checked.rulesets).encode()).hexdigest()
    classifications = {
        name: cls.per
        for rs in checked.rulesets
        for name, cls in rs.model.classifications.items()
        if name in checked.fact_types
    }
    return Plan(
        infos,
        checked.fact_types,
        tables,
        tuple(strata),
        digest,
        tuple(checked.warnings),
        classifications,
        checked.combined,
    )


def _assign_groups(level: int, rules: list[PlanRule]) -> list[PlanRule]:
    """Give each rule the match-fact type it matches: one per (stratum, per type, chunk).

    Rules that run per the same fact type share one match fact, split into
    chunks so that no fact carries more fields than durable-rules accepts.
    """

    out: list[PlanRule] = []
    sizes: dict[str, tuple[int, int]] = {}  # per type -> (chunk, fields used)
    for rule in rules:
        width = len([name for name in rule.fields if name != "id"]) + 3 * len(rule.operands)  # id travels as subject
        chunk, used = sizes.get(rule.per, (0, MATCH_FACT_BASE_FIELDS))
        if used + width > MAX_FIELDS_PER_MATCH_FACT and used > MATCH_FACT_BASE_FIELDS:
            chunk, used = chunk + 1, MATCH_FACT_BASE_FIELDS
        sizes[rule.per] = (chunk, used + width)
        out.append(replace(rule, group=f"s{level}_{rule.per}_{chunk}"))
    return out


def load_plan(directory: str | Any) -> Plan:
    """Load, check and compile the rule files in ``directory``; for dated rules, every period's
    (:func:`caa_engine.dated.compile_dated`).

    Raises :class:`~caa_engine.errors.RuleError` with every problem found.
    """
    from .dated import compile_dated, is_dated  # it builds on this module

    files = load_rule_files(directory)
    return compile_dated(files, directory) if is_dated(files) else compile_rules(check_rules(files))
