"""The fact types the evidence provides, before any rule file adds to them.

These are the names a rule condition can read straight from a bundle:
``area.*``, ``body.*`` and ``kloe.*``.  Rule files may join reference tables
onto them (``tables:``) and derive new types (``measures:``).
"""

from __future__ import annotations

from ..facts import FactType, FieldSpec

__all__ = ["INPUT_FACT_TYPES", "BODY_KINDS", "COUNCIL_KINDS"]

COUNCIL_KINDS = ("county", "district", "unitary", "metropolitan", "london_borough")
BODY_KINDS = (*COUNCIL_KINDS, "police", "fire_and_rescue", "primary_care_trust", "other")

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
            "kind": FieldSpec("str", description="one of " + ", ".join(BODY_KINDS)),
            "council": FieldSpec(
                "bool", description="true for county, district, unitary, metropolitan and London borough councils"
            ),
            "lead": FieldSpec("bool", description="true for the area's lead council (the county in a two-tier area)"),
        },
        "a public body in the area",
    ),
    "kloe": FactType(
        "kloe",
        {
            "body": FieldSpec("str"),
            "code": FieldSpec("str", description="the key line of enquiry, e.g. '1.2'"),
            "score": FieldSpec("int", description="the appointed auditor's score, 1 to 4"),
        },
        "one assessed key line of enquiry of a body's use of resources",
    ),
}
