"""The durable-rules backend: the plan compiled to durable-rules rule sets (JSON form).

durable-rules keeps process-global, lock-free C state; this module is the only
place that touches it.  Each sharp edge below was measured on durable-rules
2.0.28 (../shared/notes/durable-rules.md; pinned by
tests/test_durable_sharp_edges.py), followed by how it is handled here.  The
rule is: durable either gives the native backend's answer or raises
EngineError — never a quiet wrong result.

* A fact no rule matches raises MessageNotHandledException — every rule set
  has a catch-all *sink* rule, so a match fact that is still not handled is an
  EngineError.
* An exception inside an action is swallowed into the session state; a
  MessageNotHandledException from ``c.assert_fact`` inside an action silently
  loses the derived fact — the state is checked after every stratum, and each
  firing is recorded in Python *and* asserted as a ``caa_fired`` fact: the two
  must agree one for one, or EngineError.
* ``$or`` runs the action once per true branch (nested ones once per path) —
  firings are de-duplicated per (rule, match fact) with a set.
* A rule made only of ``$nex`` matches the session state itself and loops
  forever — no pattern uses ``$nex``; each starts with a positive ``type``.
* A fact's ``id`` is its identity, compared by a 32-bit FNV-1a hash: a second
  fact with the same id, or a colliding one ('body-232789' and 'body-429192'),
  is rejected as already observed (as are identical facts without an id) —
  durable sees its own ids, counted per session (pairwise distinct below
  797,186), and a fact rejected as observed is re-sent under the next id.
* Text is compared as the raw JSON text, escapes included ('"' sorts after
  '#'), and lengths are 16-bit (two 70,000-character texts differing at the
  end compare equal) — text travels hex-encoded (UTF-8 bytes, order kept),
  and text over MAX_TEXT_BYTES is refused.
* Null compares like a value (``null != 1`` and ``null == null`` are true) and
  a comparison whose right-hand ``$m`` field is absent reads uninitialised
  memory (often true) — nulls are left out of the facts, and every
  field-to-field comparison is guarded by ``$ex`` on its right-hand field, so
  a comparison with a missing value is false for every operator.
* Floats are compared inexactly and exponent floats are rejected (error 204);
  integers outside int64 saturate — the plan sends integers, text and
  booleans only, and anything else is refused.
* At most 15 ``$and``/``$or`` groups in one rule (error 113), 4,095 rules in a
  rule set, 254 properties in a fact (error 302) — deep conditions are split
  into one durable rule per disjunct; beyond that, EngineError at prepare time.
* Property names are looked up by 32-bit hash — prepare checks the names of a
  plan are plain identifiers whose hashes are distinct.
* A Host starts two timer threads that run pending actions: measured, they
  sometimes ran an action on the timer thread, and an assessment then lost a
  firing or returned a different result — hosts here start no threads
  (``_QuietHost``), so every action runs inside the assert that caused it.
* One host shared by threads segfaulted (measured with the timer threads
  running) — one host per thread and backend, reused, with one fresh session
  per assessment.
* An action still running 10 s after it started (by the local wall clock, so
  a DST jump or a suspended process counts) is abandoned, and every later
  action of the session is silently skipped — actions mark themselves as
  never timing out.
* At most 1,024 live sessions per rule set, then MemoryError — every
  assessment deletes its session in ``finally``.  Deleting a session in
  which no fact was ever stored crashes the process — a session is deleted
  only once a fact was stored (with the sink, the first assert stores one).
* A Host is never freed (about 130 KiB each) — when a thread's host is
  garbage-collected its C rule sets are deleted.
* ``get_facts`` returns facts in hash order, with ``sid`` added — only the
  ``caa_fired`` facts are read back, as a set of (rule, fact) pairs.
"""

from __future__ import annotations

import itertools
import math
import re
import threading
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from ..compile import AllOf, Always, AnyOf, Cmp, MatchCondition, Plan
from ..errors import EngineError
from .base import MatchFact
from .native import rename_fields

__all__ = [
    "DurableBackend",
    "durable_available",
    "durable_import_error",
    "to_durable",
    "durable_patterns",
    "property_hash",
    "FIRED",
    "MAX_GROUPS",
    "MAX_TEXT_BYTES",
    "COLLISION_FREE_IDS",
]

try:  # durable-rules 2.0.28 does not import on Python 3.13+ (PyEval_CallObject is gone)
    import durable_rules_engine
    from durable.engine import Host, MessageNotHandledException, MessageObservedException

    class _QuietHost(Host):
        """A Host without the two timer threads that would run our actions behind our back."""

        def _run(self) -> None:
            pass

    _IMPORT_ERROR: str | None = None
except Exception as exc:  # ImportError, or the extension's undefined-symbol error
    durable_rules_engine = None
    _QuietHost = None  # type: ignore[assignment,misc]
    MessageNotHandledException = MessageObservedException = Exception  # type: ignore[assignment,misc]
    _IMPORT_ERROR = f"{type(exc).__name__}: {exc}"

FIRED = "caa_fired"
MAX_GROUPS = 15  # '$and'/'$or' groups in one durable rule; the 16th gives error 113
MAX_RULES = 4_000  # durable rules in one rule set (the C limit is 4,095 plus the sink)
MAX_PROPERTIES = 254  # properties in one fact, 'sid' included; the 255th gives error 302
MAX_TEXT_BYTES = 32_000  # UTF-8 bytes of one text: hex-encoded it stays under the 16-bit length
MAX_DNF_TERMS = 256  # disjuncts a too-deep condition may be split into
COLLISION_FREE_IDS = 797_186  # str(0) .. str(797185) have pairwise distinct FNV-1a hashes
_INT64 = (-(2**63), 2**63 - 1)
_OBSERVED_RETRIES = 8
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_NEVER = {"$lt": {"type": ""}}  # no text sorts below ''
_OPS = {"!=": "$neq", "<": "$lt", "<=": "$lte", ">": "$gt", ">=": "$gte"}
_FIXED_PROPERTIES = ("type", "id", "sid", "subject", "rule", "fact")


def durable_available() -> bool:
    return _IMPORT_ERROR is None


def durable_import_error() -> str | None:
    return _IMPORT_ERROR


def property_hash(name: str) -> int:
    """durable-rules' hash of a property name (32-bit FNV-1a over the UTF-8 bytes, as signed chars)."""
    value = 0x811C9DC5
    for byte in name.encode("utf-8"):
        value ^= byte if byte < 0x80 else byte | 0xFFFFFF00
        value = (value * 16777619) & 0xFFFFFFFF
    return value


# -- values -------------------------------------------------------------------------------------------------------


def _encode(value: Any, where: str) -> Any:
    """A value as durable-rules must see it for its comparisons to equal Python's.  Raises EngineError."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        if not _INT64[0] <= value <= _INT64[1]:
            raise EngineError(
                f"durable backend refuses {value} in {where}: durable-rules compares integers "
                f"as 64-bit; use the native backend"
            )
        return value
    if isinstance(value, str):
        data = value.encode("utf-8")
        if len(data) > MAX_TEXT_BYTES:
            raise EngineError(
                f"durable backend refuses a text of {len(data):,} bytes in {where}: durable-rules "
                f"compares at most {MAX_TEXT_BYTES:,}; use the native backend"
            )
        return data.hex()
    raise EngineError(
        f"durable backend refuses {value!r} ({type(value).__name__}) in {where}: the plan must "
        f"carry exact integers, text or booleans"
    )


# -- conditions ---------------------------------------------------------------------------------------------------


def _simplify(cond: MatchCondition) -> MatchCondition:
    """The condition with nested groups of one kind flattened and constant branches folded."""
    if isinstance(cond, (AllOf, AnyOf)):
        is_all = isinstance(cond, AllOf)
        items: list[MatchCondition] = []
        for item in (_simplify(i) for i in cond.items):
            if isinstance(item, Always):
                if item.value != is_all:  # false in all, true in any: decides the group
                    return Always(not is_all)
                continue
            if type(item) is type(cond):
                items.extend(item.items)  # type: ignore[union-attr]
            else:
                items.append(item)
        if not items:
            return Always(is_all)
        return items[0] if len(items) == 1 else type(cond)(tuple(items))
    return cond


def _comparison(cond: Cmp) -> list[dict[str, Any]]:
    """One comparison as durable conjuncts (a field-to-field one is guarded by '$ex' on its right field)."""
    if not (_NAME.match(cond.field) and (not cond.is_field or _NAME.match(cond.value))):
        raise EngineError(f"durable backend refuses the field name in {cond!r}: names must be plain identifiers")
    if cond.is_field:
        guard = {"$ex": {cond.value: 1}}
        other = {"$m": cond.value}
        if cond.op == "==":
            return [guard, {cond.field: other}]
        return [guard, {_OPS[cond.op]: {cond.field: other}}]
    value = _encode(cond.value, f"condition {cond!r}")
    if cond.op == "==":
        return [{cond.field: value}]
    return [{_OPS[cond.op]: {cond.field: value}}]


def _conjuncts(cond: MatchCondition) -> list[dict[str, Any]]:
    """The condition as a list of durable conditions that must all hold (empty: always true)."""
    if isinstance(cond, Always):
        return [] if cond.value else [_NEVER]
    if isinstance(cond, Cmp):
        return _comparison(cond)
    if isinstance(cond, AllOf):
        return [part for item in cond.items for part in _conjuncts(item)]
    return [{"$or": [_single(item) for item in cond.items]}]


def _single(cond: MatchCondition) -> dict[str, Any]:
    parts = _conjuncts(cond)
    if not parts:
        return {"$ex": {"type": 1}}  # always true (every fact has a type)
    return parts[0] if len(parts) == 1 else {"$and": parts}


def to_durable(cond: MatchCondition) -> dict[str, Any] | None:
    """The durable-rules JSON for a match condition (None means always true).

    Names are used as they are, so pass a condition whose fields are already
    named as in a match fact.  Raises EngineError for a value durable-rules
    cannot compare exactly.
    """
    parts = _conjuncts(_simplify(cond))
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else {"$and": parts}


def _groups(value: Any) -> int:
    if isinstance(value, dict):
        return sum((key in ("$and", "$or")) + _groups(item) for key, item in value.items())
    if isinstance(value, list):
        return sum(_groups(item) for item in value)
    return 0


def _pattern(group: str, cond: MatchCondition) -> dict[str, Any]:
    parts = [{"type": group}, *_conjuncts(cond)]
    return parts[0] if len(parts) == 1 else {"$and": parts}


def _dnf(cond: MatchCondition) -> list[list[MatchCondition]] | None:
    """The condition as a disjunction of conjunctions, or None beyond MAX_DNF_TERMS."""
    if isinstance(cond, AnyOf):
        terms: list[list[MatchCondition]] = []
        for item in cond.items:
            sub = _dnf(item)
            if sub is None or len(terms) + len(sub) > MAX_DNF_TERMS:
                return None
            terms.extend(sub)
        return terms
    if isinstance(cond, AllOf):
        terms = [[]]
        for item in cond.items:
            sub = _dnf(item)
            if sub is None or len(terms) * len(sub) > MAX_DNF_TERMS:
                return None
            terms = [left + right for left in terms for right in sub]
        return terms
    return [[cond]]


def durable_patterns(group: str, cond: MatchCondition) -> list[dict[str, Any]]:
    """The durable patterns (one rule each) that together match ``cond`` on facts of type ``group``.

    Every pattern starts with the positive discriminator ``{"type": group}``.
    One pattern unless it would nest more than MAX_GROUPS groups; then one per
    disjunct.  Raises EngineError if even that is beyond durable-rules.
    """
    cond = _simplify(cond)
    whole = _pattern(group, cond)
    if _groups(whole) <= MAX_GROUPS:
        return [whole]
    terms = _dnf(cond)
    if terms is None:
        raise EngineError(
            f"the condition nests {_groups(whole)} any/all groups, more than durable-rules accepts "
            f"({MAX_GROUPS}) even split into {MAX_DNF_TERMS} alternatives"
        )
    return [_pattern(group, _simplify(AllOf(tuple(term)))) for term in terms]


def _names(value: Any) -> Iterator[str]:
    """Every property name a durable condition reads."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "$m":
                yield item
            elif not key.startswith("$"):
                yield key
            yield from _names(item)
    elif isinstance(value, list):
        for item in value:
            yield from _names(item)


def _check_names(names: set[str]) -> None:
    seen: dict[int, str] = {}
    for name in sorted(names):
        if not _NAME.match(name):
            raise EngineError(f"durable backend refuses the property name {name!r}: names must be plain identifiers")
        other = seen.setdefault(property_hash(name), name)
        if other != name:
            raise EngineError(
                f"durable-rules cannot tell properties {other!r} and {name!r} apart (same 32-bit "
                f"hash); rename one, or use the native backend"
            )


# -- hosts and sessions -------------------------------------------------------------------------------------------


def _message_ids() -> Iterator[str]:
    """Message ids for one session: decimal counters, pairwise distinct in durable's hash below 797,186."""
    return (str(n) for n in itertools.count())


@dataclass
class _Session:
    sid: str
    ids: Iterator[str] = field(default_factory=lambda: _message_ids())  # looked up late: tests swap it
    subjects: dict[str, str] = field(default_factory=dict)  # message id -> subject id
    fired: set[tuple[int, str]] = field(default_factory=set)  # (rule index, message id), whole session
    started: bool = False  # a fact was stored: only then may the session be deleted (see close_session)


def _assert_new(assert_fact: Callable[[dict[str, Any]], Any], fact: dict[str, Any], session: _Session) -> str:
    """Assert ``fact`` under a fresh message id; returns the id.

    Our ids are unique, so 'already observed' can only be a 32-bit hash
    collision (with another id, or the session state's 'sid-…'): the fact was
    not stored, and is sent again under the next id.
    """
    for _ in range(_OBSERVED_RETRIES):
        fact["id"] = next(session.ids)
        try:
            assert_fact(fact)
        except MessageObservedException:
            continue
        return str(fact["id"])
    raise EngineError(f"durable-rules kept rejecting a fact as already observed: {fact}")


class _Host:
    """One durable-rules host, owned by one thread, and what our actions need to find their session."""

    def __init__(self) -> None:
        self.host = _QuietHost()
        self.registered: dict[str, int] = {}  # rule set name -> C handle
        self.sessions: dict[str, _Session] = {}
        self.sids = itertools.count()
        handles: list[int] = []
        self._handles = handles
        # A Host is never freed by durable-rules: delete its C rule sets with it.
        weakref.finalize(self, _delete_rulesets, handles).atexit = False

    def register(self, prepared: _Prepared) -> None:
        if prepared.name in self.registered:
            return
        try:
            self.host.set_rulesets(prepared.definition(self))
        except Exception as exc:
            raise EngineError(f"durable-rules refused the rule set: {exc}") from None
        handle = self.host.get_ruleset(prepared.name)._handle
        self.registered[prepared.name] = handle
        self._handles.append(handle)

    def open_session(self) -> _Session:
        session = _Session(f"a{next(self.sids)}")
        self.sessions[session.sid] = session
        return session

    def close_session(self, name: str, session: _Session) -> None:
        self.sessions.pop(session.sid, None)
        # Deleting a session where no fact was ever stored crashes the process (SIGSEGV); with
        # the sink rule every fact is stored, so a session is left behind only after an EngineError.
        if session.started:
            try:
                self.host.delete_state(name, session.sid)
            except Exception as exc:
                raise EngineError(f"durable-rules could not delete session {session.sid}: {exc}") from None


def _delete_rulesets(handles: list[int]) -> None:
    for handle in handles:
        try:
            durable_rules_engine.delete_ruleset(handle)
        except Exception:  # already gone: nothing left to free
            pass


@dataclass(frozen=True)
class _Prepared:
    plan: Plan
    name: str
    rule_ids: tuple[str, ...]  # by rule index
    definition: Callable[[_Host], dict[str, Any]]


class _Matcher:
    def __init__(self, host: _Host, prepared: _Prepared, session: _Session):
        self.host = host
        self.prepared = prepared
        self.session = session

    def match(self, stratum: int, facts: list[MatchFact]) -> set[tuple[str, str]]:
        if not facts:
            return set()
        host, name, session = self.host.host, self.prepared.name, self.session
        messages: set[str] = set()
        for fact in facts:
            payload = self._payload(fact)
            try:
                message = _assert_new(lambda p: host.assert_fact(name, p), payload, session)
                session.started = True
            except MessageNotHandledException:
                raise EngineError(
                    f"durable-rules did not handle {fact} although the sink rule matches every fact"
                ) from None
            except EngineError:
                raise
            except Exception as exc:  # MemoryError (too many live sessions), parse errors, ...
                raise EngineError(f"durable-rules failed on {fact}: {type(exc).__name__}: {exc}") from None
            session.subjects[message] = fact["subject"]
            messages.add(message)
        state = host.get_state(name, session.sid)
        if state.get("exception"):
            raise EngineError(f"durable-rules swallowed an exception in an action: {state['exception']}")
        stored = {(f["rule"], f["fact"]) for f in host.get_facts(name, session.sid) if f.get("type") == FIRED}
        if stored != session.fired:
            raise EngineError(
                f"durable-rules lost derived facts: recorded {sorted(session.fired - stored)} "
                f"not stored, stored {sorted(stored - session.fired)} not recorded"
            )
        rule_ids = self.prepared.rule_ids
        return {(rule_ids[index], session.subjects[message]) for index, message in session.fired if message in messages}

    def _payload(self, fact: MatchFact) -> dict[str, Any]:
        payload: dict[str, Any] = {"type": fact["type"], "sid": self.session.sid}
        for key, value in fact.items():
            if key in ("type", "id", "sid") or value is None:
                continue  # durable's own id and sid; null is left out (see the module docstring)
            payload[key] = _encode(value, f"field {key!r} of {fact.get('id')!r}")
        if len(payload) + 1 > MAX_PROPERTIES:  # + the id
            raise EngineError(
                f"a match fact of {len(payload) + 1} properties is more than durable-rules accepts ({MAX_PROPERTIES})"
            )
        return payload


class DurableBackend:
    name = "durable"

    def __init__(self) -> None:
        if _IMPORT_ERROR is not None:
            raise EngineError(f"the durable backend is not available here ({_IMPORT_ERROR}); use --backend native")
        self._local = threading.local()

    def _host(self) -> _Host:
        host = getattr(self._local, "host", None)
        if host is None:
            host = self._local.host = _Host()
        return host

    def prepare(self, plan: Plan) -> _Prepared:
        """Compile the plan to durable patterns.  Raises EngineError for a rule durable-rules cannot run."""
        name = f"caa_{plan.digest[:20]}"
        rules: list[tuple[int, dict[str, Any]]] = []
        names: set[str] = set(_FIXED_PROPERTIES)
        for index, rule in enumerate(plan.rules):
            try:
                patterns = durable_patterns(rule.group, rename_fields(rule.match))
            except EngineError as exc:
                raise EngineError(f"{rule.file}:{rule.line}: rule '{rule.id}': {exc}") from None
            for pattern in patterns:
                names.update(_names(pattern))
                rules.append((index, pattern))
        if len(rules) > MAX_RULES:
            raise EngineError(
                f"the plan needs {len(rules)} durable rules, more than durable-rules accepts "
                f"({MAX_RULES}); use the native backend"
            )
        _check_names(names)

        def definition(host: _Host) -> dict[str, Any]:
            # Built fresh for every host: set_rulesets mutates what it is given.
            body: dict[str, Any] = {}
            for number, (index, pattern) in enumerate(rules):
                body[f"r{number}"] = {"all": [{"m": _deep_copy(pattern)}], "run": _action(host, index)}
            body["sink"] = {"all": [{"m": {"$ex": {"type": 1}}}], "run": _sink, "pri": 1_000_000}
            return {name: body}

        return _Prepared(plan, name, tuple(rule.id for rule in plan.rules), definition)

    @contextmanager
    def open(self, prepared: _Prepared) -> Iterator[_Matcher]:
        host = self._host()
        host.register(prepared)
        session = host.open_session()
        try:
            yield _Matcher(host, prepared, session)
        finally:
            host.close_session(prepared.name, session)


def _deep_copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _deep_copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_deep_copy(v) for v in value]
    return value


def _sink(c: Any) -> None:
    """Keeps every fact handled, so no assert raises MessageNotHandledException."""
    c._start_time = math.inf  # see _action


def _action(host: _Host, index: int) -> Callable[[Any], None]:
    # durable-rules passes actions no rule name, and rejects partials: a plain closure binds it.
    def action(c: Any) -> None:
        # durable abandons an action whose closure is over 10 s old by the wall clock, and with it
        # every later action of the session; ours are instant, so never let a clock jump count.
        c._start_time = math.inf
        message = c._m["m"]
        session = host.sessions[message["sid"]]
        key = (index, message["id"])
        if key in session.fired:
            return  # '$or' runs the action once per true branch
        session.fired.add(key)
        _assert_new(c.assert_fact, {"type": FIRED, "rule": index, "fact": message["id"]}, session)

    return action
