"""The indicator catalogue (rules/indicators.yaml) is the whole National Indicator Set, and says where it came from."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from caa_engine import RuleError, load_rules

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


def _with(tmp_path: Path, file: str, old: str, new: str) -> Path:
    folder = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", folder)
    text = (folder / file).read_text(encoding="utf-8")
    assert old in text
    (folder / file).write_text(text.replace(old, new, 1), encoding="utf-8")
    return folder


def test_regression_a_misspelt_polarity_in_the_catalogue_is_refused_at_its_cell(tmp_path: Path) -> None:
    # 'polarity: hihger' passed caa check: the table's column took the evidence field's type but not its values,
    # and NI 1 was then neither higher nor lower, so no target rule could judge it.
    folder = _with(tmp_path, "indicators.yaml", "polarity: higher", "polarity: hihger")
    with pytest.raises(RuleError) as caught:
        load_rules(folder)
    (issue,) = caught.value.issues
    assert issue.render() == (
        f"{folder / 'indicators.yaml'}:22:130: unknown-value: 'hihger' is not a value 'indicator.polarity' can "
        "hold — did you mean 'higher'?\n    hint: values of indicator.polarity: higher, lower, none"
    )


def test_regression_a_condition_comparing_the_catalogues_polarity_with_a_misspelt_value_is_refused(
    tmp_path: Path,
) -> None:
    # Same cause: once the catalogue filled in 'polarity', conditions comparing it were no longer checked.
    folder = _with(tmp_path, "indicator_set.yaml", 'indicator.polarity == "higher"', 'indicator.polarity == "hgher"')
    with pytest.raises(RuleError) as caught:
        load_rules(folder)
    (issue,) = caught.value.issues
    assert (issue.code, issue.location.line, issue.location.column) == ("unknown-value", 121, 29)
    assert issue.message == "'hgher' is not a value 'indicator.polarity' can hold — did you mean 'higher'?"
