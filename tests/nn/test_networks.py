"""Networks as data (issue 10, item 1): configs, the registry, ``network=`` on every estimator."""

from __future__ import annotations

import inspect
import json

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.base import clone
from sklearn.linear_model import LinearRegression
from sklearn.model_selection import GridSearchCV

from deepstat.estimators import (
    DeepAFT,
    DeepClassifier,
    DeepCoxPH,
    DeepCoxTimeVarying,
    DeepHit,
    DeepQuantileRegressor,
    DeepRegressor,
    LogisticHazard,
)
from deepstat.nn import MLP, NETWORKS, InputSpec, Linear, LinearSkipModule, MLPModule, NetworkConfig, network_from_config, resolve_network

TABULAR = (DeepRegressor, DeepClassifier, DeepQuantileRegressor)
SURVIVAL = (DeepCoxPH, DeepCoxTimeVarying, DeepAFT, LogisticHazard, DeepHit)
TABLE = InputSpec("table", 3, (3,))


def test_registry_names_the_table_networks() -> None:
    assert NETWORKS["mlp"] is MLP and NETWORKS["linear"] is Linear


def test_mlp_config_builds_the_module_it_describes() -> None:
    config = MLP(hidden_sizes=(8, 4), activation="tanh", batch_norm=True, dropout=0.1, linear_skip=False)
    module = config.build(TABLE, 2)
    assert isinstance(module, MLPModule)
    widths = [m.out_features for m in module.modules() if isinstance(m, torch.nn.Linear)]
    assert widths == [8, 4, 2]
    assert any(isinstance(m, torch.nn.BatchNorm1d) for m in module.modules())
    assert config.describe(TABLE, 2) == "MLP 3 -> 8 -> 4 -> 2 (tanh)"
    assert config.dropout_rate == pytest.approx(0.1) and not config.is_linear


def test_the_default_mlp_adds_a_linear_skip_and_old_configs_do_not() -> None:
    module = MLP(hidden_sizes=(8,)).build(TABLE, 2)
    assert isinstance(module, LinearSkipModule) and isinstance(module.network, MLPModule)
    assert module.linear.in_features == 3 and module.linear.out_features == 2
    assert MLP(hidden_sizes=(8,)).describe(TABLE, 2) == "MLP 3 -> 8 -> 2 (relu) + linear skip"
    assert isinstance(MLP(hidden_sizes=()).build(TABLE, 2), MLPModule)  # no hidden layer: just the linear predictor
    # a network saved before linear_skip existed comes back without it
    assert network_from_config({"name": "mlp", "params": {"hidden_sizes": [8]}}).linear_skip is False
    with pytest.raises(ValueError, match="`linear_skip` of MLP"):
        MLP(linear_skip=1).check()


def test_linear_is_one_linear_layer_and_the_empty_mlp_is_linear() -> None:
    module = Linear().build(TABLE, 2)
    layers = [m for m in module.modules() if isinstance(m, torch.nn.Linear)]
    assert len(layers) == 1 and layers[0].in_features == 3 and layers[0].out_features == 2
    assert Linear().is_linear and MLP(hidden_sizes=()).is_linear
    assert Linear().dropout_rate == 0.0 and Linear().describe(TABLE, 2) == "linear predictor"


@given(
    hidden=st.lists(st.integers(1, 64), max_size=4).map(tuple),
    activation=st.sampled_from(["relu", "tanh", "gelu", "elu"]),
    batch_norm=st.booleans(),
    dropout=st.floats(0.0, 0.9),
    init=st.sampled_from(["he", "xavier"]),
)
@settings(max_examples=40, deadline=None)
def test_config_round_trips_through_json(hidden, activation, batch_norm, dropout, init) -> None:
    config = MLP(hidden_sizes=hidden, activation=activation, batch_norm=batch_norm, dropout=dropout, init=init)
    back = network_from_config(json.loads(json.dumps(config.to_config())))
    assert back == config and type(back) is MLP


@pytest.mark.parametrize(
    ("config", "match"),
    [
        ({"name": "os.system", "params": {}}, r"`network.name` of config must be one of \['linear', 'mlp'"),
        ({"name": "mlp", "params": {"hidden_sizes": [4], "__class__": "x"}}, r"`network.params` of config must name settings of MLP"),
        ({"name": "mlp", "params": {"activation": "__import__('os')"}}, r"activation"),
        ({"name": "mlp", "params": {"hidden_sizes": [4, -1]}}, r"`hidden_sizes` of MLP \(the network of config\)"),
        (["mlp"], r"`network` of config must be a mapping with a 'name' and 'params'"),
    ],
)
def test_loading_a_config_never_evaluates_and_names_what_is_wrong(config, match) -> None:
    with pytest.raises(ValueError, match=match):
        network_from_config(config)


def test_set_params_refuses_unknown_settings() -> None:
    with pytest.raises(ValueError, match=r"`width` of MLP.set_params must be one of its settings \(hidden_sizes, activation"):
        MLP().set_params(width=3)


def test_a_network_refuses_an_input_it_cannot_read() -> None:
    with pytest.raises(ValueError, match=r"`network` of DeepRegressor must read the input it is given: MLP reads table input. "
                                         r"Got images of shape \(1, 8, 8\) \(channels first\) instead"):
        MLP().check_input(InputSpec("image", 1, (1, 8, 8)), "DeepRegressor")


def test_resolve_network_copies_and_maps_short_names() -> None:
    given_config = MLP(hidden_sizes=(5,))
    resolved = resolve_network(given_config, "DeepRegressor")
    assert resolved == given_config and resolved is not given_config
    survival_default = MLP(hidden_sizes=(32, 32), batch_norm=True, dropout=0.1)
    assert resolve_network("mlp", "DeepCoxPH", {"mlp": survival_default}) == survival_default
    assert resolve_network("linear", "DeepCoxPH") == Linear()
    with pytest.raises(ValueError, match=r"`network` of DeepCoxPH must be a network config .* Got 'gru' instead"):
        resolve_network("gru", "DeepCoxPH")


def test_estimators_default_to_the_mlp_they_document() -> None:
    X = np.random.default_rng(0).normal(size=(40, 3))
    model = DeepRegressor(max_epochs=1, verbose=0, random_state=0).fit(X, X[:, 0])
    assert model.network_ == MLP(hidden_sizes=(64, 64))
    assert DeepCoxPH._default_network == MLP(hidden_sizes=(32, 32), batch_norm=True, dropout=0.1)
    assert model._describe_network() == "MLP 3 -> 64 -> 64 -> 1 (relu) + linear skip"  # the mean; the scale a constant


def test_fitting_never_changes_the_users_config() -> None:
    X = np.random.default_rng(0).normal(size=(40, 2))
    config = MLP(hidden_sizes=(4,))
    model = DeepRegressor(network=config, max_epochs=1, verbose=0, random_state=0).fit(X, X[:, 0])
    assert model.network is config and model.network_ is not config
    assert config == MLP(hidden_sizes=(4,))


def test_grid_search_tunes_the_networks_settings() -> None:
    rng = np.random.default_rng(1)
    X = rng.normal(size=(120, 2))
    y = np.sin(2 * X[:, 0]) + 0.1 * rng.normal(size=120)
    base = DeepRegressor(network=MLP(hidden_sizes=(4,)), max_epochs=3, verbose=0, random_state=0)
    assert base.get_params()["network__hidden_sizes"] == (4,)
    copy = clone(base)
    assert copy.network == base.network and copy.network is not base.network
    search = GridSearchCV(base, {"network__hidden_sizes": [(2,), (6,)]}, cv=2).fit(X, y)
    assert search.best_params_["network__hidden_sizes"] in [(2,), (6,)]
    assert base.network.hidden_sizes == (4,)  # the template is untouched
    assert search.best_estimator_.network_.hidden_sizes == search.best_params_["network__hidden_sizes"]


def test_linear_network_is_the_least_squares_fit() -> None:
    rng = np.random.default_rng(2)
    X = rng.normal(size=(200, 3))
    y = X @ np.array([1.0, -2.0, 0.5]) + 0.3 + rng.normal(size=200)
    model = DeepRegressor(network=Linear(), heteroscedastic=False, optimizer="lbfgs", max_epochs=60,
                          early_stopping=False, dtype="float64", verbose=0, random_state=0).fit(X, y)
    ols = LinearRegression().fit(X, y)
    coef = model.linear_coefficients().iloc[0]
    np.testing.assert_allclose(coef.iloc[1:].to_numpy(), ols.coef_, atol=1e-5)
    assert coef.iloc[0] == pytest.approx(ols.intercept_, abs=1e-5)
    with pytest.raises(ValueError, match=r"`network` of DeepRegressor must be the linear predictor"):
        DeepRegressor(max_epochs=1, verbose=0).fit(X, y).linear_coefficients()


def _shared(cls: type) -> dict[str, object]:
    params = inspect.signature(cls.__init__).parameters
    return {name: p.default for name, p in params.items() if name not in ("self",)}


def _table_of(cls: type) -> dict[str, object]:
    from deepstat.estimators.base import COX_DEFAULTS, SHARED_DEFAULTS, SURVIVAL_DEFAULTS

    if cls in (DeepCoxPH, DeepCoxTimeVarying):
        return COX_DEFAULTS
    return SURVIVAL_DEFAULTS if cls in SURVIVAL else SHARED_DEFAULTS


@pytest.mark.parametrize("cls", [*TABULAR, *SURVIVAL], ids=lambda c: c.__name__)
def test_one_signature_declared_once(cls) -> None:
    """Every estimator takes the shared hyperparameters of the one table, with its defaults."""
    signature, table = _shared(cls), _table_of(cls)
    missing = [name for name in table if name not in signature]
    assert not missing, f"{cls.__name__} lacks {missing}"
    differ = {name: (signature[name], table[name]) for name in table if signature[name] != table[name]}
    assert not differ, f"{cls.__name__}: (signature, table) {differ}"
    for legacy in ("hidden_sizes", "activation", "batch_norm", "dropout", "init"):
        assert legacy not in signature, f"{cls.__name__} still takes {legacy}= (now a setting of network=)"


@pytest.mark.parametrize("cls", [*TABULAR, *SURVIVAL], ids=lambda c: c.__name__)
def test_every_estimator_takes_a_network_config(cls) -> None:
    model = cls(network=Linear())
    assert isinstance(model.get_params()["network"], NetworkConfig)
    assert clone(model).get_params()["network"] == Linear()
