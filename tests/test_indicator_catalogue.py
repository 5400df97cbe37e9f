"""The indicator catalogue (rules/indicators.yaml) is the whole National Indicator Set, and says where it came from."""

from __future__ import annotations

from pathlib import Path

from caa_engine import load_rules

ROOT = Path(__file__).resolve().parent.parent


def catalogue() -> dict[str, dict[str, object]]:
    rows: dict[str, dict[str, object]] = load_rules(ROOT / "rules").tables["indicator"]["rows"]
    return rows


def test_the_catalogue_holds_exactly_the_198_national_indicators_in_force_ni_1_to_199_without_ni_31() -> None:
    wanted = {f"NI {number}" for number in range(1, 200) if number != 31}
    assert len(wanted) == 198
    assert set(catalogue()) == wanted


def test_every_indicator_has_a_title_a_unit_a_polarity_and_a_source() -> None:
    for code, row in catalogue().items():
        assert set(row) == {"title", "polarity", "unit", "source"}, code
        assert row["polarity"] in ("higher", "lower", "none"), code
        assert str(row["title"]).strip() and str(row["unit"]).strip(), code
        assert row["source"] == "ni_handbook_2008", code


def test_the_brief_s_examples_have_the_brief_s_polarities() -> None:
    rows = catalogue()
    examples = {"NI 192": "higher", "NI 117": "lower", "NI 191": "lower", "NI 195": "lower", "NI 8": "higher"}
    assert {code: rows[code]["polarity"] for code in examples} == examples
    assert rows["NI 15"]["polarity"] == "lower"


def test_only_contextual_measures_have_no_better_direction() -> None:
    none = sorted((code for code, row in catalogue().items() if row["polarity"] == "none"), key=lambda c: int(c[3:]))
    assert none == ["NI 12", "NI 44", "NI 68", "NI 187", "NI 198"]
