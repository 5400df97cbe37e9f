"""Errors that show where they point, say one root cause once, and come as JSON for machines (issue 14 item 3)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from click.testing import CliRunner

from caa_engine.cli import cli
from caa_engine.errors import Issue, Location, RuleError, fold_repeats

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


def test_caa_check_shows_the_source_line_with_a_caret_under_the_column_by_default() -> None:
    outcome = CliRunner().invoke(cli, ["check", UNKNOWN_FIELD])
    assert (outcome.exit_code, outcome.stdout) == (2, "")
    assert outcome.stderr == (
        "1 rule error occurred:\n"
        f"{UNKNOWN_FIELD}/use_of_resources.yaml:82:11: unknown-fact: condition uses 'kloe.scor'"
        " — did you mean 'kloe.score'?\n"
        "        when: kloe.scor <= params.reassess_at_or_below\n"
        "              ^\n"
        "    hint: fields of kloe: body, code, id, score, theme, title\n"
    )


def test_with_no_context_an_issue_stays_one_line_and_its_hint() -> None:
    outcome = CliRunner().invoke(cli, ["check", "--no-context", UNKNOWN_FIELD])
    assert outcome.stderr == (
        "1 rule error occurred:\n"
        f"{UNKNOWN_FIELD}/use_of_resources.yaml:82:11: unknown-fact: condition uses 'kloe.scor'"
        " — did you mean 'kloe.score'?\n"
        "    hint: fields of kloe: body, code, id, score, theme, title\n"
    )


def test_str_of_an_error_stays_the_one_line_form_and_reads_no_file_again(tmp_path: Path) -> None:
    source = tmp_path / "x.yaml"
    source.write_text("a: 1\n", encoding="utf-8")
    error = RuleError([Issue("unknown-key", "m", Location(str(source), 1, 1), "h")])
    source.unlink()  # had str() read the file again, the text would depend on it
    assert str(error) == f"1 rule error occurred:\n{source}:1:1: unknown-key: m\n    hint: h"


def test_caa_json_output_has_no_source_lines_whatever_the_context_flag() -> None:
    plain = CliRunner().invoke(cli, ["check", "--format", "json", UNKNOWN_FIELD])
    assert plain.stdout == CliRunner().invoke(cli, ["check", "--format", "json", "--no-context", UNKNOWN_FIELD]).stdout
    (error,) = json.loads(plain.stdout)["errors"]
    assert error == {
        "code": "unknown-fact",
        "message": "condition uses 'kloe.scor' — did you mean 'kloe.score'?",
        "file": f"{UNKNOWN_FIELD}/use_of_resources.yaml",
        "line": 82,
        "column": 11,
        "path": "",
        "hint": "fields of kloe: body, code, id, score, theme, title",
    }


def caret_lines(tmp_path: Path, line: str, column: int) -> list[str]:
    """The source line and the line under it, as an issue at ``column`` of ``line`` shows them."""
    source = tmp_path / "x.yaml"
    source.write_text(f"first: 1\n{line}\n", encoding="utf-8")
    return Issue("c", "m", Location(str(source), 2, column)).render(context=True).splitlines()[1:]


def test_a_tab_before_the_column_is_shown_as_spaces_to_the_next_tab_stop_and_the_caret_follows(
    tmp_path: Path,
) -> None:
    assert caret_lines(tmp_path, "\tpriority: high", 12) == ["            priority: high", " " * 22 + "^"]
    assert caret_lines(tmp_path, "ab\tc: x", 4) == ["    ab      c: x", "            ^"]


def test_wide_characters_before_the_column_take_two_columns_and_combining_marks_none(tmp_path: Path) -> None:
    assert caret_lines(tmp_path, "name: 日本語 x", 11) == ["    name: 日本語 x", " " * 17 + "^"]
    assert caret_lines(tmp_path, "title: Cafe\u0301 ok", 14) == ["    title: Cafe\u0301 ok", " " * 16 + "^"]
    assert caret_lines(tmp_path, "t: 🎉 y", 6) == ["    t: 🎉 y", " " * 10 + "^"]


def test_a_location_with_no_column_underlines_the_whole_line(tmp_path: Path) -> None:
    assert caret_lines(tmp_path, "  - id: x  ", 0) == ["      - id: x  ", "      ^~~~~~~"]


def test_a_column_past_the_end_of_the_line_puts_the_caret_just_after_it(tmp_path: Path) -> None:
    assert caret_lines(tmp_path, "key:", 5) == ["    key:", "        ^"]


def test_a_long_line_is_cut_around_the_column_and_the_caret_stays_under_it(tmp_path: Path) -> None:
    shown, caret = caret_lines(tmp_path, "x" * 200 + "Y" + "z" * 200, 201)
    assert shown[caret.index("^")] == "Y" and shown.startswith("    …") and shown.endswith("…")
    assert len(shown) == 4 + 1 + 160 + 1


def test_a_file_that_cannot_be_read_again_gives_the_one_line_form(tmp_path: Path) -> None:
    gone = Issue("c", "m", Location(str(tmp_path / "gone.yaml"), 3, 2), "h")
    folder = Issue("c", "m", Location(str(tmp_path), 3, 2), "h")  # not a regular file
    assert gone.render(context=True) == f"{tmp_path / 'gone.yaml'}:3:2: c: m\n    hint: h"
    assert folder.render(context=True) == f"{tmp_path}:3:2: c: m\n    hint: h"


def test_a_spreadsheet_cell_gets_no_source_line(tmp_path: Path) -> None:
    from caa_engine.tables.read import CellLocation

    table = tmp_path / "kloes.csv"
    table.write_text("body,code,score\nx,1.1,9\n", encoding="utf-8")
    issue = Issue("invalid-value", "m", CellLocation(str(table), 2, 3, header="score"))
    assert issue.render(context=True) == f"{table}:2:score: invalid-value: m"


def test_caa_assess_shows_the_caret_under_a_rule_error_and_a_bundle_error() -> None:
    rules = CliRunner().invoke(cli, ["assess", "fixtures/cheltenham.yaml", "--rules", UNKNOWN_FIELD])
    assert rules.exit_code == 2
    assert rules.stderr.splitlines()[2:4] == [
        "        when: kloe.scor <= params.reassess_at_or_below",
        "              ^",
    ]
    bundle = CliRunner().invoke(cli, ["assess", "tests/broken/evidence/unknown_kloe.yaml", "--backend", "native"])
    assert bundle.stderr.splitlines()[2:4] == [" " * 12 + '"4.1": 2', " " * 12 + "^"]


def test_every_command_that_reads_rules_takes_no_context() -> None:
    for command in (["explain", "fixtures/cheltenham.yaml"], ["verify"], ["impact", "fixtures/cheltenham.yaml"]):
        args = [*command, *(["--against", "rules"] if command[0] == "impact" else [])]
        rules = ["--rules", UNKNOWN_FIELD] if command[0] != "verify" else [UNKNOWN_FIELD]
        outcome = CliRunner().invoke(cli, [command[0], "--no-context", *args[1:], *rules])
        assert outcome.exit_code == 2, (command, outcome.output)
        assert "^" not in outcome.stderr and "hint: fields of kloe" in outcome.stderr


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


def test_regression_a_misspelt_table_key_or_table_name_is_one_error_not_one_more_per_file_reading_its_columns(
    tmp_path: Path,
) -> None:
    # rules/bodies.yaml's table with 'key: knd', or named 'bodie', also gave an unknown-fact error in
    # direction_of_travel.yaml for 'body.council' (a column of that table): two errors, in two files, for one typo.
    for old, new, where in (("    key: kind", "    key: knd", (19, 10)), ("  body:\n", "  bodie:\n", (18, 3))):
        folder = tmp_path / new.strip(" :\n")
        shutil.copytree("rules", folder)
        target = folder / "bodies.yaml"
        target.write_text(target.read_text(encoding="utf-8").replace(old, new, 1), encoding="utf-8")
        outcome = CliRunner().invoke(cli, ["check", "--format", "json", str(folder)])
        assert outcome.exit_code == 2
        (error,) = json.loads(outcome.stdout)["errors"]
        assert (error["code"], error["file"], error["line"], error["column"]) == (
            "unknown-fact",
            str(target),
            *where,
        )
        assert error["message"].endswith("did you mean 'kind'?" if "knd" in new else "did you mean 'body'?")


def test_regression_a_misspelt_field_read_by_descriptions_and_by_conditions_is_one_error(tmp_path: Path) -> None:
    # The theme measure's 'field: scor' gave two errors for one typo: "description uses 'theme.score'" and
    # "condition uses 'theme.score'", the place a name is used being part of the message compared.
    folder = tmp_path / "rules"
    shutil.copytree("rules", folder)
    target = folder / "use_of_resources.yaml"
    target.write_text(target.read_text(encoding="utf-8").replace("    field: score", "    field: scor"), "utf-8")
    outcome = CliRunner().invoke(cli, ["check", "--format", "json", str(folder)])
    (error,) = json.loads(outcome.stdout)["errors"]
    assert (error["code"], error["line"]) == ("unknown-fact", 91)
    assert error["message"] == (
        "description uses 'theme.score' — did you mean 'theme.scor'? (also at lines 96, 98, 103, 110, 115 and 6 more)"
    )
