"""Reading tables: CSV files and the sheets of an Excel workbook, each cell remembering where it stands.

A :class:`Table` is one file or sheet: its kind (from the file's or sheet's name), its header and its rows, each
cell keeping its row number and column.  :class:`CellLocation` is an :class:`~caa_engine.errors.Location` that
prints as people name cells: ``indicators.csv:214:value`` for a CSV file, ``evidence.xlsx[kloe]!D17`` for a sheet.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, ClassVar

from .._io import InputTooLarge, display_name, read_input
from .._messages import did_you_mean
from ..errors import Issue, Location

__all__ = ["CellLocation", "Cell", "Table", "read_tables", "column_letter", "KINDS", "SUFFIXES"]

# The kinds of table, each under the names its file or sheet may have (the first is the one documented).
KINDS: dict[str, tuple[str, ...]] = {
    "areas": ("areas", "bodies"),
    "indicators": ("indicators", "indicator"),
    "kloes": ("kloes", "kloe", "use_of_resources"),
    "milestones": ("milestones", "milestone"),
    "outcomes": ("outcomes", "outcome"),
    "innovations": ("innovations", "innovation"),
    "risks": ("risks", "risk", "risk_register"),
    "self_assessments": ("self_assessments", "self_assessment"),
}
_KIND_OF = {name: kind for kind, names in KINDS.items() for name in names}
SUFFIXES = (".csv", ".xlsx")


def column_letter(index: int) -> str:
    """1 -> 'A', 27 -> 'AA'."""
    letters = ""
    while index > 0:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


@dataclass(frozen=True, order=True)
class CellLocation(Location):
    """A cell (or, with no column, a row) of a CSV file or a sheet.  ``file`` is the file, or for a sheet
    ``book.xlsx[sheet]``; ``column`` counts from 1; ``header`` is the column's name."""

    header: str = field(default="", compare=False)
    sheet: bool = field(default=False, compare=False)
    shows_source: ClassVar[bool] = False

    def __str__(self) -> str:
        if self.sheet:
            return f"{self.file}!{column_letter(self.column or 1)}{self.line}"
        if self.header:
            return f"{self.file}:{self.line}:{self.header}"
        return f"{self.file}:{self.line}"


@dataclass(frozen=True)
class Cell:
    value: Any  # text from a CSV file; text, a number, a boolean or a date from a sheet
    location: CellLocation


@dataclass
class Table:
    """One file or sheet of one kind: the header's columns, and each row's non-empty cells by column name."""

    kind: str
    name: str  # the file, or book.xlsx[sheet]
    sheet: bool
    columns: dict[str, int]  # column name -> its column number
    rows: list[tuple[int, dict[str, Cell]]] = field(default_factory=list)

    def at(self, line: int, column: str | None = None) -> CellLocation:
        number = self.columns.get(column, 0) if column else 0
        return CellLocation(self.name, line, number, header=column or "", sheet=self.sheet)


def read_tables(paths: list[Path | str]) -> tuple[list[Table], list[Issue]]:
    """Every table in ``paths`` (CSV files and workbooks), and the problems that kept any from being read."""
    tables: list[Table] = []
    issues: list[Issue] = []
    for path in paths:
        shown = display_name(path)
        suffix = Path(str(path)).suffix.lower()
        try:
            data = read_input(path)
        except InputTooLarge as error:
            issues.append(Issue("too-large", str(error), Location(shown), error.hint))
            continue
        except OSError as error:
            issues.append(
                Issue("unreadable-file", f"cannot read the file: {error.strerror or error}", Location(shown), "")
            )
            continue
        if suffix == ".csv":
            kind = _kind(Path(str(path)).stem, shown, "file", issues)
            if kind is not None:
                tables.extend(_csv_table(kind, shown, data, issues))
        elif suffix == ".xlsx":
            tables.extend(_workbook_tables(shown, data, issues))
        else:
            issues.append(
                Issue(
                    "not-a-table",
                    f"'{shown}' is neither a CSV file (.csv) nor an Excel workbook (.xlsx)",
                    Location(shown),
                    "give CSV files named after their kind (indicators.csv, kloes.csv, ...) or a workbook",
                )
            )
    return tables, issues


def _kind(name: str, where: str, what: str, issues: list[Issue]) -> str | None:
    kind = _KIND_OF.get(name.strip().lower())
    if kind is None:
        issues.append(
            Issue(
                "unknown-table",
                f"no kind of table is called '{name}'{did_you_mean(name.lower(), _KIND_OF)}",
                Location(where),
                f"name each {what} after its kind: {', '.join(KINDS)}",
            )
        )
    return kind


def _csv_table(kind: str, shown: str, data: bytes, issues: list[Issue]) -> list[Table]:
    try:
        text = data.decode("utf-8-sig")  # a spreadsheet's "CSV UTF-8" starts with a byte-order mark
    except UnicodeDecodeError as error:
        issues.append(
            Issue(
                "unreadable-file",
                f"the file is not UTF-8 text (byte {error.start + 1})",
                Location(shown),
                "save it as CSV UTF-8",
            )
        )
        return []
    reader = csv.reader(io.StringIO(text, newline=""))
    rows: list[tuple[int, list[Any]]] = []
    start = 1
    try:
        for record in reader:
            rows.append((start, record))
            start = reader.line_num + 1
    except csv.Error as error:
        issues.append(Issue("csv-syntax", f"{error}", Location(shown, start), "check the quotes on this line"))
        return []
    return _table(kind, shown, False, rows, issues)


def _workbook_tables(shown: str, data: bytes, issues: list[Issue]) -> list[Table]:
    from openpyxl import load_workbook  # imported here: only an import of a workbook pays for it

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a file that is not a workbook
        issues.append(
            Issue(
                "unreadable-file",
                f"cannot read the workbook: {error}",
                Location(shown),
                "save it from a spreadsheet as an Excel workbook (.xlsx)",
            )
        )
        return []
    tables: list[Table] = []
    try:
        for sheet in book.worksheets:
            where = f"{shown}[{sheet.title}]"
            kind = _kind(sheet.title, where, "sheet", issues)
            if kind is None:
                continue
            rows = [(number, list(values)) for number, values in enumerate(sheet.iter_rows(values_only=True), 1)]
            tables.extend(_table(kind, where, True, rows, issues))
    finally:
        book.close()
    return tables


def _table(kind: str, name: str, sheet: bool, rows: list[tuple[int, list[Any]]], issues: list[Issue]) -> list[Table]:
    rows = [(number, values) for number, values in rows if any(_present(v) for v in values)]
    if not rows:
        issues.append(
            Issue(
                "empty-table",
                "the table is empty: it needs a header row",
                CellLocation(name, 1, 1 if sheet else 0, sheet=sheet),
                "",
            )
        )
        return []
    header_line, header = rows[0]
    columns: dict[str, int] = {}
    for number, title in enumerate(header, 1):
        if not _present(title):
            continue
        text = str(title).strip()
        if text in columns:
            issues.append(
                Issue(
                    "duplicate-column",
                    f"column '{text}' is given twice",
                    CellLocation(name, header_line, number, header=text, sheet=sheet),
                    "give each column once",
                )
            )
            continue
        columns[text] = number
    table = Table(kind, name, sheet, columns)
    for line, values in rows[1:]:
        cells: dict[str, Cell] = {}
        for column, number in columns.items():
            value = values[number - 1] if number <= len(values) else None
            if _present(value):
                cells[column] = Cell(_plain(value), CellLocation(name, line, number, header=column, sheet=sheet))
        table.rows.append((line, cells))
    return [table]


def _present(value: Any) -> bool:
    return value is not None and not (isinstance(value, str) and not value.strip())


def _plain(value: Any) -> Any:
    """A cell's value as the bundle would hold it: text stripped, a date as ``YYYY-MM-DD`` (a date and time
    stays a datetime, which the bundle refuses as it refuses one in YAML)."""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value
    if isinstance(value, date):
        return value.isoformat()
    return value
