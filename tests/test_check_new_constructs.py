"""Every mistake in the new rule-file constructs, refused with exactly the message a person tuning the YAML needs.

Classifications and ``classify``, per-fact measures (``per``, ``when``, ``if_unknown``, a shared ``into``),
references between facts, ``cap``, flag colours, ``combines`` and ``judgement``, ``known()``, dates,
parameters written as percentages, ``unlisted_need`` and data-only files without ``element``.

Each test writes one small rules folder into ``tmp_path`` and asserts the issue exactly: the rendered
``file:line:col: code: message`` and hint, and the text the location points at. Where a message would not
tell a non-programmer what to do (or pointed at the wrong place), the test asserts the message it should
be: those were strict xfails until the engine was mended.
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import pytest

from caa_engine import RuleError, assess
from caa_engine.compile import load_plan
from caa_engine.rules.loader import load_rule_files

# Six lines; what each test adds starts on line 7.
HEAD = """\
ruleset: checks
element: checks
version: "1"
title: Checks
scope: area
scale: {1: inadequate, 2: adequate, 3: well, 4: strong}
"""

# Three labels for indicators; lines 7-11 after HEAD.
TREND = """\
classifications:
  trend:
    per: indicator
    description: How the indicator moved.
    labels: [improved, stable, declined]
"""

# A second element that some rule set may combine.
OTHER = """\
ruleset: other
element: other
version: "1"
title: Other
scope: area
scale: {1: inadequate, 2: adequate, 3: well, 4: strong}
rules:
  - id: other_adequate
    description: d
    source: s
    per: area
    when: true
    then: {score: 2}
"""


class Refused(NamedTuple):
    text: str  # what the person reads: the location, code and message, then the hint
    at: str  # the rest of the line the location points at


def refusals(folder: Path, files: dict[str, str]) -> list[Refused]:
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    with pytest.raises(RuleError) as caught:
        load_plan(folder)
    found = []
    for issue in caught.value.issues:
        location = issue.location
        line = Path(location.file).read_text(encoding="utf-8").split("\n")[location.line - 1]
        found.append(Refused(issue.render().replace(f"{folder}/", ""), line[location.column - 1 :]))
    return found


def rule(per: str, when: str, then: str, rule_id: str = "r") -> str:
    """One entry of a 'rules:' list: six lines, 'when:' the fifth and 'then:' the sixth."""
    return f"  - id: {rule_id}\n    description: d\n    source: s\n    per: {per}\n    when: {when}\n    then: {then}\n"


# --- classifications and classify -------------------------------------------------------------------------------


def test_classifying_by_an_undeclared_classification_gets_a_did_you_mean(tmp_path: Path) -> None:
    text = HEAD + TREND + "rules:\n" + rule("indicator", "true", "{classify: {trends: improved}}")
    assert refusals(tmp_path, {"checks.yaml": text}) == [
        Refused(
            "checks.yaml:18:23: unknown-classification: no classification 'trends' is declared — did you mean 'trend'?"
            "\n    hint: declare it under 'classifications:' with its 'per:' and 'labels:'",
            "trends: improved}}",
        )
    ]


def test_a_label_the_classification_does_not_list_gets_a_did_you_mean(tmp_path: Path) -> None:
    text = HEAD + TREND + "rules:\n" + rule("indicator", "true", "\n      classify:\n        trend: improve")
    assert refusals(tmp_path, {"checks.yaml": text}) == [
        Refused(
            "checks.yaml:20:16: unknown-label: 'improve' is not a label of 'trend' — did you mean 'improved'?"
            "\n    hint: labels of trend: improved, stable, declined",
            "improve",
        )
    ]


def test_classifying_from_a_rule_per_another_fact_than_the_classification_is_refused_at_per(tmp_path: Path) -> None:
    text = HEAD + TREND + "rules:\n" + rule("body", "true", "{classify: {trend: improved}}")
    assert refusals(tmp_path, {"checks.yaml": text}) == [
        Refused(
            "checks.yaml:16:10: wrong-scope: rule 'r' classifies 'trend', which is per indicator, but runs per 'body'"
            "\n    hint: write 'per: indicator'",
            "body",
        )
    ]


def test_a_label_listed_twice_is_refused_at_the_second(tmp_path: Path) -> None:
    text = HEAD + TREND.replace("declined]", "improved]") + "rules:\n" + rule("indicator", "true", "{score: 1}")
    issues = refusals(tmp_path, {"checks.yaml": text.replace("{score: 1}", "{classify: {trend: stable}}")})
    assert issues == [
        Refused(
            "checks.yaml:11:32: duplicate-label: label 'improved' is listed twice\n    hint: list each label once",
            "improved]",
        )
    ]


def test_a_classification_named_like_an_evidence_fact_is_one_issue_naming_those_facts(tmp_path: Path) -> None:
    text = HEAD + TREND.replace("  trend:", "  indicator:") + "rules:\n"
    text += rule("indicator", "true", "{classify: {indicator: improved}}")
    assert refusals(tmp_path, {"checks.yaml": text}) == [
        Refused(
            "checks.yaml:8:3: duplicate-fact: classification 'indicator' has the name of the 'indicator' facts "
            "that rules read\n    hint: give the classification a name of its own",
            "indicator:",
        )
    ]


def test_a_classification_per_an_unknown_fact_gets_a_did_you_mean(tmp_path: Path) -> None:
    text = HEAD + TREND.replace("per: indicator", "per: indicators") + "rules:\n"
    text += rule("indicator", "true", "{classify: {trend: improved}}")
    assert refusals(tmp_path, {"checks.yaml": text})[0] == Refused(
        "checks.yaml:9:10: unknown-fact: classification 'trend' is per unknown fact 'indicators' — did you mean "
        "'indicator'?\n    hint: known facts: area, body, indicator, indicator_history, kloe, milestone, outcome, risk, "
        "self_assessment",
        "indicators",
    )


def test_a_classification_per_an_unknown_fact_is_one_issue_not_a_cascade(tmp_path: Path) -> None:
    text = HEAD + TREND.replace("per: indicator", "per: indicators") + "rules:\n"
    text += rule("indicator", "true", "{classify: {trend: improved}}")
    assert len(refusals(tmp_path, {"checks.yaml": text})) == 1


def test_a_condition_comparing_a_label_the_classification_does_not_list_is_refused(tmp_path: Path) -> None:
    text = HEAD + TREND + "rules:\n" + rule("indicator", "true", "{classify: {trend: improved}}")
    text += rule("area", "share(trend where label == 'improve') >= 0.5", "{score: 3}", rule_id="r2")
    assert refusals(tmp_path, {"checks.yaml": text}) == [
        Refused(
            "checks.yaml:23:38: unknown-label: 'improve' is not a label of 'trend' — did you mean 'improved'?"
            "\n    hint: labels of trend: improved, stable, declined",
            "'improve') >= 0.5",
        )
    ]


def test_reading_a_classification_label_per_another_fact_suggests_a_text_aggregate(tmp_path: Path) -> None:
    text = HEAD + TREND + "rules:\n" + rule("indicator", "true", "{classify: {trend: improved}}")
    text += rule("area", "trend.label == 'improved'", "{score: 3}", rule_id="r2")
    assert refusals(tmp_path, {"checks.yaml": text}) == [
        Refused(
            "checks.yaml:23:11: needs-aggregate: this rule runs per area, and 'trend.label' could be any of several "
            "trend facts: wrap it in an aggregate"
            '\n    hint: e.g. count(trend where label == "improved") >= 1',
            "trend.label == 'improved'",
        )
    ]


# --- per-fact measures ------------------------------------------------------------------------------------------

MEASURE = "measures:\n  - id: m\n    description: d\n    source: s\n"  # lines 7-10; the measure's keys follow
SCORE = "rules:\n" + rule("area", "true", "{score: 2}", rule_id="scored")


def test_a_measure_with_both_from_and_per_is_told_to_keep_one(tmp_path: Path) -> None:
    text = HEAD + MEASURE + "    from: kloe\n    per: outcome\n    value: count(kloe)\n    into: n\n" + SCORE
    assert refusals(tmp_path, {"checks.yaml": text}) == [
        Refused(
            "checks.yaml:12:5: bad-measure: measure 'm' has both 'from:' and 'per:'; it needs exactly one"
            "\n    hint: keep 'from: kloe' with 'group_by:' to aggregate, or 'per: outcome' for one value per outcome",
            "per: outcome",
        )
    ]


def test_a_measure_with_neither_from_nor_per_is_refused_at_the_measure(tmp_path: Path) -> None:
    text = HEAD + MEASURE + "    value: count(kloe)\n    into: n\n" + SCORE
    assert refusals(tmp_path, {"checks.yaml": text}) == [
        Refused(
            "checks.yaml:8:5: bad-measure: measure 'm' needs either 'from:' (an aggregate per group) or 'per:' "
            "(a value per fact)\n    hint: write 'from: kloe' with 'group_by:' to aggregate, or 'per: outcome' for "
            "one value per outcome",
            "id: m",
        )
    ]


def test_a_per_measure_with_group_by_is_refused_at_group_by(tmp_path: Path) -> None:
    text = HEAD + MEASURE + "    per: outcome\n    group_by: [body]\n    value: outcome.vulnerable\n    into: n\n"
    assert refusals(tmp_path, {"checks.yaml": text + SCORE}) == [
        Refused(
            "checks.yaml:12:5: bad-measure: a 'per:' measure has one value per fact: it takes no 'group_by:'"
            "\n    hint: remove group_by, or aggregate with 'from:' instead of 'per:'",
            "group_by: [body]",
        )
    ]


def test_when_on_a_from_measure_is_refused_at_when(tmp_path: Path) -> None:
    text = HEAD + MEASURE + "    from: kloe\n    group_by: [body]\n    when: kloe.score >= 2\n"
    text += "    value: count(kloe)\n    into: n\n"
    assert refusals(tmp_path, {"checks.yaml": text + SCORE}) == [
        Refused(
            "checks.yaml:13:5: bad-measure: 'when:' chooses the facts of a 'per:' measure; a 'from:' measure "
            "filters inside its aggregate\n    hint: e.g. count(kloe where score >= 3)",
            "when: kloe.score >= 2",
        )
    ]


def test_when_on_a_from_measure_is_refused_with_an_example_of_its_own_fact(tmp_path: Path) -> None:
    text = HEAD + MEASURE + "    from: outcome\n    group_by: [body]\n    when: outcome.vulnerable\n"
    text += "    value: count(outcome)\n    into: n\n"
    assert refusals(tmp_path, {"checks.yaml": text + SCORE}) == [
        Refused(
            "checks.yaml:13:5: bad-measure: 'when:' chooses the facts of a 'per:' measure; a 'from:' measure "
            "filters inside its aggregate\n    hint: e.g. count(outcome where …)",
            "when: outcome.vulnerable",
        )
    ]


@pytest.mark.parametrize(
    ("fallback", "value", "kind"),
    [
        ("0", "outcome.vulnerable", "a number, but the value is true/false"),
        ("'no'", "outcome.vulnerable", "text, but the value is true/false"),
    ],
)
def test_if_unknown_of_another_kind_than_the_value_is_refused_at_it(
    tmp_path: Path, fallback: str, value: str, kind: str
) -> None:
    text = HEAD + MEASURE + f"    per: outcome\n    value: {value}\n    if_unknown: {fallback}\n    into: n\n"
    assert refusals(tmp_path, {"checks.yaml": text + SCORE}) == [
        Refused(
            f"checks.yaml:13:17: wrong-type: if_unknown is {kind}"
            "\n    hint: give if_unknown the same kind of value as the measure's value",
            fallback,
        )
    ]


def test_two_per_measures_giving_the_same_field_of_the_same_fact_are_refused_at_the_second_field(
    tmp_path: Path,
) -> None:
    text = HEAD + MEASURE + "    per: outcome\n    value: outcome.vulnerable\n    into: n\n    field: f\n"
    text += "  - id: m2\n    description: d\n    source: s\n    per: outcome\n    value: outcome.fraud_found\n"
    text += "    into: n\n    field: f\n"
    assert refusals(tmp_path, {"checks.yaml": text + SCORE}) == [
        Refused(
            "checks.yaml:21:12: duplicate-fact: another measure already gives 'n.f'\n    hint: choose another field name",
            "f",
        )
    ]


def test_a_per_measure_sharing_the_into_of_a_grouped_measure_is_refused_at_into(tmp_path: Path) -> None:
    text = HEAD + MEASURE.replace("description: d", "description: KLOEs per body")
    text += "    from: kloe\n    group_by: [body]\n    value: count(kloe)\n    into: n\n"
    text += "  - id: m2\n    description: d\n    source: s\n    per: outcome\n    value: outcome.fraud_found\n"
    text += "    into: n\n    field: f\n"
    assert refusals(tmp_path, {"checks.yaml": text + SCORE}) == [
        Refused(
            "checks.yaml:20:11: duplicate-fact: measure 'm2' derives 'n', which already exists (KLOEs per body)"
            "\n    hint: give the derived fact a new name, or share it only with other measures per outcome",
            "n",
        )
    ]


def test_per_measures_sharing_an_into_but_not_their_per_are_told_which_per_to_write(tmp_path: Path) -> None:
    text = HEAD + MEASURE + "    per: outcome\n    value: outcome.fraud_found\n    into: n\n    field: f\n"
    text += "  - id: m2\n    description: d\n    source: s\n    per: indicator\n    value: indicator.value\n"
    text += "    into: n\n    field: g\n"
    assert refusals(tmp_path, {"checks.yaml": text + SCORE}) == [
        Refused(
            "checks.yaml:20:11: duplicate-fact: measure 'm2' runs per indicator, but 'n' is derived per outcome "
            "(by measure 'm' at line 8)"
            "\n    hint: write 'per: outcome', or give the derived fact a new name: measures that share 'into' run "
            "per the same fact",
            "n",
        )
    ]


def test_a_per_measures_when_that_is_text_is_told_to_compare_it_as_text(tmp_path: Path) -> None:
    text = HEAD + MEASURE + "    per: outcome\n    when: outcome.status\n    value: outcome.vulnerable\n    into: n\n"
    assert refusals(tmp_path, {"checks.yaml": text + SCORE}) == [
        Refused(
            "checks.yaml:12:11: wrong-type: a condition must be true or false, but 'outcome.status' is text"
            "\n    hint: compare it with something, e.g. 'outcome.status == \"on_track\"'",
            "outcome.status",
        )
    ]


# --- cap --------------------------------------------------------------------------------------------------------


def test_a_cap_off_the_scale_is_refused_at_the_cap(tmp_path: Path) -> None:
    text = HEAD + "rules:\n" + rule("area", "true", "{cap: 5}")
    assert refusals(tmp_path, {"checks.yaml": text}) == [
        Refused(
            "checks.yaml:13:17: unknown-score: cap 5 is not on this rule set's scale (scores: 1, 2, 3, 4)"
            "\n    hint: use a score listed under 'scale:'; CAA scores run from 1 (inadequate) to 4 (performing "
            "strongly)",
            "5}",
        )
    ]


def test_a_rule_that_both_scores_and_caps_is_refused_at_the_cap(tmp_path: Path) -> None:
    text = HEAD + "rules:\n" + rule("area", "true", "{score: 3, cap: 2}")
    assert refusals(tmp_path, {"checks.yaml": text}) == [
        Refused(
            "checks.yaml:13:22: bad-effect: rule 'r' both sets a score and caps it"
            "\n    hint: use two rules: one sets the score, the other caps it",
            "cap: 2}",
        )
    ]


def test_a_cap_in_a_rule_per_another_fact_than_the_scope_is_refused_at_per(tmp_path: Path) -> None:
    text = HEAD + "rules:\n" + rule("area", "true", "{score: 3}", rule_id="scored")
    text += rule("outcome", "outcome.vulnerable", "{cap: 2}")
    assert refusals(tmp_path, {"checks.yaml": text}) == [
        Refused(
            "checks.yaml:17:10: wrong-scope: rule 'r' sets the checks cap but runs per 'outcome'"
            "\n    hint: write 'per: area': a rule that sets a cap runs per the rule set's scope ('scope: area')",
            "outcome",
        )
    ]


# --- flags ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("colour", "meant"), [("amber", ""), ("Red", " — did you mean 'red'?"), ("gren", " — did you mean 'green'?")]
)
def test_a_flag_colour_that_is_not_red_or_green_is_refused_at_the_colour(
    tmp_path: Path, colour: str, meant: str
) -> None:
    text = HEAD + "rules:\n" + rule("outcome", "true", f"\n      flag:\n        kind: k\n        colour: {colour}")
    text += "        reason: x\n"
    assert refusals(tmp_path, {"checks.yaml": text}) == [
        Refused(
            f"checks.yaml:16:17: invalid-value: rule 'r': then.flag.colour must be 'red' or 'green', not the text "
            f"'{colour}'{meant}\n    hint: use one of the values listed — colour: red for a significant concern, "
            "green for exceptional success",
            colour,
        )
    ]


def test_a_condition_comparing_a_flag_colour_that_does_not_exist_is_refused(tmp_path: Path) -> None:
    text = HEAD + "rules:\n" + rule("area", "count(flag where colour == 'amber') == 0", "{score: 3}")
    text += rule("outcome", "outcome.vulnerable", "{flag: {kind: k, colour: red, reason: x}}", rule_id="raise")
    assert refusals(tmp_path, {"checks.yaml": text}) == [
        Refused(
            "checks.yaml:12:38: unknown-value: 'amber' is not a value 'flag.colour' can hold"
            "\n    hint: values of flag.colour: red, green",
            "'amber') == 0",
        )
    ]


# --- combines and judgement -------------------------------------------------------------------------------------


def test_combining_an_element_no_rule_set_judges_gets_a_did_you_mean(tmp_path: Path) -> None:
    text = HEAD + "combines: [othr]\nrules:\n" + rule("area", "count(judgement) >= 1", "{score: 3}")
    assert refusals(tmp_path, {"other.yaml": OTHER, "checks.yaml": text})[0] == Refused(
        "checks.yaml:7:12: unknown-element: element 'othr' is judged by no rule set — did you mean 'other'?"
        "\n    hint: elements judged by other rule sets: other",
        "othr]",
    )


def test_combining_an_element_no_rule_set_judges_is_one_issue_not_a_cascade(tmp_path: Path) -> None:
    text = HEAD + "combines: [othr]\nrules:\n" + rule("area", "count(judgement) >= 1", "{score: 3}")
    assert len(refusals(tmp_path, {"other.yaml": OTHER, "checks.yaml": text})) == 1


def test_a_rule_set_combining_its_own_element_is_refused_at_it(tmp_path: Path) -> None:
    text = HEAD + "combines: [other, checks]\nrules:\n" + rule("area", "count(judgement) >= 1", "{score: 3}")
    assert refusals(tmp_path, {"other.yaml": OTHER, "checks.yaml": text}) == [
        Refused(
            "checks.yaml:7:19: unknown-element: element 'checks' is this rule set's own"
            "\n    hint: elements judged by other rule sets: other",
            "checks]",
        )
    ]


def test_reading_judgement_without_combines_is_told_to_add_combines(tmp_path: Path) -> None:
    text = HEAD + "rules:\n" + rule("area", "count(judgement where score >= 3) >= 1", "{score: 3}")
    assert refusals(tmp_path, {"other.yaml": OTHER, "checks.yaml": text}) == [
        Refused(
            "checks.yaml:12:17: unknown-fact: 'judgement' facts are only read by a rule set that combines "
            "elements\n    hint: list the elements whose judgements it reads, e.g. 'combines: [other]'",
            "judgement where score >= 3) >= 1",
        )
    ]


# --- references -------------------------------------------------------------------------------------------------


def test_a_misspelt_field_of_a_referenced_fact_gets_a_did_you_mean(tmp_path: Path) -> None:
    text = HEAD + "rules:\n" + rule("outcome", "risk.titel != 'x'", "{note: {kind: k, text: t}}")
    assert refusals(tmp_path, {"checks.yaml": text}) == [
        Refused(
            "checks.yaml:12:11: unknown-fact: condition uses 'risk.titel' — did you mean 'risk.title'?"
            "\n    hint: fields of risk: appetite_approved_by, contingency, early_warning_indicators, exposure, id, "
            "lessons_captured, lessons_shared, mitigations, monitoring_acted_on, recorded_on, title",
            "risk.titel != 'x'",
        )
    ]


@pytest.mark.parametrize("written", ["outcome.risks.title", "outcome.risk.title"])
def test_reading_through_a_reference_by_a_dotted_path_gets_a_did_you_mean(tmp_path: Path, written: str) -> None:
    text = HEAD + "rules:\n" + rule("outcome", f"{written} != 'x'", "{note: {kind: k, text: t}}")
    assert refusals(tmp_path, {"checks.yaml": text}) == [
        Refused(
            f"checks.yaml:12:11: unknown-fact: condition uses '{written}' — did you mean 'risk.title'?"
            "\n    hint: outcome.risk holds the id of a risk: read that risk's fields as risk.FIELD, e.g. risk.title",
            f"{written} != 'x'",
        )
    ]


# --- dates, text and known() -------------------------------------------------------------------------------------


def test_comparing_a_date_with_a_number_is_told_to_compare_two_dates(tmp_path: Path) -> None:
    text = HEAD + "rules:\n" + rule("outcome", "outcome.started_on > 2008", "{note: {kind: k, text: t}}")
    assert refusals(tmp_path, {"checks.yaml": text}) == [
        Refused(
            "checks.yaml:12:11: wrong-type: cannot compare 'outcome.started_on' (a date) with 2008 (a number)"
            "\n    hint: compare a date with another date, e.g. risk.recorded_on < outcome.started_on",
            "outcome.started_on > 2008",
        )
    ]


def test_ordering_text_is_refused_with_a_hint_to_use_equals(tmp_path: Path) -> None:
    text = HEAD + "rules:\n" + rule("outcome", "outcome.status < 'failed'", "{note: {kind: k, text: t}}")
    assert refusals(tmp_path, {"checks.yaml": text}) == [
        Refused(
            "checks.yaml:12:11: wrong-type: '<' needs numbers, but 'outcome.status' is text"
            "\n    hint: text and true/false can only be compared with == or !=",
            "outcome.status < 'failed'",
        )
    ]


def test_known_with_where_is_refused_at_where_with_a_hint_to_join_with_and(tmp_path: Path) -> None:
    text = HEAD + "rules:\n"
    text += rule("outcome", "known(outcome.started_on where vulnerable)", "{note: {kind: k, text: t}}")
    assert refusals(tmp_path, {"checks.yaml": text}) == [
        Refused(
            "checks.yaml:12:42: bad-condition: 'where' only filters the collection of an aggregate"
            "\n    hint: known() takes one value, e.g. known(outcome.started_on); join other conditions with 'and'",
            "vulnerable)",
        )
    ]


# --- files without an element, and tables -----------------------------------------------------------------------

CATALOGUE = """\
ruleset: catalogue
version: "1"
title: Catalogue
tables:
  indicator:
    key: code
    unlisted_need: [polarity]
    rows:
      "NI 1": {polarity: higher}
"""


def test_a_file_of_reference_data_needs_no_element(tmp_path: Path) -> None:
    (tmp_path / "catalogue.yaml").write_text(CATALOGUE + "parameters:\n  x: {value: 1}\n", encoding="utf-8")
    assert load_plan(tmp_path).fact_types["indicator"].fields["polarity"].type == "str"


def test_a_file_without_an_element_that_has_rules_is_refused_at_rules(tmp_path: Path) -> None:
    text = CATALOGUE + "rules:\n" + rule("area", "true", "{note: {kind: k, text: t}}")
    assert refusals(tmp_path, {"catalogue.yaml": text}) == [
        Refused(
            "catalogue.yaml:10:1: no-element: this file has rules but no 'element:'"
            "\n    hint: name the element its rules judge, e.g. 'element: risk_assessment'; a file without an element "
            "holds only reference data (tables and parameters)",
            "rules:",
        )
    ]


def test_unlisted_need_naming_a_field_the_evidence_cannot_give_gets_a_did_you_mean(tmp_path: Path) -> None:
    text = CATALOGUE.replace("[polarity]", "[polarty]")
    assert refusals(tmp_path, {"catalogue.yaml": text}) == [
        Refused(
            "catalogue.yaml:7:21: unknown-fact: 'indicator' has no field 'polarty' — did you mean 'polarity'?"
            "\n    hint: list fields the evidence may leave out, which the table fills in: lower_quartile, median, "
            "polarity, previous, target, title, unit, upper_quartile",
            "polarty]",
        )
    ]


def test_unlisted_need_naming_a_field_the_evidence_always_gives_says_so(tmp_path: Path) -> None:
    text = CATALOGUE.replace("[polarity]", "[value]")
    assert refusals(tmp_path, {"catalogue.yaml": text}) == [
        Refused(
            "catalogue.yaml:7:21: unknown-fact: every indicator in the evidence has a value, so 'unlisted_need: "
            "[value]' would let any indicator missing from the table through"
            "\n    hint: list fields the evidence may leave out, which the table fills in: lower_quartile, median, "
            "polarity, previous, target, title, unit, upper_quartile",
            "value]",
        )
    ]


# --- parameters written as percentages ---------------------------------------------------------------------------

DELIVERED = "share(milestone where delivered) >= params.p"


def share_rules(written: str) -> str:
    return (
        HEAD
        + f"parameters:\n  p:\n    value: {written}\nrules:\n"
        + rule("area", DELIVERED, "{score: 3}", rule_id="enough_delivered")
        + rule("area", "true", "{score: 1}", rule_id="otherwise")
    )


def milestones(delivered: int, total: int) -> dict[str, object]:
    return {
        "area": {"id": "testshire", "name": "Testshire"},
        "bodies": [{"id": "testshire-cc", "name": "Testshire County Council", "kind": "county"}],
        "direction_of_travel": {
            "milestones": [
                {"body": "testshire-cc", "title": f"milestone {n}", "delivered": n <= delivered}
                for n in range(1, total + 1)
            ]
        },
    }


@pytest.mark.parametrize("written", ['"75 %"', '"75%"', "75%", "75 %", "'75%'"])
def test_a_parameter_written_as_a_percentage_is_that_share_exactly(tmp_path: Path, written: str, backend: str) -> None:
    (tmp_path / "checks.yaml").write_text(share_rules(written), encoding="utf-8")
    scores = [assess(milestones(n, 4), rules=tmp_path, backend=backend).elements["checks"].score for n in (3, 2)]
    assert scores == [3, 1]  # 3 of 4 is exactly 75%; 2 of 4 is not


def test_a_parameter_written_abc_percent_is_text_and_comparing_it_with_a_share_is_refused(tmp_path: Path) -> None:
    assert refusals(tmp_path, {"checks.yaml": share_rules('"abc%"')}) == [
        Refused(
            "checks.yaml:15:11: wrong-type: cannot compare 'share(milestone where delivered)' (a number) with "
            "'params.p' (text)\n    hint: parameter 'p' (line 9) holds 'abc%': check its value",
            DELIVERED,
        )
    ]


def test_a_parameter_written_with_no_digit_before_the_point_is_a_percentage_too(tmp_path: Path) -> None:
    (tmp_path / "checks.yaml").write_text(share_rules('".5%"'), encoding="utf-8")
    assert load_rule_files(tmp_path)[0].model.parameters["p"].value == 0.005


def test_a_cap_naming_a_parameter_that_is_not_defined_is_refused_at_the_cap(tmp_path: Path) -> None:
    text = HEAD + "rules:\n" + rule("area", "true", "{cap: params.safeguarding_cpa}")
    [refused] = refusals(tmp_path, {"checks.yaml": text})
    assert refused.text.startswith(
        "checks.yaml:13:17: undefined-parameter: parameter 'safeguarding_cpa' is not defined"
    )
    assert refused.at.startswith("params.safeguarding_cpa")


def test_a_cap_written_as_anything_but_a_score_or_a_parameter_is_refused(tmp_path: Path) -> None:
    text = HEAD + "rules:\n" + rule("area", "true", "{cap: two}")
    [refused] = refusals(tmp_path, {"checks.yaml": text})
    assert "a cap is a score such as 2, or a parameter written params.NAME" in refused.text


def test_a_measure_sharing_the_into_of_a_measure_in_error_names_that_measures_line(tmp_path: Path) -> None:
    # The first measure fails its own check; the second's message pointed at it as 'at line 0'.
    text = HEAD + MEASURE + "    per: outcome\n    value: outcome.vulnrable\n    into: n\n    field: f\n"
    text += "  - id: m2\n    description: d\n    source: s\n    per: indicator\n    value: indicator.value\n"
    text += "    into: n\n    field: g\n"
    messages = [refused.text for refused in refusals(tmp_path, {"checks.yaml": text + SCORE})]
    assert any("derived per outcome (by measure 'm' at line 8)" in message for message in messages), messages
    assert not any("line 0" in message for message in messages)
