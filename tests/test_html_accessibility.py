"""The area page and the national index meet WCAG 2.1 AA where a test can tell without a browser: the contrast
of every text colour on its background (4.5:1), table captions and header scopes, headings in order, charts
with text alternatives, and the audit trail folded."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from caa_engine import assess
from caa_engine.report import render_html
from caa_engine.report.html import index_row, render_index

ROOT = Path(__file__).resolve().parent.parent
CSS = (ROOT / "caa_engine" / "report" / "templates" / "page.css.j2").read_text()
PAGE_BACKGROUND = "#ffffff"


def luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(one: str, two: str) -> float:
    high, low = sorted((luminance(one), luminance(two)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_contrast_is_computed_as_wcag_defines_it() -> None:
    assert round(contrast("#000000", "#ffffff"), 1) == 21.0
    assert round(contrast("#777777", "#ffffff"), 2) == 4.48


def _rules() -> list[tuple[str, dict[str, str]]]:
    found = []
    for selector, body in re.findall(r"([^{}]+)\{([^{}]*)\}", CSS):
        props = dict(re.findall(r"([a-z-]+)\s*:\s*(#[0-9a-f]{6})", body))
        found.append((" ".join(selector.split()), props))
    return found


@pytest.mark.parametrize(
    ("selector", "props"), [(s, p) for s, p in _rules() if "color" in p and not s.startswith("svg")]
)
def test_every_text_colour_meets_aa_contrast_on_its_background(selector: str, props: dict[str, str]) -> None:
    background = props.get("background", PAGE_BACKGROUND)
    ratio = contrast(props["color"], background)
    assert ratio >= 4.5, f"{selector}: {props['color']} on {background} is {ratio:.2f}:1"


@pytest.mark.parametrize("score", [1, 2, 3, 4])
def test_every_score_badge_and_chart_bar_meets_aa_contrast(score: int) -> None:
    rule = dict(_rules())[f".s{score}"]
    assert contrast(rule["color"], rule["background"]) >= 4.5
    bar = re.search(rf"svg \.fill\.s{score} {{ fill: (#[0-9a-f]{{6}})", CSS)
    assert bar is not None and contrast(bar.group(1), "#eef1f4") >= 3  # a graphic against its track (1.4.11)


class Outline(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.headings: list[int] = []
        self.tables = 0
        self.captions = 0
        self.th_without_scope = 0
        self.svgs: list[dict[str, str | None]] = []
        self.trail_details = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if re.fullmatch(r"h[1-6]", tag):
            self.headings.append(int(tag[1]))
        elif tag == "table":
            self.tables += 1
        elif tag == "caption":
            self.captions += 1
        elif tag == "th" and "scope" not in found:
            self.th_without_scope += 1
        elif tag == "svg":
            self.svgs.append(found)
        elif tag == "details" and found.get("class") == "trail":
            self.trail_details += 1


@pytest.fixture(scope="module")
def pages() -> list[str]:
    results = [assess(path, rules=ROOT / "rules", backend="native") for path in sorted(ROOT.glob("fixtures/*.yaml"))]
    return [render_html([result]) for result in results] + [render_index([index_row(r, "x.html") for r in results])]


def test_headings_never_skip_a_level(pages: list[str]) -> None:
    for html in pages:
        outline = Outline()
        outline.feed(html)
        assert outline.headings[0] == 1
        for before, after in zip(outline.headings, outline.headings[1:], strict=False):
            assert after <= before + 1, f"h{before} then h{after}"


def test_every_table_has_a_caption_and_every_header_cell_a_scope(pages: list[str]) -> None:
    for html in pages:
        outline = Outline()
        outline.feed(html)
        assert outline.tables and outline.captions == outline.tables
        assert outline.th_without_scope == 0


def test_every_chart_has_a_text_alternative_and_the_trail_is_folded(pages: list[str]) -> None:
    for html in pages[:-1]:
        outline = Outline()
        outline.feed(html)
        assert outline.svgs and all(svg.get("role") == "img" for svg in outline.svgs)
        assert all(svg.get("aria-labelledby") or svg.get("aria-label") for svg in outline.svgs)
        assert outline.trail_details == 1
        assert html.index('class="overall"') < html.index("Elements</h3>") < html.index("sha256")
