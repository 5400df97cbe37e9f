"""Typing of rule expressions against the fact schema: what a name reads, and whether it fits.

:class:`ExpressionChecker` holds the schema built so far and the issues found;
``infer`` gives an expression's type or raises a :class:`Problem` that says
what is wrong, and ``infer_at`` attaches the location.  The schema itself is
built in :mod:`caa_engine.rules.schema`; measures and rules are checked in
:mod:`caa_engine.rules.check`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from .._messages import closest, did_you_mean, safe_repr
from .._yaml import text_position
from ..errors import Issue
from ..evidence.facts import INPUT_FACT_TYPES
from ..facts import FactType, normalise_number, value_type_of
from .expr import (
    AGGREGATES,
    Arith,
    BoolOp,
    Call,
    Compare,
    Const,
    Expr,
    ExprSyntaxError,
    ListLit,
    Neg,
    Not,
    Ref,
    parse_expression,
    unparse,
)
from .loader import LoadedRuleSet

__all__ = [
    "ExpressionChecker",
    "TypeInfo",
    "Problem",
    "Unchecked",
    "Scope",
    "NUMERIC",
    "JUDGEMENT",
    "RESERVED",
    "comparable",
    "compare_hint",
    "word_for",
]

NUMERIC = ("int", "number")
JUDGEMENT = "judgement"  # the element judgements a rule set with 'combines:' reads
RESERVED = ("params", JUDGEMENT)


@dataclass(frozen=True)
class TypeInfo:
    type: str  # int | number | str | bool | list
    nullable: bool = False
    item: str = ""  # element type of a list
    values: tuple[str, ...] = ()  # for a text field: the only values it can hold, if known
    field: str = ""  # for a field: its name as 'type.field', for messages
    unit: str = ""  # "share" for a value from 0 to 1 (share(), or a measure or field holding one)


class Problem(Exception):
    def __init__(self, node: Any, code: str, message: str, hint: str = ""):
        super().__init__(message)
        self.node, self.code, self.message, self.hint = node, code, message, hint


class Unchecked(Problem):
    """A read of what a measure that failed its own checks would derive: that failure is the one to report."""


@dataclass
class Scope:
    ruleset: LoadedRuleSet
    subject: str | None = None  # the fact type a rule runs per
    group: str | None = None  # the fact type a measure aggregates
    item: str | None = None  # inside 'where': the collection's fact type
    reads: set[str] = field(default_factory=set)
    params: set[str] = field(default_factory=set)
    what: str = "condition"  # the text being checked, as messages name it


class ExpressionChecker:
    """What every check needs: the fact schema so far, the issues found, and the typing of expressions."""

    def __init__(self, rulesets: list[LoadedRuleSet]):
        self.rulesets = rulesets
        self.issues: list[Issue] = []
        self.types: dict[str, FactType] = dict(INPUT_FACT_TYPES)
        self.classifications: dict[str, tuple[LoadedRuleSet, str, tuple[str, ...]]] = {}
        self.combined: tuple[str, ...] = ()
        self.per_measures: dict[str, str] = {}  # into -> the type its per-fact measures run per
        self.per_measure_first: dict[str, tuple[str, int]] = {}  # into -> (first measure's id, its line)
        self.broken_classifications: set[str] = set()  # reported once where declared, not again where used
        # Classifications rules write but nobody declared: reported where written, not again where read.
        self.undeclared_classifications: set[str] = set()
        self.warnings: list[Issue] = []  # problems that change nothing yet, e.g. a share threshold written 0.75
        self.units_checked: set[tuple[str, str]] = set()  # (rule file, parameter): its unit reported once

    # -- reporting -------------------------------------------------------------
    def issue(
        self, rs: LoadedRuleSet, path: tuple[Any, ...], code: str, message: str, hint: str = "", at_value: bool = False
    ) -> None:
        self.issues.append(Issue(code, message, rs.document.locate(path, at_value=at_value), hint))

    def text_issue(
        self,
        rs: LoadedRuleSet,
        path: tuple[Any, ...],
        line: int,
        column: int,
        code: str,
        message: str,
        hint: str,
        offset: tuple[int, int] = (0, 0),
    ) -> None:
        if line == 1:
            column += offset[1]
        line += offset[0]
        self.issues.append(Issue(code, message, rs.document.text_location(path, line, column), hint))

    def parse(
        self, rs: LoadedRuleSet, path: tuple[Any, ...], text: str, offset: tuple[int, int] = (0, 0)
    ) -> Expr | None:
        try:
            return parse_expression(text)
        except ExprSyntaxError as exc:
            line, column, message, hint = _explain_syntax(text, exc)
            self.text_issue(rs, path, line, column, "bad-condition", message, hint, offset)
            return None

    # -- expressions -----------------------------------------------------------
    def infer_at(
        self, rs: LoadedRuleSet, path: tuple[Any, ...], expr: Expr, scope: Scope, offset: tuple[int, int] = (0, 0)
    ) -> TypeInfo | None:
        try:
            return self.infer(expr, scope)
        except Unchecked:
            return None
        except Problem as problem:
            node = problem.node
            self.text_issue(rs, path, node.line, node.column, problem.code, problem.message, problem.hint, offset)
            return None

    def infer(self, expr: Expr, scope: Scope) -> TypeInfo:
        if isinstance(expr, Const):
            return TypeInfo(value_type_of(expr.value))
        if isinstance(expr, Ref):
            return self.infer_ref(expr, scope)
        if isinstance(expr, ListLit):
            kinds = {value_type_of(item.value) for item in expr.items}
            if kinds <= {"int", "number"}:
                return TypeInfo("list", item="number" if "number" in kinds else "int")
            if len(kinds) > 1:
                raise Problem(
                    expr,
                    "wrong-type",
                    "a list must hold one kind of value",
                    "make every item text, or every item a number",
                )
            return TypeInfo("list", item=next(iter(kinds), "str"))
        if isinstance(expr, Neg):
            inner = self.infer(expr.operand, scope)
            self.need(expr.operand, inner, NUMERIC, "'-'")
            return inner
        if isinstance(expr, Not):
            inner = self.infer(expr.operand, scope)
            self.need(expr.operand, inner, ("bool",), "'not'")
            return TypeInfo("bool")
        if isinstance(expr, BoolOp):
            for item in expr.items:
                self.need(item, self.infer(item, scope), ("bool",), f"'{expr.op}'")
            return TypeInfo("bool")
        if isinstance(expr, Arith):
            left, right = self.infer(expr.left, scope), self.infer(expr.right, scope)
            self.need(expr.left, left, NUMERIC, f"'{expr.op}'")
            self.need(expr.right, right, NUMERIC, f"'{expr.op}'")
            kind = "int" if left.type == right.type == "int" and expr.op != "/" else "number"
            return TypeInfo(kind, left.nullable or right.nullable or expr.op == "/")
        if isinstance(expr, Compare):
            return self.infer_compare(expr, scope)
        if isinstance(expr, Call):
            return self.infer_call(expr, scope)
        raise Problem(expr, "bad-condition", "unsupported expression")  # pragma: no cover

    def need(self, node: Expr, info: TypeInfo, kinds: tuple[str, ...], where: str) -> None:
        if info.type not in kinds:
            wanted = " or ".join(
                "a number" if k in NUMERIC else ("true/false" if k == "bool" else k)
                for k in dict.fromkeys("number" if k in NUMERIC else k for k in kinds)
            )
            raise Problem(
                node,
                "wrong-type",
                f"{where} needs {wanted}, but {_shown(node)} is {word_for(info)}",
                "check the field's type in docs/evidence.md",
            )

    def infer_compare(self, expr: Compare, scope: Scope) -> TypeInfo:
        left = self.infer(expr.left, scope)
        right = self.infer(expr.right, scope)
        self.check_values(expr, left, right)
        self.check_units(expr, left, right, scope)
        if expr.op in ("in", "not in"):
            if not isinstance(expr.right, ListLit):
                raise Problem(
                    expr.right,
                    "wrong-type",
                    f'\'{expr.op}\' needs a list such as ["a", "b"]',
                    "write the values in square brackets",
                )
            if expr.right.items and not comparable(left.type, right.item):
                raise Problem(
                    expr.right,
                    "wrong-type",
                    f"cannot look for {word_for(left)} in a list of {right.item}",
                    "make the list hold the same kind of value",
                )
            return TypeInfo("bool")
        if not comparable(left.type, right.type):
            raise Problem(
                expr,
                "wrong-type",
                f"cannot compare {_shown(expr.left)} ({word_for(left)}) with {_shown(expr.right)} ({word_for(right)})",
                self.param_hint(scope, expr)
                or (
                    "compare a date with another date, e.g. risk.recorded_on < outcome.started_on"
                    if "date" in (left.type, right.type)
                    else "compare numbers with numbers and text with text"
                ),
            )
        if left.type in ("str", "bool") and expr.op not in ("==", "!="):
            raise Problem(
                expr,
                "wrong-type",
                f"'{expr.op}' needs numbers, but {_shown(expr.left)} is {word_for(left)}",
                "text and true/false can only be compared with == or !=",
            )
        return TypeInfo("bool")

    def check_units(self, expr: Compare, left: TypeInfo, right: TypeInfo, scope: Scope) -> None:
        """A share runs from 0 to 1 (0 % to 100 %): a threshold compared with one must too, and a parameter
        compared with one is best written as a percentage ('75%'), as people read it.  A parameter's problem is
        reported once, at its value, however many conditions compare it."""
        for info, other in ((left, expr.right), (right, expr.left)):
            if info.unit != "share":
                continue
            if isinstance(other, Const) and isinstance(other.value, (int, float)) and not isinstance(other.value, bool):
                if not 0 <= other.value <= 1:
                    raise Problem(
                        other,
                        "share-out-of-range",
                        f"{_shown(expr.left if other is expr.right else expr.right)} is a share, from 0 to 1 "
                        f"(0% to 100%), but it is compared with {unparse(other)}",
                        _percent_hint(other.value),
                    )
                continue
            if not (isinstance(other, Ref) and other.parts[0] == "params" and len(other.parts) == 2):
                continue
            name = other.parts[1]
            param = scope.ruleset.model.parameters.get(name)
            key = (scope.ruleset.path, name)
            if param is None or key in self.units_checked:
                continue
            value = param.value
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
                continue
            self.units_checked.add(key)
            at = scope.ruleset.document.locate(("parameters", name, "value"), at_value=True)
            shown = _as_percent(value)
            if not 0 <= value <= 1:
                written = f"{shown}" if param.percent else f"{safe_repr(value)}, which is {shown}"
                self.issues.append(
                    Issue(
                        "share-out-of-range",
                        f"parameter '{name}' is compared with a share ({_shown(expr)}), so it must be from 0% to "
                        f"100%, but it holds {written}",
                        at,
                        _percent_hint(value, param.percent),
                    )
                )
            elif not param.percent:
                self.warnings.append(
                    Issue(
                        "share-not-percent",
                        f"parameter '{name}' is compared with a share ({_shown(expr)}) but is written as the "
                        f"number {safe_repr(value)}",
                        at,
                        f"write it as a percentage, value: {shown.replace(' ', '')}, so that a slip such as 75 "
                        "for 75% cannot pass unnoticed",
                    )
                )

    def param_hint(self, scope: Scope, expr: Compare) -> str:
        """For a comparison with a parameter of the wrong kind: where that parameter is, and what it holds."""
        for side in (expr.left, expr.right):
            if isinstance(side, Ref) and side.parts[0] == "params" and len(side.parts) == 2:
                value = scope.ruleset.model.parameters[side.parts[1]].value
                line = scope.ruleset.document.locate(("parameters", side.parts[1], "value"), at_value=True).line
                return f"parameter '{side.parts[1]}' (line {line}) holds {safe_repr(value)}: check its value"
        return ""

    def infer_ref(self, ref: Ref, scope: Scope) -> TypeInfo:
        parts = ref.parts
        head = parts[0]
        if head == "params":
            if len(parts) != 2:
                raise Problem(ref, "bad-condition", "write a parameter as params.NAME", "e.g. params.good_themes")
            params = scope.ruleset.model.parameters
            if parts[1] not in params:
                raise Problem(
                    ref,
                    "undefined-parameter",
                    f"parameter '{parts[1]}' is not defined{did_you_mean(parts[1], params)}",
                    f"define it under 'parameters:' in {scope.ruleset.path}",
                )
            scope.params.add(parts[1])
            value = params[parts[1]].value
            if isinstance(value, float) and not math.isfinite(value):
                return TypeInfo("number")  # reported once, where the parameter is defined
            return TypeInfo(value_type_of(normalise_number(value) if isinstance(value, float) else value))
        if scope.item is not None and len(parts) == 1:
            return self.field_of(ref, scope.item, parts[0], f"{scope.item}.{parts[0]}", scope.what)
        allowed = [t for t in (scope.item, scope.subject) if t]
        # Read through: the area from anywhere a fact is in hand; inside 'where', through the item's
        # references first (``body.lead`` is the item's body), then through the subject's.
        through = [t for t in (scope.item, scope.subject) if t]
        if head in allowed or (
            through
            and head in self.types
            and (head == "area" or any(self.types[t].refers_to(head, self.types) for t in through))
        ):
            if len(parts) > 2:
                # outcome.risk.title: read through the reference by the referenced type's own name
                target = parts[1]
                if target not in self.types:
                    target = closest(target, [n for n in self.types[head].fields if n in self.types]) or target
                if target in self.types and self.types[head].refers_to(target, self.types):
                    field_name = parts[2]
                    fields = self.types[target].fields
                    if field_name not in fields:
                        field_name = closest(field_name, fields) or next(iter(fields))
                    raise Problem(
                        ref,
                        "unknown-fact",
                        f"{scope.what} uses '{ref.dotted}' — did you mean '{target}.{field_name}'?",
                        f"{head}.{target} holds the id of a {target}: read that {target}'s fields as "
                        f"{target}.FIELD, e.g. {target}.{field_name}",
                    )
            if len(parts) != 2:
                raise Problem(
                    ref,
                    "unknown-fact",
                    f"'{ref.dotted}' names a fact, not a field",
                    f"name a field, e.g. {head}.{next(iter(self.types[head].fields))}",
                )
            if head not in allowed:
                scope.reads.add(head)
            return self.field_of(ref, head, parts[1], ref.dotted, scope.what)
        if head in self.types:
            if len(parts) == 2:
                self.field_of(
                    ref, head, parts[1], ref.dotted, scope.what
                )  # a misspelled field is the first thing to fix
            if scope.group == head or scope.subject:
                fields = self.types[head].fields
                example = (
                    parts[1]
                    if len(parts) == 2
                    else next(
                        (name for name, spec in fields.items() if spec.type in NUMERIC), next(iter(fields), "score")
                    )
                )
                message = (
                    (
                        f"this rule runs per {scope.subject}, and '{ref.dotted}' could be any of several {head} facts: "
                        "wrap it in an aggregate"
                    )
                    if scope.subject
                    else (f"a measure combines many {head} facts: wrap '{ref.dotted}' in an aggregate")
                )
                spec = fields.get(example)
                if spec is not None and spec.type != "int" and spec.type != "number":
                    shown = f'"{spec.values[0]}"' if spec.values else ('"…"' if spec.type == "str" else "true")
                    hint = f"e.g. count({head} where {example} == {shown}) >= 1"
                elif scope.subject:
                    hint = f"e.g. min({head}.{example}) >= 3, or count({head} where {example} >= 3) >= 2"
                else:
                    hint = f"e.g. min({head}.{example}) or lower_median({head}.{example})"
                raise Problem(ref, "needs-aggregate", message, hint)
            raise Problem(
                ref, "unknown-fact", f"'{ref.dotted}' cannot be read here", f"a measure reads only '{scope.group}'"
            )
        if head == JUDGEMENT:
            judged = [rs.model.element for rs in self.rulesets if rs.model.element and rs.model.scale]
            example = next((e for e in judged if e != scope.ruleset.model.element), "use_of_resources")
            raise Problem(
                ref,
                "unknown-fact",
                "'judgement' facts are only read by a rule set that combines elements",
                f"list the elements whose judgements it reads, e.g. 'combines: [{example}]'",
            )
        if head in self.undeclared_classifications:
            raise Unchecked(ref, "unchecked", f"'{ref.dotted}' reads a classification that is not declared")
        candidates = [f"params.{p}" for p in scope.ruleset.model.parameters]
        for name in allowed:
            candidates += [f"{name}.{f}" for f in self.types[name].fields]
        if scope.item:
            candidates += list(self.types[scope.item].fields)
        candidates += list(self.types)
        raise Problem(
            ref,
            "unknown-fact",
            f"{scope.what} uses '{ref.dotted}'{did_you_mean(ref.dotted, candidates)}",
            _known_hint(scope, self.types),
        )

    def field_of(self, ref: Ref, type_name: str, name: str, shown: str, what: str = "condition") -> TypeInfo:
        fact_type = self.types[type_name]
        if name == "id":
            return TypeInfo("str")
        if fact_type.origin == "unchecked":
            raise Unchecked(ref, "unchecked", f"'{shown}' comes from a measure with errors")
        spec = fact_type.fields.get(name)
        if spec is None:
            fields = ["id", *fact_type.fields]
            close = closest(name, fields)
            suggestion = f" — did you mean '{type_name}.{close}'?" if close else ""
            raise Problem(
                ref,
                "unknown-fact",
                f"{what} uses '{shown}'{suggestion}",
                f"fields of {type_name}: {', '.join(sorted(fields))}",
            )
        return TypeInfo(spec.type, spec.nullable, values=spec.values, field=f"{type_name}.{name}", unit=spec.unit)

    def check_values(self, expr: Compare, left: TypeInfo, right: TypeInfo) -> None:
        """A text compared with a field that can hold only some texts must be one of them: a misspelt
        label would otherwise match nothing, silently."""
        for info, other in ((left, expr.right), (right, expr.left)):
            if not info.values:
                continue
            consts = other.items if isinstance(other, ListLit) else [other]
            for const in consts:
                if not isinstance(const, Const) or not isinstance(const.value, str) or const.value in info.values:
                    continue
                type_name, _, field_name = info.field.partition(".")
                known = ", ".join(info.values)
                if field_name == "label" and type_name in self.classifications:
                    raise Problem(
                        const,
                        "unknown-label",
                        f"'{const.value}' is not a label of '{type_name}'{did_you_mean(const.value, info.values)}",
                        f"labels of {type_name}: {known}",
                    )
                raise Problem(
                    const,
                    "unknown-value",
                    f"'{const.value}' is not a value '{info.field}' can hold{did_you_mean(const.value, info.values)}",
                    f"values of {info.field}: {known}",
                )

    def infer_call(self, call: Call, scope: Scope) -> TypeInfo:
        name = call.name
        args = call.args
        first = args[0] if args else None
        # One argument makes min/max an aggregate (as in evaluation); two or more, the scalar function.
        is_aggregate = name in AGGREGATES and (len(args) == 1 or name not in ("min", "max"))
        if not is_aggregate:
            if call.where is not None and (name in ("abs", "known") or name in AGGREGATES):
                raise Problem(
                    call.where,
                    "bad-condition",
                    "'where' only filters the collection of an aggregate",
                    "known() takes one value, e.g. known(outcome.started_on); join other conditions with 'and'"
                    if name == "known"
                    else f"{name}() of plain values takes no 'where'; filter a collection, e.g. min(theme.score where …)",
                )
            if name in ("min", "max") and len(args) >= 2:
                infos = [self.infer(arg, scope) for arg in args]
                for arg, info in zip(args, infos, strict=True):
                    self.need(arg, info, NUMERIC, f"{name}()")
                kind = "int" if all(i.type == "int" for i in infos) else "number"
                unit = "share" if all(i.unit == "share" for i in infos) else ""
                return TypeInfo(kind, any(i.nullable for i in infos), unit=unit)
            if name == "abs" and len(args) == 1:
                info = self.infer(args[0], scope)
                self.need(args[0], info, NUMERIC, "abs()")
                return info
            if name == "known" and len(args) == 1:
                info = self.infer(args[0], scope)
                if info.type == "list":
                    raise Problem(
                        args[0], "wrong-type", "known() takes one value, not a list", "e.g. known(indicator.target)"
                    )
                return TypeInfo("bool")
            known = ", ".join(sorted(set(AGGREGATES) | {"abs", "known"}))
            raise Problem(
                call,
                "unknown-function",
                f"unknown function '{name}'{_function_meant(name)}"
                if name not in AGGREGATES and name not in ("abs", "known")
                else f"{name}() is not used like this here",
                f"functions: {known}; aggregates take one collection, e.g. min(theme.score)",
            )
        if scope.item is not None:
            raise Problem(
                call, "bad-condition", "an aggregate cannot be used inside 'where'", "move it outside the where"
            )
        if len(args) != 1 or not isinstance(first, Ref):
            raise Problem(
                call,
                "bad-condition",
                f"{name}() takes one collection",
                f"e.g. {name}(theme{'' if name in ('count', 'share') else '.score'})",
            )
        collection = first.parts[0]
        if collection == JUDGEMENT and collection not in self.types:
            self.infer_ref(first, scope)  # explains where 'judgement' facts come from
        if collection not in self.types:
            raise Problem(
                first,
                "unknown-fact",
                f"unknown fact '{collection}'{did_you_mean(collection, self.types)}",
                f"known facts: {', '.join(sorted(self.types))}",
            )
        if scope.group is not None and collection != scope.group:
            raise Problem(
                first,
                "unknown-fact",
                f"this measure groups '{scope.group}', so it can aggregate only '{scope.group}'",
                f"write {name}({scope.group}…)",
            )
        field_info: TypeInfo | None = None
        if name in ("count", "share"):
            if len(first.parts) != 1:
                raise Problem(
                    first, "bad-condition", f"{name}() counts facts, not a field", f"write {name}({collection} where …)"
                )
            if name == "share" and call.where is None:
                raise Problem(
                    call,
                    "bad-condition",
                    "share() needs 'where' to say what it is a share of",
                    f"e.g. share({collection} where score >= 3)",
                )
        else:
            if len(first.parts) != 2:
                raise Problem(first, "bad-condition", f"{name}() needs a field", f"e.g. {name}({collection}.score)")
            field_info = self.field_of(first, collection, first.parts[1], first.dotted, scope.what)
            self.need(first, field_info, NUMERIC, f"{name}()")
        scope.reads.add(collection)
        if call.where is not None:
            inner = Scope(
                scope.ruleset,
                subject=scope.subject,
                group=scope.group,
                item=collection,
                reads=scope.reads,
                params=scope.params,
                what=scope.what,
            )
            self.need(call.where, self.infer(call.where, inner), ("bool",), "'where'")
        if name == "count":
            return TypeInfo("int")
        if name == "share":
            return TypeInfo("number", unit="share")
        assert field_info is not None
        if name == "sum":
            return TypeInfo(field_info.type)
        if name == "mean":
            return TypeInfo("number", True, unit=field_info.unit)
        return TypeInfo(field_info.type, True, unit=field_info.unit)


def _explain_syntax(text: str, exc: ExprSyntaxError) -> tuple[int, int, str, str]:
    """(line, column, message, hint) for a condition that does not parse, pointing at the likely cause."""
    opened = _unclosed(text)
    if opened is not None and exc.message == "the condition ends too early":
        bracket, index = opened
        closer = ")" if bracket == "(" else "]"
        line, column = text_position(text, index)
        return line, column, f"this '{bracket}' is never closed", f"add '{closer}' where the bracketed part ends"
    word = exc.message[len("unexpected '") : -1] if exc.message.startswith("unexpected '") else ""
    if word.lower() in ("and", "or", "not", "where", "in", "true", "false") and word != word.lower():
        return exc.line, exc.column, exc.message, f"write '{word.lower()}' in lower case"
    return exc.line, exc.column, exc.message, exc.hint


def _unclosed(text: str) -> tuple[str, int] | None:
    """The innermost bracket left open at the end of ``text`` (outside quotes), with its index."""
    stack: list[tuple[str, int]] = []
    quote = ""
    for index, char in enumerate(text):
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char in "([":
            stack.append((char, index))
        elif char in ")]" and stack:
            stack.pop()
    return stack[-1] if stack else None


def _as_percent(value: float) -> str:
    """A share as a percentage, e.g. 0.75 -> '75%', 35 -> '3,500%'."""
    percent = Fraction(str(value)) * 100
    text = f"{int(percent):,}" if percent.denominator == 1 else f"{float(percent):,.4g}"
    return f"{text}%"


def _percent_hint(value: float, percent: bool = False) -> str:
    """How to write the share that was probably meant."""
    if percent or value < 0:
        return "a share runs from 0% to 100%: write one such as value: 35%"
    return f"write the share as a percentage: value: {safe_repr(value)}% if you meant {safe_repr(value)} in 100"


def _shown(expr: Expr) -> str:
    """An operand as the person wrote it: a name in quotes, a literal as itself."""
    return unparse(expr) if isinstance(expr, Const) else f"'{unparse(expr)}'"


def _function_meant(name: str) -> str:
    """' — did you mean …?' for a function name; 'median' means lower_median, not mean."""
    names = sorted(set(AGGREGATES) | {"abs", "known"})
    containing = [known for known in names if name in known and name != known]
    if len(containing) == 1:
        return f" — did you mean '{containing[0]}'?"
    return did_you_mean(name, names)


def compare_hint(expr: Expr, info: TypeInfo) -> str:
    """How to turn a value into a condition: text and dates compare differently from numbers."""
    shown = unparse(expr)
    if info.type == "str":
        return f"compare it with something, e.g. '{shown} == \"{info.values[0] if info.values else '…'}\"'"
    if info.type == "date":
        return f"compare it with another date, e.g. '{shown} < outcome.started_on'"
    return f"compare it with something, e.g. '{shown} >= 1'"


def comparable(left: str, right: str) -> bool:
    return left == right or (left in NUMERIC and right in NUMERIC)


def word_for(info: TypeInfo) -> str:
    return {
        "int": "a number",
        "number": "a number",
        "str": "text",
        "bool": "true/false",
        "list": "a list",
        "date": "a date",
    }.get(info.type, info.type)


def _known_hint(scope: Scope, types: dict[str, FactType]) -> str:
    if scope.subject:
        fields = ", ".join(f"{scope.subject}.{f}" for f in ["id", *types[scope.subject].fields])
        return f"this rule runs per {scope.subject}; it can read {fields}, params.NAME, and aggregates over other facts"
    return f"a measure reads aggregates over '{scope.group}' and params.NAME"
