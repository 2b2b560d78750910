"""Small, fast tasks and helpers for tests: the toy problems the conformance suite runs on (no
BoTorch, no files), an archive filled with uniform points, and a fixed half-space region."""
from __future__ import annotations

import json
import os
import time
import zlib
from pathlib import Path

import numpy as np

from lamoo.archive import Archive
from lamoo.partition import GOOD
from lamoo.region import Region
from lamoo.space import SearchSpace
from lamoo.task import ObjectiveSpec, Task


class ToyTask(Task):
    """Two minimized objectives on ``[0, 1]^d`` with a known front:
    ``f1 = mean(x^2)``, ``f2 = mean((x - 1)^2)``. ``evaluate`` maps ``(n x d)`` points to
    ``(n x 2)`` values and records each call's batch size in ``calls``."""

    def __init__(self, d: int = 3):
        self.space = SearchSpace.box(np.zeros(d), np.ones(d))
        self.objectives = (ObjectiveSpec("f1", "minimize"), ObjectiveSpec("f2", "minimize"))
        self.ref_point = np.array([1.1, 1.1])
        self.max_hypervolume = None
        self.calls: list[int] = []

    def evaluate(self, X):
        X = np.asarray(X, dtype=float)
        self.calls.append(len(X))
        return np.column_stack([(X ** 2).mean(1), ((X - 1) ** 2).mean(1)])


class MixedToyTask(ToyTask):
    """The toy objectives on one continuous, one integer and one categorical dimension; the
    second objective is *maximized* (raw values are negated) to exercise directions."""

    def __init__(self):
        super().__init__()
        self.space = SearchSpace([(0, 1), (0, 4), (0, 2)], kinds=["continuous", "integer", "categorical"],
                                 names=["lr", "layers", "op"], choices=[None, None, ("a", "b", "c")])
        self.objectives = (ObjectiveSpec("f1", "minimize"), ObjectiveSpec("score", "maximize"))
        self.ref_point = np.array([1.1, -1.1])

    def evaluate(self, X):
        U = self.space.to_unit(X)
        Y = ToyTask.evaluate(self, U)
        return Y * np.array([1.0, -1.0])


class FiniteToyTask(Task):
    """A finite space of 4 categorical dimensions with 3 options (81 cells); objectives are a
    fixed random table: accuracy (maximized) and cost (minimized). Records its calls like
    :class:`ToyTask`."""

    def __init__(self, seed: int = 0):
        self.space = SearchSpace.categorical(4, ["a", "b", "c"])
        rng = np.random.default_rng(seed)
        cost = self.space.candidates.sum(axis=1) + rng.random(81)
        acc = 50 + 5 * cost - 0.4 * cost ** 2 + 3 * rng.random(81)
        self.table = np.column_stack([acc, cost])
        self.objectives = (ObjectiveSpec("accuracy", "maximize"), ObjectiveSpec("cost", "minimize"))
        self.ref_point = np.array([0.0, 20.0])
        self.max_hypervolume = None
        self.calls: list[int] = []

    def evaluate(self, X):
        self.calls.append(len(X))
        return self.table[self.space.candidate_index(self.space.validate(X))]


class LoggedToyTask(Task):
    """:class:`FiniteToyTask` (``finite=True``, the default) or :class:`ToyTask` on ``d``
    dimensions that waits ``delay`` seconds per evaluated batch and then appends the batch to the
    JSON-lines file ``log`` (``{"pid": ..., "x": [[...], ...]}``, one write per batch): the record
    of what was paid for, for tests of killed, resumed and shared runs. Its description leaves
    out the log and the delay, which may change when a run resumes."""

    def __init__(self, log: str, delay: float = 0.0, finite: bool = True, d: int = 3):
        self._inner = FiniteToyTask() if finite else ToyTask(d)
        self.space, self.objectives = self._inner.space, self._inner.objectives
        self.ref_point, self.max_hypervolume = self._inner.ref_point, None
        self.log, self.delay, self.finite, self.d = str(log), float(delay), bool(finite), int(d)

    def evaluate(self, X):
        Y = self._inner.evaluate(X)
        time.sleep(self.delay)
        line = json.dumps({"pid": os.getpid(), "x": np.asarray(X, dtype=float).tolist()}) + "\n"
        fd = os.open(self.log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, line.encode())
        finally:
            os.close(fd)
        return Y

    def describe(self) -> dict:
        return {"class": "lamoo.testing.toys.LoggedToyTask", "finite": self.finite,
                "d": None if self.finite else self.d, "execution": {"log": self.log, "delay": self.delay}}


def _point_seed(x, seed: int) -> list[int]:
    """A seed fixed by the point ``x`` (its float64 bytes) and ``seed``, equal in every process."""
    return [zlib.crc32(np.asarray(x, dtype=np.float64).tobytes()), int(seed)]


class SleepTask(ToyTask):
    """:class:`ToyTask` on ``[0, 1]^d`` whose evaluation of each point sleeps a duration drawn
    uniformly from ``[low, high]`` seconds, fixed by the point and ``seed`` (the same wherever it
    runs): a simulated expensive evaluation that uses no CPU, for tests and benchmarks of parallel
    evaluation. ``duration(x)`` gives a point's sleep."""

    def __init__(self, low: float = 0.5, high: float = 2.0, d: int = 2, seed: int = 0):
        super().__init__(d)
        self.low, self.high, self.d, self.seed = float(low), float(high), int(d), int(seed)

    def duration(self, x) -> float:
        return float(np.random.default_rng(_point_seed(x, self.seed)).uniform(self.low, self.high))

    def evaluate(self, X):
        X = np.asarray(X, dtype=float)
        for x in X:
            time.sleep(self.duration(x))
        return super().evaluate(X)

    def describe(self) -> dict:
        return {"class": "lamoo.testing.toys.SleepTask", "d": self.d, "low": self.low, "high": self.high,
                "seed": self.seed}


class CrashingToyTask(ToyTask):
    """:class:`ToyTask` whose evaluation of a point with ``x[0] < crash_below`` kills its process
    (``os._exit``) the first ``times`` times that point is evaluated, counted by files in
    ``folder`` (one per attempt, named by the point): a worker that dies mid-evaluation, for tests
    of process-based evaluators (never evaluate it in the test's own process)."""

    def __init__(self, folder, crash_below: float = 0.5, times: int = 1, d: int = 2):
        super().__init__(d)
        self.folder, self.crash_below, self.times = str(folder), float(crash_below), int(times)

    def attempts(self, x) -> int:
        """How many times the point ``x`` has been evaluated (in any process)."""
        return len(list(Path(self.folder).glob(f"{_point_seed(x, 0)[0]:08x}-*")))

    def evaluate(self, X):
        X = np.asarray(X, dtype=float)
        for x in X:
            n = self.attempts(x)
            Path(self.folder, f"{_point_seed(x, 0)[0]:08x}-{n}").touch()
            if x[0] < self.crash_below and n < self.times:
                os._exit(1)
        return super().evaluate(X)


def read_evaluation_log(path) -> list[dict]:
    """The batches a :class:`LoggedToyTask` logged, in order (a cut-off last line is skipped)."""
    path = Path(path)
    if not path.exists():
        return []
    out = []
    for line in path.read_text().splitlines():
        try:
            out.append(json.loads(line))
        except ValueError:
            break
    return out


class HalfSpaceClassifier:
    """Predicts GOOD where the first feature is below 0.5: a fixed, known region for tests."""

    def predict(self, features):
        return np.where(np.asarray(features)[:, 0] < 0.5, GOOD, 1 - GOOD)


def filled_archive(task, n: int, seed: int = 0, failed: int = 0) -> Archive:
    """An archive of ``n`` uniform points of ``task`` (the first ``failed`` of them failed)."""
    rng = np.random.default_rng(seed)
    archive = Archive(task.space, task.objectives, task.ref_point)
    if n:
        X = task.space.sample_uniform(n, rng)
        if task.space.is_finite:
            X = task.space.candidates[rng.choice(task.space.n_candidates, n, replace=False)]
        Y = task.evaluate(X)
        Y[:failed] = np.nan
        archive.append(X, Y, sources=["init"] * n)
    return archive


def half_region(archive: Archive) -> Region:
    """The region ``x0 < mid-range`` of ``archive.space`` (one split below the whole space)."""
    whole = Region.whole(archive)
    clf = HalfSpaceClassifier()
    features = archive.space.to_unit
    members = whole.members[clf.predict(features(archive.X[whole.members])) == GOOD]
    return whole.refine(clf, GOOD, members, leaf_id=1, features=features)
