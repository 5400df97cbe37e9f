"""Steps shared by every element: the bodies of the area, assessing it, an element's score and label, and
the steps that pin the brief's default numbers (``@brief_default`` scenarios).
"""

from __future__ import annotations

import re
from fractions import Fraction

from pytest_bdd import given, parsers, then, when

from .area import ELEMENTS, Area
from .words import check, parameter_named, percent

# --------------------------------------------------------------------------------------------------
# Steps shared by every element
# --------------------------------------------------------------------------------------------------


@given(
    parsers.re(
        r"an? (?P<kind>(?:unitary |county |district |metropolitan )?council|london borough|police force"
        r"|police authority|fire and rescue service|primary care trust) called (?P<name>.+?)"
        r"(?P<lead>, which leads the area| which leads the area)?$"
    )
)
def given_body(area: Area, kind: str, name: str, lead: str | None) -> None:
    """Given a <kind of body> called <name>[, which leads the area]: adds a body; later steps about 'it' mean it.

    Kinds: council (a unitary council), county council, district council, metropolitan council, london
    borough, police force, police authority, fire and rescue service, primary care trust. The first council
    named leads the area unless another is said to.
    """
    if lead:
        for entry in area.bodies.values():
            entry["lead"] = False
    area.add_body(kind, name.strip('"'), lead=True if lead else None)


@when("the area is assessed")
def when_assessed(area: Area) -> None:
    """When the area is assessed: assesses the evidence so far (a 'Then' step also does, if needed)."""
    area.result()


@then(
    parsers.re(
        r"(?:its|the area's|(?P<name>.+?)'s) (?P<element>national indicator set|indicator set|direction of travel"
        r"|use of resources|risk assessment|overall score) (?:score )?is (?P<score>\d), (?P<label>.+)$",
        flags=re.I,
    )
)
def then_element_is(area: Area, name: str | None, element: str, score: str, label: str) -> None:
    """Then its|the area's|<body>'s <element> is <score>, <label>: the element's score and the scale's label.

    Elements: National Indicator Set, direction of travel, use of resources, risk assessment, overall score.
    'its' means the body the scenario last named (for per-body elements) or the area.
    """
    element_id = ELEMENTS[element.lower()]
    body_id = area.body(name) if name else None
    got, got_label, where = area.judgement(element_id, body_id)
    check(
        (got, got_label) == (int(score), label.strip()),
        area,
        f"expected {where}'s {element} to be {score}, {label.strip()}; it is {got}, {got_label}",
    )


@then(
    parsers.re(
        r"(?:its|the area's|(?P<name>.+?)'s) (?P<element>national indicator set|indicator set|direction of travel"
        r"|use of resources|risk assessment|overall score) is not judged$",
        flags=re.I,
    )
)
def then_element_not_judged(area: Area, name: str | None, element: str) -> None:
    """Then its|the area's|<body>'s <element> is not judged: no score is given for it."""
    element_id = ELEMENTS[element.lower()]
    body_id = area.body(name) if name else None
    got, got_label, where = area.judgement(element_id, body_id)
    check(got is None, area, f"expected no {element} for {where}; it is {got}, {got_label}")


@given(parsers.re(r"the rules keep (?P<whose>the brief's|their) default (?P<what>.+?) of (?P<value>\S+)$"))
def given_brief_default(area: Area, whose: str, what: str, value: str) -> None:
    """Given the rules keep the brief's|their default <threshold> of <value>: this scenario pins that number.

    'the brief's' for a number the policy brief gives; 'their' for one the brief leaves to the rules (such as
    how many elements the overall score needs). Under tuned rules that change it, the scenario fails here and
    says which number it pins, and where it is.
    """
    ruleset, name = parameter_named(area, what)
    actual = Fraction(area.parameter(ruleset, name))
    expected = Fraction(value[:-1]) / 100 if value.endswith("%") else Fraction(value)
    if actual != expected:
        shown = percent(actual) if value.endswith("%") else str(actual)
        pinned_by = "the policy brief's" if whose.startswith("the brief") else "the shipped rules'"
        raise AssertionError(
            f"this scenario pins {pinned_by} default {what} of {value}; the rules under test set it to "
            f"{shown} ({name} in {rule_file(area, ruleset)}), so the scenario no longer describes them "
            "(it is tagged @brief_default)"
        )


# The numbers the policy brief gives each element, as the shipped rules hold them: a scenario that rests on
# many of them pins them all at once with "Given the rules keep the brief's numbers for <element>".
BRIEF_NUMBERS: dict[str, tuple[str, dict[str, str]]] = {
    "national indicator set": (
        "indicator_set",
        {
            "near_miss_band": "5%",
            "stable_band": "1%",
            "strong_met_share": "75%",
            "strong_improved_share": "50%",
            "strong_bottom_share": "10%",
            "well_met_share": "60%",
            "well_improved_share": "40%",
            "adequate_met_share": "40%",
        },
    ),
    "direction of travel": (
        "direction_of_travel",
        {
            "strong_improved_share": "65%",
            "strong_delivered_share": "80%",
            "well_improved_share": "50%",
            "well_delivered_share": "60%",
            "adequate_improved_share": "35%",
            "adequate_delivered_share": "50%",
        },
    ),
    "use of resources": (
        "use_of_resources",
        {
            "theme_cap_above_lowest": "1",
            "strong_theme_score": "4",
            "strong_min_themes": "2",
            "strong_floor": "3",
            "well_theme_score": "3",
            "well_min_themes": "2",
            "well_floor": "2",
            "adequate_theme_score": "2",
            "adequate_min_themes": "2",
            "reassess_at_or_below": "1",
        },
    ),
    "risk assessment": ("risk_assessment", {"strong_min_green_flags": "1", "adequate_max_red_flags": "1"}),
    "the overall view": (
        "overall",
        {
            "strong_element_score": "4",
            "strong_min_elements": "2",
            "strong_floor": "3",
            "well_element_score": "3",
            "well_min_elements": "3",
            "well_floor": "2",
            "adequate_element_score": "2",
            "adequate_min_elements": "3",
            "safeguarding_cap": "2",
        },
    ),
}


@given(parsers.re(r"the rules keep the brief's numbers for (?P<element>.+)$"))
def given_brief_numbers(area: Area, element: str) -> None:
    """Given the rules keep the brief's numbers for <element>: this scenario pins every number the brief gives
    that element (National Indicator Set, direction of travel, use of resources, risk assessment, the overall
    view).

    Under tuned rules that change any of them, the scenario fails here and lists each one changed, and where.
    """
    key = element.strip().lower()
    if key not in BRIEF_NUMBERS:
        raise ValueError(f"no element '{element}': say one of {', '.join(BRIEF_NUMBERS)}")
    ruleset, numbers = BRIEF_NUMBERS[key]
    changed = []
    for name, value in numbers.items():
        expected = Fraction(value[:-1]) / 100 if value.endswith("%") else Fraction(value)
        actual = Fraction(area.parameter(ruleset, name))
        if actual != expected:
            shown = percent(actual) if value.endswith("%") else str(actual)
            changed.append(f"{name} is {shown}, not {value}")
    if changed:
        raise AssertionError(
            f"this scenario pins the policy brief's numbers for {element}; the rules under test change them "
            f"({rule_file(area, ruleset)}): {'; '.join(changed)}; so the scenario no longer describes them "
            "(it is tagged @brief_default)"
        )


def rule_file(area: Area, ruleset: str) -> str:
    info = next(i for i in area.plan.rulesets if i.ruleset == ruleset)
    return info.file
