"""Conditions as z3 formulas over an over-approximation of what one subject can see, for proofs of absence.

Each rule condition (parameters folded, as the plan holds it) becomes a pair of z3 booleans *(is true, is
false)*, the exact three-valued logic of ``evaluate.py``: a comparison with an unknown side is neither, ``not``
swaps the pair, ``and``/``or`` are Kleene's, ``known(x)`` is two-valued.  Every value the condition reads is a
variable with a *known* flag:

* a field of the subject is the subject's field (known unless the field is nullable); any other name (the
  area, a fact read through a reference, a companion such as ``progress`` or a classification's label) may be
  unknown, since the fact it is read from may not exist;
* an aggregate (``count(theme where score >= 4)``, ``min(theme.score)``, ``share(...)``) is one variable per
  distinct text, free within what is always true of it: a count is a whole number >= 0 and never unknown, and
  at most the count of the same facts with a weaker ``where`` (one whose conjuncts are a subset); a share lies
  in [0, 1]; a minimum, maximum, mean or median is known exactly when the count it is taken over is >= 1;
* texts with a known vocabulary (``outcome.status``, a label) take only those values; numbers are exact
  rationals, dates whole day numbers.

Every state the engine can reach maps to an assignment of these variables, so the abstraction can only
*add* states.  An ``unsat`` answer is therefore a proof about the real rules (the condition can never hold; a
higher rule always fires when this one does; two rules never fire together; some rule always answers); a
``sat`` answer proves nothing, and the caller then relies on search.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import z3

from ..facts import FactType
from ..rules.expr import AGGREGATES, Arith, BoolOp, Call, Compare, Const, Expr, ListLit, Neg, Not, Ref, unparse

__all__ = ["Abstraction", "Term", "aggregates_of", "is_aggregate"]

# Fields the evidence bounds although their type does not say so (docs/evidence.md: scores are 1-4).
BOUNDED_INT_FIELDS = {("kloe", "score"): (1, 4), ("self_assessment", "score"): (1, 4)}


def is_aggregate(expr: Expr) -> bool:
    return (
        isinstance(expr, Call)
        and expr.name in AGGREGATES
        and expr.name not in ("known", "abs")
        and len(expr.args) == 1
        and isinstance(expr.args[0], Ref)
    )


def aggregates_of(expr: Expr) -> list[Call]:
    """The aggregates ``expr`` takes, outermost only, in the order written."""
    found: list[Call] = []

    def visit(node: Expr) -> None:
        if is_aggregate(node):
            assert isinstance(node, Call)
            found.append(node)
            return
        for child in _children(node):
            visit(child)

    visit(expr)
    return found


def _children(node: Expr) -> tuple[Expr, ...]:
    if isinstance(node, (Neg, Not)):
        return (node.operand,)
    if isinstance(node, (Arith, Compare)):
        return (node.left, node.right)
    if isinstance(node, BoolOp):
        return node.items
    if isinstance(node, Call):
        return node.args + ((node.where,) if node.where is not None else ())
    return ()


@dataclass
class Term:
    """A value: its z3 expression (None for a plain boolean pair), whether it is known, and its kind."""

    value: Any
    known: Any
    kind: str  # "num" | "str" | "bool"


@dataclass
class Abstraction:
    """The variables one subject's conditions share, and the facts that always hold of them.

    ``free_numbers``: compare numbers as free booleans (used for a rule's *guard*: could it hold for some
    numbers, given the subject's texts, booleans and which values are known).
    """

    types: dict[str, FactType]
    subject: str
    facts: list[Any] = field(default_factory=list)
    _vars: dict[str, Term] = field(default_factory=dict)
    _aggs: dict[str, Call] = field(default_factory=dict)
    _fresh: int = 0

    # -- variables --------------------------------------------------------------------------------------
    def ref(self, ref: Ref) -> Term:
        key = ref.dotted
        if key in self._vars:
            return self._vars[key]
        head, name = ref.parts[0], ref.parts[-1]
        spec = self.types[head].fields.get(name) if head in self.types else None
        kind = {"int": "num", "number": "num", "date": "num", "bool": "bool"}.get(spec.type if spec else "str", "str")
        nullable = spec is None or spec.nullable or head != self.subject
        known = z3.Bool(f"k:{key}") if nullable else z3.BoolVal(True)
        if kind == "num":
            integral = spec is not None and spec.type in ("int", "date")
            value: Any = z3.Int(key) if integral else z3.Real(key)
            bounds = BOUNDED_INT_FIELDS.get((head, name))
            if bounds:
                self.facts += [value >= bounds[0], value <= bounds[1]]
            if integral:
                value = z3.ToReal(value)
        elif kind == "bool":
            value = z3.Bool(key)
        else:
            value = z3.String(key)
            if spec is not None and spec.values:
                self.facts.append(z3.Or([value == z3.StringVal(v) for v in spec.values]))
        term = self._vars[key] = Term(value, known, kind)
        return term

    def aggregate(self, call: Call) -> Term:
        key = unparse(call)
        if key in self._vars:
            return self._vars[key]
        self._aggs[key] = call
        first = call.args[0]
        assert isinstance(first, Ref)
        if call.name == "count":
            var = z3.Int(key)
            self.facts.append(var >= 0)
            term = Term(z3.ToReal(var), z3.BoolVal(True), "num")
            self._vars[key] = term
            self._tie_count(call, var)
            return term
        if call.name == "share":
            var = z3.Real(key)
            self.facts += [var >= 0, var <= 1]
            term = Term(var, z3.BoolVal(True), "num")
        elif call.name == "sum":
            term = Term(z3.Real(key), z3.BoolVal(True), "num")
        else:  # min, max, mean, lower_median: known exactly when something is counted
            var = z3.Real(key)
            counted = Call(
                call.line, call.column, "count", (Ref(first.line, first.column, first.parts[:1]),), call.where
            )
            count = self.aggregate(counted)
            known = z3.Bool(f"k:{key}")
            self.facts.append(known == (count.value >= 1))
            bounds = BOUNDED_INT_FIELDS.get((first.parts[0], first.parts[-1]))
            if bounds:
                self.facts.append(z3.Implies(known, z3.And(var >= bounds[0], var <= bounds[1])))
            term = Term(var, known, "num")
        self._vars[key] = term
        return term

    def _tie_count(self, call: Call, var: Any) -> None:
        """A count is at most the count of the same facts under a weaker 'where' (fewer conjuncts)."""
        mine = _conjuncts(call.where)
        head = call.args[0]
        assert isinstance(head, Ref)
        for other_key, other in list(self._aggs.items()):
            if other is call or other.name != "count" or other.args[0] != head:
                continue
            theirs = _conjuncts(other.where)
            other_var = z3.Int(other_key)
            if theirs <= mine and theirs != mine:
                self.facts.append(var <= other_var)
            elif mine <= theirs and theirs != mine:
                self.facts.append(other_var <= var)
        if mine:  # and at most the count of all of them
            total = Call(call.line, call.column, "count", (head,), None)
            if unparse(total) not in self._vars:
                self.aggregate(total)
            self.facts.append(var <= z3.Int(unparse(total)))

    def fresh(self) -> Any:
        self._fresh += 1
        return z3.Bool(f"free:{self._fresh}")

    # -- translation ------------------------------------------------------------------------------------
    def truth(self, expr: Expr, free_numbers: bool = False) -> tuple[Any, Any]:
        """(is true, is false) of a condition under three-valued logic."""
        if isinstance(expr, Const) and isinstance(expr.value, bool):
            return z3.BoolVal(expr.value), z3.BoolVal(not expr.value)
        if isinstance(expr, Not):
            t, f = self.truth(expr.operand, free_numbers)
            return f, t
        if isinstance(expr, BoolOp):
            pairs = [self.truth(item, free_numbers) for item in expr.items]
            trues, falses = [p[0] for p in pairs], [p[1] for p in pairs]
            if expr.op == "and":
                return z3.And(trues), z3.Or(falses)
            return z3.Or(trues), z3.And(falses)
        if isinstance(expr, Call) and expr.name == "known":
            term = self.term(expr.args[0])
            return term.known, z3.Not(term.known)
        if isinstance(expr, Compare):
            return self._compare(expr, free_numbers)
        term = self.term(expr)  # a boolean field or value
        return z3.And(term.known, term.value), z3.And(term.known, z3.Not(term.value))

    def _compare(self, expr: Compare, free_numbers: bool) -> tuple[Any, Any]:
        left = self.term(expr.left)
        if expr.op in ("in", "not in"):
            assert isinstance(expr.right, ListLit)
            inside = z3.Or([self._equal(left, self._const(item.value)) for item in expr.right.items] or [False])
            holds = inside if expr.op == "in" else z3.Not(inside)
            return z3.And(left.known, holds), z3.And(left.known, z3.Not(holds))
        right = self.term(expr.right)
        both = z3.And(left.known, right.known)
        if left.kind == "num" and free_numbers:
            choice = self.fresh()
            return z3.And(both, choice), z3.And(both, z3.Not(choice))
        if expr.op in ("==", "!="):
            holds = self._equal(left, right)
            if expr.op == "!=":
                holds = z3.Not(holds)
        else:
            a, b = left.value, right.value
            holds = {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[expr.op]
        return z3.And(both, holds), z3.And(both, z3.Not(holds))

    def _equal(self, left: Term, right: Term) -> Any:
        if left.kind != right.kind:
            return z3.BoolVal(False)
        return left.value == right.value

    def _const(self, value: Any) -> Term:
        if isinstance(value, bool):
            return Term(z3.BoolVal(value), z3.BoolVal(True), "bool")
        if isinstance(value, str):
            return Term(z3.StringVal(value), z3.BoolVal(True), "str")
        if hasattr(value, "toordinal"):
            return Term(z3.RealVal(value.toordinal()), z3.BoolVal(True), "num")
        fraction = Fraction(value)
        return Term(z3.RealVal(f"{fraction.numerator}/{fraction.denominator}"), z3.BoolVal(True), "num")

    def term(self, expr: Expr) -> Term:
        if isinstance(expr, Const):
            return self._const(expr.value)
        if isinstance(expr, Ref):
            return self.ref(expr)
        if isinstance(expr, Neg):
            inner = self.term(expr.operand)
            return Term(-inner.value, inner.known, "num")
        if isinstance(expr, Arith):
            a, b = self.term(expr.left), self.term(expr.right)
            known = z3.And(a.known, b.known)
            if expr.op == "+":
                return Term(a.value + b.value, known, "num")
            if expr.op == "-":
                return Term(a.value - b.value, known, "num")
            if expr.op == "*":
                return Term(a.value * b.value, known, "num")
            return Term(a.value / b.value, z3.And(known, b.value != 0), "num")  # x / 0 is unknown
        if isinstance(expr, Call):
            if is_aggregate(expr):
                return self.aggregate(expr)
            if expr.name == "known":
                t, _ = self.truth(expr)
                return Term(t, z3.BoolVal(True), "bool")
            args = [self.term(arg) for arg in expr.args]
            known = z3.And([a.known for a in args])
            if expr.name == "abs":
                v = args[0].value
                return Term(z3.If(v >= 0, v, -v), known, "num")
            value = args[0].value
            for other in args[1:]:
                value = (
                    z3.If(other.value < value, other.value, value)
                    if expr.name == "min"
                    else z3.If(other.value > value, other.value, value)
                )
            return Term(value, known, "num")
        if isinstance(expr, (Compare, BoolOp, Not)):
            t, f = self.truth(expr)
            return Term(t, z3.Or(t, f), "bool")
        raise TypeError(f"cannot translate {expr!r}")  # pragma: no cover

    # -- questions ----------------------------------------------------------------------------------------
    def unsat(self, *formulas: Any, timeout_ms: int = 2000) -> bool:
        """Whether ``formulas`` cannot all hold (together with every fact known of the variables).

        Unknown (a timeout) counts as not proven."""
        solver = z3.Solver()
        solver.set("timeout", timeout_ms)
        solver.add(*self.facts, *formulas)
        return solver.check() == z3.unsat


def _conjuncts(where: Expr | None) -> frozenset[str]:
    if where is None:
        return frozenset()
    if isinstance(where, BoolOp) and where.op == "and":
        return frozenset(unparse(item) for item in where.items)
    return frozenset((unparse(where),))
