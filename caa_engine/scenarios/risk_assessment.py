"""Steps of the risk assessment and the honourable-failure test: priority outcomes, innovations and the risk
register, what the risk assessment makes of each (verdicts, flags of a kind or colour, notes), and each of the
test's six criteria.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from typing import Any

import pytest
from pytest_bdd import given, parsers, then

from .area import Area, slug
from .words import check, percent, table_rows, threshold

# --------------------------------------------------------------------------------------------------
# Risk assessment and honourable failure
# --------------------------------------------------------------------------------------------------

RISK_DATE = r"\d{4}-\d{2}-\d{2}"
RISK_OUTCOME_STATUSES = {"failed": "failed", "exceeded": "exceeded", "on track": "on_track", "at risk": "at_risk"}
RISK_INNOVATION_STATUSES = {"failed": "failed", "succeeded": "succeeded", "in progress": "in_progress"}

# What the risk assessment makes of one outcome or innovation, in words: the verdict the rules give it,
# the one flag (kind, colour) it raises, if any, and the one note it carries, if any.
RISK_VERDICTS: dict[str, tuple[str, tuple[str, str | None] | None, str | None]] = {
    "an honourable failure": ("honourable_failure", ("honourable_failure", None), None),
    "an unmanaged failure, with a red flag": ("unmanaged_failure", ("unmanaged_failure", "red"), None),
    "known and in hand, with a note and no flag": ("known_and_in_hand", None, "known_and_in_hand"),
    "a concern not tackled, with a red flag": ("not_tackled", ("concern_not_tackled", "red"), None),
    "an exceptional success, with a green flag": ("exceeded", ("exceptional_success", "green"), None),
    "an innovative success, with a green flag": ("innovation_shared", ("innovative_success", "green"), None),
    "not flagged": ("on_course", None, None),
}

# The honourable-failure test in the brief's words: criterion -> (its number, its finding in the result).
HONOURABLE_CRITERIA: dict[str, tuple[int, str]] = {
    "recorded before the initiative started": (1, "recorded_in_advance"),
    "mitigations and a contingency": (2, "mitigated"),
    "proportionate exposure": (3, "proportionate"),
    "lessons captured and shared": (4, "lessons_learned"),
    "risk appetite approved by the cabinet or board": (5, "appetite_approved"),
    "monitoring with early-warning indicators, acted on": (6, "monitored"),
}
NEVER_HONOURABLE = {
    "vulnerable people or safeguarding were harmed": "vulnerable_harmed",
    "fraud or negligence was found": "fraud_or_negligence",
}
HONOURABLE_TEST = "honourable_test"  # where the rules put the test's findings: honourable_test.<criterion>

RISK_EXPOSURES = {"pilot": "pilot", "staged roll-out": "staged", "capped cost": "capped_cost", "open-ended": "open"}
RISK_APPROVERS = {"cabinet": "cabinet", "board": "board", "nobody": None, "no one": None, "none": None}
RISK_RELATIVE = r"(?P<where>one fewer than|one less than|equal to|as many as|one more than)"
RISK_NUMBER_WORDS = {"no": 0, "none": 0, "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5}


@dataclass
class Initiative:
    """The priority outcome or innovation that 'it' and 'its' mean in the risk-assessment steps."""

    entry: dict[str, Any] | None = None
    kind: str = "outcome"  # outcome | innovation

    def it(self) -> dict[str, Any]:
        if self.entry is None:
            raise ValueError(
                "no priority outcome or innovation named yet: say 'Given a priority outcome \"...\"' first"
            )
        return self.entry


@pytest.fixture
def initiative() -> Initiative:
    """The outcome or innovation the scenario last named."""
    return Initiative()


def risk_count(area: Area, text: str) -> int:
    """A count in words: '2', 'none', 'one', or relative to a threshold of the rules under test:
    'one fewer than | equal to | one more than the number of <threshold>' (see THRESHOLDS)."""
    words = text.strip().lower()
    if words.isdigit():
        return int(words)
    if words in RISK_NUMBER_WORDS:
        return RISK_NUMBER_WORDS[words]
    m = re.fullmatch(RISK_RELATIVE + r" (?P<what>.+)", words)
    if m is None:
        raise ValueError(
            f"say a count as a number, or 'one fewer than', 'equal to' or 'one more than' the number of a "
            f"threshold, not '{text}'"
        )
    what = re.sub(r"^(?:the )?(?:number of )?", "", m.group("what"))
    value = Fraction(threshold(area, what))
    if value.denominator != 1:
        raise ValueError(f"'{what}' is {percent(value)}, not a count")
    count = int(value) + {"one fewer than": -1, "one less than": -1, "one more than": 1}.get(m.group("where"), 0)
    if count < 0:
        raise ValueError(f"nothing is fewer than the number of {what} ({value})")
    return count


def risk_yes_no(text: str) -> bool:
    words = text.strip().lower()
    if words in ("yes", "true"):
        return True
    if words in ("no", "false"):
        return False
    raise ValueError(f"say yes or no, not '{text}'")


def risk_items(area: Area, text: str, what: str) -> list[str]:
    """A list in a risk-register entry: 'none', a count (a number, or 'one fewer than | equal to | one more than
    the number of <threshold>'; that many are made up), or the items themselves, separated by commas."""
    words = text.strip()
    counted = words.isdigit() or words.lower() in RISK_NUMBER_WORDS or re.match(RISK_RELATIVE, words.lower())
    if counted:
        return [f"{what} {number + 1}" for number in range(risk_count(area, words))]
    return [item.strip() for item in words.split(",") if item.strip()]


def risk_fact(area: Area, fact: str, value: str) -> tuple[str, Any]:
    """One fact of a risk-register entry in words ('exposure', 'open-ended') -> (field, value as evidence)."""
    name = fact.strip().lower().removesuffix(":")
    words = value.strip()
    if name in ("recorded on", "recorded in the register on"):
        if not re.fullmatch(RISK_DATE, words):
            raise ValueError(f"say the date the risk was recorded as YYYY-MM-DD, not '{value}'")
        return "recorded_on", words
    if name == "mitigations":
        return "mitigations", risk_items(area, words, "Mitigation")
    if name == "contingency":
        return "contingency", None if words.lower() in ("none", "no") else words
    if name == "exposure":
        exposure = RISK_EXPOSURES.get(words.lower().removeprefix("a "))
        if exposure is None:
            raise ValueError(f"say the exposure as one of {', '.join(RISK_EXPOSURES)}, not '{value}'")
        return "exposure", exposure
    if name in ("risk appetite approved by", "appetite approved by"):
        key = words.lower().removeprefix("the ")
        if key not in RISK_APPROVERS:
            raise ValueError(f"say who approved the risk appetite as the cabinet, the board or nobody, not '{value}'")
        return "appetite_approved_by", RISK_APPROVERS[key]
    if name == "early-warning indicators":
        return "early_warning_indicators", risk_items(area, words, "Early-warning indicator")
    if name in ("monitoring acted on", "lessons captured", "lessons shared"):
        return name.replace(" ", "_"), risk_yes_no(words)
    raise ValueError(
        f"a risk-register entry has no fact '{fact}': say recorded on, mitigations, contingency, exposure, risk "
        "appetite approved by, early-warning indicators, monitoring acted on, lessons captured or lessons shared"
    )


def risk_entry(area: Area, initiative: Initiative, facts: dict[str, Any] | None = None) -> dict[str, Any]:
    """The risk-register entry the current outcome or innovation cites, made if it has none.

    A new entry meets every criterion of the honourable-failure test under the rules being run (as many
    mitigations and early-warning indicators as they require); ``facts`` (field -> value, None for 'not
    recorded') then replace what they name."""
    it = initiative.it()
    entry = next((risk for risk in area.risks if risk["id"] == it.get("risk")), None)
    if entry is None:
        mitigations = max(1, risk_count(area, "equal to the mitigations the risk register must record"))
        warnings = max(1, risk_count(area, "equal to the early-warning indicators monitoring must have"))
        entry = area.add_risk(
            f"{it['id']}-risk"[:100],
            title=f"Risk to {it['title']}",
            mitigations=[f"Mitigation {n + 1}" for n in range(mitigations)],
            early_warning_indicators=[f"Early-warning indicator {n + 1}" for n in range(warnings)],
        )
        it["risk"] = entry["id"]
    for name, value in (facts or {}).items():
        if value is None:
            entry.pop(name, None)
        else:
            entry[name] = value
    return entry


def risk_named(area: Area, initiative: Initiative, title: str | None) -> dict[str, Any]:
    """The outcome or innovation called ``title``, else the one 'it' means."""
    if not title:
        return initiative.it()
    for entry in area.outcomes + area.innovations:
        if entry["title"] == title:
            return entry
    raise ValueError(f"the scenario has no priority outcome or innovation called '{title}'")


def risk_flags(area: Area, subject: str | None = None) -> list[Any]:
    """The flags the risk assessment raised (on one outcome or innovation, if given)."""
    ours = {rule.id for rule in area.plan.rules if rule.element == "risk_assessment"}
    return [f for f in area.flags() if f.rule in ours and (subject is None or f.subject == subject)]


def risk_notes(area: Area, subject: str) -> list[Any]:
    ours = {rule.id for rule in area.plan.rules if rule.element == "risk_assessment"}
    return [n for n in area.result().notes if n.rule in ours and n.subject == subject]


def risk_finding(area: Area, subject: str, name: str) -> Any:
    """What the result found about one outcome or innovation (a verdict, or a criterion of the test)."""
    found = area.result().findings.get("outcome", {}).get(subject, {})
    if name not in found:
        raise AssertionError(
            f"the result has no finding '{name}' about '{subject}' (it has: {', '.join(found) or 'none'})\n"
            f"{area.explain()}"
        )
    return found[name].value


def honourable_criterion(words: str) -> tuple[str, str]:
    """A criterion in words, with or without its number: '(1) recorded before the initiative started'."""
    m = re.fullmatch(r"\s*(?:\((?P<number>\d)\)\s*)?(?P<name>.*?)\s*", words)
    assert m is not None
    number, name = m.group("number"), m.group("name").lower()
    for text, (n, field_name) in HONOURABLE_CRITERIA.items():
        if name == text or not name and number == str(n):
            if number and number != str(n):
                raise ValueError(f"criterion '{text}' is ({n}), not ({number})")
            return f"({n}) {text}", field_name
    raise ValueError(
        f"no criterion '{words}': say one of {'; '.join(f'({n}) {t}' for t, (n, _) in HONOURABLE_CRITERIA.items())}"
    )


# --- the evidence: outcomes, innovations and the risk register ------------------------------------


@given(
    parsers.re(
        r'a priority outcome "(?P<title>[^"]+)" (?:that )?(?:is )?(?P<status>failed|exceeded|on track|at risk)'
        r"(?:, started on (?P<started>"
        + RISK_DATE
        + r"))?(?P<vulnerable>, concerning vulnerable people or safeguarding)?$"
    )
)
def given_priority_outcome(
    area: Area, initiative: Initiative, title: str, status: str, started: str | None, vulnerable: str | None
) -> None:
    """Given a priority outcome "<title>" that failed|exceeded|is on track|is at risk[, started on <date>][,
    concerning vulnerable people or safeguarding]: one of the area's priority outcomes, owned by the lead council.

    It started on 2008-04-01 unless said; later steps about 'it' and 'its' mean this outcome."""
    fields: dict[str, Any] = {"started_on": started} if started else {}
    if vulnerable:
        fields["vulnerable"] = True
    initiative.entry = area.add_outcome(title, RISK_OUTCOME_STATUSES[status], **fields)
    initiative.kind = "outcome"


@given(
    parsers.re(
        r'an innovation "(?P<title>[^"]+)" (?:that )?(?:is )?(?P<status>failed|succeeded|in progress)'
        r"(?:, started on (?P<started>" + RISK_DATE + r"))?$"
    )
)
def given_innovation(area: Area, initiative: Initiative, title: str, status: str, started: str | None) -> None:
    """Given an innovation "<title>" that failed|succeeded|is in progress[, started on <date>]: something new the
    area tried, owned by the lead council; its learning is not shared unless said. Later steps about 'it' mean it."""
    initiative.entry = area.add_innovation(
        title, RISK_INNOVATION_STATUSES[status], **({"started_on": started} if started else {})
    )
    initiative.kind = "innovation"


@given(parsers.re(r"its problem is (?P<known>known|not known) and action is (?P<action>in place|not in place)$"))
def given_problem_known(area: Area, initiative: Initiative, known: str, action: str) -> None:
    """Given its problem is known|not known and action is in place|not in place: what the area's partners know of
    a priority outcome's problem and do about it."""
    if initiative.kind != "outcome":
        raise ValueError("only a priority outcome has a known problem and action in place; an innovation has neither")
    initiative.it().update(known_issue=known == "known", action_in_place=action == "in place")


@given(parsers.re(r"its learning (?P<shared>was shared|was not shared)$"))
def given_learning_shared(area: Area, initiative: Initiative, shared: str) -> None:
    """Given its learning was shared|was not shared: whether what an innovation taught was shared beyond the area."""
    if initiative.kind != "innovation":
        raise ValueError("only an innovation shares its learning in the evidence; say 'Given an innovation ...' first")
    initiative.it()["learning_shared"] = shared == "was shared"


@given(parsers.re(r"(?P<what>fraud|negligence) was found in it$"))
def given_fraud_or_negligence(area: Area, initiative: Initiative, what: str) -> None:
    """Given fraud|negligence was found in it: what an audit or inquiry found in the outcome or innovation."""
    initiative.it()[f"{what}_found"] = True


@given(parsers.re(r"it (?P<test>passes|misses) the honourable-failure test$"))
def given_passes_test(area: Area, initiative: Initiative, test: str) -> None:
    """Given it passes|misses the honourable-failure test: it passes with a risk-register entry that meets every
    criterion; it misses with no risk-register entry at all."""
    if test == "passes":
        risk_entry(area, initiative)
    else:
        given_no_risk_entry(area, initiative)


@given(parsers.re(r"the risk register has no entry for it$"))
def given_no_risk_entry(area: Area, initiative: Initiative) -> None:
    """Given the risk register has no entry for it: the outcome or innovation cites no risk-register entry."""
    it = initiative.it()
    area.risks[:] = [risk for risk in area.risks if risk["id"] != it.get("risk")]
    it.pop("risk", None)


@given(parsers.re(r"the risk register entry for it meets every criterion$"))
def given_risk_meets_all(area: Area, initiative: Initiative) -> None:
    """Given the risk register entry for it meets every criterion: recorded 2008-01-15 (before the initiative
    started), mitigations and a contingency, a pilot, risk appetite approved by the cabinet, early-warning
    indicators acted on, lessons captured and shared (as many mitigations and indicators as the rules require)."""
    risk_entry(area, initiative)


@given(parsers.re(r"the risk register entry for it reads (?P<facts>.+), and otherwise meets every criterion$"))
def given_risk_reads(area: Area, initiative: Initiative, facts: str) -> None:
    """Given the risk register entry for it reads <facts>, and otherwise meets every criterion: an entry that
    meets every criterion but for the facts named, each as '<fact>: <value>', separated by ';'.

    Facts and values as in 'the risk register entry for it:'; a count of mitigations or early-warning
    indicators may be 'one fewer than | equal to | one more than the number of <threshold>'."""
    changes = {}
    for part in facts.split(";"):
        fact, sep, value = part.partition(":")
        if not sep:
            raise ValueError(f"say each fact as '<fact>: <value>', not '{part.strip()}'")
        name, parsed = risk_fact(area, fact, value)
        changes[name] = parsed
    risk_entry(area, initiative, changes)


@given(parsers.re(r"the risk register entry for it:$"))
def given_risk_table(area: Area, initiative: Initiative, datatable: list[list[str]]) -> None:
    """Given the risk register entry for it: a table of its facts, one a row (fact | value); a fact left out was
    not recorded.

    Facts: recorded on (a date), mitigations and early-warning indicators (items with commas, or 'none'),
    contingency ('none' if there is none), exposure (pilot, staged roll-out, capped cost or open-ended), risk
    appetite approved by (the cabinet, the board or nobody), monitoring acted on, lessons captured, lessons shared
    (yes or no)."""
    rows = [row for row in datatable if [c.strip().lower() for c in row] != ["fact", "value"]]
    facts = dict(risk_fact(area, row[0], row[1]) for row in rows)
    for required in ("recorded_on", "exposure"):
        if required not in facts:
            raise ValueError(f"a risk-register entry must say its {required.replace('_', ' ')}")
    blank: dict[str, Any] = {
        "mitigations": [],
        "contingency": None,
        "appetite_approved_by": None,
        "early_warning_indicators": [],
        "monitoring_acted_on": False,
        "lessons_captured": False,
        "lessons_shared": False,
    }
    risk_entry(area, initiative, {**blank, **facts})


@given(
    parsers.re(
        r"its risk was recorded in the register on (?P<recorded>"
        + RISK_DATE
        + r"), (?P<when>.+?) the initiative started"
        r" on (?P<started>" + RISK_DATE + r")(?P<rest>, and the entry meets every other criterion)?$"
    )
)
def given_risk_recorded(area: Area, initiative: Initiative, recorded: str, when: str, started: str) -> None:
    """Given its risk was recorded in the register on <date>, before|the day before|the same day as|after|the day
    after the initiative started on <date>[, and the entry meets every other criterion]: when the risk-register
    entry was made (the words must agree with the dates); the entry meets every other criterion."""
    days = (date.fromisoformat(started) - date.fromisoformat(recorded)).days
    fits = {
        "before": days > 0,
        "the day before": days == 1,
        "the same day as": days == 0,
        "on the day": days == 0,
        "after": days < 0,
        "the day after": days == -1,
    }
    if when not in fits:
        raise ValueError(f"say {', '.join(fits)} the initiative started, not '{when}'")
    if not fits[when]:
        raise ValueError(f"{recorded} is not {when} {started}: the scenario contradicts itself")
    initiative.it()["started_on"] = started
    risk_entry(area, initiative, {"recorded_on": recorded})


@given(parsers.re(r'the risk register has an entry "(?P<title>[^"]+)" that no outcome or innovation cites$'))
def given_uncited_risk(area: Area, title: str) -> None:
    """Given the risk register has an entry "<title>" that no outcome or innovation cites: a risk on its own."""
    area.add_risk(slug(title), title=title)


RISK_NUMBERED: dict[str, tuple[str, str, dict[str, Any]]] = {
    "priority outcomes that exceeded": ("outcome", "exceeded", {}),
    "priority outcomes on track": ("outcome", "on_track", {}),
    "priority outcomes at risk with no action in place": ("outcome", "at_risk", {}),
    "priority outcomes that failed with no risk register entry": ("outcome", "failed", {}),
    "innovations that succeeded and shared their learning": ("innovation", "succeeded", {"learning_shared": True}),
}


@given(parsers.re(r"the number of (?P<what>" + "|".join(map(re.escape, RISK_NUMBERED)) + r") is (?P<count>.+)$"))
def given_number_of(area: Area, what: str, count: str) -> None:
    """Given the number of <kind> is <count>: that many outcomes or innovations of a kind, titled by number.

    Kinds: priority outcomes that exceeded; priority outcomes on track; priority outcomes at risk with no
    action in place (their problem not known either); priority outcomes that failed with no risk register
    entry; innovations that succeeded and shared their learning. The count is a number, or 'one fewer than |
    equal to | one more than the number of <threshold>' (e.g. green flags for performing strongly), read from
    the rules under test."""
    kind, status, fields = RISK_NUMBERED[what]
    add = area.add_outcome if kind == "outcome" else area.add_innovation
    for _ in range(risk_count(area, count)):
        number = len(area.outcomes) + len(area.innovations) + 1
        add(f"{'Priority outcome' if kind == 'outcome' else 'Innovation'} {number}", status, **fields)


# --- what the risk assessment says -----------------------------------------------------------------


@then(parsers.re(r'(?:it|"(?P<title>[^"]+)") is (?P<verdict>' + "|".join(map(re.escape, RISK_VERDICTS)) + r")$"))
def then_risk_verdict(area: Area, initiative: Initiative, title: str | None, verdict: str) -> None:
    """Then it|"<title>" is <verdict>: what the risk assessment makes of the outcome or innovation.

    Verdicts: an honourable failure (the honourable_failure flag, no red flag); an unmanaged failure, with a red
    flag; known and in hand, with a note and no flag; a concern not tackled, with a red flag; an exceptional
    success, with a green flag; an innovative success, with a green flag; not flagged (no flag, no note)."""
    it = risk_named(area, initiative, title)
    label, flag, note = RISK_VERDICTS[verdict]
    got = risk_finding(area, it["id"], "verdict")
    said = str(got).replace("_", " ")
    check(got == label, area, f"expected '{it['title']}' to be {verdict}; the rules make it: {said}")
    flags = [(f.kind, f.colour) for f in risk_flags(area, it["id"])]
    want = [flag] if flag else []
    check(flags == want, area, f"expected '{it['title']}' to raise {want or 'no flag'}; it raises {flags or 'none'}")
    notes = [n.kind for n in risk_notes(area, it["id"])]
    want_notes = [note] if note else []
    check(notes == want_notes, area, f"expected '{it['title']}' to carry {want_notes or 'no note'}; it has {notes}")


@then(parsers.re(r"it raises the honourable_failure flag and no red flag$"))
def then_honourable_flag(area: Area, initiative: Initiative) -> None:
    """Then it raises the honourable_failure flag and no red flag: the result says it failed honourably."""
    it = initiative.it()
    flags = risk_flags(area, it["id"])
    check(
        any(f.kind == "honourable_failure" for f in flags),
        area,
        f"expected the honourable_failure flag on '{it['title']}'",
    )
    red = [f.kind for f in flags if f.colour == "red"]
    check(not red, area, f"expected no red flag on '{it['title']}'; it has {red}")


FLAG_COLOURS = ("red", "green")
FLAG_COUNT = r"(?P<{0}>\d+|no|one|an?) (?P<{1}>[a-z_]+) flags?"


def flag_filter(area: Area, word: str) -> dict[str, str]:
    """A flag's colour ('red', 'green') or kind ('honourable_failure') in a scenario -> the filter for
    ``Area.flags``. A kind must be one some rule of the folder under test raises, so that 'no such flag' cannot
    pass because of a typing slip or a renamed kind."""
    if word in FLAG_COLOURS:
        return {"colour": word}
    kinds = sorted({rule.flag[0] for rule in area.plan.rules if rule.flag})
    if word not in kinds:
        raise ValueError(
            f"no rule of the rules under test raises a flag of kind '{word}': say red, green or one of {', '.join(kinds)}"
        )
    return {"kind": word}


def flag_number(words: str) -> int:
    return {"no": 0, "one": 1, "a": 1, "an": 1}.get(words, 0) if not words.isdigit() else int(words)


@then(
    parsers.re(
        r"the area has " + FLAG_COUNT.format("n", "what") + r"(?: and " + FLAG_COUNT.format("n2", "what2") + r")?$"
    )
)
def then_flag_count(area: Area, n: str, what: str, n2: str | None, what2: str | None) -> None:
    """Then the area has <n> red|green|<kind> flag(s)[ and <n> red|green|<kind> flag(s)]: every flag of that
    colour or kind in the result, whichever rule raised it, as the risk score counts them.

    '<n>' is a number, 'no', 'a' or 'one'; a kind is one a rule raises, such as honourable_failure or
    exceptional_success."""
    for number, word in ((n, what), (n2, what2)):
        if word is None or number is None:  # the second count is left out
            continue
        got = area.flags(**flag_filter(area, word))
        want = flag_number(number)
        listed = "; ".join(f"{f.kind} on {f.subject} (rule {f.rule})" for f in got) or "none"
        check(len(got) == want, area, f"expected {want} {word} flag(s) in the result; it has {len(got)}: {listed}")


@then(
    parsers.re(
        r'(?:it|(?:the (?:priority )?outcome |the innovation )?"(?P<title>[^"]+)") has (?P<how>an?|no) '
        r"(?P<what>[a-z_]+) flag$"
    )
)
def then_subject_flag(area: Area, initiative: Initiative, title: str | None, how: str, what: str) -> None:
    """Then it|[the outcome |the innovation ]"<title>" has a|an|no red|green|<kind> flag: whether the result
    carries a flag of that colour or kind on that outcome or innovation ('it': the one the scenario last named)."""
    it = risk_named(area, initiative, title)
    got = [f for f in area.flags(**flag_filter(area, what)) if f.subject == it["id"]]
    if how == "no":
        listed = "; ".join(f"{f.kind} ({f.colour or 'no colour'}, rule {f.rule})" for f in got)
        check(not got, area, f"expected no {what} flag on '{it['title']}'; it has {listed}")
    else:
        check(bool(got), area, f"expected a {what} flag on '{it['title']}'; it has none")


@then(
    parsers.re(
        r'the result says criterion "(?P<words>[^"]+)" was (?P<met>met|missed)'
        r"(?P<others>, and every other criterion was (?:met|missed))?$"
    )
)
def then_honourable_criterion(area: Area, initiative: Initiative, words: str, met: str, others: str | None) -> None:
    """Then the result says criterion "<criterion>" was met|missed[, and every other criterion was met|missed]:
    the honourable-failure test's finding on one criterion (and on the other five)."""
    it = initiative.it()
    _, chosen = honourable_criterion(words)
    want = {chosen: met == "met"}
    if others:
        want.update({f: others.endswith("met") for _, f in HONOURABLE_CRITERIA.values() if f != chosen})
    for text, (number, field_name) in HONOURABLE_CRITERIA.items():
        if field_name in want:
            got = risk_finding(area, it["id"], f"{HONOURABLE_TEST}.{field_name}")
            said = "met" if want[field_name] else "missed"
            check(
                got == want[field_name], area, f"expected criterion ({number}) {text} to be {said} for '{it['title']}'"
            )


@then(parsers.re(r"the result says every criterion was (?P<met>met|missed)$"))
def then_every_criterion(area: Area, initiative: Initiative, met: str) -> None:
    """Then the result says every criterion was met|missed: the honourable-failure test's finding on all six."""
    it = initiative.it()
    for text, (number, field_name) in HONOURABLE_CRITERIA.items():
        got = risk_finding(area, it["id"], f"{HONOURABLE_TEST}.{field_name}")
        check(got == (met == "met"), area, f"expected criterion ({number}) {text} to be {met} for '{it['title']}'")


@then(parsers.re(r"the result names each criterion met and missed:$"))
def then_honourable_criteria_table(area: Area, initiative: Initiative, datatable: list[list[str]]) -> None:
    """Then the result names each criterion met and missed: a table with columns criterion and met (yes or no)."""
    it = initiative.it()
    rows = table_rows(datatable, ("criterion", "met"))
    named_fields = set()
    for row in rows:
        text, field_name = honourable_criterion(row["criterion"])
        named_fields.add(field_name)
        want = risk_yes_no(row["met"])
        got = risk_finding(area, it["id"], f"{HONOURABLE_TEST}.{field_name}")
        check(got == want, area, f"expected criterion {text} to be {'met' if want else 'missed'} for '{it['title']}'")
    unnamed = [text for text, (_, f) in HONOURABLE_CRITERIA.items() if f not in named_fields]
    if unnamed:
        raise ValueError(f"the table must name every criterion; it leaves out: {'; '.join(unnamed)}")


@then(parsers.re(r"the result says (?P<what>" + "|".join(map(re.escape, NEVER_HONOURABLE)) + r")$"))
def then_never_honourable(area: Area, initiative: Initiative, what: str) -> None:
    """Then the result says vulnerable people or safeguarding were harmed|fraud or negligence was found: why a
    failure can never be honourable."""
    it = initiative.it()
    got = risk_finding(area, it["id"], f"{HONOURABLE_TEST}.{NEVER_HONOURABLE[what]}")
    check(got is True, area, f"expected the result to say {what} in '{it['title']}'")
