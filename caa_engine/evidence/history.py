"""An indicator's earlier values (``history:`` in the bundle), as ``indicator_history`` facts rules can count.

An indicator may carry ``history: {2006/07: 38, 2007/08: 40}``: its values in periods before the bundle's.
Each becomes one ``indicator_history`` fact of the indicator's body, with the indicator's ``code``, the
``period``, its ``value``, the value of the period before it (``previous``, when the history or, for the
latest, nothing else gives it: missing otherwise) and ``periods_ago`` (1 for the period just before the
bundle's).  The bundle's period is its top-level ``period``, else the indicator set's, else the period after
the latest one in any history.  A rule per indicator counts its own history by code:
``count(indicator_history where code == indicator.code and ...)`` (docs/rules.md, "Time series").

Earlier values may also come from outside the bundle (:class:`EarlierValue`: the ledger's published results,
``caa assess --history-from-ledger``, caa_engine/ledger/earlier.py), for indicators the bundle reports.  They are
merged with the bundle's own: where both give a period, the bundle's value is used (its origin its line) and a
different value is an error (:func:`earlier_issues`); an indicator with no ``previous`` takes the earlier value
for the period just before the bundle's.  Each value's origin is its source, ``ledger record 7 (hash …)``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from fractions import Fraction
from typing import Any

from .._yaml import Document
from ..errors import Issue
from ..facts import Fact, normalise_number
from ..periods import period_text, period_year
from .model import EvidenceBundle

__all__ = ["EarlierValue", "earlier_issues", "history_facts", "history_issues", "with_earlier_previous"]


@dataclass(frozen=True)
class EarlierValue:
    """An indicator's value in an earlier period from outside the bundle, and where it came from."""

    body: str
    code: str
    period: str
    value: int | Fraction
    source: str  # as the trail names it: "ledger record 7 (hash 1a2b3c4d5e6f)"


def _earlier_by_indicator(
    bundle: EvidenceBundle, earlier: Sequence[EarlierValue], now: int | None
) -> dict[tuple[str, str], dict[int, EarlierValue]]:
    """The earlier values of the indicators the bundle reports, before its period, by (body, code) and year."""
    reported = {(ind.body, ind.code) for ind in (bundle.indicator_set.indicators if bundle.indicator_set else [])}
    out: dict[tuple[str, str], dict[int, EarlierValue]] = {}
    for value in earlier:
        year = period_year(value.period)
        if year is not None and now is not None and year < now and (value.body, value.code) in reported:
            out.setdefault((value.body, value.code), {}).setdefault(year, value)
    return out


def _shown(value: Any) -> str:
    number = normalise_number(value)
    return str(number) if isinstance(number, int) else f"{float(number):g}"


def earlier_issues(
    bundle: EvidenceBundle, document: Document, earlier: Sequence[EarlierValue], period: str | None = None
) -> list[Issue]:
    """An earlier value the bundle gives differently: in its ``history`` for the same period, or as its
    ``previous`` for the period just before.  The bundle would win, but a judgement resting on a value other
    than the one published is what the ledger is there to show, so it is refused: one error per clash."""
    issues: list[Issue] = []
    now = period_year(period) if period else _reference_year(bundle)
    found = _earlier_by_indicator(bundle, earlier, now)
    if bundle.indicator_set is None or now is None or not found:
        return issues
    hint = (
        "correct the bundle, or, if the published value was wrong, record a correction of that record "
        "(caa assess … --record --supersedes N --reason …); or assess without --history-from-ledger"
    )
    for index, ind in enumerate(bundle.indicator_set.indicators):
        values = found.get((ind.body, ind.code), {})
        path = ("indicator_set", "indicators", index)
        for period_given, own in (ind.history or {}).items():
            other = values.get(period_year(period_given) or 0)
            if other is not None and normalise_number(own) != other.value:
                issues.append(
                    Issue(
                        "history-clash",
                        f"indicator {ind.code}'s history gives {own} for {period_given}, but {other.source}, the "
                        f"result published for {other.period}, was judged on {_shown(other.value)}",
                        document.locate((*path, "history", period_given), at_value=True),
                        hint,
                    )
                )
        last = values.get(now - 1)
        if last is not None and ind.previous is not None and normalise_number(ind.previous) != last.value:
            issues.append(
                Issue(
                    "history-clash",
                    f"indicator {ind.code}'s previous is {ind.previous}, but {last.source}, the result published "
                    f"for {last.period}, was judged on {_shown(last.value)}",
                    document.locate((*path, "previous"), at_value=True),
                    hint,
                )
            )
    return issues


def with_earlier_previous(
    facts: list[Fact], bundle: EvidenceBundle, earlier: Sequence[EarlierValue], period: str | None = None
) -> list[Fact]:
    """``facts`` with each indicator that has no ``previous`` given the earlier value for the period just before
    the bundle's, its origin the value's source."""
    now = period_year(period) if period else _reference_year(bundle)
    found = _earlier_by_indicator(bundle, earlier, now)
    if not found or now is None:
        return facts
    out = []
    for fact in facts:
        key = (str(fact.fields.get("body")), str(fact.fields.get("code")))
        last = found.get(key, {}).get(now - 1) if fact.type == "indicator" else None
        if last is not None and fact.fields.get("previous") is None:
            fact = replace(
                fact,
                fields={**fact.fields, "previous": last.value},
                origin={**fact.origin, "previous": last.source},
            )
        out.append(fact)
    return out


def _reference_year(bundle: EvidenceBundle) -> int | None:
    for text in (bundle.period, bundle.indicator_set.period if bundle.indicator_set else None):
        year = period_year(text) if text else None
        if year is not None:
            return year
    years = [
        period_year(period)
        for ind in (bundle.indicator_set.indicators if bundle.indicator_set else [])
        for period in (ind.history or {})
    ]
    known = [year for year in years if year is not None]
    return max(known) + 1 if known else None


def history_issues(bundle: EvidenceBundle, document: Document) -> list[Issue]:
    """An earlier value for the bundle's own period or a later one, and a 'previous' the history contradicts."""
    issues: list[Issue] = []
    now = _reference_year(bundle)
    if bundle.indicator_set is None or now is None:
        return issues
    for index, ind in enumerate(bundle.indicator_set.indicators):
        path = ("indicator_set", "indicators", index)
        for period in ind.history or {}:
            year = period_year(period)
            if year is not None and year >= now:
                issues.append(
                    Issue(
                        "history-period",
                        f"indicator {ind.code}'s history has a value for {period}, but the bundle is for "
                        f"{period_text(now)}: history holds earlier periods only",
                        document.locate((*path, "history", period)),
                        f"give this period's value as 'value', and earlier ones under 'history' (before {period_text(now)})",
                    )
                )
        last = (ind.history or {}).get(period_text(now - 1))
        if last is not None and ind.previous is not None and normalise_number(last) != normalise_number(ind.previous):
            issues.append(
                Issue(
                    "history-mismatch",
                    f"indicator {ind.code}'s previous is {ind.previous}, but its history gives {last} for "
                    f"{period_text(now - 1)}",
                    document.locate((*path, "previous"), at_value=True),
                    "give last period's value once, or the same in both places",
                )
            )
    return issues


def history_facts(
    bundle: EvidenceBundle,
    document: Document,
    at: Any,
    earlier: Sequence[EarlierValue] = (),
    period: str | None = None,
) -> list[Fact]:
    """One ``indicator_history`` fact per earlier value, the bundle's own and ``earlier``'s (the bundle's where
    both give a period); ``at(document, path)`` gives a bundle value's origin.  ``period``: the bundle's period,
    when the rules said it (else the bundle's own, or the one after its latest history)."""
    facts: list[Fact] = []
    now = period_year(period) if period else _reference_year(bundle)
    if bundle.indicator_set is None or now is None:
        return facts
    found = _earlier_by_indicator(bundle, earlier, now)
    for index, ind in enumerate(bundle.indicator_set.indicators):
        path = ("indicator_set", "indicators", index, "history")
        # year -> (period, value, origin); the bundle's own values last, so they win
        history: dict[int | None, tuple[str, Any, str]] = {
            year: (value.period, value.value, value.source)
            for year, value in found.get((ind.body, ind.code), {}).items()
        }
        for given, value in (ind.history or {}).items():
            history[period_year(given)] = (given, value, at(document, (*path, given)))
        for year, (period_given, value, where) in sorted(history.items(), key=lambda item: item[0] or 0):
            if year is None:
                continue
            before = history.get(year - 1)
            fields = {
                "body": ind.body,
                "code": ind.code,
                "period": period_given,
                "periods_ago": now - year,
                "value": normalise_number(value),
                "previous": normalise_number(before[1]) if before else None,
            }
            origin = {name: where for name in fields}
            if before:
                origin["previous"] = before[2]
            for name in ("body", "code"):
                origin[name] = at(document, ("indicator_set", "indicators", index, name))
            facts.append(
                Fact(
                    "indicator_history",
                    f"{ind.body}/indicator/{ind.code}/{period_given}",
                    fields,
                    origin,
                    (*path, period_given),
                )
            )
    return facts
