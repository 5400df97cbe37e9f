"""The durable-rules backend: the plan compiled to durable-rules rule sets (JSON form).

durable-rules keeps process-global, lock-free C state; this module is the only
place that touches it.  What it really does (../shared/notes/durable-rules.md,
and measured again in tests/test_durable_sharp_edges.py) and how each edge is
handled here:

* a fact no rule matches raises MessageNotHandledException — every rule set
  gets a catch-all *sink* rule, and the exception is still treated as the
  normal no-match case;
* exceptions inside actions are swallowed into the session state — the state
  is checked after every assert and any exception becomes an EngineError;
* a derived fact asserted from an action can silently vanish — each action
  counts its firings in Python and the ``fired`` facts read back must match
  one for one, or EngineError;
* ``$or`` runs an action once per true branch, and identical facts raise
  MessageObservedException — firings are de-duplicated per (rule, subject);
* rules made only of ``$nex`` loop forever — every pattern starts with a
  positive ``type`` discriminator;
* floats with an exponent are rejected and floats compare inexactly — the
  plan sends only integers, texts and booleans (operands are cross-multiplied
  integers) and this module refuses anything else;
* at most 1,024 live sessions per rule set — every assessment deletes its
  session in ``finally``;
* one host shared by threads segfaults, and a host per assessment leaks — one
  host per thread, reused, with one fresh session id per assessment;
* facts come back in hash order, with ``sid`` added — read back, filtered,
  sorted, stripped.
"""

from __future__ import annotations

import itertools
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

from ..compile import AllOf, Always, AnyOf, Cmp, MatchCondition, Plan
from ..errors import EngineError
from .base import MatchFact
from .native import rename_fields

__all__ = ["DurableBackend", "durable_available", "durable_import_error"]

try:  # durable-rules 2.0.28 does not import on Python 3.13+ (PyEval_CallObject is gone)
    from durable.engine import Host, MessageNotHandledException, MessageObservedException

    _IMPORT_ERROR: str | None = None
except Exception as exc:  # ImportError, or the extension's undefined-symbol error
    Host = None  # type: ignore[assignment,misc]
    MessageNotHandledException = MessageObservedException = Exception  # type: ignore[assignment,misc]
    _IMPORT_ERROR = f"{type(exc).__name__}: {exc}"

_OPS = {"!=": "$neq", "<": "$lt", "<=": "$lte", ">": "$gt", ">=": "$gte"}
FIRED = "caa_fired"


def durable_available() -> bool:
    return _IMPORT_ERROR is None


def durable_import_error() -> str | None:
    return _IMPORT_ERROR


def to_durable(cond: MatchCondition) -> dict[str, Any] | None:
    """The durable-rules JSON for a match condition (None means always true)."""
    if isinstance(cond, Always):
        return None if cond.value else {"$lt": {"type": ""}}  # never true: no text is below ''
    if isinstance(cond, AllOf):
        parts = [p for p in (to_durable(item) for item in cond.items) if p is not None]
        if not parts:
            return None
        return parts[0] if len(parts) == 1 else {"$and": parts}
    if isinstance(cond, AnyOf):
        parts_or = [to_durable(item) for item in cond.items]
        if not parts_or:
            return {"$lt": {"type": ""}}
        if any(p is None for p in parts_or):
            return None
        return parts_or[0] if len(parts_or) == 1 else {"$or": parts_or}
    _check_value(cond.value, cond)
    value: Any = {"$m": cond.value} if cond.is_field else cond.value
    if cond.op == "==":
        if cond.is_field:
            return {"$and": [{"$gte": {cond.field: value}}, {"$lte": {cond.field: value}}]} \
                if not isinstance(cond.value, str) else {cond.field: value}
        return {cond.field: value}
    return {_OPS[cond.op]: {cond.field: value}}


def _check_value(value: Any, where: Any) -> None:
    if isinstance(value, float):
        raise EngineError(f"durable backend refuses a float in {where!r}: the plan must carry exact integers")


@dataclass
class _HostState:
    """One durable-rules host, owned by one thread."""

    host: Any
    registered: set[str] = field(default_factory=set)
    calls: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    sids: Iterator[int] = field(default_factory=itertools.count)


@dataclass(frozen=True)
class _Prepared:
    plan: Plan
    name: str
    definition: Callable[[_HostState], dict[str, Any]]


class _Matcher:
    def __init__(self, state: _HostState, prepared: _Prepared, sid: str):
        self.state = state
        self.prepared = prepared
        self.sid = sid

    def match(self, stratum: int, facts: list[MatchFact]) -> set[tuple[str, str]]:
        if not facts:
            # Nothing asserted, nothing fired; and with no fact yet the session does not
            # exist, so get_facts would fail (error 309) on a bundle without evidence sections.
            return set()
        host, name, sid = self.state.host, self.prepared.name, self.sid
        calls = self.state.calls.setdefault(sid, [])
        before = len(calls)
        for fact in facts:
            payload = dict(fact, sid=sid)
            for value in payload.values():
                _check_value(value, fact)
            try:
                host.assert_fact(name, payload)
            except MessageNotHandledException:
                pass  # the normal "no rule matched" case (the sink makes it rare)
            except MessageObservedException as exc:
                raise EngineError(f"durable-rules saw the same fact twice: {exc}") from None
            self._check_state()
        fired = set(calls[before:])
        stored = {(f["rule"], f["subject"]) for f in host.get_facts(name, sid) if f.get("type") == FIRED
                  and f.get("stratum") == stratum}
        if stored != fired:
            lost = sorted(fired - stored)
            raise EngineError(f"durable-rules lost derived facts for {lost or sorted(stored - fired)}")
        return fired

    def _check_state(self) -> None:
        state = self.state.host.get_state(self.prepared.name, self.sid)
        if state.get("exception"):
            raise EngineError(f"durable-rules swallowed an exception in an action: {state['exception']}")


class DurableBackend:
    name = "durable"

    def __init__(self) -> None:
        if _IMPORT_ERROR is not None:
            raise EngineError(f"the durable backend is not available here ({_IMPORT_ERROR}); use --backend native")
        self._local = threading.local()

    def _state(self) -> _HostState:
        state = getattr(self._local, "state", None)
        if state is None:
            state = _HostState(Host())
            self._local.state = state
        return state

    def prepare(self, plan: Plan) -> _Prepared:
        name = f"caa_{plan.digest[:20]}"
        conditions = []
        for rule in plan.rules:
            cond = to_durable(rename_fields(rule.match))
            pattern = {"type": rule.group} if cond is None else {"$and": [{"type": rule.group}, cond]}
            conditions.append((rule.id, rule.stratum, pattern))

        def definition(state: _HostState) -> dict[str, Any]:
            # Built fresh for every host: set_rulesets mutates what it is given.
            rules: dict[str, Any] = {}
            for index, (rule_id, stratum, pattern) in enumerate(conditions):
                rules[f"r{index}"] = {"all": [{"m": _deep_copy(pattern)}], "run": _action(state, rule_id, stratum)}
            rules["sink"] = {"all": [{"m": {"$ex": {"type": 1}}}], "run": _sink, "pri": 1_000_000}
            return {name: rules}

        return _Prepared(plan, name, definition)

    @contextmanager
    def open(self, prepared: _Prepared) -> Iterator[_Matcher]:
        state = self._state()
        if prepared.name not in state.registered:
            state.host.set_rulesets(prepared.definition(state))
            state.registered.add(prepared.name)
        sid = f"a{next(state.sids)}"
        state.calls[sid] = []
        try:
            yield _Matcher(state, prepared, sid)
        finally:
            state.calls.pop(sid, None)
            try:
                state.host.delete_state(prepared.name, sid)
            except Exception:  # no state was created (nothing asserted): nothing to free
                pass


def _deep_copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _deep_copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_deep_copy(v) for v in value]
    return value


def _sink(c: Any) -> None:
    """Keeps every fact handled, so no assert raises MessageNotHandledException."""


def _action(state: _HostState, rule_id: str, stratum: int) -> Callable[[Any], None]:
    # durable-rules passes actions no rule name, and rejects partials: a plain closure binds it.
    def action(c: Any) -> None:
        fact = c._m["m"]
        sid, subject = str(fact["sid"]), fact["subject"]
        calls = state.calls.setdefault(sid, [])
        if (rule_id, subject) in calls:
            return  # '$or' runs the action once per true branch
        calls.append((rule_id, subject))
        c.assert_fact({"type": FIRED, "rule": rule_id, "subject": subject, "stratum": stratum})

    return action
