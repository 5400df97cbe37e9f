"""The committed JSON Schemas (schemas/*.schema.json): fresh, described, without "or null", and true of every
shipped rule file and fixture, each of which names its schema on its first line for an editor."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from jsonschema import Draft202012Validator
from pydantic import TypeAdapter, ValidationError

from caa_engine._yaml import YamlProblem, load_yaml, parse_yaml
from caa_engine.cli import cli
from caa_engine.json_schema import SCHEMA_IDS, SCHEMAS, json_schema, schema_text
from caa_engine.periods import PERIOD_JSON_SCHEMA, SECTION_PERIOD_JSON_SCHEMA, Period, period_text, period_year
from caa_engine.rules.model import PeriodsSpec

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


# --- Periods: the schemas give editors the loader's own pattern -------------------------------------------------

# Where a period is written, per schema: (JSON pointer to the subschema that checks one period, the schema used
# for it).  The walk below must find exactly these, so a period field added later without the pattern fails.
PERIOD_PLACES = {
    "evidence": {
        "/properties/period": PERIOD_JSON_SCHEMA,
        "/$defs/KloeAssessment/properties/period": SECTION_PERIOD_JSON_SCHEMA,
        "/$defs/IndicatorSet/properties/period": SECTION_PERIOD_JSON_SCHEMA,
        "/$defs/Indicator/properties/history/propertyNames": PERIOD_JSON_SCHEMA,
    },
    "rules": {
        "/properties/periods/oneOf/0/items": PERIOD_JSON_SCHEMA,
        "/$defs/PeriodRange/properties/from": PERIOD_JSON_SCHEMA,
        "/$defs/PeriodRange/properties/until": PERIOD_JSON_SCHEMA,
    },
}
# Where the forms the loader is shown with are written: its docs, its tests, the shipped files.
FORM_SOURCES = [
    *sorted((ROOT / "docs").glob("*.md")),
    *sorted((ROOT / "tests").glob("*.py")),
    *sorted((ROOT / "features").glob("*")),
    *SHIPPED["rules"],
    *SHIPPED["evidence"],
]


def _period_places(schema: Any, pointer: str = "") -> dict[str, dict[str, Any]]:
    """Every subschema that checks one period: a property named period, from or until, an item of periods, a
    key of history."""
    found: dict[str, dict[str, Any]] = {}
    if isinstance(schema, dict):
        for key, value in schema.items():
            here = f"{pointer}/{key}"
            if pointer.endswith("/properties") and key in ("period", "from", "until"):
                if key == "period" or "period" in value.get("description", ""):  # not a measure's 'from'
                    found[here] = value
            elif pointer.endswith("/properties/periods/oneOf/0") and key == "items":
                found[here] = value
            elif pointer.endswith("/properties/history") and key == "propertyNames":
                found[here] = value
            found.update(_period_places(value, here))
    elif isinstance(schema, list):
        for index, value in enumerate(schema):
            found.update(_period_places(value, f"{pointer}/{index}"))
    return found


def _at(schema: dict[str, Any], pointer: str) -> Any:
    for part in pointer.strip("/").split("/"):
        schema = schema[int(part)] if isinstance(schema, list) else schema[part]
    return schema


def _forms(pattern: str) -> list[str]:
    """Every distinct text matching ``pattern`` (its group 1) in the docs, tests and shipped files."""
    texts = (path.read_text(encoding="utf-8") for path in FORM_SOURCES if path.is_file())
    return sorted({match.group(1) for text in texts for match in re.finditer(pattern, text)})


def _yaml_values(texts: list[str]) -> list[Any]:
    """Each text as the YAML loader reads it as a value, as JSON gives it to a validator (one it cannot read,
    such as a test's broken date, is no form of a period)."""
    values = []
    for text in texts:
        try:
            value = parse_yaml(f"value: {text}\n", "form.yaml").data["value"]
        except YamlProblem:
            continue
        values.append(json.loads(json.dumps(value, default=str)))
    return values


def _loader_takes(adapter: TypeAdapter[Any], value: Any) -> bool:
    try:
        adapter.validate_python(value)
    except ValidationError:
        return False
    return True


@pytest.mark.parametrize("which", WHICH)
def test_every_period_field_carries_the_period_pattern_and_keeps_its_description(which: str) -> None:
    schema = _committed(which)
    places = _period_places(schema)
    assert sorted(places) == sorted(PERIOD_PLACES[which])
    for pointer, expected in PERIOD_PLACES[which].items():
        assert places[pointer]["pattern"] == expected["pattern"], pointer
        assert places[pointer]["patternErrorMessage"] == expected["patternErrorMessage"], pointer
        if not pointer.endswith(("/items", "/propertyNames")):
            assert (
                "e.g. '2008/09'" in places[pointer]["description"] or "e.g. '2009/10'" in places[pointer]["description"]
            )


def _texts_around_periods() -> list[str]:
    """Periods well written and not, the years of a century and its turn, and near misses."""
    years = [*range(1990, 2031), 0, 99, 999, 1899, 1999, 2099, 9999]
    well = [period_text(year) if year >= 1000 else f"{year:04d}/{(year + 1) % 100:02d}" for year in years]
    off_by = [f"{year:04d}/{ending:02d}" for year in range(1995, 2012) for ending in range(100)]
    near = ["", "2008", "2008/9", "2008/009", "2008/2009", "2008-09", "08/09", " 2008/09", "2008/09 ", "2008/09/10",
            "２００８/０９", "٢٠٠٨/٠٩", "2008／09", "twenty08/09", "2008/09 onwards", "2007/08 to 2008/09"]  # fmt: skip
    return sorted({*well, *off_by, *near})


def test_the_period_pattern_accepts_exactly_the_periods_the_loader_accepts() -> None:
    # Python's '$' also matches before a final newline (ECMA's, an editor's, does not): texts with one are left
    # to the regression test of the loader, which refuses them.
    pattern = re.compile(PERIOD_JSON_SCHEMA["pattern"])
    section = re.compile(SECTION_PERIOD_JSON_SCHEMA["pattern"])
    adapter: TypeAdapter[str] = TypeAdapter(Period)
    texts = _texts_around_periods()
    assert len(texts) > 1700
    assert [t for t in texts if (pattern.search(t) is not None) != _loader_takes(adapter, t)] == []
    # a section's period: the same, or '' (not named), as dated.bundle_period reads it
    assert [t for t in texts if (section.search(t) is not None) != (t == "" or period_year(t) is not None)] == []


def test_every_periods_form_the_docs_and_tests_show_is_valid_under_the_schema_exactly_when_the_loader_takes_it() -> (
    None
):
    forms = _forms(r"periods: (\[[^\]\n]*\]|\{[^}\n]*\})") + _forms(r"`(\{(?:from|until): [^}`\n]*\})`")
    forms = [form for form in forms if re.search(r"[0-9]", form)]  # not the tests' f-string {placeholders}
    schema = _committed("rules")
    validator = Draft202012Validator({**_at(schema, "/properties/periods"), "$defs": schema["$defs"]})
    adapter: TypeAdapter[Any] = TypeAdapter(PeriodsSpec)
    verdicts = {
        json.dumps(value): (_loader_takes(adapter, value), validator.is_valid(value)) for value in _yaml_values(forms)
    }
    assert {form: both for form, both in verdicts.items() if both[0] != both[1]} == {}
    taken = {form for form, (loader, _) in verdicts.items() if loader}
    shown = ['["2007/08"]', '{"from": "2008/09"}', '{"until": "2007/08"}', '{"from": "2005/06", "until": "2007/08"}']
    assert set(shown) <= taken
    assert '{"from": "2006-07"}' in set(verdicts) - taken


def test_every_period_and_history_the_docs_tests_and_fixtures_show_is_valid_under_the_schema_exactly_when_the_loader_takes_it() -> (
    None
):
    periods = _forms(r"\bperiod: ([0-9][^\s,}\]'\"`]*)")
    histories = _forms(r"history: (\{[^}\n]*\})")
    assert len(periods) >= 4 and len(histories) >= 3
    schema = _committed("evidence")
    period = Draft202012Validator(_at(schema, "/properties/period"))
    history = Draft202012Validator(_at(schema, "/$defs/Indicator/properties/history"))
    adapter: TypeAdapter[Any] = TypeAdapter(Period)
    keys: TypeAdapter[Any] = TypeAdapter(dict[Period, float])
    values = _yaml_values(periods)
    assert [v for v in values if _loader_takes(adapter, v) != period.is_valid(v)] == []
    assert {"2007/08", "2008/09"} <= {v for v in values if _loader_takes(adapter, v)}
    maps = _yaml_values(histories)
    assert [m for m in maps if _loader_takes(keys, m) != history.is_valid(m)] == []


@pytest.mark.parametrize(
    ("which", "document", "path"),
    [
        ("evidence", {"period": "2008/2009"}, ["period"]),
        ("evidence", {"period": "2008/10"}, ["period"]),
        ("evidence", {"indicator_set": {"period": "2008"}}, ["indicator_set", "period"]),
        ("evidence", {"use_of_resources": {"assessments": [{"body": "x", "period": "08/09", "kloes": {"1.1": 3}}]}},
         ["use_of_resources", "assessments", 0, "period"]),
        ("evidence", {"indicator_set": {"indicators": [{"code": "NI 1", "body": "x", "value": 1,
                                                        "history": {"2007/08": 1, "2007": 2}}]}},
         ["indicator_set", "indicators", 0, "history"]),
        ("rules", {"periods": ["2008/09", "2009/2010"]}, ["periods", 1]),
        ("rules", {"periods": {"from": "2008"}}, ["periods", "from"]),
        ("rules", {"periods": {"until": "2008/10"}}, ["periods", "until"]),
    ],
)  # fmt: skip
def test_an_editor_flags_a_badly_written_period_where_it_is(
    which: str, document: dict[str, Any], path: list[Any]
) -> None:
    # the document is otherwise incomplete: only the period's own error is looked at (under periods' oneOf, the
    # branch of the form written)
    errors = Draft202012Validator(_committed(which)).iter_errors(document)
    (flagged,) = [e for top in errors for e in (top, *top.context) if e.validator == "pattern"]
    assert list(flagged.absolute_path) == path
    assert flagged.validator_value == PERIOD_JSON_SCHEMA["pattern"] or (
        flagged.validator_value == SECTION_PERIOD_JSON_SCHEMA["pattern"] and path[-1] == "period"
    )
