"""Save and load fitted estimators as ``safetensors`` weights + a JSON config. Nothing is ever unpickled."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file

from deepstat._version import __version__
from deepstat.families import Family, family_from_config
from deepstat.losses import REGRESSION_LOSSES
from deepstat.nn import MLP, InputSpec, Linear, NetworkConfig, network_from_config
from deepstat.nn.heads import DistributionalHead
from deepstat.train import History
from deepstat.utils.saving import CONFIG_FILE, WEIGHTS_FILE, remove_ensemble_files

__all__ = ["save_estimator", "load_estimator", "WEIGHTS_FILE", "CONFIG_FILE"]

FORMAT = "deepstat-model"
FORMAT_VERSION = 2  # 2: the network is a config {name, params} (1 had flat MLP settings)
_MLP_SETTINGS = ("hidden_sizes", "activation", "batch_norm", "dropout", "init")
# Files that could carry a pickle; their presence makes load refuse the directory outright.
_PICKLE_SUFFIXES = {".pkl", ".pickle", ".pt", ".pth", ".bin", ".joblib", ".npy", ".ckpt"}
_PICKLE_MAGIC = b"\x80"  # pickle protocol >= 2 opcode PROTO


def _estimator_classes() -> dict[str, type]:
    from deepstat.estimators.classifier import DeepClassifier
    from deepstat.estimators.quantile import DeepQuantileRegressor
    from deepstat.estimators.regressor import DeepRegressor

    from deepstat.estimators.survival_aft import DeepAFT
    from deepstat.estimators.survival_cox import DeepCoxPH
    from deepstat.estimators.survival_cox_tv import DeepCoxTimeVarying
    from deepstat.estimators.survival_discrete import DeepHit, LogisticHazard

    survival = {cls.__name__: cls for cls in (DeepCoxPH, DeepCoxTimeVarying, DeepAFT, LogisticHazard, DeepHit)}
    return {"DeepRegressor": DeepRegressor, "DeepClassifier": DeepClassifier, "DeepQuantileRegressor": DeepQuantileRegressor, **survival}


# Survival estimators: fitted arrays (Breslow's baseline hazard) go into the safetensors file under this
# prefix, fitted grids and scalars into config.json; each class names them in _saved_arrays / _saved_values.
_SURVIVAL_PREFIX = "survival."


def _survival_state(estimator: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    arrays = {
        _SURVIVAL_PREFIX + name: torch.as_tensor(np.asarray(getattr(estimator, name), dtype=np.float64)).contiguous()
        for name in getattr(estimator, "_saved_arrays", ())
    }
    names = (*getattr(estimator, "_saved_values", ()), *getattr(estimator, "_saved_objects", ()))
    # a model loaded from an older save may lack a value added since (e.g. strata_levels_): it is left out
    values = {name: _jsonable(getattr(estimator, name)) for name in names if hasattr(estimator, name)}
    return arrays, values


def _restore_survival_state(estimator: Any, state: dict[str, Any], values: dict[str, Any]) -> None:
    for key in [k for k in state if k.startswith(_SURVIVAL_PREFIX)]:
        setattr(estimator, key[len(_SURVIVAL_PREFIX) :], state.pop(key).numpy())
    objects = getattr(estimator, "_saved_objects", ())
    for name, value in values.items():
        if name in objects:  # lists of tuples (strata levels), which JSON stores as lists of lists
            value = [tuple(v) if isinstance(v, list) else v for v in value]
        elif isinstance(value, list):  # grids come back as float arrays
            value = np.asarray(value, dtype=np.float64)
        setattr(estimator, name, value)


def _jsonable(value: Any) -> Any:
    if isinstance(value, (np.generic,)):
        return value.item()
    if isinstance(value, (tuple, list)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, np.ndarray):
        return _jsonable(value.tolist())
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    return value


def save_estimator(estimator: Any, path: str | os.PathLike) -> None:
    """Write ``estimator`` to the directory ``path``: model.safetensors + config.json.

    Raises
    ------
    sklearn.exceptions.NotFittedError
        If the estimator is not fitted.
    TypeError
        If a hyperparameter cannot be written as JSON (a custom loss or activation class).
    """
    from sklearn.utils.validation import check_is_fitted

    check_is_fitted(estimator, "module_")
    name = type(estimator).__name__
    params = estimator.get_params(deep=False)
    if isinstance(params.get("family"), Family):
        params["family"] = params["family"].to_config()
    if params.get("loss") is not None and not isinstance(params["loss"], str):
        raise TypeError(
            f"`loss` of {name} must be None or a loss name to save the model as JSON. Got {params['loss']!r} instead."
        )
    if isinstance(params.get("network"), NetworkConfig):
        params["network"] = params["network"].to_config()  # TypeError for what JSON cannot name (a custom activation)
    network_config = estimator.network_.to_config()
    params["random_state"] = estimator.seed_
    if isinstance(params.get("class_weight"), dict):  # JSON keys are strings: keep the labels' types as pairs
        params["class_weight"] = {"pairs": [[_jsonable(k), float(v)] for k, v in params["class_weight"].items()]}
    head: DistributionalHead = estimator.module_
    config = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "deepstat_version": __version__,
        "estimator": name,
        "params": _jsonable(params),
        "family": None if estimator.family_ is None else estimator.family_.to_config(),
        "head": {"n_params": head.n_params, "n_modelled": head.n_modelled},
        "network": network_config,
        "input_spec": estimator.input_spec_.to_config(),
        # a named regression loss: its settings here, its learnable parameters (if any) in the weights
        "loss": None
        if not (isinstance(params.get("loss"), str) and params["loss"] in REGRESSION_LOSSES)
        else {"name": params["loss"], "params": _jsonable(estimator.loss_.config())},
        "seed": estimator.seed_,
        "preprocessor": _jsonable(estimator.preprocessor_.to_dict()),
        "n_features_in": int(estimator.n_features_in_),
        "feature_names_in": None
        if not hasattr(estimator, "feature_names_in_")
        else [str(c) for c in estimator.feature_names_in_],
        "classes": _jsonable(estimator.classes_.tolist()) if hasattr(estimator, "classes_") else None,
        "history": estimator.history_.to_dict(),
        "fit_stats": {
            "n_train": int(estimator.n_train_),
            "n_validation": int(getattr(estimator, "n_validation_", 0)),
            "train_log_likelihood": float(getattr(estimator, "train_log_likelihood_", float("nan"))),
            "increment_scale": getattr(estimator, "increment_scale_", None),
        },
    }
    if getattr(estimator, "formula_", None) is not None:
        config["formula"] = estimator.formula_.to_dict()
    survival_arrays, config["survival"] = _survival_state(estimator)
    try:
        text = json.dumps(config, indent=2, allow_nan=True)
    except TypeError as exc:
        raise TypeError(f"`estimator` of save holds a value that JSON cannot store ({exc}); nothing was written.") from None
    out = Path(path)
    out.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().contiguous().cpu() for k, v in head.state_dict().items()}
    state.update(survival_arrays)
    # both files are written to temporaries first and renamed only when both exist, so that a
    # failed save never leaves half a model or breaks an earlier good one
    tmp_weights = tmp_config = None
    try:
        with tempfile.NamedTemporaryFile(dir=out, suffix=".tmp", delete=False) as tmp:
            tmp_weights = tmp.name
        save_file(state, tmp_weights)
        with tempfile.NamedTemporaryFile("w", dir=out, suffix=".tmp", delete=False) as tmp:
            tmp.write(text)
            tmp_config = tmp.name
        os.replace(tmp_weights, out / WEIGHTS_FILE)
        os.replace(tmp_config, out / CONFIG_FILE)
        remove_ensemble_files(out)  # an ensemble saved here before must not shadow this model in deepstat.load
    finally:
        for leftover in (tmp_weights, tmp_config):
            if leftover is not None and os.path.exists(leftover):
                os.remove(leftover)


def _upgrade_v1(config: dict[str, Any], params: dict[str, Any]) -> None:
    """Rewrite a format-1 config (flat ``hidden_sizes``, ``activation`` ... settings) as format 2, in place."""
    flat = {key: params.pop(key) for key in _MLP_SETTINGS if key in params}
    hidden = tuple(flat.get("hidden_sizes", ()))
    network = Linear() if not hidden else MLP(
        hidden_sizes=hidden, activation=flat.get("activation", "relu"), batch_norm=bool(flat.get("batch_norm", False)),
        dropout=float(flat.get("dropout", 0.0)), init=flat.get("init", "he"),
    )
    params["network"] = network.to_config()
    config["network"] = network.to_config()


def _refuse_pickles(folder: Path) -> None:
    for item in folder.iterdir():
        if item.suffix.lower() in _PICKLE_SUFFIXES:
            raise ValueError(
                f"`path` of load must hold only {WEIGHTS_FILE} and {CONFIG_FILE}. Got {item.name!r}, a file that may "
                "hold a pickle, instead. deepstat never unpickles: remove the file if you trust it."
            )
    weights = folder / WEIGHTS_FILE
    with open(weights, "rb") as fh:
        head = fh.read(2)
    if head[:1] == _PICKLE_MAGIC:
        raise ValueError(
            f"`path` of load must hold a safetensors file {WEIGHTS_FILE}. Got a pickle instead; deepstat never unpickles."
        )


def load_estimator(path: str | os.PathLike) -> Any:
    """Load a model saved by :func:`save_estimator`.

    Raises
    ------
    FileNotFoundError
        If the directory or one of its two files is missing.
    ValueError
        If the directory holds a pickle, the weights are not a safetensors file, or the
        config is not a deepstat model config.
    """
    folder = Path(path)
    if not folder.is_dir():
        raise FileNotFoundError(f"`path` of load must be a directory saved by save(). Got {os.fspath(path)!r}, which does not exist.")
    for required in (WEIGHTS_FILE, CONFIG_FILE):
        if not (folder / required).is_file():
            raise FileNotFoundError(f"`path` of load must contain {required}. Got a directory without it: {os.fspath(path)!r}.")
    _refuse_pickles(folder)
    try:
        config = json.loads((folder / CONFIG_FILE).read_text())
    except json.JSONDecodeError as exc:
        raise ValueError(f"`path` of load must hold a JSON {CONFIG_FILE}. Got invalid JSON instead: {exc}.") from None
    if not isinstance(config, dict) or config.get("format") != FORMAT:
        raise ValueError(f"`path` of load must hold a deepstat model config. Got a {CONFIG_FILE} with format {config.get('format') if isinstance(config, dict) else None!r} instead.")
    if config.get("format_version", 0) > FORMAT_VERSION:
        raise ValueError(
            f"`path` of load holds format version {config['format_version']}, newer than this deepstat "
            f"({FORMAT_VERSION}). Upgrade deepstat to load it."
        )
    try:
        state = load_file(folder / WEIGHTS_FILE)
    except (SafetensorError, OSError, ValueError) as exc:
        raise ValueError(f"`path` of load must hold a valid safetensors {WEIGHTS_FILE}. Got an unreadable file instead: {exc}.") from None

    classes = _estimator_classes()
    if config["estimator"] not in classes:
        raise ValueError(f"`path` of load holds an unknown estimator {config['estimator']!r}; expected one of {sorted(classes)}.")
    params = dict(config["params"])
    if isinstance(params.get("family"), dict):
        params["family"] = family_from_config(params["family"])
    if config.get("format_version", 0) < 2:  # flat MLP settings: the same network as a config
        _upgrade_v1(config, params)
    if isinstance(params.get("network"), dict):
        params["network"] = network_from_config(params["network"], "load")
    if "quantiles" in params:
        params["quantiles"] = tuple(params["quantiles"])
    if isinstance(params.get("class_weight"), dict):
        params["class_weight"] = {key: value for key, value in params["class_weight"]["pairs"]}
    estimator = classes[config["estimator"]](**params)
    family = None if config["family"] is None else family_from_config(config["family"])

    from deepstat.utils.tabular import TabularPreprocessor

    estimator.preprocessor_ = TabularPreprocessor.from_dict(config["preprocessor"])
    estimator.n_features_in_ = config["n_features_in"]
    if config["feature_names_in"] is not None:
        estimator.feature_names_in_ = np.asarray(config["feature_names_in"], dtype=object)
    if config["classes"] is not None:
        estimator.classes_ = np.asarray(config["classes"])
    estimator.family_ = family
    estimator.seed_ = config["seed"]
    estimator.history_ = History.from_dict(config["history"])
    estimator.n_epochs_ = estimator.history_.n_epochs
    _restore_survival_state(estimator, state, config.get("survival") or {})
    stats = config.get("fit_stats", {})
    estimator.n_train_ = int(stats.get("n_train", 0))
    estimator.n_validation_ = int(stats.get("n_validation", 0))
    if stats.get("increment_scale") is not None:  # DeepQuantileRegressor's non-crossing increments
        estimator.increment_scale_ = float(stats["increment_scale"])
    if np.isfinite(stats.get("train_log_likelihood", float("nan"))):
        estimator.train_log_likelihood_ = float(stats["train_log_likelihood"])
    head_cfg = config["head"]
    estimator.network_ = network_from_config(config["network"], "load")
    if config.get("input_spec") is not None:
        estimator.input_spec_ = InputSpec.from_config(config["input_spec"])
    else:  # format 1: a table of the encoded columns
        n_in = len(estimator.preprocessor_.columns_out) or int(estimator.n_features_in_)
        estimator.input_spec_ = InputSpec("table", n_in, (n_in,))
    with torch.random.fork_rng(devices=[]):  # building draws initial weights; the caller's stream is left alone
        body = estimator.network_.build(estimator.input_spec_, head_cfg["n_modelled"])
    n = head_cfg["n_params"]
    module = DistributionalHead(body, n, head_cfg["n_modelled"], [0.0] * n, [1.0] * n)
    if config.get("loss") is not None:
        from deepstat.losses import make_regression_loss

        estimator.loss_ = make_regression_loss(config["loss"]["name"], config["loss"]["params"], "load")
        if any(True for _ in estimator.loss_.parameters()):
            module.add_module("loss", estimator.loss_)
    dtype = {"float32": torch.float32, "float64": torch.float64}[params["dtype"]]
    module = module.to(dtype)
    try:
        module.load_state_dict(state, strict=True)
    except RuntimeError as exc:
        raise ValueError(f"`path` of load holds weights that do not match its config: {exc}") from None
    module.eval()
    estimator.module_ = module
    restore = getattr(estimator, "_restore_fitted", None)
    if restore is not None:  # fitted state that follows from the hyperparameters (DeepQuantileRegressor's levels)
        restore()
    if config.get("formula") is not None:
        from deepstat.estimators.formula import FormulaDesign

        estimator.formula_ = FormulaDesign.from_dict(config["formula"])
    return estimator
