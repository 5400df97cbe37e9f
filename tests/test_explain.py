"""`caa explain`: one judgement explained from its audit trail, down to the evidence lines."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from caa_engine import assess
from caa_engine.audit.explain import explain
from caa_engine.backends.durable import durable_available
from caa_engine.cli import cli

LEICS = "fixtures/leicestershire.yaml"
UOR_ONLY = "tests/data/use_of_resources_only"  # one element: the CLI need not be told which to explain


def _line_of(path: str, text: str, after: str) -> int:
    """The line number of the first ``text`` after ``after`` in a file."""
    content = Path(path).read_text(encoding="utf-8")
    return content[: content.index(text, content.index(after))].count("\n") + 1


def test_the_explanation_names_the_deciding_rule_its_condition_and_every_evidence_line(backend: str) -> None:
    text = explain(assess(LEICS, rules="rules", backend=backend), "use_of_resources", "charnwood-bc")
    lines = text.splitlines()
    assert lines[0] == "Use of resources for Charnwood Borough Council (charnwood-bc): 2, adequate"
    assert lines[1] == (
        "  judged for 2008/09 by use_of_resources 2009.1 (rules/use_of_resources.yaml, in force for 2008/09 onwards)"
    )
    assert lines[3].startswith("  decided by rule uor_adequate (rules/use_of_resources.yaml:")
    assert "    when:  count(theme where score >= params.adequate_theme_score) >= params.adequate_min_themes" in lines
    # the capped theme, with the KLOE that capped it and its line in the bundle
    assert '    charnwood-bc/theme/governing_the_business = {"score": 2} by measure theme_score' in text
    kloe_line = _line_of(LEICS, '"2.4": 1', after="- body: charnwood-bc")
    assert f"      read:  kloe.score = 1   [charnwood-bc/kloe/2.4, fixtures/leicestershire.yaml:{kloe_line}]" in lines
    assert "      gives: lower_median(kloe.score) = 3" in lines
    # the rule it beat, and the note raised on the same body
    assert any(
        line.startswith("  also true: rule uor_inadequate") and line.endswith("overridden by uor_adequate")
        for line in lines
    )
    assert "  note reassess_next_year on charnwood-bc/kloe/2.4:" in text


def test_the_explanation_is_the_same_on_every_backend() -> None:
    backends = ["native", "durable"] if durable_available() else ["native"]
    texts = {explain(assess(LEICS, rules="rules", backend=name), "use_of_resources", "melton-bc") for name in backends}
    assert len(texts) == 1


def test_explaining_a_body_that_was_not_judged_lists_those_that_were() -> None:
    result = assess("fixtures/test-valley.yaml", rules="rules", backend="native")
    with pytest.raises(LookupError, match=r"'hampshire-pct' has no use_of_resources judgement \(judged: "):
        explain(result, "use_of_resources", "hampshire-pct")


def test_the_cli_explains_the_only_judgement_without_being_told_which() -> None:
    outcome = CliRunner().invoke(
        cli, ["explain", "fixtures/cheltenham.yaml", "--rules", UOR_ONLY, "--backend", "native"]
    )
    assert outcome.exit_code == 0, outcome.output
    assert outcome.stdout.startswith("Use of resources for Cheltenham Borough Council is 3, performing well: ")


def test_the_cli_asks_which_body_when_several_were_judged() -> None:
    outcome = CliRunner().invoke(cli, ["explain", LEICS, "--element", "use_of_resources", "--backend", "native"])
    assert outcome.exit_code == 2
    assert "say which body to explain with --body (charnwood-bc, leicestershire-cc" in outcome.stderr


def test_explaining_an_unknown_element_names_the_elements_there_are() -> None:
    # It used to answer "say which body to explain with --body (none judged)": about the wrong option.
    outcome = CliRunner().invoke(cli, ["explain", LEICS, "--element", "nope", "--backend", "native"])
    assert outcome.exit_code == 2
    assert outcome.stderr == (
        "caa: error: no element 'nope' in the rules in force for 2008/09 (elements: indicator_set, direction_of_travel, "
        "use_of_resources, risk_assessment, overall)\n"
    )


def test_regression_explaining_an_element_the_bundles_period_has_no_rules_for_says_which_periods_rules(
    tmp_path: Path,
) -> None:
    # A 2007/08 bundle asked for 'overall' was told "no element 'overall' in these rules", though rules/ has
    # overall.yaml: it is in force from 2008/09 only.
    bundle = tmp_path / "cheltenham-2007-08.yaml"
    bundle.write_text(
        "area: {id: cheltenham, name: Cheltenham}\nperiod: 2007/08\n"
        "bodies: [{id: cheltenham-bc, name: Cheltenham Borough Council, kind: district, lead: true}]\n"
        "use_of_resources: {assessments: [{body: cheltenham-bc, kloes: {'1.1': 3, '2.1': 3, '3.1': 2}}]}\n",
        encoding="utf-8",
    )
    outcome = CliRunner().invoke(cli, ["explain", str(bundle), "--element", "overall", "--backend", "native"])
    assert outcome.exit_code == 2
    assert outcome.stderr == (
        "caa: error: no element 'overall' in the rules in force for 2007/08 (elements: use_of_resources)\n"
    )


def test_a_misspelt_element_is_answered_with_the_element_meant() -> None:
    outcome = CliRunner().invoke(cli, ["explain", LEICS, "--element", "use_of_resource", "--backend", "native"])
    assert outcome.exit_code == 2
    assert outcome.stderr.startswith(
        "caa: error: no element 'use_of_resource' in the rules in force for 2008/09 — did you mean 'use_of_resources'? (elements: "
    )


def test_explain_refuses_a_folder_of_several_bundles_instead_of_explaining_the_first() -> None:
    # It used to explain fixtures/ashcombe.yaml, the first of the folder, and say nothing of the seven others.
    outcome = CliRunner().invoke(cli, ["explain", "fixtures", "--element", "overall", "--backend", "native"])
    assert outcome.exit_code == 2
    assert outcome.stderr == "caa: error: explain takes one bundle; fixtures holds 8: name one of its files\n"


def test_an_element_judged_for_no_body_is_said_so_instead_of_asking_for_a_body(tmp_path: Path) -> None:
    # It used to ask for --body "(none judged)", which no --body could answer.
    police_only = tmp_path / "police.yaml"
    police_only.write_text(
        "area: {id: x, name: X}\nbodies: [{id: x-police, name: X Police, kind: police}]\n"
        "use_of_resources:\n  assessments: [{body: x-police, kloes: {'1.1': 3}}]\n",
        encoding="utf-8",
    )
    outcome = CliRunner().invoke(
        cli, ["explain", str(police_only), "--element", "direction_of_travel", "--backend", "native"]
    )
    assert outcome.exit_code == 2
    assert outcome.stderr == (
        f"caa: error: {police_only}: no direction_of_travel judgement was made "
        f"(see its notes: caa assess {police_only})\n"
    )


def test_a_share_says_how_many_of_how_many_it_was_taken_over() -> None:
    # It listed only the facts that counted ("over 1: …"), which read as if the share were taken over one.
    result = assess(LEICS, rules="rules", backend="native")
    text = explain(result, "direction_of_travel", "charnwood-bc")
    assert '      gives: share(trend where label == "improved") = 0.333333 (1 of 3)' in text.splitlines()
    [share] = [
        i
        for e in result.audit
        if e.id == "dot_share_improved" and e.subject == "charnwood-bc"
        for i in e.inputs
        if i.name.startswith("share(")
    ]
    assert share.facts == ["charnwood-bc/indicator/NI 181"] and len(share.among) == 3
    assert "among" not in result.audit[0].inputs[0].model_dump()  # only a share carries it
    evidence = result.findings["body"]["charnwood-bc"]["progress.improved"].evidence
    assert any("= 0.333333 (1 of 3: charnwood-bc/indicator/NI 181)" in line for line in evidence)
