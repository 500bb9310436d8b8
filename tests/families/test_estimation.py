"""Weighted summaries used by init_eta, against numpy."""

import numpy as np
import torch

from deepstat.families.estimation import positive_or, weighted_mean, weighted_quantile, weighted_var


def test_weighted_helpers_match_numpy(global_random_seed: int) -> None:
    rng = np.random.default_rng(global_random_seed)
    y, w = rng.normal(size=50), rng.uniform(size=50)
    w /= w.sum()
    yt, wt = torch.from_numpy(y), torch.from_numpy(w)
    np.testing.assert_allclose(weighted_mean(yt, wt).item(), np.average(y, weights=w), rtol=1e-12)
    np.testing.assert_allclose(weighted_var(yt, wt).item(), np.cov(y, aweights=w, bias=True), rtol=1e-12)
    # numpy's "inverted_cdf" weighted quantile is the smallest y whose cumulative weight reaches q
    expected = np.quantile(y, 0.5, weights=w, method="inverted_cdf")
    assert weighted_quantile(yt, wt, torch.tensor(0.5, dtype=torch.float64)).item() == expected


def test_positive_or_replaces_zero_nan_and_inf() -> None:
    x = torch.tensor([2.0, 0.0, float("nan"), float("inf"), -1.0])
    assert positive_or(x, 7.0).tolist() == [2.0, 7.0, 7.0, 7.0, 7.0]
