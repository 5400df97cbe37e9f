"""What the readable views show of a cap and of the findings: the text and HTML reports, `caa explain` and
`caa impact`. The brief asks that "the trail must show the cap"; each view is pinned on Eastwold, whose
overall 3 is held at 2 by the safeguarding cap, and whose failed child-protection outcome meets all six
honourable-failure criteria yet is never honourable (vulnerable people harmed)."""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner
from element_bundles import copy_rules, edit

from caa_engine.cli import cli

EASTWOLD = "fixtures/eastwold.yaml"


def run(*args: str) -> str:
    outcome = CliRunner().invoke(cli, [*args, "--backend", "native"], env={"COLUMNS": "100"})  # as on a terminal
    assert outcome.exit_code == 0, outcome.output
    return outcome.stdout


def test_the_text_report_shows_the_capped_score_the_score_it_was_capped_from_and_the_cap_rule() -> None:
    text = run("assess", EASTWOLD)
    assert re.search(r"^Overall area view\s+\(area\)\s+2\s+adequate \(capped\s", text, re.M)
    assert "Overall area view: 3 by overall_performing_well, capped at 2 by overall_safeguarding_cap" in text


def test_the_text_report_lists_the_findings_behind_each_fact() -> None:
    text = run("assess", EASTWOLD)
    headings = re.findall(r"^Findings: (.+)$", text, re.M)
    assert headings == ["the area", "bodies", "indicators", "outcomes and innovations", "self assessments"]
    outcomes = text[text.index("Findings: outcomes and innovations") : text.index("Findings: self assessments")]
    assert "ew-child-protection   honourable.passed no; honourable_test.recorded_in_advance yes;" in outcomes
    assert "honourable_test.vulnerable_harmed yes;" in outcomes
    assert "verdict unmanaged_failure" in outcomes


def test_the_html_report_links_the_capped_score_to_the_cap_rule_and_lists_the_findings() -> None:
    html = run("assess", EASTWOLD, "--format", "html")
    assert "adequate (capped from 3)" in html
    assert re.search(r'capped by <a href="#area-1-eastwold-event-\d+">overall_safeguarding_cap</a>', html)
    assert "is 2, adequate: its bands give 3, but a cap holds it at 2." in html
    assert "Not 3: capped. 1 red flag on safeguarding or vulnerable-people outcomes, and the cap applies from 1" in html
    assert re.findall(r'<h3 id="area-1-eastwold-[a-z]+">([^<]+)</h3>', html) == [
        "Contents",
        "Elements",
        "Flags",
        "Honourable-failure test",
        "Self-awareness",
        "Indicators",
        "Notes",
        "Audit trail",
        "Provenance",
    ]
    assert '<tr><th scope="row">Vulnerable harmed</th><td class="yes">yes</td>' in html


def test_explain_shows_the_cap_that_held_the_overall_score_and_why_it_applied() -> None:
    text = run("explain", EASTWOLD, "--element", "overall", "--trail")
    assert re.search(
        r"capped by rule overall_safeguarding_cap \(rules/overall\.yaml:\d+, priority 0\): "
        r"held the score at 2 \(from 3\)",
        text,
    )
    assert re.search(r"with:  params\.safeguarding_cap = 2 \(rules/overall\.yaml:\d+\)", text)


def test_impact_shows_a_tuned_cap_moving_the_overall_score_and_names_the_cap_rule(tmp_path: Path) -> None:
    rules = copy_rules(tmp_path)
    edit(rules / "overall.yaml", "  safeguarding_cap:\n    value: 2", "  safeguarding_cap:\n    value: 1")
    text = run("impact", EASTWOLD, "--against", "rules", "--rules", str(rules))
    assert text.startswith("1 area assessed; 1 changed, 1 change\n")
    words = " ".join(text.split())
    assert "Eastwold overall (area) score 2 adequate 1 inadequate" in words
    # Before and after sit side by side in two columns: each names the cap rule that held it.
    assert words.count("capped by") == 2 and words.count("overall_safeguarding_cap)") == 2
