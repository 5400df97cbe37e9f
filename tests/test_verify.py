"""caa verify: one broken rules folder per finding kind (tests/verify/), each finding exact, located, and its
witness judged by the engine as claimed; --against finds a moved threshold on its boundary and nothing on a copy."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from caa_engine import Engine, load_rules
from caa_engine.cli import cli
from caa_engine.verify import compare_plans, verify_plan

HERE = Path(__file__).parent / "verify"
UOR = {"use_of_resources"}


def _verify(name: str, tmp_path: Path):
    folder = HERE / name
    return verify_plan(load_rules(folder), str(folder), tmp_path, UOR)


def _line(name: str, rule_id: str) -> int:
    text = (HERE / name / "use_of_resources.yaml").read_text().splitlines()
    return next(n for n, line in enumerate(text, 1) if line.strip() == f"- id: {rule_id}")


def _uor(path: Path, name: str):
    body = Engine(HERE / name, backend="native").assess(path).elements["use_of_resources"].bodies
    return body.get("v-cc")


def test_a_removed_catch_all_is_a_gap_with_a_body_left_unscored(tmp_path):
    report = _verify("gap", tmp_path)
    (finding,) = report.findings
    assert (finding.code, finding.severity, finding.target) == ("gap", "error", "use_of_resources")
    assert finding.location.endswith(f"gap/use_of_resources.yaml:{_line('gap', 'uor_performing_strongly')}")
    assert report.status == 2
    witness = finding.witnesses[0]
    assert witness.parent == tmp_path
    assert yaml.safe_load(witness.read_text())["use_of_resources"]["assessments"][0]["body"] == "v-cc"
    assert _uor(witness, "gap") is None  # judged: the body has KLOEs and no score


def test_two_same_priority_rules_with_different_scores_clash(tmp_path):
    report = _verify("clash", tmp_path)
    (finding,) = report.findings
    assert finding.code == "clash" and finding.rules == ("uor_performing_well", "uor_adequate")
    assert finding.location.endswith(f"clash/use_of_resources.yaml:{_line('clash', 'uor_adequate')}")
    result = Engine(HERE / "clash", backend="native").assess(finding.witnesses[0])
    fired = {e.id for e in result.audit if e.kind == "rule" and e.subject == "v-cc"}
    assert {"uor_performing_well", "uor_adequate"} <= fired


def test_a_rule_shadowed_by_a_broader_one_above_never_wins(tmp_path):
    report = _verify("shadowed", tmp_path)
    (finding,) = report.findings
    assert finding.code == "never-wins" and finding.rules == ("uor_solid",)
    assert finding.location.endswith(f"shadowed/use_of_resources.yaml:{_line('shadowed', 'uor_solid')}")
    bundle, proof = finding.witnesses
    result = Engine(HERE / "shadowed", backend="native").assess(bundle)
    (event,) = [e for e in result.audit if e.id == "uor_solid" and e.subject == "v-cc"]
    assert (event.status, event.overridden_by) == ("overridden", "uor_performing_well")
    assert proof.suffix == ".smt2" and "uor_solid" in proof.read_text()


def test_an_impossible_condition_never_wins_and_the_solver_query_is_the_witness(tmp_path):
    report = _verify("impossible", tmp_path)
    (finding,) = report.findings
    assert finding.code == "never-wins" and "can never hold" in finding.message
    assert finding.location.endswith(f"impossible/use_of_resources.yaml:{_line('impossible', 'uor_never')}")
    import z3

    solver = z3.Solver()
    solver.from_string(finding.witnesses[0].read_text())
    assert solver.check() == z3.unsat


def test_a_non_monotone_band_is_a_warning_with_two_witnesses(tmp_path):
    report = _verify("non_monotone", tmp_path)
    (finding,) = report.findings
    assert (finding.code, finding.severity) == ("non-monotone", "warning")
    assert finding.location.endswith(
        f"non_monotone/use_of_resources.yaml:{_line('non_monotone', 'uor_performing_well')}"
    )
    assert report.status == 0
    worse, better = (_uor(path, "non_monotone") for path in finding.witnesses)
    assert worse.score > better.score
    low = yaml.safe_load(finding.witnesses[0].read_text())["use_of_resources"]["assessments"][0]["kloes"]
    high = yaml.safe_load(finding.witnesses[1].read_text())["use_of_resources"]["assessments"][0]["kloes"]
    assert low.keys() == high.keys() and all(low[k] <= high[k] for k in low) and low != high


def test_against_finds_the_moved_threshold_on_its_boundary(tmp_path):
    report = compare_plans(load_rules(HERE / "moved"), load_rules(HERE / "base"), "moved", "base", tmp_path)
    assert report.status == 2
    first = report.differences[0]
    assert first.what == "use_of_resources for body 'v-cc'"
    assert first.old.startswith("3 ") and first.new.startswith("4 ")
    judged = _uor(first.witness, "moved")
    assert judged.score == 4 and _uor(first.witness, "base").score == 3
    # strong_floor moved from 3 to 2: the witness's lowest theme sits exactly on the new floor
    assert min(t["score"] for t in judged.measures["theme_score"]) == 2


def test_against_an_identical_copy_finds_nothing(tmp_path):
    report = compare_plans(load_rules(HERE / "base"), load_rules(HERE / "base"), "a", "b", tmp_path)
    assert report.status == 0 and not report.differences


@pytest.mark.parametrize(("name", "status"), [("base", 0), ("gap", 2), ("non_monotone", 0)])
def test_the_command_exits_2_on_errors_only_and_names_its_witness_folder(tmp_path, name, status):
    result = CliRunner().invoke(cli, ["verify", str(HERE / name), "--witness-dir", str(tmp_path)])
    assert result.exit_code == status, result.output
    assert "Covered:" in result.output and "Searched" in result.output
    if status:
        assert f"witnesses in {tmp_path}" in result.output


def test_against_on_the_command_line(tmp_path):
    args = ["verify", str(HERE / "moved"), "--against", str(HERE / "base"), "--witness-dir", str(tmp_path)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2 and "old (" in result.output and "new (" in result.output


def _dated(folder: Path, old_year: str, current: str) -> Path:
    """A dated rules folder: tests/verify/<old_year>'s file in force for 2007/08, <current>'s from 2008/09."""
    folder.mkdir()
    for name, source, periods in (("old", old_year, "[2007/08]"), ("new", current, "{from: 2008/09}")):
        text = (HERE / source / "use_of_resources.yaml").read_text(encoding="utf-8")
        (folder / f"{name}.yaml").write_text(f"{text.rstrip()}\nperiods: {periods}\n", encoding="utf-8")
    return folder


def test_regression_against_compares_a_dated_folders_rules_period_by_period(tmp_path: Path) -> None:
    # It compared the two folders' current rules only and said they "judge every searched bundle the same",
    # though a tuning of the 2007/08 file moved scores: now each run of periods is compared on its own.
    tuned = _dated(tmp_path / "tuned", "moved", "base")
    shipped = _dated(tmp_path / "shipped", "base", "base")
    run = CliRunner().invoke(
        cli, ["verify", str(tuned), "--against", str(shipped), "--witness-dir", str(tmp_path / "witnesses")]
    )
    assert run.exit_code == 2, run.output
    lines = run.stdout.splitlines()
    assert lines[0] == f"{tuned} and {shipped} differ in the rules for 2007/08"
    assert "== 2007/08:" in lines
    assert lines[lines.index("== 2008/09 onwards:") + 1] == "the same rules on both sides: nothing to search"
    witness = tmp_path / "witnesses" / "2007-08" / "difference-1.yaml"
    assert yaml.safe_load(witness.read_text(encoding="utf-8"))["period"] == "2007/08"
    judged = [Engine(folder, backend="native").assess(witness) for folder in (tuned, shipped)]
    assert [r.elements["use_of_resources"].bodies["v-cc"].score for r in judged] == [4, 3]
    # a period only one folder has rules for is a difference too
    (shipped / "old.yaml").unlink()
    run = CliRunner().invoke(cli, ["verify", str(tuned), "--against", str(shipped)])
    assert run.exit_code == 2
    assert run.stdout.splitlines()[0] == f"{tuned} and {shipped} do not both have rules for 2007/08"
    assert f"only {tuned} has rules for these periods: {shipped} refuses their bundles" in run.stdout
