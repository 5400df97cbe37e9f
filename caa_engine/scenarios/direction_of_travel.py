"""Steps of each council's direction of travel: indicators improved on last year and improvement-plan
milestones delivered, at shares named or read from the rules under test, and the shares the judgement counted.
"""

from __future__ import annotations

import re
from fractions import Fraction
from typing import Any

from pytest_bdd import given, parsers, then

from .area import Area
from .words import JUST, SHARE, Share, check, percent, table_rows, threshold, whole

# --------------------------------------------------------------------------------------------------
# Direction of travel
# --------------------------------------------------------------------------------------------------

# Where the direction of travel rules put the two shares a council is judged on (the measures' into.field).
DOT_SHARES = {"improved": "progress.improved", "delivered": "progress.delivered"}
DOT_COUNCIL_COLUMNS = ("indicators", "improved", "milestones", "delivered")
DOT_BAND = re.compile(r"\bthe improving (?:strongly|well|adequately) share$", re.I)


def dot_count(area: Area, words: str, out_of: str | None, counted: str) -> tuple[int, int]:
    """(how many, out of how many) a direction of travel step names: '53' of '104', 'all', 'none', 'half',
    '75%', or '[just below|exactly|just above] the improving <band> share', which is the share improved (or
    delivered, as ``counted`` says) that band needs. Without a number to count out of, enough things are
    built that just below, at and just above the threshold are all exact."""
    words = words.strip()
    if re.fullmatch(r"\d+", words):
        if out_of is None:
            raise ValueError(f"say how many '{words}' is out of, as in '{words} of 20'")
        words = f"{words} of {out_of}"
    elif DOT_BAND.search(words):
        words = f"{words} {counted}"
    share = Share(words)
    total = int(out_of) if out_of is not None else share.out_of(area)
    return share.count(area, total), total


def dot_change(area: Area, words: str) -> Fraction:
    """A change in words, as a share of last year's value: '10%', or '[just below|exactly|just above] the
    stable band' (a hundredth of the band below or above it: JUST)."""
    m = SHARE.match(words.strip())
    assert m is not None
    what = m.group("what")
    if re.fullmatch(r"\d+(?:\.\d+)?%", what):
        value = Fraction(what[:-1]) / 100
    else:
        value = Fraction(threshold(area, what))
    step = value * JUST if value else JUST / 10
    where = (m.group("where") or "at").lower()
    if where in ("just below", "just under"):
        if value == 0:
            raise ValueError(f"nothing is below '{what}' ({percent(value)})")
        return value - step
    if where in ("just above", "just over"):
        return value + step
    return value


def dot_share_found(area: Area, body_id: str, counted: str) -> tuple[Any, tuple[int, int] | None]:
    """The share improved or delivered the direction of travel counted for a body, and (how many counted,
    out of how many) from the audit trail of the measure that took it (None if it took none)."""
    area.require(DOT_SHARES[counted])
    result = area.result()
    finding = result.findings.get("body", {}).get(body_id, {}).get(DOT_SHARES[counted])
    if finding is None:
        return None, None
    for event in result.audit:
        if event.kind == "measure" and event.id == finding.by and event.subject == body_id:
            for read in event.inputs:
                if read.name.startswith("share("):
                    return finding.value, (len(read.facts), len(read.among))
    return finding.value, None


def dot_expected(words: str) -> tuple[Fraction, tuple[int, int] | None]:
    """A share a 'Then' states: '53 of its 104', '75% of its', 'all of its', 'none of its'."""
    words = words.strip()
    if m := re.fullmatch(r"(\d+) of its (\d+)", words):
        return Fraction(int(m.group(1)), int(m.group(2))), (int(m.group(1)), int(m.group(2)))
    if m := re.fullmatch(r"(\d+(?:\.\d+)?)% of its", words):
        return Fraction(m.group(1)) / 100, None
    if words == "all of its":
        return Fraction(1), None
    if words == "none of its":
        return Fraction(0), None
    raise ValueError(f"say a share as '53 of its 104', '75% of its', 'all of its' or 'none of its', not '{words}'")


@given(
    parsers.re(
        r"(?:a council whose|its|(?P<name>[A-Z][^']*?)'s) indicators improved on last year in (?P<share>.+?) of "
        r"(?:(?P<out_of>\d+) )?cases$"
    )
)
def given_dot_indicators_improved(area: Area, name: str | None, share: str, out_of: str | None) -> None:
    """Given a council whose indicators improved on last year in <share> of <n> cases: that many of the council's
    indicators (higher is better) improved on last year by far, and the rest declined by far.

    Also 'its indicators ...' or '<body>'s indicators ...'. The share: a number ('53 of 104 cases'), 'all',
    'none', 'half', a percentage, or '[just below|exactly|just above] the improving <strongly|well|adequately>
    share' (the share improved that band needs, read from the rules under test); without '<n>', enough
    indicators are built for that share to be exact.
    """
    body_id = area.body(name)
    improved, total = dot_count(area, share, out_of, "improved")
    area.add_indicator_mix(body_id, total, improved=improved)


@given(
    parsers.re(
        r"(?:a council whose|its|(?P<name>[A-Z][^']*?)'s) indicators include (?P<count>\d+) that "
        r"(?P<way>rose|fell) by (?P<change>.+?) on last year$"
    )
)
def given_dot_indicators_moved(area: Area, name: str | None, count: str, way: str, change: str) -> None:
    """Given a council whose indicators include <n> that rose|fell by <change> on last year: <n> indicators
    (higher is better) whose value moved by that share of last year's value.

    The change: a percentage, or '[just below|exactly|just above] the stable band' (read from the rules under
    test; just below and just above are a hundredth of the band either side).
    """
    body_id = area.body(name)
    moved = dot_change(area, change) * (1 if way == "rose" else -1)
    previous = 1000
    value = previous * (1 + moved)
    for _ in range(int(count)):
        area.add_indicator(body_id, value=int(value) if value.denominator == 1 else float(value), previous=previous)


@given(
    parsers.re(
        r"(?:a council whose|its|(?P<name>[A-Z][^']*?)'s) indicators include (?P<count>\d+) with no value "
        r"for last year$"
    )
)
def given_dot_indicators_without_previous(area: Area, name: str | None, count: str) -> None:
    """Given a council whose indicators include <n> with no value for last year: <n> indicators with no previous
    value, so with no trend either way."""
    body_id = area.body(name)
    for _ in range(int(count)):
        area.add_indicator(body_id, value=100)


@given(
    parsers.re(
        r"(?:a council that|it|(?P<name>[A-Z][^']*?)) delivered (?P<share>.+?) of its (?:(?P<out_of>\d+) )?"
        r"improvement-plan milestones$"
    )
)
def given_dot_milestones_delivered(area: Area, name: str | None, share: str, out_of: str | None) -> None:
    """Given a council that delivered <share> of its <n> improvement-plan milestones: the council's improvement
    plan has <n> milestones, that many of them delivered.

    Also 'it delivered ...' or '<body> delivered ...'. The share as for indicators: '7 of its 10', 'all',
    'none', a percentage, or '[just below|exactly|just above] the improving <band> share' (the share delivered
    that band needs, read from the rules under test).
    """
    body_id = area.body(name)
    delivered, planned = dot_count(area, share, out_of, "delivered")
    area.add_milestones(body_id, delivered, planned)


@given(parsers.re(r"(?:its|(?P<name>[A-Z][^']*?)'s) improvement plan has the milestones:$"))
def given_dot_milestone_table(area: Area, name: str | None, datatable: list[list[str]]) -> None:
    """Given its improvement plan has the milestones: a table with columns milestone and delivered (yes or no)."""
    body_id = area.body(name)
    for row in table_rows(datatable, ("milestone", "delivered")):
        answer = row["delivered"].lower()
        if answer not in ("yes", "no"):
            raise ValueError(f"say whether '{row['milestone']}' was delivered as yes or no, not '{row['delivered']}'")
        area.milestones.append({"body": body_id, "title": row["milestone"], "delivered": answer == "yes"})


@given(parsers.re(r"(?:its|(?P<name>[A-Z][^']*?)'s) improvement plan has no milestones$"))
def given_dot_no_milestones(area: Area, name: str | None) -> None:
    """Given its improvement plan has no milestones: the evidence has none for the council (nothing is added)."""
    body_id = area.body(name)
    if any(m["body"] == body_id for m in area.milestones):
        raise ValueError(f"the scenario already gave {area.bodies[body_id]['name']} improvement-plan milestones")


@given(parsers.re(r"the councils' indicators and milestones are:$"))
def given_dot_council_table(area: Area, datatable: list[list[str]]) -> None:
    """Given the councils' indicators and milestones are: a table with columns council, indicators, improved,
    milestones and delivered; each council named must be in the scenario already, and gets that many indicators
    of its own (the improved ones improved on last year, the rest declined) and that many milestones (the
    delivered ones delivered)."""
    for row in table_rows(datatable, ("council", *DOT_COUNCIL_COLUMNS)):
        body_id = area.body(row["council"])
        count = {column: whole(row[column], f"{column} of {row['council']}") for column in DOT_COUNCIL_COLUMNS}
        area.add_indicator_mix(body_id, count["indicators"], improved=count["improved"])
        area.add_milestones(body_id, count["delivered"], count["milestones"])


@then(
    parsers.re(
        r"(?:its|(?P<name>[A-Z][^']*?)'s) direction of travel counts (?P<improved>.+?) indicators"
        r"(?: with a value for last year)? improved and (?P<delivered>.+?) milestones delivered$"
    )
)
def then_dot_counts(area: Area, name: str | None, improved: str, delivered: str) -> None:
    """Then its direction of travel counts <a> of its <b> indicators improved and <c> of its <d> milestones delivered:
    the two shares the judgement rests on, and what each was taken over.

    Also '<body>'s direction of travel counts ...', and '... indicators with a value for last year improved'.
    Each share: '<a> of its <b>' (checks the counts too), '<n>% of its', 'all of its' or 'none of its'.
    """
    body_id = area.body(name)
    who = area.bodies[body_id]["name"]
    for counted, words in (("improved", improved), ("delivered", delivered)):
        want, want_counts = dot_expected(words)
        got, got_counts = dot_share_found(area, body_id, counted)
        what = "indicators improved" if counted == "improved" else "milestones delivered"
        check(got is not None, area, f"expected a share of {what} for {who}; the result has none")
        check(
            abs(Fraction(str(got)) - want) < Fraction(1, 10**5),
            area,
            f"expected {percent(want)} of {who}'s {what}; the result says {percent(Fraction(str(got)))}",
        )
        if want_counts is not None:
            check(
                got_counts == want_counts,
                area,
                f"expected {want_counts[0]} of {want_counts[1]} {what} for {who}; the result counted "
                + (f"{got_counts[0]} of {got_counts[1]}" if got_counts else "none"),
            )


@then(
    parsers.re(
        r"(?:it|(?P<name>[A-Z][^']*?)) has no direction of travel, and the result says it had nothing to judge it on$"
    )
)
def then_dot_nothing_to_judge(area: Area, name: str | None) -> None:
    """Then it has no direction of travel, and the result says it had nothing to judge it on: no score, and a
    note on the council that it had neither indicators nor improvement-plan milestones."""
    body_id = area.body(name)
    got, got_label, who = area.judgement("direction_of_travel", body_id)
    check(got is None, area, f"expected no direction of travel for {who}; it is {got}, {got_label}")
    said = [note for note in area.notes("direction_of_travel_not_judged") if note.body == body_id]
    check(bool(said), area, f"expected the result to say {who} had nothing to judge its direction of travel on")


@then(parsers.re(r"(?:it|(?P<name>[A-Z][^']*?)) has no direction of travel, as it is not a council$"))
def then_dot_not_a_council(area: Area, name: str | None) -> None:
    """Then it has no direction of travel, as it is not a council: no score, and no note either (only councils
    are judged, so there is nothing to explain)."""
    body_id = area.body(name)
    got, got_label, who = area.judgement("direction_of_travel", body_id)
    check(got is None, area, f"expected no direction of travel for {who}; it is {got}, {got_label}")
    said = [note.text for note in area.notes("direction_of_travel_not_judged") if note.body == body_id]
    check(not said, area, f"expected no direction of travel note for {who}, which is not a council: {said}")
    for counted in DOT_SHARES:
        check(
            dot_share_found(area, body_id, counted)[0] is None,
            area,
            f"expected no share {counted} to be counted for {who}, which is not a council",
        )
