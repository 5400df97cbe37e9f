"""Small evidence dicts for the element tests, and the few readers they share.

The tests of the shipped indicator-set, direction-of-travel, risk-assessment
and overall rules each build one tiny area: :func:`bundle` assembles it from
:func:`body`, :func:`indicator`, :func:`milestones`, :func:`outcome`,
:func:`innovation` and :func:`risk` entries.  A risk entry meets all six
honourable-failure criteria unless a test says otherwise, and it was recorded
before every outcome built here started, so each test changes one thing.
:func:`copy_rules` and :func:`edit` show that a threshold lives in YAML.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from caa_engine import Result

__all__ = [
    "ROOT",
    "AREA",
    "COUNTY",
    "LABELS",
    "STARTED_ON",
    "body",
    "bundle",
    "indicator",
    "milestones",
    "outcome",
    "innovation",
    "risk",
    "kloes_for",
    "area_judged",
    "body_judged",
    "finding",
    "flags_of",
    "copy_rules",
    "edit",
]

ROOT = Path(__file__).resolve().parent.parent
AREA = "testshire"
COUNTY = "testshire-cc"
LABELS = {4: "performing strongly", 3: "performing well", 2: "adequate", 1: "inadequate"}
STARTED_ON = "2008-04-01"
_RECORDED_ON = "2008-01-15"  # before STARTED_ON: criterion (1) is met unless a test moves it


def body(body_id: str = COUNTY, kind: str = "unitary", lead: bool = False) -> dict[str, Any]:
    return {"id": body_id, "name": body_id.replace("-", " ").title(), "kind": kind, "lead": lead}


def bundle(
    *bodies: dict[str, Any],
    indicators: list[dict[str, Any]] | None = None,
    milestones: list[dict[str, Any]] | None = None,
    outcomes: list[dict[str, Any]] | None = None,
    innovations: list[dict[str, Any]] | None = None,
    risks: list[dict[str, Any]] | None = None,
    kloes: dict[str, dict[str, int]] | None = None,
    self_assessments: list[tuple[str, str, int]] | None = None,
) -> dict[str, Any]:
    """An evidence dict for the area Testshire; a section is present only when given.

    With no bodies the area has one lead unitary council, ``testshire-cc``.
    """
    listed = list(bodies) or [body(lead=True)]
    evidence: dict[str, Any] = {
        "area": {"id": AREA, "name": "Testshire", "tier": "two" if len(listed) > 1 else "single"},
        "bodies": listed,
    }
    if indicators is not None:
        evidence["indicator_set"] = {"period": "2008/09", "indicators": indicators}
    if milestones is not None:
        evidence["direction_of_travel"] = {"milestones": milestones}
    if outcomes is not None or innovations is not None or risks is not None:
        evidence["risk_assessment"] = {
            "outcomes": outcomes or [],
            "innovations": innovations or [],
            "risk_register": risks or [],
        }
    if kloes is not None:
        evidence["use_of_resources"] = {
            "assessments": [{"body": owner, "period": "2008/09", "kloes": scores} for owner, scores in kloes.items()]
        }
    if self_assessments is not None:
        evidence["self_assessments"] = [
            {"body": owner, "element": element, "score": score} for owner, element, score in self_assessments
        ]
    return evidence


def indicator(
    code: str,
    value: float,
    *,
    owner: str = COUNTY,
    target: float | None = None,
    previous: float | None = None,
    quartiles: tuple[float, float, float] | None = None,
    polarity: str | None = "higher",
) -> dict[str, Any]:
    """One indicator; ``quartiles`` is (lower quartile, median, upper quartile).

    A local code ('LPI 1') needs its polarity; for a catalogue code ('NI 192') pass ``polarity=None``.
    """
    entry: dict[str, Any] = {"code": code, "body": owner, "value": value}
    if target is not None:
        entry["target"] = target
    if previous is not None:
        entry["previous"] = previous
    if quartiles is not None:
        lower, median, upper = quartiles
        entry["benchmarks"] = {"lower_quartile": lower, "median": median, "upper_quartile": upper}
    if polarity is not None:
        entry["polarity"] = polarity
    return entry


def milestones(delivered: int, planned: int, owner: str = COUNTY) -> list[dict[str, Any]]:
    """``planned`` milestones of ``owner``'s improvement plan, the first ``delivered`` of them delivered."""
    return [
        {"body": owner, "title": f"{owner} milestone {number}", "delivered": number <= delivered}
        for number in range(1, planned + 1)
    ]


def outcome(outcome_id: str, status: str, *, owner: str = COUNTY, **fields: Any) -> dict[str, Any]:
    """A priority outcome, started on STARTED_ON."""
    return {
        "id": outcome_id,
        "title": outcome_id.replace("-", " ").capitalize(),
        "body": owner,
        "status": status,
        "started_on": STARTED_ON,
    } | fields


def innovation(innovation_id: str, status: str, *, owner: str = COUNTY, **fields: Any) -> dict[str, Any]:
    """An innovation, started on STARTED_ON."""
    return {
        "id": innovation_id,
        "title": innovation_id.replace("-", " ").capitalize(),
        "body": owner,
        "status": status,
        "started_on": STARTED_ON,
    } | fields


def risk(risk_id: str, **fields: Any) -> dict[str, Any]:
    """A risk-register entry meeting all six honourable-failure criteria; ``fields`` replace its values."""
    return {
        "id": risk_id,
        "title": risk_id.replace("-", " ").capitalize(),
        "recorded_on": _RECORDED_ON,
        "mitigations": ["Launched in one ward first"],
        "contingency": "Fall back to the previous service",
        "exposure": "pilot",
        "appetite_approved_by": "cabinet",
        "early_warning_indicators": ["Weekly take-up"],
        "monitoring_acted_on": True,
        "lessons_captured": True,
        "lessons_shared": True,
    } | fields


def kloes_for(score: int) -> dict[str, int]:
    """KLOE scores giving a use-of-resources score of ``score`` (every theme at that score)."""
    return {"1.1": score, "2.1": score, "3.1": score}


def area_judged(result: Result, element: str) -> tuple[int | None, str | None]:
    judgement = result.elements[element]
    return judgement.score, judgement.label


def body_judged(result: Result, element: str, owner: str = COUNTY) -> tuple[int, str]:
    judgement = (result.elements[element].bodies or {})[owner]
    return judgement.score, judgement.label


def finding(result: Result, subject_type: str, subject: str, name: str) -> Any:
    """What the rules settled about one fact: ``name`` is a classification ('trend') or 'into.field'."""
    return result.findings[subject_type][subject][name]


def flags_of(result: Result) -> list[tuple[str, str | None, str]]:
    """(kind, colour, subject) of every flag, in the result's order."""
    return [(flag.kind, flag.colour, flag.subject) for flag in result.flags]


def copy_rules(tmp_path: Path) -> Path:
    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules)
    return rules


def edit(path: Path, old: str, new: str) -> None:
    """Replace one exact passage of a rule file, as a person editing it would."""
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"expected exactly one {old!r} in {path}"
    path.write_text(text.replace(old, new), encoding="utf-8")
