"""Broken evidence in the new bundle sections, each refused with exactly the message a person needs.

The indicator set, direction of travel, risk assessment and self-assessments: each test writes
:data:`VALID` (a small two-tier bundle that uses every new section) with one line changed into
``tmp_path``, assesses it against the shipped ``rules/`` and asserts the issue exactly: the rendered
``file:line:col: code: message`` and hint, and the text its location points at.

Each message was first written as the one a person needs (the engine's wording then fell short in
a score of cases, since mended), so these pin the wording people read.
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import pytest
from click.testing import CliRunner

from caa_engine import EvidenceError, assess
from caa_engine.cli import cli

VALID = """\
area:
  id: testshire
  name: Testshire
  tier: two
bodies:
  - id: testshire-cc
    name: Testshire County Council
    kind: county
    lead: true
  - id: wold-dc
    name: Wold District Council
    kind: district
indicator_set:
  period: 2008/09
  indicators:
    - code: NI 192
      body: testshire-cc
      value: 35
      previous: 34
      target: 35
      benchmarks: {lower_quartile: 30, median: 35, upper_quartile: 40}
    - code: NI 191
      body: testshire-cc
      value: 606
      target: 610
    - code: LPI 12
      body: wold-dc
      value: 12
      polarity: lower
direction_of_travel:
  milestones:
    - body: testshire-cc
      title: Recycling centre opened
      delivered: true
risk_assessment:
  outcomes:
    - id: recycling
      title: Recycle half of household waste
      body: testshire-cc
      status: failed
      started_on: 2008-04-01
      risk: r-recycling
  innovations:
    - id: time-bank
      title: Neighbourhood time bank
      body: wold-dc
      status: succeeded
      learning_shared: true
  risk_register:
    - id: r-recycling
      title: Residents do not sort their waste
      recorded_on: 2008-01-10
      mitigations: [Door-to-door campaign]
      exposure: staged
    - id: r-time-bank
      title: Too few volunteers sign up
      recorded_on: 2007-11-05
      exposure: pilot
self_assessments:
  - body: testshire-cc
    element: indicator_set
    score: 3
  - body: testshire-cc
    element: risk_assessment
    score: 2
"""


class Refused(NamedTuple):
    text: str  # what the person reads: the location, code and message, then the hint
    at: str  # the rest of the line the location points at


def with_edit(tmp_path: Path, line: int, old: str, new: str) -> Path:
    """VALID with ``old`` replaced by ``new`` on ``line`` (counting from 1), written as bundle.yaml."""
    lines = VALID.split("\n")
    assert old in lines[line - 1], (line, lines[line - 1])
    lines[line - 1] = lines[line - 1].replace(old, new)
    path = tmp_path / "bundle.yaml"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def shown(tmp_path: Path, text: str) -> str:
    return text.replace(f"{tmp_path}/", "")


def refusals(tmp_path: Path, line: int, old: str, new: str, backend: str = "native") -> list[Refused]:
    path = with_edit(tmp_path, line, old, new)
    with pytest.raises(EvidenceError) as caught:
        assess(path, rules="rules", backend=backend)
    found = []
    for issue in caught.value.issues:
        location = issue.location
        text = path.read_text(encoding="utf-8").split("\n")[location.line - 1]
        found.append(Refused(shown(tmp_path, issue.render()), text[location.column - 1 :]))
    return found


def test_the_valid_bundle_is_assessed_on_every_element(tmp_path: Path, backend: str) -> None:
    path = tmp_path / "bundle.yaml"
    path.write_text(VALID, encoding="utf-8")
    result = assess(path, rules="rules", backend=backend)
    assert {name: element.score for name, element in result.elements.items()} == {
        "indicator_set": 4,
        "direction_of_travel": None,
        "use_of_resources": None,
        "risk_assessment": 2,
        "overall": None,  # three of the four elements (no use of resources): no overall score, but a note
    }
    assert [note.kind for note in result.notes if note.rule == "overall_elements_missing"] == ["overall_not_given"]
    bodies = result.elements["direction_of_travel"].bodies or {}
    assert {body: judgement.score for body, judgement in bodies.items()} == {"testshire-cc": 4, "wold-dc": 1}


# --- bodies and ids ---------------------------------------------------------------------------------------------

BODIES_HINT = "\n    hint: use the id of a body listed under 'bodies': testshire-cc, wold-dc"


@pytest.mark.parametrize(
    ("line", "old", "new", "what", "meant"),
    [
        (27, "wold-dc", "wold", "indicator", "wold-dc"),
        (32, "testshire-cc", "testshire", "milestone", "testshire-cc"),
        (39, "testshire-cc", "testshire-c", "outcome", "testshire-cc"),
        (46, "wold-dc", "wold-d", "innovation", "wold-dc"),
        (60, "testshire-cc", "testshire-county", "self-assessment", "testshire-cc"),
    ],
)
def test_an_unknown_body_in_a_new_section_gets_a_did_you_mean(
    tmp_path: Path, backend: str, line: int, old: str, new: str, what: str, meant: str
) -> None:
    column = 13 if what != "self-assessment" else 11
    assert refusals(tmp_path, line, old, new, backend) == [
        Refused(
            f"bundle.yaml:{line}:{column}: unknown-body: this {what} names body '{new}', which is not listed under "
            f"'bodies' — did you mean '{meant}'?" + BODIES_HINT,
            new,
        )
    ]


def test_the_same_indicator_for_the_same_body_twice_is_refused_at_the_second(tmp_path: Path, backend: str) -> None:
    assert refusals(tmp_path, 22, "NI 191", "NI 192", backend) == [
        Refused(
            "bundle.yaml:22:13: duplicate-indicator: indicator 'NI 192' for body 'testshire-cc' is given twice "
            "(the first at line 16)\n    hint: give each one once",
            "NI 192",
        )
    ]


def test_an_outcome_and_an_innovation_with_the_same_id_are_refused_at_the_second(tmp_path: Path, backend: str) -> None:
    assert refusals(tmp_path, 44, "time-bank", "recycling", backend) == [
        Refused(
            "bundle.yaml:44:11: duplicate-outcome: id 'recycling' (outcomes and innovations share one set of ids) "
            "is given twice (the first at line 37)\n    hint: give each one once",
            "recycling",
        )
    ]


def test_a_risk_register_entry_given_twice_is_refused_at_the_second(tmp_path: Path, backend: str) -> None:
    assert refusals(tmp_path, 55, "r-time-bank", "r-recycling", backend) == [
        Refused(
            "bundle.yaml:55:11: duplicate-risk: risk 'r-recycling' is given twice (the first at line 50)"
            "\n    hint: give each one once",
            "r-recycling",
        )
    ]


def test_citing_a_risk_not_in_the_register_gets_a_did_you_mean(tmp_path: Path, backend: str) -> None:
    assert refusals(tmp_path, 42, "r-recycling", "r-recyling", backend) == [
        Refused(
            "bundle.yaml:42:13: unknown-risk: this outcome cites risk 'r-recyling', which is not in the risk "
            "register — did you mean 'r-recycling'?"
            "\n    hint: use the id of an entry under risk_assessment.risk_register (known: r-recycling, r-time-bank)",
            "r-recyling",
        )
    ]


def test_a_second_self_assessment_of_the_same_element_by_the_same_body_is_refused(tmp_path: Path, backend: str) -> None:
    assert refusals(tmp_path, 64, "risk_assessment", "indicator_set", backend) == [
        Refused(
            "bundle.yaml:64:14: duplicate-self-assessment: body 'testshire-cc' assessed itself on 'indicator_set' "
            "twice (the first at line 61)\n    hint: keep one self-assessment per body and element",
            "indicator_set",
        )
    ]


@pytest.mark.parametrize(
    ("written", "meant"), [("indicators_set", " — did you mean 'indicator_set'?"), ("leadership", "")]
)
def test_a_self_assessment_of_an_element_no_rule_set_judges_is_refused(
    tmp_path: Path, backend: str, written: str, meant: str
) -> None:
    assert refusals(tmp_path, 61, "indicator_set", written, backend) == [
        Refused(
            f"bundle.yaml:61:14: unknown-element: no rule set judges element '{written}'{meant}"
            "\n    hint: elements the rules judge: direction_of_travel, indicator_set, overall, risk_assessment, "
            "use_of_resources",
            written,
        )
    ]


# --- indicators and the catalogue -------------------------------------------------------------------------------


def test_an_indicator_not_in_the_catalogue_without_polarity_names_the_catalogue(tmp_path: Path, backend: str) -> None:
    assert refusals(tmp_path, 29, "polarity: lower", "unit: visits", backend) == [
        Refused(
            "bundle.yaml:26:7: unknown-indicator: indicator 'LPI 12' is not in the catalogue"
            "\n    hint: give its polarity in the bundle, or add it to the catalogue (rules/indicators.yaml:17)",
            "code: LPI 12",
        )
    ]


def test_a_polarity_the_catalogue_contradicts_is_refused_at_the_polarity(tmp_path: Path, backend: str) -> None:
    assert refusals(tmp_path, 25, "target: 610", "polarity: higher", backend) == [
        Refused(
            "bundle.yaml:25:17: catalogue-conflict: indicator 'NI 191' has polarity 'lower' in the catalogue, but "
            "the bundle gives 'higher'\n    hint: leave 'polarity' out (the catalogue at rules/indicators.yaml:56 "
            "gives it), or correct the catalogue",
            "higher",
        )
    ]


def test_benchmarks_missing_a_quartile_are_refused_at_benchmarks(tmp_path: Path, backend: str) -> None:
    assert refusals(tmp_path, 21, ", upper_quartile: 40}", "}", backend) == [
        Refused(
            "bundle.yaml:21:7: missing-key: 'indicator_set.indicators item 1.benchmarks' has no 'upper_quartile'"
            "\n    hint: add 'upper_quartile:'; required here: lower_quartile, median and upper_quartile"
            " — upper_quartile: the national upper quartile",
            "benchmarks: {lower_quartile: 30, median: 35}",
        )
    ]


@pytest.mark.parametrize(
    ("line", "old", "new", "expected"),
    [
        (
            18,
            "35",
            ".nan",
            "bundle.yaml:18:14: wrong-type: indicator_set.indicators item 1.value must be a finite number, not .nan"
            "\n    hint: write a number such as 12.5, without quotes — value: this year's value",
        ),
        (
            19,
            "34",
            "-.inf",
            "bundle.yaml:19:17: wrong-type: indicator_set.indicators item 1.previous must be a finite number, not -.inf"
            "\n    hint: write a number such as 12.5, without quotes — previous: last year's value, if known",
        ),
        (
            24,
            "606",
            ".inf",
            "bundle.yaml:24:14: wrong-type: indicator_set.indicators item 2.value must be a finite number, not .inf"
            "\n    hint: write a number such as 12.5, without quotes — value: this year's value",
        ),
    ],
)
def test_a_value_that_is_not_a_finite_number_is_refused_in_words(
    tmp_path: Path, backend: str, line: int, old: str, new: str, expected: str
) -> None:
    assert refusals(tmp_path, line, old, new, backend) == [Refused(expected, new)]


def test_an_indicator_code_with_too_long_a_number_gets_no_did_you_mean_repeating_it(
    tmp_path: Path, backend: str
) -> None:
    # It used to answer "'NI 19200' is not written like an indicator code — did you mean 'NI 19200'?".
    assert refusals(tmp_path, 16, "NI 192", "NI 19200", backend) == [
        Refused(
            "bundle.yaml:16:13: invalid-value: indicator_set.indicators item 1.code 'NI 19200' is not written like "
            "an indicator code"
            "\n    hint: write the prefix in capitals, a space, then the number, e.g. 'NI 192' or 'LPI 12'",
            "NI 19200",
        )
    ]


@pytest.mark.parametrize("written", ["NI192", "ni 192"])
def test_an_indicator_code_not_written_like_ni_192_gets_a_did_you_mean(
    tmp_path: Path, backend: str, written: str
) -> None:
    assert refusals(tmp_path, 16, "NI 192", written, backend) == [
        Refused(
            f"bundle.yaml:16:13: invalid-value: indicator_set.indicators item 1.code '{written}' is not written like "
            "an indicator code — did you mean 'NI 192'?"
            "\n    hint: write the prefix in capitals, a space, then the number, e.g. 'NI 192' or 'LPI 12'",
            written,
        )
    ]


def test_an_indicator_value_written_with_a_percent_sign_is_told_to_drop_the_sign(tmp_path: Path, backend: str) -> None:
    assert refusals(tmp_path, 18, "35", "35%", backend) == [
        Refused(
            "bundle.yaml:18:14: wrong-type: indicator_set.indicators item 1.value must be a number, not the text "
            "'35%'\n    hint: write the number without '%', e.g. 35 — value: this year's value",
            "35%",
        )
    ]


# --- statuses, scores and dates ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "old", "new", "section", "allowed", "meant"),
    [
        (40, "failed", "failing", "outcomes", "'on_track', 'at_risk', 'failed' or 'exceeded'", "failed"),
        (47, "succeeded", "exceeded", "innovations", "'in_progress', 'succeeded' or 'failed'", "succeeded"),
    ],
)
def test_a_status_not_in_the_list_gets_a_did_you_mean(
    tmp_path: Path, backend: str, line: int, old: str, new: str, section: str, allowed: str, meant: str
) -> None:
    assert refusals(tmp_path, line, old, new, backend) == [
        Refused(
            f"bundle.yaml:{line}:15: invalid-value: risk_assessment.{section} item 1.status must be {allowed}, not "
            f"the text '{new}' — did you mean '{meant}'?\n    hint: use one of the values listed"
            " — status: how it stands at year end",
            new,
        )
    ]


def test_a_self_assessment_score_of_5_is_refused_at_the_score(tmp_path: Path, backend: str) -> None:
    assert refusals(tmp_path, 62, "3", "5", backend) == [
        Refused(
            "bundle.yaml:62:12: invalid-value: self_assessments item 1.score must be at most 4, not 5"
            "\n    hint: score: the score 1-4 it gave itself",
            "5",
        )
    ]


def test_a_date_that_does_not_exist_is_told_so(tmp_path: Path, backend: str) -> None:
    assert refusals(tmp_path, 52, "2008-01-10", "2008-02-30", backend) == [
        Refused(
            "bundle.yaml:52:20: yaml-value: cannot read '2008-02-30' as a date: that day does not exist"
            "\n    hint: write a date that exists, as YYYY-MM-DD (e.g. 2008-02-29), or put it in quotes if it is text",
            "2008-02-30",
        )
    ]


@pytest.mark.parametrize(
    ("line", "old", "new", "expected"),
    [
        (
            52,
            "2008-01-10",
            "'2008-02-30'",
            "bundle.yaml:52:20: wrong-type: risk_assessment.risk_register item 1.recorded_on must be a date written "
            "YYYY-MM-DD, not the text '2008-02-30'\n    hint: write a date that exists, e.g. 2008-04-01 — "
            "recorded_on: when the risk was first recorded in the register",
        ),
        (
            41,
            "2008-04-01",
            "1 April 2008",
            "bundle.yaml:41:19: wrong-type: risk_assessment.outcomes item 1.started_on must be a date written "
            "YYYY-MM-DD, not the text '1 April 2008'\n    hint: write a date that exists, e.g. 2008-04-01 — "
            "started_on: when the initiative started",
        ),
    ],
)
def test_a_date_that_is_not_a_date_is_refused_in_words(
    tmp_path: Path, backend: str, line: int, old: str, new: str, expected: str
) -> None:
    assert refusals(tmp_path, line, old, new, backend) == [Refused(expected, new)]


# --- the command line -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "old", "new", "expected"),
    [
        (
            42,
            "r-recycling",
            "r-recyling",
            "bundle.yaml:42:13: unknown-risk: this outcome cites risk 'r-recyling', which is not in the risk "
            "register — did you mean 'r-recycling'?"
            "\n    hint: use the id of an entry under risk_assessment.risk_register (known: r-recycling, r-time-bank)",
        ),
        (
            29,
            "polarity: lower",
            "unit: visits",
            "bundle.yaml:26:7: unknown-indicator: indicator 'LPI 12' is not in the catalogue"
            "\n    hint: give its polarity in the bundle, or add it to the catalogue (rules/indicators.yaml:17)",
        ),
    ],
)
def test_caa_assess_exits_2_with_the_message_on_stderr_and_nothing_on_stdout(
    tmp_path: Path, line: int, old: str, new: str, expected: str
) -> None:
    path = with_edit(tmp_path, line, old, new)
    outcome = CliRunner().invoke(cli, ["assess", "--no-context", str(path), "--backend", "native"])
    assert isinstance(outcome.exception, SystemExit)
    assert (outcome.exit_code, outcome.stdout, shown(tmp_path, outcome.stderr)) == (
        2,
        "",
        f"1 evidence error occurred:\n{expected}\n",
    )
