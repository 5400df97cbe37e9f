"""`caa impact`: what a rule change does to every area, before it is committed."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from caa_engine.cli import cli


def _copy_rules(tmp_path: Path, old: str, new: str) -> Path:
    folder = tmp_path / "rules"
    shutil.copytree("rules", folder)
    path = folder / "use_of_resources.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return folder


def _impact_json(path: str, changed: Path, backend: str) -> Result:
    """`caa impact PATH --rules CHANGED --against rules --format json`."""
    return CliRunner().invoke(
        cli, ["impact", path, "--rules", str(changed), "--against", "rules", "--format", "json", "--backend", backend]
    )


def test_loosening_the_theme_cap_shows_exactly_the_bodies_whose_score_moves(tmp_path: Path, backend: str) -> None:
    changed = _copy_rules(tmp_path, "theme_cap_above_lowest:\n    value: 1", "theme_cap_above_lowest:\n    value: 2")
    outcome = _impact_json("fixtures/", changed, backend)
    assert outcome.exit_code == 0, outcome.output
    report = json.loads(outcome.stdout)
    assert report["areas"] == len(list(Path("fixtures").glob("*.yaml")))
    # Charnwood's score moves, and with it how its self-assessment of 3 compares (it is not the lead
    # council, so the area's overall score does not move).
    own = "charnwood-bc/self_assessment/use_of_resources"
    assert report["changes"] == [
        {
            "area": "Leicestershire",
            "period": "2008/09",
            "element": "use_of_resources",
            "subject": "Charnwood Borough Council (charnwood-bc)",
            "what": "score",
            "before": {"score": 2, "label": "adequate", "rule": "uor_adequate", "uncapped": None, "capped_by": None},
            "after": {
                "score": 3,
                "label": "performing well",
                "rule": "uor_performing_well",
                "uncapped": None,
                "capped_by": None,
            },
        },
        {
            "area": "Leicestershire",
            "period": "2008/09",
            "element": "self_awareness",
            "subject": own,
            "what": "finding",
            "before": "optimistic",
            "after": "accurate",
        },
        {
            "area": "Leicestershire",
            "period": "2008/09",
            "element": "self_review.judged",
            "subject": own,
            "what": "finding",
            "before": 2,
            "after": 3,
        },
    ]


def test_a_change_that_adds_notes_lists_each_new_note(tmp_path: Path) -> None:
    changed = _copy_rules(tmp_path, "reassess_at_or_below:\n    value: 1", "reassess_at_or_below:\n    value: 2")
    outcome = _impact_json("fixtures/cheltenham.yaml", changed, "native")
    changes = json.loads(outcome.stdout)["changes"]
    assert {c["subject"] for c in changes} == {f"cheltenham-bc/kloe/{code}" for code in ("2.1", "2.2", "2.4")}
    assert all(
        c["what"] == "note" and c["before"] is None and "reassess next year" in c["after"]["text"] for c in changes
    )


CHELTENHAM_2007_08 = """\
area: {id: cheltenham, name: Cheltenham, tier: single}
period: 2007/08
bodies:
  - {id: cheltenham-bc, name: Cheltenham Borough Council, kind: district, lead: true}
use_of_resources:
  assessments:
    - body: cheltenham-bc
      kloes: {"1.1": 3, "1.2": 3, "2.1": 2, "2.2": 3, "3.1": 3, "4.1": 4, "4.2": 3, "5.1": 3, "5.2": 3}
"""


def test_regression_impact_on_an_area_judged_for_two_periods_names_each_period_and_counts_both(
    tmp_path: Path,
) -> None:
    # Cheltenham's 2007/08 and 2008/09 bundles both gain a note when both years' files reassess KLOEs scored 2:
    # the report said '1 changed' (it counted area names) and gave two rows reading 'Cheltenham', alike.
    bundles = tmp_path / "bundles"
    bundles.mkdir()
    shutil.copy("fixtures/cheltenham.yaml", bundles / "cheltenham-2008-09.yaml")
    (bundles / "cheltenham-2007-08.yaml").write_text(CHELTENHAM_2007_08, encoding="utf-8")
    changed = _copy_rules(tmp_path, "reassess_at_or_below:\n    value: 1", "reassess_at_or_below:\n    value: 2")
    old_year = changed / "use_of_resources_2007_08.yaml"
    old_year.write_text(
        old_year.read_text(encoding="utf-8").replace(
            "reassess_at_or_below:\n    value: 1", "reassess_at_or_below:\n    value: 2"
        ),
        encoding="utf-8",
    )
    args = ["impact", str(bundles), "--rules", str(changed), "--against", "rules", "--backend", "native"]
    report = json.loads(CliRunner().invoke(cli, [*args, "--format", "json"]).stdout)
    assert report["areas"] == 2 and report["changed_areas"] == 2
    assert [(c["area"], c["period"], c["subject"]) for c in report["changes"]] == [
        ("Cheltenham", "2007/08", "cheltenham-bc/kloe/2.1"),
        *[("Cheltenham", "2008/09", f"cheltenham-bc/kloe/{code}") for code in ("2.1", "2.2", "2.4")],
    ]
    text = CliRunner(env={"COLUMNS": "160"}).invoke(cli, args).stdout
    assert text.startswith("2 areas assessed; 2 changed, 4 changes\n")
    rows = [line for line in text.splitlines() if line.startswith("Cheltenham")]
    assert [row.split("   ")[0] for row in rows] == ["Cheltenham 2007/08"] + ["Cheltenham 2008/09"] * 3


def test_identical_rules_report_no_change() -> None:
    outcome = CliRunner().invoke(cli, ["impact", "fixtures/", "--against", "rules", "--backend", "native"])
    assert outcome.exit_code == 0
    areas = len(list(Path("fixtures").glob("*.yaml")))
    assert outcome.stdout.startswith(f"{areas} areas assessed; 0 changed, 0 changes")


def test_a_broken_baseline_is_reported_with_file_and_line_and_exit_2(tmp_path: Path) -> None:
    broken = _copy_rules(tmp_path, "priority: 3", "priority: high")
    outcome = CliRunner().invoke(cli, ["impact", "fixtures/", "--against", str(broken), "--backend", "native"])
    assert outcome.exit_code == 2
    assert "use_of_resources.yaml:" in outcome.stderr and "priority" in outcome.stderr
    assert outcome.stdout == ""


def _impact(*args: str, columns: int = 100) -> Result:
    """`caa impact ARGS` on a terminal COLUMNS wide (pytest-xdist's workers set COLUMNS=80)."""
    return CliRunner().invoke(cli, ["impact", *args, "--backend", "native"], env={"COLUMNS": str(columns)})


def test_fail_on_change_exits_3_when_a_judgement_moves_and_0_when_nothing_does(tmp_path: Path) -> None:
    changed = _copy_rules(tmp_path, "theme_cap_above_lowest:\n    value: 1", "theme_cap_above_lowest:\n    value: 2")
    moved = _impact("fixtures/leicestershire.yaml", "--rules", str(changed), "--against", "rules", "--fail-on-change")
    assert moved.exit_code == 3, moved.output
    assert "uor_performing_well" in moved.stdout  # the report is still printed
    still = _impact("fixtures/leicestershire.yaml", "--against", "rules", "--fail-on-change")
    assert still.exit_code == 0, still.output


def test_fail_on_change_ignores_notes_and_findings_alone(tmp_path: Path) -> None:
    changed = _copy_rules(tmp_path, "reassess_at_or_below:\n    value: 1", "reassess_at_or_below:\n    value: 2")
    outcome = _impact("fixtures/cheltenham.yaml", "--rules", str(changed), "--against", "rules", "--fail-on-change")
    assert outcome.exit_code == 0, outcome.output
    assert "reassess next year" in outcome.stdout


def _hf_change(tmp_path: Path) -> Path:
    folder = tmp_path / "changed"
    shutil.copytree("rules", folder)
    path = folder / "risk_assessment.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("risk.recorded_on < outcome.started_on", "risk.recorded_on <= outcome.started_on"))
    return folder


def test_the_text_fits_the_terminal_width_and_breaks_lines_only_between_words(tmp_path: Path) -> None:
    changed = _hf_change(tmp_path)
    for columns in (160, 100, 60):
        outcome = _impact("fixtures/wealdshire.yaml", "--rules", str(changed), "--against", "rules", columns=columns)
        lines = outcome.stdout.splitlines()
        assert max(len(line) for line in lines) <= columns
        words = outcome.stdout.split()
        assert {"Demand-responsive", "proportionate", "honourable_test.recorded_in_advance"} <= set(words)
    # Wide enough, a table; too narrow for every word side by side, a block of lines per change.
    assert outcome.stdout.splitlines()[1:4] == [
        "",
        "Wealdshire · honourable.passed · wd-bus-network · finding",
        "  before: false",
    ]


def test_a_table_row_wraps_inside_its_cells_at_spaces(tmp_path: Path) -> None:
    changed = _copy_rules(tmp_path, "theme_cap_above_lowest:\n    value: 1", "theme_cap_above_lowest:\n    value: 2")
    outcome = _impact("fixtures/leicestershire.yaml", "--rules", str(changed), "--against", "rules", columns=160)
    lines = outcome.stdout.splitlines()
    assert lines[1].split() == ["Area", "Element", "/", "kind", "Subject", "What", "Before", "After"]
    assert lines[2] == "─" * len(lines[2]) and len(lines[2]) <= 160
    assert "(uor_adequate)" in lines[3] and lines[4].strip() == "(uor_performing_well)"


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.email=t@example.org", "-c", "user.name=t", *args], cwd=cwd, check=True, capture_output=True
    )


def test_against_takes_a_git_revision_or_rev_colon_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = tmp_path / "repo"
    shutil.copytree("rules", repo / "rules")
    bundle = str(Path("fixtures/leicestershire.yaml").resolve())
    _git(repo, "init", "-q")
    _git(repo, "add", "rules")
    _git(repo, "commit", "-q", "-m", "rules as shipped")
    path = repo / "rules" / "use_of_resources.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace(
            "theme_cap_above_lowest:\n    value: 1", "theme_cap_above_lowest:\n    value: 2"
        )
    )
    monkeypatch.chdir(repo)
    for against in ("HEAD", "HEAD:rules"):
        outcome = _impact(bundle, "--rules", "rules", "--against", against, "--format", "json", "--fail-on-change")
        assert outcome.exit_code == 3, outcome.output
        assert json.loads(outcome.stdout)["changes"][0]["after"]["rule"] == "uor_performing_well"
    missing = _impact(bundle, "--rules", "rules", "--against", "HEAD:nowhere")
    assert missing.exit_code == 2 and "revision HEAD has no folder 'nowhere'" in missing.stderr
    unknown = _impact(bundle, "--rules", "rules", "--against", "v9")
    assert unknown.exit_code == 2 and "'v9' is neither a folder nor a revision" in unknown.stderr


def test_against_a_revision_outside_a_git_checkout_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rules = Path("rules").resolve()
    bundle = str(Path("fixtures/leicestershire.yaml").resolve())
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))
    outcome = _impact(bundle, "--rules", str(rules), "--against", "HEAD")
    assert outcome.exit_code == 2
    assert "is not in a git checkout" in outcome.stderr


def test_regression_a_bundle_only_one_side_has_rules_for_is_refused_naming_those_rules(tmp_path: Path) -> None:
    # Removing the 2007/08 file and running impact said "no rule set is in force for 2007/08: the rules cover
    # 2008/09 onwards" without saying which of the two folders it meant; a problem of the bundle itself is still
    # told once, naming neither.
    bundle = tmp_path / "cheltenham-2007-08.yaml"
    bundle.write_text(CHELTENHAM_2007_08, encoding="utf-8")
    new = _copy_rules(tmp_path, "reassess_at_or_below:\n    value: 1", "reassess_at_or_below:\n    value: 1")
    (new / "use_of_resources_2007_08.yaml").unlink()
    args = ["impact", str(bundle), "--rules", str(new), "--against", "rules", "--backend", "native", "--no-context"]
    outcome = CliRunner().invoke(cli, args)
    assert outcome.exit_code == 2
    assert outcome.stderr.splitlines()[1] == (
        f"{bundle}:2:9: no-rules-for-period: no rule set is in force for 2007/08: the rules cover 2008/09 onwards "
        f"(under the rules in {new})"
    )
    mixed = CHELTENHAM_2007_08.replace(
        "    - body: cheltenham-bc\n", "    - body: cheltenham-bc\n      period: 2008/09\n"
    )
    bundle.write_text(mixed, encoding="utf-8")
    outcome = CliRunner().invoke(cli, args)
    assert outcome.exit_code == 2
    assert outcome.stderr.splitlines()[:2] == [
        "1 evidence error occurred:",
        f"{bundle}:8:15: period-mismatch: the assessment of 'cheltenham-bc' is for 2008/09, but the bundle is for "
        "2007/08",
    ]
