"""Steps of the overall view: an area whose elements score as a table says (the evidence built from the rules'
thresholds), the overall score and the safeguarding cap, the elements an overall score needs, the lead council,
and each body's self-assessment.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from pytest_bdd import given, parsers, then

from .area import COUNCIL_KINDS, ELEMENTS, Area
from .words import Share, check, table_rows, threshold

# --------------------------------------------------------------------------------------------------
# Overall area view
# --------------------------------------------------------------------------------------------------

OVERALL_ELEMENTS = ("indicator_set", "direction_of_travel", "use_of_resources", "risk_assessment")
ELEMENT_WORDS = r"national indicator set|indicator set|direction of travel|use of resources|risk assessment"
OVERALL_BANDS = {4: "overall performing strongly", 3: "overall performing well", 2: "overall adequate"}
NOT_JUDGED = ("", "not judged", "none", "-")


@dataclass
class ElementRow:
    """One row of 'an area whose elements score': an element, whose it is, and the score asked for."""

    element: str  # the element's id
    words: str  # as the scenario said it
    body: str | None  # the body, for an element judged per body
    score: int | None  # None: not judged
    because: str = ""


def _element_rows(area: Area, datatable: list[list[str]], default_body: str) -> list[ElementRow]:
    rows: list[ElementRow] = []
    for row in table_rows(datatable, ("element", "score")):
        words = row.get("element", "")
        element = ELEMENTS.get(words.lower())
        if element not in OVERALL_ELEMENTS:
            raise ValueError(
                f"unknown element '{words}': say National Indicator Set, direction of travel, "
                "use of resources or risk assessment"
            )
        per_body = element in ("direction_of_travel", "use_of_resources")
        whose = row.get("for", "")
        if whose and not per_body:
            raise ValueError(f"the {words} is judged for the area, not for {whose}: leave its 'for' empty")
        body = (area.body(whose) if whose else default_body) if per_body else None
        score = row.get("score", "").lower()
        if score not in NOT_JUDGED and not re.fullmatch(r"[1-4]", score):
            raise ValueError(f"say the {words} score as 1 to 4 or 'not judged', not '{row.get('score')}'")
        because = row.get("because of", "")
        if because and (element != "risk_assessment" or score in NOT_JUDGED):
            raise ValueError(
                f"'because of' says why the risk assessment has a red flag: leave it empty for the {words}"
                + (" that is not judged" if element == "risk_assessment" else "")
            )
        entry = ElementRow(element, words, body, None if score in NOT_JUDGED else int(score), because)
        if any((r.element, r.body) == (entry.element, entry.body) for r in rows):
            raise ValueError(f"the table gives the {words}{' for ' + whose if whose else ''} twice")
        rows.append(entry)
    return rows


def _overall_default_body(area: Area, no_lead: bool) -> str:
    """The body whose per-body elements count: the lead council, or (no lead council) the council 'it'
    refers to, else the first council, else a new council that does not lead."""
    if no_lead:
        for entry in area.bodies.values():
            entry["lead"] = False
        if area.current and area.bodies[area.current]["kind"] in COUNCIL_KINDS.values():
            return area.current
        councils = [b for b, e in area.bodies.items() if e["kind"] in COUNCIL_KINDS.values()]
        return councils[0] if councils else area.add_body("council", f"{area.name} Council", lead=False)
    return area.council()


def _partner(area: Area) -> str:
    """A body of the area that is not a council (its indicators give no council a direction of travel)."""
    for body_id, entry in area.bodies.items():
        if entry["kind"] not in COUNCIL_KINDS.values():
            return body_id
    return area.add_body("police force", f"{area.name} Police", lead=False)


def _build_direction_of_travel(area: Area, body_id: str, score: int, with_indicators: bool) -> tuple[bool, str]:
    """Milestones (and, when it uses them, improved indicators) that give a council this direction of
    travel; returns whether its indicators are needed, and what was built."""
    planned = Share("the improving well share delivered").out_of(area, "direction_of_travel", at_least=10)
    if score == 4:
        area.add_milestones(body_id, planned, planned)
        return True, f"all of its indicators improved and all {planned} milestones delivered"
    if score == 3:
        delivered = Share("the improving well share delivered").count(area, planned, "direction_of_travel")
        area.add_milestones(body_id, delivered, planned)
        return True, f"all of its indicators improved and {delivered} of {planned} milestones delivered"
    if score == 2 and with_indicators:
        area.add_milestones(body_id, 0, planned)
        return True, f"all of its indicators improved and none of {planned} milestones delivered"
    if score == 2:
        planned = Share("the improving adequately share delivered").out_of(area, "direction_of_travel", at_least=10)
        delivered = Share("the improving adequately share delivered").count(area, planned, "direction_of_travel")
        area.add_milestones(body_id, delivered, planned)
        return False, f"no indicators and {delivered} of {planned} milestones delivered"
    area.add_milestones(body_id, 0, planned)
    return False, f"no indicators and none of {planned} milestones delivered"


def _build_indicator_set(area: Area, owner: str, score: int) -> str:
    """Indicators of ``owner``, all improved and none in the bottom quartile, with the share of targets
    met that gives the area this score; returns what was built."""
    met_share = {
        4: "all",
        3: "the performing well share met",
        2: "the adequate share met",
        1: "just below the adequate share met",
    }[score]
    sized_by = "the performing strongly share met" if score == 4 else met_share
    out_of = Share(sized_by).out_of(area, "indicator_set")
    met = Share(met_share).count(area, out_of, "indicator_set")
    area.add_indicator_mix(owner, out_of, met=met, improved=out_of, bottom=0)
    return f"{met} of {out_of} targets met, all improved, none in the bottom quartile"


# What a risk-assessment row's 'because of' may say, and whether the red flags are on outcomes concerning
# vulnerable people or safeguarding ('red flags ...': all of them; 'a red flag ...': one of them).
BECAUSE = {
    "a red flag on a safeguarding outcome": True,
    "a red flag on an outcome concerning vulnerable people": True,
    "red flags on safeguarding outcomes": True,
    "red flags on outcomes concerning vulnerable people": True,
    "a red flag on an outcome that does not concern vulnerable people": False,
    "red flags on outcomes that do not concern vulnerable people": False,
}


def _build_risk_assessment(area: Area, score: int, because: str) -> str:
    """Priority outcomes giving the area's risk assessment this score: exceeded ones (green flags) for a 4,
    one on track for a 3, at-risk ones not tackled (red flags) for a 2 or a 1. 'because of' says whether a
    red flag is on an outcome concerning safeguarding or vulnerable people: 'a red flag on a safeguarding
    outcome' (one of them), 'red flags on safeguarding outcomes' (all of them)."""
    words = because.strip().lower()
    if words and words not in BECAUSE:
        raise ValueError(f"say 'because of' as one of: {'; '.join(BECAUSE)} (not '{because}')")
    concerns_vulnerable = BECAUSE.get(words, False)
    if words and score > 2:
        raise ValueError(f"a risk assessment of {score} has no red flag: leave 'because of' empty")
    start = len(area.outcomes)
    if score == 4:
        greens = int(threshold(area, "green flags for performing strongly"))
        for number in range(max(greens, 1)):
            area.add_outcome(f"Priority outcome {start + number + 1}", "exceeded")
        return f"{max(greens, 1)} priority outcome(s) exceeded"
    if score == 3:
        area.add_outcome(f"Priority outcome {start + 1}", "on_track")
        return "one priority outcome on track"
    reds = 1 if score == 2 else int(threshold(area, "red flags an adequate area may have")) + 1
    if concerns_vulnerable and words.startswith("red flags"):
        reds = max(reds, int(threshold(area, "safeguarding red flags needed for the cap")))
    vulnerable = reds if words.startswith("red flags") else 1 if concerns_vulnerable else 0
    for number in range(reds):
        title = "Safeguarding outcome" if number < vulnerable else "Priority outcome"
        area.add_outcome(f"{title} {start + number + 1}", "at_risk", vulnerable=number < vulnerable)
    return f"{reds} priority outcome(s) at risk and not tackled, {vulnerable} of them concerning vulnerable people"


@given(parsers.re(r"an area whose elements score(?P<no_lead>, with no body marked as the lead council)?:$", flags=re.I))
def given_area_elements(area: Area, no_lead: str | None, datatable: list[list[str]]) -> None:
    """Given an area whose elements score[, with no body marked as the lead council]: builds evidence that the
    rules under test judge as the table says, and checks that they do.

    Columns: element (National Indicator Set, direction of travel, use of resources, risk assessment), score
    (1 to 4, or 'not judged'), and optionally 'for' (the body, for direction of travel and use of resources:
    the lead council unless said) and 'because of' (for the risk assessment: 'a red flag on a safeguarding
    outcome', 'a red flag on an outcome that does not concern vulnerable people', 'red flags on safeguarding
    outcomes'). An element not listed is not judged. The evidence, from the rules' thresholds: every KLOE of
    the body scored the score asked for; indicators that all improved with the share of targets met for the
    band; milestones delivered at the band's share; outcomes exceeded, on track, or at risk and not tackled.
    Direction of travel 3 or 4 needs improved indicators, so it needs the National Indicator Set judged too.
    """
    previous = area.current
    default_body = _overall_default_body(area, bool(no_lead))
    rows = _element_rows(area, datatable, default_body)
    built: dict[tuple[str, str | None], str] = {}
    indicator_row = next((r for r in rows if r.element == "indicator_set" and r.score is not None), None)
    owner = None  # the council whose improved indicators are the area's indicators
    for row in rows:
        body = row.body or default_body  # set for the per-body elements, which are the ones that use it
        if row.element == "direction_of_travel" and row.score is not None:
            uses_indicators, what = _build_direction_of_travel(area, body, row.score, indicator_row is not None)
            built[(row.element, row.body)] = what
            if uses_indicators and indicator_row is None:
                raise ValueError(
                    f"direction of travel {row.score} needs indicators that improved, and every indicator counts in "
                    "the National Indicator Set: give the National Indicator Set a score too"
                )
            if uses_indicators and row.body == default_body:
                owner = row.body
            elif uses_indicators:
                out_of = 10
                area.add_indicator_mix(body, out_of, improved=out_of)
                built[(row.element, row.body)] += f" ({out_of} indicators, no targets)"
        elif row.element == "use_of_resources" and row.score is not None:
            codes = sorted(area.plan.tables.get("kloe", {}).get("rows", {}))
            area.set_kloes(body, dict.fromkeys(codes, row.score))
            built[(row.element, row.body)] = f"every KLOE ({', '.join(codes)}) scored {row.score}"
        elif row.element == "risk_assessment" and row.score is not None:
            built[(row.element, None)] = _build_risk_assessment(area, row.score, row.because)
    if indicator_row is not None:
        where = owner or _partner(area)
        built[("indicator_set", None)] = _build_indicator_set(area, where, indicator_row.score or 0)
    area.current = previous or default_body

    # Check that the rules under test judge the evidence as asked (an unrecorded assessment: the scenario's
    # own 'Then' steps assess again and that one counts for rule coverage).
    result = area.engine.assess(area.bundle())
    expected = {(r.element, r.body): r for r in rows}
    for element in ("indicator_set", "risk_assessment"):
        expected.setdefault((element, None), ElementRow(element, element.replace("_", " "), None, None))
    for element in ("direction_of_travel", "use_of_resources"):
        expected.setdefault((element, default_body), ElementRow(element, element.replace("_", " "), default_body, None))
    problems = []
    for (element, body_id), row in expected.items():
        judged = result.elements.get(element)
        if judged is None:
            raise AssertionError(f"the rules under test judge no element '{element}'")
        one = (judged.bodies or {}).get(body_id) if body_id else judged
        got = one.score if one else None
        if got != row.score:
            whose = f" for {area.bodies[body_id]['name']}" if body_id else ""
            what = built.get((element, body_id), "no evidence for it")
            problems.append(
                f"  {row.words}{whose}: asked for {row.score or 'not judged'}, the rules under test give "
                f"{got or 'no judgement'} (evidence built: {what})"
            )
    if problems:
        raise AssertionError(
            "could not build an area whose elements score as the table says (the rules' thresholds may be tuned "
            "past what this step can build):\n" + "\n".join(problems)
        )


@given(parsers.re(r"the overall score keeps the brief's default bands:$"))
def given_overall_bands(area: Area, datatable: list[list[str]]) -> None:
    """Given the overall score keeps the brief's default bands: this scenario pins the bands in the table.

    Columns: overall score ('4, performing strongly'), needs at least (how many elements), elements scoring
    ('4 or above'), and none below (the floor, empty for none). Under tuned rules that change any of these
    numbers, the scenario fails here and says which it pins.
    """
    said = {"count": "needs at least {} elements", "element score": "counts elements scoring {} or above",
            "floor": "none below {}"}  # fmt: skip
    differ = []
    for row in table_rows(datatable, ("overall score",)):
        first = re.match(r"\s*(\d)", row.get("overall score", ""))
        band = int(first.group(1)) if first else 0
        if band not in OVERALL_BANDS:
            raise ValueError(f"the overall bands with counts are 4, 3 and 2, not '{row.get('overall score')}'")
        wanted = {
            "count": row.get("needs at least", ""),
            "element score": re.sub(r"\s*or above$", "", row.get("elements scoring", "")),
            "floor": row.get("and none below", ""),
        }
        for part, value in wanted.items():
            if not value:
                continue
            actual = Fraction(threshold(area, f"{OVERALL_BANDS[band]} {part}"))
            if actual != Fraction(value):
                differ.append(
                    f"an overall {row['overall score']} {said[part].format(value)} (the rules under test: {actual})"
                )
    if differ:
        raise AssertionError(
            "this scenario pins the policy brief's default overall bands: "
            + "; ".join(differ)
            + ", so the scenario no longer describes them (it is tagged @brief_default)"
        )


def _overall(area: Area) -> dict[str, Any]:
    return area.result().overall or {}


@then(
    parsers.re(
        r"the overall score is (?P<score>\d), (?P<label>[a-z ]+?)"
        r"(?:, (?:held down from (?P<uncapped>\d) by the safeguarding cap|(?P<free>not held down by the safeguarding cap)))?$"
    )
)
def then_overall_score(area: Area, score: str, label: str, uncapped: str | None, free: str | None) -> None:
    """Then the overall score is <n>, <label>[, held down from <m> by the safeguarding cap | , not held down by the
    safeguarding cap]: the overall score and its label; held down: the elements gave <m> and the trail shows the
    safeguarding cap (read from the rules) held it down to <n>; not held down: no cap changed it."""
    got = area.judgement("overall")[:2]
    overall = _overall(area)
    check(
        got == (int(score), label), area, f"expected the overall score to be {score}, {label}; it is {got[0]}, {got[1]}"
    )
    if uncapped is not None:
        cap = threshold(area, "safeguarding cap")
        check(
            overall.get("uncapped") == int(uncapped) and bool(overall.get("capped_by")) and int(score) == cap,
            area,
            f"expected the overall score held down from {uncapped} to {score} by the safeguarding cap (the rules "
            f"set it to {cap}); the result says uncapped {overall.get('uncapped')}, capped by {overall.get('capped_by')}",
        )
    if free is not None:
        check(
            not overall.get("capped_by"),
            area,
            f"expected no cap on the overall score; it was held down from {overall.get('uncapped')} by "
            f"{overall.get('capped_by')}",
        )


@then(parsers.re(r"the overall score is no higher than the safeguarding cap$"))
def then_overall_within_cap(area: Area) -> None:
    """Then the overall score is no higher than the safeguarding cap: the cap applies (the trail shows a rule
    capping the overall score), and whatever the elements give, the score is at most the cap the rules set."""
    cap = threshold(area, "safeguarding cap")
    got = _overall(area).get("score")
    capping = [
        e.id for e in area.result().audit if e.element == "overall" and "cap" in e.effect and e.status == "applied"
    ]
    check(bool(capping), area, f"expected the safeguarding cap ({cap}) to apply; no rule capped the overall score")
    check(got is not None and got <= cap, area, f"expected an overall score no higher than {cap}; it is {got}")


@then(
    parsers.re(
        r"the overall score is not given, as only (?P<judged>\d+) of the (?P<needed>\d+) elements needed are judged$"
    )
)
def then_overall_not_given(area: Area, judged: str, needed: str) -> None:
    """Then the overall score is not given, as only <n> of the <m> elements needed are judged: no overall score,
    and a note saying how many elements are judged (the lead council's, for per-body elements) of how many."""
    got = _overall(area).get("score")
    check(got is None, area, f"expected no overall score; it is {got}")
    notes = [note.text for note in area.notes("overall_not_given")]
    said = [t for t in notes if re.search(rf"\b{judged}\b", t) and re.search(rf"\b{needed}\b", t)]
    check(bool(said), area, f"expected a note that only {judged} of the {needed} elements needed are judged")


@then(parsers.re(r"the overall score is given, and no element is said to be missing$"))
def then_overall_given(area: Area) -> None:
    """Then the overall score is given, and no element is said to be missing: there is an overall score, and no
    note that too few elements are judged."""
    got = _overall(area).get("score")
    check(got is not None, area, "expected an overall score; there is none")
    said = [note.text for note in area.notes("overall_not_given")]
    check(not said, area, f"expected no note of elements missing; the result says: {'; '.join(said)}")


@then(parsers.re(r"the overall score counts only the area's own elements, as no body is marked as the lead council$"))
def then_overall_no_lead(area: Area) -> None:
    """Then the overall score counts only the area's own elements, as no body is marked as the lead council: the
    result carries a note saying so."""
    check(bool(area.notes("no_lead_council")), area, "expected a note that no body is marked as the lead council")


@then(parsers.re(r"the overall score says nothing of a missing lead council$"))
def then_overall_no_lead_note(area: Area) -> None:
    """Then the overall score says nothing of a missing lead council: no note that no body leads the area (with no
    per-body element judged, there is nothing the lead council's judgements would add)."""
    said = [note.text for note in area.notes("no_lead_council")]
    check(not said, area, f"expected no note about the lead council; the result says: {'; '.join(said)}")


@given(
    parsers.re(
        rf"(?P<who>it|the lead council) scored itself (?P<score>\d) for (?:the )?(?P<element>{ELEMENT_WORDS})$",
        flags=re.I,
    )
)
def given_self_assessment(area: Area, who: str, score: str, element: str) -> None:
    """Given it|the lead council scored itself <n> for <element>: the body's own score for an element (its
    self-assessment); 'it' is the body the scenario last named, else the lead council."""
    body_id = area.council() if who.lower() == "the lead council" else area.body()
    area.add_self_assessment(body_id, ELEMENTS[element.lower()], int(score))


def _self_assessment(area: Area, body_id: str, element: str) -> tuple[str | None, dict[str, Any]]:
    """The subject id of a body's self-assessment of an element, and what the result settled about it."""
    found = area.result().findings.get("self_assessment", {})
    for subject, entry in found.items():
        if subject.startswith(f"{body_id}/") and subject.endswith(f"/{element}"):
            return subject, entry
    return None, {}


@then(
    parsers.re(
        rf"(?P<whose>its|the lead council's) self-assessment of (?:the )?(?P<element>{ELEMENT_WORDS}) is "
        r"(?P<verdict>accurate|optimistic|pessimistic)$",
        flags=re.I,
    )
)
def then_self_awareness(area: Area, whose: str, element: str, verdict: str) -> None:
    """Then its|the lead council's self-assessment of <element> is accurate|optimistic|pessimistic: equal to the
    judgement (for the area elements, the area's), higher than it, or lower."""
    body_id = area.council() if whose.lower().startswith("the lead") else area.body()
    subject, entry = _self_assessment(area, body_id, ELEMENTS[element.lower()])
    got = entry["self_awareness"].value if "self_awareness" in entry else None
    judged = entry["self_review.judged"].value if "self_review.judged" in entry else None
    name = area.bodies[body_id]["name"]
    check(
        got == verdict.lower(),
        area,
        f"expected {name}'s self-assessment of {element} to be {verdict}; it is {got or 'not classified'} "
        f"(judged {judged})",
    )
    # The three verdicts exclude one another: a rule that also reached another one (and lost on the order of
    # the rules) means the rules do not say what the policy says.
    others = {
        event.id: event.effect["classify"]["self_awareness"]
        for event in area.result().audit
        if event.subject == subject
        and "self_awareness" in event.effect.get("classify", {})
        and event.effect["classify"]["self_awareness"] != got
    }
    check(
        not others,
        area,
        f"expected only the verdict {verdict} on {name}'s self-assessment of {element}; the rules also reached "
        + ", ".join(f"{label} ({rule})" for rule, label in others.items()),
    )


@then(
    parsers.re(
        rf"its self-assessment of (?:the )?(?P<element>{ELEMENT_WORDS}) is noted, with no judgement to compare it with$",
        flags=re.I,
    )
)
def then_self_assessment_not_compared(area: Area, element: str) -> None:
    """Then its self-assessment of <element> is noted, with no judgement to compare it with: the result keeps it
    in a note, and calls it neither accurate, optimistic nor pessimistic."""
    body_id = area.body()
    element_id = ELEMENTS[element.lower()]
    noted = [
        n for n in area.notes("self_assessment_not_compared") if n.body == body_id and n.subject.endswith(element_id)
    ]
    check(bool(noted), area, f"expected a note keeping {area.bodies[body_id]['name']}'s self-assessment of {element}")
    got = _self_assessment(area, body_id, element_id)[1].get("self_awareness")
    check(got is None, area, f"expected no verdict on the self-assessment; it is {got.value if got else None}")
