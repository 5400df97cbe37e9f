"""The Markdown report, for people who paste results into documents: the same page as the HTML report, in words.

Each area in turn: the headline, each element's judgements with their reasons, the flags by kind with their
reasons, and the honourable-failure checklists; for several areas the report closes with the national view (one
row per area: its overall score, each element's score, its flag counts), which a round builds from one small row
per area as it goes. Everything comes from ``report/_page.py`` (which
takes it from the result and the rules' own words), so the two reports cannot say different things.

Evidence text is shown as text: characters Markdown would read as markup are escaped, and a line break in a value
cannot end a table row.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ..result import Result
from ._page import AreaPage, IndexRow, area_page, index_row, national_columns
from ._view import NOT_JUDGED, period_words, rule_set_lines

__all__ = ["render_markdown", "render_markdown_piece", "markdown_frame"]

# What CommonMark reads as markup inside a line of text (emphasis, code, links, HTML, table cells, strikethrough),
# escaped with a backslash; no value starts a line, so list and heading markers need nothing.
_MARKUP = re.compile(r"([\\`*_\[\]<>|~])")


def text(value: object) -> str:
    """A value as literal Markdown text on one line."""
    return _MARKUP.sub(r"\\\1", " ".join(str(value).split()))


def _score(score: int | None, label: str = "", absent: str = NOT_JUDGED) -> str:
    """A score in a cell, or what the cell says without one (``absent``: 'not judged', or why not)."""
    if score is None:
        return text(absent)
    return f"{score} {text(label)}".strip()


def _sentence(words: str) -> str:
    """'not judged: ...' as a sentence: 'Not judged: ....'"""
    return text(words[:1].upper() + words[1:] + ".")


def national_table(rows: Sequence[IndexRow]) -> str:
    """The national view: one row per area, in the order given."""
    if not rows:
        return ""
    columns = national_columns(rows)
    head = [
        "Area",
        "Period",
        "Overall",
        *(title for _, title in columns),
        "Red flags",
        "Honourable failures",
        "Green flags",
    ]
    lines = ["| " + " | ".join(text(cell) for cell in head) + " |", "|" + "---|" * len(head)]
    for row in rows:
        cells = [text(row.name), text(row.period), _score(row.overall, row.overall_label, row.overall_label)]
        cells += [_score(row.score_of(element), absent=row.absent(element)) for element, _ in columns]
        flags = (row.red, row.honourable, row.green)
        cells += [str(count) if row.flags_judged else text(row.not_in_force) for count in flags]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def render_markdown_piece(result: Result) -> str:
    """One area's section."""
    page: AreaPage = area_page(result)
    out = [f"## {text(result.area['name'])}", "", f"Assessment period: {text(period_words(result))}.", ""]
    if page.overall is not None:
        overall = page.overall
        out += [f"**Overall: {overall.score} out of 4, {text(overall.label)}.** {text(overall.reason.text)}", ""]
        if overall.reason.not_higher:
            out += [f"_{text(overall.reason.not_higher)}_", ""]
        for because in overall.reason.because:
            out += [text(because), ""]
    elif page.overall_absent is not None:
        out += [f"**Overall: {text(page.overall_absent)}.**", ""]
    for block in page.blocks:
        out += [f"### {text(block.title)}", ""]
        if not block.judged:
            out += [_sentence(block.absent), ""]
            continue
        for judged in block.judged:
            line = f"- **{text(judged.who)}: {judged.score}, {text(judged.label)}.** {text(judged.reason.text)}"
            if judged.reason.not_higher:
                line += f" _{text(judged.reason.not_higher)}_"
            out.append(line)
        out.append("")
    if page.flags_absent is not None:
        out += ["### Flags", "", _sentence(page.flags_absent), ""]
    for title, _, flags in page.flags:
        if not flags or page.flags_absent is not None:
            continue
        out += [f"### {text(title)}", ""]
        out += [f"- {text(reason.text)}" for _, reason in flags]
        out.append("")
    for checklist in page.checklists:
        out += [f"### {text(checklist.title)}: {text(checklist.verdict)}", ""]
        for criterion in checklist.criteria:
            mark = {True: "[x]", False: "[ ]", None: "[?]"}[criterion.met]
            out.append(f"- {mark} {text(criterion.said)}")
        out.append("")
    rulesets = ", ".join(
        f"{name} {version} ({file}{', ' + periods if periods else ''})"
        for name, version, file, periods in rule_set_lines(result)
    )
    out += [f"_Judged for {period_words(result)} by the rules {text(rulesets)}._", ""]
    return "\n".join(out)


def markdown_frame(rows: Sequence[IndexRow]) -> tuple[str, str, str]:
    """What goes before, between and after the areas' sections; for several areas the tail is the national view."""
    tail = "\n## National view\n\n" + national_table(rows) if len(rows) > 1 else ""
    return "# CAA assessment\n\n", "\n", tail


def render_markdown(results: Sequence[Result]) -> str:
    """The whole Markdown report for ``results``."""
    head, between, tail = markdown_frame([index_row(result, "") for result in results])
    return head + between.join(render_markdown_piece(result) for result in results) + tail
