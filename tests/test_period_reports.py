"""The assessment period in every result and report (issue 15 item 1): the period judged, and which rule file and
version judged each element, in the JSON, the text, Markdown and HTML reports, the national views, the --summary
table and ``caa explain --trail``; a round mixing 2007/08 and 2008/09 areas lines its national view up by element.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from caa_engine import Engine, assess
from caa_engine.audit.explain import explain
from caa_engine.cli import cli
from caa_engine.report import render
from caa_engine.report.html import index_row, render_index

ROOT = Path(__file__).resolve().parent.parent
# Five themes at 3, 3, 2, 2, 2 and KLOE 4.3 scored 1: CPA's "three or more at 3" is not met, so 2, adequate.
CPA_KLOES = {"1.1": 3, "1.2": 3, "2.1": 3, "2.2": 3, "2.3": 4, "3.1": 2, "4.1": 2, "4.2": 2, "4.3": 1, "5.1": 2}
CPA_KLOES |= {"5.2": 3}


def cpa_bundle(period: str | None = "2007/08") -> dict[str, Any]:
    data: dict[str, Any] = {
        "area": {"id": "oldshire", "name": "Oldshire"},
        "bodies": [{"id": "old-cc", "name": "Oldshire County Council", "kind": "county", "lead": True}],
        "use_of_resources": {"assessments": [{"body": "old-cc", "kloes": dict(CPA_KLOES)}]},
    }
    if period is not None:
        data["period"] = period
    return data


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine(ROOT / "rules", "native")


@pytest.fixture
def _at_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


def test_the_result_names_the_period_judged_and_each_rule_set_the_periods_it_is_in_force_for(engine: Engine) -> None:
    old = json.loads(engine.assess(cpa_bundle()).to_json())
    assert old["period"] == "2007/08"
    assert old["rulesets"]["use_of_resources"]["file"].endswith("rules/use_of_resources_2007_08.yaml")
    assert old["rulesets"]["use_of_resources"] == {
        "element": "use_of_resources",
        "version": "2007.1",
        "file": old["rulesets"]["use_of_resources"]["file"],
        "periods": "2007/08",
        "sha256": old["rulesets"]["use_of_resources"]["sha256"],
    }
    assert old["rulesets"]["body_kinds"]["periods"] is None  # reference data, in force for every period
    assert list(old)[:3] == ["area", "period", "bodies"]
    new = engine.assess(ROOT / "fixtures" / "cheltenham.yaml")
    assert new.period == "2008/09" and new.rulesets["use_of_resources"]["periods"] == "2008/09 onwards"


def test_a_bundle_naming_no_period_is_said_to_be_for_the_period_whose_rules_judged_it(engine: Engine) -> None:
    assert engine.assess(cpa_bundle(None) | {"use_of_resources": {"assessments": []}}).period == "2008/09"


def test_under_rules_that_are_not_dated_the_result_gives_the_period_the_bundle_names(tmp_path: Path) -> None:
    folder = tmp_path / "rules"
    folder.mkdir()
    shutil.copy(ROOT / "tests" / "data" / "rules_cpa_five_themes" / "use_of_resources.yaml", folder)
    engine = Engine(folder, "native")
    assert engine.assess(cpa_bundle("1999/00")).period == "1999/00"
    section = cpa_bundle(None)
    section["use_of_resources"]["assessments"][0]["period"] = "2007/08"
    assert engine.assess(section).period == "2007/08"
    assert engine.assess(cpa_bundle(None)).period is None
    result = engine.assess(cpa_bundle(None))
    assert result.rulesets["use_of_resources"]["periods"] is None


@pytest.mark.usefixtures("_at_root")
def test_the_period_is_in_every_report_backend_by_backend(backend: str) -> None:
    result = Engine("rules", backend).assess(cpa_bundle())
    text = render([result], "text")
    assert text.splitlines()[1:3] == [
        "period 2007/08",
        "evidence <evidence> (sha256 " + result.evidence["sha256"][:12] + ")",
    ]
    assert "judged for 2007/08 by the rules" in text
    assert "use_of_resources 2007.1 (rules/use_of_resources_2007_08.yaml, 2007/08)" in " ".join(text.split())
    markdown = render([result], "markdown")
    assert "## Oldshire\n\nAssessment period: 2007/08.\n" in markdown
    assert "use\\_of\\_resources 2007.1 (rules/use\\_of\\_resources\\_2007\\_08.yaml, 2007/08)" in markdown
    html = render([result], "html")
    assert '<p class="from">Assessment period 2007/08</p>' in html
    assert '<tr><th scope="row">Period</th><td>2007/08</td></tr>' in html
    assert "use_of_resources 2007.1, in force for 2007/08" in html
    # The element chart's labels fit about 26 characters: 2007/08's long title is shown by the element's name.
    assert 'class="axis">Use of resources</text>' in html and 'class="axis">Use of resources (CPA' not in html
    assert json.loads(render([result], "json"))["period"] == "2007/08"


@pytest.mark.usefixtures("_at_root")
def test_explain_trail_says_which_period_and_which_rule_file_and_version_judged(engine: Engine) -> None:
    lines = explain(Engine("rules", "native").assess(cpa_bundle()), "use_of_resources", "old-cc").splitlines()
    assert (
        lines[0] == "Use of resources (CPA five-theme rule, 2007/08) for Oldshire County Council (old-cc): 2, adequate"
    )
    assert lines[1] == (
        "  judged for 2007/08 by use_of_resources 2007.1 (rules/use_of_resources_2007_08.yaml, in force for 2007/08)"
    )


@pytest.mark.usefixtures("_at_root")
def test_the_five_themes_text_table_shows_every_theme_within_the_width() -> None:
    # Regression: at 100 columns the fifth theme, value for money, was cut to "Valu" and its score lost.
    text = render([Engine("rules", "native").assess(cpa_bundle())], "text")
    table = text.split("theme score\n")[1].split("\n\n")[0].splitlines()
    assert table[0].split()[-2:] == ["Value", "for"] and table[1].split()[-1] == "money"
    assert table[3].split()[-5:] == ["3", "3", "2", "2", "2"]
    assert max(len(line) for line in text.splitlines()) <= 100


def _round(tmp_path: Path, *args: str) -> Any:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a-old.yaml").write_text(yaml.safe_dump(cpa_bundle()), encoding="utf-8")
    shutil.copy(ROOT / "fixtures" / "cheltenham.yaml", tmp_path / "in" / "b-cheltenham.yaml")
    return CliRunner().invoke(cli, ["assess", str(tmp_path / "in"), "--rules", str(ROOT / "rules"), *args])


def test_a_national_view_of_two_periods_lines_its_columns_up_by_element(tmp_path: Path) -> None:
    # Regression: the columns were the first area's elements, so a 2007/08 area first (use of resources alone)
    # left the 2008/09 areas' four scores under one heading.
    run = _round(tmp_path, "--format", "markdown", "--summary", str(tmp_path / "national.csv"), "--jobs", "1")
    assert run.exit_code == 0, run.output
    view = run.stdout.split("## National view\n\n")[1].splitlines()
    assert view[0] == (
        "| Area | Period | Overall | National Indicator Set | Direction of travel | Use of resources | "
        "Risk assessment | Red flags | Honourable failures | Green flags |"
    )
    assert view[2] == "| Oldshire | 2007/08 | not judged | not judged | not judged | 2 | not judged | 0 | 0 | 0 |"
    assert view[3] == "| Cheltenham | 2008/09 | 3 performing well | 3 | 2 | 3 | 3 | 0 | 0 | 0 |"
    rows = list(csv.DictReader(io.StringIO((tmp_path / "national.csv").read_text(encoding="utf-8"))))
    assert [(row["area"], row["body"], row["period"]) for row in rows] == [
        ("oldshire", "", "2007/08"),
        ("oldshire", "old-cc", "2007/08"),
        ("cheltenham", "", "2008/09"),
        ("cheltenham", "cheltenham-bc", "2008/09"),
    ]
    assert rows[1]["use_of_resources_score"] == "2" and rows[3]["use_of_resources_score"] == "3"


@pytest.mark.usefixtures("_at_root")
def test_the_html_national_index_has_a_period_column_and_a_column_per_element() -> None:
    rows = [
        index_row(Engine("rules", "native").assess(cpa_bundle()), "old.html"),
        index_row(assess("fixtures/cheltenham.yaml", backend="native"), "cheltenham.html"),
    ]
    page = render_index(rows)
    heads = page.split("<thead>")[1].split("</thead>")[0]
    assert heads.count("<th ") == 10 and '<th scope="col">Period</th>' in heads
    assert '<th scope="col">Use of resources</th>' in heads  # the two periods' titles differ: the element's name
    old_row = page.split('href="old.html"')[1].split("</tr>")[0]
    assert old_row.count('<span class="none">—</span>') == 3 and "<td>2007/08</td>" in old_row
