"""Dated rules (issue 15 item 1): each bundle is judged by the rule sets in force for its period.

The shipped rules hold 2007/08's use of resources (CPA's five themes, three or more) and 2008/09's rules on;
a bundle's period is its top-level 'period', else the one its sections name, else the current rules'.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from caa_engine import Engine, EvidenceError, RuleError, load_rules
from caa_engine.cli import cli

ROOT = Path(__file__).resolve().parent.parent
CPA_KLOES = {
    "1.1": 3,
    "1.2": 3,
    "2.1": 3,
    "2.2": 3,
    "2.3": 4,
    "3.1": 2,
    "4.1": 2,
    "4.2": 2,
    "4.3": 3,
    "5.1": 2,
    "5.2": 3,
}
CAA_KLOES = {"1.1": 3, "1.2": 3, "1.3": 3, "2.1": 2, "2.2": 2, "2.4": 3, "3.1": 3, "3.2": 3}


def bundle(period: str | None, kloes: dict[str, int], section_period: str | None = None) -> dict[str, Any]:
    assessment: dict[str, Any] = {"body": "x-cc", "kloes": kloes}
    if section_period is not None:
        assessment["period"] = section_period
    data: dict[str, Any] = {
        "area": {"id": "x", "name": "X"},
        "bodies": [{"id": "x-cc", "name": "X CC", "kind": "county", "lead": True}],
        "use_of_resources": {"assessments": [assessment]},
    }
    if period is not None:
        data["period"] = period
    return data


def uor(result: Any) -> tuple[int, str, str]:
    judged = result.elements["use_of_resources"].bodies["x-cc"]
    return judged.score, judged.rule, result.rulesets["use_of_resources"]["version"]


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine(ROOT / "rules", "native")


def test_a_2007_08_bundle_is_judged_by_the_five_theme_rule_and_a_2008_09_bundle_by_the_three_theme_rule(
    backend: str,
) -> None:
    engine = Engine(ROOT / "rules", backend)
    old = engine.assess(bundle("2007/08", CPA_KLOES))
    assert uor(old) == (2, "uor_adequate", "2007.1")  # only two of five themes reach 3: not 'three or more'
    assert sorted(row["score"] for row in old.elements["use_of_resources"].bodies["x-cc"].measures["theme_score"]) == [
        2,
        2,
        2,
        3,
        3,
    ]
    assert set(old.elements) == {"use_of_resources"}  # CAA's other elements start in 2008/09
    new = engine.assess(bundle("2008/09", CAA_KLOES))
    assert uor(new) == (3, "uor_performing_well", "2009.1")
    assert old.rules_sha256 != new.rules_sha256
    assert engine.period_of(bundle("2007/08", CPA_KLOES)) == "2007/08"


def test_each_period_is_compiled_once_and_its_engine_kept(engine: Engine) -> None:
    engine.assess(bundle("2007/08", CPA_KLOES))
    first = dict(engine._periods)
    for _ in range(3):
        engine.assess(bundle("2007/08", CPA_KLOES))
        engine.assess(bundle("2009/10", CAA_KLOES))  # 2008/09 onwards: the current rules, this very engine
    assert engine._periods == first and len(first) == 1


def test_a_bundle_without_a_top_level_period_takes_the_one_its_sections_name(engine: Engine) -> None:
    assert uor(engine.assess(bundle(None, CPA_KLOES, section_period="2007/08")))[2] == "2007.1"


def test_a_bundle_that_names_no_period_is_judged_by_the_current_rules(engine: Engine) -> None:
    assert engine.period_of(bundle(None, CAA_KLOES)) == "2008/09"
    assert uor(engine.assess(bundle(None, CAA_KLOES)))[2] == "2009.1"


def test_every_shipped_fixture_is_judged_for_2008_09(engine: Engine) -> None:
    for path in sorted((ROOT / "fixtures").glob("*.yaml")):
        assert engine.period_of(path) == "2008/09", path


def _refused(engine: Engine, data: dict[str, Any]) -> list[str]:
    with pytest.raises(EvidenceError) as caught:
        engine.assess(data)
    return [issue.render() for issue in caught.value.issues]


def test_a_bundle_for_a_period_no_rule_set_covers_is_refused_at_its_period(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "old.yaml"
    path.write_text(
        "area: {id: x, name: X}\nperiod: 2006/07\nbodies:\n  - {id: x-cc, name: X CC, kind: county}\n",
        encoding="utf-8",
    )
    with pytest.raises(EvidenceError) as caught:
        engine.assess(path)
    (issue,) = caught.value.issues
    assert issue.code == "no-rules-for-period"
    assert (issue.location.line, issue.location.column) == (2, 9)
    assert issue.message == "no rule set is in force for 2006/07: the rules cover 2007/08 onwards"


def test_sections_naming_another_period_than_the_bundle_are_refused_at_the_section(engine: Engine) -> None:
    (text,) = _refused(engine, bundle("2008/09", CAA_KLOES, section_period="2007/08"))
    assert "period-mismatch: the assessment of 'x-cc' is for 2007/08, but the bundle is for 2008/09" in text
    assert "use_of_resources.assessments[0].period" in text or "use_of_resources" in text


def test_sections_naming_different_periods_are_refused() -> None:
    data = bundle(None, CAA_KLOES, section_period="2008/09")
    data["indicator_set"] = {"period": "2007/08", "indicators": []}
    (text,) = _refused(Engine(ROOT / "rules", "native"), data)
    assert "period-mismatch: the indicator set is for 2007/08, but the assessment of 'x-cc' is for 2008/09" in text


def test_a_period_not_written_yyyy_yy_is_refused(engine: Engine) -> None:
    (text,) = _refused(engine, bundle("2008/10", CAA_KLOES))
    assert "'2008/10' is not a period: 10 is not the year after 2008" in text
    (text,) = _refused(engine, bundle(None, CAA_KLOES, section_period="2008-09"))
    assert "invalid-period: the assessment of 'x-cc' names the period '2008-09'" in text


def test_undated_rules_ignore_periods_as_before(tmp_path: Path) -> None:
    folder = tmp_path / "rules"
    folder.mkdir()
    shutil.copy(ROOT / "tests" / "data" / "rules_cpa_five_themes" / "use_of_resources.yaml", folder)
    engine = Engine(folder, "native")
    assert engine.plan.dated is None and engine.period_of(bundle("1999/00", CPA_KLOES)) is None
    assert uor(engine.assess(bundle("1999/00", CPA_KLOES, section_period="anything")))[0] == 2


def _dated_folder(tmp_path: Path, first: str, second: str) -> Path:
    folder = tmp_path / "dated"
    folder.mkdir(exist_ok=True)
    shipped = (ROOT / "rules" / "use_of_resources_2007_08.yaml").read_text(encoding="utf-8")
    (folder / "a.yaml").write_text(shipped.replace("periods: [2007/08]", first), encoding="utf-8")
    (folder / "b.yaml").write_text(shipped.replace("periods: [2007/08]", second), encoding="utf-8")
    return folder


def test_two_rule_sets_in_force_for_one_element_and_period_are_refused_at_the_second(tmp_path: Path) -> None:
    folder = _dated_folder(tmp_path, "periods: {from: 2006/07}", "periods: {from: 2005/06, until: 2007/08}")
    with pytest.raises(RuleError) as caught:
        load_rules(folder)
    (issue,) = caught.value.issues
    assert issue.code == "overlapping-periods"
    assert issue.location.file.endswith("b.yaml") and issue.location.line > 100
    assert "element 'use_of_resources' has two rule sets in force for 2006/07 to 2007/08:" in issue.message


def test_a_badly_written_period_in_a_rule_file_is_located(tmp_path: Path) -> None:
    folder = _dated_folder(tmp_path, "periods: {from: 2006-07}", "periods: [2004/05]")
    with pytest.raises(RuleError) as caught:
        load_rules(folder)
    (issue,) = caught.value.issues
    assert issue.location.file.endswith("a.yaml")
    assert "'2006-07' is not a period written YYYY/YY" in issue.message


def test_caa_check_lists_each_elements_periods_and_warns_about_a_gap(tmp_path: Path) -> None:
    runner = CliRunner()
    shipped = runner.invoke(cli, ["check", str(ROOT / "rules")])
    assert shipped.exit_code == 0, shipped.output
    assert "use_of_resources: 2007/08 (rules/use_of_resources_2007_08.yaml), 2008/09 onwards" in shipped.output
    assert "overall: 2008/09 onwards (rules/overall.yaml)" in shipped.output
    gap = runner.invoke(cli, ["check", str(_dated_folder(tmp_path, "periods: [2004/05]", "periods: {from: 2007/08}"))])
    assert gap.exit_code == 0, gap.output
    assert "warning: period-gap: no rule set judges use_of_resources for 2005/06 to 2006/07" in gap.output


def test_one_caa_assess_run_judges_a_2007_08_and_a_2008_09_bundle_by_their_own_rules(tmp_path: Path) -> None:
    import yaml

    for name, data in (("old", bundle("2007/08", CPA_KLOES)), ("new", bundle("2008/09", CAA_KLOES))):
        (tmp_path / f"{name}.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    command = ["assess", str(tmp_path), "--rules", str(ROOT / "rules"), "--jobs", "2", "--format", "json"]
    run = CliRunner().invoke(cli, [*command, "--trail", "none"])
    assert run.exit_code == 0, run.output
    new, old = json.loads(run.stdout)  # in file order: new.yaml, old.yaml
    assert old["elements"]["use_of_resources"]["title"] == "Use of resources (CPA five-theme rule, 2007/08)"
    assert old["elements"]["use_of_resources"]["bodies"]["x-cc"]["rule"] == "uor_adequate"
    assert new["elements"]["use_of_resources"]["bodies"]["x-cc"]["rule"] == "uor_performing_well"


def test_regression_a_gap_between_periods_is_warned_about_at_the_periods_line_after_it(tmp_path: Path) -> None:
    # The warning named the file alone ('b.yaml: warning: ...', line 0 and column 0 in --format json): a tuner's
    # editor could not take them to the line to widen.
    folder = _dated_folder(tmp_path, "periods: [2004/05]", "periods: {from: 2007/08}")
    run = CliRunner().invoke(cli, ["check", str(folder), "--format", "json"])
    assert run.exit_code == 0, run.output
    (warning,) = json.loads(run.stdout)["warnings"]
    line = (folder / "b.yaml").read_text(encoding="utf-8").splitlines().index("periods: {from: 2007/08}") + 1
    assert (warning["code"], warning["file"], warning["line"], warning["column"]) == (
        "period-gap",
        str(folder / "b.yaml"),
        line,
        1,
    )
    text = CliRunner().invoke(cli, ["check", str(folder)]).output
    assert f"b.yaml:{line}:1: warning: period-gap: no rule set judges use_of_resources for 2005/06 to 2006/07" in text
    assert "    periods: {from: 2007/08}\n    ^\n" in text


def test_regression_a_period_listed_twice_is_refused_at_the_second(tmp_path: Path) -> None:
    # 'periods: [2006/07, 2007/08, 2006/07]' passed caa check without a word (a slip, such as a year meant
    # to be 2008/09, went unseen).
    folder = _dated_folder(tmp_path, "periods: [2006/07, 2007/08, 2006/07]", "periods: {from: 2008/09}")
    with pytest.raises(RuleError) as caught:
        load_rules(folder)
    (issue,) = caught.value.issues
    assert (issue.code, issue.message) == ("invalid-value", "periods lists 2006/07 twice (items 1 and 3)")
    assert issue.location.file.endswith("a.yaml") and issue.location.column == 29


def test_regression_an_element_only_another_periods_file_judges_is_said_missing_for_the_periods_it_is(
    tmp_path: Path,
) -> None:
    # With rules/use_of_resources.yaml removed, overall.yaml's combines was told "element 'use_of_resources' is
    # judged by no rule set", though use_of_resources_2007_08.yaml judges it: only not from 2008/09 on.
    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules)
    (rules / "use_of_resources.yaml").unlink()
    with pytest.raises(RuleError) as caught:
        load_rules(rules)
    (issue,) = caught.value.issues
    assert issue.location.file.endswith("overall.yaml")
    assert issue.message == "element 'use_of_resources' is judged by no rule set in force for 2008/09 onwards"


def test_regression_a_period_with_a_final_newline_is_not_a_period(engine: Engine) -> None:
    # The pattern was matched with re.match, whose '$' also matches before a final newline: a quoted
    # "2008/09\n" was taken for 2008/09 and kept, newline and all, as the result's (and the ledger's) period.
    from caa_engine.periods import period_year

    assert [period_year(text) for text in ("2008/09", "2008/09\n", "\n2008/09", "2008/09 ")] == [2008, None, None, None]
    (text,) = _refused(engine, bundle("2008/09\n", CAA_KLOES))
    assert "'2008/09\\n' is not a period written YYYY/YY, e.g. 2008/09 (April 2008 to March 2009)" in text


def test_the_shipped_2007_08_example_and_the_2008_09_fixture_are_judged_in_one_run_each_by_its_own_rules() -> None:
    # Issue 15, done-when: docs/examples/periods/cheltenham-2007-08.yaml beside fixtures/cheltenham.yaml.
    from click.testing import CliRunner

    from caa_engine.cli import cli

    old, new = ROOT / "docs" / "examples" / "periods" / "cheltenham-2007-08.yaml", ROOT / "fixtures" / "cheltenham.yaml"
    run = CliRunner().invoke(
        cli, ["assess", str(old), str(new), "--rules", str(ROOT / "rules"), "--format", "json", "--backend", "native"]
    )
    assert run.exit_code == 0, run.output
    results = {result["period"]: result for result in json.loads(run.stdout)}
    assert sorted(results) == ["2007/08", "2008/09"]
    themes = {
        period: sorted(
            row["theme"]
            for row in result["elements"]["use_of_resources"]["bodies"]["cheltenham-bc"]["measures"]["theme_score"]
        )
        for period, result in results.items()
    }
    assert themes == {
        "2007/08": [
            "financial_management", "financial_reporting", "financial_standing", "internal_control", "value_for_money"
        ],
        "2008/09": ["governing_the_business", "managing_finances", "managing_resources"],
    }  # fmt: skip
    files = {period: result["rulesets"]["use_of_resources"]["file"] for period, result in results.items()}
    assert files["2007/08"].endswith("use_of_resources_2007_08.yaml")
    assert files["2008/09"].endswith("rules/use_of_resources.yaml")
    # Four of the five themes at 3 or more: CPA's 'performing well' needs three.
    assert results["2007/08"]["elements"]["use_of_resources"]["bodies"]["cheltenham-bc"]["score"] == 3
    assert (
        results["2007/08"]["elements"]["use_of_resources"]["bodies"]["cheltenham-bc"]["rule"] == "uor_performing_well"
    )
