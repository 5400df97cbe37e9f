"""Evidence bundles built from tables, one per area, every problem located at its cell.

Each table's rows become entries of the areas' bundles; each bundle is then checked exactly as a bundle file is
(the evidence model, the cross-checks, and the rules' catalogues), with a mark for every value naming the cell it
came from, so each issue keeps the code, message and hint a bundle would get and points at the cell instead.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from .._messages import closest, did_you_mean
from .._yaml import Document, Mark
from ..compile import Plan
from ..dated import bundle_period
from ..errors import EvidenceError, Issue, Location
from ..evidence.loader import LoadedBundle, bundle_facts, validate_document
from .read import KINDS, Cell, CellLocation, Table, read_tables

__all__ = ["ImportedArea", "COLUMNS", "REQUIRED", "import_tables"]

# Each kind's columns and how a cell is read: text, number, whole (a whole number), flag (true/false), date, lines
# (a list: one item per line of the cell).  A column the bundle has no field for is refused.
_INITIATIVE = {
    "id": "text",
    "title": "text",
    "body": "text",
    "status": "text",
    "vulnerable": "flag",
    "started_on": "date",
    "risk": "text",
    "fraud_found": "flag",
    "negligence_found": "flag",
}
COLUMNS: dict[str, dict[str, str]] = {
    "areas": {
        "area": "text",
        "area_name": "text",
        "tier": "text",
        "body": "text",
        "body_name": "text",
        "kind": "text",
        "lead": "flag",
    },
    "indicators": {
        "area": "text",
        "body": "text",
        "indicator": "text",
        "period": "text",
        "value": "number",
        "target": "number",
        "previous": "number",
        "lower_quartile": "number",
        "median": "number",
        "upper_quartile": "number",
        "title": "text",
        "polarity": "text",
        "unit": "text",
    },
    "kloes": {"area": "text", "body": "text", "period": "text", "kloe": "text", "score": "whole"},
    "milestones": {"area": "text", "body": "text", "title": "text", "delivered": "flag"},
    "outcomes": {"area": "text", **_INITIATIVE, "known_issue": "flag", "action_in_place": "flag"},
    "innovations": {"area": "text", **_INITIATIVE, "learning_shared": "flag"},
    "risks": {
        "area": "text",
        "id": "text",
        "title": "text",
        "recorded_on": "date",
        "mitigations": "lines",
        "contingency": "text",
        "exposure": "text",
        "appetite_approved_by": "text",
        "early_warning_indicators": "lines",
        "monitoring_acted_on": "flag",
        "lessons_captured": "flag",
        "lessons_shared": "flag",
    },
    "self_assessments": {"area": "text", "body": "text", "element": "text", "score": "whole"},
}
REQUIRED: dict[str, tuple[str, ...]] = {
    "areas": ("area", "area_name", "body", "body_name", "kind"),
    "indicators": ("body", "indicator", "value"),
    "kloes": ("body", "kloe", "score"),
    "milestones": ("body", "title", "delivered"),
    "outcomes": ("id", "title", "body", "status"),
    "innovations": ("id", "title", "body", "status"),
    "risks": ("area", "id", "title", "recorded_on", "exposure"),
    "self_assessments": ("body", "element", "score"),
}
# Where a kind's entries go in a bundle: section, list (or None for a list at the top).
_SECTION = {
    "indicators": ("indicator_set", "indicators"),
    "milestones": ("direction_of_travel", "milestones"),
    "outcomes": ("risk_assessment", "outcomes"),
    "innovations": ("risk_assessment", "innovations"),
    "risks": ("risk_assessment", "risk_register"),
}
_ORDER = ("area", "bodies", "indicator_set", "direction_of_travel", "use_of_resources", "risk_assessment")
_TABLE_SHIFT = 10_000  # a mark's column is table number * _TABLE_SHIFT + the cell's column
_INTEGER = re.compile(r"[-+]?[0-9]+")
_DECIMAL = re.compile(r"[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?")
_FIRST_AT = re.compile(r"\(the first at line (\d+)\)")


@dataclass
class ImportedArea:
    """One area's bundle built from the tables: its id, the bundle as data, and the cells it came from."""

    area: str
    data: dict[str, Any]
    document: Document = field(repr=False)


class _Area:
    def __init__(self, area_id: str, row: dict[str, Cell], table: int):
        self.id = area_id
        self.data: dict[str, Any] = {"area": {"id": area_id}, "bodies": []}
        self.marks: dict[tuple[Any, ...], Mark] = {}
        self.first = (table, row)
        self.period_cells: dict[tuple[Any, ...], Cell] = {}


def import_tables(paths: Iterable[Path | str], rules: Plan | Path | str | None = None) -> list[ImportedArea]:
    """Evidence bundles, one per area (in the order the areas table lists them), from CSV files and workbooks.

    Each CSV file is named after its kind (``areas.csv``, ``indicators.csv``, ``kloes.csv``, ``milestones.csv``,
    ``outcomes.csv``, ``innovations.csv``, ``risks.csv``, ``self_assessments.csv``); in a workbook, each sheet.
    Every bundle is checked as a bundle file is, against ``rules`` (a compiled plan or a rules folder; default
    ``./rules``), so a value the engine would refuse is refused here.  Raises :class:`EvidenceError` with every
    problem found, each located at its cell (``indicators.csv:214:value``, ``evidence.xlsx[kloe]!D17``).
    """
    from ..engine import load_rules

    plan = rules if isinstance(rules, Plan) else load_rules(rules)
    tables, issues = read_tables(list(paths))
    issues += _check_columns(tables)
    if issues:
        raise EvidenceError(issues)
    builder = _Builder(tables)
    areas = builder.build()
    issues = builder.issues
    imported: list[ImportedArea] = []
    for area in areas:
        data = {key: area.data[key] for key in _ORDER if key in area.data}
        data.update((key, value) for key, value in area.data.items() if key not in data)
        document = Document(f"<tables:{area.id}>", data, area.marks)
        found = _check_bundle(document, plan)
        issues += [builder.located(issue, area) for issue in found]
        imported.append(ImportedArea(area.id, data, document))
    if issues:
        raise EvidenceError(issues)
    return imported


def _check_bundle(document: Document, plan: Plan) -> list[Issue]:
    try:
        bundle = validate_document(document)
        canonical = json.dumps(document.data, sort_keys=True, default=str).encode()
        loaded = LoadedBundle(bundle, document, hashlib.sha256(canonical).hexdigest())
        if plan.dated is not None:  # checked as the rules in force for its period would check it, as assess does
            plan = bundle_period(loaded, plan.dated)[1]
        reads_own = any(rule.per == "self_assessment" for rule in plan.rules) or any(
            measure.per == "self_assessment" for measure in plan.measures
        )
        bundle_facts(loaded, plan.tables, plan.elements if reads_own else None)
    except EvidenceError as error:
        return list(error.issues)
    return []


def _check_columns(tables: list[Table]) -> list[Issue]:
    issues: list[Issue] = []
    for table in tables:
        known = COLUMNS[table.kind]
        for column in table.columns:
            if column not in known:
                issues.append(
                    Issue(
                        "unknown-column",
                        f"a {table.kind} table has no column '{column}'{did_you_mean(column, known)}",
                        table.at(_header_line(table), column),
                        f"columns of a {table.kind} table: {', '.join(known)}",
                    )
                )
        missing = [column for column in REQUIRED[table.kind] if column not in table.columns]
        # A misspelt column is reported once, as unknown: not again as the required column it stands for.
        meant = {closest(column, missing) for column in table.columns if column not in known}
        missing = [column for column in missing if column not in meant]
        if missing:
            issues.append(
                Issue(
                    "missing-column",
                    f"a {table.kind} table needs the column{'s' if len(missing) > 1 else ''} "
                    f"{', '.join(repr(m) for m in missing)}",
                    replace(table.at(_header_line(table)), column=1 if table.sheet else 0),
                    f"required: {', '.join(REQUIRED[table.kind])}; the header row names the columns",
                )
            )
    if not any(table.kind == "areas" for table in tables):
        shown = tables[0].name if tables else "<tables>"
        issues.append(
            Issue(
                "missing-table",
                "no areas table: every body, and so every row of the other tables, belongs to an area listed there",
                Location(shown),
                "give an areas.csv (or an 'areas' sheet) with the columns " + ", ".join(COLUMNS["areas"]),
            )
        )
    return issues


def _header_line(table: Table) -> int:
    return table.rows[0][0] - 1 if table.rows else 1


class _Builder:
    def __init__(self, tables: list[Table]):
        self.tables = tables
        self.issues: list[Issue] = []
        self.areas: dict[str, _Area] = {}
        self.body_area: dict[str, tuple[str, Cell]] = {}

    # --- marks and locations ------------------------------------------------------------------------------------

    def mark(self, area: _Area, path: tuple[Any, ...], cell: Cell, key: Cell | None = None) -> None:
        key = key or cell
        area.marks[path] = Mark(
            key.location.line,
            self._column(key),
            cell.location.line,
            self._column(cell),
            None,
        )

    def mark_row(self, area: _Area, path: tuple[Any, ...], table: int, line: int, column: str) -> None:
        """Mark a place that has no cell of its own (an empty required cell, an entry) at ``column`` of a row."""
        where = self.tables[table]
        number = where.columns.get(column) or min(where.columns.values(), default=1)
        area.marks.setdefault(
            path, Mark(line, table * _TABLE_SHIFT + number, line, table * _TABLE_SHIFT + number, None)
        )

    def _column(self, cell: Cell) -> int:
        table = next(i for i, t in enumerate(self.tables) if t.name == cell.location.file)
        return table * _TABLE_SHIFT + cell.location.column

    def located(self, issue: Issue, area: _Area) -> Issue:
        """An issue the bundle checks found, pointed at the cell the value came from."""
        loc = issue.location
        message = _FIRST_AT.sub(r"(the first at row \1)", issue.message)
        if loc.line > 0 and loc.column > 0:
            table = self.tables[loc.column // _TABLE_SHIFT]
            number = loc.column % _TABLE_SHIFT
            header = next((name for name, n in table.columns.items() if n == number), "")
            cell = CellLocation(table.name, loc.line, number, header=header, sheet=table.sheet)
            return replace(issue, location=cell, message=message)
        table_no, row = area.first
        first = next(iter(row.values()))
        return replace(issue, location=first.location, message=message)

    # --- building ---------------------------------------------------------------------------------------------

    def build(self) -> list[_Area]:
        for number, table in enumerate(self.tables):
            if table.kind == "areas":
                self._areas(number, table)
        for number, table in enumerate(self.tables):
            if table.kind != "areas":
                for line, row in table.rows:
                    area = self._area_of(table, row)
                    if area is not None:
                        getattr(self, f"_{table.kind}")(area, number, table, line, row)
        return list(self.areas.values())

    def _areas(self, number: int, table: Table) -> None:
        for line, row in table.rows:
            if "area" not in row:
                self._missing(table, line, "area")
                continue
            area_cell = row["area"]
            area_id = _text(area_cell.value)
            area = self.areas.get(area_id)
            if area is None:
                area = self.areas[area_id] = _Area(area_id, row, number)
                self.mark(area, (), area_cell)
                self.mark(area, ("area",), area_cell)
                self.mark(area, ("area", "id"), area_cell)
            for column, key in (("area_name", "name"), ("tier", "tier")):
                self._agree(area, area.data["area"], ("area", key), row.get(column), number, line, column)
            body = row.get("body")
            if body is None:
                self._missing(table, line, "body")
                continue
            body_id = _text(body.value)
            if body_id in self.body_area and self.body_area[body_id][0] != area_id:
                other, first = self.body_area[body_id]
                self.issues.append(
                    Issue(
                        "duplicate-body",
                        f"body '{body_id}' is listed for area '{area_id}' and, at row {first.location.line}, "
                        f"for area '{other}'",
                        body.location,
                        "a body belongs to one area: give each body its own id",
                    )
                )
                continue
            self.body_area.setdefault(body_id, (area_id, body))
            index = len(area.data["bodies"])
            entry: dict[str, Any] = {}
            path = ("bodies", index)
            self.mark_row(area, path, number, line, "body")
            for column, key in (("body", "id"), ("body_name", "name"), ("kind", "kind"), ("lead", "lead")):
                self._put(
                    area, entry, path, key, row.get(column), "flag" if key == "lead" else "text", number, line, column
                )
            area.data["bodies"].append(entry)

    def _area_of(self, table: Table, row: dict[str, Cell]) -> _Area | None:
        """The area a row belongs to: its body's (or, for a risk, its own 'area'); None (with an issue) if unknown."""
        if table.kind == "risks":
            cell = row.get("area")
            if cell is None:
                self._missing(table, self._line(table, row), "area")
                return None
            area = self.areas.get(_text(cell.value))
            if area is None:
                self.issues.append(
                    Issue(
                        "unknown-area",
                        f"area '{_text(cell.value)}' is not listed in the areas table{did_you_mean(_text(cell.value), self.areas)}",
                        cell.location,
                        f"use the id of an area listed in the areas table ({_some(self.areas)})",
                    )
                )
            return area
        body = row.get("body")
        if body is None:
            self._missing(table, self._line(table, row), "body")
            return None
        found = self.body_area.get(_text(body.value))
        given_area = row.get("area")
        if found is None:
            if given_area is not None and _text(given_area.value) in self.areas:
                return self.areas[_text(given_area.value)]  # the bundle's own check names the body, with advice
            self.issues.append(
                Issue(
                    "unknown-body",
                    f"body '{_text(body.value)}' is not listed in the areas table"
                    f"{did_you_mean(_text(body.value), self.body_area)}",
                    body.location,
                    f"use the id of a body listed in the areas table ({_some(self.body_area)}), or add a row for it",
                )
            )
            return None
        area_id = found[0]
        if given_area is not None and _text(given_area.value) != area_id:
            self.issues.append(
                Issue(
                    "wrong-area",
                    f"body '{_text(body.value)}' belongs to area '{area_id}' (areas table, row "
                    f"{found[1].location.line}), not '{_text(given_area.value)}'",
                    given_area.location,
                    "correct the area, or leave the column empty: the body says which area a row is for",
                )
            )
            return None
        return self.areas[area_id]

    @staticmethod
    def _line(table: Table, row: dict[str, Cell]) -> int:
        return next(line for line, cells in table.rows if cells is row)

    def _indicators(self, area: _Area, number: int, table: Table, line: int, row: dict[str, Cell]) -> None:
        section = area.data.setdefault("indicator_set", {})
        self._agree(area, section, ("indicator_set", "period"), row.get("period"), number, line, "period")
        entries = section.setdefault("indicators", [])
        path = ("indicator_set", "indicators", len(entries))
        self.mark_row(area, path, number, line, "indicator")
        entry: dict[str, Any] = {}
        self._put(area, entry, path, "code", row.get("indicator"), "text", number, line, "indicator")
        for column in ("body", "value", "target", "previous", "title", "polarity", "unit"):
            self._put(area, entry, path, column, row.get(column), COLUMNS["indicators"][column], number, line, column)
        quartiles = ("lower_quartile", "median", "upper_quartile")
        if any(q in row for q in quartiles):
            marks: dict[str, Any] = {}
            given = next(row[q] for q in quartiles if q in row)
            self.mark(area, path + ("benchmarks",), given)
            for column in quartiles:
                self._put(area, marks, path + ("benchmarks",), column, row.get(column), "number", number, line, column)
            entry["benchmarks"] = marks
        entries.append(entry)

    def _kloes(self, area: _Area, number: int, table: Table, line: int, row: dict[str, Cell]) -> None:
        section = area.data.setdefault("use_of_resources", {"assessments": []})
        body_id = _text(row["body"].value)
        assessments = section["assessments"]
        index = next((i for i, a in enumerate(assessments) if a["body"] == body_id), None)
        if index is None:
            index = len(assessments)
            assessments.append({"body": body_id})
            path: tuple[Any, ...] = ("use_of_resources", "assessments", index)
            self.mark(area, path, row["body"])
            self.mark(area, path + ("body",), row["body"])
            self.mark(area, path + ("kloes",), row["body"])
        path = ("use_of_resources", "assessments", index)
        assessment = assessments[index]
        self._agree(area, assessment, path + ("period",), row.get("period"), number, line, "period")
        assessment.setdefault("kloes", {})  # after the period, as a bundle is written
        kloe = row.get("kloe")
        if kloe is None:
            self._missing(table, line, "kloe")
            return
        code = _text(kloe.value)
        first = area.marks.get(path + ("kloes", code))
        if first is not None:
            self.issues.append(
                Issue(
                    "duplicate-kloe",
                    f"KLOE '{code}' for body '{body_id}' is given twice (the first at row {first.key_line})",
                    kloe.location,
                    "give each KLOE's score once per body",
                )
            )
            return
        score = row.get("score")
        if score is None:
            self._missing(table, line, "score")
            return
        assessment["kloes"][code] = _read(score.value, "whole")
        self.mark(area, path + ("kloes", code), score, key=kloe)

    def _milestones(self, area: _Area, number: int, table: Table, line: int, row: dict[str, Cell]) -> None:
        self._entry(area, number, table, line, row)

    def _outcomes(self, area: _Area, number: int, table: Table, line: int, row: dict[str, Cell]) -> None:
        self._entry(area, number, table, line, row)

    def _innovations(self, area: _Area, number: int, table: Table, line: int, row: dict[str, Cell]) -> None:
        self._entry(area, number, table, line, row)

    def _risks(self, area: _Area, number: int, table: Table, line: int, row: dict[str, Cell]) -> None:
        self._entry(area, number, table, line, row)

    def _self_assessments(self, area: _Area, number: int, table: Table, line: int, row: dict[str, Cell]) -> None:
        entries = area.data.setdefault("self_assessments", [])
        path = ("self_assessments", len(entries))
        entries.append(self._fields(area, number, table, line, row, path))

    def _entry(self, area: _Area, number: int, table: Table, line: int, row: dict[str, Cell]) -> None:
        section, key = _SECTION[table.kind]
        entries = area.data.setdefault(section, {}).setdefault(key, [])
        path = (section, key, len(entries))
        entries.append(self._fields(area, number, table, line, row, path))

    def _fields(
        self, area: _Area, number: int, table: Table, line: int, row: dict[str, Cell], path: tuple[Any, ...]
    ) -> dict[str, Any]:
        self.mark_row(area, path, number, line, REQUIRED[table.kind][0])
        entry: dict[str, Any] = {}
        for column, how in COLUMNS[table.kind].items():
            if column != "area":
                self._put(area, entry, path, column, row.get(column), how, number, line, column)
        return entry

    # --- cells ------------------------------------------------------------------------------------------------

    def _put(
        self,
        area: _Area,
        entry: dict[str, Any],
        path: tuple[Any, ...],
        key: str,
        cell: Cell | None,
        how: str,
        table: int,
        line: int,
        column: str,
    ) -> None:
        if cell is None:
            self.mark_row(area, path + (key,), table, line, column)  # a missing key is reported at its empty cell
            return
        value = _read(cell.value, how)
        entry[key] = value
        self.mark(area, path + (key,), cell)
        if how == "lines" and isinstance(value, list):
            for index in range(len(value)):
                self.mark(area, path + (key, index), cell)

    def _agree(
        self,
        area: _Area,
        holder: dict[str, Any],
        path: tuple[Any, ...],
        cell: Cell | None,
        table: int,
        line: int,
        column: str,
    ) -> None:
        """A value given on many rows (an area's name, a year): the first given stands, and every row must agree."""
        if cell is None:
            if path[-1] not in holder:
                self.mark_row(area, path, table, line, column)
            return
        value = _read(cell.value, "text")
        first = area.period_cells.get(path)
        if first is None:
            area.period_cells[path] = cell
            holder[path[-1]] = value
            self.mark(area, path, cell)
        elif _read(first.value, "text") != value:
            self.issues.append(
                Issue(
                    "conflicting-value",
                    f"{column} is '{value}' here but '{_read(first.value, 'text')}' at row {first.location.line} "
                    f"(for the same {'area' if path[0] in ('area', 'indicator_set') else 'body'})",
                    cell.location,
                    f"give one {column} throughout, or leave the cell empty",
                )
            )

    def _missing(self, table: Table, line: int, column: str) -> None:
        self.issues.append(
            Issue(
                "missing-key",
                f"this row has no {column}",
                table.at(line, column),
                f"every row of a {table.kind} table needs: {', '.join(REQUIRED[table.kind])}",
            )
        )


def _text(value: Any) -> str:
    return _read(value, "text") if not isinstance(value, str) else value


def _read(value: Any, how: str) -> Any:
    """A cell's value as the bundle field wants it; a value that cannot be read so stays as it is, for the
    bundle's checks to refuse with their usual words (text where a number belongs)."""
    if how == "text":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return value
        return str(value) if isinstance(value, int) else repr(value)
    if how in ("number", "whole"):
        return _number(value) if isinstance(value, str) else value
    if how == "flag":
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        return value
    if how == "lines":
        if isinstance(value, str):
            return [item.strip() for item in value.splitlines() if item.strip()]
        return [value]
    return value  # a date: text YYYY-MM-DD, checked by the bundle's model


def _number(text: str) -> Any:
    """'47' -> 47, '6.3' -> 6.3 (read as the decimal it is), anything else stays text; a decimal a float cannot
    hold exactly stays text too, so that it is refused rather than silently rounded."""
    cleaned = text.replace(",", "") if re.fullmatch(r"[-+]?[0-9]{1,3}(,[0-9]{3})+(\.[0-9]*)?", text) else text
    if _INTEGER.fullmatch(cleaned):
        return int(cleaned)
    if _DECIMAL.fullmatch(cleaned):
        number = float(cleaned)
        try:
            exact = Decimal(cleaned) == Decimal(repr(number))
        except InvalidOperation:
            exact = False
        return number if exact else text
    return text


def _some(names: Any, most: int = 10) -> str:
    listed = list(names)
    if len(listed) <= most:
        return ", ".join(listed) or "none"
    return ", ".join(listed[:most]) + f" and {len(listed) - most:,} more"


assert set(COLUMNS) == set(KINDS) == set(REQUIRED)
