"""Families over any batch shape: ``eta`` is ``(*batch, n_params)``, ``y`` is ``(*batch, *event_shape)``.

Every registered family is evaluated on a 3-D batch ``(4, 5, 6, n_params)`` and compared with the
same computation on the flattened ``(120, n_params)`` table, whose values the per-family tests check
against scipy; a few entries are also recomputed one row at a time, and Normal, Gamma, Poisson and
the multivariate normal are compared with ``scipy.stats`` directly on the 3-D batch.
"""

from __future__ import annotations

import inspect
import math
import re

import numpy as np
import pytest
import scipy.stats
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from deepstat.families import FAMILIES, Beta, Categorical, Family, Gamma, MultivariateNormal, NegativeBinomial, Normal, Poisson

BATCH = (4, 5, 6)
N_FLAT = math.prod(BATCH)
#: entries recomputed one row at a time: a corner, the opposite corner and an interior entry
SPOT = [(0, 0, 0), (3, 4, 5), (2, 1, 3)]
#: small sizes for the families sized by a constructor argument
SIZES = {"gaussian_mixture": {"n_components": 2}, "categorical": {"n_classes": 3}, "multivariate_normal": {"dim": 2}, "plackett_luce": {"n_items": 3}}
LEVELS = [0.1, 0.5, 0.9]
# batched and flattened evaluations run the same elementwise kernels; only reductions inside
# batched matrix products (multivariate normal) may round differently
CLOSE = {"rtol": 1e-12, "atol": 1e-12}


def re_shape(shape: tuple[int, ...]) -> str:
    """A shape as a regular expression, e.g. ``\\(4, 5\\)``."""
    return re.escape(str(tuple(shape)))


def _make(name: str) -> Family:
    return FAMILIES[name](**SIZES.get(name, {}))


# the binomial's eta carries its trials as data (tests/families/test_binomial.py checks its batch shapes)
GENERIC = sorted(name for name, cls in FAMILIES.items() if not getattr(cls, "n_data_columns", 0))


@pytest.fixture(params=GENERIC)
def batch_family(request: pytest.FixtureRequest) -> Family:
    """Every registered family, sized small where it needs a size."""
    return _make(request.param)


def _eta(family: Family, seed: int, batch: tuple[int, ...] = BATCH) -> torch.Tensor:
    """Moderate raw outputs (standard normal * 0.5), shape (*batch, n_params)."""
    gen = torch.Generator().manual_seed(seed)
    return 0.5 * torch.randn(*batch, family.n_params, generator=gen, dtype=torch.float64)


def _targets(family: Family, eta: torch.Tensor, seed: int) -> torch.Tensor:
    """Targets drawn from the family itself, shape (*batch, *event_shape) (Beta kept off 0 and 1)."""
    y = family.sample(eta, generator=torch.Generator().manual_seed(seed))[0]
    return y.clamp(1e-6, 1 - 1e-6) if isinstance(family, Beta) else y


def _flat(family: Family, eta: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    return eta.reshape(-1, family.n_params), y.reshape(-1, *family.event_shape)


def test_every_family_needing_a_size_is_given_one() -> None:
    # a family whose constructor has a required argument must appear in SIZES (so that the tests
    # below run every registered family); those sized by their target are among them
    named = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)

    def required(cls: type[Family]) -> list[str]:
        params = list(inspect.signature(cls.__init__).parameters.values())[1:]  # without self
        return [p.name for p in params if p.kind in named and p.default is inspect.Parameter.empty]

    needs_size = {name for name, cls in FAMILIES.items() if required(cls)}
    assert needs_size == set(SIZES)
    assert {name for name, cls in FAMILIES.items() if cls.sized_by_target} <= needs_size


def test_log_prob_and_nll_match_the_flattened_table(batch_family: Family, global_random_seed: int) -> None:
    family = batch_family
    eta = _eta(family, global_random_seed)
    y = _targets(family, eta, global_random_seed + 1)
    assert y.shape == (*BATCH, *family.event_shape)
    eta_f, y_f = _flat(family, eta, y)
    log_p = family.log_prob(y, eta)
    assert log_p.shape == BATCH
    torch.testing.assert_close(log_p, family.log_prob(y_f, eta_f).reshape(BATCH), **CLOSE)
    assert bool(torch.isfinite(log_p).all())
    nll = family.neg_log_likelihood(eta, y, reduction="none")
    torch.testing.assert_close(nll, -log_p, rtol=0, atol=0)
    torch.testing.assert_close(family.neg_log_likelihood(eta, y), family.neg_log_likelihood(eta_f, y_f), **CLOSE)
    torch.testing.assert_close(
        family.neg_log_likelihood(eta, y, reduction="sum"), family.neg_log_likelihood(eta_f, y_f, reduction="sum"), **CLOSE
    )
    for idx in SPOT:  # one row at a time
        torch.testing.assert_close(log_p[idx], family.log_prob(y[idx][None], eta[idx][None])[0], **CLOSE)


def test_distribution_has_the_batch_shape(batch_family: Family, global_random_seed: int) -> None:
    family = batch_family
    dist = family.distribution(_eta(family, global_random_seed))
    assert tuple(dist.batch_shape) == BATCH
    assert tuple(dist.event_shape) == family.event_shape


def test_point_summaries_match_the_flattened_table(batch_family: Family, global_random_seed: int) -> None:
    family = batch_family
    eta = _eta(family, global_random_seed)
    eta_f = eta.reshape(-1, family.n_params)
    out_shape = (*BATCH, *family.event_shape)
    # rankings have no mean or variance (they raise); their point prediction is the mode
    methods = ["mode"] if family.point_prediction == "mode" else ["mean", "variance"]
    for method in methods:
        value = getattr(family, method)(eta)
        assert value.shape == out_shape, method
        # equal_nan: Student-t's mean is NaN for df <= 1, as in torch, in both layouts
        torch.testing.assert_close(value, getattr(family, method)(eta_f).reshape(out_shape), equal_nan=True, **CLOSE)
        for idx in SPOT:
            torch.testing.assert_close(value[idx], getattr(family, method)(eta[idx][None])[0], equal_nan=True, **CLOSE)


def test_split_indexes_the_last_dimension(batch_family: Family, global_random_seed: int) -> None:
    family = batch_family
    eta = _eta(family, global_random_seed)
    params = family.split(eta)
    params_f = family.split(eta.reshape(-1, family.n_params))
    for name, value in params.items():
        assert value.shape[: len(BATCH)] == BATCH, name
        torch.testing.assert_close(value, params_f[name].reshape(value.shape), rtol=0, atol=0)


@pytest.fixture(params=[name for name in GENERIC if _make(name).event_shape == ()])
def univariate_batch_family(request: pytest.FixtureRequest) -> Family:
    return _make(request.param)


def test_cdf_quantile_and_log_survival_match_the_flattened_table(univariate_batch_family: Family, global_random_seed: int) -> None:
    family = univariate_batch_family
    eta = _eta(family, global_random_seed)
    y = _targets(family, eta, global_random_seed + 1)
    eta_f, y_f = _flat(family, eta, y)
    cdf = family.cdf(y, eta)
    assert cdf.shape == BATCH
    torch.testing.assert_close(cdf, family.cdf(y_f, eta_f).reshape(BATCH), **CLOSE)
    log_s = family.log_survival(y, eta)
    assert log_s.shape == BATCH
    torch.testing.assert_close(log_s, family.log_survival(y_f, eta_f).reshape(BATCH), **CLOSE)
    q = family.quantile(eta, LEVELS)
    assert q.shape == (*BATCH, len(LEVELS))
    torch.testing.assert_close(q, family.quantile(eta_f, LEVELS).reshape(*BATCH, len(LEVELS)), **CLOSE)
    for idx in SPOT:
        torch.testing.assert_close(cdf[idx], family.cdf(y[idx][None], eta[idx][None])[0], **CLOSE)
        torch.testing.assert_close(q[idx], family.quantile(eta[idx][None], LEVELS)[0], **CLOSE)
    # a scalar y broadcasts against the whole batch
    y0 = y.reshape(-1)[:1].reshape(())
    torch.testing.assert_close(family.cdf(y0, eta), family.cdf(y0.expand(BATCH), eta), **CLOSE)


def test_sample_shapes_and_draws_match_the_flattened_table(batch_family: Family, global_random_seed: int) -> None:
    family = batch_family
    eta = _eta(family, global_random_seed)
    eta_f = eta.reshape(-1, family.n_params)
    assert tuple(family.distribution(eta).sample().shape) == (*BATCH, *family.event_shape)
    draws = family.sample(eta, n_samples=7, generator=torch.Generator().manual_seed(global_random_seed))
    assert draws.shape == (7, *BATCH, *family.event_shape)
    assert draws.dtype == eta.dtype
    # the same generator state gives the same draws, laid out in the same order as the table's
    draws_f = family.sample(eta_f, n_samples=7, generator=torch.Generator().manual_seed(global_random_seed))
    torch.testing.assert_close(draws, draws_f.reshape(draws.shape), rtol=0, atol=0)
    assert bool(family.support.check(draws).all())


def test_weights_broadcast_over_the_batch(batch_family: Family, global_random_seed: int) -> None:
    family = batch_family
    eta = _eta(family, global_random_seed)
    y = _targets(family, eta, global_random_seed + 1)
    eta_f, y_f = _flat(family, eta, y)
    gen = torch.Generator().manual_seed(global_random_seed + 2)
    w = torch.rand(BATCH, generator=gen, dtype=torch.float64) * 2
    for reduction in ("mean", "sum", "none"):
        batched = family.neg_log_likelihood(eta, y, weight=w, reduction=reduction)
        flat = family.neg_log_likelihood(eta_f, y_f, weight=w.reshape(-1), reduction=reduction)
        torch.testing.assert_close(batched, flat.reshape(batched.shape), **CLOSE)
    # one weight per series (shape (4, 1, 1)) and one per last-axis position (shape (6,))
    for shape in [(4, 1, 1), (6,)]:
        w_small = torch.rand(shape, generator=gen, dtype=torch.float64) + 0.5
        expanded = w_small.expand(BATCH).contiguous()
        for reduction in ("mean", "sum", "none"):
            torch.testing.assert_close(
                family.neg_log_likelihood(eta, y, weight=w_small, reduction=reduction),
                family.neg_log_likelihood(eta, y, weight=expanded, reduction=reduction),
                **CLOSE,
            )
    # weight 2 on an entry equals counting it twice, whatever the batch shape
    w2 = torch.ones(BATCH, dtype=torch.float64)
    w2[1, 2, 3] = 2.0
    nll = family.neg_log_likelihood(eta, y, reduction="none")
    expected = (nll.sum() + nll[1, 2, 3]) / (N_FLAT + 1)
    torch.testing.assert_close(family.neg_log_likelihood(eta, y, weight=w2), expected, **CLOSE)


@pytest.mark.parametrize("shape", [(4, 5), (4, 5, 6, 1), (5, 6, 1)])
def test_weight_that_does_not_broadcast_is_named(shape: tuple[int, ...]) -> None:
    family = Normal()
    eta, y = torch.zeros(*BATCH, 2), torch.zeros(BATCH)
    with pytest.raises(
        ValueError,
        match=rf"`weight` of Normal.neg_log_likelihood must be a tensor of shape \(4, 5, 6\), or one that broadcasts to it. "
        rf"Got {re_shape(shape)} instead",
    ):
        family.neg_log_likelihood(eta, y, weight=torch.ones(shape))


def test_eta_with_a_wrong_last_dimension_is_named(batch_family: Family) -> None:
    family, k = batch_family, batch_family.n_params
    name = type(family).__name__
    for bad in [torch.zeros(4, 5, k + 1), torch.zeros(())]:
        with pytest.raises(
            ValueError,
            match=rf"`eta` of {name} must be a floating tensor of shape \(n, {k}\), or \(\*batch, {k}\) with any leading "
            rf"batch dimensions. Got shape {re_shape(tuple(bad.shape))} and dtype torch.float32 instead",
        ):
            family.log_prob(torch.zeros(4, 5, *family.event_shape), bad)
    with pytest.raises(ValueError, match=rf"`eta` of {name} must be a floating tensor .* dtype torch.int64 instead"):
        family.split(torch.zeros(4, 5, k, dtype=torch.long))


def test_prepare_target_with_a_batch_shape(batch_family: Family, global_random_seed: int) -> None:
    family = batch_family
    eta = _eta(family, global_random_seed)
    y = _targets(family, eta, global_random_seed + 1)
    out = family.prepare_target(y.numpy(), dtype=torch.float64, batch_shape=BATCH)
    torch.testing.assert_close(out, y, rtol=0, atol=0)
    torch.testing.assert_close(family.prepare_target(y, dtype=torch.float64, batch_shape=eta.shape[:-1]), y, rtol=0, atol=0)
    expected = re_shape((*BATCH, *family.event_shape))
    with pytest.raises(ValueError, match=rf"`y` of {type(family).__name__} must have shape \(\*batch, \*event_shape\) = {expected}"):
        family.check_target(y[:3], batch_shape=BATCH)


@pytest.mark.parametrize(
    ("family", "bad_value", "match"),
    [
        (Poisson(), -1.0, r"`y` of Poisson must lie in the support non-negative integers \{0, 1, 2, ...\}. Got 1 value\(s\) outside it: \[-1"),
        (Beta(), 1.0, r"`y` of Beta must lie in the support the open interval \(0, 1\). Got 1 value\(s\) outside it"),
        (Categorical(3), 3.0, r"`y` of Categorical must lie in the support integer labels \{0, 1, ..., 2\}"),
    ],
)
def test_batched_target_outside_the_support_is_named(family: Family, bad_value: float, match: str) -> None:
    y = torch.full(BATCH, 0.5 if isinstance(family, Beta) else 1.0, dtype=torch.float64)
    y[2, 3, 4] = bad_value
    with pytest.raises(ValueError, match=match):
        family.check_target(y, batch_shape=BATCH)


def test_batched_ranking_outside_the_support_names_its_position() -> None:
    family = _make("plackett_luce")
    y = torch.tensor([0.0, 1.0, 2.0]).expand(*BATCH, 3).clone()
    y[1, 2, 3] = torch.tensor([0.0, 0.0, 2.0])  # item 0 ranked twice
    with pytest.raises(ValueError, match=r"Got 1 ranking\(s\) outside it, at batch positions \[\(1, 2, 3\)\], first \[0.0, 0.0, 2.0\]"):
        family.check_target(y, batch_shape=BATCH)


# ------------------------------------------------------------------ scipy on the 3-D batch
def test_normal_on_a_3d_batch_matches_scipy(global_random_seed: int) -> None:
    family = Normal()
    eta = _eta(family, global_random_seed)
    y = _targets(family, eta, global_random_seed + 1)
    loc, scale = eta[..., 0].numpy(), torch.nn.functional.softplus(eta[..., 1]).numpy()
    ref = scipy.stats.norm(loc=loc, scale=scale)
    np.testing.assert_allclose(family.log_prob(y, eta).numpy(), ref.logpdf(y.numpy()), rtol=1e-10)
    np.testing.assert_allclose(family.cdf(y, eta).numpy(), ref.cdf(y.numpy()), rtol=1e-10)
    np.testing.assert_allclose(family.log_survival(y, eta).numpy(), ref.logsf(y.numpy()), rtol=1e-10)
    expected_q = np.stack([ref.ppf(p) for p in LEVELS], axis=-1)
    np.testing.assert_allclose(family.quantile(eta, LEVELS).numpy(), expected_q, rtol=1e-10, atol=1e-12)


def test_gamma_on_a_3d_batch_matches_scipy(global_random_seed: int) -> None:
    family = Gamma()
    eta = _eta(family, global_random_seed)
    y = _targets(family, eta, global_random_seed + 1)
    mean, k = torch.exp(eta[..., 0]).numpy(), torch.nn.functional.softplus(eta[..., 1]).numpy()
    ref = scipy.stats.gamma(a=k, scale=mean / k)
    np.testing.assert_allclose(family.log_prob(y, eta).numpy(), ref.logpdf(y.numpy()), rtol=1e-10)
    np.testing.assert_allclose(family.log_survival(y, eta).numpy(), ref.logsf(y.numpy()), rtol=1e-9)
    np.testing.assert_allclose(family.mean(eta).numpy(), ref.mean(), rtol=1e-12)
    expected_q = np.stack([ref.ppf(p) for p in LEVELS], axis=-1)
    np.testing.assert_allclose(family.quantile(eta, LEVELS).numpy(), expected_q, rtol=1e-8)


def test_poisson_on_a_3d_batch_matches_scipy(global_random_seed: int) -> None:
    family = Poisson()
    eta = _eta(family, global_random_seed) + 1.0  # rates around e
    y = _targets(family, eta, global_random_seed + 1)
    ref = scipy.stats.poisson(mu=torch.exp(eta[..., 0]).numpy())
    np.testing.assert_allclose(family.log_prob(y, eta).numpy(), ref.logpmf(y.numpy()), rtol=1e-10)
    np.testing.assert_allclose(family.cdf(y, eta).numpy(), ref.cdf(y.numpy()), rtol=1e-10)
    expected_q = np.stack([ref.ppf(p) for p in LEVELS], axis=-1)
    np.testing.assert_array_equal(family.quantile(eta, LEVELS).numpy(), expected_q)


def test_multivariate_normal_on_a_3d_batch_matches_scipy(global_random_seed: int) -> None:
    family = MultivariateNormal(dim=2)
    eta = _eta(family, global_random_seed)
    y = _targets(family, eta, global_random_seed + 1)
    log_p = family.log_prob(y, eta)
    params = family.split(eta)
    for idx in SPOT:  # scipy takes one covariance at a time
        L = params["scale_tril"][idx].numpy()
        ref = scipy.stats.multivariate_normal(mean=params["loc"][idx].numpy(), cov=L @ L.T)
        np.testing.assert_allclose(log_p[idx].item(), ref.logpdf(y[idx].numpy()), rtol=1e-10)


# ------------------------------------------------------------------ any batch shape
BATCH_SHAPES = st.lists(st.integers(1, 4), min_size=1, max_size=4).map(tuple)


@settings(max_examples=25, deadline=None)
@given(batch=BATCH_SHAPES, seed=st.integers(0, 2**31 - 1), family_index=st.integers(0, 2))
def test_any_batch_shape_matches_the_flattened_table(batch: tuple[int, ...], seed: int, family_index: int) -> None:
    family = [Normal(), NegativeBinomial(), Categorical(3)][family_index]
    eta = _eta(family, seed, batch)
    y = _targets(family, eta, seed + 1)
    eta_f, y_f = _flat(family, eta, y)
    assert y.shape == batch
    torch.testing.assert_close(family.log_prob(y, eta), family.log_prob(y_f, eta_f).reshape(batch), **CLOSE)
    torch.testing.assert_close(family.mean(eta), family.mean(eta_f).reshape(batch), **CLOSE)
    q = family.quantile(eta, [0.25, 0.75])
    assert q.shape == (*batch, 2)
    torch.testing.assert_close(q, family.quantile(eta_f, [0.25, 0.75]).reshape(*batch, 2), **CLOSE)
    w = torch.rand(batch, generator=torch.Generator().manual_seed(seed), dtype=torch.float64) + 0.1
    torch.testing.assert_close(
        family.neg_log_likelihood(eta, y, weight=w), family.neg_log_likelihood(eta_f, y_f, weight=w.reshape(-1)), **CLOSE
    )
    assert family.sample(eta, n_samples=2).shape == (2, *batch)


# ------------------------------------------------------------------ intercept-only start
def test_init_eta_and_eta_scale_pool_the_batch(batch_family: Family, global_random_seed: int) -> None:
    family = batch_family
    eta = _eta(family, global_random_seed)
    y = _targets(family, eta, global_random_seed + 1)
    y_f = y.reshape(-1, *family.event_shape)
    torch.testing.assert_close(family.init_eta(y), family.init_eta(y_f), **CLOSE)
    torch.testing.assert_close(family.eta_scale(y), family.eta_scale(y_f), **CLOSE)
    w_series = torch.arange(1.0, 5.0, dtype=torch.float64)[:, None, None]  # one weight per leading index
    w_full = w_series.expand(BATCH).reshape(-1)
    torch.testing.assert_close(family.init_eta(y, w_series), family.init_eta(y_f, w_full), **CLOSE)
    torch.testing.assert_close(family.eta_scale(y, w_series), family.eta_scale(y_f, w_full), **CLOSE)
    with pytest.raises(ValueError, match=r"`weight` of .*init_eta must be 120 non-negative values with a positive sum, or broadcast to the batch shape \(4, 5, 6\)"):
        family.init_eta(y, torch.ones(5))
