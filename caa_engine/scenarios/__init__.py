"""The step library of the policy scenarios: a pytest plugin, one module per element.

Load it with ``pytest_plugins = ["caa_engine.scenarios"]`` in a ``conftest.py`` (as ``features/conftest.py``
does) or ``pytest -p caa_engine.scenarios``; ``caa test SCENARIOS --rules RULES`` runs it over a folder of
feature files kept anywhere (:mod:`caa_engine.scenario_runner`). pytest-bdd finds step definitions in a ``conftest.py``, in the
test module, or in a plugin, so each step module is registered as a plugin of its own, below. It is not a
``pytest11`` entry point: installed, it would join every pytest run on the machine, with its options, its
fixtures and its xdist scheduler.

A module that collects scenarios uses the ``area`` fixture from the start, so that each scenario runs on
every backend::

    pytestmark = pytest.mark.usefixtures("area")
    scenarios("my-scenarios/")

Modules: ``fixtures`` (options, the rules folder under test, one engine per backend, the area), ``area``
(the evidence a scenario builds and its result), ``words`` (thresholds, shares and tables in words),
``coverage`` (rule coverage and the xdist scheduling it needs), and the steps: ``common`` (every element),
``period`` (the assessment period the evidence is for),
``use_of_resources``, ``direction_of_travel``, ``indicator_set``, ``overall``, ``risk_assessment`` (with the
honourable-failure test). ``tools/policy_steps.py`` lists the steps in ``docs/policy-tests.md`` in this order.

Importing this package needs neither pytest nor pytest-bdd; loading the plugin does (``caa-engine[scenarios]``).
"""

pytest_plugins = [
    "caa_engine.scenarios.fixtures",
    "caa_engine.scenarios.coverage",
    "caa_engine.scenarios.common",
    "caa_engine.scenarios.period",
    "caa_engine.scenarios.use_of_resources",
    "caa_engine.scenarios.direction_of_travel",
    "caa_engine.scenarios.indicator_set",
    "caa_engine.scenarios.overall",
    "caa_engine.scenarios.risk_assessment",
]
