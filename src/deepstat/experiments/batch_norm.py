r"""Batch normalisation: the seed's Algorithm 1 written out, and training with and without it.

Algorithm 1 (Ioffe and Szegedy 2015; seed, "Batch Normalization"), over a mini-batch
:math:`\{x_1, \dots, x_m\}`:

.. math::
    \mu_B = \frac1m \sum_i x_i, \quad \sigma_B^2 = \frac1m \sum_i (x_i - \mu_B)^2, \quad
    \hat x_i = \frac{x_i - \mu_B}{\sqrt{\sigma_B^2 + \epsilon}}, \quad y_i = \gamma \hat x_i + \beta.

In training mode ``torch.nn.BatchNorm1d`` computes exactly this (biased variance) and also
updates running estimates, :math:`\hat\mu \leftarrow (1 - p)\hat\mu + p\mu_B` and
:math:`\hat\sigma^2 \leftarrow (1 - p)\hat\sigma^2 + p\,\tfrac{m}{m-1}\sigma_B^2` (unbiased), with
momentum :math:`p = 0.1`; evaluation mode uses them in place of the batch statistics.

References
----------
Ioffe, S. and Szegedy, C. (2015). Batch normalization: accelerating deep network training by
reducing internal covariate shift. ICML.
"""

from __future__ import annotations

import time

import pandas as pd
import torch
from torch import Tensor, nn

from deepstat.experiments._common import (
    check_int,
    check_seed,
    label_panel,
    new_figure,
    squared_error,
    train_config,
)
from deepstat.experiments.result import ExperimentResult
from deepstat.nn import MLPModule
from deepstat.train import TensorBatches, fit_module

__all__ = ["batch_norm_transform", "run_batch_norm"]


def batch_norm_transform(
    x: Tensor, gamma: Tensor, beta: Tensor, eps: float = 1e-5
) -> tuple[Tensor, Tensor, Tensor]:
    r"""Algorithm 1 of the seed: normalise each column of ``x`` over the batch, then scale and shift.

    Parameters
    ----------
    x : Tensor
        Shape (m, d): a mini-batch of activations.
    gamma, beta : Tensor
        Shape (d,): learned scale and shift.
    eps : float, default=1e-5
        Added to the variance (torch's default).

    Returns
    -------
    y : Tensor
        Shape (m, d): :math:`\gamma \hat x + \beta`.
    mu : Tensor
        Shape (d,): mini-batch mean.
    var : Tensor
        Shape (d,): mini-batch (biased) variance.

    Examples
    --------
    >>> import torch
    >>> y, mu, var = batch_norm_transform(torch.tensor([[1.0], [3.0]]), torch.ones(1), torch.zeros(1), eps=0.0)
    >>> y.squeeze(-1).tolist(), mu.tolist(), var.tolist()
    ([-1.0, 1.0], [2.0], [1.0])
    """
    m = x.shape[0]
    mu = x.sum(0) / m  # mini-batch mean
    var = ((x - mu) ** 2).sum(0) / m  # mini-batch variance
    x_hat = (x - mu) / torch.sqrt(var + eps)  # normalise
    return gamma * x_hat + beta, mu, var  # scale and shift


def _check_against_torch(seed: int, m: int, d: int, n_batches: int) -> pd.DataFrame:
    gen = torch.Generator().manual_seed(seed)
    f64 = torch.float64
    bn = nn.BatchNorm1d(d, dtype=f64)
    with torch.no_grad():
        bn.weight.copy_(torch.rand(d, generator=gen, dtype=f64) + 0.5)
        bn.bias.copy_(torch.randn(d, generator=gen, dtype=f64))
    gamma, beta = bn.weight.detach().clone().requires_grad_(True), bn.bias.detach().clone().requires_grad_(True)
    running_mean, running_var = torch.zeros(d, dtype=f64), torch.ones(d, dtype=f64)
    p = bn.momentum
    rows = []
    bn.train()
    for b in range(n_batches):
        x = 3.0 * torch.randn(m, d, generator=gen, dtype=f64) + 2.0
        upstream = torch.randn(m, d, generator=gen, dtype=f64)  # a random dL/dy
        x1, x2 = x.clone().requires_grad_(True), x.clone().requires_grad_(True)
        y_torch = bn(x1)
        y_hand, mu, var = batch_norm_transform(x2, gamma, beta, eps=bn.eps)
        g_torch = torch.autograd.grad(y_torch, [x1, bn.weight, bn.bias], upstream)
        g_hand = torch.autograd.grad(y_hand, [x2, gamma, beta], upstream)
        with torch.no_grad():
            running_mean = (1 - p) * running_mean + p * mu
            running_var = (1 - p) * running_var + p * var * m / (m - 1)
            rows.append({
                "batch": b + 1,
                "max_abs_diff_output": float((y_torch - y_hand).abs().max()),
                "max_abs_diff_grad_x": float((g_torch[0] - g_hand[0]).abs().max()),
                "max_abs_diff_grad_gamma_beta": max(float((g_torch[i] - g_hand[i]).abs().max()) for i in (1, 2)),
                "max_abs_diff_running_stats": max(
                    float((bn.running_mean - running_mean).abs().max()), float((bn.running_var - running_var).abs().max())
                ),
            })  # fmt: skip
    bn.eval()
    with torch.no_grad():
        x = torch.randn(m, d, generator=gen, dtype=f64)
        y_eval = gamma * (x - running_mean) / torch.sqrt(running_var + bn.eps) + beta
        rows.append({"batch": 0, "max_abs_diff_output": float((bn(x) - y_eval).abs().max()),
                     "max_abs_diff_grad_x": 0.0, "max_abs_diff_grad_gamma_beta": 0.0,
                     "max_abs_diff_running_stats": 0.0})  # fmt: skip
    return pd.DataFrame(rows)


def run_batch_norm(
    n_samples: int = 2000, depth: int = 8, width: int = 64, max_epochs: int = 30, random_state: int = 0
) -> ExperimentResult:
    """Algorithm 1 against ``nn.BatchNorm1d``, and training curves with and without batch norm.

    Parameters
    ----------
    n_samples : int, default=2000
        Rows of the training problem (Friedman #1 regression with noise sd 1, 10 inputs).
    depth : int, default=8
        Hidden layers of the sigmoid MLP.
    width : int, default=64
        Units per hidden layer.
    max_epochs : int, default=30
        Epochs of mini-batch SGD (batch 64, learning rate 0.1) for both networks.
    random_state : int, default=0
        Seed of the data, the initialisation (the same for both networks) and the batches.

    Returns
    -------
    ExperimentResult
        Tables ``algorithm1`` (per batch: largest differences of outputs, input and
        parameter gradients and running statistics; batch 0 is evaluation mode) and
        ``training`` (epoch, training and validation loss with and without batch norm);
        figure ``training``; claims ``algorithm1_equals_torch`` (all differences < 1e-10,
        float64) and ``batch_norm_trains_faster`` (training loss after the last epoch lower
        with batch norm).

    Raises
    ------
    ValueError
        If a size is not a positive integer or ``random_state`` is negative.

    Examples
    --------
    >>> res = run_batch_norm(n_samples=200, depth=2, width=8, max_epochs=2)
    >>> res.claims["algorithm1_equals_torch"]
    True
    """
    caller = "run_batch_norm"
    n_samples, depth = check_int(n_samples, "n_samples", caller, 10), check_int(depth, "depth", caller)
    width, max_epochs = check_int(width, "width", caller), check_int(max_epochs, "max_epochs", caller)
    seed = check_seed(random_state, caller)
    start = time.perf_counter()
    algorithm1 = _check_against_torch(seed, m=32, d=5, n_batches=5)

    from sklearn.datasets import make_friedman1

    X, y = make_friedman1(n_samples=n_samples, noise=1.0, random_state=seed)
    y = (y - y.mean()) / y.std()
    X_t, y_t = torch.from_numpy(X).float(), torch.from_numpy(y).float()
    n_val = n_samples // 5
    train, val = TensorBatches(X_t[n_val:], y_t[n_val:]), TensorBatches(X_t[:n_val], y_t[:n_val])
    curves = {}
    for use_bn in (False, True):
        torch.manual_seed(seed)
        net = MLPModule(10, 1, hidden_sizes=(width,) * depth, activation="sigmoid", batch_norm=use_bn, init="xavier")
        cfg = train_config(optimizer="sgd", lr=0.1, batch_size=64, max_epochs=max_epochs, random_state=seed)
        history = fit_module(net, squared_error, train, cfg, validation=val)
        curves[use_bn] = history.to_frame()
    training = pd.DataFrame({
        "epoch": curves[False]["epoch"],
        "train_loss_no_bn": curves[False]["train_loss"],
        "val_loss_no_bn": curves[False]["val_loss"],
        "train_loss_bn": curves[True]["train_loss"],
        "val_loss_bn": curves[True]["val_loss"],
    })  # fmt: skip

    fig, axes = new_figure(1, 2, width=4.4)
    for ax, split, letter in zip(axes[0], ("train", "val"), "ab"):
        ax.plot(training["epoch"], training[f"{split}_loss_no_bn"], label="no norm")
        ax.plot(training["epoch"], training[f"{split}_loss_bn"], label="batch norm")
        ax.set(xlabel="epoch", ylabel=f"{'training' if split == 'train' else 'validation'} loss (half MSE)",
               title=f"{depth} sigmoid layers, SGD lr 0.1")  # fmt: skip
        ax.legend(fontsize=8)
        label_panel(ax, f"{letter})")

    diffs = algorithm1.drop(columns="batch").to_numpy()
    last = training.iloc[-1]
    claims = {
        "algorithm1_equals_torch": bool((diffs < 1e-10).all()),
        "batch_norm_trains_faster": bool(last["train_loss_bn"] < last["train_loss_no_bn"]),
    }
    summary = (
        f"Algorithm 1 vs nn.BatchNorm1d (float64): largest difference {diffs.max():.1e} (outputs, gradients, running "
        f"statistics, evaluation mode). {depth}-layer sigmoid MLP, {max_epochs} epochs of SGD: training loss "
        f"{last['train_loss_no_bn']:.3f} without and {last['train_loss_bn']:.3f} with batch norm (validation "
        f"{last['val_loss_no_bn']:.3f} vs {last['val_loss_bn']:.3f}). [{time.perf_counter() - start:.1f} s]"
    )
    tables = {"algorithm1": algorithm1, "training": training}
    return ExperimentResult("batch_norm", tables, {"training": fig}, claims, summary)
