"""Save and load fitted estimators as ``safetensors`` weights + a JSON config. Nothing is ever unpickled."""

from __future__ import annotations

import json
import os
import shutil
import time
import uuid
from pathlib import Path
from typing import Any

import numpy as np
import torch
from safetensors import SafetensorError
from safetensors.torch import load as load_safetensors
from safetensors.torch import save_file
from torch import nn

from deepstat._version import __version__
from deepstat.estimators._params import validate_params
from deepstat.estimators._registry import ESTIMATORS
from deepstat.families import Family, family_from_config
from deepstat.losses import REGRESSION_LOSSES
from deepstat.nn import MLP, InputSpec, Linear, NetworkConfig, network_from_config
from deepstat.nn.heads import DistributionalHead
from deepstat.train import History
from deepstat.utils.saving import (
    CONFIG_FILE,
    WEIGHTS_FILE,
    move_into_place,
    read_json_file,
    read_safetensors_header,
    staging_folder,
)

__all__ = ["save_estimator", "load_estimator", "WEIGHTS_FILE", "CONFIG_FILE"]

FORMAT = "deepstat-model"
FORMAT_VERSION = 2  # 2: the network is a config {name, params} (1 had flat MLP settings)
_MLP_SETTINGS = ("hidden_sizes", "activation", "batch_norm", "dropout", "init")
# Files that could carry a pickle; their presence makes load refuse the directory outright.
_PICKLE_SUFFIXES = {".pkl", ".pickle", ".pt", ".pth", ".bin", ".joblib", ".npy", ".ckpt"}
# one id per save, in the safetensors metadata and in config.json: load refuses weights of another save
MODEL_ID_KEY = "deepstat_model_id"


def _estimator_classes() -> dict[str, type]:
    """The registered estimator classes (each registers itself when defined; see estimators/_registry.py)."""
    return dict(ESTIMATORS)


# Survival estimators: fitted arrays (Breslow's baseline hazard) go into the safetensors file under this
# prefix, fitted grids and scalars into config.json; each class names them in _saved_arrays / _saved_values.
_SURVIVAL_PREFIX = "survival."
_COVARIANCE = "fitted.coef_cov"  # the coefficients' covariance (inverse observed information), when there is one
_ROBUST_COVARIANCE = "fitted.coef_cov_hc0"  # their sandwich (HC0) covariance, when there is one


def _survival_state(estimator: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    arrays = {
        _SURVIVAL_PREFIX + name: torch.as_tensor(np.asarray(getattr(estimator, name), dtype=np.float64)).contiguous()
        for name in getattr(estimator, "_saved_arrays", ())
    }
    names = (*getattr(estimator, "_saved_values", ()), *getattr(estimator, "_saved_objects", ()))
    # a model loaded from an older save may lack a value added since (e.g. strata_levels_): it is left out
    values = {name: _jsonable(getattr(estimator, name)) for name in names if hasattr(estimator, name)}
    return arrays, values


def _restore_survival_state(estimator: Any, state: dict[str, Any], values: dict[str, Any], source: str) -> None:
    """Set the fitted survival arrays (from the weights) and values (from config.json), each checked first.

    Raises
    ------
    ValueError
        If a value a fitted model needs is missing, or is not what a fit produces (grids: finite,
        non-decreasing numbers; counts: ints >= 1; strata levels: lists of labels).
    """
    if not isinstance(values, dict):
        raise ValueError(f"`survival` of {source} must be an object. Got {values!r:.80} instead.")
    for name in getattr(estimator, "_saved_arrays", ()):
        key = _SURVIVAL_PREFIX + name
        if key not in state:
            raise ValueError(f"`path` of load must hold the fitted array {name} in its weights. Got none instead ({source}).")
        array = state.pop(key).numpy()
        if array.dtype != np.float64 or not np.all(np.isfinite(array)):
            raise ValueError(f"`{name}` in the weights of {source} must be finite float64 values. Got {array.dtype} with non-finite entries instead.")
        setattr(estimator, name, array)
    extra = [k for k in state if k.startswith(_SURVIVAL_PREFIX)]
    if extra:
        raise ValueError(f"`path` of load holds fitted arrays its model does not have: {extra[:5]} ({source}).")
    for name in getattr(estimator, "_saved_values", ()):
        if name not in values and "likelihood" in name:  # a fit statistic added since an older save: not needed to predict
            continue
        if name not in values:
            raise ValueError(f"`survival.{name}` of {source} must be present: the fitted model needs it. Got no such field instead.")
        value = values[name]
        if name.endswith("grid_") or name == "cuts_" or isinstance(value, list):  # grids come back as float arrays
            value = value if isinstance(value, list) else [None]
            ok = bool(value) and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value)
            grid = np.asarray(value, dtype=np.float64) if ok else None
            if grid is None or not np.all(np.isfinite(grid)) or np.any(np.diff(grid) < 0):
                raise ValueError(f"`survival.{name}` of {source} must be a non-empty list of finite, non-decreasing numbers. Got {value!r:.80} instead.")
            value = grid
        elif name.startswith("n_"):
            if not _int(value) or value < 1:
                raise ValueError(f"`survival.{name}` of {source} must be an int >= 1. Got {value!r:.80} instead.")
        elif not isinstance(value, (int, float)) or isinstance(value, bool) or (not np.isfinite(value) and "likelihood" not in name):
            raise ValueError(f"`survival.{name}` of {source} must be a finite number. Got {value!r:.80} instead.")
        setattr(estimator, name, value)
    for name in getattr(estimator, "_saved_objects", ()):
        if name not in values:  # a model saved before the value was added (e.g. strata_levels_) works without it
            continue
        value = values[name]
        if (
            not isinstance(value, list)
            or not all(isinstance(level, list) and level and all(isinstance(v, (str, int, float, bool)) for v in level) for level in value)
            or len({len(level) for level in value}) > 1
            or len({json.dumps(level) for level in value}) != len(value)
        ):
            raise ValueError(f"`survival.{name}` of {source} must be a list of distinct, equally long lists of labels. Got {value!r:.80} instead.")
        setattr(estimator, name, [tuple(level) for level in value])  # JSON stores tuples as lists


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
        "head": {"n_params": head.n_params, "n_modelled": head.n_modelled, "data_offset": bool(getattr(head, "data_offset", False)),
                 "data_trials": bool(getattr(head, "data_trials", False))},
        "network": network_config,
        # what the "auto" settings meant in this fit
        "settings": {"optimizer": estimator.optimizer_, "early_stopping": bool(estimator.early_stopping_), "dtype": estimator.dtype_},
        "input_spec": estimator.input_spec_.to_config(),
        # a named regression loss: its settings here, its learnable parameters (if any) in the weights
        "loss": None
        if not (isinstance(params.get("loss"), str) and params["loss"] in REGRESSION_LOSSES)
        else {"name": params["loss"], "params": _jsonable(estimator.loss_.config())},
        "seed": estimator.seed_,
        "preprocessor": None if estimator.preprocessor_ is None else _jsonable(estimator.preprocessor_.to_dict()),
        # images, sequences, sets, graphs: the adapter's settings and fitted normaliser (a table has the preprocessor)
        "adapter": None if estimator.preprocessor_ is not None else estimator.adapter_.to_config(),
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
            # a robust fit's estimated residual scale, per round (estimators/_robust.py)
            "scale": float(estimator.scale_) if hasattr(estimator, "scale_history_") else None,
            "scale_history": [float(v) for v in getattr(estimator, "scale_history_", [])] or None,
        },
    }
    if getattr(estimator, "formula_", None) is not None:
        config["formula"] = estimator.formula_.to_dict()
    survival_arrays, config["survival"] = _survival_state(estimator)
    model_id = uuid.uuid4().hex
    config["model_id"] = model_id
    try:
        text = json.dumps(config, indent=2, allow_nan=True)
    except TypeError as exc:
        raise TypeError(f"`estimator` of save holds a value that JSON cannot store ({exc}); nothing was written.") from None
    out = Path(path)
    if out.is_file():
        raise ValueError(f"`path` of save must be a directory. Got the file {os.fspath(path)!r} instead.")
    state = {k: v.detach().contiguous().cpu() for k, v in head.state_dict().items()}
    state.update(survival_arrays)
    for key, name in ((_COVARIANCE, "coef_cov_"), (_ROBUST_COVARIANCE, "coef_cov_hc0_")):
        if getattr(estimator, name, None) is not None:  # the standard errors of a linear predictor's fit
            state[key] = torch.as_tensor(np.asarray(getattr(estimator, name), dtype=np.float64)).contiguous()
    # Both files go into a new sibling folder that is then renamed into place: a save killed half way, or two
    # processes saving to one folder, never leave the weights of one model beside the config of another.
    staging = staging_folder(out)
    try:
        save_file(state, os.fspath(staging / WEIGHTS_FILE), metadata={MODEL_ID_KEY: model_id})
        (staging / CONFIG_FILE).write_text(text)
        move_into_place(staging, out)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _restore_settings(estimator: Any, settings: Any, params: dict[str, Any], source: str) -> None:
    """The fitted meaning of the "auto" settings (saves before they existed hold the settings themselves)."""
    if settings is None:
        settings = {"optimizer": params.get("optimizer"), "early_stopping": params.get("early_stopping"), "dtype": params.get("dtype")}
    # "linprog": DeepQuantileRegressor's exact linear-programme fit of a linear predictor
    optimizers = ("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw", "lbfgs", "linprog")
    if set(settings) != {"optimizer", "early_stopping", "dtype"}:
        raise ValueError(f"`settings` of {source} must hold optimizer, early_stopping and dtype. Got {sorted(settings)!r:.100} instead.")
    if settings["optimizer"] not in optimizers:
        raise ValueError(f"`settings.optimizer` of {source} must be one of {optimizers}. Got {settings['optimizer']!r:.40} instead.")
    if not isinstance(settings["early_stopping"], bool):
        raise ValueError(f"`settings.early_stopping` of {source} must be a bool. Got {settings['early_stopping']!r:.40} instead.")
    if settings["dtype"] not in ("float32", "float64"):
        raise ValueError(f"`settings.dtype` of {source} must be 'float32' or 'float64'. Got {settings['dtype']!r:.40} instead.")
    estimator.optimizer_, estimator.early_stopping_, estimator.dtype_ = settings["optimizer"], settings["early_stopping"], settings["dtype"]


def _upgrade_v1(config: dict[str, Any], params: dict[str, Any]) -> None:
    """Rewrite a format-1 config (flat ``hidden_sizes``, ``activation`` ... settings) as format 2, in place."""
    flat = {key: params.pop(key) for key in _MLP_SETTINGS if key in params}
    hidden = tuple(flat.get("hidden_sizes", ()))
    network = Linear() if not hidden else MLP(
        hidden_sizes=hidden, activation=flat.get("activation", "relu"), batch_norm=bool(flat.get("batch_norm", False)),
        dropout=float(flat.get("dropout", 0.0)), init=flat.get("init", "he"), linear_skip=False,
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


def _int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


# config.json's fields: (name, accepted types, what the message says is expected). Format 2 adds the rest.
_FIELDS: tuple[tuple[str, tuple[type, ...], str], ...] = (
    ("format_version", (int,), "an int"),
    ("estimator", (str,), "an estimator name"),
    ("params", (dict,), "an object of hyperparameters"),
    ("family", (dict, type(None)), "a family config or null"),
    ("head", (dict,), "an object with n_params and n_modelled"),
    ("loss", (dict, type(None)), "a loss config or null"),
    ("seed", (int,), "an int"),
    ("preprocessor", (dict, type(None)), "an object (null with an adapter)"),
    ("adapter", (dict, type(None)), "an adapter config or null"),
    ("n_features_in", (int,), "an int"),
    ("feature_names_in", (list, type(None)), "a list of names or null"),
    ("classes", (list, type(None)), "a list or null"),
    ("history", (dict,), "an object"),
    ("fit_stats", (dict,), "an object"),
    ("survival", (dict, type(None)), "an object or null"),
    ("formula", (dict, type(None)), "an object or null"),
    ("settings", (dict,), "an object with the fitted optimizer, early_stopping and dtype"),
)
_FIELDS_V2 = (
    ("network", (dict,), "a network config"),
    ("input_spec", (dict,), "an input spec"),
    ("model_id", (str,), "a string"),
)


def _check_config(config: dict[str, Any], file: Path) -> None:
    """Every top-level field of config.json, with one ValueError naming the file and the field."""
    fields = _FIELDS + (_FIELDS_V2 if config.get("format_version", 0) >= 2 else ())
    for name, types, expected in fields:
        optional = name in ("survival", "formula", "adapter", "settings")
        if name not in config and optional:
            continue
        value = config.get(name, KeyError)
        ok = isinstance(value, types) and (not isinstance(value, bool) or bool in types)
        if not ok:
            found = "no such field" if value is KeyError else f"{value!r:.80}"
            raise ValueError(f"`{name}` of {os.fspath(file)} must be {expected}. Got {found} instead.")
    where = os.fspath(file)
    names = config["feature_names_in"]
    if names is not None and (not all(isinstance(v, str) for v in names) or len(names) != config["n_features_in"]):
        raise ValueError(f"`feature_names_in` of {where} must be null or a list of {config['n_features_in']} strings. Got {names!r:.100} instead.")
    if config["n_features_in"] < 1:
        raise ValueError(f"`n_features_in` of {where} must be an int >= 1. Got {config['n_features_in']!r} instead.")
    classes = config["classes"]
    if classes is not None and (len(classes) < 2 or not all(isinstance(v, (str, int, float)) for v in classes) or len({type(v) for v in classes}) != 1):
        raise ValueError(f"`classes` of {where} must be null or a list of 2 or more labels of one type. Got {classes!r:.100} instead.")
    head = config["head"]
    for name in ("n_params", "n_modelled"):
        if not _int(head.get(name)) or not 1 <= head[name] <= 10_000:
            raise ValueError(f"`head.{name}` of {os.fspath(file)} must be an int in [1, 10000]. Got {head.get(name)!r:.80} instead.")
    if not head["n_modelled"] <= head["n_params"]:
        raise ValueError(f"`head.n_modelled` of {os.fspath(file)} must be <= head.n_params. Got {head['n_modelled']} > {head['n_params']} instead.")


def _check_weights(module: nn.Module, header: Any, dtype: torch.dtype, weights: Path) -> None:
    """The weights file must hold exactly the tensors the config's model has, with their shapes and dtype."""
    expected = {name: tuple(t.shape) for name, t in module.state_dict().items()}
    found = {name: shape for name, (_, shape) in header.tensors.items() if not name.startswith(_SURVIVAL_PREFIX) and name not in (_COVARIANCE, _ROBUST_COVARIANCE)}
    missing = sorted(set(expected) - set(found))
    extra = sorted(set(found) - set(expected))
    if missing or extra:
        raise ValueError(
            f"`path` of load holds weights that do not match its config: {weights.name} lacks {missing[:5]} "
            f"and has extra {extra[:5]}."
        )
    code = {torch.float32: "F32", torch.float64: "F64"}[dtype]
    for name, shape in expected.items():
        if found[name] != shape:
            raise ValueError(
                f"`path` of load holds weights that do not match its config: tensor {name!r} has shape {found[name]} "
                f"in {weights.name} and {shape} in {CONFIG_FILE}."
            )
        if header.tensors[name][0] != code and module.state_dict()[name].is_floating_point():
            raise ValueError(
                f"`path` of load holds weights that do not match its config: tensor {name!r} is "
                f"{header.tensors[name][0]} in {weights.name}; the config's dtype needs {code}."
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
    # Each file is read once, into memory: what is checked is what is built. Files of two saves (read while
    # another process swapped the folder) are read again; a mix that persists is refused below.
    for attempt in range(5):
        try:
            weights = (folder / WEIGHTS_FILE).read_bytes()
            header = read_safetensors_header(weights, WEIGHTS_FILE, "load")  # a pickle, a corrupt or a lying file stops here
            config = read_json_file(folder / CONFIG_FILE, "load")
        except FileNotFoundError:
            if attempt == 4:
                raise
            time.sleep(0.01 * (attempt + 1))
            continue
        if not isinstance(config, dict) or header.metadata.get(MODEL_ID_KEY) == config.get("model_id") or attempt == 4:
            break
        time.sleep(0.01 * (attempt + 1))
    if not isinstance(config, dict) or config.get("format") != FORMAT:
        raise ValueError(f"`path` of load must hold a deepstat model config. Got a {CONFIG_FILE} with format {config.get('format') if isinstance(config, dict) else None!r} instead.")
    version = config.get("format_version")
    if not _int(version) or version < 1:
        raise ValueError(f"`format_version` of {os.fspath(folder / CONFIG_FILE)} must be a positive int. Got {version!r:.80} instead.")
    if version > FORMAT_VERSION:
        raise ValueError(
            f"`path` of load holds format version {config['format_version']}, newer than this deepstat "
            f"({FORMAT_VERSION}). Upgrade deepstat to load it."
        )
    _check_config(config, folder / CONFIG_FILE)
    if version >= 2 and header.metadata.get(MODEL_ID_KEY) != config["model_id"]:
        raise ValueError(
            f"`path` of load holds {WEIGHTS_FILE} and {CONFIG_FILE} of different saves (model ids "
            f"{header.metadata.get(MODEL_ID_KEY)!r:.40} and {config['model_id']!r:.40}): save the model again."
        )
    try:
        return _rebuild(config, header, weights, folder)
    except (KeyError, TypeError, IndexError, AttributeError, RecursionError, OverflowError) as exc:
        raise ValueError(
            f"`path` of load holds a {CONFIG_FILE} that does not describe a model it can rebuild "
            f"({os.fspath(folder / CONFIG_FILE)}): {type(exc).__name__} {exc!s:.200}."
        ) from None


def _rebuild(config: dict[str, Any], header: Any, weights: bytes, folder: Path) -> Any:
    """The estimator that ``config`` and the weights (checked against ``header``) describe."""
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
    validate_params(estimator, estimator._constraints)  # the hyperparameters fit would have accepted, or a ValueError
    _restore_settings(estimator, config.get("settings"), params, os.fspath(folder / CONFIG_FILE))
    family = None if config["family"] is None else family_from_config(config["family"])

    from deepstat.utils.tabular import TabularPreprocessor

    if config.get("adapter") is not None:  # not a table: the input adapter of the network's input kind
        from deepstat.data import adapter_from_config

        estimator.adapter_ = adapter_from_config(config["adapter"], os.fspath(folder / CONFIG_FILE))
        estimator.preprocessor_ = None
    elif config["preprocessor"] is None:
        raise ValueError(f"`preprocessor` of {os.fspath(folder / CONFIG_FILE)} must be an object for a table model. Got null instead.")
    else:
        estimator.preprocessor_ = TabularPreprocessor.from_dict(config["preprocessor"], os.fspath(folder / CONFIG_FILE))
        from deepstat.data import TableAdapter

        estimator.adapter_ = TableAdapter.from_preprocessor(estimator.preprocessor_, estimator.dtype_)
    estimator.n_features_in_ = config["n_features_in"]
    if config["feature_names_in"] is not None:
        estimator.feature_names_in_ = np.asarray(config["feature_names_in"], dtype=object)
    if config["classes"] is not None:
        estimator.classes_ = np.asarray(config["classes"])
    estimator.family_ = family
    estimator.seed_ = config["seed"]
    estimator.history_ = History.from_dict(config["history"])
    estimator.n_epochs_ = estimator.history_.n_epochs
    survival_values = config.get("survival") or {}
    stats = config.get("fit_stats", {})
    estimator.n_train_ = int(stats.get("n_train", 0))
    estimator.n_validation_ = int(stats.get("n_validation", 0))
    if stats.get("increment_scale") is not None:  # DeepQuantileRegressor's non-crossing increments
        estimator.increment_scale_ = float(stats["increment_scale"])
    history, robust_scale = stats.get("scale_history"), stats.get("scale")
    if history is not None or robust_scale is not None:
        values = [robust_scale] + (history if isinstance(history, list) else [None])
        if not (isinstance(history, list) and all(isinstance(v, (int, float)) and not isinstance(v, bool) and np.isfinite(v) and v > 0
                                                  for v in values)):
            raise ValueError(
                f"`fit_stats.scale` and `fit_stats.scale_history` of {os.fspath(folder / CONFIG_FILE)} must be a positive number "
                f"and a non-empty list of them (a robust fit's residual scale). Got {robust_scale!r:.40} and {history!r:.80} instead."
            )
        estimator.scale_, estimator.scale_history_ = float(robust_scale), [float(v) for v in history]
    if np.isfinite(stats.get("train_log_likelihood", float("nan"))):
        estimator.train_log_likelihood_ = float(stats["train_log_likelihood"])
    head_cfg = config["head"]
    estimator.network_ = network_from_config(config["network"], "load")
    if not isinstance(estimator.network_, type(params["network"])) and isinstance(params["network"], NetworkConfig):
        raise ValueError(f"`network` of {os.fspath(folder / CONFIG_FILE)} must be the fitted form of params.network. Got {config['network']!r:.120} instead.")
    if config.get("input_spec") is not None:
        estimator.input_spec_ = InputSpec.from_config(config["input_spec"])
    else:  # format 1: a table of the encoded columns
        n_in = len(estimator.preprocessor_.columns_out) or int(estimator.n_features_in_)
        estimator.input_spec_ = InputSpec("table", n_in, (n_in,))
    n_encoded = 0 if estimator.preprocessor_ is None else len(estimator.preprocessor_.columns_out)
    if estimator.preprocessor_ is None and estimator.adapter_.input_spec_ != estimator.input_spec_:
        raise ValueError(
            f"`input_spec` of {os.fspath(folder / CONFIG_FILE)} must be what its adapter produces "
            f"({estimator.adapter_.input_spec_}). Got {estimator.input_spec_} instead."
        )
    if estimator.input_spec_.kind == "table" and n_encoded and n_encoded != estimator.input_spec_.n_features:
        raise ValueError(
            f"`input_spec.n_features` of {os.fspath(folder / CONFIG_FILE)} must equal the {n_encoded} encoded columns "
            f"of its preprocessor. Got {estimator.input_spec_.n_features} instead."
        )
    for flag, expected in (("data_offset", estimator._n_data_offsets() > 0), ("data_trials", estimator._n_data_trials() > 0)):
        if (head_cfg.get(flag) is True) != expected:  # the data columns the head reads are the estimator's offset / trials
            raise ValueError(
                f"`head.{flag}` of {os.fspath(folder / CONFIG_FILE)} must be {expected}, as the model's parameters say. "
                f"Got {head_cfg.get(flag)!r} instead."
            )
    dtype = {"float32": torch.float32, "float64": torch.float64}[estimator.dtype_]
    loss = None
    if config.get("loss") is not None:
        from deepstat.losses import make_regression_loss

        loss = make_regression_loss(config["loss"]["name"], config["loss"]["params"], "load")

    def build() -> nn.Module:
        body = estimator.network_.build(estimator.input_spec_, head_cfg["n_modelled"])
        n = head_cfg["n_params"]
        module = DistributionalHead(body, n, head_cfg["n_modelled"], [0.0] * n, [1.0] * n, data_offset=head_cfg.get("data_offset") is True,
                                    data_trials=head_cfg.get("data_trials") is True)
        if loss is not None and any(True for _ in loss.parameters()):
            module.add_module("loss", loss)
        return module.to(dtype)

    # Shapes first, on the meta device (nothing allocated): a config that asks for a network the weights
    # file does not hold is refused before any memory is spent on it.
    with torch.device("meta"):
        _check_weights(build(), header, dtype, folder / WEIGHTS_FILE)
    with torch.random.fork_rng(devices=[]):  # building draws initial weights; the caller's stream is left alone
        module = build()
    if loss is not None:
        estimator.loss_ = loss
    try:
        state = load_safetensors(weights)
    except (SafetensorError, OSError, ValueError) as exc:
        raise ValueError(f"`path` of load must hold a valid safetensors {WEIGHTS_FILE}. Got an unreadable file instead: {exc}.") from None
    _restore_survival_state(estimator, state, survival_values, os.fspath(folder / CONFIG_FILE))
    for key, name in ((_COVARIANCE, "coef_cov_"), (_ROBUST_COVARIANCE, "coef_cov_hc0_")):
        covariance = state.pop(key, None)
        setattr(estimator, name, None)
        if covariance is not None:
            k = sum(p.numel() for p in (module.body.output_layer.weight, module.body.output_layer.bias)) if hasattr(module.body, "output_layer") else -1
            size = head_cfg["n_params"] * (1 + (0 if estimator.preprocessor_ is None else len(estimator.preprocessor_.columns_out)))
            if k < 0 or tuple(covariance.shape) != (size, size) or covariance.dtype != torch.float64 or not bool(torch.isfinite(covariance).all()):
                raise ValueError(f"`{key}` in the weights of {os.fspath(folder / CONFIG_FILE)} must be a finite ({size}, {size}) float64 matrix. Got shape {tuple(covariance.shape)} instead.")
            setattr(estimator, name, covariance.numpy())
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
        from deepstat.data.formula import FormulaDesign

        estimator.formula_ = FormulaDesign.from_dict(config["formula"], os.fspath(folder / CONFIG_FILE))
    return estimator
