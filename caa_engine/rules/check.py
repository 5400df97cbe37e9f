"""Cross-rule checks: names, types and conditions, across every rule file.

:func:`check_rules` builds the fact schema (input facts, joined tables, facts
derived by measures and by judgements), then parses and type-checks every
measure value, rule condition and message template against it.  Each leaf
check only says what is wrong; :class:`_Checker` attaches the location.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

from ..errors import Issue, RuleError
from ..evidence.facts import INPUT_FACT_TYPES
from ..facts import FactType, FieldSpec, ValueType, normalise_number, value_type_of
from .expr import (
    AGGREGATES,
    Arith,
    BoolOp,
    Call,
    Compare,
    Const,
    Expr,
    ExprSyntaxError,
    ListLit,
    Neg,
    Not,
    Ref,
    parse_expression,
    unparse,
)
from .loader import LoadedRuleSet, did_you_mean, safe_repr
from .model import Measure, Rule

__all__ = ["CheckedMeasure", "CheckedRule", "CheckedRules", "check_rules", "TEMPLATE_FIELD", "DERIVED_TYPES"]

TEMPLATE_FIELD = re.compile(r"\{([^{}]+)\}")
NUMERIC = ("int", "number")


# Facts every rule set may read that the engine derives from effects.
def _raised_type(name: str, text_field: str, description: str, subjects: tuple[str, ...] = ()) -> FactType:
    """A flag or a note as a fact later rules can read.

    It names its subject twice: as ``subject`` and in a field named after the subject's type
    (``outcome``), so a rule can read through it, e.g. ``count(flag where outcome.vulnerable)``.
    """
    fields = {key: FieldSpec("str") for key in ("kind", "subject", "rule", text_field)}
    fields["body"] = FieldSpec("str", nullable=True)
    if name == "flag":
        fields["colour"] = FieldSpec("str", nullable=True, description="red, green, or none", values=("red", "green"))
    for subject in subjects:
        fields.setdefault(subject, FieldSpec("str", nullable=True))
    return FactType(name, fields, description, origin="engine")


DERIVED_TYPES: dict[str, FactType] = {
    "flag": _raised_type("flag", "reason", "a flag raised by a rule"),
    "note": _raised_type("note", "text", "a note added by a rule"),
}
JUDGEMENT = "judgement"  # the element judgements a rule set with 'combines:' reads
RESERVED = ("params", JUDGEMENT)


@dataclass(frozen=True)
class TypeInfo:
    type: str  # int | number | str | bool | list
    nullable: bool = False
    item: str = ""  # element type of a list
    values: tuple[str, ...] = ()  # for a text field: the only values it can hold, if known
    field: str = ""  # for a field: its name as 'type.field', for messages


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


@dataclass
class CheckedRules:
    rulesets: list[LoadedRuleSet]
    fact_types: dict[str, FactType]
    tables: dict[str, tuple[LoadedRuleSet, str]]  # fact type -> (rule set, table name)
    measures: list[CheckedMeasure]
    rules: list[CheckedRule]
    warnings: list[Issue] = field(default_factory=list)  # problems that change nothing yet, e.g. unused parameters
    combined: tuple[str, ...] = ()  # the elements whose judgements are also 'judgement' facts


class _Problem(Exception):
    def __init__(self, node: Any, code: str, message: str, hint: str = ""):
        super().__init__(message)
        self.node, self.code, self.message, self.hint = node, code, message, hint


class _Unchecked(_Problem):
    """A read of what a measure that failed its own checks would derive: that failure is the one to report."""


@dataclass
class _Scope:
    ruleset: LoadedRuleSet
    subject: str | None = None  # the fact type a rule runs per
    group: str | None = None  # the fact type a measure aggregates
    item: str | None = None  # inside 'where': the collection's fact type
    in_aggregate: bool = False
    reads: set[str] = field(default_factory=set)
    params: set[str] = field(default_factory=set)
    what: str = "condition"  # the text being checked, as messages name it


class _Checker:
    def __init__(self, rulesets: list[LoadedRuleSet]):
        self.rulesets = rulesets
        self.issues: list[Issue] = []
        self.types: dict[str, FactType] = dict(INPUT_FACT_TYPES)
        self.classifications: dict[str, tuple[LoadedRuleSet, str, tuple[str, ...]]] = {}
        self.combined: tuple[str, ...] = ()
        self.per_measures: dict[str, str] = {}  # into -> the type its per-fact measures run per
        self.per_measure_first: dict[str, tuple[str, int]] = {}  # into -> (first measure's id, its line)
        self.broken_classifications: set[str] = set()  # reported once where declared, not again where used

    # -- reporting -------------------------------------------------------------
    def issue(
        self, rs: LoadedRuleSet, path: tuple[Any, ...], code: str, message: str, hint: str = "", at_value: bool = False
    ) -> None:
        self.issues.append(Issue(code, message, rs.document.locate(path, at_value=at_value), hint))

    def text_issue(
        self,
        rs: LoadedRuleSet,
        path: tuple[Any, ...],
        line: int,
        column: int,
        code: str,
        message: str,
        hint: str,
        offset: tuple[int, int] = (0, 0),
    ) -> None:
        if line == 1:
            column += offset[1]
        line += offset[0]
        self.issues.append(Issue(code, message, rs.document.text_location(path, line, column), hint))

    def parse(
        self, rs: LoadedRuleSet, path: tuple[Any, ...], text: str, offset: tuple[int, int] = (0, 0)
    ) -> Expr | None:
        try:
            return parse_expression(text)
        except ExprSyntaxError as exc:
            line, column, message, hint = _explain_syntax(text, exc)
            self.text_issue(rs, path, line, column, "bad-condition", message, hint, offset)
            return None

    # -- the schema ------------------------------------------------------------
    def build_tables(self) -> dict[str, tuple[LoadedRuleSet, str]]:
        tables: dict[str, tuple[LoadedRuleSet, str]] = {}
        for rs in self.rulesets:
            for name, table in rs.model.tables.items():
                path = ("tables", name)
                base = INPUT_FACT_TYPES.get(name)
                if base is None:
                    self.issue(
                        rs,
                        path,
                        "unknown-fact",
                        f"table '{name}' joins onto no evidence fact{did_you_mean(name, INPUT_FACT_TYPES)}",
                        f"a table is named after the evidence fact it extends: {', '.join(INPUT_FACT_TYPES)}",
                    )
                    continue
                if name in tables:
                    other = tables[name][0]
                    self.issue(
                        rs,
                        path,
                        "duplicate-table",
                        f"a table for '{name}' is already defined in {other.path}",
                        "keep one table per fact type",
                    )
                    continue
                if table.key not in base.fields:
                    self.issue(
                        rs,
                        path + ("key",),
                        "unknown-fact",
                        f"'{name}' has no field '{table.key}'{did_you_mean(table.key, base.fields)}",
                        f"fields of {name}: {', '.join(sorted(base.fields))}",
                        at_value=True,
                    )
                    continue
                columns: dict[str, set[str]] = {}
                finite = True
                for key, row in table.rows.items():
                    for column, value in row.items():
                        if isinstance(value, float) and not math.isfinite(value):
                            self.issue(
                                rs,
                                path + ("rows", key, column),
                                "wrong-type",
                                "a table value must be a finite number",
                                "write a number",
                                at_value=True,
                            )
                            finite = False
                        columns.setdefault(column, set()).add(value_type_of(value))
                if not finite:
                    continue
                fields = dict(base.fields)
                ok = True
                for position, need in enumerate(table.unlisted_need):
                    if not (need in base.fields and base.fields[need].nullable):
                        optional = sorted(k for k, v in base.fields.items() if v.nullable)
                        label = table.label or name
                        message = (
                            f"every {label} in the evidence has a {need}, so 'unlisted_need: [{need}]' would let "
                            f"any {label} missing from the table through"
                            if need in base.fields or need == "id"
                            else f"'{name}' has no field '{need}'{did_you_mean(need, optional)}"
                        )
                        self.issue(
                            rs,
                            path + ("unlisted_need", position),
                            "unknown-fact",
                            message,
                            "list fields the evidence may leave out, which the table fills in: "
                            f"{', '.join(optional) or 'none'}",
                            at_value=True,
                        )
                        ok = False
                for column, kinds in sorted(columns.items()):
                    if kinds <= {"int", "number"}:
                        kind: ValueType = "int" if kinds == {"int"} else "number"
                    elif len(kinds) == 1:
                        kind = next(iter(kinds))  # type: ignore[assignment,arg-type]
                    else:
                        self.issue(
                            rs,
                            path,
                            "table-column",
                            f"column '{column}' mixes {' and '.join(sorted(kinds))}",
                            "give every row the same kind of value in this column",
                        )
                        ok = False
                        continue
                    own = fields.get(column)
                    # A column may fill in a field the evidence may leave out (a catalogue's polarity), never
                    # replace one the evidence always gives.
                    if column == "id" or (own is not None and not (own.nullable and _comparable(own.type, kind))):
                        self.issue(
                            rs,
                            path,
                            "table-column",
                            f"column '{column}' would replace the fact's own field",
                            "rename the column",
                        )
                        ok = False
                        continue
                    if own is not None:
                        kind = own.type
                    nullable = any(column not in row for row in table.rows.values())
                    if own is not None and column not in table.unlisted_need:
                        nullable = True  # an unlisted key may still leave it out
                    fields[column] = FieldSpec(kind, nullable=nullable, description=own.description if own else "")
                if ok:
                    self.types[name] = FactType(name, fields, base.description, base.origin)
                    tables[name] = (rs, name)
        return tables

    def add_judgement_types(self) -> tuple[str, ...]:
        """Declare the facts effects derive: judgements, classifications, 'judgement', flags and notes.

        Returns the elements some rule set combines."""
        judged: dict[str, LoadedRuleSet] = {}
        for rs in self.rulesets:
            element = rs.model.element
            if element is None or not any(rule.then.score is not None for rule in rs.model.rules):
                continue
            judged[element] = rs
            fields = {"score": FieldSpec("int"), "label": FieldSpec("str"), "rule": FieldSpec("str")}
            if rs.model.scope == "body":
                fields = {"body": FieldSpec("str"), **fields}
            self.types[element] = FactType(element, fields, f"the {element} judgement", origin=rs.path)
        for rs in self.rulesets:
            for name, cls in rs.model.classifications.items():
                path = ("classifications", name)
                if name in self.types or name in RESERVED or name in DERIVED_TYPES:
                    what = (
                        f"the '{name}' judgements of an element"
                        if name in judged or name == JUDGEMENT
                        else "the parameters (params.NAME)"
                        if name == "params"
                        else f"the '{name}' facts that rules read"
                    )
                    self.issue(
                        rs,
                        path,
                        "duplicate-fact",
                        f"classification '{name}' has the name of {what}",
                        "give the classification a name of its own",
                    )
                    self.broken_classifications.add(name)
                    continue
                subject = self.types.get(cls.per)
                if subject is None:
                    self.issue(
                        rs,
                        path + ("per",),
                        "unknown-fact",
                        f"classification '{name}' is per unknown fact '{cls.per}'{did_you_mean(cls.per, self.types)}",
                        f"known facts: {', '.join(sorted(self.types))}",
                        at_value=True,
                    )
                    self.broken_classifications.add(name)
                    continue
                labels = cls.labels
                for position, label in enumerate(labels):
                    if labels.index(label) != position:
                        self.issue(
                            rs,
                            path + ("labels", position),
                            "duplicate-label",
                            f"label '{label}' is listed twice",
                            "list each label once",
                            at_value=True,
                        )
                fields = {
                    cls.per: FieldSpec("str"),
                    "label": FieldSpec("str", values=tuple(labels)),
                    "rule": FieldSpec("str"),
                }
                if subject.per_body and cls.per != "body":
                    fields["body"] = subject.fields["body"]
                self.types[name] = FactType(name, fields, cls.description, origin=rs.path, companion_of=cls.per)
                self.classifications[name] = (rs, cls.per, tuple(labels))
        combined: list[str] = []
        for rs in self.rulesets:
            for position, element in enumerate(rs.model.combines):
                if element not in judged or element == rs.model.element:
                    known = [e for e in judged if e != rs.model.element]
                    self.issue(
                        rs,
                        ("combines", position),
                        "unknown-element",
                        f"element '{element}' "
                        + ("is this rule set's own" if element == rs.model.element else "is judged by no rule set")
                        + did_you_mean(element, known),
                        f"elements judged by other rule sets: {', '.join(known) or 'none'}",
                        at_value=True,
                    )
                elif element not in combined:
                    combined.append(element)
        if combined or any(rs.model.combines for rs in self.rulesets):  # even if one is wrong: reported once
            self.types[JUDGEMENT] = FactType(
                JUDGEMENT,
                {
                    "element": FieldSpec("str", description="the element judged", values=tuple(combined)),
                    "scope": FieldSpec("str", description="'area' or 'body'", values=("area", "body")),
                    "body": FieldSpec("str", nullable=True, description="the body judged (none for the area)"),
                    "score": FieldSpec("int"),
                    "label": FieldSpec("str"),
                    "rule": FieldSpec("str"),
                },
                "one judgement of an element listed under 'combines:'",
                origin="engine",
            )
        for name, text_field in (("flag", "reason"), ("note", "text")):
            subjects = sorted(
                {
                    rule.per
                    for rs in self.rulesets
                    for rule in rs.model.rules
                    if getattr(rule.then, name) is not None and rule.per not in ("body", "flag", "note")
                }
            )
            base = DERIVED_TYPES[name]
            self.types.setdefault(name, _raised_type(name, text_field, base.description, tuple(subjects)))
        return tuple(combined)

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
                    self.stand_in(measure)
            if not progress:
                self.report_measure_cycle(pending)
                for _, _, measure in pending:
                    if measure.into not in self.types:
                        self.stand_in(measure)
                break
        done.sort(key=lambda m: (self.rulesets.index(m.ruleset), m.index))
        return done

    def waits_on(self, measure: Measure, pending: list[tuple[LoadedRuleSet, int, Measure]]) -> Measure | None:
        """A pending measure (another one) deriving what ``measure`` reads, if any."""
        words = set(re.findall(r"[a-z_][a-z0-9_]*", f"{measure.value} {measure.when or ''}"))
        words |= {name for name in (measure.from_, measure.per) if name}
        for _, _, other in pending:
            if other is not measure and other.into in words and other.into != measure.into:
                if other.into not in self.types or other.into in self.per_measures:
                    return other
        return None

    def stand_in(self, measure: Measure) -> None:
        """Declare what a measure that failed its checks would derive, so rules reading it are still checked
        without a second, misleading 'unknown fact' error for every rule that reads it."""
        source = self.types.get(measure.from_ or measure.per or "")
        keys = measure.group_by if measure.per is None else [measure.per]
        fields = {key: (source.fields.get(key) if source else None) or FieldSpec("str") for key in keys}
        fields[measure.field] = FieldSpec("number", nullable=True)
        self.types[measure.into] = FactType(
            measure.into, fields, measure.description, origin="unchecked", companion_of=measure.per
        )
        if measure.per is not None:  # measures sharing its 'into' are still checked, not told it exists
            self.per_measures.setdefault(measure.into, measure.per)
            self.per_measure_first.setdefault(measure.into, (measure.id, 0))

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
        scope = _Scope(rs, group=measure.from_, what="measure value")
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
        fields[measure.field] = FieldSpec(info.type, nullable=info.nullable)  # type: ignore[arg-type]
        self.types[measure.into] = FactType(measure.into, fields, measure.description, origin=rs.path)
        return CheckedMeasure(rs, index, measure, expr, info, scope.reads | {measure.from_}, scope.params)

    def check_if_unknown(
        self, rs: LoadedRuleSet, path: tuple[Any, ...], measure: Measure, info: TypeInfo
    ) -> TypeInfo | None:
        """The value's type once 'if_unknown:' stands in for a missing value (then it is never missing)."""
        if measure.if_unknown is None:
            return info
        fallback = value_type_of(
            normalise_number(measure.if_unknown) if isinstance(measure.if_unknown, float) else measure.if_unknown
        )
        if not _comparable(fallback, info.type):
            self.issue(
                rs,
                path + ("if_unknown",),
                "wrong-type",
                f"if_unknown is {_word(TypeInfo(fallback))}, but the value is {_word(info)}",
                "give if_unknown the same kind of value as the measure's value",
                at_value=True,
            )
            return None
        kind = info.type if fallback == info.type else "number"
        return TypeInfo(kind, False)

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
        scope = _Scope(rs, subject=measure.per, what="measure value")
        scope.reads.add(measure.per)
        when: Expr | None = None
        if measure.when is not None:
            when = self.parse(rs, path + ("when",), measure.when)
            if when is not None:
                when_info = self.infer_at(
                    rs,
                    path + ("when",),
                    when,
                    _Scope(rs, subject=measure.per, reads=scope.reads, params=scope.params, what="condition"),
                )
                if when_info is not None and when_info.type != "bool":
                    self.issue(
                        rs,
                        path + ("when",),
                        "wrong-type",
                        f"a condition must be true or false, but '{unparse(when)}' is {_word(when_info)}",
                        _compare_hint(when, when_info),
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
        spec = FieldSpec(info.type, nullable=info.nullable or measure.when is not None)  # type: ignore[arg-type]
        if existing is not None:
            self.types[measure.into].fields[measure.field] = spec
        else:
            fields = {measure.per: FieldSpec("str")}
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
        scope = _Scope(rs, subject=rule.per)
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
                        f"a condition must be true or false, but '{unparse(condition)}' is {_word(info)}",
                        _compare_hint(condition, info),
                        at_value=True,
                    )
        templates: dict[str, list[tuple[str, Expr]]] = {}
        for kind, text_key in (("flag", "reason"), ("note", "text")):
            effect = getattr(then, kind)
            if effect is None:
                continue
            text = getattr(effect, text_key)
            parts: list[tuple[str, Expr]] = []
            template_scope = _Scope(
                rs, subject=rule.per, reads=scope.reads, params=scope.params, what=f"{kind} {text_key}"
            )
            for match in TEMPLATE_FIELD.finditer(text):
                tpath = path + ("then", kind, text_key)
                expr = self.parse(rs, tpath, match.group(1), offset=(0, match.start(1)))
                if expr is not None and self.infer_at(rs, tpath, expr, template_scope, offset=(0, match.start(1))):
                    parts.append((match.group(1), expr))
            templates[kind] = parts
        if condition is None:
            return None
        params = scope.params | ({cap_param} if cap_param else set())
        return CheckedRule(rs, index, rule, condition, scope.reads, params, templates, writes, cap)

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

    # -- expressions -----------------------------------------------------------
    def infer_at(
        self, rs: LoadedRuleSet, path: tuple[Any, ...], expr: Expr, scope: _Scope, offset: tuple[int, int] = (0, 0)
    ) -> TypeInfo | None:
        try:
            return self.infer(expr, scope)
        except _Unchecked:
            return None
        except _Problem as problem:
            node = problem.node
            self.text_issue(rs, path, node.line, node.column, problem.code, problem.message, problem.hint, offset)
            return None

    def infer(self, expr: Expr, scope: _Scope) -> TypeInfo:
        if isinstance(expr, Const):
            return TypeInfo(value_type_of(expr.value))
        if isinstance(expr, Ref):
            return self.infer_ref(expr, scope)
        if isinstance(expr, ListLit):
            kinds = {value_type_of(item.value) for item in expr.items}
            if kinds <= {"int", "number"}:
                return TypeInfo("list", item="number" if "number" in kinds else "int")
            if len(kinds) > 1:
                raise _Problem(
                    expr,
                    "wrong-type",
                    "a list must hold one kind of value",
                    "make every item text, or every item a number",
                )
            return TypeInfo("list", item=next(iter(kinds), "str"))
        if isinstance(expr, Neg):
            inner = self.infer(expr.operand, scope)
            self.need(expr.operand, inner, NUMERIC, "'-'")
            return inner
        if isinstance(expr, Not):
            inner = self.infer(expr.operand, scope)
            self.need(expr.operand, inner, ("bool",), "'not'")
            return TypeInfo("bool")
        if isinstance(expr, BoolOp):
            for item in expr.items:
                self.need(item, self.infer(item, scope), ("bool",), f"'{expr.op}'")
            return TypeInfo("bool")
        if isinstance(expr, Arith):
            left, right = self.infer(expr.left, scope), self.infer(expr.right, scope)
            self.need(expr.left, left, NUMERIC, f"'{expr.op}'")
            self.need(expr.right, right, NUMERIC, f"'{expr.op}'")
            kind = "int" if left.type == right.type == "int" and expr.op != "/" else "number"
            return TypeInfo(kind, left.nullable or right.nullable or expr.op == "/")
        if isinstance(expr, Compare):
            return self.infer_compare(expr, scope)
        if isinstance(expr, Call):
            return self.infer_call(expr, scope)
        raise _Problem(expr, "bad-condition", "unsupported expression")  # pragma: no cover

    def need(self, node: Expr, info: TypeInfo, kinds: tuple[str, ...], where: str) -> None:
        if info.type not in kinds:
            wanted = " or ".join(
                "a number" if k in NUMERIC else ("true/false" if k == "bool" else k)
                for k in dict.fromkeys("number" if k in NUMERIC else k for k in kinds)
            )
            raise _Problem(
                node,
                "wrong-type",
                f"{where} needs {wanted}, but {_shown(node)} is {_word(info)}",
                "check the field's type in docs/evidence.md",
            )

    def infer_compare(self, expr: Compare, scope: _Scope) -> TypeInfo:
        left = self.infer(expr.left, scope)
        right = self.infer(expr.right, scope)
        self.check_values(expr, left, right)
        if expr.op in ("in", "not in"):
            if not isinstance(expr.right, ListLit):
                raise _Problem(
                    expr.right,
                    "wrong-type",
                    f'\'{expr.op}\' needs a list such as ["a", "b"]',
                    "write the values in square brackets",
                )
            if expr.right.items and not _comparable(left.type, right.item):
                raise _Problem(
                    expr.right,
                    "wrong-type",
                    f"cannot look for {_word(left)} in a list of {right.item}",
                    "make the list hold the same kind of value",
                )
            return TypeInfo("bool")
        if not _comparable(left.type, right.type):
            raise _Problem(
                expr,
                "wrong-type",
                f"cannot compare {_shown(expr.left)} ({_word(left)}) with {_shown(expr.right)} ({_word(right)})",
                self.param_hint(scope, expr)
                or (
                    "compare a date with another date, e.g. risk.recorded_on < outcome.started_on"
                    if "date" in (left.type, right.type)
                    else "compare numbers with numbers and text with text"
                ),
            )
        if left.type in ("str", "bool") and expr.op not in ("==", "!="):
            raise _Problem(
                expr,
                "wrong-type",
                f"'{expr.op}' needs numbers, but {_shown(expr.left)} is {_word(left)}",
                "text and true/false can only be compared with == or !=",
            )
        return TypeInfo("bool")

    def param_hint(self, scope: _Scope, expr: Compare) -> str:
        """For a comparison with a parameter of the wrong kind: where that parameter is, and what it holds."""
        for side in (expr.left, expr.right):
            if isinstance(side, Ref) and side.parts[0] == "params" and len(side.parts) == 2:
                value = scope.ruleset.model.parameters[side.parts[1]].value
                line = scope.ruleset.document.locate(("parameters", side.parts[1], "value"), at_value=True).line
                return f"parameter '{side.parts[1]}' (line {line}) holds {safe_repr(value)}: check its value"
        return ""

    def infer_ref(self, ref: Ref, scope: _Scope) -> TypeInfo:
        parts = ref.parts
        head = parts[0]
        if head == "params":
            if len(parts) != 2:
                raise _Problem(ref, "bad-condition", "write a parameter as params.NAME", "e.g. params.good_themes")
            params = scope.ruleset.model.parameters
            if parts[1] not in params:
                raise _Problem(
                    ref,
                    "undefined-parameter",
                    f"parameter '{parts[1]}' is not defined{did_you_mean(parts[1], params)}",
                    f"define it under 'parameters:' in {scope.ruleset.path}",
                )
            scope.params.add(parts[1])
            value = params[parts[1]].value
            if isinstance(value, float) and not math.isfinite(value):
                return TypeInfo("number")  # reported once, where the parameter is defined
            return TypeInfo(value_type_of(normalise_number(value) if isinstance(value, float) else value))
        if scope.item is not None and len(parts) == 1:
            return self.field_of(ref, scope.item, parts[0], f"{scope.item}.{parts[0]}", scope.what)
        allowed = [t for t in (scope.item, scope.subject) if t]
        # Read through: the area from anywhere a fact is in hand; inside 'where', through the item's
        # references first (``body.lead`` is the item's body), then through the subject's.
        through = [t for t in (scope.item, scope.subject) if t]
        if head in allowed or (
            through
            and head in self.types
            and (head == "area" or any(self.types[t].refers_to(head, self.types) for t in through))
        ):
            if len(parts) > 2:
                # outcome.risk.title: read through the reference by the referenced type's own name
                target = parts[1]
                if target not in self.types:
                    guess = did_you_mean(target, [n for n in self.types[head].fields if n in self.types])
                    target = guess.split("'")[1] if guess else target
                if target in self.types and self.types[head].refers_to(target, self.types):
                    field_name = parts[2]
                    fields = self.types[target].fields
                    if field_name not in fields:
                        meant = did_you_mean(field_name, fields)
                        field_name = meant.split("'")[1] if meant else next(iter(fields))
                    raise _Problem(
                        ref,
                        "unknown-fact",
                        f"{scope.what} uses '{ref.dotted}' — did you mean '{target}.{field_name}'?",
                        f"{head}.{target} holds the id of a {target}: read that {target}'s fields as "
                        f"{target}.FIELD, e.g. {target}.{field_name}",
                    )
            if len(parts) != 2:
                raise _Problem(
                    ref,
                    "unknown-fact",
                    f"'{ref.dotted}' names a fact, not a field",
                    f"name a field, e.g. {head}.{next(iter(self.types[head].fields))}",
                )
            if head not in allowed:
                scope.reads.add(head)
            return self.field_of(ref, head, parts[1], ref.dotted, scope.what)
        if head in self.types:
            if len(parts) == 2:
                self.field_of(
                    ref, head, parts[1], ref.dotted, scope.what
                )  # a misspelled field is the first thing to fix
            if scope.group == head or scope.subject:
                fields = self.types[head].fields
                example = (
                    parts[1]
                    if len(parts) == 2
                    else next(
                        (name for name, spec in fields.items() if spec.type in NUMERIC), next(iter(fields), "score")
                    )
                )
                message = (
                    (
                        f"this rule runs per {scope.subject}, and '{ref.dotted}' could be any of several {head} facts: "
                        "wrap it in an aggregate"
                    )
                    if scope.subject
                    else (f"a measure combines many {head} facts: wrap '{ref.dotted}' in an aggregate")
                )
                spec = fields.get(example)
                if spec is not None and spec.type != "int" and spec.type != "number":
                    shown = f'"{spec.values[0]}"' if spec.values else ('"…"' if spec.type == "str" else "true")
                    hint = f"e.g. count({head} where {example} == {shown}) >= 1"
                elif scope.subject:
                    hint = f"e.g. min({head}.{example}) >= 3, or count({head} where {example} >= 3) >= 2"
                else:
                    hint = f"e.g. min({head}.{example}) or lower_median({head}.{example})"
                raise _Problem(ref, "needs-aggregate", message, hint)
            raise _Problem(
                ref, "unknown-fact", f"'{ref.dotted}' cannot be read here", f"a measure reads only '{scope.group}'"
            )
        if head == JUDGEMENT:
            judged = [rs.model.element for rs in self.rulesets if rs.model.element and rs.model.scale]
            example = next((e for e in judged if e != scope.ruleset.model.element), "use_of_resources")
            raise _Problem(
                ref,
                "unknown-fact",
                "'judgement' facts are only read by a rule set that combines elements",
                f"list the elements whose judgements it reads, e.g. 'combines: [{example}]'",
            )
        candidates = [f"params.{p}" for p in scope.ruleset.model.parameters]
        for name in allowed:
            candidates += [f"{name}.{f}" for f in self.types[name].fields]
        if scope.item:
            candidates += list(self.types[scope.item].fields)
        candidates += list(self.types)
        raise _Problem(
            ref,
            "unknown-fact",
            f"{scope.what} uses '{ref.dotted}'{did_you_mean(ref.dotted, candidates)}",
            _known_hint(scope, self.types),
        )

    def field_of(self, ref: Ref, type_name: str, name: str, shown: str, what: str = "condition") -> TypeInfo:
        fact_type = self.types[type_name]
        if name == "id":
            return TypeInfo("str")
        if fact_type.origin == "unchecked":
            raise _Unchecked(ref, "unchecked", f"'{shown}' comes from a measure with errors")
        spec = fact_type.fields.get(name)
        if spec is None:
            fields = ["id", *fact_type.fields]
            suggestion = did_you_mean(name, fields)
            if suggestion:
                suggestion = f" — did you mean '{type_name}.{suggestion.split(chr(39))[1]}'?"
            raise _Problem(
                ref,
                "unknown-fact",
                f"{what} uses '{shown}'{suggestion}",
                f"fields of {type_name}: {', '.join(sorted(fields))}",
            )
        return TypeInfo(spec.type, spec.nullable, values=spec.values, field=f"{type_name}.{name}")

    def check_values(self, expr: Compare, left: TypeInfo, right: TypeInfo) -> None:
        """A text compared with a field that can hold only some texts must be one of them: a misspelt
        label would otherwise match nothing, silently."""
        for info, other in ((left, expr.right), (right, expr.left)):
            if not info.values:
                continue
            consts = other.items if isinstance(other, ListLit) else [other]
            for const in consts:
                if not isinstance(const, Const) or not isinstance(const.value, str) or const.value in info.values:
                    continue
                type_name, _, field_name = info.field.partition(".")
                known = ", ".join(info.values)
                if field_name == "label" and type_name in self.classifications:
                    raise _Problem(
                        const,
                        "unknown-label",
                        f"'{const.value}' is not a label of '{type_name}'{did_you_mean(const.value, info.values)}",
                        f"labels of {type_name}: {known}",
                    )
                raise _Problem(
                    const,
                    "unknown-value",
                    f"'{const.value}' is not a value '{info.field}' can hold{did_you_mean(const.value, info.values)}",
                    f"values of {info.field}: {known}",
                )

    def infer_call(self, call: Call, scope: _Scope) -> TypeInfo:
        name = call.name
        args = call.args
        first = args[0] if args else None
        # One argument makes min/max an aggregate (as in evaluation); two or more, the scalar function.
        is_aggregate = name in AGGREGATES and (len(args) == 1 or name not in ("min", "max"))
        if not is_aggregate:
            if call.where is not None and (name in ("abs", "known") or name in AGGREGATES):
                raise _Problem(
                    call.where,
                    "bad-condition",
                    "'where' only filters the collection of an aggregate",
                    "known() takes one value, e.g. known(outcome.started_on); join other conditions with 'and'"
                    if name == "known"
                    else f"{name}() of plain values takes no 'where'; filter a collection, e.g. min(theme.score where …)",
                )
            if name in ("min", "max") and len(args) >= 2:
                infos = [self.infer(arg, scope) for arg in args]
                for arg, info in zip(args, infos, strict=True):
                    self.need(arg, info, NUMERIC, f"{name}()")
                kind = "int" if all(i.type == "int" for i in infos) else "number"
                return TypeInfo(kind, any(i.nullable for i in infos))
            if name == "abs" and len(args) == 1:
                info = self.infer(args[0], scope)
                self.need(args[0], info, NUMERIC, "abs()")
                return info
            if name == "known" and len(args) == 1:
                info = self.infer(args[0], scope)
                if info.type == "list":
                    raise _Problem(
                        args[0], "wrong-type", "known() takes one value, not a list", "e.g. known(indicator.target)"
                    )
                return TypeInfo("bool")
            known = ", ".join(sorted(set(AGGREGATES) | {"abs", "known"}))
            raise _Problem(
                call,
                "unknown-function",
                f"unknown function '{name}'{_function_meant(name)}"
                if name not in AGGREGATES and name not in ("abs", "known")
                else f"{name}() is not used like this here",
                f"functions: {known}; aggregates take one collection, e.g. min(theme.score)",
            )
        if scope.item is not None:
            raise _Problem(
                call, "bad-condition", "an aggregate cannot be used inside 'where'", "move it outside the where"
            )
        if len(args) != 1 or not isinstance(first, Ref):
            raise _Problem(
                call,
                "bad-condition",
                f"{name}() takes one collection",
                f"e.g. {name}(theme{'' if name in ('count', 'share') else '.score'})",
            )
        collection = first.parts[0]
        if collection == JUDGEMENT and collection not in self.types:
            self.infer_ref(first, scope)  # explains where 'judgement' facts come from
        if collection not in self.types:
            raise _Problem(
                first,
                "unknown-fact",
                f"unknown fact '{collection}'{did_you_mean(collection, self.types)}",
                f"known facts: {', '.join(sorted(self.types))}",
            )
        if scope.group is not None and collection != scope.group:
            raise _Problem(
                first,
                "unknown-fact",
                f"this measure groups '{scope.group}', so it can aggregate only '{scope.group}'",
                f"write {name}({scope.group}…)",
            )
        field_info: TypeInfo | None = None
        if name in ("count", "share"):
            if len(first.parts) != 1:
                raise _Problem(
                    first, "bad-condition", f"{name}() counts facts, not a field", f"write {name}({collection} where …)"
                )
            if name == "share" and call.where is None:
                raise _Problem(
                    call,
                    "bad-condition",
                    "share() needs 'where' to say what it is a share of",
                    f"e.g. share({collection} where score >= 3)",
                )
        else:
            if len(first.parts) != 2:
                raise _Problem(first, "bad-condition", f"{name}() needs a field", f"e.g. {name}({collection}.score)")
            field_info = self.field_of(first, collection, first.parts[1], first.dotted, scope.what)
            self.need(first, field_info, NUMERIC, f"{name}()")
        scope.reads.add(collection)
        if call.where is not None:
            inner = _Scope(
                scope.ruleset,
                subject=scope.subject,
                group=scope.group,
                item=collection,
                in_aggregate=True,
                reads=scope.reads,
                params=scope.params,
                what=scope.what,
            )
            self.need(call.where, self.infer(call.where, inner), ("bool",), "'where'")
        if name == "count":
            return TypeInfo("int")
        if name == "share":
            return TypeInfo("number")
        assert field_info is not None
        if name == "sum":
            return TypeInfo(field_info.type)
        if name == "mean":
            return TypeInfo("number", True)
        return TypeInfo(field_info.type, True)


def _explain_syntax(text: str, exc: ExprSyntaxError) -> tuple[int, int, str, str]:
    """(line, column, message, hint) for a condition that does not parse, pointing at the likely cause."""
    opened = _unclosed(text)
    if opened is not None and exc.message == "the condition ends too early":
        bracket, index = opened
        closer = ")" if bracket == "(" else "]"
        line = text.count("\n", 0, index) + 1
        column = index - (text.rfind("\n", 0, index) + 1) + 1
        return line, column, f"this '{bracket}' is never closed", f"add '{closer}' where the bracketed part ends"
    word = exc.message[len("unexpected '") : -1] if exc.message.startswith("unexpected '") else ""
    if word.lower() in ("and", "or", "not", "where", "in", "true", "false") and word != word.lower():
        return exc.line, exc.column, exc.message, f"write '{word.lower()}' in lower case"
    return exc.line, exc.column, exc.message, exc.hint


def _unclosed(text: str) -> tuple[str, int] | None:
    """The innermost bracket left open at the end of ``text`` (outside quotes), with its index."""
    stack: list[tuple[str, int]] = []
    quote = ""
    for index, char in enumerate(text):
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char in "([":
            stack.append((char, index))
        elif char in ")]" and stack:
            stack.pop()
    return stack[-1] if stack else None


def _shown(expr: Expr) -> str:
    """An operand as the person wrote it: a name in quotes, a literal as itself."""
    return unparse(expr) if isinstance(expr, Const) else f"'{unparse(expr)}'"


def _function_meant(name: str) -> str:
    """' — did you mean …?' for a function name; 'median' means lower_median, not mean."""
    names = sorted(set(AGGREGATES) | {"abs", "known"})
    containing = [known for known in names if name in known and name != known]
    if len(containing) == 1:
        return f" — did you mean '{containing[0]}'?"
    return did_you_mean(name, names)


def _compare_hint(expr: Expr, info: TypeInfo) -> str:
    """How to turn a value into a condition: text and dates compare differently from numbers."""
    shown = unparse(expr)
    if info.type == "str":
        return f"compare it with something, e.g. '{shown} == \"{info.values[0] if info.values else '…'}\"'"
    if info.type == "date":
        return f"compare it with another date, e.g. '{shown} < outcome.started_on'"
    return f"compare it with something, e.g. '{shown} >= 1'"


def _comparable(left: str, right: str) -> bool:
    return left == right or (left in NUMERIC and right in NUMERIC)


def _word(info: TypeInfo) -> str:
    return {
        "int": "a number",
        "number": "a number",
        "str": "text",
        "bool": "true/false",
        "list": "a list",
        "date": "a date",
    }.get(info.type, info.type)


def _known_hint(scope: _Scope, types: dict[str, FactType]) -> str:
    if scope.subject:
        fields = ", ".join(f"{scope.subject}.{f}" for f in ["id", *types[scope.subject].fields])
        return f"this rule runs per {scope.subject}; it can read {fields}, params.NAME, and aggregates over other facts"
    return f"a measure reads aggregates over '{scope.group}' and params.NAME"


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
        raise RuleError(checker.issues)
    return CheckedRules(
        rulesets,
        checker.types,
        tables,
        measures,
        rules,
        _unused_parameters(rulesets, measures, rules),
        checker.combined,
    )


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
