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
    index: dict[str, list[tuple[str, Test]]]  # match-fact type -> [(rule id, test)] in file order


class _Matcher:
    def __init__(self, prepared: _Prepared):
        self.prepared = prepared

    def match(self, stratum: int, facts: list[MatchFact]) -> set[tuple[str, str]]:
        fired: set[tuple[str, str]] = set()
        for fact in facts:
            for rule_id, test in self.prepared.index.get(fact["type"], ()):
                if test(fact):
                    fired.add((rule_id, fact["subject"]))
        return fired


class NativeBackend:
    name = "native"

    def prepare(self, plan: Plan) -> _Prepared:
        index: dict[str, list[tuple[str, Test]]] = {}
        for rule in plan.rules:
            index.setdefault(rule.group, []).append((rule.id, compile_condition(rename_fields(rule.match))))
        return _Prepared(plan, index)

    @contextmanager
    def open(self, prepared: _Prepared) -> Iterator[_Matcher]:
        yield _Matcher(prepared)
