"""Write evidence bundles out as the long tables `caa import` reads (CSV files, or one Excel workbook).

Owns ``fixtures/tables/``: the shipped fixture areas as tables, one CSV file per kind, which the tests import
and judge against the shipped bundles.

    python tools/tables_from_bundles.py                       # rewrite fixtures/tables/*.csv from fixtures/*.yaml
    python tools/tables_from_bundles.py --check               # exit 1 if fixtures/tables/ is out of date
    python tools/tables_from_bundles.py --xlsx OUT.xlsx       # the same tables as one workbook, a sheet per kind
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
from pathlib import Path
from typing import Any

from caa_engine.evidence.loader import load_bundle
from caa_engine.tables import COLUMNS

ROOT = Path(__file__).resolve().parent.parent


def bundle_rows(bundles: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """Every kind's rows for ``bundles`` (as data), in bundle order."""
    rows: dict[str, list[dict[str, Any]]] = {kind: [] for kind in COLUMNS}
    for bundle in bundles:
        area = bundle["area"]
        for body in bundle["bodies"]:
            rows["areas"].append(
                {
                    "area": area["id"],
                    "area_name": area["name"],
                    "tier": area.get("tier"),
                    "body": body["id"],
                    "body_name": body["name"],
                    "kind": body["kind"],
                    "lead": body.get("lead"),
                }
            )
        indicators = bundle.get("indicator_set") or {}
        for entry in indicators.get("indicators", []):
            row = {"area": area["id"], "period": indicators.get("period"), "indicator": entry["code"]}
            row.update({k: v for k, v in entry.items() if k not in ("code", "benchmarks")})
            row.update(entry.get("benchmarks") or {})
            rows["indicators"].append(row)
        for assessment in (bundle.get("use_of_resources") or {}).get("assessments", []):
            for code, score in assessment["kloes"].items():
                rows["kloes"].append(
                    {"body": assessment["body"], "period": assessment.get("period"), "kloe": code, "score": score}
                )
        for milestone in (bundle.get("direction_of_travel") or {}).get("milestones", []):
            rows["milestones"].append(dict(milestone))
        risk = bundle.get("risk_assessment") or {}
        for kind, key in (("outcomes", "outcomes"), ("innovations", "innovations"), ("risks", "risk_register")):
            for entry in risk.get(key, []):
                row = dict(entry)
                if kind == "risks":
                    row = {"area": area["id"], **row}
                rows[kind].append(row)
        for own in bundle.get("self_assessments", []):
            rows["self_assessments"].append(dict(own))
    return rows


def cell(value: Any) -> Any:
    """A value as a table holds it: lists one item per line, true/false, dates as YYYY-MM-DD."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "\n".join(str(item) for item in value)
    return value if isinstance(value, (int, float)) else str(value)


def csv_text(kind: str, rows: list[dict[str, Any]]) -> str:
    columns = [c for c in COLUMNS[kind] if any(c in row for row in rows)]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([cell(row.get(column)) for column in columns])
    return out.getvalue()


def fixture_bundles() -> list[dict[str, Any]]:
    paths = sorted(p for p in (ROOT / "fixtures").iterdir() if p.suffix in (".yaml", ".yml", ".json"))
    return [load_bundle(p).document.data for p in paths]


def write_workbook(tables: dict[str, str], target: Path) -> None:
    """The CSV texts of ``tables`` (kind -> text) as one workbook, a sheet per kind; numbers stay numbers."""
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    for kind, text in tables.items():
        sheet = book.create_sheet(kind)
        for index, record in enumerate(csv.reader(io.StringIO(text))):
            sheet.append(record if index == 0 else [_typed(value) for value in record])
    book.save(target)


def _typed(text: str) -> Any:
    """A CSV cell as a spreadsheet would hold it once typed in: numbers as numbers, everything else as text."""
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text) if text.strip() and text.strip().lower() not in ("nan", "inf", "-inf") else text
    except ValueError:
        return text or None


def fixture_tables() -> dict[str, str]:
    return {kind: csv_text(kind, rows) for kind, rows in bundle_rows(fixture_bundles()).items() if rows}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="report stale files; write nothing")
    parser.add_argument("--xlsx", type=Path, help="write the tables as one workbook here instead")
    args = parser.parse_args(argv)
    tables = fixture_tables()
    if args.xlsx:
        write_workbook(tables, args.xlsx)
        return 0
    folder = ROOT / "fixtures" / "tables"
    stale = [
        kind
        for kind, text in tables.items()
        if not (folder / f"{kind}.csv").is_file() or (folder / f"{kind}.csv").read_text(encoding="utf-8") != text
    ]
    if args.check:
        for kind in stale:
            print(f"stale      fixtures/tables/{kind}.csv")
        return 1 if stale else 0
    folder.mkdir(exist_ok=True)
    for kind in stale:
        (folder / f"{kind}.csv").write_text(tables[kind], encoding="utf-8", newline="")
        print(f"wrote      fixtures/tables/{kind}.csv")
    return 0


if __name__ == "__main__":
    sys.exit(main())
