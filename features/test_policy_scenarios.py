"""Collects every scenario of every feature file in this folder (the steps live in conftest.py),
then checks that, on each backend, they exercised every rule and measure of the rules folder."""

import pytest
from pytest_bdd import scenarios

from caa_engine import Engine

scenarios(".")


def test_the_scenarios_cover_every_rule(request: pytest.FixtureRequest, engine: Engine) -> None:
    """Runs after the backend's scenarios: rule coverage read from their audit trails (conftest.RuleCoverage)."""
    request.config.pluginmanager.get_plugin("caa-rule-coverage").check(engine.backend_name)
