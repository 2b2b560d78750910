"""Exact posterior marginals of many single points, and their Kriging-believer updates.

BoTorch scores ``N`` single points as ``N x 1 x d`` batches, and GPyTorch then builds one
``1 x n`` by ``n x n`` product per point, or, given ``N x d`` at once, the joint ``N x N`` test
covariance: either way the cost per candidate grows with the archive (about 0.1 ms per candidate
and greedy step at ``n = 100`` on one core, so 8 s for a batch of 5 over the NB201 cells;
``benchmarks/README.md``). The analytic
EHVI needs only each point's marginal mean and variance, which one Cholesky factor of the training
covariance gives for all ``N`` points in a few matrix products.

:class:`Marginals` computes them from the fitted model's own modules (mean, kernel, Gaussian noise,
outcome standardization), so they agree with ``model.posterior`` to rounding, and updates the
variances after conditioning on a pick at its posterior mean: the "Kriging believer" of a greedy
batch. Observing a point at its mean leaves every mean unchanged, and each variance drops by the
squared normalized posterior covariance with the pick (a rank-one update, exact under the
Gaussian likelihood), so a batch of ``q`` picks costs ``q`` kernel rows, not ``q`` refits.
"""
from __future__ import annotations


class Marginals:
    """Posterior means and variances of candidates ``U`` under ``model``, with believer updates.

    Args:
        model: a fitted BoTorch ``SingleTaskGP`` or ``MixedSingleTaskGP`` with ``m`` outputs (a
            batched multi-output model, Gaussian likelihood, optional ``Standardize``).
        U: ``(N x d)`` float64 tensor of unit-scaled candidates.
        chunk: candidates per kernel block (memory ``m x chunk x n`` doubles).

    Attributes:
        mean: ``(N x m)`` posterior means in the outcome frame (BoTorch's: maximized).
        variance: ``(N x m)`` posterior variances of the latent function (no observation noise),
            lowered by every :meth:`condition_on` since.
    """

    #: the most doubles kept of ``L^-1 k(X, U)`` (``m x n x N``) for the believer updates; a
    #: larger product is recomputed block by block at each update instead
    CACHE_LIMIT = 2 ** 25

    def __init__(self, model, U, chunk: int = 4096):
        import torch

        with torch.no_grad():
            self._model, self._chunk = model, chunk
            self._U = model.transform_inputs(U)
            self._X = model.train_inputs[0]  # (m x n x d), inputs as the model stores them
            if self._X.dim() == 2:
                self._X = self._X.unsqueeze(0)
            m = self._X.shape[0]
            noise = model.likelihood.noise.reshape(m, -1)  # homoskedastic: (m x 1)
            K = model.covar_module(self._X).to_dense() + torch.diag_embed(noise.expand(m, self._X.shape[1]))
            self._L = torch.linalg.cholesky(K)
            targets = model.train_targets.reshape(m, -1)
            residual = (targets - model.mean_module(self._X).reshape(m, -1)).unsqueeze(-1)
            self._alpha = torch.cholesky_solve(residual, self._L).squeeze(-1)  # (m x n)
            self._noise = noise.squeeze(-1)
            means, variances = [], []
            keep = m * self._X.shape[1] * len(U) <= self.CACHE_LIMIT
            self._whitened = [] if keep else None  # blocks of L^-1 k(X, U): (m x n x c)
            for rows in self._blocks():
                k = self._cross(rows)  # (m x c x n)
                means.append(self._prior_mean(rows) + (k @ self._alpha.unsqueeze(-1)).squeeze(-1))
                v = torch.linalg.solve_triangular(self._L, k.mT, upper=False)  # (m x n x c)
                variances.append(self._prior_variance(rows) - v.pow(2).sum(-2))
                if keep:
                    self._whitened.append(v)
            self._mean = torch.cat(means, -1)  # (m x N), model frame (standardized)
            self._var = torch.cat(variances, -1).clamp_min(0.0)
            self._factors: list = []  # g_j: (m x N) normalized covariances with the picks so far

    @property
    def mean(self):
        return self._untransform(self._mean)[0]

    @property
    def variance(self):
        return self._untransform(self._mean, self._var)[1]

    def condition_on(self, index: int) -> None:
        """Condition on candidate ``index`` observed at its posterior mean (with the likelihood's
        noise, as BoTorch's ``condition_on_observations``): means stay, variances drop."""
        import torch

        with torch.no_grad():
            p = self._U[index:index + 1]
            k_Xp = self._model.covar_module(self._X, p.expand(self._X.shape[0], 1, -1)).to_dense()  # (m x n x 1)
            v_p = torch.linalg.solve_triangular(self._L, k_Xp, upper=False)  # (m x n x 1): L^-1 k(X, p)
            parts = []
            for b, rows in enumerate(self._blocks()):
                k_xp = self._model.covar_module(rows, p.expand(rows.shape[0], 1, -1)).to_dense().squeeze(-1)
                if self._whitened is not None:
                    explained = (self._whitened[b] * v_p).sum(-2)
                else:
                    explained = (self._cross(rows) @ torch.cholesky_solve(k_Xp, self._L)).squeeze(-1)
                parts.append(k_xp - explained)
            cov = torch.cat(parts, -1)  # (m x N): prior posterior covariance with p
            for g in self._factors:
                cov = cov - g * g[:, index:index + 1]
            g = cov / torch.sqrt(cov[:, index:index + 1] + self._noise.unsqueeze(-1))
            self._factors.append(g)
            self._var = (self._var - g.pow(2)).clamp_min(0.0)

    def _blocks(self):
        """The candidates as ``(m x c x d)`` blocks of at most ``chunk`` rows."""
        m = self._X.shape[0]
        for start in range(0, len(self._U), self._chunk):
            yield self._U[start:start + self._chunk].unsqueeze(0).expand(m, -1, -1)

    def _cross(self, rows):
        return self._model.covar_module(rows, self._X).to_dense()

    def _prior_mean(self, rows):
        return self._model.mean_module(rows).reshape(rows.shape[0], -1)

    def _prior_variance(self, rows):
        # each point as its own 1 x 1 kernel matrix, candidates batched before the outputs:
        # ``diag=True`` makes some kernels (BoTorch's categorical one) build the c x c matrix first
        points = rows.transpose(0, 1).unsqueeze(-2)  # (c x m x 1 x d)
        return self._model.covar_module(points, points).to_dense().reshape(rows.shape[1], -1).T

    def _untransform(self, mean, var=None):
        """``(N x m)`` mean and, when given, variance in the outcome frame (undoing ``Standardize``)."""
        transform = getattr(self._model, "outcome_transform", None)
        mean, var = mean.mT, None if var is None else var.mT
        return (mean, var) if transform is None else transform.untransform(mean, var)
