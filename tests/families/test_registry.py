"""Registry: every family is registered under the brief's names, with clear errors."""

import pytest

from deepstat.families import FAMILIES, Family, GaussianMixture, Normal, family_from_config, get_family

# the registry names fixed by the design brief (DESIGN.md, families/)
NAMES = {
    "normal", "laplace", "student_t", "gaussian_mixture", "exponential", "gamma", "beta", "multivariate_normal",
    "von_mises", "bernoulli", "categorical", "poisson", "plackett_luce", "negative_binomial",
    "weibull", "log_normal", "log_logistic",  # positive families for survival (issue 5)
    "inverse_gaussian", "binomial",  # the GLM families R and statsmodels have (issue 11, item 2)
}


def test_registry_names_and_examples(examples: dict[str, Family]) -> None:
    assert set(FAMILIES) == NAMES
    assert all(cls.name == key for key, cls in FAMILIES.items())
    # STYLE 8.4: every Family subclass has an example in conftest.EXAMPLES
    assert {type(fam) for fam in examples.values()} == set(FAMILIES.values()) == set(Family.__subclasses__())


def test_get_family() -> None:
    assert get_family("normal") == Normal()
    assert get_family("gaussian_mixture", n_components=4) == GaussianMixture(4)
    fam = Normal()
    assert get_family(fam) is fam


def test_get_family_errors() -> None:
    with pytest.raises(ValueError, match=r"`family` of get_family must be one of \['bernoulli', 'beta', .*\]\. Got 'gauss' instead"):
        get_family("gauss")
    with pytest.raises(TypeError, match="`family` of get_family must be a string or a Family instance. Got int instead"):
        get_family(3)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="`kwargs` of get_family must be empty when `family` is an instance"):
        get_family(Normal(), n_components=2)


def test_family_from_config() -> None:
    assert family_from_config({"name": "categorical", "n_classes": 5}).n_params == 5
    with pytest.raises(ValueError, match=r"`config\['name'\]` of family_from_config must be one of .* Got 'nope' instead"):
        family_from_config({"name": "nope"})
    with pytest.raises(TypeError, match="`config` of family_from_config must be a dict. Got str instead"):
        family_from_config("normal")  # type: ignore[arg-type]
