"""Verifying rule folders: gaps, clashes, rules that never win and non-monotone bands, each with a witness the
engine confirms; and the evidence on which two rule folders judge differently (docs/verify.md)."""

from .core import CompareReport, Difference, Finding, VerifyReport, compare_plans, verify_plan

__all__ = ["verify_plan", "compare_plans", "VerifyReport", "CompareReport", "Finding", "Difference"]
