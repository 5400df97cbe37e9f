"""The rules' own words about one assessment: descriptions with the live values filled in, and why each
judgement did not reach the band above.

A rule's ``description`` may name values and parameters in braces, as a flag's reason may
(``{count(theme where score >= params.well_theme_score)} of its {count(theme)} themes score
{params.well_theme_score} or more``), and a rule that gives a score may say in ``short_of`` what a subject
lacks when it does not reach that score, one text per part of its condition joined by ``and``.  After the
session, :func:`words_of` fills them in from the subject's final facts: every fact a rule reads is final by
then (that is what strata are), so a value reads as it did when the rule ran.  For the band above each
judgement, the rule that gives it is evaluated part by part, and the texts of the parts that do not hold are
kept.  Nothing here decides anything or touches the audit trail: the words are kept beside a result
(``Result.words``), never in its JSON.

Values are written for people: a parameter written as a percentage as one (``60 %``), a share with its
counts (``83 % (5 of 6)``), a count of nothing as ``none``, yes/no, labels with spaces, no fact ids; and a
plural noun the rule writer put after a count that comes to one is made singular ('1 red flag', ``_plural.agree``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

from ._plural import agree
from .audit.events import EventRecord, plain
from .compile import Plan, PlanRule
from .evaluate import Compiled, Read, Scope, compile_expression
from .facts import Fact
from .rules.check import TEMPLATE_FIELD
from .rules.expr import Call, Expr, Ref
from .session import Outcome

__all__ = ["Words", "ShortOf", "WordProgram", "words_of", "percent", "said"]


@dataclass(frozen=True)
class ShortOf:
    """The band above a judgement that was not reached: the rule that gives it, and what the subject lacks."""

    rule: str
    score: int
    label: str
    lacks: tuple[str, ...]  # the 'short_of' texts of the parts that do not hold (or the rule's description)


@dataclass(frozen=True)
class Words:
    """What the rules say about one assessment, in their own words with the values filled in."""

    said: dict[tuple[str, str], str]  # (rule id, subject id) -> the rule's description, for each rule that fired
    short_of: dict[tuple[str, str], tuple[ShortOf, ...]]  # (element, subject id) -> the band above, not reached
    # (fact type, id) -> the fact's own fields as the rules saw them (an indicator's code, title, value, target,
    # quartiles), for each fact something was found or flagged about: what a report shows beside its reason.
    subjects: dict[tuple[str, str], dict[str, Any]]


@dataclass(frozen=True)
class _Word:
    expr: Expr
    value: Compiled
    percent: bool  # a parameter written as a percentage


@dataclass(frozen=True)
class _RuleWords:
    rule: PlanRule
    words: dict[str, _Word]
    conjuncts: tuple[Compiled, ...]


class WordProgram:
    """Every rule's placeholders and condition parts compiled once, for as many assessments as there are."""

    def __init__(self, plan: Plan):
        types = plan.fact_types
        self.rules: dict[str, _RuleWords] = {}
        for rule in plan.rules:
            words = {
                text: _Word(expr, compile_expression(expr, types, rule.per), pct) for text, expr, pct in rule.words
            }
            parts = tuple(compile_expression(part, types, rule.per) for part in rule.conjuncts) if rule.short_of else ()
            self.rules[rule.id] = _RuleWords(rule, words, parts)
        # The rules that give each score of each element, per the type they run per.
        self.bands: dict[tuple[str, str, int], list[_RuleWords]] = {}
        for compiled in self.rules.values():
            rule = compiled.rule
            if rule.score is not None:
                self.bands.setdefault((rule.element, rule.per, rule.score), []).append(compiled)
        for found in self.bands.values():
            found.sort(key=lambda r: (-r.rule.priority, r.rule.order))


def words_of(plan: Plan, program: WordProgram, outcome: Outcome) -> Words:
    """The words of every rule that fired in ``outcome``, and the band above each judgement."""
    store = outcome.store
    said: dict[tuple[str, str], str] = {}
    for event in outcome.events:
        if event["kind"] != "rule":
            continue
        compiled = program.rules.get(event["id"])
        if compiled is None or not compiled.words or (event["id"], event["subject"]) in said:
            continue
        subject = store.get(compiled.rule.per, event["subject"])
        if subject is not None:
            said[(event["id"], event["subject"])] = _fill(compiled, compiled.rule.description, subject, outcome)
    short_of: dict[tuple[str, str], tuple[ShortOf, ...]] = {}
    for element, settled in outcome.judgements.items():
        for subject_id, judgement in settled.items():
            score = judgement.fields.get("score")
            if not isinstance(score, int):
                continue
            for per in ("area", "body"):
                above = program.bands.get((element, per, score + 1))
                subject = store.get(per, subject_id)
                if above and subject is not None:
                    short_of[(element, subject_id)] = tuple(_short_of(rule, subject, outcome) for rule in above)
    subjects: dict[tuple[str, str], dict[str, Any]] = {}
    keys = [(plan.fact_types[t].companion_of or t, subject) for t, subject in outcome.findings]
    for fact_type, fact_id in keys:
        fact = store.get(fact_type, fact_id)
        if fact is not None and (fact_type, fact_id) not in subjects:
            subjects[(fact_type, fact_id)] = {k: plain(v) for k, v in fact.fields.items() if _scalar(v)}
    return Words(said, short_of, subjects)


def _scalar(value: Any) -> bool:
    return value is None or isinstance(value, (str, int, float, Fraction, date))


def _short_of(compiled: _RuleWords, subject: Fact, outcome: Outcome) -> ShortOf:
    rule = compiled.rule
    assert rule.score is not None and rule.label is not None
    if not compiled.conjuncts:
        lacks: tuple[str, ...] = (_fill(compiled, rule.description, subject, outcome),)
    else:
        scope = Scope(outcome.store, subject=subject)
        lacks = tuple(
            _fill(compiled, text, subject, outcome)
            for text, part in zip(rule.short_of, compiled.conjuncts, strict=True)
            if part(scope) is not True
        )
    return ShortOf(rule.id, rule.score, rule.label, lacks)


def _fill(compiled: _RuleWords, text: str, subject: Fact, outcome: Outcome) -> str:
    """``text`` with each placeholder replaced by its value for ``subject``, as people read it; one line."""

    def value(match: Any) -> str:
        word = compiled.words.get(match.group(1))
        if word is None:
            return str(match.group(0))
        trace: list[Read] = []
        found = word.value(Scope(outcome.store, subject=subject, trace=trace))
        counted = _counted(word.expr, trace, outcome)
        is_count = isinstance(word.expr, Call) and word.expr.name == "count"
        return said(
            found, percent=word.percent or _is_share(word.expr), counted=counted, zero="none" if is_count else "0"
        )

    return agree(" ".join(TEMPLATE_FIELD.sub(value, text).split()))


def _is_share(expr: Expr) -> bool:
    return isinstance(expr, Call) and expr.name == "share"


def _counted(expr: Expr, trace: list[Read], outcome: Outcome) -> tuple[int, int] | None:
    """For a share, how many of how many: read off the share itself, or off the event of the per-fact measure
    that derived the value a field holds (``indicator_shares.met``)."""
    if not trace:
        return None
    read = trace[-1]
    if read.among:
        return len(read.facts), len(read.among)
    if isinstance(expr, Ref) and len(expr.parts) == 2 and read.fact:
        event: EventRecord | None = outcome.findings.get((expr.parts[0], read.fact), {}).get(expr.parts[1])
        for item in event["inputs"] if event is not None else ():
            if item.get("among") or item["name"].startswith("share("):
                return len(item["facts"]), len(item.get("among", ()))
    return None


def percent(value: Any) -> str:
    """A share as a whole percentage, rounded half up: 5/6 -> '83 %'."""
    shown = (Decimal(Fraction(value).numerator) / Decimal(Fraction(value).denominator) * 100).quantize(
        Decimal(1), rounding=ROUND_HALF_UP
    )
    return f"{shown} %"


def said(value: Any, *, percent: bool = False, counted: tuple[int, int] | None = None, zero: str = "0") -> str:
    """A value as a reason says it: yes/no, 'unknown', ``zero`` for 0 ('none' for nothing counted), a share as a percentage
    (with how many of how many when known), a label's words without underscores, a date as YYYY-MM-DD."""
    if value is None:
        return "unknown"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if counted is not None:
        return (
            f"{_percent(value)} ({counted[0]} of {counted[1]})" if counted[1] else f"{_percent(value)} (none to count)"
        )
    if percent and isinstance(value, (int, Fraction, float)):
        return _percent(value)
    if isinstance(value, int):
        return zero if value == 0 else str(value)
    if isinstance(value, (Fraction, float)):
        return f"{float(value):.6f}".rstrip("0").rstrip(".")
    if isinstance(value, date):
        return value.isoformat()
    return str(value).replace("_", " ")


_percent = percent
