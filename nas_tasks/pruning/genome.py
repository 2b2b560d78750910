"""The pruning genome: which units of the sparse layer are switched on.

The head that replaces a transferred network's last layers is ``features (p) -> sparse layer (H,
ReLU) -> output layer (k)``. Its sparse layer's ``H x p`` connection mask comes from a binary genome
at one of three levels (:class:`GenomeLayout`):

- ``"inputs"``: one bit per backbone feature (``p`` bits): an off bit removes every connection from
  that feature. This is the configuration MO-EvoPruneDeepTL's released code runs (``configGAFS``:
  2048 ResNet-50 features into a 512-unit sparse layer), a feature selection;
- ``"neurons"``: one bit per unit of the sparse layer (``H`` bits): an off bit removes the unit;
- ``"connections"``: one bit per connection (``H * p`` bits, row-major: unit ``j``, feature ``i``
  at index ``j * p + i``).

``memory`` is the fraction of active bits (0..1), as the released code computes it.

:class:`BinarySpace` is a :class:`~lamoo.space.SearchSpace` of integer ``{0, 1}`` dimensions whose
initial design draws each genome's density first (stratified over ``[0, 1]``), then which bits are
on: MO-EvoPruneDeepTL's ``create_solution``, so the first population spans every memory level
rather than sitting at one half.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lamoo.checks import check_choice, check_int
from lamoo.exceptions import InvalidInputError
from lamoo.space import SearchSpace

LEVELS = ("inputs", "neurons", "connections")


class BinarySpace(SearchSpace):
    """``d`` binary dimensions (integers in ``{0, 1}``) named ``names`` (default ``b0 .. b{d-1}``)."""

    def __init__(self, d: int, names=None):
        check_int(d, "genome length", 1)
        super().__init__([(0, 1)] * d, kinds=["integer"] * d, names=names)

    def sample_initial(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """``(n x d)`` genomes whose densities are stratified over ``[0, 1]`` (one per ``1/n``
        stratum, in random order), each with that share of its bits on at random."""
        d = self.n_dims
        if self.candidates is not None:  # a tiny space enumerated in full: distinct candidates
            return super().sample_initial(n, rng)
        density = (rng.permutation(n) + rng.random(n)) / n
        X = np.zeros((n, d))
        for i, p in enumerate(density):
            X[i, rng.permutation(d)[:int(round(p * d))]] = 1.0
        return X


@dataclass(frozen=True)
class GenomeLayout:
    """How a genome maps to the ``H x p`` mask of the sparse layer.

    Attributes:
        level: ``"inputs"``, ``"neurons"`` or ``"connections"`` (see the module docstring).
        n_features: ``p``, the backbone's feature count; n_hidden: ``H``, the sparse layer's units.
    """

    level: str
    n_features: int
    n_hidden: int

    def __post_init__(self):
        check_choice(self.level, "level", LEVELS)
        check_int(self.n_features, "n_features", 1)
        check_int(self.n_hidden, "hidden", 1)

    @property
    def length(self) -> int:
        """The genome's number of bits."""
        p, h = self.n_features, self.n_hidden
        return {"inputs": p, "neurons": h, "connections": h * p}[self.level]

    def names(self) -> list[str]:
        """One name per bit: ``feature_i``, ``unit_j`` or ``unit_j<-feature_i``."""
        if self.level == "inputs":
            return [f"feature_{i}" for i in range(self.n_features)]
        if self.level == "neurons":
            return [f"unit_{j}" for j in range(self.n_hidden)]
        return [f"unit_{j}<-feature_{i}" for j in range(self.n_hidden) for i in range(self.n_features)]

    def space(self) -> BinarySpace:
        return BinarySpace(self.length, names=self.names())

    def check(self, genomes, what: str = "genomes") -> np.ndarray:
        """``genomes`` as an ``(n x length)`` bool array; :class:`InvalidInputError` naming the
        length expected when it does not match, or values other than 0 and 1."""
        G = np.asarray(genomes, dtype=float)
        if G.ndim == 1:
            G = G[None, :]
        if G.ndim != 2 or G.shape[1] != self.length:
            raise InvalidInputError(
                f"{what} must have {self.length} bits per row (level {self.level!r}: {self.describe_length()}), "
                f"got shape {np.shape(genomes)}")
        if not np.isin(G, (0.0, 1.0)).all():
            raise InvalidInputError(f"{what} must hold only 0 and 1")
        return G > 0.5

    def describe_length(self) -> str:
        p, h = self.n_features, self.n_hidden
        return {"inputs": f"one per backbone feature, p = {p}", "neurons": f"one per sparse-layer unit, H = {h}",
                "connections": f"one per connection, H x p = {h} x {p}"}[self.level]

    def masks(self, genomes) -> np.ndarray:
        """``(n x H x p)`` bool connection masks of ``(n x length)`` genomes."""
        G = self.check(genomes)
        n, p, h = len(G), self.n_features, self.n_hidden
        if self.level == "inputs":
            return np.broadcast_to(G[:, None, :], (n, h, p)).copy()
        if self.level == "neurons":
            return np.broadcast_to(G[:, :, None], (n, h, p)).copy()
        return G.reshape(n, h, p)

    def units(self, genomes) -> np.ndarray:
        """``(n x U)`` bool: which *neurons* each genome keeps: the backbone features it uses
        (``"inputs"``, ``U = p``) or the sparse-layer units with an active connection (``U = H``)."""
        G = self.check(genomes)
        if self.level == "connections":
            return G.reshape(len(G), self.n_hidden, self.n_features).any(axis=2)
        return G

    @staticmethod
    def memory(genomes) -> np.ndarray:
        """``(n,)`` fraction of active bits (MO-EvoPruneDeepTL's memory objective; minimize)."""
        return np.asarray(genomes, dtype=float).reshape(len(genomes), -1).mean(axis=1)

    def to_dict(self) -> dict:
        return {"level": self.level, "n_features": self.n_features, "n_hidden": self.n_hidden, "length": self.length}
