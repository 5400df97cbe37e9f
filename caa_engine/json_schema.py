"""The JSON Schema of a rule file and of an evidence bundle, for editors and other tools.

Generated from the pydantic models (:class:`caa_engine.rules.model.RuleSetFile`,
:class:`caa_engine.evidence.model.EvidenceBundle`), with a stable ``$id`` each
and one change to pydantic's form: a section or field that may be left out
(its default is None) is a plain optional property, not "X or null", so that a
schema validator's message names the mistake instead of "is not valid under any
of the given schemas".  Validation is the models' own and is unchanged: an
explicit ``null`` is still accepted by the engine, only the schema omits it.

``schemas/<which>.schema.json`` in the project is :func:`schema_text` of each,
committed so that rule files and fixtures can name it on their first line.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue
from pydantic_core import core_schema

from .evidence.model import EvidenceBundle
from .rules.model import RuleSetFile

__all__ = ["SCHEMAS", "SCHEMA_IDS", "json_schema", "schema_text"]

SCHEMAS: dict[str, type[BaseModel]] = {"evidence": EvidenceBundle, "rules": RuleSetFile}
# Stable ids: an editor or a validator caches a schema by its id, so it never names a version or a commit.
SCHEMA_IDS = {which: f"https://caa-engine.example/schemas/{which}.schema.json" for which in SCHEMAS}
_NULL = {"type": "null"}
_TITLES = {"evidence": "caa-engine evidence bundle", "rules": "caa-engine rule file"}


class _OptionalNotNull(GenerateJsonSchema):
    """Pydantic's generator, but a field whose default is None is its type alone, with no default."""

    def default_schema(self, schema: core_schema.WithDefaultSchema) -> JsonSchemaValue:
        if "default" not in schema or schema["default"] is not None:
            return super().default_schema(schema)
        generated = self.generate_inner(schema["schema"])  # "anyOf": [..., {"type": "null"}], even under a validator
        branches = generated.get("anyOf")
        if not branches or _NULL not in branches:
            return generated
        rest = [branch for branch in branches if branch != _NULL]
        plain = {key: value for key, value in generated.items() if key != "anyOf"}
        return {**plain, **rest[0]} if len(rest) == 1 else {**plain, "anyOf": rest}

    def dict_schema(self, schema: core_schema.DictSchema) -> JsonSchemaValue:
        """A mapping whose keys have a pattern (an indicator's ``history``, keyed by period): every key must
        match it (``propertyNames``), not only the keys that do get the values' schema, as pydantic's
        ``patternProperties`` alone says (and lets any other key through)."""
        generated = super().dict_schema(schema)
        keyed = generated.pop("patternProperties", None)
        if keyed is None:
            return generated
        ((pattern, values),) = keyed.items()
        names = generated.get("propertyNames", {})
        generated["propertyNames"] = {"pattern": pattern, **names}
        generated["additionalProperties"] = values
        return generated


def json_schema(which: str) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of ``which``: "rules" or "evidence".  Raises KeyError for another."""
    model = SCHEMAS[which]
    generated = model.model_json_schema(schema_generator=_OptionalNotNull)
    generated["title"] = _TITLES[which]
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_IDS[which],
        **generated,
    }


def schema_text(which: str) -> str:
    """:func:`json_schema` as text: sorted keys, two-space indents, a final newline; the same bytes every run."""
    return json.dumps(json_schema(which), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
