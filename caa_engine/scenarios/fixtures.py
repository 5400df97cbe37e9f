"""The scenarios' options and fixtures: which rules folder is under test, one engine per backend, and the
area each scenario builds.

``--rules-dir PATH`` names the rules folder (default: ``rules/`` in pytest's rootdir, the project's own);
a folder that does not load stops the run once, before any scenario, with its located errors.
``--rule-coverage-min`` is read by :mod:`.coverage`.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from caa_engine import BACKENDS, Engine, EngineError, Plan, RuleError, load_rules

from .area import Area

AREA = "area"  # the fixture every scenario module must use (pytestmark = pytest.mark.usefixtures("area"))


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("caa policy scenarios")
    group.addoption(
        "--rules-dir",
        default=None,
        metavar="PATH",
        help="run the policy scenarios against this rules folder (default: rules/ in the rootdir, the shipped rules)",
    )
    group.addoption(
        "--rule-coverage-min",
        default=None,
        type=float,
        metavar="PERCENT",
        help="fail the run when the scenarios fire less than this percentage of the rules and measures in the "
        "rules folder (default 100; enforced whenever every scenario ran)",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "brief_default: the scenario pins a number of the policy brief's default rules; it fails under tuned rules "
        "that change that number, and says so",
    )
    chosen = config.getoption("--rules-dir", default=None)
    if chosen:  # a tuned folder that does not load stops the run once, with its errors, not in every scenario
        if not Path(chosen).is_dir():
            raise pytest.UsageError(f"--rules-dir {chosen}: no such folder")
        try:
            load_rules(chosen)
        except RuleError as exc:
            raise pytest.UsageError(
                f"--rules-dir {chosen}: the rules do not load, so no scenario can run:\n{exc.render(context=True)}"
            ) from None


def shown(path: Path) -> str:
    """A path as people type it: relative to the working directory where it is inside it."""
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def rules_dir(config: pytest.Config) -> Path:
    """The rules folder under test: ``--rules-dir``, else ``rules/`` in pytest's rootdir (the project's)."""
    chosen = config.getoption("--rules-dir", default=None)
    return Path(chosen).resolve() if chosen else config.rootpath / "rules"


@pytest.fixture(scope="session")
def plan(request: pytest.FixtureRequest) -> Plan:
    """The rules folder under test, loaded and checked once: a broken folder stops the run with its errors."""
    return load_rules(rules_dir(request.config))


@pytest.fixture(scope="session", params=BACKENDS)
def engine(request: pytest.FixtureRequest, plan: Plan) -> Engine:
    """One engine per backend: every scenario runs on each (durable-rules does not import on Python 3.13+,
    and the engine says so by an EngineError, so there the durable run is skipped with its reason)."""
    try:
        return Engine(plan, backend=str(request.param))
    except EngineError as exc:
        pytest.skip(f"the {request.param} backend cannot run on this Python, so only the others run ({exc})")


@pytest.fixture
def area(engine: Engine, request: pytest.FixtureRequest) -> Area:
    """The area a scenario builds up, step by step, and assesses when a 'Then' step first asks.

    Every scenario module uses it from the start (``pytestmark = pytest.mark.usefixtures("area")``), so that
    every scenario depends on ``engine`` and runs on each backend: pytest parametrizes only the fixtures a test
    needs before its steps run. Not autouse, since this plugin is loaded for a whole session, unit tests too."""
    return Area(engine, request.config)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A scenario whose module forgot the mark would fail at its first step with pytest's words about a
    parametrized fixture; say what to write instead, once, before anything runs."""
    for item in items:
        uses = getattr(item, "fixturenames", ())
        if "_pytest_bdd_example" in uses and AREA not in uses:
            raise pytest.UsageError(
                f"{item.nodeid}: a scenario module must use the step library's area: write "
                f'pytestmark = pytest.mark.usefixtures("{AREA}") in {item.path.name}'
            )
