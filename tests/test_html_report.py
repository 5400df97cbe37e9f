"""The HTML report as a council officer challenging a judgement reads it: every event a card, grouped by body,
every cross-reference a link that lands on the page, overridden events marked, nothing from the inputs as markup."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

import pytest

from caa_engine import Result, assess
from caa_engine.report import render_html
from caa_engine.report._view import LONG_FACT_LIST, audit_trail, body_label, judgement_rows

# The report's mechanics (cards, groups, links) are checked on use of resources alone, whose trail is small
# enough to count by hand; tests/test_report_sections.py checks what the other elements add to the report.
UOR_ONLY = "tests/data/use_of_resources_only"
LEICESTERSHIRE = "fixtures/leicestershire.yaml"
NOTTINGHAM = "fixtures/nottingham.yaml"
MARKUP = "<img src=x onerror=alert(1)> & <b>"


@dataclass
class Card:
    id: str
    classes: list[str]
    group: str  # the id of the section.events around it
    text: str = ""  # with a space at each tag, so that a term and its definition do not run together
    hrefs: list[str] = field(default_factory=list)
    status_hrefs: list[str] = field(default_factory=list)  # links in its status (to the overriding event)
    details: int = 0  # how many <details> it has


class Page(HTMLParser):
    """Every id and in-page link on a page, the audit groups in order, and each event card's text and links."""

    VOID = {"meta", "br", "hr", "img", "input", "link"}

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: list[str] = []
        self.hrefs: list[str] = []
        self.groups: list[tuple[str, str]] = []  # (section id, its h4 title)
        self.cards: list[Card] = []
        self._open: list[tuple[str, dict[str, str]]] = []
        self._card: Card | None = None
        self._heading: list[str] | None = None
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = {name: value or "" for name, value in attrs}
        if "id" in named:
            self.ids.append(named["id"])
        if self._card is not None:
            self._card.text += " "
        if named.get("href", "").startswith("#"):
            self.hrefs.append(named["href"][1:])
            if self._card is not None:
                self._card.hrefs.append(named["href"][1:])
                if any("status" in attributes.get("class", "").split() for _, attributes in self._open):
                    self._card.status_hrefs.append(named["href"][1:])
        classes = named.get("class", "").split()
        if tag == "section" and "events" in classes:
            self.groups.append((named["id"], ""))
        if tag == "h4" and self.groups:
            self._heading = []
        if tag == "article" and "event" in classes:
            self._card = Card(named["id"], classes, self.groups[-1][0])
            self.cards.append(self._card)
        if tag == "details" and self._card is not None:
            self._card.details += 1
        if tag not in self.VOID:
            self._open.append((tag, named))

    def handle_endtag(self, tag: str) -> None:
        self._open.pop()
        if self._card is not None:
            self._card.text += " "
        if tag == "article":
            self._card = None
        if tag == "h4" and self._heading is not None:
            self.groups[-1] = (self.groups[-1][0], "".join(self._heading).strip())
            self._heading = None

    def handle_data(self, data: str) -> None:
        if self._card is not None:
            self._card.text += data
        if self._heading is not None:
            self._heading.append(data)

    def card(self, anchor: str) -> Card:
        [found] = [card for card in self.cards if card.id == anchor]
        return found


def squash(text: str) -> str:
    return " ".join(text.split())


def number_of(anchor: str) -> int:
    """The event number in an event card's id ("area-1-leicestershire-event-17" -> 17)."""
    _, number = anchor.rsplit("-event-", 1)
    return int(number)


def page_of(result: Result) -> Page:
    return Page(render_html([result]))


def test_every_in_page_link_lands_on_exactly_one_element() -> None:
    results = [
        assess(path, rules=UOR_ONLY, backend="native")
        for path in ("fixtures/cheltenham.yaml", LEICESTERSHIRE, NOTTINGHAM)
    ]
    page = Page(render_html(results))
    assert len(page.ids) == len(set(page.ids))
    assert page.hrefs and set(page.hrefs) <= set(page.ids)
    # a link to each area, a card and its self-link per event, a link per judgement
    assert len(page.cards) == sum(len(result.audit) for result in results)
    assert len(page.hrefs) > 2 * len(page.cards)


def test_html_report_shows_every_audit_event_as_a_card_with_source_citation_inputs_parameters_effect_and_status(
    backend: str,
) -> None:
    result = assess(LEICESTERSHIRE, rules=UOR_ONLY, backend=backend)
    page = page_of(result)
    by_id = {card.id: card for card in page.cards}
    assert len(by_id) == len(result.audit) == 30
    for number, event in enumerate(result.audit, start=1):
        card = by_id[f"area-1-leicestershire-event-{number}"]
        text = squash(card.text)
        assert text.startswith(f"#{number} {event.id} {event.kind}")
        assert event.status in card.classes
        assert f"Subject {event.subject}" in text
        assert f"Source {event.source['file']}:{event.source['line']}" in text
        assert f"Citation {event.citation}" in text
        for item in event.inputs:
            assert f"{item.name} = {item.value}" in text
            if item.source:
                assert f"{item.fact} from {item.source}" in text
            for counted in item.facts:
                assert counted in text
        for param in event.params:
            assert f"{param.name} = {param.value} from {param.source}" in text
        for name, value in event.effect.items():
            if isinstance(value, dict):
                assert all(f"{name}.{key} = {inner}" in text for key, inner in value.items())
            else:
                assert f"{name} = {value}" in text


def test_audit_trail_has_a_group_per_body_in_the_areas_order_holding_that_bodys_events() -> None:
    result = assess(LEICESTERSHIRE, rules=UOR_ONLY, backend="native")
    page = page_of(result)
    assert [title for _, title in page.groups] == [body_label(result, body) for body in result.bodies]
    for number, event in enumerate(result.audit, start=1):
        group = list(result.bodies).index(event.body) + 1
        assert page.card(f"area-1-leicestershire-event-{number}").group == f"area-1-leicestershire-events-{group}"
    # within a group, cards keep the trail's order
    for group_id, _ in page.groups:
        numbers = [number_of(card.id) for card in page.cards if card.group == group_id]
        assert numbers == sorted(numbers) and numbers


def test_area_level_events_come_last_in_a_group_of_their_own() -> None:
    result = assess("fixtures/cheltenham.yaml", rules=UOR_ONLY, backend="native")
    area_event = result.audit[-1].model_copy(update={"body": None, "subject": result.area["id"]})
    widened = result.model_copy(update={"audit": [area_event, *result.audit]})
    trail = audit_trail(widened)
    assert [group.body for group in trail.groups] == ["cheltenham-bc", None]
    assert [card.number for card in trail.groups[-1].cards] == [1]
    page = page_of(widened)
    assert page.groups[-1][1] == "Area-level events"
    assert page.card("area-1-cheltenham-event-1").group == page.groups[-1][0]


def test_overridden_event_cards_are_marked_and_link_to_the_event_that_overrode_them(backend: str) -> None:
    result = assess(LEICESTERSHIRE, rules=UOR_ONLY, backend=backend)
    page = page_of(result)
    overridden = [(number, event) for number, event in enumerate(result.audit, start=1) if event.status == "overridden"]
    assert len(overridden) == 9
    for number, event in overridden:
        card = page.card(f"area-1-leicestershire-event-{number}")
        assert "overridden" in card.classes and "applied" not in card.classes
        [target] = card.status_hrefs
        assert f"overridden by {event.overridden_by} (#{number_of(target)})" in squash(card.text)
        winner = result.audit[number_of(target) - 1]
        assert (winner.id, winner.subject, winner.status) == (event.overridden_by, event.subject, "applied")
    applied = [card for card in page.cards if "applied" in card.classes]
    assert len(applied) == 21 and not any("overridden by" in card.text for card in applied)


def test_each_deciding_rule_in_the_judgements_table_links_to_the_event_that_decided_it(backend: str) -> None:
    result = assess(LEICESTERSHIRE, rules=UOR_ONLY, backend=backend)
    html = render_html([result])
    page = Page(html)
    links = re.findall(r'<p class="from">Rule <a href="#([^"]+)"><code>([^<]+)</code></a>', html)
    rows = judgement_rows(result)
    assert [rule for _, rule in links] == [row.rule for row in rows] and len(rows) == 5
    for (anchor, _), row in zip(links, rows, strict=True):
        card = page.card(anchor)
        event = result.audit[number_of(anchor) - 1]
        assert (event.id, event.subject, event.status) == (row.rule, row.subject, "applied")
        assert "decides" in card.classes and "decides the use of resources judgement" in card.text
    assert sum("decides" in card.classes for card in page.cards) == len(rows)


def test_a_note_links_to_the_event_that_raised_it() -> None:
    result = assess(LEICESTERSHIRE, rules=UOR_ONLY, backend="native")
    html = render_html([result])
    [note] = result.notes
    [anchor] = re.findall(rf'rule <a href="#([^"]+)"><code>{note.rule}</code></a>\)', html)
    event = result.audit[number_of(anchor) - 1]
    assert (event.id, event.subject) == (note.rule, note.subject)
    assert f"note.text = {note.text}" in squash(Page(html).card(anchor).text)


def test_facts_a_rule_counted_link_to_the_measure_event_that_derived_them() -> None:
    result = assess(LEICESTERSHIRE, rules=UOR_ONLY, backend="native")
    page = page_of(result)
    checked = 0
    for number, event in enumerate(result.audit, start=1):
        if event.kind != "rule":
            continue
        card = page.card(f"area-1-leicestershire-event-{number}")
        counted = {fact for item in event.inputs for fact in item.facts}
        derived = {result.audit[number_of(href) - 1].subject for href in card.hrefs if href != card.id}
        assert counted <= derived
        checked += len(counted)
    assert checked > 20


def test_an_aggregate_over_many_facts_lists_them_collapsed_and_over_few_inline() -> None:
    result = assess(LEICESTERSHIRE, rules=UOR_ONLY, backend="native")
    page = page_of(result)
    for number, event in enumerate(result.audit, start=1):
        long = sum(len(item.facts) > LONG_FACT_LIST for item in event.inputs)
        assert page.card(f"area-1-leicestershire-event-{number}").details == long
    # governing the business has four KLOEs, managing finances three
    assert page.card("area-1-leicestershire-event-1").details == 2
    assert page.card("area-1-leicestershire-event-2").details == 0


@pytest.mark.parametrize("where", ["citation", "subject", "input", "body name"])
def test_markup_in_an_event_or_a_body_name_is_shown_as_text(where: str) -> None:
    result = assess("fixtures/cheltenham.yaml", rules=UOR_ONLY, backend="native")
    event = result.audit[-1]
    if where == "body name":
        bodies = {body: info.model_copy(update={"name": MARKUP}) for body, info in result.bodies.items()}
        result = result.model_copy(update={"bodies": bodies})
    else:
        if where == "input":
            update = {"inputs": [event.inputs[0].model_copy(update={"name": MARKUP, "value": MARKUP})]}
        else:
            update = {where: MARKUP}
        result = result.model_copy(update={"audit": [*result.audit[:-1], event.model_copy(update=update)]})
    html = render_html([result])
    assert "<img" not in html and "<b>" not in html
    assert "&lt;img src=x onerror=alert(1)&gt; &amp; &lt;b&gt;" in html
    page = Page(html)
    if where == "body name":
        assert page.groups[0][1] == f"{MARKUP} (cheltenham-bc)"
    else:
        assert MARKUP in page.cards[-1].text


def test_the_html_report_is_the_same_bytes_on_every_run_and_differs_between_backends_only_in_naming_them(
    backend: str,
) -> None:
    first = render_html([assess(LEICESTERSHIRE, rules=UOR_ONLY, backend=backend)])
    assert render_html([assess(LEICESTERSHIRE, rules=UOR_ONLY, backend=backend)]) == first
    native = render_html([assess(LEICESTERSHIRE, rules=UOR_ONLY, backend="native")])
    assert first.replace(f", {backend} backend<", ", native backend<") == native


def test_each_card_shows_what_the_rule_says_and_its_condition_as_written() -> None:
    from caa_engine import assess
    from caa_engine.report import render_html

    page = render_html([assess("fixtures/cheltenham.yaml", rules=UOR_ONLY, backend="native")])
    # The trail keeps the rule file's words as written; the page above it fills them in.
    assert (
        "<dt>Says</dt><dd>{count(theme where score &gt;= params.well_theme_score)} of its {count(theme)} themes score"
        in page
    )
    assert "2 of its 3 themes score 3 or more (at least 2 needed) and none is below 2." in page
    assert (
        "<dt>When</dt><dd><code>count(theme where score &gt;= params.well_theme_score) &gt;= params.well_min_themes"
        " and min(theme.score) &gt;= params.well_floor</code></dd>" in page
    )
    assert (
        "<dt>Value</dt><dd><code>min(lower_median(kloe.score), min(kloe.score) + params.theme_cap_above_lowest)" in page
    )
