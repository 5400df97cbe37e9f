"""The shipped overall rules say what the policy brief ("Overall area view") says.

The four element scores (the area's indicator set and risk assessment, and the
lead council's direction of travel and use of resources) combine by the
CPA-shaped table; a red flag on a vulnerable-people or safeguarding outcome
caps the overall score at 2, and the trail shows it; each self-assessment is
accurate, optimistic or pessimistic against the judgement it names.  The
helper :func:`area_with` builds a two-tier area whose element scores are
exactly the ones asked for, so each test reads as a row of the table.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from element_bundles import (
    COUNTY,
    LABELS,
    area_judged,
    body,
    body_judged,
    bundle,
    copy_rules,
    edit,
    finding,
    indicator,
    kloes_for,
    milestones,
    outcome,
    risk,
)

from caa_engine import Result, assess

POLICE = "testshire-police"
DISTRICT = "north-testshire-dc"
ELEMENTS = ("indicator_set", "direction_of_travel", "use_of_resources", "risk_assessment")
CAP = "overall_safeguarding_cap"

# Indicators of the police (not a council, so no direction of travel) set the indicator-set score:
# three that improved keep the area's share improved at 75% or more whatever the councils' trends,
# and the targets (and one bottom-quartile value) do the rest.
_NI_TARGETS: dict[int, list[dict[str, Any]]] = {
    4: [indicator("LPI 50", 100, owner=POLICE, target=100)],  # 100% met, improved, no bottom quartile
    3: [indicator("LPI 50", 100, owner=POLICE, target=100, quartiles=(200, 300, 400))],  # 100% in the bottom
    2: [indicator("LPI 50", 100, owner=POLICE, target=100), indicator("LPI 51", 50, owner=POLICE, target=100)],
    1: [indicator("LPI 50", 50, owner=POLICE, target=100)],
}
_POLICE_TRENDS = [indicator(f"LPI {n}", 110, owner=POLICE, previous=100) for n in (40, 41, 42)]


def _council_progress(owner: str, score: int, code: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """An indicator and milestones giving ``owner`` a direction of travel of ``score``."""
    trend = indicator(code, 110 if score >= 2 else 90, owner=owner, previous=100)  # improved: 100%, else 0%
    plan = {4: milestones(1, 1, owner), 3: milestones(2, 3, owner), 2: [], 1: []}[score]
    return [trend], plan


def _risk_outcomes(score: int, vulnerable: bool) -> list[dict[str, Any]]:
    """Outcomes giving a risk-assessment score of ``score``; its red flags are on vulnerable outcomes if asked."""
    if score == 4:
        return [outcome("o-exceeded", "exceeded", vulnerable=vulnerable)]
    if score == 3:
        return [outcome("o-on-track", "on_track", vulnerable=vulnerable)]
    at_risk = [outcome(f"o-at-risk-{n}", "at_risk", vulnerable=vulnerable) for n in (1, 2)]
    return at_risk[: 3 - score]  # one red flag scores 2, two score 1


def area_with(
    indicator_set: int,
    direction_of_travel: int,
    use_of_resources: int,
    risk_assessment: int,
    *,
    vulnerable: bool = False,
    district: tuple[int, int] | None = None,
    outcomes: list[dict[str, Any]] | None = None,
    risks: list[dict[str, Any]] | None = None,
    self_assessments: list[tuple[str, str, int]] | None = None,
) -> dict[str, Any]:
    """A county (the lead council) and the police, with exactly these element scores.

    ``district``: also a district council with this (direction of travel, use of resources).
    ``outcomes`` replace the ones that would give ``risk_assessment``.
    """
    bodies = [body(COUNTY, "county", lead=True), body(POLICE, "police")]
    indicators = [*_POLICE_TRENDS, *_NI_TARGETS[indicator_set]]
    county_indicators, plan = _council_progress(COUNTY, direction_of_travel, "LPI 1")
    indicators += county_indicators
    kloes = {COUNTY: kloes_for(use_of_resources)}
    if district is not None:
        bodies.append(body(DISTRICT, "district"))
        district_indicators, district_plan = _council_progress(DISTRICT, district[0], "LPI 2")
        indicators += district_indicators
        plan += district_plan
        kloes[DISTRICT] = kloes_for(district[1])
    return bundle(
        *bodies,
        indicators=indicators,
        milestones=plan,
        outcomes=outcomes if outcomes is not None else _risk_outcomes(risk_assessment, vulnerable),
        risks=risks,
        kloes=kloes,
        self_assessments=self_assessments,
    )


def element_scores(result: Result) -> tuple[int | None, ...]:
    return (
        result.elements["indicator_set"].score,
        body_judged(result, "direction_of_travel")[0],
        body_judged(result, "use_of_resources")[0],
        result.elements["risk_assessment"].score,
    )


def overall(result: Result) -> tuple[Any, ...]:
    return area_judged(result, "overall")


def cap_events(result: Result) -> list[Any]:
    return [event for event in result.audit if event.id == CAP]


@pytest.mark.parametrize(
    "scores",
    [(4, 4, 4, 4), (3, 3, 3, 3), (2, 2, 2, 2), (1, 1, 1, 1), (4, 3, 2, 1), (1, 2, 3, 4)],
    ids=lambda v: "/".join(map(str, v)),
)
def test_the_area_builder_gives_exactly_the_element_scores_asked_for(backend: str, scores: tuple[int, ...]) -> None:
    result = assess(area_with(*scores), backend=backend)
    assert element_scores(result) == scores


# --- the overall table, each band at its boundary -----------------------------------------------------


@pytest.mark.parametrize(
    ("scores", "expected"),
    [
        ((4, 4, 3, 3), 4),  # exactly two 4s, none below 3
        ((3, 4, 3, 4), 4),
        ((4, 4, 4, 4), 4),
        ((4, 4, 4, 2), 3),  # three 4s, but a 2 among them: not 4
        ((2, 4, 4, 4), 3),
        ((4, 3, 3, 3), 3),  # only one 4: not 4
        ((3, 3, 3, 2), 3),  # exactly three at 3 or above, none below 2
        ((3, 2, 3, 3), 3),
        ((4, 4, 4, 1), 2),  # a 1 among them: not 3
        ((3, 3, 3, 1), 2),
        ((1, 3, 3, 3), 2),
        ((3, 3, 2, 2), 2),  # only two at 3 or above: not 3
        ((2, 2, 2, 1), 2),  # exactly three at 2 or above
        ((4, 4, 1, 1), 1),  # only two at 2 or above
        ((2, 1, 2, 1), 1),
        ((1, 1, 1, 1), 1),
    ],
    ids=lambda v: "/".join(map(str, v)) if isinstance(v, tuple) else str(v),
)
def test_the_overall_score_follows_the_brief_table(backend: str, scores: tuple[int, ...], expected: int) -> None:
    result = assess(area_with(*scores), backend=backend)
    assert element_scores(result) == scores
    assert overall(result) == (expected, LABELS[expected])
    assert result.overall == {"element": "overall", "score": expected, "label": LABELS[expected]}


def test_a_district_s_better_scores_do_not_count_towards_the_overall_score(backend: str) -> None:
    # Counted, the district's two 4s would make three 4s and none below 3: overall 4.
    result = assess(area_with(4, 3, 3, 3, district=(4, 4)), backend=backend)
    assert body_judged(result, "direction_of_travel", DISTRICT) == (4, "improving strongly")
    assert body_judged(result, "use_of_resources", DISTRICT) == (4, "performing strongly")
    assert overall(result) == (3, "performing well")


def test_a_district_s_worse_scores_do_not_count_towards_the_overall_score(backend: str) -> None:
    # Counted, the district's 1s would break "none below 3" (and "none below 2"): overall 2.
    result = assess(area_with(4, 3, 3, 4, district=(1, 1)), backend=backend)
    assert body_judged(result, "direction_of_travel", DISTRICT) == (1, "not improving adequately")
    assert body_judged(result, "use_of_resources", DISTRICT) == (1, "inadequate")
    assert overall(result) == (4, "performing strongly")


def test_the_overall_judgement_reads_the_lead_council_s_judgements_only(backend: str) -> None:
    result = assess(area_with(4, 3, 3, 4, district=(1, 1)), backend=backend)
    (winner,) = [e for e in result.audit if e.id == "overall_performing_strongly"]
    counted = {fact for read in winner.inputs for fact in read.facts}
    assert counted == {
        "indicator_set/testshire",
        "risk_assessment/testshire",
        f"direction_of_travel/{COUNTY}",
        f"use_of_resources/{COUNTY}",
    }


# --- the safeguarding cap -------------------------------------------------------------------------------


def test_of_two_caps_that_both_apply_the_lower_holds_the_score_and_the_other_is_overridden(
    backend: str, tmp_path: Path
) -> None:
    # rules.md: the score is held to the lowest of every cap that fired. A second, lower cap listed after the
    # safeguarding cap must win however the caps are ordered.
    rules = copy_rules(tmp_path)
    lower = """
  - id: overall_test_lower_cap
    description: A second cap, lower than the safeguarding cap, that always applies.
    source: "test"
    per: area
    when: count(judgement) >= 1
    then:
      cap: 1
"""
    text = (rules / "overall.yaml").read_text(encoding="utf-8")
    (rules / "overall.yaml").write_text(
        text.replace("\n  - id: overall_elements_missing", lower + "\n  - id: overall_elements_missing"),
        encoding="utf-8",
    )
    result = assess(area_with(4, 4, 3, 2, vulnerable=True), rules=rules, backend=backend)
    assert result.overall == {
        "element": "overall",
        "score": 1,
        "label": "inadequate",
        "uncapped": 3,
        "capped_by": "overall_test_lower_cap",
    }
    (event,) = cap_events(result)
    assert (event.status, event.overridden_by) == ("overridden", "overall_test_lower_cap")


def test_a_red_flag_on_a_vulnerable_outcome_caps_an_uncapped_3_at_2(backend: str) -> None:
    result = assess(area_with(4, 4, 3, 2, vulnerable=True), backend=backend)
    assert overall(result) == (2, "adequate")
    assert result.overall == {
        "element": "overall",
        "score": 2,
        "label": "adequate",
        "uncapped": 3,
        "capped_by": CAP,
    }
    assert result.elements["overall"].rule == "overall_performing_well"
    (event,) = cap_events(result)
    assert (event.status, event.effect, event.subject) == ("applied", {"cap": 2, "label": "adequate"}, "testshire")
    assert [fact for read in event.inputs for fact in read.facts] == ["o-at-risk-1/flag/flag_not_tackled"]


def test_the_same_red_flag_on_an_outcome_not_about_vulnerable_people_does_not_cap(backend: str) -> None:
    result = assess(area_with(4, 4, 3, 2, vulnerable=False), backend=backend)
    assert result.overall == {"element": "overall", "score": 3, "label": "performing well"}
    assert all(event.status != "applied" for event in cap_events(result))


def test_a_vulnerable_failure_meeting_every_criterion_is_still_a_red_flag_and_caps(backend: str) -> None:
    failed = outcome("o-safeguarding", "failed", vulnerable=True, risk="r-1")
    result = assess(area_with(4, 4, 3, 0, outcomes=[failed], risks=[risk("r-1")]), backend=backend)
    assert [(f.kind, f.colour) for f in result.flags] == [("unmanaged_failure", "red")]
    assert result.overall == {
        "element": "overall",
        "score": 2,
        "label": "adequate",
        "uncapped": 3,
        "capped_by": CAP,
    }


def test_a_red_flag_on_a_vulnerable_outcome_caps_an_uncapped_4_at_2(backend: str, tmp_path: Path) -> None:
    # With the shipped floor, any red flag holds the risk assessment at 2 and so the uncapped score below 4;
    # lowering strong_floor to 2 lets 4/4/4/2 score 4 before the cap.
    rules = copy_rules(tmp_path)
    edit(rules / "overall.yaml", "  strong_floor:\n    value: 3\n", "  strong_floor:\n    value: 2\n")
    assert overall(assess(area_with(4, 4, 4, 2), rules=rules, backend=backend)) == (4, "performing strongly")
    result = assess(area_with(4, 4, 4, 2, vulnerable=True), rules=rules, backend=backend)
    assert result.overall == {
        "element": "overall",
        "score": 2,
        "label": "adequate",
        "uncapped": 4,
        "capped_by": CAP,
    }


def test_the_cap_never_raises_a_score_of_1(backend: str) -> None:
    result = assess(area_with(1, 1, 1, 2, vulnerable=True), backend=backend)
    assert [(f.kind, f.colour) for f in result.flags] == [("concern_not_tackled", "red")]
    assert result.overall == {"element": "overall", "score": 1, "label": "inadequate"}
    assert result.elements["overall"].capped_by is None


def test_the_cap_leaves_an_overall_2_at_2(backend: str) -> None:
    result = assess(area_with(3, 3, 3, 1, vulnerable=True), backend=backend)
    assert overall(result) == (2, "adequate")


@pytest.mark.parametrize("status", ["at_risk", "failed"])
def test_a_vulnerable_outcome_known_and_in_hand_raises_no_red_flag_and_so_no_cap(backend: str, status: str) -> None:
    # A vulnerable failure is never honourable, but the brief's next step, known and in hand, still applies.
    in_hand = outcome("o-safeguarding", status, vulnerable=True, known_issue=True, action_in_place=True)
    result = assess(area_with(4, 4, 3, 0, outcomes=[in_hand]), backend=backend)
    assert result.flags == []
    assert [(n.kind, n.subject) for n in result.notes] == [("known_and_in_hand", "o-safeguarding")]
    assert result.overall == {"element": "overall", "score": 4, "label": "performing strongly"}
    assert all(event.status != "applied" for event in cap_events(result))


def test_a_green_flag_on_a_vulnerable_outcome_does_not_cap(backend: str) -> None:
    result = assess(area_with(4, 4, 3, 4, vulnerable=True), backend=backend)
    assert result.overall == {"element": "overall", "score": 4, "label": "performing strongly"}


# --- self-awareness -------------------------------------------------------------------------------------


def self_awareness(result: Result, owner: str, element: str) -> tuple[Any, Any]:
    subject = f"{owner}/self_assessment/{element}"
    return (
        finding(result, "self_assessment", subject, "self_awareness").value,
        finding(result, "self_assessment", subject, "self_review.judged").value,
    )


@pytest.mark.parametrize(("own", "expected"), [(4, "optimistic"), (3, "accurate"), (2, "pessimistic")])
@pytest.mark.parametrize("element", ["direction_of_travel", "use_of_resources"])
def test_a_district_s_self_assessment_of_a_per_body_element_is_against_its_own_judgement(
    backend: str, element: str, own: int, expected: str
) -> None:
    # The district is judged 3, the county 1: read against the county, every label would differ.
    evidence = area_with(2, 1, 1, 3, district=(3, 3), self_assessments=[(DISTRICT, element, own)])
    result = assess(evidence, backend=backend)
    assert body_judged(result, element, DISTRICT)[0] == 3
    assert self_awareness(result, DISTRICT, element) == (expected, 3)


@pytest.mark.parametrize(("own", "expected"), [(4, "optimistic"), (3, "accurate"), (2, "pessimistic")])
@pytest.mark.parametrize("element", ["indicator_set", "risk_assessment"])
def test_a_self_assessment_of_an_area_element_is_against_the_area_s_judgement(
    backend: str, element: str, own: int, expected: str
) -> None:
    evidence = area_with(3, 1, 1, 3, district=(4, 4), self_assessments=[(DISTRICT, element, own)])
    result = assess(evidence, backend=backend)
    assert result.elements[element].score == 3
    assert self_awareness(result, DISTRICT, element) == (expected, 3)


def test_each_body_s_self_assessment_is_judged_on_its_own(backend: str) -> None:
    evidence = area_with(
        2,
        4,
        2,
        3,
        district=(2, 1),
        self_assessments=[
            (COUNTY, "direction_of_travel", 4),
            (DISTRICT, "direction_of_travel", 4),
            (COUNTY, "use_of_resources", 1),
            (COUNTY, "indicator_set", 2),
        ],
    )
    result = assess(evidence, backend=backend)
    assert {
        subject: settled["self_awareness"].value for subject, settled in result.findings["self_assessment"].items()
    } == {
        f"{COUNTY}/self_assessment/direction_of_travel": "accurate",
        f"{COUNTY}/self_assessment/indicator_set": "accurate",
        f"{COUNTY}/self_assessment/use_of_resources": "pessimistic",
        f"{DISTRICT}/self_assessment/direction_of_travel": "optimistic",
    }


def test_a_self_assessment_of_an_element_the_body_is_not_judged_on_gets_no_label(backend: str) -> None:
    # The police get no direction of travel, so there is nothing to compare their own score with.
    result = assess(area_with(3, 3, 3, 3, self_assessments=[(POLICE, "direction_of_travel", 3)]), backend=backend)
    settled = result.findings["self_assessment"][f"{POLICE}/self_assessment/direction_of_travel"]
    assert "self_awareness" not in settled
    assert settled["self_review.judged"].value is None


# --- the policy lives in YAML ---------------------------------------------------------------------------


def test_raising_cap_after_red_flags_in_yaml_lets_one_vulnerable_red_flag_through(backend: str, tmp_path: Path) -> None:
    evidence = area_with(4, 4, 3, 2, vulnerable=True)
    assert overall(assess(evidence, backend=backend)) == (2, "adequate")
    rules = copy_rules(tmp_path)
    edit(rules / "overall.yaml", "  cap_after_red_flags:\n    value: 1\n", "  cap_after_red_flags:\n    value: 2\n")
    result = assess(evidence, rules=rules, backend=backend)
    assert result.overall == {"element": "overall", "score": 3, "label": "performing well"}


def test_raising_well_min_elements_in_yaml_drops_three_elements_at_3_to_adequate(backend: str, tmp_path: Path) -> None:
    evidence = area_with(3, 3, 3, 2)
    assert overall(assess(evidence, backend=backend)) == (3, "performing well")
    rules = copy_rules(tmp_path)
    edit(rules / "overall.yaml", "  well_min_elements:\n    value: 3\n", "  well_min_elements:\n    value: 4\n")
    assert overall(assess(evidence, rules=rules, backend=backend)) == (2, "adequate")


def test_the_safeguarding_cap_is_a_parameter_a_tuner_can_lower(tmp_path: Path, backend: str) -> None:
    rules = copy_rules(tmp_path)
    edit(rules / "overall.yaml", "  safeguarding_cap:\n    value: 2", "  safeguarding_cap:\n    value: 1")
    shipped = assess("fixtures/eastwold.yaml", backend=backend).overall
    tuned = assess("fixtures/eastwold.yaml", rules=rules, backend=backend).overall
    assert shipped is not None and tuned is not None
    assert (shipped["score"], shipped["uncapped"]) == (2, 3)
    assert (tuned["score"], tuned["label"], tuned["capped_by"]) == (1, "inadequate", "overall_safeguarding_cap")
