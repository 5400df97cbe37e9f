"""The compiler: match conditions in negation normal form, exact operands, folded parameters, chunked match facts."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from rule_folders import KLOE_TABLE, bundle, plan_of, rule, ruleset

import caa_engine.compile as compile_module
from caa_engine import Engine
from caa_engine.compile import AllOf, Always, AnyOf, Cmp, Plan, PlanRule
from caa_engine.evaluate import FactStore, Scope, evaluate
from caa_engine.evidence.loader import bundle_facts, bundle_from_dict
from caa_engine.rules.expr import Const, walk
from caa_engine.session import _match_facts


def compiled(tmp_path: Path, when: str, per: str = "kloe") -> PlanRule:
    plan = plan_of(tmp_path, {"r.yaml": ruleset(tables={"kloe": KLOE_TABLE}, rules=[rule("r", when, per=per)])})
    (only,) = plan.rules
    return only


def operand_match(key: str, op: str) -> AllOf:
    """What a comparison the session computes looks like: known, then the integers compared."""
    return AllOf((Cmp(f"{key}v", "==", 1), Cmp(f"{key}l", op, f"{key}r", is_field=True)))


# -- negation normal form ----------------------------------------------------------------------------------------


def test_not_of_a_conjunction_becomes_any_of_the_negated_comparisons(tmp_path: Path) -> None:
    compiled_rule = compiled(tmp_path, "not (kloe.score >= 3 and kloe.theme == 'money')")
    assert compiled_rule.match == AnyOf((Cmp("score", "<", 3), Cmp("theme", "!=", "money")))


def test_not_of_a_disjunction_becomes_all_of_the_negated_comparisons(tmp_path: Path) -> None:
    compiled_rule = compiled(tmp_path, "not (kloe.score < 2 or kloe.score > 3)")
    assert compiled_rule.match == AllOf((Cmp("score", ">=", 2), Cmp("score", "<=", 3)))


@pytest.mark.parametrize(
    ("when", "match"),
    [
        ("kloe.code in ['1.1', '1.2']", AnyOf((Cmp("code", "==", "1.1"), Cmp("code", "==", "1.2")))),
        ("not kloe.code in ['1.1', '1.2']", AllOf((Cmp("code", "!=", "1.1"), Cmp("code", "!=", "1.2")))),
        ("kloe.code not in ['1.1', '1.2']", AllOf((Cmp("code", "!=", "1.1"), Cmp("code", "!=", "1.2")))),
        ("not (kloe.code not in ['1.1'])", AnyOf((Cmp("code", "==", "1.1"),))),
        ("kloe.code in []", Always(False)),
        ("not kloe.code in []", Always(True)),
    ],
)
def test_in_becomes_any_of_equalities_and_not_in_all_of_inequalities(tmp_path: Path, when: str, match: Any) -> None:
    assert compiled(tmp_path, when).match == match


@pytest.mark.parametrize(
    ("when", "match"),
    [
        ("not not kloe.score < 2", Cmp("score", "<", 2)),
        ("not (kloe.score == 2)", Cmp("score", "!=", 2)),
        ("not kloe.score != 2", Cmp("score", "==", 2)),
        ("not kloe.score <= 2", Cmp("score", ">", 2)),
        ("not kloe.score > 2", Cmp("score", "<=", 2)),
        ("kloe.core", Cmp("core", "==", True)),
        ("not kloe.core", Cmp("core", "!=", True)),
        ("true", Always(True)),
        ("not true", Always(False)),
    ],
)
def test_negation_is_pushed_into_the_comparisons(tmp_path: Path, when: str, match: Any) -> None:
    assert compiled(tmp_path, when).match == match


def test_a_negated_computed_comparison_keeps_its_known_test(tmp_path: Path) -> None:
    # 'not (cap >= 2)' must not fire when cap is missing: unknown stays unknown under 'not'
    compiled_rule = compiled(tmp_path, "not (kloe.cap >= 2)")
    assert compiled_rule.match == operand_match("_0_0", "<")


# -- direct fields and operands ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("when", "match", "fields"),
    [
        ("kloe.score >= 3", Cmp("score", ">=", 3), ("score",)),
        ("3 <= kloe.score", Cmp("score", ">=", 3), ("score",)),
        ("kloe.score == -1", Cmp("score", "==", -1), ("score",)),
        ("kloe.theme != 'money'", Cmp("theme", "!=", "money"), ("theme",)),
        ("kloe.core == false", Cmp("core", "==", False), ("core",)),
        ("kloe.id == 'b1/kloe/1.1'", Cmp("id", "==", "b1/kloe/1.1"), ("id",)),
        ("kloe.code == kloe.theme", Cmp("code", "==", "theme", is_field=True), ("code", "theme")),
    ],
)
def test_a_non_null_whole_number_text_or_boolean_field_against_a_constant_is_matched_directly(
    tmp_path: Path, when: str, match: Any, fields: tuple[str, ...]
) -> None:
    compiled_rule = compiled(tmp_path, when)
    assert compiled_rule.match == match
    assert compiled_rule.fields == fields
    assert compiled_rule.operands == ()


@pytest.mark.parametrize(
    "when",
    [
        "count(kloe) >= 2",  # an aggregate
        "min(kloe.score) >= 2",  # an aggregate over the subject's own type
        "kloe.score + 1 >= 3",  # arithmetic
        "-kloe.score < -2",  # negation of a field
        "kloe.score >= 2.5",  # a decimal constant
        "kloe.weight > 0.1",  # a field holding decimals
        "kloe.cap >= 2",  # a nullable field (row 2.1 has no cap)
        "kloe.score >= kloe.cap",  # a field against a nullable field
        "body.lead == true",  # a field of another fact (the subject's body)
        "kloe.score > params.three_quarters",  # a decimal parameter
    ],
)
def test_anything_a_backend_cannot_read_off_the_subject_exactly_becomes_an_operand(tmp_path: Path, when: str) -> None:
    compiled_rule = compiled(tmp_path, when)
    (operand,) = compiled_rule.operands
    assert operand.key == "_0_0"
    assert compiled_rule.match == operand_match("_0_0", compiled_rule.match.items[1].op)  # type: ignore[union-attr]
    assert compiled_rule.fields == ()


def test_each_computed_comparison_gets_its_own_operand(tmp_path: Path) -> None:
    compiled_rule = compiled(tmp_path, "count(kloe) >= 2 and (kloe.cap < 3 or kloe.score >= 2)")
    assert [o.key for o in compiled_rule.operands] == ["_0_0", "_0_1"]
    assert compiled_rule.match == AllOf(
        (operand_match("_0_0", ">="), AnyOf((operand_match("_0_1", "<"), Cmp("score", ">=", 2))))
    )


def test_operand_keys_are_unique_across_rules(tmp_path: Path) -> None:
    plan = plan_of(
        tmp_path, {"r.yaml": ruleset(rules=[rule("a", "count(kloe) >= 1"), rule("b", "count(kloe) >= 2", score=2)])}
    )
    keys = [operand.key for r in plan.rules for operand in r.operands]
    assert len(keys) == len(set(keys)) == 2


# -- parameters --------------------------------------------------------------------------------------------------


def test_parameters_are_folded_into_constants_at_their_position(tmp_path: Path) -> None:
    compiled_rule = compiled(tmp_path, "kloe.score <= params.two")
    assert compiled_rule.match == Cmp("score", "<=", 2)
    consts = [node for node in walk(compiled_rule.condition) if isinstance(node, Const)]
    assert [(c.value, c.column) for c in consts] == [(2, 15)]
    assert [(p.name, p.value) for p in compiled_rule.params] == [("two", 2)]
    assert compiled_rule.params[0].location.startswith(str(tmp_path))


def test_a_decimal_parameter_is_folded_as_an_exact_fraction(tmp_path: Path) -> None:
    compiled_rule = compiled(tmp_path, "share(kloe where score >= 3) >= params.three_quarters")
    consts = [node.value for node in walk(compiled_rule.condition) if isinstance(node, Const)]
    assert consts == [3, Fraction(3, 4)]
    assert [(p.name, p.value) for p in compiled_rule.params] == [("three_quarters", Fraction(3, 4))]


def test_parameters_in_a_measure_are_folded_too() -> None:
    plan = compile_module.load_plan("rules")
    [theme_score] = [measure for measure in plan.measures if measure.id == "theme_score"]
    text = [c.value for c in walk(theme_score.value) if isinstance(c, Const)]
    assert text == [1]
    assert [p.name for p in theme_score.params] == ["theme_cap_above_lowest"]


def test_table_decimals_reach_the_facts_as_exact_fractions(tmp_path: Path) -> None:
    # regression: table values were passed on as floats, so a table's 0.1 was 0.1000000000000000055…
    plan = plan_of(tmp_path, {"r.yaml": ruleset(tables={"kloe": KLOE_TABLE})})
    rows = plan.tables["kloe"]["rows"]
    assert rows["1.1"]["weight"] == Fraction(1, 10)
    assert rows["2.2"]["weight"] == Fraction(7, 10)
    assert rows["1.1"]["core"] is True and rows["1.1"]["cap"] == 3


# -- chunking of match facts -------------------------------------------------------------------------------------


def _store(plan: Plan, evidence: dict[str, Any]) -> FactStore:
    store = FactStore(plan.fact_types)
    for fact in bundle_facts(bundle_from_dict(evidence), plan.tables):
        store.add(fact)
    return store


CHUNK_EVIDENCE = bundle({"b1": {"1.1": 3, "1.2": 4, "2.1": 2, "2.2": 1}, "b2": {"1.1": 1, "2.2": 4}})
# each reads one field directly (a different one from its neighbour) and has one operand
_DIRECT = ["kloe.score >= 2", "kloe.code != '2.1'", "kloe.theme == 'money'", "kloe.core == true"]
CHUNK_CONDITIONS = [f"{_DIRECT[n % 4]} or count(kloe where score >= {n % 3 + 2}) >= {n % 3 + 1}" for n in range(9)]


def _chunked_plan(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, limit: int) -> Plan:
    monkeypatch.setattr(compile_module, "MAX_FIELDS_PER_MATCH_FACT", limit)
    rules = [rule(f"r{n}", when, per="kloe") for n, when in enumerate(CHUNK_CONDITIONS)]
    return plan_of(tmp_path / str(limit), {"r.yaml": ruleset(tables={"kloe": KLOE_TABLE}, rules=rules)})


def test_rules_per_one_fact_type_share_match_facts_split_under_the_field_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # each rule reads 1 field directly and 1 operand (3 fields): 4 fields; a match fact starts with type, id, subject
    plan = _chunked_plan(tmp_path, monkeypatch, 11)
    assert [r.group for r in plan.rules] == ["s0_kloe_0"] * 2 + ["s0_kloe_1"] * 2 + ["s0_kloe_2"] * 2 + [
        "s0_kloe_3"
    ] * 2 + ["s0_kloe_4"]
    facts = _match_facts(plan.strata[0].rules, _store(plan, CHUNK_EVIDENCE))
    assert len(facts) == 5 * 6  # five chunks, six kloe subjects
    assert max(len(fact) for fact in facts) == 11  # 3 + 2 × (1 field + 3 operand fields)


@pytest.mark.parametrize("limit", range(7, 16))
def test_no_match_fact_carries_more_fields_than_the_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, limit: int
) -> None:
    # regression: chunks were counted from 2 base fields, but a match fact carries 3 (type, id, subject)
    plan = _chunked_plan(tmp_path, monkeypatch, limit)
    facts = _match_facts(plan.strata[0].rules, _store(plan, CHUNK_EVIDENCE))
    assert max(len(fact) for fact in facts) <= limit


def test_the_shipped_limit_keeps_every_rule_in_one_match_fact(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    plan = _chunked_plan(tmp_path, monkeypatch, compile_module.MAX_FIELDS_PER_MATCH_FACT)
    assert {r.group for r in plan.rules} == {"s0_kloe_0"}


def test_chunked_match_facts_fire_the_same_rules_as_one_match_fact(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, backend: str
) -> None:
    one = _chunked_plan(tmp_path, monkeypatch, 240)
    many = _chunked_plan(tmp_path, monkeypatch, 12)
    store = _store(one, CHUNK_EVIDENCE)
    expected = {
        (r.id, f.id)
        for r in one.rules
        for f in store.of("kloe")
        if evaluate(r.condition, Scope(store, subject=f)) is True
    }
    assert 0 < len(expected) < len(one.rules) * 6
    for plan in (one, many):
        result = Engine(plan, backend).assess(CHUNK_EVIDENCE)
        assert {(note.rule, note.subject) for note in result.notes} == expected
