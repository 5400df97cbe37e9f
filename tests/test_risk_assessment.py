"""The shipped risk-assessment rules say what the policy brief (element 4) says.

Each priority outcome and innovation gets one verdict: for a failure, the
honourable-failure test first, then "known and in hand" (priority outcomes
only), else an unmanaged failure and a red flag; an at-risk outcome is a red
flag unless known and in hand; an exceeded outcome, or a successful innovation
whose learning was shared, is a green flag.  The area scores 4 with no red flag
and a green one, 3 with no red flag, 2 with one, 1 with two or more.  The
honourable-failure test is checked criterion by criterion, each missed alone.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from element_bundles import (
    STARTED_ON,
    area_judged,
    bundle,
    copy_rules,
    edit,
    finding,
    flags_of,
    innovation,
    outcome,
    risk,
)

from caa_engine import EvidenceError, Result, assess

CRITERIA = (
    "recorded_in_advance",
    "mitigated",
    "proportionate",
    "lessons_learned",
    "appetite_approved",
    "monitored",
)


def assessed(backend: str, rules: str | Path = "rules", **sections: Any) -> Result:
    return assess(bundle(**sections), rules=rules, backend=backend)


def scored(result: Result) -> tuple[Any, ...]:
    return area_judged(result, "risk_assessment")


def verdict(result: Result, subject: str) -> str:
    return str(finding(result, "outcome", subject, "verdict").value)


def criteria(result: Result, subject: str) -> dict[str, bool]:
    return {name: finding(result, "outcome", subject, f"honourable_test.{name}").value for name in CRITERIA}


def notes_of(result: Result) -> list[tuple[str, str]]:
    """The risk assessment's notes (the overall view notes that a risk-only area has too few elements judged)."""
    risk_rules = {event.id for event in result.audit if event.element == "risk_assessment"}
    return [(note.kind, note.subject) for note in result.notes if note.rule in risk_rules]


def failed(risk_fields: dict[str, Any] | None = None, **outcome_fields: Any) -> dict[str, Any]:
    """A failed priority outcome 'o-fail' with its risk entry 'r-fail', as sections for :func:`bundle`."""
    return {
        "outcomes": [outcome("o-fail", "failed", risk="r-fail", **outcome_fields)],
        "risks": [risk("r-fail", **(risk_fields or {}))],
    }


# --- the element score from the flags -------------------------------------------------------------------


def test_no_red_flag_and_one_green_flag_scores_4(backend: str) -> None:
    result = assessed(backend, outcomes=[outcome("o-1", "exceeded"), outcome("o-2", "on_track")])
    assert flags_of(result) == [("exceptional_success", "green", "o-1")]
    assert scored(result) == (4, "performing strongly")


def test_no_red_flag_and_no_green_flag_scores_3(backend: str) -> None:
    result = assessed(backend, outcomes=[outcome("o-1", "on_track")])
    assert flags_of(result) == []
    assert verdict(result, "o-1") == "on_course"
    assert scored(result) == (3, "performing well")


def test_exactly_one_red_flag_scores_2_whatever_the_green_flags(backend: str) -> None:
    result = assessed(
        backend,
        outcomes=[outcome("o-1", "at_risk"), outcome("o-2", "exceeded"), outcome("o-3", "exceeded")],
    )
    assert flags_of(result) == [
        ("concern_not_tackled", "red", "o-1"),
        ("exceptional_success", "green", "o-2"),
        ("exceptional_success", "green", "o-3"),
    ]
    assert scored(result) == (2, "adequate")


def test_two_red_flags_score_1(backend: str) -> None:
    result = assessed(backend, outcomes=[outcome("o-1", "at_risk"), outcome("o-2", "failed")])
    assert flags_of(result) == [("concern_not_tackled", "red", "o-1"), ("unmanaged_failure", "red", "o-2")]
    assert scored(result) == (1, "inadequate")


def test_an_unmanaged_failure_raises_one_red_flag_not_two(backend: str) -> None:
    result = assessed(backend, **failed({"exposure": "open"}))
    assert [flag for flag in flags_of(result) if flag[1] == "red"] == [("unmanaged_failure", "red", "o-fail")]
    assert scored(result) == (2, "adequate")


def test_an_area_with_no_outcomes_gets_no_risk_assessment_score(backend: str) -> None:
    assert scored(assessed(backend, outcomes=[])) == (None, None)


# --- at risk, known and in hand, green flags ------------------------------------------------------------


@pytest.mark.parametrize("status", ["failed", "at_risk"])
def test_a_known_issue_with_action_in_place_raises_no_red_flag_but_a_note(backend: str, status: str) -> None:
    # No risk entry, so a failure misses the honourable-failure test and falls to "known and in hand".
    result = assessed(backend, outcomes=[outcome("o-1", status, known_issue=True, action_in_place=True)])
    assert verdict(result, "o-1") == "known_and_in_hand"
    assert flags_of(result) == []
    assert notes_of(result) == [("known_and_in_hand", "o-1")]
    assert scored(result) == (3, "performing well")


@pytest.mark.parametrize(
    ("known_issue", "action_in_place"), [(True, False), (False, True), (False, False)], ids=["known", "action", "none"]
)
@pytest.mark.parametrize(("status", "kind"), [("at_risk", "concern_not_tackled"), ("failed", "unmanaged_failure")])
def test_an_issue_not_both_known_and_acted_on_raises_a_red_flag(
    backend: str, status: str, kind: str, known_issue: bool, action_in_place: bool
) -> None:
    result = assessed(
        backend, outcomes=[outcome("o-1", status, known_issue=known_issue, action_in_place=action_in_place)]
    )
    assert flags_of(result) == [(kind, "red", "o-1")]
    assert notes_of(result) == []
    assert scored(result) == (2, "adequate")


def test_an_exceeded_outcome_raises_a_green_flag(backend: str) -> None:
    result = assessed(backend, outcomes=[outcome("o-1", "exceeded")])
    (flag,) = result.flags
    assert (flag.kind, flag.colour, flag.subject, flag.rule) == ("exceptional_success", "green", "o-1", "flag_exceeded")


def test_an_innovation_that_succeeded_and_shared_its_learning_raises_a_green_flag(backend: str) -> None:
    result = assessed(backend, innovations=[innovation("i-1", "succeeded", learning_shared=True)])
    assert verdict(result, "i-1") == "innovation_shared"
    assert flags_of(result) == [("innovative_success", "green", "i-1")]
    assert scored(result) == (4, "performing strongly")


def test_an_innovation_that_succeeded_without_sharing_its_learning_raises_no_flag(backend: str) -> None:
    result = assessed(backend, innovations=[innovation("i-1", "succeeded", learning_shared=False)])
    assert verdict(result, "i-1") == "on_course"
    assert flags_of(result) == []
    assert scored(result) == (3, "performing well")


def test_an_innovation_in_progress_raises_no_flag(backend: str) -> None:
    result = assessed(backend, innovations=[innovation("i-1", "in_progress")])
    assert flags_of(result) == []
    assert scored(result) == (3, "performing well")


# --- a failed innovation takes the honourable-failure test alone ----------------------------------------


def test_a_failed_innovation_that_passes_the_test_is_an_honourable_failure(backend: str) -> None:
    result = assessed(backend, innovations=[innovation("i-1", "failed", risk="r-1")], risks=[risk("r-1")])
    assert flags_of(result) == [("honourable_failure", None, "i-1")]
    assert scored(result) == (3, "performing well")


def test_a_failed_innovation_that_misses_the_test_is_an_unmanaged_failure_with_no_known_and_in_hand_escape(
    backend: str,
) -> None:
    result = assessed(
        backend, innovations=[innovation("i-1", "failed", risk="r-1")], risks=[risk("r-1", exposure="open")]
    )
    assert verdict(result, "i-1") == "unmanaged_failure"
    assert flags_of(result) == [("unmanaged_failure", "red", "i-1")]
    assert notes_of(result) == []


@pytest.mark.parametrize("field", ["known_issue", "action_in_place"])
def test_an_innovation_cannot_claim_to_be_known_and_in_hand(backend: str, field: str) -> None:
    # The evidence model has no such fields for an innovation, so "known and in hand" can never apply to one.
    evidence = bundle(innovations=[innovation("i-1", "failed", **{field: True})])
    with pytest.raises(EvidenceError, match=field):
        assess(evidence, backend=backend)


# --- the honourable-failure test ------------------------------------------------------------------------


def test_a_failure_meeting_all_six_criteria_is_an_honourable_failure_with_no_red_flag(backend: str) -> None:
    result = assessed(backend, **failed())
    assert criteria(result, "o-fail") == dict.fromkeys(CRITERIA, True)
    assert verdict(result, "o-fail") == "honourable_failure"
    (flag,) = result.flags
    assert (flag.kind, flag.colour, flag.rule) == ("honourable_failure", None, "flag_honourable_failure")
    assert scored(result) == (3, "performing well")


def test_the_honourable_failure_test_comes_before_known_and_in_hand(backend: str) -> None:
    result = assessed(backend, **failed(known_issue=True, action_in_place=True))
    assert verdict(result, "o-fail") == "honourable_failure"
    assert flags_of(result) == [("honourable_failure", None, "o-fail")]
    assert notes_of(result) == []


MISSED_ALONE = {
    "recorded_in_advance": {"recorded_on": "2008-06-01"},
    "mitigated": {"mitigations": []},
    "proportionate": {"exposure": "open"},
    "lessons_learned": {"lessons_shared": False},
}


@pytest.mark.parametrize(("criterion", "risk_fields"), list(MISSED_ALONE.items()), ids=list(MISSED_ALONE))
def test_missing_any_one_of_criteria_1_to_4_makes_an_unmanaged_failure_and_a_red_flag(
    backend: str, criterion: str, risk_fields: dict[str, Any]
) -> None:
    result = assessed(backend, **failed(risk_fields))
    assert criteria(result, "o-fail") == {name: name != criterion for name in CRITERIA}
    assert verdict(result, "o-fail") == "unmanaged_failure"
    assert flags_of(result) == [("unmanaged_failure", "red", "o-fail")]
    assert scored(result) == (2, "adequate")


@pytest.mark.parametrize(
    ("criterion", "risk_fields"),
    [
        ("mitigated", {"contingency": None}),  # mitigations but no contingency
        ("lessons_learned", {"lessons_captured": False}),  # shared but never captured
    ],
    ids=["no-contingency", "lessons-not-captured"],
)
def test_each_half_of_a_two_part_criterion_is_needed(backend: str, criterion: str, risk_fields: dict[str, Any]) -> None:
    result = assessed(backend, **failed(risk_fields))
    assert criteria(result, "o-fail") == {name: name != criterion for name in CRITERIA}
    assert flags_of(result) == [("unmanaged_failure", "red", "o-fail")]


def test_risk_appetite_not_approved_is_honourable_when_monitoring_was_acted_on(backend: str) -> None:
    result = assessed(backend, **failed({"appetite_approved_by": None}))
    assert criteria(result, "o-fail") == {name: name != "appetite_approved" for name in CRITERIA}
    assert flags_of(result) == [("honourable_failure", None, "o-fail")]


@pytest.mark.parametrize(
    "risk_fields",
    [{"early_warning_indicators": []}, {"monitoring_acted_on": False}],
    ids=["no-indicators", "not-acted"],
)
def test_monitoring_missed_is_honourable_when_the_risk_appetite_was_approved(
    backend: str, risk_fields: dict[str, Any]
) -> None:
    result = assessed(backend, **failed({"appetite_approved_by": "board", **risk_fields}))
    assert criteria(result, "o-fail") == {name: name != "monitored" for name in CRITERIA}
    assert flags_of(result) == [("honourable_failure", None, "o-fail")]


def test_missing_both_appetite_and_monitoring_makes_an_unmanaged_failure(backend: str) -> None:
    result = assessed(backend, **failed({"appetite_approved_by": None, "monitoring_acted_on": False}))
    assert criteria(result, "o-fail") == {name: name not in ("appetite_approved", "monitored") for name in CRITERIA}
    assert flags_of(result) == [("unmanaged_failure", "red", "o-fail")]


def test_a_risk_recorded_on_the_start_date_itself_was_not_recorded_in_advance(backend: str) -> None:
    result = assessed(backend, **failed({"recorded_on": STARTED_ON}))
    assert criteria(result, "o-fail")["recorded_in_advance"] is False
    assert flags_of(result) == [("unmanaged_failure", "red", "o-fail")]


def test_a_risk_recorded_the_day_before_the_start_was_recorded_in_advance(backend: str) -> None:
    result = assessed(backend, **failed({"recorded_on": "2008-03-31"}))
    assert criteria(result, "o-fail")["recorded_in_advance"] is True
    assert flags_of(result) == [("honourable_failure", None, "o-fail")]


def test_a_failure_with_no_start_date_misses_criterion_1(backend: str) -> None:
    evidence = failed()
    del evidence["outcomes"][0]["started_on"]
    result = assessed(backend, **evidence)
    assert criteria(result, "o-fail") == {name: name != "recorded_in_advance" for name in CRITERIA}
    assert flags_of(result) == [("unmanaged_failure", "red", "o-fail")]


def test_a_failure_with_no_risk_register_entry_misses_every_criterion(backend: str) -> None:
    result = assessed(backend, outcomes=[outcome("o-1", "failed")], risks=[risk("r-other")])
    assert criteria(result, "o-1") == dict.fromkeys(CRITERIA, False)
    assert verdict(result, "o-1") == "unmanaged_failure"
    assert flags_of(result) == [("unmanaged_failure", "red", "o-1")]


@pytest.mark.parametrize(
    ("outcome_fields", "bar"),
    [
        ({"vulnerable": True}, "vulnerable_harmed"),
        ({"fraud_found": True}, "fraud_or_negligence"),
        ({"negligence_found": True}, "fraud_or_negligence"),
    ],
    ids=["vulnerable", "fraud", "negligence"],
)
def test_a_failure_is_never_honourable_where_vulnerable_people_were_harmed_or_fraud_or_negligence_found(
    backend: str, outcome_fields: dict[str, Any], bar: str
) -> None:
    result = assessed(backend, **failed(**outcome_fields))
    assert criteria(result, "o-fail") == dict.fromkeys(CRITERIA, True)
    assert finding(result, "outcome", "o-fail", f"honourable_test.{bar}").value is True
    assert verdict(result, "o-fail") == "unmanaged_failure"
    assert flags_of(result) == [("unmanaged_failure", "red", "o-fail")]


def test_a_failure_never_honourable_still_takes_the_known_and_in_hand_step_next(backend: str) -> None:
    # The brief's order: honourable-failure test, then known and in hand, then unmanaged failure.
    result = assessed(backend, **failed(fraud_found=True, known_issue=True, action_in_place=True))
    assert verdict(result, "o-fail") == "known_and_in_hand"
    assert flags_of(result) == []
    assert notes_of(result) == [("known_and_in_hand", "o-fail")]


@pytest.mark.parametrize("outcome_fields", [{"fraud_found": True}, {"negligence_found": True}], ids=["fraud", "neg"])
def test_a_failed_innovation_is_never_honourable_with_fraud_or_negligence(
    backend: str, outcome_fields: dict[str, Any]
) -> None:
    result = assessed(
        backend, innovations=[innovation("i-1", "failed", risk="r-1", **outcome_fields)], risks=[risk("r-1")]
    )
    assert flags_of(result) == [("unmanaged_failure", "red", "i-1")]


def test_the_result_names_every_criterion_with_the_evidence_it_read(backend: str) -> None:
    result = assessed(backend, **failed({"exposure": "open"}))
    settled = result.findings["outcome"]["o-fail"]
    assert {name: settled[f"honourable_test.{name}"].value for name in CRITERIA} == {
        "recorded_in_advance": True,
        "mitigated": True,
        "proportionate": False,
        "lessons_learned": True,
        "appetite_approved": True,
        "monitored": True,
    }
    for name in CRITERIA:
        found = settled[f"honourable_test.{name}"]
        assert found.by == f"hf_{name}"
        assert found.source.startswith("rules/risk_assessment.yaml:")
        assert any("(<evidence>:risk_assessment.risk_register[0]." in line for line in found.evidence), found.evidence
    assert settled["honourable_test.recorded_in_advance"].evidence == [
        "outcome.status = failed (<evidence>:risk_assessment.outcomes[0].status)",
        "risk.recorded_on = 2008-01-15 (<evidence>:risk_assessment.risk_register[0].recorded_on)",
        "outcome.started_on = 2008-04-01 (<evidence>:risk_assessment.outcomes[0].started_on)",
    ]
    assert settled["honourable_test.proportionate"].evidence == [
        "outcome.status = failed (<evidence>:risk_assessment.outcomes[0].status)",
        "risk.exposure = open (<evidence>:risk_assessment.risk_register[0].exposure)",
    ]


def test_the_red_flag_reason_says_which_criteria_were_missed(backend: str) -> None:
    result = assessed(backend, **failed({"exposure": "open"}))
    (flag,) = result.flags
    assert "proportionate no" in flag.reason
    assert "recorded in advance yes" in flag.reason


def test_an_outcome_that_did_not_fail_takes_no_honourable_failure_test(backend: str) -> None:
    result = assessed(backend, outcomes=[outcome("o-1", "at_risk", risk="r-1")], risks=[risk("r-1")])
    assert not any(name.startswith("honourable_test.") for name in result.findings["outcome"]["o-1"])


# --- the policy lives in YAML ---------------------------------------------------------------------------


def test_raising_adequate_max_red_flags_in_yaml_lets_two_red_flags_score_2(backend: str, tmp_path: Path) -> None:
    sections = {"outcomes": [outcome("o-1", "at_risk"), outcome("o-2", "at_risk")]}
    assert scored(assessed(backend, **sections)) == (1, "inadequate")
    rules = copy_rules(tmp_path)
    edit(
        rules / "risk_assessment.yaml",
        "  adequate_max_red_flags:\n    value: 1\n",
        "  adequate_max_red_flags:\n    value: 2\n",
    )
    assert scored(assessed(backend, rules, **sections)) == (2, "adequate")


def test_raising_min_mitigations_in_yaml_turns_an_honourable_failure_unmanaged(backend: str, tmp_path: Path) -> None:
    rules = copy_rules(tmp_path)
    edit(rules / "risk_assessment.yaml", "  min_mitigations:\n    value: 1\n", "  min_mitigations:\n    value: 2\n")
    result = assessed(backend, rules, **failed())
    assert criteria(result, "o-fail")["mitigated"] is False
    assert flags_of(result) == [("unmanaged_failure", "red", "o-fail")]
