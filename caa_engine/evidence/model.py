"""The evidence bundle: everything known about one area, as a pydantic model.

A bundle names the area and its bodies (a two-tier area has a county and its
districts) and carries one section per CAA element.  Unknown keys are errors:
a misspelled section must never be silently ignored.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt

from .facts import BODY_KINDS

__all__ = ["Area", "Body", "KloeAssessment", "UseOfResources", "EvidenceBundle", "SLUG", "MAX_ID", "MAX_NAME"]

SLUG = r"^[a-z0-9][a-z0-9_-]*$"
BodyKind = Literal[BODY_KINDS]  # type: ignore[valid-type]
Score = Annotated[StrictInt, Field(ge=1, le=4)]
# Ids and names travel in facts to the backends, and durable-rules compares text of at most 32,000
# bytes: far more than any real id or name, but a bound, so a runaway value is refused here, located.
MAX_ID = 100
MAX_NAME = 1000


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Area(_Strict):
    id: str = Field(pattern=SLUG, max_length=MAX_ID, description="a short stable id, e.g. 'cheltenham'")
    name: str = Field(min_length=1, max_length=MAX_NAME)
    tier: Literal["single", "two"] = Field(default="single", description="'two' for a county with district councils")


class Body(_Strict):
    id: str = Field(pattern=SLUG, max_length=MAX_ID, description="a short stable id, e.g. 'cheltenham-bc'")
    name: str = Field(min_length=1, max_length=MAX_NAME)
    kind: BodyKind = Field(description="what kind of public body it is")
    lead: StrictBool = Field(default=False, description="the area's lead council (the county in a two-tier area)")


class KloeAssessment(_Strict):
    """The appointed auditor's use-of-resources scores for one body."""

    body: str = Field(description="the id of a body listed under 'bodies'")
    period: str = Field(default="", description="the assessment year, e.g. '2008/09'")
    kloes: dict[str, Score] = Field(
        min_length=1,
        description="score 1-4 per assessed key line of enquiry, e.g. '1.1': 3; leave out unassessed KLOEs",
    )


class UseOfResources(_Strict):
    assessments: list[KloeAssessment] = Field(default_factory=list)


class EvidenceBundle(_Strict):
    """One area's evidence."""

    area: Area
    bodies: list[Body] = Field(min_length=1)
    use_of_resources: UseOfResources | None = None
