"""Steps about the assessment period a scenario's evidence is for (issue 15): dated rules judge each bundle by
the rules in force for its period.

The area (:class:`caa_engine.scenarios.area.Area`) names the period in its use-of-resources assessments and its
indicator set, and reads theme names and thresholds from the rules in force for it.
"""

from __future__ import annotations

from pytest_bdd import given, parsers

from caa_engine.periods import period_year

from .area import Area

# --------------------------------------------------------------------------------------------------
# The assessment period
# --------------------------------------------------------------------------------------------------


@given(parsers.re(r"the assessment period is (?P<period>\S+)$"))
def given_assessment_period(area: Area, period: str) -> None:
    """Given the assessment period is <YYYY/YY>: the evidence is for that period (April to March), and the rules
    in force for it judge it; without this step, 2008/09."""
    year = period_year(period)
    if year is None:
        raise ValueError(
            f"write the period as YYYY/YY, the second year the one after the first (2007/08), not '{period}'"
        )
    # Said here, at the step that names the period: otherwise the next step read theme names and thresholds
    # from the current rules and failed on a theme they lack, blaming the scenario's KLOE table.
    dated = area.engine.plan.dated
    if dated is not None and dated.span_for(year).plan is None:
        raise ValueError(
            f"the rules under test have no rule set in force for {period}: they cover {dated.covered} (a rule "
            "file says the periods it is in force for with 'periods:')"
        )
    area.period = period
