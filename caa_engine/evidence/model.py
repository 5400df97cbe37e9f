"""The evidence bundle: everything known about one area, as a pydantic model.

A bundle names the area and its bodies (a two-tier area has a county and its
districts) and carries one section per CAA element.  Unknown keys are errors:
a misspelled section must never be silently ignored.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any, Literal, Union

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
)
from pydantic_core import PydanticCustomError

from ..periods import SECTION_PERIOD_JSON_SCHEMA, Period
from .facts import BODY_KINDS

__all__ = [
    "Area",
    "Body",
    "KloeAssessment",
    "UseOfResources",
    "Benchmarks",
    "Indicator",
    "IndicatorSet",
    "Milestone",
    "DirectionOfTravel",
    "Outcome",
    "Innovation",
    "RiskEntry",
    "RiskAssessment",
    "SelfAssessment",
    "EvidenceBundle",
    "SLUG",
    "MAX_ID",
    "MAX_NAME",
]

SLUG = r"^[a-z0-9][a-z0-9_-]*$"
INDICATOR_CODE = r"^[A-Z]{1,6} [0-9]{1,4}[a-z]?$"  # 'NI 192', 'LPI 12' (the loader words its errors by it)
BodyKind = Literal[BODY_KINDS]  # type: ignore[valid-type]
Score = Annotated[StrictInt, Field(ge=1, le=4)]
Number = Union[StrictInt, Annotated[StrictFloat, Field(allow_inf_nan=False)]]


def _not_blank(value: str) -> str:
    if value and not value.strip():
        raise PydanticCustomError("blank_text", "only spaces")  # worded by the loader, which knows the field
    return value


def _date_as_written(value: Any) -> Any:
    """A date is a date (2008-04-01, in quotes or not), never a number: pydantic would read 0, "86400" or
    1199145600000 as seconds (or milliseconds) since 1970, and a date-and-time is not a date."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str) and re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
        return value  # pydantic reads it, and refuses a day that does not exist
    raise PydanticCustomError("date_type", "not a date")  # worded by the loader


# Text that says something: empty and whitespace-only texts are refused (' ' is not a mitigation).
Text = Annotated[StrictStr, Field(min_length=1, max_length=1000), AfterValidator(_not_blank)]
Date = Annotated[date, BeforeValidator(_date_as_written)]
# Ids and names travel in facts to the backends, and durable-rules compares text of at most 32,000
# bytes: far more than any real id or name, but a bound, so a runaway value is refused here, located.
MAX_ID = 100
MAX_NAME = 1000
Name = Annotated[str, Field(min_length=1, max_length=MAX_NAME), AfterValidator(_not_blank)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Area(_Strict):
    """The local area assessed."""

    id: str = Field(pattern=SLUG, max_length=MAX_ID, description="a short stable id, e.g. 'cheltenham'")
    name: Name = Field(description="the area's name in reports, e.g. 'Cheltenham'")
    tier: Literal["single", "two"] = Field(default="single", description="'two' for a county with district councils")


class Body(_Strict):
    """One public body of the area: a council, police, fire and rescue, a primary care trust, or another."""

    id: str = Field(pattern=SLUG, max_length=MAX_ID, description="a short stable id, e.g. 'cheltenham-bc'")
    name: Name = Field(description="the body's name in reports, e.g. 'Cheltenham Borough Council'")
    kind: BodyKind = Field(description="what kind of public body it is")
    lead: StrictBool = Field(default=False, description="the area's lead council (the county in a two-tier area)")


class KloeAssessment(_Strict):
    """The appointed auditor's use-of-resources scores for one body."""

    body: str = Field(description="the id of a body listed under 'bodies'")
    period: str = Field(
        default="", description="the assessment year, e.g. '2008/09'", json_schema_extra=SECTION_PERIOD_JSON_SCHEMA
    )
    kloes: dict[str, Score] = Field(
        min_length=1,
        description="score 1-4 per assessed key line of enquiry, e.g. '1.1': 3; leave out unassessed KLOEs",
    )


class UseOfResources(_Strict):
    """The use-of-resources section: the auditor's KLOE scores, one assessment per body."""

    assessments: list[KloeAssessment] = Field(default_factory=list, description="one per body assessed")


class Benchmarks(_Strict):
    """National quartile values for an indicator, as published for the year."""

    lower_quartile: Number = Field(description="the national lower quartile")
    median: Number = Field(description="the national median")
    upper_quartile: Number = Field(description="the national upper quartile")


class Indicator(_Strict):
    """One National Indicator's value for the year, with what it is judged against."""

    code: str = Field(
        pattern=INDICATOR_CODE,
        max_length=MAX_ID,
        description="the indicator's code, e.g. 'NI 192'; a local indicator may use its own prefix, e.g. 'LPI 12'",
    )
    body: str = Field(description="the id of the body responsible for it, listed under 'bodies'")
    value: Number = Field(description="this year's value")
    target: Number | None = Field(default=None, description="the Local Area Agreement target, if it has one")
    previous: Number | None = Field(default=None, description="last year's value, if known")
    benchmarks: Benchmarks | None = Field(default=None, description="national quartiles, if published")
    history: dict[Period, Number] | None = Field(
        default=None,
        description="its values in earlier periods, e.g. {'2006/07': 38, '2007/08': 40}: rules read them as "
        "'indicator_history' facts",
    )
    polarity: Literal["higher", "lower", "none"] | None = Field(
        default=None,
        description="whether higher or lower is better ('none': a contextual measure with no better direction): "
        "only for an indicator not in the catalogue",
    )
    title: Text | None = Field(default=None, description="what it measures: only for an indicator not in the catalogue")
    unit: Text | None = Field(default=None, description="its unit: only for an indicator not in the catalogue")


class IndicatorSet(_Strict):
    """The National Indicator Set section: the area's indicator values for the year."""

    period: str = Field(
        default="",
        description="the year the values are for, e.g. '2008/09'",
        json_schema_extra=SECTION_PERIOD_JSON_SCHEMA,
    )
    indicators: list[Indicator] = Field(default_factory=list, description="one entry per indicator and body")


class Milestone(_Strict):
    """One milestone of a council's improvement plan."""

    body: str = Field(description="the id of the council whose plan it is")
    title: Text = Field(description="what was to be delivered")
    delivered: StrictBool = Field(description="whether it was delivered as planned")


class DirectionOfTravel(_Strict):
    """The direction-of-travel section: each council's improvement-plan milestones."""

    milestones: list[Milestone] = Field(default_factory=list, description="the milestones due in the year")


class _Initiative(_Strict):
    status: str
    id: str = Field(pattern=SLUG, max_length=MAX_ID, description="a short stable id, unique in the bundle")
    title: Text = Field(description="what it is, in a few words")
    body: str = Field(description="the id of the body that owns it")
    vulnerable: StrictBool = Field(default=False, description="whether it concerns vulnerable people or safeguarding")
    started_on: Date | None = Field(default=None, description="when the initiative started")
    risk: str | None = Field(default=None, description="the id of its entry in the risk register, if it has one")
    fraud_found: StrictBool = Field(default=False, description="whether fraud was found in it")
    negligence_found: StrictBool = Field(default=False, description="whether negligence was found in it")


class Outcome(_Initiative):
    """One of the area's priority outcomes."""

    status: Literal["on_track", "at_risk", "failed", "exceeded"] = Field(description="how it stands at year end")
    known_issue: StrictBool = Field(default=False, description="whether the problem is known to the area's partners")
    action_in_place: StrictBool = Field(default=False, description="whether action to tackle it is in place")


class Innovation(_Initiative):
    """Something new the area tried."""

    status: Literal["in_progress", "succeeded", "failed"] = Field(description="how it stands at year end")
    learning_shared: StrictBool = Field(default=False, description="whether what it taught was shared beyond the area")


class RiskEntry(_Strict):
    """One entry of the area's risk register."""

    id: str = Field(pattern=SLUG, max_length=MAX_ID, description="a short stable id that outcomes and innovations cite")
    title: Text = Field(description="the risk, in a few words")
    recorded_on: Date = Field(description="when the risk was first recorded in the register")
    mitigations: list[Text] = Field(default_factory=list, description="the mitigations recorded")
    contingency: Text | None = Field(default=None, description="the contingency plan recorded, if any")
    exposure: Literal["pilot", "staged", "capped_cost", "open"] = Field(
        description="how much was put at risk: a pilot, a staged roll-out, a capped cost, or open-ended"
    )
    appetite_approved_by: Literal["cabinet", "board"] | None = Field(
        default=None, description="who approved the risk appetite, if anyone"
    )
    early_warning_indicators: list[Text] = Field(default_factory=list, description="the indicators monitored")
    monitoring_acted_on: StrictBool = Field(default=False, description="whether the monitoring was acted on")
    lessons_captured: StrictBool = Field(default=False, description="whether lessons were written down")
    lessons_shared: StrictBool = Field(default=False, description="whether lessons were shared")


class RiskAssessment(_Strict):
    """The risk-assessment section: priority outcomes, innovations, and the risk register they cite."""

    outcomes: list[Outcome] = Field(default_factory=list, description="the area's priority outcomes")
    innovations: list[Innovation] = Field(default_factory=list, description="the new things the area tried")
    risk_register: list[RiskEntry] = Field(default_factory=list, description="the entries of the risk register")


class SelfAssessment(_Strict):
    """A body's own score for one element, before the inspectorates' judgement."""

    body: str = Field(description="the id of the body that assessed itself")
    element: str = Field(pattern=r"^[a-z][a-z0-9_]*$", description="the element, e.g. 'use_of_resources'")
    score: Score = Field(description="the score 1-4 it gave itself")


class EvidenceBundle(_Strict):
    """One area's evidence for one period: the area, its bodies, and a section per CAA element."""

    area: Area = Field(description="the area assessed")
    period: Period | None = Field(
        default=None,
        description="the assessment period the evidence is for, e.g. '2008/09': dated rules judge it by the rule "
        "sets in force for it (docs/rules.md, 'periods')",
    )
    bodies: list[Body] = Field(min_length=1, description="every public body of the area, the lead council among them")
    use_of_resources: UseOfResources | None = Field(
        default=None, description="the auditor's use-of-resources KLOE scores (element 3)"
    )
    indicator_set: IndicatorSet | None = Field(default=None, description="the National Indicator values (element 1)")
    direction_of_travel: DirectionOfTravel | None = Field(
        default=None, description="the councils' improvement-plan milestones (element 2)"
    )
    risk_assessment: RiskAssessment | None = Field(
        default=None, description="priority outcomes, innovations and the risk register (element 4)"
    )
    self_assessments: list[SelfAssessment] = Field(
        default_factory=list, description="each body's own score for an element, to compare with the judgement"
    )
