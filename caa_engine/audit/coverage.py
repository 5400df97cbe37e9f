"""Rule coverage: which rules and measures a set of assessments exercised, read from their audit trails.

Coverage is one more view over the event stream, never a second bookkeeping: a rule is *covered*
when it decided something (an ``applied`` event) in at least one assessment; a rule that only ever
fired to be overridden by a higher priority is a gap of its own kind; a measure is covered when it
was computed.  The policy scenarios (``features/``) fail below a threshold of it.
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
    """Coverage of one plan's rules and measures by the audit events added to it."""

    plan: Plan
    seen: dict[str, set[str]] = field(default_factory=dict)  # rule or measure id -> statuses of its events

    def add(self, events: Iterable[AuditEvent]) -> None:
        """Count an assessment's audit trail (``Result.audit``)."""
        for event in events:
            self.seen.setdefault(event.id, set()).add(event.status)

    @property
    def total(self) -> int:
        return len(self.plan.rules) + len(self.plan.measures)

    def gaps(self) -> list[Gap]:
        """Every rule and measure not covered, in file and line order."""
        out = []
        for rule in self.plan.rules:
            statuses = self.seen.get(rule.id, set())
            if "applied" not in statuses:
                out.append(Gap("rule", rule.id, rule.file, rule.line, ONLY_OVERRIDDEN if statuses else NEVER_FIRED))
        for measure in self.plan.measures:
            if measure.id not in self.seen:
                out.append(Gap("measure", measure.id, measure.file, measure.line, NEVER_COMPUTED))
        return sorted(out, key=lambda gap: (gap.file, gap.line))

    @property
    def covered(self) -> int:
        return self.total - len(self.gaps())

    @property
    def percent(self) -> float:
        """The share covered, in percent (100 for a plan with nothing to cover)."""
        return 100.0 * self.covered / self.total if self.total else 100.0
