"""Makes ``docs/preference-page.png``, the README's screenshot of the ``lamoo prefer`` page.

A LaMOO(evolution) run of 60 evaluations on the NAS-Bench-201 table (accuracy, Raspberry Pi 4
latency, params, FLOPs), three judgments by a synthetic user (so the learned score shows), then the
page in headless chromium:

    OMP_NUM_THREADS=1 python docs/preference_screenshot.py --table ../shared/data/nb201/nb201_cifar.csv
"""
from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path

OBJECTIVES = ["cifar10_test_acc", "latency_ms_raspi4", "params", "flops"]
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]


def main() -> None:
    from playwright.sync_api import expect, sync_playwright

    from lamoo import LaMOO, Study
    from nas_tasks import NB201TableTask
    from nas_tasks.preference.server import PreferenceServer
    from nas_tasks.preference.session import PreferenceSession, pool_from_run
    from nas_tasks.preference.synthetic import SyntheticPreference
    from samplers import EvolutionSampler

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--table", type=Path, required=True)
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "preference-page.png")
    args = parser.parse_args()
    task = NB201TableTask(args.table, OBJECTIVES, dataset="cifar10")
    with tempfile.TemporaryDirectory() as tmp:
        run = Path(tmp) / "runs" / "nb201"
        Study(task, LaMOO(EvolutionSampler()), seed=0, n_init=10, journal=run / "journal.jsonl").optimize(60, 5)
        session = PreferenceSession(pool_from_run(run), run / "judgments.jsonl", mode="active",
                                    ranker_path=run / "ranker.json", seed=0)
        user = SyntheticPreference("accuracy_constraint", {o.name: task.Y[:, j] for j, o in enumerate(task.objectives)},
                                   {"accuracy": OBJECTIVES[0], "latency": OBJECTIVES[1], "params": "params",
                                    "flops": "flops"})
        for _ in range(3):
            a, b = session.current_pair()
            u = user.utility({name: v for name, v in zip(OBJECTIVES, session.pool.metrics_of([a, b]).T)})
            session.judge(a, b, "none" if u[0] == u[1] else "a" if u[0] > u[1] else "b", source="synthetic")
        chromium = shutil.which("chromium") or shutil.which("chromium-browser")
        with PreferenceServer(session) as server, sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, args=ARGS)
            page = browser.new_page(viewport={"width": 1200, "height": 900}, device_scale_factor=1)
            page.goto(server.url)
            expect(page.get_by_test_id("progress")).to_contain_text("3 judgments saved")
            page.screenshot(path=str(args.out), full_page=True)
            browser.close()
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
