"""Shared fixtures: every test that touches a backend runs on each available one.

Importing ``hypothesis_profiles`` here, before any test module, sets how the property and fuzz tests search:
derandomised in the suite, a long random search with ``CAA_FUZZ_EXAMPLES=N``."""

from __future__ import annotations

from pathlib import Path

import hypothesis_profiles  # noqa: F401  (loads the hypothesis profile before any test module is imported)
import pytest

from caa_engine.backends.durable import durable_available

ROOT = Path(__file__).resolve().parent.parent
RULES = ROOT / "rules"
FIXTURES = ROOT / "fixtures"

BACKEND_PARAMS = [
    pytest.param(
        "durable",
        marks=pytest.mark.skipif(not durable_available(), reason="durable-rules does not import on this Python"),
    ),
    "native",
]


@pytest.fixture(params=BACKEND_PARAMS)
def backend(request: pytest.FixtureRequest) -> str:
    """The name of a backend; tests using it run once per backend."""
    return str(request.param)


@pytest.fixture
def root() -> Path:
    return ROOT


@pytest.fixture(autouse=True)
def _run_from_root(monkeypatch: pytest.MonkeyPatch) -> None:
    # Paths in results and messages are shown relative to the working directory.
    monkeypatch.chdir(ROOT)
