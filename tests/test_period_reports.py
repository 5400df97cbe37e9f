"""The assessment period in every result and report (issue 15 item 1): the period judged, and which rule file and
version judged each element, in the JSON, the text, Markdown and HTML reports, the national views, the --summary
table and ``caa explain --trail``; a round mixing 2007/08 and 2008/09 areas lines its national view up by element.
"""

from __future__ import annotations

import csv
import io
import json
import re
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
from caa_engine.report._page import national_columns
from caa_engine.report.html import index_row, render_index
from caa_engine.report.summary import render_summary, summary_rows

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
    # Regression: 2007/08's rules judge use of resources alone, yet its flags were counted 0 ("judged, none") and
    # its other elements 'not judged' as if the bundle lacked evidence: each says no rules were in force for it.
    unjudged = "not judged: no rules in force for 2007/08"
    assert (
        view[2]
        == f"| Oldshire | 2007/08 | {unjudged} | {unjudged} | {unjudged} | 2 | {unjudged} | "
        + " | ".join([unjudged] * 3)
        + " |"
    )
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
    # Regression: the flag cells said 0 and the overall 'not given', as if judged; nothing was for 2007/08.
    unjudged = '<span class="none">not judged: no rules in force for 2007/08</span>'
    assert old_row.count(unjudged) == 7 and "<td>2007/08</td>" in old_row
    assert '<td class="num">0</td>' not in old_row
    new_row = page.split('href="cheltenham.html"')[1].split("</tr>")[0]
    assert '<td class="num">0</td><td class="num">0</td><td class="num">0</td>' in new_row


# --- what a period's rules did not judge ------------------------------------------------------------------------
# Regression: 2007/08's rules judge use of resources alone, yet its reports said "Red flags (0)", counted 0 flags in
# the national views and the summary table ("judged, and none"), gave no reason for the missing overall score, and
# left out the other elements. Every report now says they were not judged because no rules for them were in force.

UNJUDGED = "not judged: no rules in force for 2007/08"
FLAGS_UNJUDGED = "not judged: no rule in force for 2007/08 raises a flag"


@pytest.mark.usefixtures("_at_root")
def test_the_html_page_of_a_2007_08_area_says_its_flags_and_other_elements_were_not_judged(backend: str) -> None:
    html = render([Engine("rules", backend).assess(cpa_bundle())], "html")
    assert f'<strong class="overall-text">Overall: {UNJUDGED}</strong>' in html
    flags = html.split('-flags">Flags</h3>')[1].split("<h3 ")[0]
    assert flags.strip() == '<p class="none">Not judged: no rule in force for 2007/08 raises a flag.</p>'
    for title in ("National Indicator Set", "Direction of travel", "Risk assessment"):
        assert f'<h4>{title}</h4>\n    <p class="none">Not judged: no rules in force for 2007/08.</p>' in html
    assert "(0)</h4>" not in html
    # Judged and none raised is still said as a count.
    judged = render([assess("fixtures/cheltenham.yaml", backend=backend)], "html")
    assert "<h4>Red flags (0)</h4>" in judged and "no rules in force" not in judged


@pytest.mark.usefixtures("_at_root")
def test_the_markdown_section_of_a_2007_08_area_says_what_was_not_judged(engine: Engine) -> None:
    markdown = render([Engine("rules", "native").assess(cpa_bundle())], "markdown")
    section = markdown.split("Assessment period: 2007/08.\n\n")[1].split("_Judged for")[0]
    lines = [line for line in section.splitlines() if line and not line.startswith("- **Oldshire County")]
    assert lines == [
        f"**Overall: {UNJUDGED}.**",
        "### Use of resources (CPA five-theme rule, 2007/08)",
        "### National Indicator Set",
        "Not judged: no rules in force for 2007/08.",
        "### Direction of travel",
        "Not judged: no rules in force for 2007/08.",
        "### Risk assessment",
        "Not judged: no rules in force for 2007/08.",
        "### Flags",
        "Not judged: no rule in force for 2007/08 raises a flag.",
    ]


@pytest.mark.usefixtures("_at_root")
def test_the_text_report_of_a_2007_08_area_lists_what_was_not_judged_and_does_not_say_flags_none() -> None:
    text = render([Engine("rules", "native").assess(cpa_bundle())], "text")
    lines = text.splitlines()
    assert "Flags: not judged: no rule in force for 2007/08 raises a flag" in lines and "Flags: none" not in lines
    table = text.split("Judgements\n")[1].split("\n\n")[0]
    for title in ("National Indicator Set", "Direction of travel", "Risk assessment", "Overall area view"):
        row = next(line for line in table.splitlines() if line.startswith(title))
        assert "  —   not judged: no rules in   —" in row
    assert table.count("force for 2007/08") == 4


def test_the_summary_table_says_a_2007_08_areas_flags_were_not_judged_in_every_format(tmp_path: Path) -> None:
    for suffix in (".csv", ".md", ".txt"):
        (tmp_path / suffix[1:]).mkdir()
        run = _round(tmp_path / suffix[1:], "--format", "json", "--summary", str(tmp_path / f"national{suffix}"))
        assert run.exit_code == 0, run.output
    rows = list(csv.DictReader(io.StringIO((tmp_path / "national.csv").read_text(encoding="utf-8"))))
    flags = ("red_flags", "green_flags", "honourable_failures")
    for row in rows[:2]:  # Oldshire and its council
        assert [row[name] for name in flags] == [FLAGS_UNJUDGED] * 3
    assert rows[0]["overall_label"] == UNJUDGED and rows[0]["risk_assessment_label"] == UNJUDGED
    assert rows[1]["direction_of_travel_label"] == UNJUDGED and rows[1]["use_of_resources_score"] == "2"
    for row in rows[2:]:  # Cheltenham, judged: counts, 0 when none were raised
        assert [row[name] for name in flags] == ["0", "0", "0"]
    markdown = (tmp_path / "national.md").read_text(encoding="utf-8").splitlines()
    assert markdown[2].startswith("| oldshire | Oldshire | 2007/08 |")
    assert markdown[2].endswith(f"| {FLAGS_UNJUDGED} | {FLAGS_UNJUDGED} | {FLAGS_UNJUDGED} |")
    assert markdown[4].endswith("| 0 | 0 | 0 |")
    text = (tmp_path / "national.txt").read_text(encoding="utf-8").splitlines()
    assert text[1].endswith(f"{FLAGS_UNJUDGED}  {FLAGS_UNJUDGED}  {FLAGS_UNJUDGED}")


def test_what_was_not_judged_is_said_by_the_reports_only_and_the_result_json_is_unchanged(engine: Engine) -> None:
    from caa_engine import Result

    result = engine.assess(cpa_bundle())
    assert not result.flags_judged
    assert [u.element for u in result.not_in_force] == [
        "indicator_set",
        "direction_of_travel",
        "risk_assessment",
        "overall",
    ]
    text = result.to_json()
    assert "not judged" not in text and "not_in_force" not in text
    assert set(json.loads(text)) == set(json.loads(engine.assess(ROOT / "fixtures" / "cheltenham.yaml").to_json()))
    # Read back from JSON, a result does not say what was not judged: its reports count flags as before.
    again = Result.model_validate_json(text)
    assert again.flags_judged and again.not_in_force == ()


def test_a_missing_overall_score_is_not_judged_in_every_report_with_the_overall_rules_reason_where_there_is_room(
    tmp_path: Path,
) -> None:
    # Regression: the same missing overall score was 'not given' on the HTML index, 'not judged' in Markdown and
    # 'No overall score' on the HTML page; and the page listed the overall view as an element whose bundle "holds
    # no evidence for it", which also gave the national view an 'Overall area view' column beside 'Overall'.
    from element_bundles import bundle, kloes_for

    result = assess(bundle(kloes={"testshire-cc": kloes_for(3)}), backend="native")
    [note] = [n.text for n in result.notes if n.kind == "overall_not_given"]
    html = render([result], "html")
    assert f'<strong class="overall-text">Overall: not judged: {note}</strong>'.replace("'", "&#39;") in html
    assert "<h4>Overall area view</h4>" not in html
    markdown = render([result], "markdown")
    assert f"**Overall: not judged: {note}.**" in markdown.replace("\\", "")
    assert "### Overall area view" not in markdown
    text = render([result], "text")
    assert re.search(r"^Overall area view\s+\(area\)\s+—\s+not judged\s+—$", text, re.M)
    row = index_row(result, "t.html")
    assert (row.overall, row.overall_label) == (None, "not judged")
    assert [name for name, _ in national_columns([row])] == [
        "indicator_set",
        "direction_of_travel",
        "use_of_resources",
        "risk_assessment",
    ]
    cell = render_index([row]).split('href="t.html"')[1].split("</td>")[1]
    assert cell.endswith('<span class="none">not judged</span>')
    summary = render_summary(summary_rows(result), ".csv")
    assert list(csv.DictReader(io.StringIO(summary)))[0]["overall_label"] == "not judged"
