"""The statistician's prediction API, written once for every model that predicts a family's ``eta``.

Deep estimators and classical baselines both map inputs to raw parameters ``eta`` of a
:class:`~deepstat.families.Family`; this mixin turns that into distributions, quantiles,
intervals, samples and log-likelihoods, with the same validation everywhere.
"""

from __future__ import annotations

from numbers import Integral, Real
from typing import Any

import numpy as np
import torch
from sklearn.utils.validation import check_is_fitted
from torch import Tensor

from deepstat.families import Family
from deepstat.utils.tabular import validate_numeric
from deepstat.utils.validation import resolve_seed

__all__ = ["PredictiveMixin"]

_DTYPES = {"float32": torch.float32, "float64": torch.float64}


class PredictiveMixin:
    """Prediction methods for a model with ``_eta(X) -> Tensor (n, n_params)`` and ``family_``.

    A subclass provides ``_eta``, ``_encode_target(y, fitting=False)``, the fitted ``family_``
    (``None`` for task losses without a distribution) and a ``dtype`` ("float32"/"float64").
    """

    family_: Family | None

    def _eta(self, X: Any) -> Tensor:  # pragma: no cover - provided by subclasses
        raise NotImplementedError

    def _encode_target(self, y: Any, *, fitting: bool) -> Tensor:  # pragma: no cover - provided by subclasses
        raise NotImplementedError

    def _check_sample_weight(self, sample_weight: Any, n: int, name: str = "sample_weight") -> Tensor | None:
        if sample_weight is None:
            return None
        caller = type(self).__name__
        w = validate_numeric(sample_weight, name, caller)
        if w.ndim != 1 or w.shape[0] != n:
            raise ValueError(f"`{name}` of {caller} must have shape ({n},). Got shape {w.shape} instead.")
        if (w < 0).any():
            raise ValueError(f"`{name}` of {caller} must be non-negative. Got {int((w < 0).sum())} negative weight(s) instead.")
        if w.sum() <= 0:
            raise ValueError(f"`{name}` of {caller} must have a positive sum. Got all-zero weights instead.")
        dtype = getattr(self, "dtype_", None) or getattr(self, "dtype", "float64")  # the fitted dtype ("auto" resolved)
        return torch.as_tensor(w, dtype=_DTYPES[dtype if dtype in _DTYPES else "float64"])

    def _check_lengths(self, n_X: int, n_y: int, *, fitting: bool = False) -> None:
        if n_X != n_y:
            raise ValueError(
                f"`X` and `y` of {type(self).__name__} must have the same number of samples. "
                f"Got {n_X} rows in X and {n_y} in y instead."
            )
        if fitting and n_X < 2:
            raise ValueError(f"`X` of {type(self).__name__} must have at least 2 samples. Got 1 sample instead.")

    def _require_family(self, method: str) -> Family:
        check_is_fitted(self, "family_")
        if self.family_ is None:
            raise ValueError(
                f"{type(self).__name__}.{method} needs a likelihood family; this model was fitted with "
                f"loss={getattr(self, 'loss', None)!r}, which defines no distribution. Fit with family=... instead."
            )
        return self.family_

    def predict_distribution(self, X: Any) -> torch.distributions.Distribution:
        """The predictive distribution for each row of ``X``.

        Returns
        -------
        torch.distributions.Distribution
            Batched over rows: ``batch_shape == (n_samples,)``; ``event_shape`` is the family's
            (``()`` for univariate targets, ``(d,)`` for multivariate ones).
        """
        family = self._require_family("predict_distribution")
        return family.distribution(self._eta(X))

    def predict_quantiles(self, X: Any, q: float | list[float] | np.ndarray) -> np.ndarray:
        """Quantiles of the predictive distribution.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
        q : float or sequence of floats in (0, 1)

        Returns
        -------
        ndarray of shape (n_samples, n_levels)
            Column ``j`` holds the ``q[j]`` quantile (integers for count families).
        """
        family = self._require_family("predict_quantiles")
        levels = np.atleast_1d(np.asarray(q, dtype=np.float64))
        return family.quantile(self._eta(X), torch.as_tensor(levels)).detach().cpu().numpy().astype(np.float64)

    def predict_interval(self, X: Any, alpha: float = 0.1) -> np.ndarray:
        """Central ``1 - alpha`` predictive interval (equal-tailed quantiles).

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
        alpha : float in (0, 1), default=0.1
            Miscoverage level: 0.1 gives a 90% interval.

        Returns
        -------
        ndarray of shape (n_samples, 2)
            Lower and upper bounds.
        """
        if isinstance(alpha, bool) or not isinstance(alpha, Real) or not 0 < alpha < 1:
            raise ValueError(f"`alpha` of {type(self).__name__}.predict_interval must be a float in (0, 1). Got {alpha!r} instead.")
        return self.predict_quantiles(X, [alpha / 2, 1 - alpha / 2])

    def sample(self, X: Any, n_samples: int = 1, random_state: int | None = None) -> np.ndarray:
        """Draw from the predictive distribution of each row.

        Returns
        -------
        ndarray of shape (n_samples, n_rows, *event_shape)
        """
        family = self._require_family("sample")
        if isinstance(n_samples, bool) or not isinstance(n_samples, Integral) or n_samples < 1:
            raise ValueError(f"`n_samples` of {type(self).__name__}.sample must be a positive int. Got {n_samples!r} instead.")
        generator = torch.Generator().manual_seed(resolve_seed(random_state))
        draws = family.sample(self._eta(X), int(n_samples), generator=generator)
        return draws.detach().cpu().numpy()

    def predict_pit(self, X: Any, y: Any = None, *, random_state: int | None = 0) -> np.ndarray:
        """Probability integral transform of ``y`` under each row's predictive distribution.

        Uniform on (0, 1) when the predictive distributions are calibrated. Count and other
        discrete families give the randomised PIT, uniform between ``F(y - 1)`` and ``F(y)``
        (Czado, Gneiting & Held 2009).

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
            Observations (a formula model may omit it: the formula's target is used).
        random_state : int or None, default=0
            Seeds the randomisation of discrete families.

        Returns
        -------
        ndarray of shape (n_samples,)

        Raises
        ------
        ValueError
            For multivariate families (no CDF) or when ``X`` and ``y`` differ in length.
        """
        from deepstat.metrics import pit_values

        family = self._require_family("predict_pit")
        if family.event_shape:
            raise ValueError(
                f"{type(self).__name__}.predict_pit needs a univariate family. Got {family.name!r}, whose target "
                f"has shape {family.event_shape}, instead."
            )
        if y is None and getattr(self, "formula_", None) is not None:
            y = self.formula_.target(X, type(self).__name__)
        eta = self._eta(X).detach().to(torch.float64)
        obs = self._encode_target(y, fitting=False).to(torch.float64)
        self._check_lengths(eta.shape[0], obs.shape[0])
        with torch.no_grad():
            upper = family.cdf(obs, eta).clamp(0.0, 1.0).numpy()
            if not family.is_discrete:
                return pit_values(upper)
            lower = family.cdf(obs - 1, eta).clamp(0.0, 1.0).numpy()
        return pit_values(upper, lower, random_state=random_state)

    def log_likelihood(self, X: Any, y: Any = None, sample_weight: Any = None) -> float:
        """Mean log-likelihood per observation of ``y`` under the predictive distribution.

        Constants are included (STYLE 3.2), so the value is comparable with a GLM's
        ``llf / n`` and across families. With ``sample_weight`` it is the weighted mean.
        """
        family = self._require_family("log_likelihood")
        if y is None and getattr(self, "formula_", None) is not None:
            y = self.formula_.target(X, type(self).__name__)  # the formula's left-hand side
        eta = self._eta(X)
        target = self._encode_target(y, fitting=False)
        self._check_lengths(eta.shape[0], target.shape[0])
        weight = self._check_sample_weight(sample_weight, target.shape[0])
        with torch.no_grad():
            nll = family.neg_log_likelihood(eta, target.to(eta.dtype), weight=weight, reduction="mean")
        return -float(nll)

