"""``caa test SCENARIOS``: the project's step library run over a folder of feature files kept anywhere.

A tuner keeps a rules folder and the scenarios that state what it must say side by side, outside the project:

    my-tuning/rules/*.yaml
    my-tuning/scenarios/*.feature

``caa test my-tuning/scenarios --rules my-tuning/rules`` checks the rules folder first (errors as ``caa check``
prints them, exit 2), then writes, in a temporary folder, the one test module pytest-bdd needs (the scenarios
of the folder, each on every backend) and a ``pytest.ini`` of its own, so that no configuration or
``conftest.py`` of the working directory or of the scenarios' folder takes part, and runs pytest there
in-process with the plugin :mod:`caa_engine.scenarios`. Every argument it does not know (``-k``, ``-m``,
``-x``, ``-q``, ``-n``...) goes to pytest as given, and pytest's exit status is the command's.

Neither pytest nor pytest-bdd is imported until the command runs: they come with ``caa-engine[scenarios]``,
and without them the command says so. This module lives outside the package :mod:`caa_engine.scenarios` so
that ``caa`` never imports the plugin before pytest does (pytest could not rewrite its asserts, and warns).
"""

from __future__ import annotations

import importlib.util
import signal
import sys
import tempfile
from pathlib import Path
from typing import NoReturn

import click

from ._io import display_name, visible
from .engine import default_rules_dir, load_rules
from .errors import RuleError

__all__ = ["caa_test_command", "NEEDS"]

NEEDS = ("pytest", "pytest_bdd")  # what loading the step library imports (the extra caa-engine[scenarios])
EXTRA = "caa-engine[scenarios]"
SCENARIOS_MODULE = "test_scenarios.py"  # the module written, when no coverage check is asked for
CHECKED_MODULE = "test_policy_scenarios.py"  # with the check: the name coverage.SCENARIOS_FILE keeps on one worker

MODULE = '''"""Written by caa test: the scenarios of {folder}, each on every backend, on the step library
caa_engine.scenarios."""

import pytest
from pytest_bdd import scenarios

pytestmark = pytest.mark.usefixtures("area")

scenarios({folder!r})
'''

CHECK = '''

def test_the_scenarios_cover_every_rule(request, engine):
    """--rule-coverage-min: the rules and measures these scenarios exercised, on this backend."""
    request.config.pluginmanager.get_plugin("caa-rule-coverage").check(engine.backend_name)
'''

INI = """[pytest]
# Written by caa test, so that no configuration of the working directory takes part. A failure shows the step
# and its message rather than the step library's code (--tb=long on the command line shows it all), and a
# scenario's tags are the tuner's own words (@wip, @cpa): pytest is not to warn about each.
addopts = --tb=short
filterwarnings =
    ignore::pytest.PytestUnknownMarkWarning
"""


def _stop(message: str, status: int = 2) -> NoReturn:
    click.echo(f"caa: error: {visible(message)}", err=True)
    sys.exit(status)


@click.command(
    "test",
    context_settings={"ignore_unknown_options": True, "allow_interspersed_args": True},
    epilog="Any other option goes to pytest as given: -k WORDS, -m 'not brief_default', -x, -q, -v, -n N.",
)
@click.argument("scenarios", type=click.Path(path_type=Path), metavar="SCENARIOS")
@click.argument("pytest_args", nargs=-1, type=click.UNPROCESSED, metavar="[PYTEST OPTIONS]...")
@click.option(
    "--rules",
    "--rules-dir",
    "rules_dir",
    type=click.Path(path_type=Path),
    default=None,
    help="The rules folder the scenarios state.  [default: ./rules]",
)
@click.option(
    "--rule-coverage-min",
    type=click.FloatRange(0, 100),
    default=None,
    metavar="PERCENT",
    help="Also fail when the scenarios exercise less than this share of the rules and measures, on any backend. "
    "[default: coverage reported, not enforced]",
)
@click.option(
    "--context/--no-context",
    default=True,
    help="Under each located rule error, show the line of the file it points at with a caret under the column "
    "(the default); --no-context prints each as one line and its hint.",
)
def caa_test_command(
    scenarios: Path,
    pytest_args: tuple[str, ...],
    rules_dir: Path | None,
    rule_coverage_min: float | None,
    context: bool,
) -> None:
    """Run the feature files in SCENARIOS (a folder, searched with its subfolders, or one .feature file) against a
    rules folder, on every backend, with the project's step library (docs/policy-tests.md).

    Exit status: pytest's (0 every scenario passed, 1 some failed, 2 a feature file could not be read or the run
    was interrupted, 4 a usage error, 5 no scenario selected), and 2 before any scenario when the rules do not
    load, the folder has no feature file, or pytest and pytest-bdd are not installed.
    """
    missing = [name for name in NEEDS if importlib.util.find_spec(name) is None]
    if missing:
        _stop(
            f"caa test runs the scenarios with {' and '.join(n.replace('_', '-') for n in NEEDS)}, and "
            f"{', '.join(n.replace('_', '-') for n in missing)} is not installed: pip install '{EXTRA}'"
        )
    if not scenarios.exists():
        _stop(f"{display_name(scenarios)}: no such folder or feature file")
    if scenarios.is_dir() and not any(scenarios.rglob("*.feature")):
        _stop(f"{display_name(scenarios)}: no .feature file in this folder or below it")
    folder = rules_dir if rules_dir is not None else default_rules_dir()
    try:
        load_rules(folder)  # every error at its file:line:col before pytest starts, as caa check prints them
    except RuleError as error:
        click.echo(error.render(context=context), err=True)
        sys.exit(2)
    sys.exit(_run_pytest(scenarios.resolve(), folder.resolve(), rule_coverage_min, pytest_args))


def _run_pytest(scenarios: Path, rules: Path, coverage_min: float | None, extra: tuple[str, ...]) -> int:
    """pytest over a module written for ``scenarios``, in a temporary folder that is its rootdir."""
    import pytest

    with tempfile.TemporaryDirectory(prefix="caa-test-") as temp:
        here = Path(temp)
        module = here / (SCENARIOS_MODULE if coverage_min is None else CHECKED_MODULE)
        module.write_text(MODULE.format(folder=str(scenarios)) + (CHECK if coverage_min is not None else ""))
        (here / "pytest.ini").write_text(INI)
        args = ["-c", str(here / "pytest.ini"), "--rootdir", str(here), "-p", "no:cacheprovider"]
        # Each option and its value in one word: pytest looks for its rootdir before the plugin's options are known.
        args += ["-p", "caa_engine.scenarios", f"--rules-dir={rules}"]
        if coverage_min is not None:
            args.append(f"--rule-coverage-min={coverage_min:g}")
        # Ctrl-C is pytest's to answer while it runs (its summary of what ran, status 2), not caa's.
        previous = signal.signal(signal.SIGINT, signal.default_int_handler)
        try:
            return int(pytest.main([*args, str(module), *extra]))
        finally:
            signal.signal(signal.SIGINT, previous)
