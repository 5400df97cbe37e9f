"""Evidence from tables: the inspectorate's spreadsheets (CSV files, Excel workbooks) turned into bundles.

:func:`import_tables` reads long-format tables, one file or sheet per kind, and builds one evidence bundle per
area, every problem located at its cell; :func:`write_bundles` writes them, one file per area, atomically.  The
tables are described in docs/evidence.md ("Evidence from tables").
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

import yaml

from .._io import write_atomic
from .build import COLUMNS, REQUIRED, ImportedArea, import_tables
from .read import KINDS, CellLocation

__all__ = [
    "import_tables",
    "write_bundles",
    "bundle_text",
    "ImportedArea",
    "CellLocation",
    "COLUMNS",
    "REQUIRED",
    "KINDS",
]

FORMATS = {"yaml": ".yaml", "json": ".json"}


def bundle_text(area: ImportedArea, kind: str = "yaml") -> str:
    """One area's bundle as YAML (its first line, a comment, names the area) or JSON."""
    if kind == "json":
        return json.dumps(area.data, indent=2, ensure_ascii=False) + "\n"
    body = yaml.safe_dump(area.data, sort_keys=False, allow_unicode=True, width=120)
    return f"# evidence bundle: {area.area}\n{body}"


def write_bundles(areas: Iterable[ImportedArea], out_dir: Path | str, kind: str = "yaml") -> list[Path]:
    """Write each area's bundle to ``out_dir/<area id>.yaml`` (or ``.json``), each atomically; the paths written.

    Raises OSError (the files written before it stay whole).
    """
    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for area in areas:
        target = folder / f"{area.area}{FORMATS[kind]}"
        write_atomic(target, bundle_text(area, kind))
        written.append(target)
    return written
