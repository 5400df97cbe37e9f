"""Rule coverage of the scenarios, from their audit trails, and the xdist scheduling that keeps it whole.

Every result a scenario gets is added up per backend (:class:`RuleCoverage`, registered as the plugin
``caa-rule-coverage``); ``test_the_scenarios_cover_every_rule[backend]``, the last test of a scenarios module,
fails when that backend's scenarios exercised less than ``--rule-coverage-min`` percent (default 100) of the
rules and measures of the folder under test, and the end of the run prints the report.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from caa_engine import Coverage, Gap, Plan, Result, load_rules

from .fixtures import rules_dir, shown

COVERAGE_PLUGIN = "caa-rule-coverage"  # the RuleCoverage's name among the plugins: get_plugin(COVERAGE_PLUGIN)
COVERAGE_TEST = "test_the_scenarios_cover_every_rule"
COVERAGE_SENT = "caa-rule-coverage"  # what an xdist worker sends the controller: the rules its scenarios covered
SCENARIOS_FILE = "test_policy_scenarios.py"  # the scenarios, then the coverage checks


def pytest_configure(config: pytest.Config) -> None:
    config.pluginmanager.register(RuleCoverage(config), COVERAGE_PLUGIN)


class RuleCoverage:
    """Which rules and measures the scenarios exercised, read from each result's audit trail.

    A rule counts as covered when it decided something (an applied event) in at least one scenario;
    one that only ever fired to be overridden by a higher-priority rule is reported apart. A measure
    counts when it was computed. Counted per backend: ``test_the_scenarios_cover_every_rule[backend]``
    (the last test of the scenarios module, run after that backend's scenarios) fails when the backend
    falls below the threshold, and the report is printed at the end of the run.

    Under pytest-xdist (``-n``), the scenarios and the checks, all in one test file, run on one worker in
    collection order (see ``pytest_xdist_make_scheduler``), so each check sees every scenario of its backend;
    each worker sends what its scenarios covered to the controller, which prints the report.
    """

    def __init__(self, config: pytest.Config):
        self.config = config
        self.fired: dict[str, Coverage] = {}  # backend -> what its scenarios' audit trails covered
        self.deselected = 0
        self.checks_deselected: list[pytest.Item] = []
        self.checked = False
        self.has_checks = False  # whether the run has coverage checks at all, selected or not

    def record(self, plan: Plan, backend: str, result: Result) -> None:
        self.fired.setdefault(backend, Coverage(plan)).add(result.audit)

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        workeroutput = getattr(session.config, "workeroutput", None)
        if workeroutput is not None:  # an xdist worker: hand what its scenarios covered to the controller
            workeroutput[COVERAGE_SENT] = {
                "seen": {
                    backend: {rule: sorted(statuses) for rule, statuses in coverage.seen.items()}
                    for backend, coverage in self.fired.items()
                },
                "checked": self.checked,
                "has_checks": self.has_checks,
            }

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node: Any, error: Any) -> None:
        """In the xdist controller: add up what each worker's scenarios covered, for the report."""
        sent = getattr(node, "workeroutput", {}).get(COVERAGE_SENT)
        if not sent or not sent["seen"]:
            return
        plan = load_rules(rules_dir(self.config))
        for backend, seen in sent["seen"].items():
            coverage = self.fired.setdefault(backend, Coverage(plan))
            for rule, statuses in seen.items():
                coverage.seen.setdefault(rule, set()).update(statuses)
        self.checked = self.checked or sent["checked"]
        self.has_checks = self.has_checks or sent["has_checks"]

    def pytest_deselected(self, items: list[pytest.Item]) -> None:
        self.deselected += sum(1 for item in items if _is_scenario(item))
        self.checks_deselected += [item for item in items if item.name.startswith(COVERAGE_TEST)]

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        self.has_checks = bool(self.checks_deselected) or any(item.name.startswith(COVERAGE_TEST) for item in items)
        # A threshold given on the command line is checked whatever -k or -m selected: put the check back.
        if self.explicit and self.checks_deselected:
            items.extend(self.checks_deselected)
            self.checks_deselected = []

    @property
    def explicit(self) -> bool:
        return self.config.getoption("--rule-coverage-min", default=None) is not None

    @property
    def minimum(self) -> float:
        chosen = self.config.getoption("--rule-coverage-min", default=None)
        return 100.0 if chosen is None else float(chosen)

    def check(self, backend: str) -> None:
        """Fail when the scenarios run on ``backend`` cover less than the threshold; skip when only some
        scenarios ran (they cannot cover every rule), unless a threshold was given on the command line."""
        self.checked = True
        if backend not in self.fired:
            pytest.skip(f"no scenario ran on the {backend} backend, so there is no rule coverage to check")
        if self.deselected and not self.explicit:
            pytest.skip(
                f"{self.deselected} scenarios were deselected, so rule coverage is reported but not enforced "
                "(run `pytest features`, or give --rule-coverage-min)"
            )
        lines, below = coverage_report({backend: self.fired[backend]}, self.minimum, rules_dir(self.config))
        if below:
            raise AssertionError("\n".join(lines))

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if not self.fired or hasattr(self.config, "workerinput"):  # an xdist worker's summary is never shown
            return
        unchecked = not self.has_checks  # a module with no coverage check (caa test without a threshold)
        lines, below = coverage_report(self.fired, None if unchecked else self.minimum, rules_dir(self.config))
        terminalreporter.section("policy rule coverage", sep="=", red=bool(below), green=not below)
        for line in lines:
            terminalreporter.write_line(line)
        if unchecked:
            terminalreporter.write_line(
                "(no coverage check in this run, so coverage is reported but not enforced: give "
                "--rule-coverage-min PERCENT to enforce it)"
            )
        elif not self.checked:
            terminalreporter.write_line(
                "(only some scenarios ran, so coverage is reported but not enforced: run `pytest features`, "
                "or give --rule-coverage-min)"
            )


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """pytest-xdist's default distribution (``-n``, ``--dist load``), with one exception: the tests of the
    scenarios file go to one worker together, in order, as the coverage checks must follow every scenario of
    their backend. Every other test goes to whichever worker is free, one by one.

    (xdist's own ``--dist loadgroup`` would do this with an ``xdist_group`` mark, but it names the group in the
    test's node id, which pytest 9 no longer lets a plugin change.)"""
    if config.getvalue("dist") != "load":
        return None  # --dist loadfile, loadscope, each...: as asked
    from xdist.scheduler import LoadScopeScheduling

    class ScenariosTogether(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            file = nodeid.split("::", 1)[0]
            return file if file.endswith(SCENARIOS_FILE) else nodeid

    return ScenariosTogether(config, log)


def _is_scenario(item: pytest.Item) -> bool:
    """A test pytest-bdd made from a scenario (each takes the scenario's example row as a fixture)."""
    return "_pytest_bdd_example" in getattr(item, "fixturenames", ())


def coverage_report(fired: dict[str, Coverage], minimum: float | None, folder: Path) -> tuple[list[str], list[str]]:
    """The coverage lines to print, and the backends below ``minimum`` percent. With no threshold (None: a few
    scenarios of one's own), the totals only, not every rule they leave out.

    Each gap is listed once, with the backends it concerns when they differ.
    """
    lines = [f"rules folder: {shown(folder)}"]
    if fired:  # which periods' rules the figures are of (a dated folder: every period's)
        lines.append(f"rules counted: {next(iter(fired.values())).periods}")
    below = []
    gaps: dict[Gap, list[str]] = {}
    for backend, coverage in sorted(fired.items()):
        said = f"{backend}: {coverage.covered} of {coverage.total} rules and measures covered ({coverage.percent:.1f}%)"
        if minimum is None:
            lines.append(said)
            continue
        lines.append(f"{said}: ok" if coverage.percent >= minimum else f"{said}: BELOW the required {minimum:g}%")
        if coverage.percent < minimum:
            below.append(backend)
        for gap in coverage.gaps():
            gaps.setdefault(gap, []).append(backend)
    for gap, backends in sorted(gaps.items(), key=lambda item: (item[0].file, item[0].line)):
        only = "" if len(backends) == len(fired) else f" [{', '.join(backends)} only]"
        lines.append(f"  {gap}{only}")
    return lines, below
