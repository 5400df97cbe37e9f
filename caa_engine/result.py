"""The result of one assessment: judgements, flags and notes, with the audit trail they came from.

:func:`build_result` is a view over the session's events and settled facts;
nothing here decides anything.  ``Result.to_json()`` is canonical: the same
rules and evidence give byte-identical text on every backend (which backend
ran is kept on the object, not in the JSON, for exactly that reason).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

import pydantic_core
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr

from .audit.events import AuditEvent, EventRecord, event_model, plain, spoken
from .compile import Plan
from .facts import Fact
from .session import Outcome

__all__ = [
    "BodyInfo",
    "Judgement",
    "ElementResult",
    "FlagResult",
    "NoteResult",
    "Finding",
    "Result",
    "Unjudged",
    "build_result",
]


@dataclass(frozen=True)
class Unjudged:
    """An element the rules judge in some period but not in the period judged (2007/08 judges use of resources
    alone): what the reports name as not judged because no rules for it were in force."""

    element: str
    title: str
    scope: str  # "area" or "body"
    combines: bool  # the element that combines the others (the overall score)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Judgement(_Model):
    """One body's judgement for a per-body element: its score and label, the rule that decided it, and any cap."""

    score: int = Field(description="the score, 1-4")
    label: str = Field(description="the scale's word for the score, e.g. 'performing well'")
    rule: str = Field(description="the rule whose score won")
    uncapped: int | None = Field(default=None, description="the score before a cap held it down")
    capped_by: str | None = Field(default=None, description="the rule that capped the score")
    measures: dict[str, list[dict[str, Any]]] = Field(
        default_factory=dict, description="facts measures derived for this subject"
    )
    notes: list[str] = Field(default_factory=list, description="the texts of the notes rules added")


class ElementResult(_Model):
    """One CAA element's result: the area's score for an area element, or a judgement per body (``bodies``).

    For an element judged per area, ``score``, ``label``, ``rule``, ``uncapped`` and ``capped_by`` are as in a
    :class:`Judgement` and ``bodies`` is None; for one judged per body they are None and ``bodies`` holds them.
    """

    title: str = Field(description="the rule set's title")
    ruleset: str = Field(description="the id of the rule set that judged it")
    version: str = Field(description="that rule set's version")
    scope: str = Field(description="'area' or 'body'")
    score: int | None = None
    label: str | None = None
    rule: str | None = None
    uncapped: int | None = None
    capped_by: str | None = None
    bodies: dict[str, Judgement] | None = Field(default=None, description="body id -> its judgement")


class FlagResult(_Model):
    """A flag a rule raised: red for a significant concern, green for exceptional success, or none (such as an
    honourable failure)."""

    kind: str
    colour: str | None = Field(default=None, description="red for a significant concern, green for success")
    subject: str
    rule: str
    reason: str
    body: str | None = None


class NoteResult(_Model):
    """A note a rule added about a subject, such as a KLOE to reassess next year."""

    kind: str
    subject: str
    rule: str
    text: str
    body: str | None = None


class Finding(_Model):
    """One value a rule or measure settled for one fact, and the evidence behind it."""

    value: Any
    by: str = Field(description="the rule or measure that gave it")
    source: str = Field(description="file:line of that rule or measure")
    evidence: list[str] = Field(description="each value it read: name = value (file:line)")


class BodyInfo(_Model):
    """A body of the area as the evidence named it."""

    name: str
    kind: str
    lead: bool


class Result(_Model):
    """The result of assessing one area: each element's judgements, the overall view, flags, findings and notes,
    and the audit trail behind them, with the rules and evidence (by sha256) they came from.

    Made by :class:`caa_engine.Engine` and :func:`caa_engine.assess`; :meth:`to_json` is its canonical text.
    """

    area: dict[str, str]
    period: str | None = Field(
        default=None,
        description="the assessment period judged, e.g. '2008/09': under dated rules the period whose rules judged "
        "it (each element's rule set is in 'rulesets', with the periods it is in force for); under rules that are "
        "not dated, the period the bundle names, if it names one",
    )
    bodies: dict[str, BodyInfo] = Field(description="every body in the area, by id")
    elements: dict[str, ElementResult]
    overall: dict[str, Any] | None = Field(
        default=None, description="the judgement of the rule set that combines the others, if any"
    )
    flags: list[FlagResult]
    findings: dict[str, dict[str, dict[str, Finding]]] = Field(
        default_factory=dict,
        description="what classifications and per-fact measures settled about each fact: subject type -> "
        "subject id -> classification name (its label) or 'into.field' (a measure's value) -> finding",
    )
    notes: list[NoteResult]
    audit: list[AuditEvent]
    engine: dict[str, str]
    rulesets: dict[str, dict[str, str | None]] = Field(
        description="every rule set that judged this result, by id: its element, version, file, the periods it is "
        "in force for in words ('2007/08', '2008/09 onwards'; null for a rule set that is not dated: every period) "
        "and its sha256"
    )
    rules_sha256: str
    evidence: dict[str, str]
    backend: str = Field(default="", exclude=True, description="the backend that ran (not part of the JSON)")
    # The session's events in their JSON form.  A result from the engine is made without 'audit': the models are
    # made from these the first time 'audit' is read, and to_json() writes these directly.
    _events: list[EventRecord] | None = PrivateAttr(default=None)
    # The rules' words about this assessment (caa_engine.wording.Words): descriptions with values filled in, and
    # why each judgement is not a band higher.  The engine leaves how to make them (a partial over the session's
    # outcome), and they are made the first time they are read: most results are only written as JSON, and the
    # words cost a quarter of an assessment.  Never part of the JSON, so a result read back from JSON has none and
    # its reasons fall back to the rule files' plain descriptions.
    _words: Any = PrivateAttr(default=None)
    # What the period's rules did not judge, for the reports; never part of the JSON (which lists what was judged,
    # under 'elements' and 'rulesets'), so a result read back from JSON has neither and its reports show the flag
    # counts as before.  Set by the engine: whether any rule in force can raise a flag, which element combines the
    # others, and the elements other periods' rules judge.
    _raises_flags: bool | None = PrivateAttr(default=None)
    _not_in_force: tuple[Unjudged, ...] = PrivateAttr(default=())
    _combining: str | None = PrivateAttr(default=None)

    @property
    def flags_judged(self) -> bool:
        """Whether any rule in force for the period can raise a flag: if none can (2007/08's rules judge use of
        resources alone), the result has no flags because none were judged, not because none were raised.  True
        for a result read back from JSON, which does not say."""
        return self._raises_flags is not False

    @property
    def combining_element(self) -> str | None:
        """The element that combines the others into the overall score ('overall'), also when it gives none;
        for a result read back from JSON, only when it gives one."""
        return self._combining or (self.overall or {}).get("element")

    @property
    def not_in_force(self) -> tuple[Unjudged, ...]:
        """The elements the rules judge for other periods but not for this result's (dated rules only), in the
        order of the period whose rules judge them."""
        return self._not_in_force

    @property
    def words(self) -> Any:
        """The rules' words about this assessment (a :class:`caa_engine.wording.Words`), or None."""
        if isinstance(self._words, partial):
            self._words = self._words()
        return self._words

    if not TYPE_CHECKING:

        def __getattr__(self, name: str) -> Any:
            if name == "audit":
                return self._audit()
            return super().__getattr__(name)

    def _audit(self) -> list[AuditEvent]:
        """The audit trail as models, made once from the recorded events."""
        values = self.__dict__
        events = values.get("audit")
        if events is None:
            events = [event_model(record) for record in self._events or ()]
            # In its place among the fields: pydantic-core writes a constructed model's fields in this order.
            ordered = {
                name: events if name == "audit" else values[name]
                for name in _ALL_FIELDS
                if name in values or name == "audit"
            }
            values.clear()
            values.update(ordered)
        return events  # type: ignore[no-any-return]

    def model_dump(self, **kwargs: Any) -> dict[str, Any]:
        self._audit()
        return super().model_dump(**kwargs)

    def model_dump_json(self, **kwargs: Any) -> str:
        self._audit()
        return super().model_dump_json(**kwargs)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Result):
            self._audit()
            other._audit()
        return super().__eq__(other)

    def to_json(self, trail: str = "full") -> str:
        """Canonical JSON: identical for identical rules and evidence, on every backend.

        ``trail`` (one of TRAILS) says how much of the audit trail to write: ``full`` (the default) every event
        as the model gives it; ``compact`` every event with every input's value and source, but what events
        repeat written once: each rule's or measure's description, expression and citation under ``rule_texts``
        (keyed ``kind:id``), and each list of two or more fact ids an aggregate counted under ``fact_lists``, an
        input's ``facts`` (or ``among``) then being the list's index there; ``none`` no events (the judgements, findings with their evidence, flags and notes stay).
        Raises ValueError for another ``trail``.

        The text is ``json.dumps(self.model_dump(mode="json"), indent=2, ensure_ascii=False)`` plus a newline.
        pydantic-core writes the same bytes several times faster, except that it spells a float below 1e-4
        without Python's exponent (``0.00005`` for ``5e-05``) and cannot write a lone surrogate: where the
        text could hold either, the slow spelling is used, so the bytes never depend on the path taken.
        """
        if trail != "full":
            return _leaner_json(self, trail)
        if "audit" not in self.__dict__:  # the trail is still only recorded: write the records
            return _dumps(self._json_form())
        # The models were read (or replaced, by model_copy(update=...), which puts them last): they are the trail.
        data = BaseModel.model_dump(self, mode="json")
        return _dumps({name: data[name] for name in _JSON_FIELDS})

    def _events_json(self) -> list[EventRecord]:
        """The trail in its JSON form, whichever way this result holds it."""
        if "audit" in self.__dict__:
            return [event.model_dump(mode="json") for event in self.__dict__["audit"]]
        return self._events or []

    def _json_form(self) -> dict[str, Any]:
        """The JSON form of a result whose trail is still only recorded: every field in order, 'audit' the
        recorded events themselves."""
        data = super().model_dump(mode="json", exclude={"audit"})
        return {name: self._events if name == "audit" else data[name] for name in _JSON_FIELDS}


_ALL_FIELDS = tuple(Result.model_fields)
_JSON_FIELDS = tuple(name for name, info in Result.model_fields.items() if not info.exclude)


def _may_spell_small_float(text: str) -> bool:
    """Whether pydantic-core may have spelt a float below 1e-4 here.

    Values reach the JSON through ``plain``, which rounds to 6 decimals, so such a float is a multiple of
    1e-6: pydantic-core writes ``0.00005`` or ``-3e-6`` where Python writes ``5e-05`` or ``-3e-06``.  A text
    that merely looks like one (an id ending ``e-6``) only costs the slower path.
    """
    if "0.0000" in text:
        return True
    at = text.find("e-6")
    while at != -1:
        if at and text[at - 1].isdigit():
            return True
        at = text.find("e-6", at + 3)
    return False


TRAILS = ("full", "compact", "none")
# What an event repeats from its rule or measure, written once per rule under 'rule_texts' in a compact trail.
_RULE_TEXTS = ("description", "expression", "citation")


def _leaner_json(result: Result, trail: str) -> str:
    """A result's JSON with a compact trail, or none: the full form with the trail's repeated texts (or all of
    it) left out, and a ``trail`` key saying which, so a reader never mistakes it for the full trail."""
    if trail not in TRAILS:
        raise ValueError(f"unknown trail '{trail}': choose one of {', '.join(TRAILS)}")
    data = BaseModel.model_dump(result, mode="json", exclude={"audit"})
    out: dict[str, Any] = {}
    for name in _JSON_FIELDS:
        if name != "audit":
            out[name] = data[name]
            continue
        out["trail"] = trail
        if trail == "none":
            continue
        out["rule_texts"], out["fact_lists"], out["audit"] = _compact(result._events_json())
    return _dumps(out)


def _compact(trail: list[EventRecord]) -> tuple[dict[str, Any], list[list[str]], list[EventRecord]]:
    """A trail with what its events repeat written once: (rule_texts, fact_lists, the events without them)."""
    texts: dict[str, dict[str, Any]] = {}
    lists: dict[tuple[str, ...], int] = {}

    def listed(ids: list[str]) -> Any:
        return lists.setdefault(tuple(ids), len(lists)) if len(ids) > 1 else ids

    events = []
    for event in trail:
        key = f"{event['kind']}:{event['id']}"
        if key not in texts:
            texts[key] = {"source": event["source"], **{text: event[text] for text in _RULE_TEXTS}}
        lean = {k: v for k, v in event.items() if k not in _RULE_TEXTS}
        lean["inputs"] = [
            {k: listed(v) if k in ("facts", "among") else v for k, v in item.items()} for item in event["inputs"]
        ]
        events.append(lean)
    return dict(sorted(texts.items())), [list(ids) for ids in lists], events


def _dumps(data: Any) -> str:
    """``json.dumps(data, indent=2, ensure_ascii=False)`` and a newline, by pydantic-core where the bytes agree."""
    try:
        text = pydantic_core.to_json(data, indent=2).decode()
    except ValueError:  # pragma: no cover - a text pydantic-core cannot encode
        text = "0.0000"
    if _may_spell_small_float(text):
        text = json.dumps(data, indent=2, ensure_ascii=False)
    return text + "\n"


def _measures_for(outcome: Outcome, plan: Plan, element: str, subject: str) -> dict[str, list[dict[str, Any]]]:
    """The facts the element's measures derived for ``subject`` (a body, or the area)."""
    store = outcome.store
    is_area = subject == store.area().id
    out: dict[str, list[dict[str, Any]]] = {}
    for measure in plan.measures:
        if measure.element != element or measure.per is not None:
            continue  # a per-fact measure's values are findings about each fact
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
        uncapped=fact.fields.get("uncapped"),
        capped_by=fact.fields.get("capped_by"),
        measures=_measures_for(outcome, plan, element, fact.id),
        notes=notes.get((element, fact.id), []),
    )


def _findings(outcome: Outcome, plan: Plan) -> dict[str, dict[str, dict[str, Finding]]]:
    """subject type -> subject -> what was settled about it: a classification's label under the
    classification's name, a per-fact measure's value as ``into.field``."""
    out: dict[str, dict[str, dict[str, Finding]]] = {}
    for (type_name, subject), by_field in sorted(outcome.findings.items()):
        fact = outcome.store.get(type_name, subject)
        assert fact is not None
        subject_type = plan.fact_types[type_name].companion_of or type_name
        entry = out.setdefault(subject_type, {}).setdefault(subject, {})
        for name, event in by_field.items():
            evidence = []
            for read in event["inputs"]:
                where = f" ({read['source']})" if read["source"] else ""
                facts, among = read["facts"], read.get("among")
                if among:  # a share: how many of how many, and which
                    counted = f" ({len(facts)} of {len(among)}{': ' if facts else ''}" + ", ".join(facts) + ")"
                else:
                    counted = f" over {', '.join(facts)}" if facts else ""
                evidence.append(f"{read['name']} = {spoken(read['value'])}{counted}{where}")
            source = event["source"]
            entry[type_name if name == "label" else f"{type_name}.{name}"] = Finding.model_construct(
                value=plain(fact.fields.get(name)),
                by=event["id"],
                source=f"{source['file']}:{source['line']}",
                evidence=evidence,
            )
    # The area, then bodies, then each other type; subjects in id order.
    order = sorted(out, key=lambda name: (name != "area", name != "body", name))
    return {name: dict(sorted(out[name].items())) for name in order}


def in_policy_order(plan: Plan) -> list[Any]:
    """Rule sets as a reader expects the elements: those an overall view combines, in its order, then any
    other, then the overall view itself."""
    infos = list(plan.rulesets)
    combining = [info for info in infos if info.combines]
    listed = [name for info in combining for name in info.combines]
    first = sorted((i for i in infos if i.element in listed), key=lambda i: listed.index(i.element or ""))
    rest = [i for i in infos if i not in first and i not in combining]
    return first + rest + combining


def build_result(
    plan: Plan,
    outcome: Outcome,
    *,
    backend: str,
    engine_version: str,
    evidence_file: str,
    evidence_sha256: str,
    period: str | None = None,
) -> Result:
    area = outcome.store.area()
    elements: dict[str, ElementResult] = {}
    notes_by_subject = _notes_by_subject(outcome, plan)
    overall: dict[str, Any] | None = None
    for info in in_policy_order(plan):
        if info.element is None or not info.scale:
            continue  # reference data (a catalogue), or a rule set that judges nothing
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
            element.uncapped, element.capped_by = fact.fields.get("uncapped"), fact.fields.get("capped_by")
            if info.combines:
                overall = {"element": info.element, "score": element.score, "label": element.label}
                if element.capped_by:
                    overall.update(uncapped=element.uncapped, capped_by=element.capped_by)
        elements[info.element] = element
    flags = [
        FlagResult(**{k: f.fields[k] for k in ("kind", "colour", "subject", "rule", "reason", "body")})
        for f in sorted(outcome.flags, key=lambda f: (f.fields["subject"], f.fields["rule"]))
    ]
    notes = [
        NoteResult(**{k: n.fields[k] for k in ("kind", "subject", "rule", "text", "body")})
        for n in sorted(outcome.notes, key=lambda n: (n.fields["subject"], n.fields["rule"]))
    ]
    result = Result.model_construct(
        area={"id": area.id, "name": area.fields["name"]},
        period=period,
        bodies={
            b.id: BodyInfo(name=b.fields["name"], kind=b.fields["kind"], lead=b.fields["lead"])
            for b in outcome.store.of("body")
        },
        elements=elements,
        overall=overall,
        flags=flags,
        findings=_findings(outcome, plan),
        notes=notes,
        engine={"name": "caa-engine", "version": engine_version},
        rulesets={
            i.ruleset: {
                "element": i.element,
                "version": i.version,
                "file": i.file,
                "periods": i.periods,
                "sha256": i.sha256,
            }
            for i in plan.rulesets
        },
        rules_sha256=plan.digest,
        evidence={"file": evidence_file, "sha256": evidence_sha256},
        backend=backend,
    )
    result._events = outcome.events
    return result
