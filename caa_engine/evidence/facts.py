"""The fact types the evidence provides, before any rule file adds to them.

These are the names a rule condition can read straight from a bundle:
``area.*``, ``body.*``, ``kloe.*``, ``indicator.*``, ``milestone.*``,
``outcome.*``, ``risk.*`` and ``self_assessment.*``.  Rule files may join
reference tables onto them (``tables:``) and derive new types (``measures:``,
``classifications:``).  A field declared a reference (``refers``) is named after
the fact type whose id it holds (``kloe.body``, ``outcome.risk``), so rules can
read through it.
"""

from __future__ import annotations

from ..facts import FactType, FieldSpec

__all__ = ["INPUT_FACT_TYPES", "BODY_KINDS"]

# The evidence's vocabulary of body kinds. Which of them are councils is policy: the rules' table for
# 'body' (rules/bodies.yaml) gives each kind its `council` column.
BODY_KINDS = (
    "county",
    "district",
    "unitary",
    "metropolitan",
    "london_borough",
    "police",
    "fire_and_rescue",
    "primary_care_trust",
    "other",
)

INPUT_FACT_TYPES: dict[str, FactType] = {
    "area": FactType(
        "area",
        {"name": FieldSpec("str", description="the area's name")},
        "the local area being assessed (one per bundle)",
    ),
    "body": FactType(
        "body",
        {
            "name": FieldSpec("str"),
            "kind": FieldSpec("str", description="one of " + ", ".join(BODY_KINDS), values=BODY_KINDS),
            "lead": FieldSpec("bool", description="true for the area's lead council (the county in a two-tier area)"),
        },
        "a public body in the area",
    ),
    "kloe": FactType(
        "kloe",
        {
            "body": FieldSpec("str", refers="body"),
            "code": FieldSpec("str", description="the key line of enquiry, e.g. '1.2'"),
            "score": FieldSpec("int", description="the appointed auditor's score, 1 to 4"),
        },
        "one assessed key line of enquiry of a body's use of resources",
    ),
    "indicator": FactType(
        "indicator",
        {
            "body": FieldSpec("str", description="the body responsible for it", refers="body"),
            "code": FieldSpec("str", description="e.g. 'NI 192'"),
            "title": FieldSpec("str", nullable=True),
            "polarity": FieldSpec(
                "str",
                nullable=True,
                description="'higher' or 'lower': which way is better; 'none' for a contextual measure",
                values=("higher", "lower", "none"),
            ),
            "unit": FieldSpec("str", nullable=True),
            "value": FieldSpec("number", description="this year's value"),
            "target": FieldSpec("number", nullable=True, description="the LAA target, if any"),
            "previous": FieldSpec("number", nullable=True, description="last year's value, if known"),
            "lower_quartile": FieldSpec("number", nullable=True, description="national benchmark, if given"),
            "median": FieldSpec("number", nullable=True, description="national benchmark, if given"),
            "upper_quartile": FieldSpec("number", nullable=True, description="national benchmark, if given"),
        },
        "one National Indicator's value for the year",
    ),
    "indicator_history": FactType(
        "indicator_history",
        {
            "body": FieldSpec("str", description="the body responsible for the indicator", refers="body"),
            "code": FieldSpec("str", description="the indicator's code, e.g. 'NI 192'"),
            "period": FieldSpec("str", description="the earlier period, e.g. '2007/08'"),
            "periods_ago": FieldSpec("int", description="1 for the period just before the bundle's, 2 before that…"),
            "value": FieldSpec("number", description="the indicator's value in that period"),
            "previous": FieldSpec("number", nullable=True, description="its value in the period before, if given"),
        },
        "one earlier value of an indicator, from its 'history'",
    ),
    "milestone": FactType(
        "milestone",
        {
            "body": FieldSpec("str", refers="body"),
            "title": FieldSpec("str"),
            "delivered": FieldSpec("bool", description="whether it was delivered as planned"),
        },
        "one milestone of a council's improvement plan",
    ),
    "outcome": FactType(
        "outcome",
        {
            "body": FieldSpec("str", description="the body that owns it", refers="body"),
            "kind": FieldSpec(
                "str",
                description="'priority' for a priority outcome, 'innovation' for an innovation",
                values=("priority", "innovation"),
            ),
            "title": FieldSpec("str"),
            "status": FieldSpec(
                "str",
                description="on_track, at_risk, failed or exceeded (innovations: in_progress, succeeded, failed)",
                values=("on_track", "at_risk", "failed", "exceeded", "in_progress", "succeeded"),
            ),
            "vulnerable": FieldSpec("bool", description="whether it concerns vulnerable people or safeguarding"),
            "known_issue": FieldSpec("bool", description="whether the problem is known (innovations: false)"),
            "action_in_place": FieldSpec("bool", description="whether action is in place (innovations: false)"),
            "learning_shared": FieldSpec("bool", description="whether its learning was shared (outcomes: false)"),
            "fraud_found": FieldSpec("bool"),
            "negligence_found": FieldSpec("bool"),
            "started_on": FieldSpec("date", nullable=True, description="when the initiative started"),
            "risk": FieldSpec(
                "str", nullable=True, description="the id of its risk-register entry, if any", refers="risk"
            ),
        },
        "a priority outcome of the area, or an innovation",
    ),
    "risk": FactType(
        "risk",
        {
            "title": FieldSpec("str"),
            "recorded_on": FieldSpec("date", description="when the risk was recorded in the register"),
            "mitigations": FieldSpec("int", description="how many mitigations were recorded"),
            "contingency": FieldSpec("bool", description="whether a contingency plan was recorded"),
            "exposure": FieldSpec(
                "str",
                description="pilot, staged, capped_cost or open",
                values=("pilot", "staged", "capped_cost", "open"),
            ),
            "appetite_approved_by": FieldSpec(
                "str", nullable=True, description="cabinet or board, if approved", values=("cabinet", "board")
            ),
            "early_warning_indicators": FieldSpec("int", description="how many early-warning indicators were set"),
            "monitoring_acted_on": FieldSpec("bool"),
            "lessons_captured": FieldSpec("bool"),
            "lessons_shared": FieldSpec("bool"),
        },
        "one entry of the area's risk register",
    ),
    "self_assessment": FactType(
        "self_assessment",
        {
            "body": FieldSpec("str", refers="body"),
            "element": FieldSpec("str", description="the element the body scored itself on"),
            "score": FieldSpec("int", description="the body's own score, 1 to 4"),
        },
        "a body's own score for one element",
    ),
}
