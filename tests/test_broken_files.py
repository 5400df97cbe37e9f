"""One broken file per failure mode, each refused with exactly the message a person needs.

``tests/broken/rules/<case>/`` is a complete rules folder: a copy of
``tests/broken/valid_rules/use_of_resources.yaml`` (a trimmed copy of the
shipped rule file) with one defect, described in the file's first line.
``tests/broken/evidence/<case>.yaml`` is ``tests/broken/valid_bundle.yaml`` (the use-of-resources
Cheltenham bundle) with one
defect, assessed against the shipped ``rules/``.  Beside each case is the exact
text it must produce (``expected.txt`` / ``<case>.expected.txt``): the heading,
then one ``file:line:col: code: message`` line and its hint.  The test asserts
that text exactly, so a change to any message is a visible, reviewed change.
"""

from __future__ import annotations

import difflib
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from caa_engine import EvidenceError, RuleError, assess, load_rules
from caa_engine.cli import cli

BROKEN = Path("tests/broken")  # relative: messages show paths relative to the working directory (the project root)
RULE_CASES = sorted(p.name for p in (Path(__file__).parent / "broken" / "rules").iterdir() if p.is_dir())
BUNDLE_CASES = sorted(p.stem for p in (Path(__file__).parent / "broken" / "evidence").glob("*.yaml"))
VALID_RULES = BROKEN / "valid_rules" / "use_of_resources.yaml"

# Cases that are not "the valid file with one edit": the whole file is the defect, or a second file is.
WHOLE_FILE_CASES = {"empty_file", "list_not_mapping"}

# Where each message points: the text found in the file at the issue's line and column.
POINTS_AT = {
    "rules": {
        "aggregate_without_wrap": "theme.score >= 1",
        "bad_condition_syntax": "(theme >= 1",
        "bracket_not_closed": "[body, theme",
        "bad_rule_id": "UoR-inadequate",
        "bad_scope": "bodies",
        "bad_template": "kloe.titel}",
        "capitalised_and": "AND count(theme)",
        "colon_in_unquoted_text": ": none below 2.",
        "condition_not_true_false": "count(theme)",
        "duplicate_key": "priority: 2",
        "duplicate_rule_id": "uor_performing_well",
        "duplicate_ruleset": "use_of_resources",
        "effect_empty": "then: {}",
        "empty_file": "",
        "list_not_mapping": "- id: uor_inadequate",
        "measure_cycle": "theme_band",
        "missing_key": "id: uor_inadequate",
        "note_without_text": "note:",
        "parameter_is_a_list": "[2]",
        "parameter_wrong_type": "kloe.score <= params.reassess_at_or_below",
        "rule_cycle": "id: uor_reassess_next_year",
        "score_not_on_scale": "5",
        "score_per_wrong_fact": "kloe",
        "single_equals": "= params.reassess_at_or_below",
        "tab_indented": "\tpriority: 3",
        "text_compared_with_number": "kloe.code <= 1",
        "undefined_parameter": "params.reasess_at_or_below",
        "unknown_fact_field": "kloe.scor <=",
        "unknown_field_in_folded_condition": "theme.scores)",
        "unknown_field_in_literal_condition": "theme.scor)",
        "unknown_field_in_plain_two_line_condition": "theme.scor)",
        "unknown_field_in_quoted_condition": "kloe.scor > 1",
        "unknown_function": "median(theme.score)",
        "unknown_group_by_field": "themes]",
        "unknown_key": "descripton:",
        "unknown_key_in_parameter": "valeu:",
        "unknown_key_in_then": "scor:",
        "unknown_per": "kloes",
        "version_as_number": "2009.10",
        "wrong_type": "high",
        "yaml_syntax": '"Audit Commission UoR 2008/09 (no compensation between KLOEs)',
    },
    "evidence": {
        "area_id_with_spaces": "Cheltenham BC",
        "duplicate_assessment": "cheltenham-bc",
        "duplicate_body": "cheltenham-bc",
        "duplicate_kloe": '"2.1": 3',
        "empty_file": "",
        "kloe_code_3_10": "3.10: 2",
        "kloe_score_5": "5",
        "kloe_score_as_word": "adequate",
        "kloe_score_not_whole": "2.5",
        "kloe_score_zero_for_unassessed": "0",
        "kloes_as_list": "- 3",
        "lead_is_text": '"yes"',
        "list_not_mapping": "- id: cheltenham-bc",
        "missing_area_name": "area:",
        "misspelled_section": "use_of_resource:",
        "no_bodies": "[]",
        "quote_never_closed": '"3.2: 3',
        "tab_indented": '\t"1.2": 3',
        "unknown_body": "cheltenham",
        "unknown_body_kind": "borough",
        "unknown_key_in_body": "knd: district",
        "unknown_kloe": '"4.1": 2',
        "yaml_syntax": "name: Cheltenham Borough Council",
    },
}


def expected_for_rules(case: str) -> str:
    return (BROKEN / "rules" / case / "expected.txt").read_text(encoding="utf-8")


def expected_for_bundle(case: str) -> str:
    return (BROKEN / "evidence" / f"{case}.expected.txt").read_text(encoding="utf-8")


def rule_error(case: str) -> RuleError:
    with pytest.raises(RuleError) as caught:
        load_rules(BROKEN / "rules" / case)
    return caught.value


def evidence_error(case: str, backend: str = "native") -> EvidenceError:
    with pytest.raises(EvidenceError) as caught:
        assess(BROKEN / "evidence" / f"{case}.yaml", rules="rules", backend=backend)
    return caught.value


def text_at(file: str, line: int, column: int) -> str:
    lines = Path(file).read_text(encoding="utf-8").split("\n")
    return lines[line - 1][column - 1 :] if 0 < line <= len(lines) else ""


def one_edit_apart(broken: str, valid: str) -> bool:
    """True when ``broken`` is ``valid`` with one contiguous change (an insertion, deletion or replacement)."""
    opcodes = difflib.SequenceMatcher(None, valid.splitlines(), broken.splitlines(), autojunk=False).get_opcodes()
    return sum(tag != "equal" for tag, *_ in opcodes) == 1


def without_heading_comment(text: str) -> str:
    lines = text.splitlines(keepends=True)
    while lines and lines[0].startswith("#"):
        lines.pop(0)
    return "".join(lines)


# --- the cases are what they say they are ------------------------------------------------------------------------


def test_the_valid_copy_of_the_rules_loads_and_judges_cheltenham_3(backend: str) -> None:
    result = assess("fixtures/cheltenham.yaml", rules=VALID_RULES.parent, backend=backend)
    assert result.elements["use_of_resources"].bodies["cheltenham-bc"].score == 3


@pytest.mark.parametrize("case", sorted(set(RULE_CASES) - WHOLE_FILE_CASES))
def test_each_broken_rule_file_is_the_valid_copy_with_one_edit(case: str) -> None:
    valid = without_heading_comment(VALID_RULES.read_text(encoding="utf-8"))
    broken = without_heading_comment((BROKEN / "rules" / case / "use_of_resources.yaml").read_text(encoding="utf-8"))
    if case == "duplicate_ruleset":  # the defect is the unrenamed copy beside an intact file
        copy = without_heading_comment(
            (BROKEN / "rules" / case / "use_of_resources_cpa.yaml").read_text(encoding="utf-8")
        )
        assert broken == valid == copy
    else:
        assert one_edit_apart(broken, valid)


@pytest.mark.parametrize("case", sorted(set(BUNDLE_CASES) - WHOLE_FILE_CASES))
def test_each_broken_bundle_is_the_cheltenham_fixture_with_one_edit(case: str) -> None:
    valid = without_heading_comment((BROKEN / "valid_bundle.yaml").read_text(encoding="utf-8"))
    broken = without_heading_comment((BROKEN / "evidence" / f"{case}.yaml").read_text(encoding="utf-8"))
    assert one_edit_apart(broken, valid)


def test_every_case_says_where_it_points() -> None:
    assert set(POINTS_AT["rules"]) == set(RULE_CASES)
    assert set(POINTS_AT["evidence"]) == set(BUNDLE_CASES)


# --- the messages, exactly ---------------------------------------------------------------------------------------


def one_line_form(expected: str) -> str:
    """The expected text without the source line and caret under each issue: what str() of the error says."""
    return "".join(
        line
        for line in expected.splitlines(keepends=True)
        if not line.startswith("    ") or line.startswith("    hint:")
    )


@pytest.mark.parametrize("case", RULE_CASES)
def test_a_broken_rule_folder_is_refused_with_exactly_the_expected_message(case: str) -> None:
    # The expected text is what caa check prints: each issue with its source line and caret.  str() of the
    # error, for a log or a caller, is the one-line form: the same without them.
    error = rule_error(case)
    expected = expected_for_rules(case)
    assert error.render(context=True) + "\n" == expected
    assert str(error) + "\n" == one_line_form(expected)
    # Every case points at a line of text, so none falls back to the one-line form; an empty file has no line.
    shown = 0 if case == "empty_file" else 2 * len(error.issues)
    assert expected.count("\n") == one_line_form(expected).count("\n") + shown


@pytest.mark.parametrize("case", BUNDLE_CASES)
def test_a_broken_bundle_is_refused_with_exactly_the_expected_message(case: str, backend: str) -> None:
    error = evidence_error(case, backend)
    expected = expected_for_bundle(case)
    assert error.render(context=True) + "\n" == expected
    assert str(error) + "\n" == one_line_form(expected)


@pytest.mark.parametrize("case", RULE_CASES)
def test_one_defect_in_a_rule_file_gives_one_issue_not_a_cascade(case: str) -> None:
    assert len(rule_error(case).issues) == 1


@pytest.mark.parametrize("case", BUNDLE_CASES)
def test_one_defect_in_a_bundle_gives_one_issue_not_a_cascade(case: str) -> None:
    assert len(evidence_error(case).issues) == 1


@pytest.mark.parametrize("case", RULE_CASES)
def test_a_rule_file_issue_points_at_the_text_to_fix(case: str) -> None:
    (issue,) = rule_error(case).issues
    assert text_at(issue.location.file, issue.location.line, issue.location.column).startswith(POINTS_AT["rules"][case])


@pytest.mark.parametrize("case", BUNDLE_CASES)
def test_a_bundle_issue_points_at_the_text_to_fix(case: str) -> None:
    (issue,) = evidence_error(case).issues
    location = issue.location
    assert text_at(location.file, location.line, location.column).startswith(POINTS_AT["evidence"][case])


@pytest.mark.parametrize("case", RULE_CASES + BUNDLE_CASES)
def test_no_message_leaks_python_or_pydantic_words(case: str) -> None:
    # An inspector never reads Python: no type names, pydantic phrasing, regexes or key paths with list indices.
    text = (expected_for_rules(case) if case in RULE_CASES else "") + (
        expected_for_bundle(case) if case in BUNDLE_CASES else ""
    )
    for word in (
        "Input should",
        "String should",
        "int_",
        "str_",
        "NoneType",
        "dict",
        "[0-9]",
        "^[",
        ".0.",
        ".1.",
        "Traceback",
        "<block end>",
        "<scalar>",
    ):
        assert word not in text, word


# --- the command line: exit 2, the same lines on stderr, nothing on stdout, no traceback --------------------------


@pytest.mark.parametrize("case", RULE_CASES)
def test_caa_check_exits_2_with_exactly_the_expected_lines_on_stderr(case: str) -> None:
    outcome = CliRunner().invoke(cli, ["check", str(BROKEN / "rules" / case)])
    assert isinstance(outcome.exception, SystemExit)
    assert (outcome.exit_code, outcome.stdout, outcome.stderr) == (2, "", expected_for_rules(case))


@pytest.mark.parametrize("case", RULE_CASES)
def test_caa_check_no_context_prints_the_one_line_form(case: str) -> None:
    outcome = CliRunner().invoke(cli, ["check", "--no-context", str(BROKEN / "rules" / case)])
    assert (outcome.exit_code, outcome.stdout, outcome.stderr) == (2, "", one_line_form(expected_for_rules(case)))


def test_caa_check_context_once_needed_for_the_caret_is_still_accepted() -> None:
    outcome = CliRunner().invoke(cli, ["check", "--context", str(BROKEN / "rules" / "unknown_key")])
    assert (outcome.exit_code, outcome.stderr) == (2, expected_for_rules("unknown_key"))


@pytest.mark.parametrize("case", BUNDLE_CASES)
def test_caa_assess_exits_2_with_exactly_the_expected_lines_on_stderr(case: str) -> None:
    outcome = CliRunner().invoke(cli, ["assess", str(BROKEN / "evidence" / f"{case}.yaml"), "--backend", "native"])
    assert isinstance(outcome.exception, SystemExit)
    assert (outcome.exit_code, outcome.stdout, outcome.stderr) == (2, "", expected_for_bundle(case))


@pytest.mark.parametrize("case", BUNDLE_CASES)
def test_caa_assess_no_context_prints_the_one_line_form(case: str) -> None:
    args = ["assess", "--no-context", str(BROKEN / "evidence" / f"{case}.yaml"), "--backend", "native"]
    outcome = CliRunner().invoke(cli, args)
    assert (outcome.exit_code, outcome.stdout, outcome.stderr) == (2, "", one_line_form(expected_for_bundle(case)))


def test_assessing_the_folder_of_broken_bundles_reports_every_one_in_path_order() -> None:
    # A round judges every bundle it can: each bad one is reported as it comes, as it would be alone, and a
    # closing line counts them.
    outcome = CliRunner().invoke(cli, ["assess", str(BROKEN / "evidence"), "--backend", "native"])
    lines = [line for case in BUNDLE_CASES for line in expected_for_bundle(case).splitlines()]
    assert (outcome.exit_code, outcome.stdout) == (2, "")
    assert outcome.stderr.splitlines() == [*lines, f"caa: 0 areas judged, {len(BUNDLE_CASES)} refused"]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["check", "tests/broken/rules/yaml_syntax"], "tests/broken/rules/yaml_syntax/expected.txt"),
        (
            ["assess", "tests/broken/evidence/unknown_kloe.yaml", "--backend", "native"],
            "tests/broken/evidence/unknown_kloe.expected.txt",
        ),
    ],
)
def test_the_installed_command_exits_2_without_a_traceback(args: list[str], expected: str) -> None:
    process = subprocess.run(
        [sys.executable, "-c", "from caa_engine.cli import main; main()", *args],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (process.returncode, process.stdout, process.stderr) == (2, "", Path(expected).read_text(encoding="utf-8"))
