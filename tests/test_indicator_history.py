"""Time series (issue 15 item 4): an indicator's 'history' of earlier values, read by a rule over its history.

The rule is the documented example in docs/rules.md ("Time series"), run with the shipped indicator catalogue.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from caa_engine import Engine, EvidenceError

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = re.search(
    r"```yaml\n# rule file: sustained_improvement\n(.*?)```", (ROOT / "docs" / "rules.md").read_text("utf-8"), re.S
)


@pytest.fixture(scope="module")
def rules(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("rules")
    shutil.copy(ROOT / "rules" / "indicators.yaml", folder)
    assert EXAMPLE is not None, "the example rule file is in docs/rules.md"
    (folder / "sustained.yaml").write_text(EXAMPLE.group(1), encoding="utf-8")
    return folder


def bundle(*indicators: dict[str, Any], period: str | None = "2008/09") -> dict[str, Any]:
    data: dict[str, Any] = {
        "area": {"id": "x", "name": "X"},
        "bodies": [{"id": "x-cc", "name": "X CC", "kind": "county", "lead": True}],
        "indicator_set": {"indicators": [{"body": "x-cc", **indicator} for indicator in indicators]},
    }
    if period:
        data["period"] = period
    return data


def steady(rules: Path, backend: str, data: dict[str, Any]) -> dict[str, str]:
    found = Engine(rules, backend).assess(data).findings.get("indicator", {})
    return {subject.split("/")[-1]: by_name["sustained"].value for subject, by_name in found.items()}


@pytest.mark.parametrize(
    ("indicator", "expected"),
    [
        pytest.param(
            {"code": "NI 192", "value": 47, "previous": 44, "history": {"2005/06": 35, "2006/07": 40, "2007/08": 44}},
            {"NI 192": "improving_steadily"},
            id="higher-is-better-improved-three-periods-running",
        ),
        pytest.param(
            {"code": "NI 192", "value": 47, "previous": 44, "history": {"2006/07": 45, "2007/08": 44}},
            {},
            id="a-dip-two-periods-ago",
        ),
        pytest.param(
            {
                "code": "NI 191",
                "value": 580,
                "previous": 600,
                "history": {"2006/07": 650, "2007/08": 600, "2005/06": 700},
            },
            {"NI 191": "improving_steadily"},
            id="lower-is-better-falling-three-periods-running",
        ),
        pytest.param(
            {"code": "NI 192", "value": 47, "previous": 44, "history": {"2007/08": 44}},
            {},
            id="too-short-a-history",
        ),
        pytest.param({"code": "NI 192", "value": 47, "previous": 44}, {}, id="no-history"),
    ],
)
def test_an_indicator_improving_in_each_of_the_last_three_periods_is_labelled_so(
    rules: Path, backend: str, indicator: dict[str, Any], expected: dict[str, str]
) -> None:
    assert steady(rules, backend, bundle(indicator)) == expected


def test_only_the_indicators_own_history_counts(rules: Path) -> None:
    own = {"code": "NI 192", "value": 47, "previous": 44, "history": {"2007/08": 44}}
    other = {"code": "NI 8", "value": 30, "previous": 28, "history": {"2005/06": 20, "2006/07": 24, "2007/08": 28}}
    assert steady(rules, "native", bundle(own, other)) == {"NI 8": "improving_steadily"}


def test_the_trail_names_each_earlier_value_counted_and_where_it_came_from(rules: Path, tmp_path: Path) -> None:
    path = tmp_path / "x.yaml"
    path.write_text(
        "area: {id: x, name: X}\nperiod: 2008/09\nbodies: [{id: x-cc, name: X CC, kind: county}]\n"
        "indicator_set:\n  indicators:\n    - code: NI 192\n      body: x-cc\n      value: 47\n      previous: 44\n"
        "      history:\n        2005/06: 35\n        2006/07: 40\n        2007/08: 44\n",
        encoding="utf-8",
    )
    result = Engine(rules, "native").assess(path)
    (event,) = [event for event in result.audit if event.id == "improving_steadily"]
    (counted,) = [item for item in event.inputs if item.name.startswith("count(")]
    assert counted.facts == ["x-cc/indicator/NI 192/2006/07", "x-cc/indicator/NI 192/2007/08"]


def test_the_period_after_the_latest_earlier_value_is_the_bundles_when_it_names_none(rules: Path) -> None:
    indicator = {
        "code": "NI 192",
        "value": 47,
        "previous": 44,
        "history": {"2005/06": 35, "2006/07": 40, "2007/08": 44},
    }
    assert steady(rules, "native", bundle(indicator, period=None)) == {"NI 192": "improving_steadily"}


def test_a_history_for_the_bundles_own_period_or_one_contradicting_previous_is_refused(rules: Path) -> None:
    engine = Engine(rules, "native")
    with pytest.raises(EvidenceError) as caught:
        engine.assess(bundle({"code": "NI 192", "value": 47, "history": {"2008/09": 47}}))
    assert [issue.code for issue in caught.value.issues] == ["history-period"]
    with pytest.raises(EvidenceError) as caught:
        engine.assess(bundle({"code": "NI 192", "value": 47, "previous": 44, "history": {"2007/08": 43}}))
    assert [issue.message for issue in caught.value.issues] == [
        "indicator NI 192's previous is 44, but its history gives 43 for 2007/08"
    ]
