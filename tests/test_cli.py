"""The ``caa`` command as a user meets it: reports on stdout, every problem on stderr, exit codes, no tracebacks."""

from __future__ import annotations

import csv
import json
import re
import shutil
import subprocess
import sys
import warnings
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

import caa_engine.backends.durable as durable_module
import caa_engine.cli as cli_module
from caa_engine import assess, load_rules
from caa_engine.cli import cli

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = sorted(
    p.relative_to(ROOT) for p in (ROOT / "fixtures").iterdir() if p.is_file() and p.suffix in (".yaml", ".yml", ".json")
)
CHELTENHAM = "fixtures/cheltenham.yaml"
UOR_ONLY = "tests/data/use_of_resources_only"  # one element, so a table's rows can be checked whole
MARKUP = "tests/data/markup_area/bundle.yaml"
ISSUE_LINE = re.compile(r"^\S+:\d+:\d+: [a-z][a-z-]*: .+")


def caa(*args: str) -> Result:
    """Run ``caa`` in-process; any exception other than a deliberate exit is a test failure."""
    outcome = CliRunner().invoke(cli, list(args))
    if outcome.exception is not None and not isinstance(outcome.exception, SystemExit):
        raise outcome.exception
    return outcome


def issue_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if ISSUE_LINE.match(line)]


# --- assess: text -------------------------------------------------------------------------------------------------


def test_assess_prints_a_table_row_per_body_with_score_label_and_deciding_rule(backend: str) -> None:
    outcome = caa("assess", CHELTENHAM, "--rules", UOR_ONLY, "--backend", backend)
    assert outcome.exit_code == 0, outcome.stderr
    text = outcome.stdout
    assert text.startswith("Cheltenham (cheltenham) ═")
    assert re.search(
        r"^Use of resources\s+Cheltenham Borough Council\s+3\s+performing well\s+uor_performing_well$", text, re.M
    )
    assert re.search(r"^\s+\(cheltenham-bc\)$", text, re.M)
    assert re.search(r"^Body\s+Governing the business\s+Managing finances\s+Managing resources$", text, re.M)
    assert re.search(r"^Cheltenham Borough Council\s+2\s+3\s+3$", text, re.M)
    # Rules of use of resources alone raise no flags: the flags were not judged, which 'none' would hide.
    assert "Flags: not judged: no rule in force for 2008/09 raises a flag" in text and "Notes: none" in text
    assert text.rstrip().endswith(f"{backend} backend")
    assert outcome.stderr == ""


def test_text_report_has_no_colour_codes_and_a_stable_width_when_not_a_terminal() -> None:
    first = caa("assess", "fixtures").stdout
    assert "\x1b" not in first
    assert max(len(line) for line in first.splitlines()) == 100
    assert all(line == line.rstrip() for line in first.splitlines())
    assert caa("assess", "fixtures").stdout == first


def test_text_report_lists_notes_with_their_subject_kind_rule_and_text() -> None:
    text = caa("assess", "fixtures/nottingham.yaml", "--rules", UOR_ONLY, "--backend", "native").stdout
    assert "Notes (3)" in text
    assert re.search(r"^nottingham-cc/kloe/2\.1\s+reassess_next_year  \(rule uor_reassess_next_year\)$", text, re.M)
    assert re.search(r"^\s+KLOE 2\.1 \(Commissioning and procurement\) scored 1: reassess next year$", text, re.M)


def test_text_report_colours_only_when_asked() -> None:
    from caa_engine.report import render_text

    result = assess(CHELTENHAM, backend="native")
    assert "\x1b[" in render_text([result], colour=True)
    assert "\x1b[" not in render_text([result], colour=False)


def test_text_report_shows_rich_markup_in_the_evidence_as_plain_text() -> None:
    text = caa("assess", MARKUP, "--backend", "native").stdout
    assert text.startswith("<script>alert('caa')</script> & [bold]Co[/bold] (markup)")


def test_assessing_the_fixtures_folder_reports_every_area_in_file_order() -> None:
    outcome = caa("assess", "fixtures")
    assert outcome.exit_code == 0, outcome.stderr
    names = [assess(path).area["name"] for path in FIXTURES]
    headings = [line.split(" (")[0] for line in outcome.stdout.splitlines() if line.endswith("═")]
    assert headings == names
    assert len(names) >= 4


# --- assess: json ---------------------------------------------------------------------------------------------------


def test_json_for_one_bundle_is_exactly_the_results_canonical_json(backend: str) -> None:
    outcome = caa("assess", CHELTENHAM, "--format", "json", "--backend", backend)
    assert outcome.exit_code == 0
    assert outcome.stdout == assess(CHELTENHAM, backend=backend).to_json()


def test_json_for_a_folder_is_an_array_of_results_in_path_order(backend: str) -> None:
    outcome = caa("assess", "fixtures", "--format", "json", "--backend", backend)
    assert outcome.exit_code == 0, outcome.stderr
    array = json.loads(outcome.stdout)
    assert array == [json.loads(assess(path, backend=backend).to_json()) for path in FIXTURES]
    assert [item["evidence"]["file"] for item in array] == [str(path) for path in FIXTURES]


def test_json_output_is_byte_identical_on_every_backend(backend: str) -> None:
    ours = caa("assess", "fixtures", CHELTENHAM, "--format", "json", "--backend", backend).stdout
    native = caa("assess", "fixtures", CHELTENHAM, "--format", "json", "--backend", "native").stdout
    assert ours == native
    assert len(json.loads(ours)) == len(FIXTURES)  # cheltenham named twice is assessed once


# --- assess: html ---------------------------------------------------------------------------------------------------


class _TagBalance(HTMLParser):
    VOID = {"meta", "br", "hr", "img", "input", "link"}

    def __init__(self) -> None:
        super().__init__()
        self.open: list[str] = []
        self.problems: list[str] = []
        self.tags: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        if tag not in self.VOID:
            self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.open or self.open[-1] != tag:
            self.problems.append(f"</{tag}> closes <{self.open[-1] if self.open else '-'}>")
        else:
            self.open.pop()


def test_html_report_is_one_well_formed_page_with_no_external_assets_or_scripts() -> None:
    outcome = caa("assess", "fixtures", "--format", "html")
    assert outcome.exit_code == 0, outcome.stderr
    page = outcome.stdout
    parser = _TagBalance()
    parser.feed(page)
    assert parser.problems == [] and parser.open == []
    assert "script" not in parser.tags and "link" not in parser.tags and "img" not in parser.tags
    assert "http://" not in page and "https://" not in page and "<style>" in page
    for path in FIXTURES:
        assert f"<code>{path}</code>" in page


def test_html_report_escapes_markup_in_the_evidence() -> None:
    page = caa("assess", MARKUP, "--format", "html").stdout
    assert "&lt;script&gt;alert(&#39;caa&#39;)&lt;/script&gt; &amp; [bold]Co[/bold]" in page
    assert "<script" not in page


def test_reports_show_each_flag_with_its_subject_kind_reason_and_rule() -> None:
    from caa_engine import FlagResult
    from caa_engine.report import render_html, render_text

    result = assess(CHELTENHAM, backend="native")
    flagged = result.model_copy(
        update={
            "flags": [
                FlagResult(
                    kind="red_flag",
                    subject="cheltenham/outcome/nti",
                    rule="ra_unmanaged_failure",
                    reason="Outcome 'NEET < 5%' failed with no action in place",
                    body=None,
                )
            ]
        }
    )
    text = render_text([flagged])
    assert "Flags (1)" in text
    assert re.search(r"^cheltenham/outcome/nti\s+red_flag  \(rule ra_unmanaged_failure\)$", text, re.M)
    assert re.search(r"^\s+Outcome 'NEET < 5%' failed with no action in place$", text, re.M)
    page = render_html([flagged])
    # An uncoloured flag that is not an honourable failure is listed with the honourable failures' group (no colour).
    assert (
        '<span class="flag-reason">Red flag: Outcome &#39;NEET &lt; 5%&#39; failed with no action in place.</span>'
        in page
    )
    assert "<code>ra_unmanaged_failure</code>" in page


# --- assess: --out ----------------------------------------------------------------------------------------------


def test_out_writes_the_report_to_a_file_and_nothing_to_stdout(tmp_path: Path) -> None:
    target = tmp_path / "cheltenham.json"
    outcome = caa("assess", CHELTENHAM, "--format", "json", "--backend", "native", "--out", str(target))
    assert outcome.exit_code == 0
    assert outcome.stdout == ""
    assert target.read_text(encoding="utf-8") == assess(CHELTENHAM, backend="native").to_json()


def test_out_into_a_missing_folder_exits_2_with_a_message(tmp_path: Path) -> None:
    outcome = caa("assess", CHELTENHAM, "--backend", "native", "--out", str(tmp_path / "missing" / "report.txt"))
    assert outcome.exit_code == 2
    assert outcome.stderr.startswith("caa: error: cannot write")


# --- assess: bad input ----------------------------------------------------------------------------------------


def test_a_missing_path_exits_2_with_a_located_message_and_no_output() -> None:
    outcome = caa("assess", "fixtures/nowhere.yaml", "--backend", "native")
    assert outcome.exit_code == 2
    assert outcome.stdout == ""
    assert outcome.stderr.splitlines()[:2] == [
        "1 evidence error occurred:",
        "fixtures/nowhere.yaml: no-such-path: no file or folder 'fixtures/nowhere.yaml'",
    ]


def test_a_folder_with_no_bundles_exits_2(tmp_path: Path) -> None:
    outcome = caa("assess", str(tmp_path), "--backend", "native")
    assert outcome.exit_code == 2
    assert f"{tmp_path}: no-bundles: no evidence bundles (*.yaml, *.yml, *.json) in folder" in outcome.stderr


def test_every_invalid_bundle_is_reported_and_every_good_one_still_judged(tmp_path: Path) -> None:
    shutil.copy(ROOT / CHELTENHAM, tmp_path / "a_good.yaml")
    (tmp_path / "b_unknown_key.yaml").write_text(
        "area:\n  id: x\n  name: X\n  nmae: Y\nbodies:\n  - {id: a, name: A, kind: county}\n", encoding="utf-8"
    )
    valid = (ROOT / CHELTENHAM).read_text(encoding="utf-8")
    (tmp_path / "c_bad_score.yaml").write_text(valid.replace('"1.1": 3', '"1.1": 7'), encoding="utf-8")
    bad_line = valid[: valid.index('"1.1": 3')].count("\n") + 1
    (tmp_path / "d_not_utf8.yaml").write_bytes(b"area: \xff\xfe\n")
    outcome = caa("assess", str(tmp_path), "--format", "json", "--backend", "native")
    assert outcome.exit_code == 2
    (judged,) = json.loads(outcome.stdout)
    assert judged["evidence"]["file"] == f"{tmp_path}/a_good.yaml"
    assert [line for line in outcome.stderr.splitlines() if line.endswith("occurred:")] == [
        "1 evidence error occurred:"
    ] * 3
    assert [line.split(": ")[:2] for line in issue_lines(outcome.stderr)] == [
        [f"{tmp_path}/b_unknown_key.yaml:4:3", "unknown-key"],
        [f"{tmp_path}/c_bad_score.yaml:{bad_line}:16", "invalid-value"],
    ]
    assert f"{tmp_path}/d_not_utf8.yaml: unreadable-file: " in outcome.stderr
    assert outcome.stderr.splitlines()[-1] == "caa: 1 area judged, 3 refused"
    assert "Traceback" not in outcome.stderr


def test_fail_fast_stops_at_the_first_invalid_bundle_and_writes_nothing(tmp_path: Path) -> None:
    shutil.copy(ROOT / CHELTENHAM, tmp_path / "a_good.yaml")
    valid = (ROOT / CHELTENHAM).read_text(encoding="utf-8")
    (tmp_path / "b_bad.yaml").write_text(valid.replace('"1.1": 3', '"1.1": 7'), encoding="utf-8")
    (tmp_path / "c_bad.yaml").write_text(valid.replace('"1.1": 3', '"1.1": 0'), encoding="utf-8")
    target = tmp_path / "r.json"
    outcome = caa(
        "assess",
        str(tmp_path),
        "--format",
        "json",
        "--out",
        str(target),
        "--fail-fast",
        "--jobs",
        "1",
        "--backend",
        "native",  # named, so that on Python 3.13 no note about durable-rules comes first
    )
    assert outcome.exit_code == 2 and outcome.stdout == "" and not target.exists()
    assert outcome.stderr.startswith("1 evidence error occurred:\n" + f"{tmp_path}/b_bad.yaml:")
    assert "c_bad.yaml" not in outcome.stderr


def test_a_round_of_20_areas_with_two_broken_writes_18_results_two_reports_and_a_summary_of_18(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "national"
    folder.mkdir()
    valid = (ROOT / CHELTENHAM).read_text(encoding="utf-8")
    for number in range(1, 21):
        text = valid.replace("cheltenham", f"area{number:02d}")
        if number in (7, 13):
            text = text.replace('"1.1": 3', '"1.1": 5')
        (folder / f"area{number:02d}.yaml").write_text(text, encoding="utf-8")
    line = valid[: valid.index('"1.1": 3')].count("\n") + 1
    out, summary = tmp_path / "r.json", tmp_path / "national.csv"
    outcome = caa(
        "assess", str(folder), "--format", "json", "--out", str(out), "--summary", str(summary), "--jobs", "2"
    )
    assert outcome.exit_code == 2
    assert len(json.loads(out.read_text(encoding="utf-8"))) == 18
    assert issue_lines(outcome.stderr) == [
        f"{folder}/area{n}.yaml:{line}:16: invalid-value: assessment of 'area{n}-bc', KLOE '1.1' must be at most 4, "
        "not 5"
        for n in ("07", "13")
    ]
    assert outcome.stderr.splitlines()[-1] == f"caa: 18 areas judged and written to {out}, 2 refused"
    rows = list(csv.DictReader(summary.open(encoding="utf-8")))
    assert len({row["area"] for row in rows}) == 18 and "area07" not in {row["area"] for row in rows}
    area, body = rows[0], rows[1]
    expected = assess(CHELTENHAM, backend="native")
    assert (area["area"], area["body"], area["overall_score"], area["overall_label"]) == (
        "area01",
        "",
        str(expected.overall["score"]),
        expected.overall["label"],
    )
    uor = expected.elements["use_of_resources"].bodies["cheltenham-bc"]
    assert (body["body"], body["use_of_resources_score"], body["use_of_resources_rule"]) == (
        "area01-bc",
        str(uor.score),
        uor.rule,
    )
    assert set(area) >= {"red_flags", "green_flags", "honourable_failures", "overall_cap", "risk_assessment_rule"}


def test_an_unknown_backend_is_a_usage_error() -> None:
    outcome = caa("assess", CHELTENHAM, "--backend", "drools")
    assert outcome.exit_code == 2
    assert "Invalid value for '--backend': 'drools' is not one of 'durable', 'native'." in outcome.stderr
    assert outcome.stdout == ""


def test_choosing_durable_where_it_cannot_import_exits_2_without_a_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(durable_module, "_IMPORT_ERROR", "ImportError: undefined symbol: PyEval_CallObject")
    outcome = caa("assess", CHELTENHAM, "--backend", "durable")
    assert outcome.exit_code == 2
    assert outcome.stderr.startswith("caa: error: the durable backend is not available here")


def test_without_durable_rules_the_native_backend_is_announced_once_and_cleanly(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(cli_module, "default_backend_name", lambda: "native")
    monkeypatch.setattr(
        cli_module,
        "durable_import_error",
        lambda: (
            "ImportError: /venv/lib/durable_rules_engine.cpython-313-x86_64-linux-gnu.so: undefined symbol: PyEval_CallObject"
        ),
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        outcome = caa("assess", "fixtures")
    assert outcome.exit_code == 0
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    assert outcome.stderr == (
        f"note: durable-rules is not available on Python {version} "
        "(undefined symbol: PyEval_CallObject); using the native backend\n"
    )
    assert [w for w in caught if issubclass(w.category, RuntimeWarning)] == []
    assert " ".join(outcome.stdout.split()).endswith("native backend")  # the provenance line may wrap


def test_a_chosen_backend_is_never_announced(backend: str) -> None:
    assert caa("assess", CHELTENHAM, "--backend", backend).stderr == ""


# --- check ------------------------------------------------------------------------------------------------------


def test_check_summarises_valid_rules() -> None:
    plan = load_rules("rules")
    outcome = caa("check", "rules/")
    assert outcome.exit_code == 0
    plural = {1: ""}
    assert outcome.stdout.splitlines()[0] == (  # then, for dated rules, each element's periods (test_periods.py)
        f"rules: OK, {len(plan.rulesets)} rule set{plural.get(len(plan.rulesets), 's')}, "
        f"{len(plan.rules)} rule{plural.get(len(plan.rules), 's')}, "
        f"{len(plan.measures)} measure{plural.get(len(plan.measures), 's')}"
    )
    assert caa("check").stdout == outcome.stdout


def _broken_rules(tmp_path: Path) -> Path:
    """A copy of rules/ with a misspelt key in the shipped file and a second file that is not YAML."""
    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules)
    target = rules / "use_of_resources.yaml"
    text = target.read_text(encoding="utf-8")
    assert "    per: body\n    priority: 1\n" in text
    target.write_text(
        text.replace("    per: body\n    priority: 1\n", "    per: body\n    prority: 1\n"), encoding="utf-8"
    )
    (rules / "zz_broken.yaml").write_text("ruleset: broken\nrules: [\n", encoding="utf-8")
    return rules


def test_check_on_broken_rules_exits_2_with_every_problem_located(tmp_path: Path) -> None:
    outcome = caa("check", str(_broken_rules(tmp_path)))
    assert outcome.exit_code == 2
    assert outcome.stdout == ""
    assert "Traceback" not in outcome.stderr
    assert outcome.stderr.splitlines()[0] == "2 rule errors occurred:"
    lines = issue_lines(outcome.stderr)
    assert [line.split(": ")[:2] for line in lines] == [
        [f"{tmp_path}/rules/use_of_resources.yaml:{_line_of(tmp_path, 'prority')}:5", "unknown-key"],
        [f"{tmp_path}/rules/zz_broken.yaml:3:1", "yaml-syntax"],
    ]
    assert "did you mean 'priority'?" in lines[0]


def _line_of(tmp_path: Path, word: str) -> int:
    text = (tmp_path / "rules" / "use_of_resources.yaml").read_text(encoding="utf-8")
    return next(number for number, line in enumerate(text.splitlines(), start=1) if word in line)


def test_assess_with_broken_rules_exits_2_and_reports_them_before_any_evidence(tmp_path: Path) -> None:
    outcome = caa("assess", CHELTENHAM, "fixtures/nowhere.yaml", "--rules", str(_broken_rules(tmp_path)))
    assert outcome.exit_code == 2
    assert outcome.stdout == ""
    assert issue_lines(outcome.stderr)
    assert "fixtures/nowhere.yaml: no-such-path:" in outcome.stderr


def test_check_on_a_missing_folder_exits_2() -> None:
    outcome = caa("check", "no-such-rules")
    assert outcome.exit_code == 2
    assert outcome.stderr.splitlines()[1] == "no-such-rules: no-rules: rules folder 'no-such-rules' does not exist"


# --- schema -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("which", "properties"),
    [
        ("evidence", {"area", "bodies", "use_of_resources"}),
        ("rules", {"ruleset", "element", "version", "parameters", "measures", "rules"}),
    ],
)
def test_schema_prints_sorted_deterministic_json_schema(which: str, properties: set[str]) -> None:
    outcome = caa("schema", which)
    assert outcome.exit_code == 0
    schema = json.loads(outcome.stdout)
    assert schema["type"] == "object"
    assert properties <= set(schema["properties"])
    assert schema["additionalProperties"] is False
    assert outcome.stdout == json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    assert caa("schema", which).stdout == outcome.stdout


# --- the console script -----------------------------------------------------------------------------------------


def test_the_console_entry_point_exits_2_on_bad_input_without_a_traceback() -> None:
    process = subprocess.run(
        [sys.executable, "-c", "from caa_engine.cli import main; main()", "assess", "fixtures/nowhere.yaml"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert process.returncode == 2
    assert "no-such-path" in process.stderr and "Traceback" not in process.stderr


# --- regressions found by using the command -------------------------------------------------------------------


def test_a_bundle_with_no_evidence_sections_is_not_judged_rather_than_crashing_durable(
    backend: str, tmp_path: Path
) -> None:
    # durable-rules raised "Could not get facts, error code: 309" for a session with no facts asserted.
    bundle = tmp_path / "bare.yaml"
    bundle.write_text(
        "area:\n  id: bare\n  name: Bare\nbodies:\n  - {id: bare-dc, name: Bare DC, kind: district}\n", encoding="utf-8"
    )
    result = assess(bundle, backend=backend)
    assert all(element.score is None and not element.bodies for element in result.elements.values())
    # nothing judged; the one event is the note that says why the council has no direction of travel
    assert [(event.id, event.subject) for event in result.audit] == [("dot_not_judged", "bare-dc")]
    outcome = caa("assess", str(bundle), "--backend", backend)
    assert outcome.exit_code == 0
    assert re.search(r"^Use of resources\s+—\s+—\s+not judged\s+—$", outcome.stdout, re.M)


def test_check_warns_about_a_parameter_nothing_reads_but_still_succeeds(tmp_path: Path) -> None:
    folder = tmp_path / "rules"
    shutil.copytree("rules", folder)
    path = folder / "use_of_resources.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace("  reassess_at_or_below:\n", "  unused_knob:\n    value: 7\n  reassess_at_or_below:\n")
    )
    outcome = caa("check", str(folder))
    assert outcome.exit_code == 0
    line = next(n for n, row in enumerate(path.read_text().splitlines(), 1) if row == "  unused_knob:")
    assert outcome.stderr.splitlines() == [
        f"{folder}/use_of_resources.yaml:{line}:3: warning: unused-parameter: parameter 'unused_knob' is never read "
        "by a rule or measure",
        "      unused_knob:",
        "      ^",
        "    hint: use it as params.unused_knob in a condition, or remove it: changing it now changes nothing",
    ]


def test_the_shipped_rules_have_no_unused_parameter() -> None:
    assert caa("check", "rules").stderr == ""


def test_the_summary_is_also_markdown_or_text_by_its_suffix(tmp_path: Path) -> None:
    for suffix in (".md", ".txt"):
        target = tmp_path / f"national{suffix}"
        assert caa("assess", "fixtures", "--summary", str(target), "--jobs", "1").exit_code == 0
        lines = target.read_text(encoding="utf-8").splitlines()
        assert lines[0].split()[:3] == (["|", "area", "|"] if suffix == ".md" else ["area", "area_name", "period"])
        assert sum(1 for line in lines if "wealdshire" in line) == 1 + len(assess("fixtures/wealdshire.yaml").bodies)
    outcome = caa("assess", "fixtures", "--summary", str(tmp_path / "national.xls"))
    assert outcome.exit_code == 2 and "--summary writes .csv, .md, .txt" in outcome.stderr
