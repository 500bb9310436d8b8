"""baseline_for: each deep family's classical counterpart, and clear errors for the rest."""

from __future__ import annotations

import pytest

from deepstat.baselines import (
    BASELINE_FAMILIES,
    GLMBaseline,
    MultinomialLogitBaseline,
    baseline_for,
)
from deepstat.families import FAMILIES, Bernoulli, Gamma, InverseGaussian, Poisson, StudentT

# the mapping issue 3 specifies
EXPECTED = {
    "normal": "normal", "laplace": "normal", "student_t": "normal", "poisson": "poisson",
    "negative_binomial": "negative_binomial", "gamma": "gamma", "exponential": "gamma", "bernoulli": "bernoulli",
    "inverse_gaussian": "inverse_gaussian", "binomial": "binomial",  # issue 11, item 2
}


@pytest.mark.parametrize(("deep", "glm"), EXPECTED.items())
def test_glm_counterparts(deep: str, glm: str) -> None:
    baseline = baseline_for(deep)
    assert isinstance(baseline, GLMBaseline) and baseline.family == glm


def test_categorical_gets_multinomial_logit_and_instances_work() -> None:
    assert isinstance(baseline_for("categorical"), MultinomialLogitBaseline)
    assert baseline_for(StudentT()).family == "normal"


def test_every_family_is_mapped_or_explained() -> None:
    for name in FAMILIES:
        if name in BASELINE_FAMILIES:
            baseline_for(name)
        else:
            with pytest.raises(ValueError, match=f"Got {name!r} instead, which has none in deepstat.baselines: "):
                baseline_for(name)


@pytest.mark.parametrize("name", ["beta", "von_mises", "plackett_luce"])
def test_no_counterpart_says_which(name: str) -> None:
    with pytest.raises(ValueError, match=r"must be a family with a classical counterpart \['bernoulli', 'binomial', 'categorical'"):
        baseline_for(name)


def test_unknown_and_wrong_type() -> None:
    with pytest.raises(ValueError, match=r"`family_name` of baseline_for must be one of \[.*\]. Got 'tweedie' instead"):
        baseline_for("tweedie")
    with pytest.raises(TypeError, match="`family_name` of baseline_for must be a string or a Family. Got int"):
        baseline_for(3)  # type: ignore[arg-type]


def test_a_family_instance_pairs_its_link() -> None:
    """issue 11, item 2: the baseline of Gamma(link="inverse") is the inverse-link gamma GLM; defaults stay implicit."""
    assert baseline_for(Gamma(link="inverse")).get_params()["link"] == "inverse"
    assert baseline_for(Bernoulli(link="cauchit")).get_params()["link"] == "cauchit"
    assert baseline_for(InverseGaussian(link="inverse_squared")).get_params()["link"] == "inverse_squared"
    assert baseline_for(Poisson()).get_params()["link"] is None and baseline_for("gamma").get_params()["link"] is None
    assert repr(baseline_for(Poisson(link="identity"))) == "GLMBaseline(family='poisson', link='identity')"
