"""The two backends agree: random match conditions over random match facts fire the same rules on both.

Conditions are what the compiler emits (comparisons of an int, text or bool
field with a constant or with another field of its type; ``all``/``any``
nesting; constant true/false); facts give each field a value, null, or
nothing.  Text is drawn from characters durable-rules mishandles unless the
backend protects them (quotes, backslashes, control characters, NUL, non-ASCII).
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from hypothesis_profiles import examples
from match_plans import GROUP, fired, match_fact, plan_of

from caa_engine.backends.durable import durable_available, durable_patterns, to_durable
from caa_engine.backends.native import NativeBackend
from caa_engine.compile import AllOf, Always, AnyOf, Cmp, MatchCondition
from caa_engine.errors import EngineError

needs_durable = pytest.mark.skipif(not durable_available(), reason="durable-rules does not import on this Python")

FIELDS = {"int": ("i0", "i1", "i2"), "str": ("s0", "s1", "id"), "bool": ("b0", "b1")}
OPS = ("==", "!=", "<", "<=", ">", ">=")
TEXT = st.text(alphabet='ab"\\\n\x00\x7fé😀 #', max_size=3)
VALUES: dict[str, st.SearchStrategy[Any]] = {
    "int": st.integers(-3, 3) | st.sampled_from([2**63 - 1, -(2**63), 2**40]),
    "str": TEXT,
    "bool": st.booleans(),
}


@st.composite
def comparisons(draw: st.DrawFn) -> Cmp:
    kind = draw(st.sampled_from(sorted(FIELDS)))
    name = draw(st.sampled_from(FIELDS[kind]))
    op = draw(st.sampled_from(OPS))
    if draw(st.booleans()):
        return Cmp(name, op, draw(st.sampled_from(FIELDS[kind])), is_field=True)
    return Cmp(name, op, draw(VALUES[kind]))


conditions: st.SearchStrategy[MatchCondition] = st.recursive(
    comparisons() | st.builds(Always, st.booleans()),
    lambda inner: (
        st.builds(AllOf, st.lists(inner, max_size=4).map(tuple))
        | st.builds(AnyOf, st.lists(inner, max_size=4).map(tuple))
    ),
    max_leaves=10,
)

ABSENT = object()


@st.composite
def facts(draw: st.DrawFn) -> list[dict[str, Any]]:
    subjects = draw(st.lists(TEXT, min_size=1, max_size=6, unique=True))
    out = []
    for subject in subjects:
        fields: dict[str, Any] = {}
        for kind, names in FIELDS.items():
            for name in names:
                if name == "id":
                    continue
                value = draw(st.one_of(VALUES[kind], st.just(None), st.just(ABSENT)))
                if value is not ABSENT:
                    fields[name] = value
        out.append(match_fact(subject, **fields))
    return out


@needs_durable
@settings(max_examples=examples(250), suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(conditions, min_size=1, max_size=4), facts())
def test_random_conditions_fire_the_same_rules_on_both_backends(
    conds: list[MatchCondition], match_facts: list[dict[str, Any]]
) -> None:
    from caa_engine.backends.durable import DurableBackend

    plan = plan_of(*conds)
    try:
        durable = fired(DurableBackend(), plan, match_facts)
    except EngineError as exc:  # a condition deeper than durable-rules takes is refused loudly, at prepare
        assume("any/all groups" not in str(exc))
        raise
    assert durable == fired(NativeBackend(), plan, match_facts)


@needs_durable
@pytest.mark.parametrize("op", OPS)
@pytest.mark.parametrize(
    ("left", "right"),
    [
        (1, 1),
        (1, 2),
        (2, 1),
        (-(2**63), 2**63 - 1),
        (2**40, 2**40 + 1),
        (True, False),
        (False, False),
        ("a", "a"),
        ("a", "b"),
        ('"', "#"),
    ],
)
def test_field_to_field_comparisons_agree_on_both_backends(op: str, left: Any, right: Any) -> None:
    from caa_engine.backends.durable import DurableBackend

    plan = plan_of(Cmp("x", op, "y", is_field=True))
    fact = [match_fact("a", x=left, y=right)]
    assert fired(DurableBackend(), plan, fact) == fired(NativeBackend(), plan, fact)


def test_native_follows_python_for_present_values_and_is_false_for_absent_ones() -> None:
    plan = plan_of(*[Cmp("x", op, "y", is_field=True) for op in OPS])
    assert fired(NativeBackend(), plan, [match_fact("a", x=1, y=2)]) == {("r1", "a"), ("r2", "a"), ("r3", "a")}
    assert fired(NativeBackend(), plan, [match_fact("a", x=1, y=None), match_fact("b", x=1)]) == set()


# -- the JSON durable-rules is given --------------------------------------------------------------------------------

GUARD_Y = {"$ex": {"f_y": 1}}


@pytest.mark.parametrize(
    ("cond", "expected"),
    [
        (Cmp("f_x", "==", 3), {"f_x": 3}),
        (Cmp("f_x", "!=", True), {"$neq": {"f_x": True}}),
        (Cmp("f_x", "<", "ab"), {"$lt": {"f_x": "6162"}}),  # text travels as hex of its UTF-8
        (Cmp("subject", "==", "é"), {"subject": "c3a9"}),
        (Cmp("f_x", "==", "f_y", is_field=True), {"$and": [GUARD_Y, {"f_x": {"$m": "f_y"}}]}),
        (Cmp("f_x", ">=", "f_y", is_field=True), {"$and": [GUARD_Y, {"$gte": {"f_x": {"$m": "f_y"}}}]}),
        (
            AllOf((Cmp("f_a", "==", 1), AllOf((Cmp("f_b", "==", 2), Cmp("f_x", "<", "f_y", is_field=True))))),
            {"$and": [{"f_a": 1}, {"f_b": 2}, GUARD_Y, {"$lt": {"f_x": {"$m": "f_y"}}}]},
        ),
        (
            AnyOf((Cmp("f_x", "==", "f_y", is_field=True), Cmp("f_z", "==", False))),
            {"$or": [{"$and": [GUARD_Y, {"f_x": {"$m": "f_y"}}]}, {"f_z": False}]},
        ),
        (AnyOf((Cmp("f_a", "==", 1), AnyOf((Cmp("f_b", "==", 2), Always(False))))), {"$or": [{"f_a": 1}, {"f_b": 2}]}),
        (AnyOf((Cmp("f_a", "==", 1), Always(True))), None),
        (AllOf((Cmp("f_a", "==", 1), Always(False))), {"$lt": {"type": ""}}),
        (AllOf(()), None),
        (AnyOf(()), {"$lt": {"type": ""}}),
    ],
)
def test_to_durable_gives_exactly_this_json(cond: MatchCondition, expected: Any) -> None:
    assert to_durable(cond) == expected


@pytest.mark.parametrize(
    ("cond", "expected"),
    [
        (Always(True), [{"type": GROUP}]),
        (Always(False), [{"$and": [{"type": GROUP}, {"$lt": {"type": ""}}]}]),
        (
            AllOf((Cmp("f_a", "==", 1), Cmp("f_b", ">", 2))),
            [{"$and": [{"type": GROUP}, {"f_a": 1}, {"$gt": {"f_b": 2}}]}],
        ),
        (
            AnyOf((Cmp("f_a", "==", 1), Cmp("f_b", ">", 2))),
            [{"$and": [{"type": GROUP}, {"$or": [{"f_a": 1}, {"$gt": {"f_b": 2}}]}]}],
        ),
    ],
)
def test_each_rule_becomes_patterns_that_start_with_its_type(cond: MatchCondition, expected: Any) -> None:
    assert durable_patterns(GROUP, cond) == expected
