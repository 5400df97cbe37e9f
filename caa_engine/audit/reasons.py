"""Reasons in plain words: each judgement, finding and flag said the way the rules say it.

A view over a :class:`~caa_engine.result.Result`: the deciding rule's description with the live values filled in
(``Result.words``, made by :mod:`caa_engine.wording` when the area was assessed), and for a judgement the reason
it is not one band higher, from the 'short_of' texts of the rule that gives that band.  The words are the rule
files' own: tuning a parameter changes them.  No fact ids and no conditions appear in the reader's text; the
evidence lines (a value and the ``file:line`` it came from) are given for whoever asks, and the audit trail keeps
everything else.  A result read back from JSON has no words: its reasons fall back to the rules' descriptions.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..result import FlagResult, Result
from .events import AuditEvent, spoken

__all__ = [
    "Reason",
    "judgement_reason",
    "finding_reason",
    "flag_reason",
    "subject_name",
    "subject_fields",
    "words",
]


@dataclass(frozen=True)
class Reason:
    """One judgement, finding or flag in plain words."""

    text: str  # "Use of resources for Cheltenham Borough Council is 3, performing well: 2 of its 3 themes ..."
    not_higher: str | None = None  # "Not 4: needs 2 themes at 4; it has none."
    rule: str = ""  # the deciding rule (or measure)
    source: str = ""  # its file:line
    evidence: tuple[str, ...] = ()  # each evidence value behind it: "name = value (file:line)"
    because: tuple[str, ...] = ()  # further reasons in words (a flag's verdict, a capped score's cap)


def words(name: str) -> str:
    """A machine name as words: 'honourable_failure' -> 'honourable failure'."""
    return name.replace("_", " ")


def subject_fields(result: Result, fact_type: str, subject: str) -> dict[str, Any]:
    """The fields of a fact something was found about, as the rules saw them (empty if not known)."""
    found = result.words.subjects.get((fact_type, subject)) if result.words is not None else None
    return dict(found or {})


def subject_name(result: Result, fact_type: str, subject: str) -> str:
    """A fact as people know it: a body's or the area's name, an indicator's code and title, an outcome's title,
    a self-assessment as whose and of what; never a bare fact id where a name is known."""
    if fact_type == "area" or subject == result.area["id"]:
        return result.area["name"]
    body = result.bodies.get(subject)
    if body is not None:
        return body.name
    fields = subject_fields(result, fact_type, subject)
    if fact_type == "self_assessment" and fields:
        owner = result.bodies.get(str(fields.get("body")))
        return f"{owner.name if owner else fields.get('body')}'s own {words(str(fields.get('element')))} score"
    code, title, name = fields.get("code"), fields.get("title"), fields.get("name")
    if fact_type == "kloe" and code:
        code = f"KLOE {code}"
    parts = [str(part) for part in (code, title or name) if part]
    return " ".join(parts) if parts else words(subject.rsplit("/", 1)[-1])


def _said(result: Result, rule: str, subject: str, fallback: str) -> str:
    found = result.words.said.get((rule, subject)) if result.words is not None else None
    return found if found is not None else " ".join(fallback.split())


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "!", "?")) else text + "."


def _short_name(result: Result, fact_id: str) -> str:
    """A counted fact as a list names it: an indicator's or a KLOE's code, else its title or name, else its type
    and the end of its id ('milestone 3')."""
    parts = fact_id.split("/")
    fact_type = parts[-2] if len(parts) >= 3 else ""
    fields = subject_fields(result, fact_type, fact_id)
    if fields.get("code"):
        return f"KLOE {fields['code']}" if fact_type == "kloe" else str(fields["code"])
    if fields.get("title") or fields.get("name"):
        return str(fields.get("title") or fields.get("name"))
    return f"{words(fact_type)} {parts[-1]}".strip()


def _which(result: Result, facts: list[str], among: list[str]) -> str:
    """Which facts a share counted, and which of those it was taken over it did not: ': NI 185, NI 191 (not NI 154)'."""
    counted = [_short_name(result, fact) for fact in facts]
    chosen = set(facts)
    left = [_short_name(result, fact) for fact in among if fact not in chosen]
    said = ": " + (", ".join(counted) if counted else "none")
    return said + (f" (not {', '.join(left)})" if left else "")


def _deciding(result: Result, element: str, subject: str, rule: str) -> AuditEvent | None:
    for event in result.audit:
        if event.kind == "rule" and event.element == element and event.subject == subject and event.id == rule:
            if event.status == "applied":
                return event
    return None


def _evidence(result: Result, event: AuditEvent | None) -> tuple[str, ...]:
    """The evidence values behind an event, down through the measures and rules that derived what it read: each
    value read straight from a file (the bundle or a rule file's table), with its file:line, once."""
    if event is None:
        return ()
    # What derived each fact an event may read: a grouped measure derives a fact of its own (its subject); a
    # per-fact measure writes one field of its subject's companion (read as 'into.field').
    grouped: dict[str, AuditEvent] = {}
    per_fact: dict[tuple[str, str, str], AuditEvent] = {}
    for other in result.audit:
        if other.status != "applied" or other.kind != "measure":
            continue
        if "per" in other.effect:
            for name in other.effect:
                if name not in ("fact", "per", "unknown"):
                    per_fact[(other.effect["fact"], name, other.subject)] = other
        else:
            grouped[other.subject] = other
    lines: list[str] = []
    seen: set[int] = set()

    def walk(current: AuditEvent, depth: int) -> None:
        if id(current) in seen or depth > 6:
            return
        seen.add(id(current))
        for item in current.inputs:
            into, _, field = item.name.partition(".")
            derived = per_fact.get((into, field, item.fact)) if item.fact else None
            if derived is not None:
                walk(derived, depth + 1)
                continue
            line = ""
            if item.source and not item.facts:
                line = f"{item.name} = {spoken(item.value)} ({item.source})"
            elif item.among:  # a share: how many of how many, and which
                line = f"{item.name} = {len(item.facts)} of {len(item.among)}{_which(result, item.facts, item.among)}"
            if line and line not in lines:
                lines.append(line)
            for fact in list(item.facts):
                element, _, judged = fact.partition("/")
                if element in result.elements and judged and "/" not in judged:  # another element's judgement
                    line = _judged_line(result, element, judged)
                    if line and line not in lines:
                        lines.append(line)
                elif fact in grouped:
                    walk(grouped[fact], depth + 1)

    walk(event, 0)
    return tuple(lines)


def _judged_line(result: Result, element: str, subject: str) -> str:
    """'Use of resources for Cheltenham Borough Council: 3, performing well' (empty if not judged)."""
    found = result.elements[element]
    judged = found.bodies.get(subject) if found.bodies is not None else None
    score, label = (judged.score, judged.label) if judged is not None else (found.score, found.label)
    if score is None:
        return ""
    kind = "body" if found.bodies is not None else "area"
    return f"{found.title} for {subject_name(result, kind, subject)}: {score}, {label}"


def judgement_reason(result: Result, element: str, subject: str) -> Reason:
    """Why ``element`` for ``subject`` (a body id, or the area id) has its score, and why not one band higher.

    Raises LookupError if there is no such judgement.
    """
    found = result.elements.get(element)
    if found is None:
        raise LookupError(f"no element '{element}' in this result (elements: {', '.join(result.elements)})")
    if found.bodies is not None:
        judged = found.bodies.get(subject)
        if judged is None:
            raise LookupError(f"'{subject}' has no {element} judgement (judged: {', '.join(found.bodies) or 'none'})")
        score, label, rule, uncapped, capped_by = (
            judged.score,
            judged.label,
            judged.rule,
            judged.uncapped,
            judged.capped_by,
        )
    else:
        if found.score is None or subject != result.area["id"]:
            raise LookupError(f"'{subject}' has no {element} judgement")
        score, label, rule = found.score, found.label or "", found.rule or ""
        uncapped, capped_by = found.uncapped, found.capped_by
    event = _deciding(result, element, subject, rule)
    description = event.description if event is not None else ""
    name = subject_name(result, "body" if found.bodies is not None else "area", subject)
    text = f"{found.title} for {name} is {score}, {label}: {_sentence(_said(result, rule, subject, description))}"
    because: list[str] = []
    not_higher = None
    if capped_by:
        cap = _deciding(result, element, subject, capped_by)
        said_cap = _sentence(_said(result, capped_by, subject, cap.description if cap else capped_by))
        text = (
            f"{found.title} for {name} is {score}, {label}: its bands give {uncapped}, but a cap holds it at {score}."
        )
        because.append(f"Bands: {_sentence(_said(result, rule, subject, description))}")
        not_higher = f"Not {score + 1}: capped. {said_cap}"
    else:
        bands = result.words.short_of.get((element, subject), ()) if result.words is not None else ()
        if bands:
            lacks = " or ".join(", and ".join(band.lacks) for band in bands if band.lacks)
            not_higher = f"Not {bands[0].score}: {_sentence(lacks)}" if lacks else None
    return Reason(
        text,
        not_higher,
        rule,
        f"{event.source['file']}:{event.source['line']}" if event else "",
        _evidence(result, event),
        tuple(because),
    )


def finding_reason(result: Result, subject_type: str, subject: str, name: str) -> Reason:
    """Why a fact has what a classification or per-fact measure found (``name``: the classification, or the
    measure's ``into.field``).

    Raises LookupError if nothing of that name was found about it.
    """
    found = result.findings.get(subject_type, {}).get(subject, {}).get(name)
    if found is None:
        known = ", ".join(result.findings.get(subject_type, {}).get(subject, {})) or "none"
        raise LookupError(f"nothing called '{name}' was found about {subject_type} '{subject}' (found: {known})")
    event = next((e for e in result.audit if e.subject == subject and e.id == found.by and e.status == "applied"), None)
    what = words(name.split(".")[-1])
    value = words(found.value) if isinstance(found.value, str) else spoken(found.value)
    said = _sentence(_said(result, found.by, subject, event.description if event else ""))
    text = f"{subject_name(result, subject_type, subject)}: {what} {value}. {said}"
    evidence = tuple(found.evidence) if event is None else _evidence(result, event)
    return Reason(text, None, found.by, found.source, evidence)


def flag_reason(result: Result, flag: FlagResult) -> Reason:
    """A flag in words: its colour and kind, its reason, and what the rules found about its subject."""
    kind = words(flag.kind)
    head = f"{flag.colour.capitalize()} flag, {kind}" if flag.colour else kind[:1].upper() + kind[1:]
    event = next(
        (e for e in result.audit if e.subject == flag.subject and e.id == flag.rule and e.status == "applied"), None
    )
    because: list[str] = []
    for subjects in result.findings.values():
        for name, finding in subjects.get(flag.subject, {}).items():
            if "." not in name and (finding.by, flag.subject) in (result.words.said if result.words else {}):
                said = _sentence(result.words.said[(finding.by, flag.subject)])
                if said.rstrip(".") != flag.reason.strip().rstrip("."):
                    because.append(said)
    return Reason(
        f"{head}: {_sentence(flag.reason)}",
        None,
        flag.rule,
        f"{event.source['file']}:{event.source['line']}" if event else "",
        _evidence(result, event),
        tuple(because),
    )


def plain(reasons: list[Reason], *, evidence: bool = False, width: int = 100) -> str:
    """Reasons as terminal text: each one's words wrapped to ``width``, why not a band higher, the deciding rule
    and (with ``evidence``) the values behind it with their file:line."""
    import textwrap

    out: list[str] = []
    for reason in reasons:
        if out:
            out.append("")
        out += textwrap.wrap(reason.text, width, subsequent_indent="  ")
        for line in reason.because:
            out += textwrap.wrap(line, width, initial_indent="  ", subsequent_indent="    ")
        if reason.not_higher:
            out += textwrap.wrap(reason.not_higher, width, subsequent_indent="  ")
        if reason.rule:
            out.append(f"  (rule {reason.rule}, {reason.source})" if reason.source else f"  (rule {reason.rule})")
        if evidence:
            out += [f"  evidence: {line}" for line in reason.evidence] or ["  evidence: none recorded"]
    return "\n".join(out) + "\n"
