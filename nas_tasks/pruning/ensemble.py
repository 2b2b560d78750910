"""Ensembles of a finished pruning run's Pareto front (MO-EvoPruneDeepTL's last experiment).

The front's genomes are differently pruned heads on one backbone; their heads are trained again
(deterministically: the values the run recorded come back, which :meth:`FrontEnsemble.evaluate`
checks) and combined two ways:

- **majority vote**: each model votes for its predicted class (ties go to the lowest class index,
  as ``numpy.argmax(numpy.bincount(...))`` does in the released code);
- **mean probability**: the class of the largest softmax probability averaged over the models.

Their OoD detection, with the task's ODIN robustness objective (``eps = 0``):

- of the mean-probability ensemble: ODIN's score of the averaged temperature-scaled softmax,
  ``max_c mean_m softmax(z_m / T)_c``, and its exact AUROC;
- of the majority vote, as the released code computes it: every model decides ID or OoD at 100
  thresholds (its own ID-score quantiles for TPR 0, 0.01, ..., 0.99), the models vote at each
  threshold, and the area under the voted (FPR, TPR) curve is a trapezoid. The single models' AUROC
  on that grid is reported beside it, since a grid AUROC is what it compares with.

Each is reported against the best single model on each objective, chosen on the validation split
(``best_*``), and against the largest value any member reaches on the split itself (``max_*``, the
paper's "maximum individual" comparison, an oracle).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from lamoo.exceptions import InvalidInputError
from nas_tasks.objectives.robustness import auroc, odin_scores_from_logits

TPR_LEVELS = 100
RELEASED_WINDOWS = ((50, 60), (55, 65), (60, 70), (65, 75), (70, 80), (75, 85), (80, 90), (85, 95))
"""The percentile windows of the released code's ensemble scripts (ari-dasci/S-MOEvoPruneDeepTL,
``ensemble/plots_ensembles_accuracy.py`` by accuracy, ``ensemble/plot_ensembles_OoD.py`` by AUROC)."""


def window_members(values: np.ndarray, window) -> np.ndarray:
    """``(n,)`` bool: which of ``values`` lie between the ``window = (lo, hi)`` percentiles of
    ``values`` (both ends included, numpy's linear percentiles, as the released code)."""
    lo, hi = _check_window(window)
    values = np.asarray(values, dtype=float)
    low, high = np.percentile(values, [lo, hi])
    return (values >= low) & (values <= high)


def _check_window(window) -> tuple[float, float]:
    try:
        lo, hi = (float(v) for v in window)
    except (TypeError, ValueError):
        raise InvalidInputError(f"a percentile window is two numbers (lo, hi), got {window!r}") from None
    if not 0 <= lo <= hi <= 100:
        raise InvalidInputError(f"a percentile window needs 0 <= lo <= hi <= 100, got {window!r}")
    return lo, hi


def _objective_index(objectives, by: str) -> int:
    names = [o.name for o in objectives]
    if by not in names:
        raise InvalidInputError(f"a percentile window selects by {by!r}, which the run does not measure "
                                f"(objectives: {names})")
    return names.index(by)


def vote(predictions: np.ndarray, num_classes: int) -> np.ndarray:
    """The majority class of ``n_models x N`` predicted classes (ties: the lowest class)."""
    counts = np.zeros((num_classes, predictions.shape[1]), dtype=np.int64)
    for p in predictions:
        counts[p, np.arange(predictions.shape[1])] += 1
    return counts.argmax(axis=0)


def grid_decisions(scores_id: np.ndarray, scores_ood: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(L x N_id, L x N_ood)`` bool "in-distribution" decisions at the released code's
    :data:`TPR_LEVELS` thresholds, set at quantiles of ``scores_id`` from the largest score down
    (the first level decides OoD for every ID image, the last ID for every ID image, and there,
    its threshold being just under the smallest ID score, ID for every OoD image scoring at least
    that much: without it a model whose score never varies, such as a head with no active input,
    would get a grid AUROC of 1 instead of 0.5)."""
    ordered = np.sort(scores_id)
    levels = np.arange(0, 1, 1 / TPR_LEVELS)[::-1].copy()
    levels[0] = 0.99999999
    thresholds = ordered[(len(ordered) * levels).astype(int)]
    dec_id, dec_ood = scores_id[None, :] > thresholds[:, None], scores_ood[None, :] > thresholds[:, None]
    dec_id[0], dec_id[-1] = False, True
    dec_ood[-1] = scores_ood >= thresholds[-1]
    return dec_id, dec_ood


def grid_auroc(dec_id: np.ndarray, dec_ood: np.ndarray) -> float:
    """The trapezoid area under the (FPR, TPR) points of ``L x N`` decisions, with (1, 1) added."""
    tpr, fpr = np.append(dec_id.mean(axis=1), 1.0), np.append(dec_ood.mean(axis=1), 1.0)
    return float(np.sum((fpr[1:] - fpr[:-1]) * (tpr[1:] + tpr[:-1]) / 2))


def softmax(z: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    z = np.asarray(z, dtype=np.float64) / temperature
    p = np.exp(z - z.max(axis=-1, keepdims=True))
    return p / p.sum(axis=-1, keepdims=True)


class FrontEnsemble:
    """Ensembles of pruned models (see the module docstring).

    Args:
        task: the :class:`~nas_tasks.pruning.task.PruneTask` of the run.
        genomes: ``(n x length)`` the members (usually the run's non-dominated genomes).
        recorded: ``(n x m)`` the validation values the run recorded for them, to check against.
    """

    def __init__(self, task, genomes, recorded=None):
        self.task = task
        self.genomes = task.layout.check(genomes, "ensemble members").astype(float)
        if len(self.genomes) < 2:
            raise InvalidInputError(f"an ensemble needs at least 2 members, got {len(self.genomes)}")
        self.recorded = None if recorded is None else np.asarray(recorded, dtype=float)
        self.robustness = next(((j, o) for j, o in enumerate(task.objective_plugins)
                                if getattr(o, "name", "") == "robustness" and getattr(o, "epsilon", 1) == 0), None)

    @classmethod
    def from_result(cls, task, result, window: tuple[float, float] | None = None,
                    by: str = "accuracy") -> "FrontEnsemble":
        """The non-dominated genomes of ``result`` (a :class:`lamoo.Result`), optionally only
        those whose recorded (validation) value of objective ``by`` lies between the ``window``
        percentiles of the front's (the released code's windows, :data:`RELEASED_WINDOWS`)."""
        mask = np.asarray(result.pareto_mask())
        X, Y = result.X[mask], result.Y[mask]
        X, keep = np.unique(X, axis=0, return_index=True)
        Y = Y[keep]
        if window is not None:
            inside = window_members(Y[:, _objective_index(result.objectives, by)], window)
            X, Y = X[inside], Y[inside]
        return cls(task, X, Y)

    @classmethod
    def from_run(cls, run_dir, task=None, window=None, by: str = "accuracy") -> "FrontEnsemble":
        """The front of a ``lamoo optimize --task prune`` run folder (the task rebuilt from its
        journal unless given)."""
        from lamoo.journal import read_journal
        from lamoo.result import Result
        from nas_tasks.pruning.task import PruneTask

        journal = Path(run_dir) / "journal.jsonl"
        if not journal.is_file():
            raise InvalidInputError(f"{str(run_dir)!r} is not a run folder: it has no journal.jsonl")
        if task is None:
            task = PruneTask.from_description(read_journal(journal)[0]["task"])
        return cls.from_result(task, Result.from_journal(journal), window, by)

    # ------------------------------------------------------------------ evaluation
    def predictions(self) -> dict:
        """``{part: (logits n x N x k, labels (N,))}`` of the members on the validation and test
        splits, and ``{(part, "ood"): (ID rows, OoD logits n x M x k)}`` with a robustness objective
        (computed once: the heads are trained on the first call)."""
        if getattr(self, "_predictions", None) is not None:
            return self._predictions
        weights = self.task.heads(self.genomes)
        out = {}
        for part in ("val", "test"):
            x, y = self.task.features[part]
            out[part] = (weights.logits(x).cpu().numpy(), y.cpu().numpy())
            if self.robustness is not None:
                rows, ood = self.task._ood[(self.robustness[0], part)]
                out[(part, "ood")] = (rows.cpu().numpy(), weights.logits(ood).cpu().numpy())
        self._predictions = out
        return out

    def evaluate(self) -> dict:
        """Accuracy (%) and ODIN AUROC of the members, the two ensembles and the best single
        models, on the validation and the test split (see the module docstring)."""
        report = self._report(self.predictions(), np.arange(len(self.genomes)))
        if self.recorded is not None:
            names = [o.name for o in self.task.objectives]
            recomputed = np.array(report["parts"]["val"]["single"]["accuracy"])
            report["recorded_accuracy_matches"] = bool(np.allclose(self.recorded[:, names.index("accuracy")],
                                                                   recomputed, atol=1e-6)) if "accuracy" in names else None
        return report

    def windows(self, windows=RELEASED_WINDOWS, part: str = "test") -> list[dict]:
        """Ensembles of the members inside percentile windows, as the released code's ensemble
        scripts make them: for accuracy, the members whose accuracy lies in the window; for
        AUROC, those whose robustness does. Members are selected by their recorded (validation)
        values, where the released code selects on the split it reports; each row compares the
        window's ensembles with its best single model (chosen on validation) and its best member
        on ``part`` (``max_*``, the released code's "maximum individual" comparison).

        Returns:
            one dict per (objective, window): ``by``, ``window``, ``members`` (indices), and the
            ``vote_accuracy``, ``mean_accuracy``, ``best_accuracy``, ``max_accuracy`` and, with a
            robustness objective, ``vote_grid_auroc``, ``mean_auroc``, ``best_auroc``,
            ``max_auroc`` (exact ODIN AUROC) and ``best_grid_auroc``, ``max_grid_auroc`` (the vote's
            grid AUROC of the single models) of ``part``.
        """
        if self.recorded is None:
            raise InvalidInputError("percentile windows select by the recorded values: build the ensemble with them "
                                    "(FrontEnsemble.from_result or recorded=...)")
        preds, rows = self.predictions(), []
        names = [o.name for o in self.task.objectives]
        for by in [b for b in ("accuracy", "robustness") if b in names and (b != "robustness" or self.robustness)]:
            for window in windows:
                idx = np.flatnonzero(window_members(self.recorded[:, names.index(by)], window))
                if len(idx):
                    rows.append(self._window_row(preds, idx, by, window, part))
        return rows

    def _window_row(self, preds: dict, idx: np.ndarray, by: str, window, part: str) -> dict:
        p = self._report(preds, idx)["parts"][part]
        row = {"by": by, "window": list(window), "members": idx.tolist(),
               "vote_accuracy": p["majority_vote"]["accuracy"], "mean_accuracy": p["mean_probability"]["accuracy"],
               "best_accuracy": p["best_accuracy_model"]["accuracy"], "max_accuracy": p["max_accuracy"]}
        if "auroc" in p["single"]:
            row.update(vote_grid_auroc=p["majority_vote"]["grid_auroc"], mean_auroc=p["mean_probability"]["auroc"],
                       best_auroc=p["best_auroc_model"]["auroc"], max_auroc=p["max_auroc"],
                       best_grid_auroc=p["best_auroc_model"]["grid_auroc"], max_grid_auroc=max(p["single"]["grid_auroc"]))
        return row

    def _report(self, preds: dict, idx: np.ndarray) -> dict:
        """The report of the members ``idx`` (indices into :attr:`genomes`), from ``preds``."""
        sub = {key: (value[0], value[1][idx]) if isinstance(key, tuple) else (value[0][idx], value[1])
               for key, value in preds.items()}
        report = {"n_members": len(idx), "memory": self.task.layout.memory(self.genomes[idx]).tolist(),
                  "parts": {part: self._part(sub, part) for part in ("val", "test")}}
        val = report["parts"]["val"]
        for part in report["parts"].values():
            for objective in ("accuracy", "auroc"):
                if objective in val["single"]:
                    best = int(np.argmax(val["single"][objective]))
                    part[f"best_{objective}_model"] = {"member": int(idx[best]),
                                                       **{k: v[best] for k, v in part["single"].items()}}
        return report

    def _part(self, preds: dict, part: str) -> dict:
        logits, y = preds[part]
        k = logits.shape[2]
        members = logits.argmax(axis=2)
        probs = softmax(logits).mean(axis=0)
        out = {"single": {"accuracy": [float((p == y).mean() * 100) for p in members]},
               "majority_vote": {"accuracy": float((vote(members, k) == y).mean() * 100)},
               "mean_probability": {"accuracy": float((probs.argmax(axis=1) == y).mean() * 100)}}
        if self.robustness is not None:
            self._odin(out, preds[(part, "ood")], logits)
        for objective in out["single"]:
            out[f"max_{objective}"] = max(out["single"][objective])
        return out

    def _odin(self, out: dict, ood: tuple, logits: np.ndarray) -> None:
        rows, ood_logits = ood
        T = self.robustness[1].temperature
        s_id, s_ood = odin_scores_from_logits(logits[:, rows], T), odin_scores_from_logits(ood_logits, T)
        out["single"]["auroc"] = [auroc(a, b) for a, b in zip(s_id, s_ood)]
        decisions = [grid_decisions(a, b) for a, b in zip(s_id, s_ood)]
        out["single"]["grid_auroc"] = [grid_auroc(d_id, d_ood) for d_id, d_ood in decisions]
        voted_id = np.mean([d for d, _ in decisions], axis=0) > 0.5  # ties (an even split) vote OoD
        voted_ood = np.mean([d for _, d in decisions], axis=0) > 0.5
        out["majority_vote"]["grid_auroc"] = grid_auroc(voted_id, voted_ood)
        mean_id = softmax(logits[:, rows], T).mean(axis=0).max(axis=1)
        mean_ood = softmax(ood_logits, T).mean(axis=0).max(axis=1)
        out["mean_probability"]["auroc"] = auroc(mean_id, mean_ood)


def summary_table(report: dict, part: str = "test") -> str:
    """A Markdown table of one split of :meth:`FrontEnsemble.evaluate`'s report."""
    p = report["parts"][part]
    rows = [("majority vote", p["majority_vote"].get("accuracy"), p["majority_vote"].get("grid_auroc"), "grid"),
            ("mean probability", p["mean_probability"].get("accuracy"), p["mean_probability"].get("auroc"), "exact")]
    for objective in ("accuracy", "auroc"):
        best = p.get(f"best_{objective}_model")
        if best:
            rows.append((f"best single on {objective} (chosen on val)", best["accuracy"], best.get("auroc"), "exact"))
            if "grid_auroc" in best:
                rows.append(("  the same, grid AUROC", None, best["grid_auroc"], "grid"))
    rows.append(("max over members (oracle)", p["max_accuracy"], p.get("max_auroc"), "exact"))

    def fmt(v, digits):
        return "" if v is None else f"{v:.{digits}f}"
    lines = [f"| {part} ({report['n_members']} members) | accuracy % | ODIN AUROC | AUROC kind |", "|---|---|---|---|"]
    lines += [f"| {name} | {fmt(a, 2)} | {fmt(r, 4)} | {kind if r is not None else ''} |" for name, a, r, kind in rows]
    return "\n".join(lines)


def window_table(rows: list[dict], part: str = "test") -> str:
    """A Markdown table of :meth:`FrontEnsemble.windows`' rows (the vote's AUROC beside the single
    models' on the same 100-threshold grid, the mean probability's beside their exact AUROC)."""
    def fmt(row, key, digits):
        return f"{row[key]:.{digits}f}" if key in row else ""
    lines = ["| selected by (val) | window | members | vote acc % | mean prob. acc % | best single acc % | max member "
             "acc % | vote grid AUROC | best single grid AUROC | max member grid AUROC | mean prob. AUROC | "
             "best single AUROC | max member AUROC |", "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    keys = [("vote_accuracy", 2), ("mean_accuracy", 2), ("best_accuracy", 2), ("max_accuracy", 2),
            ("vote_grid_auroc", 4), ("best_grid_auroc", 4), ("max_grid_auroc", 4), ("mean_auroc", 4), ("best_auroc", 4),
            ("max_auroc", 4)]
    lines += [f"| {r['by']} | {r['window'][0]:g}-{r['window'][1]:g} | {len(r['members'])} | "
              + " | ".join(fmt(r, k, d) for k, d in keys) + " |" for r in rows]
    return "\n".join(lines) + f"\n\n({part} split; best single: chosen on validation among the window's members.)"


__all__ = ["RELEASED_WINDOWS", "FrontEnsemble", "grid_auroc", "grid_decisions", "summary_table", "vote", "window_members",
           "window_table"]
