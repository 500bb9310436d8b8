"""R's links of a GLM mean (issue 11, item 2): the link classes against scipy, and ``link=`` on the families.

Each family's log-likelihood with a link is the scipy log-density at the mean that link gives; a bad
name raises a ValueError naming ``link``, the choices and the value.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.stats
import torch

from deepstat.families import (
    Bernoulli,
    CauchitLink,
    CLogLogLink,
    Gamma,
    InverseGaussian,
    InverseLink,
    InverseSquaredLink,
    Normal,
    Poisson,
    ProbitLink,
    SqrtLink,
    family_from_config,
)
from deepstat.families.links import LogitProbabilityLink, choose_link

F64 = torch.float64
ETA = torch.tensor([-40.0, -8.0, -1.0, 0.0, 0.5, 3.0, 8.0, 40.0], dtype=F64)  # both tails of every CDF


@pytest.mark.parametrize(
    ("link", "dist"),
    [(ProbitLink(), scipy.stats.norm), (CauchitLink(), scipy.stats.cauchy), (LogitProbabilityLink(), scipy.stats.logistic),
     (CLogLogLink(), scipy.stats.gumbel_l)],  # 1 - exp(-exp(x)) is the CDF of the minimum Gumbel
)
def test_probability_links_log_probs_match_scipy_in_both_tails(link, dist) -> None:
    log_p, log_q = link.log_probs(ETA)
    torch.testing.assert_close(log_p, torch.from_numpy(dist.logcdf(ETA.numpy())), rtol=1e-10, atol=1e-300)
    torch.testing.assert_close(log_q, torch.from_numpy(dist.logsf(ETA.numpy())), rtol=1e-10, atol=1e-300)
    p = torch.linspace(0.01, 0.99, 9, dtype=F64)
    torch.testing.assert_close(link.inverse(link.forward(p)), p, rtol=1e-12, atol=0)
    torch.testing.assert_close(link.forward(p), torch.from_numpy(dist.ppf(p.numpy())), rtol=1e-10, atol=1e-12)


def test_power_links_match_their_formulas() -> None:
    mu = torch.tensor([0.1, 1.0, 4.0, 250.0], dtype=F64)
    torch.testing.assert_close(InverseLink().forward(mu), 1 / mu)
    torch.testing.assert_close(InverseSquaredLink().forward(mu), mu**-2)
    torch.testing.assert_close(SqrtLink().forward(mu), mu.sqrt())
    for link in (InverseLink(), InverseSquaredLink(), SqrtLink()):
        torch.testing.assert_close(link.inverse(link.forward(mu)), mu, rtol=1e-12, atol=0)


@pytest.mark.parametrize(
    ("family", "mean"),
    [
        (Poisson("identity"), lambda e: e), (Poisson("sqrt"), lambda e: e**2), (Gamma("inverse"), lambda e: 1 / e),
        (Gamma("identity"), lambda e: e), (InverseGaussian("inverse_squared"), lambda e: e**-0.5),
        (InverseGaussian("inverse"), lambda e: 1 / e), (InverseGaussian("identity"), lambda e: e), (Normal("log"), np.exp),
    ],
    ids=lambda v: "mean" if callable(v) and not hasattr(v, "link") else repr(v),  # no addresses: xdist workers must agree
)
def test_log_prob_is_scipy_at_the_mean_the_link_gives(family, mean) -> None:
    eta = torch.tensor([[0.3, 0.2], [1.5, -1.0], [2.0, 1.0]], dtype=F64)[:, : family.n_params]
    y = torch.tensor([1.0, 2.0, 3.0], dtype=F64)
    mu = mean(eta[:, 0].numpy())
    extra = np.logaddexp(0, eta[:, 1].numpy()) if family.n_params > 1 else None  # softplus
    ref = {
        "poisson": lambda: scipy.stats.poisson(mu).logpmf(y.numpy()),
        "gamma": lambda: scipy.stats.gamma(a=extra, scale=mu / extra).logpdf(y.numpy()),
        "inverse_gaussian": lambda: scipy.stats.invgauss(mu=mu / extra, scale=extra).logpdf(y.numpy()),
        "normal": lambda: scipy.stats.norm(mu, extra).logpdf(y.numpy()),
    }[family.name]()
    torch.testing.assert_close(family.log_prob(y, eta), torch.from_numpy(ref), rtol=1e-10, atol=0)
    torch.testing.assert_close(family.mean(eta), torch.from_numpy(mu), rtol=1e-12, atol=0)
    eta0 = family.init_eta(y)  # the start is the intercept-only mean on the link's scale
    torch.testing.assert_close(family.mean(eta0[None]), y.mean().reshape(1), rtol=1e-12, atol=0)


@pytest.mark.parametrize("link", ["probit", "cloglog", "cauchit"])
def test_bernoulli_links_match_scipy_and_start_at_the_proportion(link) -> None:
    family = Bernoulli(link)
    eta = ETA[:, None]
    dist = {"probit": scipy.stats.norm, "cloglog": scipy.stats.gumbel_l, "cauchit": scipy.stats.cauchy}[link]
    p = dist.cdf(ETA.numpy())
    for y in (0.0, 1.0):
        ref = dist.logcdf(ETA.numpy()) if y else dist.logsf(ETA.numpy())
        torch.testing.assert_close(family.log_prob(torch.full_like(ETA, y), eta), torch.from_numpy(ref), rtol=1e-9, atol=1e-300)
    torch.testing.assert_close(family.mean(eta), torch.from_numpy(p), rtol=1e-10, atol=1e-300)
    y = torch.tensor([0.0, 1.0, 1.0, 0.0, 1.0], dtype=F64)
    assert family.mean(family.init_eta(y)[None]).item() == pytest.approx(0.6, rel=1e-12)
    assert family.eta_names() == ["probs"] and Bernoulli().eta_names() == ["logits"]


def test_outside_the_domain_the_log_likelihood_is_minus_inf() -> None:
    y = torch.tensor([0.0, 2.0], dtype=F64)
    assert torch.isinf(Poisson("identity").log_prob(y, torch.tensor([[-0.5], [-0.5]], dtype=F64))).all()  # y = 0 too
    assert torch.isneginf(Gamma("inverse").log_prob(y[1:], torch.tensor([[-0.5, 0.0]], dtype=F64))).all()
    assert torch.isneginf(InverseGaussian("inverse_squared").log_prob(y[1:], torch.tensor([[-0.1, 0.0]], dtype=F64))).all()
    assert torch.isfinite(Poisson("identity").log_prob(y, torch.tensor([[0.5], [0.5]], dtype=F64))).all()


@pytest.mark.parametrize(
    ("family", "links"),
    [(Gamma, ["log", "inverse", "identity"]), (Poisson, ["log", "identity", "sqrt"]), (Normal, ["identity", "log"]),
     (Bernoulli, ["logit", "probit", "cloglog", "cauchit"]), (InverseGaussian, ["log", "inverse_squared", "inverse", "identity"])],
)
def test_link_choices_defaults_configs_and_bad_names(family, links) -> None:
    assert list(family.link_choices) == links and family().link == links[0]  # the defaults are unchanged
    for link in links:
        fam = family(link=link)
        assert family_from_config(fam.to_config()) == fam and fam.link == link
        assert ("link" in fam.to_config()) == (link != links[0])  # Gamma() stays Gamma()
    with pytest.raises(ValueError, match=rf"`link` of {family.__name__} must be one of \[.*'{links[-1]}'\]. Got 'logg' instead"):
        family(link="logg")
    assert family(link=links[-1]) != family()


def test_choose_link_rejects_a_non_string() -> None:
    with pytest.raises(ValueError, match=r"`link` of Poisson must be one of \['log', 'identity'\]. Got 3 instead"):
        choose_link(3, ("log", "identity"), "Poisson")
