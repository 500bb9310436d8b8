"""The dataset registry: ``register`` a loader once, then ``load(name)`` and ``list_datasets()``.

A loader is a function of no arguments that returns a :class:`~deepstat.datasets.base.Dataset`
built from files an installed package ships (never the network). Later issues add survival,
time-series and graph data by registering more loaders the same way.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from deepstat.datasets.base import Dataset

__all__ = ["dataset_names", "list_datasets", "load", "register"]

Loader = Callable[[], Dataset]

_LOADERS: dict[str, Loader] = {}


def register(name: str, loader: Loader | None = None, *, overwrite: bool = False) -> Loader | Callable[[Loader], Loader]:
    """Register ``loader`` under ``name``; without ``loader``, return a decorator that does.

    Parameters
    ----------
    name : str
        Registry key; the loader's :class:`Dataset` must carry the same ``name``.
    loader : callable () -> Dataset or None, default=None
        Builds the data set from files shipped by an installed package.
    overwrite : bool, default=False
        Replace an existing registration instead of raising.

    Returns
    -------
    callable
        ``loader`` itself, or a decorator when ``loader`` is None.

    Raises
    ------
    TypeError
        If ``name`` is not a string or ``loader`` is not callable.
    ValueError
        If ``name`` is empty or already registered (and ``overwrite`` is False).

    Examples
    --------
    >>> import pandas as pd
    >>> @register("toy_counts")
    ... def _toy() -> Dataset:
    ...     frame = pd.DataFrame({"x": [0.0, 1.0, 2.0], "y": [0, 1, 4]})
    ...     return Dataset("toy_counts", frame, "y", ["x"], "Three rows.", "Made up.", "count", "poisson")
    >>> load("toy_counts").n_rows
    3
    >>> _ = _LOADERS.pop("toy_counts")  # keep the doctest from leaking into the registry
    """
    if not isinstance(name, str) or not name:
        raise TypeError(f"`name` of register must be a non-empty string. Got {name!r} instead.")

    def add(func: Loader) -> Loader:
        if not callable(func):
            raise TypeError(f"`loader` of register must be callable. Got {type(func).__name__} instead.")
        if name in _LOADERS and not overwrite:
            raise ValueError(f"`name` of register must be new. Got {name!r}, which is already registered; pass overwrite=True.")
        _LOADERS[name] = func
        return func

    return add if loader is None else add(loader)


def dataset_names() -> list[str]:
    """Names of the registered data sets, sorted.

    Examples
    --------
    >>> "engel" in dataset_names()
    True
    """
    return sorted(_LOADERS)


def load(name: str) -> Dataset:
    """Load a registered data set.

    Parameters
    ----------
    name : str
        One of :func:`dataset_names` (see :func:`list_datasets` for what each holds).

    Returns
    -------
    Dataset
        A fresh copy: changing its frame does not change later loads.

    Raises
    ------
    ValueError
        If ``name`` is not registered (the message lists the valid names).

    Examples
    --------
    >>> ds = load("randhie")
    >>> ds.X.shape, ds.target, ds.family
    ((20190, 9), 'mdvis', 'negative_binomial')
    """
    if not isinstance(name, str) or name not in _LOADERS:
        raise ValueError(f"`name` of load must be one of {dataset_names()}. Got {name!r} instead.")
    dataset = _LOADERS[name]()
    if dataset.name != name:
        raise ValueError(f"`loader` registered as {name!r} must return a Dataset named so. Got {dataset.name!r} instead.")
    return dataset


def list_datasets() -> pd.DataFrame:
    """One row per registered data set: what it holds and which family to try first.

    Exposed as ``deepstat.datasets.list()``. Every data set is loaded to count its rows (all
    are small and read from local files).

    Returns
    -------
    pandas.DataFrame
        Columns "name", "task", "n_rows", "n_features", "target", "family", "source"; rows
        sorted by name.

    Examples
    --------
    >>> table = list_datasets()
    >>> table.columns.tolist()
    ['name', 'task', 'n_rows', 'n_features', 'target', 'family', 'source']
    >>> table.set_index("name").loc["spector", ["task", "family"]].tolist()
    ['classification', 'bernoulli']
    """
    rows = []
    for name in dataset_names():
        ds = load(name)
        rows.append(
            {
                "name": name,
                "task": ds.task,
                "n_rows": ds.n_rows,
                "n_features": ds.n_features,
                "target": ds.target if isinstance(ds.target, str) else ", ".join(ds.target),
                "family": ds.family,
                "source": ds.source,
            }
        )
    return pd.DataFrame(rows, columns=["name", "task", "n_rows", "n_features", "target", "family", "source"])
