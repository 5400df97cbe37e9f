"""Tiny plans of bare match conditions, for testing backends without rule files.

A backend reads only ``plan.digest`` and, per rule, ``id``, ``group``,
``match`` (plus ``file``/``line`` for messages), so :func:`plan_of` builds just
that: each condition becomes rule ``r0``, ``r1``… on match facts of type
``GROUP``.  Conditions name subject fields plainly (``x``, ``id``); a match fact
carries them as the session does (``f_x``, ``subject``) — see :func:`match_fact`.
Every plan has a fresh digest, because durable-rules registers a rule-set name
only once per host.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from caa_engine.backends.durable import DurableBackend
from caa_engine.backends.native import NativeBackend
from caa_engine.compile import MatchCondition

__all__ = ["GROUP", "FakeRule", "FakePlan", "plan_of", "match_fact", "fired", "make_backend"]

GROUP = "s0_thing_0"


@dataclass(frozen=True)
class FakeRule:
    id: str
    match: MatchCondition
    group: str = GROUP
    stratum: int = 0
    file: str = "test.yaml"
    line: int = 1


@dataclass(frozen=True)
class FakePlan:
    rules: tuple[FakeRule, ...]
    digest: str


def plan_of(*conditions: MatchCondition) -> FakePlan:
    return FakePlan(tuple(FakeRule(f"r{n}", cond) for n, cond in enumerate(conditions)), uuid.uuid4().hex)


def match_fact(subject: str, **fields: Any) -> dict[str, Any]:
    """A match fact for ``subject``; ``fields`` are subject fields by plain name (``x=1`` travels as ``f_x``)."""
    fact: dict[str, Any] = {"type": GROUP, "id": f"{GROUP}:{subject}", "subject": subject}
    for name, value in fields.items():
        fact[name if name.startswith("_") else f"f_{name}"] = value
    return fact


def make_backend(name: str) -> DurableBackend | NativeBackend:
    return DurableBackend() if name == "durable" else NativeBackend()


def fired(backend: DurableBackend | NativeBackend, plan: FakePlan, facts: list[dict[str, Any]]) -> set[tuple[str, str]]:
    """The (rule id, subject) pairs ``backend`` fires for ``facts`` in one fresh session."""
    prepared = backend.prepare(plan)  # type: ignore[arg-type]
    with backend.open(prepared) as matcher:  # type: ignore[arg-type]
        return matcher.match(0, facts)
