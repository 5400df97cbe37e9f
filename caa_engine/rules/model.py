"""The rule-file format as pydantic models: data only, unknown keys forbidden.

One YAML file is one :class:`RuleSetFile`.  Field names here are the YAML keys
and the words used in error messages.  Cross-rule checks (names, types,
conditions) live in :mod:`caa_engine.rules.check`; this module only says what
shape a file has.
"""

from __future__ import annotations

from typing import Literal, Union

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, StrictStr, field_validator

__all__ = [
    "Citation",
    "Parameter",
    "Table",
    "Measure",
    "FlagEffect",
    "NoteEffect",
    "Effects",
    "Rule",
    "RuleSetFile",
]

IDENT = r"^[a-z][a-z0-9_]*$"
ParamValue = Union[StrictBool, StrictInt, float, StrictStr]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Citation(_Strict):
    id: str = Field(pattern=IDENT)
    text: str = Field(min_length=1)


class Parameter(_Strict):
    value: ParamValue
    description: str = ""
    source: str = ""


class Table(_Strict):
    """Reference data joined onto an input fact type by one of its fields."""

    key: str = Field(pattern=IDENT, description="the field of the fact that is looked up in rows")
    label: str = Field(default="", description="what a row is called in messages, e.g. 'KLOE'")
    rows: dict[str, dict[str, ParamValue]] = Field(min_length=1)


class Measure(_Strict):
    """An aggregation over facts, grouped, that derives one new fact per group."""

    id: str = Field(pattern=IDENT)
    description: str = Field(min_length=1)
    source: str = Field(min_length=1)
    from_: str = Field(alias="from", pattern=IDENT)
    group_by: list[str] = Field(default_factory=list)
    value: str = Field(min_length=1)
    into: str = Field(pattern=IDENT)
    field: str = Field(default="value", pattern=IDENT)


class FlagEffect(_Strict):
    kind: str = Field(pattern=IDENT)
    reason: str = Field(min_length=1)


class NoteEffect(_Strict):
    kind: str = Field(pattern=IDENT)
    text: str = Field(min_length=1)


class Effects(_Strict):
    score: StrictInt | None = None
    flag: FlagEffect | None = None
    note: NoteEffect | None = None


class Rule(_Strict):
    id: str = Field(pattern=IDENT)
    description: str = Field(min_length=1)
    source: str = Field(min_length=1)
    per: str = Field(pattern=IDENT)
    priority: StrictInt = 0
    when: str | StrictBool
    then: Effects


class RuleSetFile(_Strict):
    ruleset: str = Field(pattern=IDENT, description="the rule set's id")
    element: str = Field(pattern=IDENT, description="the CAA element it judges")
    version: str = Field(min_length=1)
    title: str = Field(min_length=1)
    description: str = ""
    scope: Literal["area", "body"]
    citations: list[Citation] = Field(default_factory=list)
    scale: dict[int, str] = Field(default_factory=dict)
    parameters: dict[str, Parameter] = Field(default_factory=dict)
    tables: dict[str, Table] = Field(default_factory=dict)
    measures: list[Measure] = Field(default_factory=list)
    rules: list[Rule] = Field(default_factory=list)

    @field_validator("version", mode="before")
    @classmethod
    def _version_text(cls, value: object) -> object:
        # "version: 2009.1" is read by YAML as a number; keep what the person wrote.
        return str(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else value
