"""``deepstat.load``: a saved model folder back into a model, whether one estimator or an ensemble.

An estimator's folder holds ``model.safetensors`` and ``config.json`` (:func:`deepstat.estimators.load`); a
:class:`~deepstat.inference.SurvivalEnsemble`'s holds ``ensemble.json`` and one such folder per member. Nothing
is unpickled.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from deepstat.estimators import load as load_estimator
from deepstat.inference.survival_ensemble import ENSEMBLE_FILE, ENSEMBLE_FORMAT, SurvivalEnsemble

__all__ = ["load"]


def load(path: str | os.PathLike) -> Any:
    """Load a model saved with ``save(path)``: a deepstat estimator or a survival ensemble.

    Parameters
    ----------
    path : str or path-like
        The folder ``save`` wrote.

    Returns
    -------
    estimator
        The fitted model, ready to predict.

    Raises
    ------
    FileNotFoundError
        If the folder or one of its files is missing.
    ValueError
        If a file holds a pickle or is not a deepstat model or ensemble manifest.

    Examples
    --------
    >>> import numpy as np, tempfile
    >>> from deepstat import DeepRegressor, load
    >>> X = np.random.default_rng(0).normal(size=(50, 2)); y = X[:, 0]
    >>> model = DeepRegressor(hidden_sizes=(4,), max_epochs=2, verbose=0, random_state=0).fit(X, y)
    >>> folder = tempfile.mkdtemp(); model.save(folder)
    >>> bool(np.allclose(load(folder).predict(X), model.predict(X)))
    True
    """
    folder = Path(path)
    manifest_path = folder / ENSEMBLE_FILE
    if not manifest_path.is_file():
        return load_estimator(folder)
    try:
        manifest = json.loads(manifest_path.read_text())
    except json.JSONDecodeError as exc:
        raise ValueError(f"`path` of load must hold a JSON {ENSEMBLE_FILE}. Got invalid JSON instead: {exc}.") from None
    if not isinstance(manifest, dict) or manifest.get("format") != ENSEMBLE_FORMAT:
        found = manifest.get("format") if isinstance(manifest, dict) else None
        raise ValueError(f"`path` of load must hold a deepstat ensemble manifest. Got an {ENSEMBLE_FILE} with format {found!r} instead.")
    n = manifest.get("n_members")
    if not isinstance(n, int) or n < 1:
        raise ValueError(f"`path` of load must hold a manifest with n_members >= 1. Got {n!r} instead.")
    members = [load_estimator(folder / f"member_{index}") for index in range(n)]
    return SurvivalEnsemble.from_members(members, seeds=manifest.get("seeds"), random_state=manifest.get("random_state"))
