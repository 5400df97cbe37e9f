"""Regenerate (or check) the expected result JSON of every shipped fixture.

Owns ``fixtures/expected/<name>.json``: the canonical ``Result.to_json()`` of
``fixtures/<name>.yaml`` assessed against ``rules/``, run from the project root
so that every path in the JSON is relative to it.  Each fixture is assessed on
every available backend; if the backends disagree nothing is written.

    python tools/regenerate_expected.py           # rewrite the expected files
    python tools/regenerate_expected.py --check   # exit 1 if any is out of date

Review a changed expected file by hand before committing it: the test suite
(tests/test_fixtures.py) trusts these files byte for byte.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from caa_engine import BACKENDS, assess
from caa_engine.backends.durable import durable_available

ROOT = Path(__file__).resolve().parent.parent
FIXTURE_SUFFIXES = (".yaml", ".yml", ".json")


def fixture_paths() -> list[Path]:
    """The fixture bundles, relative to the project root, sorted by name."""
    return sorted(
        p.relative_to(ROOT) for p in (ROOT / "fixtures").iterdir() if p.is_file() and p.suffix in FIXTURE_SUFFIXES
    )


def expected_path(fixture: Path) -> Path:
    return Path("fixtures") / "expected" / f"{fixture.stem}.json"


def available_backends() -> list[str]:
    return [name for name in BACKENDS if name != "durable" or durable_available()]


def render(fixture: Path) -> str:
    """The one JSON every available backend agrees on.  Raises SystemExit if they disagree."""
    outputs = {name: assess(str(fixture), rules="rules", backend=name).to_json() for name in available_backends()}
    if len(set(outputs.values())) != 1:
        raise SystemExit(f"{fixture}: backends disagree ({', '.join(outputs)}); not writing {expected_path(fixture)}")
    return next(iter(outputs.values()))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report expected files that are out of date")
    args = parser.parse_args(argv)
    os.chdir(ROOT)  # paths inside the JSON are relative to the working directory
    stale: list[str] = []
    for fixture in fixture_paths():
        text = render(fixture)
        target = expected_path(fixture)
        current = target.read_text(encoding="utf-8") if target.exists() else None
        if current == text:
            print(f"unchanged  {target}")
            continue
        stale.append(str(target))
        if args.check:
            print(f"{'stale' if current is not None else 'missing'}      {target}")
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8", newline="\n")
            print(f"written    {target}")
    known = {expected_path(f).name for f in fixture_paths()}
    orphans = sorted(p for p in (ROOT / "fixtures" / "expected").glob("*.json") if p.name not in known)
    for orphan in orphans:
        print(f"orphan     {orphan.relative_to(ROOT)} (no fixture of that name; delete it)")
    if args.check and (stale or orphans):
        print("run: python tools/regenerate_expected.py", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
