"""Do the policy scenarios notice when a rule is deleted or broken? Try it, one mutation at a time.

For every rule and measure of a rules folder this makes a copy of the folder with one change, runs the
scenarios in ``features/`` against it (native backend, the coverage check left out), and reports
which scenarios failed. A mutation no scenario notices is a policy statement the scenarios do not make.

Mutations:
  delete     the rule or measure is removed from its file;
  boundary   in its condition (or value), each comparison at a time is moved by its boundary:
             '>=' becomes '>', '>' becomes '>=', '<=' becomes '<', '<' becomes '<=';
  negate     a rule's condition is wrapped in 'not (...)'.

    python tools/rule_mutations.py                      # every mutation of rules/
    python tools/rule_mutations.py --only uor_ hf_      # those of rules and measures whose id starts so
    python tools/rule_mutations.py --rules my-rules/    # another rules folder

Exit status 1 when any mutation survives (no scenario failed), leaving out the few mutations of the shipped
rules listed in EQUIVALENT, which cannot change any result (reported as 'same', with the reason). It takes a
few seconds a mutation.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from caa_engine import RuleError, load_rules

ROOT = Path(__file__).resolve().parent.parent
COMPARISON = re.compile(r">=|<=|>|<")
SHIFTED = {">=": ">", ">": ">=", "<=": "<", "<": "<="}


@dataclass(frozen=True)
class Mutation:
    target: str  # the rule or measure id
    kind: str
    detail: str
    file: str  # the rule file's name
    old: str  # an exact passage of the file
    new: str


def block(lines: list[str], start: int) -> tuple[int, int]:
    """The lines (0-based, end exclusive) of the list item that starts at 1-based line ``start``."""
    first = start - 1
    indent = len(lines[first]) - len(lines[first].lstrip())
    end = first + 1
    while end < len(lines):
        line = lines[end]
        stripped = line.lstrip()
        depth = len(line) - len(stripped)
        if stripped and (depth < indent or depth == indent and stripped.startswith("- ")):
            break
        end += 1
    return first, end


def around(text: str, at: int) -> str:
    """The words either side of position ``at``, on one line."""
    return " ".join(text[max(0, at - 30) : at + 30].split())


def mutations(folder: Path, only: list[str]) -> list[Mutation]:
    plan = load_rules(folder)
    out = []
    items = [(rule.id, rule.file, rule.line, "when") for rule in plan.rules]
    items += [(m.id, m.file, m.line, "value") for m in plan.measures]
    for target, file, line, key in sorted(items, key=lambda item: (item[1], item[2])):
        if only and not any(target.startswith(prefix) for prefix in only):
            continue
        name = Path(file).name
        lines = (folder / name).read_text(encoding="utf-8").splitlines(keepends=True)
        first, end = block(lines, line)
        text = "".join(lines[first:end])
        out.append(Mutation(target, "delete", "removed", name, text, ""))
        match = re.search(rf"^(\s*){key}: (>\n(?:\1  .*\n)+|.*\n)", text, re.M)
        if not match:
            continue
        condition = match.group(0)
        expression_at = len(match.group(1)) + len(key) + 2 + (2 if match.group(2).startswith(">\n") else 0)
        for hit in COMPARISON.finditer(condition, expression_at):
            op = hit.group(0)
            changed = condition[: hit.start()] + SHIFTED[op] + condition[hit.end() :]
            out.append(
                Mutation(
                    target,
                    "boundary",
                    f"'{op}' -> '{SHIFTED[op]}' in '{around(condition, hit.start())}'",
                    name,
                    text,
                    text.replace(condition, changed, 1),
                )
            )
        if key == "when":
            body = condition.split(":", 1)[1].strip().removeprefix(">").strip()
            negated = f"{match.group(1)}when: not ({' '.join(body.split())})\n"
            out.append(Mutation(target, "negate", "not (...)", name, text, text.replace(condition, negated, 1)))
    return out


# Boundary mutations of the shipped rules that cannot change any result, each with the reason (checked by hand).
EQUIVALENT = {
    ("ni_trend_improved", "'>' -> '>='"): "an unchanged value is stable first (ni_trend_stable, higher priority)",
    ("ni_trend_improved", "'<' -> '<='"): "an unchanged value is stable first (ni_trend_stable, higher priority)",
    ("ni_trend_declined", "'>' -> '>='"): "an unchanged value is stable first (ni_trend_stable, higher priority)",
    ("ni_trend_declined", "'<' -> '<='"): "an unchanged value is stable first (ni_trend_stable, higher priority)",
    ("ra_inadequate", "'>' -> '>='"): "at the limit ra_adequate, of higher priority, decides",
}


def equivalent(mutation: Mutation) -> str:
    """Why a surviving mutation of the shipped rules cannot change a result ('' if it could)."""
    if mutation.kind != "boundary":
        return ""
    return next(
        (
            why
            for (target, op), why in EQUIVALENT.items()
            if target == mutation.target and mutation.detail.startswith(op)
        ),
        "",
    )


def scenarios(rules: Path) -> subprocess.CompletedProcess[str]:
    """The scenarios on the native backend against a rules folder (the coverage check left out)."""
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "features",
            "-q",
            "-p",
            "no:cacheprovider",
            "--rules-dir",
            str(rules),
            "-k",
            "native and not cover_every_rule",
            "-rf",
            "--no-header",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )


def run(mutation: Mutation, folder: Path, scratch: Path) -> tuple[str, list[str]]:
    """('caught'|'refused'|'SURVIVED', the scenarios that failed)."""
    copy = scratch / "rules"
    if copy.exists():
        shutil.rmtree(copy)
    shutil.copytree(folder, copy)
    path = copy / mutation.file
    text = path.read_text(encoding="utf-8")
    assert text.count(mutation.old) == 1, (mutation.target, mutation.kind)
    path.write_text(text.replace(mutation.old, mutation.new), encoding="utf-8")
    try:
        load_rules(copy)
    except RuleError as exc:
        lines = str(exc).splitlines()
        return "refused", [lines[1].strip() if len(lines) > 1 else lines[0]]
    tests = scenarios(copy)
    failed = sorted(
        {
            # 'FAILED path::test_name[native-just below the band] - AssertionError: ...': ids hold spaces
            line.split(" ", 1)[1].split(" - ", 1)[0].split("::", 1)[1]
            for line in tests.stdout.splitlines()
            if line.startswith(("FAILED ", "ERROR ")) and "::" in line
        }
    )
    if tests.returncode not in (0, 1) and not failed:
        return "refused", [tests.stdout.strip().splitlines()[-1] if tests.stdout.strip() else "pytest failed"]
    return ("caught" if failed else "SURVIVED"), failed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rules", default=str(ROOT / "rules"), help="the rules folder to mutate (default: rules/)")
    parser.add_argument("--only", nargs="*", default=[], help="only rules and measures whose id starts so")
    args = parser.parse_args(argv)
    folder = Path(args.rules).resolve()
    found = mutations(folder, args.only)
    baseline = scenarios(folder)
    if baseline.returncode != 0:  # else every mutation would read as caught
        print(baseline.stdout[-3000:], file=sys.stderr)
        print(f"the scenarios fail on {folder} as it is: mend that first", file=sys.stderr)
        return 2
    counts = {"caught": 0, "refused": 0, "SURVIVED": 0, "same": 0}
    shipped = folder == (ROOT / "rules").resolve()
    with tempfile.TemporaryDirectory() as scratch:
        for mutation in found:
            verdict, failed = run(mutation, folder, Path(scratch))
            why_same = shipped and verdict == "SURVIVED" and equivalent(mutation)
            if why_same:
                verdict, failed = "same", [why_same]
            counts[verdict] += 1
            shown = ", ".join(failed[:3]) + (f" and {len(failed) - 3} more" if len(failed) > 3 else "")
            print(f"{verdict:8} {mutation.target} {mutation.kind} {mutation.detail}: {shown}", flush=True)
    print(
        f"{len(found)} mutations: {counts['caught']} caught by a scenario, {counts['refused']} refused by the "
        f"rules checker, {counts['same']} that cannot change a result, {counts['SURVIVED']} survived"
    )
    return 1 if counts["SURVIVED"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
