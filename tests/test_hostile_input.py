"""Input that used to be read quietly and wrongly (issue 10): each is now a located error, or read as written.

Every test feeds the exact input and asserts the exact text of the error, as a person would see it.
"""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from caa_engine import EvidenceError, RuleError, assess, load_rules
from caa_engine import _yaml as yaml_module
from caa_engine._yaml import parse_yaml
from caa_engine.cli import cli

ROOT = Path(__file__).resolve().parent.parent
CALDERBRIDGE = (ROOT / "fixtures" / "calderbridge.yaml").read_text(encoding="utf-8")
CHELTENHAM = (ROOT / "tests" / "broken" / "valid_bundle.yaml").read_text(encoding="utf-8")


def refusal(tmp_path: Path, text: str, name: str = "bundle.yaml") -> str:
    """The rendered evidence error for ``text`` written to a file, with the file shown as ``name``."""
    file = tmp_path / name
    file.write_text(text, encoding="utf-8")
    with pytest.raises(EvidenceError) as caught:
        assess(file, rules=ROOT / "rules", backend="native")
    return caught.value.render().replace(str(file), name)


def edited(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, old
    return text.replace(old, new)


# --- dates: a date is written as a date --------------------------------------------------------------------------

RECORDED = "recorded_on: 2008-06-20"


@pytest.mark.parametrize(
    ("written", "shown"),
    [("0", "0"), ('"86400"', "the text '86400'"), ("1199145600000", "1199145600000")],
)
def test_a_number_where_a_date_belongs_is_a_located_error_not_a_unix_timestamp(
    tmp_path: Path, written: str, shown: str
) -> None:
    assert refusal(tmp_path, edited(CALDERBRIDGE, RECORDED, f"recorded_on: {written}")) == (
        "1 evidence error occurred:\n"
        "bundle.yaml:161:20: wrong-type: risk_assessment.risk_register item 1.recorded_on must be a date written "
        f"YYYY-MM-DD, not {shown}\n"
        "    hint: write the date itself, e.g. 2008-04-01: a number is never read as a date — recorded_on: when the "
        "risk was first recorded in the register"
    )


def test_a_number_as_an_initiatives_start_is_a_located_error_too(tmp_path: Path) -> None:
    assert refusal(tmp_path, edited(CALDERBRIDGE, "started_on: 2008-06-02", "started_on: 1212364800")) == (
        "1 evidence error occurred:\n"
        "bundle.yaml:144:19: wrong-type: risk_assessment.innovations item 1.started_on must be a date written "
        "YYYY-MM-DD, not 1212364800\n"
        "    hint: write the date itself, e.g. 2008-04-01: a number is never read as a date — started_on: when the "
        "initiative started"
    )


def test_a_date_with_a_time_is_not_a_date(tmp_path: Path) -> None:
    assert refusal(tmp_path, edited(CALDERBRIDGE, RECORDED, "recorded_on: 2008-06-20T10:00:00")) == (
        "1 evidence error occurred:\n"
        "bundle.yaml:161:20: wrong-type: risk_assessment.risk_register item 1.recorded_on must be a date written "
        "YYYY-MM-DD, not the date 2008-06-20T10:00:00\n"
        "    hint: write the day alone, without a time, e.g. 2008-04-01 — recorded_on: when the risk was first "
        "recorded in the register"
    )


def test_a_date_in_quotes_is_still_a_date(backend: str, tmp_path: Path) -> None:
    file = tmp_path / "bundle.yaml"
    file.write_text(edited(CALDERBRIDGE, RECORDED, 'recorded_on: "2008-06-20"'), encoding="utf-8")
    quoted = assess(file, rules=ROOT / "rules", backend=backend)
    plain = assess(ROOT / "fixtures" / "calderbridge.yaml", rules=ROOT / "rules", backend=backend)
    assert [f.kind for f in quoted.flags] == [f.kind for f in plain.flags]


# --- numbers: YAML 1.2's core schema, and only numbers a float holds exactly ------------------------------------

VALUE = "value: 11.0"


def value_refusal(tmp_path: Path, written: str) -> str:
    return refusal(tmp_path, edited(CALDERBRIDGE, VALUE, f"value: {written}"))


def test_a_number_with_a_leading_zero_is_refused_not_read_as_octal(tmp_path: Path) -> None:
    assert value_refusal(tmp_path, "012") == (
        "1 evidence error occurred:\n"
        "bundle.yaml:53:14: yaml-value: the number 012 starts with 0, which older YAML reads as octal\n"
        "    hint: write 12 if that is the number meant, or put it in quotes if it is a code: '012'"
    )


def test_hours_and_minutes_are_text_not_a_base_60_number(tmp_path: Path) -> None:
    assert value_refusal(tmp_path, "1:30") == (
        "1 evidence error occurred:\n"
        "bundle.yaml:53:14: wrong-type: indicator_set.indicators item 1.value must be a number, not the text '1:30'\n"
        "    hint: write the number itself (older YAML read 1:30 as 90) — value: this year's value"
    )


def test_more_digits_than_a_float_holds_are_refused_not_rounded(tmp_path: Path) -> None:
    assert value_refusal(tmp_path, "9.9999999999999999999") == (
        "1 evidence error occurred:\n"
        "bundle.yaml:53:14: yaml-value: the number 9.9999999999999999999 has more digits than can be held exactly: "
        "it would be read as 10.0\n"
        "    hint: write it with at most 15 significant digits, or put it in quotes if it is text"
    )


def test_a_number_too_small_to_hold_is_refused_not_read_as_0(tmp_path: Path) -> None:
    assert value_refusal(tmp_path, "1.0e-400") == (
        "1 evidence error occurred:\n"
        "bundle.yaml:53:14: yaml-value: the number 1.0e-400 is too small to be held: it would be read as 0\n"
        "    hint: write 0 if that is what is meant, or put it in quotes if it is text"
    )


def test_yes_is_text_not_true(tmp_path: Path) -> None:
    assert refusal(tmp_path, edited(CHELTENHAM, "lead: true", "lead: yes")) == (
        "1 evidence error occurred:\n"
        "bundle.yaml:11:11: wrong-type: body 'cheltenham-bc': lead must be true or false, not the text 'yes'\n"
        "    hint: write true or false, without quotes — lead: the area's lead council (the county in a two-tier area)"
    )


@pytest.mark.parametrize(
    ("written", "value"),
    [("0x1F", 31), ("0o17", 15), ("1e-07", 1e-07), ("-1.5E+3", -1500.0), ("012.5", 12.5), ("+7", 7), ("1.", 1.0)],
)
def test_yaml_1_2_core_numbers_are_read_as_that_schema_says(written: str, value: object) -> None:
    number = parse_yaml(f"n: {written}\n", "x.yaml").data["n"]
    assert (number, type(number)) == (value, type(value))


@pytest.mark.parametrize("written", ["yes", "No", "on", "OFF", "1:30", "1_000", "0b101", "=", "0x", ".5.5"])
def test_yaml_1_1_only_forms_are_text(written: str) -> None:
    assert parse_yaml(f"n: {written}\n", "x.yaml").data["n"] == written


def test_a_key_is_the_text_written_even_with_a_leading_zero() -> None:
    assert parse_yaml("012: a\n1.10: b\ntrue: c\n", "x.yaml").data == {"012": "a", "1.10": "b", "true": "c"}


# --- quiet nonsense --------------------------------------------------------------------------------------------


def test_a_whitespace_only_mitigation_is_a_located_error(tmp_path: Path) -> None:
    text = edited(CALDERBRIDGE, "- Roll out one benefit type at a time", '- " "')
    assert refusal(tmp_path, text) == (
        "1 evidence error occurred:\n"
        "bundle.yaml:163:11: invalid-value: risk_assessment.risk_register item 1.mitigations item 1 must not be "
        "only spaces\n"
        "    hint: write the text — mitigations: the mitigations recorded"
    )


def test_a_whitespace_only_contingency_is_a_located_error(tmp_path: Path) -> None:
    text = edited(CALDERBRIDGE, "contingency: Reopen the paper claim route", 'contingency: " "')
    assert refusal(tmp_path, text) == (
        "1 evidence error occurred:\n"
        "bundle.yaml:165:20: invalid-value: risk_assessment.risk_register item 1.contingency must not be only spaces\n"
        "    hint: write the text, or leave the key out — contingency: the contingency plan recorded, if any"
    )


def test_benchmarks_out_of_order_are_a_located_error(tmp_path: Path) -> None:
    text = edited(
        CALDERBRIDGE,
        "benchmarks: {lower_quartile: 5.0, median: 6.4, upper_quartile: 8.0}",
        "benchmarks: {lower_quartile: 80, median: 50, upper_quartile: 20}",
    )
    assert refusal(tmp_path, text) == (
        "1 evidence error occurred:\n"
        "bundle.yaml:56:48: benchmarks-out-of-order: indicator 'NI 117' for body 'calderbridge-mbc' has its "
        "benchmarks out of order: lower quartile 80, median 50, upper quartile 20\n"
        "    hint: give the quartiles as values, lowest first (lower_quartile <= median <= upper_quartile), whichever "
        "way is better for the indicator"
    )


def test_a_median_above_the_upper_quartile_points_at_the_upper_quartile(tmp_path: Path) -> None:
    text = edited(
        CALDERBRIDGE,
        "benchmarks: {lower_quartile: 5.0, median: 6.4, upper_quartile: 8.0}",
        "benchmarks: {lower_quartile: 5.0, median: 6.4, upper_quartile: 6.3}",
    )
    assert refusal(tmp_path, text).split("\n")[1].startswith("bundle.yaml:56:70: benchmarks-out-of-order:")


def test_a_line_separator_in_a_comment_does_not_shift_later_lines(tmp_path: Path) -> None:
    text = edited(
        CHELTENHAM, "# (the brief's check, Cheltenham 2008/09).", "# (the brief's\u2028check,\u2029\x85 2008/09)."
    )
    text = edited(text, '"2.2": 2', '"2.2": 5')
    assert refusal(tmp_path, text).split("\n")[1].startswith("bundle.yaml:21:16: invalid-value:")


def test_a_line_separator_inside_a_text_is_kept_as_written() -> None:
    document = parse_yaml("a: x\u2028y\nb: 'p\u2029q'\nc: 1\n", "x.yaml")
    assert document.data == {"a": "x\u2028y", "b": "p\u2029q", "c": 1}
    assert document.locate(("c",), at_value=True).line == 3


def rules_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", folder)
    return folder


def test_an_unquoted_version_that_loses_a_digit_is_a_located_error(tmp_path: Path) -> None:
    folder = rules_copy(tmp_path)
    file = folder / "overall.yaml"
    file.write_text(edited(file.read_text(encoding="utf-8"), 'version: "2009.1"', "version: 2009.10"), "utf-8")
    with pytest.raises(RuleError) as caught:
        load_rules(folder)
    assert caught.value.render().replace(str(file), "overall.yaml") == (
        "1 rule error occurred:\n"
        "overall.yaml:8:10: version-as-number: version 2009.10 is not in quotes, so it is read as the number 2009.1, "
        "not as written\n"
        '    hint: put the version in quotes: version: "2009.10"'
    )


@pytest.mark.parametrize("version", ["2009.1", "3", "2009"])
def test_an_unquoted_version_is_refused_even_when_it_reads_back_as_written(tmp_path: Path, version: str) -> None:
    # Before: 'version: 2009.1' was quietly taken as the text "2009.1", so the same slip passed or failed by the
    # digits it happened to have; a number is never a version.
    folder = rules_copy(tmp_path)
    file = folder / "overall.yaml"
    file.write_text(edited(file.read_text(encoding="utf-8"), 'version: "2009.1"', f"version: {version}"), "utf-8")
    with pytest.raises(RuleError) as caught:
        load_rules(folder)
    assert caught.value.render().replace(str(file), "overall.yaml") == (
        "1 rule error occurred:\n"
        f"overall.yaml:8:10: version-as-number: version {version} is not in quotes, so it is read as a number, "
        "not as text\n"
        f'    hint: put the version in quotes: version: "{version}"'
    )


def test_an_unquoted_version_is_reported_with_the_files_other_mistakes(tmp_path: Path) -> None:
    folder = rules_copy(tmp_path)
    file = folder / "overall.yaml"
    text = edited(file.read_text(encoding="utf-8"), 'version: "2009.1"', "version: 2009.1")
    file.write_text(edited(text, "title: ", "titel: "), "utf-8")
    with pytest.raises(RuleError) as caught:
        load_rules(folder)
    assert [(i.code, i.location.line) for i in caught.value.issues] == [("version-as-number", 8), ("unknown-key", 9)]


def test_a_rule_set_given_as_data_refuses_a_numeric_version_too() -> None:
    from pydantic import ValidationError

    from caa_engine.rules.model import RuleSetFile

    with pytest.raises(ValidationError, match="a version is text, not a number"):
        RuleSetFile.model_validate({"ruleset": "x", "version": 2009.1, "title": "X"})
    assert RuleSetFile.model_validate({"ruleset": "x", "version": "2009.10", "title": "X"}).version == "2009.10"


@pytest.mark.parametrize(
    ("old", "new", "column"),
    [
        (
            "min(kloe.score) + params.theme_cap_above_lowest)",
            "min(kloe.score) + params.theme_cap_above_lowest) / 0",
            93,
        ),
        (
            "min(kloe.score) + params.theme_cap_above_lowest)",
            "min(kloe.score) / params.theme_cap_above_lowest)",
            60,
        ),
    ],
)
def test_a_division_by_zero_in_a_measure_is_a_check_warning_naming_the_line(
    tmp_path: Path, old: str, new: str, column: int
) -> None:
    folder = rules_copy(tmp_path)
    file = folder / "use_of_resources.yaml"
    text = edited(file.read_text(encoding="utf-8"), old, new)
    if "/ params" in new:
        text = edited(text, "theme_cap_above_lowest:\n    value: 1", "theme_cap_above_lowest:\n    value: 0")
    file.write_text(text, encoding="utf-8")
    outcome = CliRunner().invoke(cli, ["check", "--no-context", str(folder)])
    why = "params.theme_cap_above_lowest is 0" if "/ params" in new else "it divides by 0"
    assert outcome.exit_code == 0
    assert (
        f"{file}:84:{column}: warning: division-by-zero: {why}, so this value is unknown for every fact\n"
        "    hint: divide by something that is not 0, or give the parameter another value"
    ) in outcome.output


# --- libyaml: the same documents, marks and errors as the pure-Python parser ------------------------------------


def shipped_yaml() -> list[Path]:
    return sorted([*ROOT.glob("fixtures/*.yaml"), *ROOT.glob("rules/*.yaml"), *ROOT.glob("tests/broken/**/*.yaml")])


def pure_parse(text: str, file: str, monkeypatch: pytest.MonkeyPatch) -> object:
    with monkeypatch.context() as patch:
        patch.setattr(yaml_module, "_FAST_LOADER", None)
        try:
            document = parse_yaml(text, file)
        except yaml_module.YamlProblem as problem:
            return [issue.render() for issue in problem.issues]
        return document.data, document.marks


@pytest.mark.skipif(not yaml.__with_libyaml__, reason="PyYAML without libyaml")
def test_libyaml_gives_the_same_data_marks_and_errors_as_the_pure_parser(monkeypatch: pytest.MonkeyPatch) -> None:
    texts = [path.read_text(encoding="utf-8") for path in shipped_yaml()]
    oddities = ["[" * 5000, "a: [b, c?d]\n", "- ! 12\n", "a: 1\n\tb: 2\n", "\ufeffa: 1\n", "a: &x [*x]\n", "a: {b\n"]
    for variant in [*texts, *(text.rstrip("\n") for text in texts), *oddities]:
        try:
            fast: object = parse_yaml(variant, "f.yaml")
            fast = (fast.data, fast.marks)  # type: ignore[attr-defined]
        except yaml_module.YamlProblem as problem:
            fast = [issue.render() for issue in problem.issues]
        assert fast == pure_parse(variant, "f.yaml", monkeypatch), variant[-40:]


def test_without_libyaml_the_pure_parser_reads_the_fixtures(backend: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(yaml_module, "_FAST_LOADER", None)
    result = assess(ROOT / "fixtures" / "calderbridge.yaml", rules=ROOT / "rules", backend=backend)
    assert result.overall["score"] == 1


# --- a .json file is JSON ----------------------------------------------------------------------------------------


def cheltenham_json(indent: str = "\t") -> str:
    data = yaml.safe_load(CHELTENHAM)
    data["bodies"][0]["name"] = "Cheltenham \U0001f600 Borough Council"
    return json.dumps(data, indent=indent)  # ensure_ascii: the emoji as a surrogate pair, "\ud83d\ude00"


def test_valid_json_with_tabs_surrogate_pairs_and_1e_07_is_read_as_json(backend: str, tmp_path: Path) -> None:
    text = cheltenham_json()
    assert "\\ud83d\\ude00" in text and "\t" in text
    text = edited(text, '"period": "2008/09"', '"period": "2008/09", "ratio": 1e-07')
    document = parse_yaml(text, "bundle.json")
    assert document.data["use_of_resources"]["assessments"][0]["ratio"] == 1e-07
    file = tmp_path / "bundle.json"
    file.write_text(cheltenham_json(), encoding="utf-8")
    result = assess(file, rules=ROOT / "rules", backend=backend)
    assert result.elements["use_of_resources"].bodies["cheltenham-bc"].score == 3


def test_json_marks_are_the_marks_yaml_gives_the_same_text() -> None:
    for path in sorted(ROOT.glob("fixtures/*.yaml")):
        text = json.dumps(yaml.safe_load(path.read_text(encoding="utf-8")), indent=2, default=str)
        assert parse_yaml(text, "f.json").marks == parse_yaml(text, "f.yaml").marks, path


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            '"tier": "single"',
            '"tier": "single", "tier": "two"',
            "bundle.json:5:21: duplicate-key: key 'tier' appears twice in this mapping (first at line 5)\n"
            "    hint: remove one of them: only one value can be kept, so the other would be lost",
        ),
        (
            '"tier": "single"',
            '"tier": "single",',
            # Python 3.13 names a trailing comma, earlier versions complain about the '}' after it: one message.
            "bundle.json:5:19: json-syntax: JSON syntax error: a comma before the end of an object\n"
            "    hint: remove the comma: JSON allows none after the last item of an object",
        ),
        (
            '"1.1": 3',
            '"1.1": 9.9999999999999999999',
            "bundle.json:21:13: yaml-value: the number 9.9999999999999999999 has more digits than can be held "
            "exactly: it would be read as 10.0\n"
            "    hint: write it with at most 15 significant digits, or write it as a string if it is text",
        ),
        (
            '"1.1": 3',
            '"1.1": NaN',
            "bundle.json:21:13: json-syntax: NaN is not a JSON number\n    hint: write a number",
        ),
    ],
)
def test_a_json_mistake_is_located_at_its_line_and_column(tmp_path: Path, old: str, new: str, expected: str) -> None:
    text = edited(cheltenham_json(), old, new)
    assert refusal(tmp_path, text, "bundle.json") == "1 evidence error occurred:\n" + expected


def test_json_nested_thousands_deep_is_a_located_error(tmp_path: Path) -> None:
    assert refusal(tmp_path, "[" * 5000 + "]" * 5000, "bundle.json") == (
        "1 evidence error occurred:\n"
        "bundle.json:1:101: yaml-depth: values are nested more than 100 levels deep here\n"
        "    hint: a rule file or bundle nests only a few levels: look for a run of unclosed '[' or '{'"
    )


# --- many misspelt references: bounded work, bounded output -------------------------------------------------------


def test_thousands_of_unknown_bodies_are_reported_quickly_a_hundred_at_a_time(tmp_path: Path) -> None:
    lines = ["area: {id: big, name: Big}", "bodies:"]
    lines += [f"  - {{id: body-{i:04d}, name: Body {i}, kind: district}}" for i in range(1000)]
    lines += ["direction_of_travel:", "  milestones:"]
    lines += [f"    - {{body: bodie-{i:04d}, title: M {i}, delivered: true}}" for i in range(4000)]
    started = time.perf_counter()
    text = refusal(tmp_path, "\n".join(lines) + "\n")
    assert time.perf_counter() - started < 20  # it never finished before
    shown = text.split("\n")
    assert shown[0] == "4,000 evidence errors occurred:"
    assert shown[1:3] == [
        "bundle.yaml:1005:14: unknown-body: this milestone names body 'bodie-0000', which is not listed under "
        "'bodies' — did you mean 'body-0000'?",
        "    hint: use the id of a body listed under 'bodies': body-0000, body-0001, body-0002, body-0003, body-0004, "
        "body-0005, body-0006, body-0007, body-0008, body-0009 and 990 more",
    ]
    assert shown[-1] == "... and 3,900 more evidence errors, not shown"
    assert len(shown) == 1 + 2 * 100 + 1
