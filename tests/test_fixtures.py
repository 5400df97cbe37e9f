"""Every shipped fixture gives its checked-in JSON, byte for byte, on every backend and every run.

The expected files under ``fixtures/expected/`` are written by
``tools/regenerate_expected.py`` and reviewed by hand; these tests only
compare against them.
"""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path
from types import ModuleType

import pytest

from caa_engine import Engine, assess
from caa_engine.backends.durable import durable_available

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = sorted(
    p.relative_to(ROOT) for p in (ROOT / "fixtures").iterdir() if p.is_file() and p.suffix in (".yaml", ".yml", ".json")
)
FIXTURE_IDS = [p.stem for p in FIXTURES]


def expected_json(fixture: Path) -> str:
    return (ROOT / "fixtures" / "expected" / f"{fixture.stem}.json").read_text(encoding="utf-8")


def load_regenerator(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location("regenerate_expected_under_test", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_there_are_at_least_four_fixtures_including_the_brief_check_area() -> None:
    assert len(FIXTURES) >= 4
    assert Path("fixtures/cheltenham.yaml") in FIXTURES


def test_every_fixture_has_an_expected_file_and_every_expected_file_a_fixture() -> None:
    expected = sorted(p.stem for p in (ROOT / "fixtures" / "expected").glob("*.json"))
    assert expected == sorted(FIXTURE_IDS)


@pytest.mark.parametrize("fixture", FIXTURES, ids=FIXTURE_IDS)
def test_every_fixture_opens_with_a_comment_saying_what_it_demonstrates(fixture: Path) -> None:
    first = (ROOT / fixture).read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith("# ") and len(first) > 20


@pytest.mark.parametrize("fixture", FIXTURES, ids=FIXTURE_IDS)
def test_each_fixture_gives_its_expected_json_byte_for_byte(backend: str, fixture: Path) -> None:
    result = assess(str(fixture), rules="rules", backend=backend)
    assert result.backend == backend
    assert result.to_json() == expected_json(fixture)


@pytest.mark.parametrize("fixture", FIXTURES, ids=FIXTURE_IDS)
def test_assessing_a_fixture_again_gives_the_same_json(backend: str, fixture: Path) -> None:
    engine = Engine("rules", backend)
    first = engine.assess(str(fixture)).to_json()
    second = engine.assess(str(fixture)).to_json()
    fresh = assess(str(fixture), rules="rules", backend=backend).to_json()
    assert first == second == fresh


@pytest.mark.skipif(not durable_available(), reason="durable-rules does not import on this Python")
@pytest.mark.parametrize("fixture", FIXTURES, ids=FIXTURE_IDS)
def test_durable_and_native_give_identical_json_for_each_fixture(fixture: Path) -> None:
    durable = assess(str(fixture), rules="rules", backend="durable").to_json()
    native = assess(str(fixture), rules="rules", backend="native").to_json()
    assert durable == native


def test_every_assessed_body_in_every_fixture_gets_a_score_on_the_common_scale(backend: str) -> None:
    labels = {4: "performing strongly", 3: "performing well", 2: "adequate", 1: "inadequate"}
    seen: set[int] = set()
    for fixture in FIXTURES:
        bodies = assess(str(fixture), rules="rules", backend=backend).elements["use_of_resources"].bodies or {}
        for judgement in bodies.values():
            assert labels[judgement.score] == judgement.label
            seen.add(judgement.score)
    assert seen == {1, 2, 3, 4}  # the fixtures between them reach every band


def test_the_regeneration_script_finds_the_checked_in_files_up_to_date() -> None:
    script = load_regenerator(ROOT / "tools" / "regenerate_expected.py")
    assert script.main(["--check"]) == 0


def test_the_regeneration_script_reports_a_stale_file_and_rewrites_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A copy of the project keeps the real expected files untouched.
    for folder in ("rules", "fixtures", "tools"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    stale = tmp_path / "fixtures" / "expected" / "cheltenham.json"
    good = stale.read_text(encoding="utf-8")
    stale.write_text(good.replace('"score": 3', '"score": 4', 1), encoding="utf-8")
    (tmp_path / "fixtures" / "expected" / "gone.json").write_text("{}\n", encoding="utf-8")
    script = load_regenerator(tmp_path / "tools" / "regenerate_expected.py")

    assert script.main(["--check"]) == 1
    out = capsys.readouterr().out
    assert "stale      fixtures/expected/cheltenham.json" in out
    assert "orphan     fixtures/expected/gone.json" in out
    assert stale.read_text(encoding="utf-8") != good  # --check never writes

    assert script.main([]) == 0
    assert stale.read_text(encoding="utf-8") == good
