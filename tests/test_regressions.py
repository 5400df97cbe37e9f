"""Regressions, each named after the bug it pins."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rule_folders import KLOE_TABLE, bundle, measure, rule, ruleset, write_rules

from caa_engine import Engine


def test_rules_of_two_strata_on_the_same_subject_both_fire_on_durable(tmp_path: Path, backend: str) -> None:
    # durable-rules takes a fact's 'id' as its identity: match facts of two strata that
    # both carried the subject's id collided (MessageObservedException) on the durable backend.
    folder = write_rules(
        tmp_path,
        {
            "r.yaml": ruleset(
                tables={"kloe": KLOE_TABLE},
                measures=[measure("theme_score", "kloe", "min(kloe.score)", "theme", ("body", "theme"), "score")],
                rules=[
                    rule("has_kloes", "count(kloe) >= 1"),  # reads input facts: stratum 0
                    rule("has_themes", "count(theme) >= 1", score=3),  # reads a measure: stratum 1
                ],
            )
        },
    )
    result = Engine(folder, backend).assess(bundle({"a": {"1.1": 2, "2.1": 3}}))
    assert [n.rule for n in result.notes] == ["has_kloes"]
    assert result.elements["test_element"].bodies["a"].score == 3


def test_a_folder_with_one_bundle_still_gives_a_json_array(tmp_path: Path) -> None:
    # The JSON shape must depend on the arguments, not on how many bundles a folder holds.
    from click.testing import CliRunner

    from caa_engine.cli import cli

    folder = tmp_path / "one"
    folder.mkdir()
    (folder / "cheltenham.yaml").write_text(Path("fixtures/cheltenham.yaml").read_text(encoding="utf-8"))
    outcome = CliRunner().invoke(cli, ["assess", str(folder), "--format", "json", "--backend", "native"])
    assert outcome.exit_code == 0, outcome.output
    assert outcome.output.lstrip().startswith("[")
    single = CliRunner().invoke(cli, ["assess", "fixtures/cheltenham.yaml", "--format", "json", "--backend", "native"])
    assert single.output.lstrip().startswith("{")


def test_evidence_given_as_a_dict_is_located_by_key_path_not_line_one(backend: str) -> None:
    # A dict has no lines: errors and audit sources used to all read '<evidence>:1:1'.
    import pytest

    from caa_engine import EvidenceError, assess

    bundle_dict = {
        "area": {"id": "x", "name": "X"},
        "bodies": [{"id": "b", "name": "B", "kind": "district"}],
        "use_of_resources": {"assessments": [{"body": "b", "kloes": {"1.1": 3, "1.9": 2}}]},
    }
    with pytest.raises(EvidenceError) as caught:
        assess(bundle_dict, rules="rules", backend=backend)
    assert [str(issue.location) for issue in caught.value.issues] == [
        "<evidence>:use_of_resources.assessments[0].kloes.1.9"
    ]
    del bundle_dict["use_of_resources"]["assessments"][0]["kloes"]["1.9"]
    result = assess(bundle_dict, rules="rules", backend=backend)
    assert result.audit[0].inputs[0].source == "<evidence>:use_of_resources.assessments[0].kloes.1.1"


# -- crashes found by fuzzing (tests/test_fuzz_inputs.py): each used to escape as a Python exception ------------

SHIPPED_RULES = Path("rules/use_of_resources.yaml").read_text(encoding="utf-8")


def _line_of(text: str) -> int:
    """The line of the shipped use-of-resources file that holds ``text`` (the tests edit that line)."""
    return next(number for number, line in enumerate(SHIPPED_RULES.splitlines(), start=1) if text in line)


CATCH_ALL = _line_of("when: count(theme) >= 1")  # uor_inadequate's condition
# The use-of-resources Cheltenham bundle, frozen: these tests name its lines.
CHELTENHAM = Path("tests/broken/valid_bundle.yaml").read_text(encoding="utf-8")
RETYPED = "write a value of that kind, or put it in quotes to keep it as text"


def _shipped_rules_with(tmp_path: Path, old: str, new: str) -> list[str]:
    """The rendered issues of the shipped rule file with one edit (``file:line:col`` relative to its folder)."""
    import pytest
    from rule_folders import rule_errors

    assert old in SHIPPED_RULES
    if new.count("\n") != old.count("\n"):
        pytest.fail("keep the line count, so that the lines of later issues stay those of the shipped file")
    return rule_errors(tmp_path, {"use_of_resources.yaml": SHIPPED_RULES.replace(old, new, 1)})


def _bundle_errors(text: str, tmp_path: Path, backend: str = "native") -> list[str]:
    import pytest

    from caa_engine import EvidenceError, assess

    file = tmp_path / "bundle.yaml"
    file.write_text(text, encoding="utf-8")
    with pytest.raises(EvidenceError) as caught:
        assess(file, rules="rules", backend=backend)
    return [issue.render().replace(f"{tmp_path}/", "") for issue in caught.value.issues]


def test_a_yaml_value_its_tag_cannot_read_is_a_located_error_not_a_value_error(tmp_path: Path) -> None:
    # PyYAML's safe constructors raise ValueError, KeyError or AttributeError (not a YAML error) for these.
    cases = {
        "!!int abc": "cannot read 'abc' as a whole number",
        "!!float x": "cannot read 'x' as a number",
        "!!bool maybe": "cannot read 'maybe' as true or false",
        "!!timestamp x": "cannot read 'x' as a date",
        "9" * 5000: "this number has 5,000 digits; at most 4,300 can be read",
    }
    for value, message in cases.items():
        assert _shipped_rules_with(tmp_path / value[:12], 'version: "2009.1"', f"version: {value}") == [
            f"use_of_resources.yaml:7:10: yaml-value: {message}\n    hint: {RETYPED}"
        ], value
    # A date-shaped value is told the day does not exist, and how to write one that does.
    assert _shipped_rules_with(tmp_path / "date", 'version: "2009.1"', "version: 2009-13-45") == [
        "use_of_resources.yaml:7:10: yaml-value: cannot read '2009-13-45' as a date: that day does not exist\n"
        "    hint: write a date that exists, as YYYY-MM-DD (e.g. 2008-02-29), or put it in quotes if it is text"
    ]


def test_a_date_that_is_no_date_in_a_bundle_is_a_located_error_not_a_value_error(tmp_path: Path) -> None:
    # 'period: 2008-13-01' looks like a date to YAML, and constructing it raised "month must be in 1..12".
    text = CHELTENHAM.replace("period: 2008/09", "period: 2008-13-01")
    assert _bundle_errors(text, tmp_path) == [
        "bundle.yaml:15:15: yaml-value: cannot read '2008-13-01' as a date: that day does not exist\n"
        "    hint: write a date that exists, as YYYY-MM-DD (e.g. 2008-02-29), or put it in quotes if it is text"
    ]


def test_an_alias_inside_its_own_anchor_is_a_located_error_not_a_recursion_error(tmp_path: Path) -> None:
    assert _shipped_rules_with(tmp_path, 'version: "2009.1"', "version: &v [*v]") == [
        "use_of_resources.yaml:7:10: yaml-alias: this value contains an alias of itself, so it never ends\n"
        "    hint: an alias (*name) may repeat an anchored value (&name) only from outside that value"
    ]
    assert _bundle_errors("area: &a {id: *a}\n", tmp_path) == [
        "bundle.yaml:1:7: yaml-alias: this value contains an alias of itself, so it never ends\n"
        "    hint: an alias (*name) may repeat an anchored value (&name) only from outside that value"
    ]


def test_yaml_nested_thousands_deep_is_a_located_error_not_a_recursion_error(tmp_path: Path) -> None:
    hint = "    hint: a rule file or bundle nests only a few levels: look for a run of unclosed '[' or '{'"
    assert _shipped_rules_with(tmp_path, 'version: "2009.1"', "version: " + "[" * 5000) == [
        "use_of_resources.yaml:7:109: yaml-depth: values are nested more than 100 levels deep here\n" + hint
    ]
    assert _bundle_errors("- " * 3000 + "x\n", tmp_path) == [
        "bundle.yaml:1:201: yaml-depth: values are nested more than 100 levels deep here\n" + hint
    ]


def test_aliases_that_expand_to_a_billion_values_are_refused_not_expanded(tmp_path: Path) -> None:
    # Nine levels of ten aliases each: 10**9 values once repeated; building them ran out of memory.
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{n}: &a{n} [{', '.join([f'*a{n - 1}'] * 10)}]" for n in range(1, 10)]
    (issue,) = _bundle_errors("\n".join(lines) + "\n", tmp_path)
    assert issue.startswith("bundle.yaml:1:")
    assert "yaml-alias: the file holds more than 200,000 values once its aliases are repeated" in issue


def test_a_deeply_nested_condition_is_a_located_error_not_a_recursion_error(tmp_path: Path) -> None:
    hint = "    hint: split it: give a measure the inner part, or simplify the brackets"
    plus = _shipped_rules_with(
        tmp_path / "plus", "when: count(theme) >= 1", "when: count(theme)" + " + 1" * 400 + " >= 1"
    )
    nots = _shipped_rules_with(
        tmp_path / "not", "when: count(theme) >= 1", "when: " + "not " * 400 + "count(theme) >= 1"
    )
    assert plus == [
        f"use_of_resources.yaml:{CATCH_ALL}:1230: bad-condition: the condition nests more than 100 levels deep here\n{hint}"
    ]
    assert nots == [
        f"use_of_resources.yaml:{CATCH_ALL}:411: bad-condition: the condition nests more than 100 levels deep here\n{hint}"
    ]


def test_a_condition_of_three_thousand_ands_is_a_located_error_not_a_recursion_error(tmp_path: Path) -> None:
    condition = " and ".join(["count(theme) >= 1"] * 3000)
    assert _shipped_rules_with(tmp_path, "when: count(theme) >= 1", f"when: {condition}") == [
        f"use_of_resources.yaml:{CATCH_ALL}:11: bad-condition: the condition is too long to read\n"
        "    hint: split it into several rules, or give a measure part of it"
    ]


def test_a_condition_at_the_nesting_limit_still_runs_on_every_backend(tmp_path: Path, backend: str) -> None:
    # The limit refuses pathological conditions only: one at the limit is checked, compiled and run.
    from rule_folders import write_rules

    from caa_engine import assess

    condition = "kloe.score == 1"
    for level in range(98):  # with the comparison inside, 100 levels
        condition = f"(kloe.score == {level % 4 + 1} {'and' if level % 2 else 'or'} {condition})"
    text = SHIPPED_RULES.replace("when: kloe.score <= params.reassess_at_or_below", f"when: {condition}")
    folder = write_rules(tmp_path, {"use_of_resources.yaml": text})
    assert assess("fixtures/cheltenham.yaml", rules=folder, backend=backend).notes == []


def test_a_number_of_five_thousand_digits_in_a_condition_is_a_located_error_not_a_value_error(tmp_path: Path) -> None:
    assert _shipped_rules_with(tmp_path, "when: count(theme) >= 1", "when: count(theme) >= " + "9" * 5000) == [
        f"use_of_resources.yaml:{CATCH_ALL}:27: bad-condition: this number has 5,000 digits; at most 1,000 are allowed\n"
        "    hint: no assessment needs a number this long: check for a paste that went wrong"
    ]


def test_a_huge_or_very_precise_number_in_a_rule_is_compared_exactly_not_an_engine_error(
    tmp_path: Path, backend: str
) -> None:
    # Cross-multiplied, these left int64 and the session raised EngineError at every assessment (and the
    # durable backend refused a direct comparison with an integer beyond int64 at prepare time).
    from rule_folders import write_rules

    from caa_engine import assess

    edits = {
        "huge measure": ("value: min(lower_median", "value: 9223372036854775808 + 0 * min(lower_median", 4),
        "huge bound": (">= params.well_min_themes\n", ">= 99999999999999999999999999\n", 2),
        # the lowest theme scores 2: a float would round this bound to 2.0 and call Cheltenham 'performing well'
        "tiny bound": (">= params.well_floor", ">= 2.000000000000000000000000000001", 2),
        "huge direct": ("kloe.score <= params.reassess_at_or_below", "kloe.score <= 99999999999999999999999999", 3),
    }
    for name, (old, new, score) in edits.items():
        assert old in SHIPPED_RULES, name
        folder = write_rules(tmp_path / name.replace(" ", "_"), {"r.yaml": SHIPPED_RULES.replace(old, new, 1)})
        result = assess("fixtures/cheltenham.yaml", rules=folder, backend=backend)
        judgement = result.elements["use_of_resources"].bodies.get("cheltenham-bc")
        assert (judgement.score if judgement else None) == score, name
        assert len(result.notes) == (9 if name == "huge direct" else 0), name


def test_a_bundle_dict_with_a_key_that_is_not_text_is_an_evidence_error_not_a_type_error(backend: str) -> None:
    # Hashing the dict (json.dumps with sort_keys) compared the keys, and 1 < 'area' raised TypeError.
    import copy

    import pytest
    import yaml

    from caa_engine import EvidenceError, assess

    good = yaml.safe_load(CHELTENHAM)
    cases: dict[Any, str] = {
        1: "<evidence>:[1]: wrong-type: key 1 in the evidence bundle must be text",
        (1, 2): "<evidence>:(1, 2): wrong-type: key (1, 2) in the evidence bundle must be text",
    }
    for key, expected in cases.items():
        bad = copy.deepcopy(good)
        bad[key] = "x"
        with pytest.raises(EvidenceError) as caught:
            assess(bad, rules="rules", backend=backend)
        assert [issue.render().split("\n")[0] for issue in caught.value.issues] == [expected]
    for key in (1.1, True, None):
        bad = copy.deepcopy(good)
        bad["use_of_resources"]["assessments"][0]["kloes"][key] = 3
        with pytest.raises(EvidenceError) as caught:
            assess(bad, rules="rules", backend=backend)
        (issue,) = caught.value.issues
        assert issue.code == "wrong-type" and issue.location.path.startswith("use_of_resources.assessments[0].kloes")


def test_a_bundle_dict_that_contains_itself_is_an_evidence_error_not_a_value_error(backend: str) -> None:
    # json.dumps raised "Circular reference detected" while hashing it.
    import pytest
    import yaml

    from caa_engine import EvidenceError, assess

    bad = yaml.safe_load(CHELTENHAM)
    bad["area"]["itself"] = bad
    with pytest.raises(EvidenceError) as caught:
        assess(bad, rules="rules", backend=backend)
    assert [issue.render().split("\n")[0] for issue in caught.value.issues] == [
        "<evidence>:area.itself: unknown-key: unknown key 'itself' in 'area'"
    ]


def test_a_number_too_long_to_write_is_described_in_a_message_not_a_value_error(backend: str) -> None:
    # The message showed the value with repr(), which refuses integers of more than 4,300 digits.
    import pytest
    import yaml

    from caa_engine import EvidenceError, assess

    bad = yaml.safe_load(CHELTENHAM)
    bad["area"] = 10**4400
    with pytest.raises(EvidenceError) as caught:
        assess(bad, rules="rules", backend=backend)
    assert [issue.render().split("\n")[0] for issue in caught.value.issues] == [
        "<evidence>:area: wrong-type: area must be a mapping, not a number of 4,401 digits"
    ]
    with pytest.raises(EvidenceError) as caught:
        assess(10**4400, rules="rules", backend=backend)
    assert caught.value.issues[0].message.startswith("the evidence holds the single value a number of 4,401 digits")


def test_a_list_given_as_a_bundle_is_an_evidence_error_not_a_type_error(backend: str) -> None:
    # What json.load returns for a file holding a list: assess() raised TypeError for it.
    import pytest

    from caa_engine import EvidenceError, assess

    with pytest.raises(EvidenceError) as caught:
        assess([{"area": {}}], rules="rules", backend=backend)
    assert [issue.render().split("\n")[0] for issue in caught.value.issues] == [
        "<evidence>: not-a-bundle: the evidence holds a list, but an evidence bundle is a mapping with 'area:' and "
        "'bodies:'"
    ]


def test_a_body_id_too_long_for_durable_rules_is_an_evidence_error_not_an_engine_error(backend: str) -> None:
    # A 40,000-character id reached the durable backend, which refuses text over 32,000 bytes (EngineError);
    # the native backend accepted it: the two disagreed about the same evidence.
    import pytest
    import yaml

    from caa_engine import EvidenceError, assess

    bad = yaml.safe_load(CHELTENHAM)
    bad["bodies"][0]["id"] = bad["use_of_resources"]["assessments"][0]["body"] = "b" * 40_000
    with pytest.raises(EvidenceError) as caught:
        assess(bad, rules="rules", backend=backend)
    assert [issue.render().split("\n")[0] for issue in caught.value.issues] == [
        "<evidence>:bodies[0].id: invalid-value: body id is too long: 40,000 characters, at most 100 allowed"
    ]


def test_an_element_named_after_a_fact_is_a_located_rule_error(tmp_path: Path) -> None:
    # Its judgements silently replaced the 'area', 'flag' or 'note' facts, or (for 'body') gave a
    # rule-cycle error naming one rule as its own cycle.
    hint = "    hint: name the element after the CAA element it judges, e.g. 'use_of_resources'"
    for name in ("area", "body", "kloe", "flag", "note"):
        assert _shipped_rules_with(tmp_path / name, "element: use_of_resources", f"element: {name}") == [
            f"use_of_resources.yaml:6:10: duplicate-fact: element '{name}' has the name of the '{name}' facts "
            f"that rules read\n{hint}"
        ]
    assert _shipped_rules_with(tmp_path / "params", "element: use_of_resources", "element: params") == [
        "use_of_resources.yaml:6:10: duplicate-fact: element 'params' has the name rules use for parameters "
        f"(params.NAME)\n{hint}"
    ]


def test_a_measure_deriving_params_is_a_located_rule_error(tmp_path: Path) -> None:
    # Accepted before: the derived facts could never be read, as 'params.x' always names a parameter.
    issues = _shipped_rules_with(tmp_path, "into: theme", "into: params")
    assert issues[0] == (
        "use_of_resources.yaml:85:11: duplicate-fact: measure 'theme_score' derives 'params', the name rules use "
        "for parameters (params.NAME)\n    hint: give the derived fact a new name"
    )
    assert all("params" not in issue.split("hint: known facts:")[-1] for issue in issues[1:])


def test_true_as_a_mapping_key_is_its_text_and_no_longer_replaces_key_1(tmp_path: Path) -> None:
    # 'true:' was the boolean True, which pydantic read as 1: the later '1: inadequate' silently replaced it.
    assert _shipped_rules_with(tmp_path, "  4: performing strongly", "  true: performing strongly") == [
        "use_of_resources.yaml:21:9: wrong-type: scale score 'true' must be a whole number, not the text 'true'\n"
        "    hint: write a whole number such as 3, without quotes — scale: score -> label, e.g. 3: performing well; none for "
        "reference data"
    ]


def test_a_tag_on_a_mapping_is_refused_like_a_tag_on_a_value(tmp_path: Path) -> None:
    # '!!python/object:…' on a mapping was silently ignored (never constructed, but never reported either).
    assert _shipped_rules_with(tmp_path, "scale:\n", "scale: !!python/object:os.system\n") == [
        "use_of_resources.yaml:20:8: yaml-value: cannot read this value: the tag "
        "'tag:yaml.org,2002:python/object:os.system' is not allowed\n"
        "    hint: only plain YAML values are allowed (no tags)"
    ]


def test_a_placeholder_with_escaped_line_breaks_is_located_inside_the_file(tmp_path: Path) -> None:
    # Its line inside the text (3) was added to the text's line in the file: a line past the end of the file.
    old = 'text: "KLOE {kloe.code}'
    issues = _shipped_rules_with(tmp_path, old, 'text: "KLOE {\\n\\n kloe}')
    assert issues == [
        f"use_of_resources.yaml:{_line_of(old)}:15: unknown-fact: 'kloe' names a fact, not a field\n"
        "    hint: name a field, e.g. kloe.body"
    ]


def test_a_control_character_is_located_at_its_line_not_at_1_1(tmp_path: Path) -> None:
    text = CHELTENHAM.replace("name: Cheltenham\n", "name: Chelten\x01ham\n")
    assert _bundle_errors(text, tmp_path) == [
        "bundle.yaml:5:16: yaml-syntax: the character U+0001 is not allowed in YAML\n"
        "    hint: remove it; inside double quotes it can be written as an escape such as \\x00"
    ]


def test_an_unreadable_rule_file_is_a_rule_error_from_assess_not_an_os_error(tmp_path: Path, monkeypatch: Any) -> None:
    # assess() fingerprints the rules folder to reuse compiled rules, and read every file in it unguarded.
    import pytest
    from rule_folders import write_rules

    from caa_engine import RuleError, assess

    folder = write_rules(tmp_path / "rules", {"use_of_resources.yaml": SHIPPED_RULES})
    locked = folder / "use_of_resources.yaml"
    real_read_bytes, real_read_text, real_open = Path.read_bytes, Path.read_text, Path.open

    def refuse(method: Any) -> Any:
        def read(self: Path, *args: Any, **kwargs: Any) -> Any:
            if self == locked:
                raise PermissionError(13, "Permission denied", str(self))
            return method(self, *args, **kwargs)

        return read

    monkeypatch.setattr(Path, "read_bytes", refuse(real_read_bytes))
    monkeypatch.setattr(Path, "read_text", refuse(real_read_text))
    monkeypatch.setattr(Path, "open", refuse(real_open))  # the loader reads each file once, through open()
    with pytest.raises(RuleError) as caught:
        assess("fixtures/cheltenham.yaml", rules=folder, backend="native")
    assert [issue.code for issue in caught.value.issues] == ["unreadable-file"]


def test_a_rules_path_that_is_a_file_is_called_a_file_not_missing(tmp_path: Path) -> None:
    # 'caa check bundle.yaml' said the rules folder 'does not exist', though the path was right there.
    import pytest

    from caa_engine import RuleError, load_rules

    file = tmp_path / "rules.yaml"
    file.write_text(SHIPPED_RULES, encoding="utf-8")
    with pytest.raises(RuleError) as caught:
        load_rules(file)
    assert [issue.message for issue in caught.value.issues] == [f"rules folder '{file}' is a file, not a folder"]


def test_a_fraction_in_a_note_is_written_out_not_in_exponent_form(tmp_path: Path, backend: str) -> None:
    # Note texts showed fractions with six significant figures: 30000000/7 read "4.28571e+06".
    folder = write_rules(
        tmp_path,
        {
            "r.yaml": ruleset(
                tables={"kloe": KLOE_TABLE},
                rules=[
                    rule(
                        "ratio",
                        "kloe.score >= 1",
                        per="kloe",
                        note={"kind": "ratio", "text": "{kloe.score * 10000000 / 7}"},
                    )
                ],
            )
        },
    )
    result = Engine(folder, backend).assess(bundle({"a": {"1.1": 3}}))
    assert [note.text for note in result.notes] == ["4285714.285714"]


# --- found while documenting the four elements ----------------------------------------------------------------------


def test_a_rule_comparing_two_dates_runs_on_every_backend_not_only_native(tmp_path: Path, backend: str) -> None:
    # The session handed durable-rules the date objects themselves ("refuses datetime.date"); dates now travel
    # as day numbers, like every other operand an integer.
    from element_bundles import bundle as area_bundle
    from element_bundles import outcome, risk
    from rule_folders import rule, ruleset, write_rules

    from caa_engine import assess

    folder = write_rules(
        tmp_path,
        {
            "dates.yaml": ruleset(
                scope="area",
                parameters={},
                rules=[
                    rule(
                        "late",
                        "risk.recorded_on >= outcome.started_on",
                        per="outcome",
                        note={"kind": "late", "text": "t"},
                    )
                ],
            )
        },
    )
    evidence = area_bundle(
        outcomes=[outcome("o-1", "failed", risk="r-1", started_on="2008-04-01")],
        risks=[risk("r-1", recorded_on="2008-04-01")],
    )
    result = assess(evidence, rules=folder, backend=backend)
    assert [(note.kind, note.subject) for note in result.notes] == [("late", "o-1")]


def test_a_failure_whose_test_cannot_be_decided_is_still_an_unmanaged_failure_with_a_red_flag(backend: str) -> None:
    # Without 'if_unknown: false' on the test as a whole, an unknown test matched neither verdict and the
    # failure fell through to 'on_course' with no flag at all.
    from element_bundles import bundle as area_bundle
    from element_bundles import outcome

    from caa_engine import assess

    result = assess(area_bundle(outcomes=[outcome("o-1", "failed")]), backend=backend)
    assert [(flag.kind, flag.colour) for flag in result.flags] == [("unmanaged_failure", "red")]
    assert result.findings["outcome"]["o-1"]["honourable.passed"].value is False


def test_if_unknown_stands_in_for_a_grouped_measures_missing_value_too(tmp_path: Path, backend: str) -> None:
    # It was accepted on a 'from:' measure, typed as never missing, and then ignored.
    from rule_folders import KLOE_TABLE, bundle, measure, rule, ruleset, write_rules

    from caa_engine import assess

    cap = measure("capped", "kloe", "min(kloe.cap)", "caps")
    cap["if_unknown"] = 4
    files = {
        "r.yaml": ruleset(
            tables={"kloe": KLOE_TABLE},
            measures=[cap],
            rules=[rule("r", "min(caps.value) == 4", score=3)],
        )
    }
    result = assess(bundle({"a": {"2.1": 3}}), rules=write_rules(tmp_path, files), backend=backend)
    assert result.elements["test_element"].bodies["a"].score == 3  # 2.1 has no cap: unknown, so 4
    [event] = [e for e in result.audit if e.id == "capped"]
    assert event.effect["unknown"] == "the value is unknown, so if_unknown gives 4"


def test_an_area_with_too_few_elements_judged_gets_no_overall_score_but_a_note(backend: str) -> None:
    # With use of resources alone it was 'inadequate': the bundle's gaps judged as the area's failure.
    from element_bundles import bundle as area_bundle
    from element_bundles import kloes_for

    from caa_engine import assess

    result = assess(area_bundle(kloes={"testshire-cc": kloes_for(3)}), backend=backend)
    assert result.overall is None and result.elements["overall"].score is None
    [note] = [n for n in result.notes if n.kind == "overall_not_given"]
    assert note.text.startswith("only 1 of the 4 elements needed are judged")


def test_a_self_assessment_with_nothing_to_compare_is_noted_not_lost(backend: str) -> None:
    from element_bundles import bundle as area_bundle
    from element_bundles import kloes_for

    from caa_engine import assess

    evidence = area_bundle(kloes={"testshire-cc": kloes_for(3)}, self_assessments=[("testshire-cc", "overall", 3)])
    result = assess(evidence, backend=backend)
    [note] = [n for n in result.notes if n.kind == "self_assessment_not_compared"]
    assert note.text == "Testshire Cc scored itself 3 on overall, but there is no judgement of it to compare with"


def test_one_mistake_in_a_per_fact_measure_is_one_issue_not_one_per_measure_sharing_its_into(tmp_path: Path) -> None:
    from rule_folders import rule, rule_errors, ruleset

    def criterion(measure_id: str, value: str, field: str) -> dict[str, Any]:
        return {
            "id": measure_id,
            "description": "d",
            "source": "s",
            "per": "outcome",
            "value": value,
            "into": "test",
            "field": field,
        }

    files = {
        "r.yaml": ruleset(
            scope="area",
            parameters={},
            measures=[criterion("a", "outcome.vulnrable", "harm"), criterion("b", "outcome.fraud_found", "fraud")],
            rules=[rule("r", "test.harm or test.fraud", per="outcome", note={"kind": "k", "text": "t"})],
        )
    }
    errors = rule_errors(tmp_path, files)
    assert len(errors) == 1 and "outcome.vulnrable" in errors[0] and "did you mean 'outcome.vulnerable'" in errors[0]


def test_a_table_column_named_like_a_fact_is_not_read_through_as_if_it_held_that_facts_id(tmp_path: Path) -> None:
    # The KLOE table's 'theme' column holds a theme's name, and 'theme' facts exist (the theme_score measure):
    # 'theme.score' in a rule per kloe was read through the column, found no such theme, and was silently
    # unknown. Only fields declared as references are read through.
    text = (Path("rules") / "use_of_resources.yaml").read_text(encoding="utf-8")
    changed = text.replace(
        "    when: kloe.score <= params.reassess_at_or_below\n",
        "    when: kloe.score <= params.reassess_at_or_below and theme.score >= 2\n",
    )
    assert changed != text
    folder = tmp_path / "rules"
    folder.mkdir()
    (folder / "use_of_resources.yaml").write_text(changed, encoding="utf-8")
    import pytest

    from caa_engine import RuleError, load_rules

    with pytest.raises(RuleError) as caught:
        load_rules(folder)
    [issue] = caught.value.issues
    assert issue.code == "needs-aggregate" and "'theme.score' could be any of several theme facts" in issue.message


# -- failures found by the long random search (CAA_FUZZ_EXAMPLES=800, tests/hypothesis_profiles.py) -----------------


def test_a_kind_of_body_missing_from_the_catalogue_is_an_unknown_kind_at_the_bodys_kind_line(
    tmp_path: Path, backend: str
) -> None:
    # A rules/bodies.yaml that lost its 'london_borough' row: a bundle naming that kind was refused with
    # '<evidence>: unknown-body: ...' (no line in the bundle, 'body' for a kind) and the hint 'known kind of bodys'.
    import shutil

    import pytest
    import yaml

    from caa_engine import EvidenceError, assess

    rules = tmp_path / "rules"
    shutil.copytree("rules", rules)
    table = (rules / "bodies.yaml").read_text(encoding="utf-8")
    (rules / "bodies.yaml").write_text(table.replace("      london_borough: {council: true}\n", ""), encoding="utf-8")
    file = tmp_path / "bundle.yaml"
    file.write_text(
        "area: {id: x, name: X}\nbodies:\n  - id: x-lb\n    name: X London Borough\n    kind: london_borough\n",
        encoding="utf-8",
    )
    hint = (
        f"    hint: known kinds of body ({rules / 'bodies.yaml'}:18): county, district, unitary, metropolitan, police, "
        "fire_and_rescue, primary_care_trust, other"
    )
    message = "unknown-kind: kind of body 'london_borough' is not in the catalogue"
    for given, where in ((file, f"{file}:5:5"), (yaml.safe_load(file.read_text()), "<evidence>:bodies[0].kind")):
        with pytest.raises(EvidenceError) as caught:
            assess(given, rules=rules, backend=backend)
        [issue] = caught.value.issues
        assert issue.render().split("\n") == [f"{where}: {message}", hint]


def test_a_misnamed_element_is_told_in_the_file_that_names_it_and_a_long_name_is_shortened(tmp_path: Path) -> None:
    # An 'element:' of rules/direction_of_travel.yaml mangled into a 3,000-character name was reported only in
    # overall.yaml ("element 'direction_of_travel' is judged by no rule set"), and the hint printed the whole name.
    import shutil

    import pytest

    from caa_engine import RuleError, load_rules

    rules = tmp_path / "rules"
    shutil.copytree("rules", rules)
    text = (rules / "direction_of_travel.yaml").read_text(encoding="utf-8")
    mangled = "direction_of_travel" + "x" * 2981
    (rules / "direction_of_travel.yaml").write_text(
        text.replace("element: direction_of_travel\n", f"element: {mangled}\n"), encoding="utf-8"
    )
    with pytest.raises(RuleError) as caught:
        load_rules(rules)
    shown = mangled[:59] + "…"
    assert [issue.render().split("\n") for issue in caught.value.issues] == [
        [
            f"{rules / 'direction_of_travel.yaml'}:10:10: unknown-element: this file judges element '{shown}', which "
            f"no rule set combines, while {rules / 'overall.yaml'} combines 'direction_of_travel', which no rule set "
            "judges",
            "    hint: if this file judges direction_of_travel, write 'element: direction_of_travel'; if not, correct "
            f"the 'combines:' of {rules / 'overall.yaml'}",
        ],
        [
            f"{rules / 'overall.yaml'}:15:27: unknown-element: element 'direction_of_travel' is judged by no rule set",
            f"    hint: elements judged by other rule sets: {shown}, indicator_set, risk_assessment, use_of_resources",
        ],
    ]


def test_an_integer_too_long_to_write_in_a_bundle_dict_is_an_evidence_error_not_a_value_error(backend: str) -> None:
    # An indicator's value of 10**4400 passed validation, and hashing the dict (json.dumps) raised ValueError:
    # Python writes no integer of more than 4,300 digits. A YAML file with such a number was already refused.
    import pytest
    import yaml

    from caa_engine import EvidenceError, assess

    bad = yaml.safe_load(Path("fixtures/cheltenham.yaml").read_text(encoding="utf-8"))
    bad["indicator_set"]["indicators"][1]["value"] = 10**4400
    bad["indicator_set"]["indicators"][2]["target"] = -(10**5000)
    with pytest.raises(EvidenceError) as caught:
        assess(bad, rules="rules", backend=backend)
    assert [issue.render().split("\n") for issue in caught.value.issues] == [
        [
            "<evidence>:indicator_set.indicators[1].value: invalid-value: this number has 4,401 digits; at most 4,300 "
            "can be read",
            "    hint: write the number with fewer digits",
        ],
        [
            "<evidence>:indicator_set.indicators[2].target: invalid-value: this number has 5,001 digits; at most "
            "4,300 can be read",
            "    hint: write the number with fewer digits",
        ],
    ]


def test_a_description_stating_a_number_of_five_thousand_digits_loads_not_a_value_error(tmp_path: Path) -> None:
    # The check for numbers a description states that a parameter holds (number-in-description) read each number
    # with Fraction(), which raised ValueError for one of more than 4,300 digits: a traceback from load_rules.
    import shutil

    from caa_engine import Plan, load_rules

    rules = tmp_path / "rules"
    shutil.copytree("rules", rules)
    text = (rules / "use_of_resources.yaml").read_text(encoding="utf-8")
    marker = "  - id: uor_performing_well\n    description: >\n      "
    assert text.count(marker) == 1
    (rules / "use_of_resources.yaml").write_text(text.replace(marker, marker + "9" * 5000 + " "), encoding="utf-8")
    assert isinstance(load_rules(rules), Plan)


def test_a_per_fact_measures_if_unknown_of_nan_is_a_located_rule_error_not_a_value_error(tmp_path: Path) -> None:
    # 'if_unknown: .nan' reached normalise_number(), which raised ValueError out of load_rules; found by the long
    # random search (CAA_FUZZ_EXAMPLES=800).
    import shutil

    import pytest

    from caa_engine import RuleError, load_rules

    rules = tmp_path / "rules"
    shutil.copytree("rules", rules)
    file = rules / "risk_assessment.yaml"
    lines = file.read_text(encoding="utf-8").split("\n")
    at = next(number for number, line in enumerate(lines) if line == "    if_unknown: false")
    lines[at] = "    if_unknown: .nan"
    file.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(RuleError) as caught:
        load_rules(rules)
    assert [issue.render().split("\n") for issue in caught.value.issues] == [
        [
            f"{file}:{at + 1}:17: wrong-type: if_unknown must be a finite number",
            "    hint: write a number, or true or false",
        ]
    ]
