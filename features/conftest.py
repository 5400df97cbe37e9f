"""The step library for the policy scenarios in this folder.

Every step here builds an evidence bundle (a plain dict, as an integrator would send) or reads a
:class:`caa_engine.Result`, through the public API only: ``load_rules``, ``Engine``, ``Result``.
Each scenario runs once per backend.  ``pytest features --rules-dir PATH`` runs the same scenarios
against another rules folder; ``--rule-coverage-min`` sets how much of that folder the scenarios must
exercise (default 100%).  The step list in ``docs/policy-tests.md`` is generated from this file by
``python tools/policy_steps.py``: the first line of each step's docstring is what a reader sees there.

Sections: options and fixtures; the area being built; reading numbers from the rules; the steps of
each element; rule coverage.
"""

from __future__ import annotations

import copy
import math
import re
from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from pytest_bdd import given, parsers, then, when

from caa_engine import BACKENDS, Coverage, Engine, EngineError, Gap, Plan, Result, RuleError, load_rules
from caa_engine.periods import period_year

# Steps kept in files of their own (each registers its steps as fixtures in its own module).
pytest_plugins = ["period_steps"]

ROOT = Path(__file__).resolve().parent.parent
SHIPPED_RULES = ROOT / "rules"

# --------------------------------------------------------------------------------------------------
# Options and fixtures
# --------------------------------------------------------------------------------------------------


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("caa policy scenarios")
    group.addoption(
        "--rules-dir",
        default=None,
        metavar="PATH",
        help="run the policy scenarios in features/ against this rules folder (default: the shipped rules/)",
    )
    group.addoption(
        "--rule-coverage-min",
        default=None,
        type=float,
        metavar="PERCENT",
        help="fail the run when the scenarios fire less than this percentage of the rules and measures in the "
        "rules folder (default 100; enforced whenever every scenario ran)",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "brief_default: the scenario pins a number of the policy brief's default rules; it fails under tuned rules "
        "that change that number, and says so",
    )
    config.pluginmanager.register(RuleCoverage(config), "caa-rule-coverage")
    chosen = config.getoption("--rules-dir", default=None)
    if chosen:  # a tuned folder that does not load stops the run once, with its errors, not in every scenario
        if not Path(chosen).is_dir():
            raise pytest.UsageError(f"--rules-dir {chosen}: no such folder")
        try:
            load_rules(chosen)
        except RuleError as exc:
            raise pytest.UsageError(
                f"--rules-dir {chosen}: the rules do not load, so no scenario can run:\n{exc}"
            ) from None


def shown(path: Path) -> str:
    """A path as people type it: relative to the working directory where it is inside it."""
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def rules_dir(config: pytest.Config) -> Path:
    chosen = config.getoption("--rules-dir", default=None)
    return Path(chosen).resolve() if chosen else SHIPPED_RULES


@pytest.fixture(scope="session")
def plan(request: pytest.FixtureRequest) -> Plan:
    """The rules folder under test, loaded and checked once: a broken folder stops the run with its errors."""
    return load_rules(rules_dir(request.config))


@pytest.fixture(scope="session", params=BACKENDS)
def engine(request: pytest.FixtureRequest, plan: Plan) -> Engine:
    """One engine per backend: every scenario runs on each (durable-rules does not import on Python 3.13+,
    and the engine says so by an EngineError, so there the durable run is skipped with its reason)."""
    try:
        return Engine(plan, backend=str(request.param))
    except EngineError as exc:
        pytest.skip(f"the {request.param} backend cannot run on this Python, so only the others run ({exc})")


@pytest.fixture(autouse=True)
def area(engine: Engine, request: pytest.FixtureRequest) -> Area:
    """The area a scenario builds up, step by step, and assesses when a 'Then' step first asks.

    Autouse, so that every scenario depends on ``engine`` from the start and so runs on each backend
    (pytest parametrizes only fixtures a test needs before its steps run)."""
    return Area(engine, request.config)


# --------------------------------------------------------------------------------------------------
# The area being built
# --------------------------------------------------------------------------------------------------

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
    period: str = "2008/09"  # the assessment period the evidence names (period_steps.py)
    _result: Result | None = None
    _assessed: dict[str, Any] = field(default_factory=dict)  # the bundle _result was assessed from

    # --- the plan, for numbers read from the rules ----------------------------------------------

    @property
    def plan(self) -> Plan:
        """The rules in force for the scenario's period: what theme names and thresholds are read from."""
        dated, year = self.engine.plan.dated, period_year(self.period)
        span = dated.span_for(year).plan if dated is not None and year is not None else None
        return span or self.engine.plan

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
            self.config.pluginmanager.get_plugin("caa-rule-coverage").record(
                self.engine.plan, self.engine.backend_name, self._result
            )
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
    ) -> dict[str, Any]:
        """One indicator. A code of the National Indicator catalogue ('NI 192') takes its polarity from the
        rules (pass polarity=None); any other code is a local indicator and needs one."""
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
                "the step library (features/conftest.py) must follow"
            )

    def judgement(self, element: str, body_id: str | None = None) -> tuple[int | None, str | None, str]:
        """(score, label, where) of an element for a body (per-body elements) or the area."""
        result = self.result()
        if element == "overall":
            overall = result.overall or {}
            return overall.get("score"), overall.get("label"), "the area"
        judged = result.elements.get(element)
        if judged is None:
            raise AssertionError(
                f"the rules folder judges no element '{element}' (it has: {', '.join(result.elements)})"
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


# --------------------------------------------------------------------------------------------------
# Reading numbers from the rules
# --------------------------------------------------------------------------------------------------

# How a scenario names a threshold of the rules, in words. A scenario may also name any parameter by
# its YAML name ("well_met_share"). The step reads the value from the rules folder under test, so the
# scenario stays true when the number is tuned.
THRESHOLDS: dict[str, tuple[str, str]] = {
    # National Indicator Set
    "near-miss band": ("indicator_set", "near_miss_band"),
    "stable band": ("indicator_set", "stable_band"),
    "performing strongly share met": ("indicator_set", "strong_met_share"),
    "performing strongly share improved": ("indicator_set", "strong_improved_share"),
    "performing strongly bottom-quartile share": ("indicator_set", "strong_bottom_share"),
    "performing well share met": ("indicator_set", "well_met_share"),
    "performing well share improved": ("indicator_set", "well_improved_share"),
    "adequate share met": ("indicator_set", "adequate_met_share"),
    # Direction of travel
    "improving strongly share improved": ("direction_of_travel", "strong_improved_share"),
    "improving strongly share delivered": ("direction_of_travel", "strong_delivered_share"),
    "improving well share improved": ("direction_of_travel", "well_improved_share"),
    "improving well share delivered": ("direction_of_travel", "well_delivered_share"),
    "improving adequately share improved": ("direction_of_travel", "adequate_improved_share"),
    "improving adequately share delivered": ("direction_of_travel", "adequate_delivered_share"),
    # Use of resources
    "theme cap": ("use_of_resources", "theme_cap_above_lowest"),
    "themes needed for performing strongly": ("use_of_resources", "strong_min_themes"),
    "theme floor for performing strongly": ("use_of_resources", "strong_floor"),
    "themes needed for performing well": ("use_of_resources", "well_min_themes"),
    "theme floor for performing well": ("use_of_resources", "well_floor"),
    "themes needed for adequate": ("use_of_resources", "adequate_min_themes"),
    "KLOE score to be reassessed": ("use_of_resources", "reassess_at_or_below"),
    # Risk assessment
    "red flags an adequate area may have": ("risk_assessment", "adequate_max_red_flags"),
    "green flags for performing strongly": ("risk_assessment", "strong_min_green_flags"),
    "mitigations the risk register must record": ("risk_assessment", "min_mitigations"),
    "early-warning indicators monitoring must have": ("risk_assessment", "min_early_warning_indicators"),
    # Overall
    "safeguarding cap": ("overall", "safeguarding_cap"),
    "safeguarding red flags needed for the cap": ("overall", "cap_after_red_flags"),
    "elements needed for an overall score": ("overall", "elements_needed"),
    "overall performing strongly element score": ("overall", "strong_element_score"),
    "overall performing strongly count": ("overall", "strong_min_elements"),
    "overall performing strongly floor": ("overall", "strong_floor"),
    "overall performing well element score": ("overall", "well_element_score"),
    "overall performing well count": ("overall", "well_min_elements"),
    "overall performing well floor": ("overall", "well_floor"),
    "overall adequate element score": ("overall", "adequate_element_score"),
    "overall adequate count": ("overall", "adequate_min_elements"),
}


def threshold(area: Area, words: str, ruleset: str | None = None) -> Any:
    """The value of a threshold named in words (see THRESHOLDS) or by its parameter name."""
    return area.parameter(*parameter_named(area, words, ruleset))


def parameter_named(area: Area, words: str, ruleset: str | None = None) -> tuple[str, str]:
    """(rule set, parameter) of a threshold named in words (see THRESHOLDS) or by its parameter name."""
    words = words.strip()
    key = words.lower().removeprefix("the ").strip()
    named = {words.lower(): where for words, where in THRESHOLDS.items()}
    if key in named:
        return named[key]
    names = [ruleset] if ruleset else [info.ruleset for info in area.plan.rulesets]
    for name in names:
        info = next((i for i in area.plan.rulesets if i.ruleset == name), None)
        if info is not None and key in info.parameters:
            return name, key
    raise ValueError(
        f"no threshold called '{words}': say one of {', '.join(THRESHOLDS)}, or a parameter's name in the rules"
    )


def percent(value: Any) -> str:
    """A share as people write it: 3/4 -> '75%', 1/3 -> '33.33%'."""
    text = f"{float(Fraction(value) * 100):.2f}".rstrip("0").rstrip(".")
    return f"{text}%"


SHARE = re.compile(r"^(?:(?P<where>just below|just under|at|exactly|just above|just over) )?(?P<what>.+)$", re.I)


@dataclass(frozen=True)
class Share:
    """A share of some count, in words: '75%', 'all', 'none', 'half', '3 of 4', or a threshold with
    'just below' / 'at' / 'just above' before it ('just below the performing well share met')."""

    words: str

    def count(self, area: Area, out_of: int, ruleset: str | None = None) -> int:
        """How many of ``out_of`` make this share: at a threshold, the fewest that reach it; just below,
        one fewer; just above, one more."""
        words = self.words.strip().lower()
        if words == "all":
            return out_of
        if words in ("none", "no"):
            return 0
        if words == "half":
            return math.ceil(out_of / 2)
        if m := re.fullmatch(r"(\d+) of (\d+)", words):
            if int(m.group(2)) != out_of:
                raise ValueError(f"'{self.words}' does not fit {out_of} things")
            return int(m.group(1))
        if m := re.fullmatch(r"(\d+(?:\.\d+)?)%", words):
            return _at_least(Fraction(m.group(1)) / 100, out_of)
        m = SHARE.match(words)
        assert m is not None
        value = Fraction(threshold(area, m.group("what"), ruleset))
        at = _at_least(value, out_of)
        where = (m.group("where") or "at").lower()
        if where in ("just below", "just under"):
            if at == 0:
                raise ValueError(f"nothing is below '{m.group('what')}' ({percent(value)})")
            return at - 1
        if where in ("just above", "just over"):
            if at >= out_of:
                raise ValueError(f"nothing is above '{m.group('what')}' ({percent(value)})")
            return at + 1
        return at

    def out_of(self, area: Area, ruleset: str | None = None, at_least: int = 20) -> int:
        """How many things to build so that 'just below', 'at' and 'just above' this share are all exact."""
        words = self.words.strip().lower()
        if m := re.fullmatch(r"\d+ of (\d+)", words):
            return int(m.group(1))
        m = SHARE.match(words)
        assert m is not None
        what = m.group("what")
        plain = {"all": Fraction(1), "none": Fraction(0), "no": Fraction(0), "half": Fraction(1, 2)}
        if what in plain:
            value = plain[what]
        elif re.fullmatch(r"\d+(?:\.\d+)?%", what):
            value = Fraction(what[:-1]) / 100
        else:
            value = Fraction(threshold(area, what, ruleset))
        return sized_for(value.denominator, at_least)


# "Just" under or over a band, in every step that moves a value by a band: a hundredth of the band.
JUST = Fraction(1, 100)


def sized_for(denominator: int, at_least: int) -> int:
    """The smallest multiple of ``denominator`` that is at least ``at_least`` (capped at 200 things)."""
    n = denominator * max(1, math.ceil(at_least / denominator))
    return n if n <= 200 else at_least


def _at_least(share: Fraction, out_of: int) -> int:
    """The fewest of ``out_of`` whose share is at least ``share``."""
    return min(out_of, max(0, math.ceil(share * out_of)))


def words_list(text: str) -> list[str]:
    """'3, 4 and 2' -> ['3', '4', '2']."""
    return [part.strip() for part in re.split(r",|\band\b", text) if part.strip()]


def table_rows(datatable: list[list[str]], needs: tuple[str, ...] = ()) -> list[dict[str, str]]:
    """A data table with a header row, as one dict per row (headers lower-cased); ``needs`` names the columns
    the step cannot do without, and a table missing one is refused, naming the columns it has."""
    header = [cell.strip().lower() for cell in datatable[0]]
    missing = [column for column in needs if column not in header]
    if missing:
        raise ValueError(
            f"this table needs the column{'s' if len(missing) > 1 else ''} {', '.join(missing)}; "
            f"its header row has: {', '.join(header)}"
        )
    return [dict(zip(header, (cell.strip() for cell in row), strict=False)) for row in datatable[1:]]


def whole(cell: str, what: str) -> int:
    """A whole number from a table cell, or an error saying which cell should hold one."""
    if not cell.strip().isdigit():
        raise ValueError(f"say the {what} as a whole number, not '{cell}'")
    return int(cell)


def check(condition: bool, area: Area, message: str) -> None:
    """Fail a 'Then' with what was expected and what the assessment says."""
    if not condition:
        raise AssertionError(f"{message}\n{area.explain()}")


# --------------------------------------------------------------------------------------------------
# Steps shared by every element
# --------------------------------------------------------------------------------------------------


@given(
    parsers.re(
        r"an? (?P<kind>(?:unitary |county |district |metropolitan )?council|london borough|police force"
        r"|police authority|fire and rescue service|primary care trust) called (?P<name>.+?)"
        r"(?P<lead>, which leads the area| which leads the area)?$"
    )
)
def given_body(area: Area, kind: str, name: str, lead: str | None) -> None:
    """Given a <kind of body> called <name>[, which leads the area]: adds a body; later steps about 'it' mean it.

    Kinds: council (a unitary council), county council, district council, metropolitan council, london
    borough, police force, police authority, fire and rescue service, primary care trust. The first council
    named leads the area unless another is said to.
    """
    if lead:
        for entry in area.bodies.values():
            entry["lead"] = False
    area.add_body(kind, name.strip('"'), lead=True if lead else None)


@when("the area is assessed")
def when_assessed(area: Area) -> None:
    """When the area is assessed: assesses the evidence so far (a 'Then' step also does, if needed)."""
    area.result()


@then(
    parsers.re(
        r"(?:its|the area's|(?P<name>.+?)'s) (?P<element>national indicator set|indicator set|direction of travel"
        r"|use of resources|risk assessment|overall score) (?:score )?is (?P<score>\d), (?P<label>.+)$",
        flags=re.I,
    )
)
def then_element_is(area: Area, name: str | None, element: str, score: str, label: str) -> None:
    """Then its|the area's|<body>'s <element> is <score>, <label>: the element's score and the scale's label.

    Elements: National Indicator Set, direction of travel, use of resources, risk assessment, overall score.
    'its' means the body the scenario last named (for per-body elements) or the area.
    """
    element_id = ELEMENTS[element.lower()]
    body_id = area.body(name) if name else None
    got, got_label, where = area.judgement(element_id, body_id)
    check(
        (got, got_label) == (int(score), label.strip()),
        area,
        f"expected {where}'s {element} to be {score}, {label.strip()}; it is {got}, {got_label}",
    )


@then(
    parsers.re(
        r"(?:its|the area's|(?P<name>.+?)'s) (?P<element>national indicator set|indicator set|direction of travel"
        r"|use of resources|risk assessment|overall score) is not judged$",
        flags=re.I,
    )
)
def then_element_not_judged(area: Area, name: str | None, element: str) -> None:
    """Then its|the area's|<body>'s <element> is not judged: no score is given for it."""
    element_id = ELEMENTS[element.lower()]
    body_id = area.body(name) if name else None
    got, got_label, where = area.judgement(element_id, body_id)
    check(got is None, area, f"expected no {element} for {where}; it is {got}, {got_label}")


@given(parsers.re(r"the rules keep (?P<whose>the brief's|their) default (?P<what>.+?) of (?P<value>\S+)$"))
def given_brief_default(area: Area, whose: str, what: str, value: str) -> None:
    """Given the rules keep the brief's|their default <threshold> of <value>: this scenario pins that number.

    'the brief's' for a number the policy brief gives; 'their' for one the brief leaves to the rules (such as
    how many elements the overall score needs). Under tuned rules that change it, the scenario fails here and
    says which number it pins, and where it is.
    """
    ruleset, name = parameter_named(area, what)
    actual = Fraction(area.parameter(ruleset, name))
    expected = Fraction(value[:-1]) / 100 if value.endswith("%") else Fraction(value)
    if actual != expected:
        shown = percent(actual) if value.endswith("%") else str(actual)
        pinned_by = "the policy brief's" if whose.startswith("the brief") else "the shipped rules'"
        raise AssertionError(
            f"this scenario pins {pinned_by} default {what} of {value}; the rules under test set it to "
            f"{shown} ({name} in {rule_file(area, ruleset)}), so the scenario no longer describes them "
            "(it is tagged @brief_default)"
        )


# The numbers the policy brief gives each element, as the shipped rules hold them: a scenario that rests on
# many of them pins them all at once with "Given the rules keep the brief's numbers for <element>".
BRIEF_NUMBERS: dict[str, tuple[str, dict[str, str]]] = {
    "national indicator set": (
        "indicator_set",
        {
            "near_miss_band": "5%",
            "stable_band": "1%",
            "strong_met_share": "75%",
            "strong_improved_share": "50%",
            "strong_bottom_share": "10%",
            "well_met_share": "60%",
            "well_improved_share": "40%",
            "adequate_met_share": "40%",
        },
    ),
    "direction of travel": (
        "direction_of_travel",
        {
            "strong_improved_share": "65%",
            "strong_delivered_share": "80%",
            "well_improved_share": "50%",
            "well_delivered_share": "60%",
            "adequate_improved_share": "35%",
            "adequate_delivered_share": "50%",
        },
    ),
    "use of resources": (
        "use_of_resources",
        {
            "theme_cap_above_lowest": "1",
            "strong_theme_score": "4",
            "strong_min_themes": "2",
            "strong_floor": "3",
            "well_theme_score": "3",
            "well_min_themes": "2",
            "well_floor": "2",
            "adequate_theme_score": "2",
            "adequate_min_themes": "2",
            "reassess_at_or_below": "1",
        },
    ),
    "risk assessment": ("risk_assessment", {"strong_min_green_flags": "1", "adequate_max_red_flags": "1"}),
    "the overall view": (
        "overall",
        {
            "strong_element_score": "4",
            "strong_min_elements": "2",
            "strong_floor": "3",
            "well_element_score": "3",
            "well_min_elements": "3",
            "well_floor": "2",
            "adequate_element_score": "2",
            "adequate_min_elements": "3",
            "safeguarding_cap": "2",
        },
    ),
}


@given(parsers.re(r"the rules keep the brief's numbers for (?P<element>.+)$"))
def given_brief_numbers(area: Area, element: str) -> None:
    """Given the rules keep the brief's numbers for <element>: this scenario pins every number the brief gives
    that element (National Indicator Set, direction of travel, use of resources, risk assessment, the overall
    view).

    Under tuned rules that change any of them, the scenario fails here and lists each one changed, and where.
    """
    key = element.strip().lower()
    if key not in BRIEF_NUMBERS:
        raise ValueError(f"no element '{element}': say one of {', '.join(BRIEF_NUMBERS)}")
    ruleset, numbers = BRIEF_NUMBERS[key]
    changed = []
    for name, value in numbers.items():
        expected = Fraction(value[:-1]) / 100 if value.endswith("%") else Fraction(value)
        actual = Fraction(area.parameter(ruleset, name))
        if actual != expected:
            shown = percent(actual) if value.endswith("%") else str(actual)
            changed.append(f"{name} is {shown}, not {value}")
    if changed:
        raise AssertionError(
            f"this scenario pins the policy brief's numbers for {element}; the rules under test change them "
            f"({rule_file(area, ruleset)}): {'; '.join(changed)}; so the scenario no longer describes them "
            "(it is tagged @brief_default)"
        )


def rule_file(area: Area, ruleset: str) -> str:
    info = next(i for i in area.plan.rulesets if i.ruleset == ruleset)
    return info.file


# --------------------------------------------------------------------------------------------------
# Rule coverage, from the audit trail
# --------------------------------------------------------------------------------------------------


class RuleCoverage:
    """Which rules and measures the scenarios exercised, read from each result's audit trail.

    A rule counts as covered when it decided something (an applied event) in at least one scenario;
    one that only ever fired to be overridden by a higher-priority rule is reported apart. A measure
    counts when it was computed. Counted per backend: ``test_the_scenarios_cover_every_rule[backend]``
    (the last test of the scenarios module, run after that backend's scenarios) fails when the backend
    falls below the threshold, and the report is printed at the end of the run.

    Under pytest-xdist (``-n``), the scenarios and the checks, all in one test file, run on one worker in
    collection order (see ``pytest_xdist_make_scheduler``), so each check sees every scenario of its backend;
    each worker sends what its scenarios covered to the controller, which prints the report.
    """

    def __init__(self, config: pytest.Config):
        self.config = config
        self.fired: dict[str, Coverage] = {}  # backend -> what its scenarios' audit trails covered
        self.deselected = 0
        self.checks_deselected: list[pytest.Item] = []
        self.checked = False

    def record(self, plan: Plan, backend: str, result: Result) -> None:
        self.fired.setdefault(backend, Coverage(plan)).add(result.audit)

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        workeroutput = getattr(session.config, "workeroutput", None)
        if workeroutput is not None:  # an xdist worker: hand what its scenarios covered to the controller
            workeroutput[COVERAGE_SENT] = {
                "seen": {
                    backend: {rule: sorted(statuses) for rule, statuses in coverage.seen.items()}
                    for backend, coverage in self.fired.items()
                },
                "checked": self.checked,
            }

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node: Any, error: Any) -> None:
        """In the xdist controller: add up what each worker's scenarios covered, for the report."""
        sent = getattr(node, "workeroutput", {}).get(COVERAGE_SENT)
        if not sent or not sent["seen"]:
            return
        plan = load_rules(rules_dir(self.config))
        for backend, seen in sent["seen"].items():
            coverage = self.fired.setdefault(backend, Coverage(plan))
            for rule, statuses in seen.items():
                coverage.seen.setdefault(rule, set()).update(statuses)
        self.checked = self.checked or sent["checked"]

    def pytest_deselected(self, items: list[pytest.Item]) -> None:
        self.deselected += sum(1 for item in items if _is_scenario(item))
        self.checks_deselected += [item for item in items if item.name.startswith(COVERAGE_TEST)]

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        # A threshold given on the command line is checked whatever -k or -m selected: put the check back.
        if self.explicit and self.checks_deselected:
            items.extend(self.checks_deselected)
            self.checks_deselected = []

    @property
    def explicit(self) -> bool:
        return self.config.getoption("--rule-coverage-min", default=None) is not None

    @property
    def minimum(self) -> float:
        chosen = self.config.getoption("--rule-coverage-min", default=None)
        return 100.0 if chosen is None else float(chosen)

    def check(self, backend: str) -> None:
        """Fail when the scenarios run on ``backend`` cover less than the threshold; skip when only some
        scenarios ran (they cannot cover every rule), unless a threshold was given on the command line."""
        self.checked = True
        if backend not in self.fired:
            pytest.skip(f"no scenario ran on the {backend} backend, so there is no rule coverage to check")
        if self.deselected and not self.explicit:
            pytest.skip(
                f"{self.deselected} scenarios were deselected, so rule coverage is reported but not enforced "
                "(run `pytest features`, or give --rule-coverage-min)"
            )
        lines, below = coverage_report({backend: self.fired[backend]}, self.minimum, rules_dir(self.config))
        if below:
            raise AssertionError("\n".join(lines))

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if not self.fired or hasattr(self.config, "workerinput"):  # an xdist worker's summary is never shown
            return
        lines, below = coverage_report(self.fired, self.minimum, rules_dir(self.config))
        terminalreporter.section("policy rule coverage", sep="=", red=bool(below), green=not below)
        for line in lines:
            terminalreporter.write_line(line)
        if not self.checked:
            terminalreporter.write_line(
                "(only some scenarios ran, so coverage is reported but not enforced: run `pytest features`, "
                "or give --rule-coverage-min)"
            )


COVERAGE_TEST = "test_the_scenarios_cover_every_rule"
COVERAGE_SENT = "caa-rule-coverage"  # what an xdist worker sends the controller: the rules its scenarios covered
SCENARIOS_FILE = "test_policy_scenarios.py"  # the scenarios, then the coverage checks


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """pytest-xdist's default distribution (``-n``, ``--dist load``), with one exception: the tests of the
    scenarios file go to one worker together, in order, as the coverage checks must follow every scenario of
    their backend. Every other test goes to whichever worker is free, one by one.

    (xdist's own ``--dist loadgroup`` would do this with an ``xdist_group`` mark, but it names the group in the
    test's node id, which pytest 9 no longer lets a plugin change.)"""
    if config.getvalue("dist") != "load":
        return None  # --dist loadfile, loadscope, each...: as asked
    from xdist.scheduler import LoadScopeScheduling

    class ScenariosTogether(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            file = nodeid.split("::", 1)[0]
            return file if file.endswith(SCENARIOS_FILE) else nodeid

    return ScenariosTogether(config, log)


def _is_scenario(item: pytest.Item) -> bool:
    """A test pytest-bdd made from a scenario (each takes the scenario's example row as a fixture)."""
    return "_pytest_bdd_example" in getattr(item, "fixturenames", ())


def coverage_report(fired: dict[str, Coverage], minimum: float, folder: Path) -> tuple[list[str], list[str]]:
    """The coverage lines to print, and the backends below ``minimum`` percent.

    Each gap is listed once, with the backends it concerns when they differ.
    """
    lines = [f"rules folder: {shown(folder)}"]
    if fired:  # which periods' rules the figures are of (a dated folder: every period's)
        lines.append(f"rules counted: {next(iter(fired.values())).periods}")
    below = []
    gaps: dict[Gap, list[str]] = {}
    for backend, coverage in sorted(fired.items()):
        verdict = "ok" if coverage.percent >= minimum else f"BELOW the required {minimum:g}%"
        lines.append(
            f"{backend}: {coverage.covered} of {coverage.total} rules and measures covered "
            f"({coverage.percent:.1f}%): {verdict}"
        )
        if coverage.percent < minimum:
            below.append(backend)
        for gap in coverage.gaps():
            gaps.setdefault(gap, []).append(backend)
    for gap, backends in sorted(gaps.items(), key=lambda item: (item[0].file, item[0].line)):
        only = "" if len(backends) == len(fired) else f" [{', '.join(backends)} only]"
        lines.append(f"  {gap}{only}")
    return lines, below


# --------------------------------------------------------------------------------------------------
# Use of resources
# --------------------------------------------------------------------------------------------------

WHOSE = r"(?:an? (?:body|council) whose|its|(?P<name>[A-Z][^']*?)'s)"


ORDINALS = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth")


def kloe_table(area: Area) -> dict[str, dict[str, Any]]:
    """The rules' KLOE table (code -> row), in code order."""
    rows = area.plan.tables.get("kloe", {}).get("rows", {})
    return {
        code: rows[code] for code in sorted(rows, key=lambda c: [int(p) if p.isdigit() else p for p in c.split(".")])
    }


def themes(area: Area) -> list[str]:
    """The themes of the rules under test, in the order of their first KLOE."""
    return list(dict.fromkeys(str(row.get("theme", "")) for row in kloe_table(area).values()))


def theme_named(area: Area, theme_words: str) -> str:
    """A theme in words: its name ('managing finances'), or, so that a scenario not about one KLOE table stays
    true under another, read from the rules under test: 'first' ... 'tenth' or 'last' (in the order of their
    KLOEs), or 'largest' (the theme with most KLOEs; the first such)."""
    words = theme_words.strip().lower().removeprefix("its ").removeprefix("the ").removesuffix(" theme")
    order = themes(area)
    if words in ORDINALS and ORDINALS.index(words) < len(order):
        return order[ORDINALS.index(words)]
    if words == "last" and order:
        return order[-1]
    if words == "largest" and order:
        counts = [sum(1 for row in kloe_table(area).values() if row.get("theme") == t) for t in order]
        return order[counts.index(max(counts))]
    theme = slug(words).replace("-", "_")
    if theme not in order:
        shown = ", ".join(t.replace("_", " ") for t in order)
        raise ValueError(f"the rules have no theme '{theme_words}' (they have {len(order)}: {shown})")
    return theme


def theme_kloes(area: Area, theme_words: str) -> list[str]:
    """The KLOE codes of a theme named in words ('managing finances', 'first'), from the rules' KLOE table."""
    theme = theme_named(area, theme_words)
    return [code for code, row in kloe_table(area).items() if row.get("theme") == theme]


def theme_score(area: Area, body_id: str, theme_words: str) -> int | None:
    """A body's score for a theme, or None for a theme with no assessed KLOE (the body must be judged)."""
    area.require("theme_score")
    judged = (area.result().elements["use_of_resources"].bodies or {}).get(body_id)
    check(judged is not None, area, f"expected a use of resources judgement for {area.bodies[body_id]['name']}")
    assert judged is not None
    theme = theme_named(area, theme_words)
    return next((row["score"] for row in judged.measures.get("theme_score", []) if row.get("theme") == theme), None)


@given(parsers.re(WHOSE + r" (?P<scores>KLOE \S+ is scored \d.*)$"))
def given_kloe_scores(area: Area, name: str | None, scores: str) -> None:
    """Given a council whose KLOE <code> is scored <n> [and KLOE <code> is scored <n> ...]: the auditor's KLOE
    scores (also: 'its KLOE ...', '<body>'s KLOE ...'). A KLOE not named is not assessed."""
    pairs = re.findall(r"KLOE (\S+) is scored (\d)", scores)
    if not pairs:
        raise ValueError(f"say each score as 'KLOE 1.1 is scored 3', not '{scores}'")
    area.set_kloes(area.body(name), {code: int(score) for code, score in pairs})


@given(parsers.re(WHOSE + r" KLOEs are scored:$"))
def given_kloe_table(area: Area, name: str | None, datatable: list[list[str]]) -> None:
    """Given a council whose KLOEs are scored: a table with columns KLOE and score; a KLOE not listed is not
    assessed, and a score left empty is not assessed either."""
    rows = table_rows(datatable, ("kloe", "score"))
    area.set_kloes(
        area.body(name),
        {row["kloe"]: whole(row["score"], f"score of KLOE {row['kloe']}") for row in rows if row.get("score")},
    )


@given(
    parsers.re(WHOSE + r" (?P<theme>[a-z ]+?)(?: theme's)? KLOEs are (?P<every>all )?scored (?P<scores>[\d ,and]+)$")
)
def given_theme_kloes(area: Area, name: str | None, theme: str, every: str | None, scores: str) -> None:
    """Given a council whose <theme> KLOEs are scored <n>, <n> and <n>: the theme's KLOEs in order (1.1, 1.2,
    ...); with fewer scores than KLOEs the rest are not assessed; 'all scored <n>' scores every one.

    The theme by name, or read from the rules under test: '<first|second|...|last|largest> theme's KLOEs'."""
    codes = theme_kloes(area, theme)
    values = [int(v) for v in words_list(scores)]
    if every:
        if len(values) != 1:
            raise ValueError(f"say 'all scored <n>' with one score, not 'all scored {scores}'")
        values *= len(codes)
    if len(values) > len(codes):
        raise ValueError(f"the {theme} theme has {len(codes)} KLOEs ({', '.join(codes)}), not {len(values)}")
    area.set_kloes(area.body(name), dict(zip(codes, values, strict=False)))


@given(parsers.re(WHOSE + r" (?:themes all score|KLOEs are all scored) (?P<score>\d)$"))
def given_all_kloes(area: Area, name: str | None, score: str) -> None:
    """Given a council whose themes all score <n>|KLOEs are all scored <n>: every KLOE of the rules' KLOE
    table scored that, whatever its themes, so every theme scores it."""
    area.set_kloes(area.body(name), dict.fromkeys(kloe_table(area), int(score)))


@given(parsers.re(WHOSE + r" themes score (?P<scores>(?!all ).+)$"))
def given_theme_scores(area: Area, name: str | None, scores: str) -> None:
    """Given a council whose themes score <n> for <theme>, <n> for <theme> and <n> for <theme>: every KLOE of
    each theme named is scored that, so the theme scores it; a theme not named is not assessed.

    A theme by name, or read from the rules under test: 'the first|second|...|last|largest theme'; '<n> for
    every other theme' scores every theme not yet named."""
    body_id = area.body(name)
    pairs = re.findall(r"(\d) for ([a-z ]+?)(?=,| and |$)", scores)
    if not pairs:
        raise ValueError(f"say each theme as '3 for managing finances', not '{scores}'")
    named: set[str] = set()
    for score, theme in pairs:
        if theme.strip() in ("every other theme", "the other themes", "the rest"):
            chosen = [t for t in themes(area) if t not in named]
        else:
            chosen = [theme_named(area, theme)]
        for one in chosen:
            named.add(one)
            codes = [code for code, row in kloe_table(area).items() if row.get("theme") == one]
            area.set_kloes(body_id, dict.fromkeys(codes, int(score)))


@then(parsers.re(r"(?:its|(?P<name>[A-Z][^']*?)'s) (?P<theme>[a-z ]+?) theme scores (?P<score>\d)$"))
def then_theme_scores(area: Area, name: str | None, theme: str, score: str) -> None:
    """Then its <theme> theme scores <n>: the theme's score (lower median of its KLOEs, capped above its lowest)."""
    body_id = area.body(name)
    got = theme_score(area, body_id, theme)
    check(got == int(score), area, f"expected the {theme} theme of {body_id} to score {score}; it scores {got}")


@then(parsers.re(r"(?:its|(?P<name>[A-Z][^']*?)'s) (?P<theme>[a-z ]+?) theme has no score$"))
def then_theme_absent(area: Area, name: str | None, theme: str) -> None:
    """Then its <theme> theme has no score: a theme with no assessed KLOE is absent, not zero."""
    body_id = area.body(name)
    got = theme_score(area, body_id, theme)
    check(got is None, area, f"expected the {theme} theme of {body_id} to be absent; it scores {got}")


@then(parsers.re(r"(?:its )?theme scores are:$"))
def then_theme_table(area: Area, datatable: list[list[str]]) -> None:
    """Then its theme scores are: a table with columns theme and score ('none' for a theme with no score)."""
    body_id = area.body()
    for row in table_rows(datatable, ("theme", "score")):
        got = theme_score(area, body_id, row["theme"])
        want = None if row["score"] in ("none", "absent", "") else int(row["score"])
        check(got == want, area, f"expected the {row['theme']} theme to score {row['score']}; it scores {got}")


KLOE_WORDS = r"(?:KLOE (?P<code>\S+)|the (?P<nth>[a-z]+) KLOE of its (?P<theme>[a-z ]+?) theme)"


def kloe_code(area: Area, code: str | None, nth: str | None, theme: str | None) -> str:
    """A KLOE's code as written ('1.2'), or read from the rules under test: 'the second KLOE of its first theme'."""
    if code:
        return code
    assert nth is not None and theme is not None
    codes = theme_kloes(area, theme)
    if nth not in ORDINALS or ORDINALS.index(nth) >= len(codes):
        raise ValueError(f"the {theme} theme has {len(codes)} KLOEs ({', '.join(codes)}); there is no {nth} KLOE")
    return codes[ORDINALS.index(nth)]


@then(parsers.re(KLOE_WORDS + r" is to be reassessed next year$"))
def then_reassess(area: Area, code: str | None, nth: str | None, theme: str | None) -> None:
    """Then KLOE <code> is to be reassessed next year: the result carries a 'reassess next year' note on it.

    Also 'the <first|second|...> KLOE of its <theme> theme', read from the rules under test."""
    code = kloe_code(area, code, nth, theme)
    body_id = area.body()
    subjects = [note.subject for note in area.notes("reassess_next_year") if note.body == body_id]
    check(any(s.endswith(f"/kloe/{code}") for s in subjects), area, f"expected KLOE {code} to be reassessed next year")


@then(parsers.re(r"each KLOE of its (?P<theme>[a-z ]+?) theme is to be reassessed next year$"))
def then_reassess_theme(area: Area, theme: str) -> None:
    """Then each KLOE of its <theme> theme is to be reassessed next year: a 'reassess next year' note on every
    KLOE of the theme (by name, or 'first' ... 'last', 'largest', read from the rules under test)."""
    body_id = area.body()
    subjects = [note.subject for note in area.notes("reassess_next_year") if note.body == body_id]
    missing = [code for code in theme_kloes(area, theme) if not any(s.endswith(f"/kloe/{code}") for s in subjects)]
    check(not missing, area, f"expected every KLOE of the {theme} theme to be reassessed; not: {', '.join(missing)}")


@then(parsers.re(r"(?:no KLOE is|" + KLOE_WORDS + r" is not) to be reassessed next year$"))
def then_no_reassess(area: Area, code: str | None, nth: str | None, theme: str | None) -> None:
    """Then no KLOE is|KLOE <code> is not to be reassessed next year: the result carries no 'reassess next year'
    note on the body's KLOEs, or on that one."""
    code = kloe_code(area, code, nth, theme) if code or nth else None
    body_id = area.body()
    subjects = [note.subject for note in area.notes("reassess_next_year") if note.body == body_id]
    unwanted = [s for s in subjects if code is None or s.endswith(f"/kloe/{code}")]
    check(not unwanted, area, f"expected no reassessment, but the result says so for {', '.join(unwanted)}")


# --------------------------------------------------------------------------------------------------
# Direction of travel
# --------------------------------------------------------------------------------------------------

# Where the direction of travel rules put the two shares a council is judged on (the measures' into.field).
DOT_SHARES = {"improved": "progress.improved", "delivered": "progress.delivered"}
DOT_COUNCIL_COLUMNS = ("indicators", "improved", "milestones", "delivered")
DOT_BAND = re.compile(r"\bthe improving (?:strongly|well|adequately) share$", re.I)


def dot_count(area: Area, words: str, out_of: str | None, counted: str) -> tuple[int, int]:
    """(how many, out of how many) a direction of travel step names: '53' of '104', 'all', 'none', 'half',
    '75%', or '[just below|exactly|just above] the improving <band> share', which is the share improved (or
    delivered, as ``counted`` says) that band needs. Without a number to count out of, enough things are
    built that just below, at and just above the threshold are all exact."""
    words = words.strip()
    if re.fullmatch(r"\d+", words):
        if out_of is None:
            raise ValueError(f"say how many '{words}' is out of, as in '{words} of 20'")
        words = f"{words} of {out_of}"
    elif DOT_BAND.search(words):
        words = f"{words} {counted}"
    share = Share(words)
    total = int(out_of) if out_of is not None else share.out_of(area)
    return share.count(area, total), total


def dot_change(area: Area, words: str) -> Fraction:
    """A change in words, as a share of last year's value: '10%', or '[just below|exactly|just above] the
    stable band' (a hundredth of the band below or above it: JUST)."""
    m = SHARE.match(words.strip())
    assert m is not None
    what = m.group("what")
    if re.fullmatch(r"\d+(?:\.\d+)?%", what):
        value = Fraction(what[:-1]) / 100
    else:
        value = Fraction(threshold(area, what))
    step = value * JUST if value else JUST / 10
    where = (m.group("where") or "at").lower()
    if where in ("just below", "just under"):
        if value == 0:
            raise ValueError(f"nothing is below '{what}' ({percent(value)})")
        return value - step
    if where in ("just above", "just over"):
        return value + step
    return value


def dot_share_found(area: Area, body_id: str, counted: str) -> tuple[Any, tuple[int, int] | None]:
    """The share improved or delivered the direction of travel counted for a body, and (how many counted,
    out of how many) from the audit trail of the measure that took it (None if it took none)."""
    area.require(DOT_SHARES[counted])
    result = area.result()
    finding = result.findings.get("body", {}).get(body_id, {}).get(DOT_SHARES[counted])
    if finding is None:
        return None, None
    for event in result.audit:
        if event.kind == "measure" and event.id == finding.by and event.subject == body_id:
            for read in event.inputs:
                if read.name.startswith("share("):
                    return finding.value, (len(read.facts), len(read.among))
    return finding.value, None


def dot_expected(words: str) -> tuple[Fraction, tuple[int, int] | None]:
    """A share a 'Then' states: '53 of its 104', '75% of its', 'all of its', 'none of its'."""
    words = words.strip()
    if m := re.fullmatch(r"(\d+) of its (\d+)", words):
        return Fraction(int(m.group(1)), int(m.group(2))), (int(m.group(1)), int(m.group(2)))
    if m := re.fullmatch(r"(\d+(?:\.\d+)?)% of its", words):
        return Fraction(m.group(1)) / 100, None
    if words == "all of its":
        return Fraction(1), None
    if words == "none of its":
        return Fraction(0), None
    raise ValueError(f"say a share as '53 of its 104', '75% of its', 'all of its' or 'none of its', not '{words}'")


@given(
    parsers.re(
        r"(?:a council whose|its|(?P<name>[A-Z][^']*?)'s) indicators improved on last year in (?P<share>.+?) of "
        r"(?:(?P<out_of>\d+) )?cases$"
    )
)
def given_dot_indicators_improved(area: Area, name: str | None, share: str, out_of: str | None) -> None:
    """Given a council whose indicators improved on last year in <share> of <n> cases: that many of the council's
    indicators (higher is better) improved on last year by far, and the rest declined by far.

    Also 'its indicators ...' or '<body>'s indicators ...'. The share: a number ('53 of 104 cases'), 'all',
    'none', 'half', a percentage, or '[just below|exactly|just above] the improving <strongly|well|adequately>
    share' (the share improved that band needs, read from the rules under test); without '<n>', enough
    indicators are built for that share to be exact.
    """
    body_id = area.body(name)
    improved, total = dot_count(area, share, out_of, "improved")
    area.add_indicator_mix(body_id, total, improved=improved)


@given(
    parsers.re(
        r"(?:a council whose|its|(?P<name>[A-Z][^']*?)'s) indicators include (?P<count>\d+) that "
        r"(?P<way>rose|fell) by (?P<change>.+?) on last year$"
    )
)
def given_dot_indicators_moved(area: Area, name: str | None, count: str, way: str, change: str) -> None:
    """Given a council whose indicators include <n> that rose|fell by <change> on last year: <n> indicators
    (higher is better) whose value moved by that share of last year's value.

    The change: a percentage, or '[just below|exactly|just above] the stable band' (read from the rules under
    test; just below and just above are a hundredth of the band either side).
    """
    body_id = area.body(name)
    moved = dot_change(area, change) * (1 if way == "rose" else -1)
    previous = 1000
    value = previous * (1 + moved)
    for _ in range(int(count)):
        area.add_indicator(body_id, value=int(value) if value.denominator == 1 else float(value), previous=previous)


@given(
    parsers.re(
        r"(?:a council whose|its|(?P<name>[A-Z][^']*?)'s) indicators include (?P<count>\d+) with no value "
        r"for last year$"
    )
)
def given_dot_indicators_without_previous(area: Area, name: str | None, count: str) -> None:
    """Given a council whose indicators include <n> with no value for last year: <n> indicators with no previous
    value, so with no trend either way."""
    body_id = area.body(name)
    for _ in range(int(count)):
        area.add_indicator(body_id, value=100)


@given(
    parsers.re(
        r"(?:a council that|it|(?P<name>[A-Z][^']*?)) delivered (?P<share>.+?) of its (?:(?P<out_of>\d+) )?"
        r"improvement-plan milestones$"
    )
)
def given_dot_milestones_delivered(area: Area, name: str | None, share: str, out_of: str | None) -> None:
    """Given a council that delivered <share> of its <n> improvement-plan milestones: the council's improvement
    plan has <n> milestones, that many of them delivered.

    Also 'it delivered ...' or '<body> delivered ...'. The share as for indicators: '7 of its 10', 'all',
    'none', a percentage, or '[just below|exactly|just above] the improving <band> share' (the share delivered
    that band needs, read from the rules under test).
    """
    body_id = area.body(name)
    delivered, planned = dot_count(area, share, out_of, "delivered")
    area.add_milestones(body_id, delivered, planned)


@given(parsers.re(r"(?:its|(?P<name>[A-Z][^']*?)'s) improvement plan has the milestones:$"))
def given_dot_milestone_table(area: Area, name: str | None, datatable: list[list[str]]) -> None:
    """Given its improvement plan has the milestones: a table with columns milestone and delivered (yes or no)."""
    body_id = area.body(name)
    for row in table_rows(datatable, ("milestone", "delivered")):
        answer = row["delivered"].lower()
        if answer not in ("yes", "no"):
            raise ValueError(f"say whether '{row['milestone']}' was delivered as yes or no, not '{row['delivered']}'")
        area.milestones.append({"body": body_id, "title": row["milestone"], "delivered": answer == "yes"})


@given(parsers.re(r"(?:its|(?P<name>[A-Z][^']*?)'s) improvement plan has no milestones$"))
def given_dot_no_milestones(area: Area, name: str | None) -> None:
    """Given its improvement plan has no milestones: the evidence has none for the council (nothing is added)."""
    body_id = area.body(name)
    if any(m["body"] == body_id for m in area.milestones):
        raise ValueError(f"the scenario already gave {area.bodies[body_id]['name']} improvement-plan milestones")


@given(parsers.re(r"the councils' indicators and milestones are:$"))
def given_dot_council_table(area: Area, datatable: list[list[str]]) -> None:
    """Given the councils' indicators and milestones are: a table with columns council, indicators, improved,
    milestones and delivered; each council named must be in the scenario already, and gets that many indicators
    of its own (the improved ones improved on last year, the rest declined) and that many milestones (the
    delivered ones delivered)."""
    for row in table_rows(datatable, ("council", *DOT_COUNCIL_COLUMNS)):
        body_id = area.body(row["council"])
        count = {column: whole(row[column], f"{column} of {row['council']}") for column in DOT_COUNCIL_COLUMNS}
        area.add_indicator_mix(body_id, count["indicators"], improved=count["improved"])
        area.add_milestones(body_id, count["delivered"], count["milestones"])


@then(
    parsers.re(
        r"(?:its|(?P<name>[A-Z][^']*?)'s) direction of travel counts (?P<improved>.+?) indicators"
        r"(?: with a value for last year)? improved and (?P<delivered>.+?) milestones delivered$"
    )
)
def then_dot_counts(area: Area, name: str | None, improved: str, delivered: str) -> None:
    """Then its direction of travel counts <a> of its <b> indicators improved and <c> of its <d> milestones delivered:
    the two shares the judgement rests on, and what each was taken over.

    Also '<body>'s direction of travel counts ...', and '... indicators with a value for last year improved'.
    Each share: '<a> of its <b>' (checks the counts too), '<n>% of its', 'all of its' or 'none of its'.
    """
    body_id = area.body(name)
    who = area.bodies[body_id]["name"]
    for counted, words in (("improved", improved), ("delivered", delivered)):
        want, want_counts = dot_expected(words)
        got, got_counts = dot_share_found(area, body_id, counted)
        what = "indicators improved" if counted == "improved" else "milestones delivered"
        check(got is not None, area, f"expected a share of {what} for {who}; the result has none")
        check(
            abs(Fraction(str(got)) - want) < Fraction(1, 10**5),
            area,
            f"expected {percent(want)} of {who}'s {what}; the result says {percent(Fraction(str(got)))}",
        )
        if want_counts is not None:
            check(
                got_counts == want_counts,
                area,
                f"expected {want_counts[0]} of {want_counts[1]} {what} for {who}; the result counted "
                + (f"{got_counts[0]} of {got_counts[1]}" if got_counts else "none"),
            )


@then(
    parsers.re(
        r"(?:it|(?P<name>[A-Z][^']*?)) has no direction of travel, and the result says it had nothing to judge it on$"
    )
)
def then_dot_nothing_to_judge(area: Area, name: str | None) -> None:
    """Then it has no direction of travel, and the result says it had nothing to judge it on: no score, and a
    note on the council that it had neither indicators nor improvement-plan milestones."""
    body_id = area.body(name)
    got, got_label, who = area.judgement("direction_of_travel", body_id)
    check(got is None, area, f"expected no direction of travel for {who}; it is {got}, {got_label}")
    said = [note for note in area.notes("direction_of_travel_not_judged") if note.body == body_id]
    check(bool(said), area, f"expected the result to say {who} had nothing to judge its direction of travel on")


@then(parsers.re(r"(?:it|(?P<name>[A-Z][^']*?)) has no direction of travel, as it is not a council$"))
def then_dot_not_a_council(area: Area, name: str | None) -> None:
    """Then it has no direction of travel, as it is not a council: no score, and no note either (only councils
    are judged, so there is nothing to explain)."""
    body_id = area.body(name)
    got, got_label, who = area.judgement("direction_of_travel", body_id)
    check(got is None, area, f"expected no direction of travel for {who}; it is {got}, {got_label}")
    said = [note.text for note in area.notes("direction_of_travel_not_judged") if note.body == body_id]
    check(not said, area, f"expected no direction of travel note for {who}, which is not a council: {said}")
    for counted in DOT_SHARES:
        check(
            dot_share_found(area, body_id, counted)[0] is None,
            area,
            f"expected no share {counted} to be counted for {who}, which is not a council",
        )


# --------------------------------------------------------------------------------------------------
# National Indicator Set
# --------------------------------------------------------------------------------------------------

INDICATOR_CODE = r"[A-Z]{1,6} \d{1,4}[a-z]?"
LABEL_WORDS = {  # the words a scenario uses for each label the rules give an indicator
    "target_status": {"met": "met", "near miss": "near_miss", "missed": "missed"},
    "trend": {"improved": "improved", "stable": "stable", "declined": "declined"},
    "quartile": {"top": "top", "second": "second", "third": "third", "bottom": "bottom"},
    "value_quartile": {
        "upper": "upper",
        "upper middle": "upper_middle",
        "lower middle": "lower_middle",
        "lower": "lower",
    },
}
NOTHING = ("", "none", "-", "no")
SHARE_FINDINGS = {"of targets met": "met", "improved": "improved", "in the bottom quartile": "bottom"}


def number(text: str) -> Fraction:
    """A number as a scenario writes it: '47', '47%', '100,000', '-2.5' (a trailing % is the unit, not a share)."""
    cleaned = text.strip().removesuffix("%").replace(",", "")
    try:
        return Fraction(cleaned)
    except ValueError:
        raise ValueError(f"'{text}' is not a number") from None


def evidence_number(value: Fraction) -> int | float:
    """A number for the evidence bundle (JSON has ints and decimals), refusing one a decimal cannot hold exactly."""
    if value.denominator == 1:
        return int(value)
    as_float = float(value)
    if Fraction(repr(as_float)) != value:
        raise ValueError(f"{value} has no exact decimal form: choose a target or previous value that gives one")
    return as_float


def quartile_values(lower: str, median: str, upper: str) -> tuple[float, float, float]:
    """The national lower quartile, median and upper quartile, from a scenario's words."""
    return evidence_number(number(lower)), evidence_number(number(median)), evidence_number(number(upper))


def catalogue_polarity(area: Area, code: str) -> str | None:
    """Which way is better for a National Indicator of the rules' catalogue; None if it is not listed."""
    row = area.plan.tables.get("indicator", {}).get("rows", {}).get(code)
    return None if row is None else row.get("polarity")


def indicator_subject(area: Area, code: str | None) -> tuple[str, dict[str, Any]]:
    """The subject id and evidence entry of indicator ``code`` (of the body last named, if several bodies give
    it), or of the indicator the scenario added last when ``code`` is None."""
    if not area.indicators:
        raise ValueError("the scenario has no indicator yet")
    if code is None:
        entry = area.indicators[-1]
    else:
        entries = [e for e in area.indicators if e["code"] == code]
        if len(entries) > 1:
            entries = [e for e in entries if e["body"] == area.current] or entries
        if not entries:
            codes = ", ".join(e["code"] for e in area.indicators)
            raise ValueError(f"the scenario has no indicator {code} (it has: {codes})")
        entry = entries[0]
    return f"{entry['body']}/indicator/{entry['code']}", entry


def indicator_label(area: Area, code: str | None, classification: str) -> tuple[str | None, str]:
    """The label the rules gave an indicator for a classification (target_status, trend, quartile), or None;
    and a description of the indicator and its labels for a failure message."""
    area.require(classification)
    subject, entry = indicator_subject(area, code)
    found = area.result().findings.get("indicator", {}).get(subject, {})
    labels = {name: f.value for name, f in found.items() if name in LABEL_WORDS}
    shown = ", ".join(f"{k.replace('_', ' ')} {v.replace('_', ' ')}" for k, v in labels.items()) or "no labels"
    described = f"indicator {entry['code']} ({_evidence_words(entry)}) has {shown}"
    return labels.get(classification), described


def _evidence_words(entry: dict[str, Any]) -> str:
    parts = [f"{key} {entry[key]}" for key in ("polarity", "value", "target", "previous") if key in entry]
    if "benchmarks" in entry:
        parts.append("quartiles " + ", ".join(str(v) for v in entry["benchmarks"].values()))
    return "; ".join(parts)


def indicator_value(
    area: Area, how: str, reference: Fraction, reference_words: str, band_words: str, polarity: str
) -> Fraction:
    """A value in words relative to a target or previous value: 'of 47', 'at the target', 'just better than the
    target', 'worse than the previous value by 3', '... by 10%' (of it), '... by [just under|exactly|just over]
    the <threshold>' (that share of it, read from the rules under test).

    'Just' is one hundredth of the band the comparison is about (the near-miss band against a target, the
    stable band against a previous value; one thousandth of the reference where that band is 0), so a value
    'just worse than the target' is within the near-miss band under any band but 0.
    """
    how = how.strip()
    if m := re.fullmatch(r"of (\S+)", how):
        return number(m.group(1))
    if re.fullmatch(rf"(?:at|equal to) the {reference_words}", how):
        return reference
    m = re.fullmatch(rf"(?P<just>just )?(?P<way>better|worse) than the {reference_words}(?: by (?P<by>.+))?", how)
    if m is None:
        raise ValueError(
            f"say the value as 'of 47', 'at the {reference_words}', 'just better|worse than the {reference_words}' "
            f"or 'better|worse than the {reference_words} by <how much>', not '{how}'"
        )
    size = abs(reference)
    band = Fraction(threshold(area, band_words)) * size
    just = band * JUST if band else (size * JUST / 10 or JUST)
    if m.group("just"):
        if m.group("by"):
            raise ValueError(f"say either 'just {m.group('way')}' or 'by' how much, not both: '{how}'")
        delta = just
    elif m.group("by") is None:
        raise ValueError(f"say by how much the value is {m.group('way')} than the {reference_words}: '{how}'")
    else:
        delta = _by_how_much(area, m.group("by"), size)
    better = 1 if polarity == "higher" else -1
    return reference + delta * (better if m.group("way") == "better" else -better)


def _by_how_much(area: Area, words: str, size: Fraction) -> Fraction:
    """'3' (in the indicator's unit), '10%' (of the reference), or '[just under|exactly|just over] the <threshold>'."""
    words = words.strip()
    if re.fullmatch(r"-?[\d,]*\.?\d+%", words):
        return number(words) / 100 * size
    if re.fullmatch(r"-?[\d,]*\.?\d+", words):
        return number(words)
    m = re.fullmatch(r"(?:(?P<where>just under|just within|exactly|just over|just beyond) )?(?P<what>.+)", words)
    assert m is not None
    amount = Fraction(threshold(area, m.group("what"))) * size
    where = m.group("where") or "exactly"
    if where in ("just under", "just within"):
        if amount == 0:
            raise ValueError(f"{m.group('what')} is 0 in the rules under test: nothing is within it")
        return amount - amount * JUST
    if where in ("just over", "just beyond"):
        return amount + (amount * JUST if amount else size * JUST / 10 or JUST)
    return amount


def check_label(area: Area, code: str | None, classification: str, want: str | None) -> None:
    got, described = indicator_label(area, code, classification)
    what = classification.replace("_", " ")
    expected = f"{what} {want.replace('_', ' ')}" if want else f"no {what}"
    check(got == want, area, f"expected {expected}, but {described}")


def share_value(words: str) -> Fraction:
    """A share as a scenario states a result: '75%', '3 of 4', '0', 'none', 'all'."""
    words = words.strip().lower()
    if words in ("none", "no", "0"):
        return Fraction(0)
    if words == "all":
        return Fraction(1)
    if m := re.fullmatch(r"(\d+) of (\d+)", words):
        return Fraction(int(m.group(1)), int(m.group(2)))
    if words.endswith("%"):
        return number(words) / 100
    raise ValueError(f"say a share as '75%', '3 of 4', 'none' or 'all', not '{words}'")


def indicator_share(area: Area, which: str) -> Any:
    """The finding of the area's share of targets met / indicators improved / benchmarked indicators in the
    bottom quartile (its value is rounded to six decimals; its evidence says how many of how many)."""
    field_name = SHARE_FINDINGS[which]
    area.require(f"indicator_shares.{field_name}")
    for settled in area.result().findings.get("area", {}).values():
        found = settled.get(f"indicator_shares.{field_name}")
        if found is not None:
            return found
    return None


@given(parsers.re(r"the area's indicators(?: are)?:$"))
def given_indicator_table(area: Area, datatable: list[list[str]]) -> None:
    """Given the area's indicators are: a table of indicators, one a row; an empty cell is not given.

    Columns: indicator (a code: 'NI 192', or 'LPI 1' for a local indicator), better ('higher' or 'lower';
    a National Indicator takes it from the catalogue, so it may be left empty), value, target, previous,
    lower quartile, median, upper quartile (all three or none), and optionally title and body (the body
    responsible; the body last named otherwise).
    """
    for row in table_rows(datatable, ("indicator", "value")):
        code = row.get("indicator", "")
        if not re.fullmatch(INDICATOR_CODE, code):
            raise ValueError(f"'{code}' is not an indicator code: say 'NI 192', or 'LPI 1' for a local one")
        body_id = area.body(row["body"]) if row.get("body") else area.body()
        better = row.get("better", "").lower().removesuffix(" is better") or None
        listed = catalogue_polarity(area, code)
        if listed is not None and better not in (None, listed):
            raise ValueError(f"the catalogue says {listed} is better for {code}, not {better}")
        if listed is None and better is None:
            raise ValueError(f"{code} is not in the catalogue: say whether higher or lower is better")
        given = {key: number(row[key]) for key in ("value", "target", "previous") if row.get(key)}
        if "value" not in given:
            raise ValueError(f"give {code} a value: its value cell is empty")
        bounds = [row.get(key, "") for key in ("lower quartile", "median", "upper quartile")]
        if any(bounds) and not all(bounds):
            raise ValueError(f"give {code} all three national quartiles (lower quartile, median, upper quartile)")
        entry = area.add_indicator(
            body_id,
            code=code,
            value=evidence_number(given["value"]),
            polarity=None if listed else better,
            target=evidence_number(given["target"]) if "target" in given else None,
            previous=evidence_number(given["previous"]) if "previous" in given else None,
            quartiles=quartile_values(*bounds) if all(bounds) else None,
        )
        if row.get("title"):
            entry["title"] = row["title"]


@given(
    parsers.re(
        r"an indicator where (?P<better>higher|lower) is better, with a target of (?P<target>\S+) "
        r"and a value (?P<how>.+)$"
    )
)
def given_indicator_against_target(area: Area, better: str, target: str, how: str) -> None:
    """Given an indicator where higher|lower is better, with a target of <n> and a value <how>: one local
    indicator of the body last named, judged against its target.

    The value: 'of 47', 'at the target', 'just better than the target', 'just worse than the target', or
    'worse than the target by <how much>': '3', '10%' (of the target), or '[just under|exactly|just over] the
    near-miss band' (that share of the target, read from the rules under test). 'Just' is a hundredth of the
    near-miss band.
    """
    reference = number(target)
    value = indicator_value(area, how, reference, "target", "near-miss band", better)
    area.add_indicator(area.body(), value=evidence_number(value), polarity=better, target=evidence_number(reference))


@given(
    parsers.re(
        r"an indicator where (?P<better>higher|lower) is better, with a previous value of (?P<previous>\S+) "
        r"and a value (?P<how>.+)$"
    )
)
def given_indicator_against_previous(area: Area, better: str, previous: str, how: str) -> None:
    """Given an indicator where higher|lower is better, with a previous value of <n> and a value <how>: one local
    indicator of the body last named, judged against last year's value.

    The value: 'of 48', 'at the previous value', 'just better|worse than the previous value', or
    'better|worse than the previous value by <how much>': '3', '10%' (of the previous value), or '[just
    under|exactly|just over] the stable band' (read from the rules under test). 'Just' is a hundredth of the
    stable band.
    """
    reference = number(previous)
    value = indicator_value(area, how, reference, "previous value", "stable band", better)
    area.add_indicator(area.body(), value=evidence_number(value), polarity=better, previous=evidence_number(reference))


@given(
    parsers.re(
        r"an indicator where (?P<better>higher|lower) is better, with a value of (?P<value>\S+) against a national "
        r"lower quartile of (?P<lower>\S+), a median of (?P<median>\S+) and an upper quartile of (?P<upper>\S+)$"
    )
)
def given_indicator_benchmarked(area: Area, better: str, value: str, lower: str, median: str, upper: str) -> None:
    """Given an indicator where higher|lower is better, with a value of <n> against a national lower quartile of
    <n>, a median of <n> and an upper quartile of <n>: one local indicator, benchmarked nationally."""
    area.add_indicator(
        area.body(),
        value=evidence_number(number(value)),
        polarity=better,
        quartiles=quartile_values(lower, median, upper),
    )


@given(
    parsers.re(
        r"the area's indicators (?:meet (?P<met>.+?) of their targets(?P<near> and narrowly miss the rest)?"
        r"|have no targets), (?:(?P<improved>.+?) of them improved|none has a previous value) and "
        r"(?:(?P<bottom>.+?) of those benchmarked sit in the bottom quartile|none is benchmarked)$"
    )
)
def given_indicator_shares(
    area: Area, met: str | None, near: str | None, improved: str | None, bottom: str | None
) -> None:
    """Given the area's indicators meet <share> of their targets[ and narrowly miss the rest], <share> of them
    improved and <share> of those benchmarked sit in the bottom quartile: local indicators of the body last
    named (higher is better) giving exactly those shares.

    A share: '75%', 'all', 'none', 'half', '3 of 4', or '[just below|at|just above] <threshold>' read from the
    rules under test ('at the performing strongly share met'); enough indicators are built for every share to
    be exact. The targets not met are missed by far, or, with 'and narrowly miss the rest', near misses (worse
    than the target by half the near-miss band). Instead of a share: 'have no targets', 'none has a previous
    value', 'none is benchmarked'.
    """
    words = (met, improved, bottom)
    sizes = [Share(w).out_of(area, "indicator_set") for w in words if w is not None]
    out_of = math.lcm(*sizes)
    if out_of > 200:  # shares too fine to build all exactly: the largest size the shares asked for
        out_of = max(sizes)
    counts = [None if w is None else Share(w).count(area, out_of, "indicator_set") for w in words]
    body_id = area.body()
    first = len(area.indicators)
    area.add_indicator_mix(body_id, out_of, met=counts[0], improved=counts[1], bottom=counts[2])
    if near and counts[0] is not None:
        band = Fraction(threshold(area, "near-miss band"))
        for entry in area.indicators[first + counts[0] :]:
            # worse than the target by half the near-miss band: a near miss, not met
            entry["target"] = evidence_number(Fraction(entry["value"]) * (1 + band / 2))


@then(
    parsers.re(
        rf"(?:the indicator|indicator (?P<code>{INDICATOR_CODE})) (?P<verdict>has met its target|is a near miss"
        r"|has missed its target|has no target status)$"
    )
)
def then_indicator_target(area: Area, code: str | None, verdict: str) -> None:
    """Then indicator <code> has met its target|is a near miss|has missed its target|has no target status: how it
    did against its target ('the indicator' means the one added last)."""
    want = {"has met its target": "met", "is a near miss": "near_miss", "has missed its target": "missed"}
    check_label(area, code, "target_status", want.get(verdict))


@then(
    parsers.re(
        rf"(?:the indicator|indicator (?P<code>{INDICATOR_CODE})) (?P<verdict>has improved|is stable|has declined"
        r"|has no trend)$"
    )
)
def then_indicator_trend(area: Area, code: str | None, verdict: str) -> None:
    """Then indicator <code> has improved|is stable|has declined|has no trend: how it moved from its previous
    value ('the indicator' means the one added last)."""
    want = {"has improved": "improved", "is stable": "stable", "has declined": "declined"}
    check_label(area, code, "trend", want.get(verdict))


@then(
    parsers.re(
        rf"(?:the indicator|indicator (?P<code>{INDICATOR_CODE})) (?:sits in the (?P<quartile>top|second|third"
        r"|bottom) quartile|has no quartile)$"
    )
)
def then_indicator_quartile(area: Area, code: str | None, quartile: str | None) -> None:
    """Then indicator <code> sits in the top|second|third|bottom quartile|has no quartile: where it sits among
    the national quartiles ('the indicator' means the one added last)."""
    check_label(area, code, "quartile", quartile)


@then(parsers.re(r"the indicators are judged:$"))
def then_indicator_table(area: Area, datatable: list[list[str]]) -> None:
    """Then the indicators are judged: a table with columns indicator and any of target (met, near miss,
    missed), trend (improved, stable, declined), quartile (top, second, third, bottom) and value quartile (upper,
    upper middle, lower middle, lower: for an indicator with no better direction); 'none' or an empty cell for no
    such label."""
    columns = {"target": "target_status", "trend": "trend", "quartile": "quartile", "value quartile": "value_quartile"}
    for row in table_rows(datatable, ("indicator",)):
        for column, classification in columns.items():
            if column not in row:
                continue
            words = row[column].lower()
            if words in NOTHING:
                check_label(area, row["indicator"], classification, None)
                continue
            if words not in LABEL_WORDS[classification]:
                raise ValueError(f"say the {column} as one of {', '.join(LABEL_WORDS[classification])}, not '{words}'")
            check_label(area, row["indicator"], classification, LABEL_WORDS[classification][words])


@then(
    parsers.re(
        r"the area's indicators' share (?P<which>of targets met|improved|in the bottom quartile) is (?P<share>.+)$"
    )
)
def then_indicator_share(area: Area, which: str, share: str) -> None:
    """Then the area's indicators' share of targets met|improved|in the bottom quartile is <share>: each share is
    taken over the indicators that have what it needs (a target, a previous value, benchmarks); nothing to
    count is 0."""
    want = share_value(share)
    found = indicator_share(area, which)
    if found is None:
        check(False, area, f"expected the area's share {which} to be {share}; it is not computed")
        return
    # the finding's value is rounded to six decimals; a share stated as 'k of n' is also checked exactly
    close = abs(Fraction(str(found.value)) - want) <= Fraction(1, 10**6)
    m = re.fullmatch(r"\s*(\d+) of (\d+)\s*", share)
    counted = m is None or any(f"({m.group(1)} of {m.group(2)}" in line for line in found.evidence)
    taken = "; ".join(found.evidence)
    check(
        close and counted,
        area,
        f"expected the area's share {which} to be {share.strip()}; it is {percent(Fraction(str(found.value)))} "
        f"({taken})",
    )


# --------------------------------------------------------------------------------------------------
# Overall area view
# --------------------------------------------------------------------------------------------------

OVERALL_ELEMENTS = ("indicator_set", "direction_of_travel", "use_of_resources", "risk_assessment")
ELEMENT_WORDS = r"national indicator set|indicator set|direction of travel|use of resources|risk assessment"
OVERALL_BANDS = {4: "overall performing strongly", 3: "overall performing well", 2: "overall adequate"}
NOT_JUDGED = ("", "not judged", "none", "-")


@dataclass
class ElementRow:
    """One row of 'an area whose elements score': an element, whose it is, and the score asked for."""

    element: str  # the element's id
    words: str  # as the scenario said it
    body: str | None  # the body, for an element judged per body
    score: int | None  # None: not judged
    because: str = ""


def _element_rows(area: Area, datatable: list[list[str]], default_body: str) -> list[ElementRow]:
    rows = []
    for row in table_rows(datatable, ("element", "score")):
        words = row.get("element", "")
        element = ELEMENTS.get(words.lower())
        if element not in OVERALL_ELEMENTS:
            raise ValueError(
                f"unknown element '{words}': say National Indicator Set, direction of travel, "
                "use of resources or risk assessment"
            )
        per_body = element in ("direction_of_travel", "use_of_resources")
        whose = row.get("for", "")
        if whose and not per_body:
            raise ValueError(f"the {words} is judged for the area, not for {whose}: leave its 'for' empty")
        body = (area.body(whose) if whose else default_body) if per_body else None
        score = row.get("score", "").lower()
        if score not in NOT_JUDGED and not re.fullmatch(r"[1-4]", score):
            raise ValueError(f"say the {words} score as 1 to 4 or 'not judged', not '{row.get('score')}'")
        because = row.get("because of", "")
        if because and (element != "risk_assessment" or score in NOT_JUDGED):
            raise ValueError(
                f"'because of' says why the risk assessment has a red flag: leave it empty for the {words}"
                + (" that is not judged" if element == "risk_assessment" else "")
            )
        entry = ElementRow(element, words, body, None if score in NOT_JUDGED else int(score), because)
        if any((r.element, r.body) == (entry.element, entry.body) for r in rows):
            raise ValueError(f"the table gives the {words}{' for ' + whose if whose else ''} twice")
        rows.append(entry)
    return rows


def _overall_default_body(area: Area, no_lead: bool) -> str:
    """The body whose per-body elements count: the lead council, or (no lead council) the council 'it'
    refers to, else the first council, else a new council that does not lead."""
    if no_lead:
        for entry in area.bodies.values():
            entry["lead"] = False
        if area.current and area.bodies[area.current]["kind"] in COUNCIL_KINDS.values():
            return area.current
        councils = [b for b, e in area.bodies.items() if e["kind"] in COUNCIL_KINDS.values()]
        return councils[0] if councils else area.add_body("council", f"{area.name} Council", lead=False)
    return area.council()


def _partner(area: Area) -> str:
    """A body of the area that is not a council (its indicators give no council a direction of travel)."""
    for body_id, entry in area.bodies.items():
        if entry["kind"] not in COUNCIL_KINDS.values():
            return body_id
    return area.add_body("police force", f"{area.name} Police", lead=False)


def _build_direction_of_travel(area: Area, body_id: str, score: int, with_indicators: bool) -> tuple[bool, str]:
    """Milestones (and, when it uses them, improved indicators) that give a council this direction of
    travel; returns whether its indicators are needed, and what was built."""
    planned = Share("the improving well share delivered").out_of(area, "direction_of_travel", at_least=10)
    if score == 4:
        area.add_milestones(body_id, planned, planned)
        return True, f"all of its indicators improved and all {planned} milestones delivered"
    if score == 3:
        delivered = Share("the improving well share delivered").count(area, planned, "direction_of_travel")
        area.add_milestones(body_id, delivered, planned)
        return True, f"all of its indicators improved and {delivered} of {planned} milestones delivered"
    if score == 2 and with_indicators:
        area.add_milestones(body_id, 0, planned)
        return True, f"all of its indicators improved and none of {planned} milestones delivered"
    if score == 2:
        planned = Share("the improving adequately share delivered").out_of(area, "direction_of_travel", at_least=10)
        delivered = Share("the improving adequately share delivered").count(area, planned, "direction_of_travel")
        area.add_milestones(body_id, delivered, planned)
        return False, f"no indicators and {delivered} of {planned} milestones delivered"
    area.add_milestones(body_id, 0, planned)
    return False, f"no indicators and none of {planned} milestones delivered"


def _build_indicator_set(area: Area, owner: str, score: int) -> str:
    """Indicators of ``owner``, all improved and none in the bottom quartile, with the share of targets
    met that gives the area this score; returns what was built."""
    met_share = {
        4: "all",
        3: "the performing well share met",
        2: "the adequate share met",
        1: "just below the adequate share met",
    }[score]
    sized_by = "the performing strongly share met" if score == 4 else met_share
    out_of = Share(sized_by).out_of(area, "indicator_set")
    met = Share(met_share).count(area, out_of, "indicator_set")
    area.add_indicator_mix(owner, out_of, met=met, improved=out_of, bottom=0)
    return f"{met} of {out_of} targets met, all improved, none in the bottom quartile"


# What a risk-assessment row's 'because of' may say, and whether the red flags are on outcomes concerning
# vulnerable people or safeguarding ('red flags ...': all of them; 'a red flag ...': one of them).
BECAUSE = {
    "a red flag on a safeguarding outcome": True,
    "a red flag on an outcome concerning vulnerable people": True,
    "red flags on safeguarding outcomes": True,
    "red flags on outcomes concerning vulnerable people": True,
    "a red flag on an outcome that does not concern vulnerable people": False,
    "red flags on outcomes that do not concern vulnerable people": False,
}


def _build_risk_assessment(area: Area, score: int, because: str) -> str:
    """Priority outcomes giving the area's risk assessment this score: exceeded ones (green flags) for a 4,
    one on track for a 3, at-risk ones not tackled (red flags) for a 2 or a 1. 'because of' says whether a
    red flag is on an outcome concerning safeguarding or vulnerable people: 'a red flag on a safeguarding
    outcome' (one of them), 'red flags on safeguarding outcomes' (all of them)."""
    words = because.strip().lower()
    if words and words not in BECAUSE:
        raise ValueError(f"say 'because of' as one of: {'; '.join(BECAUSE)} (not '{because}')")
    concerns_vulnerable = BECAUSE.get(words, False)
    if words and score > 2:
        raise ValueError(f"a risk assessment of {score} has no red flag: leave 'because of' empty")
    start = len(area.outcomes)
    if score == 4:
        greens = int(threshold(area, "green flags for performing strongly"))
        for number in range(max(greens, 1)):
            area.add_outcome(f"Priority outcome {start + number + 1}", "exceeded")
        return f"{max(greens, 1)} priority outcome(s) exceeded"
    if score == 3:
        area.add_outcome(f"Priority outcome {start + 1}", "on_track")
        return "one priority outcome on track"
    reds = 1 if score == 2 else int(threshold(area, "red flags an adequate area may have")) + 1
    if concerns_vulnerable and words.startswith("red flags"):
        reds = max(reds, int(threshold(area, "safeguarding red flags needed for the cap")))
    vulnerable = reds if words.startswith("red flags") else 1 if concerns_vulnerable else 0
    for number in range(reds):
        title = "Safeguarding outcome" if number < vulnerable else "Priority outcome"
        area.add_outcome(f"{title} {start + number + 1}", "at_risk", vulnerable=number < vulnerable)
    return f"{reds} priority outcome(s) at risk and not tackled, {vulnerable} of them concerning vulnerable people"


@given(parsers.re(r"an area whose elements score(?P<no_lead>, with no body marked as the lead council)?:$", flags=re.I))
def given_area_elements(area: Area, no_lead: str | None, datatable: list[list[str]]) -> None:
    """Given an area whose elements score[, with no body marked as the lead council]: builds evidence that the
    rules under test judge as the table says, and checks that they do.

    Columns: element (National Indicator Set, direction of travel, use of resources, risk assessment), score
    (1 to 4, or 'not judged'), and optionally 'for' (the body, for direction of travel and use of resources:
    the lead council unless said) and 'because of' (for the risk assessment: 'a red flag on a safeguarding
    outcome', 'a red flag on an outcome that does not concern vulnerable people', 'red flags on safeguarding
    outcomes'). An element not listed is not judged. The evidence, from the rules' thresholds: every KLOE of
    the body scored the score asked for; indicators that all improved with the share of targets met for the
    band; milestones delivered at the band's share; outcomes exceeded, on track, or at risk and not tackled.
    Direction of travel 3 or 4 needs improved indicators, so it needs the National Indicator Set judged too.
    """
    previous = area.current
    default_body = _overall_default_body(area, bool(no_lead))
    rows = _element_rows(area, datatable, default_body)
    built: dict[tuple[str, str | None], str] = {}
    indicator_row = next((r for r in rows if r.element == "indicator_set" and r.score is not None), None)
    owner = None  # the council whose improved indicators are the area's indicators
    for row in rows:
        if row.element == "direction_of_travel" and row.score is not None:
            uses_indicators, what = _build_direction_of_travel(area, row.body, row.score, indicator_row is not None)
            built[(row.element, row.body)] = what
            if uses_indicators and indicator_row is None:
                raise ValueError(
                    f"direction of travel {row.score} needs indicators that improved, and every indicator counts in "
                    "the National Indicator Set: give the National Indicator Set a score too"
                )
            if uses_indicators and row.body == default_body:
                owner = row.body
            elif uses_indicators:
                out_of = 10
                area.add_indicator_mix(row.body, out_of, improved=out_of)
                built[(row.element, row.body)] += f" ({out_of} indicators, no targets)"
        elif row.element == "use_of_resources" and row.score is not None:
            codes = sorted(area.plan.tables.get("kloe", {}).get("rows", {}))
            area.set_kloes(row.body, dict.fromkeys(codes, row.score))
            built[(row.element, row.body)] = f"every KLOE ({', '.join(codes)}) scored {row.score}"
        elif row.element == "risk_assessment" and row.score is not None:
            built[(row.element, None)] = _build_risk_assessment(area, row.score, row.because)
    if indicator_row is not None:
        where = owner or _partner(area)
        built[("indicator_set", None)] = _build_indicator_set(area, where, indicator_row.score or 0)
    area.current = previous or default_body

    # Check that the rules under test judge the evidence as asked (an unrecorded assessment: the scenario's
    # own 'Then' steps assess again and that one counts for rule coverage).
    result = area.engine.assess(area.bundle())
    expected = {(r.element, r.body): r for r in rows}
    for element in ("indicator_set", "risk_assessment"):
        expected.setdefault((element, None), ElementRow(element, element.replace("_", " "), None, None))
    for element in ("direction_of_travel", "use_of_resources"):
        expected.setdefault((element, default_body), ElementRow(element, element.replace("_", " "), default_body, None))
    problems = []
    for (element, body_id), row in expected.items():
        judged = result.elements.get(element)
        if judged is None:
            raise AssertionError(f"the rules under test judge no element '{element}'")
        one = (judged.bodies or {}).get(body_id) if body_id else judged
        got = one.score if one else None
        if got != row.score:
            whose = f" for {area.bodies[body_id]['name']}" if body_id else ""
            what = built.get((element, body_id), "no evidence for it")
            problems.append(
                f"  {row.words}{whose}: asked for {row.score or 'not judged'}, the rules under test give "
                f"{got or 'no judgement'} (evidence built: {what})"
            )
    if problems:
        raise AssertionError(
            "could not build an area whose elements score as the table says (the rules' thresholds may be tuned "
            "past what this step can build):\n" + "\n".join(problems)
        )


@given(parsers.re(r"the overall score keeps the brief's default bands:$"))
def given_overall_bands(area: Area, datatable: list[list[str]]) -> None:
    """Given the overall score keeps the brief's default bands: this scenario pins the bands in the table.

    Columns: overall score ('4, performing strongly'), needs at least (how many elements), elements scoring
    ('4 or above'), and none below (the floor, empty for none). Under tuned rules that change any of these
    numbers, the scenario fails here and says which it pins.
    """
    said = {"count": "needs at least {} elements", "element score": "counts elements scoring {} or above",
            "floor": "none below {}"}  # fmt: skip
    differ = []
    for row in table_rows(datatable, ("overall score",)):
        first = re.match(r"\s*(\d)", row.get("overall score", ""))
        band = int(first.group(1)) if first else 0
        if band not in OVERALL_BANDS:
            raise ValueError(f"the overall bands with counts are 4, 3 and 2, not '{row.get('overall score')}'")
        wanted = {
            "count": row.get("needs at least", ""),
            "element score": re.sub(r"\s*or above$", "", row.get("elements scoring", "")),
            "floor": row.get("and none below", ""),
        }
        for part, value in wanted.items():
            if not value:
                continue
            actual = Fraction(threshold(area, f"{OVERALL_BANDS[band]} {part}"))
            if actual != Fraction(value):
                differ.append(
                    f"an overall {row['overall score']} {said[part].format(value)} (the rules under test: {actual})"
                )
    if differ:
        raise AssertionError(
            "this scenario pins the policy brief's default overall bands: "
            + "; ".join(differ)
            + ", so the scenario no longer describes them (it is tagged @brief_default)"
        )


def _overall(area: Area) -> dict[str, Any]:
    return area.result().overall or {}


@then(
    parsers.re(
        r"the overall score is (?P<score>\d), (?P<label>[a-z ]+?)"
        r"(?:, (?:held down from (?P<uncapped>\d) by the safeguarding cap|(?P<free>not held down by the safeguarding cap)))?$"
    )
)
def then_overall_score(area: Area, score: str, label: str, uncapped: str | None, free: str | None) -> None:
    """Then the overall score is <n>, <label>[, held down from <m> by the safeguarding cap | , not held down by the
    safeguarding cap]: the overall score and its label; held down: the elements gave <m> and the trail shows the
    safeguarding cap (read from the rules) held it down to <n>; not held down: no cap changed it."""
    overall = _overall(area)
    got = (overall.get("score"), overall.get("label"))
    check(
        got == (int(score), label), area, f"expected the overall score to be {score}, {label}; it is {got[0]}, {got[1]}"
    )
    if uncapped is not None:
        cap = threshold(area, "safeguarding cap")
        check(
            overall.get("uncapped") == int(uncapped) and bool(overall.get("capped_by")) and int(score) == cap,
            area,
            f"expected the overall score held down from {uncapped} to {score} by the safeguarding cap (the rules "
            f"set it to {cap}); the result says uncapped {overall.get('uncapped')}, capped by {overall.get('capped_by')}",
        )
    if free is not None:
        check(
            not overall.get("capped_by"),
            area,
            f"expected no cap on the overall score; it was held down from {overall.get('uncapped')} by "
            f"{overall.get('capped_by')}",
        )


@then(parsers.re(r"the overall score is no higher than the safeguarding cap$"))
def then_overall_within_cap(area: Area) -> None:
    """Then the overall score is no higher than the safeguarding cap: the cap applies (the trail shows a rule
    capping the overall score), and whatever the elements give, the score is at most the cap the rules set."""
    cap = threshold(area, "safeguarding cap")
    got = _overall(area).get("score")
    capping = [
        e.id for e in area.result().audit if e.element == "overall" and "cap" in e.effect and e.status == "applied"
    ]
    check(bool(capping), area, f"expected the safeguarding cap ({cap}) to apply; no rule capped the overall score")
    check(got is not None and got <= cap, area, f"expected an overall score no higher than {cap}; it is {got}")


@then(
    parsers.re(
        r"the overall score is not given, as only (?P<judged>\d+) of the (?P<needed>\d+) elements needed are judged$"
    )
)
def then_overall_not_given(area: Area, judged: str, needed: str) -> None:
    """Then the overall score is not given, as only <n> of the <m> elements needed are judged: no overall score,
    and a note saying how many elements are judged (the lead council's, for per-body elements) of how many."""
    got = _overall(area).get("score")
    check(got is None, area, f"expected no overall score; it is {got}")
    notes = [note.text for note in area.notes("overall_not_given")]
    said = [t for t in notes if re.search(rf"\b{judged}\b", t) and re.search(rf"\b{needed}\b", t)]
    check(bool(said), area, f"expected a note that only {judged} of the {needed} elements needed are judged")


@then(parsers.re(r"the overall score is given, and no element is said to be missing$"))
def then_overall_given(area: Area) -> None:
    """Then the overall score is given, and no element is said to be missing: there is an overall score, and no
    note that too few elements are judged."""
    got = _overall(area).get("score")
    check(got is not None, area, "expected an overall score; there is none")
    said = [note.text for note in area.notes("overall_not_given")]
    check(not said, area, f"expected no note of elements missing; the result says: {'; '.join(said)}")


@then(parsers.re(r"the overall score counts only the area's own elements, as no body is marked as the lead council$"))
def then_overall_no_lead(area: Area) -> None:
    """Then the overall score counts only the area's own elements, as no body is marked as the lead council: the
    result carries a note saying so."""
    check(bool(area.notes("no_lead_council")), area, "expected a note that no body is marked as the lead council")


@then(parsers.re(r"the overall score says nothing of a missing lead council$"))
def then_overall_no_lead_note(area: Area) -> None:
    """Then the overall score says nothing of a missing lead council: no note that no body leads the area (with no
    per-body element judged, there is nothing the lead council's judgements would add)."""
    said = [note.text for note in area.notes("no_lead_council")]
    check(not said, area, f"expected no note about the lead council; the result says: {'; '.join(said)}")


@given(
    parsers.re(
        rf"(?P<who>it|the lead council) scored itself (?P<score>\d) for (?:the )?(?P<element>{ELEMENT_WORDS})$",
        flags=re.I,
    )
)
def given_self_assessment(area: Area, who: str, score: str, element: str) -> None:
    """Given it|the lead council scored itself <n> for <element>: the body's own score for an element (its
    self-assessment); 'it' is the body the scenario last named, else the lead council."""
    body_id = area.council() if who.lower() == "the lead council" else area.body()
    area.add_self_assessment(body_id, ELEMENTS[element.lower()], int(score))


def _self_assessment(area: Area, body_id: str, element: str) -> tuple[str | None, dict[str, Any]]:
    """The subject id of a body's self-assessment of an element, and what the result settled about it."""
    found = area.result().findings.get("self_assessment", {})
    for subject, entry in found.items():
        if subject.startswith(f"{body_id}/") and subject.endswith(f"/{element}"):
            return subject, entry
    return None, {}


@then(
    parsers.re(
        rf"(?P<whose>its|the lead council's) self-assessment of (?:the )?(?P<element>{ELEMENT_WORDS}) is "
        r"(?P<verdict>accurate|optimistic|pessimistic)$",
        flags=re.I,
    )
)
def then_self_awareness(area: Area, whose: str, element: str, verdict: str) -> None:
    """Then its|the lead council's self-assessment of <element> is accurate|optimistic|pessimistic: equal to the
    judgement (for the area elements, the area's), higher than it, or lower."""
    body_id = area.council() if whose.lower().startswith("the lead") else area.body()
    subject, entry = _self_assessment(area, body_id, ELEMENTS[element.lower()])
    got = entry["self_awareness"].value if "self_awareness" in entry else None
    judged = entry["self_review.judged"].value if "self_review.judged" in entry else None
    name = area.bodies[body_id]["name"]
    check(
        got == verdict.lower(),
        area,
        f"expected {name}'s self-assessment of {element} to be {verdict}; it is {got or 'not classified'} "
        f"(judged {judged})",
    )
    # The three verdicts exclude one another: a rule that also reached another one (and lost on the order of
    # the rules) means the rules do not say what the policy says.
    others = {
        event.id: event.effect["classify"]["self_awareness"]
        for event in area.result().audit
        if event.subject == subject
        and "self_awareness" in event.effect.get("classify", {})
        and event.effect["classify"]["self_awareness"] != got
    }
    check(
        not others,
        area,
        f"expected only the verdict {verdict} on {name}'s self-assessment of {element}; the rules also reached "
        + ", ".join(f"{label} ({rule})" for rule, label in others.items()),
    )


@then(
    parsers.re(
        rf"its self-assessment of (?:the )?(?P<element>{ELEMENT_WORDS}) is noted, with no judgement to compare it with$",
        flags=re.I,
    )
)
def then_self_assessment_not_compared(area: Area, element: str) -> None:
    """Then its self-assessment of <element> is noted, with no judgement to compare it with: the result keeps it
    in a note, and calls it neither accurate, optimistic nor pessimistic."""
    body_id = area.body()
    element_id = ELEMENTS[element.lower()]
    noted = [
        n for n in area.notes("self_assessment_not_compared") if n.body == body_id and n.subject.endswith(element_id)
    ]
    check(bool(noted), area, f"expected a note keeping {area.bodies[body_id]['name']}'s self-assessment of {element}")
    got = _self_assessment(area, body_id, element_id)[1].get("self_awareness")
    check(got is None, area, f"expected no verdict on the self-assessment; it is {got.value if got else None}")


# --------------------------------------------------------------------------------------------------
# Risk assessment and honourable failure
# --------------------------------------------------------------------------------------------------

RISK_DATE = r"\d{4}-\d{2}-\d{2}"
RISK_OUTCOME_STATUSES = {"failed": "failed", "exceeded": "exceeded", "on track": "on_track", "at risk": "at_risk"}
RISK_INNOVATION_STATUSES = {"failed": "failed", "succeeded": "succeeded", "in progress": "in_progress"}

# What the risk assessment makes of one outcome or innovation, in words: the verdict the rules give it,
# the one flag (kind, colour) it raises, if any, and the one note it carries, if any.
RISK_VERDICTS: dict[str, tuple[str, tuple[str, str | None] | None, str | None]] = {
    "an honourable failure": ("honourable_failure", ("honourable_failure", None), None),
    "an unmanaged failure, with a red flag": ("unmanaged_failure", ("unmanaged_failure", "red"), None),
    "known and in hand, with a note and no flag": ("known_and_in_hand", None, "known_and_in_hand"),
    "a concern not tackled, with a red flag": ("not_tackled", ("concern_not_tackled", "red"), None),
    "an exceptional success, with a green flag": ("exceeded", ("exceptional_success", "green"), None),
    "an innovative success, with a green flag": ("innovation_shared", ("innovative_success", "green"), None),
    "not flagged": ("on_course", None, None),
}

# The honourable-failure test in the brief's words: criterion -> (its number, its finding in the result).
HONOURABLE_CRITERIA: dict[str, tuple[int, str]] = {
    "recorded before the initiative started": (1, "recorded_in_advance"),
    "mitigations and a contingency": (2, "mitigated"),
    "proportionate exposure": (3, "proportionate"),
    "lessons captured and shared": (4, "lessons_learned"),
    "risk appetite approved by the cabinet or board": (5, "appetite_approved"),
    "monitoring with early-warning indicators, acted on": (6, "monitored"),
}
NEVER_HONOURABLE = {
    "vulnerable people or safeguarding were harmed": "vulnerable_harmed",
    "fraud or negligence was found": "fraud_or_negligence",
}
HONOURABLE_TEST = "honourable_test"  # where the rules put the test's findings: honourable_test.<criterion>

RISK_EXPOSURES = {"pilot": "pilot", "staged roll-out": "staged", "capped cost": "capped_cost", "open-ended": "open"}
RISK_APPROVERS = {"cabinet": "cabinet", "board": "board", "nobody": None, "no one": None, "none": None}
RISK_RELATIVE = r"(?P<where>one fewer than|one less than|equal to|as many as|one more than)"
RISK_NUMBER_WORDS = {"no": 0, "none": 0, "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5}


@dataclass
class Initiative:
    """The priority outcome or innovation that 'it' and 'its' mean in the risk-assessment steps."""

    entry: dict[str, Any] | None = None
    kind: str = "outcome"  # outcome | innovation

    def it(self) -> dict[str, Any]:
        if self.entry is None:
            raise ValueError(
                "no priority outcome or innovation named yet: say 'Given a priority outcome \"...\"' first"
            )
        return self.entry


@pytest.fixture
def initiative() -> Initiative:
    """The outcome or innovation the scenario last named."""
    return Initiative()


def risk_count(area: Area, text: str) -> int:
    """A count in words: '2', 'none', 'one', or relative to a threshold of the rules under test:
    'one fewer than | equal to | one more than the number of <threshold>' (see THRESHOLDS)."""
    words = text.strip().lower()
    if words.isdigit():
        return int(words)
    if words in RISK_NUMBER_WORDS:
        return RISK_NUMBER_WORDS[words]
    m = re.fullmatch(RISK_RELATIVE + r" (?P<what>.+)", words)
    if m is None:
        raise ValueError(
            f"say a count as a number, or 'one fewer than', 'equal to' or 'one more than' the number of a "
            f"threshold, not '{text}'"
        )
    what = re.sub(r"^(?:the )?(?:number of )?", "", m.group("what"))
    value = Fraction(threshold(area, what))
    if value.denominator != 1:
        raise ValueError(f"'{what}' is {percent(value)}, not a count")
    count = int(value) + {"one fewer than": -1, "one less than": -1, "one more than": 1}.get(m.group("where"), 0)
    if count < 0:
        raise ValueError(f"nothing is fewer than the number of {what} ({value})")
    return count


def risk_yes_no(text: str) -> bool:
    words = text.strip().lower()
    if words in ("yes", "true"):
        return True
    if words in ("no", "false"):
        return False
    raise ValueError(f"say yes or no, not '{text}'")


def risk_items(area: Area, text: str, what: str) -> list[str]:
    """A list in a risk-register entry: 'none', a count (a number, or 'one fewer than | equal to | one more than
    the number of <threshold>'; that many are made up), or the items themselves, separated by commas."""
    words = text.strip()
    counted = words.isdigit() or words.lower() in RISK_NUMBER_WORDS or re.match(RISK_RELATIVE, words.lower())
    if counted:
        return [f"{what} {number + 1}" for number in range(risk_count(area, words))]
    return [item.strip() for item in words.split(",") if item.strip()]


def risk_fact(area: Area, fact: str, value: str) -> tuple[str, Any]:
    """One fact of a risk-register entry in words ('exposure', 'open-ended') -> (field, value as evidence)."""
    name = fact.strip().lower().removesuffix(":")
    words = value.strip()
    if name in ("recorded on", "recorded in the register on"):
        if not re.fullmatch(RISK_DATE, words):
            raise ValueError(f"say the date the risk was recorded as YYYY-MM-DD, not '{value}'")
        return "recorded_on", words
    if name == "mitigations":
        return "mitigations", risk_items(area, words, "Mitigation")
    if name == "contingency":
        return "contingency", None if words.lower() in ("none", "no") else words
    if name == "exposure":
        exposure = RISK_EXPOSURES.get(words.lower().removeprefix("a "))
        if exposure is None:
            raise ValueError(f"say the exposure as one of {', '.join(RISK_EXPOSURES)}, not '{value}'")
        return "exposure", exposure
    if name in ("risk appetite approved by", "appetite approved by"):
        key = words.lower().removeprefix("the ")
        if key not in RISK_APPROVERS:
            raise ValueError(f"say who approved the risk appetite as the cabinet, the board or nobody, not '{value}'")
        return "appetite_approved_by", RISK_APPROVERS[key]
    if name == "early-warning indicators":
        return "early_warning_indicators", risk_items(area, words, "Early-warning indicator")
    if name in ("monitoring acted on", "lessons captured", "lessons shared"):
        return name.replace(" ", "_"), risk_yes_no(words)
    raise ValueError(
        f"a risk-register entry has no fact '{fact}': say recorded on, mitigations, contingency, exposure, risk "
        "appetite approved by, early-warning indicators, monitoring acted on, lessons captured or lessons shared"
    )


def risk_entry(area: Area, initiative: Initiative, facts: dict[str, Any] | None = None) -> dict[str, Any]:
    """The risk-register entry the current outcome or innovation cites, made if it has none.

    A new entry meets every criterion of the honourable-failure test under the rules being run (as many
    mitigations and early-warning indicators as they require); ``facts`` (field -> value, None for 'not
    recorded') then replace what they name."""
    it = initiative.it()
    entry = next((risk for risk in area.risks if risk["id"] == it.get("risk")), None)
    if entry is None:
        mitigations = max(1, risk_count(area, "equal to the mitigations the risk register must record"))
        warnings = max(1, risk_count(area, "equal to the early-warning indicators monitoring must have"))
        entry = area.add_risk(
            f"{it['id']}-risk"[:100],
            title=f"Risk to {it['title']}",
            mitigations=[f"Mitigation {n + 1}" for n in range(mitigations)],
            early_warning_indicators=[f"Early-warning indicator {n + 1}" for n in range(warnings)],
        )
        it["risk"] = entry["id"]
    for name, value in (facts or {}).items():
        if value is None:
            entry.pop(name, None)
        else:
            entry[name] = value
    return entry


def risk_named(area: Area, initiative: Initiative, title: str | None) -> dict[str, Any]:
    """The outcome or innovation called ``title``, else the one 'it' means."""
    if not title:
        return initiative.it()
    for entry in area.outcomes + area.innovations:
        if entry["title"] == title:
            return entry
    raise ValueError(f"the scenario has no priority outcome or innovation called '{title}'")


def risk_flags(area: Area, subject: str | None = None) -> list[Any]:
    """The flags the risk assessment raised (on one outcome or innovation, if given)."""
    ours = {rule.id for rule in area.plan.rules if rule.element == "risk_assessment"}
    return [f for f in area.flags() if f.rule in ours and (subject is None or f.subject == subject)]


def risk_notes(area: Area, subject: str) -> list[Any]:
    ours = {rule.id for rule in area.plan.rules if rule.element == "risk_assessment"}
    return [n for n in area.result().notes if n.rule in ours and n.subject == subject]


def risk_finding(area: Area, subject: str, name: str) -> Any:
    """What the result found about one outcome or innovation (a verdict, or a criterion of the test)."""
    found = area.result().findings.get("outcome", {}).get(subject, {})
    if name not in found:
        raise AssertionError(
            f"the result has no finding '{name}' about '{subject}' (it has: {', '.join(found) or 'none'})\n"
            f"{area.explain()}"
        )
    return found[name].value


def honourable_criterion(words: str) -> tuple[str, str]:
    """A criterion in words, with or without its number: '(1) recorded before the initiative started'."""
    m = re.fullmatch(r"\s*(?:\((?P<number>\d)\)\s*)?(?P<name>.*?)\s*", words)
    assert m is not None
    number, name = m.group("number"), m.group("name").lower()
    for text, (n, field_name) in HONOURABLE_CRITERIA.items():
        if name == text or not name and number == str(n):
            if number and number != str(n):
                raise ValueError(f"criterion '{text}' is ({n}), not ({number})")
            return f"({n}) {text}", field_name
    raise ValueError(
        f"no criterion '{words}': say one of {'; '.join(f'({n}) {t}' for t, (n, _) in HONOURABLE_CRITERIA.items())}"
    )


# --- the evidence: outcomes, innovations and the risk register ------------------------------------


@given(
    parsers.re(
        r'a priority outcome "(?P<title>[^"]+)" (?:that )?(?:is )?(?P<status>failed|exceeded|on track|at risk)'
        r"(?:, started on (?P<started>"
        + RISK_DATE
        + r"))?(?P<vulnerable>, concerning vulnerable people or safeguarding)?$"
    )
)
def given_priority_outcome(
    area: Area, initiative: Initiative, title: str, status: str, started: str | None, vulnerable: str | None
) -> None:
    """Given a priority outcome "<title>" that failed|exceeded|is on track|is at risk[, started on <date>][,
    concerning vulnerable people or safeguarding]: one of the area's priority outcomes, owned by the lead council.

    It started on 2008-04-01 unless said; later steps about 'it' and 'its' mean this outcome."""
    fields: dict[str, Any] = {"started_on": started} if started else {}
    if vulnerable:
        fields["vulnerable"] = True
    initiative.entry = area.add_outcome(title, RISK_OUTCOME_STATUSES[status], **fields)
    initiative.kind = "outcome"


@given(
    parsers.re(
        r'an innovation "(?P<title>[^"]+)" (?:that )?(?:is )?(?P<status>failed|succeeded|in progress)'
        r"(?:, started on (?P<started>" + RISK_DATE + r"))?$"
    )
)
def given_innovation(area: Area, initiative: Initiative, title: str, status: str, started: str | None) -> None:
    """Given an innovation "<title>" that failed|succeeded|is in progress[, started on <date>]: something new the
    area tried, owned by the lead council; its learning is not shared unless said. Later steps about 'it' mean it."""
    initiative.entry = area.add_innovation(
        title, RISK_INNOVATION_STATUSES[status], **({"started_on": started} if started else {})
    )
    initiative.kind = "innovation"


@given(parsers.re(r"its problem is (?P<known>known|not known) and action is (?P<action>in place|not in place)$"))
def given_problem_known(area: Area, initiative: Initiative, known: str, action: str) -> None:
    """Given its problem is known|not known and action is in place|not in place: what the area's partners know of
    a priority outcome's problem and do about it."""
    if initiative.kind != "outcome":
        raise ValueError("only a priority outcome has a known problem and action in place; an innovation has neither")
    initiative.it().update(known_issue=known == "known", action_in_place=action == "in place")


@given(parsers.re(r"its learning (?P<shared>was shared|was not shared)$"))
def given_learning_shared(area: Area, initiative: Initiative, shared: str) -> None:
    """Given its learning was shared|was not shared: whether what an innovation taught was shared beyond the area."""
    if initiative.kind != "innovation":
        raise ValueError("only an innovation shares its learning in the evidence; say 'Given an innovation ...' first")
    initiative.it()["learning_shared"] = shared == "was shared"


@given(parsers.re(r"(?P<what>fraud|negligence) was found in it$"))
def given_fraud_or_negligence(area: Area, initiative: Initiative, what: str) -> None:
    """Given fraud|negligence was found in it: what an audit or inquiry found in the outcome or innovation."""
    initiative.it()[f"{what}_found"] = True


@given(parsers.re(r"it (?P<test>passes|misses) the honourable-failure test$"))
def given_passes_test(area: Area, initiative: Initiative, test: str) -> None:
    """Given it passes|misses the honourable-failure test: it passes with a risk-register entry that meets every
    criterion; it misses with no risk-register entry at all."""
    if test == "passes":
        risk_entry(area, initiative)
    else:
        given_no_risk_entry(area, initiative)


@given(parsers.re(r"the risk register has no entry for it$"))
def given_no_risk_entry(area: Area, initiative: Initiative) -> None:
    """Given the risk register has no entry for it: the outcome or innovation cites no risk-register entry."""
    it = initiative.it()
    area.risks[:] = [risk for risk in area.risks if risk["id"] != it.get("risk")]
    it.pop("risk", None)


@given(parsers.re(r"the risk register entry for it meets every criterion$"))
def given_risk_meets_all(area: Area, initiative: Initiative) -> None:
    """Given the risk register entry for it meets every criterion: recorded 2008-01-15 (before the initiative
    started), mitigations and a contingency, a pilot, risk appetite approved by the cabinet, early-warning
    indicators acted on, lessons captured and shared (as many mitigations and indicators as the rules require)."""
    risk_entry(area, initiative)


@given(parsers.re(r"the risk register entry for it reads (?P<facts>.+), and otherwise meets every criterion$"))
def given_risk_reads(area: Area, initiative: Initiative, facts: str) -> None:
    """Given the risk register entry for it reads <facts>, and otherwise meets every criterion: an entry that
    meets every criterion but for the facts named, each as '<fact>: <value>', separated by ';'.

    Facts and values as in 'the risk register entry for it:'; a count of mitigations or early-warning
    indicators may be 'one fewer than | equal to | one more than the number of <threshold>'."""
    changes = {}
    for part in facts.split(";"):
        fact, sep, value = part.partition(":")
        if not sep:
            raise ValueError(f"say each fact as '<fact>: <value>', not '{part.strip()}'")
        name, parsed = risk_fact(area, fact, value)
        changes[name] = parsed
    risk_entry(area, initiative, changes)


@given(parsers.re(r"the risk register entry for it:$"))
def given_risk_table(area: Area, initiative: Initiative, datatable: list[list[str]]) -> None:
    """Given the risk register entry for it: a table of its facts, one a row (fact | value); a fact left out was
    not recorded.

    Facts: recorded on (a date), mitigations and early-warning indicators (items with commas, or 'none'),
    contingency ('none' if there is none), exposure (pilot, staged roll-out, capped cost or open-ended), risk
    appetite approved by (the cabinet, the board or nobody), monitoring acted on, lessons captured, lessons shared
    (yes or no)."""
    rows = [row for row in datatable if [c.strip().lower() for c in row] != ["fact", "value"]]
    facts = dict(risk_fact(area, row[0], row[1]) for row in rows)
    for required in ("recorded_on", "exposure"):
        if required not in facts:
            raise ValueError(f"a risk-register entry must say its {required.replace('_', ' ')}")
    blank = {
        "mitigations": [],
        "contingency": None,
        "appetite_approved_by": None,
        "early_warning_indicators": [],
        "monitoring_acted_on": False,
        "lessons_captured": False,
        "lessons_shared": False,
    }
    risk_entry(area, initiative, {**blank, **facts})


@given(
    parsers.re(
        r"its risk was recorded in the register on (?P<recorded>"
        + RISK_DATE
        + r"), (?P<when>.+?) the initiative started"
        r" on (?P<started>" + RISK_DATE + r")(?P<rest>, and the entry meets every other criterion)?$"
    )
)
def given_risk_recorded(area: Area, initiative: Initiative, recorded: str, when: str, started: str) -> None:
    """Given its risk was recorded in the register on <date>, before|the day before|the same day as|after|the day
    after the initiative started on <date>[, and the entry meets every other criterion]: when the risk-register
    entry was made (the words must agree with the dates); the entry meets every other criterion."""
    days = (date.fromisoformat(started) - date.fromisoformat(recorded)).days
    fits = {
        "before": days > 0,
        "the day before": days == 1,
        "the same day as": days == 0,
        "on the day": days == 0,
        "after": days < 0,
        "the day after": days == -1,
    }
    if when not in fits:
        raise ValueError(f"say {', '.join(fits)} the initiative started, not '{when}'")
    if not fits[when]:
        raise ValueError(f"{recorded} is not {when} {started}: the scenario contradicts itself")
    initiative.it()["started_on"] = started
    risk_entry(area, initiative, {"recorded_on": recorded})


@given(parsers.re(r'the risk register has an entry "(?P<title>[^"]+)" that no outcome or innovation cites$'))
def given_uncited_risk(area: Area, title: str) -> None:
    """Given the risk register has an entry "<title>" that no outcome or innovation cites: a risk on its own."""
    area.add_risk(slug(title), title=title)


RISK_NUMBERED = {
    "priority outcomes that exceeded": ("outcome", "exceeded", {}),
    "priority outcomes on track": ("outcome", "on_track", {}),
    "priority outcomes at risk with no action in place": ("outcome", "at_risk", {}),
    "priority outcomes that failed with no risk register entry": ("outcome", "failed", {}),
    "innovations that succeeded and shared their learning": ("innovation", "succeeded", {"learning_shared": True}),
}


@given(parsers.re(r"the number of (?P<what>" + "|".join(map(re.escape, RISK_NUMBERED)) + r") is (?P<count>.+)$"))
def given_number_of(area: Area, what: str, count: str) -> None:
    """Given the number of <kind> is <count>: that many outcomes or innovations of a kind, titled by number.

    Kinds: priority outcomes that exceeded; priority outcomes on track; priority outcomes at risk with no
    action in place (their problem not known either); priority outcomes that failed with no risk register
    entry; innovations that succeeded and shared their learning. The count is a number, or 'one fewer than |
    equal to | one more than the number of <threshold>' (e.g. green flags for performing strongly), read from
    the rules under test."""
    kind, status, fields = RISK_NUMBERED[what]
    add = area.add_outcome if kind == "outcome" else area.add_innovation
    for _ in range(risk_count(area, count)):
        number = len(area.outcomes) + len(area.innovations) + 1
        add(f"{'Priority outcome' if kind == 'outcome' else 'Innovation'} {number}", status, **fields)


# --- what the risk assessment says -----------------------------------------------------------------


@then(parsers.re(r'(?:it|"(?P<title>[^"]+)") is (?P<verdict>' + "|".join(map(re.escape, RISK_VERDICTS)) + r")$"))
def then_risk_verdict(area: Area, initiative: Initiative, title: str | None, verdict: str) -> None:
    """Then it|"<title>" is <verdict>: what the risk assessment makes of the outcome or innovation.

    Verdicts: an honourable failure (the honourable_failure flag, no red flag); an unmanaged failure, with a red
    flag; known and in hand, with a note and no flag; a concern not tackled, with a red flag; an exceptional
    success, with a green flag; an innovative success, with a green flag; not flagged (no flag, no note)."""
    it = risk_named(area, initiative, title)
    label, flag, note = RISK_VERDICTS[verdict]
    got = risk_finding(area, it["id"], "verdict")
    said = str(got).replace("_", " ")
    check(got == label, area, f"expected '{it['title']}' to be {verdict}; the rules make it: {said}")
    flags = [(f.kind, f.colour) for f in risk_flags(area, it["id"])]
    want = [flag] if flag else []
    check(flags == want, area, f"expected '{it['title']}' to raise {want or 'no flag'}; it raises {flags or 'none'}")
    notes = [n.kind for n in risk_notes(area, it["id"])]
    want_notes = [note] if note else []
    check(notes == want_notes, area, f"expected '{it['title']}' to carry {want_notes or 'no note'}; it has {notes}")


@then(parsers.re(r"it raises the honourable_failure flag and no red flag$"))
def then_honourable_flag(area: Area, initiative: Initiative) -> None:
    """Then it raises the honourable_failure flag and no red flag: the result says it failed honourably."""
    it = initiative.it()
    flags = risk_flags(area, it["id"])
    check(
        any(f.kind == "honourable_failure" for f in flags),
        area,
        f"expected the honourable_failure flag on '{it['title']}'",
    )
    red = [f.kind for f in flags if f.colour == "red"]
    check(not red, area, f"expected no red flag on '{it['title']}'; it has {red}")


FLAG_COLOURS = ("red", "green")
FLAG_COUNT = r"(?P<{0}>\d+|no|one|an?) (?P<{1}>[a-z_]+) flags?"


def flag_filter(area: Area, word: str) -> dict[str, str]:
    """A flag's colour ('red', 'green') or kind ('honourable_failure') in a scenario -> the filter for
    ``Area.flags``. A kind must be one some rule of the folder under test raises, so that 'no such flag' cannot
    pass because of a typing slip or a renamed kind."""
    if word in FLAG_COLOURS:
        return {"colour": word}
    kinds = sorted({rule.flag[0] for rule in area.plan.rules if rule.flag})
    if word not in kinds:
        raise ValueError(
            f"no rule of the rules under test raises a flag of kind '{word}': say red, green or one of {', '.join(kinds)}"
        )
    return {"kind": word}


def flag_number(words: str) -> int:
    return {"no": 0, "one": 1, "a": 1, "an": 1}.get(words, 0) if not words.isdigit() else int(words)


@then(
    parsers.re(
        r"the area has " + FLAG_COUNT.format("n", "what") + r"(?: and " + FLAG_COUNT.format("n2", "what2") + r")?$"
    )
)
def then_flag_count(area: Area, n: str, what: str, n2: str | None, what2: str | None) -> None:
    """Then the area has <n> red|green|<kind> flag(s)[ and <n> red|green|<kind> flag(s)]: every flag of that
    colour or kind in the result, whichever rule raised it, as the risk score counts them.

    '<n>' is a number, 'no', 'a' or 'one'; a kind is one a rule raises, such as honourable_failure or
    exceptional_success."""
    for number, word in ((n, what), (n2, what2)):
        if word is None:
            continue
        got = area.flags(**flag_filter(area, word))
        want = flag_number(number)
        listed = "; ".join(f"{f.kind} on {f.subject} (rule {f.rule})" for f in got) or "none"
        check(len(got) == want, area, f"expected {want} {word} flag(s) in the result; it has {len(got)}: {listed}")


@then(
    parsers.re(
        r'(?:it|(?:the (?:priority )?outcome |the innovation )?"(?P<title>[^"]+)") has (?P<how>an?|no) '
        r"(?P<what>[a-z_]+) flag$"
    )
)
def then_subject_flag(area: Area, initiative: Initiative, title: str | None, how: str, what: str) -> None:
    """Then it|[the outcome |the innovation ]"<title>" has a|an|no red|green|<kind> flag: whether the result
    carries a flag of that colour or kind on that outcome or innovation ('it': the one the scenario last named)."""
    it = risk_named(area, initiative, title)
    got = [f for f in area.flags(**flag_filter(area, what)) if f.subject == it["id"]]
    if how == "no":
        listed = "; ".join(f"{f.kind} ({f.colour or 'no colour'}, rule {f.rule})" for f in got)
        check(not got, area, f"expected no {what} flag on '{it['title']}'; it has {listed}")
    else:
        check(bool(got), area, f"expected a {what} flag on '{it['title']}'; it has none")


@then(
    parsers.re(
        r'the result says criterion "(?P<words>[^"]+)" was (?P<met>met|missed)'
        r"(?P<others>, and every other criterion was (?:met|missed))?$"
    )
)
def then_honourable_criterion(area: Area, initiative: Initiative, words: str, met: str, others: str | None) -> None:
    """Then the result says criterion "<criterion>" was met|missed[, and every other criterion was met|missed]:
    the honourable-failure test's finding on one criterion (and on the other five)."""
    it = initiative.it()
    _, chosen = honourable_criterion(words)
    want = {chosen: met == "met"}
    if others:
        want.update({f: others.endswith("met") for _, f in HONOURABLE_CRITERIA.values() if f != chosen})
    for text, (number, field_name) in HONOURABLE_CRITERIA.items():
        if field_name in want:
            got = risk_finding(area, it["id"], f"{HONOURABLE_TEST}.{field_name}")
            said = "met" if want[field_name] else "missed"
            check(
                got == want[field_name], area, f"expected criterion ({number}) {text} to be {said} for '{it['title']}'"
            )


@then(parsers.re(r"the result says every criterion was (?P<met>met|missed)$"))
def then_every_criterion(area: Area, initiative: Initiative, met: str) -> None:
    """Then the result says every criterion was met|missed: the honourable-failure test's finding on all six."""
    it = initiative.it()
    for text, (number, field_name) in HONOURABLE_CRITERIA.items():
        got = risk_finding(area, it["id"], f"{HONOURABLE_TEST}.{field_name}")
        check(got == (met == "met"), area, f"expected criterion ({number}) {text} to be {met} for '{it['title']}'")


@then(parsers.re(r"the result names each criterion met and missed:$"))
def then_honourable_criteria_table(area: Area, initiative: Initiative, datatable: list[list[str]]) -> None:
    """Then the result names each criterion met and missed: a table with columns criterion and met (yes or no)."""
    it = initiative.it()
    rows = table_rows(datatable, ("criterion", "met"))
    named_fields = set()
    for row in rows:
        text, field_name = honourable_criterion(row["criterion"])
        named_fields.add(field_name)
        want = risk_yes_no(row["met"])
        got = risk_finding(area, it["id"], f"{HONOURABLE_TEST}.{field_name}")
        check(got == want, area, f"expected criterion {text} to be {'met' if want else 'missed'} for '{it['title']}'")
    unnamed = [text for text, (_, f) in HONOURABLE_CRITERIA.items() if f not in named_fields]
    if unnamed:
        raise ValueError(f"the table must name every criterion; it leaves out: {'; '.join(unnamed)}")


@then(parsers.re(r"the result says (?P<what>" + "|".join(map(re.escape, NEVER_HONOURABLE)) + r")$"))
def then_never_honourable(area: Area, initiative: Initiative, what: str) -> None:
    """Then the result says vulnerable people or safeguarding were harmed|fraud or negligence was found: why a
    failure can never be honourable."""
    it = initiative.it()
    got = risk_finding(area, it["id"], f"{HONOURABLE_TEST}.{NEVER_HONOURABLE[what]}")
    check(got is True, area, f"expected the result to say {what} in '{it['title']}'")
