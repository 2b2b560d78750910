"""The Gaussian process of the BoTorch samplers: fitting, warm starts, and what counts as a failed fit.

One GP per objective, as a batched multi-output ``SingleTaskGP`` (each output has its own
hyperparameters, fitted together by BoTorch's batched L-BFGS-B), on inputs scaled to the unit
cube and standardized outcomes; with categorical dimensions, ``MixedSingleTaskGP`` (a kernel on
whether two points share each choice) unless the ordinal kernel is asked for.

A warm start begins the marginal-likelihood fit at the hyperparameters of the previous fit
(:func:`gp_state` exports them as JSON-able lists, which the sampler reports with its proposal;
the archive keeps the reports, so a resumed run starts from exactly the same values). Only a
state of the same model structure is loaded; anything else starts from BoTorch's defaults.
"""
from __future__ import annotations

import contextlib
import warnings


def fit_gp(space, train_X, train_Y, *, categorical: str = "hamming", maxiter: int | None = None,
           warm: dict | None = None):
    """Fit and return the GP (in eval mode) and whether it was warm-started.

    Args:
        space: the :class:`lamoo.SearchSpace` (which dimensions are categorical).
        train_X: ``(n x d)`` float64 tensor of unit-scaled inputs.
        train_Y: ``(n x m)`` float64 tensor of outcomes to maximize (BoTorch's direction).
        categorical: ``"hamming"`` (``MixedSingleTaskGP`` over the categorical dimensions) or
            ``"ordinal"`` (the RBF kernel on the unit-scaled codes).
        maxiter: L-BFGS-B iterations of the fit (``None``: BoTorch's default, to convergence).
        warm: a :func:`gp_state` of a previous fit to start from (ignored unless it matches
            this model's parameters and shapes).
    """
    from botorch.fit import fit_gpytorch_mll
    from botorch.models import MixedSingleTaskGP, SingleTaskGP
    from botorch.models.transforms.outcome import Standardize
    from gpytorch.mlls import ExactMarginalLogLikelihood

    cat_dims = [j for j, kind in enumerate(space.kinds) if kind == "categorical"]
    transform = Standardize(m=train_Y.shape[-1])
    if cat_dims and categorical == "hamming":
        # unit-scaled codes stay distinct per choice, which is all the categorical kernel compares
        model = MixedSingleTaskGP(train_X, train_Y, cat_dims=cat_dims, outcome_transform=transform)
    else:
        model = SingleTaskGP(train_X, train_Y, outcome_transform=transform)
    warmed = load_gp_state(model, warm)
    options = {} if maxiter is None else {"options": {"maxiter": maxiter}}
    fit_gpytorch_mll(ExactMarginalLogLikelihood(model.likelihood, model), optimizer_kwargs=options)
    return model, warmed


def gp_state(model) -> dict | None:
    """The fitted hyperparameters (raw, unconstrained values) as ``{name: nested list}`` with
    the model's class, or ``None`` when one is not finite (a report must survive JSON)."""
    params = {}
    for name, p in model.named_parameters():
        values = p.detach().cpu().double()
        if not bool(values.isfinite().all()):
            return None
        params[name] = values.tolist()
    return {"model": type(model).__name__, "params": params}


def load_gp_state(model, state) -> bool:
    """Set ``model``'s hyperparameters from ``state`` (a :func:`gp_state`, as recorded) when it
    names the same model class, parameters and shapes, with finite values; returns whether it did."""
    import torch

    if not isinstance(state, dict) or state.get("model") != type(model).__name__:
        return False
    params = dict(model.named_parameters())
    values = state.get("params")
    if not isinstance(values, dict) or set(values) != set(params):
        return False
    loaded = {}
    for name, p in params.items():
        try:
            value = torch.as_tensor(values[name], dtype=p.dtype)
        except (TypeError, ValueError, RuntimeError):
            return False
        if value.shape != p.shape or not bool(value.isfinite().all()):
            return False
        loaded[name] = value
    with torch.no_grad():
        for name, value in loaded.items():
            params[name].copy_(value)
    return True


def is_fit_failure(exc: Exception) -> bool:
    """Whether ``exc`` is how BoTorch, GPyTorch or torch's linear algebra report that a GP could
    not be fitted: ``ModelFittingError`` (every attempt of ``fit_gpytorch_mll`` failed),
    ``NotPSDError`` / ``NanError`` (a covariance matrix that is not positive definite or holds
    NaN), ``torch.linalg.LinAlgError`` (a failed Cholesky factorization) or
    ``OptimizationGradientError`` (NaN gradients of the marginal likelihood). Any other error,
    a plain ``RuntimeError`` included, is a bug and propagates."""
    import torch
    from botorch.exceptions.errors import ModelFittingError, OptimizationGradientError
    from linear_operator.utils.errors import NanError, NotPSDError

    return isinstance(exc, (ModelFittingError, NotPSDError, NanError, torch.linalg.LinAlgError,
                            OptimizationGradientError))


@contextlib.contextmanager
def quiet_warnings():
    """Silence the routine notices of fitting and optimizing (line searches that stop early,
    jitter added to a Cholesky factor, the advice to prefer the log variants, which the user chose
    against) and let every other warning through. BoTorch re-enables its optimization warnings
    with ``simplefilter("always")`` inside its own ``catch_warnings``, so filters cannot silence
    them: the warnings are recorded and the others re-emitted."""
    from botorch.exceptions.warnings import BadInitialCandidatesWarning, NumericsWarning, OptimizationWarning
    from linear_operator.utils.warnings import NumericalWarning

    quiet = (OptimizationWarning, BadInitialCandidatesWarning, NumericalWarning, NumericsWarning)
    with warnings.catch_warnings(record=True) as caught:
        warnings.filterwarnings("ignore", message="Sparse invariant checks are implicitly disabled")
        yield
    for w in caught:
        if not issubclass(w.category, quiet):
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
