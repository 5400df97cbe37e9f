"""Bad input never crashes the engine: fuzzed rule files and evidence bundles, checked with hypothesis.

The promise to users is that a rule file or an evidence bundle, however broken,
gives either a result or a RuleError / EvidenceError whose every issue points
at a place (``file:line:col`` for a file, a key path for a dict) — never a
Python traceback.  These tests try to break it:

* rule files: the shipped ``rules/use_of_resources.yaml`` with lines deleted,
  duplicated or swapped, and tokens replaced by other tokens of the file or by
  tricky YAML (``.nan``, ``!!python/object``, tabs, a quote, 5,000 digits …);
  and random condition text put into a rule's ``when:``, a measure's ``value:``
  and a note's ``{…}`` placeholder;
* evidence: random values (nested lists and mappings of text, numbers, NaN,
  huge integers, non-text keys) put anywhere in ``fixtures/cheltenham.yaml``,
  given as a dict and written to a YAML file, assessed on every backend; and
  the bundle's text mutated like the rule file's.

Anything other than the two input errors fails the test, with the input that
caused it.  Crashes found this way are pinned in ``test_regressions.py``.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_profiles import examples

from caa_engine import EvidenceError, Plan, Result, RuleError, assess, load_rules
from caa_engine.errors import InvalidInputError

ROOT = Path(__file__).resolve().parent.parent
RULES_TEXT = (ROOT / "rules" / "use_of_resources.yaml").read_text(encoding="utf-8")
BUNDLE_TEXT = (ROOT / "fixtures" / "cheltenham.yaml").read_text(encoding="utf-8")
BUNDLE: dict[str, Any] = yaml.safe_load(BUNDLE_TEXT)
# The suite tries the same 100 examples a test on every run; CAA_FUZZ_EXAMPLES=800 pytest tests/test_fuzz_inputs.py
# searches at random for longer, as before each release (hypothesis_profiles.py).
SETTINGS = settings(
    max_examples=examples(100),
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

TOKEN = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*|\d+(?:\.\d+)?|\S")
# Values that have broken YAML loaders, pydantic glue and condition parsers before.
TRICKY_TEXT = [
    "-1",
    "0",
    "1e400",
    "1.0e+400",
    "-0.0",
    ".nan",
    ".inf",
    "-.inf",
    "null",
    "~",
    "[]",
    "{}",
    "[",
    "{",
    '"',
    "'",
    ":",
    "- ",
    "-",
    "? ",
    "|",
    ">",
    "#",
    "&a",
    "*a",
    "&a [*a]",
    "<<: 3",
    "<<: {}",
    "---",
    "...",
    "%YAML 1.1",
    "\t",
    "  ",
    "true",
    "yes",
    "on",
    "0x1F",
    "0o17",
    "1_000",
    "2009-13-45",
    "2009-01-01",
    "ü ☃ 😀 \u2028",
    "\x00",
    "\ufeff",
    "!!python/object:os.system",
    "!!python/name:os.system",
    "!!int x",
    "!!float y",
    "!!bool maybe",
    "!!timestamp 2009-13-45",
    "!!binary ***",
    "!!set {a, b}",
    "!!str",
    "!custom",
]
# Long values are built, not listed, so that hypothesis's reports stay readable.
TRICKY = st.sampled_from(TRICKY_TEXT) | st.builds(
    str.__mul__, st.sampled_from(["9", "x", "("]), st.sampled_from([5000, 10_000])
)
# Replacing is what finds crashes (a value YAML or a parser cannot read), so it is drawn most often.
MUTATION_KINDS = ("delete", "duplicate", "swap", "replace", "replace", "replace value", "replace value")
VALUE = re.compile(r"^(\s*(?:- )?[^:#]+:\s)(.*)$")


def _tokens(text: str) -> list[str]:
    return sorted(set(TOKEN.findall(text)))


RULE_TOKENS = _tokens(RULES_TEXT)
BUNDLE_TOKENS = _tokens(BUNDLE_TEXT)


@st.composite
def mutated(draw: st.DrawFn, text: str, tokens: list[str]) -> str:
    """``text`` with one to four line-level edits: a line deleted, duplicated or swapped, a token replaced
    (by another of the file's, or a tricky one), or a ``key: value`` line's value replaced by a tricky one."""
    lines = text.split("\n")
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(MUTATION_KINDS))
        at = draw(st.integers(0, len(lines) - 1))
        if kind == "delete" and len(lines) > 1:
            del lines[at]
        elif kind == "duplicate":
            lines.insert(at, lines[at])
        elif kind == "swap":
            other = draw(st.integers(0, len(lines) - 1))
            lines[at], lines[other] = lines[other], lines[at]
        elif kind == "replace value" and VALUE.match(lines[at]):
            lines[at] = VALUE.sub(lambda m: m.group(1) + draw(TRICKY), lines[at])
        else:
            spans = [m.span() for m in TOKEN.finditer(lines[at])]
            start, end = draw(st.sampled_from(spans)) if spans else (0, 0)
            new = draw(st.sampled_from(tokens) | TRICKY)
            lines[at] = lines[at][:start] + new + lines[at][end:]
    return "\n".join(lines)


def _assert_located_in_file(error: InvalidInputError, file: Path, text: str) -> None:
    assert error.issues, "an input error without issues"
    last_line = text.count("\n") + 2
    for issue in error.issues:
        rendered = issue.render()
        assert issue.location.file.endswith(file.name), rendered
        assert 1 <= issue.location.line <= last_line, rendered
        assert issue.location.column >= 0, rendered
        assert issue.code and issue.message, rendered


def _load_or_refuse(folder: Path, text: str) -> Plan | None:
    """Write one rule file and load the folder: a plan, or None when the rules were refused with located issues."""
    file = folder / "use_of_resources.yaml"
    file.write_text(text, encoding="utf-8")
    try:
        plan = load_rules(folder)
    except RuleError as error:
        _assert_located_in_file(error, file, text)
        return None
    assert isinstance(plan, Plan)
    return plan


def _rules_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "rules"
    folder.mkdir(exist_ok=True)
    return folder


# -- rule files ----------------------------------------------------------------------------------------------------


@SETTINGS
@given(text=mutated(RULES_TEXT, RULE_TOKENS))
def test_a_mutated_rule_file_loads_or_is_refused_with_every_issue_located(tmp_path: Path, text: str) -> None:
    plan = _load_or_refuse(_rules_folder(tmp_path), text)
    if plan is not None:
        # Rules that load must also run: a number or text they carry may not fail only at assessment.
        try:
            assert isinstance(assess(BUNDLE, rules=plan, backend="native"), Result)
        except EvidenceError as error:  # e.g. a table row deleted: a KLOE of the bundle is then unknown
            assert all(issue.location.path for issue in error.issues), error.render()


CONDITION_WORDS = [
    "kloe",
    "kloe.score",
    "kloe.code",
    "kloe.titel",
    "theme",
    "theme.score",
    "body",
    "body.lead",
    "body.name",
    "params",
    "params.strong_floor",
    "params.nope",
    "area.name",
    "count",
    "share",
    "min",
    "max",
    "sum",
    "mean",
    "lower_median",
    "abs",
    "median",
    "where",
    "and",
    "or",
    "not",
    "in",
    "true",
    "false",
    "AND",
    "Or",
    "x",
    "==",
    "!=",
    "<",
    "<=",
    ">",
    ">=",
    "=",
    "=>",
    "+",
    "-",
    "*",
    "/",
    "%",
    ".",
    ",",
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    '"',
    "'",
    '"a"',
    "'b'",
    "0",
    "1",
    "3",
    "1.5",
    "50%",
    "0.000001",
    "99999999999999999999999999",
    "&",
    "|",
    "!",
    "\n",
    "\t",
    "é",
]
conditions = st.one_of(
    st.lists(st.sampled_from(CONDITION_WORDS), max_size=16).map(" ".join),
    st.lists(st.sampled_from(CONDITION_WORDS), max_size=16).map("".join),
    st.text(alphabet="kloe.scr theam()[]<>=!'\"0123456789,-+*/% andortwhe\n", max_size=40),
)
PLACES = {
    "when": ("    when: count(theme) >= 1\n", "    when: {}\n"),
    "value": (
        "    value: min(lower_median(kloe.score), min(kloe.score) + params.theme_cap_above_lowest)\n",
        "    value: {}\n",
    ),
    "template": ('        text: "KLOE {kloe.code} ({kloe.title})', '        text: "KLOE {{{}}} ({{kloe.title}})'),
}


@SETTINGS
@given(condition=conditions, place=st.sampled_from(sorted(PLACES)), folded=st.booleans())
def test_any_condition_text_parses_or_is_refused_at_its_place(
    tmp_path: Path, condition: str, place: str, folded: bool
) -> None:
    old, new = PLACES[place]
    assert old in RULES_TEXT
    if place == "template":
        # Inside a double-quoted YAML string: a '"' or a line break would end or fold it, not the placeholder.
        text = RULES_TEXT.replace(old, new.format(json.dumps(condition)[1:-1].replace("{", "").replace("}", "")))
    elif folded and condition.strip():
        block = "\n".join("      " + line for line in condition.split("\n"))
        text = RULES_TEXT.replace(old, new.format(">-\n" + block))
    else:
        text = RULES_TEXT.replace(old, new.format(json.dumps(condition)))
    plan = _load_or_refuse(_rules_folder(tmp_path), text)
    if plan is not None:
        assert isinstance(assess(BUNDLE, rules=plan, backend="native"), Result)


# -- evidence bundles ----------------------------------------------------------------------------------------------

KEYS = st.one_of(
    st.text(max_size=6),
    st.sampled_from(["area", "bodies", "id", "name", "kind", "lead", "kloes", "body", "1.1", "1.10", "3.10", ""]),
    st.integers(-3, 3),
    st.sampled_from([1.1, 3.1, 2**70, True, False, None]),
)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.sampled_from([0, 1, 4, 5, -1, 2**63, -(2**63) - 1]),
    st.builds(pow, st.just(10), st.sampled_from([30, 400, 4400])),
    st.floats(),
    st.sampled_from([1e308, -1e308, 5e-324, -0.0, float("nan"), float("inf"), 3.0, 1.1]),
    st.text(max_size=12),
    st.sampled_from(["1.1", "1.10", "cheltenham-bc", "district", "county", "Cheltenham", "", " "]),
    st.builds(str.__mul__, st.sampled_from(["a", "x "]), st.sampled_from([101, 1001, 40_000])),
)


def _deep(depth: int) -> Any:
    value: Any = "deep"
    for level in range(depth):
        value = [value] if level % 2 else {"k": value}
    return value


VALUES = st.one_of(
    st.recursive(
        SCALARS,
        lambda children: st.lists(children, max_size=3) | st.dictionaries(KEYS, children, max_size=3),
        max_leaves=8,
    ),
    st.integers(50, 300).map(_deep),
)
EDITS = ("replace", "add", "delete")


def _paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in a bundle: the root, and each value under it."""
    found = [path]
    if isinstance(value, dict):
        for key, child in value.items():
            found += _paths(child, path + (key,))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found += _paths(child, path + (index,))
    return found


@st.composite
def mutated_bundles(draw: st.DrawFn) -> Any:
    """cheltenham.yaml as a dict, with one to three values replaced, added or deleted."""
    data: Any = copy.deepcopy(BUNDLE)
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(_paths(data)))
        edit = draw(st.sampled_from(EDITS))
        value = draw(VALUES)
        if not path:
            if edit == "replace" and not isinstance(value, str):  # text given to assess() is a file's path
                data = value
            continue
        parent = data
        for part in path[:-1]:
            parent = parent[part]
        if edit == "replace":
            parent[path[-1]] = value
        elif edit == "delete":
            del parent[path[-1]]
        elif isinstance(parent, dict):
            parent[draw(KEYS)] = value
        else:
            parent.insert(path[-1], value)
    return data


def _assess_or_refuse(bundle: Any, backend: str) -> None:
    try:
        result = assess(bundle, rules="rules", backend=backend)
    except EvidenceError as error:
        assert error.issues, "an evidence error without issues"
        for issue in error.issues:
            rendered = issue.render()
            if isinstance(bundle, Path):
                assert issue.location.file == str(bundle) and issue.location.line >= 1, rendered
            else:
                assert issue.location.file == "<evidence>" and issue.location.line == 0, rendered
            assert issue.code and issue.message, rendered
    else:
        assert isinstance(result, Result)


@SETTINGS
@given(bundle=mutated_bundles())
def test_a_mutated_bundle_given_as_a_dict_is_assessed_or_refused(backend: str, bundle: Any) -> None:
    _assess_or_refuse(bundle, backend)


@SETTINGS
@given(bundle=mutated_bundles())
def test_a_mutated_bundle_written_as_yaml_is_assessed_or_refused(tmp_path: Path, backend: str, bundle: Any) -> None:
    file = tmp_path / "bundle.yaml"
    try:
        text = yaml.safe_dump(bundle, allow_unicode=True, sort_keys=False)
    except RecursionError:  # PyYAML's writer recurses per level: write such a file by hand
        text = "- " * 400 + "deep"
    except ValueError:  # nor can it write a number of more than 4,300 digits
        text = "area: " + "9" * 5000
    file.write_text(text, encoding="utf-8")
    _assess_or_refuse(file, backend)


@SETTINGS
@given(text=mutated(BUNDLE_TEXT, BUNDLE_TOKENS))
def test_a_bundle_file_with_mutated_lines_is_assessed_or_refused(tmp_path: Path, backend: str, text: str) -> None:
    file = tmp_path / "bundle.yaml"
    file.write_text(text, encoding="utf-8")
    _assess_or_refuse(file, backend)


@pytest.mark.parametrize("value", [float("nan"), 10**400, -0.0, 1e308, True, None, "1.10", 1.1])
def test_tricky_numbers_as_a_kloe_code_or_score_are_refused_with_a_key_path(backend: str, value: Any) -> None:
    bundle = copy.deepcopy(BUNDLE)
    kloes = bundle["use_of_resources"]["assessments"][0]["kloes"]
    kloes[value] = 3
    kloes["1.1"] = value
    with pytest.raises(EvidenceError) as caught:
        assess(bundle, rules="rules", backend=backend)
    assert all(
        issue.location.path.startswith("use_of_resources.assessments[0].kloes") for issue in caught.value.issues
    ), caught.value.render()
