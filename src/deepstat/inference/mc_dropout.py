"""MC dropout: the predictive mixture over stochastic forward passes of one network with dropout."""

from __future__ import annotations

from functools import partial
from typing import Any

import numpy as np
import torch
from sklearn.base import BaseEstimator, clone
from torch import nn

from deepstat.inference._checks import check_fitted, check_positive_int, require_method
from deepstat.inference._predictive import MixturePredictiveMixin
from deepstat.inference.mixture import EqualMixture
from deepstat.utils.config import torch_threads
from deepstat.utils.validation import resolve_seed

__all__ = ["MCDropout"]

_DROPOUT = (nn.Dropout, nn.Dropout1d, nn.Dropout2d, nn.Dropout3d, nn.AlphaDropout, nn.FeatureAlphaDropout)


class MCDropout(MixturePredictiveMixin, BaseEstimator):
    r"""Monte Carlo dropout (Gal & Ghahramani 2016): keep dropout on at prediction time and average.

    ``n_samples`` forward passes of the fitted network, each with fresh dropout masks, give raw
    parameters :math:`\eta_t(x)`; the predictive distribution is the mixture

    .. math:: p(y \mid x) \approx \frac1T \sum_{t=1}^T p(y \mid \eta_t(x)),

    an approximation to the posterior predictive of a Bayesian network (a variational
    posterior of Bernoulli-masked weights). Classifiers average the passes' class probabilities.

    Parameters
    ----------
    estimator : estimator
        A deepstat estimator whose network has dropout (``network=MLP(dropout=0.2)``) (or unfitted, then :meth:`fit` fits a
        clone). The wrapper uses its documented hooks: ``module_`` (the fitted network mapping
        encoded inputs to ``eta``), ``family_`` (the family turning ``eta`` into a distribution)
        and ``_encode_X(X, fitting=False)`` (the fitted input encoding), plus ``classes_`` for
        classifiers.
    n_samples : int, default=100
        Number of stochastic forward passes ``T``.
    random_state : int, numpy generator or None, default=None
        Seeds the dropout masks: equal seeds give identical predictions, call after call.

    Attributes
    ----------
    estimator_ : estimator
        The fitted estimator (``estimator`` itself when it was passed fitted).
    classes_ : ndarray of shape (n_classes,)
        Classifiers only.

    Notes
    -----
    Only the dropout layers run in training mode; every other layer (batch normalisation in
    particular) stays in evaluation mode, so its running statistics are used and not updated.
    The network is left in evaluation mode afterwards.

    References
    ----------
    Gal & Ghahramani (2016). Dropout as a Bayesian approximation: representing model uncertainty
    in deep learning. ICML, 1050-1059.

    Examples
    --------
    >>> import numpy as np
    >>> from deepstat.estimators import DeepRegressor
    >>> from deepstat.nn import MLP
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(100, 1)); y = X[:, 0] + 0.3 * rng.normal(size=100)
    >>> net = DeepRegressor(network=MLP(hidden_sizes=(16,), dropout=0.2), max_epochs=5, random_state=0, verbose=0).fit(X, y)
    >>> mc = MCDropout(net, n_samples=20, random_state=0)
    >>> mc.predict_interval(X[:2], alpha=0.1).shape
    (2, 2)
    >>> bool(np.array_equal(mc.predict(X[:5]), mc.predict(X[:5])))  # seeded masks
    True
    """

    def __init__(self, estimator: Any, n_samples: int = 100, random_state: Any = None) -> None:
        self.estimator = estimator
        self.n_samples = n_samples
        self.random_state = random_state

    def fit(self, X: Any, y: Any, **fit_params: Any) -> MCDropout:
        """Fit a clone of ``estimator`` (whose network must have dropout) on ``(X, y)``.

        Returns
        -------
        self
        """
        require_method(self.estimator, "fit", type(self).__name__)
        self._check_dropout_param(self.estimator)
        self.estimator_ = clone(self.estimator).fit(X, y, **fit_params)
        return self

    # ------------------------------------------------------------------ checks
    def _check_dropout_param(self, model: Any) -> None:
        caller = type(self).__name__
        params = model.get_params(deep=False) if callable(getattr(model, "get_params", None)) else {}
        if "network" not in params or not callable(getattr(model, "_resolve_network", None)):
            raise ValueError(
                f"`estimator` of {caller} must have a `network` parameter (a deepstat estimator). "
                f"Got {type(model).__name__} instead."
            )
        # the fitted network when there is one, else what ``network=`` means for this estimator
        network = getattr(model, "network_", None) or model._resolve_network()
        if not network.dropout_rate > 0:
            raise ValueError(
                f"`network` of {caller}'s estimator must have dropout > 0 for MC dropout. Got {network!r} "
                f"instead. Refit {type(model).__name__}(network=MLP(dropout=0.1, ...))."
            )

    def _model(self) -> Any:
        """The fitted estimator: ``estimator_`` after :meth:`fit`, else ``estimator`` if fitted."""
        model = getattr(self, "estimator_", None)
        if model is None:
            check_fitted(self.estimator, type(self).__name__)
            model = self.estimator
        self._check_dropout_param(model)
        for hook in ("module_", "family_"):
            if not hasattr(model, hook):
                raise ValueError(
                    f"`estimator` of {type(self).__name__} must expose `{hook}` (deepstat estimators do). "
                    f"Got {type(model).__name__} instead."
                )
        require_method(model, "_encode_X", type(self).__name__)
        if not any(isinstance(m, _DROPOUT) and m.p > 0 for m in model.module_.modules()):
            raise ValueError(
                f"`network` of {type(self).__name__}'s estimator must put its dropout in the module: its `module_` "
                "has no dropout layer with p > 0. Got a network without dropout instead (a linear predictor has none)."
            )
        return model

    def _is_classifier(self) -> bool:
        return hasattr(self._model(), "classes_")

    @property
    def classes_(self) -> np.ndarray:
        """Classes of the wrapped classifier."""
        return np.asarray(self._model().classes_)

    # ------------------------------------------------------------------ passes
    def _etas(self, X: Any) -> tuple[Any, torch.Tensor]:
        """Raw parameters of every pass, shape (T, n, n_params)."""
        model = self._model()
        n_passes = check_positive_int(self.n_samples, "n_samples", type(self).__name__)
        Z = model._encode_X(X, fitting=False)
        module = model.module_
        module.eval()
        for layer in module.modules():
            if isinstance(layer, _DROPOUT):
                layer.train()  # only dropout is stochastic; batch norm keeps its running statistics
        try:
            with torch.no_grad(), torch_threads(), torch.random.fork_rng(devices=[]):
                torch.manual_seed(resolve_seed(self.random_state))
                # the estimator's own pass over its encoded inputs (a table, or images, sequences ... through their adapter)
                forward = getattr(model, "_module_eta", None)
                etas = torch.stack([forward(Z) if callable(forward) else module(Z) for _ in range(n_passes)])
        finally:
            module.eval()
        return model, etas

    def _mixture(self, X: Any) -> EqualMixture:
        model, etas = self._etas(X)
        family = model.family_
        components = [family.distribution(eta) for eta in etas]
        cdfs = [partial(_family_cdf, family, eta) for eta in etas] if not family.event_shape else None
        return EqualMixture(components, cdfs)

    def _member_probas(self, X: Any) -> np.ndarray:
        model, etas = self._etas(X)
        probas = []
        for eta in etas:
            p = model.family_.distribution(eta.double()).probs
            probas.append(torch.stack([1 - p, p], dim=1) if p.ndim == 1 else p)
        return torch.stack(probas).cpu().numpy()


def _family_cdf(family: Any, eta: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """A family's CDF of one pass (works where the torch distribution has no ``cdf``, e.g. Student-t)."""
    return family.cdf(y, eta)
