"""Shared fixtures for the family tests: a seed fixture and one example instance per family."""

from __future__ import annotations

import pytest
import torch

from deepstat.families import (
    Bernoulli,
    Binomial,
    Beta,
    Categorical,
    Exponential,
    Family,
    Gamma,
    GaussianMixture,
    InverseGaussian,
    Laplace,
    LogLogistic,
    LogNormal,
    MultivariateNormal,
    NegativeBinomial,
    Normal,
    PlackettLuce,
    Poisson,
    StudentT,
    VonMises,
    Weibull,
)

# One example per registered family (STYLE 8.4: every Family subclass must appear here;
# test_registry checks it), plus the fixed-df variant of StudentT.
EXAMPLES: dict[str, Family] = {
    "normal": Normal(),
    "laplace": Laplace(),
    "student_t": StudentT(),
    "student_t_fixed_df": StudentT(df=4.0),
    "gaussian_mixture": GaussianMixture(n_components=3),
    "exponential": Exponential(),
    "gamma": Gamma(),
    "inverse_gaussian": InverseGaussian(),
    "beta": Beta(),
    "multivariate_normal": MultivariateNormal(dim=3),
    "von_mises": VonMises(),
    "bernoulli": Bernoulli(),
    "binomial": Binomial(),
    "categorical": Categorical(n_classes=4),
    "poisson": Poisson(),
    "plackett_luce": PlackettLuce(n_items=4),
    "negative_binomial": NegativeBinomial(),
    "weibull": Weibull(),
    "log_normal": LogNormal(),
    "log_logistic": LogLogistic(),
}
# The binomial's eta carries data (its last column is the number of trials), so the generic tests that draw
# eta at random do not apply to it; tests/families/test_binomial.py checks the same properties with valid trials.
GENERIC = [key for key, fam in EXAMPLES.items() if not getattr(fam, "n_data_columns", 0)]
UNIVARIATE = [key for key in GENERIC if EXAMPLES[key].event_shape == ()]


@pytest.fixture
def global_random_seed() -> int:
    """Seed for every random draw in a test (sklearn's fixture of the same name, STYLE 8.6)."""
    return 42


@pytest.fixture(params=GENERIC)
def family(request: pytest.FixtureRequest) -> Family:
    return EXAMPLES[request.param]


@pytest.fixture(params=UNIVARIATE)
def univariate_family(request: pytest.FixtureRequest) -> Family:
    return EXAMPLES[request.param]


def _valid_targets(family: Family, eta: torch.Tensor, seed: int) -> torch.Tensor:
    """Targets inside the support, drawn from the family itself (Beta draws kept off 0 and 1)."""
    y = family.sample(eta, generator=torch.Generator().manual_seed(seed))[0]
    if isinstance(family, Beta):
        y = y.clamp(1e-6, 1 - 1e-6)
    return y


def _random_eta(family: Family, n: int, seed: int, dtype: torch.dtype = torch.float64) -> torch.Tensor:
    """Moderate raw outputs (standard normal * 0.5), shape (n, n_params)."""
    gen = torch.Generator().manual_seed(seed)
    return 0.5 * torch.randn(n, family.n_params, generator=gen, dtype=dtype)


@pytest.fixture
def examples() -> dict[str, Family]:
    return EXAMPLES


@pytest.fixture
def make_eta():  # noqa: ANN201 - returns the helper
    """``make_eta(family, n, seed, dtype=float64)``: moderate raw outputs of shape (n, n_params)."""
    return _random_eta


@pytest.fixture
def make_targets():  # noqa: ANN201 - returns the helper
    """``make_targets(family, eta, seed)``: targets inside the support, drawn from the family."""
    return _valid_targets
