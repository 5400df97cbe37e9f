"""caa-engine: Comprehensive Area Assessment judgements from YAML rules, with an audit trail.

The public API is what ``__all__`` lists; everything else is internal.
"""

from .audit.coverage import Coverage, Gap
from .compile import Plan
from .engine import BACKENDS, Engine, __version__, assess, load_rules
from .errors import CaaError, EngineError, EvidenceError, Issue, Location, RuleError
from .evidence.model import EvidenceBundle
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
    "CaaError",
    "RuleError",
    "EvidenceError",
    "EngineError",
    "Issue",
    "Location",
]
