"""The machinery around the policy scenarios: rule coverage from the audit trail, tuned rules folders,
and the coverage threshold. The scenarios themselves live in features/ and run with the suite."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from element_bundles import ROOT, bundle, copy_rules, edit, kloes_for

from caa_engine import Coverage, Engine, load_rules
from caa_engine.audit.coverage import NEVER_COMPUTED, NEVER_FIRED, ONLY_OVERRIDDEN

OLD_UOR = "rules/use_of_resources_2007_08.yaml"


def run_features(*args: str, workers: str = "0") -> subprocess.CompletedProcess[str]:
    """``pytest features`` in a subprocess, in one process unless ``workers`` says how many (pytest-xdist's -n)."""
    return subprocess.run(
        [sys.executable, "-m", "pytest", "features", "-p", "no:cacheprovider", "-q", "-n", workers, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )


def test_coverage_counts_a_rule_that_decided_something_and_a_measure_computed(backend: str) -> None:
    plan = load_rules(ROOT / "rules")
    coverage = Coverage(plan)
    result = Engine(plan, backend).assess(bundle(kloes={"testshire-cc": kloes_for(3)}))
    coverage.add(result.audit)
    # The current period's rules (2008/09 on: the bundle names no period); 2007/08's are counted apart, below.
    gaps = {gap.id: gap.why for gap in coverage.gaps() if gap.file != OLD_UOR}
    assert "uor_performing_well" not in gaps and "theme_score" not in gaps
    # The lower bands fired too, but were overridden by the 3: deleting them would change nothing here.
    assert gaps["uor_adequate"] == ONLY_OVERRIDDEN
    assert gaps["uor_inadequate"] == ONLY_OVERRIDDEN
    assert gaps["uor_performing_strongly"] == NEVER_FIRED
    assert gaps["hf_passed"] == NEVER_COMPUTED
    assert coverage.covered == coverage.total - len(coverage.gaps())
    # Counted by hand: the theme scores, the 3, the note that the council has no direction-of-travel evidence,
    # and the note that too few elements are judged for an overall score; nothing else decided anything.
    plan_ids = {rule.id for rule in plan.rules} | {m.id for m in plan.measures}
    assert plan_ids - set(gaps) == {"theme_score", "uor_performing_well", "dot_not_judged", "overall_elements_missing"}
    # Every period's rules are counted: the 2007/08 use of resources (5 rules and its measure) is not covered by a
    # 2008/09 assessment, though its rule ids are the same.
    old = {gap.id: gap.why for gap in coverage.gaps() if gap.file == OLD_UOR}
    assert old == dict.fromkeys(["theme_score"], NEVER_COMPUTED) | dict.fromkeys(
        ["uor_performing_strongly", "uor_performing_well", "uor_adequate", "uor_inadequate", "uor_reassess_next_year"],
        NEVER_FIRED,
    )
    assert (coverage.covered, coverage.total) == (4, 73 + 6)
    assert coverage.periods == "every period's rules: 2007/08, 2008/09 onwards"
    assert 0 < coverage.percent < 100


def test_coverage_counts_the_2007_08_rules_when_a_2007_08_bundle_is_assessed(backend: str) -> None:
    plan = load_rules(ROOT / "rules")
    coverage = Coverage(plan)
    cpa = {"1.1": 4, "1.2": 4, "2.1": 4, "3.1": 3, "4.1": 1, "5.1": 3}
    data = bundle(kloes={"testshire-cc": cpa})
    data["use_of_resources"]["assessments"][0]["period"] = "2007/08"
    coverage.add(Engine(plan, backend).assess(data).audit)
    # Themes 4, 4, 3, 1, 3: four at 2 or more give 2 (uor_adequate, over uor_inadequate); KLOE 4.1 is noted.
    old = {gap.id: gap.why for gap in coverage.gaps() if gap.file == OLD_UOR}
    assert old == {
        "uor_performing_strongly": NEVER_FIRED,
        "uor_performing_well": NEVER_FIRED,
        "uor_inadequate": ONLY_OVERRIDDEN,
    }
    assert {gap.file for gap in coverage.gaps() if gap.id == "uor_adequate"} == {"rules/use_of_resources.yaml"}


def test_coverage_of_undated_rules_counts_their_one_plan_and_says_so(tmp_path: Path) -> None:
    rules = copy_rules(tmp_path)
    (rules / "use_of_resources_2007_08.yaml").unlink()
    for path in rules.glob("*.yaml"):
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace("periods: {from: 2008/09}", ""), encoding="utf-8")
    plan = load_rules(rules)
    assert plan.dated is None
    coverage = Coverage(plan)
    assert coverage.total == len(plan.rules) + len(plan.measures) == 73
    assert coverage.periods == "every period (the rules are not dated)"


def test_coverage_of_nothing_is_zero_and_every_gap_says_where_it_is_written() -> None:
    plan = load_rules(ROOT / "rules")
    coverage = Coverage(plan)
    assert coverage.percent == 0
    gaps = coverage.gaps()
    assert plan.dated is not None
    assert len(gaps) == sum(len(each.rules) + len(each.measures) for _, _, each in plan.dated.plans())
    assert str(gaps[0]).startswith(f"{gaps[0].why}: {gaps[0].id} (rules/")
    assert all(re.search(r"\.yaml:\d+\)$", str(gap)) for gap in gaps)


@pytest.mark.parametrize("workers", ["0", "2"])
def test_the_coverage_threshold_given_on_the_command_line_fails_a_run_that_misses_it(workers: str) -> None:
    # On two xdist workers too, as the README's test command runs: the checks must still see every scenario.
    run = run_features("-k", "reassessed", "--rule-coverage-min", "50", workers=workers)
    assert run.returncode == 1, run.stdout
    assert "BELOW the required 50%" in run.stdout
    assert "rule never fired: ra_inadequate (rules/risk_assessment.yaml:" in run.stdout
    assert re.search(r"FAILED .*test_the_scenarios_cover_every_rule\[native\]", run.stdout)


def test_a_subset_of_the_scenarios_reports_coverage_without_enforcing_it() -> None:
    run = run_features("-k", "reassessed")
    assert run.returncode == 0, run.stdout
    assert "policy rule coverage" in run.stdout
    assert "only some scenarios ran, so coverage is reported but not enforced" in run.stdout


def test_tuned_rules_keep_the_scenarios_that_read_thresholds_and_fail_those_that_pin_the_default(
    tmp_path: Path,
) -> None:
    rules = copy_rules(tmp_path)
    edit(rules / "indicator_set.yaml", "  near_miss_band:\n    value: 5%", "  near_miss_band:\n    value: 8%")
    pinned = run_features("--rules-dir", str(rules), "-k", "near", "-m", "brief_default")
    assert pinned.returncode == 1, pinned.stdout
    assert (
        "this scenario pins the policy brief's default near-miss band of 5%; the rules under test set it to 8% "
        f"(near_miss_band in {rules / 'indicator_set.yaml'})" in pinned.stdout
    )
    reading = run_features("--rules-dir", str(rules), "-k", "near", "-m", "not brief_default")
    assert reading.returncode == 0, reading.stdout
    assert re.search(r"\b(1[0-9]|[2-9][0-9]) passed", reading.stdout), reading.stdout  # the outlines at the band
    assert f"rules folder: {rules}" in reading.stdout


def test_a_broken_rules_folder_stops_the_scenarios_once_with_its_located_errors(tmp_path: Path) -> None:
    rules = copy_rules(tmp_path)
    edit(rules / "use_of_resources.yaml", "when: kloe.score <= params.reassess_at_or_below", "when: kloe.scor <= 1")
    run = run_features("--rules-dir", str(rules))
    assert run.returncode == 4, run.stdout + run.stderr
    assert f"--rules-dir {rules}: the rules do not load, so no scenario can run" in run.stderr
    assert re.search(r"use_of_resources\.yaml:\d+:\d+: unknown-fact: condition uses 'kloe\.scor'", run.stderr), (
        run.stderr
    )
    assert "did you mean 'kloe.score'" in run.stderr
    assert "        when: kloe.scor <= 1\n              ^\n" in run.stderr  # the source line and caret, as caa check


def test_a_rules_folder_that_does_not_exist_is_a_usage_error(tmp_path: Path) -> None:
    run = run_features("--rules-dir", str(tmp_path / "nowhere"))
    assert run.returncode == 4
    assert f"--rules-dir {tmp_path / 'nowhere'}: no such folder" in run.stderr


def test_the_mutation_tool_deletes_each_rule_whole_and_shifts_only_comparisons_in_conditions() -> None:
    sys.path.insert(0, str(ROOT / "tools"))
    try:
        import rule_mutations
    finally:
        sys.path.remove(str(ROOT / "tools"))
    plan = load_rules(ROOT / "rules")
    found = rule_mutations.mutations(ROOT / "rules", [])
    deleted = {m.target for m in found if m.kind == "delete"}
    assert deleted == {rule.id for rule in plan.rules} | {m.id for m in plan.measures}
    for mutation in found:
        text = (ROOT / "rules" / mutation.file).read_text(encoding="utf-8")
        assert text.count(mutation.old) == 1, mutation
        assert mutation.old.lstrip().startswith(f"- id: {mutation.target}\n"), mutation
        assert mutation.new != mutation.old
        if mutation.kind == "delete":
            # The whole item goes, and nothing of the next one: what is left still parses and names no ghost.
            assert f"- id: {mutation.target}\n" not in text.replace(mutation.old, "")
            assert mutation.old.count("- id:") == 1
    boundary = [m for m in found if m.kind == "boundary"]
    assert boundary and all("when: >\n" not in m.new or "when: >\n" in m.old for m in boundary)
    # The block scalar's '>' is YAML, not a comparison: no mutation turns it into '>='.
    assert not any("when: >=" in m.new or "value: >=" in m.new for m in boundary)


def test_a_scenario_that_pins_the_briefs_numbers_names_each_number_a_tuning_changed(tmp_path: Path) -> None:
    # Half of the switch the brief asks staff to be able to make: the CPA-era rule needs three themes for a 3.
    rules = copy_rules(tmp_path)
    edit(rules / "use_of_resources.yaml", "  well_min_themes:\n    value: 2", "  well_min_themes:\n    value: 3")
    run = run_features("--rules-dir", str(rules), "-k", "cheltenham", "-m", "brief_default")
    assert run.returncode == 1, run.stdout
    assert (
        "this scenario pins the policy brief's numbers for use of resources; the rules under test change them "
        f"({rules / 'use_of_resources.yaml'}): well_min_themes is 3, not 2" in run.stdout
    )
    left_out = run_features("--rules-dir", str(rules), "-k", "cheltenham", "-m", "not brief_default")
    assert left_out.returncode == 5  # every Cheltenham scenario pins the brief's numbers, and says so by its tag


def test_a_scenario_module_that_does_not_use_the_area_is_told_the_line_to_write(tmp_path: Path) -> None:
    # The step library is a plugin: its fixtures serve the whole run, so 'area' cannot be autouse, and a module of
    # scenarios must ask for it (it is what runs each scenario on each backend).
    (tmp_path / "a.feature").write_text(
        "Feature: A\n  Scenario: One\n    Given a council whose KLOE 1.1 is scored 3\n", encoding="utf-8"
    )
    (tmp_path / "test_mine.py").write_text("from pytest_bdd import scenarios\n\nscenarios('a.feature')\n")
    (tmp_path / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
    run = subprocess.run(
        # --rules-dir=PATH in one word: pytest looks for its rootdir before the plugin's options are known, and
        # would take a separate PATH for a path to test, and find the project's pyproject.toml from it.
        [sys.executable, "-m", "pytest", "-p", "caa_engine.scenarios", "-p", "no:cacheprovider",
         f"--rules-dir={ROOT / 'rules'}", "test_mine.py"],
        cwd=tmp_path, capture_output=True, text=True,
    )  # fmt: skip
    assert run.returncode == 4, run.stdout + run.stderr
    assert (
        "test_mine.py::test_one: a scenario module must use the step library's area: write "
        'pytestmark = pytest.mark.usefixtures("area") in test_mine.py' in run.stderr
    )
