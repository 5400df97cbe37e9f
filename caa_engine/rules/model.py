"""The rule-file format as pydantic models: data only, unknown keys forbidden.

One YAML file is one :class:`RuleSetFile`.  Field names here are the YAML keys
and the words used in error messages.  Cross-rule checks (names, types,
conditions) live in :mod:`caa_engine.rules.check`; this module only says what
shape a file has.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Annotated, Any, Literal, Union

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    PrivateAttr,
    StrictBool,
    StrictInt,
    StrictStr,
    Tag,
    ValidatorFunctionWrapHandler,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from .._messages import PERCENT
from ..periods import Period

__all__ = [
    "Citation",
    "Parameter",
    "Table",
    "Measure",
    "Classification",
    "FlagEffect",
    "NoteEffect",
    "Effects",
    "Rule",
    "PeriodRange",
    "RuleSetFile",
]

IDENT = r"^[a-z][a-z0-9_]*$"
ParamValue = Union[StrictBool, StrictInt, float, StrictStr]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Citation(_Strict):
    """One entry of the rule set's reading list: a policy source its rules draw on."""

    id: str = Field(pattern=IDENT, description="a short id for the source, e.g. 'uor_framework_2008'")
    text: str = Field(min_length=1, description="the source in full: document, section, date")


class Parameter(_Strict):
    """A named tunable value: conditions and measures read it as params.NAME, never a number written inline."""

    value: ParamValue = Field(
        description="a number, a percentage such as 75% (read as the share 0.75), true or false, or text"
    )
    description: str = Field(default="", description="what the value means, in words a tuner reads")
    source: str = Field(default="", description="where the value comes from in policy, in words")
    # Written as a percentage ("75%"): reasons in words show it as one ("75 %"), not as 0.75.
    _percent: bool = PrivateAttr(default=False)

    @field_validator("value", mode="before")
    @classmethod
    def _percent_value(cls, value: object) -> object:
        # "75%" reads as a share, as in conditions: 0.75, kept exact by way of its decimal text.
        if isinstance(value, str) and (match := PERCENT.match(value)):
            return float(Decimal(match.group(1)) / 100)
        return value

    @model_validator(mode="wrap")
    @classmethod
    def _remember_percent(cls, data: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        model = handler(data)
        if isinstance(data, dict) and isinstance(data.get("value"), str) and PERCENT.match(data["value"]):
            model._percent = True
        return model

    @property
    def percent(self) -> bool:
        """Whether the value was written as a percentage."""
        return self._percent


class Table(_Strict):
    """Reference data joined onto an input fact type by one of its fields."""

    key: str = Field(pattern=IDENT, description="the field of the fact that is looked up in rows")
    label: str = Field(default="", description="what a row is called in messages, e.g. 'KLOE'")
    unlisted_need: list[str] = Field(
        default_factory=list,
        description="a fact whose key is not in rows is allowed if the evidence gives these fields itself; "
        "with none listed, a key not in rows is an evidence error",
    )
    rows: dict[str, dict[str, ParamValue]] = Field(
        min_length=1, description="key -> the fields a fact with that key gets, e.g. '1.1': {theme: managing_finances}"
    )


class Measure(_Strict):
    """A value derived from facts: an aggregate per group (``from`` + ``group_by``), or one value per fact (``per``).

    A grouped measure derives one new fact per group.  A per-fact measure derives one value for each fact of
    its ``per`` type (where ``when`` holds); measures per the same type may share ``into``, each adding its
    own ``field``, so a rule per that type reads them together as ``into.field``.
    """

    id: str = Field(
        pattern=IDENT,
        description="the measure's id, unique among all rules and measures in the folder; the trail cites it",
    )
    description: str = Field(min_length=1, description="what it derives, in words, for people and the audit trail")
    source: str = Field(min_length=1, description="the policy it encodes, in words; the audit trail shows it")
    from_: str | None = Field(
        default=None, alias="from", pattern=IDENT, description="the fact type aggregated, for a grouped measure"
    )
    group_by: list[str] = Field(
        default_factory=list, description="the fields of the 'from' facts that make a group, e.g. [body, theme]"
    )
    per: str | None = Field(
        default=None, pattern=IDENT, description="the fact type given one value each, for a per-fact measure"
    )
    when: str | None = Field(
        default=None,
        min_length=1,
        description="for a per-fact measure: a condition on the subject; only subjects for which it holds get a value",
    )
    value: str = Field(
        min_length=1, description="the expression computed for each group or subject, e.g. 'min(kloe.score)'"
    )
    if_unknown: ParamValue | None = Field(
        default=None, description="the value to take when the evidence the value needs is missing"
    )
    into: str = Field(
        pattern=IDENT,
        description="the new fact type that holds the value (for a per-fact measure, the subject's companion); "
        "rules read it as into.field",
    )
    field: str = Field(default="value", pattern=IDENT, description="the field of 'into' that holds the value")


class Classification(_Strict):
    """A label rules give each fact of one type, settled like a score: priority, then file order."""

    per: str = Field(pattern=IDENT, description="the fact type labelled, e.g. 'indicator'")
    description: str = Field(min_length=1, description="what the label says about a fact")
    labels: list[str] = Field(
        min_length=1, description="every label a rule may give, e.g. [improved, stable, declined]"
    )


class FlagEffect(_Strict):
    """A flag a rule raises on its subject."""

    kind: str = Field(pattern=IDENT, description="what kind of flag, e.g. 'honourable_failure'")
    colour: Literal["red", "green"] | None = Field(
        default=None, description="red for a significant concern, green for exceptional success"
    )
    reason: str = Field(min_length=1, description="why, in words; may name values and parameters in braces")


class NoteEffect(_Strict):
    """A note a rule adds to its subject's judgement."""

    kind: str = Field(pattern=IDENT, description="what kind of note, e.g. 'reassess_next_year'")
    text: str = Field(min_length=1, description="the note, in words; may name values and parameters in braces")


class Effects(_Strict):
    """What a rule does when its condition holds: any of a score, a cap, labels, a flag and a note."""

    score: StrictInt | None = Field(
        default=None, description="the element's score for the subject, one on the scale; only in a rule per the scope"
    )
    cap: StrictInt | str | None = Field(
        default=None, description="the highest score this subject may have: a score, or params.NAME holding one"
    )

    @field_validator("cap")
    @classmethod
    def _cap_is_a_score_or_a_parameter(cls, value: object) -> object:
        if isinstance(value, str) and not re.match(r"^params\.[a-z][a-z0-9_]*$", value):
            raise ValueError("a cap is a score such as 2, or a parameter written params.NAME")
        return value

    classify: dict[str, str] | None = Field(default=None, description="classification name -> label")
    flag: FlagEffect | None = Field(default=None, description="a flag to raise on the subject")
    note: NoteEffect | None = Field(default=None, description="a note to add to the subject's judgement")


class Rule(_Strict):
    """One rule: for each fact of its 'per' type for which 'when' holds, 'then' takes effect."""

    id: str = Field(
        pattern=IDENT, description="the rule's id, unique among all rules and measures in the folder; results cite it"
    )
    description: str = Field(
        min_length=1, description="what it decides, in words: the reason a reader is given; may name values in braces"
    )
    source: str = Field(min_length=1, description="the policy it encodes, in words; the audit trail shows it")
    per: str = Field(
        pattern=IDENT, description="the fact type it is tried on, once for each such fact, e.g. 'body', 'kloe', 'area'"
    )
    priority: StrictInt = Field(
        default=0,
        description="between rules giving one subject a score (or a label of one classification): the highest "
        "wins, then the earliest in the file; flags and notes all stand",
    )
    when: str | StrictBool = Field(description="the condition, e.g. 'min(theme.score) >= params.well_floor', or true")
    then: Effects = Field(description="what it does when the condition holds")
    short_of: list[str] | None = Field(
        default=None,
        description="for a rule that gives a score: what to say when a subject does not reach it, one text for "
        "each part of 'when' joined by 'and' (in order); only the texts of the parts that do not hold are said. "
        "Texts may name values and parameters in braces, as descriptions may",
    )


class PeriodRange(_Strict):
    """The periods a rule set is in force for, both ends included; an end left out is open."""

    from_: Period | None = Field(default=None, alias="from", description="the first period, e.g. '2008/09'")
    until: Period | None = Field(default=None, description="the last period, e.g. '2009/10'")


def _periods_form(value: Any) -> str | None:
    return "list" if isinstance(value, list) else ("dict" if isinstance(value, dict) else None)


# A list of periods, or from/until: told apart by the value's shape, so a mistake gets one message, not one per form.
PeriodsSpec = Annotated[
    Union[Annotated[list[Period], Tag("list")], Annotated[PeriodRange, Tag("dict")]],
    Discriminator(
        _periods_form,
        custom_error_type="periods_form",
        custom_error_message="must be a list such as [2007/08], or 'from:' and 'until:' lines",
    ),
]


class RuleSetFile(_Strict):
    """One rule file: a rule set judging one CAA element (or reference data), its parameters, measures and rules."""

    ruleset: str = Field(pattern=IDENT, description="the rule set's id")
    element: str | None = Field(
        default=None, pattern=IDENT, description="the CAA element it judges; none for a file of reference data"
    )
    version: str = Field(min_length=1, description="the rule set's version, quoted, e.g. '2009.1'; results cite it")
    title: str = Field(min_length=1, description="the rule set's name in reports")
    description: str = Field(default="", description="what it judges and how, in a few sentences")
    periods: PeriodsSpec | None = Field(
        default=None,
        description="the assessment periods it is in force for: a list such as ['2007/08'], or 'from:' and "
        "'until:' (each included, each optional); left out, in force for every period",
    )
    scope: Literal["area", "body"] = Field(
        default="area", description="whether it judges the area as a whole or each body in it"
    )
    combines: list[str] = Field(
        default_factory=list, description="elements whose judgements this rule set reads as 'element' facts"
    )
    citations: list[Citation] = Field(default_factory=list, description="the policy sources its rules cite")
    scale: dict[int, str] = Field(
        default_factory=dict, description="score -> label, e.g. 3: performing well; none for reference data"
    )
    parameters: dict[str, Parameter] = Field(
        default_factory=dict, description="name -> parameter: every tunable number, read as params.NAME"
    )
    tables: dict[str, Table] = Field(
        default_factory=dict, description="fact type -> reference data joined onto facts of that type"
    )
    classifications: dict[str, Classification] = Field(
        default_factory=dict, description="name -> a label that rules give each fact of one type"
    )
    measures: list[Measure] = Field(default_factory=list, description="values derived from facts, in order")
    rules: list[Rule] = Field(default_factory=list, description="the rules, in file order (which breaks ties)")

    @field_validator("version", mode="before")
    @classmethod
    def _version_is_text(cls, value: object) -> object:
        # Unquoted, YAML has already read "version: 2009.10" as the number 2009.1: what was written is lost, so
        # no number is taken as a version, even one that would read back as written.  Worded by the loader,
        # which knows the text on the line.
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            raise PydanticCustomError("version_as_number", "a version is text, not a number")
        return value
