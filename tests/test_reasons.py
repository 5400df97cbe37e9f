"""Reasons in plain words, from the rules: caa explain's plain view, the 'not one band higher' line, tuned
parameters showing in the words, and caa check's warning on a number a description states."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from caa_engine import assess
from caa_engine.cli import cli
from caa_engine.report import render_html

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = sorted((ROOT / "fixtures").glob("*.yaml"))
# What a reader's text must never hold: fact ids, conditions, parameter names, raw fractions.
MACHINE = re.compile(r"[a-z]+-[a-z]+/|params\.|count\(|share\(|\b0\.\d{3,}|_[a-z]+_")


def explain(*args: str) -> str:
    outcome = CliRunner().invoke(cli, ["explain", *args, "--rules", str(ROOT / "rules"), "--backend", "native"])
    assert outcome.exit_code == 0, outcome.output
    return str(outcome.output)


@pytest.mark.parametrize("fixture", FIXTURES, ids=lambda p: p.stem)
def test_explain_says_each_areas_overall_score_in_plain_words_and_why_not_a_band_higher(fixture: Path) -> None:
    text = explain(str(fixture))
    reader = "\n".join(line for line in text.splitlines() if not line.strip().startswith("(rule "))
    assert len(text.splitlines()) <= 15
    assert not MACHINE.search(reader), reader
    assert reader.startswith("Overall area view for ")
    if " is 4, " not in reader:
        assert "\nNot " in reader


def test_explain_says_why_cheltenhams_use_of_resources_is_3_and_not_4() -> None:
    text = explain("fixtures/cheltenham.yaml", "--element", "use_of_resources")
    assert " ".join(text.split()).startswith(
        "Use of resources for Cheltenham Borough Council is 3, performing well: 2 of its 3 themes score 3 or more "
        "(at least 2 needed) and none is below 2. Not 4: needs 2 themes at 4; it has none, and needs no theme "
        "below 3; its lowest scores 2."
    )


def test_explain_a_flag_in_plain_words() -> None:
    text = " ".join(explain("fixtures/calderbridge.yaml", "--flag", "cb-neet").split())
    assert text.startswith("Red flag, unmanaged failure: Cut the share of 16 to 18 year olds")
    assert "recorded in advance no" in text and "misses the honourable-failure test" in text
    assert not MACHINE.search(text.split("(rule ")[0])


def test_explain_an_indicators_label() -> None:
    text = " ".join(explain("fixtures/cheltenham.yaml", "--subject", "NI 192", "--finding", "trend").split())
    assert text.startswith(
        "NI 192 Household waste reused, recycled and composted: trend improved. The value 38 is better than the "
        "previous 35 (higher is better)."
    )


def test_explain_an_outcomes_honourable_failure_criteria_one_by_one() -> None:
    text = explain("fixtures/ashcombe.yaml", "--subject", "ac-market-quarter", "--finding", "honourable_test")
    assert "appetite approved no. (5) The risk appetite was approved by the cabinet or the board." in " ".join(
        text.split()
    )
    assert len(re.findall(r"^Bring 40 empty shops", text, re.M)) == 8


def test_explain_a_self_awareness_label_with_its_evidence() -> None:
    text = explain(
        "fixtures/ashcombe.yaml",
        "--subject",
        "self_assessment/direction_of_travel",
        "--finding",
        "self_awareness",
        "--evidence",
    )
    assert " ".join(text.split()).startswith(
        "London Borough of Ashcombe's own direction of travel score: self awareness optimistic. London Borough of "
        "Ashcombe scored itself 4 on direction of travel, higher than judged (3)."
    )
    assert "evidence: self_assessment.score = 4 (fixtures/ashcombe.yaml:" in text


def test_explain_trail_keeps_the_full_audit_trail() -> None:
    text = explain("fixtures/cheltenham.yaml", "--element", "use_of_resources", "--trail")
    assert "decided by rule uor_performing_well" in text and "when:" in text


@pytest.fixture(scope="module")
def tuned(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the rules with well_met_share tuned from 60 % to 70 %."""
    folder = tmp_path_factory.mktemp("tuned") / "rules"
    shutil.copytree(ROOT / "rules", folder)
    path = folder / "indicator_set.yaml"
    text = path.read_text()
    assert "  well_met_share:\n    value: 60%\n" in text
    path.write_text(text.replace("  well_met_share:\n    value: 60%\n", "  well_met_share:\n    value: 70%\n"))
    return folder


def test_tuning_well_met_share_changes_the_reason_in_explain_and_in_the_html(tuned: Path) -> None:
    args = ["explain", "fixtures/cheltenham.yaml", "--element", "indicator_set", "--backend", "native"]
    before = " ".join(explain("fixtures/cheltenham.yaml", "--element", "indicator_set").split())
    after = " ".join(CliRunner().invoke(cli, [*args, "--rules", str(tuned)]).output.split())
    assert "of targets met (at least 60 % needed)" in before
    assert "of targets met (at least 70 % needed)" in after and "60 %" not in after
    html = render_html([assess(ROOT / "fixtures" / "cheltenham.yaml", rules=tuned, backend="native")])
    assert "at least 70 % needed" in html and "at least 60 % needed" not in html


def test_caa_check_warns_where_a_description_states_a_number_a_parameter_holds(tuned: Path) -> None:
    path = tuned.parent / "worded" / "rules"
    shutil.copytree(tuned, path)
    file = path / "indicator_set.yaml"
    text = file.read_text()
    start = text.index("  - id: ni_performing_well\n    description: >\n")
    end = text.index("    short_of:", start)
    file.write_text(
        text[:start] + "  - id: ni_performing_well\n    description: At least 70% of targets met.\n" + text[end:]
    )
    outcome = CliRunner().invoke(cli, ["check", str(path)])
    assert outcome.exit_code == 0, outcome.output
    assert "warning: number-in-description: the description states 70%, which parameter 'well_met_share' holds" in (
        outcome.output
    )
    assert "hint: write {params.well_met_share} instead" in outcome.output


def test_regression_a_number_in_a_description_is_warned_about_with_the_caret_under_the_number(tmp_path: Path) -> None:
    # The warning pointed at 'description: >', three lines above the number, with the caret under the '>'.
    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules)
    file = rules / "use_of_resources_2007_08.yaml"
    text = file.read_text(encoding="utf-8")
    stated = "(at least {params.adequate_min_themes} needed)."
    assert text.count(stated) == 1
    file.write_text(text.replace(stated, "(at least 3 needed)."), encoding="utf-8")
    (line,) = [n for n, row in enumerate(file.read_text(encoding="utf-8").splitlines(), 1) if "least 3 needed" in row]
    outcome = CliRunner().invoke(cli, ["check", str(rules)])
    assert outcome.exit_code == 0, outcome.output
    assert (
        f"{file}:{line}:55: warning: number-in-description: the description states 3, which parameter "
        "'adequate_min_themes' holds\n"
        + " " * 10
        + "{params.adequate_theme_score} or more (at least 3 needed).\n"
        + " " * 58
        + "^\n"
    ) in outcome.output
