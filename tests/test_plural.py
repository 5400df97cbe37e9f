"""A count and its noun agree everywhere people read them (issue 15 item 4): '1 red flag', never '1 red flags'.

The engine's own messages go through ``_plural.counted``; a rule's description, whose noun the rule writer chose
and whose count is only known once it is filled in, is mended by ``_plural.agree``.  Each regression below is a
text the engine used to print.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from caa_engine import assess
from caa_engine._plural import agree, counted, noun, plural_of
from caa_engine.audit.reasons import judgement_reason
from caa_engine.cli import cli

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _at_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


@pytest.mark.parametrize(
    ("number", "singular", "said"),
    [(0, "area", "0 areas"), (1, "area", "1 area"), (2, "area", "2 areas"), (1, "body", "1 body"),
     (3, "body", "3 bodies"), (2, "criterion", "2 criteria"), (1, "rule set", "1 rule set"),
     (2, "rule set", "2 rule sets"), (2, "same-priority pair", "2 same-priority pairs"), (2, "KLOE", "2 KLOEs")],
)  # fmt: skip
def test_a_count_takes_the_singular_for_one_and_the_plural_otherwise(number: int, singular: str, said: str) -> None:
    assert counted(number, singular) == said


def test_a_count_of_nothing_may_be_said_in_words_and_an_irregular_plural_may_be_given() -> None:
    assert counted(0, "red flag", zero="no") == "no red flag"
    assert counted(1, "single outcome or innovation", "single outcomes and innovations") == (
        "1 single outcome or innovation"
    )
    assert noun(2, "outcome or innovation", "outcomes and innovations") == "outcomes and innovations"


@pytest.mark.parametrize(
    ("singular", "plural"),
    [("kind of body", "kinds of body"), ("authority", "authorities"), ("day", "days"), ("box", "boxes"),
     ("KLOE", "KLOEs"), ("red flag", "red flags")],
)  # fmt: skip
def test_plural_of_follows_english_spelling(singular: str, plural: str) -> None:
    assert plural_of(singular) == plural


@pytest.mark.parametrize(
    ("filled", "mended"),
    [
        ("1 red flags (at most 1 for this band)", "1 red flag (at most 1 for this band)"),
        ("needs 1 green flags; it has none", "needs 1 green flag; it has none"),
        ("needs 1 themes at 4", "needs 1 theme at 4"),
        ("1 of its 3 themes score 3 or more", "1 of its 3 themes score 3 or more"),  # the count is of themes: 3
        ("3 red flags, more than 1.", "3 red flags, more than 1."),
        ("21 flags and 2.1 themes", "21 flags and 2.1 themes"),  # not a count of one
        ("from 1 the cap applies", "from 1 the cap applies"),
        ("1 KLOEs and 1 bodies", "1 KLOE and 1 body"),
        ("1 red herrings", "1 red herrings"),  # not a noun the rules count: the rule writer's words are kept
        (
            "No red flag, and none green flags (at least 0 needed)",
            "No red flag, and no green flags (at least 0 needed)",
        ),
        ("it has none", "it has none"),
        ("none of its themes", "none of its themes"),
    ],
)
def test_a_filled_description_agrees_with_a_count_of_one_and_nothing_else(filled: str, mended: str) -> None:
    assert agree(filled) == mended


def test_regression_a_risk_assessment_with_one_red_flag_says_1_red_flag() -> None:
    reason = judgement_reason(assess("fixtures/ashcombe.yaml", backend="native"), "risk_assessment", "ashcombe")
    assert "is 2, adequate: 1 red flag (at most 1 for this band;" in reason.text


def test_regression_a_band_needing_one_green_flag_says_1_green_flag() -> None:
    reason = judgement_reason(assess("fixtures/cheltenham.yaml", backend="native"), "risk_assessment", "cheltenham")
    assert reason.not_higher == "Not 4: needs 1 green flag; it has none."
    calderbridge = assess("fixtures/calderbridge.yaml", backend="native")
    assert judgement_reason(calderbridge, "risk_assessment", "calderbridge").not_higher == (
        "Not 2: needs at most 1 red flag; it has 3."
    )


def test_regression_a_body_with_one_assessed_theme_reads_its_1_assessed_theme_meets() -> None:
    # Mending the noun alone gave "Its 1 assessed theme meet no higher band": the verb kept the plural.
    bundle = {
        "area": {"id": "x", "name": "X"},
        "bodies": [{"id": "x-dc", "name": "X DC", "kind": "district", "lead": True}],
        "use_of_resources": {"assessments": [{"body": "x-dc", "kloes": {"1.1": 3}}]},
    }
    reason = judgement_reason(assess(bundle, backend="native"), "use_of_resources", "x-dc")
    assert "inadequate: Its 1 assessed theme meets no higher band; its lowest scores 3." in reason.text
    assert agree("1 of its 1 themes score 3 or more") == "1 of its 1 theme scores 3 or more"


def test_regression_the_safeguarding_cap_with_one_red_flag_reads_as_a_sentence() -> None:
    # It said "1 red flags on safeguarding or vulnerable-people outcomes (from 1 the cap applies) hold the
    # overall score at 2": the noun and the verb both followed the count's plural.
    result = assess("fixtures/eastwold.yaml", backend="native")
    reason = judgement_reason(result, "overall", "eastwold")
    assert (
        "1 red flag on safeguarding or vulnerable-people outcomes, and the cap applies from 1: the overall score "
        "is held at 2." in " ".join([reason.text, reason.not_higher or "", *reason.because])
    )


def test_regression_caa_impact_counts_one_area_and_one_change_in_the_singular(tmp_path: Path) -> None:
    run = CliRunner().invoke(
        cli, ["impact", "fixtures/cheltenham.yaml", "--against", "rules", "--backend", "native"], catch_exceptions=False
    )
    assert run.stdout.startswith("1 area assessed; 0 changed, 0 changes")


def test_direction_of_travel_evidence_names_the_indicators_and_milestones_each_share_counted() -> None:
    # It stopped at "share(trend where label == "improved") = 3 of 7", which says how many but not which.
    reason = judgement_reason(
        assess("fixtures/cheltenham.yaml", backend="native"), "direction_of_travel", "cheltenham-bc"
    )
    assert (
        'share(trend where label == "improved") = 3 of 7: NI 185, NI 191, NI 192 (not NI 154, NI 157, NI 181, NI 195)'
        in reason.evidence
    )
    assert "share(milestone where delivered) = 3 of 4: milestone 1, milestone 2, milestone 3 (not milestone 4)" in (
        reason.evidence
    )
