"""The shipped rules assess the shipped fixtures, the same on every backend."""

from caa_engine import assess


def test_cheltenham_themes_3_2_3_give_overall_3(backend: str) -> None:
    result = assess("fixtures/cheltenham.yaml", rules="rules", backend=backend)
    body = result.elements["use_of_resources"].bodies["cheltenham-bc"]
    assert (body.score, body.label) == (3, "performing well")
    themes = {row["theme"]: row["score"] for row in body.measures["theme_score"]}
    assert themes == {"managing_finances": 3, "governing_the_business": 2, "managing_resources": 3}
