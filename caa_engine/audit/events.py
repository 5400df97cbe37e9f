"""The audit trail: one event per measure computed and per rule fired.

Events are the product: the result's judgements, flags and notes, the
explanation, and rule coverage are all views over this one stream.
"""

from __future__ import annotations

import json
from datetime import date
from fractions import Fraction
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, SerializerFunctionWrapHandler, model_serializer

__all__ = ["EventInput", "EventParam", "AuditEvent", "EventRecord", "event_model", "plain", "spoken", "show"]

# An audit event in its JSON form: AuditEvent's fields, in order, with JSON-ready values.  The session records
# events this way (a thousand per area); the AuditEvent models are made from them only when someone asks.
EventRecord = dict[str, Any]

_M = TypeVar("_M", bound=BaseModel)


def plain(value: Any) -> Any:
    """A JSON-ready form of an exact value: Fractions become decimals rounded to 6 places, dates ISO text."""
    if isinstance(value, Fraction):
        return int(value) if value.denominator == 1 else round(float(value), 6)
    if isinstance(value, date):
        return value.isoformat()
    return value


def spoken(value: Any) -> str:
    """A value as people read it in a note, a finding or a report: yes/no, 'unknown' for a missing value,
    a fraction as at most six decimals (never an exponent), a date as YYYY-MM-DD."""
    if value is None:
        return "unknown"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (Fraction, float)):
        return f"{float(value):.6f}".rstrip("0").rstrip(".")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def show(value: Any) -> str:
    """A value as it stands in the trail: texts as they are, everything else as JSON (true, 0.75, a list)."""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


_set = object.__setattr__


def _built(cls: type[_M], values: dict[str, Any]) -> _M:
    """A model of ``cls`` holding ``values`` (every field, in declaration order), without validation.

    The session builds about a thousand events per area from values it has already checked; validating
    each again cost more than judging the area.  What ``model_construct`` does, without its per-field walk.
    """
    model = cls.__new__(cls)
    _set(model, "__dict__", values)
    _set(model, "__pydantic_fields_set__", set(values))
    _set(model, "__pydantic_extra__", None)
    _set(model, "__pydantic_private__", None)
    return model


class EventInput(BaseModel):
    """One value read: its name, value, and where it came from."""

    model_config = ConfigDict(extra="forbid")

    name: str
    value: Any
    source: str = Field(default="", description="file:line of the evidence (or rule file) the value came from")
    fact: str = Field(default="", description="the id of the fact read")
    facts: list[str] = Field(default_factory=list, description="for an aggregate, the facts it counted")
    among: list[str] = Field(
        default_factory=list,
        description="for a share, the facts it was taken over (those whose condition is known); "
        "left out of the JSON for every other input",
    )

    def __init__(
        self,
        name: str,
        value: Any,
        source: str = "",
        fact: str = "",
        facts: list[str] | None = None,
        among: list[str] | None = None,
        **extra: Any,
    ):
        super().__init__(
            name=name, value=value, source=source, fact=fact, facts=facts or [], among=among or [], **extra
        )

    @classmethod
    def of(cls, name: str, value: Any, source: str, fact: str, facts: list[str], among: list[str]) -> EventInput:
        """An input from values the session has checked (no validation)."""
        return _built(
            cls, {"name": name, "value": value, "source": source, "fact": fact, "facts": facts, "among": among}
        )

    @model_serializer(mode="wrap")
    def _without_empty_among(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        data: dict[str, Any] = handler(self)
        if not data.get("among"):
            data.pop("among", None)
        return data


class EventParam(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    value: Any
    source: str

    def __init__(self, name: str, value: Any, source: str, **extra: Any):
        super().__init__(name=name, value=value, source=source, **extra)

    @classmethod
    def of(cls, name: str, value: Any, source: str) -> EventParam:
        """A parameter from values the session has checked (no validation)."""
        return _built(cls, {"name": name, "value": value, "source": source})


class AuditEvent(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["measure", "rule"]
    id: str = Field(description="the rule or measure id")
    ruleset: str
    element: str
    source: dict[str, Any] = Field(description="file and line of the rule or measure")
    description: str = Field(description="what the rule or measure says, in the rule file's words")
    expression: str = Field(description="the condition (rule) or value (measure) as written in the rule file")
    citation: str = Field(description="the policy source the rule cites")
    subject: str = Field(description="the fact the rule ran on, or the fact the measure derived")
    body: str | None = None
    priority: int | None = None
    inputs: list[EventInput]
    params: list[EventParam]
    effect: dict[str, Any]
    status: Literal["applied", "overridden"]
    overridden_by: str | None = None

    @classmethod
    def of(cls, **values: Any) -> AuditEvent:
        """An event from values the session has checked (no validation); every field but
        ``overridden_by`` must be given, in declaration order."""
        values.setdefault("overridden_by", None)
        return _built(cls, values)


def event_model(record: EventRecord) -> AuditEvent:
    """The AuditEvent model of an event recorded in its JSON form (its own copies of every list and dict)."""
    values = dict(record)
    values["source"] = dict(record["source"])
    values["inputs"] = [
        EventInput.of(i["name"], i["value"], i["source"], i["fact"], list(i["facts"]), list(i.get("among", ())))
        for i in record["inputs"]
    ]
    values["params"] = [EventParam.of(p["name"], p["value"], p["source"]) for p in record["params"]]
    values["effect"] = {key: dict(v) if isinstance(v, dict) else v for key, v in record["effect"].items()}
    return AuditEvent.of(**values)
