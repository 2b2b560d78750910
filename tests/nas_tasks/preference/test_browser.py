"""The preference page in a real headless browser (Debian's chromium, driven by Playwright).

Skipped, with the reason, when Playwright or chromium is missing. The README's test command
installs chromium where apt-get is available, and ``pip install '.[all]'`` installs Playwright
(its own browser download is not needed: the system chromium is launched)."""
import re
import shutil
from pathlib import Path

import numpy as np
import pytest

from nas_tasks.preference.judgments import read_judgments
from nas_tasks.preference.predictions import png_data_url
from nas_tasks.preference.server import PreferenceServer
from nas_tasks.preference.session import PreferenceSession
from tests.nas_tasks.preference.helpers import small_pool

try:
    from playwright.sync_api import expect, sync_playwright
except ImportError:  # pragma: no cover - depends on the machine
    pytest.skip("Playwright is not installed (pip install playwright): the browser test of the preference page is "
                "skipped", allow_module_level=True)

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
if CHROMIUM is None:  # pragma: no cover - depends on the machine
    pytest.skip("no chromium browser found (apt-get install chromium): the browser test of the preference page is "
                "skipped", allow_module_level=True)

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]


def shown_pair(page):
    a = page.get_by_test_id("candidate-a").locator("h2").inner_text()
    b = page.get_by_test_id("candidate-b").locator("h2").inner_text()
    return a, b


def test_two_choices_and_a_reload_that_keeps_them(tmp_path: Path):
    def predictions(point):  # what a trained-cell run shows: sample images with predicted labels
        return [{"image": png_data_url(np.eye(8)), "label": "three", "predicted": "five", "confidence": 0.7}]

    session = PreferenceSession(small_pool(12), tmp_path / "judgments.jsonl", mode="active",
                                ranker_path=tmp_path / "ranker.json", predictions=predictions,
                                ranker_params={"hidden": 4, "n_members": 3, "epochs": 60})
    errors = []
    with PreferenceServer(session) as server, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page()
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.goto(server.url)
            progress = page.get_by_test_id("progress")
            expect(progress).to_have_text(re.compile(r"^0 judgments saved · active pairs · 12 candidates"))
            first = shown_pair(page)
            expect(page.get_by_test_id("candidate-a").locator("svg.cell")).to_be_visible()
            expect(page.get_by_test_id("candidate-a").locator('[data-metric="cifar10_test_acc"]')).to_have_text(
                re.compile(r"^\d+\.\d+ %$"))
            expect(page.get_by_test_id("scatter")).to_be_visible()
            expect(page.get_by_test_id("predictions-b")).to_contain_text("five (three)")

            page.get_by_test_id("choose-a").click()
            expect(progress).to_have_text(re.compile(r"^1 judgment saved"))
            assert shown_pair(page) != first
            page.keyboard.press("ArrowRight")  # the second choice by keyboard: B
            expect(progress).to_have_text(re.compile(r"^2 judgments saved"))
            expect(page.get_by_test_id("candidate-a")).to_contain_text("learned score so far")
            expect(page.get_by_test_id("ranker-guess")).to_contain_text("From your 2 answers so far")
            before = shown_pair(page)

            page.reload()
            expect(progress).to_have_text(re.compile(r"^2 judgments saved"))
            assert shown_pair(page) == before  # the same question after a reload

            page.goto(server.url.split("?")[0])  # without the token: refused
            assert "session token" in page.content()
        finally:
            browser.close()
    assert errors == []
    judgments = read_judgments(tmp_path / "judgments.jsonl")[1]
    assert [j.choice for j in judgments] == ["a", "b"] and {j.source for j in judgments} == {"web"}
    assert (tmp_path / "ranker.json").is_file()
