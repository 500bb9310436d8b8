"""Deep ensembles: M independently seeded networks, predicting with their equally weighted mixture."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from deepstat.inference._checks import fit_members, require_method
from deepstat.inference._predictive import MixturePredictiveMixin
from deepstat.inference.mixture import EqualMixture
from deepstat.utils.validation import format_values

__all__ = ["DeepEnsemble"]


class DeepEnsemble(MixturePredictiveMixin, BaseEstimator):
    r"""A deep ensemble (Lakshminarayanan, Pritzel & Blundell 2017): M networks from different random seeds.

    Each member is ``clone(estimator).set_params(random_state=seed_m)`` fitted on all the data;
    the seeds differ, so initialisation, shuffling, validation split and dropout differ. The
    predictive distribution is the equally weighted mixture (:class:`EqualMixture`)

    .. math:: p(y \mid x) = \frac1M \sum_{m=1}^M p(y \mid x; \hat\phi_m),

    whose spread adds the members' disagreement (epistemic uncertainty) to their own predicted
    noise (aleatoric). For classifiers the predictive probabilities are the members' average.

    Parameters
    ----------
    estimator : estimator
        A deepstat (or any) estimator with a ``random_state`` parameter; regressors need
        ``predict_distribution``, classifiers ``predict_proba`` and ``classes_``.
    n_members : int, default=5
        Number of networks ``M``.
    random_state : int, numpy generator or None, default=None
        Seeds the members' seeds (``seeds_``).

    Attributes
    ----------
    estimators_ : list of fitted estimators
    seeds_ : ndarray of shape (n_members,)
        The members' ``random_state`` values.
    classes_ : ndarray of shape (n_classes,)
        Classifiers only.

    See Also
    --------
    MCDropout : the mixture over stochastic forward passes of one network.

    References
    ----------
    Lakshminarayanan, Pritzel & Blundell (2017). Simple and scalable predictive uncertainty
    estimation using deep ensembles. NeurIPS 30.

    Examples
    --------
    >>> import numpy as np
    >>> from deepstat.estimators import DeepRegressor
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(100, 1)); y = X[:, 0] + 0.3 * rng.normal(size=100)
    >>> from deepstat.nn import MLP
    >>> base = DeepRegressor(network=MLP(hidden_sizes=(8,)), max_epochs=5, verbose=0)
    >>> ens = DeepEnsemble(base, n_members=3, random_state=0).fit(X, y)
    >>> len(ens.estimators_), ens.predict_interval(X[:2], alpha=0.1).shape
    (3, (2, 2))
    """

    def __init__(self, estimator: Any, n_members: int = 5, random_state: Any = None) -> None:
        self.estimator = estimator
        self.n_members = n_members
        self.random_state = random_state

    def fit(self, X: Any, y: Any, **fit_params: Any) -> DeepEnsemble:
        """Fit ``n_members`` independently seeded clones of ``estimator`` on ``(X, y)``.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        **fit_params
            Passed to every member's ``fit`` (``sample_weight``, ``eval_set`` ...).

        Returns
        -------
        self
        """
        caller = type(self).__name__
        members, seeds = fit_members(self.estimator, self.n_members, self.random_state, X, y, fit_params, caller)
        if hasattr(members[0], "classes_"):
            classes = np.asarray(members[0].classes_)
            for member in members[1:]:
                if not np.array_equal(np.asarray(member.classes_), classes):
                    raise ValueError(
                        f"The members of {caller} must see the same classes. Got {format_values(classes)} and "
                        f"{format_values(member.classes_)} instead."
                    )
            self.classes_ = classes
        else:
            require_method(members[0], "predict_distribution", caller)
        self.estimators_ = members
        self.seeds_ = seeds
        return self

    def _is_classifier(self) -> bool:
        check_is_fitted(self, "estimators_")
        return hasattr(self, "classes_")

    def _mixture(self, X: Any) -> EqualMixture:
        check_is_fitted(self, "estimators_")
        return EqualMixture([member.predict_distribution(X) for member in self.estimators_])

    def _member_probas(self, X: Any) -> np.ndarray:
        check_is_fitted(self, "estimators_")
        return np.stack([np.asarray(member.predict_proba(X), dtype=np.float64) for member in self.estimators_])
