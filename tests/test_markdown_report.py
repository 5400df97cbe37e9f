"""The Markdown report (--format markdown): the HTML page's words, pasteable, and the national view for a folder."""

from __future__ import annotations

import glob
from pathlib import Path

import pytest
from click.testing import CliRunner

from caa_engine import assess
from caa_engine.cli import cli
from caa_engine.report import render
from caa_engine.report.markdown import text

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _at_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


def test_one_area_reads_its_headline_reasons_and_flags_in_words() -> None:
    report = render([assess("fixtures/calderbridge.yaml", backend="native")], "markdown")
    assert report.startswith(
        "# CAA assessment\n\n## Calderbridge\n\nAssessment period: 2008/09.\n\n**Overall: 1 out of 4, inadequate.**"
    )
    assert "_Not 2: needs 3 elements at 2 or more; it has 1._" in report
    assert "### Red flags" in report and "## National view" not in report  # one area: no national view
    assert "calderbridge-" not in report.split("### Red flags")[0]  # no fact ids in the reasons


def test_a_folder_closes_with_the_national_view_one_row_per_area_in_order() -> None:
    outcome = CliRunner().invoke(cli, ["assess", "fixtures", "--format", "markdown", "--backend", "native"])
    assert outcome.exit_code == 0
    view = outcome.stdout.split("## National view\n\n")[1].splitlines()
    names = [assess(p, backend="native").area["name"] for p in sorted(glob.glob("fixtures/*.yaml"))]
    assert view[0].startswith("| Area | Period | Overall | National Indicator Set |")
    assert [line.split(" | ")[0].lstrip("| ") for line in view[2:]] == names
    assert "| Leicestershire | 2008/09 | 4 performing strongly | 4 | 4 | 4 | 4 | 0 | 0 | 2 |" in view


def test_the_cli_round_gives_the_bytes_render_gives_with_any_number_of_jobs() -> None:
    results = [assess(p, backend="native") for p in sorted(glob.glob("fixtures/*.yaml"))]
    for jobs in ("1", "2"):
        args = ["assess", "fixtures", "--format", "markdown", "--backend", "native", "--jobs", jobs]
        assert CliRunner().invoke(cli, args).stdout == render(results, "markdown")


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("<script>alert(1)</script>", "\\<script\\>alert(1)\\</script\\>"),
        ("a | b", "a \\| b"),
        ("*not bold* and _not italic_", "\\*not bold\\* and \\_not italic\\_"),
        ("two\nlines", "two lines"),
        ("[a link](http://example.org)", "\\[a link\\](http://example.org)"),
    ],
)
def test_evidence_text_is_shown_as_text_never_as_markup(value: str, shown: str) -> None:
    assert text(value) == shown
