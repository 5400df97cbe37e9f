"""A seeded national data set of realistic CAA areas, as the dicts an integrator passes to ``Engine.assess``.

A realistic area (issue 9): one lead council (a county in a two-tier area, else a unitary, metropolitan or London
borough) and about 4.5 other bodies on average (districts, police, fire and rescue, the primary care trust); every
body with use-of-resources KLOE scores; about 200 National Indicators spread over the councils (and a few over the
police), most with a target, a previous value and national quartile benchmarks, and a few local indicators (``LPI n``)
that give their own polarity; about 50 improvement-plan milestones;
about 10 priority outcomes and innovations with a risk register (some failed, some honourable failures, some
concerning vulnerable people, some exceeded); and the lead council's self-assessments.

Each area draws its own qualities (how often targets are met, how many indicators improve, how much goes wrong), so
that across a national round every element gets a spread of scores. A few values sit exactly on a boundary of the
brief (a value exactly 5 % worse than its target, a change of exactly 1 %), as real data sometimes does, so that
a second implementation that gets a boundary wrong disagrees somewhere.

    from workload import realistic_areas
    areas = realistic_areas(152, seed=2009)      # list[dict], deterministic for a seed

Only the standard library and PyYAML (to read which indicator codes the catalogue knows) are used.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent

KLOES = ("1.1", "1.2", "1.3", "2.1", "2.2", "2.3", "2.4", "3.1", "3.2", "3.3")
MANAGING_RESOURCES = ("3.1", "3.2", "3.3")
NI_CODES = tuple(f"NI {n}" for n in range(1, 200) if n != 31)  # 198 indicators in force; NI 31 was withdrawn
POLICE_CODES = ("NI 15", "NI 16", "NI 20", "NI 32")
SINGLE_TIER_LEADS = (("unitary", 56), ("metropolitan", 36), ("london_borough", 33))
ELEMENTS = ("indicator_set", "direction_of_travel", "use_of_resources", "risk_assessment")
PLACE_STEMS = (
    "Ash", "Bram", "Cald", "Dun", "Elm", "Fern", "Glen", "Hale", "Ivy", "Kings", "Lang", "Mar", "Nor", "Oak",
    "Pen", "Queen", "Rad", "Stan", "Thorn", "Up", "Wal", "Wold", "Yar", "Whit",
)  # fmt: skip
PLACE_ENDS = ("shire", "ford", "bridge", "ton", "wold", "ham", "borough", "field", "combe", "dale", "mouth", "ley")


def catalogue_polarities(rules: Path | str = ROOT / "rules") -> dict[str, str]:
    """The indicator catalogue's polarity by code (rules/indicators.yaml): data, read once."""
    with open(Path(rules) / "indicators.yaml", encoding="utf-8") as handle:
        document = yaml.load(handle, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    rows = document["tables"]["indicator"]["rows"]
    return {code: row["polarity"] for code, row in rows.items()}


class _Indicator:
    """What an indicator is like nationally: which way is better, its scale, and how many decimals it is given to."""

    def __init__(self, code: str) -> None:
        rng = random.Random(f"indicator {code}")  # the same code behaves alike in every area and every run
        self.polarity = rng.choice(("higher", "lower"))
        kind = rng.choice(("percent", "percent", "rate", "count", "small"))
        if kind == "percent":
            self.median, self.decimals = rng.uniform(15, 80), 1
        elif kind == "rate":
            self.median, self.decimals = rng.uniform(50, 900), 0
        elif kind == "count":
            self.median, self.decimals = rng.uniform(200, 5000), 0
        else:
            self.median, self.decimals = rng.uniform(0.5, 12), 2
        self.spread = rng.uniform(0.08, 0.3)  # the quartiles sit this share either side of the median


def _round(value: float, decimals: int) -> int | float:
    return int(round(value)) if decimals == 0 else round(value, decimals)


def _better(value: float, share: float, higher: bool) -> float:
    """``value`` moved by ``share`` of itself in the better direction (negative share: worse)."""
    return value * (1 + share) if higher else value * (1 - share)


class _Generator:
    def __init__(self, seed: int, catalogue: dict[str, str]) -> None:
        self.rng = random.Random(seed)
        self.catalogue = catalogue
        self.indicators = {code: _Indicator(code) for code in NI_CODES}
        self.used_names: set[str] = set()

    # -- one area ---------------------------------------------------------------------------------------------------

    def area(self, index: int) -> dict[str, Any]:
        rng = self.rng
        name = self._name(index)
        area_id = f"{name.lower()}-{index:03d}"
        two_tier = rng.random() < 0.4
        bodies = self._bodies(area_id, name, two_tier)
        councils = [
            body
            for body in bodies
            if body["kind"] in ("county", "district", "unitary", "metropolitan", "london_borough")
        ]
        # The area's qualities: every element's score follows from these, so they differ area to area. A strong
        # area tends to be strong in every element (as in CPA), with each element's own noise on top.
        strength = rng.random()

        def lean(low: float, high: float) -> float:
            return low + (high - low) * min(1.0, max(0.0, strength + rng.gauss(0, 0.2)))

        quality = {
            "met": lean(0.3, 0.95),  # how often a target is met
            "improved": lean(0.3, 0.9),  # how often an indicator improves
            "bottom": lean(0.4, 0.0),  # how many sit in the national bottom quartile
            "delivered": lean(0.4, 1.0),  # how often a milestone is delivered
            "trouble": max(0.0, lean(0.4, -0.1)),  # how often an outcome fails or is at risk
            "uor": lean(1.6, 3.9),  # the auditors' view of the bodies
        }
        bundle: dict[str, Any] = {
            "area": {"id": area_id, "name": name, "tier": "two" if two_tier else "single"},
            "bodies": bodies,
            "indicator_set": {"period": "2008/09", "indicators": self._indicators(bodies, councils, quality)},
            "direction_of_travel": {"milestones": self._milestones(councils, quality)},
            "use_of_resources": {"assessments": [self._assessment(body, quality) for body in bodies]},
            "risk_assessment": self._risk(area_id, councils, bodies, quality),
            "self_assessments": self._self_assessments(bodies[0]["id"], quality),
        }
        return bundle

    def _name(self, index: int) -> str:
        while True:
            name = self.rng.choice(PLACE_STEMS) + self.rng.choice(PLACE_ENDS)
            if name not in self.used_names or len(self.used_names) > 200:
                self.used_names.add(name)
                return name

    def _bodies(self, area_id: str, name: str, two_tier: bool) -> list[dict[str, Any]]:
        rng = self.rng
        if two_tier:
            lead_kind = "county"
        else:
            kinds, weights = zip(*SINGLE_TIER_LEADS, strict=True)
            lead_kind = rng.choices(kinds, weights=weights)[0]
        titles = {
            "county": "County Council",
            "unitary": "Council",
            "metropolitan": "Metropolitan Borough Council",
            "london_borough": "London Borough Council",
        }
        bodies = [{"id": f"{area_id}-lead", "name": f"{name} {titles[lead_kind]}", "kind": lead_kind, "lead": True}]
        if two_tier:
            for number in range(1, rng.randint(3, 6) + 1):
                bodies.append({"id": f"{area_id}-dc{number}", "name": f"{name} District {number}", "kind": "district"})
        for kind, chance, title in (
            ("police", 0.9, "Police Authority"),
            ("fire_and_rescue", 0.8, "Fire and Rescue Authority"),
            ("primary_care_trust", 1.0, "Primary Care Trust"),
        ):
            if rng.random() < chance:
                bodies.append({"id": f"{area_id}-{kind.replace('_', '-')}", "name": f"{name} {title}", "kind": kind})
        return bodies

    # -- use of resources ---------------------------------------------------------------------------------------------

    def _assessment(self, body: dict[str, Any], quality: dict[str, float]) -> dict[str, Any]:
        rng = self.rng
        level = quality["uor"] + rng.gauss(0, 0.5)  # each body differs from the area's norm
        codes = list(KLOES)
        if not body.get("lead") and rng.random() < 0.2:
            codes = [code for code in codes if code not in MANAGING_RESOURCES]  # not assessed this year
        if rng.random() < 0.15:
            codes.remove(rng.choice(codes))  # one KLOE not assessed
        kloes = {code: min(4, max(1, round(rng.gauss(level, 0.65)))) for code in codes}
        return {"body": body["id"], "period": "2008/09", "kloes": kloes}

    # -- the indicator set --------------------------------------------------------------------------------------------

    def _indicators(
        self, bodies: list[dict[str, Any]], councils: list[dict[str, Any]], quality: dict[str, float]
    ) -> list[dict[str, Any]]:
        rng = self.rng
        total = rng.randint(170, 230)
        out: list[dict[str, Any]] = []
        police = [body for body in bodies if body["kind"] == "police"]
        if police:
            for code in rng.sample(POLICE_CODES, k=rng.randint(1, len(POLICE_CODES))):
                out.append(self._indicator(code, police[0]["id"], quality))
        # The lead council is responsible for most; each district for a share of the rest.
        lead, districts = councils[0], councils[1:]
        lead_count = total - len(out) if not districts else int((total - len(out)) * rng.uniform(0.45, 0.6))
        for code in rng.sample(NI_CODES, k=min(lead_count, len(NI_CODES))):
            out.append(self._indicator(code, lead["id"], quality))
        for number in rng.sample(range(1, 60), k=rng.randint(1, 4)):
            # Local performance indicators: never in the catalogue, so each gives its own polarity.
            out.append(self._indicator(f"LPI {number}", lead["id"], quality))
        remaining = total - len(out)
        for number, district in enumerate(districts):
            count = remaining // (len(districts) - number)
            remaining -= count
            for code in rng.sample(NI_CODES, k=count):
                out.append(self._indicator(code, district["id"], quality))
        return out

    def _indicator(self, code: str, body: str, quality: dict[str, float]) -> dict[str, Any]:
        rng = self.rng
        spec = self.indicators.get(code) or self.indicators.setdefault(code, _Indicator(code))
        polarity = self.catalogue.get(code, spec.polarity)
        higher = polarity == "higher"
        median = spec.median * rng.uniform(0.9, 1.1)
        low, high = median * (1 - spec.spread), median * (1 + spec.spread)
        worse_edge, better_edge = (low, high) if higher else (high, low)
        # Where the value sits among the national quartiles.
        if rng.random() < quality["bottom"]:
            value = _better(worse_edge, -rng.uniform(0.01, 0.3), higher)
        else:
            band = rng.randrange(3)
            edges = (worse_edge, median, better_edge, _better(better_edge, 0.3, higher))
            value = edges[band] + (edges[band + 1] - edges[band]) * rng.random()
        decimals = spec.decimals
        value = _round(value, decimals)
        entry: dict[str, Any] = {"code": code, "body": body, "value": value}
        if code not in self.catalogue:
            entry["polarity"] = polarity  # not in the catalogue: the bundle says which way is better
            if rng.random() < 0.5:
                entry["title"] = f"Indicator {code}"
        if rng.random() < 0.75:
            if rng.random() < 0.03 and decimals != 2:
                # A value exactly 5 % worse than a round target: a near miss, on the band's edge.
                target = max(20, int(round(value / 20)) * 20)
                entry["value"] = value = target - target // 20 if higher else target + target // 20
                entry["target"] = target
            else:
                entry["target"] = self._target(value, higher, decimals, quality)
        if rng.random() < 0.9:
            if rng.random() < 0.03 and decimals != 2:
                # A change of exactly 1 % of a round previous value: still stable.
                previous = max(100, int(round(value / 100)) * 100)
                entry["value"] = previous + previous // 100 * rng.choice((1, -1))
                entry["previous"] = previous
            else:
                entry["previous"] = self._previous(value, higher, decimals, quality)
        if rng.random() < 0.8:
            entry["benchmarks"] = {
                "lower_quartile": _round(low, decimals),
                "median": _round(median, decimals),
                "upper_quartile": _round(high, decimals),
            }
        return entry

    def _target(self, value: float, higher: bool, decimals: int, quality: dict[str, float]) -> int | float:
        rng = self.rng
        if rng.random() < quality["met"]:
            return _round(_better(value, -rng.uniform(0.0, 0.12), higher), decimals)  # at or worse than the value
        if rng.random() < 0.35:
            return _round(_better(value, rng.uniform(0.005, 0.05), higher), decimals)  # just out of reach
        return _round(_better(value, rng.uniform(0.06, 0.3), higher), decimals)

    def _previous(self, value: float, higher: bool, decimals: int, quality: dict[str, float]) -> int | float:
        rng = self.rng
        if rng.random() < quality["improved"]:
            return _round(_better(value, -rng.uniform(0.015, 0.2), higher), decimals)  # was worse: improved
        if rng.random() < 0.3:
            return _round(value * (1 + rng.uniform(-0.009, 0.009)), decimals)  # within 1 %: stable
        return _round(_better(value, rng.uniform(0.015, 0.2), higher), decimals)  # was better: declined

    # -- direction of travel ------------------------------------------------------------------------------------------

    def _milestones(self, councils: list[dict[str, Any]], quality: dict[str, float]) -> list[dict[str, Any]]:
        rng = self.rng
        total = rng.randint(40, 60)
        shares = [3.0] + [1.0] * (len(councils) - 1)  # the lead council's plan is the biggest
        out = []
        for council, share in zip(councils, shares, strict=True):
            delivered = min(1.0, max(0.0, quality["delivered"] + rng.gauss(0, 0.12)))
            for number in range(1, max(1, round(total * share / sum(shares))) + 1):
                out.append(
                    {"body": council["id"], "title": f"Milestone {number}", "delivered": rng.random() < delivered}
                )
        return out

    # -- the risk assessment ------------------------------------------------------------------------------------------

    def _risk(
        self, area_id: str, councils: list[dict[str, Any]], bodies: list[dict[str, Any]], quality: dict[str, float]
    ) -> dict[str, Any]:
        rng = self.rng
        trouble = quality["trouble"]
        outcomes: list[dict[str, Any]] = []
        innovations: list[dict[str, Any]] = []
        register: list[dict[str, Any]] = []
        owners = [body["id"] for body in bodies]
        for number in range(1, rng.randint(5, 9) + 1):
            draw = rng.random()
            status = (
                "failed"
                if draw < trouble / 2
                else "at_risk"
                if draw < trouble
                else "exceeded"
                if draw < trouble + 0.1
                else "on_track"
            )
            item: dict[str, Any] = {
                "id": f"o{number}",
                "title": f"Priority outcome {number} of {area_id}",
                "body": rng.choice(owners),
                "status": status,
                "started_on": f"2008-{rng.randint(4, 9):02d}-01",
            }
            if rng.random() < 0.25:
                item["vulnerable"] = True
            if status in ("failed", "at_risk") and rng.random() < 0.45:
                item["known_issue"] = True
                item["action_in_place"] = rng.random() < 0.8
            self._maybe_risk(item, register, calculated=status == "failed" and rng.random() < 0.45)
            outcomes.append(item)
        for number in range(1, rng.randint(1, 4) + 1):
            status = rng.choices(("in_progress", "succeeded", "failed"), weights=(4, 4, 2))[0]
            item = {
                "id": f"i{number}",
                "title": f"Innovation {number} of {area_id}",
                "body": rng.choice([council["id"] for council in councils]),
                "status": status,
                "started_on": f"2008-{rng.randint(4, 12):02d}-01",
            }
            if status == "succeeded" and rng.random() < 0.5:
                item["learning_shared"] = True
            if rng.random() < 0.15:
                item["vulnerable"] = True
            self._maybe_risk(item, register, calculated=status == "failed" and rng.random() < 0.6)
            innovations.append(item)
        return {"outcomes": outcomes, "innovations": innovations, "risk_register": register}

    def _maybe_risk(self, item: dict[str, Any], register: list[dict[str, Any]], calculated: bool) -> None:
        """A risk-register entry for most outcomes; a calculated risk meets every criterion of the test."""
        rng = self.rng
        if not calculated and rng.random() < 0.3:
            return  # no entry in the register
        started = item["started_on"]
        entry: dict[str, Any] = {"id": f"r-{item['id']}", "title": f"The risk to {item['title'].lower()}"}
        if calculated:
            entry["recorded_on"] = f"{int(started[:4]) - 1}-{rng.randint(1, 12):02d}-15"
            entry["mitigations"] = ["A pilot first", "Weekly review"][: rng.randint(1, 2)]
            entry["contingency"] = "Return to the previous service"
            entry["exposure"] = rng.choice(("pilot", "staged", "capped_cost"))
            if rng.random() < 0.7:
                entry["appetite_approved_by"] = rng.choice(("cabinet", "board"))
            if "appetite_approved_by" not in entry or rng.random() < 0.5:
                entry["early_warning_indicators"] = ["Take-up by month"]
                entry["monitoring_acted_on"] = True
            entry["lessons_captured"] = entry["lessons_shared"] = True
            if rng.random() < 0.1:
                item["fraud_found" if rng.random() < 0.5 else "negligence_found"] = True
        else:
            # Some of the criteria, each by chance (or the day it started: not recorded *before*).
            entry["recorded_on"] = rng.choice((started, "2007-11-20", "2009-01-10"))
            if rng.random() < 0.6:
                entry["mitigations"] = ["Review monthly"]
            if rng.random() < 0.5:
                entry["contingency"] = "Stop and review"
            entry["exposure"] = rng.choice(("pilot", "staged", "capped_cost", "open", "open"))
            if rng.random() < 0.4:
                entry["appetite_approved_by"] = rng.choice(("cabinet", "board"))
            if rng.random() < 0.4:
                entry["early_warning_indicators"] = ["Complaints"]
                entry["monitoring_acted_on"] = rng.random() < 0.5
            entry["lessons_captured"] = rng.random() < 0.6
            entry["lessons_shared"] = rng.random() < 0.5
        item["risk"] = entry["id"]
        register.append(entry)

    # -- self-assessments ---------------------------------------------------------------------------------------------

    def _self_assessments(self, lead: str, quality: dict[str, float]) -> list[dict[str, Any]]:
        rng = self.rng
        out = [{"body": lead, "element": element, "score": rng.randint(2, 4)} for element in ELEMENTS]
        if rng.random() < 0.1:
            out.append({"body": lead, "element": "overall", "score": rng.randint(2, 4)})  # never compared: a note
        return out


def realistic_areas(count: int = 152, seed: int = 2009, rules: Path | str = ROOT / "rules") -> list[dict[str, Any]]:
    """``count`` realistic evidence bundles as dicts, the same for the same seed (152: England's areas)."""
    generator = _Generator(seed, catalogue_polarities(rules))
    return [generator.area(index) for index in range(count)]


def describe(areas: list[dict[str, Any]]) -> dict[str, float]:
    """Averages per area of what the data set holds, to print beside the figures."""
    n = len(areas) or 1
    indicators = [a["indicator_set"]["indicators"] for a in areas]
    return {
        "areas": len(areas),
        "bodies_per_area": sum(len(a["bodies"]) for a in areas) / n,
        "other_bodies_per_area": sum(len(a["bodies"]) - 1 for a in areas) / n,
        "two_tier_areas": sum(a["area"]["tier"] == "two" for a in areas),
        "indicators_per_area": sum(map(len, indicators)) / n,
        "with_target": sum("target" in i for group in indicators for i in group) / max(1, sum(map(len, indicators))),
        "milestones_per_area": sum(len(a["direction_of_travel"]["milestones"]) for a in areas) / n,
        "outcomes_and_innovations_per_area": sum(
            len(a["risk_assessment"]["outcomes"]) + len(a["risk_assessment"]["innovations"]) for a in areas
        )
        / n,
        "kloe_scores_per_area": sum(len(x["kloes"]) for a in areas for x in a["use_of_resources"]["assessments"]) / n,
    }
