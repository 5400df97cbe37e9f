"""The fast paths give exactly what the plain ones give.

The engine evaluates compiled closures instead of walking expression trees, records audit events in their JSON
form and makes the models only when ``Result.audit`` is read, and writes JSON through pydantic-core. Each of
those is held here to the slower, obviously-right way it replaced, on every fixture and both backends.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_profiles import examples
from test_backends import conditions, facts

from caa_engine import Engine
from caa_engine.backends.native import compile_condition, compile_group, rename_fields
from caa_engine.compile import AllOf, Always, Cmp, MatchCondition
from caa_engine.evaluate import Scope, evaluate
from caa_engine.result import TRAILS, _may_spell_small_float

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = sorted(p.relative_to(ROOT) for p in (ROOT / "fixtures").iterdir() if p.suffix in (".yaml", ".json"))


def python_json(data: object) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


@pytest.fixture(scope="module")
def engines() -> dict[str, Engine]:
    return {}


def engine_for(engines: dict[str, Engine], backend: str) -> Engine:
    if backend not in engines:
        engines[backend] = Engine(ROOT / "rules", backend=backend)
    return engines[backend]


@pytest.mark.parametrize("fixture", FIXTURES, ids=[p.stem for p in FIXTURES])
def test_compiled_expressions_judge_every_fixture_as_the_tree_walking_evaluator_does(
    fixture: Path, backend: str, monkeypatch: pytest.MonkeyPatch, engines: dict[str, Engine]
) -> None:
    compiled = engine_for(engines, backend).assess(fixture).to_json()

    def interpreted(expr, types, subject_type, item_type=None):  # type: ignore[no-untyped-def]
        return lambda scope: evaluate(expr, scope)

    monkeypatch.setattr("caa_engine.session.compile_expression", interpreted)
    walked = Engine(ROOT / "rules", backend=backend).assess(fixture).to_json()
    assert compiled == walked


def test_a_compiled_expression_records_the_same_trail_as_the_evaluator(engines: dict[str, Engine]) -> None:
    from caa_engine.evaluate import FactStore, compile_expression
    from caa_engine.evidence.loader import bundle_facts, load_bundle

    engine = engine_for(engines, "native")
    plan = engine.plan
    store = FactStore(plan.fact_types)
    for fact in bundle_facts(load_bundle(ROOT / "fixtures" / "calderbridge.yaml"), plan.tables, plan.elements):
        store.add(fact)
    checked = 0
    for rule in plan.rules:
        fn = compile_expression(rule.condition, plan.fact_types, rule.per)
        for subject in store.of(rule.per):
            walked_trace: list = []
            compiled_trace: list = []
            walked = evaluate(rule.condition, Scope(store, subject=subject, trace=walked_trace))
            assert fn(Scope(store, subject=subject, trace=compiled_trace)) == walked
            assert compiled_trace == walked_trace
            checked += 1
    assert checked > 100


@pytest.mark.parametrize("fixture", FIXTURES, ids=[p.stem for p in FIXTURES])
def test_to_json_is_json_dumps_of_the_models_byte_for_byte(fixture: Path, engines: dict[str, Engine]) -> None:
    result = engine_for(engines, "native").assess(fixture)
    recorded = result.to_json()
    assert "audit" not in result.__dict__  # written from the records, the models never made
    data = result.model_dump(mode="json")  # makes the models
    assert recorded == python_json(data)
    assert result.to_json() == recorded  # and from the models, the same bytes


def test_reading_the_audit_gives_models_whose_json_is_the_recorded_trail(engines: dict[str, Engine]) -> None:
    result = engine_for(engines, "native").assess(ROOT / "fixtures" / "eastwold.yaml")
    trail = json.loads(result.to_json())["audit"]
    assert [event.model_dump(mode="json") for event in result.audit] == trail
    assert result.audit is result.audit  # made once


def test_a_trail_replaced_with_model_copy_is_the_trail_written(engines: dict[str, Engine]) -> None:
    result = engine_for(engines, "native").assess(ROOT / "fixtures" / "cheltenham.yaml")
    shorter = result.model_copy(update={"audit": result.audit[:1]})
    written = json.loads(shorter.to_json())
    assert len(written["audit"]) == 1
    assert list(written) == list(json.loads(result.to_json()))  # 'audit' still in its place among the keys


def test_a_float_below_1e_4_is_spelt_as_python_spells_it(engines: dict[str, Engine]) -> None:
    # pydantic-core writes 5e-05 as 0.00005 and 3e-06 as 3e-6; the canonical JSON is Python's spelling.
    result = engine_for(engines, "native").assess(ROOT / "fixtures" / "cheltenham.yaml")
    odd = result.model_copy(update={"overall": {"small": 5e-05, "smaller": -3e-06, "ordinary": 0.75}})
    text = odd.to_json()
    assert '"small": 5e-05' in text and '"smaller": -3e-06' in text
    odd.audit  # noqa: B018 - read the models, so the other path writes
    assert odd.to_json() == text == python_json(odd.model_dump(mode="json"))


@pytest.mark.parametrize(
    ("text", "may"),
    [("0.00005", True), ("-3e-6", True), ("area-e-6", False), ("0.0001", False), ("1e-06", False)],
)
def test_the_small_float_check_flags_only_what_pydantic_core_may_spell_differently(text: str, may: bool) -> None:
    assert _may_spell_small_float(f'{{"v": {text}}}') is may


def test_the_compact_trail_keeps_every_event_and_input_and_writes_repeated_texts_and_fact_lists_once(
    engines: dict[str, Engine],
) -> None:
    result = engine_for(engines, "native").assess(ROOT / "fixtures" / "calderbridge.yaml")
    full = json.loads(result.to_json())
    compact = json.loads(result.to_json("compact"))
    assert compact["trail"] == "compact"
    assert len(compact["audit"]) == len(full["audit"])
    lists = compact["fact_lists"]

    def unlisted(item: dict[str, Any]) -> dict[str, Any]:
        return {k: lists[v] if isinstance(v, int) and k in ("facts", "among") else v for k, v in item.items()}

    for whole, lean in zip(full["audit"], compact["audit"], strict=True):
        texts = compact["rule_texts"][f"{whole['kind']}:{whole['id']}"]
        rebuilt = {**lean, **{k: texts[k] for k in ("description", "expression", "citation")}}
        rebuilt["inputs"] = [unlisted(item) for item in lean["inputs"]]
        assert rebuilt == whole
        assert texts["source"] == whole["source"]
    assert any(isinstance(item["facts"], int) for event in compact["audit"] for item in event["inputs"])
    assert len(lists) == len({tuple(ids) for ids in lists})  # each list once
    assert {k: v for k, v in compact.items() if k not in ("trail", "rule_texts", "fact_lists", "audit")} == {
        k: v for k, v in full.items() if k != "audit"
    }
    assert len(result.to_json("compact")) < len(result.to_json())


def test_no_trail_keeps_the_judgements_and_says_it_has_no_trail(engines: dict[str, Engine]) -> None:
    result = engine_for(engines, "native").assess(ROOT / "fixtures" / "calderbridge.yaml")
    full = json.loads(result.to_json())
    bare = json.loads(result.to_json("none"))
    assert bare["trail"] == "none" and "audit" not in bare
    assert {k: v for k, v in bare.items() if k != "trail"} == {k: v for k, v in full.items() if k != "audit"}


def test_an_unknown_trail_is_refused_with_the_choices() -> None:
    result = Engine(ROOT / "rules", backend="native").assess(ROOT / "fixtures" / "cheltenham.yaml")
    with pytest.raises(ValueError, match="unknown trail 'short': choose one of full, compact, none"):
        result.to_json("short")
    assert TRAILS == ("full", "compact", "none")


@settings(max_examples=examples(200), suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(conditions, min_size=1, max_size=4), facts())
def test_the_native_backends_generated_source_fires_what_its_closures_fire(
    conds: list[MatchCondition], match_facts: list[dict[str, Any]]
) -> None:
    rules = [(f"r{number}", rename_fields(cond)) for number, cond in enumerate(conds)]
    group = compile_group(rules)
    for fact in match_facts:
        assert group(fact) == [rule_id for rule_id, cond in rules if compile_condition(cond)(fact)]


def test_a_condition_too_deep_for_pythons_compiler_is_still_matched() -> None:
    deep: MatchCondition = Cmp("f_i0", "==", 1)
    for _ in range(250):  # past the nesting Python's parser takes (the rule parser allows far less)
        deep = AllOf((deep, Always(True)))
    group = compile_group([("deep", deep)])
    assert group({"f_i0": 1}) == ["deep"] and group({"f_i0": 2}) == []


def test_caa_assess_writes_the_trail_asked_for_and_refuses_it_for_a_report_without_one(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from caa_engine.cli import cli

    runner = CliRunner()
    fixture = "fixtures/cheltenham.yaml"
    full = runner.invoke(cli, ["assess", fixture, "--format", "json", "--backend", "native"])
    compact = runner.invoke(cli, ["assess", fixture, "--format", "json", "--backend", "native", "--trail", "compact"])
    none = runner.invoke(cli, ["assess", fixture, "--format", "json", "--backend", "native", "--trail", "none"])
    assert full.exit_code == compact.exit_code == none.exit_code == 0
    assert full.output == (ROOT / "fixtures" / "expected" / "cheltenham.json").read_text(encoding="utf-8")
    assert json.loads(compact.output)["trail"] == "compact" and json.loads(none.output)["trail"] == "none"
    refused = runner.invoke(cli, ["assess", fixture, "--trail", "none"])
    assert refused.exit_code == 2
    assert "--trail none goes with --format json" in refused.output


def test_the_saved_parser_tables_are_made_from_this_grammar_and_lark() -> None:
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "grammar_tables.py"), "--check"], capture_output=True, text=True
    )
    assert done.returncode == 0, f"{done.stdout}: the grammar or lark changed since the tables were saved"


CONDITIONS_THAT_FAIL = [
    "kloe.score <",
    "a.b = 1",
    "a.b < 1 < 2",
    "count(theme where) > 1",
    "(a.b > 1",
    "a.b > 'x",
    "min(theme.score) >= 3 and",
    "a.b in [1, 2",
    "AND a.b",
    "a..b > 1",
]


def test_the_saved_parser_tables_parse_every_condition_as_the_grammar_does(monkeypatch: pytest.MonkeyPatch) -> None:
    from caa_engine.rules import expr

    plan = Engine(ROOT / "rules", backend="native").plan
    texts = [node.text for node in (*plan.rules, *plan.measures)] + CONDITIONS_THAT_FAIL

    def outcomes() -> list[object]:
        expr._parse.cache_clear()
        out: list[object] = []
        for text in texts:
            try:
                out.append(expr.parse_expression(text))
            except expr.ExprSyntaxError as error:
                out.append((str(error), error.line, error.column, error.hint))
        return out

    assert expr._PARSER.source_path == "<deserialized>"  # the saved tables are what the engine uses
    saved = outcomes()
    monkeypatch.setattr(expr, "_PARSER", expr.build_parser())
    built = outcomes()
    expr._parse.cache_clear()
    assert saved == built
    assert sum(isinstance(item, tuple) for item in saved) == len(CONDITIONS_THAT_FAIL)


STRONG_THEME_RULE = """  - id: kloe_in_a_strong_theme
    description: A KLOE whose own theme scores 3 or more.
    source: "a test of the per-stratum aggregate memo"
    per: kloe
    when: count(theme where theme == kloe.theme and score >= 3) >= 1
    then:
      note:
        kind: strong_theme
        text: "KLOE {kloe.code} is in a strong theme"

"""


def test_an_aggregate_whose_where_reads_the_subject_is_taken_afresh_for_each_subject(
    tmp_path: Path, backend: str
) -> None:
    # The memo shares an aggregate between the subjects of one body; this one depends on each KLOE's own theme,
    # so sharing it would give every KLOE of the body the first KLOE's answer.
    from rule_folders import write_rules

    shipped = (ROOT / "rules" / "use_of_resources.yaml").read_text(encoding="utf-8")
    anchor = "  - id: uor_reassess_next_year"
    assert anchor in shipped
    folder = write_rules(tmp_path, {"use_of_resources.yaml": shipped.replace(anchor, STRONG_THEME_RULE + anchor)})
    kloes = {"1.1": 4, "1.2": 4, "1.3": 4, "2.1": 2, "2.2": 2, "2.3": 2, "2.4": 2}
    bundle = {
        "area": {"id": "x", "name": "X"},
        "bodies": [{"id": "x-dc", "name": "X DC", "kind": "district"}],
        "use_of_resources": {"assessments": [{"body": "x-dc", "kloes": kloes}]},
    }
    result = Engine(folder, backend=backend).assess(bundle)
    strong = sorted(note.subject for note in result.notes if note.kind == "strong_theme")
    assert strong == ["x-dc/kloe/1.1", "x-dc/kloe/1.2", "x-dc/kloe/1.3"]
