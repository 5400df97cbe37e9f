"""The floor: the policy brief's DEFAULT policy written straight in Python, over the same dicts the engine takes.

This is what a careful programmer would write for speed if the policy never changed: no rule files, no audit trail,
no validation (the bundles are assumed valid, as the engine has already accepted them), the brief's default numbers
as constants. It is the yardstick of issue 9: the engine's time for an area is reported as a multiple of this one's.

It must agree with the engine, exactly. Where the engine compares exactly (its numbers are fractions), so does
this: the shares are compared by integer cross-multiplication (``met / targets >= 75 %`` as ``100 * met >= 75 *
targets``), and the two band tests that need arithmetic on the evidence's numbers (a near miss within 5 % of the
target, a stable trend within 1 % of the previous value) are decided in floating point only when the answer is
clear by a wide margin, and otherwise exactly with ``fractions.Fraction`` of the number as written (``0.1`` is one
tenth), as the engine reads it. Plain comparisons of two numbers (``value >= target``) need no arithmetic and are
exact on floats already.

How the shipped rules read the brief, where the brief leaves a choice (rules/*.yaml):

- indicator set: each share is over the indicators that have what it needs (a target, a previous value, all three
  benchmarks); a share with nothing to count is 0; with no targets at all the share improved stands in for the
  share met; an area with no indicators gets no score. Every indicator in the area counts, a police one too. An
  indicator with polarity none (no better direction) gets no target status, trend or quartile, only where its
  value sits among the quartiles (upper, upper middle, lower middle, lower), and counts in no share.
- direction of travel: councils only, and only a council with at least one indicator or milestone of its own;
  the share improved is over the council's own indicators that have a previous value.
- use of resources: a theme's score is the lower median of its KLOE scores (the middle one, or the lower of the two
  middle ones), never more than one above its lowest; a body with a single theme meets no band of two themes: 1.
- risk assessment: one verdict per outcome or innovation, a failed one taking the honourable-failure test first;
  an area with no outcomes and no innovations gets no score.
- overall: the area's two elements and the lead council's two per-body elements; all four are needed for a score.
  The safeguarding cap holds the score at 2 when any red flag is on an outcome or innovation that concerns
  vulnerable people. A self-assessment of ``overall`` is never compared.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import date
from fractions import Fraction
from pathlib import Path
from typing import Any

import yaml

COUNCILS = frozenset(("county", "district", "unitary", "metropolitan", "london_borough"))
THEME = {
    "1.1": 0, "1.2": 0, "1.3": 0,  # managing finances
    "2.1": 1, "2.2": 1, "2.3": 1, "2.4": 1,  # governing the business
    "3.1": 2, "3.2": 2, "3.3": 2,  # managing resources
}  # fmt: skip
THEME_NAMES = ("managing_finances", "governing_the_business", "managing_resources")
PROPORTIONATE = frozenset(("pilot", "staged", "capped_cost"))
APPROVERS = frozenset(("cabinet", "board"))
PER_BODY = frozenset(("direction_of_travel", "use_of_resources"))

# The brief's default numbers, as whole percentages.
NEAR_MISS_PERCENT = 5
STABLE_PERCENT = 1
NI_STRONG = (75, 50, 10)  # met at least, improved at least, bottom quartile at most
NI_WELL = (60, 40)
NI_ADEQUATE = 40
DOT_STRONG = (65, 80)  # improved, delivered
DOT_WELL = (50, 60)
DOT_ADEQUATE = (35, 50)  # improved, or delivered
SAFEGUARDING_CAP = 2


# -- exact arithmetic -----------------------------------------------------------------------------------------------


def _exact(number: int | float) -> int | Fraction:
    """The number as the evidence wrote it: a float through its shortest decimal text, as the engine reads it."""
    return number if isinstance(number, int) else Fraction(repr(number))


def _within(value: int | float, reference: int | float, percent: int) -> bool:
    """``|value - reference| <= percent % of |reference|``, exactly.

    Floats decide it when the two sides differ by far more than any rounding could move them; only a case within a
    hair of the band's edge (a value exactly 5 % off its target, say) is redone with fractions.
    """
    if type(value) is int and type(reference) is int:
        return abs(value - reference) * 100 <= percent * abs(reference)
    left = abs(value - reference) * 100
    right = percent * abs(reference)
    if abs(left - right) > 1e-9 * (abs(value) + abs(reference)) * 100:
        return left <= right
    exact_value, exact_reference = _exact(value), _exact(reference)
    return abs(exact_value - exact_reference) * 100 <= percent * abs(exact_reference)


def _at_least(count: int, total: int, percent: int) -> bool:
    """``count / total >= percent %``, where a share with nothing to count is 0."""
    return total > 0 and count * 100 >= percent * total if percent > 0 else True


def _day(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


# -- use of resources -----------------------------------------------------------------------------------------------


def theme_scores(kloes: dict[str, int]) -> list[int | None]:
    """Each theme's score (None where no KLOE of it was assessed): the lower median, at most one above the lowest."""
    themes: list[list[int]] = [[], [], []]
    for code, score in kloes.items():
        themes[THEME[code]].append(score)
    out: list[int | None] = []
    for scores in themes:
        if not scores:
            out.append(None)
            continue
        scores.sort()
        median, cap = scores[(len(scores) - 1) // 2], scores[0] + 1
        out.append(median if median < cap else cap)
    return out


def uor_score(kloes: dict[str, int]) -> int:
    """A body's use-of-resources score from its KLOE scores."""
    at4 = at3 = at2 = 0
    lowest = 5
    for score in theme_scores(kloes):
        if score is None:
            continue
        if score >= 4:
            at4 += 1
        if score >= 3:
            at3 += 1
        if score >= 2:
            at2 += 1
        if score < lowest:
            lowest = score
    if at4 >= 2 and lowest >= 3:
        return 4
    if at3 >= 2 and lowest >= 2:
        return 3
    if at2 >= 2:
        return 2
    return 1


# -- the whole area -------------------------------------------------------------------------------------------------


def _honourable(item: dict[str, Any], register: dict[str, dict[str, Any]]) -> bool:
    """The honourable-failure test: criteria 1-4, and 5 or 6, and neither vulnerable people nor fraud or negligence."""
    if item.get("vulnerable") or item.get("fraud_found") or item.get("negligence_found"):
        return False
    risk = register.get(item.get("risk"))  # type: ignore[arg-type]
    started = item.get("started_on")
    if risk is None or started is None:
        return False
    return (
        _day(risk["recorded_on"]) < _day(started)
        and len(risk.get("mitigations") or ()) >= 1
        and risk.get("contingency") is not None
        and risk["exposure"] in PROPORTIONATE
        and bool(risk.get("lessons_captured"))
        and bool(risk.get("lessons_shared"))
        and (
            risk.get("appetite_approved_by") in APPROVERS
            or (len(risk.get("early_warning_indicators") or ()) >= 1 and bool(risk.get("monitoring_acted_on")))
        )
    )


def _band(scores: list[int]) -> int:
    """The overall combination of the four element scores (the CPA rule adapted to four elements)."""
    at4 = sum(score >= 4 for score in scores)
    at3 = sum(score >= 3 for score in scores)
    at2 = sum(score >= 2 for score in scores)
    lowest = min(scores)
    if at4 >= 2 and lowest >= 3:
        return 4
    if at3 >= 3 and lowest >= 2:
        return 3
    if at2 >= 3:
        return 2
    return 1


def assess_area(bundle: dict[str, Any], catalogue: dict[str, str]) -> dict[str, Any]:
    """Every score of the default policy for one area; ``catalogue`` is the indicator polarities by code.

    Returns a summary shaped like :func:`summarise` gives for an engine result, so the two can be compared with
    ``==``.
    """
    lead = None
    council: dict[str, bool] = {}
    for body in bundle["bodies"]:
        council[body["id"]] = body["kind"] in COUNCILS
        if body.get("lead"):
            lead = body["id"]

    # Element 1: the indicator set, with each council's own counts for direction of travel on the way.
    met = near = missed = improved = stable = declined = top = second = third = bottom = 0
    upper = upper_middle = lower_middle = lower = 0  # where a value with no better direction sits (polarity none)
    own: dict[str, list[int]] = {}  # body -> [indicators, with a previous value, improved]
    indicators = bundle.get("indicator_set", {}).get("indicators", ())
    for indicator in indicators:
        value = indicator["value"]
        polarity = indicator.get("polarity") or catalogue[indicator["code"]]
        counts = own.get(indicator["body"])
        if counts is None:
            counts = own[indicator["body"]] = [0, 0, 0]
        counts[0] += 1
        if polarity == "none":
            # No better direction: reported with where its value sits among the quartiles, counted in no share.
            benchmarks = indicator.get("benchmarks")
            if benchmarks is not None:
                if value >= benchmarks["upper_quartile"]:
                    upper += 1
                elif value >= benchmarks["median"]:
                    upper_middle += 1
                elif value >= benchmarks["lower_quartile"]:
                    lower_middle += 1
                else:
                    lower += 1
            continue
        higher = polarity == "higher"
        target = indicator.get("target")
        if target is not None:
            if value >= target if higher else value <= target:
                met += 1
            elif _within(value, target, NEAR_MISS_PERCENT):
                near += 1
            else:
                missed += 1
        previous = indicator.get("previous")
        if previous is not None:
            counts[1] += 1
            if _within(value, previous, STABLE_PERCENT):
                stable += 1
            elif value > previous if higher else value < previous:
                improved += 1
                counts[2] += 1
            else:
                declined += 1
        benchmarks = indicator.get("benchmarks")
        if benchmarks is not None:
            if higher:
                if value >= benchmarks["upper_quartile"]:
                    top += 1
                elif value >= benchmarks["median"]:
                    second += 1
                elif value >= benchmarks["lower_quartile"]:
                    third += 1
                else:
                    bottom += 1
            elif value <= benchmarks["lower_quartile"]:
                top += 1
            elif value <= benchmarks["median"]:
                second += 1
            elif value <= benchmarks["upper_quartile"]:
                third += 1
            else:
                bottom += 1
    indicator_set = None
    if indicators:
        targets, trended, benchmarked = met + near + missed, improved + stable + declined, top + second + third + bottom
        # With no targets at all, the share improved stands in for the share met.
        hits, out_of = (met, targets) if targets else (improved, trended)
        if (
            _at_least(hits, out_of, NI_STRONG[0])
            and _at_least(improved, trended, NI_STRONG[1])
            and bottom * 100 <= NI_STRONG[2] * benchmarked
        ):
            indicator_set = 4
        elif _at_least(hits, out_of, NI_WELL[0]) and _at_least(improved, trended, NI_WELL[1]):
            indicator_set = 3
        elif _at_least(hits, out_of, NI_ADEQUATE):
            indicator_set = 2
        else:
            indicator_set = 1

    # Element 2: direction of travel, per council.
    milestones: dict[str, list[int]] = {}  # body -> [planned, delivered]
    for milestone in bundle.get("direction_of_travel", {}).get("milestones", ()):
        tally = milestones.get(milestone["body"])
        if tally is None:
            tally = milestones[milestone["body"]] = [0, 0]
        tally[0] += 1
        if milestone["delivered"]:
            tally[1] += 1
    direction: dict[str, int] = {}
    for body, is_council in council.items():
        if not is_council:
            continue
        counts = own.get(body)
        tally = milestones.get(body)
        if counts is None and tally is None:
            continue  # nothing to judge it on
        body_improved, body_trended = (counts[2], counts[1]) if counts else (0, 0)
        planned, delivered = tally if tally else (0, 0)
        if _at_least(body_improved, body_trended, DOT_STRONG[0]) and _at_least(delivered, planned, DOT_STRONG[1]):
            direction[body] = 4
        elif _at_least(body_improved, body_trended, DOT_WELL[0]) and _at_least(delivered, planned, DOT_WELL[1]):
            direction[body] = 3
        elif _at_least(body_improved, body_trended, DOT_ADEQUATE[0]) or _at_least(delivered, planned, DOT_ADEQUATE[1]):
            direction[body] = 2
        else:
            direction[body] = 1

    # Element 3: use of resources, per body assessed; and the KLOEs to reassess.
    resources: dict[str, int] = {}
    reassess = 0
    for assessment in bundle.get("use_of_resources", {}).get("assessments", ()):
        kloes = assessment["kloes"]
        resources[assessment["body"]] = uor_score(kloes)
        for score in kloes.values():
            if score <= 1:
                reassess += 1

    # Element 4: the risk assessment, one verdict per outcome and innovation.
    section = bundle.get("risk_assessment", {})
    register = {risk["id"]: risk for risk in section.get("risk_register", ())}
    red = green = honourable = 0
    capped = False
    items = 0
    for kind in ("outcomes", "innovations"):
        priority = kind == "outcomes"
        for item in section.get(kind, ()):
            items += 1
            status = item["status"]
            if status == "failed":
                if _honourable(item, register):
                    honourable += 1
                    continue
                if priority and item.get("known_issue") and item.get("action_in_place"):
                    continue  # known and in hand: a note, no flag
                red += 1
                capped = capped or bool(item.get("vulnerable"))
            elif priority and status == "at_risk":
                if item.get("known_issue") and item.get("action_in_place"):
                    continue
                red += 1
                capped = capped or bool(item.get("vulnerable"))
            elif (
                priority
                and status == "exceeded"
                or not priority
                and status == "succeeded"
                and item.get("learning_shared")
            ):
                green += 1
    risk_assessment = None
    if items:
        risk_assessment = (4 if green else 3) if red == 0 else 2 if red == 1 else 1

    # The overall view: the area's elements and the lead council's.
    judged = [
        score
        for score in (
            indicator_set,
            risk_assessment,
            direction.get(lead) if lead else None,  # type: ignore[arg-type]
            resources.get(lead) if lead else None,  # type: ignore[arg-type]
        )
        if score is not None
    ]
    overall = uncapped = None
    if len(judged) >= 4:
        overall = _band(judged)
        if capped and overall > SAFEGUARDING_CAP:
            overall, uncapped = SAFEGUARDING_CAP, overall

    # Self-awareness: each self-assessment against the judgement of its element.
    area_scores = {"indicator_set": indicator_set, "risk_assessment": risk_assessment}
    body_scores = {"direction_of_travel": direction, "use_of_resources": resources}
    awareness: dict[str, str] = {}
    for own_view in bundle.get("self_assessments", ()):
        element = own_view["element"]
        if element in PER_BODY:
            judgement = body_scores[element].get(own_view["body"])
        else:
            judgement = area_scores.get(element)  # 'overall' is never compared
        if judgement is None:
            continue  # nothing to compare with: a note, no label
        score = own_view["score"]
        awareness[f"{own_view['body']}/self_assessment/{element}"] = (
            "accurate" if score == judgement else "optimistic" if score > judgement else "pessimistic"
        )

    return {
        "indicator_set": indicator_set,
        "indicator_labels": (
            (met, near, missed, improved, stable, declined, top, second, third, bottom)
            + (upper, upper_middle, lower_middle, lower)
        ),
        "direction_of_travel": direction,
        "use_of_resources": resources,
        "reassess_next_year": reassess,
        "risk_assessment": risk_assessment,
        "flags": {"honourable_failure": honourable, "red": red, "green": green},
        "overall": overall,
        "overall_uncapped": uncapped,
        "self_awareness": awareness,
    }


# -- the engine's result in the same shape --------------------------------------------------------------------------

_LABELS = (
    ("target_status", "met"),
    ("target_status", "near_miss"),
    ("target_status", "missed"),
    ("trend", "improved"),
    ("trend", "stable"),
    ("trend", "declined"),
    ("quartile", "top"),
    ("quartile", "second"),
    ("quartile", "third"),
    ("quartile", "bottom"),
    ("value_quartile", "upper"),
    ("value_quartile", "upper_middle"),
    ("value_quartile", "lower_middle"),
    ("value_quartile", "lower"),
)


def summarise(result: Any) -> dict[str, Any]:
    """An engine ``Result`` reduced to what :func:`assess_area` gives, for comparing the two with ``==``."""
    elements = result.elements

    def area_score(element: str) -> int | None:
        return elements[element].score if element in elements else None

    def body_scores(element: str) -> dict[str, int]:
        found = elements.get(element)
        return {body: judgement.score for body, judgement in (found.bodies or {}).items()} if found else {}

    tallies = dict.fromkeys(_LABELS, 0)
    for findings in result.findings.get("indicator", {}).values():
        for classification in ("target_status", "trend", "quartile", "value_quartile"):
            finding = findings.get(classification)
            if finding is not None:
                tallies[(classification, finding.value)] += 1
    overall = elements.get("overall")
    awareness = {}
    for subject, findings in result.findings.get("self_assessment", {}).items():
        label = findings.get("self_awareness")
        if label is not None:
            awareness[subject] = label.value
    return {
        "indicator_set": area_score("indicator_set"),
        "indicator_labels": tuple(tallies.values()),
        "direction_of_travel": body_scores("direction_of_travel"),
        "use_of_resources": body_scores("use_of_resources"),
        "reassess_next_year": sum(note.kind == "reassess_next_year" for note in result.notes),
        "risk_assessment": area_score("risk_assessment"),
        "flags": {
            "honourable_failure": sum(flag.kind == "honourable_failure" for flag in result.flags),
            "red": sum(flag.colour == "red" for flag in result.flags),
            "green": sum(flag.colour == "green" for flag in result.flags),
        },
        "overall": overall.score if overall is not None else None,
        "overall_uncapped": overall.uncapped if overall is not None else None,
        "self_awareness": awareness,
    }


def differences(floor: dict[str, Any], engine: dict[str, Any]) -> list[str]:
    """Where the floor's summary and the engine's differ, one line each (empty when they agree)."""
    return [
        f"{key}: floor {floor.get(key)!r}, engine {engine.get(key)!r}"
        for key in sorted(set(floor) | set(engine))
        if floor.get(key) != engine.get(key)
    ]


# -- the national round, as a command -------------------------------------------------------------------------------


def load_catalogue(rules: str | os.PathLike[str]) -> dict[str, str]:
    """The indicator catalogue's polarity by code, from the rules folder's indicators.yaml."""
    with open(os.path.join(rules, "indicators.yaml"), "rb") as handle:
        document = yaml.load(handle, Loader=yaml.CSafeLoader)
    return {code: row["polarity"] for code, row in document["tables"]["indicator"]["rows"].items()}


def main(argv: list[str] | None = None) -> int:
    """``python bench/floor.py DIR --out-dir OUT``: the floor's national round, the like of ``caa assess``.

    Reads every ``*.yaml`` bundle in DIR with PyYAML's C loader, judges it, and writes one JSON summary per area
    into OUT, one area at a time. The bench times this command against the engine's.
    """
    parser = argparse.ArgumentParser(description=main.__doc__.split("\n\n")[0] if main.__doc__ else None)
    parser.add_argument("folder", type=Path)
    parser.add_argument("--out-dir", type=Path, required=True)
    parser.add_argument("--rules", type=Path, default=Path(__file__).resolve().parent.parent / "rules")
    args = parser.parse_args(argv)
    catalogue = load_catalogue(args.rules)
    args.out_dir.mkdir(parents=True, exist_ok=True)
    count = 0
    for path in sorted(args.folder.glob("*.yaml")):
        with open(path, "rb") as handle:
            bundle = yaml.load(handle, Loader=yaml.CSafeLoader)
        summary = assess_area(bundle, catalogue)
        (args.out_dir / f"{path.stem}.json").write_text(json.dumps(summary), encoding="utf-8")
        count += 1
    print(f"{count} areas judged")
    return 0


if __name__ == "__main__":
    sys.exit(main())
