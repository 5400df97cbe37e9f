"""The committed JSON Schemas (schemas/*.schema.json): fresh, described, without "or null", and true of every
shipped rule file and fixture, each of which names its schema on its first line for an editor."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from jsonschema import Draft202012Validator

from caa_engine._yaml import load_yaml
from caa_engine.cli import cli
from caa_engine.json_schema import SCHEMA_IDS, SCHEMAS, json_schema, schema_text

ROOT = Path(__file__).resolve().parent.parent
SCHEMA_DIR = ROOT / "schemas"
SHIPPED = {
    "rules": sorted((ROOT / "rules").glob("*.yaml")),
    "evidence": sorted((ROOT / "fixtures").glob("*.yaml")),
}
WHICH = sorted(SCHEMAS)


def _committed(which: str) -> dict[str, Any]:
    return json.loads((SCHEMA_DIR / f"{which}.schema.json").read_text(encoding="utf-8"))


def _properties(schema: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """(model, property, its schema) for the top level and every definition."""
    found = [("(top)", name, prop) for name, prop in schema["properties"].items()]
    for model, definition in schema.get("$defs", {}).items():
        found += [(model, name, prop) for name, prop in definition.get("properties", {}).items()]
    return found


def _as_json(path: Path) -> Any:
    """A shipped YAML file as JSON would give it to a validator: dates as their text, keys as text."""
    return json.loads(json.dumps(load_yaml(path).data, default=str))


@pytest.mark.parametrize("which", WHICH)
def test_the_committed_schema_is_what_caa_schema_writes_now(which: str) -> None:
    committed = (SCHEMA_DIR / f"{which}.schema.json").read_text(encoding="utf-8")
    assert committed == schema_text(which), (
        f"schemas/{which}.schema.json is stale: run 'caa schema {which} --out schemas/{which}.schema.json'"
    )


@pytest.mark.parametrize("which", WHICH)
def test_caa_schema_out_writes_the_same_bytes_it_prints(which: str, tmp_path: Path) -> None:
    target = tmp_path / f"{which}.schema.json"
    written = CliRunner().invoke(cli, ["schema", which, "--out", str(target)])
    assert written.exit_code == 0, written.output
    printed = CliRunner().invoke(cli, ["schema", which])
    assert target.read_text(encoding="utf-8") == printed.stdout == schema_text(which)


@pytest.mark.parametrize("which", WHICH)
def test_the_schema_has_a_stable_id_a_title_and_a_description(which: str) -> None:
    schema = _committed(which)
    assert schema["$id"] == SCHEMA_IDS[which] == f"https://caa-engine.example/schemas/{which}.schema.json"
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["title"].startswith("caa-engine ")
    assert schema["description"]
    Draft202012Validator.check_schema(schema)


@pytest.mark.parametrize("which", WHICH)
def test_every_property_and_every_definition_has_a_description(which: str) -> None:
    schema = _committed(which)
    assert [(model, name) for model, name, prop in _properties(schema) if not prop.get("description")] == []
    assert [model for model, definition in schema["$defs"].items() if not definition.get("description")] == []


@pytest.mark.parametrize("which", WHICH)
def test_optional_sections_are_plain_optional_properties_not_or_null_unions(which: str) -> None:
    text = schema_text(which)
    assert '"null"' not in text
    schema = json_schema(which)
    assert [(m, n) for m, n, prop in _properties(schema) if prop.get("default", "") is None] == []


def test_a_mistake_in_an_optional_section_is_named_not_drowned_in_any_of() -> None:
    validator = Draft202012Validator(_committed("evidence"))
    bundle = {
        "area": {"id": "x", "name": "X"},
        "bodies": [{"id": "x-dc", "name": "X DC", "kind": "district"}],
        "use_of_resources": {"assesments": []},
    }
    messages = [error.message for error in validator.iter_errors(bundle)]
    assert messages == ["Additional properties are not allowed ('assesments' was unexpected)"]


def test_an_explicit_null_is_still_accepted_by_the_engine_though_the_schema_leaves_it_out() -> None:
    from caa_engine import EvidenceBundle

    bundle = EvidenceBundle.model_validate(
        {
            "area": {"id": "x", "name": "X"},
            "bodies": [{"id": "x-dc", "name": "X DC", "kind": "district"}],
            "use_of_resources": None,
        }
    )
    assert bundle.use_of_resources is None


@pytest.mark.parametrize(
    ("which", "path"),
    [(which, path) for which, paths in SHIPPED.items() for path in paths],
    ids=lambda value: value.name if isinstance(value, Path) else value,
)
def test_every_shipped_file_names_its_schema_first_and_is_valid_under_it(which: str, path: Path) -> None:
    first_line = path.read_text(encoding="utf-8").split("\n", 1)[0]
    assert first_line == f"# yaml-language-server: $schema=../schemas/{which}.schema.json"
    assert (path.parent / first_line.split("=", 1)[1]).resolve() == (SCHEMA_DIR / f"{which}.schema.json")
    errors = sorted(Draft202012Validator(_committed(which)).iter_errors(_as_json(path)), key=str)
    assert [f"{list(error.absolute_path)}: {error.message}" for error in errors] == []


def test_every_shipped_kind_of_file_is_checked() -> None:
    assert len(SHIPPED["rules"]) >= 7 and len(SHIPPED["evidence"]) >= 8


def test_the_shipped_rules_check_without_a_warning_about_their_first_line() -> None:
    from caa_engine import load_rules

    assert [w for w in load_rules(ROOT / "rules").warnings if w.code == "wrong-schema"] == []


def test_caa_check_warns_of_a_rule_file_whose_first_line_names_the_evidence_schema(tmp_path: Path) -> None:
    # The editor would check the rule file as a bundle: every key marked wrong, none completed.
    import shutil

    folder = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", folder)
    file = folder / "overall.yaml"
    file.write_text(file.read_text(encoding="utf-8").replace("rules.schema.json", "evidence.schema.json", 1), "utf-8")
    outcome = CliRunner().invoke(cli, ["check", "--format", "json", str(folder)])
    assert outcome.exit_code == 0, outcome.output
    (warning,) = [w for w in json.loads(outcome.stdout)["warnings"] if w["code"] == "wrong-schema"]
    assert (warning["file"], warning["line"], warning["column"]) == (str(file), 1, 33)
    assert warning["message"] == (
        "the first line names the evidence bundle's schema (../schemas/evidence.schema.json), but this is a rule file"
    )
    assert warning["hint"] == "name the rule-file schema: $schema=../schemas/rules.schema.json"
