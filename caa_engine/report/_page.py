"""What an area's page shows a reader, taken from a :class:`~caa_engine.result.Result`: the headline, each
element's judgements with their reasons in words, the flags by kind, the honourable-failure checklists,
self-awareness, the indicators with their values and targets, and the numbers the charts draw.

Reasons come from :mod:`caa_engine.audit.reasons` (the rules' own words); everything here only selects and
arranges them for ``templates/area.html.j2`` and the national index (``templates/index.html.j2``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from ..audit.events import spoken
from ..audit.reasons import Reason, finding_reason, flag_reason, judgement_reason, subject_fields, subject_name, words
from ..result import Result
from ._view import (
    NOT_JUDGED,
    flag_counts,
    flags_not_judged_words,
    humanize,
    not_in_force_words,
    overall_absent_words,
    overall_cell_words,
    period_words,
)

__all__ = ["AreaPage", "area_page", "IndexRow", "index_row", "national_columns"]


@dataclass(frozen=True)
class Judged:
    """One judgement as the page shows it."""

    element: str
    title: str
    who: str  # the body's name, or the area's
    subject: str
    score: int
    label: str
    reason: Reason
    lead: bool  # the judgement the overall view counts (the area's, or the lead council's)
    capped_by: str | None = None  # the rule whose cap held the score down


@dataclass(frozen=True)
class ElementBlock:
    element: str
    title: str
    judged: tuple[Judged, ...]
    themes: tuple[tuple[str, tuple[tuple[str, int | None], ...]], ...]  # per body: (theme, score) for the chart
    absent: str = ""  # what the page says when nothing was judged, and why: 'not judged: no rules in force for ...'
    in_force: bool = True  # False: no rule set in force for the period judges the element


@dataclass(frozen=True)
class Criterion:
    name: str
    met: bool | None
    said: str
    evidence: tuple[str, ...]


@dataclass(frozen=True)
class Checklist:
    """The honourable-failure test (or any per-fact measure's values) for one failed outcome."""

    title: str
    verdict: str
    criteria: tuple[Criterion, ...]


@dataclass(frozen=True)
class IndicatorRow:
    code: str
    title: str
    unit: str
    value: str
    target: str
    previous: str
    benchmarks: str  # "15, 20, 28" (lower quartile, median, upper quartile), or ""
    labels: dict[str, str]  # classification -> label in words
    reasons: tuple[str, ...]
    chart: dict[str, float] | None  # positions (0-100) of the quartiles, target and value along one axis


@dataclass(frozen=True)
class AreaPage:
    overall: Judged | None
    blocks: tuple[ElementBlock, ...]
    flags: tuple[tuple[str, str, tuple[tuple[Any, Reason], ...]], ...]  # (group title, css class, flags)
    checklists: tuple[Checklist, ...]
    self_awareness: tuple[tuple[str, str, str, str, str, str], ...]  # who, element, own, judged, label, reason
    indicators: tuple[IndicatorRow, ...]
    element_scores: tuple[tuple[str, int | None], ...]  # (title, or name if long; the score the overall view counts)
    overall_absent: str | None = None  # instead of the overall score: 'not judged: ...', why, or None if given
    flags_absent: str | None = None  # instead of the flags: 'not judged: no rules in force for 2007/08', or None


def _judged(result: Result, element: str, subject: str) -> Judged:
    found = result.elements[element]
    if found.bodies is not None:
        judgement = found.bodies[subject]
        score, label, capped_by = judgement.score, judgement.label, judgement.capped_by
        info = result.bodies.get(subject)
        lead = bool(info and info.lead)
        who = subject_name(result, "body", subject)
    else:
        score, label, capped_by = found.score or 0, found.label or "", found.capped_by
        lead, who = True, result.area["name"]
    reason = judgement_reason(result, element, subject)
    return Judged(element, found.title, who, subject, score, label, reason, lead, capped_by)


def _themes(result: Result, element: str) -> tuple[tuple[str, tuple[tuple[str, int | None], ...]], ...]:
    """For an element whose measure derives one score per group (use of resources: a score per theme)."""
    found = result.elements[element]
    out = []
    for body, judgement in (found.bodies or {}).items():
        for facts in judgement.measures.values():
            pairs = []
            for fact in facts:
                keys = list(fact)
                if len(keys) == 2 and isinstance(fact[keys[1]], int):
                    pairs.append((words(str(fact[keys[0]])).capitalize(), fact[keys[1]]))
            if pairs:
                out.append((subject_name(result, "body", body), tuple(pairs)))
    return tuple(out)


_CHART_LABEL = 26
_NO_EVIDENCE = "not judged: the bundle holds no evidence for it"
_FLAG_GROUPS = (("Red flags", "red"), ("Honourable failures", "honourable"), ("Green flags", "green"))


def area_page(result: Result) -> AreaPage:
    overall = None
    if result.overall is not None:
        overall = _judged(result, result.overall["element"], result.area["id"])
    blocks = []
    scores: list[tuple[str, int | None]] = []
    for element, found in result.elements.items():
        if element == result.combining_element:
            continue  # the headline says the overall score, or why there is none
        subjects = list(found.bodies) if found.bodies is not None else ([result.area["id"]] if found.score else [])
        judged = tuple(_judged(result, element, subject) for subject in subjects)
        blocks.append(ElementBlock(element, found.title, judged, _themes(result, element), _NO_EVIDENCE))
        counted = [j.score for j in judged if j.lead]
        # The chart's label column fits about 26 characters: a longer title (2007/08's names the CPA rule it
        # applies) is shown as the element's name.
        short = found.title if len(found.title) <= _CHART_LABEL else humanize(element)
        scores.append((short, counted[0] if counted else None))
    # An element no rule in force for the period judges (2007/08's risk assessment) is said so, apart from one
    # whose rules found no evidence; it has no score in the chart either way.
    for unjudged in result.not_in_force:
        if not unjudged.combines:
            blocks.append(ElementBlock(unjudged.element, unjudged.title, (), (), not_in_force_words(result), False))
            short = unjudged.title if len(unjudged.title) <= _CHART_LABEL else humanize(unjudged.element)
            scores.append((short, None))
    groups = []
    for title, kind in _FLAG_GROUPS:
        chosen = [
            f
            for f in result.flags
            if (f.colour == kind) or (kind == "honourable" and f.colour is None and f.kind == "honourable_failure")
        ]
        if kind == "honourable":
            chosen = [f for f in result.flags if f.colour is None]
        groups.append((title, kind, tuple((f, flag_reason(result, f)) for f in chosen)))
    return AreaPage(
        overall,
        tuple(blocks),
        tuple(groups),
        _checklists(result),
        _self_awareness(result),
        _indicators(result),
        tuple(scores),
        overall_absent_words(result),
        None if result.flags_judged else flags_not_judged_words(result),
    )


def _checklists(result: Result) -> tuple[Checklist, ...]:
    """Each fact with per-fact measure values of yes/no (the honourable-failure criteria), as a checklist."""
    out = []
    for subject_type, subjects in result.findings.items():
        for subject, found in subjects.items():
            criteria = []
            for name, finding in found.items():
                if "." in name and isinstance(finding.value, bool):
                    reason = finding_reason(result, subject_type, subject, name)
                    said = reason.text.split(". ", 1)[1] if ". " in reason.text else ""
                    criteria.append(Criterion(words(name.split(".")[-1]), finding.value, said, reason.evidence))
            if criteria:
                verdicts = [words(str(f.value)) for n, f in found.items() if "." not in n]
                out.append(Checklist(subject_name(result, subject_type, subject), ", ".join(verdicts), tuple(criteria)))
    return tuple(out)


def _self_awareness(result: Result) -> tuple[tuple[str, str, str, str, str, str], ...]:
    rows = []
    for subject, found in result.findings.get("self_assessment", {}).items():
        fields = subject_fields(result, "self_assessment", subject)
        owner = result.bodies.get(str(fields.get("body")))
        label = next((words(str(f.value)) for n, f in found.items() if "." not in n), "not compared")
        judged = next((spoken(f.value) for n, f in found.items() if n.endswith(".judged")), "—")
        name = next((n for n in found if "." not in n), None)
        said = finding_reason(result, "self_assessment", subject, name).text.split(". ", 1)[-1] if name else ""
        rows.append(
            (
                owner.name if owner else str(fields.get("body", "")),
                words(str(fields.get("element", ""))).capitalize(),
                spoken(fields.get("score")),
                judged,
                label,
                said,
            )
        )
    return tuple(rows)


def _number(value: Any) -> Fraction | None:
    if isinstance(value, bool) or not isinstance(value, (int, float, Fraction)):
        return None
    return Fraction(value)


def _indicators(result: Result) -> tuple[IndicatorRow, ...]:
    rows = []
    for subject, found in result.findings.get("indicator", {}).items():
        fields = subject_fields(result, "indicator", subject)
        labels = {words(name): words(str(f.value)) for name, f in found.items() if "." not in name}
        reasons = tuple(finding_reason(result, "indicator", subject, name).text for name in found if "." not in name)
        rows.append(
            IndicatorRow(
                str(fields.get("code") or subject.rsplit("/", 1)[-1]),
                str(fields.get("title") or ""),
                str(fields.get("unit") or ""),
                spoken(fields.get("value")) if "value" in fields else "—",
                spoken(fields["target"]) if fields.get("target") is not None else "—",
                spoken(fields["previous"]) if fields.get("previous") is not None else "—",
                ", ".join(
                    spoken(fields[k])
                    for k in ("lower_quartile", "median", "upper_quartile")
                    if fields.get(k) is not None
                ),
                labels,
                reasons,
                _chart(fields),
            )
        )
    return tuple(rows)


def _chart(fields: dict[str, Any]) -> dict[str, float] | None:
    """Where the quartiles, the target and the value sit along one axis (0-100), when there are quartiles."""
    points = {name: _number(fields.get(name)) for name in ("lower_quartile", "median", "upper_quartile", "target")}
    value = _number(fields.get("value"))
    if value is None or points["lower_quartile"] is None or points["upper_quartile"] is None:
        return None
    known = [v for v in (*points.values(), value) if v is not None]
    low, high = min(known), max(known)
    span = (high - low) or Fraction(1)
    pad = span / 10
    low, span = low - pad, span + 2 * pad

    def at(v: Fraction | None) -> float:
        return -1.0 if v is None else round(float((v - low) / span * 100), 2)

    placed = {name: at(v) for name, v in points.items()} | {"value": at(value)}
    left, right = sorted((placed["lower_quartile"], placed["upper_quartile"]))
    return placed | {"band_x": left, "band_w": round(right - left, 2)}


@dataclass(frozen=True)
class IndexRow:
    """One area's row on the national index page."""

    name: str
    href: str
    period: str  # the assessment period judged, in words ('2008/09', 'not named')
    overall: int | None
    overall_label: str
    elements: tuple[tuple[str, str, int | None], ...]  # (element, its title, the score the overall view counts)
    red: int | None  # None: not judged (no rule in force for the period raises flags), never 0
    honourable: int | None
    green: int | None
    # What a cell says for an element the period's rules do not judge, and for the flags when none were judged:
    # 'not judged: no rules in force for 2007/08'.
    not_in_force: str = ""

    def score_of(self, element: str) -> int | None:
        """The score this area has for ``element`` (None: not judged, or not among the rules of its period)."""
        return next((score for name, _, score in self.elements if name == element), None)

    def absent(self, element: str) -> str:
        """What the area's cell for ``element`` says when it has no score: 'not judged', or why not, when the
        rules in force for its period do not judge the element ('not judged: no rules in force for 2007/08')."""
        return NOT_JUDGED if any(name == element for name, _, _ in self.elements) else self.not_in_force

    @property
    def flags_judged(self) -> bool:
        return self.red is not None


def index_row(result: Result, href: str) -> IndexRow:
    page = area_page(result)
    red, honourable, green = flag_counts(result) or (None, None, None)
    return IndexRow(
        result.area["name"],
        href,
        period_words(result),
        page.overall.score if page.overall else None,
        page.overall.label if page.overall else (overall_cell_words(result) or NOT_JUDGED),
        tuple(
            (block.element, title, score)
            for block, (title, score) in zip(page.blocks, page.element_scores, strict=True)
            if block.in_force
        ),
        red,
        honourable,
        green,
        not_in_force_words(result),
    )


def national_columns(rows: Sequence[IndexRow]) -> list[tuple[str, str]]:
    """The element columns of the national view: (element, heading) for every element any area has.

    Areas judged for different periods may have different elements (2007/08 judged use of resources alone) and
    different titles for one element: the columns follow the area with most elements, then any other in the
    order met, and an element whose areas' titles differ is headed by its name ('Use of resources')."""
    fullest = max(rows, key=lambda row: len(row.elements), default=None)
    order = [name for name, _, _ in fullest.elements] if fullest is not None else []
    titles: dict[str, set[str]] = {}
    for row in rows:
        for name, title, _ in row.elements:
            if name not in titles:
                titles[name] = set()
                if name not in order:
                    order.append(name)
            titles[name].add(title)
    return [(name, next(iter(titles[name])) if len(titles[name]) == 1 else humanize(name)) for name in order]
