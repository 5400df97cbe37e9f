"""An indicator's earlier values (``history:`` in the bundle), as ``indicator_history`` facts rules can count.

An indicator may carry ``history: {2006/07: 38, 2007/08: 40}``: its values in periods before the bundle's.
Each becomes one ``indicator_history`` fact of the indicator's body, with the indicator's ``code``, the
``period``, its ``value``, the value of the period before it (``previous``, when the history or, for the
latest, nothing else gives it: missing otherwise) and ``periods_ago`` (1 for the period just before the
bundle's).  The bundle's period is its top-level ``period``, else the indicator set's, else the period after
the latest one in any history.  A rule per indicator counts its own history by code:
``count(indicator_history where code == indicator.code and ...)`` (docs/rules.md, "Time series").
"""

from __future__ import annotations

from typing import Any

from .._yaml import Document
from ..errors import Issue
from ..facts import Fact, normalise_number
from ..periods import period_text, period_year
from .model import EvidenceBundle

__all__ = ["history_facts", "history_issues"]


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


def history_facts(bundle: EvidenceBundle, document: Document, at: Any) -> list[Fact]:
    """One ``indicator_history`` fact per earlier value; ``at(document, path)`` gives a value's origin."""
    facts: list[Fact] = []
    now = _reference_year(bundle)
    if bundle.indicator_set is None or now is None:
        return facts
    for index, ind in enumerate(bundle.indicator_set.indicators):
        history = {period_year(p): (p, v) for p, v in (ind.history or {}).items()}
        path = ("indicator_set", "indicators", index, "history")
        for year, (period, value) in sorted(history.items(), key=lambda item: item[0] or 0):
            if year is None:
                continue
            before = history.get(year - 1)
            fields = {
                "body": ind.body,
                "code": ind.code,
                "period": period,
                "periods_ago": now - year,
                "value": normalise_number(value),
                "previous": normalise_number(before[1]) if before else None,
            }
            origin = {name: at(document, (*path, period)) for name in fields}
            if before:
                origin["previous"] = at(document, (*path, before[0]))
            for name in ("body", "code"):
                origin[name] = at(document, ("indicator_set", "indicators", index, name))
            facts.append(
                Fact("indicator_history", f"{ind.body}/indicator/{ind.code}/{period}", fields, origin, (*path, period))
            )
    return facts
