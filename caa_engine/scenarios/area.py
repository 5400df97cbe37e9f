"""The area a scenario builds: an evidence bundle under construction, as an integrator would send it, and its
assessment once a 'Then' step asks.

Every step builds a bundle (a plain dict) or reads a :class:`caa_engine.Result`, through the public API only
(``load_rules``, ``Engine``, ``Result``); each assessment is also recorded for rule coverage (:mod:`.coverage`).
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from typing import Any

import pytest

from caa_engine import Engine, Plan, Result
from caa_engine.periods import period_year

COUNCIL_KINDS = {
    "council": "unitary",
    "unitary council": "unitary",
    "county council": "county",
    "district council": "district",
    "metropolitan council": "metropolitan",
    "london borough": "london_borough",
}
OTHER_KINDS = {
    "police force": "police",
    "police authority": "police",
    "fire and rescue service": "fire_and_rescue",
    "primary care trust": "primary_care_trust",
}
BODY_KINDS = {**COUNCIL_KINDS, **OTHER_KINDS}
ELEMENTS = {
    "national indicator set": "indicator_set",
    "indicator set": "indicator_set",
    "direction of travel": "direction_of_travel",
    "use of resources": "use_of_resources",
    "risk assessment": "risk_assessment",
    "overall score": "overall",
    "overall view": "overall",
}


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "x"


@dataclass
class Area:
    """An evidence bundle under construction, and its assessment once a 'Then' step asks for it."""

    engine: Engine
    config: pytest.Config
    name: str = "Testshire"
    bodies: dict[str, dict[str, Any]] = field(default_factory=dict)  # id -> body entry, in order given
    current: str | None = None  # the body 'it' / 'its' refers to: the last one a step named
    kloes: dict[str, dict[str, int]] = field(default_factory=dict)
    indicators: list[dict[str, Any]] = field(default_factory=list)
    milestones: list[dict[str, Any]] = field(default_factory=list)
    outcomes: list[dict[str, Any]] = field(default_factory=list)
    innovations: list[dict[str, Any]] = field(default_factory=list)
    risks: list[dict[str, Any]] = field(default_factory=list)
    self_assessments: list[dict[str, Any]] = field(default_factory=list)
    _result: Result | None = None
    period: str = "2008/09"  # the assessment period the evidence names (steps in scenarios/period.py)
    _assessed: dict[str, Any] = field(default_factory=dict)  # the bundle _result was assessed from

    # --- the plan, for numbers read from the rules ----------------------------------------------

    @property
    def plan(self) -> Plan:
        """The rules in force for the scenario's period: what theme names and thresholds are read from."""
        dated, year = self.engine.plan.dated, period_year(self.period)
        span = dated.span_for(year).plan if dated is not None and year is not None else None
        return span or self.engine.plan

    def rules_in_force(self) -> str:
        """The rules the scenario is judged by, in words: 'the rules under test', or, when they are dated, 'the
        rules in force for 2007/08' (a folder's other periods may judge what these do not)."""
        dated = self.engine.plan.dated is not None
        return f"the rules in force for {self.period}" if dated else "the rules under test"

    def parameter(self, ruleset: str, name: str) -> Any:
        return self.plan.parameter(ruleset, name)

    # --- bodies -----------------------------------------------------------------------------------

    def add_body(self, kind_words: str, name: str | None = None, lead: bool | None = None) -> str:
        """Add a body of a kind in words ('district council', 'police force'); it becomes 'it'."""
        kind = BODY_KINDS.get(kind_words.lower())
        if kind is None:
            raise ValueError(f"unknown kind of body '{kind_words}': say one of {', '.join(BODY_KINDS)}")
        name = name or f"{self.name} {kind_words.title()}"
        body_id = slug(name)
        if body_id in self.bodies:
            raise ValueError(f"the scenario already has a body called '{name}'")
        if lead is None:  # the first council is the lead council unless a step says otherwise
            lead = kind_words.lower() in COUNCIL_KINDS and not any(b["lead"] for b in self.bodies.values())
        self.bodies[body_id] = {"id": body_id, "name": name, "kind": kind, "lead": lead}
        self.current = body_id
        return body_id

    def body(self, name: str | None = None) -> str:
        """The body named (by name or id), else the one 'it' refers to, else a new lead unitary council."""
        if name:
            for body_id, entry in self.bodies.items():
                if name.lower() in (entry["name"].lower(), body_id):
                    self.current = body_id
                    return body_id
            raise ValueError(f"the scenario has no body called '{name}' (it has: {self.body_names()})")
        if self.current is None:
            self.add_body("council", f"{self.name} Council")
        assert self.current is not None
        return self.current

    def body_names(self) -> str:
        return ", ".join(entry["name"] for entry in self.bodies.values()) or "none yet"

    def council(self) -> str:
        """The lead council (added if the scenario has none yet): the body that owns area-wide evidence."""
        for body_id, entry in self.bodies.items():
            if entry["lead"]:
                return body_id
        for body_id, entry in self.bodies.items():
            if entry["kind"] in COUNCIL_KINDS.values():
                return body_id
        return self.add_body("council", f"{self.name} Council", lead=True)

    # --- evidence ---------------------------------------------------------------------------------

    def bundle(self) -> dict[str, Any]:
        """The evidence as a dict, as an integrator would pass it to ``Engine.assess``."""
        if not self.bodies:
            self.council()
        evidence: dict[str, Any] = {
            "area": {
                "id": slug(self.name),
                "name": self.name,
                "tier": "two" if any(b["kind"] == "district" for b in self.bodies.values()) else "single",
            },
            "bodies": list(self.bodies.values()),
        }
        if self.kloes:
            evidence["use_of_resources"] = {
                "assessments": [
                    {"body": body_id, "period": self.period, "kloes": dict(kloes)}
                    for body_id, kloes in self.kloes.items()
                ]
            }
        if self.indicators:
            evidence["indicator_set"] = {"period": self.period, "indicators": list(self.indicators)}
        if self.milestones:
            evidence["direction_of_travel"] = {"milestones": list(self.milestones)}
        if self.outcomes or self.innovations or self.risks:
            evidence["risk_assessment"] = {
                "outcomes": list(self.outcomes),
                "innovations": list(self.innovations),
                "risk_register": list(self.risks),
            }
        if self.self_assessments:
            evidence["self_assessments"] = list(self.self_assessments)
        return evidence

    def result(self) -> Result:
        """The assessment of the evidence so far: assessed again only when the evidence differs from what was
        last assessed, however a step changed it."""
        bundle = self.bundle()
        if self._result is None or bundle != self._assessed:
            self._assessed = copy.deepcopy(bundle)
            self._result = self.engine.assess(bundle)
            coverage = self.config.pluginmanager.get_plugin("caa-rule-coverage")  # coverage.RuleCoverage
            if coverage is not None:
                coverage.record(self.engine.plan, self.engine.backend_name, self._result)
        return self._result

    # --- evidence builders shared by the steps of every element -----------------------------------

    def set_kloes(self, body_id: str, scores: dict[str, int]) -> None:
        """Give a body KLOE scores (added to any it has)."""
        self.kloes.setdefault(body_id, {}).update(scores)

    def add_indicator(
        self,
        body_id: str,
        *,
        code: str | None = None,
        value: float,
        polarity: str | None = "higher",
        target: float | None = None,
        previous: float | None = None,
        quartiles: tuple[float, float, float] | None = None,
        history: dict[str, float] | None = None,
    ) -> dict[str, Any]:
        """One indicator. A code of the National Indicator catalogue ('NI 192') takes its polarity from the
        rules (pass polarity=None); any other code is a local indicator and needs one. ``history``: its values in
        earlier periods, by period ('2006/07')."""
        if code is None:
            code = f"LPI {len(self.indicators) + 1}"
        entry: dict[str, Any] = {"code": code, "body": body_id, "value": value}
        if polarity is not None:
            entry["polarity"] = polarity
        if target is not None:
            entry["target"] = target
        if previous is not None:
            entry["previous"] = previous
        if quartiles is not None:
            entry["benchmarks"] = dict(zip(("lower_quartile", "median", "upper_quartile"), quartiles, strict=True))
        if history:
            entry["history"] = dict(history)
        self.indicators.append(entry)
        return entry

    def add_indicator_mix(
        self,
        body_id: str,
        out_of: int,
        *,
        met: int | None = None,
        improved: int | None = None,
        bottom: int | None = None,
    ) -> None:
        """``out_of`` local indicators (higher is better) of a body: the first ``met`` meet their target and
        the rest miss it by far; the first ``improved`` improved on last year and the rest declined; the first
        ``bottom`` sit in the national bottom quartile and the rest in the top. ``None`` leaves that out: no
        targets, no previous values, or no benchmarks."""
        for number in range(out_of):
            self.add_indicator(
                body_id,
                value=100,
                target=None if met is None else (100 if number < met else 200),
                previous=None if improved is None else (90 if number < improved else 110),
                quartiles=None if bottom is None else ((150, 160, 170) if number < bottom else (50, 60, 70)),
            )

    def add_milestones(self, body_id: str, delivered: int, planned: int) -> None:
        """``planned`` milestones of a council's improvement plan, the first ``delivered`` delivered."""
        start = len(self.milestones)
        for number in range(planned):
            self.milestones.append(
                {"body": body_id, "title": f"Milestone {start + number + 1}", "delivered": number < delivered}
            )

    def add_outcome(self, title: str, status: str, body_id: str | None = None, **fields: Any) -> dict[str, Any]:
        """A priority outcome (status on_track, at_risk, failed or exceeded), owned by the lead council unless
        said. It started on 2008-04-01 unless ``started_on`` is given."""
        return self._add_initiative(self.outcomes, title, status, body_id, fields)

    def add_innovation(self, title: str, status: str, body_id: str | None = None, **fields: Any) -> dict[str, Any]:
        """An innovation (status in_progress, succeeded or failed), owned by the lead council unless said."""
        return self._add_initiative(self.innovations, title, status, body_id, fields)

    def _add_initiative(
        self, into: list[dict[str, Any]], title: str, status: str, body_id: str | None, fields: dict[str, Any]
    ) -> dict[str, Any]:
        entry = {
            "id": slug(title),
            "title": title,
            "body": body_id or self.council(),
            "status": status,
            "started_on": "2008-04-01",
            **fields,
        }
        into.append(entry)
        return entry

    def add_risk(self, risk_id: str, **fields: Any) -> dict[str, Any]:
        """A risk-register entry; by default it meets every honourable-failure criterion: recorded on
        2008-01-15 (before 2008-04-01), one mitigation and a contingency, a pilot, approved by the cabinet,
        an early-warning indicator acted on, and lessons captured and shared. Fields given replace those."""
        entry = {
            "id": risk_id,
            "title": f"Risk {risk_id}",
            "recorded_on": "2008-01-15",
            "mitigations": ["Phased release of funding"],
            "contingency": "Return to the previous service",
            "exposure": "pilot",
            "appetite_approved_by": "cabinet",
            "early_warning_indicators": ["Monthly take-up"],
            "monitoring_acted_on": True,
            "lessons_captured": True,
            "lessons_shared": True,
            **fields,
        }
        entry = {k: v for k, v in entry.items() if v is not None}
        self.risks.append(entry)
        return entry

    def add_self_assessment(self, body_id: str, element: str, score: int) -> None:
        self.self_assessments.append({"body": body_id, "element": element, "score": score})

    # --- reading the result -----------------------------------------------------------------------

    def require(self, name: str) -> None:
        """Fail plainly when the rules under test derive nothing called ``name``: a classification ('trend'), a
        per-fact measure's 'into.field' ('progress.improved') or a grouped measure's id ('theme_score'). A step
        that checks something is absent would otherwise pass for the wrong reason after a rename."""
        known = set(self.plan.classifications) | {f"{m.into}.{m.field}" for m in self.plan.measures}
        known |= {m.id for m in self.plan.measures}
        if name not in known:
            raise AssertionError(
                f"the rules under test derive nothing called '{name}', which this step reads; if it was renamed, "
                "the step library (caa_engine/scenarios/) must follow"
            )

    def judgement(self, element: str, body_id: str | None = None) -> tuple[int | None, str | None, str]:
        """(score, label, where) of an element for a body (per-body elements) or the area."""
        result = self.result()
        if element == "overall":
            if not any(info.combines for info in self.plan.rulesets):
                raise AssertionError(f"{self.rules_in_force()} give no overall score: no rule set combines elements")
            overall = result.overall or {}
            return overall.get("score"), overall.get("label"), "the area"
        judged = result.elements.get(element)
        if judged is None:
            raise AssertionError(
                f"{self.rules_in_force()} judge no element '{element}' (they judge: {', '.join(result.elements)})"
            )
        if judged.scope == "body":
            body_id = body_id or self.body()
            one = (judged.bodies or {}).get(body_id)
            name = self.bodies[body_id]["name"]
            return (one.score, one.label, name) if one else (None, None, name)
        return judged.score, judged.label, "the area"

    def notes(self, kind: str) -> list[Any]:
        return [note for note in self.result().notes if note.kind == kind]

    def flags(self, kind: str | None = None, colour: str | None = None) -> list[Any]:
        return [
            flag
            for flag in self.result().flags
            if (kind is None or flag.kind == kind) and (colour is None or flag.colour == colour)
        ]

    def explain(self) -> str:
        """What the area's result says, for a failed 'Then': scores, flags and notes."""
        result = self.result()
        lines = []
        for name, judged in result.elements.items():
            if judged.scope == "body":
                for body_id, one in (judged.bodies or {}).items():
                    lines.append(f"  {name} for {body_id}: {one.score} {one.label} (rule {one.rule})")
            elif judged.score is not None:
                lines.append(f"  {name}: {judged.score} {judged.label} (rule {judged.rule})")
        lines += [f"  flag {f.kind} ({f.colour or 'no colour'}) on {f.subject}: {f.reason}" for f in result.flags]
        lines += [f"  note {n.kind} on {n.subject}: {n.text}" for n in result.notes]
        return "the assessment says:\n" + ("\n".join(lines) or "  nothing")
