"""The benchmark's floor stays honest: on a few realistic areas it gives exactly the engine's judgements.

bench/national.py times the engine against bench/floor.py (the brief's default policy written straight in Python);
a ratio against a floor that had drifted from the policy would mean nothing. No timings here.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from caa_engine import Engine

BENCH = Path(__file__).resolve().parent.parent / "bench"
sys.path.insert(0, str(BENCH))

import floor  # noqa: E402
import workload  # noqa: E402

RULES = BENCH.parent / "rules"


@pytest.fixture(scope="module")
def areas() -> list[dict]:
    return workload.realistic_areas(3, seed=2009, rules=RULES)


def test_the_floor_agrees_with_the_native_engine_on_realistic_areas(areas: list[dict]) -> None:
    engine = Engine(RULES, backend="native")
    catalogue = floor.load_catalogue(RULES)
    for bundle in areas:
        engine_view = floor.summarise(engine.assess(bundle))
        floor_view = floor.assess_area(bundle, catalogue)
        assert floor.differences(floor_view, engine_view) == [], bundle["area"]["id"]
        assert engine_view["overall"] is not None  # every element judged, so the comparison covers the overall view


def test_a_realistic_area_has_the_shape_issue_9_describes(areas: list[dict]) -> None:
    for bundle in areas:
        leads = [body for body in bundle["bodies"] if body.get("lead")]
        assert len(leads) == 1 and leads[0]["kind"] in ("county", "unitary", "metropolitan", "london_borough")
        assert 150 <= len(bundle["indicator_set"]["indicators"]) <= 250
        assert len(bundle["use_of_resources"]["assessments"]) == len(bundle["bodies"])
    assert workload.realistic_areas(3, seed=2009, rules=RULES) == areas  # seeded: the same every time
