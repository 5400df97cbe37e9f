"""The examples in docs/ are real: every YAML block loads or fails exactly as shown, every Python block runs.

The first line of each ```yaml block in docs/*.md says what it is:

``# rule file[: NAME]``
    a whole rule file, loaded and checked on its own in an empty rules folder;
``# rule snippet[: NAME]``
    ``parameters``/``tables``/``measures``/``rules`` added to a copy of the
    shipped ``rules/use_of_resources.yaml``, then checked;
``# rule excerpt: NAME``
    a part of the named rule file: a shipped file by its path (``rules/overall.yaml``), or a
    ``# rule file`` in the docs by its name (``shipped`` is ``rules/use_of_resources.yaml``);
``# broken rule file``
    written as ``rules/use_of_resources.yaml`` and refused with exactly the
    errors in the ```text block that follows it;
``# evidence bundle[: NAME]``
    a valid bundle that assesses cleanly (against the shipped rules, unless
    ``BUNDLE_RULES`` names a doc rule file for it);
``# broken evidence bundle: PATH``
    written at PATH and refused with exactly the errors in the ```text block
    that follows it.

Tests below also check the behaviour the prose claims for these examples.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from caa_engine import Engine, EvidenceError, Judgement, Result, RuleError, load_rules
from caa_engine.cli import cli
from caa_engine.evidence.loader import bundle_from_dict, load_bundle

ROOT = Path(__file__).resolve().parent.parent
DOCS = sorted((ROOT / "docs").glob("*.md"))
SHIPPED = ROOT / "rules" / "use_of_resources.yaml"
FENCE = re.compile(r"^```(\w*)\n(.*?)^```$", re.DOTALL | re.MULTILINE)
MARKER = re.compile(
    r"^# (rule file|rule snippet|rule excerpt|broken rule file|evidence bundle|broken evidence bundle)"
    r"(?::\s*(\S+))?\s*$"
)
BUNDLE_RULES = {"five_themes": "cpa_five_themes"}  # bundles written for a rule file in the docs


@dataclass(frozen=True)
class Block:
    doc: str
    line: int
    lang: str
    text: str
    kind: str = ""
    name: str = ""
    expected: str = ""  # for a broken example: the text block that follows

    @property
    def label(self) -> str:
        return f"{self.doc}:{self.line}"


def read_blocks() -> list[Block]:
    blocks: list[Block] = []
    for doc in DOCS:
        text = doc.read_text(encoding="utf-8")
        found = []
        for match in FENCE.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            body = match.group(2)
            marker = MARKER.match(body.splitlines()[0]) if body.strip() else None
            found.append(
                Block(
                    doc.name,
                    line,
                    match.group(1),
                    body,
                    marker.group(1) if marker else "",
                    (marker.group(2) or "") if marker else "",
                )
            )
        for index, block in enumerate(found):
            if block.kind.startswith("broken") and index + 1 < len(found) and found[index + 1].lang == "text":
                block = Block(
                    block.doc,
                    block.line,
                    block.lang,
                    block.text,
                    block.kind,
                    block.name,
                    found[index + 1].text.rstrip("\n"),
                )
            blocks.append(block)
    return blocks


BLOCKS = read_blocks()


def of_kind(kind: str) -> list[Any]:
    return [pytest.param(b, id=b.label) for b in BLOCKS if b.lang == "yaml" and b.kind == kind]


def named(kind: str, name: str) -> Block:
    matches = [b for b in BLOCKS if b.kind == kind and b.name == name]
    assert len(matches) == 1, f"expected one '# {kind}: {name}' block in docs/, found {len(matches)}"
    return matches[0]


def rules_folder(tmp_path: Path, text: str) -> Path:
    folder = tmp_path / "rules"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "use_of_resources.yaml").write_text(text, encoding="utf-8")
    # Which kinds of body are councils (body.council) is the shipped table every rules folder may read.
    shutil.copy(ROOT / "rules" / "bodies.yaml", folder / "bodies.yaml")
    return folder


def snippet_rules(snippet: str) -> str:
    """The shipped use-of-resources file with a snippet's entries added."""
    data = yaml.safe_load(SHIPPED.read_text(encoding="utf-8"))
    extra = yaml.safe_load(snippet)
    assert set(extra) <= {"parameters", "tables", "measures", "rules"}, f"a snippet adds only entries: {sorted(extra)}"
    for key, value in extra.items():
        if isinstance(value, dict):
            data.setdefault(key, {}).update(value)
        else:
            data.setdefault(key, []).extend(value)
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def contained(part: Any, whole: Any) -> bool:
    """Whether ``part`` is ``whole`` with some keys and list items left out."""
    if isinstance(part, dict):
        return isinstance(whole, dict) and all(
            key in whole and contained(value, whole[key]) for key, value in part.items()
        )
    if isinstance(part, list):
        return isinstance(whole, list) and all(any(contained(item, other) for other in whole) for item in part)
    return bool(part == whole)


def run_cli(*args: str) -> tuple[int, str]:
    """Exit status and stderr of a ``caa`` command."""
    try:
        runner = CliRunner(mix_stderr=False)  # type: ignore[call-arg]  # click < 8.2
    except TypeError:
        runner = CliRunner()
    result = runner.invoke(cli, list(args))
    return result.exit_code, result.stderr


# -- every block is what it says it is ------------------------------------------------------------------------------


def test_the_docs_exist_and_have_examples_of_every_kind() -> None:
    assert {d.name for d in DOCS} >= {"rules.md", "evidence.md", "architecture.md"}
    kinds = {b.kind for b in BLOCKS if b.kind}
    assert kinds == {
        "rule file",
        "rule snippet",
        "rule excerpt",
        "broken rule file",
        "evidence bundle",
        "broken evidence bundle",
    }


@pytest.mark.parametrize("block", [pytest.param(b, id=b.label) for b in BLOCKS if b.lang == "yaml"])
def test_every_yaml_block_in_the_docs_says_what_it_is_on_its_first_line(block: Block) -> None:
    assert block.kind, f"{block.label}: start the block with a marker such as '# rule file' (see tests/test_docs.py)"
    if block.kind.startswith("broken"):
        assert block.expected, f"{block.label}: a broken example must be followed by a ```text block of its errors"


def test_names_of_doc_examples_are_unique() -> None:
    names = [(b.kind, b.name) for b in BLOCKS if b.name and b.kind in ("rule file", "rule snippet", "evidence bundle")]
    assert len(names) == len(set(names))


def slug(heading: str) -> str:
    """The anchor GitHub gives a heading."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


@pytest.mark.parametrize("doc", DOCS, ids=[d.name for d in DOCS])
def test_every_link_between_the_docs_points_at_a_file_and_heading_that_exist(doc: Path) -> None:
    text = doc.read_text(encoding="utf-8")
    for target, anchor in re.findall(r"\]\(([\w./-]*\.md|)(?:#([\w-]+))?\)", text):
        linked = doc.parent / target if target else doc
        assert linked.is_file(), f"{doc.name} links to a missing file {target}"
        if anchor:
            body = FENCE.sub("", linked.read_text(encoding="utf-8"))
            headings = {slug(h) for h in re.findall(r"^#+ (.+)$", body, re.MULTILINE)}
            assert anchor in headings, f"{doc.name} links to #{anchor}, which is not a heading of {linked.name}"


@pytest.mark.parametrize("block", of_kind("rule file"))
def test_each_rule_file_in_the_docs_loads_and_checks_on_its_own(block: Block, tmp_path: Path) -> None:
    plan = load_rules(rules_folder(tmp_path, block.text))
    assert plan.rules


@pytest.mark.parametrize("block", of_kind("rule snippet"))
def test_each_rule_snippet_loads_when_added_to_the_shipped_rules(block: Block, tmp_path: Path) -> None:
    plan = load_rules(rules_folder(tmp_path, snippet_rules(block.text)))
    added = yaml.safe_load(block.text)
    ids = {rule.id for rule in plan.rules} | {m.id for m in plan.measures}
    assert {item["id"] for key in ("rules", "measures") for item in added.get(key, [])} <= ids


def quoted_file(name: str) -> str:
    """The text of the rule file an excerpt quotes: a shipped file by its path, or a rule file in the docs."""
    if name == "shipped":
        return SHIPPED.read_text(encoding="utf-8")
    if name.startswith("rules/"):
        path = ROOT / name
        assert path.is_file(), f"no shipped rule file {name}"
        return path.read_text(encoding="utf-8")
    return named("rule file", name).text


@pytest.mark.parametrize("block", of_kind("rule excerpt"))
def test_each_rule_excerpt_is_part_of_the_rule_file_it_quotes(block: Block) -> None:
    whole = quoted_file(block.name)
    assert contained(yaml.safe_load(block.text), yaml.safe_load(whole)), f"{block.label} is not in '{block.name}'"


@pytest.mark.parametrize("block", of_kind("broken rule file"))
def test_each_broken_rule_file_gives_exactly_the_errors_printed_under_it(
    block: Block, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rules_folder(tmp_path, block.text)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(RuleError) as caught:
        load_rules("rules")
    assert str(caught.value) == one_line_form(block.expected)
    assert run_cli("check", "rules") == (2, block.expected + "\n")


@pytest.mark.parametrize("block", of_kind("evidence bundle"))
def test_each_evidence_bundle_in_the_docs_is_valid_and_assesses(block: Block, tmp_path: Path) -> None:
    data = yaml.safe_load(block.text)
    bundle_from_dict(data)
    rules = BUNDLE_RULES.get(block.name)
    folder = rules_folder(tmp_path, named("rule file", rules).text) if rules else ROOT / "rules"
    result = Engine(folder, "native").assess(data)
    assert result.elements["use_of_resources"].bodies


def one_line_form(shown: str) -> str:
    """What ``caa`` prints without the source line and caret under each issue: ``str()`` of the error."""
    return "\n".join(line for line in shown.split("\n") if not line.startswith("    ") or line.startswith("    hint:"))


@pytest.mark.parametrize("block", of_kind("broken evidence bundle"))
def test_each_broken_evidence_bundle_gives_exactly_the_errors_printed_under_it(
    block: Block, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert block.name, f"{block.label}: say where the bundle is written, '# broken evidence bundle: PATH'"
    path = tmp_path / block.name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(block.text, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(EvidenceError) as caught:
        load_bundle(block.name)
    assert str(caught.value) == one_line_form(block.expected)
    status, stderr = run_cli("assess", block.name, "--rules", str(ROOT / "rules"), "--backend", "native")
    assert (status, stderr) == (2, block.expected + "\n")


@pytest.mark.parametrize("block", [pytest.param(b, id=b.label) for b in BLOCKS if b.lang == "python"])
def test_each_python_example_in_the_docs_runs(block: Block) -> None:
    with contextlib.redirect_stdout(io.StringIO()):
        exec(compile(block.text, block.label, "exec"), {"__name__": "docs_example"})  # noqa: S102


# -- what the prose says about the examples ---------------------------------------------------------------------------


def bodies(result: Result) -> dict[str, Judgement]:
    judged = result.elements["use_of_resources"].bodies
    assert judged is not None, "use of resources is judged per body"
    return judged


def judgements(result: Result) -> dict[str, tuple[int, str, str]]:
    return {body: (j.score, j.label, j.rule) for body, j in bodies(result).items()}


def test_first_look_scores_a_body_with_both_themes_at_3_as_performing_well_and_records_the_overridden_rule(
    backend: str, tmp_path: Path
) -> None:
    folder = rules_folder(tmp_path, named("rule file", "first_look").text)
    result = Engine(folder, backend).assess(
        {
            "area": {"id": "x", "name": "X"},
            "bodies": [{"id": "b", "name": "B", "kind": "district"}],
            "use_of_resources": {"assessments": [{"body": "b", "kloes": {"1.1": 3, "2.3": 3}}]},
        }
    )
    assert judgements(result) == {"b": (3, "performing well", "uor_good")}
    trail = {(e.id, e.status, e.overridden_by) for e in result.audit if e.kind == "rule"}
    assert trail == {("uor_good", "applied", None), ("uor_adequate", "overridden", "uor_good")}


def test_the_condition_examples_behave_as_the_rules_doc_says(backend: str, tmp_path: Path) -> None:
    # Per-body rules in two strata: on durable, regression test for match facts that shared the subject's id.
    folder = rules_folder(tmp_path, snippet_rules(named("rule snippet", "examples").text))
    county = {"1.1": 1, "1.2": 2, "1.3": 2, "2.1": 4, "2.2": 4, "2.3": 4, "2.4": 4}  # themes 2 and 4
    district = {"1.1": 3, "1.2": 3, "1.3": 3, "2.1": 2}  # exactly 75% at 3 or above
    result = Engine(folder, backend).assess(
        {
            "area": {"id": "x", "name": "X"},
            "bodies": [
                {"id": "c", "name": "C", "kind": "county", "lead": True},
                {"id": "d", "name": "D", "kind": "district"},
                {"id": "p", "name": "P", "kind": "police"},
            ],
            "use_of_resources": {"assessments": [{"body": "c", "kloes": county}, {"body": "d", "kloes": district}]},
        }
    )
    # share of exactly 75% meets >= 0.75, counted over the district's own 4 KLOEs; the police (nothing to count) nothing
    assert [(f.kind, f.subject, f.reason) for f in result.flags] == [
        ("lead_council_concern", "c", "C is adequate"),
        ("good_record", "d", "0.75 of 4 KLOEs at 3 or above"),
    ]
    assert [(n.kind, n.subject, n.text) for n in result.notes] == [
        ("uneven_themes", "c", "themes range from 2 to 4"),
        ("reassess_next_year", "c/kloe/1.1", "KLOE 1.1 (Planning for financial health) scored 1: reassess next year"),
        ("weak_finances", "c/kloe/1.1", "C: KLOE 1.1 (Planning for financial health) scored 1"),
    ]
    assert set(judgements(result)) == {"c", "d"}


def test_the_shipped_rules_run_themes_and_notes_in_stratum_0_and_the_bands_in_stratum_1() -> None:
    plan = load_rules(ROOT / "rules")
    layout = [
        (
            [m.id for m in s.measures if m.ruleset == "use_of_resources"],
            [r.id for r in s.rules if r.ruleset == "use_of_resources"],
        )
        for s in plan.strata
    ]
    assert [step for step in layout if step != ([], [])] == [
        (["theme_score"], ["uor_reassess_next_year"]),
        ([], ["uor_performing_strongly", "uor_performing_well", "uor_adequate", "uor_inadequate"]),
    ]


def test_the_two_tier_evidence_example_gives_the_judgements_its_prose_states(backend: str) -> None:
    result = Engine(ROOT / "rules", backend).assess(yaml.safe_load(named("evidence bundle", "two_tier").text))
    assert judgements(result) == {
        "exampleshire-cc": (4, "performing strongly", "uor_performing_strongly"),
        "northtown-dc": (3, "performing well", "uor_performing_well"),
        "southvale-dc": (3, "performing well", "uor_performing_well"),
    }
    northtown = bodies(result)["northtown-dc"]
    assert {row["theme"]: row["score"] for row in northtown.measures["theme_score"]} == {
        "managing_finances": 3,
        "governing_the_business": 2,
        "managing_resources": 3,
    }
    assert [(n.kind, n.subject) for n in result.notes if n.rule.startswith("uor_")] == [
        ("reassess_next_year", "northtown-dc/kloe/2.4")
    ]
    trail = {
        (e.id, e.status, e.overridden_by)
        for e in result.audit
        if e.kind == "rule" and e.subject == "northtown-dc" and e.ruleset == "use_of_resources"
    }
    assert trail == {
        ("uor_performing_well", "applied", None),
        ("uor_adequate", "overridden", "uor_performing_well"),
        ("uor_inadequate", "overridden", "uor_performing_well"),
    }


def test_the_cpa_worked_example_scores_the_five_theme_bundle_2_where_the_three_theme_band_sizes_give_3(
    backend: str, tmp_path: Path
) -> None:
    cpa = named("rule file", "cpa_five_themes").text
    bundle = yaml.safe_load(named("evidence bundle", "five_themes").text)
    result = Engine(rules_folder(tmp_path / "cpa", cpa), backend).assess(bundle)
    assert judgements(result) == {"exampleshire-cc": (2, "adequate", "uor_adequate")}
    themes = bodies(result)["exampleshire-cc"].measures["theme_score"]
    assert sorted(row["score"] for row in themes) == [2, 2, 2, 3, 3]
    data = yaml.safe_load(cpa)
    data["parameters"]["well_min_themes"]["value"] = data["parameters"]["adequate_min_themes"]["value"] = 2
    three_theme_sizes = rules_folder(tmp_path / "sizes", yaml.safe_dump(data, sort_keys=False))
    assert judgements(Engine(three_theme_sizes, backend).assess(bundle)) == {
        "exampleshire-cc": (3, "performing well", "uor_performing_well")
    }


def test_the_cpa_worked_example_changes_only_words_parameters_and_the_kloe_table() -> None:
    shipped = yaml.safe_load(SHIPPED.read_text(encoding="utf-8"))
    cpa = yaml.safe_load(named("rule file", "cpa_five_themes").text)
    words = ("description", "source", "short_of")  # short_of: what to say when a band is not reached

    def logic(rule_or_measure: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in rule_or_measure.items() if k not in words}

    assert [logic(m) for m in cpa["measures"]] == [logic(m) for m in shipped["measures"]]
    assert [logic(r) for r in cpa["rules"]] == [logic(r) for r in shipped["rules"]]
    changed = {
        name
        for name in shipped["parameters"]
        if cpa["parameters"][name]["value"] != shipped["parameters"][name]["value"]
    }
    assert changed == {"well_min_themes", "adequate_min_themes"}
    assert set(cpa["parameters"]) == set(shipped["parameters"])


def test_the_shipped_rules_judge_the_five_theme_bundle_by_2007_08s_rules_and_refuse_it_as_2008_09() -> None:
    bundle = yaml.safe_load(named("evidence bundle", "five_themes").text)
    engine = Engine(ROOT / "rules", "native")
    assert judgements(engine.assess(bundle)) == {"exampleshire-cc": (2, "adequate", "uor_adequate")}
    bundle["use_of_resources"]["assessments"][0]["period"] = "2008/09"
    with pytest.raises(EvidenceError) as caught:
        engine.assess(bundle)
    messages = [issue.message for issue in caught.value.issues]
    assert "KLOE '4.1' is not in the catalogue" in messages
    assert {issue.code for issue in caught.value.issues} == {"unknown-kloe"}


def test_the_evidence_schema_the_docs_mention_is_printed_by_caa_schema_evidence() -> None:
    result = CliRunner().invoke(cli, ["schema", "evidence"])
    assert result.exit_code == 0
    schema = json.loads(result.output)
    assert set(schema["properties"]) == {
        "area",
        "period",
        "bodies",
        "use_of_resources",
        "indicator_set",
        "direction_of_travel",
        "risk_assessment",
        "self_assessments",
    }


def test_the_step_list_in_the_policy_tests_doc_is_generated_from_the_step_library() -> None:
    # docs/policy-tests.md lists every step of features/conftest.py; tools/policy_steps.py rewrites it.
    run = subprocess.run([sys.executable, "tools/policy_steps.py", "--check"], cwd=ROOT, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
