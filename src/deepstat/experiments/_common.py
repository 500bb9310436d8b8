"""Helpers shared by the course experiments: a squared-error loss, figures without pyplot,
the diabetes data split, and argument checks."""

from __future__ import annotations

from numbers import Integral, Real
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import torch
from torch import Tensor

from deepstat.train import TensorBatches, TrainConfig

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure


def squared_error(
    eta: Tensor, target: Tensor, *, weight: Tensor | None = None, reduction: Literal["sum", "mean", "none"] = "sum"
) -> Tensor:
    r"""Half squared error :math:`\tfrac12 (\eta - y)^2` in the engine's loss signature."""
    loss = 0.5 * (eta.squeeze(-1) - target) ** 2  # (n,)
    if weight is not None:
        loss = loss * weight
    if reduction == "sum":
        return loss.sum()
    if reduction == "mean":
        return loss.mean()
    return loss


def train_config(**overrides: Any) -> TrainConfig:
    """A silent, full-batch TrainConfig without early stopping unless overridden."""
    settings: dict[str, Any] = {"verbose": 0, "early_stopping": False, "batch_size": None}
    settings.update(overrides)
    return TrainConfig(**settings)


def new_figure(nrows: int = 1, ncols: int = 1, *, width: float = 4.0, height: float = 3.2) -> tuple[Figure, Any]:
    """A matplotlib Figure made without pyplot (no global state, no display) and its axes."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width * ncols, height * nrows), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False)
    return fig, axes


def label_panel(ax: Axes, text: str) -> None:
    """Write a panel label such as ``a)`` in the upper-left corner of ``ax``."""
    ax.text(0.02, 0.97, text, transform=ax.transAxes, va="top", ha="left", fontweight="bold")


def diabetes_split(seed: int, fractions: tuple[float, float] = (0.6, 0.2)) -> dict[str, tuple[Tensor, Tensor]]:
    """scikit-learn's diabetes data (442 x 10), standardised, split into train/val/test (float64).

    Features and target are standardised with the training split's mean and standard deviation.
    """
    from sklearn.datasets import load_diabetes

    X, y = load_diabetes(return_X_y=True)
    order = np.random.default_rng(seed).permutation(len(y))
    n_train = int(fractions[0] * len(y))
    n_val = int(fractions[1] * len(y))
    parts = {"train": order[:n_train], "val": order[n_train : n_train + n_val], "test": order[n_train + n_val :]}
    mx, sx = X[parts["train"]].mean(0), X[parts["train"]].std(0)
    my, sy = y[parts["train"]].mean(), y[parts["train"]].std()
    return {
        k: (torch.from_numpy((X[i] - mx) / sx), torch.from_numpy((y[i] - my) / sy)) for k, i in parts.items()
    }


def batches(data: tuple[Tensor, Tensor]) -> TensorBatches:
    """Wrap an ``(X, y)`` pair for :func:`deepstat.train.fit_module`."""
    return TensorBatches(*data)


def check_int(value: Any, name: str, caller: str, minimum: int = 1) -> int:
    """Return ``value`` as an int, or raise the STYLE 7.1 ValueError."""
    if isinstance(value, bool) or not isinstance(value, Integral) or value < minimum:
        raise ValueError(f"`{name}` of {caller} must be an integer >= {minimum}. Got {value!r} instead.")
    return int(value)


def check_int_sequence(values: Any, name: str, caller: str, minimum: int = 1) -> tuple[int, ...]:
    """Return a non-empty sequence of integers >= ``minimum`` as a tuple, or raise ValueError."""
    if isinstance(values, (str, bytes)) or not hasattr(values, "__iter__"):
        raise ValueError(f"`{name}` of {caller} must be a sequence of integers >= {minimum}. Got {values!r} instead.")
    out = tuple(values)
    if not out or any(isinstance(v, bool) or not isinstance(v, Integral) or v < minimum for v in out):
        raise ValueError(
            f"`{name}` of {caller} must be a non-empty sequence of integers >= {minimum}. Got {values!r} instead."
        )
    return tuple(int(v) for v in out)


def check_seed(value: Any, caller: str) -> int:
    """Return a non-negative int seed, or raise ValueError."""
    return check_int(value, "random_state", caller, minimum=0)


def check_positive(value: Any, name: str, caller: str) -> float:
    """Return a positive finite float, or raise ValueError."""
    if isinstance(value, bool) or not isinstance(value, Real) or not np.isfinite(value) or value <= 0:
        raise ValueError(f"`{name}` of {caller} must be a positive finite number. Got {value!r} instead.")
    return float(value)
