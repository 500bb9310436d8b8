"""scikit-learn's estimator checks (STYLE 8.5), run with small settings and with the DEFAULT settings, no expected failures.

With the defaults (an early-stopped MLP on a random validation split, float32), the sample-weight
equivalence holds exactly because the training rows are made a canonical weighted set first
(estimators/_rows.py: duplicates merged, zero weights dropped, rows ordered by content), and the
subset invariance of predictions because float32 models predict in float64 (estimators/base.py).

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


# only the seed is set (the checks compare fits with the same random_state); everything else at its default
@parametrize_with_checks([DeepRegressor(random_state=0), DeepClassifier(random_state=0), DeepQuantileRegressor(random_state=0)])
def test_sklearn_compatible_with_defaults(estimator, check) -> None:
    check(estimator)
