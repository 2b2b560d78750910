"""Makes ``docs/dashboard.png``, the README's screenshot of ``lamoo dashboard``.

Three runs on BraninCurrin (150 evaluations, batches of 5, seed 1): LaMOO(random), LaMOO(NSGA-II)
and NSGA-II alone; the dashboard of all three in headless chromium, with the first run selected
and a point of its Pareto front clicked:

    OMP_NUM_THREADS=1 python docs/dashboard_screenshot.py
"""
from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]


def make_runs(folder: Path) -> list[Path]:
    from lamoo import LaMOO, Study
    from lamoo.problems import get_problem
    from samplers import NSGA2Sampler, RandomSampler

    task = get_problem("branin-currin")
    runs = []
    for name, sampler in (("lamoo-random", LaMOO(RandomSampler())), ("lamoo-nsga2", LaMOO(NSGA2Sampler())),
                          ("nsga2", NSGA2Sampler())):
        runs.append(folder / name)
        Study(task, sampler, seed=1, n_init=10, journal=folder / name / "journal.jsonl").optimize(150, 5)
    return runs


def main() -> None:
    from playwright.sync_api import expect, sync_playwright

    from lamoo.dashboard import serve

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "dashboard.png")
    args = parser.parse_args()
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        with serve(make_runs(Path(tmp))) as server:
            browser = p.chromium.launch(executable_path=chromium, args=ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": 1300}, device_scale_factor=1)
            page.goto(server.url)
            expect(page.get_by_test_id("tree-info")).to_contain_text("matches the journal", timeout=30000)
            point = page.locator("#pareto .scatterlayer .trace").nth(1).locator("path.point").nth(3)
            box = point.bounding_box()
            page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
            page.wait_for_timeout(300)
            page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
            expect(page.get_by_test_id("details")).to_contain_text("on the Pareto front")
            page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2 + 1)  # keep the hover label
            page.wait_for_timeout(500)
            page.screenshot(path=str(args.out), full_page=True)
            browser.close()
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
