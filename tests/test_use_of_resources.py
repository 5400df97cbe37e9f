"""The shipped use-of-resources rules say what the policy brief (element 3) says.

Every test goes through the public API with a small evidence dict, on both
backends: KLOE scores -> theme scores (lower median, capped at lowest + 1) ->
overall score from the theme table; reassess_next_year on a KLOE scored 1;
unassessed KLOEs absent, not zero; every body judged on its own.  The last
tests show that the policy lives in YAML: editing a number in a copy of
``rules/`` (and switching to the CPA-era five-theme rule) changes the result
with no Python change.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from element_bundles import copy_rules, edit

from caa_engine import NoteResult, Result, assess

ROOT = Path(__file__).resolve().parent.parent
CPA_RULES = ROOT / "tests" / "data" / "rules_cpa_five_themes"
LABELS = {4: "performing strongly", 3: "performing well", 2: "adequate", 1: "inadequate"}

# One KLOE of each theme stands for the theme when a test is about the overall table.
THEME_KLOE = {"managing_finances": "1.1", "governing_the_business": "2.1", "managing_resources": "3.1"}
CPA_THEME_KLOE = {
    "financial_reporting": "1.1",
    "financial_management": "2.1",
    "financial_standing": "3.1",
    "internal_control": "4.1",
    "value_for_money": "5.1",
}


def uor_notes(result: Result) -> list[NoteResult]:
    """The use-of-resources notes (other elements note, say, that a bundle has no indicators to judge)."""
    return [note for note in result.notes if note.rule.startswith("uor_")]


def area(*bodies: tuple[str, str, dict[str, int] | None]) -> dict[str, Any]:
    """An evidence dict: (body id, kind, KLOE scores or None for no assessment) per body."""
    return {
        "area": {"id": "testshire", "name": "Testshire", "tier": "two" if len(bodies) > 1 else "single"},
        "bodies": [
            {"id": body, "name": body.replace("-", " ").title(), "kind": kind, "lead": index == 0}
            for index, (body, kind, _) in enumerate(bodies)
        ],
        "use_of_resources": {
            "assessments": [
                {"body": body, "period": "2008/09", "kloes": kloes} for body, _, kloes in bodies if kloes is not None
            ]
        },
    }


def council(kloes: dict[str, int]) -> dict[str, Any]:
    return area(("testshire-cc", "unitary", kloes))


def with_themes(*scores: int | None, kloe_of: dict[str, str] = THEME_KLOE) -> dict[str, int]:
    """KLOE scores giving exactly these theme scores (None: the theme is not assessed)."""
    return {code: score for code, score in zip(kloe_of.values(), scores, strict=True) if score is not None}


def judged(result: Result, body: str = "testshire-cc") -> tuple[int, str]:
    judgement = uor_bodies(result)[body]
    return judgement.score, judgement.label


def uor_bodies(result: Result) -> dict[str, Any]:
    return result.elements["use_of_resources"].bodies or {}


def themes_of(result: Result, body: str = "testshire-cc") -> dict[str, int]:
    return {row["theme"]: row["score"] for row in uor_bodies(result)[body].measures["theme_score"]}


def theme_event(result: Result, body: str, theme: str) -> dict[str, Any]:
    (event,) = [e for e in result.audit if e.kind == "measure" and e.subject == f"{body}/theme/{theme}"]
    return {i.name: i.value for i in event.inputs if "(" in i.name} | {"score": event.effect["score"]}


# --- KLOE -> theme: lower median, never more than one above the lowest KLOE ---------------------------


@pytest.mark.parametrize(
    ("kloes", "theme", "expected"),
    [
        ({"1.1": 2, "1.2": 3}, "managing_finances", 2),  # even count: the lower of the middle two
        ({"1.1": 4, "1.3": 3}, "managing_finances", 3),
        ({"2.1": 2, "2.2": 2, "2.3": 3, "2.4": 3}, "governing_the_business", 2),
        ({"2.1": 4, "2.2": 3, "2.3": 3, "2.4": 2}, "governing_the_business", 3),
        ({"1.1": 2, "1.2": 3, "1.3": 4}, "managing_finances", 3),  # odd count: the middle one
        ({"3.1": 4, "3.2": 4, "3.3": 3}, "managing_resources", 4),
        ({"3.2": 2}, "managing_resources", 2),  # a single KLOE is its own median
    ],
    ids=["2,3->2", "4,3->3", "2,2,3,3->2", "4,3,3,2->3", "2,3,4->3", "4,4,3->4", "2->2"],
)
def test_a_theme_scores_the_lower_median_of_its_assessed_kloes(
    backend: str, kloes: dict[str, int], theme: str, expected: int
) -> None:
    result = assess(council(kloes), backend=backend)
    assert themes_of(result)[theme] == expected


def test_the_lower_median_of_1_3_4_is_3_but_the_theme_is_capped_at_2(backend: str) -> None:
    result = assess(council({"1.1": 1, "1.2": 3, "1.3": 4}), backend=backend)
    assert theme_event(result, "testshire-cc", "managing_finances") == {
        "lower_median(kloe.score)": 3,
        "min(kloe.score)": 1,
        "score": 2,
    }


@pytest.mark.parametrize(
    ("kloes", "expected"),
    [
        ({"1.1": 1, "1.2": 4, "1.3": 4}, 2),  # median 4, lowest 1: capped at 2
        ({"1.1": 2, "1.2": 4, "1.3": 4}, 3),  # median 4, lowest 2: capped at 3
        ({"1.1": 3, "1.2": 4, "1.3": 4}, 4),  # median 4, lowest 3: the cap does not bite
    ],
    ids=["1,4,4->2", "2,4,4->3", "3,4,4->4"],
)
def test_a_strong_kloe_never_lifts_a_theme_more_than_one_above_its_weakest(
    backend: str, kloes: dict[str, int], expected: int
) -> None:
    result = assess(council(kloes), backend=backend)
    assert themes_of(result) == {"managing_finances": expected}


# --- themes -> overall: the three-theme table, each band at its boundary and just below ---------------


@pytest.mark.parametrize(
    ("themes", "expected"),
    [
        ((4, 4, 3), 4),  # exactly two at 4, none below 3
        ((4, 4, 4), 4),
        ((4, 4, 2), 3),  # two at 4 but one at 2: not 4
        ((4, 3, 3), 3),  # only one at 4: not 4
        ((3, 3, 2), 3),  # exactly two at 3 or above, none below 2
        ((3, 3, 1), 2),  # two at 3 but one below 2: not 3
        ((3, 2, 2), 2),  # only one at 3 or above: not 3
        ((4, 4, 1), 2),  # no compensation: two 4s do not lift a theme at 1
        ((2, 2, 1), 2),  # exactly two at 2 or above
        ((2, 1, 1), 1),  # only one at 2 or above
        ((4, 1, 1), 1),
        ((1, 1, 1), 1),
    ],
    ids=lambda v: "/".join(map(str, v)) if isinstance(v, tuple) else str(v),
)
def test_the_overall_score_follows_the_three_theme_table(
    backend: str, themes: tuple[int, int, int], expected: int
) -> None:
    result = assess(council(with_themes(*themes)), backend=backend)
    assert themes_of(result) == dict(zip(THEME_KLOE, themes, strict=True))
    assert judged(result) == (expected, LABELS[expected])


@pytest.mark.parametrize(
    ("themes", "expected"),
    [
        ((3, 3, None), 3),  # were the absent theme 0, "none below 2" would fail
        ((4, None, 4), 4),  # were it 0, "none below 3" would fail
        ((None, 2, 2), 2),
        ((4, None, None), 1),  # one theme present cannot be "two or more"
    ],
    ids=["3/3/-", "4/-/4", "-/2/2", "4/-/-"],
)
def test_the_overall_table_counts_only_the_themes_present(
    backend: str, themes: tuple[int | None, ...], expected: int
) -> None:
    result = assess(council(with_themes(*themes)), backend=backend)
    assert len(themes_of(result)) == sum(score is not None for score in themes)
    assert judged(result)[0] == expected


def test_an_unassessed_kloe_is_absent_not_zero(backend: str) -> None:
    # 1.2 and 1.3 unassessed: were they zeros, the lower median of [0, 0, 4] would be 0.
    result = assess(council({"1.1": 4, "2.1": 4}), backend=backend)
    assert themes_of(result) == {"managing_finances": 4, "governing_the_business": 4}
    assert judged(result) == (4, "performing strongly")
    (event,) = [e for e in result.audit if e.subject == "testshire-cc/theme/managing_finances"]
    assert [i.fact for i in event.inputs if i.name == "kloe.score"] == ["testshire-cc/kloe/1.1"]


def test_a_body_with_no_assessment_gets_no_judgement(backend: str) -> None:
    result = assess(
        area(("testshire-cc", "county", with_themes(3, 3, 3)), ("testshire-pct", "primary_care_trust", None)),
        backend=backend,
    )
    assert list(uor_bodies(result)) == ["testshire-cc"]
    assert all(event.body != "testshire-pct" for event in result.audit)


# --- reassess_next_year ---------------------------------------------------------------------------------


def test_a_kloe_scored_1_raises_a_reassess_note_on_that_kloe_of_that_body(backend: str) -> None:
    result = assess(
        area(
            ("testshire-cc", "county", {"1.1": 3, "2.4": 1, "3.1": 3}),
            ("north-testshire-dc", "district", {"1.1": 1, "2.4": 2}),
        ),
        backend=backend,
    )
    assert [(n.kind, n.subject, n.body, n.rule, n.text) for n in uor_notes(result)] == [
        (
            "reassess_next_year",
            "north-testshire-dc/kloe/1.1",
            "north-testshire-dc",
            "uor_reassess_next_year",
            "KLOE 1.1 (Planning for financial health) scored 1: reassess next year",
        ),
        (
            "reassess_next_year",
            "testshire-cc/kloe/2.4",
            "testshire-cc",
            "uor_reassess_next_year",
            "KLOE 2.4 (Risk management and internal control) scored 1: reassess next year",
        ),
    ]
    bodies = uor_bodies(result)
    assert bodies["testshire-cc"].notes == [
        "KLOE 2.4 (Risk management and internal control) scored 1: reassess next year"
    ]
    assert bodies["north-testshire-dc"].notes == [
        "KLOE 1.1 (Planning for financial health) scored 1: reassess next year"
    ]


def test_no_kloe_scored_above_1_raises_a_reassess_note(backend: str) -> None:
    result = assess(
        council({code: 2 for code in ("1.1", "1.2", "1.3", "2.1", "2.2", "2.3", "2.4", "3.1", "3.2", "3.3")}),
        backend=backend,
    )
    assert uor_notes(result) == []
    assert judged(result) == (2, "adequate")


# --- per body -------------------------------------------------------------------------------------------


def test_every_body_in_a_two_tier_area_is_judged_on_its_own(backend: str) -> None:
    evidence = area(
        ("testshire-cc", "county", with_themes(4, 4, 4)),
        ("north-testshire-dc", "district", with_themes(1, 1, 1)),
        ("south-testshire-dc", "district", with_themes(3, 3, 2)),
        ("testshire-police", "police", with_themes(2, 2, 1)),
        ("testshire-fire", "fire_and_rescue", with_themes(4, 4, 3)),
    )
    result = assess(evidence, backend=backend)
    assert {body: (j.score, j.rule) for body, j in uor_bodies(result).items()} == {
        "north-testshire-dc": (1, "uor_inadequate"),
        "south-testshire-dc": (3, "uor_performing_well"),
        "testshire-cc": (4, "uor_performing_strongly"),
        "testshire-fire": (4, "uor_performing_strongly"),
        "testshire-police": (2, "uor_adequate"),
    }
    # No KLOE is ever counted for another body's theme.
    for event in result.audit:
        if event.kind == "measure":
            owner = event.subject.split("/")[0]
            assert all(i.fact.startswith(owner + "/") for i in event.inputs if i.fact)
            assert all(f.startswith(owner + "/") for i in event.inputs for f in i.facts)


def test_a_district_judgement_does_not_change_when_a_neighbour_s_evidence_does(backend: str) -> None:
    def south(north_themes: tuple[int, int, int]) -> Any:
        evidence = area(
            ("testshire-cc", "county", with_themes(4, 4, 4)),
            ("north-testshire-dc", "district", with_themes(*north_themes)),
            ("south-testshire-dc", "district", with_themes(3, 2, 3)),
        )
        return uor_bodies(assess(evidence, backend=backend))["south-testshire-dc"]

    assert south((1, 1, 1)) == south((4, 4, 4))


# --- the policy lives in YAML ---------------------------------------------------------------------------


def test_raising_the_theme_cap_in_yaml_lets_a_strong_median_through(backend: str, tmp_path: Path) -> None:
    evidence = council({"1.1": 1, "1.2": 4, "1.3": 4})
    assert themes_of(assess(evidence, rules="rules", backend=backend)) == {"managing_finances": 2}
    rules = copy_rules(tmp_path)
    edit(
        rules / "use_of_resources.yaml",
        "  theme_cap_above_lowest:\n    value: 1\n",
        "  theme_cap_above_lowest:\n    value: 3\n",
    )
    result = assess(evidence, rules=rules, backend=backend)
    assert themes_of(result) == {"managing_finances": 4}
    (event,) = [e for e in result.audit if e.kind == "measure"]
    assert [(p.name, p.value) for p in event.params] == [("theme_cap_above_lowest", 3)]


def test_raising_well_min_themes_in_yaml_drops_cheltenham_to_adequate(backend: str, tmp_path: Path) -> None:
    assert judged(assess("fixtures/cheltenham.yaml", backend=backend), "cheltenham-bc") == (3, "performing well")
    rules = copy_rules(tmp_path)
    edit(rules / "use_of_resources.yaml", "  well_min_themes:\n    value: 2\n", "  well_min_themes:\n    value: 3\n")
    result = assess("fixtures/cheltenham.yaml", rules=rules, backend=backend)
    assert judged(result, "cheltenham-bc") == (2, "adequate")


def test_lowering_the_reassess_threshold_in_yaml_stops_the_notes(backend: str, tmp_path: Path) -> None:
    evidence = council({"1.1": 1, "1.2": 3})
    assert len(uor_notes(assess(evidence, backend=backend))) == 1
    rules = copy_rules(tmp_path)
    edit(
        rules / "use_of_resources.yaml",
        "  reassess_at_or_below:\n    value: 1\n",
        "  reassess_at_or_below:\n    value: 0\n",
    )
    assert uor_notes(assess(evidence, rules=rules, backend=backend)) == []


# --- the CPA-era five-theme rule, by editing YAML alone ---------------------------------------------------

CPA_KLOE_ROWS = """    rows:
      "1.1": {theme: financial_reporting, title: Annual accounts to standards and timetables}
      "1.2": {theme: financial_reporting, title: External accountability}
      "2.1": {theme: financial_management, title: "Medium-term financial strategy, budgets and capital programme"}
      "2.2": {theme: financial_management, title: Performance against budgets}
      "2.3": {theme: financial_management, title: Management of the asset base}
      "3.1": {theme: financial_standing, title: Spending within the available resources}
      "4.1": {theme: internal_control, title: Significant business risks}
      "4.2": {theme: internal_control, title: Sound system of internal control}
      "4.3": {theme: internal_control, title: Probity and propriety}
      "5.1": {theme: value_for_money, title: Achieving value for money}
      "5.2": {theme: value_for_money, title: Managing and improving value for money}
"""


def switch_to_five_themes(rules_file: Path) -> None:
    """Replace the KLOE table's rows (theme column included) with the CPA-era catalogue."""
    text = rules_file.read_text(encoding="utf-8")
    start = text.index("    rows:\n", text.index("\ntables:\n"))
    end = text.index("\nmeasures:\n", start)
    rules_file.write_text(text[:start] + CPA_KLOE_ROWS + text[end:], encoding="utf-8")


def use_cpa_thresholds(rules_file: Path) -> None:
    edit(rules_file, "  well_min_themes:\n    value: 2\n", "  well_min_themes:\n    value: 3\n")
    edit(rules_file, "  adequate_min_themes:\n    value: 2\n", "  adequate_min_themes:\n    value: 3\n")


def test_editing_only_the_yaml_gives_the_cpa_era_five_theme_score(backend: str, tmp_path: Path) -> None:
    # Themes 3/3/2/2/2: two themes at 3 meet the three-theme table's "two or more"
    # (3), but not the CPA-era "three or more" (2).
    evidence = council(with_themes(3, 3, 2, 2, 2, kloe_of=CPA_THEME_KLOE))
    rules = copy_rules(tmp_path)
    switch_to_five_themes(rules / "use_of_resources.yaml")
    five_themes_old_table = assess(evidence, rules=rules, backend=backend)
    assert len(themes_of(five_themes_old_table)) == 5
    assert judged(five_themes_old_table) == (3, "performing well")

    use_cpa_thresholds(rules / "use_of_resources.yaml")
    result = assess(evidence, rules=rules, backend=backend)
    assert judged(result) == (2, "adequate")
    assert sorted(p.name for p in tmp_path.joinpath("rules").iterdir()) == sorted(
        p.name for p in (ROOT / "rules").iterdir()
    )  # same files: only use_of_resources.yaml's text changed


@pytest.mark.parametrize(
    ("themes", "expected"),
    [
        ((3, 3, 2, 2, 2), 2),  # the three-theme table would give 3
        ((3, 3, 3, 2, 2), 3),  # exactly three at 3 or above, none below 2
        ((4, 4, 3, 3, 3), 4),  # two at 4, none below 3
        ((4, 4, 3, 3, 2), 3),  # two at 4 but one at 2: not 4
        ((4, 4, 4, 4, 1), 2),  # no compensation
        ((3, 3, 3, 2, 1), 2),  # three at 3 but one below 2: not 3
        ((2, 2, 1, 1, 1), 1),  # two at 2 or above is not three (the three-theme table would give 2)
        ((2, 2, 2, 1, 1), 2),
    ],
    ids=lambda v: "/".join(map(str, v)) if isinstance(v, tuple) else str(v),
)
def test_the_checked_in_cpa_variant_scores_by_the_five_theme_table(
    backend: str, themes: tuple[int, ...], expected: int
) -> None:
    result = assess(council(with_themes(*themes, kloe_of=CPA_THEME_KLOE)), rules=CPA_RULES, backend=backend)
    assert judged(result) == (expected, LABELS[expected])


def test_the_checked_in_cpa_variant_agrees_with_the_yaml_edit(backend: str, tmp_path: Path) -> None:
    rules = copy_rules(tmp_path)
    switch_to_five_themes(rules / "use_of_resources.yaml")
    use_cpa_thresholds(rules / "use_of_resources.yaml")
    for themes in [(3, 3, 2, 2, 2), (4, 4, 3, 3, 3), (2, 2, 1, 1, 1), (1, 4, 4, None, 4)]:
        evidence = council(with_themes(*themes, kloe_of=CPA_THEME_KLOE))
        edited = uor_bodies(assess(evidence, rules=rules, backend=backend))["testshire-cc"]
        checked_in = uor_bodies(assess(evidence, rules=CPA_RULES, backend=backend))["testshire-cc"]
        assert edited == checked_in


def test_the_checked_in_cpa_variant_changes_rule_data_only() -> None:
    shipped = yaml.safe_load((ROOT / "rules" / "use_of_resources.yaml").read_text(encoding="utf-8"))
    variant = yaml.safe_load((CPA_RULES / "use_of_resources.yaml").read_text(encoding="utf-8"))
    logic = ("id", "per", "priority", "when", "then")
    assert [{k: r.get(k) for k in logic} for r in variant["rules"]] == [
        {k: r.get(k) for k in logic} for r in shipped["rules"]
    ]
    strip = ("description", "source")
    assert [{k: v for k, v in m.items() if k not in strip} for m in variant["measures"]] == [
        {k: v for k, v in m.items() if k not in strip} for m in shipped["measures"]
    ]
    assert variant["scale"] == shipped["scale"]
    changed = {name for name, p in variant["parameters"].items() if p["value"] != shipped["parameters"][name]["value"]}
    assert variant["parameters"].keys() == shipped["parameters"].keys()
    assert changed == {"well_min_themes", "adequate_min_themes"}
    assert {row["theme"] for row in variant["tables"]["kloe"]["rows"].values()} == {
        "financial_reporting",
        "financial_management",
        "financial_standing",
        "internal_control",
        "value_for_money",
    }
