"""Errors that show where they point, say one root cause once, and come as JSON for machines (issue 14 item 3)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from click.testing import CliRunner

from caa_engine.cli import cli
from caa_engine.errors import Issue, Location, fold_repeats

UNKNOWN_FIELD = "tests/broken/rules/unknown_fact_field"


def rules_with(tmp_path: Path, old: str, new: str) -> Path:
    """A copy of the shipped rules/ with one edit in rules/risk_assessment.yaml."""
    folder = tmp_path / "rules"
    shutil.copytree("rules", folder)
    target = folder / "risk_assessment.yaml"
    text = target.read_text(encoding="utf-8")
    assert old in text
    target.write_text(text.replace(old, new, 1), encoding="utf-8")
    return folder


def test_caa_check_with_context_shows_the_source_line_with_a_caret_under_the_column() -> None:
    outcome = CliRunner().invoke(cli, ["check", "--context", UNKNOWN_FIELD])
    assert (outcome.exit_code, outcome.stdout) == (2, "")
    assert outcome.stderr == (
        "1 rule error occurred:\n"
        f"{UNKNOWN_FIELD}/use_of_resources.yaml:82:11: unknown-fact: condition uses 'kloe.scor'"
        " — did you mean 'kloe.score'?\n"
        "        when: kloe.scor <= params.reassess_at_or_below\n"
        "              ^\n"
        "    hint: fields of kloe: body, code, id, score, theme, title\n"
    )


def test_without_context_an_issue_stays_one_line_and_its_hint() -> None:
    outcome = CliRunner().invoke(cli, ["check", UNKNOWN_FIELD])
    assert outcome.stderr == Path(UNKNOWN_FIELD, "expected.txt").read_text(encoding="utf-8")


def test_a_key_path_location_or_a_line_past_the_end_gets_no_caret(tmp_path: Path) -> None:
    source = tmp_path / "x.yaml"
    source.write_text("a: 1\n", encoding="utf-8")
    by_path = Issue("unknown-key", "m", Location("<bundle>", path="area.name"))
    past_end = Issue("unknown-key", "m", Location(str(source), 9, 1))
    assert by_path.render(context=True) == "<bundle>:area.name: unknown-key: m"
    assert past_end.render(context=True) == f"{source}:9:1: unknown-key: m"


def test_control_characters_in_the_source_line_are_shown_as_escapes_and_the_caret_stays_under_the_column(
    tmp_path: Path,
) -> None:
    source = tmp_path / "x.yaml"
    source.write_text("a: \x1b[31m red\n", encoding="utf-8")
    issue = Issue("wrong-type", "m", Location(str(source), 1, 10))
    assert issue.render(context=True).splitlines()[1:] == ["    a: \\x1b[31m red", "                ^"]


def test_a_misspelt_classification_name_is_one_error_not_one_per_rule_and_condition(tmp_path: Path) -> None:
    # Before: 7 unknown-classification errors (one per rule that classifies) and 6 unknown-fact errors (one per
    # condition reading verdict.label), 13 in all, for one typo.
    folder = rules_with(tmp_path, "\n  verdict:\n", "\n  verdicts:\n")
    outcome = CliRunner().invoke(cli, ["check", "--format", "json", str(folder)])
    assert outcome.exit_code == 2
    (error,) = json.loads(outcome.stdout)["errors"]
    assert (error["code"], error["line"], error["column"]) == ("unknown-classification", 155, 18)
    assert error["message"] == (
        "no classification 'verdict' is declared — did you mean 'verdicts'? "
        "(also at lines 167, 177, 187, 197, 207 and 1 more)"
    )


def test_a_misspelt_label_where_it_is_declared_is_one_error_for_all_its_uses(tmp_path: Path) -> None:
    folder = rules_with(tmp_path, "- honourable_failure", "- honourable_falure")
    outcome = CliRunner().invoke(cli, ["check", "--format", "json", str(folder)])
    (error,) = json.loads(outcome.stdout)["errors"]
    assert error["code"] == "unknown-label"
    assert error["message"].endswith("did you mean 'honourable_falure'? (also at line 224)")


def test_repeats_in_different_files_with_different_messages_or_of_other_codes_are_kept_apart() -> None:
    issues = [
        Issue("unknown-fact", "uses 'a'", Location("x.yaml", 3, 1)),
        Issue("unknown-fact", "uses 'b'", Location("x.yaml", 4, 1)),
        Issue("wrong-type", "not a number", Location("x.yaml", 5, 1)),
        Issue("wrong-type", "not a number", Location("x.yaml", 6, 1)),
        Issue("unknown-fact", "uses 'a'", Location("y.yaml", 3, 1)),
    ]
    assert fold_repeats(issues, {"unknown-fact"}) == issues


def test_caa_check_format_json_gives_every_error_with_its_place_and_hint() -> None:
    outcome = CliRunner().invoke(cli, ["check", "--format", "json", UNKNOWN_FIELD])
    assert (outcome.exit_code, outcome.stderr) == (2, "")
    assert json.loads(outcome.stdout) == {
        "errors": [
            {
                "code": "unknown-fact",
                "message": "condition uses 'kloe.scor' — did you mean 'kloe.score'?",
                "file": f"{UNKNOWN_FIELD}/use_of_resources.yaml",
                "line": 82,
                "column": 11,
                "path": "",
                "hint": "fields of kloe: body, code, id, score, theme, title",
            }
        ],
        "warnings": [],
    }


def test_caa_check_format_json_of_valid_rules_exits_0_with_no_errors() -> None:
    outcome = CliRunner().invoke(cli, ["check", "--format", "json", "tests/broken/valid_rules"])
    assert outcome.exit_code == 0
    assert json.loads(outcome.stdout)["errors"] == []
