"""Units in rule files (issue 14): a share runs from 0 to 1, so a threshold compared with one must too.

A share threshold written 35 (3,500%), 1.5 or -5% is refused at the parameter's value; one written as a bare
number (0.75) is a warning, as a percentage says what it is.  The check follows the expression's type
(share(), and any measure or field holding one), not the parameter's name.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from rule_folders import measure, rule, ruleset, write_rules

from caa_engine.compile import load_plan
from caa_engine.errors import Issue, RuleError

LINE = "strong_met_share:\n    value: 75%"


def _shipped_with(tmp_path: Path, value: str) -> Path:
    folder = tmp_path / "rules"
    shutil.copytree("rules", folder)
    path = folder / "indicator_set.yaml"
    text = path.read_text(encoding="utf-8")
    assert LINE in text
    path.write_text(text.replace(LINE, f"strong_met_share:\n    value: {value}"), encoding="utf-8")
    return folder


def _value_line(folder: Path) -> int:
    lines = (folder / "indicator_set.yaml").read_text(encoding="utf-8").splitlines()
    return lines.index("  strong_met_share:") + 2


def _errors(folder: Path) -> list[Issue]:
    with pytest.raises(RuleError) as caught:
        load_plan(folder)
    return caught.value.issues


@pytest.mark.parametrize(
    ("written", "shown"), [("35", "it holds 35, which is 3,500%"), ("1.5", "it holds 1.5, which is 150%")]
)
def test_a_share_threshold_written_as_a_number_above_one_is_refused_at_its_value(
    tmp_path: Path, written: str, shown: str
) -> None:
    folder = _shipped_with(tmp_path, written)
    (issue,) = _errors(folder)
    assert issue.code == "share-out-of-range"
    assert (issue.location.line, issue.location.column) == (_value_line(folder), 12)
    assert "compared with a share ('indicator_shares.met >= params.strong_met_share')" in issue.message
    assert issue.message.endswith(shown)
    assert issue.hint == f"write the share as a percentage: value: {written}% if you meant {written} in 100"


def test_a_negative_percentage_is_refused_wherever_it_is_used(tmp_path: Path) -> None:
    folder = _shipped_with(tmp_path, "-5%")
    (issue,) = _errors(folder)
    assert issue.code == "share-out-of-range"
    assert issue.location.line == _value_line(folder)
    assert (
        issue.message
        == "parameter 'strong_met_share' is written as a percentage, so it must be from 0% to 100%, not -5%"
    )


def test_a_share_threshold_written_as_a_fraction_is_a_warning_suggesting_the_percentage(tmp_path: Path) -> None:
    plan = load_plan(_shipped_with(tmp_path, "0.75"))
    (warning,) = [w for w in plan.warnings if w.code == "share-not-percent"]
    assert "'strong_met_share'" in warning.message and "0.75" in warning.message
    assert "value: 75%" in warning.hint


def test_the_shipped_rules_write_every_share_threshold_as_a_percentage() -> None:
    plan = load_plan("rules")
    assert not [w for w in plan.warnings if w.code.startswith("share")]


def _share_rules(tmp_path: Path, threshold: object, when: str) -> list[Issue]:
    data = ruleset(
        parameters={"bar": {"value": threshold}},
        measures=[measure("good_share", "kloe", "share(kloe where score >= 3)", "kloe_share")],
        rules=[rule("r", when, score=3)],
    )
    write_rules(tmp_path / "r", {"test.yaml": data})
    with pytest.raises(RuleError) as caught:
        load_plan(tmp_path / "r")
    return caught.value.issues


def test_the_check_follows_a_share_through_a_measure_and_an_aggregate_not_the_parameter_name(tmp_path: Path) -> None:
    # 'bar' says nothing of shares; min() of a share field is a share.
    (issue,) = _share_rules(tmp_path, 60, "min(kloe_share.value) >= params.bar")
    assert issue.code == "share-out-of-range"
    assert "parameter 'bar'" in issue.message and "6,000%" in issue.message


def test_a_share_compared_with_a_literal_above_one_is_refused_in_the_condition(tmp_path: Path) -> None:
    issues = _share_rules(tmp_path, 1, "share(kloe where score >= 3) >= 75")
    assert [(i.code, i.message) for i in issues if i.code == "share-out-of-range"] == [
        (
            "share-out-of-range",
            "'share(kloe where score >= 3)' is a share, from 0 to 1 (0% to 100%), but it is compared with 75",
        )
    ]
