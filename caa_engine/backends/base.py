"""The one protocol every backend implements.

A backend is handed a :class:`~caa_engine.compile.Plan` once (``prepare``) and
then, per assessment, opens a matcher that answers one question per stratum:
which (rule id, subject id) pairs have a true match condition over these flat
match facts?  Everything else — facts, measures, operands, conflicts, the
audit trail — is shared in :mod:`caa_engine.session`, so backends cannot drift.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Any, Protocol, TypeVar

from ..compile import Plan

__all__ = ["MatchFact", "PreparedPlan", "Matcher", "Backend"]

MatchFact = dict[str, Any]
P = TypeVar("P")


class PreparedPlan(Protocol):
    @property
    def plan(self) -> Plan: ...


class Matcher(Protocol):
    def match(self, stratum: int, facts: list[MatchFact]) -> set[tuple[str, str]]:
        """The (rule id, subject id) pairs whose match condition holds."""


class Backend(Protocol[P]):
    """``P`` is the backend's own prepared form of a plan; only that backend can open it."""

    name: str

    def prepare(self, plan: Plan) -> P:
        """Compile the plan for this backend (once per plan)."""

    def open(self, prepared: P) -> AbstractContextManager[Matcher]:
        """A matcher for one assessment; closing it frees everything it held."""
