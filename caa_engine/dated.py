"""Dated rules: which rule sets are in force for which assessment period, and which period a bundle is for.

A rule file with ``periods:`` is in force for those periods only; one without is in force for every period.
A folder in which no file is dated compiles to one plan, exactly as before.  A dated folder is cut into
*spans*: runs of periods in which the same files are in force.  Each span's files are checked and compiled
once, into their own :class:`~caa_engine.compile.Plan`, when the folder is loaded (so a mistake in any
period's rules is found then, located); a span in which no file judging an element is in force has no plan,
and a bundle for one of its periods is refused.  Two files for one element in force for one period are an
error at the second file's ``periods``.

The plan :func:`compile_dated` returns is the *current* span's (the latest span with rules), carrying the
whole :class:`DatedRules` as ``plan.dated``: :class:`~caa_engine.engine.Engine` judges each bundle by the
plan of its period, and what reads every period's rules goes through ``plan.dated.plans()``: ``caa check``
(counts and warnings per period), ``caa verify`` (each period's plan searched and proved on its own) and rule
coverage (:class:`~caa_engine.audit.coverage.Coverage` counts every period's rules and measures).

A bundle's period is its top-level ``period:``; without one, the one period its sections name (the
use-of-resources assessments' and the indicator set's ``period``), which must agree; a bundle that names no
period at all is for the current span's first period (a bundle written before periods existed is judged as
it always was).  Under dated rules every period a section names must be the bundle's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from .compile import Plan, compile_rules
from .errors import EvidenceError, Issue, Location, RuleError
from .evidence.loader import LoadedBundle
from .periods import period_text, period_year, span_text
from .rules.check import check_rules
from .rules.loader import LoadedRuleSet
from .rules.model import PeriodRange

__all__ = ["DatedRules", "Span", "compile_dated", "bundle_period", "named_period", "in_force_text", "is_dated"]


@dataclass(frozen=True)
class Span:
    """A run of periods (first and last start years; None: open) with the same files in force."""

    first: int | None
    last: int | None
    files: tuple[str, ...]  # the rule files in force, as shown to people
    plan: Plan | None  # None: no file judging an element is in force

    def holds(self, year: int) -> bool:
        return (self.first is None or self.first <= year) and (self.last is None or year <= self.last)

    @property
    def text(self) -> str:
        return span_text(self.first, self.last)


@dataclass(frozen=True)
class DatedRules:
    """Every span of a dated rules folder, in order, and what each element covers."""

    spans: tuple[Span, ...]
    current: int  # the first year of the current span: the period of a bundle that names none
    # element -> [(first, last, file)], in order: which file judges the element for which periods
    coverage: tuple[tuple[str, tuple[tuple[int | None, int | None, str], ...]], ...]
    # file -> where its 'periods' is written: what a gap's warning points at
    periods_at: tuple[tuple[str, Location], ...] = ()

    def span_for(self, year: int) -> Span:
        for span in self.spans:
            if span.holds(year):
                return span
        raise AssertionError("the spans cover every year")  # pragma: no cover

    @property
    def covered(self) -> str:
        """The periods some rule set is in force for, in words: '2007/08 and 2008/09 onwards'."""
        texts = [span.text for span in _merged(self.spans)]
        return ", ".join(texts[:-1]) + " and " + texts[-1] if len(texts) > 1 else (texts[0] if texts else "none")

    def plans(self) -> list[tuple[str, str, Plan]]:
        """Each distinct plan in force for some period, in period order: the periods it judges in words ('2007/08',
        '2008/09 onwards'), the first period it judges ('2008/09': a bundle naming it is judged by this plan) and
        the plan.  What ``caa check`` counts and ``caa verify`` proves, period by period."""
        texts: dict[str, list[str]] = {}
        found: dict[str, tuple[str, Plan]] = {}
        for span in self.spans:
            if span.plan is not None:
                year = span.first if span.first is not None else span.last
                first = period_text(year) if year is not None else period_text(self.current)
                found.setdefault(span.plan.digest, (first, span.plan))
                texts.setdefault(span.plan.digest, []).append(span.text)
        return [(" and ".join(texts[digest]), first, plan) for digest, (first, plan) in found.items()]

    def warnings(self) -> list[Issue]:
        """The warnings of every period's rules (a file in force for several periods warned about once), and a
        gap between the periods an element's files cover."""
        seen: dict[tuple[str, str, str], Issue] = {}
        for _, _, plan in self.plans():
            for issue in plan.warnings:
                seen.setdefault((issue.code, issue.message, str(issue.location)), issue)
        return [*seen.values(), *self.gaps()]

    def lines(self) -> list[str]:
        """Each element's periods and the file judging it for each: 'overall: 2008/09 onwards (rules/overall.yaml)'."""
        return [
            f"{element}: " + ", ".join(f"{span_text(first, last)} ({file})" for first, last, file in runs)
            for element, runs in self.coverage
        ]

    def gaps(self) -> list[Issue]:
        """A warning for each run of periods, inside an element's first and last, that no file of it covers, at the
        'periods' of the file whose periods follow the gap."""
        found = []
        for element, runs in self.coverage:
            for (_, last, _), (first, _, file) in zip(runs, runs[1:], strict=False):
                if last is not None and first is not None and first > last + 1:
                    found.append(
                        Issue(
                            "period-gap",
                            f"no rule set judges {element} for {span_text(last + 1, first - 1)}, between the "
                            "periods its files cover",
                            dict(self.periods_at).get(file, Location(file)),
                            "a bundle for those periods is judged without this element: date a file for them "
                            "(periods:), or widen a neighbour's",
                        )
                    )
        return found


def is_dated(files: list[LoadedRuleSet]) -> bool:
    return any(rs.model.periods is not None for rs in files)


def _bounds(rs: LoadedRuleSet) -> list[tuple[int | None, int | None]]:
    """The runs of periods a file is in force for (first, last; None: open)."""
    periods = rs.model.periods
    if periods is None:
        return [(None, None)]
    if isinstance(periods, PeriodRange):
        first = period_year(periods.from_) if periods.from_ else None
        last = period_year(periods.until) if periods.until else None
        return [(first, last)]
    years = {period_year(text) for text in periods}
    return [(year, year) for year in sorted(year for year in years if year is not None)]


def in_force_text(rs: LoadedRuleSet) -> str | None:
    """The periods a file is in force for, in words ('2007/08', '2008/09 onwards'), or None for an undated file
    (in force for every period)."""
    if rs.model.periods is None:
        return None
    return ", ".join(span_text(first, last) for first, last in _bounds(rs)) or "no period"


def _in_force(rs: LoadedRuleSet, year: int) -> bool:
    return any((a is None or a <= year) and (b is None or year <= b) for a, b in _bounds(rs))


def _range_issues(files: list[LoadedRuleSet]) -> list[Issue]:
    issues = []
    for rs in files:
        periods = rs.model.periods
        if isinstance(periods, PeriodRange):
            if periods.from_ is None and periods.until is None:
                issues.append(
                    Issue(
                        "invalid-value",
                        "periods names neither 'from' nor 'until'",
                        rs.document.locate(("periods",)),
                        "write 'from: 2008/09', 'until: 2009/10' or both; or leave 'periods' out: in force always",
                    )
                )
            first, last = _bounds(rs)[0]
            if first is not None and last is not None and last < first:
                issues.append(
                    Issue(
                        "invalid-value",
                        f"periods: 'until' {period_text(last)} is before 'from' {period_text(first)}",
                        rs.document.locate(("periods", "until"), at_value=True),
                        "swap them: 'from' is the first period the rules are in force for, 'until' the last",
                    )
                )
        elif isinstance(periods, list) and len(set(periods)) < len(periods):
            first_seen: dict[str, int] = {}
            for index, text in enumerate(periods):
                if text in first_seen:
                    issues.append(
                        Issue(
                            "invalid-value",
                            f"periods lists {text} twice (items {first_seen[text] + 1} and {index + 1})",
                            rs.document.locate(("periods", index), at_value=True),
                            "list each period once; a run of periods can be written 'from:' and 'until:'",
                        )
                    )
                first_seen.setdefault(text, index)
        elif isinstance(periods, list) and not periods:
            issues.append(
                Issue(
                    "invalid-value",
                    "periods is an empty list: the rule set would never be in force",
                    rs.document.locate(("periods",)),
                    "list the periods, e.g. [2007/08], or leave 'periods' out: in force always",
                )
            )
    return issues


def _spans(files: list[LoadedRuleSet]) -> list[tuple[int | None, int | None, tuple[LoadedRuleSet, ...]]]:
    """The runs of periods with the same files in force, in order, merged where the files are the same."""
    cuts = sorted(
        {year for rs in files for a, b in _bounds(rs) for year in (a, None if b is None else b + 1) if year is not None}
    )
    if not cuts:
        return [(None, None, tuple(files))]
    runs: list[tuple[int | None, int | None, tuple[LoadedRuleSet, ...]]] = []
    starts: list[int | None] = [None, *cuts]
    for index, start in enumerate(starts):
        end = cuts[index] - 1 if index < len(cuts) else None
        probe = cuts[0] - 1 if start is None else start
        in_force = tuple(rs for rs in files if _in_force(rs, probe))
        if runs and runs[-1][2] == in_force:
            runs[-1] = (runs[-1][0], end, in_force)
        else:
            runs.append((start, end, in_force))
    return runs


def _overlaps(spans: list[tuple[int | None, int | None, tuple[LoadedRuleSet, ...]]]) -> list[Issue]:
    issues: dict[tuple[str, str], Issue] = {}
    for first, last, in_force in spans:
        by_element: dict[str, LoadedRuleSet] = {}
        for rs in in_force:
            element = rs.model.element
            if element is None:
                continue
            other = by_element.setdefault(element, rs)
            if other is not rs and (other.path, rs.path) not in issues:
                where = ("periods",) if rs.model.periods is not None else ("element",)
                issues[(other.path, rs.path)] = Issue(
                    "overlapping-periods",
                    f"element '{element}' has two rule sets in force for {span_text(first, last)}: "
                    f"{other.path} and this one",
                    rs.document.locate(where),
                    "give each of an element's rule files periods of its own (periods: from/until, or a list), "
                    "so exactly one is in force for any period",
                )
    return list(issues.values())


_NOT_JUDGED = re.compile(r"element '([^']*)' is judged by no rule set")


def compile_dated(files: list[LoadedRuleSet], directory: Path | str) -> Plan:
    """Check and compile a dated rules folder's files, period by period; raises :class:`RuleError` with every
    problem.  Gives the current span's plan, with ``dated`` set (``compile.load_plan`` calls this)."""
    issues = _range_issues(files)
    if issues:
        raise RuleError(issues)
    runs = _spans(files)
    issues = _overlaps(runs)
    if issues:
        raise RuleError(issues)
    compiled: dict[tuple[str, ...], Plan] = {}
    spans: list[Span] = []
    problems: dict[tuple[str, str, str], Issue] = {}
    for first, last, in_force in runs:
        names = tuple(rs.path for rs in in_force)
        if in_force and names not in compiled:  # files of reference data alone are checked too
            try:
                compiled[names] = compile_rules(check_rules(list(in_force)))
            except RuleError as error:
                for issue in error.issues:  # a file in force for several spans: its problem told once
                    named = _NOT_JUDGED.match(issue.message) if issue.code == "unknown-element" else None
                    if named and named.group(1) in {rs.model.element for rs in files}:
                        # Another period's file judges it: say for which periods none does.
                        issue = replace(
                            issue,
                            message=issue.message.replace(
                                "is judged by no rule set",
                                f"is judged by no rule set in force for {span_text(first, last)}",
                            ),
                        )
                    problems.setdefault((issue.code, issue.message, str(issue.location)), issue)
                continue
        judges = any(rs.model.element is not None for rs in in_force)
        spans.append(Span(first, last, names, compiled[names] if judges else None))
    if problems:
        raise RuleError(list(problems.values()))
    judged = [span for span in spans if span.plan is not None]
    if not judged:
        raise RuleError(
            [
                Issue(
                    "no-rules",
                    "no rule file that judges an element is in force for any period",
                    next(rs.document.locate(("periods",)) for rs in files if rs.model.periods is not None),
                    "give at least one dated rule file an 'element:', or leave 'periods' out",
                )
            ]
        )
    current = judged[-1]
    coverage: dict[str, list[tuple[int | None, int | None, str]]] = {}
    for rs in files:
        if rs.model.element is not None:
            coverage.setdefault(rs.model.element, []).extend((a, b, rs.path) for a, b in _bounds(rs))
    ordered = tuple(
        (element, tuple(sorted(runs_, key=lambda run: -(10**9) if run[0] is None else run[0])))
        for element, runs_ in coverage.items()
    )
    year = current.first if current.first is not None else (current.last if current.last is not None else 0)
    periods_at = tuple((rs.path, rs.document.locate(("periods",))) for rs in files if rs.model.periods is not None)
    book = DatedRules(tuple(spans), year, ordered, periods_at)
    assert current.plan is not None
    return replace(current.plan, dated=book)


def _merged(spans: tuple[Span, ...]) -> list[Span]:
    """The runs of periods with rules, adjacent runs joined (for words only)."""
    out: list[Span] = []
    for span in spans:
        if span.plan is None:
            continue
        if out and out[-1].last is not None and span.first == out[-1].last + 1:
            out[-1] = Span(out[-1].first, span.last, (), span.plan)
        else:
            out.append(span)
    return out


def _section_periods(loaded: LoadedBundle) -> list[tuple[str, tuple[Any, ...], str]]:
    """Every period a bundle's sections name: (period, path, what names it), in the bundle's order."""
    bundle = loaded.bundle
    named: list[tuple[str, tuple[Any, ...], str]] = []
    if bundle.use_of_resources is not None:
        for index, assessment in enumerate(bundle.use_of_resources.assessments):
            if assessment.period:
                path = ("use_of_resources", "assessments", index, "period")
                named.append((assessment.period, path, f"the assessment of '{assessment.body}'"))
    if bundle.indicator_set is not None and bundle.indicator_set.period:
        named.append((bundle.indicator_set.period, ("indicator_set", "period"), "the indicator set"))
    return named


def named_period(loaded: LoadedBundle) -> str | None:
    """The period a bundle names, for rules that are not dated (which judge it whatever it says): its top-level
    ``period``, else the one period all its sections name; None when it names none, or its sections disagree."""
    if loaded.bundle.period is not None:
        return loaded.bundle.period
    named = {period for period, _, _ in _section_periods(loaded)}
    return named.pop() if len(named) == 1 else None


_SECTIONS = "the use-of-resources assessments' and the indicator set's 'period'"


def bundle_period(loaded: LoadedBundle, book: DatedRules) -> tuple[str, Plan]:
    """The period ``loaded`` is for and the plan in force for it.

    Raises :class:`EvidenceError`, located: sections naming different periods (or another than the bundle's),
    a period not written YYYY/YY, or a period no rule set is in force for.
    """
    bundle, document = loaded.bundle, loaded.document
    named = _section_periods(loaded)  # (period, path, what names it)
    issues: list[Issue] = []
    where: tuple[Any, ...]
    if bundle.period is not None:
        period, where, what = bundle.period, ("period",), "the bundle"
    elif named:
        period, where, what = named[0]
    else:
        period, where, what = period_text(book.current), (), ""
    for text, path, name in named:
        if period_year(text) is None:
            issues.append(
                Issue(
                    "invalid-period",
                    f"{name} names the period '{text[:40]}', which is not a period written YYYY/YY",
                    document.locate(path, at_value=True),
                    "write the period as the bundle's, e.g. 2008/09 (April 2008 to March 2009)",
                )
            )
        elif text != period:
            issues.append(
                Issue(
                    "period-mismatch",
                    f"{name} is for {text}, but {what} is for {period}",
                    document.locate(path, at_value=True),
                    f"a bundle holds one period's evidence: give {_SECTIONS} the bundle's period, or make one "
                    "bundle per period",
                )
            )
    if issues:
        raise EvidenceError(issues)
    year = period_year(period)
    if year is None:  # a section's period when the bundle names none: reported above
        raise AssertionError(period)  # pragma: no cover
    span = book.span_for(year)
    if span.plan is None:
        raise EvidenceError(
            [
                Issue(
                    "no-rules-for-period",
                    f"no rule set is in force for {period}: the rules cover {book.covered}",
                    document.locate(where, at_value=True),
                    "check the period; rules for another period are rule files dated with 'periods:' (docs/rules.md)",
                )
            ]
        )
    return period, span.plan
