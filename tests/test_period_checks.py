"""Every period's rules are checked, verified and counted, not only the current period's (issue 15 item 2):
``caa check`` counts each period's rules and prints their warnings, ``caa verify`` searches and proves each
period's plan on its own and says which period a finding is in, with a witness that names that period.
(Rule coverage over every period: tests/test_policy_harness.py.)"""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from click.testing import CliRunner

from caa_engine import Engine, load_rules
from caa_engine.cli import cli
from caa_engine.verify import DatedVerifyReport, verify_rules

ROOT = Path(__file__).resolve().parent.parent
VERIFY = ROOT / "tests" / "verify"


def _dated(tmp_path: Path, now: str, then: str) -> Path:
    """A folder judging use of resources by ``now``'s rules from 2008/09 and by ``then``'s in 2007/08."""
    folder = tmp_path / "dated"
    folder.mkdir()
    for name, source, periods in (("now", now, "{from: 2008/09}"), ("then", then, "[2007/08]")):
        text = (VERIFY / source / "use_of_resources.yaml").read_text(encoding="utf-8")
        (folder / f"{name}.yaml").write_text(f"{text}\nperiods: {periods}\n", encoding="utf-8")
    return folder


def test_caa_check_counts_each_periods_rules() -> None:
    run = CliRunner().invoke(cli, ["check", str(ROOT / "rules")])
    assert run.exit_code == 0, run.output
    lines = run.stdout.splitlines()
    assert lines[1:4] == [
        "each period's rules, checked on their own:",
        "  2007/08: 3 rule sets, 5 rules, 1 measure",
        "  2008/09 onwards: 7 rule sets, 56 rules, 17 measures (the current rules, counted above)",
    ]
    assert lines[4] == "periods each element is judged for:"


def test_caa_check_warns_about_an_earlier_periods_rules_too(tmp_path: Path) -> None:
    # Regression: the warnings were the current plan's only, so 2007/08's four numbers written into descriptions
    # (instead of their parameters) were never shown.
    folder = _dated(tmp_path, "base", "base")
    then = folder / "then.yaml"
    text = then.read_text(encoding="utf-8")
    then.write_text(text.replace("parameters:\n", "parameters:\n  unused_knob:\n    value: 7\n", 1), encoding="utf-8")
    run = CliRunner().invoke(cli, ["check", str(folder)])
    assert run.exit_code == 0, run.output
    assert (
        "then.yaml:" in run.stderr and "warning: unused-parameter: parameter 'unused_knob' is never read" in run.stderr
    )
    as_json = CliRunner().invoke(cli, ["check", str(folder), "--format", "json"])
    (warning,) = json.loads(as_json.stdout)["warnings"]
    assert warning["code"] == "unused-parameter" and warning["file"].endswith("then.yaml")


def test_the_shipped_2007_08_rules_give_no_warning() -> None:
    plan = load_rules(ROOT / "rules")
    assert plan.dated is not None and plan.dated.warnings() == []


def test_caa_verify_checks_every_periods_plan_and_says_which_period_a_finding_is_in(tmp_path: Path) -> None:
    folder = _dated(tmp_path, "base", "gap")  # 2007/08's rules lost their catch-all: a gap, in 2007/08 only
    report = verify_rules(load_rules(folder), "dated", tmp_path / "witnesses", {"use_of_resources"})
    assert isinstance(report, DatedVerifyReport) and report.status == 2
    assert [(text, len(each.findings)) for text, _, each in report.periods] == [("2007/08", 1), ("2008/09 onwards", 0)]
    (finding,) = report.findings
    assert finding.code == "gap" and finding.period == "2007/08" and finding.location.startswith(str(folder / "then"))
    assert ": error: gap: in the 2007/08 rules: use_of_resources: body 'v-cc' has evidence" in finding.render()
    witness = finding.witnesses[0]
    assert witness.parent == tmp_path / "witnesses" / "2007-08"
    assert yaml.safe_load(witness.read_text(encoding="utf-8"))["period"] == "2007/08"
    # The whole dated folder judges the witness by 2007/08's rules, which leave the body unscored.
    assert Engine(folder, "native").assess(witness).elements["use_of_resources"].bodies == {}
    text = report.render()
    assert "(the rules of every period verified on their own: 2007/08, 2008/09 onwards)" in text.splitlines()[3]
    assert f"\n== 2007/08: {folder / 'then.yaml'}\nCovered:\n" in text


def test_caa_verify_on_the_command_line_exits_2_for_a_gap_in_an_earlier_period(tmp_path: Path) -> None:
    folder = _dated(tmp_path, "base", "gap")
    run = CliRunner().invoke(cli, ["verify", str(folder), "--witness-dir", str(tmp_path / "w")])
    assert run.exit_code == 2, run.output
    assert "error: gap: in the 2007/08 rules:" in run.stdout
    assert "== 2008/09 onwards:" in run.stdout


def test_undated_rules_are_verified_as_before(tmp_path: Path) -> None:
    report = verify_rules(load_rules(VERIFY / "base"), "base", tmp_path, {"use_of_resources"})
    assert not isinstance(report, DatedVerifyReport) and report.findings == []


def test_caa_verify_of_an_element_no_period_judges_says_nothing_was_verified(tmp_path: Path) -> None:
    report = verify_rules(load_rules(_dated(tmp_path, "base", "gap")), "dated", tmp_path / "w", {"nonesuch"})
    assert isinstance(report, DatedVerifyReport) and report.periods == [] and report.status == 0
    assert "(no period's rules judge what was asked for: nothing was verified)" in report.render()
