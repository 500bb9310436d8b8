r"""Universal approximation, width and depth versions (seed, "Universal Approximation Theorem").

* Width (Cybenko 1989; Hornik 1991): one hidden layer with enough units approximates a
  continuous function on a compact set uniformly. Here: :math:`f(x) = \sin(3\pi x) +
  \tfrac12\cos(7x)` on :math:`[-1, 1]`, one tanh hidden layer of growing width; the
  sup-error on a dense grid falls.
* Depth (Lu et al. 2017, Theorem 1): ReLU networks of width :math:`D_{in} + 4` approximate any
  Lebesgue-integrable function in :math:`L^1` given enough layers. Here: :math:`D_{in} = 2`,
  width 6, :math:`f(x_1, x_2) = \sin(\pi x_1)\cos(\pi x_2)` on :math:`[-1, 1]^2`, growing
  depth; the :math:`L^1` error (the theorem's distance; mean absolute error on a dense grid
  times the area 4) falls.

The theorems are about existence; the fits below are found by training (L-BFGS for the
width version, Adam for the depth version), so each size keeps the best of ``n_restarts``
seeded initialisations.

References
----------
Cybenko, G. (1989). Approximation by superpositions of a sigmoidal function. MCSS 2, 303-314.
Hornik, K. (1991). Approximation capabilities of multilayer feedforward networks. Neural Networks 4, 251-257.
Lu, Z., Pu, H., Wang, F., Hu, Z. and Wang, L. (2017). The expressive power of neural networks:
a view from the width. NeurIPS 30.
"""

from __future__ import annotations

import math
import time

import pandas as pd
import torch
from torch import Tensor

from deepstat.experiments._common import (
    check_int,
    check_int_sequence,
    check_seed,
    label_panel,
    new_figure,
    squared_error,
    train_config,
)
from deepstat.experiments.result import ExperimentResult
from deepstat.nn import MLPModule
from deepstat.train import TensorBatches, fit_module

__all__ = ["depth_target", "run_universal_approximation", "width_target"]


def width_target(x: Tensor) -> Tensor:
    r"""The width version's target :math:`\sin(3\pi x) + \tfrac12\cos(7x)`, elementwise.

    Examples
    --------
    >>> import torch
    >>> float(width_target(torch.tensor(0.0)))
    0.5
    """
    return torch.sin(3 * math.pi * x) + 0.5 * torch.cos(7 * x)


def depth_target(x: Tensor) -> Tensor:
    r"""The depth version's target :math:`\sin(\pi x_1)\cos(\pi x_2)` for ``x`` of shape (n, 2).

    Examples
    --------
    >>> import torch
    >>> depth_target(torch.tensor([[0.5, 0.0]])).tolist()
    [1.0]
    """
    return torch.sin(math.pi * x[:, 0]) * torch.cos(math.pi * x[:, 1])


def _fit(
    x: Tensor, y: Tensor, hidden: tuple[int, ...], activation: str, optimizer: str, epochs: int, seed: int
) -> MLPModule:
    torch.manual_seed(seed)
    net = MLPModule(x.shape[1], 1, hidden_sizes=hidden, activation=activation).double()
    if optimizer == "lbfgs":
        cfg = train_config(optimizer="lbfgs", lr=1.0, max_epochs=epochs, lbfgs_max_iter=50, random_state=seed)
    else:
        cfg = train_config(optimizer="adam", lr=1e-2, max_epochs=epochs, lr_schedule="cosine", random_state=seed)
    fit_module(net, squared_error, TensorBatches(x, y), cfg)
    return net


def _best_fit(
    x: Tensor, y: Tensor, x_test: Tensor, y_test: Tensor, hidden: tuple[int, ...], activation: str,
    optimizer: str, epochs: int, seed: int, restarts: int,
) -> tuple[MLPModule, float, float]:  # fmt: skip
    """Best of ``restarts`` fits by training loss; return it, its sup-error and mean absolute error on the test grid."""
    best, best_loss = None, math.inf
    for r in range(restarts):
        net = _fit(x, y, hidden, activation, optimizer, epochs, seed + 1000 * r)
        with torch.no_grad():
            loss = float(((net(x).squeeze(-1) - y) ** 2).mean())
        if loss < best_loss:
            best, best_loss = net, loss
    assert best is not None  # restarts >= 1
    with torch.no_grad():
        err = best(x_test).squeeze(-1) - y_test
    return best, float(err.abs().max()), float(err.abs().mean())


def run_universal_approximation(
    widths: tuple[int, ...] = (1, 2, 4, 8, 16),
    depths: tuple[int, ...] = (1, 2, 3, 4),
    width_epochs: int = 20,
    depth_epochs: int = 1000,
    n_restarts: int = 2,
    random_state: int = 0,
) -> ExperimentResult:
    r"""Sup-error of trained networks as the width (one hidden layer) or the depth (width 6) grows.

    Parameters
    ----------
    widths : tuple of int, default=(1, 2, 4, 8, 16)
        Hidden units of the one-hidden-layer tanh networks (width version).
    depths : tuple of int, default=(1, 2, 3, 4)
        Hidden layers of the width-6 ReLU networks on a 2-D input (depth version).
    width_epochs : int, default=20
        L-BFGS epochs (50 inner iterations each) per width-version fit.
    depth_epochs : int, default=1000
        Full-batch Adam epochs (learning rate 0.01, cosine schedule) per depth-version fit.
    n_restarts : int, default=2
        Seeded initialisations per size; the one with the lowest training loss is kept.
    random_state : int, default=0
        Base seed.

    Returns
    -------
    ExperimentResult
        Tables ``width`` and ``depth`` (size, parameters, sup-error and :math:`L^1` error on a test grid);
        figures ``width`` (fits and error vs width) and ``depth`` (error vs depth, fit of the
        deepest net); claims ``width_error_falls`` (sup-error of the widest net < 1/10 of the
        narrowest) and ``depth_error_falls`` (:math:`L^1` error of the deepest net < 0.6 of depth 1).

    Raises
    ------
    ValueError
        If a size or count is not a positive integer.

    Examples
    --------
    >>> res = run_universal_approximation(widths=(1, 8), depths=(1, 4))  # doctest: +SKIP
    >>> res.claims  # doctest: +SKIP
    {'width_error_falls': True, 'depth_error_falls': True}
    """
    caller = "run_universal_approximation"
    widths, depths = check_int_sequence(widths, "widths", caller), check_int_sequence(depths, "depths", caller)
    width_epochs = check_int(width_epochs, "width_epochs", caller)
    depth_epochs = check_int(depth_epochs, "depth_epochs", caller)
    n_restarts, seed = check_int(n_restarts, "n_restarts", caller), check_seed(random_state, caller)
    start = time.perf_counter()

    # Width version: 1-D target on a compact set.
    x_train = torch.linspace(-1, 1, 201, dtype=torch.float64).unsqueeze(-1)  # (201, 1)
    x_test = torch.linspace(-1, 1, 4001, dtype=torch.float64).unsqueeze(-1)
    y_train, y_test = width_target(x_train[:, 0]), width_target(x_test[:, 0])
    rows, fits = [], {}
    for k in widths:
        net, sup, mae = _best_fit(x_train, y_train, x_test, y_test, (k,), "tanh", "lbfgs", width_epochs, seed, n_restarts)
        fits[k] = net
        rows.append({"hidden_units": k, "parameters": 3 * k + 1, "sup_error": sup, "l1_error": 2.0 * mae})
    width = pd.DataFrame(rows)

    # Depth version: width D_in + 4 = 6 on a 2-D target.
    g_train, g_test = torch.linspace(-1, 1, 21, dtype=torch.float64), torch.linspace(-1, 1, 101, dtype=torch.float64)
    X2 = torch.cartesian_prod(g_train, g_train)  # (441, 2)
    X2_test = torch.cartesian_prod(g_test, g_test)  # (10201, 2)
    y2, y2_test = depth_target(X2), depth_target(X2_test)
    rows, deep_fits = [], {}
    for d in depths:
        hidden = (2 + 4,) * d
        net, sup, mae = _best_fit(X2, y2, X2_test, y2_test, hidden, "relu", "adam", depth_epochs, seed, n_restarts)
        deep_fits[d] = net
        n_params = sum(p.numel() for p in net.parameters())
        rows.append({"hidden_layers": d, "width": 6, "parameters": n_params, "sup_error": sup, "l1_error": 4.0 * mae})
    depth = pd.DataFrame(rows)

    fig_w, axes = new_figure(1, 2, width=4.6)
    ax = axes[0, 0]
    ax.plot(x_test[:, 0], y_test, color="black", lw=2.5, label="target")
    with torch.no_grad():
        for k in widths[:: max(1, len(widths) // 3)]:
            ax.plot(x_test[:, 0], fits[k](x_test).squeeze(-1), lw=1, label=f"{k} units")
    ax.set(xlabel="x", ylabel="f(x)", title="One hidden layer (tanh)")
    ax.legend(fontsize=7)
    label_panel(ax, "a)")
    ax = axes[0, 1]
    ax.plot(width["hidden_units"], width["sup_error"], "o-", label="sup-error")
    ax.plot(width["hidden_units"], width["l1_error"], "s--", label="$L^1$ error")
    ax.set(xscale="log", yscale="log", xlabel="hidden units", ylabel="error on [-1, 1]", title="Width version")
    ax.legend(fontsize=8)
    label_panel(ax, "b)")

    fig_d, axes = new_figure(1, 3, width=4.0)
    extent = (-1.0, 1.0, -1.0, 1.0)
    axes[0, 0].imshow(y2_test.reshape(101, 101).T.numpy(), origin="lower", extent=extent, cmap="RdBu_r", vmin=-1, vmax=1)
    axes[0, 0].set(title=r"target $\sin(\pi x_1)\cos(\pi x_2)$", xlabel="$x_1$", ylabel="$x_2$")
    with torch.no_grad():
        fitted = deep_fits[depths[-1]](X2_test).squeeze(-1).reshape(101, 101).T.numpy()
    axes[0, 1].imshow(fitted, origin="lower", extent=extent, cmap="RdBu_r", vmin=-1, vmax=1)
    axes[0, 1].set(title=f"width 6, {depths[-1]} hidden layers", xlabel="$x_1$")
    ax = axes[0, 2]
    ax.plot(depth["hidden_layers"], depth["sup_error"], "o-", label="sup-error")
    ax.plot(depth["hidden_layers"], depth["l1_error"], "s--", label="$L^1$ error")
    ax.set(yscale="log", xlabel="hidden layers (width $D_{in}+4 = 6$)", title="Depth version (Lu et al. 2017)")
    ax.legend(fontsize=8)

    claims = {
        "width_error_falls": bool(width["sup_error"].iloc[-1] < 0.1 * width["sup_error"].iloc[0]),
        "depth_error_falls": bool(depth["l1_error"].iloc[-1] < 0.6 * depth["l1_error"].iloc[0]),
    }
    summary = (
        f"Width: sup-error {width['sup_error'].iloc[0]:.3f} with {widths[0]} unit(s) -> "
        f"{width['sup_error'].iloc[-1]:.2e} with {widths[-1]}. Depth (width 6): L1 error "
        f"{depth['l1_error'].iloc[0]:.3f} with {depths[0]} layer(s) -> {depth['l1_error'].iloc[-1]:.3f} with "
        f"{depths[-1]}. [{time.perf_counter() - start:.1f} s]"
    )
    tables = {"width": width, "depth": depth}
    return ExperimentResult("universal_approximation", tables, {"width": fig_w, "depth": fig_d}, claims, summary)
