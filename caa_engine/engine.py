"""The public entry points: load rules once, assess many bundles.

:class:`Engine` holds a compiled plan and a prepared backend; it is safe to
call :meth:`Engine.assess` from several threads at once.  :func:`assess` is
the one-call convenience for integrators.
"""

from __future__ import annotations

import hashlib
import sys
import threading
import warnings
from functools import lru_cache, partial
from pathlib import Path
from typing import Any

from .backends.base import Backend
from .backends.durable import DurableBackend, durable_available, durable_import_error
from .backends.native import NativeBackend
from .compile import Plan, load_plan
from .dated import bundle_period, named_period
from .errors import EngineError, EvidenceError, Issue
from .evidence.history import EarlierValue
from .evidence.loader import LoadedBundle, bundle_facts, bundle_from_dict, load_bundle
from .evidence.model import EvidenceBundle
from .ledger.earlier import LedgerHistory
from .ledger.store import Ledger
from .result import Result, Unjudged, build_result, in_policy_order
from .session import Program, run_session
from .wording import WordProgram, words_of

__all__ = ["Engine", "assess", "load_rules", "BACKENDS", "default_backend_name", "default_rules_dir", "__version__"]

__version__ = "0.1.0"
BACKENDS = ("durable", "native")


def default_rules_dir() -> Path:
    """``./rules`` if it exists, else the rules shipped beside the package."""
    here = Path("rules")
    if here.is_dir():
        return here
    return Path(__file__).resolve().parent.parent / "rules"


def default_backend_name() -> str:
    """'durable' where durable-rules imports, else 'native'."""
    return "durable" if durable_available() else "native"


def _make_backend(name: str | None) -> Backend:
    if name is None:
        name = default_backend_name()
        if name == "native":
            _warn_native_once()
    if name == "durable":
        return DurableBackend()
    if name == "native":
        return NativeBackend()
    raise EngineError(f"unknown backend '{name}': choose one of {', '.join(BACKENDS)}")


@lru_cache(maxsize=1)
def _warn_native_once() -> None:
    warnings.warn(
        f"durable-rules cannot be used on Python {sys.version_info.major}.{sys.version_info.minor} "
        f"({durable_import_error()}); using the native backend",
        RuntimeWarning,
        stacklevel=4,
    )


def load_rules(rules: str | Path | None = None) -> Plan:
    """Load, check and compile a rules folder.  Raises :class:`~caa_engine.errors.RuleError`."""
    return load_plan(Path(rules) if rules is not None else default_rules_dir())


class Engine:
    """A compiled rule book bound to one backend."""

    def __init__(self, rules: str | Path | Plan | None = None, backend: str | None = None):
        self.plan = rules if isinstance(rules, Plan) else load_rules(rules)
        self.backend = _make_backend(backend)
        # Dated rules (caa_engine/dated.py): this engine runs the current period's plan; another period's runs
        # on an engine made the first time a bundle for it comes, then kept (one per plan, never per bundle).
        self._periods: dict[str, Engine] = {}
        self._periods_lock = threading.Lock()
        self._prepared = self.backend.prepare(self.plan)
        self._program = Program(self.plan)
        self._words = WordProgram(self.plan)
        # What a result's reports say was not judged, worked out once per rules folder (caa_engine/result.py).
        self._raises_flags = any(rule.flag is not None for rule in self.plan.rules)
        self._combining = next((info.element for info in self.plan.rulesets if info.combines), None)
        self._not_in_force = _not_in_force(self.plan)

    @property
    def backend_name(self) -> str:
        return self.backend.name

    def assess(
        self,
        bundle: str | Path | dict[str, Any] | EvidenceBundle | LoadedBundle,
        history_from: LedgerHistory | Ledger | str | Path | None = None,
    ) -> Result:
        """Assess one bundle (a file path, a dict, or a model).

        ``history_from``: also read the indicators' earlier values from this ledger (a :class:`LedgerHistory`,
        a :class:`Ledger`, or a ledger's file path or PostgreSQL URL): the values the results recorded for the
        bundle's area in earlier periods were judged on, merged with the bundle's own ``history``
        (docs/ledger.md, "Earlier values from the ledger").

        Raises :class:`~caa_engine.errors.EvidenceError` for invalid evidence (with ``history_from``, also a
        bundle naming no period, or an earlier value it gives otherwise than the ledger),
        :class:`~caa_engine.ledger.LedgerError` if the ledger cannot be read, and
        :class:`~caa_engine.errors.EngineError` if a backend fails.
        """
        loaded = _load(bundle)
        if self.plan.dated is None:
            return self._judge(loaded, named_period(loaded), history_from)
        period, plan = bundle_period(loaded, self.plan.dated)
        engine = self if plan.digest == self.plan.digest else self._engine_for_period(plan)
        result = engine._judge(loaded, period, history_from)
        result._not_in_force = self._not_in_force.get(plan.digest, ())
        return result

    def _judge(
        self, loaded: LoadedBundle, period: str | None, history_from: LedgerHistory | Ledger | str | Path | None
    ) -> Result:
        """Judge ``loaded`` by this engine's plan, for ``period`` (the result says which), with the earlier
        values ``history_from`` holds."""
        earlier = _earlier_values(loaded, period, history_from) if history_from is not None else []
        # A self-assessment of an element no rule set judges is an error only where rules read them:
        # a folder holding only some elements must still take a whole bundle.
        reads_own = any(rule.per == "self_assessment" for rule in self.plan.rules) or any(
            measure.per == "self_assessment" for measure in self.plan.measures
        )
        facts = bundle_facts(loaded, self.plan.tables, self.plan.elements if reads_own else None, earlier, period)
        outcome = run_session(self.plan, self._prepared, self.backend, facts, self._program)
        result = build_result(
            self.plan,
            outcome,
            backend=self.backend.name,
            engine_version=__version__,
            evidence_file=loaded.file,
            evidence_sha256=loaded.sha256,
            period=period,
        )
        result._words = partial(words_of, self.plan, self._words, outcome)  # made when first read
        result._raises_flags = self._raises_flags
        result._combining = self._combining
        return result

    def period_of(self, bundle: str | Path | dict[str, Any] | EvidenceBundle | LoadedBundle) -> str | None:
        """The assessment period the engine judges ``bundle`` for (None when the rules are not dated).

        Raises :class:`~caa_engine.errors.EvidenceError` as :meth:`assess` would for its period.
        """
        if self.plan.dated is None:
            return None
        return bundle_period(_load(bundle), self.plan.dated)[0]

    def _engine_for_period(self, plan: Plan) -> Engine:
        with self._periods_lock:
            engine = self._periods.get(plan.digest)
            if engine is None:
                engine = self._periods[plan.digest] = Engine(plan, self.backend.name)
            return engine


def _not_in_force(plan: Plan) -> dict[str, tuple[Unjudged, ...]]:
    """For each period's plan of dated rules (by digest), the elements other periods' rules judge and it does not."""
    if plan.dated is None:
        return {}
    plans = [period_plan for _, _, period_plan in plan.dated.plans()]
    judged = {
        info.element: Unjudged(info.element, info.title, info.scope, bool(info.combines))
        for period_plan in plans
        for info in in_policy_order(period_plan)
        if info.element is not None and info.scale
    }
    out = {}
    for period_plan in plans:
        own = {info.element for info in period_plan.rulesets if info.element is not None and info.scale}
        out[period_plan.digest] = tuple(unjudged for element, unjudged in judged.items() if element not in own)
    return out


def _earlier_values(
    loaded: LoadedBundle, period: str | None, source: LedgerHistory | Ledger | str | Path
) -> list[EarlierValue]:
    """The earlier values the ledger holds for the bundle's area before its period (the rules' period for it,
    else the one the bundle names).  Raises EvidenceError when there is no period to read before."""
    bundle = loaded.bundle
    period = period or bundle.period or (bundle.indicator_set.period if bundle.indicator_set else None)
    if not period:  # an indicator set's period is '' when not given
        raise EvidenceError(
            [
                Issue(
                    "no-period",
                    "reading earlier values from the ledger needs the bundle's period, and it names none",
                    loaded.document.locate(()),
                    "give the bundle's period at the top, e.g. 'period: 2008/09'",
                )
            ]
        )
    if isinstance(source, LedgerHistory):
        return source.values(bundle.area.id, period)
    with LedgerHistory(source) as history:
        return history.values(bundle.area.id, period)


def _load(bundle: Any) -> LoadedBundle:
    if isinstance(bundle, LoadedBundle):
        return bundle
    if isinstance(bundle, EvidenceBundle):
        return bundle_from_dict(bundle.model_dump(mode="json", exclude_none=True))
    if bundle is None or isinstance(bundle, (dict, list, int, float)):
        return bundle_from_dict(bundle)  # what json.load may return: anything but a mapping is refused as evidence
    if isinstance(bundle, (str, Path)):
        return load_bundle(bundle)
    raise TypeError(f"cannot assess a {type(bundle).__name__}: pass a path, a dict or an EvidenceBundle")


def assess(
    bundle: Any,
    rules: str | Path | Plan | None = None,
    backend: str | None = None,
    history_from: LedgerHistory | Ledger | str | Path | None = None,
) -> Result:
    """Assess one evidence bundle against a rules folder (default: ./rules).

    The compiled rules are reused while the rule files are unchanged, so calling
    this in a loop (or from several threads) costs one compilation.  ``history_from``: a ledger to read the
    indicators' earlier values from (:meth:`Engine.assess`).
    Raises RuleError, EvidenceError, LedgerError or EngineError.
    """
    if isinstance(rules, Plan):
        return Engine(rules, backend).assess(bundle, history_from)
    folder = Path(rules) if rules is not None else default_rules_dir()
    return _engine_for(folder.resolve(), _fingerprint(folder), backend).assess(bundle, history_from)


def _fingerprint(folder: Path) -> tuple[tuple[str, str], ...]:
    """What the folder's rule files say (not when they were written): edits always show.

    A file that cannot be read is fingerprinted by the reason; loading the rules then reports it, located.
    """
    if not folder.is_dir():
        return ()
    prints = []
    for path in folder.iterdir():
        if path.suffix in (".yaml", ".yml") and path.is_file():
            try:
                prints.append((path.name, hashlib.sha256(path.read_bytes()).hexdigest()))
            except OSError as exc:
                prints.append((path.name, f"unreadable: {exc}"))
    return tuple(sorted(prints))


@lru_cache(maxsize=16)
def _engine_for(folder: Path, fingerprint: tuple[tuple[str, str], ...], backend: str | None) -> Engine:
    return Engine(folder, backend)
