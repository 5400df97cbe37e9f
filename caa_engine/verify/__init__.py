"""Verifying rule folders: gaps, clashes, rules that never win and non-monotone bands, each with a witness the
engine confirms; and the evidence on which two rule folders judge differently (docs/verify.md)."""

from .core import (
    CompareReport,
    DatedCompareReport,
    DatedVerifyReport,
    Difference,
    Finding,
    VerifyReport,
    compare_plans,
    compare_rules,
    verify_plan,
    verify_rules,
)

__all__ = [
    "verify_plan",
    "verify_rules",
    "compare_plans",
    "compare_rules",
    "VerifyReport",
    "DatedVerifyReport",
    "CompareReport",
    "DatedCompareReport",
    "Finding",
    "Difference",
]
