"""Pairwise judgments and their journal.

A judgment says which of two candidates the user prefers: ``"a"``, ``"b"`` or ``"none"`` (no
preference). Judgments are appended to a JSON-lines journal like evaluations are (the same
machinery as :mod:`lamoo.journal`, format ``lamoo-judgments``): every judgment is fsync'ed
before it counts, appends hold the journal's lock, a crash loses at most the line being written,
and a truncated last line is removed by the next writer. Each record carries both candidates' metric values, so a journal alone is
enough to train a ranker.
"""
from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from lamoo.exceptions import InvalidInputError, JournalError
from lamoo.journal import JournalFile, read_values
from lamoo.records import VERSION

FORMAT = "lamoo-judgments"
CHOICES = ("a", "b", "none")
TARGETS = {"a": 1.0, "b": 0.0, "none": 0.5}


@dataclass(frozen=True)
class Judgment:
    """One comparison: candidates ``a`` and ``b`` (ids in their pool), the ``choice`` (``"a"``,
    ``"b"`` or ``"none"``), both candidates' metrics, and where it came from (``source``: ``web``,
    ``terminal``, ``synthetic``, ``api``; ``mode``: how the pair was chosen)."""

    a: int
    b: int
    choice: str
    metrics_a: tuple = ()
    metrics_b: tuple = ()
    source: str = "api"
    mode: str = "random"
    time: float = field(default_factory=time.time)

    def __post_init__(self):
        if self.choice not in CHOICES:
            raise InvalidInputError(f"choice must be one of {CHOICES}, got {self.choice!r}")
        if int(self.a) == int(self.b):
            raise InvalidInputError(f"a judgment compares two different candidates, got {self.a} twice")

    @property
    def target(self) -> float:
        """The probability that ``a`` beats ``b`` this judgment states: 1, 0 or 0.5."""
        return TARGETS[self.choice]

    @property
    def pair(self) -> frozenset:
        return frozenset((int(self.a), int(self.b)))

    def to_record(self, i: int) -> dict:
        return {"type": "judgment", "i": i, **asdict(self), "metrics_a": list(self.metrics_a),
                "metrics_b": list(self.metrics_b)}

    @classmethod
    def from_record(cls, r: dict) -> "Judgment":
        return cls(int(r["a"]), int(r["b"]), r["choice"], tuple(r.get("metrics_a") or ()),
                   tuple(r.get("metrics_b") or ()), r.get("source", "api"), r.get("mode", "random"),
                   r.get("time", 0.0))


def judged(pool, a, b, choice: str, **kwargs) -> Judgment:
    """A :class:`Judgment` of candidates ``a`` and ``b`` of ``pool`` with their metrics filled in;
    :class:`~nas_tasks.preference.candidates.UnknownCandidateError` if either id is not in the pool."""
    Ma, Mb = pool.metrics_of([a, b])
    return Judgment(int(a), int(b), choice, tuple(Ma.tolist()), tuple(Mb.tolist()), **kwargs)


def training_arrays(judgments, pool=None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(A, B, y)``: the metrics of each judgment's ``a`` and ``b`` (``n x k``: from ``pool`` when
    given, else from the records) and the targets ``(n,)``."""
    judgments = list(judgments)
    if not judgments:
        raise InvalidInputError("no judgments yet: compare at least one pair first")
    if pool is not None:
        A = pool.metrics_of([j.a for j in judgments])
        B = pool.metrics_of([j.b for j in judgments])
    else:
        A = np.array([j.metrics_a for j in judgments], dtype=float)
        B = np.array([j.metrics_b for j in judgments], dtype=float)
        if A.ndim != 2 or A.shape[1] == 0 or A.shape != B.shape:
            raise InvalidInputError("these judgments do not carry their candidates' metrics; pass the pool")
    return A, B, np.array([j.target for j in judgments], dtype=float)


class JudgmentJournal:
    """An append-only journal of judgments against one candidate pool.

    Use :meth:`open`: it creates the file (header: the pool's metrics and source) or resumes it,
    checking that it was written for the same metrics and that every recorded judgment names a
    candidate of the pool.
    """

    def __init__(self, path: Path, handle: JournalFile, pool, judgments: list[Judgment], header: dict):
        self.path = path
        self._handle = handle
        self.pool = pool
        self.judgments = judgments
        self.header = header

    @classmethod
    def open(cls, path, pool, *, extra_header: dict | None = None) -> "JudgmentJournal":
        path = Path(path)
        expected = [m["name"] for m in pool.header()["metrics"]]
        if path.exists() and path.stat().st_size > 0:
            handle = JournalFile.open(path, fmt=FORMAT)
            with handle.locked():
                records = [value for _, value in handle.read_new()]
            header = handle.header
            names = [m["name"] for m in header.get("metrics", [])]
            if names != expected:
                raise JournalError(f"{path} holds judgments on metrics {names}, not on this pool's {expected}")
            judgments = [Judgment.from_record(r) for r in records if r.get("type") == "judgment"]
            for k, j in enumerate(judgments):
                try:
                    pool.rows([j.a, j.b])
                except InvalidInputError as exc:
                    raise JournalError(f"{path}: judgment {k} names a candidate this pool does not hold: {exc}") from None
            return cls(path, handle, pool, judgments, header)
        header = {**pool.header(), **(extra_header or {}), "created": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
        header = {"type": "header", "format": FORMAT, "version": VERSION, **header}
        return cls(path, JournalFile.create(path, header, fmt=FORMAT), pool, [], header)

    def __len__(self) -> int:
        return len(self.judgments)

    def record(self, a, b, choice: str, **kwargs) -> Judgment:
        """Validate, append (durably) and return a judgment of candidates ``a`` and ``b``."""
        judgment = judged(self.pool, a, b, choice, **kwargs)
        with self._handle.locked():  # judgments another process appended meanwhile count too
            self.judgments += [Judgment.from_record(v) for _, v in self._handle.read_new()
                               if isinstance(v, dict) and v.get("type") == "judgment"]
            self._handle.append([judgment.to_record(len(self.judgments))])
        self.judgments.append(judgment)
        return judgment

    def judged_pairs(self) -> set:
        return {j.pair for j in self.judgments}


def read_judgments(path) -> tuple[dict, list[Judgment]]:
    """``(header, judgments)`` of a judgments journal, without a pool."""
    header, values = read_values(path, fmt=FORMAT)
    return header, [Judgment.from_record(r) for _, r in values if isinstance(r, dict) and r.get("type") == "judgment"]
