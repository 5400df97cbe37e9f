"""Cross-rule checks: names, types and conditions, across every rule file.

:func:`check_rules` builds the fact schema (:mod:`caa_engine.rules.schema`:
input facts, joined tables, facts derived by judgements and classifications),
then checks every measure (adding the facts it derives), rule condition and
message template against it, typing each expression with
:mod:`caa_engine.rules.infer`.  Each leaf check only says what is wrong;
the checker attaches the location.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from .._messages import did_you_mean, safe_repr
from .._plural import counted
from .._yaml import text_position
from ..errors import Issue, Location, RuleError, fold_repeats
from ..evidence.facts import INPUT_FACT_TYPES
from ..facts import FactType, FieldSpec, normalise_number, value_type_of
from .expr import (
    Arith,
    BoolOp,
    Call,
    Compare,
    Const,
    Expr,
    ExprSyntaxError,
    Neg,
    Not,
    Ref,
    parse_expression,
    unparse,
    walk,
)
from .infer import JUDGEMENT, NUMERIC, RESERVED, Scope, TypeInfo, comparable, compare_hint, word_for
from .loader import LoadedRuleSet
from .model import Measure, Rule
from .schema import DERIVED_TYPES, SchemaBuilder

__all__ = ["CheckedMeasure", "CheckedRule", "CheckedRules", "check_rules", "TEMPLATE_FIELD", "DERIVED_TYPES"]

TEMPLATE_FIELD = re.compile(r"\{([^{}]+)\}")


def names_read(text: str) -> set[str]:
    """The facts an expression reads: the head of every dotted name, and every bare name outside a 'where'
    (a collection, such as 'theme' in count(theme)). A bare name inside a 'where' is a field of the
    collection, not a fact, so a field called like a measure's fact is not read as waiting on that measure.
    An expression that does not parse reads nothing here; its own check reports it."""
    try:
        expr = parse_expression(text)
    except ExprSyntaxError:
        return set()
    return set(_heads(expr, in_where=False))


def _heads(expr: Expr, in_where: bool) -> Iterator[str]:
    if isinstance(expr, Ref):
        if len(expr.parts) > 1 or not in_where:
            yield expr.parts[0]
    elif isinstance(expr, Call):
        for arg in expr.args:
            yield from _heads(arg, in_where)
        if expr.where is not None:
            yield from _heads(expr.where, True)
    elif isinstance(expr, (Neg, Not)):
        yield from _heads(expr.operand, in_where)
    elif isinstance(expr, (Arith, Compare)):
        yield from _heads(expr.left, in_where)
        yield from _heads(expr.right, in_where)
    elif isinstance(expr, BoolOp):
        for item in expr.items:
            yield from _heads(item, in_where)


@dataclass
class CheckedMeasure:
    ruleset: LoadedRuleSet
    index: int
    model: Measure
    value: Expr
    value_type: TypeInfo
    reads: set[str]
    params: set[str]
    when: Expr | None = None


@dataclass
class CheckedRule:
    ruleset: LoadedRuleSet
    index: int
    model: Rule
    condition: Expr
    reads: set[str]
    params: set[str]
    templates: dict[str, list[tuple[str, Expr]]]  # "flag"/"note" -> [(placeholder text, expr)]
    writes: set[str] = field(default_factory=set)
    cap: int | None = None  # the cap, its parameter (if it names one) read
    # The placeholders of its description and 'short_of' texts (placeholder text -> expr), filled in with the
    # subject's final values for reasons in words; read after the session, so they change no stratum.
    words: dict[str, Expr] = field(default_factory=dict)


# Codes whose message names the unknown thing: the same message twice in a file is one misspelling used twice.
FOLDED_CODES = frozenset(
    {"unknown-classification", "unknown-label", "unknown-fact", "unknown-value", "undefined-parameter"}
)


@dataclass
class CheckedRules:
    rulesets: list[LoadedRuleSet]
    fact_types: dict[str, FactType]
    tables: dict[str, tuple[LoadedRuleSet, str]]  # fact type -> (rule set, table name)
    measures: list[CheckedMeasure]
    rules: list[CheckedRule]
    warnings: list[Issue] = field(default_factory=list)  # problems that change nothing yet, e.g. unused parameters
    combined: tuple[str, ...] = ()  # the elements whose judgements are also 'judgement' facts


class _Checker(SchemaBuilder):
    """Checks measures (deriving their facts) and rules, once the schema is built."""

    def check_measures(self) -> list[CheckedMeasure]:
        pending = [(rs, i, m) for rs in self.rulesets for i, m in enumerate(rs.model.measures)]
        done: list[CheckedMeasure] = []
        while pending:
            progress = False
            for entry in list(pending):
                rs, index, measure = entry
                if self.waits_on(measure, pending):
                    continue  # it reads what a measure not yet checked derives
                pending.remove(entry)
                progress = True
                checked = self.check_measure(rs, index, measure)
                if checked is not None:
                    done.append(checked)
                elif measure.into not in self.types and measure.into not in RESERVED:
                    self.stand_in(rs, index, measure)
            if not progress:
                self.report_measure_cycle(pending)
                for rs, index, measure in pending:
                    if measure.into not in self.types:
                        self.stand_in(rs, index, measure)
                break
        done.sort(key=lambda m: (self.rulesets.index(m.ruleset), m.index))
        return done

    def waits_on(self, measure: Measure, pending: list[tuple[LoadedRuleSet, int, Measure]]) -> Measure | None:
        """A pending measure (another one) deriving what ``measure`` reads, if any."""
        words = names_read(measure.value) | names_read(measure.when or "true")
        words |= {name for name in (measure.from_, measure.per) if name}
        for _, _, other in pending:
            if other is not measure and other.into in words and other.into != measure.into:
                if other.into not in self.types or other.into in self.per_measures:
                    return other
        return None

    def stand_in(self, rs: LoadedRuleSet, index: int, measure: Measure) -> None:
        """Declare what a measure that failed its checks would derive, so rules reading it are still checked
        without a second, misleading 'unknown fact' error for every rule that reads it."""
        source = self.types.get(measure.from_ or measure.per or "")
        if measure.per is None:
            keys = measure.group_by
            fields = {key: (source.fields.get(key) if source else None) or FieldSpec("str") for key in keys}
        else:
            fields = {measure.per: FieldSpec("str", refers=measure.per)}
        fields[measure.field] = FieldSpec("number", nullable=True)
        self.types[measure.into] = FactType(
            measure.into, fields, measure.description, origin="unchecked", companion_of=measure.per
        )
        if measure.per is not None:  # measures sharing its 'into' are still checked, not told it exists
            self.per_measures.setdefault(measure.into, measure.per)
            line = rs.document.locate(("measures", index)).line
            self.per_measure_first.setdefault(measure.into, (measure.id, line))

    def report_measure_cycle(self, pending: list[tuple[LoadedRuleSet, int, Measure]]) -> None:
        """One issue for measures that wait on each other, at the first of them, naming the whole chain."""
        by_id = {id(m): (rs, i, m) for rs, i, m in pending}
        start = pending[0]
        chain = [start]
        while True:  # every pending measure waits on another pending one, so this ends in a loop
            other = self.waits_on(chain[-1][2], pending)
            assert other is not None
            following = by_id[id(other)]
            if following in chain:
                chain = chain[chain.index(following) :]
                break
            chain.append(following)
        rs, index, measure = min(chain, key=lambda entry: (self.rulesets.index(entry[0]), entry[1]))
        first = chain.index((rs, index, measure))
        chain = chain[first:] + chain[:first]
        steps = []
        for _, _, m in chain:
            other = self.waits_on(m, pending)
            assert other is not None
            steps.append(f"'{m.id}' reads '{other.into}', derived by '{other.id}'")
        self.issue(
            rs,
            ("measures", index, "from" if measure.from_ else "value"),
            "measure-cycle",
            "these measures wait on each other: " + "; ".join(steps),
            "a measure cannot read, even through other measures, the fact it derives",
            at_value=True,
        )

    def check_measure(self, rs: LoadedRuleSet, index: int, measure: Measure) -> CheckedMeasure | None:
        path = ("measures", index)
        if measure.from_ is not None and measure.per is not None:
            self.issue(
                rs,
                path + ("per",),
                "bad-measure",
                f"measure '{measure.id}' has both 'from:' and 'per:'; it needs exactly one",
                f"keep 'from: {measure.from_}' with 'group_by:' to aggregate, or 'per: {measure.per}' for one value "
                f"per {measure.per}",
            )
            return None
        if (measure.from_ is None) == (measure.per is None):
            self.issue(
                rs,
                path,
                "bad-measure",
                f"measure '{measure.id}' needs either 'from:' (an aggregate per group) or 'per:' (a value per fact)",
                "write 'from: kloe' with 'group_by:' to aggregate, or 'per: outcome' for one value per outcome",
            )
            return None
        if measure.per is not None:
            return self.check_per_measure(rs, index, measure)
        if measure.when is not None:
            self.issue(
                rs,
                path + ("when",),
                "bad-measure",
                "'when:' chooses the facts of a 'per:' measure; a 'from:' measure filters inside its aggregate",
                "e.g. count(kloe where score >= 3)"
                if measure.from_ == "kloe"
                else f"e.g. count({measure.from_} where …)",
            )
            return None
        assert measure.from_ is not None
        source = self.types.get(measure.from_)
        if source is None:
            self.issue(
                rs,
                path + ("from",),
                "unknown-fact",
                f"measure '{measure.id}' reads unknown fact '{measure.from_}'{did_you_mean(measure.from_, self.types)}",
                f"known facts: {', '.join(sorted(self.types))}",
                at_value=True,
            )
            return None
        ok = True
        for position, key in enumerate(measure.group_by):
            if key not in source.fields:
                self.issue(
                    rs,
                    path + ("group_by", position),
                    "unknown-fact",
                    f"'{measure.from_}' has no field '{key}'{did_you_mean(key, source.fields)}",
                    f"fields of {measure.from_}: {', '.join(sorted(source.fields))}",
                    at_value=True,
                )
                ok = False
        if measure.into in self.types or measure.into == JUDGEMENT:
            self.issue(
                rs,
                path + ("into",),
                "duplicate-fact",
                f"measure '{measure.id}' derives '{measure.into}', which already exists"
                + (f" ({self.types[measure.into].description})" if self.types[measure.into].description else ""),
                "give the derived fact a new name",
                at_value=True,
            )
            ok = False
        elif measure.into == "params":
            self.issue(
                rs,
                path + ("into",),
                "duplicate-fact",
                f"measure '{measure.id}' derives 'params', the name rules use for parameters (params.NAME)",
                "give the derived fact a new name",
                at_value=True,
            )
            ok = False
        if measure.field in measure.group_by:
            self.issue(
                rs,
                path + ("field",),
                "duplicate-fact",
                f"field '{measure.field}' is also a group_by key",
                "choose another field name",
                at_value=True,
            )
            ok = False
        expr = self.parse(rs, path + ("value",), measure.value)
        if expr is None or not ok:
            return None
        scope = Scope(rs, group=measure.from_, what="measure value")
        info = self.infer_at(rs, path + ("value",), expr, scope)
        if info is None:
            return None
        if info.type not in NUMERIC:
            self.issue(
                rs,
                path + ("value",),
                "wrong-type",
                f"a measure's value must be a number, not {info.type}",
                "aggregate a numeric field, e.g. lower_median(kloe.score)",
                at_value=True,
            )
            return None
        info = self.check_if_unknown(rs, path, measure, info)
        if info is None:
            return None
        fields = {key: source.fields[key] for key in measure.group_by}
        fields[measure.field] = FieldSpec(info.type, nullable=info.nullable, unit=info.unit)  # type: ignore[arg-type]
        self.types[measure.into] = FactType(measure.into, fields, measure.description, origin=rs.path)
        return CheckedMeasure(rs, index, measure, expr, info, scope.reads | {measure.from_}, scope.params)

    def check_if_unknown(
        self, rs: LoadedRuleSet, path: tuple[Any, ...], measure: Measure, info: TypeInfo
    ) -> TypeInfo | None:
        """The value's type once 'if_unknown:' stands in for a missing value (then it is never missing)."""
        if measure.if_unknown is None:
            return info
        if isinstance(measure.if_unknown, float) and not math.isfinite(measure.if_unknown):
            self.issue(
                rs,
                path + ("if_unknown",),
                "wrong-type",
                "if_unknown must be a finite number",
                "write a number, or true or false",
                at_value=True,
            )
            return None
        fallback = value_type_of(
            normalise_number(measure.if_unknown) if isinstance(measure.if_unknown, float) else measure.if_unknown
        )
        if not comparable(fallback, info.type):
            self.issue(
                rs,
                path + ("if_unknown",),
                "wrong-type",
                f"if_unknown is {word_for(TypeInfo(fallback))}, but the value is {word_for(info)}",
                "give if_unknown the same kind of value as the measure's value",
                at_value=True,
            )
            return None
        kind = info.type if fallback == info.type else "number"
        return TypeInfo(kind, False, unit=info.unit)

    def check_per_measure(self, rs: LoadedRuleSet, index: int, measure: Measure) -> CheckedMeasure | None:
        """A measure with one value per fact of its 'per' type, kept in a companion fact ('into.field')."""
        path = ("measures", index)
        assert measure.per is not None
        ok = True
        if measure.per not in self.types:
            self.issue(
                rs,
                path + ("per",),
                "unknown-fact",
                f"measure '{measure.id}' runs per unknown fact '{measure.per}'{did_you_mean(measure.per, self.types)}",
                f"known facts: {', '.join(sorted(self.types))}",
                at_value=True,
            )
            return None
        if measure.group_by:
            self.issue(
                rs,
                path + ("group_by",),
                "bad-measure",
                "a 'per:' measure has one value per fact: it takes no 'group_by:'",
                "remove group_by, or aggregate with 'from:' instead of 'per:'",
            )
            ok = False
        subject = self.types[measure.per]
        existing = self.types.get(measure.into)
        shared_per = self.per_measures.get(measure.into)
        if existing is not None and shared_per is not None and shared_per != measure.per:
            first = self.per_measure_first[measure.into]
            self.issue(
                rs,
                path + ("into",),
                "duplicate-fact",
                f"measure '{measure.id}' runs per {measure.per}, but '{measure.into}' is derived per {shared_per} "
                f"(by measure '{first[0]}' at line {first[1]})",
                f"write 'per: {shared_per}', or give the derived fact a new name: measures that share 'into' run "
                "per the same fact",
                at_value=True,
            )
            ok = False
        elif existing is not None or measure.into in RESERVED:
            if shared_per != measure.per or existing is None:
                self.issue(
                    rs,
                    path + ("into",),
                    "duplicate-fact",
                    f"measure '{measure.id}' derives '{measure.into}', which already exists"
                    + (f" ({existing.description})" if existing is not None and existing.description else ""),
                    f"give the derived fact a new name, or share it only with other measures per {measure.per}",
                    at_value=True,
                )
                ok = False
            elif measure.field in existing.fields:
                self.issue(
                    rs,
                    path + ("field",),
                    "duplicate-fact",
                    f"another measure already gives '{measure.into}.{measure.field}'",
                    "choose another field name",
                    at_value=True,
                )
                ok = False
        if measure.field in (measure.per, "body", "id"):
            self.issue(
                rs,
                path + ("field",),
                "duplicate-fact",
                f"field '{measure.field}' names the fact the value is for",
                "choose another field name",
                at_value=True,
            )
            ok = False
        scope = Scope(rs, subject=measure.per, what="measure value")
        scope.reads.add(measure.per)
        when: Expr | None = None
        if measure.when is not None:
            when = self.parse(rs, path + ("when",), measure.when)
            if when is not None:
                when_info = self.infer_at(
                    rs,
                    path + ("when",),
                    when,
                    Scope(rs, subject=measure.per, reads=scope.reads, params=scope.params, what="condition"),
                )
                if when_info is not None and when_info.type != "bool":
                    self.issue(
                        rs,
                        path + ("when",),
                        "wrong-type",
                        f"a condition must be true or false, but '{unparse(when)}' is {word_for(when_info)}",
                        compare_hint(when, when_info),
                        at_value=True,
                    )
                    ok = False
            else:
                ok = False
        expr = self.parse(rs, path + ("value",), measure.value)
        if expr is None:
            return None
        info = self.infer_at(rs, path + ("value",), expr, scope)
        if info is None or not ok:
            return None
        if info.type == "list":
            self.issue(
                rs,
                path + ("value",),
                "wrong-type",
                "a measure's value cannot be a list",
                "write one value",
                at_value=True,
            )
            return None
        info = self.check_if_unknown(rs, path, measure, info)
        if info is None:
            return None
        spec = FieldSpec(info.type, nullable=info.nullable or measure.when is not None, unit=info.unit)  # type: ignore[arg-type]
        if existing is not None:
            self.types[measure.into].fields[measure.field] = spec
        else:
            fields = {measure.per: FieldSpec("str", refers=measure.per)}
            if subject.per_body and measure.per != "body":
                fields["body"] = subject.fields["body"]
            fields[measure.field] = spec
            self.types[measure.into] = FactType(
                measure.into, fields, measure.description, origin=rs.path, companion_of=measure.per
            )
            self.per_measures[measure.into] = measure.per
            line = rs.document.locate(("measures", index)).line
            self.per_measure_first[measure.into] = (measure.id, line)
        return CheckedMeasure(rs, index, measure, expr, info, scope.reads, scope.params, when)

    def check_rules(self) -> list[CheckedRule]:
        # A misspelt classification name is one mistake: found before any condition reads it, so a read of it
        # is not reported as an unknown fact as well.
        self.undeclared_classifications = {
            name
            for rs in self.rulesets
            for rule in rs.model.rules
            for name in (rule.then.classify or {})
            if name not in self.classifications and name not in self.broken_classifications
        }
        checked: list[CheckedRule] = []
        for rs in self.rulesets:
            for index, rule in enumerate(rs.model.rules):
                result = self.check_rule(rs, index, rule)
                if result is not None:
                    checked.append(result)
        return checked

    def check_rule(self, rs: LoadedRuleSet, index: int, rule: Rule) -> CheckedRule | None:
        path = ("rules", index)
        model = rs.model
        if rule.per not in self.types:
            self.issue(
                rs,
                path + ("per",),
                "unknown-fact",
                f"rule '{rule.id}' runs per unknown fact '{rule.per}'{did_you_mean(rule.per, self.types)}",
                f"known facts: {', '.join(sorted(self.types))}",
                at_value=True,
            )
            return None
        then = rule.then
        if then.score is None and then.cap is None and then.flag is None and then.note is None and not then.classify:
            self.issue(
                rs,
                path + ("then",),
                "empty-effect",
                f"rule '{rule.id}' has no effect",
                "give 'then:' a score, a cap, a classify, a flag or a note",
            )
        writes: set[str] = set()
        cap, cap_param = self.cap_of(rs, path, then.cap)
        for key, score in (("score", then.score), ("cap", cap)):
            if score is None:
                continue
            assert model.element is not None  # a file without an element has no rules (checked before)
            writes.add(model.element)
            if model.element in self.combined:
                writes.add(JUDGEMENT)
            if score not in model.scale:
                known = ", ".join(str(k) for k in sorted(model.scale)) or "none"
                self.issue(
                    rs,
                    path + ("then", key),
                    "unknown-score",
                    f"{key} {score} is not on this rule set's scale (scores: {known})",
                    "use a score listed under 'scale:'; CAA scores run from 1 (inadequate) to 4 (performing strongly)",
                    at_value=True,
                )
            if rule.per != model.scope:
                self.issue(
                    rs,
                    path + ("per",),
                    "wrong-scope",
                    f"rule '{rule.id}' sets the {model.element} {key} but runs per '{rule.per}'",
                    f"write 'per: {model.scope}': a rule that sets a {key} runs per the rule set's scope "
                    f"('scope: {model.scope}')",
                    at_value=True,
                )
            break
        if then.score is not None and then.cap is not None:
            self.issue(
                rs,
                path + ("then", "cap"),
                "bad-effect",
                f"rule '{rule.id}' both sets a score and caps it",
                "use two rules: one sets the score, the other caps it",
            )
        for name, label in (then.classify or {}).items():
            known_cls = self.classifications.get(name)
            if known_cls is None and name in self.broken_classifications:
                continue  # reported where it is declared
            if known_cls is None:
                self.issue(
                    rs,
                    path + ("then", "classify", name),
                    "unknown-classification",
                    f"no classification '{name}' is declared{did_you_mean(name, self.classifications)}",
                    "declare it under 'classifications:' with its 'per:' and 'labels:'",
                )
                continue
            _, cls_per, labels = known_cls
            writes.add(name)
            if rule.per != cls_per:
                self.issue(
                    rs,
                    path + ("per",),
                    "wrong-scope",
                    f"rule '{rule.id}' classifies '{name}', which is per {cls_per}, but runs per '{rule.per}'",
                    f"write 'per: {cls_per}'",
                    at_value=True,
                )
            if label not in labels:
                self.issue(
                    rs,
                    path + ("then", "classify", name),
                    "unknown-label",
                    f"'{label}' is not a label of '{name}'{did_you_mean(label, labels)}",
                    f"labels of {name}: {', '.join(labels)}",
                    at_value=True,
                )
        if then.flag is not None:
            writes.add("flag")
        if then.note is not None:
            writes.add("note")
        scope = Scope(rs, subject=rule.per)
        scope.reads.add(rule.per)
        condition: Expr | None
        if isinstance(rule.when, bool):
            condition = Const(1, 1, rule.when)
        else:
            condition = self.parse(rs, path + ("when",), rule.when)
            if condition is not None:
                info = self.infer_at(rs, path + ("when",), condition, scope)
                if info is not None and info.type != "bool":
                    self.issue(
                        rs,
                        path + ("when",),
                        "wrong-type",
                        f"a condition must be true or false, but '{unparse(condition)}' is {word_for(info)}",
                        compare_hint(condition, info),
                        at_value=True,
                    )
        templates: dict[str, list[tuple[str, Expr]]] = {}
        for kind, text_key in (("flag", "reason"), ("note", "text")):
            effect = getattr(then, kind)
            if effect is None:
                continue
            text = getattr(effect, text_key)
            parts: list[tuple[str, Expr]] = []
            template_scope = Scope(
                rs, subject=rule.per, reads=scope.reads, params=scope.params, what=f"{kind} {text_key}"
            )
            for match in TEMPLATE_FIELD.finditer(text):
                tpath = path + ("then", kind, text_key)
                expr = self.parse(rs, tpath, match.group(1), offset=(0, match.start(1)))
                if expr is not None and self.infer_at(rs, tpath, expr, template_scope, offset=(0, match.start(1))):
                    parts.append((match.group(1), expr))
            templates[kind] = parts
        words = self.check_words(rs, path, rule, condition)
        if condition is None:
            return None
        params = scope.params | ({cap_param} if cap_param else set())
        return CheckedRule(rs, index, rule, condition, scope.reads, params, templates, writes, cap, words)

    def check_words(
        self, rs: LoadedRuleSet, path: tuple[Any, ...], rule: Rule, condition: Expr | None
    ) -> dict[str, Expr]:
        """The placeholders of a rule's description and 'short_of' texts, each checked as a template's."""
        words: dict[str, Expr] = {}
        texts: list[tuple[tuple[Any, ...], str]] = [(path + ("description",), rule.description)]
        if rule.short_of is not None:
            texts += [(path + ("short_of", i), text) for i, text in enumerate(rule.short_of)]
            if rule.then.score is None:
                self.issue(
                    rs,
                    path + ("short_of",),
                    "bad-effect",
                    f"rule '{rule.id}' has 'short_of' but gives no score",
                    "'short_of' says why a subject did not reach a rule's score: give it only to a rule with 'score:'",
                )
            elif condition is not None and len(rule.short_of) != len(conjuncts(condition)):
                parts = len(conjuncts(condition))
                self.issue(
                    rs,
                    path + ("short_of",),
                    "short-of-parts",
                    f"'short_of' has {counted(len(rule.short_of), 'text')}, "
                    f"but 'when' has {counted(parts, 'part')} joined by 'and'",
                    "give one text for each part of 'when', in order",
                )
        for where, text in texts:
            scope = Scope(rs, subject=rule.per, what="description")
            for match in TEMPLATE_FIELD.finditer(text):
                expr = self.parse(rs, where, match.group(1), offset=(0, match.start(1)))
                if expr is not None and self.infer_at(rs, where, expr, scope, offset=(0, match.start(1))):
                    words[match.group(1)] = expr
        return words

    def cap_of(self, rs: LoadedRuleSet, path: tuple[Any, ...], cap: int | str | None) -> tuple[int | None, str]:
        """A rule's cap as a score, and the parameter it names (if it names one)."""
        if not isinstance(cap, str):
            return cap, ""
        name = cap.split(".", 1)[1]
        params = rs.model.parameters
        if name not in params:
            self.issue(
                rs,
                path + ("then", "cap"),
                "undefined-parameter",
                f"parameter '{name}' is not defined{did_you_mean(name, params)}",
                f"define it under 'parameters:' in {rs.path}",
                at_value=True,
            )
            return None, ""
        value = params[name].value
        if isinstance(value, bool) or not isinstance(value, int):
            self.issue(
                rs,
                path + ("then", "cap"),
                "wrong-type",
                f"a cap is a score, but parameter '{name}' holds {safe_repr(value)}",
                "give the parameter a score such as 2",
                at_value=True,
            )
            return None, ""
        return value, name


def check_rules(rulesets: list[LoadedRuleSet]) -> CheckedRules:
    """Check names, types and conditions across all rule sets.

    Raises :class:`RuleError` with every problem found.
    """
    checker = _Checker(rulesets)
    seen_sets: dict[str, LoadedRuleSet] = {}
    seen_elements: dict[str, LoadedRuleSet] = {}
    seen_ids: dict[str, tuple[LoadedRuleSet, tuple[Any, ...]]] = {}
    copies: list[LoadedRuleSet] = []
    for rs in rulesets:
        model = rs.model
        if model.element is None:
            judging = [
                key for key in ("rules", "measures", "classifications", "scale", "combines") if getattr(model, key)
            ]
            if judging:
                checker.issue(
                    rs,
                    (judging[0],),
                    "no-element",
                    f"this file has {judging[0]} but no 'element:'",
                    "name the element its rules judge, e.g. 'element: risk_assessment'; a file without an element "
                    "holds only reference data (tables and parameters)",
                )
                copies.append(rs)
                continue
        for key, seen, what in ((model.ruleset, seen_sets, "rule set"), (model.element, seen_elements, "element")):
            if key is None:
                continue
            if key in seen:
                checker.issue(
                    rs,
                    ("ruleset" if what == "rule set" else "element",),
                    f"duplicate-{what.replace(' ', '')}",
                    f"{what} '{key}' is already defined in {seen[key].path}",
                    "each element has one rule file: move or delete one of the two files",
                    at_value=True,
                )
                copies.append(rs)
                break
            seen[key] = rs
        if copies and copies[-1] is rs:
            continue  # a second copy of a file: its every id and table would only repeat this one problem
        if model.element in INPUT_FACT_TYPES or model.element in DERIVED_TYPES or model.element in RESERVED:
            # The element's judgements become facts of that name: they would replace (or hide) the facts
            # rules read, and every rule reading them would fail with a misleading message.
            checker.issue(
                rs,
                ("element",),
                "duplicate-fact",
                f"element '{model.element}' has the name rules use for parameters (params.NAME)"
                if model.element == "params"
                else f"element '{model.element}' has the name of the element judgements that 'combines:' reads"
                if model.element == JUDGEMENT
                else f"element '{model.element}' has the name of the '{model.element}' facts that rules read",
                "name the element after the CAA element it judges, e.g. 'use_of_resources'",
                at_value=True,
            )
            copies.append(rs)
            continue
        entries: list[tuple[str, int, str]] = [("measures", i, m.id) for i, m in enumerate(model.measures)]
        entries += [("rules", i, r.id) for i, r in enumerate(model.rules)]
        for kind, index, item_id in entries:
            if item_id in seen_ids:
                first_rs, first_path = seen_ids[item_id]
                first = first_rs.document.locate(first_path, at_value=True)
                where = f"line {first.line}" if first_rs is rs else str(first)
                checker.issue(
                    rs,
                    (kind, index, "id"),
                    "duplicate-id",
                    f"{kind[:-1]} id '{item_id}' is already used by the {first_path[0][:-1]} at {where}",
                    "give it an id of its own: the audit trail cites rules and measures by id",
                    at_value=True,
                )
            else:
                seen_ids[item_id] = (rs, (kind, index, "id"))
        for score in model.scale:
            if not 1 <= score <= 4:
                checker.issue(
                    rs,
                    ("scale", str(score)),
                    "unknown-score",
                    f"score {score} is outside the CAA scale 1–4",
                    "the common scale runs from 1 (inadequate) to 4 (performing strongly)",
                )
        for name, param in model.parameters.items():
            if param.percent and isinstance(param.value, float) and not 0 <= param.value <= 1:
                checker.issue(
                    rs,
                    ("parameters", name, "value"),
                    "share-out-of-range",
                    f"parameter '{name}' is written as a percentage, so it must be from 0% to 100%, not "
                    f"{rs.document.written(('parameters', name, 'value'))}",
                    "a share runs from 0% to 100%: write one such as value: 35%",
                    at_value=True,
                )
                checker.units_checked.add((rs.path, name))
            if isinstance(param.value, float) and not math.isfinite(param.value):
                checker.issue(
                    rs,
                    ("parameters", name, "value"),
                    "wrong-type",
                    "a parameter must be a finite number",
                    "write a number",
                    at_value=True,
                )
    checker.rulesets = [rs for rs in rulesets if rs not in copies]
    tables = checker.build_tables()
    checker.combined = checker.add_judgement_types()
    measures = checker.check_measures()
    rules = checker.check_rules()
    if checker.issues:
        raise RuleError(fold_repeats(checker.issues, FOLDED_CODES))
    return CheckedRules(
        rulesets,
        checker.types,
        tables,
        measures,
        rules,
        checker.warnings
        + _unused_parameters(rulesets, measures, rules)
        + _divisions_by_zero(measures, rules)
        + _numbers_in_descriptions(measures, rules)
        + _schema_headers(rulesets),
        checker.combined,
    )


def conjuncts(condition: Expr) -> list[Expr]:
    """The parts of a condition joined by 'and' at its top, in order ('a and (b and c)' has three)."""
    if isinstance(condition, BoolOp) and condition.op == "and":
        return [part for item in condition.items for part in conjuncts(item)]
    return [condition]


# A number a description states: "60%", "60 %", "4"; not a numbered criterion "(1)", and not inside a placeholder.
# The first line an editor's YAML language server reads: "# yaml-language-server: $schema=PATH".
_SCHEMA_HEADER = re.compile(r"#\s*yaml-language-server:\s*\$schema=(\S+)")


def _schema_headers(rulesets: list[LoadedRuleSet]) -> list[Issue]:
    """A rule file whose first line names the evidence bundle's schema: the editor would then check it as a
    bundle, marking every key of a rule file as a mistake and completing none."""
    found: list[Issue] = []
    for rs in rulesets:
        first = rs.document.source.split("\n", 1)[0]
        header = _SCHEMA_HEADER.match(first)
        if header is None or header.group(1).rstrip("/").rsplit("/", 1)[-1] != "evidence.schema.json":
            continue
        named = header.group(1)
        found.append(
            Issue(
                "wrong-schema",
                f"the first line names the evidence bundle's schema ({named}), but this is a rule file",
                Location(rs.document.file, 1, header.start(1) + 1),
                f"name the rule-file schema: $schema={named[: -len('evidence.schema.json')]}rules.schema.json",
            )
        )
    return found


_STATED_NUMBER = re.compile(r"(?<![\w.({])(\d+(?:\.\d+)?)(\s*%)?(?![\w.)])")


def _numbers_in_descriptions(measures: list[CheckedMeasure], rules: list[CheckedRule]) -> list[Issue]:
    """A description that states a number a parameter it reads holds: tuning the parameter leaves the words
    wrong.  Naming the parameter in braces ({params.NAME}) shows its value, whatever it is tuned to."""
    found: list[Issue] = []
    items: list[tuple[LoadedRuleSet, tuple[Any, ...], str, set[str]]] = [
        (m.ruleset, ("measures", m.index, "description"), m.model.description, m.params) for m in measures
    ]
    items += [(r.ruleset, ("rules", r.index, "description"), r.model.description, r.params) for r in rules]
    for rs, path, text, params in items:
        bare = TEMPLATE_FIELD.sub(lambda m: " " * len(m.group(0)), text)
        for match in _STATED_NUMBER.finditer(bare):
            try:
                stated = Fraction(match.group(1)) / (100 if match.group(2) else 1)
            except ValueError:  # more digits than Python reads: no parameter can hold it
                continue
            for name in sorted(params):
                param = rs.model.parameters.get(name)
                if param is None or isinstance(param.value, (bool, str)) or param.percent != bool(match.group(2)):
                    continue
                if Fraction(str(param.value)) == stated:
                    found.append(
                        Issue(
                            "number-in-description",
                            f"the description states {match.group(0).strip()}, which parameter '{name}' holds",
                            rs.document.text_location(path, *text_position(text, match.start(1))),
                            f"write {{params.{name}}} instead, so the words follow the parameter when it is tuned",
                        )
                    )
                    break
    return found


def _divisions_by_zero(measures: list[CheckedMeasure], rules: list[CheckedRule]) -> list[Issue]:
    """'/ 0' or '/ params.NAME' holding 0: the value is unknown for every fact, silently."""
    found: list[Issue] = []
    sources: list[tuple[LoadedRuleSet, tuple[Any, ...], Expr | None]] = []
    for measure in measures:
        sources.append((measure.ruleset, ("measures", measure.index, "value"), measure.value))
        sources.append((measure.ruleset, ("measures", measure.index, "when"), measure.when))
    sources += [(rule.ruleset, ("rules", rule.index, "when"), rule.condition) for rule in rules]
    for rs, path, expr in sources:
        for node in walk(expr) if expr is not None else ():
            if not (isinstance(node, Arith) and node.op == "/"):
                continue
            divisor = node.right
            if isinstance(divisor, Ref) and len(divisor.parts) == 2 and divisor.parts[0] == "params":
                param = rs.model.parameters.get(divisor.parts[1])
                value = param.value if param is not None else None
                why = f"params.{divisor.parts[1]} is 0"
            else:
                value = divisor.value if isinstance(divisor, Const) else None
                why = "it divides by 0"
            if isinstance(value, (int, float, Fraction)) and not isinstance(value, bool) and value == 0:
                found.append(
                    Issue(
                        "division-by-zero",
                        f"{why}, so this value is unknown for every fact",
                        rs.document.text_location(path, divisor.line, divisor.column),
                        "divide by something that is not 0, or give the parameter another value",
                    )
                )
    return found


def _unused_parameters(
    rulesets: list[LoadedRuleSet], measures: list[CheckedMeasure], rules: list[CheckedRule]
) -> list[Issue]:
    """Parameters no rule or measure reads: tuning them would silently change nothing."""
    used = {(m.ruleset.model.ruleset, name) for m in measures for name in m.params}
    used |= {(r.ruleset.model.ruleset, name) for r in rules for name in r.params}
    return [
        Issue(
            "unused-parameter",
            f"parameter '{name}' is never read by a rule or measure",
            rs.document.locate(("parameters", name)),
            f"use it as params.{name} in a condition, or remove it: changing it now changes nothing",
        )
        for rs in rulesets
        for name in rs.model.parameters
        if (rs.model.ruleset, name) not in used
    ]
