"""The bounded search space: small evidence bundles built from the evidence format and the rules' constants.

Each generator writes bundles for one section of the evidence (docs/evidence.md), with values taken from the
rules under test: every number a condition compares with (parameters folded), each exactly, just below and just
above it; every text a field may hold; KLOE scores 1-4 for the KLOEs of the rules' own table.  A
:class:`Candidate` is one bundle with what it was built from (``family`` and ``vector``, for the monotonicity
check: two candidates of one family whose vectors are ordered have ordered inputs, higher being better).
Nothing here judges anything: ``core.py`` runs the engine over the candidates.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from fractions import Fraction
from typing import Any

from ..compile import Plan
from ..rules.expr import Const, walk

__all__ = ["Candidate", "Space", "share_points", "constants"]

AREA = {"id": "verify", "name": "Verify"}
LEAD = "v-cc"
OTHER = "v-pa"


@dataclass(frozen=True)
class Candidate:
    bundle: dict[str, Any]
    family: tuple[Any, ...] = ()  # candidates of one family have comparable inputs ...
    vector: tuple[int, ...] = ()  # ... ordered componentwise (higher is better)
    element: str = ""  # the element the monotonicity check compares on (and the body it is judged for)
    subject: str = ""


def constants(plans: list[Plan]) -> list[Fraction]:
    """Every number a rule condition or measure of ``plans`` compares with (parameters folded), sorted."""
    found: set[Fraction] = set()
    for plan in plans:
        exprs = [r.condition for r in plan.rules] + [m.value for m in plan.measures]
        exprs += [m.when for m in plan.measures if m.when is not None]
        for expr in exprs:
            for node in walk(expr):
                if (
                    isinstance(node, Const)
                    and isinstance(node.value, (int, Fraction))
                    and not isinstance(node.value, bool)
                ):
                    found.add(Fraction(node.value))
    return sorted(found)


def share_points(consts: list[Fraction], limit: int = 10) -> list[tuple[int, int]]:
    """(k, n) with k of n counted: each constant in [0, 1] exactly (n <= 20) and the nearest shares either
    side of it (n <= ``limit``), plus 0 of 1 and 1 of 1, and the empty case 0 of 0."""
    shares: dict[Fraction, tuple[int, int]] = {}
    for n in range(1, limit + 1):
        for k in range(n + 1):
            shares.setdefault(Fraction(k, n), (k, n))
    ordered = sorted(shares)
    points: dict[Fraction, tuple[int, int]] = {Fraction(0): (0, 1), Fraction(1): (1, 1)}
    for c in consts:
        if not 0 <= c <= 1:
            continue
        if c.denominator <= 20:
            points[c] = (c.numerator, c.denominator)
        below = [s for s in ordered if s < c]
        above = [s for s in ordered if s > c]
        if below:
            points[below[-1]] = shares[below[-1]]
        if above:
            points[above[0]] = shares[above[0]]
    return [(0, 0)] + [points[s] for s in sorted(points)]


def _num(value: Fraction) -> int | float:
    """A bundle number: an int, or a float whose shortest text is the exact decimal (the loader reads it so)."""
    if value.denominator == 1:
        return int(value)
    out = float(value)
    if Fraction(repr(out)) != value:
        raise ValueError(f"{value} is not a short decimal")
    return out


def _near(reference: Fraction, fractions: list[Fraction]) -> list[Fraction]:
    """Values at, just below and just above ``reference`` and ``reference`` moved by each fraction of itself."""
    size = abs(reference) or Fraction(1)
    eps = size / 1000
    values = {reference, reference - eps, reference + eps, reference - size / 2, reference + size / 2}
    for c in fractions:
        for sign in (1, -1):
            edge = reference + sign * c * size
            values.update((edge, edge - eps, edge + eps))
    return sorted(values)


class Space:
    """The candidates for one or two plans (``--against`` searches both with the same candidates)."""

    def __init__(self, plans: list[Plan], depth: int = 2, period: str | None = None):
        self.plans = plans
        self.period = period  # dated rules: every bundle names the period whose plan is searched
        self.plan = plans[0]
        self.depth = depth
        self.consts = constants(plans)
        self.fractions = [c for c in self.consts if 0 < c < 1]
        self.council_kind, self.other_kind = self._kinds()
        self.risk_serial = 0

    def fractions_of(self, per: str) -> list[Fraction]:
        """The fractions in (0, 1) that rules and measures about facts of type ``per`` compare with."""
        found: set[Fraction] = set()
        for plan in self.plans:
            exprs = [r.condition for r in plan.rules if r.per == per]
            exprs += [m.value for m in plan.measures if m.per == per or m.from_type == per]
            for expr in exprs:
                for node in walk(expr):
                    if isinstance(node, Const) and isinstance(node.value, Fraction) and 0 < node.value < 1:
                        found.add(node.value)
        return sorted(found)

    def _kinds(self) -> tuple[str, str]:
        rows = self.plan.tables.get("body", {}).get("rows", {})
        councils = [k for k, row in rows.items() if row.get("council")]
        others = [k for k, row in rows.items() if not row.get("council")]
        return (councils[0] if councils else "county"), (others[0] if others else "police")

    def bodies(self, lead: bool = True) -> list[dict[str, Any]]:
        return [
            {"id": LEAD, "name": "Verify County Council", "kind": self.council_kind, "lead": lead},
            {"id": OTHER, "name": "Verify Police Authority", "kind": self.other_kind},
        ]

    def bundle(self, **sections: Any) -> dict[str, Any]:
        head: dict[str, Any] = {"area": dict(AREA)}
        if self.period is not None:
            head["period"] = self.period
        return {**head, "bodies": self.bodies(sections.pop("lead", True)), **sections}

    # -- use of resources ---------------------------------------------------------------------------------
    def kloe_themes(self) -> dict[str, list[str]]:
        rows = self.plan.tables.get("kloe", {}).get("rows", {})
        themes: dict[str, list[str]] = {}
        for code, row in rows.items():
            themes.setdefault(str(row.get("theme", "")), []).append(code)
        return themes

    def use_of_resources(self) -> Iterator[Candidate]:
        """Every theme with 0 or 1 KLOE scored 1-4 (all combinations), and each theme in turn with 2 to
        ``depth`` KLOEs (every multiset of scores) beside the others with 0 or 1; for the lead council, and for
        the other body too where the rules read the body."""
        themes = self.kloe_themes()
        if not themes:
            return
        per_theme = []
        for codes in themes.values():
            options: list[tuple[tuple[str, int], ...]] = [()]
            for size in range(1, min(self.depth, len(codes)) + 1):
                for scores in itertools.combinations_with_replacement(range(1, 5), size):
                    options.append(tuple(zip(codes[:size], scores, strict=True)))
            per_theme.append(options)
        singles = [[o for o in options if len(o) <= 1] for options in per_theme]
        combos: list[tuple[tuple[tuple[str, int], ...], ...]] = list(itertools.product(*singles))
        for i, options in enumerate(per_theme):  # one theme at a time with more KLOEs, the others with 0 or 1
            richer = [o for o in options if len(o) > 1]
            combos += [c[:i] + (o,) + c[i + 1 :] for o in richer for c in itertools.product(*singles)]
        for combo in dict.fromkeys(combos):
            kloes = {code: score for part in combo for code, score in part}
            if not kloes:
                continue
            family = tuple(sorted(kloes))
            vector = tuple(kloes[c] for c in family)
            for body in (LEAD, OTHER) if self._reads_body("use_of_resources") else (LEAD,):
                section = {"assessments": [{"body": body, "kloes": dict(kloes)}]}
                yield Candidate(self.bundle(use_of_resources=section), family, vector, "use_of_resources", body)

    def _reads_body(self, element: str) -> bool:
        return any(
            any(getattr(n, "parts", ("",))[0] == "body" for n in walk(r.condition))
            for r in self.plan.rules
            if r.element == element
        )

    # -- indicators -------------------------------------------------------------------------------------
    def polarity_codes(self) -> dict[str, str]:
        """One catalogue code per polarity the catalogue uses (higher, lower, none...)."""
        rows = self.plan.tables.get("indicator", {}).get("rows", {})
        codes: dict[str, str] = {}
        for code, row in rows.items():
            codes.setdefault(str(row.get("polarity")), code)
        return codes

    def indicator_sweeps(self) -> Iterator[tuple[str, dict[str, Any]]]:
        """(what it tests, one indicator): each polarity; a value around a target, a previous value and the
        quartiles, each at the reference, either side of it and at each fraction the rules name."""
        fractions = self.fractions_of("indicator")
        for code in self.polarity_codes().values():
            for reference in (Fraction(100), Fraction(0), Fraction(-100)):
                for value in _near(reference, fractions):
                    base = {"code": code, "body": LEAD, "value": _num(value)}
                    yield "target", base | {"target": _num(reference)}
                    yield "previous", base | {"previous": _num(reference)}
                    yield (
                        "all",
                        base
                        | {
                            "target": _num(reference),
                            "previous": _num(reference),
                            "benchmarks": self._quartiles(reference),
                        },
                    )
            for value in sorted({v for q in (90, 100, 110) for v in _near(Fraction(q), [])} | {Fraction(0)}):
                yield (
                    "benchmarks",
                    {
                        "code": code,
                        "body": LEAD,
                        "value": _num(value),
                        "benchmarks": self._quartiles(Fraction(100)),
                    },
                )
            yield (
                "benchmarks",
                {
                    "code": code,
                    "body": LEAD,
                    "value": 100,
                    "benchmarks": {"lower_quartile": 100, "median": 100, "upper_quartile": 100},
                },
            )
            yield "bare", {"code": code, "body": LEAD, "value": 100}

    @staticmethod
    def _quartiles(reference: Fraction) -> dict[str, Any]:
        size = abs(reference) or Fraction(1)
        return {
            "lower_quartile": _num(reference - size / 10),
            "median": _num(reference),
            "upper_quartile": _num(reference + size / 10),
        }

    def indicators(self) -> Iterator[Candidate]:
        for _, indicator in self.indicator_sweeps():
            yield Candidate(self.bundle(indicator_set={"indicators": [indicator]}))

    def element_constants(self, element: str) -> list[Fraction]:
        """The numbers the rules and measures of ``element``'s rule set compare with."""
        found: set[Fraction] = set()
        for plan in self.plans:
            exprs = [r.condition for r in plan.rules if r.element == element]
            exprs += [m.value for m in plan.measures if m.element == element]
            exprs += [m.when for m in plan.measures if m.element == element and m.when is not None]
            for expr in exprs:
                for node in walk(expr):
                    if isinstance(node, Const) and isinstance(node.value, (int, Fraction)):
                        if not isinstance(node.value, bool):
                            found.add(Fraction(node.value))
        return sorted(found)

    def indicator_mixes(
        self, archetypes: dict[tuple[str, str], dict[str, Any]], labels: dict[str, tuple[str, str]]
    ) -> Iterator[Candidate]:
        """Areas whose indicators mix two labels of each classification in the shares the rules name.

        ``archetypes``: (classification, label) -> an indicator that gets it (and, as far as the search saw,
        no other classification); ``labels``: classification -> (the label counted, another label).  Each
        mix is a point of :func:`share_points`; the classifications are combined pairwise (every two points
        of every two classifications meet in some area), not exhaustively.
        """
        points = share_points(self.element_constants("indicator_set"))
        dims = [(name, pair) for name, pair in labels.items() if all((name, lab) in archetypes for lab in pair)]
        if not dims:
            return
        size = len(points)
        combos: set[tuple[int, ...]] = set()
        for a, b in itertools.product(range(size), repeat=2):
            combos.add(tuple((a + i * b) % size for i in range(len(dims))))
            for i in range(len(dims)):
                combos.add(tuple(a if j == i else 0 for j in range(len(dims))))
        for combo in sorted(combos):
            indicators: list[dict[str, Any]] = []
            for (name, (counted, other)), index in zip(dims, combo, strict=True):
                k, n = points[index]
                for i in range(n):
                    proto = archetypes[(name, counted if i < k else other)]
                    indicators.append(proto | {"code": f"LPI {len(indicators) + 1}", "title": "Local indicator"})
            vector = tuple(points[i][0] for i in combo)
            family = tuple(points[i][1] for i in combo)
            yield Candidate(self.bundle(indicator_set={"indicators": indicators}), family, vector, "indicator_set")

    # -- direction of travel ---------------------------------------------------------------------------------
    def progress(self, improved: dict[str, Any] | None, not_improved: dict[str, Any] | None) -> Iterator[Candidate]:
        """A council's indicators (k of n improved) and milestones (k of n delivered), at the shares the rules
        name; and the other body with the same evidence."""
        points = share_points(self.element_constants("direction_of_travel"))
        for (i, (ki, ni)), (j, (kd, nd)) in itertools.product(enumerate(points), repeat=2):
            if ni and (improved is None or not_improved is None):
                continue
            for body in (LEAD, OTHER) if i == j else (LEAD,):  # the other body: enough to see it is not judged
                indicators = [
                    dict((improved if n < ki else not_improved) or {})
                    | {"code": f"LPI {n + 1}", "body": body, "title": "Local"}
                    for n in range(ni)
                ]
                milestones = [{"body": body, "title": f"Milestone {i + 1}", "delivered": i < kd} for i in range(nd)]
                sections: dict[str, Any] = {}
                if indicators:
                    sections["indicator_set"] = {"indicators": indicators}
                if milestones:
                    sections["direction_of_travel"] = {"milestones": milestones}
                yield Candidate(self.bundle(**sections), (ni, nd), (ki, kd), "direction_of_travel", body)

    # -- risk assessment ------------------------------------------------------------------------------------
    def risk_entries(self, started: date) -> list[dict[str, Any] | None]:
        """No entry; an entry meeting every criterion; and one missing each in turn (recorded after the start,
        no mitigation, no contingency, open exposure, lessons not captured or not shared, no approval and no
        monitoring, monitoring not acted on)."""
        full = {
            "title": "A risk",
            "recorded_on": (started - timedelta(days=30)).isoformat(),
            "mitigations": ["A mitigation"],
            "contingency": "A contingency",
            "exposure": "pilot",
            "appetite_approved_by": "cabinet",
            "early_warning_indicators": ["An indicator"],
            "monitoring_acted_on": True,
            "lessons_captured": True,
            "lessons_shared": True,
        }
        variants: list[dict[str, Any] | None] = [None, full]
        variants.append(full | {"recorded_on": started.isoformat()})
        variants.append(full | {"mitigations": []})
        variants.append({k: v for k, v in full.items() if k != "contingency"})
        variants += [full | {"exposure": e} for e in ("staged", "capped_cost", "open")]
        variants += [full | {"lessons_captured": False}, full | {"lessons_shared": False}]
        no_approval = {k: v for k, v in full.items() if k != "appetite_approved_by"}
        variants += [full | {"appetite_approved_by": "board"}, no_approval]
        variants += [no_approval | {"early_warning_indicators": []}, no_approval | {"monitoring_acted_on": False}]
        return variants

    def initiatives(self) -> Iterator[tuple[str, dict[str, Any], dict[str, Any] | None]]:
        """(section, one outcome or innovation, its risk entry or None): every status and flag combination."""
        started = date(2008, 6, 1)
        entries = self.risk_entries(started)
        flags = ("vulnerable", "fraud_found", "negligence_found")
        for status in ("on_track", "at_risk", "failed", "exceeded"):
            for known, action, *rest in itertools.product((False, True), repeat=2 + len(flags)):
                for entry in entries if status == "failed" else [None, entries[1]]:
                    item: dict[str, Any] = {
                        "title": "An outcome",
                        "body": LEAD,
                        "status": status,
                        "started_on": started.isoformat(),
                    }
                    item |= {"known_issue": known, "action_in_place": action} | dict(zip(flags, rest, strict=True))
                    yield "outcomes", item, entry
        for status in ("in_progress", "succeeded", "failed"):
            for shared, *rest in itertools.product((False, True), repeat=1 + len(flags)):
                for entry in entries if status == "failed" else [None]:
                    item = {"title": "An innovation", "body": LEAD, "status": status, "started_on": started.isoformat()}
                    item |= {"learning_shared": shared} | dict(zip(flags, rest, strict=True))
                    yield "innovations", item, entry

    def risk_bundle(self, items: list[tuple[str, dict[str, Any], dict[str, Any] | None]]) -> dict[str, Any]:
        section: dict[str, list[dict[str, Any]]] = {"outcomes": [], "innovations": [], "risk_register": []}
        for n, (kind, item, entry) in enumerate(items):
            item = item | {"id": f"item-{n + 1}"}
            if entry is not None:
                item["risk"] = f"risk-{n + 1}"
                section["risk_register"].append(entry | {"id": f"risk-{n + 1}"})
            section[kind].append(item)
        return self.bundle(risk_assessment={key: value for key, value in section.items() if value})

    def risk_items(self) -> Iterator[Candidate]:
        for one in self.initiatives():
            yield Candidate(self.risk_bundle([one]))

    def risk_areas(self, archetypes: list[tuple[str, dict[str, Any], dict[str, Any] | None]]) -> Iterator[Candidate]:
        """Areas holding every multiset of up to three of the ``archetypes`` (one per verdict seen)."""
        for size in range(1, 4):
            for combo in itertools.combinations_with_replacement(range(len(archetypes)), size):
                yield Candidate(self.risk_bundle([archetypes[i] for i in combo]))

    # -- the overall view -------------------------------------------------------------------------------------
    def overall(self, pieces: dict[str, dict[int, dict[str, Any]]], elements: list[str]) -> Iterator[Candidate]:
        """Areas combining, for each element, nothing or evidence that scored it 1-4 on its own (merged, so
        one element's evidence may move another: whatever the engine then judges is what is checked); with
        the lead council's self-assessment of each element present, scored 1-4 in turn; with and without a
        lead council."""
        options = [[None] + sorted(pieces.get(e, {})) for e in elements]
        for n, combo in enumerate(itertools.product(*options)):
            merged: dict[str, Any] = {}
            for element, score in zip(elements, combo, strict=True):
                if score is None:
                    continue
                for key, section in pieces[element][score].items():
                    if key in ("area", "bodies", "period"):
                        continue
                    merged = _merge(merged, key, section)
            present = [e for e, s in zip(elements, combo, strict=True) if s is not None]
            selves = [{"body": LEAD, "element": e, "score": (n + i) % 4 + 1} for i, e in enumerate(present)]
            for lead in (True, False) if n % 5 == 0 else (True,):
                bundle = self.bundle(lead=lead, **merged)
                if selves and lead:
                    bundle["self_assessments"] = selves
                yield Candidate(bundle)


def _merge(merged: dict[str, Any], key: str, section: dict[str, Any]) -> dict[str, Any]:
    out = dict(merged)
    if key not in out:
        out[key] = {k: list(v) if isinstance(v, list) else v for k, v in section.items()}
        return out
    combined = dict(out[key])
    for k, v in section.items():
        if isinstance(v, list):
            existing = list(combined.get(k, []))
            keys = {_key(item) for item in existing} - {None}
            existing += [item for item in v if _key(item) is None or _key(item) not in keys]
            combined[k] = existing
        else:
            combined[k] = v
    out[key] = combined
    return out


def _key(item: Any) -> Any:
    """What makes an evidence item unique in its list (an id, or an indicator's code and body), if anything."""
    if not isinstance(item, dict):
        return None
    if "id" in item:
        return item["id"]
    if "code" in item:
        return (item["code"], item.get("body"))
    return None
