"""Rule coverage: which rules and measures a set of assessments exercised, read from their audit trails.

Coverage is one more view over the event stream, never a second bookkeeping: a rule is *covered*
when it decided something (an ``applied`` event) in at least one assessment; a rule that only ever
fired to be overridden by a higher priority is a gap of its own kind; a measure is covered when it
was computed.  The policy scenarios (``features/``) fail below a threshold of it.

For dated rules (:mod:`caa_engine.dated`) the rules and measures to cover are every period's, not only the
current period's: each is told apart by its file as well as its id (2007/08's ``uor_adequate`` is not
2008/09's), so a period no scenario assesses shows as gaps.  :attr:`Coverage.periods` says which periods'
rules the figures are of, for the coverage report to say so.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from ..compile import Plan
from .events import AuditEvent

__all__ = ["Coverage", "Gap"]

NEVER_FIRED = "rule never fired"
ONLY_OVERRIDDEN = "rule fired but never decided anything (always overridden by a higher priority)"
NEVER_COMPUTED = "measure never computed"


@dataclass(frozen=True)
class Gap:
    """A rule or measure no assessment covered, and where it is written."""

    kind: str  # "rule" or "measure"
    id: str
    file: str
    line: int
    why: str

    def __str__(self) -> str:
        return f"{self.why}: {self.id} ({self.file}:{self.line})"


@dataclass
class Coverage:
    """Coverage of a plan's rules and measures (for dated rules, every period's) by the audit events added to it."""

    plan: Plan
    # key (see _key: a rule or measure id and its file) -> the statuses of its events
    seen: dict[str, set[str]] = field(default_factory=dict)

    def add(self, events: Iterable[AuditEvent]) -> None:
        """Count an assessment's audit trail (``Result.audit``)."""
        for event in events:
            self.seen.setdefault(_key(event.id, str(event.source.get("file", ""))), set()).add(event.status)

    @property
    def plans(self) -> list[Plan]:
        """The plans whose rules and measures are counted: every period's for dated rules, else the plan."""
        if self.plan.dated is None:
            return [self.plan]
        return [plan for _, _, plan in self.plan.dated.plans()]

    @property
    def periods(self) -> str:
        """Which periods' rules are counted, in words: 'every period (the rules are not dated)', or 'every
        period's rules: 2007/08, 2008/09 onwards'."""
        if self.plan.dated is None:
            return "every period (the rules are not dated)"
        return "every period's rules: " + ", ".join(text for text, _, _ in self.plan.dated.plans())

    def _items(self) -> list[tuple[str, str, str, int]]:
        """(kind, id, file, line) of every rule and measure to cover, each once (a file in force for several
        periods is counted once)."""
        found: dict[str, tuple[str, str, str, int]] = {}
        for plan in self.plans:
            for rule in plan.rules:
                found.setdefault(_key(rule.id, rule.file), ("rule", rule.id, rule.file, rule.line))
            for measure in plan.measures:
                found.setdefault(_key(measure.id, measure.file), ("measure", measure.id, measure.file, measure.line))
        return list(found.values())

    @property
    def total(self) -> int:
        return len(self._items())

    def gaps(self) -> list[Gap]:
        """Every rule and measure not covered, in file and line order."""
        out = []
        for kind, id_, file, line in self._items():
            statuses = self.seen.get(_key(id_, file), set())
            if kind == "rule" and "applied" not in statuses:
                out.append(Gap("rule", id_, file, line, ONLY_OVERRIDDEN if statuses else NEVER_FIRED))
            elif kind == "measure" and not statuses:
                out.append(Gap("measure", id_, file, line, NEVER_COMPUTED))
        return sorted(out, key=lambda gap: (gap.file, gap.line))

    @property
    def covered(self) -> int:
        return self.total - len(self.gaps())

    @property
    def percent(self) -> float:
        """The share covered, in percent (100 for a plan with nothing to cover)."""
        return 100.0 * self.covered / self.total if self.total else 100.0


def _key(id_: str, file: str) -> str:
    """A rule's or measure's key: its id and its file ('uor_adequate@rules/use_of_resources.yaml'), a plain text so
    that pytest-xdist's workers can send what they saw; an id never holds '@'."""
    return f"{id_}@{file}"
