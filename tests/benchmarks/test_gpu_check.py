"""benchmarks/gpu_check.py: its CPU dry run (so that the GPU script cannot rot), its JSON schema,
its time boxes, and the tolerance it judges the GPU's correctness with."""
import json
import multiprocessing
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytest.importorskip("torch")

from benchmarks import gpu_check  # noqa: E402
from benchmarks.gpu_check_report import check_schema  # noqa: E402
from benchmarks.gpu_check_sections import GPU_TEST_FILES  # noqa: E402
from benchmarks.gpu_check_tolerance import compare, spread  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
# Runs the script with the packages the GPU machine lacks made unimportable.
BLOCKED_RUN = """
import runpy, sys
class NotOnTheGpuMachine:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {blocked!r}:
            raise ModuleNotFoundError(f"{{name}} is not on the GPU machine")
sys.meta_path.insert(0, NotOnTheGpuMachine())
sys.argv = ["gpu_check"] + {argv!r}
runpy.run_module("benchmarks.gpu_check", run_name="__main__")
"""


def dry_run(out: Path, *extra: str) -> dict:
    argv = ["--device", "cpu", "--tiny", "--threads", "1", "--out", str(out), *extra]
    code = BLOCKED_RUN.format(blocked=set(gpu_check.NOT_ON_GPU_MACHINE), argv=argv)
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert (out / "gpu_check.txt").read_text() in done.stdout
    names = {p.name for p in out.iterdir()}  # the partial section files were merged and removed
    assert {"gpu_check.json", "gpu_check.txt"} <= names <= {"gpu_check.json", "gpu_check.txt", "pytest-gpu.txt"}
    return json.loads((out / "gpu_check.json").read_text())


def test_cpu_dry_run_fills_every_section_without_the_missing_packages(tmp_path):
    report = dry_run(tmp_path)
    assert check_schema(report) == [] and " skipped" in (tmp_path / "pytest-gpu.txt").read_text()
    sections = report["sections"]
    assert {name: r["status"] for name, r in sections.items()} == {name: "ok" for name in gpu_check.SECTIONS}
    assert all(r["imported_not_on_gpu_machine"] == [] for r in sections.values())
    tests = sections["tests"]["result"]
    assert tests["exit_code"] == 0 and tests["counts"] == {"skipped": len(tests["tests"])} and tests["tests"]
    roles = [run["role"] for run in sections["correctness"]["result"]["runs"]]
    assert roles == ["device", "cpu_seed", "cpu_seed", "device_fp32", "device_repeat", "cpu_bf16"]  # one thread
    comparison = sections["correctness"]["result"]["comparison"]
    assert comparison["summary"] == "within tolerance"  # on the CPU the "device" run is the CPU run
    rows = sections["throughput"]["result"]["rows"]
    assert [(r["cell"], r["variant"]) for r in rows] == [
        ("costliest", "eager"), ("median", "eager"), ("cheapest", "eager"), ("costliest", "cudnn_benchmark"),
        ("costliest", "compile"), ("cheapest", "compile")]
    assert all(r["images_per_second"] > 0 and r["mflops"] > 0 for r in rows)
    concurrency = sections["concurrency"]["result"]
    assert [p["cells"] for p in concurrency["points"]] == [1, 2]
    assert concurrency["recommended_cells_per_gpu"] in (1, 2)
    assert report["summary"]["meets_target"] is None  # no C=16 N=5 row, and no GPU figure from a CPU run


@pytest.mark.slow
def test_cpu_dry_run_with_spawned_processes_as_on_cuda(tmp_path):
    report = dry_run(tmp_path, "--start-method", "spawn", "--sections", "correctness", "concurrency")
    assert check_schema(report) == [] and report["start_method"] == "spawn"
    assert [r["status"] for r in report["sections"].values()] == ["ok", "ok"]


def test_every_gpu_test_file_is_run_by_the_script():
    decorated = re.compile(r"^(@pytest\.mark\.gpu|pytestmark = .*pytest\.mark\.gpu)", re.M)
    marked = {str(p.relative_to(ROOT)) for p in (ROOT / "tests").rglob("test_*.py") if decorated.search(p.read_text())}
    assert marked and marked <= set(GPU_TEST_FILES)


def test_schema_check_names_what_is_missing(tmp_path):
    report = {"schema": 1}
    assert "report: missing 'sections'" in check_schema(report)
    record = {"status": "ok", "seconds": 1.0, "budget_s": 2.0, "imported_not_on_gpu_machine": [],
              "result": {"device": "cpu", "batch_size": 8, "n_train": 16, "image_shape": [3, 32, 32], "amp": None,
                         "rows": [{"channels": 4, "cells_per_stage": 1, "cell": "cheapest", "codes": [1] * 6,
                                   "mflops": 1.0, "variant": "eager"}], "skipped": []}}
    full = {k: None for k in ("schema", "argv", "device", "tiny", "budget_s", "start_method", "started", "environment",
                              "settings", "wall_s")}
    full["summary"] = {k: None for k in ("statuses", "tests", "correctness", "target_images_per_second",
                                         "costliest_c16n5_eager_images_per_second", "meets_target",
                                         "recommended_cells_per_gpu", "ray_num_gpus")}
    full["sections"] = {"throughput": record}
    assert check_schema(full) == ["throughput.rows[0]: missing 'images_per_second'", "throughput.rows[0]: missing "
                                  "'ms_per_step'", "throughput.rows[0]: missing 'epochs'", "throughput.rows[0]: "
                                  "missing 'steps'", "throughput.rows[0]: missing 'peak_memory_bytes'",
                                  "throughput.rows[0]: missing 'model_tflops'"]


def sleepy_section(cfg, deadline, emit):
    """A section that overruns its budget and leaves a worker process behind."""
    worker = multiprocessing.get_context("fork").Process(target=time.sleep, args=(60,))
    worker.start()
    emit({"worker": worker.pid})
    time.sleep(60)


def gone(pid: int, wait: float = 5.0) -> bool:
    """Whether process ``pid`` ends within ``wait`` seconds (a zombie left for init to reap counts)."""
    end = time.time() + wait
    while time.time() < end:
        try:
            if "State:\tZ" in Path(f"/proc/{pid}/status").read_text():
                return True
        except FileNotFoundError:
            return True
        time.sleep(0.05)
    return False


def test_an_overrunning_section_is_killed_with_its_workers(tmp_path):
    start = time.time()
    record = gpu_check.run_section(f"{__name__}:sleepy_section", {}, tmp_path, 0.5,
                                   multiprocessing.get_context("fork"), grace=1.0)
    assert record["status"] == "timeout" and time.time() - start < 10
    assert record["result"]["worker"] > 0 and gone(record["result"]["worker"])
    assert list(tmp_path.iterdir()) == []  # the partial result was read into the record


def test_tolerance_is_the_prediction_interval_of_the_cpu_seeds():
    s = spread([90.0, 92.0, 91.0, 89.0, 93.0], floor=0.5)
    assert s["mean"] == pytest.approx(91.0) and s["sd"] == pytest.approx(2.5 ** 0.5)
    assert s["tolerance"] == pytest.approx(4.604 * 2.5 ** 0.5 * (1.2 ** 0.5))
    assert spread([80.0, 80.0], floor=0.5)["tolerance"] == 0.5  # never below the resolution

    def run(role, seed, acc):
        return {"role": role, "order_seed": seed, "metrics": {"accuracy": acc}, "n_val": 200}

    cpu = [run("cpu_seed", s, v) for s, v in enumerate([90.0, 92.0, 91.0, 89.0, 93.0])]
    good = compare(cpu + [run("device", 0, 95.0), run("cpu_bf16", 0, 91.0), run("cpu_bf16", 1, 91.0)], ["accuracy"])
    assert good["summary"] == "within tolerance" and good["pairs"][0]["diff"]["accuracy"] == pytest.approx(5.0)
    assert good["pairs"][3]["diff"]["accuracy"] == pytest.approx(1.0)  # mean |bf16 - fp32| over seeds 0 and 1
    bad = compare(cpu + [run("device", 0, 70.0)], ["accuracy"])
    assert bad["summary"] == "outside tolerance: accuracy" and bad["device_vs_cpu_mean"]["accuracy"]["within"] is False
    assert compare(cpu[:1] + [run("device", 0, 70.0)], ["accuracy"])["summary"] == "not enough runs to judge"


def test_correctness_runs_put_the_same_seed_comparison_first():
    from benchmarks.gpu_check_sections import correctness_runs

    runs = correctness_runs({"device": "cuda", "seeds": 3, "bf16_seeds": 2, "threads": None})
    assert [(r["role"], r["device"], r["precision"], r["order_seed"]) for r in runs] == [
        ("device", "cuda", "auto", 0), ("cpu_seed", "cpu", "fp32", 0), ("cpu_seed", "cpu", "fp32", 1),
        ("cpu_seed", "cpu", "fp32", 2), ("device_fp32", "cuda", "fp32", 0), ("device_repeat", "cuda", "auto", 0),
        ("cpu_bf16", "cpu", "bf16", 0), ("cpu_bf16", "cpu", "bf16", 1), ("cpu_1thread", "cpu", "fp32", 0)]
    assert runs[-1]["threads"] == 1


def test_the_committed_cpu_run_matches_the_schema_and_holds_no_gpu_figure():
    report = json.loads((ROOT / "benchmarks/results/measurements/gpu_check_cpu.json").read_text())
    assert check_schema(report) == [] and report["device"] == "cpu"
    assert report["sections"]["throughput"]["result"]["device"] == "cpu" and report["summary"]["meets_target"] is None
