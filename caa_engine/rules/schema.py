"""The fact schema: every fact type a condition can read, and its fields.

Input facts come from the evidence (:mod:`caa_engine.evidence.facts`); rule
files add to them: tables join catalogue columns onto input facts, an element
with scores gives judgement facts, ``classifications`` give label facts,
``combines`` gives ``judgement`` facts, and flags and notes are facts too.
Measures add theirs as they are checked (:mod:`caa_engine.rules.check`).
"""

from __future__ import annotations

import math
from pathlib import Path

from .._messages import _clip, closest, did_you_mean
from ..evidence.facts import INPUT_FACT_TYPES
from ..facts import FactType, FieldSpec, ValueType, value_type_of
from .infer import JUDGEMENT, RESERVED, ExpressionChecker, comparable
from .loader import LoadedRuleSet

__all__ = ["SchemaBuilder", "DERIVED_TYPES"]


# Facts every rule set may read that the engine derives from effects.
def _raised_type(name: str, text_field: str, description: str, subjects: tuple[str, ...] = ()) -> FactType:
    """A flag or a note as a fact later rules can read.

    It names its subject twice: as ``subject`` and in a field named after the subject's type
    (``outcome``), so a rule can read through it, e.g. ``count(flag where outcome.vulnerable)``.
    """
    fields = {key: FieldSpec("str") for key in ("kind", "subject", "rule", text_field)}
    fields["body"] = FieldSpec("str", nullable=True, refers="body")
    if name == "flag":
        fields["colour"] = FieldSpec("str", nullable=True, description="red, green, or none", values=("red", "green"))
    for subject in subjects:
        fields.setdefault(subject, FieldSpec("str", nullable=True, refers=subject))
    return FactType(name, fields, description, origin="engine")


DERIVED_TYPES: dict[str, FactType] = {
    "flag": _raised_type("flag", "reason", "a flag raised by a rule"),
    "note": _raised_type("note", "text", "a note added by a rule"),
}


class SchemaBuilder(ExpressionChecker):
    """Builds the fact types rule files add, before measures and rules are checked against them."""

    # -- the schema ------------------------------------------------------------
    def build_tables(self) -> dict[str, tuple[LoadedRuleSet, str]]:
        tables: dict[str, tuple[LoadedRuleSet, str]] = {}
        for rs in self.rulesets:
            for name, table in rs.model.tables.items():
                path = ("tables", name)
                base = INPUT_FACT_TYPES.get(name)
                # A table with a misspelt name or key is one mistake: its columns are still given to the fact
                # meant, so that the conditions reading them are not each reported too (knock-on errors).
                broken = False
                if base is None:
                    self.issue(
                        rs,
                        path,
                        "unknown-fact",
                        f"table '{name}' joins onto no evidence fact{did_you_mean(name, INPUT_FACT_TYPES)}",
                        f"a table is named after the evidence fact it extends: {', '.join(INPUT_FACT_TYPES)}",
                    )
                    meant = closest(name, INPUT_FACT_TYPES)
                    if meant is None or any(meant in other.model.tables for other in self.rulesets):
                        continue
                    name, base, broken = meant, INPUT_FACT_TYPES[meant], True
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
                    broken = True
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
                    if column == "id" or (own is not None and not (own.nullable and comparable(own.type, kind))):
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
                        # A table fills it in as the evidence would: with one of its values, if it has a list.
                        for key, row in table.rows.items():
                            written = row.get(column)
                            if own.values and isinstance(written, str) and written not in own.values:
                                self.issue(
                                    rs,
                                    path + ("rows", key, column),
                                    "unknown-value",
                                    f"'{written}' is not a value '{name}.{column}' can hold"
                                    f"{did_you_mean(written, own.values)}",
                                    f"values of {name}.{column}: {', '.join(own.values)}",
                                    at_value=True,
                                )
                    nullable = any(column not in row for row in table.rows.values())
                    if own is not None and column not in table.unlisted_need:
                        nullable = True  # an unlisted key may still leave it out
                    fields[column] = FieldSpec(
                        kind,
                        nullable=nullable,
                        description=own.description if own else "",
                        values=own.values if own else (),  # so a condition comparing it with a misspelt value is caught
                    )
                if ok:
                    self.types[name] = FactType(name, fields, base.description, base.origin)
                    if not broken:
                        tables[name] = (rs, name)
        return tables

    def _misnamed_element(self, combiner: LoadedRuleSet, element: str, judged: dict[str, LoadedRuleSet]) -> None:
        """``combiner`` combines ``element``, which no rule set judges: the mistake may be in the file that should
        judge it, under another name. Say so there too: in each file judging an element no rule set combines, or
        only in those named after ``element`` if any is, or if the name combined is close to one judged (then it
        is more likely the misspelt one)."""
        wanted = {name for rs in self.rulesets for name in rs.model.combines}
        loose = [rs for name, rs in judged.items() if name not in wanted and rs is not combiner]
        named = [rs for rs in loose if Path(rs.path).stem == element]
        for rs in named if named or did_you_mean(element, judged) else loose:
            self.issue(
                rs,
                ("element",),
                "unknown-element",
                f"this file judges element '{_clip(str(rs.model.element))}', which no rule set combines, while "
                f"{combiner.path} combines '{_clip(element)}', which no rule set judges",
                f"if this file judges {_clip(element)}, write 'element: {_clip(element)}'; if not, correct the "
                f"'combines:' of {combiner.path}",
                at_value=True,
            )

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
                fields = {"body": FieldSpec("str", refers="body"), **fields}
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
                    cls.per: FieldSpec("str", refers=cls.per),
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
                        f"element '{_clip(element)}' "
                        + ("is this rule set's own" if element == rs.model.element else "is judged by no rule set")
                        + did_you_mean(element, known),
                        f"elements judged by other rule sets: {', '.join(map(_clip, known)) or 'none'}",
                        at_value=True,
                    )
                    if element not in judged:
                        self._misnamed_element(rs, element, judged)
                elif element not in combined:
                    combined.append(element)
        if combined or any(rs.model.combines for rs in self.rulesets):  # even if one is wrong: reported once
            self.types[JUDGEMENT] = FactType(
                JUDGEMENT,
                {
                    "element": FieldSpec("str", description="the element judged", values=tuple(combined)),
                    "scope": FieldSpec("str", description="'area' or 'body'", values=("area", "body")),
                    "body": FieldSpec(
                        "str", nullable=True, description="the body judged (none for the area)", refers="body"
                    ),
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
