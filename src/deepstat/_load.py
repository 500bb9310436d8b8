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
from deepstat.inference.survival_ensemble import ENSEMBLE_FORMAT, ENSEMBLE_FORMAT_VERSION, SurvivalEnsemble
from deepstat.utils.saving import ENSEMBLE_FILE, member_folder

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
    >>> from deepstat.nn import MLP
    >>> model = DeepRegressor(network=MLP(hidden_sizes=(4,)), max_epochs=2, verbose=0, random_state=0).fit(X, y)
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
    _check_manifest(manifest)
    members = [load_estimator(member_folder(folder, index)) for index in range(manifest["n_members"])]
    return SurvivalEnsemble.from_members(members, seeds=manifest.get("seeds"), random_state=manifest.get("random_state"))


def _check_manifest(manifest: dict[str, Any]) -> None:
    """Each field of an ensemble manifest, with an error naming it."""

    def is_int(value: Any) -> bool:
        return isinstance(value, int) and not isinstance(value, bool)

    def fail(field: str, expected: str) -> None:
        raise ValueError(f"`{field}` of {ENSEMBLE_FILE} must be {expected}. Got {manifest.get(field)!r} instead.")

    version = manifest.get("format_version")
    if not is_int(version) or version < 1:
        fail("format_version", "a positive int")
    if version > ENSEMBLE_FORMAT_VERSION:
        raise ValueError(
            f"`path` of load holds an ensemble of format version {version}, newer than this deepstat "
            f"({ENSEMBLE_FORMAT_VERSION}). Upgrade deepstat to load it."
        )
    if manifest.get("class") != SurvivalEnsemble.__name__:
        fail("class", repr(SurvivalEnsemble.__name__))
    n = manifest.get("n_members")
    if not is_int(n) or n < 1:
        fail("n_members", "an int >= 1")
    seeds = manifest.get("seeds")
    if seeds is not None and (not isinstance(seeds, list) or len(seeds) != n or not all(map(is_int, seeds))):
        fail("seeds", f"null or a list of {n} ints")
    if manifest.get("random_state") is not None and not is_int(manifest["random_state"]):
        fail("random_state", "null or an int")
