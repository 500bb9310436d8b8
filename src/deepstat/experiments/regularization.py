r"""Regularisation on a small noisy real data set (seed, "Regularization methods", "Dropout & Early Stopping").

scikit-learn's diabetes data (442 patients, 10 standardised covariates, standardised
disease progression; 60/20/20 train/validation/test split) and an MLP 10-64-64-1:

* L1 (lasso): :math:`\alpha\sum|w|` drives weights to zero. Plain (sub)gradient steps leave
  weights hovering near 0 instead of at 0, so a weight counts as zero below ``zero_threshold``;
  a cosine learning-rate schedule shrinks the hovering to (almost) nothing by the last epoch.
* L2 (weight decay): :math:`\tfrac{\alpha}{2}\sum w^2` shrinks all weights smoothly.
* Elastic net: both, with ``l1_ratio`` 0.5.
* Dropout: hidden units dropped with probability :math:`p` while training.
* Early stopping: monitor the validation loss and keep the best epoch's weights.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import torch

from deepstat.experiments._common import (
    batches,
    check_int,
    check_seed,
    diabetes_split,
    label_panel,
    new_figure,
    squared_error,
    train_config,
)
from deepstat.experiments.result import ExperimentResult
from deepstat.nn import MLPModule
from deepstat.train import fit_module, penalized_parameters

__all__ = ["run_regularization"]

HIDDEN = (64, 64)


def _mse(net: MLPModule, data: tuple[torch.Tensor, torch.Tensor]) -> float:
    net.eval()
    with torch.no_grad():
        value = float(((net(data[0]).squeeze(-1) - data[1]) ** 2).mean())
    net.train()
    return value


def _fit(data: dict, seed: int, epochs: int, *, dropout: float = 0.0, **config: object) -> tuple[MLPModule, pd.DataFrame]:
    torch.manual_seed(seed)
    net = MLPModule(10, 1, hidden_sizes=HIDDEN, dropout=dropout).double()
    cfg = train_config(optimizer="adam", lr=3e-3, max_epochs=epochs, random_state=seed, **config)
    history = fit_module(net, squared_error, batches(data["train"]), cfg, validation=batches(data["val"]))
    frame = history.to_frame()
    frame.attrs["best_epoch"] = history.best_epoch  # 0 would be the starting weights (not a row of the frame)
    return net, frame


def run_regularization(
    alphas: tuple[float, ...] = (0.0, 1e-3, 3e-3, 1e-2, 3e-2),
    dropouts: tuple[float, ...] = (0.0, 0.2, 0.5),
    max_epochs: int = 300,
    zero_threshold: float = 1e-3,
    random_state: int = 0,
) -> ExperimentResult:
    r"""Penalty paths, dropout and early stopping on the diabetes data.

    Parameters
    ----------
    alphas : tuple of float, default=(0.0, 1e-3, 3e-3, 1e-2, 3e-2)
        Penalty strengths :math:`\alpha` of the L1, L2 and elastic-net paths (sorted ascending).
    dropouts : tuple of float, default=(0.0, 0.2, 0.5)
        Dropout probabilities compared (no penalty, no early stopping).
    max_epochs : int, default=300
        Full-batch Adam epochs (learning rate 3e-3) per fit; the penalty paths use a cosine
        schedule.
    zero_threshold : float, default=1e-3
        A weight with :math:`|w|` below it counts as zero.
    random_state : int, default=0
        Seed of the split, the initialisation (shared by all fits) and dropout.

    Returns
    -------
    ExperimentResult
        Tables ``penalty_path`` (penalty, alpha, share of zero weights, weight norm,
        validation and test MSE), ``dropout`` (p, final training MSE in evaluation mode,
        final and best validation MSE) and ``early_stopping`` (the per-epoch curves of the
        unregularised fit, and the test MSE with and without early stopping); figure
        ``regularization``; claims ``l1_sparsifies`` (zero share at the largest alpha >= 0.5
        and > at alpha 0), ``l2_shrinks`` (weight norm at the largest alpha < half of
        alpha 0's), ``elasticnet_sparsifies_and_shrinks``, ``dropout_narrows_gap`` (the
        validation - training MSE gap is smaller with the largest dropout than without),
        ``overfitting_visible`` (the unregularised validation loss is lowest before the
        last epoch) and ``early_stopping_helps`` (lower validation and test MSE than the
        last epoch's weights).

    Raises
    ------
    ValueError
        If an argument is out of range.

    Examples
    --------
    >>> res = run_regularization(alphas=(0.0, 3e-2), dropouts=(0.0, 0.5), max_epochs=100)  # doctest: +SKIP
    >>> res.claims["l1_sparsifies"]  # doctest: +SKIP
    True
    """
    caller = "run_regularization"
    alphas_t = tuple(sorted(float(a) for a in alphas))
    if not alphas_t or any(not np.isfinite(a) or a < 0 for a in alphas_t):
        raise ValueError(f"`alphas` of {caller} must be a non-empty sequence of non-negative numbers. Got {alphas!r} instead.")
    drops = tuple(float(p) for p in dropouts)
    if not drops or any(not 0 <= p < 1 for p in drops):
        raise ValueError(f"`dropouts` of {caller} must be a non-empty sequence of numbers in [0, 1). Got {dropouts!r} instead.")
    max_epochs, seed = check_int(max_epochs, "max_epochs", caller), check_seed(random_state, caller)
    if not (isinstance(zero_threshold, (int, float)) and zero_threshold > 0):
        raise ValueError(f"`zero_threshold` of {caller} must be a positive number. Got {zero_threshold!r} instead.")
    start = time.perf_counter()
    data = diabetes_split(seed)

    rows = []
    for penalty in ("l1", "l2", "elasticnet"):
        for alpha in alphas_t:
            net, _ = _fit(data, seed, max_epochs, penalty=penalty if alpha > 0 else "none", alpha=alpha,
                          l1_ratio=0.5, lr_schedule="cosine")  # fmt: skip
            w = torch.cat([p.detach().flatten() for p in penalized_parameters(net)])
            rows.append({
                "penalty": penalty,
                "alpha": alpha,
                "share_zero": float((w.abs() < zero_threshold).double().mean()),
                "weight_norm": float(w.norm()),
                "val_mse": _mse(net, data["val"]),
                "test_mse": _mse(net, data["test"]),
            })  # fmt: skip
    path = pd.DataFrame(rows)

    rows, drop_curves, drop_nets = [], {}, {}
    for p in drops:
        net, curve = _fit(data, seed, max_epochs, dropout=p)
        drop_curves[p], drop_nets[p] = curve, net
        rows.append({"dropout": p, "train_mse": _mse(net, data["train"]), "val_mse": _mse(net, data["val"]),
                     "best_val_mse": 2 * float(curve["val_loss"].min())})  # fmt: skip
    dropout = pd.DataFrame(rows)
    dropout["gap"] = dropout["val_mse"] - dropout["train_mse"]

    # the unregularised fit (the same one as dropout 0 when that was run)
    last_net, base = (drop_nets[0.0], drop_curves[0.0]) if 0.0 in drop_nets else _fit(data, seed, max_epochs)
    stopped, stopped_curve = _fit(data, seed, max_epochs, early_stopping=True, patience=20)
    early = base.loc[:, ["epoch", "train_loss", "val_loss"]].copy()
    early["stopped_epoch"] = len(stopped_curve)
    early["test_mse_early_stopping"] = _mse(stopped, data["test"])
    early["test_mse_last_epoch"] = _mse(last_net, data["test"])
    early["val_mse_early_stopping"] = _mse(stopped, data["val"])
    early["val_mse_last_epoch"] = _mse(last_net, data["val"])

    fig, axes = new_figure(1, 3, width=4.2, height=3.4)
    ax = axes[0, 0]
    for penalty, group in path.groupby("penalty", sort=False):
        x = group["alpha"].replace(0.0, alphas_t[1] / 3 if len(alphas_t) > 1 else 1e-4)
        ax.plot(x, group["share_zero"], "o-", label=f"{penalty}: share |w| < {zero_threshold:g}")
        ax.plot(x, group["weight_norm"] / group["weight_norm"].iloc[0], "s--", label=f"{penalty}: norm / norm at 0")
    ax.set(xscale="log", xlabel=r"$\alpha$ (leftmost point: $\alpha = 0$)", title="Penalty paths")
    ax.legend(fontsize=6)
    label_panel(ax, "a)")
    ax = axes[0, 1]
    for p, curve in drop_curves.items():
        ax.plot(curve["epoch"], 2 * curve["val_loss"], label=f"validation, dropout {p:g}")
    ax.plot(base["epoch"], 2 * base["train_loss"], color="grey", lw=0.8, label="training, dropout 0")
    ax.set(xlabel="epoch", ylabel="MSE (standardised y)", title="Dropout", ylim=(0, 1.5))
    ax.legend(fontsize=7)
    label_panel(ax, "b)")
    ax = axes[0, 2]
    ax.plot(base["epoch"], 2 * base["train_loss"], label="training")
    ax.plot(base["epoch"], 2 * base["val_loss"], label="validation")
    best = int(stopped_curve.attrs["best_epoch"])
    ax.axvline(best, color="black", ls=":", label=f"early stopping keeps epoch {best}")
    ax.set(xlabel="epoch", ylabel="MSE", title="Early stopping", ylim=(0, 1.5))
    ax.legend(fontsize=7)
    label_panel(ax, "c)")

    def at(penalty: str, column: str, index: int) -> float:
        return float(path.loc[path["penalty"] == penalty, column].iloc[index])

    claims = {
        "l1_sparsifies": at("l1", "share_zero", -1) >= 0.5 and at("l1", "share_zero", -1) > at("l1", "share_zero", 0),
        "l2_shrinks": at("l2", "weight_norm", -1) < 0.5 * at("l2", "weight_norm", 0),
        "elasticnet_sparsifies_and_shrinks": at("elasticnet", "share_zero", -1) > at("l2", "share_zero", -1)
        and at("elasticnet", "weight_norm", -1) < 0.5 * at("elasticnet", "weight_norm", 0),
        "dropout_narrows_gap": float(dropout["gap"].iloc[-1]) < float(dropout["gap"].iloc[0]),
        "overfitting_visible": int(base["val_loss"].idxmin()) < len(base) - 1,
        "early_stopping_helps": early["val_mse_early_stopping"].iloc[0] < early["val_mse_last_epoch"].iloc[0]
        and early["test_mse_early_stopping"].iloc[0] < early["test_mse_last_epoch"].iloc[0],
    }
    claims = {k: bool(v) for k, v in claims.items()}
    summary = (
        f"Diabetes, MLP 10-64-64-1: share of |w| < {zero_threshold:g} goes {at('l1', 'share_zero', 0):.2f} -> "
        f"{at('l1', 'share_zero', -1):.2f} along the L1 path; the L2 path shrinks the weight norm "
        f"{at('l2', 'weight_norm', 0):.1f} -> {at('l2', 'weight_norm', -1):.1f}. Validation - training MSE gap "
        f"{dropout['gap'].iloc[0]:.2f} without dropout, {dropout['gap'].iloc[-1]:.2f} with p = {drops[-1]:g}. Early "
        f"stopping (epoch {best}): test MSE {early['test_mse_early_stopping'].iloc[0]:.3f} vs "
        f"{early['test_mse_last_epoch'].iloc[0]:.3f} after {max_epochs} epochs. [{time.perf_counter() - start:.1f} s]"
    )
    tables = {"penalty_path": path, "dropout": dropout, "early_stopping": early}
    return ExperimentResult("regularization", tables, {"regularization": fig}, claims, summary)
