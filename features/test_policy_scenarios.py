"""Collects every scenario of every feature file in this folder (the steps: the plugin caa_engine.scenarios),
then checks that, on each backend, they exercised every rule and measure of the rules folder."""

import pytest
from pytest_bdd import scenarios

from caa_engine import Engine
from caa_engine.scenarios.coverage import COVERAGE_PLUGIN

pytestmark = pytest.mark.usefixtures("area")  # every scenario runs on each backend (caa_engine.scenarios.fixtures)

scenarios(".")


def test_the_scenarios_cover_every_rule(request: pytest.FixtureRequest, engine: Engine) -> None:
    """Runs after the backend's scenarios: rule coverage read from their audit trails (coverage.RuleCoverage)."""
    request.config.pluginmanager.get_plugin(COVERAGE_PLUGIN).check(engine.backend_name)
