"""Exact three-valued evaluation (caa_engine/evaluate.py), and that every backend agrees with it."""

from __future__ import annotations

import operator
import tempfile
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_profiles import examples
from rule_folders import KLOE_TABLE, bundle, plan_of, rule, ruleset

from caa_engine import Engine
from caa_engine.compile import Plan
from caa_engine.evaluate import FactStore, Read, Scope, evaluate, lower_median
from caa_engine.evidence.loader import bundle_facts, bundle_from_dict
from caa_engine.facts import Fact, FactType, FieldSpec
from caa_engine.rules.expr import parse_expression
from caa_engine.session import INT64, _operand_fields

TYPES = {
    "t": FactType(
        "t",
        {
            "a": FieldSpec("int", nullable=True),
            "b": FieldSpec("int"),
            "w": FieldSpec("number", True),
            "ok": FieldSpec("bool", nullable=True),
        },
    ),
    "empty": FactType("empty", {"a": FieldSpec("int", nullable=True)}),
}


def store_of(*rows: dict[str, Any]) -> FactStore:
    store = FactStore(TYPES)
    for n, fields in enumerate(rows):
        store.add(Fact("t", f"t{n}", dict(fields), {name: f"evidence.yaml:{n + 1}" for name in fields}))
    return store


def value(text: str, store: FactStore | None = None, subject: Fact | None = None) -> Any:
    return evaluate(parse_expression(text), Scope(store or store_of(), subject=subject))


# The subject: a known (b = 1, ok = true) and an unknown (a missing).
SUBJECT = Fact("t", "s", {"a": None, "b": 1, "w": None, "ok": True})


def about(text: str) -> Any:
    return value(text, store_of(SUBJECT.fields), SUBJECT)


# -- three-valued logic ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("t.a == 1", None),
        ("t.a != 1", None),
        ("not t.a == 1", None),
        ("not not t.a == 1", None),
        ("t.a in [1, 2]", None),
        ("t.a not in [1, 2]", None),
        ("t.a + 1 > 0", None),
        ("-t.a < 0", None),
        ("abs(t.a) >= 0", None),
        ("max(t.a, t.b) >= 1", None),
        ("t.b == 2 and t.a == 1", False),
        ("t.a == 1 and t.b == 2", False),
        ("t.b == 1 and t.a == 1", None),
        ("t.b == 1 or t.a == 1", True),
        ("t.a == 1 or t.b == 1", True),
        ("t.b == 2 or t.a == 1", None),
        ("not (t.b == 2 or t.a == 1)", None),
        ("not (t.b == 2 and t.a == 1)", True),
        ("t.ok", True),
        ("not t.ok", False),
        ("t.b == 1", True),
    ],
)
def test_unknown_propagates_as_in_sql(text: str, expected: Any) -> None:
    assert about(text) is expected


# -- aggregates --------------------------------------------------------------------------------------------------


SCORES = store_of({"a": 1, "b": 1}, {"a": 2, "b": 1}, {"a": 3, "b": 1}, {"a": None, "b": 1})


def test_share_is_taken_over_the_facts_whose_filter_is_known() -> None:
    assert value("share(t where a >= 2)", SCORES) == Fraction(2, 3)
    assert value("share(t where b == 1)", SCORES) == 1


def test_share_with_nothing_to_count_is_zero() -> None:
    assert value("share(empty where a >= 2)", SCORES) == 0
    assert value("share(t where a >= 2)", store_of({"a": None, "b": 1})) == 0


def test_count_counts_only_facts_whose_filter_is_true() -> None:
    assert value("count(t where a >= 2)", SCORES) == 2
    assert value("count(t where not a >= 2)", SCORES) == 1  # the unknown one is in neither
    assert value("count(t)", SCORES) == 4
    assert value("count(empty)", SCORES) == 0


@pytest.mark.parametrize(
    ("values", "median"),
    [
        ([3], 3),
        ([1, 2, 3], 2),
        ([1, 2, 3, 4], 2),
        ([4, 1, 3], 3),
        ([4, 3, 2, 1], 2),
        ([2, 2, 3, 3], 2),
        ([Fraction(1, 2), 1, Fraction(1, 3)], Fraction(1, 2)),
    ],
)
def test_lower_median_takes_the_lower_middle_value(values: list[Any], median: Any) -> None:
    assert lower_median(values) == median
    store = store_of(*({"a": v, "b": 0} for v in values))
    assert value("lower_median(t.a)", store) == median


def test_mean_is_an_exact_fraction_and_a_whole_mean_an_int() -> None:
    mean = value("mean(t.a)", store_of({"a": 1, "b": 0}, {"a": 2, "b": 0}))
    assert mean == Fraction(3, 2) and isinstance(mean, Fraction)
    mean = value("mean(t.a)", store_of({"a": 1, "b": 0}, {"a": 2, "b": 0}, {"a": 3, "b": 0}))
    assert mean == 2 and type(mean) is int
    assert value("mean(t.a)", store_of(*({"a": v, "b": 0} for v in (1, 1, 2)))) == Fraction(4, 3)


def test_aggregates_skip_missing_values() -> None:
    assert value("min(t.a)", SCORES) == 1
    assert value("max(t.a)", SCORES) == 3
    assert value("sum(t.a)", SCORES) == 6
    assert value("mean(t.a)", SCORES) == 2
    assert value("lower_median(t.a)", SCORES) == 2


@pytest.mark.parametrize("function", ["min", "max", "mean", "lower_median"])
def test_min_max_mean_and_median_of_nothing_are_unknown(function: str) -> None:
    assert value(f"{function}(empty.a)", SCORES) is None
    assert value(f"{function}(t.a where a > 10)", SCORES) is None
    assert value(f"{function}(t.a)", store_of({"a": None, "b": 0})) is None


def test_sum_and_count_of_nothing_are_zero() -> None:
    assert value("sum(empty.a)", SCORES) == 0
    assert value("sum(t.a where a > 10)", SCORES) == 0
    assert value("count(t where a > 10)", SCORES) == 0


def test_an_aggregate_with_a_filter_keeps_only_the_facts_it_counted() -> None:
    trace: list[Read] = []
    evaluate(parse_expression("min(t.a where b == 1) >= 1"), Scope(SCORES, trace=trace))
    assert [(r.name, r.value, r.facts) for r in trace] == [("min(t.a where b == 1)", 1, ("t0", "t1", "t2"))]


# -- arithmetic --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1 / 0", None),
        ("1 / (t.b - 1)", None),
        ("1 / 3", Fraction(1, 3)),
        ("6 / 3", 2),
        ("0.1 + 0.2 == 0.3", True),
        ("1 / 3 * 3 == 1", True),
        ("2 / 3 >= 0.6667", False),
        ("2 / 3 >= 0.6666", True),
        ("-(1 - 3)", 2),
        ("abs(1 - 3.5)", Fraction(5, 2)),
        ("min(1, 0.5, 2)", Fraction(1, 2)),
        ("max(1, 0.5, 2)", 2),
    ],
)
def test_arithmetic_is_exact_and_division_by_zero_is_unknown(text: str, expected: Any) -> None:
    result = about(text)
    assert result == expected and (expected is not None or result is None)
    assert not isinstance(result, float)


def test_integer_division_that_comes_out_whole_is_an_int() -> None:
    assert type(about("6 / 3")) is int


# -- the session's integer comparison ----------------------------------------------------------------------------

OPS = {"==": operator.eq, "!=": operator.ne, "<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}
exact_numbers = st.one_of(
    st.integers(min_value=-(10**9), max_value=10**9),
    st.fractions(min_value=-(10**6), max_value=10**6, max_denominator=10**6),
)


@settings(max_examples=examples(500))
@given(exact_numbers, exact_numbers, st.sampled_from(sorted(OPS)))
def test_cross_multiplied_integers_compare_exactly_as_the_fractions_do(left: Any, right: Any, op: str) -> None:
    fields = _operand_fields("k", left, right)
    assert fields["kv"] == 1
    assert type(fields["kl"]) is int and type(fields["kr"]) is int
    assert OPS[op](fields["kl"], fields["kr"]) == OPS[op](left, right)


@pytest.mark.parametrize(("left", "right"), [("a", "b"), ("a", "a"), (True, False), (True, True)])
def test_text_and_booleans_are_compared_as_they_are(left: Any, right: Any) -> None:
    assert _operand_fields("k", left, right) == {"kv": 1, "kl": left, "kr": right}


@pytest.mark.parametrize(("left", "right"), [(None, 1), (1, None), (None, None), (None, "a")])
def test_a_comparison_with_a_missing_value_is_marked_unknown(left: Any, right: Any) -> None:
    assert _operand_fields("k", left, right)["kv"] == 0


@pytest.mark.parametrize(
    ("left", "right"),
    [
        (Fraction(INT64, 3), Fraction(1, INT64)),
        (Fraction(1, INT64), Fraction(INT64, 3)),
        (10**30, 10**30),
        (3, Fraction(1, 10**30)),
        (-(10**30), Fraction(-1, 10**30)),
    ],
)
def test_numbers_too_large_to_cross_multiply_within_int64_still_compare_exactly(left: Any, right: Any) -> None:
    # They used to be an EngineError, so a rule with a large or very precise number failed at assessment.
    fields = _operand_fields("k", left, right)
    assert all(type(fields[name]) is int and abs(fields[name]) <= INT64 for name in ("kl", "kr"))
    for op, compare in OPS.items():
        assert compare(fields["kl"], fields["kr"]) == compare(left, right), op


# -- exactness end to end, on every backend ----------------------------------------------------------------------


def fired(plan: Plan | Engine, evidence: dict[str, Any], backend: str = "") -> set[tuple[str, str]]:
    """(rule, subject) of every rule that fired (every test rule adds a note)."""
    engine = plan if isinstance(plan, Engine) else Engine(plan, backend)
    return {(note.rule, note.subject) for note in engine.assess(evidence).notes}


def expected_by_evaluation(plan: Plan, evidence: dict[str, Any]) -> set[tuple[str, str]]:
    """(rule, subject) where exact evaluation of the condition is true (rules reading evidence only)."""
    store = FactStore(plan.fact_types)
    for fact in bundle_facts(bundle_from_dict(evidence), plan.tables):
        store.add(fact)
    return {
        (r.id, subject.id)
        for r in plan.rules
        for subject in store.of(r.per)
        if evaluate(r.condition, Scope(store, subject=subject)) is True
    }


THREE_QUARTERS = {"b1": {"1.1": 3, "1.2": 4, "2.1": 3, "2.2": 1}}  # share with score >= 3: exactly 3/4
TWO_THIRDS = {"b1": {"1.1": 3, "1.2": 4, "2.1": 1}}  # exactly 2/3


@pytest.mark.parametrize(
    ("kloes", "when", "fires"),
    [
        (THREE_QUARTERS, "share(kloe where score >= 3) >= 75%", True),
        (THREE_QUARTERS, "share(kloe where score >= 3) >= 0.75", True),
        (THREE_QUARTERS, "share(kloe where score >= 3) >= params.three_quarters", True),
        (THREE_QUARTERS, "share(kloe where score >= 3) == 3 / 4", True),
        (THREE_QUARTERS, "share(kloe where score >= 3) > 75%", False),
        (THREE_QUARTERS, "share(kloe where score >= 3) < 0.75", False),
        (TWO_THIRDS, "share(kloe where score >= 3) >= 0.6667", False),
        (TWO_THIRDS, "share(kloe where score >= 3) >= 0.6666", True),
        (TWO_THIRDS, "share(kloe where score >= 3) * 3 == 2", True),
        (TWO_THIRDS, "share(kloe where score >= 3) == 2 / 3", True),
        (TWO_THIRDS, "mean(kloe.score) == 8 / 3", True),
        (TWO_THIRDS, "mean(kloe.score) > 2.6666666666666667", False),
    ],
)
def test_a_share_meets_a_threshold_exactly_on_every_backend(
    tmp_path: Path, backend: str, kloes: dict[str, dict[str, int]], when: str, fires: bool
) -> None:
    plan = plan_of(tmp_path, {"r.yaml": ruleset(rules=[rule("r", when)])})
    assert fired(plan, bundle(kloes), backend) == ({("r", "b1")} if fires else set())


def test_table_decimals_add_up_exactly_on_every_backend(tmp_path: Path, backend: str) -> None:
    # regression: table values stayed floats, so 0.1 + 0.2 == 0.3 was false for a kloe weighted 0.1
    plan = plan_of(
        tmp_path,
        {
            "r.yaml": ruleset(
                tables={"kloe": KLOE_TABLE},
                rules=[
                    rule("sum_exact", "kloe.weight + 0.2 == 0.3", per="kloe"),
                    rule("at_least", "kloe.weight >= 0.3", per="kloe"),
                ],
            )
        },
    )
    evidence = bundle({"b1": {"1.1": 2, "1.2": 2, "2.1": 2, "2.2": 2}})
    assert fired(plan, evidence, backend) == {
        ("sum_exact", "b1/kloe/1.1"),
        ("at_least", "b1/kloe/2.1"),
        ("at_least", "b1/kloe/2.2"),
    }


def test_unknown_does_not_fire_and_neither_does_its_negation_on_every_backend(tmp_path: Path, backend: str) -> None:
    plan = plan_of(
        tmp_path,
        {
            "r.yaml": ruleset(
                tables={"kloe": KLOE_TABLE},
                rules=[
                    rule("capped", "kloe.cap >= 3", per="kloe"),
                    rule("not_capped", "not kloe.cap >= 3", per="kloe"),
                    rule("either", "kloe.cap >= 3 or kloe.score >= 1", per="kloe"),
                    rule("both", "not (kloe.cap >= 3 and kloe.score >= 5)", per="kloe"),
                ],
            )
        },
    )
    evidence = bundle({"b1": {"1.1": 2, "1.2": 2, "2.1": 2}})  # cap 3, cap 2, no cap
    assert fired(plan, evidence, backend) == {
        ("capped", "b1/kloe/1.1"),
        ("not_capped", "b1/kloe/1.2"),
        ("either", "b1/kloe/1.1"),
        ("either", "b1/kloe/1.2"),
        ("either", "b1/kloe/2.1"),
        ("both", "b1/kloe/1.1"),
        ("both", "b1/kloe/1.2"),
        ("both", "b1/kloe/2.1"),
    }


def test_an_aggregate_in_a_rule_reads_only_its_subjects_body_on_every_backend(tmp_path: Path, backend: str) -> None:
    plan = plan_of(
        tmp_path,
        {
            "r.yaml": ruleset(
                rules=[
                    rule("lowest_of_body", "kloe.score == min(kloe.score)", per="kloe"),
                    rule("busy_body", "count(kloe) >= 3"),
                ]
            )
        },
    )
    evidence = bundle({"b1": {"1.1": 2, "1.2": 3, "2.1": 4}, "b2": {"1.1": 3, "1.2": 4}, "b3": {}})
    assert fired(plan, evidence, backend) == {
        ("lowest_of_body", "b1/kloe/1.1"),
        ("lowest_of_body", "b2/kloe/1.1"),
        ("busy_body", "b1"),
    }


# -- every backend fires exactly where exact evaluation is true (hypothesis) -------------------------------------

ATOMS = [
    "kloe.score >= {n}",
    "kloe.score == {n}",
    "kloe.score != {n}",
    "kloe.score < {d}",
    "kloe.cap >= {n}",
    "kloe.cap == {n}",
    "kloe.score >= kloe.cap",
    "kloe.score - kloe.cap == {n}",
    "kloe.weight > {d}",
    "kloe.weight + {d} <= 0.5",
    "kloe.score * kloe.weight >= {d}",
    "kloe.score / (kloe.cap - 2) > {n}",
    "kloe.theme == 'money'",
    "kloe.code in ['1.1', '2.2']",
    "kloe.code not in ['1.2']",
    "kloe.theme in []",
    "kloe.code == kloe.theme",
    "kloe.id == 'b1/kloe/1.1'",
    "kloe.core",
    "kloe.core == false",
    "(kloe.score > {n}) == kloe.core",
    "(kloe.cap > {n}) != kloe.core",
    "body.lead",
    "body.kind == 'district'",
    "area.name != 'Testshire'",
    "count(kloe where score >= {n}) >= 2",
    "share(kloe where cap >= {n}) >= 50%",
    "min(kloe.cap) >= {n}",
    "mean(kloe.weight) > {d}",
    "lower_median(kloe.score) >= {n}",
    "sum(kloe.score) > {n} * 3",
    "max(kloe.score, kloe.cap) >= {n}",
    "abs(kloe.score - {d}) <= 1",
    "-kloe.score < -{n}",
    "kloe.score <= params.two",
    "kloe.weight < params.three_quarters",
]
BODY_ATOMS = [
    "body.lead",
    "body.kind == 'district'",
    "area.name == 'Testshire'",
    "body.id in ['b1', 'b3']",
    "count(kloe where score >= {n}) >= 2",
    "count(kloe where theme == 'money' and not core) >= 1",
    "share(kloe where cap >= {n}) >= 50%",
    "share(kloe where weight * 2 > {d}) < 0.5",
    "min(kloe.cap) >= {n}",
    "max(kloe.score) - min(kloe.score) <= {n}",
    "mean(kloe.weight) > {d}",
    "lower_median(kloe.score) >= {n}",
    "sum(kloe.score) > {n} * 3",
    "sum(kloe.weight) == {d}",
    "count(kloe) / count(kloe where score >= 2) >= {d}",
]


def _conditions(templates: list[str]) -> st.SearchStrategy[str]:
    atoms = st.builds(
        lambda template, n, d: template.format(n=n, d=d),
        st.sampled_from(templates),
        st.integers(-1, 5),
        st.sampled_from(["0", "0.1", "0.3", "0.35", "2.5", "3", "75%"]),
    )
    return st.recursive(
        atoms,
        lambda inner: st.one_of(
            inner.map(lambda c: f"not ({c})"),
            st.tuples(inner, inner).map(lambda p: f"({p[0]}) and ({p[1]})"),
            st.tuples(inner, inner).map(lambda p: f"({p[0]}) or ({p[1]})"),
        ),
        max_leaves=4,
    )


EVIDENCE = [
    bundle({"b1": {"1.1": 3, "1.2": 4, "2.1": 2, "2.2": 1}, "b2": {"1.1": 1, "2.2": 4}}),
    bundle({"b1": {"1.1": 2, "2.1": 2}, "b2": {"1.2": 3}, "b3": {}}),
]


@settings(max_examples=examples(25), suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(st.lists(_conditions(ATOMS), max_size=10), st.lists(_conditions(BODY_ATOMS), max_size=6))
def test_the_backend_fires_exactly_where_exact_evaluation_is_true(
    backend: str, per_kloe: list[str], per_body: list[str]
) -> None:
    rules = [rule(f"k{n}", when, per="kloe") for n, when in enumerate(per_kloe)]
    rules += [rule(f"b{n}", when, per="body") for n, when in enumerate(per_body)]
    with tempfile.TemporaryDirectory() as folder:
        plan = plan_of(Path(folder), {"r.yaml": ruleset(tables={"kloe": KLOE_TABLE}, rules=rules)})
    engine = Engine(plan, backend)
    for evidence in EVIDENCE:
        assert fired(engine, evidence) == expected_by_evaluation(plan, evidence)
