"""Views over the ledger: an area's history period by period, and two of its records compared.

Both read records only (never rules or evidence): a comparison says whether the rules, the evidence or both
changed from the sha256 each record holds, and what moved from the results themselves
(:func:`caa_engine.report.impact.compare_results`: every judgement whose score, deciding rule or cap moved,
every finding that changed, every flag and note that appeared or went).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from .._plural import counted
from ..periods import period_year
from ..report.impact import Change, compare_results
from ..result import Result
from .store import Ledger, LedgerError, Record

__all__ = ["Comparison", "history_text", "latest_for_period", "compare_records", "comparison_text"]


def _result(record: Record) -> Result:
    """The recorded result, without its audit trail: the views read judgements, findings, flags and notes."""
    data = json.loads(record.result_json)
    data["audit"] = []
    return Result.model_validate(data)


def _overall(result: Result) -> str:
    if result.overall is not None:
        capped = f", capped by {result.overall['capped_by']}" if result.overall.get("capped_by") else ""
        return f"overall {result.overall['score']} {result.overall['label']}{capped}"
    scored = [
        f"{name} {element.score}"
        if element.score is not None
        else f"{name} " + "/".join(str(j.score) for j in (element.bodies or {}).values())
        for name, element in result.elements.items()
        if element.score is not None or element.bodies
    ]
    return "; ".join(scored) or "nothing judged"


def _period_key(period: str | None) -> tuple[int, int]:
    year = period_year(period) if period else None
    return (0, 0) if year is None else (1, year)


def history_text(ledger: Ledger, area: str) -> str:
    """Every record of ``area``, period by period (undated first), oldest first within a period.

    Raises :class:`LedgerError` when the ledger holds nothing for the area.
    """
    records = ledger.records(area)
    if not records:
        areas = ledger.areas()
        known = f" (it holds: {', '.join(areas[:10])}{' …' if len(areas) > 10 else ''})" if areas else " (it is empty)"
        raise LedgerError(f"the ledger '{ledger.path}' holds no record for area '{area}'{known}")
    corrected_by = ledger.superseded()
    lines = [f"{area}: {counted(len(records), 'record')} in {ledger.path}"]
    for period in sorted({r.period for r in records}, key=_period_key):
        lines.append("")
        lines.append(f"period {period or '(none named)'}")
        for record in (r for r in records if r.period == period):
            result = _result(record)
            lines.append(f"  record {record.id}  {record.recorded_at}  by {record.recorded_by}  {_overall(result)}")
            lines.append(
                f"    rules {record.rules_sha256[:12]}  evidence {record.evidence_sha256[:12]} "
                f"({record.evidence_file})  caa-engine {record.engine_version}, {record.backend} backend"
            )
            if record.supersedes is not None:
                lines.append(f"    corrects record {record.supersedes}: {record.reason}")
            if record.id in corrected_by:
                lines.append(f"    superseded by record {corrected_by[record.id]}")
    return "\n".join(lines) + "\n"


def latest_for_period(ledger: Ledger, area: str, period: str) -> Record:
    """The record in force for ``area`` and ``period``: the latest one not superseded.

    Raises :class:`LedgerError` when there is none.
    """
    corrected = ledger.superseded()
    records = [r for r in ledger.records(area) if r.period == period and r.id not in corrected]
    if not records:
        periods = sorted({r.period or "(none named)" for r in ledger.records(area)})
        has = f"; it has {', '.join(periods)}" if periods else ""
        raise LedgerError(f"the ledger holds no record for area '{area}' and period {period}{has}")
    return records[-1]


@dataclass(frozen=True)
class Comparison:
    before: Record
    after: Record
    changes: list[Change]

    @property
    def rules_changed(self) -> bool:
        """Whether the rule files differ: what each says (each rule set's file sha256 in the result), not
        ``rules_sha256``, which also covers where the files were (the same rules recorded from another checkout
        have another)."""
        return _rule_files(self.before) != _rule_files(self.after)

    @property
    def cause(self) -> str:
        """Which inputs differ: 'the rules and the evidence', 'the rules', 'the evidence' or 'neither'."""
        rules = self.rules_changed
        evidence = self.before.evidence_sha256 != self.after.evidence_sha256
        if rules and evidence:
            return "the rules and the evidence"
        return "the rules" if rules else ("the evidence" if evidence else "neither the rules nor the evidence")


def _rule_files(record: Record) -> list[tuple[str, str]]:
    rulesets = json.loads(record.result_json).get("rulesets", {})
    return sorted((name, str(info.get("sha256"))) for name, info in rulesets.items())


def compare_records(before: Record, after: Record) -> Comparison:
    return Comparison(before, after, compare_results(_result(before), _result(after)))


def _side(what: str, side: Any) -> str:
    """One side of a change as people read it: the text itself, or (a change given as data) its words."""
    if isinstance(side, str):
        return side
    if side is None:
        return "not judged" if what == "score" else "—"
    if what == "score":
        capped = f", capped by {side['capped_by']}" if side.get("capped_by") else ""
        return f"{side['score']} {side['label']} ({side['rule']}{capped})"
    if isinstance(side, dict):
        return str(side.get("reason") or side.get("text") or side)
    return str(side).lower() if isinstance(side, bool) else str(side)


def comparison_text(comparison: Comparison) -> str:
    before, after = comparison.before, comparison.after

    def name(record: Record) -> str:
        return f"record {record.id} ({record.period or 'no period'}, {record.recorded_at})"

    lines = [f"{after.area}: {name(before)} -> {name(after)}"]
    for what, old, new, changed in (
        ("rules", before.rules_sha256, after.rules_sha256, comparison.rules_changed),
        ("evidence", before.evidence_sha256, after.evidence_sha256, None),
    ):
        moved = old != new if changed is None else changed
        lines.append(f"  {what}: changed ({old[:12]} -> {new[:12]})" if moved else f"  {what}: unchanged")
    changes = comparison.changes
    lines.append(f"  {counted(len(changes), 'change')}; what changed: {comparison.cause}")
    for change in changes:
        before_text, after_text = _side(change.what, change.before), _side(change.what, change.after)
        lines.append(f"  {change.what:8} {change.element} / {change.subject}: {before_text} -> {after_text}")
    return "\n".join(lines) + "\n"
