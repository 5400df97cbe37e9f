"""The national benchmark of issue 9: a benchmark that cannot flatter us.

One command measures, side by side and in one run, what a national round of CAA costs:

- a seeded national data set of realistic areas (bench/workload.py), every bundle accepted by the engine and every
  element given a spread of scores across the data set;
- per realistic area: the native backend's ``Engine.assess(dict)``, the durable backend's (where durable-rules
  imports), ``Result.to_json()`` on top, and the floor (bench/floor.py: the brief's default policy written straight
  in Python), in interleaved rounds whose order rotates each round; median and p95;
- per body, use of resources alone: the engine through its public API (a bundle of one body and its assessment,
  trail included), zen-engine evaluating the equivalent JDM decision (bench/uor.jdm.json) when it is installed,
  and the floor;
- rules load + check + compile, cold, in fresh processes;
- the national round through the command line (``caa assess DIR --out-dir OUT --jobs 2``, or the older
  ``--format json --out F`` while --out-dir does not exist) against the floor's own command on the same YAML files:
  wall time and peak RSS of the process tree.

Before timing anything it checks what must hold whatever the speed, and exits 1 if any fails: the floor agrees with
the engine on every area (each element per body and area, the overall score, the flags, the self-awareness labels
and the indicators' labels), durable gives byte-identical JSON to native, and zen-engine's answers equal the
engine's. Then it prints every target of issue 9 with the measured figure, the ratio and MET / NOT MET (NOT
MEASURED where it could not be measured), and writes every figure as JSON.

    python bench/national.py              # the full run: 152 areas, 5 rounds (several minutes on 2 cores)
    python bench/national.py --quick      # a smoke run: 12 areas, 3 rounds, well under a minute
    python bench/national.py --help       # --areas, --rounds, --seed, --json, --rules

This is a script, not a test: pytest does not collect it (tests/test_bench_smoke.py keeps the floor honest).
"""

from __future__ import annotations

import argparse
import difflib
import gc
import json
import math
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

import floor  # noqa: E402
import workload  # noqa: E402

from caa_engine import Engine, EngineError, EvidenceError, load_rules  # noqa: E402
from caa_engine.backends.durable import durable_available, durable_import_error  # noqa: E402

try:
    import zen  # GoRules zen-engine: an optional bench dependency (pip install zen-engine, or '.[bench]')
except ImportError:  # pragma: no cover - depends on the machine
    zen = None

JDM = HERE / "uor.jdm.json"
MB = 1_000_000


class Failure(Exception):
    """Something that must hold whatever the speed does not: the run exits 1."""


# -- statistics -----------------------------------------------------------------------------------------------------


def p95(values: list[float]) -> float:
    """The 95th percentile, nearest rank."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def summary(values: list[float]) -> dict[str, float]:
    return {
        "median": statistics.median(values),
        "p95": p95(values),
        "mean": statistics.fmean(values),
        "min": min(values),
        "max": max(values),
        "samples": len(values),
    }


def duration(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    if seconds >= 1:
        return f"{seconds:,.2f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:,.2f} ms"
    return f"{seconds * 1e6:,.1f} µs"


def times(ratio: float | None) -> str:
    if ratio is None:
        return "-"
    return f"{ratio:,.0f}x" if ratio >= 100 else f"{ratio:,.1f}x" if ratio >= 10 else f"{ratio:,.2f}x"


# -- the machine ----------------------------------------------------------------------------------------------------


def load_average() -> list[float] | None:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def version_of(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def checkout() -> dict[str, Any]:
    """Which commit the engine is at, and how many files of the working tree differ from it (read only)."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
        changed = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no", "--", "caa_engine", "rules"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.splitlines()
    except (OSError, subprocess.CalledProcessError):
        return {"commit": None, "engine_files_changed": None}
    return {"commit": commit, "engine_files_changed": len(changed)}


# -- the contenders -------------------------------------------------------------------------------------------------


@dataclass
class Contender:
    """One thing timed in every round: ``run`` makes one pass over its items and appends each item's seconds."""

    key: str
    label: str
    per: str  # "area" or "body"
    run: Callable[[list[float]], None]
    seconds: list[float] = field(default_factory=list)


def area_contenders(
    native: Engine, durable: Engine | None, areas: list[dict[str, Any]], catalogue: dict[str, str]
) -> tuple[list[Contender], list[float]]:
    to_json: list[float] = []
    clock = time.perf_counter
    assess_area = floor.assess_area

    def run_native(out: list[float]) -> None:
        for bundle in areas:
            start = clock()
            result = native.assess(bundle)
            middle = clock()
            result.to_json()
            end = clock()
            out.append(middle - start)
            to_json.append(end - middle)
            del result  # freed outside the timers, as an integrator's loop would between areas

    def run_durable(out: list[float]) -> None:
        assert durable is not None
        for bundle in areas:
            start = clock()
            result = durable.assess(bundle)
            out.append(clock() - start)
            del result

    def run_floor(out: list[float]) -> None:
        for bundle in areas:
            start = clock()
            assess_area(bundle, catalogue)
            out.append(clock() - start)

    contenders = [Contender("native", "native Engine.assess(dict)", "area", run_native)]
    if durable is not None:
        contenders.append(Contender("durable", "durable Engine.assess(dict)", "area", run_durable))
    contenders.append(Contender("floor", "floor.assess_area(dict)", "area", run_floor))
    return contenders, to_json


def one_body_bundles(areas: list[dict[str, Any]]) -> list[tuple[dict[str, Any], dict[str, int]]]:
    """For every assessed body: a bundle of that body and its use-of-resources assessment alone, and its KLOEs."""
    out = []
    for bundle in areas:
        bodies = {body["id"]: body for body in bundle["bodies"]}
        for assessment in bundle["use_of_resources"]["assessments"]:
            body = bodies[assessment["body"]]
            single = {
                "area": {"id": bundle["area"]["id"], "name": bundle["area"]["name"]},
                "bodies": [body],
                "use_of_resources": {"assessments": [assessment]},
            }
            out.append((single, assessment["kloes"]))
    return out


def body_contenders(
    native: Engine, decision: Any, bodies: list[tuple[dict[str, Any], dict[str, int]]]
) -> list[Contender]:
    clock = time.perf_counter
    uor_score = floor.uor_score

    def run_native(out: list[float]) -> None:
        for bundle, _ in bodies:
            start = clock()
            result = native.assess(bundle)
            out.append(clock() - start)
            del result

    def run_zen(out: list[float]) -> None:
        for _, kloes in bodies:
            start = clock()
            decision.evaluate({"kloes": kloes})
            out.append(clock() - start)

    def run_floor(out: list[float]) -> None:
        for _, kloes in bodies:
            start = clock()
            uor_score(kloes)
            out.append(clock() - start)

    contenders = [Contender("native_uor", "native Engine.assess(one body)", "body", run_native)]
    if decision is not None:
        contenders.append(Contender("zen_uor", "zen-engine decision.evaluate()", "body", run_zen))
    contenders.append(Contender("floor_uor", "floor.uor_score(kloes)", "body", run_floor))
    return contenders


def interleave(contenders: list[Contender], rounds: int) -> None:
    """``rounds`` rounds in which each contender makes one pass, the order rotated one place each round."""
    for number in range(rounds):
        shift = number % len(contenders)
        for contender in contenders[shift:] + contenders[:shift]:
            gc.collect()
            contender.run(contender.seconds)
        print(f"  round {number + 1} of {rounds} done", file=sys.stderr, flush=True)


# -- what must hold -------------------------------------------------------------------------------------------------


def check_areas(
    native: Engine, durable: Engine | None, areas: list[dict[str, Any]], catalogue: dict[str, str]
) -> dict[str, Counter[int]]:
    """Every bundle accepted; the floor agrees with the engine on every area; durable byte-identical to native.

    Returns the spread of scores per element. Raises Failure otherwise.
    """
    spread: dict[str, Counter[int]] = {
        name: Counter()
        for name in ("indicator_set", "direction_of_travel", "use_of_resources", "risk_assessment", "overall")
    }
    disagreements = []
    for bundle in areas:
        name = bundle["area"]["id"]
        try:
            result = native.assess(bundle)
        except EvidenceError as error:
            raise Failure(f"the engine refused the generated bundle {name}:\n{error}") from error
        engine_view = floor.summarise(result)
        floor_view = floor.assess_area(bundle, catalogue)
        found = floor.differences(floor_view, engine_view)
        if found:
            disagreements.append((name, found))
        if durable is not None:
            native_json, durable_json = result.to_json(), durable.assess(bundle).to_json()
            if native_json != durable_json:
                diff = difflib.unified_diff(
                    native_json.splitlines(), durable_json.splitlines(), "native", "durable", lineterm="", n=2
                )
                raise Failure(f"durable and native JSON differ for {name}:\n" + "\n".join(list(diff)[:40]))
        for element in ("indicator_set", "risk_assessment", "overall"):
            if engine_view[element] is not None:
                spread[element][engine_view[element]] += 1
        for element in ("direction_of_travel", "use_of_resources"):
            spread[element].update(engine_view[element].values())
    if disagreements:
        lines = [f"the floor and the engine disagree on {len(disagreements)} of {len(areas)} areas:"]
        for name, found in disagreements[:10]:
            lines += [f"  {name}:"] + [f"    {line}" for line in found]
        raise Failure("\n".join(lines))
    flat = [element for element, counts in spread.items() if len(counts) < 2]
    if flat and len(areas) >= 10:
        raise Failure(f"no spread of scores across the data set for: {', '.join(flat)} ({dict(spread)})")
    return spread


def check_bodies(native: Engine, decision: Any, bodies: list[tuple[dict[str, Any], dict[str, int]]]) -> None:
    """The engine, zen-engine and the floor give every body the same use-of-resources score and theme scores."""
    for bundle, kloes in bodies:
        body = bundle["bodies"][0]["id"]
        judgement = native.assess(bundle).elements["use_of_resources"].bodies[body]  # type: ignore[index]
        engine_themes = {row["theme"]: row["score"] for row in judgement.measures["theme_score"]}
        floor_themes = {
            name: score
            for name, score in zip(floor.THEME_NAMES, floor.theme_scores(dict(kloes)), strict=True)
            if score is not None
        }
        if (floor.uor_score(kloes), floor_themes) != (judgement.score, engine_themes):
            raise Failure(
                f"use of resources of {body}: floor {floor.uor_score(kloes)} {floor_themes}, "
                f"engine {judgement.score} {engine_themes}"
            )
        if decision is not None:
            answer = decision.evaluate({"kloes": kloes})["result"]
            zen_themes = {
                name: int(answer[name]["score"]) for name in floor.THEME_NAMES if answer[name]["score"] is not None
            }
            if (int(answer["score"]), answer["rule"], zen_themes) != (judgement.score, judgement.rule, engine_themes):
                raise Failure(
                    f"use of resources of {body}: zen-engine {answer['score']} {answer['rule']} {zen_themes}, "
                    f"engine {judgement.score} {judgement.rule} {engine_themes}"
                )


# -- cold rules load ------------------------------------------------------------------------------------------------

COLD_LOAD = """
import importlib, pkgutil, sys, time
start = time.perf_counter()
import caa_engine
if sys.argv[2] == "modules-first":
    # Every module of the package imported before the clock starts, so that an import the package defers until
    # load_rules needs it is not counted as loading rules.
    for module in pkgutil.walk_packages(caa_engine.__path__, "caa_engine."):
        try:
            importlib.import_module(module.name)
        except Exception:
            pass
imported = time.perf_counter()
caa_engine.load_rules(sys.argv[1])
print(imported - start, time.perf_counter() - imported)
"""


def cold_load(rules: Path, runs: int) -> dict[str, Any]:
    """``load_rules`` in fresh processes, ``runs`` of each kind, alternating: with every module of caa_engine imported
    first (the rules' own cost: the target), and as a user's first call sees it (``import caa_engine`` then
    ``load_rules``)."""
    loads, imports, starts = [], [], []
    for _ in range(runs):
        for kind in ("modules-first", "plain"):
            done = subprocess.run(
                [sys.executable, "-c", COLD_LOAD, str(rules), kind], capture_output=True, text=True, cwd=ROOT
            )
            if done.returncode != 0:
                raise Failure(f"load_rules failed in a fresh process:\n{done.stderr[-2000:]}")
            imported, loaded = map(float, done.stdout.split()[-2:])
            if kind == "modules-first":
                imports.append(imported)
                loads.append(loaded)
            else:
                starts.append(imported + loaded)
    return {
        "load": summary(loads),
        "import_every_module": summary(imports),
        "import_caa_engine_and_load": summary(starts),
        "runs": runs,
    }


# -- the national round through the command line --------------------------------------------------------------------


def tree_memory(root: int, peaks: dict[int, int]) -> tuple[int, int]:
    """The resident memory (bytes) of a process and all its descendants, from /proc: the sum of their RSS, and the
    sum of their PSS (shared pages divided among the processes sharing them); (0, 0) where /proc is missing. Each
    process's own peak so far (VmHWM, exact between samples) is kept in ``peaks`` by pid."""
    parents: dict[int, list[int]] = {}
    try:
        entries = os.listdir("/proc")
    except OSError:
        return 0, 0
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as stat:
                text = stat.read()
        except OSError:
            continue
        ppid = int(text[text.rindex(b")") + 2 :].split()[1])
        parents.setdefault(ppid, []).append(int(entry))
    rss = pss = 0
    todo = [root]
    while todo:
        pid = todo.pop()
        try:
            with open(f"/proc/{pid}/smaps_rollup", "rb") as rollup:
                for line in rollup:
                    if line.startswith(b"Rss:"):
                        rss += int(line.split()[1]) * 1024
                    elif line.startswith(b"Pss:"):
                        pss += int(line.split()[1]) * 1024
            with open(f"/proc/{pid}/status", "rb") as status_file:
                for line in status_file:
                    if line.startswith(b"VmHWM:"):
                        peaks[pid] = max(peaks.get(pid, 0), int(line.split()[1]) * 1024)
        except (OSError, ValueError, IndexError):
            pass
        todo.extend(parents.get(pid, ()))
    return rss, pss


def run_measured(command: list[str], log: Path) -> dict[str, Any]:
    """Run a command; its wall time, exit status, the peak RSS (and PSS) of its process tree, sampled every 10 ms,
    and the largest single process's own peak (VmHWM).

    Not ``ru_maxrss``: a child forked from this (large) process and then exec'd reports this process's size there.
    """
    peak_rss = peak_pss = 0
    peaks: dict[int, int] = {}
    done = threading.Event()
    with open(log, "wb") as output:
        start = time.perf_counter()
        process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT, cwd=ROOT)

        def sample() -> None:
            nonlocal peak_rss, peak_pss
            while not done.is_set():
                rss, pss = tree_memory(process.pid, peaks)
                peak_rss, peak_pss = max(peak_rss, rss), max(peak_pss, pss)
                done.wait(0.01)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        _, status, _ = os.wait4(process.pid, 0)
        wall = time.perf_counter() - start
        done.set()
        sampler.join()
        process.returncode = os.waitstatus_to_exitcode(status)
    return {
        "command": command,
        "wall": wall,
        "status": process.returncode,
        "peak_tree_rss": peak_rss or None,
        "peak_tree_pss": peak_pss or None,
        "largest_process_rss": max(peaks.values(), default=0) or None,
        "processes": len(peaks),
    }


def caa_command() -> list[str]:
    script = Path(sys.executable).parent / "caa"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "import sys; from caa_engine.cli import main; sys.exit(main())"]


def national_round(areas: list[dict[str, Any]], rules: Path, workdir: Path, floor_runs: int) -> dict[str, Any]:
    """Write the bundles as YAML files, then time the floor's command and the CLI's on them, interleaved.

    With --out-dir and --jobs, two CLI runs: with ``--format json`` (each area's full result and audit trail, as the
    issue's baseline wrote them; the targets are judged on it, and its results are checked against the floor) and
    the target's command verbatim (text reports, the CLI's default format). Without them, the older form alone.
    """
    bundles = workdir / "bundles"
    bundles.mkdir()
    for bundle in areas:
        text = yaml.dump(bundle, Dumper=yaml.CSafeDumper, sort_keys=False, allow_unicode=True)
        (bundles / f"{bundle['area']['id']}.yaml").write_text(text, encoding="utf-8")
    size = sum(path.stat().st_size for path in bundles.iterdir())
    caa = caa_command()
    help_text = subprocess.run(caa + ["assess", "--help"], capture_output=True, text=True, cwd=ROOT).stdout
    base = caa + ["assess", str(bundles), "--rules", str(rules)]
    forms: list[tuple[str, str, bool, list[str]]] = []  # key, form, the target's own command?, arguments
    if "--out-dir" in help_text and "--jobs" in help_text:
        forms.append(
            ("json", "caa assess DIR --out-dir OUT --jobs 2 --format json", True, ["--jobs", "2", "--format", "json"])
        )
        forms.append(("text", "caa assess DIR --out-dir OUT --jobs 2 (text reports)", True, ["--jobs", "2"]))
    else:
        forms.append(("fallback", "caa assess DIR --format json --out F (no --out-dir/--jobs yet)", False, []))
    floor_command = [sys.executable, str(HERE / "floor.py"), str(bundles), "--rules", str(rules)]

    floors = []

    def floor_once() -> None:
        number = len(floors)
        run = run_measured(floor_command + ["--out-dir", str(workdir / f"floor-{number}")], workdir / "floor.log")
        if run["status"] != 0:
            raise Failure(f"the floor's command failed:\n{(workdir / 'floor.log').read_text()[-2000:]}")
        floors.append(run)

    runs = []
    print("national round: the floor's command ...", file=sys.stderr, flush=True)
    floor_once()
    for key, form, target_form, extra in forms:
        out = workdir / f"out-{key}"
        if key == "fallback":
            out.mkdir()
            command = base + ["--format", "json", "--out", str(out / "all.json")]
        else:
            command = base + ["--out-dir", str(out)] + extra
        print(f"national round: {form} ...", file=sys.stderr, flush=True)
        run = run_measured(command, workdir / f"cli-{key}.log")
        log = (workdir / f"cli-{key}.log").read_text(encoding="utf-8", errors="replace")
        entry: dict[str, Any] = {"key": key, "form": form, "target_form": target_form, "run": run, "error": None}
        if run["status"] != 0:
            entry["error"] = f"{form} failed (status {run['status']}):\n{log[-3000:]}"
        else:
            entry["files"] = sum(1 for path in out.rglob("*") if path.is_file())
            entry["output_bytes"] = sum(path.stat().st_size for path in out.rglob("*") if path.is_file())
            entry["results_checked"] = check_cli_output(out, workdir / "floor-0", len(areas))
        runs.append(entry)
        shutil.rmtree(out, ignore_errors=True)
        floor_once()
    while len(floors) < floor_runs:
        floor_once()
    return {
        "cli": runs,
        "floor": {
            "command": floor_command,
            "wall": summary([run["wall"] for run in floors]),
            "peak_tree_rss": max(run["peak_tree_rss"] or 0 for run in floors) or None,
            "runs": len(floors),
            "includes": "interpreter start-up, reading the catalogue and every bundle with yaml.CSafeLoader, "
            "judging every area, writing one JSON summary per area; serial, one process",
        },
        "bundle_bytes": size,
    }


def check_cli_output(out: Path, floor_out: Path, count: int) -> int:
    """The CLI's results (where they are JSON) give every area the floor's scores; returns how many were checked.

    One file at a time, so that this process stays small: a child it starts later inherits its peak in ru_maxrss.
    """
    checked = 0
    for path in sorted(out.rglob("*.json")):
        try:
            loaded = json.loads(path.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            continue
        for result in loaded if isinstance(loaded, list) else [loaded]:
            area = result["area"]["id"]
            mine = json.loads((floor_out / f"{area}.json").read_text(encoding="utf-8"))
            elements = result["elements"]
            theirs = {
                "indicator_set": elements.get("indicator_set", {}).get("score"),
                "risk_assessment": elements.get("risk_assessment", {}).get("score"),
                "overall": (result.get("overall") or {}).get("score"),
                "direction_of_travel": {b: j["score"] for b, j in elements["direction_of_travel"]["bodies"].items()},
                "use_of_resources": {b: j["score"] for b, j in elements["use_of_resources"]["bodies"].items()},
            }
            expected = {key: mine[key] for key in theirs}
            if theirs != expected:
                raise Failure(f"the CLI's result for {area} differs from the floor's: {theirs} != {expected}")
            checked += 1
        del loaded
    if checked and checked != count:
        raise Failure(f"the CLI wrote {checked} results for {count} areas")
    return checked  # 0: not JSON (another --format), counted by files only


# -- the report -----------------------------------------------------------------------------------------------------


def status(measured: float | None, limit: float, at_most: bool = True) -> str:
    if measured is None:
        return "NOT MEASURED"
    ok = measured <= limit if at_most else measured < limit
    return "MET" if ok else "NOT MET"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="a smoke run: 12 areas, 3 rounds, 3 cold loads")
    parser.add_argument("--areas", type=int, help="areas in the data set (default: 152, England's; --quick: 12)")
    parser.add_argument("--rounds", type=int, help="interleaved timed rounds (default: 5; --quick: 3)")
    parser.add_argument("--seed", type=int, default=2009, help="seed of the data set (default: 2009)")
    parser.add_argument("--rules", type=Path, default=ROOT / "rules", help="rules folder (default: the shipped rules)")
    parser.add_argument(
        "--json",
        type=Path,
        default=HERE / "results" / "latest.json",
        help="where to write every figure (default: bench/results/latest.json)",
    )
    args = parser.parse_args(argv)
    args.areas = args.areas if args.areas is not None else 12 if args.quick else 152
    args.rounds = args.rounds if args.rounds is not None else 3 if args.quick else 5
    args.cold_runs = 3 if args.quick else 7
    args.floor_runs = 3
    if args.areas < 1 or args.rounds < 1:
        parser.error("--areas and --rounds must be at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    rules = args.rules.resolve()
    load_before = load_average()
    started = time.perf_counter()
    machine = {
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "load_average_before": load_before,
        **checkout(),
        "caa_engine": version_of("caa-engine"),
        "durable_rules": version_of("durable-rules") if durable_available() else None,
        "zen_engine": version_of("zen-engine") if zen is not None else None,
    }
    try:
        return run(args, rules, machine, started)
    except Failure as failure:
        print(f"FAIL: {failure}", file=sys.stderr)
        return 1
    except EngineError as error:
        print(f"FAIL: the engine failed: {error}", file=sys.stderr)
        return 1
    except Exception:  # an engine mid-edit can raise anything: say so, with where, and exit 1
        print(f"FAIL: unexpected error:\n{traceback.format_exc()}", file=sys.stderr)
        return 1


def run(args: argparse.Namespace, rules: Path, machine: dict[str, Any], started: float) -> int:
    print("building the data set ...", file=sys.stderr, flush=True)
    areas = workload.realistic_areas(args.areas, seed=args.seed, rules=rules)
    shape = workload.describe(areas)
    catalogue = floor.load_catalogue(rules)
    plan = load_rules(rules)
    native = Engine(plan, backend="native")
    durable = Engine(plan, backend="durable") if durable_available() else None
    decision = zen.ZenEngine().create_decision(JDM.read_text(encoding="utf-8")) if zen is not None else None
    bodies = one_body_bundles(areas)

    print("checking: every bundle accepted, floor = engine, durable = native, zen-engine = engine ...", file=sys.stderr)
    spread = check_areas(native, durable, areas, catalogue)
    check_bodies(native, decision, bodies)

    print(f"timing {args.rounds} interleaved rounds ...", file=sys.stderr, flush=True)
    contenders, to_json = area_contenders(native, durable, areas, catalogue)
    contenders += body_contenders(native, decision, bodies)
    interleave(contenders, args.rounds)
    stats = {c.key: summary(c.seconds) for c in contenders}
    stats["to_json"] = summary(to_json)
    share = [
        json_s / assess_s
        for json_s, assess_s in zip(to_json, next(c for c in contenders if c.key == "native").seconds, strict=True)
    ]
    stats["to_json_share"] = summary(share)

    print("rules load + check + compile, cold ...", file=sys.stderr, flush=True)
    cold = cold_load(rules, args.cold_runs)
    with tempfile.TemporaryDirectory(prefix="caa-national-") as temp:
        national = national_round(areas, rules, Path(temp), args.floor_runs)
    machine["load_average_after"] = load_average()
    elapsed = time.perf_counter() - started

    figures = report(args, machine, shape, spread, stats, cold, national, len(bodies), elapsed)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(figures, indent=2, default=str) + "\n", encoding="utf-8")
    print(f"\nfigures written to {shown(args.json)}")
    failed = [entry["error"] for entry in national["cli"] if entry["error"]]
    for error in failed:
        print(f"FAIL: {error}", file=sys.stderr)
    return 1 if failed else 0


def shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def report(
    args: argparse.Namespace,
    machine: dict[str, Any],
    shape: dict[str, float],
    spread: dict[str, Counter[int]],
    stats: dict[str, dict[str, float]],
    cold: dict[str, Any],
    national: dict[str, Any],
    body_count: int,
    elapsed: float,
) -> dict[str, Any]:
    """Print the figures and the targets; return everything for the JSON file."""
    med = {key: value["median"] for key, value in stats.items()}
    floor_area, floor_body = med["floor"], med["floor_uor"]

    def loads(values: list[float] | None) -> str:
        return " / ".join(f"{x:.2f}" for x in values) if values else "unknown"

    print("caa-engine national benchmark (issue 9)")
    print(
        f"  machine: {machine['implementation']} {machine['python']} on {machine['machine']}, {machine['cpus']} CPUs; "
        f"load average (1/5/15 min) {loads(machine['load_average_before'])} before, "
        f"{loads(machine['load_average_after'])} after"
    )
    dirty = machine.get("engine_files_changed")
    print(
        f"  engine: caa-engine {machine['caa_engine']} at {machine['commit']}"
        + (f" with {dirty} engine/rules files changed in the working tree" if dirty else "")
        + f"; durable-rules {machine['durable_rules'] or 'not available (' + durable_import_error() + ')'}"
        + f"; zen-engine {machine['zen_engine'] or 'not installed'}"
    )
    print(
        f"  data set: {shape['areas']} areas (seed {args.seed}), {shape['two_tier_areas']} two-tier; per area "
        f"{shape['bodies_per_area']:.1f} bodies (1 lead council + {shape['other_bodies_per_area']:.1f}), "
        f"{shape['indicators_per_area']:.0f} indicators ({shape['with_target']:.0%} with a target), "
        f"{shape['milestones_per_area']:.0f} milestones, {shape['outcomes_and_innovations_per_area']:.1f} outcomes "
        f"and innovations, {shape['kloe_scores_per_area']:.0f} KLOE scores"
    )
    print(
        f"  timing: {args.rounds} interleaved rounds (each contender one pass per round, order rotated each round); "
        f"median and p95 over every area (or body) of every round"
    )
    print()
    print(
        f"checked first: all {shape['areas']} bundles accepted; the floor agrees with the engine on every area (each "
        "element per body and area, overall, flags, self-awareness, indicator labels)"
        + ("; durable JSON byte-identical to native" if machine["durable_rules"] else "")
        + (f"; zen-engine equals the engine on {body_count} bodies" if machine["zen_engine"] else "")
    )
    print(
        "score spread: "
        + "; ".join(
            f"{element} " + " ".join(f"{score}:{count}" for score, count in sorted(counts.items()))
            for element, counts in spread.items()
        )
    )
    print()
    header = f"{'per area (all elements)':<44}{'median':>12}{'p95':>12}{'x floor':>10}"
    print(header)
    print("-" * len(header))

    def row(label: str, key: str, base: float | None) -> None:
        if key not in stats:
            print(f"{label:<44}{'not measured':>12}")
            return
        value = stats[key]
        ratio = value["median"] / base if base else None
        print(f"{label:<44}{duration(value['median']):>12}{duration(value['p95']):>12}{times(ratio):>10}")

    row("native Engine.assess(dict)", "native", floor_area)
    if "durable" in stats:
        row("durable Engine.assess(dict)", "durable", floor_area)
    else:
        print(f"{'durable Engine.assess(dict)':<44}{'not available on this Python':>34}")
    row("Result.to_json() of the native result", "to_json", floor_area)
    row("floor (bench/floor.py)", "floor", floor_area)
    print(
        f"{'to_json() as a share of assess(), per area':<44}{stats['to_json_share']['median']:>12.0%}"
        f"{stats['to_json_share']['p95']:>12.0%}"
    )
    print()
    header = f"{'per body, use of resources':<44}{'median':>12}{'p95':>12}{'x floor':>10}"
    print(header)
    print("-" * len(header))
    row("native Engine.assess(one body), trail", "native_uor", floor_body)
    if "zen_uor" in stats:
        row("zen-engine, bench/uor.jdm.json", "zen_uor", floor_body)
    else:
        print(f"{'zen-engine':<44}{'not measured (pip install zen-engine)':>46}")
    row("floor.uor_score(kloes)", "floor_uor", floor_body)
    print()
    floor_round = national["floor"]
    floor_wall = floor_round["wall"]["median"]
    print(
        f"rules load + check + compile, cold: {duration(cold['load']['median'])} (median of {cold['runs']} fresh "
        f"processes; min {duration(cold['load']['min'])}, max {duration(cold['load']['max'])}); "
        f"importing every module of caa_engine before it: {duration(cold['import_every_module']['median'])}; "
        f"a fresh process's 'import caa_engine' + load_rules(): {duration(cold['import_caa_engine_and_load']['median'])}"
    )
    print(
        f"national round of {shape['areas']} areas ({national['bundle_bytes'] / MB:.1f} MB of YAML), each command once:"
    )
    for entry in national["cli"]:
        run_ = entry["run"]
        if entry["error"]:
            print(f"  {entry['form']}: FAILED, not measured (see the end of the output)")
            continue
        print(
            f"  {entry['form']}: {duration(run_['wall'])} wall ({times(run_['wall'] / floor_wall)} the floor), "
            f"peak RSS {fmt_mb(run_['peak_tree_rss'])} summed over the process tree (PSS "
            f"{fmt_mb(run_['peak_tree_pss'])}; largest single process's own peak {fmt_mb(run_['largest_process_rss'])}, "
            f"{run_['processes']} processes); "
            f"{entry['files']} files, {entry['output_bytes'] / MB:,.1f} MB written"
            + (f"; {entry['results_checked']} results checked against the floor" if entry["results_checked"] else "")
        )
    print(
        f"  floor, python bench/floor.py DIR --out-dir OUT: {duration(floor_wall)} wall (median of "
        f"{floor_round['runs']}, run before, between and after the CLI), peak RSS "
        f"{fmt_mb(floor_round['peak_tree_rss'])}; it includes {floor_round['includes']}"
    )
    print()

    native_area = med["native"]
    uor_native, uor_zen = med["native_uor"], med.get("zen_uor")
    durable_ratio = med["durable"] / native_area if "durable" in med else None
    targets = [
        {
            "target": "Realistic area, native, all elements, assess()",
            "measured": f"{duration(native_area)} vs floor {duration(floor_area)}",
            "ratio": native_area / floor_area,
            "ratio_text": f"{times(native_area / floor_area)} the floor",
            "wanted": "<= 10x the floor",
            "status": status(native_area / floor_area, 10),
        },
        {
            "target": "Use of resources per body, native API, trail included",
            "measured": f"{duration(uor_native)} vs zen-engine {duration(uor_zen)}",
            "ratio": uor_native / uor_zen if uor_zen else None,
            "ratio_text": f"{times(uor_native / uor_zen)} zen-engine" if uor_zen else "-",
            "wanted": "faster than zen-engine (< 1x)",
            "status": status(uor_native / uor_zen if uor_zen else None, 1, at_most=False),
        },
        {
            "target": "to_json() as a share of assess()",
            "measured": f"{duration(med['to_json'])} on {duration(native_area)}",
            "ratio": stats["to_json_share"]["median"],
            "ratio_text": f"{stats['to_json_share']['median']:.0%} (median per area)",
            "wanted": "<= 20%",
            "status": status(stats["to_json_share"]["median"], 0.20),
        },
    ]
    for entry in national["cli"]:
        run_ = entry["run"]
        measured = not entry["error"] and entry["target_form"]
        wall_ratio = run_["wall"] / floor_wall if not entry["error"] else None
        rss = run_["peak_tree_rss"] if not entry["error"] else None
        name = {"json": "--format json", "text": "text reports", "fallback": "older form"}[entry["key"]]
        note = " (failed)" if entry["error"] else "" if entry["target_form"] else " (not the target's command)"
        targets.append(
            {
                "target": f"National round of {shape['areas']}, {name}: wall",
                "measured": (f"{duration(run_['wall'])} vs floor {duration(floor_wall)}" if wall_ratio else "-") + note,
                "ratio": wall_ratio,
                "ratio_text": f"{times(wall_ratio)} the floor" if wall_ratio else "-",
                "wanted": "<= 40x the floor",
                "status": status(wall_ratio, 40) if measured else "NOT MEASURED",
            }
        )
        targets.append(
            {
                "target": f"National round of {shape['areas']}, {name}: peak RSS",
                "measured": fmt_mb(rss) + " (process tree)" + note,
                "ratio": rss / MB if rss else None,
                "ratio_text": "-",
                "wanted": "<= 300 MB",
                "status": status(rss / MB if rss else None, 300) if measured else "NOT MEASURED",
            }
        )
    targets += [
        {
            "target": "Durable backend, per area",
            "measured": f"{duration(med['durable'])}, byte-identical" if "durable" in med else "not available",
            "ratio": durable_ratio,
            "ratio_text": f"{times(durable_ratio)} native" if durable_ratio else "-",
            "wanted": "byte-identical (no speed target)",
            "status": "MET" if durable_ratio else "NOT MEASURED",
        },
        {
            "target": "Rules load + check + compile, cold",
            "measured": duration(cold["load"]["median"]),
            "ratio": cold["load"]["median"] * 1000,
            "ratio_text": "-",
            "wanted": "<= 40 ms",
            "status": status(cold["load"]["median"], 0.040),
        },
    ]
    columns = ("target", "measured", "ratio_text", "wanted", "status")
    titles = {"target": "target (issue 9)", "measured": "measured", "ratio_text": "ratio", "wanted": "wanted"}
    titles["status"] = "status"
    widths = {key: max(len(titles[key]), *(len(str(entry[key])) for entry in targets)) + 2 for key in columns}
    header = "".join(f"{titles[key]:<{widths[key]}}" for key in columns).rstrip()
    print(header)
    print("-" * len(header))
    for entry in targets:
        print("".join(f"{entry[key]!s:<{widths[key]}}" for key in columns).rstrip())
    met = sum(entry["status"] == "MET" for entry in targets)
    print(f"\n{met} of {len(targets)} targets met; the run took {elapsed:.0f} s")
    return {
        "machine": machine,
        "arguments": {
            "areas": args.areas,
            "rounds": args.rounds,
            "seed": args.seed,
            "quick": args.quick,
            "rules": str(args.rules),
        },
        "data_set": shape,
        "score_spread": {element: dict(sorted(counts.items())) for element, counts in spread.items()},
        "seconds": stats,
        "ratios": {
            "native_per_floor": native_area / floor_area,
            "durable_per_native": durable_ratio,
            "to_json_share_of_assess": stats["to_json_share"]["median"],
            "native_uor_per_zen": uor_native / uor_zen if uor_zen else None,
            "native_uor_per_floor_uor": uor_native / floor_body,
            "zen_per_floor_uor": uor_zen / floor_body if uor_zen else None,
            "cli_round_per_floor_round": {
                entry["key"]: entry["run"]["wall"] / floor_wall for entry in national["cli"] if not entry["error"]
            },
        },
        "cold_rules_load": cold,
        "national_round": national,
        "targets": targets,
        "elapsed": elapsed,
    }


def fmt_mb(value: int | None) -> str:
    return "unknown" if not value else f"{value / MB:,.0f} MB"


if __name__ == "__main__":
    sys.exit(main())
