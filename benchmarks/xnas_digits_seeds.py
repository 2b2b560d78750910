"""The XNAS digits reproduction over several seeds: each claim of :mod:`benchmarks.xnas_digits` as
"agrees on k of n seeds", with every seed's numbers.

Runs ``benchmarks/xnas_digits.py`` once per seed (into ``OUT/seed<S>``, tables only) and then
aggregates; or, with ``--aggregate``, only aggregates finished seed folders (each holding the
``claims.json`` that ``xnas_digits.py`` writes). Verdicts are recomputed from each seed's
numbers with :func:`benchmarks.xnas_digits.verdict`, so a part that a seed cannot measure (a
Pareto front of one model has no least introspectable model) counts as n/a, not as a
disagreement.

    OMP_NUM_THREADS=1 PYTHONPATH=. nice -n 19 python benchmarks/xnas_digits_seeds.py --seeds 1 2 3 \\
        --out benchmarks/results/xnas_digits/seeds -- --budget 30 --max-models 8
    PYTHONPATH=. python benchmarks/xnas_digits_seeds.py --out benchmarks/results/xnas_digits/seeds \\
        --aggregate benchmarks/results/xnas_digits benchmarks/results/xnas_digits/seeds/seed*

Writes ``OUT/SEEDS.md`` and ``OUT/seeds.json``.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

CLAIM_IDS = ("calibration", "mispredictions", "regularizer", "corrupted_labels")
"""The claims in the order ``xnas_digits.py`` lists them (older claims.json files carry no ids)."""


def load_seed(folder: Path) -> dict:
    """One seed's ``claims.json`` with every claim's verdict recomputed from its values."""
    from benchmarks.xnas_digits import verdict

    data = json.loads((Path(folder) / "claims.json").read_text())
    if not all("values" in c for c in data["claims"]):
        raise SystemExit(f"{folder}/claims.json has no per-claim values; re-score it with "
                         "xnas_digits.py --from-runs")
    for cid, c in zip(CLAIM_IDS, data["claims"]):
        c["id"] = c.get("id", cid)
        c["agrees"] = verdict(c["id"], c["values"])
    return data


def aggregate(seeds: list[dict]) -> list[dict]:
    """Per claim: ``claim``, ``n`` seeds, ``yes`` / ``no`` / ``partly`` / ``na`` counts (a verdict
    with an n/a part counts by what it measured), and ``per_seed`` (seed, verdict, values)."""
    out = []
    for i, cid in enumerate(CLAIM_IDS):
        per_seed = [{"seed": int(s["config"]["seed"]), "agrees": s["claims"][i]["agrees"],
                     "values": s["claims"][i]["values"], "measured": s["claims"][i]["measured"]} for s in seeds]
        head = [p["agrees"].split(" (")[0] for p in per_seed]
        out.append({"id": cid, "claim": seeds[0]["claims"][i]["claim"], "n": len(per_seed),
                    "yes": head.count("yes"), "no": head.count("no"), "partly": head.count("partly"),
                    "na": head.count("n/a"), "per_seed": per_seed})
    return out


def summary_line(row: dict) -> str:
    """"agrees on k of n seeds" with the partly / no / n/a counts."""
    text = f"agrees on {row['yes']} of {row['n']} seeds"
    extra = [f"{row[k]} {name}" for k, name in (("partly", "partly"), ("no", "no"), ("na", "n/a")) if row[k]]
    return text + (f" ({', '.join(extra)})" if extra else "")


def write(out: Path, seeds: list[dict], rows: list[dict]) -> None:
    """``OUT/seeds.json`` and ``OUT/SEEDS.md``."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "seeds.json").write_text(json.dumps({"config": {k: v for k, v in seeds[0]["config"].items() if k != "seed"},
                                                "claims": rows,
                                                "runs": {int(s["config"]["seed"]): s["runs"] for s in seeds}},
                                               indent=1) + "\n")
    c = seeds[0]["config"]
    lines = [f"# XNAS claims on {c['dataset']}, {len(seeds)} seeds", "",
             f"Setting per seed: NB201 cells, C={c['channels']}, N={c['cells_per_stage']}, {c['epochs']} epochs, "
             f"sampler {c['sampler']}, budget {c['budget']} (n_init {c['n_init']}, batches of {c['batch_size']}), "
             f"regularizer weight {c['weight']}, {c['corrupt']} of the labels corrupted, at most {c['max_models']} "
             f"Pareto models analysed; seeds {', '.join(str(int(s['config']['seed'])) for s in seeds)}. "
             "Verdicts from `xnas_digits.verdict` (n/a: the seed's Pareto front is too small to measure it).", "",
             "| claim (paper, CIFAR-10) | over the seeds | per seed: verdict |", "|---|---|---|"]
    for r in rows:
        per = "; ".join(f"{p['seed']}: {p['agrees']}" for p in r["per_seed"])
        lines.append(f"| {r['claim']} | {summary_line(r)} | {per} |")
    lines += ["", "## Per-seed measurements", ""]
    for r in rows:
        lines += [f"**{r['claim']}**", ""] + [f"- seed {p['seed']}: {p['measured']}" for p in r["per_seed"]] + [""]
    lines += ["## Runs", ""]
    for s in seeds:
        lines.append(f"- seed {int(s['config']['seed'])}: " + "; ".join(
            f"{k}: {v['n']} cells, best accuracy {v['best_acc']:.1f} %, best introspectability {v['best_intro']:.3f}, "
            f"HV {v['hv']:.4g}" for k, v in s["runs"].items()))
    (out / "SEEDS.md").write_text("\n".join(lines) + "\n")


def main(argv=None) -> list[dict]:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seeds", type=int, nargs="+", default=[], help="seeds to run (each into OUT/seed<S>)")
    p.add_argument("--aggregate", type=Path, nargs="+", default=[], help="finished seed folders to include")
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("rest", nargs="*", help="after --: options for xnas_digits.py (the same for every seed)")
    args = p.parse_args(argv)
    if not args.seeds and not args.aggregate:
        raise SystemExit("give --seeds to run, --aggregate folders, or both")
    from benchmarks import xnas_digits

    folders = list(args.aggregate)
    for seed in args.seeds:
        folder = args.out / f"seed{seed}"
        xnas_digits.main([*args.rest, "--seed", str(seed), "--out", str(folder), "--no-plots"])
        folders.append(folder)
    seeds = sorted((load_seed(f) for f in folders), key=lambda s: int(s["config"]["seed"]))
    settings = {json.dumps({k: v for k, v in s["config"].items() if k not in ("seed", "no_plots")}, sort_keys=True)
                for s in seeds}
    if len(settings) > 1:
        raise SystemExit(f"the seed folders were run with different settings: {sorted(settings)}")
    rows = aggregate(seeds)
    write(args.out, seeds, rows)
    for r in rows:
        print(f"{summary_line(r)}: {r['claim']}")
    return rows


if __name__ == "__main__":
    main()
