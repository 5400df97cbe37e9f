"""Explain one judgement from the audit trail, in words a council can challenge line by line.

A view over a :class:`~caa_engine.result.Result`'s events: the rule that
decided the score (its condition, the values it read and where each came
from, the parameters), the rules it beat, the measures that derived every
fact it counted (down to the evidence lines), and the notes and flags raised
on the same subject.  Nothing is recomputed.
"""

from __future__ import annotations

import json
from typing import Any

from ..result import Result
from .events import AuditEvent, EventInput

__all__ = ["explain", "judged_subjects"]


def judged_subjects(result: Result, element: str) -> list[str]:
    """The subjects (body ids, or the area id) that have a judgement for ``element``."""
    found = result.elements.get(element)
    if found is None:
        return []
    if found.bodies is not None:
        return list(found.bodies)
    return [result.area["id"]] if found.score is not None else []


def explain(result: Result, element: str, subject: str) -> str:
    """The explanation of ``element`` for ``subject`` as text.

    Raises LookupError if the element is unknown or the subject was not judged.
    """
    if element not in result.elements:
        raise LookupError(f"no element '{element}' in this result (elements: {', '.join(result.elements)})")
    if subject not in judged_subjects(result, element):
        judged = ", ".join(judged_subjects(result, element)) or "none"
        raise LookupError(f"'{subject}' has no {element} judgement (judged: {judged})")
    events = [e for e in result.audit if e.element == element]
    scoring = [e for e in events if e.kind == "rule" and e.subject == subject and "score" in e.effect]
    decider = next(e for e in scoring if e.status == "applied")
    producers = {e.subject: e for e in result.audit if e.kind == "measure"}
    title = result.elements[element].title
    lines = [f"{title} for {_name(result, subject)}: {decider.effect['score']}, {decider.effect['label']}", ""]
    lines += _rule(decider, "decided by rule", 1)
    lines += _lineage(decider, producers, 2, set())
    for other in scoring:
        if other is not decider:
            lines.append("")
            lines += _rule(other, "also true: rule", 1, f", overridden by {other.overridden_by}")
    raised = [
        e
        for e in events
        if e.kind == "rule" and (e.body or result.area["id"]) == subject and ("note" in e.effect or "flag" in e.effect)
    ]
    for event in raised:
        lines.append("")
        effect = event.effect.get("flag") or event.effect.get("note") or {}
        kind = "flag" if "flag" in event.effect else "note"
        text = effect.get("reason") or effect.get("text")
        lines.append(f"  {kind} {effect.get('kind')} on {event.subject}: {text}")
        lines += _rule(event, "raised by rule", 2)
    return "\n".join(lines) + "\n"


def _name(result: Result, subject: str) -> str:
    body = result.bodies.get(subject)
    if body is not None:
        return f"{body.name} ({subject})"
    return f"{result.area['name']} ({subject})"


def _rule(event: AuditEvent, heading: str, depth: int, suffix: str = "") -> list[str]:
    pad = "  " * depth
    where = f"{event.source['file']}:{event.source['line']}"
    priority = f", priority {event.priority}" if event.priority is not None else ""
    lines = [
        f"{pad}{heading} {event.id} ({where}{priority}){suffix}",
        f"{pad}  says:  {event.description}",
        f"{pad}  cites: {event.citation}",
        f"{pad}  when:  {event.expression}",
    ]
    lines += [f"{pad}  read:  {_read(i)}" for i in event.inputs]
    lines += [f"{pad}  with:  params.{p.name} = {_value(p.value)} ({p.source})" for p in event.params]
    return lines


def _lineage(event: AuditEvent, producers: dict[str, AuditEvent], depth: int, seen: set[str]) -> list[str]:
    """How each fact an event counted was derived, down to the evidence."""
    lines: list[str] = []
    pad = "  " * depth
    for item in event.inputs:
        for fact_id in item.facts or ([item.fact] if item.fact else []):
            producer = producers.get(fact_id)
            if producer is None or fact_id in seen:
                continue
            seen.add(fact_id)
            value = {k: v for k, v in producer.effect.items() if k != "fact"}
            where = f"{producer.source['file']}:{producer.source['line']}"
            lines.append(f"{pad}{fact_id} = {_value(value)} by measure {producer.id} ({where})")
            lines.append(f"{pad}  value: {producer.expression}")
            lines += [f"{pad}  read:  {_read(i)}" for i in producer.inputs if not i.facts]
            lines += [f"{pad}  gives: {i.name} = {_value(i.value)}" for i in producer.inputs if i.facts]
            lines += [f"{pad}  with:  params.{p.name} = {_value(p.value)} ({p.source})" for p in producer.params]
            lines += _lineage(producer, producers, depth + 1, seen)
    return lines


def _read(item: EventInput) -> str:
    text = f"{item.name} = {_value(item.value)}"
    if item.source:
        text += f"   [{item.fact + ', ' if item.fact else ''}{item.source}]"
    elif item.facts:
        text += f"   [over {len(item.facts)}: {', '.join(item.facts)}]"
    return text


def _value(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True)
