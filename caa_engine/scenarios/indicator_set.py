"""Steps of the National Indicator Set: indicators against their targets, last year's values and the national
quartiles, each indicator's labels, and the area's shares of targets met, improved and in the bottom quartile.
"""

from __future__ import annotations

import math
import re
from fractions import Fraction
from typing import Any

from pytest_bdd import given, parsers, then

from caa_engine.periods import period_year

from .area import Area
from .words import JUST, Share, check, percent, table_rows, threshold

# --------------------------------------------------------------------------------------------------
# National Indicator Set
# --------------------------------------------------------------------------------------------------

INDICATOR_CODE = r"[A-Z]{1,6} \d{1,4}[a-z]?"
LABEL_WORDS = {  # the words a scenario uses for each label the rules give an indicator
    "target_status": {"met": "met", "near miss": "near_miss", "missed": "missed"},
    "trend": {"improved": "improved", "stable": "stable", "declined": "declined"},
    "quartile": {"top": "top", "second": "second", "third": "third", "bottom": "bottom"},
    "value_quartile": {
        "upper": "upper",
        "upper middle": "upper_middle",
        "lower middle": "lower_middle",
        "lower": "lower",
    },
}
NOTHING = ("", "none", "-", "no")
SHARE_FINDINGS = {"of targets met": "met", "improved": "improved", "in the bottom quartile": "bottom"}


def number(text: str) -> Fraction:
    """A number as a scenario writes it: '47', '47%', '100,000', '-2.5' (a trailing % is the unit, not a share)."""
    cleaned = text.strip().removesuffix("%").replace(",", "")
    try:
        return Fraction(cleaned)
    except ValueError:
        raise ValueError(f"'{text}' is not a number") from None


def evidence_number(value: Fraction) -> int | float:
    """A number for the evidence bundle (JSON has ints and decimals), refusing one a decimal cannot hold exactly."""
    if value.denominator == 1:
        return int(value)
    as_float = float(value)
    if Fraction(repr(as_float)) != value:
        raise ValueError(f"{value} has no exact decimal form: choose a target or previous value that gives one")
    return as_float


def quartile_values(lower: str, median: str, upper: str) -> tuple[float, float, float]:
    """The national lower quartile, median and upper quartile, from a scenario's words."""
    return evidence_number(number(lower)), evidence_number(number(median)), evidence_number(number(upper))


def catalogue_polarity(area: Area, code: str) -> str | None:
    """Which way is better for a National Indicator of the rules' catalogue; None if it is not listed."""
    row = area.plan.tables.get("indicator", {}).get("rows", {}).get(code)
    return None if row is None else row.get("polarity")


def indicator_subject(area: Area, code: str | None) -> tuple[str, dict[str, Any]]:
    """The subject id and evidence entry of indicator ``code`` (of the body last named, if several bodies give
    it), or of the indicator the scenario added last when ``code`` is None."""
    if not area.indicators:
        raise ValueError("the scenario has no indicator yet")
    if code is None:
        entry = area.indicators[-1]
    else:
        entries = [e for e in area.indicators if e["code"] == code]
        if len(entries) > 1:
            entries = [e for e in entries if e["body"] == area.current] or entries
        if not entries:
            codes = ", ".join(e["code"] for e in area.indicators)
            raise ValueError(f"the scenario has no indicator {code} (it has: {codes})")
        entry = entries[0]
    return f"{entry['body']}/indicator/{entry['code']}", entry


def indicator_label(area: Area, code: str | None, classification: str) -> tuple[str | None, str]:
    """The label the rules gave an indicator for a classification (target_status, trend, quartile), or None;
    and a description of the indicator and its labels for a failure message."""
    area.require(classification)
    subject, entry = indicator_subject(area, code)
    found = area.result().findings.get("indicator", {}).get(subject, {})
    labels = {name: f.value for name, f in found.items() if name in LABEL_WORDS}
    shown = ", ".join(f"{k.replace('_', ' ')} {v.replace('_', ' ')}" for k, v in labels.items()) or "no labels"
    described = f"indicator {entry['code']} ({_evidence_words(entry)}) has {shown}"
    return labels.get(classification), described


def _evidence_words(entry: dict[str, Any]) -> str:
    parts = [f"{key} {entry[key]}" for key in ("polarity", "value", "target", "previous") if key in entry]
    if "benchmarks" in entry:
        parts.append("quartiles " + ", ".join(str(v) for v in entry["benchmarks"].values()))
    if "history" in entry:
        parts.append("history " + ", ".join(f"{period}: {value}" for period, value in entry["history"].items()))
    return "; ".join(parts)


def indicator_value(
    area: Area, how: str, reference: Fraction, reference_words: str, band_words: str, polarity: str
) -> Fraction:
    """A value in words relative to a target or previous value: 'of 47', 'at the target', 'just better than the
    target', 'worse than the previous value by 3', '... by 10%' (of it), '... by [just under|exactly|just over]
    the <threshold>' (that share of it, read from the rules under test).

    'Just' is one hundredth of the band the comparison is about (the near-miss band against a target, the
    stable band against a previous value; one thousandth of the reference where that band is 0), so a value
    'just worse than the target' is within the near-miss band under any band but 0.
    """
    how = how.strip()
    if m := re.fullmatch(r"of (\S+)", how):
        return number(m.group(1))
    if re.fullmatch(rf"(?:at|equal to) the {reference_words}", how):
        return reference
    m = re.fullmatch(rf"(?P<just>just )?(?P<way>better|worse) than the {reference_words}(?: by (?P<by>.+))?", how)
    if m is None:
        raise ValueError(
            f"say the value as 'of 47', 'at the {reference_words}', 'just better|worse than the {reference_words}' "
            f"or 'better|worse than the {reference_words} by <how much>', not '{how}'"
        )
    size = abs(reference)
    band = Fraction(threshold(area, band_words)) * size
    just = band * JUST if band else (size * JUST / 10 or JUST)
    if m.group("just"):
        if m.group("by"):
            raise ValueError(f"say either 'just {m.group('way')}' or 'by' how much, not both: '{how}'")
        delta = just
    elif m.group("by") is None:
        raise ValueError(f"say by how much the value is {m.group('way')} than the {reference_words}: '{how}'")
    else:
        delta = _by_how_much(area, m.group("by"), size)
    better = 1 if polarity == "higher" else -1
    return reference + delta * (better if m.group("way") == "better" else -better)


def _by_how_much(area: Area, words: str, size: Fraction) -> Fraction:
    """'3' (in the indicator's unit), '10%' (of the reference), or '[just under|exactly|just over] the <threshold>'."""
    words = words.strip()
    if re.fullmatch(r"-?[\d,]*\.?\d+%", words):
        return number(words) / 100 * size
    if re.fullmatch(r"-?[\d,]*\.?\d+", words):
        return number(words)
    m = re.fullmatch(r"(?:(?P<where>just under|just within|exactly|just over|just beyond) )?(?P<what>.+)", words)
    assert m is not None
    amount = Fraction(threshold(area, m.group("what"))) * size
    where = m.group("where") or "exactly"
    if where in ("just under", "just within"):
        if amount == 0:
            raise ValueError(f"{m.group('what')} is 0 in the rules under test: nothing is within it")
        return amount - amount * JUST
    if where in ("just over", "just beyond"):
        return amount + (amount * JUST if amount else size * JUST / 10 or JUST)
    return amount


def check_label(area: Area, code: str | None, classification: str, want: str | None) -> None:
    got, described = indicator_label(area, code, classification)
    what = classification.replace("_", " ")
    expected = f"{what} {want.replace('_', ' ')}" if want else f"no {what}"
    check(got == want, area, f"expected {expected}, but {described}")


def history_values(code: str, words: str) -> dict[str, int | float]:
    """An indicator's values in earlier periods, as a scenario writes them: '2006/07: 40, 2007/08: 44'."""
    values: dict[str, int | float] = {}
    for part in words.split(","):
        period, colon, value = part.partition(":")
        period = period.strip()
        if not colon or period_year(period) is None or not value.strip():
            raise ValueError(
                f"write {code}'s history as periods and values, '2006/07: 40, 2007/08: 44', not '{words.strip()}'"
            )
        values[period] = evidence_number(number(value.strip()))
    return values


def rules_labels(area: Area, fact_type: str) -> dict[str, str]:
    """Every label the rules under test can give a fact of ``fact_type`` (label -> its classification)."""
    return {
        label: name
        for rule in area.plan.rules
        for name, label in rule.classify
        if area.plan.classifications.get(name) == fact_type
    }


def share_value(words: str) -> Fraction:
    """A share as a scenario states a result: '75%', '3 of 4', '0', 'none', 'all'."""
    words = words.strip().lower()
    if words in ("none", "no", "0"):
        return Fraction(0)
    if words == "all":
        return Fraction(1)
    if m := re.fullmatch(r"(\d+) of (\d+)", words):
        return Fraction(int(m.group(1)), int(m.group(2)))
    if words.endswith("%"):
        return number(words) / 100
    raise ValueError(f"say a share as '75%', '3 of 4', 'none' or 'all', not '{words}'")


def indicator_share(area: Area, which: str) -> Any:
    """The finding of the area's share of targets met / indicators improved / benchmarked indicators in the
    bottom quartile (its value is rounded to six decimals; its evidence says how many of how many)."""
    field_name = SHARE_FINDINGS[which]
    area.require(f"indicator_shares.{field_name}")
    for settled in area.result().findings.get("area", {}).values():
        found = settled.get(f"indicator_shares.{field_name}")
        if found is not None:
            return found
    return None


@given(parsers.re(r"the area's indicators(?: are)?:$"))
def given_indicator_table(area: Area, datatable: list[list[str]]) -> None:
    """Given the area's indicators are: a table of indicators, one a row; an empty cell is not given.

    Columns: indicator (a code: 'NI 192', or 'LPI 1' for a local indicator), better ('higher' or 'lower';
    a National Indicator takes it from the catalogue, so it may be left empty), value, target, previous,
    lower quartile, median, upper quartile (all three or none), and optionally title, body (the body
    responsible; the body last named otherwise) and history (its values in earlier periods: '2006/07: 40,
    2007/08: 44').
    """
    for row in table_rows(datatable, ("indicator", "value")):
        code = row.get("indicator", "")
        if not re.fullmatch(INDICATOR_CODE, code):
            raise ValueError(f"'{code}' is not an indicator code: say 'NI 192', or 'LPI 1' for a local one")
        body_id = area.body(row["body"]) if row.get("body") else area.body()
        better = row.get("better", "").lower().removesuffix(" is better") or None
        listed = catalogue_polarity(area, code)
        if listed is not None and better not in (None, listed):
            raise ValueError(f"the catalogue says {listed} is better for {code}, not {better}")
        if listed is None and better is None:
            raise ValueError(f"{code} is not in the catalogue: say whether higher or lower is better")
        given = {key: number(row[key]) for key in ("value", "target", "previous") if row.get(key)}
        if "value" not in given:
            raise ValueError(f"give {code} a value: its value cell is empty")
        bounds = [row.get(key, "") for key in ("lower quartile", "median", "upper quartile")]
        if any(bounds) and not all(bounds):
            raise ValueError(f"give {code} all three national quartiles (lower quartile, median, upper quartile)")
        entry = area.add_indicator(
            body_id,
            code=code,
            value=evidence_number(given["value"]),
            polarity=None if listed else better,
            target=evidence_number(given["target"]) if "target" in given else None,
            previous=evidence_number(given["previous"]) if "previous" in given else None,
            quartiles=quartile_values(*bounds) if all(bounds) else None,
            history=history_values(code, row["history"]) if row.get("history") else None,
        )
        if row.get("title"):
            entry["title"] = row["title"]


@given(
    parsers.re(
        r"an indicator where (?P<better>higher|lower) is better, with a target of (?P<target>\S+) "
        r"and a value (?P<how>.+)$"
    )
)
def given_indicator_against_target(area: Area, better: str, target: str, how: str) -> None:
    """Given an indicator where higher|lower is better, with a target of <n> and a value <how>: one local
    indicator of the body last named, judged against its target.

    The value: 'of 47', 'at the target', 'just better than the target', 'just worse than the target', or
    'worse than the target by <how much>': '3', '10%' (of the target), or '[just under|exactly|just over] the
    near-miss band' (that share of the target, read from the rules under test). 'Just' is a hundredth of the
    near-miss band.
    """
    reference = number(target)
    value = indicator_value(area, how, reference, "target", "near-miss band", better)
    area.add_indicator(area.body(), value=evidence_number(value), polarity=better, target=evidence_number(reference))


@given(
    parsers.re(
        r"an indicator where (?P<better>higher|lower) is better, with a previous value of (?P<previous>\S+) "
        r"and a value (?P<how>.+)$"
    )
)
def given_indicator_against_previous(area: Area, better: str, previous: str, how: str) -> None:
    """Given an indicator where higher|lower is better, with a previous value of <n> and a value <how>: one local
    indicator of the body last named, judged against last year's value.

    The value: 'of 48', 'at the previous value', 'just better|worse than the previous value', or
    'better|worse than the previous value by <how much>': '3', '10%' (of the previous value), or '[just
    under|exactly|just over] the stable band' (read from the rules under test). 'Just' is a hundredth of the
    stable band.
    """
    reference = number(previous)
    value = indicator_value(area, how, reference, "previous value", "stable band", better)
    area.add_indicator(area.body(), value=evidence_number(value), polarity=better, previous=evidence_number(reference))


@given(
    parsers.re(
        r"an indicator where (?P<better>higher|lower) is better, with a value of (?P<value>\S+) against a national "
        r"lower quartile of (?P<lower>\S+), a median of (?P<median>\S+) and an upper quartile of (?P<upper>\S+)$"
    )
)
def given_indicator_benchmarked(area: Area, better: str, value: str, lower: str, median: str, upper: str) -> None:
    """Given an indicator where higher|lower is better, with a value of <n> against a national lower quartile of
    <n>, a median of <n> and an upper quartile of <n>: one local indicator, benchmarked nationally."""
    area.add_indicator(
        area.body(),
        value=evidence_number(number(value)),
        polarity=better,
        quartiles=quartile_values(lower, median, upper),
    )


@given(
    parsers.re(
        r"the area's indicators (?:meet (?P<met>.+?) of their targets(?P<near> and narrowly miss the rest)?"
        r"|have no targets), (?:(?P<improved>.+?) of them improved|none has a previous value) and "
        r"(?:(?P<bottom>.+?) of those benchmarked sit in the bottom quartile|none is benchmarked)$"
    )
)
def given_indicator_shares(
    area: Area, met: str | None, near: str | None, improved: str | None, bottom: str | None
) -> None:
    """Given the area's indicators meet <share> of their targets[ and narrowly miss the rest], <share> of them
    improved and <share> of those benchmarked sit in the bottom quartile: local indicators of the body last
    named (higher is better) giving exactly those shares.

    A share: '75%', 'all', 'none', 'half', '3 of 4', or '[just below|at|just above] <threshold>' read from the
    rules under test ('at the performing strongly share met'); enough indicators are built for every share to
    be exact. The targets not met are missed by far, or, with 'and narrowly miss the rest', near misses (worse
    than the target by half the near-miss band). Instead of a share: 'have no targets', 'none has a previous
    value', 'none is benchmarked'.
    """
    words = (met, improved, bottom)
    sizes = [Share(w).out_of(area, "indicator_set") for w in words if w is not None]
    out_of = math.lcm(*sizes)
    if out_of > 200:  # shares too fine to build all exactly: the largest size the shares asked for
        out_of = max(sizes)
    counts = [None if w is None else Share(w).count(area, out_of, "indicator_set") for w in words]
    body_id = area.body()
    first = len(area.indicators)
    area.add_indicator_mix(body_id, out_of, met=counts[0], improved=counts[1], bottom=counts[2])
    if near and counts[0] is not None:
        band = Fraction(threshold(area, "near-miss band"))
        for entry in area.indicators[first + counts[0] :]:
            # worse than the target by half the near-miss band: a near miss, not met
            entry["target"] = evidence_number(Fraction(entry["value"]) * (1 + band / 2))


@then(
    parsers.re(
        rf"(?:the indicator|indicator (?P<code>{INDICATOR_CODE})) (?P<verdict>has met its target|is a near miss"
        r"|has missed its target|has no target status)$"
    )
)
def then_indicator_target(area: Area, code: str | None, verdict: str) -> None:
    """Then indicator <code> has met its target|is a near miss|has missed its target|has no target status: how it
    did against its target ('the indicator' means the one added last)."""
    want = {"has met its target": "met", "is a near miss": "near_miss", "has missed its target": "missed"}
    check_label(area, code, "target_status", want.get(verdict))


@then(
    parsers.re(
        rf"(?:the indicator|indicator (?P<code>{INDICATOR_CODE})) (?P<verdict>has improved|is stable|has declined"
        r"|has no trend)$"
    )
)
def then_indicator_trend(area: Area, code: str | None, verdict: str) -> None:
    """Then indicator <code> has improved|is stable|has declined|has no trend: how it moved from its previous
    value ('the indicator' means the one added last)."""
    want = {"has improved": "improved", "is stable": "stable", "has declined": "declined"}
    check_label(area, code, "trend", want.get(verdict))


@then(
    parsers.re(
        rf"(?:the indicator|indicator (?P<code>{INDICATOR_CODE})) (?:sits in the (?P<quartile>top|second|third"
        r"|bottom) quartile|has no quartile)$"
    )
)
def then_indicator_quartile(area: Area, code: str | None, quartile: str | None) -> None:
    """Then indicator <code> sits in the top|second|third|bottom quartile|has no quartile: where it sits among
    the national quartiles ('the indicator' means the one added last)."""
    check_label(area, code, "quartile", quartile)


@then(parsers.re(r"the indicators are judged:$"))
def then_indicator_table(area: Area, datatable: list[list[str]]) -> None:
    """Then the indicators are judged: a table with columns indicator and any of target (met, near miss,
    missed), trend (improved, stable, declined), quartile (top, second, third, bottom) and value quartile (upper,
    upper middle, lower middle, lower: for an indicator with no better direction); 'none' or an empty cell for no
    such label."""
    columns = {"target": "target_status", "trend": "trend", "quartile": "quartile", "value quartile": "value_quartile"}
    for row in table_rows(datatable, ("indicator",)):
        for column, classification in columns.items():
            if column not in row:
                continue
            words = row[column].lower()
            if words in NOTHING:
                check_label(area, row["indicator"], classification, None)
                continue
            if words not in LABEL_WORDS[classification]:
                raise ValueError(f"say the {column} as one of {', '.join(LABEL_WORDS[classification])}, not '{words}'")
            check_label(area, row["indicator"], classification, LABEL_WORDS[classification][words])


@then(
    parsers.re(
        r"the area's indicators' share (?P<which>of targets met|improved|in the bottom quartile) is (?P<share>.+)$"
    )
)
def then_indicator_share(area: Area, which: str, share: str) -> None:
    """Then the area's indicators' share of targets met|improved|in the bottom quartile is <share>: each share is
    taken over the indicators that have what it needs (a target, a previous value, benchmarks); nothing to
    count is 0."""
    want = share_value(share)
    found = indicator_share(area, which)
    if found is None:
        check(False, area, f"expected the area's share {which} to be {share}; it is not computed")
        return
    # the finding's value is rounded to six decimals; a share stated as 'k of n' is also checked exactly
    close = abs(Fraction(str(found.value)) - want) <= Fraction(1, 10**6)
    m = re.fullmatch(r"\s*(\d+) of (\d+)\s*", share)
    counted = m is None or any(f"({m.group(1)} of {m.group(2)}" in line for line in found.evidence)
    taken = "; ".join(found.evidence)
    check(
        close and counted,
        area,
        f"expected the area's share {which} to be {share.strip()}; it is {percent(Fraction(str(found.value)))} "
        f"({taken})",
    )


@then(
    parsers.re(
        rf"(?:the indicator|indicator (?P<code>{INDICATOR_CODE})) is (?P<negated>not )?labelled (?P<label>[a-z][a-z ]*)$"
    )
)
def then_indicator_labelled(area: Area, code: str | None, negated: str | None, label: str) -> None:
    """Then indicator <code> is [not] labelled <label>: whether the rules under test gave the indicator that label
    of any classification of theirs ('improving steadily' for the rules' improving_steadily); for rules of one's
    own, beside the brief's target status, trend and quartile ('the indicator' means the one added last).

    A label the rules under test cannot give an indicator fails the step, so a renamed label is not passed over."""
    wanted = label.strip().replace(" ", "_")
    known = rules_labels(area, "indicator")
    if wanted not in known:
        shown = ", ".join(name.replace("_", " ") for name in sorted(known)) or "none"
        raise AssertionError(
            f"the rules under test give an indicator no label '{label}' (the labels they can give: {shown})"
        )
    subject, entry = indicator_subject(area, code)
    found = area.result().findings.get("indicator", {}).get(subject, {})
    given = {name: f.value for name, f in found.items() if name in area.plan.classifications}
    has = given.get(known[wanted]) == wanted
    shown = ", ".join(f"{k.replace('_', ' ')} {v.replace('_', ' ')}" for k, v in sorted(given.items())) or "no labels"
    described = f"indicator {entry['code']} ({_evidence_words(entry)}) has {shown}"
    check(has != bool(negated), area, f"expected it {'not ' if negated else ''}labelled {label}, but {described}")
