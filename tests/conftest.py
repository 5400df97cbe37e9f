"""Shared fixtures: every test that touches a backend runs on each available one.

Importing ``hypothesis_profiles`` here, before any test module, sets how the property and fuzz tests search:
derandomised in the suite, a long random search with ``CAA_FUZZ_EXAMPLES=N``."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import hypothesis_profiles  # noqa: F401  (loads the hypothesis profile before any test module is imported)
import pytest
from postgres_cluster import Cluster, find_binaries, start_cluster

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


@pytest.fixture(scope="session")
def postgres() -> Iterator[Cluster]:
    """A throwaway PostgreSQL cluster for this worker (tests/postgres_cluster.py), stopped at the end.

    Without the PostgreSQL binaries or the psycopg driver the tests using it skip, saying why; in CI
    (``CI=true``, where .ci/run installs both) they fail instead."""
    binaries = find_binaries()
    try:
        import psycopg  # noqa: F401
    except ImportError:
        missing: str | None = "psycopg is not installed (pip install -e '.[dev]' brings it)"
    else:
        missing = None if binaries else "the PostgreSQL server binaries (initdb, pg_ctl) are not installed"
    if missing is not None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"the PostgreSQL ledger tests must run in CI: {missing}")
        pytest.skip(missing)
    assert binaries is not None
    cluster = start_cluster(binaries)
    try:
        yield cluster
    finally:
        cluster.stop()
