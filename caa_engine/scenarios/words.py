"""The words scenarios use for numbers: thresholds read from the rules under test (``THRESHOLDS``, so a
scenario stays true when a number is tuned), shares ('just below the performing well share met', '3 of 4'),
lists and tables; and ``check``, which fails a 'Then' with what the assessment says.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from .area import Area

# How a scenario names a threshold of the rules, in words. A scenario may also name any parameter by
# its YAML name ("well_met_share"). The step reads the value from the rules folder under test, so the
# scenario stays true when the number is tuned.
THRESHOLDS: dict[str, tuple[str, str]] = {
    # National Indicator Set
    "near-miss band": ("indicator_set", "near_miss_band"),
    "stable band": ("indicator_set", "stable_band"),
    "performing strongly share met": ("indicator_set", "strong_met_share"),
    "performing strongly share improved": ("indicator_set", "strong_improved_share"),
    "performing strongly bottom-quartile share": ("indicator_set", "strong_bottom_share"),
    "performing well share met": ("indicator_set", "well_met_share"),
    "performing well share improved": ("indicator_set", "well_improved_share"),
    "adequate share met": ("indicator_set", "adequate_met_share"),
    # Direction of travel
    "improving strongly share improved": ("direction_of_travel", "strong_improved_share"),
    "improving strongly share delivered": ("direction_of_travel", "strong_delivered_share"),
    "improving well share improved": ("direction_of_travel", "well_improved_share"),
    "improving well share delivered": ("direction_of_travel", "well_delivered_share"),
    "improving adequately share improved": ("direction_of_travel", "adequate_improved_share"),
    "improving adequately share delivered": ("direction_of_travel", "adequate_delivered_share"),
    # Use of resources
    "theme cap": ("use_of_resources", "theme_cap_above_lowest"),
    "themes needed for performing strongly": ("use_of_resources", "strong_min_themes"),
    "theme floor for performing strongly": ("use_of_resources", "strong_floor"),
    "themes needed for performing well": ("use_of_resources", "well_min_themes"),
    "theme floor for performing well": ("use_of_resources", "well_floor"),
    "themes needed for adequate": ("use_of_resources", "adequate_min_themes"),
    "KLOE score to be reassessed": ("use_of_resources", "reassess_at_or_below"),
    # Risk assessment
    "red flags an adequate area may have": ("risk_assessment", "adequate_max_red_flags"),
    "green flags for performing strongly": ("risk_assessment", "strong_min_green_flags"),
    "mitigations the risk register must record": ("risk_assessment", "min_mitigations"),
    "early-warning indicators monitoring must have": ("risk_assessment", "min_early_warning_indicators"),
    # Overall
    "safeguarding cap": ("overall", "safeguarding_cap"),
    "safeguarding red flags needed for the cap": ("overall", "cap_after_red_flags"),
    "elements needed for an overall score": ("overall", "elements_needed"),
    "overall performing strongly element score": ("overall", "strong_element_score"),
    "overall performing strongly count": ("overall", "strong_min_elements"),
    "overall performing strongly floor": ("overall", "strong_floor"),
    "overall performing well element score": ("overall", "well_element_score"),
    "overall performing well count": ("overall", "well_min_elements"),
    "overall performing well floor": ("overall", "well_floor"),
    "overall adequate element score": ("overall", "adequate_element_score"),
    "overall adequate count": ("overall", "adequate_min_elements"),
}


def threshold(area: Area, words: str, ruleset: str | None = None) -> Any:
    """The value of a threshold named in words (see THRESHOLDS) or by its parameter name."""
    return area.parameter(*parameter_named(area, words, ruleset))


def parameter_named(area: Area, words: str, ruleset: str | None = None) -> tuple[str, str]:
    """(rule set, parameter) of a threshold named in words (see THRESHOLDS) or by its parameter name."""
    words = words.strip()
    key = words.lower().removeprefix("the ").strip()
    named = {words.lower(): where for words, where in THRESHOLDS.items()}
    if key in named:
        return named[key]
    names = [ruleset] if ruleset else [info.ruleset for info in area.plan.rulesets]
    for name in names:
        info = next((i for i in area.plan.rulesets if i.ruleset == name), None)
        if info is not None and key in info.parameters:
            return name, key
    raise ValueError(
        f"no threshold called '{words}': say one of {', '.join(THRESHOLDS)}, or a parameter's name in the rules"
    )


def percent(value: Any) -> str:
    """A share as people write it: 3/4 -> '75%', 1/3 -> '33.33%'."""
    text = f"{float(Fraction(value) * 100):.2f}".rstrip("0").rstrip(".")
    return f"{text}%"


SHARE = re.compile(r"^(?:(?P<where>just below|just under|at|exactly|just above|just over) )?(?P<what>.+)$", re.I)


@dataclass(frozen=True)
class Share:
    """A share of some count, in words: '75%', 'all', 'none', 'half', '3 of 4', or a threshold with
    'just below' / 'at' / 'just above' before it ('just below the performing well share met')."""

    words: str

    def count(self, area: Area, out_of: int, ruleset: str | None = None) -> int:
        """How many of ``out_of`` make this share: at a threshold, the fewest that reach it; just below,
        one fewer; just above, one more."""
        words = self.words.strip().lower()
        if words == "all":
            return out_of
        if words in ("none", "no"):
            return 0
        if words == "half":
            return math.ceil(out_of / 2)
        if m := re.fullmatch(r"(\d+) of (\d+)", words):
            if int(m.group(2)) != out_of:
                raise ValueError(f"'{self.words}' does not fit {out_of} things")
            return int(m.group(1))
        if m := re.fullmatch(r"(\d+(?:\.\d+)?)%", words):
            return _at_least(Fraction(m.group(1)) / 100, out_of)
        m = SHARE.match(words)
        assert m is not None
        value = Fraction(threshold(area, m.group("what"), ruleset))
        at = _at_least(value, out_of)
        where = (m.group("where") or "at").lower()
        if where in ("just below", "just under"):
            if at == 0:
                raise ValueError(f"nothing is below '{m.group('what')}' ({percent(value)})")
            return at - 1
        if where in ("just above", "just over"):
            if at >= out_of:
                raise ValueError(f"nothing is above '{m.group('what')}' ({percent(value)})")
            return at + 1
        return at

    def out_of(self, area: Area, ruleset: str | None = None, at_least: int = 20) -> int:
        """How many things to build so that 'just below', 'at' and 'just above' this share are all exact."""
        words = self.words.strip().lower()
        if m := re.fullmatch(r"\d+ of (\d+)", words):
            return int(m.group(1))
        m = SHARE.match(words)
        assert m is not None
        what = m.group("what")
        plain = {"all": Fraction(1), "none": Fraction(0), "no": Fraction(0), "half": Fraction(1, 2)}
        if what in plain:
            value = plain[what]
        elif re.fullmatch(r"\d+(?:\.\d+)?%", what):
            value = Fraction(what[:-1]) / 100
        else:
            value = Fraction(threshold(area, what, ruleset))
        return sized_for(value.denominator, at_least)


# "Just" under or over a band, in every step that moves a value by a band: a hundredth of the band.
JUST = Fraction(1, 100)


def sized_for(denominator: int, at_least: int) -> int:
    """The smallest multiple of ``denominator`` that is at least ``at_least`` (capped at 200 things)."""
    n = denominator * max(1, math.ceil(at_least / denominator))
    return n if n <= 200 else at_least


def _at_least(share: Fraction, out_of: int) -> int:
    """The fewest of ``out_of`` whose share is at least ``share``."""
    return min(out_of, max(0, math.ceil(share * out_of)))


def words_list(text: str) -> list[str]:
    """'3, 4 and 2' -> ['3', '4', '2']."""
    return [part.strip() for part in re.split(r",|\band\b", text) if part.strip()]


def table_rows(datatable: list[list[str]], needs: tuple[str, ...] = ()) -> list[dict[str, str]]:
    """A data table with a header row, as one dict per row (headers lower-cased); ``needs`` names the columns
    the step cannot do without, and a table missing one is refused, naming the columns it has."""
    header = [cell.strip().lower() for cell in datatable[0]]
    missing = [column for column in needs if column not in header]
    if missing:
        raise ValueError(
            f"this table needs the column{'s' if len(missing) > 1 else ''} {', '.join(missing)}; "
            f"its header row has: {', '.join(header)}"
        )
    return [dict(zip(header, (cell.strip() for cell in row), strict=False)) for row in datatable[1:]]


def whole(cell: str, what: str) -> int:
    """A whole number from a table cell, or an error saying which cell should hold one."""
    if not cell.strip().isdigit():
        raise ValueError(f"say the {what} as a whole number, not '{cell}'")
    return int(cell)


def check(condition: bool, area: Area, message: str) -> None:
    """Fail a 'Then' with what was expected and what the assessment says."""
    if not condition:
        raise AssertionError(f"{message}\n{area.explain()}")
