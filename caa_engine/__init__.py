"""caa-engine: Comprehensive Area Assessment judgements from YAML rules, with an audit trail.

The public API is what ``__all__`` lists; everything else is internal.  Each name is imported from its
module when first used, so ``import caa_engine.cli`` starts quickly and a Ctrl-C during the command's
imports is caught by the command itself (it says "caa: interrupted", never a traceback).
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .audit.coverage import Coverage, Gap
    from .compile import Plan
    from .engine import BACKENDS, Engine, __version__, assess, load_rules
    from .errors import CaaError, EngineError, EvidenceError, Issue, Location, RuleError
    from .evidence.model import (
        Area,
        Benchmarks,
        Body,
        DirectionOfTravel,
        EvidenceBundle,
        Indicator,
        IndicatorSet,
        Innovation,
        KloeAssessment,
        Milestone,
        Outcome,
        RiskAssessment,
        RiskEntry,
        SelfAssessment,
        UseOfResources,
    )
    from .result import ElementResult, Finding, FlagResult, Judgement, NoteResult, Result

__all__ = [
    "assess",
    "load_rules",
    "Engine",
    "Plan",
    "BACKENDS",
    "__version__",
    "Result",
    "ElementResult",
    "Judgement",
    "FlagResult",
    "NoteResult",
    "Finding",
    "Coverage",
    "Gap",
    "EvidenceBundle",
    "Area",
    "Body",
    "UseOfResources",
    "KloeAssessment",
    "IndicatorSet",
    "Indicator",
    "Benchmarks",
    "DirectionOfTravel",
    "Milestone",
    "RiskAssessment",
    "Outcome",
    "Innovation",
    "RiskEntry",
    "SelfAssessment",
    "CaaError",
    "RuleError",
    "EvidenceError",
    "EngineError",
    "Issue",
    "Location",
]

_HOMES = {
    "Coverage": ".audit.coverage",
    "Gap": ".audit.coverage",
    "Plan": ".compile",
    "BACKENDS": ".engine",
    "Engine": ".engine",
    "__version__": ".engine",
    "assess": ".engine",
    "load_rules": ".engine",
    "CaaError": ".errors",
    "EngineError": ".errors",
    "EvidenceError": ".errors",
    "Issue": ".errors",
    "Location": ".errors",
    "RuleError": ".errors",
    "Area": ".evidence.model",
    "Benchmarks": ".evidence.model",
    "Body": ".evidence.model",
    "DirectionOfTravel": ".evidence.model",
    "EvidenceBundle": ".evidence.model",
    "Indicator": ".evidence.model",
    "IndicatorSet": ".evidence.model",
    "Innovation": ".evidence.model",
    "KloeAssessment": ".evidence.model",
    "Milestone": ".evidence.model",
    "Outcome": ".evidence.model",
    "RiskAssessment": ".evidence.model",
    "RiskEntry": ".evidence.model",
    "SelfAssessment": ".evidence.model",
    "UseOfResources": ".evidence.model",
    "ElementResult": ".result",
    "Finding": ".result",
    "FlagResult": ".result",
    "Judgement": ".result",
    "NoteResult": ".result",
    "Result": ".result",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'caa_engine' has no attribute '{name}'")
    value = getattr(import_module(home, __name__), name)
    globals()[name] = value  # found once; later lookups never come here
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
