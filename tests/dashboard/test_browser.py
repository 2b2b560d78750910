"""The dashboard in a real headless browser (Debian's chromium, driven by Playwright).

Skipped, with the reason, when Playwright, chromium or plotly is missing. The README's test
command installs chromium where apt-get is available; ``pip install '.[all]'`` installs Playwright
(its own browser download is not used: the system chromium is launched) and plotly."""
import re
import shutil

import pytest

from lamoo.dashboard import serve
from tests.dashboard.runs import CellToyTask, grow, lamoo_study

try:
    from playwright.sync_api import expect, sync_playwright
except ImportError:  # pragma: no cover - depends on the machine
    pytest.skip("Playwright is not installed (pip install playwright): the browser test of the dashboard is skipped",
                allow_module_level=True)
pytest.importorskip("plotly", reason="plotly is not installed (pip install 'lamoo[dashboard]'): the dashboard's "
                                     "browser test is skipped")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
if CHROMIUM is None:  # pragma: no cover - depends on the machine
    pytest.skip("no chromium browser found (apt-get install chromium): the browser test of the dashboard is skipped",
                allow_module_level=True)

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]


def plotted(page, plot: str) -> list[int]:
    """Points per trace of a plotly plot (its div's ``data``, read through the DevTools protocol)."""
    return page.evaluate(f"() => (document.getElementById('{plot}').data || []).map((t) => (t.x || []).length)")


def until(page, check, what: str, seconds: float = 20.0):
    for _ in range(int(seconds * 10)):
        value = check()
        if value:
            return value
        page.wait_for_timeout(100)
    raise AssertionError(f"the page did not show {what} within {seconds} s")


@pytest.fixture
def browser():
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield browser
        finally:
            browser.close()


def test_the_page_follows_a_growing_journal(tmp_path, browser):
    study = lamoo_study(tmp_path / "run" / "journal.jsonl")
    grow(study, 24)
    other = lamoo_study(tmp_path / "other" / "journal.jsonl", seed=1)
    grow(other, 16)
    errors = []
    with serve([tmp_path / "run", tmp_path / "other"], poll_seconds=0.2) as server:
        page = browser.new_page(viewport={"width": 1300, "height": 1200})
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
        page.goto(server.url)
        status = page.get_by_test_id("status")
        expect(status).to_have_text(re.compile(r"^2 runs · 40 evaluations"))
        assert plotted(page, "hv") == [24, 16]  # both traces, one point per evaluation
        assert sum(plotted(page, "pareto")[:2]) == 24  # dominated + Pareto: every point of the selected run
        until(page, lambda: len(plotted(page, "tree")) == 4, "the partition tree")
        expect(page.get_by_test_id("tree-info")).to_contain_text("matches the journal")
        expect(page.get_by_test_id("batch-label")).to_have_text("batch 4 (4 of 4)")
        assert plotted(page, "boundaries")[0] == 80  # the 2-D boundary map
        assert plotted(page, "regions")[0] == 4  # region share per LaMOO batch

        grow(study, 4)  # a new batch is journaled: the page shows it without a reload
        expect(status).to_have_text(re.compile(r"^2 runs · 44 evaluations"), timeout=15000)
        until(page, lambda: plotted(page, "hv") == [28, 16], "the new hypervolume points")
        expect(page.get_by_test_id("batch-label")).to_have_text("batch 5 (5 of 5)", timeout=15000)
        assert sum(plotted(page, "pareto")[:2]) == 28

        page.get_by_test_id("batch-slider").fill("1")  # an earlier tree, one move away
        expect(page.get_by_test_id("batch-label")).to_have_text("batch 2 (2 of 5)")
        expect(page.get_by_test_id("tree-info")).to_contain_text("before batch 2")
        page.close()
    assert errors == []


def test_a_cell_is_drawn_and_its_arch_string_is_one_click_away(tmp_path, browser):
    study = lamoo_study(tmp_path / "cells" / "journal.jsonl", task=CellToyTask(), n_init=10)
    grow(study, 22)
    errors = []
    with serve([tmp_path / "cells"]) as server:
        page = browser.new_page(viewport={"width": 1300, "height": 1200})
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(server.url)
        expect(page.get_by_test_id("status")).to_have_text(re.compile(r"22 evaluations"))
        until(page, lambda: plotted(page, "pareto")[1:2], "the Pareto front")
        point = page.locator("#pareto .scatterlayer .trace").nth(1).locator("path.point").first
        box = point.bounding_box()
        page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        page.wait_for_timeout(200)
        page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        arch = page.get_by_test_id("arch")
        ops = "(none|skip_connect|nor_conv_1x1|nor_conv_3x3|avg_pool_3x3)"
        expect(arch).to_have_value(re.compile(rf"^\|{ops}~0\|\+\|{ops}~0\|{ops}~1\|\+\|{ops}~0\|{ops}~1\|{ops}~2\|$"))
        expect(page.get_by_test_id("cell")).to_be_visible()
        expect(page.get_by_test_id("details")).to_contain_text("on the Pareto front")
        page.close()
    assert errors == []
