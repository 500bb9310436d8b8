"""The contract every input adapter follows, its registry, and the checks they share.

An adapter turns what a user passes as ``X`` (images, sequences, sets, graphs) into the tensors a
network reads. It validates ``X`` once, at the public boundary (STYLE 7.5), learns a feature
normaliser in :meth:`InputAdapter.fit`, describes the input to the network with
``input_spec_``, yields a batch source for the engine with :meth:`InputAdapter.batches`, and saves
itself as a JSON-ready dict whose every field :meth:`InputAdapter.from_config` checks.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, ClassVar, Literal

import torch
from sklearn.exceptions import NotFittedError
from torch import Tensor

from deepstat.nn.networks import InputSpec

__all__ = ["InputAdapter", "ADAPTERS", "register_adapter", "adapter_from_config"]

DTYPES: dict[str, torch.dtype] = {"float32": torch.float32, "float64": torch.float64}

ADAPTERS: dict[str, type[InputAdapter]] = {}


def register_adapter(cls: type[InputAdapter]) -> type[InputAdapter]:
    """Class decorator: make an adapter loadable by its ``name`` (:func:`adapter_from_config`)."""
    if not cls.name:
        raise ValueError(f"`name` of {cls.__name__} must be a non-empty string to register it. Got {cls.name!r} instead.")
    ADAPTERS[cls.name] = cls
    return cls


def adapter_from_config(config: Any, source: str = "load") -> InputAdapter:
    """Rebuild any registered adapter from its :meth:`InputAdapter.to_config` dict.

    The class is looked up by ``config["name"]`` in :data:`ADAPTERS`; nothing named in the config
    is imported or evaluated.

    Parameters
    ----------
    config : dict
        The saved dict (typically read from a model's ``config.json``).
    source : str, default="load"
        Named in error messages (the file being read).

    Returns
    -------
    InputAdapter

    Raises
    ------
    ValueError
        If ``config`` is not a dict, names no registered adapter, or any field is invalid.

    Examples
    --------
    >>> from deepstat.data import ImageAdapter
    >>> adapter_from_config(ImageAdapter(normalize=False).to_config())
    ImageAdapter(normalize=False, dtype=None)
    """
    if not isinstance(config, Mapping):
        raise ValueError(f"`adapter` of {source} must be an object. Got {config!r:.100} instead.")
    name = config.get("name")
    if not isinstance(name, str) or name not in ADAPTERS:
        raise ValueError(
            f"`adapter.name` of {source} must be one of {', '.join(sorted(ADAPTERS))}. Got {name!r:.100} instead."
        )
    return ADAPTERS[name].from_config(config, source)


class InputAdapter:
    """Base class of input adapters (the contract; subclasses read one input type).

    Parameters
    ----------
    normalize : bool, default=True
        Centre and scale every feature (an image channel, a per-step, per-element or per-node
        feature) with the mean and standard deviation (``ddof=0``) of the valid entries seen in
        ``fit``; padding never counts. A constant feature is only centred.
    dtype : {"float32", "float64"} or None, default=None
        Floating type of the model-ready tensors. ``None`` follows the input: float32 stays
        float32, anything else (float64, integers, booleans) becomes float64, so nothing is
        rounded without being asked (STYLE 7.4).

    Attributes
    ----------
    input_spec_ : InputSpec
        What ``transform`` produces, for ``NetworkConfig.build``.
    mean_, scale_ : list of float
        The per-feature normaliser (zeros and ones when ``normalize=False``).

    Examples
    --------
    >>> import numpy as np
    >>> from deepstat.data import SetAdapter
    >>> adapter = SetAdapter().fit([np.ones((2, 3)), np.zeros((1, 3))])
    >>> adapter.input_spec_.describe()
    'sets with 3 feature(s) per element'

    Notes
    -----
    Subclasses implement ``_fit`` (validate and set ``input_spec_``, ``mean_``, ``scale_``),
    ``transform``, ``n_samples`` and ``batches``; the configuration round trip is shared.
    """

    name: ClassVar[str] = ""
    kind: ClassVar[str] = ""
    # Fitted statistics saved in the config, and the InputSpec field that sizes each.
    stat_fields: ClassVar[dict[str, str]] = {"mean": "n_features", "scale": "n_features"}

    def __init__(self, normalize: bool = True, dtype: Literal["float32", "float64"] | None = None) -> None:
        if not isinstance(normalize, bool):
            raise TypeError(f"`normalize` of {type(self).__name__} must be a bool. Got {normalize!r} instead.")
        if dtype is not None and dtype not in DTYPES:
            raise ValueError(f"`dtype` of {type(self).__name__} must be 'float32', 'float64' or None. Got {dtype!r} instead.")
        self.normalize = normalize
        self.dtype = dtype

    def __repr__(self) -> str:
        return f"{type(self).__name__}(normalize={self.normalize!r}, dtype={self.dtype!r})"

    # -- the contract ------------------------------------------------------------------------
    def fit(self, X: Any, caller: str | None = None, **kwargs: Any) -> InputAdapter:
        """Validate ``X`` and learn the encoding.

        Parameters
        ----------
        X : object
            The input (see the subclass for what it accepts).
        caller : str or None, default=None
            The public object named in error messages (``DeepRegressor``); the adapter's own
            name when ``None``.
        **kwargs
            Side information of the input: ``lengths=`` for padded sequences, ``mask=`` for
            node-level graphs.

        Returns
        -------
        self

        Raises
        ------
        TypeError, ValueError
            If ``X`` is not what the adapter reads (the message names the argument, the caller,
            what was expected and what was found).
        """
        self._fit(X, caller or type(self).__name__, **kwargs)
        return self

    def _fit(self, X: Any, caller: str, **kwargs: Any) -> None:
        raise NotImplementedError

    def transform(self, X: Any, caller: str | None = None, **kwargs: Any) -> Any:
        """Return the model-ready inputs of ``X`` with the fitted encoding.

        Raises
        ------
        sklearn.exceptions.NotFittedError
            If the adapter is not fitted.
        ValueError
            If ``X`` does not match what was seen in ``fit`` (the message names both).
        """
        raise NotImplementedError

    def fit_transform(self, X: Any, caller: str | None = None, **kwargs: Any) -> Any:
        """``fit(X)`` then ``transform(X)``."""
        return self.fit(X, caller, **kwargs).transform(X, caller, **kwargs)

    def n_samples(self, X: Any, **kwargs: Any) -> int:
        """Number of observations in ``X`` (images, sequences, sets, graphs, scored nodes)."""
        raise NotImplementedError

    def batches(self, X: Any, target: Any, weight: Any = None, caller: str | None = None, **kwargs: Any) -> Any:
        """A batch source over ``transform(X)``: ``len(source)`` and ``source.take(index)``.

        Parameters
        ----------
        X : object
            The input, as for :meth:`transform`.
        target : Tensor, numpy array or container of tensors
            One entry per observation (a structured target dataclass is gathered field by field).
        weight : Tensor, numpy array or None, default=None
            Per-observation weights of shape ``(n,)``.

        Returns
        -------
        source
            ``take(index)`` returns an :class:`~deepstat.data.batch.Batch`.
        """
        raise NotImplementedError

    # -- shared helpers ----------------------------------------------------------------------
    def check_fitted(self, caller: str) -> None:
        """Raise NotFittedError unless ``fit`` has run."""
        if getattr(self, "input_spec_", None) is None:
            raise NotFittedError(f"This {type(self).__name__} is not fitted yet (in {caller}). Call `fit` first.")

    def out_dtype(self, found: torch.dtype) -> torch.dtype:
        """The floating type of the model-ready tensors for an input of dtype ``found``."""
        if self.dtype is not None:
            return DTYPES[self.dtype]
        return torch.float32 if found == torch.float32 else torch.float64

    def set_statistics(self, values: Tensor, valid: Tensor | None = None, prefix: str = "") -> None:
        """Set ``{prefix}mean_`` and ``{prefix}scale_`` from the rows of ``values`` (m, F) where ``valid``."""
        rows = values if valid is None else values[valid]
        rows = rows.to(torch.float64)
        n_features = rows.shape[-1]
        if self.normalize and rows.shape[0] > 0:
            mean = rows.mean(dim=0)
            sd = ((rows - mean) ** 2).mean(dim=0).sqrt()
            scale = torch.where(sd > 0, sd, torch.ones_like(sd))
        else:
            mean, scale = torch.zeros(n_features, dtype=torch.float64), torch.ones(n_features, dtype=torch.float64)
        setattr(self, f"{prefix}mean_", mean.tolist())
        setattr(self, f"{prefix}scale_", scale.tolist())

    def standardise(self, values: Tensor, dtype: torch.dtype, prefix: str = "") -> Tensor:
        """``(values - mean) / scale`` over the last dimension, in ``dtype``."""
        values = values.to(dtype)
        if not self.normalize:
            return values
        mean = torch.tensor(getattr(self, f"{prefix}mean_"), dtype=dtype, device=values.device)
        scale = torch.tensor(getattr(self, f"{prefix}scale_"), dtype=dtype, device=values.device)
        return (values - mean) / scale

    # -- persistence -------------------------------------------------------------------------
    def to_config(self) -> dict[str, Any]:
        """A JSON-ready dict: name, settings and fitted statistics (``null`` before ``fit``).

        Examples
        --------
        >>> from deepstat.data import ImageAdapter
        >>> ImageAdapter().to_config()["input_spec"] is None
        True
        """
        spec = getattr(self, "input_spec_", None)
        config: dict[str, Any] = {"name": self.name, "normalize": self.normalize, "dtype": self.dtype}
        config["input_spec"] = None if spec is None else spec.to_config()
        for stat in self.stat_fields:
            config[stat] = None if spec is None else [float(v) for v in getattr(self, f"{stat}_")]
        return config

    @classmethod
    def from_config(cls, config: Any, source: str = "load") -> InputAdapter:
        """Rebuild from :meth:`to_config`, checking every field (the dict may come from a file).

        Raises
        ------
        ValueError
            If a field is missing, unknown, of the wrong type, or inconsistent with the others;
            the message names the field (never a KeyError or TypeError).
        """

        def fail(name: str, expected: str, found: Any = "no such field") -> ValueError:
            return ValueError(f"`adapter.{name}` of {source} must be {expected}. Got {found!r:.100} instead.")

        if not isinstance(config, Mapping):
            raise ValueError(f"`adapter` of {source} must be an object. Got {config!r:.100} instead.")
        expected = {"name", "normalize", "dtype", "input_spec", *cls.stat_fields}
        unknown = sorted(set(config) - expected)
        if unknown:
            raise fail("fields", f"only {sorted(expected)}", unknown)
        missing = sorted(expected - set(config))
        if missing:
            raise fail(missing[0], "present")
        if config["name"] != cls.name:
            raise fail("name", repr(cls.name), config["name"])
        if not isinstance(config["normalize"], bool):
            raise fail("normalize", "a bool", config["normalize"])
        if config["dtype"] is not None and config["dtype"] not in DTYPES:
            raise fail("dtype", "'float32', 'float64' or null", config["dtype"])
        adapter = cls(normalize=config["normalize"], dtype=config["dtype"])
        spec_config = config["input_spec"]
        if spec_config is None:
            for stat in cls.stat_fields:
                if config[stat] is not None:
                    raise fail(stat, "null, as `input_spec` is null (an unfitted adapter)", config[stat])
            return adapter
        spec = cls._spec_from_config(spec_config, fail)
        for stat, size_field in cls.stat_fields.items():
            size = getattr(spec, size_field)
            values = config[stat]
            if not isinstance(values, list) or len(values) != size or not all(_is_finite_number(v) for v in values):
                raise fail(stat, f"a list of {size} finite numbers (one per feature)", values)
            if stat.endswith("scale") and not all(v > 0 for v in values):
                raise fail(stat, "a list of positive numbers", values)
            if not adapter.normalize and any(v != (1.0 if stat.endswith("scale") else 0.0) for v in values):
                raise fail(stat, "the identity (zeros and ones), as `normalize` is false", values)
            setattr(adapter, f"{stat}_", [float(v) for v in values])
        adapter.input_spec_ = spec
        return adapter

    @classmethod
    def _spec_from_config(cls, spec: Any, fail: Any) -> InputSpec:
        if not isinstance(spec, Mapping) or set(spec) != {"kind", "n_features", "shape", "n_edge_features"}:
            raise fail("input_spec", "an object with kind, n_features, shape and n_edge_features", spec)
        if spec["kind"] != cls.kind:
            raise fail("input_spec.kind", repr(cls.kind), spec["kind"])
        n_features = spec["n_features"]
        if not _is_int(n_features) or n_features < 1:
            raise fail("input_spec.n_features", "a positive int", n_features)
        shape = spec["shape"]
        if not isinstance(shape, list) or not all(_is_int(s) and s >= 1 for s in shape):
            raise fail("input_spec.shape", "a list of positive ints", shape)
        n_edge = spec["n_edge_features"]
        if not _is_int(n_edge) or n_edge < 0:
            raise fail("input_spec.n_edge_features", "a non-negative int", n_edge)
        result = InputSpec(cls.kind, n_features, tuple(shape), n_edge)
        problem = cls._check_spec(result)
        if problem:
            raise fail(f"input_spec.{problem[0]}", problem[1], spec[problem[0]])
        return result

    @classmethod
    def _check_spec(cls, spec: InputSpec) -> tuple[str, str] | None:
        """``(field, expectation)`` when ``spec`` cannot come from this adapter, else None."""
        if spec.shape:
            return "shape", "[] (the length varies)"
        if spec.n_edge_features:
            return "n_edge_features", "0"
        return None


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_finite_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
