"""`caa impact`: what a rule change does to every area, before it is committed."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

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
            "element": "use_of_resources",
            "subject": "Charnwood Borough Council (charnwood-bc)",
            "what": "score",
            "before": "2 adequate (uor_adequate)",
            "after": "3 performing well (uor_performing_well)",
        },
        {
            "area": "Leicestershire",
            "element": "self_awareness",
            "subject": own,
            "what": "finding",
            "before": "optimistic",
            "after": "accurate",
        },
        {
            "area": "Leicestershire",
            "element": "self_review.judged",
            "subject": own,
            "what": "finding",
            "before": "2",
            "after": "3",
        },
    ]


def test_a_change_that_adds_notes_lists_each_new_note(tmp_path: Path) -> None:
    changed = _copy_rules(tmp_path, "reassess_at_or_below:\n    value: 1", "reassess_at_or_below:\n    value: 2")
    outcome = _impact_json("fixtures/cheltenham.yaml", changed, "native")
    changes = json.loads(outcome.stdout)["changes"]
    assert {c["subject"] for c in changes} == {f"cheltenham-bc/kloe/{code}" for code in ("2.1", "2.2", "2.4")}
    assert all(c["what"] == "note" and c["before"] == "—" and "reassess next year" in c["after"] for c in changes)


def test_identical_rules_report_no_change() -> None:
    outcome = CliRunner().invoke(cli, ["impact", "fixtures/", "--against", "rules", "--backend", "native"])
    assert outcome.exit_code == 0
    areas = len(list(Path("fixtures").glob("*.yaml")))
    assert outcome.stdout.startswith(f"{areas} area(s) assessed; 0 changed, 0 change(s)")


def test_a_broken_baseline_is_reported_with_file_and_line_and_exit_2(tmp_path: Path) -> None:
    broken = _copy_rules(tmp_path, "priority: 3", "priority: high")
    outcome = CliRunner().invoke(cli, ["impact", "fixtures/", "--against", str(broken), "--backend", "native"])
    assert outcome.exit_code == 2
    assert "use_of_resources.yaml:" in outcome.stderr and "priority" in outcome.stderr
    assert outcome.stdout == ""
