"""The area pages and the national index as a reader sees them, in a real browser (headless Chromium).

Every fixture's page and the index are rendered, opened in one Debian ``chromium`` driven through playwright's
Python API (the system browser: ``playwright install`` is never run), and checked: the headline score is visible
without scrolling, every flag's reason is on the page, the charts have a size, evidence holding ``<script>`` or
``{{7*7}}`` is shown as text and nothing runs, and the page asks the network for nothing.  Screenshots go to
``build/screenshots/`` (gitignored).  Without chromium the test skips, saying why; in CI (``CI=true``) it fails.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
import yaml

from caa_engine import assess
from caa_engine.audit.reasons import flag_reason
from caa_engine.report import render_html
from caa_engine.report.html import index_row, render_index

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = sorted((ROOT / "fixtures").glob("*.yaml"))
SCREENSHOTS = ROOT / "build" / "screenshots"
CHROMIUM = os.environ.get("CAA_CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
]
HOSTILE = "<script>window.__ran = 1</script>{{7*7}}"


def _missing() -> str | None:
    if not Path(CHROMIUM).exists() and shutil.which("chromium") is None:
        return f"chromium is not installed ({CHROMIUM}): apt-get install chromium"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed: pip install -e '.[dev]'"
    return None


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, list[str]]]:
    """Every fixture's page, a hostile area's page and the national index, written to files: name -> (file,
    the flag reasons that must be on it)."""
    folder = tmp_path_factory.mktemp("pages")
    out: dict[str, tuple[Path, list[str]]] = {}
    rows = []
    bundles: list[tuple[str, object]] = [(path.stem, path) for path in FIXTURES]
    hostile = yaml.safe_load((ROOT / "fixtures" / "cheltenham.yaml").read_text())
    hostile["area"]["name"] = f"Cheltenham {HOSTILE}"
    for outcome in hostile.get("outcomes", []):
        outcome["title"] = f"{outcome['title']} {HOSTILE}"
    bundles.append(("hostile", hostile))
    for name, bundle in bundles:
        result = assess(bundle, rules=ROOT / "rules", backend="native")
        file = folder / f"{name}.html"
        file.write_text(render_html([result]), encoding="utf-8")
        out[name] = (file, [flag_reason(result, flag).text for flag in result.flags])
        rows.append(index_row(result, file.name))
    index = folder / "index.html"
    index.write_text(render_index(rows), encoding="utf-8")
    out["index"] = (index, [])
    return out


def test_every_area_page_and_the_national_index_read_well_in_a_real_browser(
    pages: dict[str, tuple[Path, list[str]]],
) -> None:
    missing = _missing()
    if missing is not None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"the browser test must run in CI: {missing}")
        pytest.skip(missing)
    from playwright.sync_api import sync_playwright

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 900}, java_script_enabled=True)
            requests: list[str] = []
            context.on("request", lambda request: requests.append(request.url))
            for name, (file, reasons) in pages.items():
                page = context.new_page()
                page.goto(file.as_uri())
                text = page.inner_text("body")
                if name == "index":
                    assert page.locator("table.national tbody tr").count() == len(FIXTURES) + 1
                    # Choosing the Overall heading sorts the areas by their overall score, then reverses them.
                    page.locator("table.national thead th", has_text="Overall").click()
                    ranked = page.locator("table.national tbody td:nth-child(3)").evaluate_all(
                        "cells => cells.map(cell => Number(cell.dataset.sort))"
                    )
                    assert ranked == sorted(ranked) and len(set(ranked)) > 1
                    page.locator("table.national thead th", has_text="Overall").click()
                    again = page.locator("table.national tbody td:nth-child(3)").evaluate_all(
                        "cells => cells.map(cell => Number(cell.dataset.sort))"
                    )
                    assert again == sorted(ranked, reverse=True)
                else:
                    headline = page.locator("p.overall .overall-text").first
                    box = headline.bounding_box()
                    assert box is not None and box["y"] + box["height"] <= 900, f"{name}: headline below the fold"
                    assert headline.is_visible()
                    squashed = " ".join(text.split())
                    for reason in reasons:
                        assert " ".join(reason.split()) in squashed, f"{name}: flag reason missing: {reason}"
                    charts = page.locator("svg[role=img]")
                    assert charts.count() >= 1
                    for i in range(charts.count()):
                        size = charts.nth(i).bounding_box()
                        assert size is not None and size["width"] > 0 and size["height"] > 0, f"{name}: empty chart"
                if name == "hostile":
                    assert "<script>window.__ran = 1</script>{{7*7}}" in text
                    assert page.evaluate("() => window.__ran === undefined")
                    assert page.locator("main script").count() == 0
                page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))
                page.close()
            assert all(url.startswith("file://") for url in requests), [u for u in requests if "file://" not in u]
        finally:
            browser.close()
