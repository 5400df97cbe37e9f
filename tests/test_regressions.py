"""Regressions, each named after the bug it pins."""

from __future__ import annotations

from pathlib import Path

from rule_folders import KLOE_TABLE, bundle, measure, rule, ruleset, write_rules

from caa_engine import Engine


def test_rules_of_two_strata_on_the_same_subject_both_fire_on_durable(tmp_path: Path, backend: str) -> None:
    # durable-rules takes a fact's 'id' as its identity: match facts of two strata that
    # both carried the subject's id collided (MessageObservedException) on the durable backend.
    folder = write_rules(
        tmp_path,
        {
            "r.yaml": ruleset(
                tables={"kloe": KLOE_TABLE},
                measures=[measure("theme_score", "kloe", "min(kloe.score)", "theme", ("body", "theme"), "score")],
                rules=[
                    rule("has_kloes", "count(kloe) >= 1"),  # reads input facts: stratum 0
                    rule("has_themes", "count(theme) >= 1", score=3),  # reads a measure: stratum 1
                ],
            )
        },
    )
    result = Engine(folder, backend).assess(bundle({"a": {"1.1": 2, "2.1": 3}}))
    assert [n.rule for n in result.notes] == ["has_kloes"]
    assert result.elements["test_element"].bodies["a"].score == 3


def test_a_folder_with_one_bundle_still_gives_a_json_array(tmp_path: Path) -> None:
    # The JSON shape must depend on the arguments, not on how many bundles a folder holds.
    from click.testing import CliRunner

    from caa_engine.cli import cli

    folder = tmp_path / "one"
    folder.mkdir()
    (folder / "cheltenham.yaml").write_text(Path("fixtures/cheltenham.yaml").read_text(encoding="utf-8"))
    outcome = CliRunner().invoke(cli, ["assess", str(folder), "--format", "json", "--backend", "native"])
    assert outcome.exit_code == 0, outcome.output
    assert outcome.output.lstrip().startswith("[")
    single = CliRunner().invoke(cli, ["assess", "fixtures/cheltenham.yaml", "--format", "json", "--backend", "native"])
    assert single.output.lstrip().startswith("{")


def test_evidence_given_as_a_dict_is_located_by_key_path_not_line_one(backend: str) -> None:
    # A dict has no lines: errors and audit sources used to all read '<evidence>:1:1'.
    import pytest

    from caa_engine import EvidenceError, assess

    bundle_dict = {
        "area": {"id": "x", "name": "X"},
        "bodies": [{"id": "b", "name": "B", "kind": "district"}],
        "use_of_resources": {"assessments": [{"body": "b", "kloes": {"1.1": 3, "1.9": 2}}]},
    }
    with pytest.raises(EvidenceError) as caught:
        assess(bundle_dict, rules="rules", backend=backend)
    assert [str(issue.location) for issue in caught.value.issues] == [
        "<evidence>:use_of_resources.assessments[0].kloes.1.9"
    ]
    del bundle_dict["use_of_resources"]["assessments"][0]["kloes"]["1.9"]
    result = assess(bundle_dict, rules="rules", backend=backend)
    assert result.audit[0].inputs[0].source == "<evidence>:use_of_resources.assessments[0].kloes.1.1"
