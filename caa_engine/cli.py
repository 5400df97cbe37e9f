"""The ``caa`` command: parse arguments, call the public API, print.

``caa assess PATH...`` assesses bundle files and folders of bundles,
``caa explain PATH --body ID`` explains one judgement from its audit trail,
``caa impact PATH... --against OLD_RULES`` shows what a rule change does to
every area, ``caa check [RULES_DIR]`` validates a rules folder, and ``caa
schema evidence|rules`` prints JSON Schema.  Invalid rules or evidence exit with
status 2 and every problem on stderr as ``path:line:col: code: message``;
no traceback is ever shown for bad input.
"""

from __future__ import annotations

import json
import re
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import click
from pydantic import BaseModel

from . import (
    BACKENDS,
    Engine,
    EngineError,
    EvidenceBundle,
    EvidenceError,
    Issue,
    Location,
    Result,
    RuleError,
    __version__,
)
from .audit.explain import explain, judged_subjects
from .backends.durable import durable_import_error
from .engine import default_backend_name, default_rules_dir, load_rules
from .errors import InvalidInputError
from .report import DEFAULT_WIDTH, FORMATS, render
from .report.impact import render_impact_json, render_impact_text
from .rules.loader import did_you_mean
from .rules.model import RuleSetFile

__all__ = ["main", "cli"]

F = TypeVar("F", bound=Callable[..., Any])

BUNDLE_SUFFIXES = (".yaml", ".yml", ".json")
SCHEMAS: dict[str, type[BaseModel]] = {"evidence": EvidenceBundle, "rules": RuleSetFile}


def _fail(*errors: InvalidInputError) -> NoReturn:
    for error in errors:
        click.echo(error.render(), err=True)
    sys.exit(2)


def _stop(message: str, status: int) -> NoReturn:
    click.echo(f"caa: error: {message}", err=True)
    sys.exit(status)


def _bundle_paths(paths: tuple[Path, ...]) -> tuple[list[Path], list[Issue]]:
    """Every bundle file named or inside a named folder (sorted), and the paths that gave none."""
    found: list[Path] = []
    issues: list[Issue] = []
    for path in paths:
        if path.is_dir():
            inside = sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in BUNDLE_SUFFIXES)
            if not inside:
                issues.append(
                    Issue(
                        "no-bundles",
                        f"no evidence bundles ({', '.join('*' + s for s in BUNDLE_SUFFIXES)}) in folder '{path}'",
                        Location(str(path)),
                        "pass a bundle file or a folder of them",
                    )
                )
            found.extend(inside)
        elif path.exists():
            found.append(path)
        else:
            issues.append(
                Issue(
                    "no-such-path",
                    f"no file or folder '{path}'",
                    Location(str(path)),
                    "check the path; give an evidence bundle (.yaml, .yml, .json) or a folder of them",
                )
            )
    unique: list[Path] = []
    seen: set[Path] = set()
    for path in found:
        if path.resolve() not in seen:
            seen.add(path.resolve())
            unique.append(path)
    return unique, issues


def _backend_name(requested: str | None) -> str:
    if requested is not None:
        return requested
    name = default_backend_name()
    if name == "native":
        version = f"{sys.version_info.major}.{sys.version_info.minor}"
        click.echo(
            f"note: durable-rules is not available on Python {version} ({_reason(durable_import_error())}); "
            "using the native backend",
            err=True,
        )
    return name


def _reason(error: str | None) -> str:
    """The import error without its exception name and the extension's file path."""
    text = " ".join((error or "unknown reason").split())
    text = re.sub(r"^\w+(Error|Exception): ", "", text)
    return re.sub(r"^/\S+: ", "", text)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="caa")
def cli() -> None:
    """Comprehensive Area Assessment judgements from YAML rule sets, with an audit trail."""


_paths_argument = click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path), metavar="PATH...")


def _rules_option(text: str) -> Callable[[F], F]:
    return click.option(
        "--rules", "rules_dir", type=click.Path(path_type=Path), default=None, help=f"{text}  [default: ./rules]"
    )


_backend_option = click.option(
    "--backend",
    type=click.Choice(BACKENDS),
    default=None,
    help="Rule engine backend.  [default: durable where it imports, else native]",
)


def _engines(rule_folders: list[Path | None], backend: str | None, path_issues: list[Issue]) -> list[Engine]:
    """One engine per rules folder; every rule and path problem is printed before exiting 2."""
    plans = []
    problems: list[InvalidInputError] = []
    for folder in rule_folders:
        try:
            plans.append(load_rules(folder))
        except RuleError as error:
            problems.append(error)
    if problems or path_issues:
        _fail(*problems, *([EvidenceError(path_issues)] if path_issues else []))
    name = _backend_name(backend)
    try:
        return [Engine(plan, name) for plan in plans]
    except EngineError as error:
        _stop(str(error), 2)


def _assess_all(engines: list[Engine], bundles: list[Path]) -> list[list[Result]]:
    """Each engine's results for every bundle; all evidence problems are printed before exiting 2."""
    results: list[list[Result]] = [[] for _ in engines]
    issues: list[Issue] = []
    for bundle in bundles:
        for index, engine in enumerate(engines):
            try:
                results[index].append(engine.assess(bundle))
            except EvidenceError as error:
                issues.extend(error.issues)
                break  # the same evidence is invalid for every engine: report it once
            except EngineError as error:
                _stop(f"{bundle}: the {engine.backend_name} backend failed: {error}", 1)
    if issues:
        _fail(EvidenceError(issues))
    return results


@cli.command("assess")
@_paths_argument
@_rules_option("Folder of rule files.")
@click.option("--format", "kind", type=click.Choice(FORMATS), default="text", show_default=True, help="Report format.")
@_backend_option
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the report to this file instead of stdout.",
)
def assess_command(
    paths: tuple[Path, ...], rules_dir: Path | None, kind: str, backend: str | None, out: Path | None
) -> None:
    """Assess evidence bundles: each PATH is a bundle file or a folder of them."""
    bundles, path_issues = _bundle_paths(paths)
    (results,) = _assess_all(_engines([rules_dir], backend, path_issues), bundles)
    colour = out is None and kind == "text" and sys.stdout.isatty()
    width = shutil.get_terminal_size((DEFAULT_WIDTH, 24)).columns if colour else DEFAULT_WIDTH
    several = len(paths) > 1 or any(path.is_dir() for path in paths)
    report = render(results, kind, width=width, colour=colour, array=several)
    if out is None:
        click.echo(report, nl=False)
        return
    try:
        out.write_text(report, encoding="utf-8")
    except OSError as error:
        _stop(f"cannot write '{out}': {error.strerror or error}", 2)


@cli.command("impact")
@_paths_argument
@_rules_option("The changed rules folder.")
@click.option(
    "--against",
    "baseline_dir",
    type=click.Path(path_type=Path),
    required=True,
    help="The rules folder to compare with (e.g. a copy of the rules before your edit).",
)
@click.option("--format", "kind", type=click.Choice(("text", "json")), default="text", show_default=True)
@_backend_option
def impact_command(
    paths: tuple[Path, ...], rules_dir: Path | None, baseline_dir: Path, kind: str, backend: str | None
) -> None:
    """Show what changed rules do to every area: judgements, caps, findings, flags and notes that differ."""
    bundles, path_issues = _bundle_paths(paths)
    before, after = _assess_all(_engines([baseline_dir, rules_dir], backend, path_issues), bundles)
    render_impact = render_impact_json if kind == "json" else render_impact_text
    click.echo(render_impact(before, after), nl=False)


@cli.command("explain")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--element", default=None, help="The element to explain.  [default: the only one, if there is one]")
@click.option("--body", "subject", default=None, help="The body's id (for an element judged per body).")
@_rules_option("Folder of rule files.")
@_backend_option
def explain_command(
    path: Path, element: str | None, subject: str | None, rules_dir: Path | None, backend: str | None
) -> None:
    """Explain one judgement of one bundle: the deciding rule, the values it read and where each came from."""
    bundles, path_issues = _bundle_paths((path,))
    if len(bundles) > 1:
        _stop(f"explain takes one bundle; {path} holds {len(bundles)}: name one of its files", 2)
    ((result, *_),) = _assess_all(_engines([rules_dir], backend, path_issues), bundles)
    if element is None:
        judged = [name for name in result.elements if judged_subjects(result, name)]
        if not judged:
            _stop(f"{path}: no element is judged (see its notes: caa assess {path})", 2)
        if len(judged) != 1:
            _stop(f"say which element to explain with --element ({', '.join(judged)})", 2)
        element = judged[0]
    if element not in result.elements:
        _stop(
            f"no element '{element}' in these rules{did_you_mean(element, result.elements)} "
            f"(elements: {', '.join(result.elements)})",
            2,
        )
    if subject is None:
        candidates = judged_subjects(result, element)
        if not candidates:
            _stop(f"{path}: no {element} judgement was made (see its notes: caa assess {path})", 2)
        if len(candidates) != 1:
            _stop(f"say which body to explain with --body ({', '.join(candidates)})", 2)
        subject = candidates[0]
    try:
        click.echo(explain(result, element, subject), nl=False)
    except LookupError as error:
        _stop(str(error), 2)


@cli.command("check")
@click.argument("rules_dir", required=False, type=click.Path(path_type=Path))
def check_command(rules_dir: Path | None) -> None:
    """Validate a rules folder (default: ./rules) and summarise it."""
    directory = rules_dir if rules_dir is not None else default_rules_dir()
    try:
        plan = load_rules(directory)
    except RuleError as error:
        _fail(error)
    counts = [
        _count(len(plan.rulesets), "rule set"),
        _count(len(plan.rules), "rule"),
        _count(len(plan.measures), "measure"),
    ]
    for warning in sorted(plan.warnings, key=Issue.sort_key):
        click.echo(
            f"{warning.location}: warning: {warning.code}: {warning.message}\n    hint: {warning.hint}", err=True
        )
    click.echo(f"{directory}: OK, {', '.join(counts)}")


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


@cli.command("schema")
@click.argument("which", type=click.Choice(sorted(SCHEMAS)))
def schema_command(which: str) -> None:
    """Print the JSON Schema of an evidence bundle or a rule file."""
    schema = SCHEMAS[which].model_json_schema()
    click.echo(json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False))


def main() -> None:
    """The console-script entry point."""
    cli(prog_name="caa")
