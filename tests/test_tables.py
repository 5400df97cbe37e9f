"""Evidence from tables (CSV files and workbooks): bundles that judge as the shipped ones do, errors at their cells."""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from click.testing import CliRunner

from caa_engine import Engine, EvidenceError, Result
from caa_engine.cli import cli
from caa_engine.tables import bundle_text, import_tables

ROOT = Path(__file__).resolve().parent.parent
TABLES = sorted((ROOT / "fixtures" / "tables").glob("*.csv"))
AREAS = "area,area_name,tier,body,body_name,kind,lead\n" + (
    "exampleshire,Exampleshire,two,exampleshire-cc,Exampleshire County Council,county,true\n"
    "exampleshire,Exampleshire,two,northtown-dc,Northtown District Council,district,\n"
)


def tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location("tables_from_bundles", ROOT / "tools" / "tables_from_bundles.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine(ROOT / "rules", "native")


def judged(result: Result) -> dict[str, Any]:
    """Everything a result says about the area, without where its evidence came from (file and line differ)."""
    data = json.loads(result.to_json())
    out = {key: data[key] for key in ("area", "bodies", "elements", "overall", "flags", "notes", "rulesets")}
    out["findings"] = {
        kind: {subject: {name: (f["value"], f["by"]) for name, f in found.items()} for subject, found in ids.items()}
        for kind, ids in data["findings"].items()
    }
    out["audit"] = [
        (e["id"], e.get("subject"), e.get("effect"), e.get("status"), [(i["name"], i["value"]) for i in e["inputs"]])
        for e in data["audit"]
    ]
    return out


def issues_of(tables: list[Path], rules: Path = ROOT / "rules") -> list[str]:
    with pytest.raises(EvidenceError) as caught:
        import_tables(tables, rules)
    return [issue.render() for issue in caught.value.issues]


def write(folder: Path, **tables: str) -> list[Path]:
    paths = []
    for kind, text in tables.items():
        (folder / f"{kind}.csv").write_text(text, encoding="utf-8")
        paths.append(folder / f"{kind}.csv")
    return paths


# --- the shipped areas as tables ------------------------------------------------------------------------------


def test_the_shipped_tables_are_the_shipped_bundles_written_out() -> None:
    assert tool().main(["--check"]) == 0


def test_the_shipped_areas_imported_from_csv_judge_exactly_as_the_shipped_bundles(engine: Engine) -> None:
    areas = import_tables(TABLES, ROOT / "rules")
    assert [a.area for a in areas] == sorted(p.stem for p in (ROOT / "fixtures").glob("*.yaml"))
    for area in areas:
        assert judged(engine.assess(area.data)) == judged(engine.assess(ROOT / "fixtures" / f"{area.area}.yaml"))


def test_the_shipped_areas_imported_from_a_workbook_judge_exactly_as_the_shipped_bundles(
    engine: Engine, tmp_path: Path
) -> None:
    book = tmp_path / "evidence.xlsx"
    tool().write_workbook({p.stem: p.read_text(encoding="utf-8") for p in TABLES}, book)
    areas = import_tables([book], ROOT / "rules")
    assert len(areas) == 8
    for area in areas:
        assert judged(engine.assess(area.data)) == judged(engine.assess(ROOT / "fixtures" / f"{area.area}.yaml"))


def test_caa_import_writes_one_bundle_per_area_that_caa_assess_judges_as_the_shipped_one(
    engine: Engine, tmp_path: Path
) -> None:
    outcome = CliRunner().invoke(cli, ["import", *map(str, TABLES), "--out-dir", str(tmp_path / "bundles")])
    assert (outcome.exit_code, outcome.stdout, outcome.stderr) == (
        0,
        "",
        f"caa: 8 areas imported into {tmp_path / 'bundles'}\n",
    )
    written = sorted(p.name for p in (tmp_path / "bundles").iterdir())
    assert written == sorted(f"{p.stem}.yaml" for p in (ROOT / "fixtures").glob("*.yaml"))
    imported = engine.assess(tmp_path / "bundles" / "wealdshire.yaml")
    assert judged(imported) == judged(engine.assess(ROOT / "fixtures" / "wealdshire.yaml"))
    as_json = CliRunner().invoke(
        cli, ["import", *map(str, TABLES), "--out-dir", str(tmp_path / "j"), "--format", "json"]
    )
    assert as_json.exit_code == 0
    assert json.loads((tmp_path / "j" / "cheltenham.json").read_text(encoding="utf-8"))["area"]["id"] == "cheltenham"


# --- broken tables: each problem at its cell, with the code and hint a bundle gets ---------------------------


def test_a_missing_column_is_named_at_the_header_row(tmp_path: Path) -> None:
    paths = write(tmp_path, areas=AREAS, kloes="body,period,kloe\nexampleshire-cc,2008/09,1.1\n")
    assert issues_of(paths) == [
        f"{tmp_path}/kloes.csv:1: missing-column: a kloes table needs the column 'score'\n"
        "    hint: required: body, kloe, score; the header row names the columns"
    ]


def test_an_unknown_column_is_refused_with_a_did_you_mean(tmp_path: Path) -> None:
    paths = write(tmp_path, areas=AREAS, milestones="body,title,deliverd\nnorthtown-dc,Checklist adopted,true\n")
    assert issues_of(paths)[0] == (
        f"{tmp_path}/milestones.csv:1:deliverd: unknown-column: a milestones table has no column 'deliverd' — did "
        "you mean 'delivered'?\n    hint: columns of a milestones table: area, body, title, delivered"
    )


def test_an_unknown_indicator_code_is_refused_at_its_cell(tmp_path: Path) -> None:
    paths = write(
        tmp_path, areas=AREAS, indicators="body,indicator,value\nexampleshire-cc,NI 192,47\nexampleshire-cc,NI 999,3\n"
    )
    assert issues_of(paths) == [
        f"{tmp_path}/indicators.csv:3:indicator: unknown-indicator: indicator 'NI 999' is not in the catalogue\n"
        "    hint: give its polarity in the bundle, or add it to the catalogue (rules/indicators.yaml:17)"
    ]


def test_a_kloe_scored_5_is_refused_at_its_cell(tmp_path: Path) -> None:
    paths = write(
        tmp_path,
        areas=AREAS,
        kloes="body,period,kloe,score\nexampleshire-cc,2008/09,1.1,4\nexampleshire-cc,2008/09,1.2,5\n",
    )
    assert issues_of(paths) == [
        f"{tmp_path}/kloes.csv:3:score: invalid-value: assessment of 'exampleshire-cc', KLOE '1.2' must be at most 4, "
        "not 5\n    hint: kloes: score 1-4 per assessed key line of enquiry, e.g. '1.1': 3; leave out unassessed KLOEs"
    ]


def test_regression_a_2007_08_table_is_checked_against_the_rules_in_force_for_2007_08(
    tmp_path: Path, engine: Engine
) -> None:
    # Every imported bundle was checked against the current (2008/09) rules: the CPA-era KLOEs 4.1 and 5.2 were
    # refused as 'not in the catalogue', and a period no rules cover, or an indicator set for another period than
    # the KLOEs, was written without a word, to be refused by caa assess.
    kloes = "body,period,kloe,score\nexampleshire-cc,2007/08,1.1,3\nexampleshire-cc,2007/08,4.1,3\n"
    (area,) = import_tables(write(tmp_path, areas=AREAS, kloes=kloes + "exampleshire-cc,2007/08,5.2,2\n"))
    assert engine.assess(area.data).period == "2007/08"
    assert issues_of(write(tmp_path, areas=AREAS, kloes=kloes.replace("2007/08", "2005/06"))) == [
        f"{tmp_path}/kloes.csv:2:period: no-rules-for-period: no rule set is in force for 2005/06: the rules cover "
        "2007/08 onwards\n    hint: check the period; rules for another period are rule files dated with "
        "'periods:' (docs/rules.md)"
    ]
    indicators = "body,indicator,period,value\nexampleshire-cc,NI 192,2008/09,47\n"
    assert [
        issue.split("\n")[0] for issue in issues_of(write(tmp_path, areas=AREAS, kloes=kloes, indicators=indicators))
    ] == [
        f"{tmp_path}/indicators.csv:2:period: period-mismatch: the indicator set is for 2008/09, but the assessment "
        "of 'exampleshire-cc' is for 2007/08"
    ]


def test_a_kloe_scored_5_in_a_workbook_is_named_by_sheet_and_cell(tmp_path: Path) -> None:
    book = tmp_path / "evidence.xlsx"
    kloes = "body,period,kloe,score\nexampleshire-cc,2008/09,1.1,4\nexampleshire-cc,2008/09,1.2,5\n"
    tool().write_workbook({"areas": AREAS, "kloe": kloes}, book)
    assert [line.split("\n")[0] for line in issues_of([book])] == [
        f"{book}[kloe]!D3: invalid-value: assessment of 'exampleshire-cc', KLOE '1.2' must be at most 4, not 5"
    ]


def test_a_body_that_is_not_in_the_areas_table_is_refused_with_a_did_you_mean(tmp_path: Path) -> None:
    paths = write(tmp_path, areas=AREAS, kloes="body,kloe,score\nnorthtown-d,1.1,3\n")
    assert issues_of(paths) == [
        f"{tmp_path}/kloes.csv:2:body: unknown-body: body 'northtown-d' is not listed in the areas table — did you "
        "mean 'northtown-dc'?\n    hint: use the id of a body listed in the areas table (exampleshire-cc, "
        "northtown-dc), or add a row for it"
    ]


def test_text_where_a_number_belongs_is_refused_at_its_cell(tmp_path: Path) -> None:
    paths = write(tmp_path, areas=AREAS, indicators="body,indicator,value,target\nexampleshire-cc,NI 117,6.3,six\n")
    assert issues_of(paths) == [
        f"{tmp_path}/indicators.csv:2:target: wrong-type: indicator_set.indicators item 1.target must be a number, "
        "not the text 'six'\n    hint: write a number such as 0.75, without quotes — target: the Local Area "
        "Agreement target, if it has one"
    ]


def test_a_duplicate_row_is_refused_at_the_second_naming_the_first(tmp_path: Path) -> None:
    indicators = "body,indicator,value\nexampleshire-cc,NI 192,47\nexampleshire-cc,NI 192,46\n"
    kloes = "body,kloe,score\nnorthtown-dc,1.1,3\nnorthtown-dc,1.1,2\n"
    paths = write(tmp_path, areas=AREAS, indicators=indicators, kloes=kloes)
    assert issues_of(paths) == [
        f"{tmp_path}/indicators.csv:3:indicator: duplicate-indicator: indicator 'NI 192' for body 'exampleshire-cc' "
        "is given twice (the first at row 2)\n    hint: give each one once",
        f"{tmp_path}/kloes.csv:3:kloe: duplicate-kloe: KLOE '1.1' for body 'northtown-dc' is given twice (the first "
        "at row 2)\n    hint: give each KLOE's score once per body",
    ]


def test_every_problem_of_every_table_is_reported_together_and_nothing_is_written(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "fixtures" / "tables", tmp_path / "tables")
    kloes = tmp_path / "tables" / "kloes.csv"
    kloes.write_text(
        kloes.read_text(encoding="utf-8").replace("ashcombe-lb,2008/09,1.1,3", "ashcombe-lb,2008/09,1.1,5"),
        encoding="utf-8",
    )
    outcome = CliRunner().invoke(
        cli, ["import", *map(str, sorted((tmp_path / "tables").glob("*.csv"))), "--out-dir", str(tmp_path / "out")]
    )
    assert outcome.exit_code == 2
    assert outcome.stderr.splitlines()[:2] == [
        "1 evidence error occurred:",
        f"{kloes}:2:score: invalid-value: assessment of 'ashcombe-lb', KLOE '1.1' must be at most 4, not 5",
    ]
    assert not (tmp_path / "out").exists()


# --- the worked example in docs/evidence.md ---------------------------------------------------------------------


def test_the_worked_example_in_the_evidence_docs_imports_to_the_bundle_it_shows(tmp_path: Path) -> None:
    doc = (ROOT / "docs" / "evidence.md").read_text(encoding="utf-8")
    section = doc[doc.index("## Evidence from tables") : doc.index("## Validation errors")]
    tables = re.findall(r"<!-- table: (\S+) -->\n```csv\n(.*?)```", section, re.S)
    assert [name for name, _ in tables] == ["areas.csv", "indicators.csv", "kloes.csv", "risks.csv"]
    for name, text in tables:
        (tmp_path / name).write_text(text, encoding="utf-8")
    ((name, shown),) = re.findall(r"<!-- imported: (\S+) -->\n```yaml\n(.*?)```", section, re.S)
    (area,) = import_tables(sorted(tmp_path.glob("*.csv")), ROOT / "rules")
    assert (f"{area.area}.yaml", bundle_text(area)) == (name, shown)
    assert Engine(ROOT / "rules", "native").assess(area.data).elements["use_of_resources"].bodies["northtown-dc"].score
    # and the error it shows, for a KLOE scored 5
    (tmp_path / "kloes.csv").write_text(dict(tables)["kloes.csv"].replace("2.4,1", "2.4,5"), encoding="utf-8")
    (error,) = re.findall(r"```text\n(1 evidence error occurred:\n.*?)```", section, re.S)
    assert [
        f"1 evidence error occurred:\n{line}\n" for line in issues_of([tmp_path / "kloes.csv", tmp_path / "areas.csv"])
    ] == [error.replace("kloes.csv:3", f"{tmp_path}/kloes.csv:3")]
