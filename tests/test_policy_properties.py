"""Properties the use-of-resources policy must have for any evidence, checked with hypothesis on every backend."""

from __future__ import annotations

from functools import cache
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_profiles import examples

from caa_engine import Engine

CODES = ("1.1", "1.2", "1.3", "2.1", "2.2", "2.3", "2.4", "3.1", "3.2", "3.3")
THEMES = {"1": "managing_finances", "2": "governing_the_business", "3": "managing_resources"}
kloe_scores = st.dictionaries(st.sampled_from(CODES), st.integers(1, 4), min_size=1)
SETTINGS = settings(
    max_examples=examples(60), suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)


def _bundle(scores: dict[str, int]) -> dict[str, Any]:
    return {
        "area": {"id": "propshire", "name": "Propshire"},
        "bodies": [{"id": "prop-dc", "name": "Prop District Council", "kind": "district"}],
        "use_of_resources": {"assessments": [{"body": "prop-dc", "kloes": scores}]},
    }


@cache
def _engine(backend: str) -> Engine:
    return Engine("rules", backend)


def _judge(engine: Engine, scores: dict[str, int]) -> Any:
    return engine.assess(_bundle(scores)).elements["use_of_resources"].bodies.get("prop-dc")


def _lower_median(values: list[int]) -> int:
    return sorted(values)[(len(values) - 1) // 2]


@SETTINGS
@given(scores=kloe_scores, data=st.data())
def test_raising_any_kloe_score_never_lowers_the_overall_score(backend: str, scores: dict[str, int], data: Any) -> None:
    engine = _engine(backend)
    code = data.draw(st.sampled_from(sorted(code for code, score in scores.items() if score < 4) or ["none"]))
    if code == "none":
        return
    before = _judge(engine, scores)
    after = _judge(engine, {**scores, code: scores[code] + 1})
    assert after.score >= before.score


@SETTINGS
@given(scores=kloe_scores)
def test_no_theme_is_ever_more_than_one_above_its_weakest_kloe(backend: str, scores: dict[str, int]) -> None:
    # "No compensation": the theme score is the lower median of its KLOEs, capped at the lowest + 1.
    judgement = _judge(_engine(backend), scores)
    themes = {row["theme"]: row["score"] for row in judgement.measures["theme_score"]}
    for prefix, theme in THEMES.items():
        values = [score for code, score in scores.items() if code.startswith(prefix + ".")]
        if not values:
            assert theme not in themes  # unassessed: absent, not zero
            continue
        assert themes[theme] == min(_lower_median(values), min(values) + 1)


@SETTINGS
@given(scores=kloe_scores)
def test_the_overall_score_follows_the_brief_table_for_any_themes(backend: str, scores: dict[str, int]) -> None:
    judgement = _judge(_engine(backend), scores)
    themes = [row["score"] for row in judgement.measures["theme_score"]]
    if sum(t >= 4 for t in themes) >= 2 and min(themes) >= 3:
        expected = 4
    elif sum(t >= 3 for t in themes) >= 2 and min(themes) >= 2:
        expected = 3
    elif sum(t >= 2 for t in themes) >= 2:
        expected = 2
    else:
        expected = 1
    assert (judgement.score, judgement.rule) == (
        expected,
        {4: "uor_performing_strongly", 3: "uor_performing_well", 2: "uor_adequate", 1: "uor_inadequate"}[expected],
    )
    assert len(judgement.notes) == sum(1 for score in scores.values() if score == 1)
    assert all(note.endswith("reassess next year") for note in judgement.notes)
