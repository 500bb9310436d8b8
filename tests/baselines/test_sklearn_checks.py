"""scikit-learn's estimator contract (STYLE 8.5) for the baselines' default configurations.

Only the normal GLM and the multinomial logit accept scikit-learn's generic data (real-valued
targets, arbitrary labels); the other GLM families need targets in their support.
"""

from __future__ import annotations

import warnings

from sklearn.utils.estimator_checks import parametrize_with_checks

from deepstat.baselines import GLMBaseline, MultinomialLogitBaseline, QuantRegBaseline


@parametrize_with_checks([GLMBaseline(), MultinomialLogitBaseline(), QuantRegBaseline()])
def test_sklearn_contract(estimator, check) -> None:
    with warnings.catch_warnings():
        # statsmodels warns about separation and singular designs on scikit-learn's tiny data sets
        warnings.simplefilter("ignore")
        check(estimator)
