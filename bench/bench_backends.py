"""Benchmark the two backends on the shipped rules: load time, throughput, and agreement.

Generates a synthetic workload from a seeded RNG (areas with several bodies,
every KLOE of the rules' catalogue scored for every body; National Indicators
from the catalogue with targets, previous values and benchmarks; improvement-plan
milestones per council; priority outcomes, innovations and their risk-register
entries; self-assessments — all four elements and the overall view), assesses
it with each backend, and prints the medians of repeated timings: rules
load+check+compile, per-bundle milliseconds, assessments per second, how much
of that is the backend's own matching, and the native/durable ratio.

It also checks what must hold whatever the speed: both backends give
byte-identical JSON for every bundle, and a repeat run gives the same JSON as
the first.  Any disagreement or failure exits with status 1.

    python bench/bench_backends.py                  # about 2 minutes on 2 cores
    python bench/bench_backends.py --bundles 50     # a quick look

This is a script, not a test: pytest does not collect it.
"""

from __future__ import annotations

import argparse
import difflib
import gc
import os
import platform
import random
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from caa_engine import Engine, EngineError, Plan, load_rules
from caa_engine.backends.durable import durable_available, durable_import_error
from caa_engine.evidence.loader import LoadedBundle, bundle_from_dict

ROOT = Path(__file__).resolve().parent.parent
BODY_KINDS = ("district", "district", "district", "police", "fire_and_rescue", "primary_care_trust")
SCORE_WEIGHTS = (1, 3, 4, 2)  # how often the auditor gives 1, 2, 3, 4: most bodies adequate or better


# -- the workload ---------------------------------------------------------------------------------------------------


COUNCILS = ("county", "unitary", "district")
STATUSES = ("on_track", "on_track", "at_risk", "failed", "exceeded")
ELEMENTS = ("indicator_set", "direction_of_travel", "use_of_resources", "risk_assessment")


def _indicators(rng: random.Random, codes: list[str], owners: list[str]) -> list[dict[str, Any]]:
    """Indicators for the councils: each with a value, and most with a target, a previous value, benchmarks."""
    out = []
    for owner in owners:
        for code in rng.sample(codes, k=min(len(codes), rng.randint(4, 10))):
            value = round(rng.uniform(10, 90), 1)
            entry: dict[str, Any] = {"code": code, "body": owner, "value": value}
            if rng.random() < 0.6:
                entry["target"] = round(value * rng.uniform(0.9, 1.1), 1)
            if rng.random() < 0.8:
                entry["previous"] = round(value * rng.uniform(0.9, 1.1), 1)
            if rng.random() < 0.5:
                low = round(rng.uniform(10, 40), 1)
                entry["benchmarks"] = {"lower_quartile": low, "median": low + 10, "upper_quartile": low + 20}
            out.append(entry)
    return out


def _risk_section(rng: random.Random, area: str, owners: list[str]) -> dict[str, Any]:
    """Outcomes and innovations, half of them with a risk-register entry, some failing."""
    outcomes, innovations, register = [], [], []
    for number in range(rng.randint(3, 8)):
        item: dict[str, Any] = {
            "id": f"{area}-o{number}",
            "title": f"Outcome {number}",
            "body": rng.choice(owners),
            "status": rng.choice(STATUSES),
            "vulnerable": rng.random() < 0.2,
            "known_issue": rng.random() < 0.3,
            "action_in_place": rng.random() < 0.5,
            "started_on": "2008-04-01",
        }
        if rng.random() < 0.5:
            item["risk"] = f"{area}-r{number}"
            register.append(
                {
                    "id": item["risk"],
                    "title": f"Risk {number}",
                    "recorded_on": rng.choice(("2008-01-15", "2008-06-01")),
                    "mitigations": ["a mitigation"] * rng.randint(0, 2),
                    "contingency": "a plan" if rng.random() < 0.7 else None,
                    "exposure": rng.choice(("pilot", "staged", "capped_cost", "open")),
                    "appetite_approved_by": rng.choice(("cabinet", "board", None)),
                    "early_warning_indicators": ["an indicator"] * rng.randint(0, 2),
                    "monitoring_acted_on": rng.random() < 0.7,
                    "lessons_captured": rng.random() < 0.8,
                    "lessons_shared": rng.random() < 0.7,
                }
            )
        outcomes.append(item)
    for number in range(rng.randint(0, 2)):
        innovations.append(
            {
                "id": f"{area}-i{number}",
                "title": f"Innovation {number}",
                "body": rng.choice(owners),
                "status": rng.choice(("in_progress", "succeeded", "failed")),
                "learning_shared": rng.random() < 0.5,
                "started_on": "2008-04-01",
            }
        )
    for entry in register:  # an entry with no contingency or appetite leaves the key out, as a person would
        for key in ("contingency", "appetite_approved_by"):
            if entry[key] is None:
                del entry[key]
    return {"outcomes": outcomes, "innovations": innovations, "risk_register": register}


def make_bundles(
    count: int, seed: int, kloe_codes: list[str], min_bodies: int, max_bodies: int, indicator_codes: list[str]
) -> list[dict[str, Any]]:
    """``count`` evidence bundles as dicts: a lead council plus districts and other bodies, every KLOE scored,
    and evidence for every other element."""
    rng = random.Random(seed)
    bundles = []
    for index in range(count):
        area = f"area-{index:05d}"
        size = rng.randint(min_bodies, max_bodies)
        two_tier = size > 2
        bodies = [
            {
                "id": f"{area}-cc",
                "name": f"Area {index} Council",
                "kind": "county" if two_tier else "unitary",
                "lead": True,
            }
        ]
        for number in range(1, size):
            bodies.append(
                {"id": f"{area}-b{number}", "name": f"Area {index} Body {number}", "kind": rng.choice(BODY_KINDS)}
            )
        assessments = [
            {
                "body": body["id"],
                "period": "2008/09",
                "kloes": {code: rng.choices((1, 2, 3, 4), weights=SCORE_WEIGHTS)[0] for code in kloe_codes},
            }
            for body in bodies
        ]
        councils = [body["id"] for body in bodies if body["kind"] in COUNCILS]
        bundle: dict[str, Any] = {
            "area": {"id": area, "name": f"Area {index}", "tier": "two" if two_tier else "single"},
            "bodies": bodies,
            "use_of_resources": {"assessments": assessments},
        }
        if indicator_codes:
            bundle["indicator_set"] = {"period": "2008/09", "indicators": _indicators(rng, indicator_codes, councils)}
            bundle["direction_of_travel"] = {
                "milestones": [
                    {"body": owner, "title": f"Milestone {n}", "delivered": rng.random() < 0.7}
                    for owner in councils
                    for n in range(rng.randint(2, 8))
                ]
            }
            bundle["risk_assessment"] = _risk_section(rng, area, councils)
            bundle["self_assessments"] = [
                {"body": councils[0], "element": element, "score": rng.randint(1, 4)} for element in ELEMENTS
            ]
        bundles.append(bundle)
    return bundles


# -- timing ---------------------------------------------------------------------------------------------------------


def median_seconds(action: Callable[[], Any], repeats: int) -> tuple[float, list[float]]:
    """The median wall time of ``repeats`` calls of ``action``, and every time measured."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times), times


@dataclass
class MatchTimer:
    """Wraps a backend so the time spent inside its matcher is summed (the rest is the shared session)."""

    inner: Any
    seconds: float = 0.0
    calls: int = 0

    @property
    def name(self) -> str:
        return str(self.inner.name)

    def prepare(self, plan: Plan) -> Any:
        return self.inner.prepare(plan)

    @contextmanager
    def open(self, prepared: Any) -> Iterator[Any]:
        with self.inner.open(prepared) as matcher:
            yield _TimedMatcher(matcher, self)


@dataclass
class _TimedMatcher:
    matcher: Any
    timer: MatchTimer

    def match(self, stratum: int, facts: list[dict[str, Any]]) -> set[tuple[str, str]]:
        start = time.perf_counter()
        try:
            return self.matcher.match(stratum, facts)  # type: ignore[no-any-return]
        finally:
            self.timer.seconds += time.perf_counter() - start
            self.timer.calls += 1


@dataclass
class BackendRun:
    """What was measured for one backend; times are seconds for the whole workload."""

    name: str
    engine: Any
    prepare: float = 0.0
    first_pass: float = 0.0  # the warm-up pass, which also registers the rule set with the backend
    dict_in: list[float] = field(default_factory=list)  # timed passes, bundles given as dicts
    validated: list[float] = field(default_factory=list)  # timed passes, bundles already validated
    matching: float = 0.0  # time inside the backend's matcher during one pre-validated pass
    matching_pass: float = 0.0  # the wall time of that pass
    json: list[str] = field(default_factory=list)  # the warm-up pass's results


class Disagreement(Exception):
    def __init__(self, message: str, expected: str, actual: str):
        super().__init__(message)
        self.expected, self.actual = expected, actual


def rss_kib() -> int | None:
    """The resident set size of this process, where /proc tells it."""
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024
    except (OSError, ValueError, IndexError):
        return None


def timed_pass(engine: Any, bundles: list[Any]) -> float:
    start = time.perf_counter()
    for bundle in bundles:
        engine.assess(bundle)
    return time.perf_counter() - start


def warm_up(names: list[str], plan: Plan, bundles: list[dict[str, Any]]) -> dict[str, BackendRun]:
    """An engine per backend, and one untimed-for-throughput pass each, keeping every result's JSON.

    Raises EngineError if a backend fails.
    """
    runs: dict[str, BackendRun] = {}
    for name in names:
        start = time.perf_counter()
        engine = Engine(plan, name)
        prepare = time.perf_counter() - start
        run = runs[name] = BackendRun(name, engine, prepare)
        start = time.perf_counter()
        results = [engine.assess(bundle) for bundle in bundles]
        run.first_pass = time.perf_counter() - start
        run.json = [result.to_json() for result in results]
    return runs


def time_backends(
    runs: dict[str, BackendRun], bundles: list[dict[str, Any]], loaded: list[LoadedBundle], repeats: int
) -> tuple[int | None, int | None]:
    """Timed passes, alternating their order so that background load hits every kind alike; then the matching pass
    and a repeat run, which must give the warm-up's JSON.

    Returns the process's RSS (KiB) before and after the timed passes.  Raises Disagreement if a repeat run
    changes a result, EngineError if a backend fails.
    """
    names = list(runs)
    gc.collect()
    rss_before = rss_kib()
    passes = [(name, validated) for validated in (False, True) for name in names]
    for round_number in range(repeats):
        for name, validated in passes if round_number % 2 == 0 else passes[::-1]:
            run = runs[name]
            if validated:
                run.validated.append(timed_pass(run.engine, loaded))
            else:
                run.dict_in.append(timed_pass(run.engine, bundles))
    gc.collect()
    rss_after = rss_kib()
    for run in runs.values():
        timer = MatchTimer(run.engine.backend)
        run.engine.backend = timer
        run.matching_pass = timed_pass(run.engine, loaded)
        run.matching = timer.seconds
        run.engine.backend = timer.inner
        for index, bundle in enumerate(bundles):
            again = run.engine.assess(bundle).to_json()
            if again != run.json[index]:
                raise Disagreement(
                    f"{run.name}: a repeat run changed the JSON of {bundle['area']['id']}", run.json[index], again
                )
    return rss_before, rss_after


# -- the report -----------------------------------------------------------------------------------------------------


def plural(count: int, noun: str, nouns: str = "") -> str:
    return f"{count:,} {noun if count == 1 else (nouns or noun + 's')}"


def shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.2f} ms"


def show_diff(expected: str, actual: str, labels: tuple[str, str]) -> str:
    lines = difflib.unified_diff(expected.splitlines(), actual.splitlines(), *labels, lineterm="", n=2)
    return "\n".join(list(lines)[:40])


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--bundles", type=int, default=250, help="areas in the workload (default: 250)")
    parser.add_argument(
        "--repeats", type=int, default=5, help="timed passes per measurement; the median is shown (default: 5)"
    )
    parser.add_argument("--seed", type=int, default=2009, help="seed of the workload's RNG (default: 2009)")
    parser.add_argument("--min-bodies", type=int, default=2, help="fewest bodies in an area (default: 2)")
    parser.add_argument("--max-bodies", type=int, default=6, help="most bodies in an area (default: 6)")
    parser.add_argument("--rules", type=Path, default=ROOT / "rules", help="rules folder (default: the shipped rules)")
    args = parser.parse_args(argv)
    if args.bundles < 1 or args.repeats < 1 or not 1 <= args.min_bodies <= args.max_bodies:
        parser.error("--bundles and --repeats must be at least 1, and 1 <= --min-bodies <= --max-bodies")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    load_seconds, load_all = median_seconds(lambda: load_rules(args.rules), max(args.repeats, 5))
    plan = load_rules(args.rules)
    kloe_codes = sorted(plan.tables["kloe"]["rows"]) if "kloe" in plan.tables else []
    if not kloe_codes:
        print(f"error: the rules in {args.rules} have no KLOE table to draw a workload from", file=sys.stderr)
        return 1
    # Indicators, milestones and outcomes only where the rules judge them (a rules folder may hold fewer elements).
    indicator_codes = sorted(plan.tables["indicator"]["rows"]) if "indicator" in plan.tables else []
    bundles = make_bundles(args.bundles, args.seed, kloe_codes, args.min_bodies, args.max_bodies, indicator_codes)
    bodies = sum(len(b["bodies"]) for b in bundles)
    scores = sum(len(a["kloes"]) for b in bundles for a in b["use_of_resources"]["assessments"])
    indicators = sum(len(b.get("indicator_set", {}).get("indicators", [])) for b in bundles)
    outcomes = sum(
        len(b.get("risk_assessment", {}).get(key, [])) for b in bundles for key in ("outcomes", "innovations")
    )
    validate_seconds, _ = median_seconds(lambda: [bundle_from_dict(b) for b in bundles], args.repeats)
    loaded = [bundle_from_dict(b) for b in bundles]

    names = ["native", "durable"] if durable_available() else ["native"]
    version = metadata.version("durable-rules") if durable_available() else "not available"
    print("caa-engine backend benchmark")
    print(
        f"  Python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} CPUs; durable-rules {version}"
    )
    print(
        f"  workload: {args.bundles:,} areas, {bodies:,} bodies, {scores:,} KLOE scores "
        f"({len(kloe_codes)} KLOEs per body), {indicators:,} indicators, {outcomes:,} outcomes and innovations "
        f"(seed {args.seed})"
    )
    print(
        f"  rules: {shown(args.rules)} ({plural(len(plan.rulesets), 'rule set')}, {plural(len(plan.rules), 'rule')}, "
        f"{plural(len(plan.measures), 'measure')}, {plural(len(plan.strata), 'stratum', 'strata')})"
    )
    print(f"  every figure is the median of {args.repeats} timed passes over the whole workload, after a warm-up pass")
    print()
    print(
        f"rules load + check + compile: {ms(load_seconds)} (median of {len(load_all)}; "
        f"min {ms(min(load_all))}, max {ms(max(load_all))})"
    )
    print(f"evidence validation (dict -> bundle): {ms(validate_seconds / args.bundles)} per bundle")
    print()

    try:
        print("warming up ...", file=sys.stderr, flush=True)
        runs = warm_up(names, plan, bundles)
        if len(runs) == 2:
            native, durable = runs["native"].json, runs["durable"].json
            different = [i for i, (a, b) in enumerate(zip(native, durable, strict=True)) if a != b]
            if different:
                index = different[0]
                print(
                    f"FAIL: the backends disagree on {len(different)} of {args.bundles} bundles; first: "
                    f"{bundles[index]['area']['id']}",
                    file=sys.stderr,
                )
                print(show_diff(native[index], durable[index], ("native", "durable")), file=sys.stderr)
                return 1
        print("timing ...", file=sys.stderr, flush=True)
        rss_before, rss_after = time_backends(runs, bundles, loaded, args.repeats)
    except Disagreement as problem:
        print(f"FAIL: {problem}", file=sys.stderr)
        print(show_diff(problem.expected, problem.actual, ("first run", "repeat run")), file=sys.stderr)
        return 1
    except EngineError as error:
        print(f"FAIL: a backend failed: {error}", file=sys.stderr)
        return 1

    n = args.bundles
    width = 14
    header = f"{'':<36}" + "".join(f"{name:>{width}}" for name in runs)
    print(header)
    print("-" * len(header))

    def row(label: str, value: Callable[[BackendRun], str]) -> None:
        print(f"{label:<36}" + "".join(f"{value(run):>{width}}" for run in runs.values()))

    def median(values: list[float]) -> float:
        return statistics.median(values)

    row("backend prepare", lambda r: ms(r.prepare))
    row("warm-up pass, per bundle", lambda r: ms(r.first_pass / n))
    row("per bundle, dict in", lambda r: ms(median(r.dict_in) / n))
    row("per bundle, pre-validated", lambda r: ms(median(r.validated) / n))
    row("  of which inside the backend", lambda r: ms(r.matching / n))
    row("  backend share of the time", lambda r: f"{100 * r.matching / r.matching_pass:.0f} %")
    row("assessments / s, dict in", lambda r: f"{n / median(r.dict_in):,.0f}")
    row("bodies judged / s, dict in", lambda r: f"{bodies / median(r.dict_in):,.0f}")
    row("slowest / fastest pass, dict in", lambda r: f"{max(r.dict_in) / min(r.dict_in):.2f}x")
    print()
    per_engine = n * (2 * args.repeats + 3)  # warm-up, timed passes (dict in, pre-validated), matching, repeat
    if rss_before is not None and rss_after is not None:
        print(f"process RSS before / after the timed passes: {rss_before / 1024:,.1f} / {rss_after / 1024:,.1f} MiB")
    if len(runs) == 1:
        print(f"durable-rules is not available here ({durable_import_error()}): native only, nothing to compare.")
        print(f"OK: {per_engine:,} assessments; a repeat run gave the same JSON as the first")
        return 0
    native_run, durable_run = runs["native"], runs["durable"]
    print(
        f"native / durable throughput, dict in:       {median(durable_run.dict_in) / median(native_run.dict_in):.2f}x"
    )
    print(
        f"native / durable throughput, pre-validated: "
        f"{median(durable_run.validated) / median(native_run.validated):.2f}x"
    )
    print(f"native / durable time inside the backend:   {durable_run.matching / native_run.matching:.1f}x")
    print(
        f"OK: all {n:,} results byte-identical on both backends, and a repeat run identical to the first; "
        f"{per_engine:,} assessments per engine"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
