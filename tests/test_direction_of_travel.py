"""The shipped direction-of-travel rules say what the policy brief (element 2) says.

Each council is judged on two shares: of its own indicators with a previous
value, how many improved (the indicator set's trends), and of its
improvement-plan milestones, how many were delivered.  Every band is tested at
its thresholds and just below them; only councils are judged, and each on its
own indicators.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from element_bundles import COUNTY, body, body_judged, bundle, copy_rules, edit, finding, indicator, milestones

from caa_engine import EvidenceError, Result, assess

DOT_LABELS = {4: "improving strongly", 3: "improving well", 2: "improving adequately", 1: "not improving adequately"}
DISTRICT = "north-testshire-dc"


def trends(improved: int, with_previous: int, owner: str = COUNTY, first: int = 1) -> list[dict[str, Any]]:
    """``with_previous`` indicators of ``owner`` with a previous value, the first ``improved`` of them improved."""
    return [
        indicator(f"LPI {first + number}", 110 if number < improved else 90, owner=owner, previous=100)
        for number in range(with_previous)
    ]


def council(improved: int, with_previous: int, delivered: int, planned: int) -> dict[str, Any]:
    return bundle(indicators=trends(improved, with_previous), milestones=milestones(delivered, planned))


def progress(result: Result, owner: str = COUNTY) -> dict[str, Any]:
    return {name: finding(result, "body", owner, f"progress.{name}").value for name in ("improved", "delivered")}


def dot_bodies(result: Result) -> dict[str, Any]:
    return result.elements["direction_of_travel"].bodies or {}


@pytest.mark.parametrize(
    ("improved", "delivered", "expected"),
    [
        pytest.param((13, 20), (4, 5), 4, id="65-80->4"),
        pytest.param((64, 100), (4, 5), 3, id="64-80->3"),
        pytest.param((13, 20), (79, 100), 3, id="65-79->3"),
        pytest.param((1, 2), (3, 5), 3, id="50-60->3"),
        pytest.param((49, 100), (3, 5), 2, id="49-60->2"),
        pytest.param((1, 2), (59, 100), 2, id="50-59->2"),
        pytest.param((7, 20), (0, 0), 2, id="35-none->2"),
        pytest.param((0, 0), (1, 2), 2, id="none-50->2"),
        pytest.param((7, 20), (0, 1), 2, id="35-0->2"),
        pytest.param((34, 100), (49, 100), 1, id="34-49->1"),
        pytest.param((0, 3), (0, 4), 1, id="0-0->1"),
    ],
)
def test_the_direction_of_travel_follows_the_brief_bands_at_each_threshold(
    backend: str, improved: tuple[int, int], delivered: tuple[int, int], expected: int
) -> None:
    result = assess(council(*improved, *delivered), backend=backend)
    assert body_judged(result, "direction_of_travel") == (expected, DOT_LABELS[expected])


def test_the_shares_are_recorded_as_findings_about_the_council(backend: str) -> None:
    result = assess(council(13, 20, 4, 5), backend=backend)
    assert progress(result) == {"improved": 0.65, "delivered": 0.8}


def test_a_council_with_no_indicators_and_no_milestones_is_not_judged_and_a_note_says_why(backend: str) -> None:
    # A choice the brief leaves open: 'a share with nothing to count is 0' is about one share; with neither
    # indicators nor milestones there is no evidence at all, and scoring it 1 would judge the bundle, not the
    # council. With only one of the two, the other share is 0 (the next test).
    result = assess(bundle(indicators=[], milestones=[]), backend=backend)
    assert COUNTY not in dot_bodies(result)
    assert "body" not in result.findings
    [note] = [n for n in result.notes if n.rule == "dot_not_judged"]
    assert (note.kind, note.subject) == ("direction_of_travel_not_judged", COUNTY)
    assert "neither indicators nor improvement-plan milestones" in note.text


def test_a_council_with_milestones_but_no_indicators_has_an_improved_share_of_0(backend: str) -> None:
    result = assess(bundle(indicators=[], milestones=milestones(4, 5)), backend=backend)
    assert progress(result) == {"improved": 0, "delivered": 0.8}
    assert body_judged(result, "direction_of_travel") == (2, "improving adequately")


def test_an_indicator_with_no_previous_value_is_not_counted_in_the_share_improved(backend: str) -> None:
    # One improved of one with a previous value: 100%, not 50% (the other has no trend at all).
    entries = [*trends(1, 1), indicator("LPI 9", 50, target=40)]
    result = assess(bundle(indicators=entries, milestones=milestones(4, 5)), backend=backend)
    assert progress(result) == {"improved": 1, "delivered": 0.8}
    assert body_judged(result, "direction_of_travel") == (4, "improving strongly")


def test_a_stable_indicator_counts_as_not_improved(backend: str) -> None:
    entries = [indicator("LPI 1", 110, previous=100), indicator("LPI 2", 100.5, previous=100)]
    result = assess(bundle(indicators=entries, milestones=milestones(5, 5)), backend=backend)
    assert progress(result)["improved"] == 0.5
    assert body_judged(result, "direction_of_travel") == (3, "improving well")


@pytest.mark.parametrize("kind", ["county", "district", "unitary", "metropolitan", "london_borough"])
def test_every_kind_of_council_gets_a_direction_of_travel(backend: str, kind: str) -> None:
    evidence = bundle(body(COUNTY, kind, lead=True), indicators=trends(1, 1), milestones=milestones(1, 1))
    assert body_judged(assess(evidence, backend=backend), "direction_of_travel") == (4, "improving strongly")


def test_police_fire_and_primary_care_trusts_get_no_direction_of_travel(backend: str) -> None:
    others = {"testshire-police": "police", "testshire-fire": "fire_and_rescue", "testshire-pct": "primary_care_trust"}
    evidence = bundle(
        body(COUNTY, "unitary", lead=True),
        *(body(owner, kind) for owner, kind in others.items()),
        indicators=[
            *trends(1, 2),
            *(entry for n, owner in enumerate(others) for entry in trends(1, 1, owner=owner, first=10 + n)),
        ],
        milestones=milestones(3, 5),
    )
    result = assess(evidence, backend=backend)
    assert list(dot_bodies(result)) == [COUNTY]
    assert all(event.body not in others for event in result.audit if event.element == "direction_of_travel")


def test_which_kinds_of_body_are_councils_is_a_rule_table_a_person_can_tune(backend: str, tmp_path: Path) -> None:
    # rules/bodies.yaml, not Python, says a fire and rescue service is not a council; marking it one gives it
    # a direction of travel of its own, judged like any council's.
    rules = copy_rules(tmp_path)
    edit(rules / "bodies.yaml", "fire_and_rescue: {council: false}", "fire_and_rescue: {council: true}")
    fire = "testshire-fire"
    evidence = bundle(
        body(COUNTY, "unitary", lead=True),
        body(fire, "fire_and_rescue"),
        indicators=[*trends(1, 2), *trends(1, 1, owner=fire, first=10)],
        milestones=[*milestones(3, 5), *milestones(1, 1, owner=fire)],
    )
    assert list(dot_bodies(assess(evidence, backend=backend))) == [COUNTY]
    tuned = assess(evidence, rules=rules, backend=backend)
    assert list(dot_bodies(tuned)) == [COUNTY, fire]
    assert tuned.elements["direction_of_travel"].bodies[fire].label == "improving strongly"
    assert (
        finding(tuned, "body", fire, "progress.improved").evidence[0] == f"body.council = yes ({rules}/bodies.yaml:28)"
    )


def test_a_lead_body_that_the_rules_do_not_count_as_a_council_is_refused_at_its_line(tmp_path: Path) -> None:
    evidence = bundle(body(COUNTY, "police", lead=True), kloes={COUNTY: {"1.1": 3}})
    with pytest.raises(EvidenceError) as caught:
        assess(evidence)
    assert str(caught.value) == (
        "1 evidence error occurred:\n"
        "<evidence>:bodies[0].lead: lead-not-council: only a council can be the lead body, and kind 'police' is not a council\n"
        "    hint: mark a council as lead (which kinds are councils: rules/bodies.yaml:18)"
    )
    rules = copy_rules(tmp_path)
    edit(rules / "bodies.yaml", "police: {council: false}", "police: {council: true}")
    assert assess(evidence, rules=rules).elements["use_of_resources"].bodies


def test_each_council_in_a_two_tier_area_counts_only_its_own_indicators_and_milestones(backend: str) -> None:
    evidence = bundle(
        body(COUNTY, "county", lead=True),
        body(DISTRICT, "district"),
        indicators=[*trends(1, 3), *trends(2, 2, owner=DISTRICT, first=10)],
        milestones=[*milestones(1, 4), *milestones(3, 3, owner=DISTRICT)],
    )
    result = assess(evidence, backend=backend)
    # Pooled, the county would have 3 of 5 improved (60%) and 4 of 7 delivered (57%): improving adequately either way,
    # but the district would lose its strong judgement.
    assert progress(result) == {"improved": 0.333333, "delivered": 0.25}
    assert progress(result, DISTRICT) == {"improved": 1, "delivered": 1}
    assert {owner: (j.score, j.label) for owner, j in dot_bodies(result).items()} == {
        COUNTY: (1, "not improving adequately"),
        DISTRICT: (4, "improving strongly"),
    }


def test_a_district_s_direction_of_travel_does_not_move_when_the_county_s_evidence_does(backend: str) -> None:
    def district(county_improved: int) -> Any:
        evidence = bundle(
            body(COUNTY, "county", lead=True),
            body(DISTRICT, "district"),
            indicators=[*trends(county_improved, 4), *trends(1, 2, owner=DISTRICT, first=10)],
            milestones=[*milestones(county_improved, 4), *milestones(2, 3, owner=DISTRICT)],
        )
        return dot_bodies(assess(evidence, backend=backend))[DISTRICT]

    assert district(0) == district(4)
    assert (district(0).score, district(0).label) == (3, "improving well")


# --- the policy lives in YAML ---------------------------------------------------------------------------


def test_lowering_well_improved_share_in_yaml_turns_45_percent_improved_into_improving_well(
    backend: str, tmp_path: Path
) -> None:
    evidence = council(9, 20, 5, 5)
    assert body_judged(assess(evidence, backend=backend), "direction_of_travel") == (2, "improving adequately")
    rules = copy_rules(tmp_path)
    edit(
        rules / "direction_of_travel.yaml",
        "  well_improved_share:\n    value: 50%\n",
        "  well_improved_share:\n    value: 45%\n",
    )
    result = assess(evidence, rules=rules, backend=backend)
    assert body_judged(result, "direction_of_travel") == (3, "improving well")
