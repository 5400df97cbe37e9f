"""The shapes every report shows, taken from :class:`~caa_engine.result.Result` objects.

The text and HTML reports lay out the same things: one row per element and
body, the measures behind each judgement as a small table (use of resources:
theme scores per body), flags, notes and provenance; the HTML report adds the
audit trail, grouped by body, with every event cross-referenced by its number
(the event that decided a judgement, the one that overrode it, the measure
that derived a fact a rule counted).  Deciding what those rows, groups and
references are lives here once; the renderers only lay them out.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..audit.events import AuditEvent, show, spoken
from ..result import ElementResult, Result

__all__ = [
    "ABSENT",
    "NOT_JUDGED",
    "flag_counts",
    "not_in_force_words",
    "flags_not_judged_words",
    "overall_absent_words",
    "overall_cell_words",
    "AuditTrail",
    "EventCard",
    "EventGroup",
    "FactRef",
    "InputLine",
    "JudgementRow",
    "MeasureTable",
    "FindingGroup",
    "finding_groups",
    "audit_trail",
    "humanize",
    "judgement_rows",
    "measure_tables",
    "period_words",
    "rule_set_lines",
    "show",
]

ABSENT = "—"

#: What every report says for a score (an element's, a body's, the overall) that the result does not give, and
#: how it begins when it says why: "not judged: no rules in force for 2007/08" (nothing could judge it) and "not
#: judged: only 2 of the 4 elements ..." (the overall rules' own note) are both told apart from a score, and from
#: each other, in the same words on the HTML page and index, the Markdown, the text report and the summary table.
NOT_JUDGED = "not judged"


@dataclass(frozen=True)
class JudgementRow:
    """One scored judgement (or the lack of one) for an element and a body (or the area)."""

    element: str
    title: str
    body: str  # a body id, or "(area)" for an area-level element, or ABSENT when nothing was judged
    score: int | None
    label: str
    rule: str
    subject: str | None = None  # the body or area id judged; None when nothing was
    uncapped: int | None = None  # the score before a cap held it down
    capped_by: str | None = None  # the rule that capped it

    @property
    def shown_label(self) -> str:
        """The label, saying so when a cap held the score down."""
        if self.capped_by is None:
            return self.label
        return f"{self.label} (capped from {self.uncapped})"


@dataclass(frozen=True)
class FindingGroup:
    """What classifications and per-fact measures settled about every fact of one type (e.g. each indicator)."""

    subject_type: str
    title: str
    rows: tuple[tuple[str, tuple[tuple[str, str], ...]], ...]  # subject id -> (name, value) pairs


@dataclass(frozen=True)
class MeasureTable:
    """A measure's derived facts for every body of one element, pivoted where that reads better.

    Pivoted (every row is one group key and one value, e.g. theme and score):
    ``columns`` are the group values and each row is a body with its values
    (ABSENT where a body has none, e.g. a theme with no assessed KLOE).
    Otherwise ``columns`` are the fields and each row is one derived fact.
    """

    element: str
    title: str
    measure: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, tuple[str, ...]], ...]
    pivoted: bool


def humanize(name: str) -> str:
    """'managing_finances' -> 'Managing finances'."""
    words = name.replace("_", " ").strip()
    return words[:1].upper() + words[1:]


def body_label(result: Result, body_id: str) -> str:
    """A body as people know it: its name, with its id to match the JSON."""
    info = result.bodies.get(body_id)
    return f"{info.name} ({body_id})" if info is not None else body_id


def period_words(result: Result) -> str:
    """The assessment period judged, as the reports say it: '2008/09', or 'not named'."""
    return result.period or "not named"


def not_in_force_words(result: Result) -> str:
    """Why an element (or the flags) the rules judge in other periods was not judged for this result's:
    'not judged: no rules in force for 2007/08'."""
    when = f"for {result.period}" if result.period else "for the bundle's period"
    return f"{NOT_JUDGED}: no rules in force {when}"


def flags_not_judged_words(result: Result) -> str:
    """Why a result has no flags to count, when no rule in force for its period can raise one: 'not judged: no
    rule in force for 2007/08 raises a flag' (true also of a folder whose rules judge other elements only)."""
    when = f"for {result.period}" if result.period else "for the bundle's period"
    return f"{NOT_JUDGED}: no rule in force {when} raises a flag"


def overall_absent_words(result: Result) -> str | None:
    """What the reports say instead of the overall score, or None when the result gives one: why it was not judged, in the overall rules' own note when they gave one
    ('not judged: only 2 of the 4 elements needed are judged ...'), or that no rules for it were in force."""
    if result.overall is not None:
        return None
    said = [note.text for note in result.notes if note.kind == "overall_not_given"]
    if said:
        return f"{NOT_JUDGED}: {said[0]}"
    if any(unjudged.combines for unjudged in result.not_in_force):
        return not_in_force_words(result)
    return NOT_JUDGED


def overall_cell_words(result: Result) -> str | None:
    """What a table's cell says instead of the overall score (None when the result gives one): 'not judged', or
    'not judged: no rules in force for 2007/08' when nothing could judge it; the page says why at length."""
    if result.overall is not None:
        return None
    return not_in_force_words(result) if any(u.combines for u in result.not_in_force) else NOT_JUDGED


def flag_counts(result: Result, body: str | None = None) -> tuple[int, int, int] | None:
    """(red, honourable failures, green) of the area (or of one body), or None when no rule in force for the
    period can raise a flag: then the reports say the flags were not judged, rather than count none."""
    if not result.flags_judged:
        return None
    chosen = [f for f in result.flags if body is None or f.body == body]
    return (
        sum(f.colour == "red" for f in chosen),
        sum(f.colour is None for f in chosen),  # as the page lists them: a flag of no colour
        sum(f.colour == "green" for f in chosen),
    )


def rule_set_lines(result: Result) -> list[tuple[str, str, str, str]]:
    """(rule set, version, file, the periods it is in force for or '') of every rule set that judged the result:
    ('use_of_resources', '2007.1', 'rules/use_of_resources_2007_08.yaml', '2007/08')."""
    return [
        (name, str(info["version"]), str(info["file"]), str(info.get("periods") or ""))
        for name, info in result.rulesets.items()
    ]


def judgement_rows(result: Result) -> list[JudgementRow]:
    rows: list[JudgementRow] = []
    for element_id, element in result.elements.items():
        if element.bodies is not None:
            if not element.bodies:
                rows.append(JudgementRow(element_id, element.title, ABSENT, None, NOT_JUDGED, ABSENT))
            for body_id, judgement in element.bodies.items():
                rows.append(
                    JudgementRow(
                        element_id,
                        element.title,
                        body_label(result, body_id),
                        judgement.score,
                        judgement.label,
                        judgement.rule,
                        body_id,
                        judgement.uncapped,
                        judgement.capped_by,
                    )
                )
        elif element.score is not None:
            rows.append(
                JudgementRow(
                    element_id,
                    element.title,
                    "(area)",
                    element.score,
                    element.label or "",
                    element.rule or ABSENT,
                    result.area["id"],
                    element.uncapped,
                    element.capped_by,
                )
            )
        else:
            rows.append(JudgementRow(element_id, element.title, "(area)", None, NOT_JUDGED, ABSENT))
    for unjudged in result.not_in_force:
        body = "(area)" if unjudged.scope == "area" else ABSENT
        rows.append(JudgementRow(unjudged.element, unjudged.title, body, None, not_in_force_words(result), ABSENT))
    return rows


_SUBJECT_TITLES = {"area": "The area", "body": "Bodies", "outcome": "Outcomes and innovations"}


def finding_groups(result: Result) -> list[FindingGroup]:
    """One group per fact type, each fact with its findings as yes/no, labels and numbers people read."""
    groups = []
    for subject_type, subjects in result.findings.items():
        rows = tuple(
            (
                body_label(result, subject) if subject_type == "body" else subject,
                tuple((name, spoken(finding.value)) for name, finding in found.items()),
            )
            for subject, found in subjects.items()
        )
        title = _SUBJECT_TITLES.get(subject_type, humanize(subject_type) + "s")
        groups.append(FindingGroup(subject_type, title, rows))
    return groups


def measure_tables(result: Result) -> list[MeasureTable]:
    tables: list[MeasureTable] = []
    for element_id, element in result.elements.items():
        for measure, per_body in _measures(result, element).items():
            tables.append(_table(element_id, element.title, measure, per_body))
    return tables


def _measures(result: Result, element: ElementResult) -> dict[str, dict[str, list[dict[str, Any]]]]:
    """measure id -> body label -> derived facts, in first-seen order."""
    found: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for body_id, judgement in (element.bodies or {}).items():
        for measure, facts in judgement.measures.items():
            found.setdefault(measure, {})[body_label(result, body_id)] = facts
    return found


def _table(element: str, title: str, measure: str, per_body: dict[str, list[dict[str, Any]]]) -> MeasureTable:
    facts = [fact for rows in per_body.values() for fact in rows]
    keys = {tuple(fact) for fact in facts}
    # A derived fact lists its group keys first and its value last (compile order).
    if len(keys) == 1 and len(next(iter(keys))) == 2:
        group, value = next(iter(keys))
        columns = tuple(sorted({show(fact[group]) for fact in facts}))
        rows = []
        for body_id, body_facts in per_body.items():
            values = {show(fact[group]): show(fact[value]) for fact in body_facts}
            rows.append((body_id, tuple(values.get(column, ABSENT) for column in columns)))
        return MeasureTable(element, title, measure, columns, tuple(rows), True)
    fields: list[str] = []
    for fact in facts:
        fields.extend(name for name in fact if name not in fields)
    flat = tuple(
        (body_id, tuple(show(fact[name]) if name in fact else ABSENT for name in fields))
        for body_id, body_facts in per_body.items()
        for fact in body_facts
    )
    return MeasureTable(element, title, measure, tuple(fields), flat, False)


# --- the audit trail, grouped by body ---------------------------------------------------------------------------

#: An aggregate counting more facts than this lists them collapsed.
LONG_FACT_LIST = 3


@dataclass(frozen=True)
class FactRef:
    """A fact an event read, with the number of the event that derived it (None for a fact from the evidence)."""

    fact: str
    derived_by: int | None


@dataclass(frozen=True)
class InputLine:
    """One value an event read: a single fact's field (``fact``, ``source``) or an aggregate (``counted``)."""

    name: str
    value: str
    source: str
    fact: FactRef | None
    counted: tuple[FactRef, ...]

    @property
    def long(self) -> bool:
        return len(self.counted) > LONG_FACT_LIST


@dataclass(frozen=True)
class EventCard:
    """One audit event as a reader challenging a judgement needs it, numbered by its place in the trail (from 1)."""

    number: int
    event: AuditEvent
    source: str  # file:line of the rule or measure
    inputs: tuple[InputLine, ...]
    params: tuple[tuple[str, str, str], ...]  # name, value, file:line
    effect: tuple[tuple[str, str], ...]  # name, value; a nested record is spread out as "note.text"
    overridden_by: int | None  # the number of the event that overrode this one, when it is in the trail
    decides: tuple[str, ...]  # the titles of the elements whose judgement this event decided


@dataclass(frozen=True)
class EventGroup:
    """The events about one body (``body`` is its id), or the area-level events (``body`` is None)."""

    body: str | None
    title: str
    judgements: tuple[JudgementRow, ...]
    cards: tuple[EventCard, ...]

    @property
    def overridden(self) -> int:
        return sum(card.event.status == "overridden" for card in self.cards)


@dataclass(frozen=True)
class AuditTrail:
    """Every event of one result, once each: a group per body in the area's order, then the area-level events.

    ``applied`` finds an applied rule event by what it concluded:
    (element, subject, rule id) -> its number.
    """

    groups: tuple[EventGroup, ...]
    applied: Mapping[tuple[str, str, str], int] = field(default_factory=dict)

    def deciding_event(self, row: JudgementRow) -> int | None:
        """The number of the event that decided ``row``, if the trail has it."""
        if row.subject is None:
            return None
        return self.applied.get((row.element, row.subject, row.rule))

    def raised_by(self, subject: str, rule: str) -> int | None:
        """The number of the applied event of ``rule`` on ``subject`` (that raised a flag or note), if any."""
        found = [number for (_, on, rule_id), number in self.applied.items() if on == subject and rule_id == rule]
        return min(found, default=None)


def audit_trail(result: Result) -> AuditTrail:
    events = list(enumerate(result.audit, start=1))
    applied: dict[tuple[str, str, str], int] = {}
    derived: dict[str, int] = {}  # the fact a measure derived -> the measure event's number
    for number, event in events:
        if event.status != "applied":
            continue
        if event.kind == "rule":
            applied.setdefault((event.element, event.subject, event.id), number)
        else:
            derived.setdefault(event.subject, number)
    rows = judgement_rows(result)
    decided: dict[int, list[str]] = {}
    for row in rows:
        deciding = applied.get((row.element, row.subject or "", row.rule))
        if deciding is not None:
            decided.setdefault(deciding, []).append(row.title)

    def card(number: int, event: AuditEvent) -> EventCard:
        overrider = None
        if event.overridden_by is not None:
            overrider = applied.get((event.element, event.subject, event.overridden_by))
        return EventCard(
            number=number,
            event=event,
            source=f"{event.source['file']}:{event.source['line']}",
            inputs=tuple(
                _input_line(item.name, item.value, item.source, item.fact, item.facts, derived, len(item.among))
                for item in event.inputs
            ),
            params=tuple((param.name, show(param.value), param.source) for param in event.params),
            effect=tuple(_spread(event.effect)),
            overridden_by=overrider,
            decides=tuple(decided.get(number, ())),
        )

    by_body: dict[str | None, list[EventCard]] = {}
    for number, event in events:
        by_body.setdefault(event.body, []).append(card(number, event))
    # Bodies in the area's order, then any body the area does not list, then the area-level events.
    order: list[str | None] = [body for body in result.bodies if body in by_body]
    order += [body for body in by_body if body is not None and body not in result.bodies]
    if None in by_body:
        order.append(None)
    area_id = result.area["id"]
    groups = tuple(
        EventGroup(
            body=body,
            title="Area-level events" if body is None else body_label(result, body),
            judgements=tuple(row for row in rows if row.subject == (area_id if body is None else body)),
            cards=tuple(by_body[body]),
        )
        for body in order
    )
    return AuditTrail(groups, applied)


def _input_line(
    name: str, value: Any, source: str, fact: str, facts: list[str], derived: Mapping[str, int], among: int = 0
) -> InputLine:
    return InputLine(
        name=name,
        value=f"{show(value)} ({len(facts)} of {among})" if among else show(value),
        source=source,
        fact=FactRef(fact, derived.get(fact)) if fact else None,
        counted=tuple(FactRef(counted, derived.get(counted)) for counted in facts),
    )


def _spread(effect: Mapping[str, Any], prefix: str = "") -> list[tuple[str, str]]:
    """An effect's fields as (name, value) pairs, a nested record's fields as "record.field"."""
    pairs: list[tuple[str, str]] = []
    for name, value in effect.items():
        if isinstance(value, Mapping) and value:
            pairs.extend(_spread(value, f"{prefix}{name}."))
        else:
            pairs.append((f"{prefix}{name}", show(value)))
    return pairs
