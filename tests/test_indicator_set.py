"""The shipped indicator-set rules say what the policy brief (element 1) says.

Each indicator is classified against its target (met / near miss / missed),
its previous value (improved / stable / declined) and the national quartiles
(top / second / third / bottom), by its polarity; the area's score reads the
shares of those labels.  Every band is tested exactly at its threshold and
just on the wrong side of it, through the public API on both backends.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from element_bundles import COUNTY, LABELS, area_judged, bundle, copy_rules, edit, finding, indicator

from caa_engine import Result, assess

QUARTILES = (10, 20, 30)  # lower quartile, median, upper quartile


def labels_of(result: Result, code: str) -> dict[str, str]:
    """The labels the rules gave one indicator: target_status, trend and quartile, where it has them."""
    settled = result.findings.get("indicator", {}).get(f"{COUNTY}/indicator/{code}", {})
    return {name: found.value for name, found in settled.items() if name in ("target_status", "trend", "quartile")}


def one(entry: dict[str, Any], backend: str) -> dict[str, str]:
    return labels_of(assess(bundle(indicators=[entry]), backend=backend), entry["code"])


def shares(
    met: int = 0,
    targets: int = 0,
    improved: int = 0,
    with_previous: int = 0,
    bottom: int = 0,
    benchmarked: int = 0,
    near_misses: int = 0,
) -> list[dict[str, Any]]:
    """Indicators giving exactly these counts; each indicator has one of target, previous or benchmarks.

    Of ``targets`` targets, ``met`` are met, ``near_misses`` are near misses and the rest missed;
    of ``with_previous`` previous values, ``improved`` improved and the rest declined; of
    ``benchmarked`` benchmarked indicators, ``bottom`` sit in the bottom quartile and the rest at the top.
    """
    entries = []
    for number in range(targets):
        value = 100 if number < met else 98 if number < met + near_misses else 50
        entries.append(indicator(f"LPI {len(entries) + 1}", value, target=100))
    for number in range(with_previous):
        entries.append(indicator(f"LPI {len(entries) + 1}", 110 if number < improved else 90, previous=100))
    for number in range(benchmarked):
        entries.append(indicator(f"LPI {len(entries) + 1}", 5 if number < bottom else 40, quartiles=QUARTILES))
    return entries


def scored(entries: list[dict[str, Any]], backend: str, rules: str | Path = "rules") -> tuple[Any, ...]:
    return area_judged(assess(bundle(indicators=entries), rules=rules, backend=backend), "indicator_set")


# --- target: met, near miss, missed ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("polarity", "value", "target", "expected"),
    [
        ("higher", 50, 50, "met"),  # exactly at the target
        ("lower", 50, 50, "met"),
        ("higher", 50.5, 50, "met"),
        ("lower", 49.5, 50, "met"),
        ("higher", 95, 100, "near_miss"),  # worse by exactly 5% of the target
        ("higher", 94.99, 100, "missed"),  # just beyond
        ("lower", 105, 100, "near_miss"),
        ("lower", 105.01, 100, "missed"),
        ("higher", -21, -20, "near_miss"),  # 5% of |target|: a negative target works the same way
        ("higher", -21.01, -20, "missed"),
    ],
    ids=lambda v: str(v),
)
def test_an_indicator_is_met_at_its_target_and_a_near_miss_within_5_percent_of_it(
    backend: str, polarity: str, value: float, target: float, expected: str
) -> None:
    assert one(indicator("LPI 1", value, target=target, polarity=polarity), backend) == {"target_status": expected}


@pytest.mark.parametrize(
    ("code", "value", "target", "expected"),
    [
        ("NI 117", 6.0, 6.0, "met"),  # NEET: lower is better
        ("NI 117", 5.9, 6.0, "met"),
        ("NI 117", 6.3, 6.0, "near_miss"),  # exactly 5% above a lower-is-better target
        ("NI 117", 6.31, 6.0, "missed"),
        ("NI 192", 45, 45, "met"),  # recycling: higher is better
        ("NI 192", 42.75, 45, "near_miss"),  # exactly 5% below
        ("NI 192", 42.74, 45, "missed"),
    ],
    ids=lambda v: str(v),
)
def test_a_catalogue_indicator_takes_its_polarity_from_the_catalogue(
    backend: str, code: str, value: float, target: float, expected: str
) -> None:
    assert one(indicator(code, value, target=target, polarity=None), backend) == {"target_status": expected}


# --- trend: improved, stable, declined ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("polarity", "value", "expected"),
    [
        ("higher", 100, "stable"),
        ("higher", 101, "stable"),  # up by exactly 1% of the previous value
        ("higher", 99, "stable"),  # down by exactly 1%
        ("higher", 101.01, "improved"),  # just beyond
        ("higher", 98.99, "declined"),
        ("lower", 101, "stable"),
        ("lower", 99, "stable"),
        ("lower", 98.99, "improved"),
        ("lower", 101.01, "declined"),
    ],
    ids=lambda v: str(v),
)
def test_a_change_of_at_most_1_percent_of_the_previous_value_is_stable(
    backend: str, polarity: str, value: float, expected: str
) -> None:
    assert one(indicator("LPI 1", value, previous=100, polarity=polarity), backend) == {"trend": expected}


# --- quartile: top, second, third, bottom ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("polarity", "value", "expected"),
    [
        ("higher", 30, "top"),  # exactly on the upper quartile
        ("higher", 29.99, "second"),
        ("higher", 20, "second"),  # exactly on the median
        ("higher", 19.99, "third"),
        ("higher", 10, "third"),  # exactly on the lower quartile
        ("higher", 9.99, "bottom"),
        ("lower", 10, "top"),  # exactly on the lower quartile
        ("lower", 10.01, "second"),
        ("lower", 20, "second"),  # exactly on the median
        ("lower", 20.01, "third"),
        ("lower", 30, "third"),  # exactly on the upper quartile
        ("lower", 30.01, "bottom"),
    ],
    ids=lambda v: str(v),
)
def test_a_value_on_a_quartile_boundary_sits_in_the_better_quartile(
    backend: str, polarity: str, value: float, expected: str
) -> None:
    assert one(indicator("LPI 1", value, quartiles=QUARTILES, polarity=polarity), backend) == {"quartile": expected}


def test_an_indicator_gets_only_the_labels_its_evidence_allows(backend: str) -> None:
    result = assess(
        bundle(
            indicators=[
                indicator("LPI 1", 40),
                indicator("LPI 2", 40, target=30, previous=50, quartiles=QUARTILES),
            ]
        ),
        backend=backend,
    )
    assert labels_of(result, "LPI 1") == {}
    assert labels_of(result, "LPI 2") == {"target_status": "met", "trend": "declined", "quartile": "top"}


# --- the element score: each band at its threshold and just below ---------------------------------------


@pytest.mark.parametrize(
    ("counts", "expected"),
    [
        pytest.param(
            dict(met=3, targets=4, improved=1, with_previous=2, bottom=1, benchmarked=10), 4, id="75-50-10->4"
        ),
        pytest.param(dict(met=74, targets=100, improved=1, with_previous=2), 3, id="74-50-0->3"),
        pytest.param(dict(met=3, targets=4, improved=49, with_previous=100), 3, id="75-49-0->3"),
        pytest.param(
            dict(met=3, targets=4, improved=1, with_previous=2, bottom=11, benchmarked=100), 3, id="75-50-11->3"
        ),
        pytest.param(dict(met=3, targets=5, improved=2, with_previous=5), 3, id="60-40->3"),
        pytest.param(dict(met=59, targets=100, improved=2, with_previous=5), 2, id="59-40->2"),
        pytest.param(dict(met=3, targets=5, improved=39, with_previous=100), 2, id="60-39->2"),
        pytest.param(dict(met=2, targets=5), 2, id="40->2"),
        pytest.param(dict(met=39, targets=100, improved=1, with_previous=1), 1, id="39-100->1"),
        pytest.param(dict(met=0, targets=1), 1, id="0->1"),
    ],
)
def test_the_element_score_follows_the_brief_bands_at_each_threshold(
    backend: str, counts: dict[str, int], expected: int
) -> None:
    assert scored(shares(**counts), backend) == (expected, LABELS[expected])


def test_the_shares_are_recorded_as_findings_about_the_area(backend: str) -> None:
    result = assess(
        bundle(indicators=shares(met=3, targets=4, improved=1, with_previous=2, bottom=1, benchmarked=10)),
        backend=backend,
    )
    assert {
        name: finding(result, "area", "testshire", f"indicator_shares.{name}").value
        for name in ("met", "targets", "improved", "bottom")
    } == {"met": 0.75, "targets": 4, "improved": 0.5, "bottom": 0.1}


def test_a_near_miss_is_not_met(backend: str) -> None:
    # 2 met and 3 near misses of 5 targets: 40% met (counted as met, it would be 100% and a 4).
    entries = shares(met=2, near_misses=3, targets=5, improved=1, with_previous=1)
    assert scored(entries, backend) == (2, "adequate")


@pytest.mark.parametrize(
    ("improved", "with_previous", "expected"),
    [
        (3, 4, 4),  # 75% improved stands in for 75% met
        (74, 100, 3),  # 74%: enough improved for a 4, not enough "met"
        (3, 5, 3),  # 60%
        (59, 100, 2),
        (2, 5, 2),  # 40%
        (39, 100, 1),
    ],
    ids=lambda v: str(v),
)
def test_with_no_targets_at_all_the_share_improved_stands_in_for_the_share_met(
    backend: str, improved: int, with_previous: int, expected: int
) -> None:
    entries = shares(improved=improved, with_previous=with_previous, benchmarked=1)
    assert scored(entries, backend) == (expected, LABELS[expected])


def test_with_one_target_the_share_improved_no_longer_stands_in(backend: str) -> None:
    # Every indicator improved, but the one target was missed: 0% met.
    entries = shares(met=0, targets=1, improved=4, with_previous=4)
    assert scored(entries, backend) == (1, "inadequate")


def test_a_share_with_nothing_to_count_is_0(backend: str) -> None:
    # Every target met, but no indicator has a previous value: 0% improved, so no 4 or 3.
    result = assess(bundle(indicators=shares(met=4, targets=4)), backend=backend)
    assert area_judged(result, "indicator_set") == (2, "adequate")
    assert finding(result, "area", "testshire", "indicator_shares.improved").value == 0
    # No indicator is benchmarked: 0% in the bottom quartile, which does not stop a 4.
    result = assess(bundle(indicators=shares(met=1, targets=1, improved=1, with_previous=1)), backend=backend)
    assert area_judged(result, "indicator_set") == (4, "performing strongly")
    assert finding(result, "area", "testshire", "indicator_shares.bottom").value == 0


def test_with_no_targets_and_no_previous_values_the_area_is_inadequate(backend: str) -> None:
    assert scored(shares(bottom=0, benchmarked=3), backend) == (1, "inadequate")


def test_an_area_with_no_indicators_gets_no_indicator_set_score(backend: str) -> None:
    assert area_judged(assess(bundle(indicators=[]), backend=backend), "indicator_set") == (None, None)


# --- the policy lives in YAML ---------------------------------------------------------------------------


def test_lowering_strong_met_share_in_yaml_turns_70_percent_met_into_a_4(backend: str, tmp_path: Path) -> None:
    entries = shares(met=7, targets=10, improved=1, with_previous=1)
    assert scored(entries, backend) == (3, "performing well")
    rules = copy_rules(tmp_path)
    edit(rules / "indicator_set.yaml", "  strong_met_share:\n    value: 75%\n", "  strong_met_share:\n    value: 70%\n")
    assert scored(entries, backend, rules) == (4, "performing strongly")


def test_widening_the_near_miss_band_in_yaml_turns_a_miss_into_a_near_miss(backend: str, tmp_path: Path) -> None:
    entry = indicator("LPI 1", 93, target=100)
    assert one(entry, backend) == {"target_status": "missed"}
    rules = copy_rules(tmp_path)
    edit(rules / "indicator_set.yaml", "  near_miss_band:\n    value: 5%\n", "  near_miss_band:\n    value: 7%\n")
    result = assess(bundle(indicators=[entry]), rules=rules, backend=backend)
    assert labels_of(result, "LPI 1") == {"target_status": "near_miss"}
