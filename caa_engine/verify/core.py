"""``caa verify``: gaps, clashes, rules that never win and non-monotone bands, each shown by a confirmed witness;
and ``caa verify --against``: evidence on which two rule folders judge differently.

The method (docs/verify.md):

1. **Search.**  ``space.py`` builds small bundles from the evidence format and the rules' own constants; each is
   judged by the engine's session (native backend), and every subject of every *target* (a scored element, or
   a classification) is checked: a subject in the target's domain that nothing scores (gap), two rules of one
   priority with different effects firing together (clash), a score that falls when inputs rise
   (non-monotone), which rules won and which were beaten.
2. **Proof.**  ``symbolic.py`` asks z3 about the conditions over an over-approximation of what a subject can
   see.  ``unsat`` proves a rule can never hold or is always beaten (the only way a *never wins* finding is
   reported), and proves that no gap or clash exists where search found none.
3. **Confirmation.**  Every finding's witness bundle is written to a file and judged again by
   :class:`~caa_engine.Engine` from that file; a finding whose witness does not confirm it is dropped (and
   counted), never reported.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date
from fractions import Fraction
from pathlib import Path
from typing import Any

import yaml

from .._plural import counted
from ..backends.native import NativeBackend
from ..compile import Plan, PlanRule
from ..engine import Engine
from ..errors import EvidenceError
from ..evaluate import Scope, evaluate
from ..evidence.loader import bundle_facts, bundle_from_dict, load_bundle
from ..facts import Fact
from ..periods import period_text, period_year, span_text
from ..result import Result
from ..rules.expr import BoolOp, Call, Compare, Const, Expr, ListLit, Not, Ref, walk
from ..session import Outcome, Program, run_session
from .space import Candidate, Space
from .symbolic import Abstraction, aggregates_of, is_aggregate

__all__ = [
    "Target",
    "Finding",
    "VerifyReport",
    "Difference",
    "CompareReport",
    "verify_plan",
    "verify_rules",
    "DatedVerifyReport",
    "compare_plans",
    "compare_rules",
    "DatedCompareReport",
    "targets_of",
    "settled",
    "events_on",
]

CONTEXT_TYPES = ("area", "body")


# -- targets ----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Target:
    """A scored element or a classification: the rules that compete to settle it for each subject."""

    name: str
    kind: str  # "element" | "classification"
    per: str
    rules: tuple[PlanRule, ...]  # the competing rules (caps left out), in file order
    notes: tuple[PlanRule, ...]  # rules of the same rule set raising a note on the same subjects
    ruleset: str
    counted: tuple[Call, ...] = ()  # the aggregates over evidence that put a subject in the domain

    def effect(self, rule: PlanRule) -> Any:
        if self.kind == "element":
            return rule.score
        return dict(rule.classify)[self.name]

    @property
    def location(self) -> str:
        first = self.rules[0]
        return f"{first.file}:{first.line}"


def targets_of(plan: Plan) -> list[Target]:
    out: list[Target] = []
    rules = plan.rules
    for info in plan.rulesets:
        if info.element is None or not info.scale:
            continue
        scoring = tuple(sorted((r for r in rules if r.element == info.element and r.score is not None), key=_order))
        if scoring:
            out.append(_target(info.element, "element", scoring, rules, plan))
    for name in plan.classifications:
        labelling = tuple(sorted((r for r in rules if name in dict(r.classify)), key=_order))
        if labelling:
            out.append(_target(name, "classification", labelling, rules, plan))
    return out


def _order(rule: PlanRule) -> int:
    return rule.order


def _target(name: str, kind: str, competing: tuple[PlanRule, ...], rules: tuple[PlanRule, ...], plan: Plan) -> Target:
    per, ruleset = competing[0].per, competing[0].ruleset
    notes = tuple(r for r in rules if r.ruleset == ruleset and r.per == per and r.note is not None)
    target = Target(name, kind, per, competing, notes, ruleset)
    return replace(target, counted=tuple(evidence_aggregates(target, plan)))


# -- the domain: which subjects a target must answer for --------------------------------------------------
def _direct_could_hold(expr: Expr, scope: Scope) -> tuple[bool, bool]:
    """(could be true, could be false) for some numbers: texts, booleans and known-ness as the subject has
    them, every comparison of two known numbers either way."""
    if isinstance(expr, Const) and isinstance(expr.value, bool):
        return expr.value, not expr.value
    if isinstance(expr, Not):
        t, f = _direct_could_hold(expr.operand, scope)
        return f, t
    if isinstance(expr, BoolOp):
        pairs = [_direct_could_hold(item, scope) for item in expr.items]
        if expr.op == "and":
            return all(p[0] for p in pairs), any(p[1] for p in pairs)
        return any(p[0] for p in pairs), all(p[1] for p in pairs)
    if isinstance(expr, Compare) and not isinstance(expr.right, ListLit):
        left, right = evaluate(expr.left, scope), evaluate(expr.right, scope)
        if left is None or right is None:
            return False, False
        if _is_number(left) and _is_number(right):
            return True, True
    value = evaluate(expr, scope)
    if value is None:
        return False, False
    return value is True, value is False


def _is_number(value: Any) -> bool:
    return (isinstance(value, (int, Fraction)) and not isinstance(value, bool)) or isinstance(value, date)


def evidence_aggregates(target: Target, plan: Plan) -> list[Call]:
    """The aggregates over evidence that put a subject in the target's domain: those of its rules over input
    types other than the area and bodies if there are any, else over any type but those."""
    calls = [c for r in target.rules for c in aggregates_of(r.condition)]
    calls = [c for c in calls if _head(c) not in CONTEXT_TYPES]
    inputs = [c for c in calls if plan.fact_types[_head(c)].origin == "evidence"]
    return inputs or calls


def _head(call: Call) -> str:
    first = call.args[0]
    assert isinstance(first, Ref)
    return first.parts[0]


def in_domain(target: Target, plan: Plan, store: Any, subject: Fact) -> bool:
    """Whether the target must answer for ``subject``: some rule could hold for some numbers, and where the
    rules count evidence, there is some to count."""
    scope = Scope(store, subject=subject)
    calls = target.counted
    if calls and not any(_nonempty(call, scope) for call in calls):
        return False
    return any(_direct_could_hold(rule.condition, scope)[0] for rule in target.rules)


def _nonempty(call: Call, scope: Scope) -> bool:
    if call.name in ("count", "share", "sum"):
        as_count = Call(call.line, call.column, "count", call.args, call.where)
        return bool((evaluate(as_count, scope) or 0) >= 1)
    return evaluate(call, scope) is not None


# -- judging ----------------------------------------------------------------------------------------------
class Judge:
    """One plan, compiled once; judges bundles and reports what each target did for each subject."""

    def __init__(self, plan: Plan):
        self.plan = plan
        self.backend = NativeBackend()
        self.prepared = self.backend.prepare(plan)
        self.program = Program(plan)
        self.reads_self = any(r.per == "self_assessment" for r in plan.rules) or any(
            m.per == "self_assessment" for m in plan.measures
        )
        self.count = 0

    def run(self, bundle: dict[str, Any] | Path) -> Outcome | None:
        """The session's outcome, or None where the evidence is refused (the space only builds valid bundles,
        but the rules' tables decide which codes exist)."""
        try:
            loaded = load_bundle(bundle) if isinstance(bundle, Path) else bundle_from_dict(bundle)
            facts = bundle_facts(loaded, self.plan.tables, self.plan.elements if self.reads_self else None)
        except EvidenceError:
            return None
        self.count += 1
        return run_session(self.plan, self.prepared, self.backend, facts, self.program)


@dataclass
class Seen:
    """What one target did for one subject of one bundle."""

    fired: list[tuple[PlanRule, str]]  # (rule, status) in event order
    winner: str | None
    value: Any  # the settled score or label
    noted: bool


def observe(target: Target, outcome: Outcome) -> dict[str, Seen]:
    ids = {r.id: r for r in target.rules}
    notes = {r.id for r in target.notes}
    seen: dict[str, Seen] = {}
    for subject in outcome.store.of(target.per):
        seen[subject.id] = Seen([], None, None, False)
    for event in outcome.events:
        if event["kind"] != "rule" or event["subject"] not in seen:
            continue
        if event["id"] in ids:
            seen[event["subject"]].fired.append((ids[event["id"]], event["status"]))
        elif event["id"] in notes:
            seen[event["subject"]].noted = True
    for subject_id, fact in outcome.judgements.get(target.name, {}).items():
        if subject_id in seen:
            seen[subject_id].winner = fact.fields.get("rule")
            value = fact.fields.get("uncapped", fact.fields.get("score")) if target.kind == "element" else None
            seen[subject_id].value = value if target.kind == "element" else fact.fields.get("label")
    return seen


# -- findings ---------------------------------------------------------------------------------------------
@dataclass
class Finding:
    code: str  # gap | clash | never-wins | non-monotone
    severity: str  # error | warning
    target: str
    location: str  # file:line
    message: str
    subject: str = ""
    rules: tuple[str, ...] = ()
    witnesses: list[Path] = field(default_factory=list)
    confirmation: str = ""  # what the engine said of the witness (or the proof)
    bundles: list[dict[str, Any]] = field(default_factory=list)
    period: str = ""  # dated rules: the periods whose rules it is in ('2007/08')

    def render(self) -> str:
        where = f"in the {self.period} rules: " if self.period else ""
        lines = [f"{self.location}: {self.severity}: {self.code}: {where}{self.message}"]
        for path in self.witnesses:
            lines.append(f"    witness: {path}")
        if self.confirmation:
            lines.append(f"    confirmed: {self.confirmation}")
        return "\n".join(lines)


@dataclass
class TargetCoverage:
    target: Target
    subjects: int = 0  # subjects of the target judged by the search
    in_domain: int = 0
    gap_proof: str = ""  # "proven" | "not proven"
    clash_pairs: int = 0
    clash_proven: int = 0
    unproven_never_won: list[str] = field(default_factory=list)


@dataclass
class VerifyReport:
    rules_dir: str
    witness_dir: Path
    findings: list[Finding]
    coverage: list[TargetCoverage]
    bundles: int
    search_seconds: float
    solver_seconds: float
    dropped: int  # candidate findings whose witness did not confirm them
    space: list[str]

    @property
    def status(self) -> int:
        return 2 if any(f.severity == "error" for f in self.findings) else 0

    def render(self) -> str:
        out = _verdict(self.rules_dir, self.witness_dir, self.findings)
        out.append("")
        return "\n".join(out + self.details()) + "\n"

    def details(self) -> list[str]:
        """What was covered, searched and proved, and how long it took."""
        out = ["Covered:"]
        for cov in self.coverage:
            t = cov.target
            what = "scored element" if t.kind == "element" else "classification"
            out.append(
                f"  {t.name} ({what}, per {t.per}, {counted(len(t.rules), 'rule')}): "
                f"{counted(cov.subjects, 'subject')} searched, {cov.in_domain} with evidence; "
                f"gap {cov.gap_proof}; clash proven absent for {cov.clash_proven} of "
                f"{counted(cov.clash_pairs, 'same-priority pair')} with different effects"
            )
            for rule in cov.unproven_never_won:
                out.append(
                    f"    not covered: rule '{rule}' won on no searched bundle, and z3 could not prove it never wins"
                )
        out.append("Searched (bounded; every other value of these inputs is not covered by the search):")
        out += [f"  {line}" for line in self.space]
        out.append(
            "Symbolic (z3, over an over-approximation: each aggregate a bounded variable, numbers exact rationals): "
            "every rule condition, for 'never wins' and the absence of gaps and clashes."
        )
        out.append(
            f"{counted(self.bundles, 'bundle')} judged in {self.search_seconds:.1f} s; solver {self.solver_seconds:.1f} s"
            + (f"; {counted(self.dropped, 'unconfirmed candidate finding')} dropped" if self.dropped else "")
        )
        return out


def _verdict(rules_dir: str, witness_dir: Path, findings: list[Finding]) -> list[str]:
    """Every finding, in file order, and the line that sums them up."""
    out = [f.render() for f in sorted(findings, key=lambda f: (f.location, f.code, f.period, f.message))]
    errors = sum(f.severity == "error" for f in findings)
    if findings:
        out.append(
            f"{rules_dir}: {counted(errors, 'error')}, {counted(len(findings) - errors, 'warning')}; "
            f"witnesses in {witness_dir}"
        )
    else:
        out.append(f"{rules_dir}: OK: no gap, clash, rule that never wins or non-monotone band found")
    return out


@dataclass
class DatedVerifyReport:
    """``caa verify`` of a dated rules folder: each period's plan verified on its own (its findings say which
    period's rules they are in), reported together."""

    rules_dir: str
    witness_dir: Path
    periods: list[tuple[str, str, VerifyReport]]  # (periods in words, the files in force, its report)

    @property
    def findings(self) -> list[Finding]:
        return [finding for _, _, report in self.periods for finding in report.findings]

    @property
    def status(self) -> int:
        return max((report.status for _, _, report in self.periods), default=0)

    def render(self) -> str:
        out = _verdict(self.rules_dir, self.witness_dir, self.findings)
        listed = ", ".join(text for text, _, _ in self.periods)
        if listed:
            out[-1] += f" (the rules of every period verified on their own: {listed})"
        else:
            out[-1] += " (no period's rules judge what was asked for: nothing was verified)"
        for text, files, report in self.periods:
            out += ["", f"== {text}: {files}", *report.details()]
        return "\n".join(out) + "\n"


# -- the search -----------------------------------------------------------------------------------------
class Search:
    """Runs the space through the judge, keeps what each target did, and candidate findings."""

    def __init__(self, plan: Plan, judge: Judge, targets: list[Target], elements: set[str] | None):
        self.plan = plan
        self.judge = judge
        self.targets = targets
        self.elements = elements
        self.won: dict[str, set[str]] = {t.name: set() for t in targets}
        self.beaten: dict[tuple[str, str], tuple[dict[str, Any], str, str]] = {}  # (target, rule) -> witness
        self.gaps: dict[str, tuple[dict[str, Any], str]] = {}
        self.clashes: dict[tuple[str, str, str], tuple[dict[str, Any], str]] = {}
        self.monotone: dict[tuple[str, str, tuple[Any, ...]], dict[tuple[int, ...], tuple[Any, Candidate]]] = {}
        self.pieces: dict[str, dict[int, dict[str, Any]]] = {}  # element -> score -> a bundle that scored it
        self.cov = {t.name: TargetCoverage(t) for t in targets}
        self.space: list[str] = []

    def feed(self, candidates: Iterable[Candidate]) -> list[tuple[Candidate, Outcome]]:
        out = []
        for candidate in candidates:
            outcome = self.judge.run(candidate.bundle)
            if outcome is None:
                continue
            out.append((candidate, outcome))
            self.check(candidate, outcome)
        return out

    def check(self, candidate: Candidate, outcome: Outcome) -> None:
        for target in self.targets:
            seen = observe(target, outcome)
            cov = self.cov[target.name]
            for subject_id, s in seen.items():
                cov.subjects += 1
                if s.winner:
                    self.won[target.name].add(s.winner)
                    cov.in_domain += 1
                    if target.kind == "element" and isinstance(s.value, int):
                        self.pieces.setdefault(target.name, {}).setdefault(s.value, candidate.bundle)
                for rule, status in s.fired:
                    if status == "overridden" and (target.name, rule.id) not in self.beaten:
                        self.beaten[(target.name, rule.id)] = (candidate.bundle, subject_id, s.winner or "")
                self._clashes(target, candidate, subject_id, s)
                if not s.fired and not s.noted and target.name not in self.gaps:
                    subject = outcome.store.get(target.per, subject_id)
                    if subject is not None and in_domain(target, self.plan, outcome.store, subject):
                        cov.in_domain += 1
                        self.gaps[target.name] = (candidate.bundle, subject_id)
                if (
                    candidate.family
                    and target.kind == "element"
                    and target.name == candidate.element
                    and subject_id == (candidate.subject or subject_id)
                    and isinstance(s.value, int)
                ):
                    family = self.monotone.setdefault((target.name, subject_id, candidate.family), {})
                    family.setdefault(candidate.vector, (s.value, candidate))

    def _clashes(self, target: Target, candidate: Candidate, subject_id: str, s: Seen) -> None:
        rules = [rule for rule, _ in s.fired]
        for i, a in enumerate(rules):
            for b in rules[i + 1 :]:
                if a.priority == b.priority and target.effect(a) != target.effect(b):
                    key = (target.name, a.id, b.id)
                    self.clashes.setdefault(key, (candidate.bundle, subject_id))

    # -- the space, in order: each step reuses what the steps before it found ----------------------------
    def run(self, space: Space) -> None:
        wanted = self.elements
        if _wants(wanted, "use_of_resources"):
            done = self.feed(space.use_of_resources())
            themes = space.kloe_themes()
            self.space.append(
                f"use of resources: {counted(len(done), 'body')}, each theme ({', '.join(themes)}) with 0 to "
                f"{space.depth} assessed KLOEs scored 1-4 in every combination"
            )
        if _wants(wanted, "indicator_set", "direction_of_travel"):
            judged = self.feed(space.indicators())
            archetypes = self._indicator_archetypes(judged)
            pairs = self._counted_labels()
            self.space.append(
                f"indicators: {counted(len(judged), 'single indicator')}, each polarity of the catalogue; value at, either "
                f"side of (by 1/1000) and at each fraction the rules name of a target, previous value and quartiles "
                f"of 100, 0 and -100"
            )
            if _wants(wanted, "indicator_set"):
                mixes = self.feed(space.indicator_mixes(archetypes, pairs))
                self.space.append(
                    f"indicator set: {counted(len(mixes), 'area')} mixing labels ({_pairs_text(pairs)}) at every share the "
                    f"rules name and the nearest either side (n <= 10), combined pairwise"
                )
            if _wants(wanted, "direction_of_travel"):
                improved, other = pairs.get("trend", ("", ""))
                progress = self.feed(
                    space.progress(archetypes.get(("trend", improved)), archetypes.get(("trend", other)))
                )
                self.space.append(
                    f"direction of travel: {counted(len(progress), 'body')} (a council and a non-council) with k of n "
                    f"indicators improved and k of n milestones delivered, at every share the rules name and the "
                    f"nearest either side"
                )
        if _wants(wanted, "risk_assessment", "overall"):
            items = self.feed(space.risk_items())
            kinds = self._risk_archetypes(space, items)
            areas = self.feed(space.risk_areas(kinds))
            self.space.append(
                f"risk assessment: {counted(len(items), 'single outcome or innovation', 'single outcomes and innovations')} (every status, every "
                f"combination of known issue, action, learning shared, vulnerable, fraud, negligence; a failure "
                f"with no risk entry, a full one, and one missing each criterion in turn); {counted(len(areas), 'area')} "
                f"with up to three of them, one of each verdict seen"
            )
        if _wants(wanted, "overall") or _wants(wanted, "self_awareness"):
            elements = [e for e in self.plan.combined if e in self.pieces]
            overall = self.feed(space.overall(self.pieces, elements))
            self.space.append(
                f"overall: {counted(len(overall), 'area')} combining, for each of {', '.join(elements)}, no evidence or "
                f"evidence that scored it 1-4 on its own; self-assessments 1-4; with and without a lead council"
            )

    def _indicator_archetypes(self, judged: list[tuple[Candidate, Outcome]]) -> dict[tuple[str, str], dict[str, Any]]:
        """(classification, label) -> an indicator (with its polarity spelt out) that got the label and no
        label of any other classification."""
        found: dict[tuple[str, str], dict[str, Any]] = {}
        names = [n for n, per in self.plan.classifications.items() if per == "indicator"]
        for candidate, outcome in judged:
            indicators = outcome.store.of("indicator")
            if len(indicators) != 1:
                continue
            labels = {
                n: outcome.judgements[n][indicators[0].id].fields["label"]
                for n in names
                if indicators[0].id in outcome.judgements.get(n, {})
            }
            polarity = indicators[0].fields.get("polarity")
            if len(labels) != 1 or polarity not in ("higher", "lower"):
                continue
            ((name, label),) = labels.items()
            proto = dict(candidate.bundle["indicator_set"]["indicators"][0])
            found.setdefault((name, label), proto | {"polarity": polarity})
        return found

    def _counted_labels(self) -> dict[str, tuple[str, str]]:
        """classification -> (a label the rules' measures count, another label), from ``label == "X"`` in
        every share or count over a classification."""
        out: dict[str, tuple[str, str]] = {}
        exprs = [m.value for m in self.plan.measures] + [r.condition for r in self.plan.rules]
        for expr in exprs:
            for node in walk(expr):
                if not (is_aggregate(node) and isinstance(node, Call)) or node.where is None:
                    continue
                name = _head(node)
                if name not in self.plan.classifications or name in out:
                    continue
                for inner in walk(node.where):
                    if isinstance(inner, Compare) and inner.op == "==" and isinstance(inner.right, Const):
                        labels = self.plan.fact_types[name].fields["label"].values
                        others = [lab for lab in reversed(labels) if lab != inner.right.value]
                        if others:
                            out[name] = (str(inner.right.value), others[0])
                        break
        return out

    def _risk_archetypes(
        self, space: Space, judged: list[tuple[Candidate, Outcome]]
    ) -> list[tuple[str, dict[str, Any], dict[str, Any] | None]]:
        """One initiative per (label of each outcome classification, vulnerable or not) seen."""
        names = [n for n, per in self.plan.classifications.items() if per == "outcome"]
        initiatives = list(space.initiatives())
        found: dict[tuple[Any, ...], tuple[str, dict[str, Any], dict[str, Any] | None]] = {}
        for (_, outcome), initiative in zip(judged, initiatives, strict=False):
            subjects = outcome.store.of("outcome")
            if len(subjects) != 1:
                continue
            labels = tuple(
                outcome.judgements.get(n, {}).get(subjects[0].id, Fact("", "", {})).fields.get("label") for n in names
            )
            found.setdefault(labels + (initiative[1].get("vulnerable", False),), initiative)
        return list(found.values())


def _wants(wanted: set[str] | None, *names: str) -> bool:
    return wanted is None or any(n in wanted for n in names)


def _pairs_text(pairs: dict[str, tuple[str, str]]) -> str:
    return ", ".join(f"{name}: {a} / {b}" for name, (a, b) in pairs.items())


# -- proofs -------------------------------------------------------------------------------------------
class Prover:
    def __init__(self, plan: Plan):
        self.plan = plan
        self.seconds = 0.0

    def abstraction(self, target: Target) -> Abstraction:
        return Abstraction(self.plan.fact_types, target.per)

    def never_holds(self, target: Target, rule: PlanRule) -> bool:
        start = time.perf_counter()
        try:
            a = self.abstraction(target)
            return a.unsat(a.truth(rule.condition)[0])
        finally:
            self.seconds += time.perf_counter() - start

    def always_beaten(self, target: Target, rule: PlanRule) -> list[PlanRule] | None:
        """The rules that beat ``rule`` whenever it holds, if that is proven (else None)."""
        start = time.perf_counter()
        try:
            above = [r for r in target.rules if (r.priority, -r.order) > (rule.priority, -rule.order)]
            if not above:
                return None
            a = self.abstraction(target)
            if a.unsat(a.truth(rule.condition)[0], *[z3_not(a.truth(r.condition)[0]) for r in above]):
                return above
            return None
        finally:
            self.seconds += time.perf_counter() - start

    def never_together(self, target: Target, first: PlanRule, second: PlanRule) -> bool:
        start = time.perf_counter()
        try:
            a = self.abstraction(target)
            return a.unsat(a.truth(first.condition)[0], a.truth(second.condition)[0])
        finally:
            self.seconds += time.perf_counter() - start

    def no_gap(self, target: Target) -> bool:
        """Whenever a subject is in the domain (some rule could hold for some numbers, and there is evidence
        to count), some rule or note fires."""
        start = time.perf_counter()
        try:
            import z3

            a = self.abstraction(target)
            guard = z3.Or([a.truth(r.condition, free_numbers=True)[0] for r in target.rules])
            calls = target.counted
            nonempty = []
            for call in calls:
                if call.name in ("count", "share", "sum"):
                    as_count = Call(call.line, call.column, "count", call.args, call.where)
                    nonempty.append(a.term(as_count).value >= 1)
                else:
                    nonempty.append(a.term(call).known)
            domain = z3.And(guard, z3.Or(nonempty)) if nonempty else guard
            silent = [z3.Not(a.truth(r.condition)[0]) for r in target.rules + target.notes]
            return a.unsat(domain, *silent)
        finally:
            self.seconds += time.perf_counter() - start

    def write_proof(self, directory: Path, target: Target, rule: PlanRule, above: list[PlanRule]) -> Path:
        """The unsat query behind a 'never wins' finding, in SMT-LIB 2, for anyone to re-run with z3."""
        import z3

        a = self.abstraction(target)
        solver = z3.Solver()
        solver.add(a.truth(rule.condition)[0], *[z3_not(a.truth(r.condition)[0]) for r in above])
        solver.add(*a.facts)
        what = "cannot hold" if not above else f"is always beaten by {', '.join(r.id for r in above)}"
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / f"never-wins-{rule.id}.smt2"
        path.write_text(
            f"; caa verify: '{rule.id}' ({rule.file}:{rule.line}) {what}\n; z3 answers unsat to this query\n"
            + solver.to_smt2(),
            encoding="utf-8",
        )
        return path


def z3_not(formula: Any) -> Any:
    import z3

    return z3.Not(formula)


# -- witnesses ---------------------------------------------------------------------------------------------
def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def write_witness(directory: Path, name: str, bundle: dict[str, Any], header: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{name}.yaml"
    text = "".join(f"# {line}\n" for line in header.splitlines())
    text += yaml.safe_dump(_plain(bundle), sort_keys=False, allow_unicode=True, default_flow_style=False)
    path.write_text(text, encoding="utf-8")
    return path


def events_on(result: Result, subject: str) -> dict[str, tuple[str, str | None]]:
    """rule id -> (status, overridden by) of every rule that fired on ``subject``."""
    return {e.id: (e.status, e.overridden_by) for e in result.audit if e.kind == "rule" and e.subject == subject}


def settled(result: Result, target: Target, subject: str) -> tuple[Any, str | None]:
    """(score or label, deciding rule) of ``target`` for ``subject`` in a result, or (None, None)."""
    if target.kind == "classification":
        finding = result.findings.get(target.per, {}).get(subject, {}).get(target.name)
        return (finding.value, finding.by) if finding is not None else (None, None)
    element = result.elements.get(target.name)
    if element is None:
        return None, None
    if element.bodies is not None:
        judgement = element.bodies.get(subject)
        return (judgement.score, judgement.rule) if judgement is not None else (None, None)
    return element.score, element.rule


# -- verify -------------------------------------------------------------------------------------------------
def verify_rules(
    plan: Plan, rules_dir: str, witness_dir: Path | None = None, elements: set[str] | None = None, depth: int = 2
) -> VerifyReport | DatedVerifyReport:
    """:func:`verify_plan` for a rules folder's plan; for dated rules, for the plan of every period, each on its own
    (its witnesses in a folder named after its first period, each naming that period so that ``caa assess`` of
    the whole folder judges it by those rules)."""
    if plan.dated is None:
        return verify_plan(plan, rules_dir, witness_dir, elements, depth)
    directory = witness_dir if witness_dir is not None else Path(tempfile.mkdtemp(prefix="caa-verify-"))
    periods = []
    for text, first, judged in plan.dated.plans():
        wanted = None if elements is None else elements & {t.name for t in targets_of(judged)}
        if wanted is not None and not wanted:
            continue  # none of the elements asked for is judged in these periods
        folder = directory / first.replace("/", "-")
        report = verify_plan(judged, rules_dir, folder, wanted, depth, period=first)
        for finding in report.findings:
            finding.period = text
        files = ", ".join(info.file for info in judged.rulesets)
        periods.append((text, files, report))
    return DatedVerifyReport(rules_dir, directory, periods)


def verify_plan(
    plan: Plan,
    rules_dir: str,
    witness_dir: Path | None = None,
    elements: set[str] | None = None,
    depth: int = 2,
    period: str | None = None,
) -> VerifyReport:
    """Search, prove and confirm (see the module docstring).  ``elements``: only these targets (and the
    search steps they need); ``depth``: at most this many KLOEs per theme in the search; ``period``: the period
    every searched bundle (and so every witness) names, for one period's plan of dated rules."""
    directory = witness_dir if witness_dir is not None else Path(tempfile.mkdtemp(prefix="caa-verify-"))
    targets = [t for t in targets_of(plan) if elements is None or t.name in elements]
    judge = Judge(plan)
    search = Search(plan, judge, targets, _needed(targets, plan))
    started = time.perf_counter()
    search.run(Space([plan], depth, period))
    search_seconds = time.perf_counter() - started
    prover = Prover(plan)
    engine = Engine(plan, backend="native")
    findings: list[Finding] = []
    dropped = 0

    def confirm(finding: Finding | None) -> None:
        nonlocal dropped
        if finding is None:
            dropped += 1
        else:
            findings.append(finding)

    for target in targets:
        cov = search.cov[target.name]
        if target.name in search.gaps:
            bundle, subject = search.gaps[target.name]
            confirm(_gap(target, plan, engine, judge, directory, bundle, subject))
            cov.gap_proof = "found"
        else:
            cov.gap_proof = "proven absent" if prover.no_gap(target) else "not found by search (not proven)"
        for i, a in enumerate(target.rules):
            for b in target.rules[i + 1 :]:
                if a.priority != b.priority or target.effect(a) == target.effect(b):
                    continue
                cov.clash_pairs += 1
                key = (target.name, a.id, b.id)
                if key in search.clashes:
                    bundle, subject = search.clashes[key]
                    confirm(_clash(target, engine, directory, bundle, subject, a, b))
                elif prover.never_together(target, a, b):
                    cov.clash_proven += 1
        for rule in target.rules:
            if rule.id in search.won[target.name]:
                continue
            if prover.never_holds(target, rule):
                findings.append(_never_holds(target, rule, prover.write_proof(directory, target, rule, [])))
                continue
            above = prover.always_beaten(target, rule)
            if above is not None:
                beaten = search.beaten.get((target.name, rule.id))
                proof = prover.write_proof(directory, target, rule, above)
                confirm(_shadowed(target, rule, above, engine, directory, beaten, proof))
            else:
                cov.unproven_never_won.append(rule.id)
        if target.kind == "element":
            for finding in _non_monotone(target, plan, engine, directory, search):
                confirm(finding)
    return VerifyReport(
        rules_dir,
        directory,
        findings,
        [search.cov[t.name] for t in targets],
        judge.count,
        search_seconds,
        prover.seconds,
        dropped,
        search.space,
    )


def _needed(targets: list[Target], plan: Plan) -> set[str]:
    """The search steps the chosen targets need: their own, and those whose evidence feeds them."""
    names = {t.name for t in targets}
    for t in targets:
        if t.kind == "classification":
            if plan.classifications[t.name] == "indicator":
                names.add("indicator_set")
            elif plan.classifications[t.name] == "outcome":
                names.add("risk_assessment")
            else:
                names.add("overall")
    if "overall" in names or "self_awareness" in names:
        names |= set(plan.combined)
    return names


def _subject_of(result: Result, target: Target, subject: str) -> str:
    return f"{target.per} '{subject}'"


def _gap(
    target: Target, plan: Plan, engine: Engine, judge: Judge, directory: Path, bundle: dict[str, Any], subject: str
) -> Finding | None:
    what = "scoring" if target.kind == "element" else "labelling"
    path = write_witness(
        directory,
        f"gap-{target.name}",
        bundle,
        f"caa verify: gap in {target.name}: {target.per} '{subject}' has evidence, but no {what} rule fires",
    )
    result = engine.assess(path)
    value, _ = settled(result, target, subject)
    fired = events_on(result, subject)
    outcome = judge.run(path)
    fact = outcome.store.get(target.per, subject) if outcome is not None else None
    if value is not None or any(r.id in fired for r in target.rules + target.notes) or fact is None:
        return None
    if outcome is None or not in_domain(target, plan, outcome.store, fact):
        return None
    kind = "score" if target.kind == "element" else "label"
    return Finding(
        "gap",
        "error",
        target.name,
        target.location,
        f"{target.name}: {target.per} '{subject}' has evidence for it, but none of its "
        f"{counted(len(target.rules), what + ' rule')} ({', '.join(r.id for r in target.rules)}) fires and no note "
        "says why",
        subject,
        tuple(r.id for r in target.rules),
        [path],
        f"the engine gives {target.per} '{subject}' no {target.name} {kind} and no note",
        [bundle],
    )


def _clash(
    target: Target, engine: Engine, directory: Path, bundle: dict[str, Any], subject: str, a: PlanRule, b: PlanRule
) -> Finding | None:
    path = write_witness(
        directory,
        f"clash-{target.name}-{a.id}-{b.id}",
        bundle,
        f"caa verify: clash in {target.name}: '{a.id}' and '{b.id}' (priority {a.priority}) both fire on '{subject}'",
    )
    result = engine.assess(path)
    fired = events_on(result, subject)
    if a.id not in fired or b.id not in fired:
        return None
    _, winner = settled(result, target, subject)
    return Finding(
        "clash",
        "error",
        target.name,
        f"{b.file}:{b.line}",
        f"{target.name}: rules '{a.id}' ({a.file}:{a.line}) and '{b.id}' have the same priority ({a.priority}) and "
        f"fire together with different effects ({target.effect(a)} and {target.effect(b)}); file order decides",
        subject,
        (a.id, b.id),
        [path],
        f"on {target.per} '{subject}' both '{a.id}' and '{b.id}' fire; '{winner}' wins",
        [bundle],
    )


def _never_holds(target: Target, rule: PlanRule, proof: Path) -> Finding:
    return Finding(
        "never-wins",
        "error",
        target.name,
        f"{rule.file}:{rule.line}",
        f"{target.name}: rule '{rule.id}' never wins: its condition can never hold",
        "",
        (rule.id,),
        [proof],
        "z3 finds the condition unsatisfiable for every value the subject's fields and aggregates can take "
        "(the query is the witness); no searched bundle made it fire",
    )


def _shadowed(
    target: Target,
    rule: PlanRule,
    above: list[PlanRule],
    engine: Engine,
    directory: Path,
    beaten: tuple[dict[str, Any], str, str] | None,
    proof: Path,
) -> Finding | None:
    witnesses = [proof]
    confirmation = f"z3 proves that whenever '{rule.id}' holds, one of {', '.join(repr(r.id) for r in above)} holds too"
    bundles: list[dict[str, Any]] = []
    if beaten is not None:
        bundle, subject, winner = beaten
        path = write_witness(
            directory,
            f"never-wins-{rule.id}",
            bundle,
            f"caa verify: '{rule.id}' fires on '{subject}' and is overridden by '{winner}'",
        )
        status = events_on(engine.assess(path), subject).get(rule.id)
        if status is None or status[0] != "overridden":
            return None
        witnesses.insert(0, path)
        bundles.append(bundle)
        confirmation = (
            f"on {target.per} '{subject}' '{rule.id}' fires and is overridden by '{status[1]}'; " + confirmation
        )
    shadow = sorted({r.id for r in above})
    return Finding(
        "never-wins",
        "error",
        target.name,
        f"{rule.file}:{rule.line}",
        f"{target.name}: rule '{rule.id}' never wins: whenever it holds, a rule above it holds too "
        f"({', '.join(shadow)})",
        "",
        (rule.id,),
        witnesses,
        confirmation,
        bundles,
    )


def _non_monotone(target: Target, plan: Plan, engine: Engine, directory: Path, search: Search) -> list[Finding]:
    """A higher score on inputs one step worse than another's, in one family of candidates."""
    out: list[Finding] = []
    for (name, subject, _family), points in search.monotone.items():
        if name != target.name:
            continue
        for vector, (score, candidate) in sorted(points.items()):
            for i in range(len(vector)):
                better = vector[:i] + (vector[i] + 1,) + vector[i + 1 :]
                if better not in points or points[better][0] >= score:
                    continue
                worse_bundle, better_bundle = candidate.bundle, points[better][1].bundle
                finding = _confirm_monotone(target, engine, directory, subject, worse_bundle, better_bundle)
                if finding is not None:
                    return [finding]
    return out


def _confirm_monotone(
    target: Target, engine: Engine, directory: Path, subject: str, worse: dict[str, Any], better: dict[str, Any]
) -> Finding | None:
    worse_path = write_witness(
        directory, f"non-monotone-{target.name}-worse", worse, f"caa verify: {target.name}: the worse inputs"
    )
    better_path = write_witness(
        directory, f"non-monotone-{target.name}-better", better, f"caa verify: {target.name}: the better inputs"
    )
    w_score, w_rule = settled(engine.assess(worse_path), target, subject)
    b_score, b_rule = settled(engine.assess(better_path), target, subject)
    if w_score is None or b_score is None or not w_score > b_score:
        return None
    rule = next(r for r in target.rules if r.id == w_rule)
    return Finding(
        "non-monotone",
        "warning",
        target.name,
        f"{rule.file}:{rule.line}",
        f"{target.name}: better inputs get a lower score: {w_score} ('{w_rule}') on the worse inputs, "
        f"{b_score} ('{b_rule}') when one of them is raised by one step",
        subject,
        (w_rule or "", b_rule or ""),
        [worse_path, better_path],
        f"the engine scores '{subject}' {w_score} on the first and {b_score} on the second",
        [worse, better],
    )


# -- compare two rule folders -------------------------------------------------------------------------------
@dataclass
class Difference:
    what: str  # e.g. "use_of_resources for body 'v-cc'"
    old: str
    new: str
    witness: Path
    bundle: dict[str, Any]


@dataclass
class CompareReport:
    new_dir: str
    old_dir: str
    witness_dir: Path
    differences: list[Difference]
    bundles: int
    seconds: float
    space: list[str]
    differing_bundles: int = 0

    @property
    def status(self) -> int:
        return 2 if self.differences else 0

    def render(self) -> str:
        out: list[str] = []
        if not self.differences:
            out.append(
                f"{self.new_dir} and {self.old_dir} judge every searched bundle the same (scores, labels, flags, caps)"
            )
        else:
            out.append(
                f"{self.new_dir} and {self.old_dir} differ on {self.differing_bundles} of {self.bundles} searched "
                f"bundles; the first {len(self.differences)}:"
            )
        for n, d in enumerate(self.differences, 1):
            out.append(f"{n}. {d.what}  (witness: {d.witness})")
            out.append(f"   old ({self.old_dir}): {d.old}")
            out.append(f"   new ({self.new_dir}): {d.new}")
        out.append("Searched (bounded; nothing outside it is covered):")
        out += [f"  {line}" for line in self.space]
        out.append(f"{counted(self.bundles, 'bundle')} judged by both in {self.seconds:.1f} s")
        return "\n".join(out) + "\n"


def signature(plan: Plan, result: Result) -> dict[str, str]:
    """What a result says that a rule change may move: every score (with its cap), every label, every flag;
    each with the rule that decided it."""
    out: dict[str, str] = {}
    for name, element in result.elements.items():
        if element.bodies is not None:
            for body, j in element.bodies.items():
                out[f"{name} for body '{body}'"] = _judged(j.score, j.label, j.rule, j.uncapped, j.capped_by)
        elif element.score is not None:
            out[f"{name} for the area"] = _judged(
                element.score, element.label, element.rule, element.uncapped, element.capped_by
            )
    if result.overall and result.overall.get("score") is not None:
        o = result.overall
        out["overall"] = _judged(o["score"], o["label"], o.get("rule", "?"), o.get("uncapped"), o.get("capped_by"))
    for per, subjects in result.findings.items():
        for subject, found in subjects.items():
            for key, finding in found.items():
                if "." not in key:
                    out[f"{key} of {per} '{subject}'"] = f"{finding.value} (by {finding.by})"
    flags: dict[str, list[str]] = {}
    for flag in result.flags:
        flags.setdefault(f"flags on '{flag.subject}'", []).append(
            f"{flag.kind}{' (' + flag.colour + ')' if flag.colour else ''} by {flag.rule}"
        )
    for key, texts in flags.items():
        out[key] = ", ".join(sorted(texts))
    return out


def _judged(score: Any, label: Any, rule: Any, uncapped: Any, capped_by: Any) -> str:
    text = f"{score} {label} (by {rule})"
    if capped_by:
        text += f", capped from {uncapped} by {capped_by}"
    return text


def _decisive(text: str) -> str:
    """A judgement's text without its deciding rule: a difference only in which rule decided is no difference."""
    return text.split(" (by ")[0] + ("; capped" if "capped from" in text else "")


@dataclass
class DatedCompareReport:
    """``caa verify --against`` where either folder is dated: the two folders' rules for each run of periods
    compared on their own (the bundles searched name its first period), reported together."""

    new_dir: str
    old_dir: str
    witness_dir: Path
    # (the periods in words, that run's report, or why it was not searched: the same rules, or rules on one side)
    periods: list[tuple[str, CompareReport | str]]
    one_sided: list[str] = field(default_factory=list)  # the periods only one folder has rules for

    @property
    def status(self) -> int:
        reports = [report for _, report in self.periods if isinstance(report, CompareReport)]
        return 2 if self.one_sided or any(report.status for report in reports) else 0

    def render(self) -> str:
        differ = [text for text, report in self.periods if isinstance(report, CompareReport) and report.status]
        if differ or self.one_sided:
            parts = [f"differ in the rules for {', '.join(differ)}"] if differ else []
            parts += [f"do not both have rules for {', '.join(self.one_sided)}"] if self.one_sided else []
            head = f"{self.new_dir} and {self.old_dir} {' and '.join(parts)}"
        else:
            head = (
                f"{self.new_dir} and {self.old_dir} judge every searched bundle the same (scores, labels, flags, "
                "caps), the rules of every period compared on their own"
            )
        out = [head]
        for text, report in self.periods:
            out += ["", f"== {text}:"]
            out += report.render().splitlines() if isinstance(report, CompareReport) else [report]
        return "\n".join(out) + "\n"


def _contents(plan: Plan) -> list[tuple[str, str]]:
    """What a plan's rule files say, wherever they are: two copies of one folder are the same rules."""
    return sorted((info.ruleset, info.sha256) for info in plan.rulesets)


def compare_rules(
    new: Plan,
    old: Plan,
    new_dir: str,
    old_dir: str,
    witness_dir: Path | None = None,
    limit: int = 3,
    depth: int = 2,
) -> CompareReport | DatedCompareReport:
    """:func:`compare_plans` for two rules folders' plans; where either is dated, the rules in force for each run
    of periods on both sides, compared on their own (each run's witnesses in a folder named after its first
    period, each bundle naming that period)."""
    if new.dated is None and old.dated is None:
        return compare_plans(new, old, new_dir, old_dir, witness_dir, limit, depth)
    directory = witness_dir if witness_dir is not None else Path(tempfile.mkdtemp(prefix="caa-verify-against-"))
    starts = sorted(
        {
            year
            for plan in (new, old)
            if plan.dated is not None
            for _, first, _ in plan.dated.plans()
            if (year := period_year(first)) is not None
        }
    )

    def in_force(plan: Plan, year: int) -> Plan | None:
        return plan if plan.dated is None else plan.dated.span_for(year).plan

    periods: list[tuple[str, CompareReport | str]] = []
    one_sided: list[str] = []
    for index, year in enumerate(starts):
        text = span_text(year, starts[index + 1] - 1 if index + 1 < len(starts) else None)
        new_plan, old_plan = in_force(new, year), in_force(old, year)
        if new_plan is None and old_plan is None:
            continue
        if new_plan is None or old_plan is None:
            one_sided.append(text)
            has, lacks = (old_dir, new_dir) if new_plan is None else (new_dir, old_dir)
            periods.append((text, f"only {has} has rules for these periods: {lacks} refuses their bundles"))
        elif _contents(new_plan) == _contents(old_plan):
            periods.append((text, "the same rules on both sides: nothing to search"))
        else:
            folder = directory / period_text(year).replace("/", "-")
            report = compare_plans(new_plan, old_plan, new_dir, old_dir, folder, limit, depth, period=period_text(year))
            periods.append((text, report))
    return DatedCompareReport(new_dir, old_dir, directory, periods, one_sided)


def compare_plans(
    new: Plan,
    old: Plan,
    new_dir: str,
    old_dir: str,
    witness_dir: Path | None = None,
    limit: int = 3,
    depth: int = 2,
    period: str | None = None,
) -> CompareReport:
    """Search the candidates built from both plans' constants for a bundle the two judge differently.
    ``period``: the period every searched bundle (and so every witness) names, for one period's rules."""
    directory = witness_dir if witness_dir is not None else Path(tempfile.mkdtemp(prefix="caa-verify-against-"))
    started = time.perf_counter()
    new_judge, old_judge = Judge(new), Judge(old)
    both = targets_of(new) + targets_of(old)
    search = Search(new, new_judge, targets_of(new), _needed(both, new) | _needed(both, old))
    space = Space([new, old], depth, period)
    new_engine, old_engine = Engine(new, backend="native"), Engine(old, backend="native")
    differences: list[Difference] = []
    kinds: set[tuple[str, str, str]] = set()
    count = differing = 0
    original_feed = search.feed

    def feed(candidates: Iterable[Candidate]) -> list[tuple[Candidate, Outcome]]:
        nonlocal count, differing
        judged = original_feed(candidates)
        for candidate, _ in judged:
            count += 1
            if old_judge.run(candidate.bundle) is None:
                continue
            before = signature(old, old_engine.assess(candidate.bundle))
            after = signature(new, new_engine.assess(candidate.bundle))
            changed = sorted(
                k for k in set(before) | set(after) if _decisive(before.get(k, "-")) != _decisive(after.get(k, "-"))
            )
            if not changed:
                continue
            differing += 1
            key = changed[0]
            kind = (key.split(" ")[0], _decisive(before.get(key, "-")), _decisive(after.get(key, "-")))
            if len(differences) >= limit or kind in kinds:
                continue
            path = write_witness(
                directory, f"difference-{len(differences) + 1}", candidate.bundle, f"caa verify --against: {key}"
            )
            old_text = signature(old, old_engine.assess(path)).get(key, "not judged")
            new_text = signature(new, new_engine.assess(path)).get(key, "not judged")
            if _decisive(old_text) == _decisive(new_text):
                continue  # not confirmed from the file: never reported
            kinds.add(kind)
            differences.append(Difference(key, old_text, new_text, path, candidate.bundle))
        return judged

    search.feed = feed  # type: ignore[method-assign]
    search.run(space)
    return CompareReport(
        new_dir, old_dir, directory, differences, count, time.perf_counter() - started, search.space, differing
    )
