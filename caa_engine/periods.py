"""Assessment periods: the text ``2008/09`` (the year April 2008 to March 2009), read, checked and ordered.

A period is written ``YYYY/YY``, the second year the one after the first (``2008/09``, ``1999/00``); it is
ordered by its first year.  Rule files date themselves with ``periods:`` (a list of periods, or ``from:`` and
``until:``, each end inclusive and optional), and evidence bundles name theirs with ``period:``: both use the
:data:`Period` type here, so the same mistake gets the same words in either.  Which rule sets are in force
for a period, and which period a bundle is for, is :mod:`caa_engine.dated`.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, StrictStr, WithJsonSchema
from pydantic.json_schema import JsonDict
from pydantic_core import PydanticCustomError

__all__ = [
    "Period",
    "PERIOD_PATTERN",
    "PERIOD_JSON_SCHEMA",
    "SECTION_PERIOD_JSON_SCHEMA",
    "period_year",
    "period_text",
    "span_text",
]

# Matched whole (fullmatch): with match, '$' also matched before a final newline, and '2008/09\n' was a period.
PERIOD_PATTERN = re.compile(r"([0-9]{4})/([0-9]{2})")


def period_year(text: str) -> int | None:
    """The first year of a well-written period (``2008/09`` -> 2008), or None."""
    match = PERIOD_PATTERN.fullmatch(text)
    if match is None:
        return None
    year = int(match.group(1))
    return year if (year + 1) % 100 == int(match.group(2)) else None


def period_text(year: int) -> str:
    """The period that starts in ``year`` (2008 -> ``2008/09``)."""
    return f"{year}/{(year + 1) % 100:02d}"


def span_text(first: int | None, last: int | None) -> str:
    """A run of periods in words: ``2007/08``, ``2007/08 to 2009/10``, ``2008/09 onwards``, ``up to 2007/08``."""
    if first is None and last is None:
        return "every period"
    if first is None:
        return f"up to {period_text(last)}"  # type: ignore[arg-type]
    if last is None:
        return f"{period_text(first)} onwards"
    return period_text(first) if first == last else f"{period_text(first)} to {period_text(last)}"


def _check(text: str) -> str:
    if period_year(text) is None:
        match = PERIOD_PATTERN.fullmatch(text)
        why = (
            f"'{text[:40]}' is not a period: {match.group(2)} is not the year after {match.group(1)}"
            if match
            else f"'{text[:40]}' is not a period written YYYY/YY"
        )
        # The loaders word a custom error as 'NAME: message' with a general hint: say the fix here too.
        raise PydanticCustomError("period", why + ", e.g. 2008/09 (April 2008 to March 2009)")
    return text


# For editors (the committed JSON Schemas): the same periods as a JSON Schema pattern.  A pattern cannot add one
# to a year, so the hundred endings a period may have ('00/01' … '99/00') are spelled out: an editor then flags
# '2008/10' as the loader does, not only '2008' and '2008/2009'.  Only the schema says it: the loader's own
# checks (and their located messages) are _check's.
_ENDINGS = "|".join(f"{year:02d}/{(year + 1) % 100:02d}" for year in range(100))
_PERIOD_MESSAGE = "a period is written YYYY/YY, the second year the one after the first, e.g. 2008/09"
# 'patternErrorMessage' is the VS Code YAML extension's (and VS Code's JSON) message for a pattern not matched;
# other validators ignore it.
PERIOD_JSON_SCHEMA: JsonDict = {
    "type": "string",
    "pattern": f"^[0-9]{{2}}(?:{_ENDINGS})$",
    "patternErrorMessage": _PERIOD_MESSAGE,
}
# A section's period (the use-of-resources assessments', the indicator set's) may also be '' (not named).
SECTION_PERIOD_JSON_SCHEMA: JsonDict = {
    "pattern": f"^(?:[0-9]{{2}}(?:{_ENDINGS}))?$",
    "patternErrorMessage": _PERIOD_MESSAGE + " (or left out)",
}

Period = Annotated[StrictStr, AfterValidator(_check), WithJsonSchema(PERIOD_JSON_SCHEMA)]
