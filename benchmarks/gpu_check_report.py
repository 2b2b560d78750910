"""The text report of ``benchmarks/gpu_check.py`` and the check of its JSON schema."""
from __future__ import annotations

STATUSES = ("ok", "skipped", "error", "timeout")
REQUIRED = {
    "top": ("schema", "argv", "device", "tiny", "budget_s", "start_method", "started", "environment", "settings",
            "sections", "summary", "wall_s"),
    "section": ("status", "seconds", "budget_s", "result", "imported_not_on_gpu_machine"),
    "device": ("device", "type", "torch", "autocast_dtype", "cudnn_benchmark", "tf32_matmul"),
    "tests": ("files", "exit_code", "counts", "tests"),
    "correctness": ("setting", "runs", "skipped", "comparison"),
    "comparison": ("cpu_fp32", "tolerance", "tolerance_rule", "pairs", "device_vs_cpu_mean", "summary"),
    "run": ("role", "device", "precision", "order_seed", "metrics", "amp", "train_seconds"),
    "throughput": ("device", "batch_size", "n_train", "image_shape", "amp", "rows", "skipped"),
    "row": ("channels", "cells_per_stage", "cell", "codes", "mflops", "variant"),
    "measured": ("images_per_second", "ms_per_step", "epochs", "steps", "peak_memory_bytes", "model_tflops"),
    "concurrency": ("network", "cell", "codes", "batch_size", "start_method", "points", "skipped"),
    "point": ("cells", "reports"),
    "summary": ("statuses", "tests", "correctness", "target_images_per_second", "costliest_c16n5_eager_images_per_second",
                "meets_target", "recommended_cells_per_gpu", "ray_num_gpus"),
}


def _missing(obj, kind: str, where: str) -> list[str]:
    if not isinstance(obj, dict):
        return [f"{where}: expected an object, got {type(obj).__name__}"]
    return [f"{where}: missing {key!r}" for key in REQUIRED[kind] if key not in obj]


def _check_result(name: str, result: dict) -> list[str]:
    problems = _missing(result, name, name)
    if problems:
        return problems
    if name == "correctness":
        problems += _missing(result["comparison"], "comparison", "correctness.comparison")
        for i, run in enumerate(result["runs"]):
            problems += [] if "error" in run else _missing(run, "run", f"correctness.runs[{i}]")
    if name == "throughput":
        for i, row in enumerate(result["rows"]):
            problems += _missing(row, "row", f"throughput.rows[{i}]")
            problems += [] if "error" in row else _missing(row, "measured", f"throughput.rows[{i}]")
    if name == "concurrency":
        for i, point in enumerate(result["points"]):
            problems += _missing(point, "point", f"concurrency.points[{i}]")
        if any(p.get("cells") == 1 and "per_cell_images_per_second" in p for p in result["points"]):
            problems += [f"concurrency: missing {k!r}" for k in ("recommended_cells_per_gpu", "ray_num_gpus")
                         if k not in result]
    return problems


def check_schema(report: dict) -> list[str]:
    """The problems of a ``gpu_check.json`` report (empty when it has every required field)."""
    problems = _missing(report, "top", "report")
    if problems:
        return problems
    problems += _missing(report["summary"], "summary", "summary")
    for name, record in report["sections"].items():
        problems += _missing(record, "section", f"sections.{name}")
        if record.get("status") not in STATUSES:
            problems.append(f"sections.{name}: status {record.get('status')!r} is not one of {STATUSES}")
        if record.get("status") == "ok":
            problems += _check_result(name, record["result"])
    return problems


def best_costliest(rows: list[dict]) -> tuple[float | None, dict | None]:
    """``(eager images/s, the fastest row)`` of the most expensive C=16, N=5 cell (None: not measured)."""
    mine = [r for r in rows if (r["channels"], r["cells_per_stage"], r["cell"]) == (16, 5, "costliest")
            and "images_per_second" in r]
    eager = next((r["images_per_second"] for r in mine if r["variant"] == "eager"), None)
    best = max(mine, key=lambda r: r["images_per_second"], default=None)
    return eager, None if best is None else {k: best[k] for k in ("variant", "images_per_second")}


# ------------------------------------------------------------------------------------ text
def _table(header: list[str], rows: list[list]) -> list[str]:
    cells = [[str(v) for v in row] for row in [header] + rows]
    width = [max(len(r[i]) for r in cells) for i in range(len(header))]
    return ["  " + "  ".join(v.rjust(w) for v, w in zip(row, width)) for row in cells]


def _num(v, fmt="{:.4g}") -> str:
    return "-" if v is None else fmt.format(v)


def _mib(v) -> str:
    return "-" if v is None else f"{v / 2 ** 20:.0f}"


def _device_lines(r: dict) -> list[str]:
    line = f"  {r.get('name', r['device'])}: torch {r['torch']}, autocast {r['autocast_dtype'] or 'none (fp32)'}"
    if "capability" in r:
        line += f", sm_{r['capability'][0]}{r['capability'][1]}, {r['memory_bytes'] / 2 ** 30:.0f} GiB, " \
                f"{r['multiprocessors']} SMs, bf16 native: {r['bf16_native']}"
    out = [line, f"  cuDNN {r['cudnn']}, benchmark {r['cudnn_benchmark']}, deterministic {r['cudnn_deterministic']}, "
                 f"TF32 matmul {r['tf32_matmul']} / cuDNN {r['tf32_cudnn']}, triton {r['triton']}"]
    if "ceilings" in r:
        c = r["ceilings"]
        out.append(f"  ceilings: copy {c['copy_GBps']:.0f} GB/s, bf16 matmul {c['bf16_matmul_TFLOPs']:.0f} TFLOP/s")
    return out


def _correctness_lines(r: dict) -> list[str]:
    comp = r["comparison"]
    metrics = list(comp["tolerance"])
    rows = [[run["role"], run["device"], run["precision"], run["order_seed"], run.get("amp")]
            + ([_num(run["metrics"][m]) for m in metrics] if "error" not in run else [run["error"][:60]])
            for run in r["runs"]]
    out = _table(["run", "device", "precision", "seed", "amp", *metrics], rows)
    out.append("  tolerance (" + comp["tolerance_rule"] + "):")
    out.append("    " + ", ".join(f"{m} +-{_num(comp['tolerance'][m])}" for m in metrics))
    for pair in comp["pairs"]:
        if pair["diff"]:
            out.append(f"    {pair['what']}: " + ", ".join(
                f"{m} {pair['diff'][m]:+.4g}" + ("" if m not in pair["within"] else
                                                 " (within)" if pair["within"][m] else " (OUTSIDE)")
                for m in pair["diff"]))
    out.append(f"  verdict: {comp['summary']}")
    return out


def _throughput_lines(r: dict) -> list[str]:
    rows = [[f"C={x['channels']} N={x['cells_per_stage']}", x["cell"], _num(x["mflops"], "{:.1f}"), x["variant"]]
            + ([_num(x["images_per_second"], "{:.0f}"), _num(x["ms_per_step"], "{:.2f}"), _mib(x["peak_memory_bytes"]),
                _num(x["model_tflops"], "{:.2f}"), _num(x["warmup_seconds"], "{:.1f}")]
               if "error" not in x else [x["error"][:70]]) for x in r["rows"]]
    out = [f"  batch {r['batch_size']}, {r['n_train']} images 3x32x32 on {r['device']}, amp {r['amp']}"]
    out += _table(["network", "cell", "MFLOPs", "variant", "images/s", "ms/step", "peak MiB", "TFLOP/s", "warm-up s"],
                  rows)
    return out + [f"  skipped: {s}" for s in r["skipped"]]


def _concurrency_lines(r: dict) -> list[str]:
    rows = [[p["cells"], _num(p.get("per_cell_images_per_second"), "{:.0f}"),
             _num(p.get("total_images_per_second"), "{:.0f}"), _mib(p.get("peak_memory_bytes")),
             "; ".join(x["error"][:50] for x in p["reports"] if "error" in x)] for p in r["points"]]
    out = [f"  C={r['network'][0]} N={r['network'][1]}, {r['cell']} cell, batch {r['batch_size']}, "
           f"processes started by {r['start_method']}"]
    out += _table(["cells at once", "images/s per cell", "images/s total", "peak MiB per cell", "errors"], rows)
    if "recommended_cells_per_gpu" in r:
        out.append(f"  recommended cells_per_gpu = {r['recommended_cells_per_gpu']} (Ray num_gpus = {r['ray_num_gpus']})")
    return out + [f"  skipped: {s}" for s in r["skipped"]]


LINES = {"device": _device_lines, "correctness": _correctness_lines, "throughput": _throughput_lines,
         "concurrency": _concurrency_lines,
         "tests": lambda r: [f"  {r['counts']} (exit code {r['exit_code']}; files {', '.join(r['files'])})"]
         + [f"  {t['outcome']}: {t['test']} {t['message'] or ''}" for t in r["tests"] if t["outcome"] != "passed"]}


def format_report(report: dict) -> str:
    """``gpu_check.json`` as text: one block per section, then the summary."""
    s = report["summary"]
    out = [f"gpu_check on {report['device']}{' (tiny)' if report['tiny'] else ''}: {report['wall_s']} s of a "
           f"{report['budget_s']:.0f} s budget; commit {report['environment']['git_commit']}"]
    for name, record in report["sections"].items():
        out.append(f"[{name}] {record['status']}, {record['seconds']:.1f} s of {record['budget_s']:.0f}"
                   + (f": {record['error']}" if record.get("error") else ""))
        result = record.get("result")
        if isinstance(result, dict) and isinstance(result.get("skipped"), str):
            out.append(f"  skipped: {result['skipped']}")
        elif result and record["status"] in ("ok", "timeout", "error"):
            try:
                out += LINES[name](result)
            except (KeyError, TypeError, ZeroDivisionError) as exc:  # a partial result
                out.append(f"  (partial result, not tabulated: {type(exc).__name__} {exc})")
        if record.get("imported_not_on_gpu_machine"):
            out.append(f"  imported modules the GPU machine lacks: {record['imported_not_on_gpu_machine']}")
    eager = s["costliest_c16n5_eager_images_per_second"]
    out.append(f"target: {s['target_images_per_second']} training images/s for the most expensive C=16 N=5 cell: "
               f"eager {_num(eager, '{:.0f}')}, best {s['costliest_c16n5_best']}, met: {s['meets_target']}")
    out.append(f"recommended cells per GPU: {s['recommended_cells_per_gpu']} (Ray num_gpus {s['ray_num_gpus']})")
    return "\n".join(out) + "\n"
