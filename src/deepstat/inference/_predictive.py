"""Prediction methods shared by the mixture predictives (DeepEnsemble, MCDropout)."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from deepstat.inference._checks import as_float_array, check_alpha, check_positive_int
from deepstat.inference.mixture import EqualMixture
from deepstat.utils.validation import format_values, resolve_seed

__all__ = ["MixturePredictiveMixin"]


class MixturePredictiveMixin:
    """Predictions of a model whose predictive is an :class:`EqualMixture` (regression) or averaged probabilities.

    A subclass provides ``_mixture(X) -> EqualMixture``, ``_member_probas(X) -> ndarray (M, n, k)``
    and ``_is_classifier() -> bool``; classifiers also set ``classes_``.
    """

    def _mixture(self, X: Any) -> EqualMixture:  # pragma: no cover - provided by subclasses
        raise NotImplementedError

    def _member_probas(self, X: Any) -> np.ndarray:  # pragma: no cover - provided by subclasses
        raise NotImplementedError

    def _is_classifier(self) -> bool:  # pragma: no cover - provided by subclasses
        raise NotImplementedError

    def _need(self, kind: str, method: str) -> None:
        if self._is_classifier() != (kind == "classifier"):
            other = "predict_proba" if kind == "regressor" else "predict_distribution"
            raise ValueError(
                f"{type(self).__name__}.{method} needs a {kind}. Got a wrapped "
                f"{'classifier' if self._is_classifier() else 'regressor'} instead; use {other}."
            )

    # ------------------------------------------------------------------ regression
    def predict_distribution(self, X: Any) -> EqualMixture:
        """The mixture predictive distribution, batched over rows (``batch_shape == (n_samples,)``)."""
        self._need("regressor", "predict_distribution")
        return self._mixture(X)

    def predict(self, X: Any) -> np.ndarray:
        """Regression: the mixture mean, shape (n_samples,). Classification: the most probable class."""
        if self._is_classifier():
            return self.classes_[np.argmax(self.predict_proba(X), axis=1)]
        return self._mixture(X).mean.detach().cpu().numpy().astype(np.float64)

    def predict_quantiles(self, X: Any, q: float | list[float] | np.ndarray) -> np.ndarray:
        """Quantiles of the mixture (bisection on its CDF), shape (n_samples, n_levels)."""
        self._need("regressor", "predict_quantiles")
        levels = np.atleast_1d(np.asarray(q, dtype=np.float64))
        bad = ~((levels > 0) & (levels < 1))
        if levels.ndim != 1 or levels.size == 0 or bad.any():
            raise ValueError(
                f"`q` of {type(self).__name__}.predict_quantiles must lie in the open interval (0, 1). "
                f"Got {format_values(levels[bad]) if bad.any() else q!r} instead."
            )
        mix = self._mixture(X)
        with torch.no_grad():
            out = mix.icdf(torch.as_tensor(levels)[:, None])  # (m, n)
        return out.T.cpu().numpy().astype(np.float64)

    def predict_interval(self, X: Any, alpha: float = 0.1) -> np.ndarray:
        """Central ``1 - alpha`` interval of the mixture (its ``alpha/2`` and ``1 - alpha/2`` quantiles), shape (n, 2)."""
        alpha = check_alpha(alpha, f"{type(self).__name__}.predict_interval")
        return self.predict_quantiles(X, [alpha / 2, 1 - alpha / 2])

    def sample(self, X: Any, n_samples: int = 1, random_state: Any = None) -> np.ndarray:
        """Draws from the mixture, shape (n_samples, n_rows, *event_shape)."""
        self._need("regressor", "sample")
        n_samples = check_positive_int(n_samples, "n_samples", f"{type(self).__name__}.sample")
        mix = self._mixture(X)
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(resolve_seed(random_state))
            return mix.sample((n_samples,)).cpu().numpy()

    # ------------------------------------------------------------------ classification
    def predict_proba(self, X: Any) -> np.ndarray:
        """Classification: the average of the members' (passes') class probabilities, shape (n, n_classes)."""
        self._need("classifier", "predict_proba")
        return self._member_probas(X).mean(axis=0)

    # ------------------------------------------------------------------ both
    def log_likelihood(self, X: Any, y: Any) -> float:
        r"""Mean log-likelihood per observation under the mixture predictive.

        Regression: :math:`\frac1n \sum_i \log \frac1M \sum_m p_m(y_i \mid x_i)`; classification:
        :math:`\frac1n \sum_i \log \bar p_{y_i}(x_i)` with :math:`\bar p` the averaged probabilities.
        """
        caller = f"{type(self).__name__}.log_likelihood"
        if self._is_classifier():
            proba = self.predict_proba(X)
            y_arr = np.asarray(y).ravel()
            index = {c: j for j, c in enumerate(self.classes_.tolist())}
            unknown = [v for v in y_arr.tolist() if v not in index]
            if unknown:
                raise ValueError(f"`y` of {caller} must hold classes among {format_values(self.classes_)}. Got {format_values(unknown)} instead.")
            if proba.shape[0] != y_arr.shape[0]:
                raise ValueError(f"`X` and `y` of {caller} must have the same number of rows. Got {proba.shape[0]} and {y_arr.shape[0]} instead.")
            codes = np.array([index[v] for v in y_arr.tolist()])
            with np.errstate(divide="ignore"):
                return float(np.mean(np.log(proba[np.arange(len(codes)), codes])))
        mix = self._mixture(X)
        y_arr = as_float_array(y, "y", caller)
        if y_arr.shape[0] != mix.batch_shape[0]:
            raise ValueError(f"`X` and `y` of {caller} must have the same number of rows. Got {mix.batch_shape[0]} and {y_arr.shape[0]} instead.")
        if not mix.event_shape and y_arr.ndim == 2 and y_arr.shape[1] == 1:
            y_arr = y_arr[:, 0]
        with torch.no_grad():
            lp = mix.log_prob(torch.as_tensor(y_arr, dtype=mix.mean.dtype))
        return float(lp.double().mean())
