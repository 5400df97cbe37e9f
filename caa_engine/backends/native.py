"""The native backend: the plan's match conditions as Python closures, indexed by match-fact type.

Pure Python, always available, and the automatic choice where durable-rules
cannot be imported (Python 3.13+).  It defines the semantics both backends
share (tests/test_backends.py holds durable to them): comparisons are Python's,
and a comparison involving a missing or null value is false, whatever the
operator, ``!=`` included.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from ..compile import AllOf, Always, AnyOf, Cmp, MatchCondition, Plan
from .base import MatchFact

__all__ = ["NativeBackend"]

Test = Callable[[MatchFact], bool]
_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


def compile_condition(cond: MatchCondition) -> Test:
    if isinstance(cond, Always):
        value = cond.value
        return lambda fact: value
    if isinstance(cond, AllOf):
        tests = [compile_condition(item) for item in cond.items]
        return lambda fact: all(test(fact) for test in tests)
    if isinstance(cond, AnyOf):
        tests = [compile_condition(item) for item in cond.items]
        return lambda fact: any(test(fact) for test in tests)
    op = _OPS[cond.op]
    name = cond.field
    if cond.is_field:
        other = cond.value

        def field_test(fact: MatchFact) -> bool:
            left, right = fact.get(name), fact.get(other)
            return left is not None and right is not None and op(left, right)

        return field_test
    value = cond.value

    def const_test(fact: MatchFact) -> bool:
        left = fact.get(name)
        return left is not None and op(left, value)

    return const_test


def _field(name: str) -> str:
    # Subject fields travel as f_<name> in a match fact, the subject's id as 'subject',
    # operand fields as they are.
    if name == "id":
        return "subject"
    return name if name.startswith("_") else f"f_{name}"


def rename_fields(cond: MatchCondition) -> MatchCondition:
    """The condition with subject field names as they appear in a match fact."""
    if isinstance(cond, (AllOf, AnyOf)):
        return type(cond)(tuple(rename_fields(item) for item in cond.items))
    if isinstance(cond, Cmp):
        value = _field(cond.value) if cond.is_field else cond.value
        return Cmp(_field(cond.field), cond.op, value, cond.is_field)
    return cond


@dataclass(frozen=True)
class _Prepared:
    plan: Plan
    index: dict[str, Callable[[MatchFact], list[str]]]  # match-fact type -> the ids of its rules that hold, in order


class _Matcher:
    def __init__(self, prepared: _Prepared):
        self.prepared = prepared

    def match(self, stratum: int, facts: list[MatchFact]) -> set[tuple[str, str]]:
        fired: set[tuple[str, str]] = set()
        index = self.prepared.index
        for fact in facts:
            group = index.get(fact["type"])
            if group is not None:
                subject = fact["subject"]
                fired.update((rule_id, subject) for rule_id in group(fact))
        return fired


def compile_group(rules: list[tuple[str, MatchCondition]]) -> Callable[[MatchFact], list[str]]:
    """One function for every rule matching one type of match fact: the ids of those whose condition holds.

    Generated as Python source, as a template engine compiles a template: each condition becomes one boolean
    expression over the fact, so a fact costs one call, not a call per comparison.  The source is built from
    the plan's typed conditions (field names and constants written with repr), never from rule text.  A
    condition too deep for Python's compiler is tested by its closures instead (``compile_condition``).
    """
    lines = ["def group(fact):", "    get = fact.get", "    fired = []"]
    namespace: dict[str, Any] = {}
    for number, (rule_id, cond) in enumerate(rules):
        try:
            source = _source(cond)
            compile(source, "<match condition>", "eval")
        except (RecursionError, MemoryError, SyntaxError, TypeError):
            namespace[f"test{number}"] = compile_condition(cond)
            source = f"test{number}(fact)"
        lines.append(f"    if {source}:")
        lines.append(f"        fired.append({rule_id!r})")
    lines.append("    return fired")
    exec(compile("\n".join(lines), "<native match group>", "exec"), namespace)  # noqa: S102 - generated from the plan
    return namespace["group"]  # type: ignore[no-any-return]


_PY_OPS = {"==": "==", "!=": "!=", "<": "<", "<=": "<=", ">": ">", ">=": ">="}


def _source(cond: MatchCondition) -> str:
    """A Python boolean expression for ``cond`` over ``get`` (the match fact's get): what compile_condition's
    closures compute, a comparison with a missing or null value false whatever the operator."""
    if isinstance(cond, Always):
        return "True" if cond.value else "False"
    if isinstance(cond, (AllOf, AnyOf)):
        if not cond.items:
            return "True" if isinstance(cond, AllOf) else "False"
        joiner = " and " if isinstance(cond, AllOf) else " or "
        return "(" + joiner.join(_source(item) for item in cond.items) + ")"
    op = _PY_OPS[cond.op]
    if not cond.is_field and type(cond.value) not in (int, str, bool):
        raise TypeError(f"a constant the compiler never emits: {cond.value!r}")  # tested by its closure instead
    if cond.is_field:
        return f"((a := get({cond.field!r})) is not None and (b := get({cond.value!r})) is not None and a {op} b)"
    return f"((v := get({cond.field!r})) is not None and v {op} {cond.value!r})"


class NativeBackend:
    name = "native"

    def prepare(self, plan: Plan) -> _Prepared:
        groups: dict[str, list[tuple[str, MatchCondition]]] = {}
        for rule in plan.rules:
            groups.setdefault(rule.group, []).append((rule.id, rename_fields(rule.match)))
        return _Prepared(plan, {group: compile_group(rules) for group, rules in groups.items()})

    @contextmanager
    def open(self, prepared: _Prepared) -> Iterator[_Matcher]:
        yield _Matcher(prepared)
