"""scikit-learn's estimator checks (STYLE 8.5), run with small settings and no expected failures.

Full-batch Adam with no validation split makes a fit a deterministic function of the (weighted)
data, so the sample-weight equivalence checks hold exactly as they do for scikit-learn's own
estimators. (Full-batch L-BFGS would too, but the checks' data sets have more features than
rows, where the Normal likelihood is unbounded: run to convergence, the fitted scale collapses
to 0. A hundred Adam steps stay far from that degenerate maximum.)
"""

from __future__ import annotations

from sklearn.utils.estimator_checks import parametrize_with_checks

from deepstat.estimators import DeepClassifier, DeepQuantileRegressor, DeepRegressor
from deepstat.nn import MLP

SMALL = dict(network=MLP(hidden_sizes=(8,)), optimizer="adam", lr=1e-2, batch_size=None, max_epochs=100, early_stopping=False,
             random_state=0, verbose=0, dtype="float64")


@parametrize_with_checks([DeepRegressor(**SMALL), DeepClassifier(**SMALL), DeepQuantileRegressor(**SMALL)])
def test_sklearn_compatible(estimator, check) -> None:
    check(estimator)
