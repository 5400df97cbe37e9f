"""The name and type checker and the strata it leads to (caa_engine/rules/check.py, compile.py).

Each invalid rule set differs from a valid one in one place; the test asserts
the issue's code and its exact ``file:line:col``, and the words of the message
that a person needs (the full wording is pinned by the broken-files tests).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from rule_folders import measure, plan_of, rule, rule_errors, ruleset, write_rules

from caa_engine.compile import load_plan
from caa_engine.errors import RuleError

HEAD = """\
ruleset: checks
element: checks
version: "1"
title: Checks
scope: body
scale: {1: inadequate, 2: adequate, 3: well, 4: strong}
parameters:
  two: {value: 2}
tables:
  kloe:
    key: code
    rows:
      "1.1": {theme: money, weight: 0.5}
      "2.1": {theme: people}
rules:
"""
WHEN_LINE = HEAD.count("\n") + 5  # the line of 'when:' in the one rule below
TEXT_COLUMN = 12  # where the condition text starts: after 'when: "'


def one_rule(when: str, per: str = "body", then: str = "note: {kind: k, text: t}") -> str:
    assert '"' not in when, "write quoted text in conditions with single quotes"
    return HEAD + (
        f'  - id: r\n    description: d\n    source: s\n    per: {per}\n    when: "{when}"\n    then: {{{then}}}\n'
    )


def issues_of(folder: Path, text: str) -> list[tuple[str, str, str, str]]:
    """(location, code, message, hint) of each issue in a rules folder holding one file."""
    write_rules(folder, {"checks.yaml": text})
    with pytest.raises(RuleError) as caught:
        load_plan(folder)
    return [(str(i.location).replace(f"{folder}/", ""), i.code, i.message, i.hint) for i in caught.value.issues]


def at(column_in_condition: int) -> str:
    return f"checks.yaml:{WHEN_LINE}:{TEXT_COLUMN + column_in_condition - 1}"


def the_issue(folder: Path, text: str) -> tuple[str, str, str, str]:
    issues = issues_of(folder, text)
    assert len(issues) == 1, issues
    return issues[0]


# -- names -------------------------------------------------------------------------------------------------------


def test_an_unknown_field_of_the_subject_gets_a_did_you_mean(tmp_path: Path) -> None:
    where, code, message, hint = the_issue(tmp_path, one_rule("kloe.scor >= 1", per="kloe"))
    assert (where, code) == (at(1), "unknown-fact")
    assert "'kloe.scor'" in message and "did you mean 'kloe.score'?" in message
    assert "score" in hint


def test_an_unknown_field_inside_where_gets_a_did_you_mean_to_the_field(tmp_path: Path) -> None:
    where, code, message, _ = the_issue(tmp_path, one_rule("count(kloe where theme == 'money' and wieght > 0.1) >= 1"))
    assert (where, code) == (at(39), "unknown-fact")
    assert "did you mean 'kloe.weight'?" in message


def test_a_table_column_is_a_field_of_the_fact_it_joins(tmp_path: Path) -> None:
    plan = plan_of(tmp_path, {"checks.yaml": one_rule("kloe.theme == 'money' and kloe.weight > 0.1", per="kloe")})
    fields = plan.fact_types["kloe"].fields
    assert (fields["theme"].type, fields["theme"].nullable) == ("str", False)
    assert (fields["weight"].type, fields["weight"].nullable) == ("number", True)  # row 2.1 has no weight


def test_an_undefined_parameter_gets_a_did_you_mean(tmp_path: Path) -> None:
    where, code, message, hint = the_issue(tmp_path, one_rule("count(kloe where score >= params.tow) >= 1"))
    assert (where, code) == (at(27), "undefined-parameter")
    assert "'tow'" in message and "did you mean 'two'?" in message
    assert "parameters:" in hint


def test_an_aggregate_over_an_unknown_fact_gets_a_did_you_mean(tmp_path: Path) -> None:
    where, code, message, _ = the_issue(tmp_path, one_rule("count(kloes) >= 1"))
    assert (where, code) == (at(7), "unknown-fact")
    assert "'kloes'" in message and "did you mean 'kloe'?" in message


def test_an_unknown_function_gets_a_did_you_mean(tmp_path: Path) -> None:
    where, code, message, _ = the_issue(tmp_path, one_rule("cout(kloe) >= 1"))
    assert (where, code) == (at(1), "unknown-function")
    assert "did you mean 'count'?" in message


def test_reading_another_fact_type_outside_an_aggregate_is_refused(tmp_path: Path) -> None:
    where, code, message, hint = the_issue(tmp_path, one_rule("kloe.score >= 1"))
    assert (where, code) == (at(1), "needs-aggregate")
    assert "'kloe.score'" in message and "aggregate" in message


def test_a_rule_may_read_its_subjects_body_and_the_area(tmp_path: Path) -> None:
    plan = plan_of(tmp_path, {"checks.yaml": one_rule("body.lead and area.name != 'x'", per="kloe")})
    assert plan.rules[0].id == "r"


def test_an_aggregate_inside_where_is_refused(tmp_path: Path) -> None:
    where, code, _, _ = the_issue(tmp_path, one_rule("count(kloe where count(kloe) > 1) > 1"))
    assert (where, code) == (at(18), "bad-condition")


# -- types -------------------------------------------------------------------------------------------------------


def test_comparing_text_with_a_number_is_refused(tmp_path: Path) -> None:
    where, code, message, _ = the_issue(tmp_path, one_rule("body.name == 3"))
    assert (where, code) == (at(1), "wrong-type")
    assert "text" in message and "number" in message


def test_ordering_text_is_refused(tmp_path: Path) -> None:
    where, code, message, hint = the_issue(tmp_path, one_rule("body.name < 'b'"))
    assert (where, code) == (at(1), "wrong-type")
    assert "'<'" in message and "text" in message
    assert "==" in hint


def test_ordering_true_and_false_is_refused(tmp_path: Path) -> None:
    where, code, _, _ = the_issue(tmp_path, one_rule("body.lead > false"))
    assert (where, code) == (at(1), "wrong-type")


def test_a_list_of_numbers_cannot_hold_text(tmp_path: Path) -> None:
    where, code, _, _ = the_issue(tmp_path, one_rule("kloe.code in [1, 2]", per="kloe"))
    assert (where, code) == (at(14), "wrong-type")


def test_a_condition_must_be_true_or_false(tmp_path: Path) -> None:
    where, code, message, _ = the_issue(tmp_path, one_rule("count(kloe) + 1"))
    assert (where, code) == (at(0), "wrong-type")  # the whole value, from its opening quote
    assert "number" in message


def test_share_needs_where(tmp_path: Path) -> None:
    where, code, message, hint = the_issue(tmp_path, one_rule("share(kloe) >= 50%"))
    assert (where, code) == (at(1), "bad-condition")
    assert "share() needs 'where'" in message
    assert "share(kloe where" in hint


def test_where_on_a_scalar_min_is_refused(tmp_path: Path) -> None:
    # regression: min(a, b where c) was accepted and its 'where' silently ignored
    where, code, message, _ = the_issue(tmp_path, one_rule("min(3, 4 where score > 1) >= 1"))
    assert (where, code) == (at(16), "bad-condition")
    assert "'where'" in message


def test_min_of_one_field_of_the_subjects_own_type_is_an_aggregate(tmp_path: Path) -> None:
    # regression: min(kloe.score) in a rule per kloe was refused ("min() is not used like this here")
    # although count(kloe) and sum(kloe.score) were accepted there and evaluation treats it as an aggregate
    plan = plan_of(tmp_path, {"checks.yaml": one_rule("min(kloe.score) >= 1 and max(kloe.score) <= 4", per="kloe")})
    assert len(plan.rules[0].operands) == 2


# -- measures ----------------------------------------------------------------------------------------------------


def test_a_measure_aggregates_only_the_type_it_groups(tmp_path: Path) -> None:
    issues = rule_errors(tmp_path, {"m.yaml": ruleset(measures=[measure("m", "kloe", "count(body)", "kloe_count")])})
    assert len(issues) == 1
    assert issues[0].startswith("m.yaml:")
    assert ": unknown-fact: " in issues[0] and "'kloe'" in issues[0]


def test_a_measure_reads_its_type_only_through_an_aggregate(tmp_path: Path) -> None:
    issues = rule_errors(tmp_path, {"m.yaml": ruleset(measures=[measure("m", "kloe", "kloe.score", "kloe_score")])})
    assert len(issues) == 1 and ": needs-aggregate: " in issues[0]


def test_a_measure_groups_by_known_fields_only(tmp_path: Path) -> None:
    issues = rule_errors(
        tmp_path, {"m.yaml": ruleset(measures=[measure("m", "kloe", "count(kloe)", "kloe_count", group_by=("bdy",))])}
    )
    assert len(issues) == 1 and ": unknown-fact: " in issues[0] and "did you mean 'body'?" in issues[0]


def test_measures_that_read_each_other_are_refused(tmp_path: Path) -> None:
    issues = rule_errors(
        tmp_path,
        {
            "m.yaml": ruleset(
                measures=[
                    measure("m1", "m2_out", "count(m2_out)", "m1_out"),
                    measure("m2", "m1_out", "count(m1_out)", "m2_out"),
                ]
            )
        },
    )
    assert len(issues) == 1 and ": measure-cycle: " in issues[0]


def test_a_field_in_a_where_named_like_another_measures_fact_is_no_cycle(tmp_path: Path) -> None:
    # Regression: 'score' in m1's where is the KLOE's field, not the fact 'score' that m2 derives from m1's
    # 'good'; reading names off the text as words took it for one, and refused the pair as a measure-cycle.
    plan = plan_of(
        tmp_path,
        {
            "m.yaml": ruleset(
                measures=[
                    measure("m1", "kloe", "count(kloe where score >= 2)", "good"),
                    measure("m2", "good", "max(good.value)", "score"),
                ]
            )
        },
    )
    assert [m.id for m in plan.measures] == ["m1", "m2"]


def test_a_measure_derives_a_fact_rules_can_read(tmp_path: Path) -> None:
    plan = plan_of(
        tmp_path,
        {
            "m.yaml": ruleset(
                measures=[measure("m", "kloe", "mean(kloe.score)", "kloe_mean", field="mean")],
                rules=[rule("r", "min(kloe_mean.mean) >= 2.5")],
            )
        },
    )
    kloe_mean = plan.fact_types["kloe_mean"]
    assert {name: (spec.type, spec.nullable) for name, spec in kloe_mean.fields.items()} == {
        "body": ("str", False),
        "mean": ("number", True),
    }


# -- scores and ids ----------------------------------------------------------------------------------------------


def test_a_score_not_on_the_scale_is_refused(tmp_path: Path) -> None:
    where, code, message, _ = the_issue(tmp_path, one_rule("true", then="score: 5"))
    assert (where, code) == (f"checks.yaml:{WHEN_LINE + 1}:19", "unknown-score")
    assert "score 5" in message


def test_a_score_set_by_a_rule_per_another_fact_is_refused(tmp_path: Path) -> None:
    where, code, message, hint = the_issue(tmp_path, one_rule("true", per="kloe", then="score: 3"))
    assert (where, code) == (f"checks.yaml:{WHEN_LINE - 1}:10", "wrong-scope")
    assert "'kloe'" in message
    assert "body" in hint


def test_a_rule_id_used_again_in_another_file_is_refused_where_it_is_reused(tmp_path: Path) -> None:
    issues = rule_errors(
        tmp_path,
        {
            "a.yaml": ruleset(rules=[rule("same", True)]),
            "b.yaml": ruleset(ruleset="other", element="other", measures=[measure("same", "kloe", "count(kloe)", "n")]),
        },
    )
    assert len(issues) == 1
    assert issues[0].startswith("b.yaml:") and ": duplicate-id: " in issues[0]
    assert "'same'" in issues[0] and "a.yaml:" in issues[0]


def test_an_infinite_parameter_is_refused_not_a_crash(tmp_path: Path) -> None:
    # regression: 'value: .inf' passed the NaN-only check and crashed the checker with ValueError
    issues = rule_errors(
        tmp_path,
        {"a.yaml": ruleset(parameters={"x": {"value": float("inf")}}, rules=[rule("r", "count(kloe) >= params.x")])},
    )
    assert len(issues) == 1 and ": wrong-type: a parameter must be a finite number" in issues[0]


def test_a_table_value_that_is_not_a_finite_number_is_refused(tmp_path: Path) -> None:
    # regression: '.nan' and '.inf' in a table reached the facts and broke exact comparison
    issues = rule_errors(
        tmp_path,
        {
            "a.yaml": ruleset(
                tables={
                    "kloe": {"key": "code", "rows": {"1.1": {"weight": float("nan")}, "1.2": {"weight": float("-inf")}}}
                }
            )
        },
    )
    assert len(issues) == 2
    assert all(": wrong-type: a table value must be a finite number" in issue for issue in issues)


# -- cycles and strata -------------------------------------------------------------------------------------------


def test_a_rule_that_reads_what_it_writes_is_a_cycle(tmp_path: Path) -> None:
    issues = rule_errors(
        tmp_path,
        {"a.yaml": ruleset(rules=[rule("r", "count(flag) == 0", flag={"kind": "k", "reason": "no flags yet"})])},
    )
    assert len(issues) == 1
    assert ": rule-cycle: " in issues[0] and "rule 'r' -> rule 'r'" in issues[0]


def test_a_rule_and_a_measure_that_read_each_other_are_a_cycle(tmp_path: Path) -> None:
    issues = rule_errors(
        tmp_path,
        {
            "a.yaml": ruleset(
                measures=[measure("m", "flag", "count(flag)", "flag_count", group_by=())],
                rules=[
                    rule("r", "count(flag_count where value > 0) == 0", per="area", flag={"kind": "k", "reason": "x"})
                ],
            )
        },
    )
    assert len(issues) == 1
    assert ": rule-cycle: " in issues[0] and "measure 'm'" in issues[0] and "rule 'r'" in issues[0]


def test_scoring_rules_that_read_their_own_judgement_are_a_cycle(tmp_path: Path) -> None:
    issues = rule_errors(
        tmp_path, {"a.yaml": ruleset(rules=[rule("r", "count(test_element where score >= 3) >= 1", score=3)])}
    )
    assert len(issues) == 1 and ": rule-cycle: " in issues[0]


def _strata(plan: Any) -> dict[str, int]:
    return {item.id: item.stratum for item in (*plan.measures, *plan.rules)}


def test_a_rule_reading_a_measures_output_runs_in_a_later_stratum(tmp_path: Path) -> None:
    plan = plan_of(
        tmp_path,
        {
            "a.yaml": ruleset(
                rules=[rule("reads_measure", "min(theme.score) >= 2", score=2), rule("plain", "body.lead", score=1)],
                measures=[measure("theme_score", "kloe", "lower_median(kloe.score)", "theme", field="score")],
            )
        },
    )
    strata = _strata(plan)
    assert strata["theme_score"] == 0 and strata["plain"] == 0
    assert strata["reads_measure"] > strata["theme_score"]
    stratum = plan.strata[strata["reads_measure"]]
    assert [r.id for r in stratum.rules] == ["reads_measure"]


def test_a_rule_reading_another_elements_judgement_runs_after_all_its_scoring_rules(tmp_path: Path) -> None:
    first = ruleset(
        measures=[measure("theme_score", "kloe", "lower_median(kloe.score)", "theme", field="score")],
        rules=[rule("late_score", "min(theme.score) >= 3", score=3), rule("early_score", "body.lead", score=1)],
    )
    # in the first file by name, so file order alone would run it first
    reader = ruleset(
        ruleset="reader",
        element="reader",
        rules=[
            rule(
                "reads_judgement",
                "count(test_element where score >= 3) >= 1",
                per="area",
                flag={"kind": "strong_somewhere", "reason": "a body scored 3 or more"},
            )
        ],
    )
    plan = plan_of(tmp_path, {"a_reader.yaml": reader, "b_first.yaml": first})
    strata = _strata(plan)
    assert strata["reads_judgement"] > max(strata["late_score"], strata["early_score"])
    # the judgement is settled (conflicts resolved) before the stratum that reads it
    settled_before = {element for s in plan.strata[: strata["reads_judgement"] + 1] for element in s.resolve}
    assert "test_element" in settled_before


def test_rules_reading_only_evidence_share_the_first_stratum(tmp_path: Path) -> None:
    plan = plan_of(
        tmp_path,
        {
            "a.yaml": ruleset(
                rules=[
                    rule("a", "kloe.score <= 1", per="kloe"),
                    rule("b", "body.lead", score=1),
                    rule("c", "count(kloe) >= 1", score=2),
                ]
            )
        },
    )
    assert set(_strata(plan).values()) == {0}
    assert len(plan.strata) == 1


def test_the_shipped_rules_have_a_measure_stratum_then_a_rule_stratum() -> None:
    plan = load_plan("rules")
    strata = _strata(plan)
    assert strata["theme_score"] == 0
    assert strata["uor_reassess_next_year"] == 0
    assert {
        strata[r] for r in ("uor_performing_strongly", "uor_performing_well", "uor_adequate", "uor_inadequate")
    } == {1}
