"""Explain one judgement from the audit trail, in words a council can challenge line by line.

A view over a :class:`~caa_engine.result.Result`'s events: the rule that
decided the score (its condition, the values it read and where each came
from, the parameters), the rules it beat, the measures that derived every
fact it counted (down to the evidence lines), and the notes and flags raised
on the same subject.  Nothing is recomputed.
"""

from __future__ import annotations

import re

from ..result import ElementResult, Judgement, Result
from .events import AuditEvent, EventInput, show

__all__ = ["explain", "judged_subjects"]


def judged_subjects(result: Result, element: str) -> list[str]:
    """The subjects (body ids, or the area id) that have a judgement for ``element``."""
    found = result.elements.get(element)
    if found is None:
        return []
    if found.bodies is not None:
        return list(found.bodies)
    return [result.area["id"]] if found.score is not None else []


def _judged_by(result: Result, found: ElementResult) -> str:
    """Which period, and which rule file and version, the judgement is for and by."""
    info = result.rulesets.get(found.ruleset, {})
    where = str(info.get("file") or "")
    if info.get("periods"):
        where += f", in force for {info['periods']}"
    period = result.period or "no period named"
    return f"  judged for {period} by {found.ruleset} {found.version} ({where})"


def explain(result: Result, element: str, subject: str) -> str:
    """The explanation of ``element`` for ``subject`` as text.

    Raises LookupError if the element is unknown or the subject was not judged.
    """
    if element not in result.elements:
        raise LookupError(f"no element '{element}' in this result (elements: {', '.join(result.elements)})")
    if subject not in judged_subjects(result, element):
        listed = ", ".join(judged_subjects(result, element)) or "none"
        raise LookupError(f"'{subject}' has no {element} judgement (judged: {listed})")
    events = [e for e in result.audit if e.element == element]
    scoring = [e for e in events if e.kind == "rule" and e.subject == subject and "score" in e.effect]
    capping = [e for e in events if e.kind == "rule" and e.subject == subject and "cap" in e.effect]
    decider = next(e for e in scoring if e.status == "applied")
    producers = _producers(result.audit)
    found = result.elements[element]
    judged: Judgement | ElementResult = found.bodies[subject] if found.bodies is not None else found
    title = found.title
    lines = [f"{title} for {_name(result, subject)}: {judged.score}, {judged.label}", _judged_by(result, found), ""]
    lines += _rule(decider, "decided by rule", 1)
    seen: set[tuple[str, str]] = set()
    lines += _lineage(decider, producers, 2, seen)
    for cap in capping:
        lines.append("")
        held = cap.status == "applied" and judged.capped_by == cap.id
        outcome = f"held the score at {cap.effect['cap']} (from {judged.uncapped})" if held else "did not lower it"
        lines += _rule(cap, "capped by rule" if held else "cap from rule", 1, f": {outcome}")
        lines += _lineage(cap, producers, 2, seen)
    for other in scoring:
        if other is not decider:
            lines.append("")
            lines += _rule(other, "also true: rule", 1, f", overridden by {other.overridden_by}")
    area_wide = found.bodies is None
    raised = [
        e
        for e in events
        if e.kind == "rule"
        and (area_wide or (e.body or result.area["id"]) == subject)
        and ("note" in e.effect or "flag" in e.effect)
    ]
    for event in raised:
        lines.append("")
        effect = event.effect.get("flag") or event.effect.get("note") or {}
        kind = "flag" if "flag" in event.effect else "note"
        colour = f"{effect['colour']} " if effect.get("colour") else ""
        text = effect.get("reason") or effect.get("text")
        lines.append(f"  {colour}{kind} {effect.get('kind')} on {event.subject}: {text}")
        lines += _rule(event, "raised by rule", 2)
        lines += _lineage(event, producers, 3, seen)
    return "\n".join(lines) + "\n"


Producers = dict[tuple[str, str], list[AuditEvent]]


def _producers(audit: list[AuditEvent]) -> Producers:
    """(fact type, fact id) -> the events that derived it: measures, and the rules whose label a
    classification settled on."""
    out: Producers = {}
    for event in audit:
        if event.status != "applied":
            continue
        if event.kind == "measure":
            out.setdefault((event.effect["fact"], event.subject), []).append(event)
        for name in event.effect.get("classify", {}):
            out.setdefault((name, event.subject), []).append(event)
        for raised in ("flag", "note"):
            if raised in event.effect:
                out.setdefault((raised, f"{event.subject}/{raised}/{event.id}"), []).append(event)
        if event.kind == "rule" and "score" in event.effect:
            out.setdefault(("judgement", f"{event.element}/{event.subject}"), []).append(event)
    return out


_AGGREGATE = re.compile(r"^[a-z_]+\(([a-z_][a-z0-9_]*)")


def _derivations(item: EventInput, producers: Producers) -> list[tuple[str, AuditEvent]]:
    """The events that derived the facts one input read, with each fact's id."""
    field = ""  # for a single field read: which field of the fact, so only the measure that gave it is named
    if item.facts:
        match = _AGGREGATE.match(item.name)
        fact_type = match.group(1) if match else ""
        ids = item.facts
    else:
        fact_type, _, field = item.name.partition(".")
        ids = [item.fact] if item.fact else []
    out = []
    for fact_id in ids:
        for event in producers.get((fact_type, fact_id), []):
            if item.facts or event.kind == "rule" or field in event.effect:
                out.append((fact_id, event))
    return out


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
    lines += [f"{pad}  with:  params.{p.name} = {show(p.value)} ({p.source})" for p in event.params]
    return lines


def _lineage(event: AuditEvent, producers: Producers, depth: int, seen: set[tuple[str, str]]) -> list[str]:
    """How each derived fact an event read was derived, down to the evidence."""
    lines: list[str] = []
    pad = "  " * depth
    for item in event.inputs:
        for fact_id, producer in _derivations(item, producers):
            key = (producer.id, fact_id)
            if key in seen:
                continue
            seen.add(key)
            where = f"{producer.source['file']}:{producer.source['line']}"
            if producer.kind == "rule" and "score" in producer.effect:
                # another element's judgement: its own explanation follows it further
                lines.append(
                    f"{pad}{fact_id}: {producer.effect['score']}, {producer.effect['label']} by rule {producer.id} "
                    f"({where}); caa explain --element {producer.element} follows it"
                )
                continue
            if producer.kind == "rule":
                lines.append(f"{pad}{fact_id}: {_effect(producer)} by rule {producer.id} ({where})")
                lines.append(f"{pad}  when:  {producer.expression}")
            else:
                value = {k: v for k, v in producer.effect.items() if k not in ("fact", "per", "unknown")}
                if "per" in producer.effect:  # one value per fact, kept on its companion as into.field
                    [(field, single)] = value.items()
                    name = f"{producer.effect['fact']}.{field} of {producer.effect['per']} {fact_id}"
                    lines.append(f"{pad}{name} = {show(single)} by measure {producer.id} ({where})")
                else:
                    lines.append(f"{pad}{fact_id} = {show(value)} by measure {producer.id} ({where})")
                if "unknown" in producer.effect:
                    lines.append(f"{pad}  {producer.effect['unknown']}")
                lines.append(f"{pad}  value: {producer.expression}")
            lines += [f"{pad}  read:  {_read(i)}" for i in producer.inputs if not i.facts]
            lines += [f"{pad}  gives: {_gives(i)}" for i in producer.inputs if i.facts or i.among]
            lines += [f"{pad}  with:  params.{p.name} = {show(p.value)} ({p.source})" for p in producer.params]
            lines += _lineage(producer, producers, depth + 1, seen)
    return lines


def _effect(event: AuditEvent) -> str:
    """What a rule event concluded, in a few words: the labels it gave, the flag or note it raised."""
    parts = [f"{name} {label}" for name, label in event.effect.get("classify", {}).items()]
    for raised in ("flag", "note"):
        effect = event.effect.get(raised)
        if effect:
            colour = f"{effect['colour']} " if effect.get("colour") else ""
            parts.append(f"{colour}{raised} {effect['kind']}")
    return ", ".join(parts)


def _gives(item: EventInput) -> str:
    """An aggregate a measure computed: a share says how many of how many."""
    text = f"{item.name} = {show(item.value)}"
    return text + f" ({len(item.facts)} of {len(item.among)})" if item.among else text


def _read(item: EventInput) -> str:
    text = f"{item.name} = {show(item.value)}"
    if item.source:
        text += f"   [{item.fact + ', ' if item.fact else ''}{item.source}]"
    elif item.among:  # a share: how many of how many
        shown = f": {', '.join(item.facts)}" if item.facts else ""
        text += f"   [{len(item.facts)} of {len(item.among)}{shown}]"
    elif item.facts:
        text += f"   [over {len(item.facts)}: {', '.join(item.facts)}]"
    return text
