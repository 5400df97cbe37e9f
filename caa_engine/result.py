"""The result of one assessment: judgements, flags and notes, with the audit trail they came from.

:func:`build_result` is a view over the session's events and settled facts;
nothing here decides anything.  ``Result.to_json()`` is canonical: the same
rules and evidence give byte-identical text on every backend (which backend
ran is kept on the object, not in the JSON, for exactly that reason).
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from .audit.events import AuditEvent, plain
from .compile import Plan
from .facts import Fact
from .session import Outcome

__all__ = ["BodyInfo", "Judgement", "ElementResult", "FlagResult", "NoteResult", "Result", "build_result"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Judgement(_Model):
    score: int
    label: str
    rule: str = Field(description="the rule whose score won")
    measures: dict[str, list[dict[str, Any]]] = Field(
        default_factory=dict, description="facts measures derived for this subject"
    )
    notes: list[str] = Field(default_factory=list)


class ElementResult(_Model):
    title: str
    ruleset: str
    version: str
    scope: str
    score: int | None = None
    label: str | None = None
    rule: str | None = None
    bodies: dict[str, Judgement] | None = None


class FlagResult(_Model):
    kind: str
    subject: str
    rule: str
    reason: str
    body: str | None = None


class NoteResult(_Model):
    kind: str
    subject: str
    rule: str
    text: str
    body: str | None = None


class BodyInfo(_Model):
    name: str
    kind: str
    lead: bool


class Result(_Model):
    area: dict[str, str]
    bodies: dict[str, BodyInfo] = Field(description="every body in the area, by id")
    elements: dict[str, ElementResult]
    overall: dict[str, Any] | None = None
    flags: list[FlagResult]
    notes: list[NoteResult]
    audit: list[AuditEvent]
    engine: dict[str, str]
    rulesets: dict[str, dict[str, str]]
    rules_sha256: str
    evidence: dict[str, str]
    backend: str = Field(default="", exclude=True, description="the backend that ran (not part of the JSON)")

    def to_json(self) -> str:
        """Canonical JSON: identical for identical rules and evidence, on every backend."""
        return json.dumps(self.model_dump(mode="json"), indent=2, ensure_ascii=False) + "\n"


def _measures_for(outcome: Outcome, plan: Plan, element: str, subject: str) -> dict[str, list[dict[str, Any]]]:
    """The facts the element's measures derived for ``subject`` (a body, or the area)."""
    store = outcome.store
    is_area = subject == store.area().id
    out: dict[str, list[dict[str, Any]]] = {}
    for measure in plan.measures:
        if measure.element != element:
            continue
        facts = (
            [f for f in store.of(measure.into) if f.body() is None] if is_area else store.of_body(measure.into, subject)
        )
        for fact in facts:
            out.setdefault(measure.id, []).append({k: plain(v) for k, v in fact.fields.items() if k != "body"})
    return out


def _notes_by_subject(outcome: Outcome, plan: Plan) -> dict[tuple[str, str], list[str]]:
    """(element, body or area id) -> note texts, in the order the notes were added."""
    element_of = {rule.id: rule.element for rule in plan.rules}
    area_id = outcome.store.area().id
    out: dict[tuple[str, str], list[str]] = {}
    for note in outcome.notes:
        key = (element_of[note.fields["rule"]], note.fields.get("body") or area_id)
        out.setdefault(key, []).append(note.fields["text"])
    return out


def _judgement(
    fact: Fact, outcome: Outcome, plan: Plan, element: str, notes: dict[tuple[str, str], list[str]]
) -> Judgement:
    return Judgement(
        score=fact.fields["score"],
        label=fact.fields["label"],
        rule=fact.fields["rule"],
        measures=_measures_for(outcome, plan, element, fact.id),
        notes=notes.get((element, fact.id), []),
    )


def build_result(
    plan: Plan, outcome: Outcome, *, backend: str, engine_version: str, evidence_file: str, evidence_sha256: str
) -> Result:
    area = outcome.store.area()
    elements: dict[str, ElementResult] = {}
    notes_by_subject = _notes_by_subject(outcome, plan)
    for info in plan.rulesets:
        settled = outcome.judgements.get(info.element, {})
        element = ElementResult(title=info.title, ruleset=info.ruleset, version=info.version, scope=info.scope)
        if info.scope == "body":
            element.bodies = {
                sid: _judgement(fact, outcome, plan, info.element, notes_by_subject)
                for sid, fact in sorted(settled.items())
            }
        elif area.id in settled:
            fact = settled[area.id]
            element.score, element.label, element.rule = fact.fields["score"], fact.fields["label"], fact.fields["rule"]
        elements[info.element] = element
    flags = [
        FlagResult(**{k: f.fields[k] for k in ("kind", "subject", "rule", "reason", "body")})
        for f in sorted(outcome.flags, key=lambda f: (f.fields["subject"], f.fields["rule"]))
    ]
    notes = [
        NoteResult(**{k: n.fields[k] for k in ("kind", "subject", "rule", "text", "body")})
        for n in sorted(outcome.notes, key=lambda n: (n.fields["subject"], n.fields["rule"]))
    ]
    return Result(
        area={"id": area.id, "name": area.fields["name"]},
        bodies={
            b.id: BodyInfo(name=b.fields["name"], kind=b.fields["kind"], lead=b.fields["lead"])
            for b in outcome.store.of("body")
        },
        elements=elements,
        flags=flags,
        notes=notes,
        audit=outcome.events,
        engine={"name": "caa-engine", "version": engine_version},
        rulesets={
            i.ruleset: {"element": i.element, "version": i.version, "file": i.file, "sha256": i.sha256}
            for i in plan.rulesets
        },
        rules_sha256=plan.digest,
        evidence={"file": evidence_file, "sha256": evidence_sha256},
        backend=backend,
    )
