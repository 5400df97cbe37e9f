"""Exact evaluation of expressions over facts, shared by every backend.

Numbers are ints or Fractions, never floats.  Logic is three-valued (SQL's):
a comparison with a missing value is *unknown*, ``not unknown`` is unknown,
and a rule fires only when its condition is true.  ``share(X where c)`` is the
share of X for which ``c`` is true among those for which ``c`` is known, so a
share is taken only over the facts that have what it needs; with nothing to
count it is 0.  With ``trace`` set, every value read is recorded with its
provenance for the audit trail.
"""

from __future__ import annotations

from bisect import insort
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from .facts import Fact, FactType
from .rules.expr import Arith, BoolOp, Call, Compare, Const, Expr, ListLit, Neg, Not, Ref, unparse, walk

__all__ = ["FactStore", "Scope", "evaluate", "compile_expression", "Compiled", "Read", "lower_median", "follow"]


class FactStore:
    """Every fact of one assessment, by type (and by type and body), in id order."""

    def __init__(self, fact_types: dict[str, FactType]):
        self.fact_types = fact_types
        self.by_type: dict[str, list[Fact]] = {}
        self.by_body: dict[tuple[str, str], list[Fact]] = {}
        self.area_wide: dict[str, list[Fact]] = {}  # facts of a per-body type that belong to no body
        self.by_key: dict[tuple[str, str], Fact] = {}

    def add(self, fact: Fact) -> None:
        key = (fact.type, fact.id)
        if key in self.by_key:
            raise ValueError(f"two {fact.type} facts with id '{fact.id}'")
        self.by_key[key] = fact
        insort(self.by_type.setdefault(fact.type, []), fact, key=_fact_id)
        body = fact.fields.get("body")
        if isinstance(body, str):
            insort(self.by_body.setdefault((fact.type, body), []), fact, key=_fact_id)
        elif "body" in fact.fields:
            insort(self.area_wide.setdefault(fact.type, []), fact, key=_fact_id)

    def of(self, type_name: str) -> list[Fact]:
        return self.by_type.get(type_name, [])

    def of_body(self, type_name: str, body: str) -> list[Fact]:
        """The facts of a per-body type that belong to ``body``."""
        return self.by_body.get((type_name, body), [])

    def seen_from(self, type_name: str, body: str) -> list[Fact]:
        """What a rule about ``body`` aggregates: the body's own facts, then those of the whole area."""
        wide = self.area_wide.get(type_name)
        own = self.by_body.get((type_name, body), [])
        return own + wide if wide else own

    def get(self, type_name: str, fact_id: str | None) -> Fact | None:
        return self.by_key.get((type_name, fact_id)) if fact_id is not None else None

    def area(self) -> Fact:
        return self.of("area")[0]


def _fact_id(fact: Fact) -> str:
    return fact.id


@dataclass(slots=True)
class Read:
    """One value a rule or measure read, with where it came from."""

    name: str
    value: Any
    source: str = ""  # file:line of the evidence, or the rule/measure that derived it
    fact: str = ""  # the id of the fact read
    facts: tuple[str, ...] = ()  # for an aggregate: the facts it counted
    among: tuple[str, ...] = ()  # for a share: the facts it was taken over


@dataclass(slots=True)
class Scope:
    store: FactStore
    subject: Fact | None = None
    group: tuple[str, list[Fact]] | None = None  # a measure's group: (type, members)
    item: Fact | None = None
    trace: list[Read] | None = field(default=None)
    # Aggregates already taken while the facts they count cannot change (one stratum's rules: see the session),
    # for compiled expressions: (aggregate, body) -> (value, ids counted, ids taken over).
    memo: dict[tuple[tuple[str, str | None], str | None], tuple[Any, tuple[str, ...], tuple[str, ...]]] | None = None

    def collection(self, type_name: str) -> list[Fact]:
        if self.group is not None and self.group[0] == type_name:
            return self.group[1]
        facts = self.store.of(type_name)
        fact_type = self.store.fact_types[type_name]
        body = self.subject.body() if self.subject is not None else None
        if fact_type.per_body and body is not None:
            return self.store.seen_from(type_name, body)
        return facts

    @property
    def tracing(self) -> bool:
        """Whether reads are being recorded (never inside a 'where', whose items the aggregate reports)."""
        return self.trace is not None and self.item is None

    def record(self, read: Read) -> None:
        if self.trace is not None and self.item is None:
            self.trace.append(read)


def lower_median(values: list[Any]) -> Any:
    ordered = sorted(values)
    return ordered[(len(ordered) - 1) // 2]


def _number(value: Any) -> Any:
    if isinstance(value, Fraction) and value.denominator == 1:
        return int(value)
    return value


def evaluate(expr: Expr, scope: Scope) -> Any:
    """The value of ``expr``: int, Fraction, str, bool, or None for missing/unknown."""
    if isinstance(expr, Const):
        return expr.value
    if isinstance(expr, Ref):
        return _ref(expr, scope)
    if isinstance(expr, Neg):
        value = evaluate(expr.operand, scope)
        return None if value is None else -value
    if isinstance(expr, Not):
        value = evaluate(expr.operand, scope)
        return None if value is None else not value
    if isinstance(expr, BoolOp):
        return _boolop(expr, scope)
    if isinstance(expr, Arith):
        left, right = evaluate(expr.left, scope), evaluate(expr.right, scope)
        if left is None or right is None:
            return None
        if expr.op == "+":
            return left + right
        if expr.op == "-":
            return left - right
        if expr.op == "*":
            return left * right
        return None if right == 0 else _number(Fraction(left) / Fraction(right))
    if isinstance(expr, Compare):
        return _compare(expr, scope)
    if isinstance(expr, Call):
        return _call(expr, scope)
    raise TypeError(f"cannot evaluate {expr!r}")  # pragma: no cover


def follow(store: FactStore, fact: Fact, head: str) -> Fact | None:
    """The fact ``head`` names from ``fact``: through a reference field holding its id, or a companion's
    same id."""
    fact_type = store.fact_types.get(fact.type)
    spec = fact_type.fields.get(head) if fact_type is not None else None
    if spec is not None and spec.refers == head:
        target = fact.fields.get(head)
        return store.get(head, target) if isinstance(target, str) else None
    return store.get(head, fact.id)


def _ref(ref: Ref, scope: Scope) -> Any:
    parts = ref.parts
    fact: Fact | None
    item = scope.item
    if item is not None and (len(parts) == 1 or parts[0] == item.type):
        return item.get(parts[-1])
    if scope.subject is not None and parts[0] == scope.subject.type:
        fact = scope.subject
    elif parts[0] == "area":
        fact = scope.store.area()
    elif item is not None and _reaches(scope.store, item, parts[0]):
        target = follow(scope.store, item, parts[0])  # inside 'where': the aggregate reports its items
        return None if target is None else target.get(parts[1])
    elif scope.subject is not None and _reaches(scope.store, scope.subject, parts[0]):
        fact = follow(scope.store, scope.subject, parts[0])
        if fact is None and scope.tracing and scope.subject.fields.get(parts[0], 0) is None:
            # Nothing to read through (no risk-register entry, say): the trail shows the empty reference.
            subject = scope.subject
            name = f"{subject.type}.{parts[0]}"
            scope.record(Read(name, subject.fields[parts[0]], subject.origin.get(parts[0], ""), subject.id))
    else:  # pragma: no cover - the checker refuses other names
        raise KeyError(ref.dotted)
    if fact is None:
        return None
    value = fact.get(parts[1])
    if scope.tracing:
        scope.record(Read(ref.dotted, value, fact.origin.get(parts[1], ""), fact.id))
    return value


def _reaches(store: FactStore, fact: Fact, head: str) -> bool:
    fact_type = store.fact_types.get(fact.type)
    return fact_type is not None and fact_type.refers_to(head, store.fact_types)


def _boolop(expr: BoolOp, scope: Scope) -> Any:
    values = [evaluate(item, scope) for item in expr.items]
    decisive = expr.op == "or"  # True decides an 'or', False decides an 'and'
    if decisive in values:
        return decisive
    if None in values:
        return None
    return not decisive


_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}


def _compare(expr: Compare, scope: Scope) -> Any:
    left = evaluate(expr.left, scope)
    if expr.op in ("in", "not in"):
        assert isinstance(expr.right, ListLit)
        if left is None:
            return None
        found = any(left == item.value for item in expr.right.items)
        return found if expr.op == "in" else not found
    right = evaluate(expr.right, scope)
    if left is None or right is None:
        return None
    return _OPS[expr.op](left, right)


def aggregate_of(name: str, field_name: str, counted: list[Fact], known: list[Fact]) -> tuple[Any, list[Fact]]:
    """The value of the aggregate ``name`` over the facts its 'where' holds for (``counted``) among those it is
    known for (``known``), and the facts it counted: for a field's sum, minimum and so on, those that have it."""
    if name == "count":
        return len(counted), counted
    if name == "share":
        return (_number(Fraction(len(counted), len(known))) if known else 0), counted
    counted = [m for m in counted if m.get(field_name) is not None]
    values = [m.get(field_name) for m in counted]
    if name == "sum":
        return sum(values), counted
    if not values:
        return None, counted
    if name == "min":
        return min(values), counted
    if name == "max":
        return max(values), counted
    if name == "mean":
        return _number(Fraction(sum(values)) / len(values)), counted
    return lower_median(values), counted


def _call(call: Call, scope: Scope) -> Any:
    name = call.name
    if name == "known":  # the one function that is never unknown: whether its argument has a value
        return evaluate(call.args[0], scope) is not None
    if name == "abs" or len(call.args) > 1:
        values = [evaluate(arg, scope) for arg in call.args]
        if any(v is None for v in values):
            return None
        if name == "abs":
            return abs(values[0])
        return min(values) if name == "min" else max(values)
    first = call.args[0]
    assert isinstance(first, Ref)
    collection_type = first.parts[0]
    members = scope.collection(collection_type)
    counted: list[Fact] = []
    known: list[Fact] = []
    for member in members:
        if call.where is None:
            verdict: Any = True
        else:
            verdict = evaluate(call.where, Scope(scope.store, scope.subject, scope.group, member))
        if verdict is not None:
            known.append(member)
        if verdict is True:
            counted.append(member)
    result, counted = aggregate_of(name, first.parts[1] if len(first.parts) > 1 else "", counted, known)
    if scope.tracing:
        among = tuple(m.id for m in known) if name == "share" else ()
        scope.record(Read(unparse(call), result, "", "", tuple(m.id for m in counted), among))
    return result


# -- compiled evaluation ------------------------------------------------------------------------------------------
#
# ``evaluate`` above is the reference: it walks the tree and decides every name at each step.  A plan's
# expressions are evaluated thousands of times per assessment, always with the same kind of subject (a rule's
# or measure's ``per`` type) and, inside a ``where``, the same kind of item, so which fact each name reads is
# known when the rules are loaded.  ``compile_expression`` decides it then, once, and returns a closure that
# gives exactly what ``evaluate`` gives (values and trace alike): the tests hold the two to each other.

Compiled = Callable[[Scope], Any]


def compile_expression(
    expr: Expr, types: dict[str, FactType], subject_type: str | None, item_type: str | None = None
) -> Compiled:
    """A closure equal to ``lambda scope: evaluate(expr, scope)`` for scopes whose subject is of
    ``subject_type`` (or none) and whose item, inside a ``where``, is of ``item_type``."""
    return _Compiler(types, subject_type, item_type).compile(expr)


class _Compiler:
    def __init__(self, types: dict[str, FactType], subject_type: str | None, item_type: str | None):
        self.types = types
        self.subject_type = subject_type
        self.item_type = item_type

    def compile(self, expr: Expr) -> Compiled:
        if isinstance(expr, Const):
            value = expr.value
            return lambda scope: value
        if isinstance(expr, Ref):
            return self.ref(expr)
        if isinstance(expr, Neg):
            inner = self.compile(expr.operand)

            def neg(scope: Scope) -> Any:
                value = inner(scope)
                return None if value is None else -value

            return neg
        if isinstance(expr, Not):
            inner = self.compile(expr.operand)

            def negation(scope: Scope) -> Any:
                value = inner(scope)
                return None if value is None else not value

            return negation
        if isinstance(expr, BoolOp):
            return self.boolop(expr)
        if isinstance(expr, Arith):
            return self.arith(expr)
        if isinstance(expr, Compare):
            return self.compare(expr)
        if isinstance(expr, Call):
            return self.call(expr)
        return lambda scope: evaluate(expr, scope)  # pragma: no cover - every node is handled above

    def boolop(self, expr: BoolOp) -> Compiled:
        items = tuple(self.compile(item) for item in expr.items)
        decisive = expr.op == "or"
        undecided = not decisive

        def boolop(scope: Scope) -> Any:
            values = [item(scope) for item in items]  # every item, as evaluate does: each read is traced
            if decisive in values:
                return decisive
            if None in values:
                return None
            return undecided

        return boolop

    def arith(self, expr: Arith) -> Compiled:
        left, right, op = self.compile(expr.left), self.compile(expr.right), expr.op

        def arith(scope: Scope) -> Any:
            a, b = left(scope), right(scope)
            if a is None or b is None:
                return None
            if op == "+":
                return a + b
            if op == "-":
                return a - b
            if op == "*":
                return a * b
            return None if b == 0 else _number(Fraction(a) / Fraction(b))

        return arith

    def compare(self, expr: Compare) -> Compiled:
        left = self.compile(expr.left)
        if expr.op in ("in", "not in"):
            assert isinstance(expr.right, ListLit)
            options = tuple(item.value for item in expr.right.items)
            positive = expr.op == "in"

            def member(scope: Scope) -> Any:
                value = left(scope)
                if value is None:
                    return None
                found = any(value == option for option in options)
                return found if positive else not found

            return member
        right, op = self.compile(expr.right), _OPS[expr.op]

        def compare(scope: Scope) -> Any:
            a = left(scope)
            b = right(scope)
            if a is None or b is None:
                return None
            return op(a, b)

        return compare

    def reaches(self, type_name: str | None, head: str) -> bool:
        fact_type = self.types.get(type_name) if type_name is not None else None
        return fact_type is not None and fact_type.refers_to(head, self.types)

    def follower(self, type_name: str, head: str) -> Callable[[FactStore, Fact], Fact | None]:
        """``follow`` with its branch decided: through a reference field, or to a companion's same id."""
        spec = self.types[type_name].fields.get(head)
        if spec is not None and spec.refers == head:

            def through(store: FactStore, fact: Fact) -> Fact | None:
                target = fact.fields.get(head)
                return store.by_key.get((head, target)) if isinstance(target, str) else None

            return through
        return lambda store, fact: store.by_key.get((head, fact.id))

    def ref(self, ref: Ref) -> Compiled:
        parts, item_type, subject_type = ref.parts, self.item_type, self.subject_type
        last = parts[-1]
        if item_type is not None and (len(parts) == 1 or parts[0] == item_type):
            if last == "id":
                return lambda scope: scope.item.id  # type: ignore[union-attr]
            return lambda scope: scope.item.fields.get(last)  # type: ignore[union-attr]
        if len(parts) != 2:
            return lambda scope: _ref(ref, scope)  # pragma: no cover - the checker refuses other names
        head, name, dotted = parts[0], parts[1], ref.dotted
        reader = _reader(name)
        if subject_type is not None and head == subject_type and name != "id":
            # The commonest read of all (a rule's own subject's field), written out in full.

            def own(scope: Scope) -> Any:
                fact = scope.subject
                if fact is None:  # pragma: no cover - a subject of this type is always given
                    return None
                value = fact.fields.get(name)
                trace = scope.trace
                if trace is not None and scope.item is None:
                    trace.append(Read(dotted, value, fact.origin.get(name, ""), fact.id))
                return value

            return own
        if subject_type is not None and head == subject_type:

            def fetch(scope: Scope) -> Fact | None:
                return scope.subject
        elif head == "area":

            def fetch(scope: Scope) -> Fact | None:
                return scope.store.area()
        elif item_type is not None and self.reaches(item_type, head):
            follow_item = self.follower(item_type, head)

            def through_item(scope: Scope) -> Any:
                target = follow_item(scope.store, scope.item)  # type: ignore[arg-type]
                return None if target is None else reader(target)

            return through_item
        elif subject_type is not None and self.reaches(subject_type, head):
            follow_subject = self.follower(subject_type, head)
            empty = f"{subject_type}.{head}"

            def fetch(scope: Scope) -> Fact | None:
                subject = scope.subject
                fact = follow_subject(scope.store, subject)  # type: ignore[arg-type]
                if fact is None and scope.trace is not None and scope.item is None:
                    fields = subject.fields  # type: ignore[union-attr]
                    if fields.get(head, 0) is None:  # nothing to read through: the trail shows the empty reference
                        scope.trace.append(Read(empty, None, subject.origin.get(head, ""), subject.id))  # type: ignore[union-attr]
                return fact
        else:
            return lambda scope: _ref(ref, scope)  # pragma: no cover - the checker refuses other names

        def read(scope: Scope) -> Any:
            fact = fetch(scope)
            if fact is None:
                return None
            value = reader(fact)
            if scope.trace is not None and scope.item is None:
                scope.trace.append(Read(dotted, value, fact.origin.get(name, ""), fact.id))
            return value

        return read

    def call(self, call: Call) -> Compiled:
        name = call.name
        if name == "known":
            inner = self.compile(call.args[0])
            return lambda scope: inner(scope) is not None
        if name == "abs" or len(call.args) > 1:
            args = tuple(self.compile(arg) for arg in call.args)

            def function(scope: Scope) -> Any:
                values = [arg(scope) for arg in args]
                if any(v is None for v in values):
                    return None
                if name == "abs":
                    return abs(values[0])
                return min(values) if name == "min" else max(values)

            return function
        first = call.args[0]
        assert isinstance(first, Ref)
        collection_type = first.parts[0]
        per_body = self.types[collection_type].per_body if collection_type in self.types else False
        where = (
            _Compiler(self.types, self.subject_type, collection_type).compile(call.where)
            if call.where is not None
            else None
        )
        field_name = first.parts[1] if len(first.parts) > 1 else ""
        text = unparse(call)
        # The same aggregate for two subjects of one body counts the same facts, unless its 'where' reads the
        # subject (or counts something else inside): only then is it taken afresh for each.
        shared = call.where is None or not self.reads_subject(call.where, collection_type)
        node = (text, self.subject_type)  # the same text means the same aggregate for subjects of one type

        def aggregate(scope: Scope) -> Any:
            group = scope.group
            memo = scope.memo
            key: tuple[tuple[str, str | None], str | None] | None = None
            if memo is not None and shared and (group is None or group[0] != collection_type):
                subject = scope.subject
                key = (node, subject.body() if per_body and subject is not None else None)
                known_value = memo.get(key)
                if known_value is not None:
                    if scope.trace is not None and scope.item is None:
                        scope.trace.append(Read(text, known_value[0], "", "", known_value[1], known_value[2]))
                    return known_value[0]
            if group is not None and group[0] == collection_type:
                members = group[1]
            else:
                subject = scope.subject
                body = subject.body() if subject is not None else None
                store = scope.store
                members = (
                    store.seen_from(collection_type, body)
                    if per_body and body is not None
                    else store.of(collection_type)
                )
            if where is None:
                counted = known = members
            else:
                inner = Scope(scope.store, scope.subject, group, None)
                counted, known = [], []
                for member in members:
                    inner.item = member
                    verdict = where(inner)
                    if verdict is not None:
                        known.append(member)
                        if verdict is True:
                            counted.append(member)
            result, counted = aggregate_of(name, field_name, counted, known)
            if key is not None or (scope.trace is not None and scope.item is None):
                among = tuple(m.id for m in known) if name == "share" else ()
                ids = tuple(m.id for m in counted)
                if key is not None:
                    memo[key] = (result, ids, among)  # type: ignore[index]
                if scope.trace is not None and scope.item is None:
                    scope.trace.append(Read(text, result, "", "", ids, among))
            return result

        return aggregate

    def reads_subject(self, where: Expr, item_type: str) -> bool:
        """Whether a 'where' over items of ``item_type`` reads anything but the item, the area and what the
        item refers to (the subject, or another aggregate's facts), as ``ref`` resolves its names."""
        for node in walk(where):
            if isinstance(node, Call) and node.name not in ("known", "abs") and len(node.args) == 1:
                return True  # an aggregate inside: taken afresh
            if not isinstance(node, Ref):
                continue
            parts = node.parts
            if len(parts) == 1 or parts[0] == item_type or parts[0] == "area":
                continue
            if self.reaches(item_type, parts[0]) and parts[0] != self.subject_type:
                continue
            return True
        return False


def _reader(name: str) -> Callable[[Fact], Any]:
    if name == "id":
        return lambda fact: fact.id
    return lambda fact: fact.fields.get(name)
