r"""Backpropagation by hand on the seed's worked example (seed, "Backpropagation Algorithm").

.. math::
    f[x, \phi] = \beta_3 + \omega_3 \cos[\beta_2 + \omega_2 \exp[\beta_1 + \omega_1 \sin[\beta_0 + \omega_0 x]]],
    \qquad \ell_i = (f[x_i, \phi] - y_i)^2.

Forward pass: :math:`f_0 = \beta_0 + \omega_0 x`, :math:`h_1 = \sin f_0`,
:math:`f_1 = \beta_1 + \omega_1 h_1`, :math:`h_2 = \exp f_1`, :math:`f_2 = \beta_2 + \omega_2 h_2`,
:math:`h_3 = \cos f_2`, :math:`f_3 = \beta_3 + \omega_3 h_3`, :math:`\ell = (f_3 - y)^2`.
Backward pass #1 (towards the input): :math:`\partial\ell/\partial f_3 = 2(f_3 - y)`,
:math:`\partial\ell/\partial h_3 = \omega_3\,\partial\ell/\partial f_3`,
:math:`\partial\ell/\partial f_2 = -\sin f_2\,\partial\ell/\partial h_3`, ...,
:math:`\partial\ell/\partial f_0 = \cos f_0\,\partial\ell/\partial h_1`.
Backward pass #2 (the parameters): :math:`\partial\ell/\partial\beta_k = \partial\ell/\partial f_k`,
:math:`\partial\ell/\partial\omega_k = h_k\,\partial\ell/\partial f_k` with :math:`h_0 = x`.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import torch
from torch import Tensor

from deepstat.experiments._common import check_int, check_seed, label_panel, new_figure
from deepstat.experiments.result import ExperimentResult

__all__ = ["PARAMETER_NAMES", "backward_pass", "forward_pass", "run_backprop"]

PARAMETER_NAMES = ("beta0", "omega0", "beta1", "omega1", "beta2", "omega2", "beta3", "omega3")
"""The eight parameters :math:`\\phi` of the worked example, in the order used here."""


def forward_pass(phi: dict[str, Tensor], x: Tensor, y: Tensor) -> dict[str, Tensor]:
    """The forward pass of the worked example, keeping every intermediate quantity.

    Parameters
    ----------
    phi : dict of str to Tensor
        The eight parameters (0-d tensors), keys :data:`PARAMETER_NAMES`.
    x, y : Tensor
        Inputs and targets, shape (n,).

    Returns
    -------
    dict of str to Tensor
        ``f0, h1, f1, h2, f2, h3, f3`` (shape (n,)) and ``loss`` (the sum of :math:`\\ell_i`).

    Examples
    --------
    >>> import torch
    >>> phi = {k: torch.tensor(0.0, dtype=torch.float64) for k in PARAMETER_NAMES}
    >>> float(forward_pass(phi, torch.ones(1, dtype=torch.float64), torch.ones(1, dtype=torch.float64))["loss"])
    1.0
    """
    q: dict[str, Tensor] = {}
    q["f0"] = phi["beta0"] + phi["omega0"] * x
    q["h1"] = torch.sin(q["f0"])
    q["f1"] = phi["beta1"] + phi["omega1"] * q["h1"]
    q["h2"] = torch.exp(q["f1"])
    q["f2"] = phi["beta2"] + phi["omega2"] * q["h2"]
    q["h3"] = torch.cos(q["f2"])
    q["f3"] = phi["beta3"] + phi["omega3"] * q["h3"]
    q["loss"] = ((q["f3"] - y) ** 2).sum()
    return q


def backward_pass(phi: dict[str, Tensor], x: Tensor, y: Tensor, q: dict[str, Tensor]) -> dict[str, Tensor]:
    """The two backward passes of the seed, by the chain rule (no autograd).

    Parameters
    ----------
    phi : dict of str to Tensor
        The parameters.
    x, y : Tensor
        Inputs and targets, shape (n,).
    q : dict of str to Tensor
        The output of :func:`forward_pass`.

    Returns
    -------
    dict of str to Tensor
        The gradient of the summed loss with respect to each parameter (0-d tensors).

    Examples
    --------
    >>> import torch
    >>> phi = {k: torch.tensor(0.5, dtype=torch.float64) for k in PARAMETER_NAMES}
    >>> x, y = torch.ones(1, dtype=torch.float64), torch.zeros(1, dtype=torch.float64)
    >>> g = backward_pass(phi, x, y, forward_pass(phi, x, y))
    >>> float(g["beta3"]) == float(2 * forward_pass(phi, x, y)["f3"][0])
    True
    """
    # Backward pass #1: derivatives of the loss with respect to the pre-activations f_k.
    dl_df3 = 2 * (q["f3"] - y)
    dl_dh3 = phi["omega3"] * dl_df3
    dl_df2 = -torch.sin(q["f2"]) * dl_dh3
    dl_dh2 = phi["omega2"] * dl_df2
    dl_df1 = torch.exp(q["f1"]) * dl_dh2
    dl_dh1 = phi["omega1"] * dl_df1
    dl_df0 = torch.cos(q["f0"]) * dl_dh1
    # Backward pass #2: dl/dbeta_k = dl/df_k and dl/domega_k = h_k dl/df_k, summed over observations.
    df = (dl_df0, dl_df1, dl_df2, dl_df3)
    h = (x, q["h1"], q["h2"], q["h3"])
    grads: dict[str, Tensor] = {}
    for k in range(4):
        grads[f"beta{k}"] = df[k].sum()
        grads[f"omega{k}"] = (h[k] * df[k]).sum()
    return grads


def run_backprop(n_samples: int = 50, random_state: int = 0) -> ExperimentResult:
    """Hand-computed gradients of the worked example against autograd and finite differences.

    Parameters
    ----------
    n_samples : int, default=50
        Observations :math:`(x_i, y_i)`, drawn from the model with known parameters plus noise.
    random_state : int, default=0
        Seed of the data and of the evaluation point :math:`\\phi`.

    Returns
    -------
    ExperimentResult
        Table ``gradients`` (parameter, by hand, autograd, central difference, relative
        differences); figure ``tangents`` (the loss along each parameter with the tangent of
        slope equal to the hand-computed derivative); claims ``hand_equals_autograd``
        (relative difference < 1e-10) and ``hand_equals_finite_differences`` (< 1e-5).

    Raises
    ------
    ValueError
        If ``n_samples`` is not a positive integer or ``random_state`` is negative.

    Examples
    --------
    >>> run_backprop(n_samples=5).claims
    {'hand_equals_autograd': True, 'hand_equals_finite_differences': True}
    """
    n = check_int(n_samples, "n_samples", "run_backprop")
    seed = check_seed(random_state, "run_backprop")
    start = time.perf_counter()
    gen = torch.Generator().manual_seed(seed)
    f64 = torch.float64
    truth = dict(zip(PARAMETER_NAMES, (1.0, 0.1, -0.4, 1.0, 0.2, 0.5, 0.3, 1.5)))
    x = torch.rand(n, generator=gen, dtype=f64) * 6 - 3
    t = {k: torch.tensor(v, dtype=f64) for k, v in truth.items()}
    y = forward_pass(t, x, torch.zeros_like(x))["f3"] + 0.1 * torch.randn(n, generator=gen, dtype=f64)
    # evaluate the gradient away from the truth
    point = {k: torch.tensor(v + 0.3 * float(torch.randn(1, generator=gen, dtype=f64)), dtype=f64) for k, v in truth.items()}

    hand = backward_pass(point, x, y, forward_pass(point, x, y))
    leaves = {k: v.clone().requires_grad_(True) for k, v in point.items()}
    auto = torch.autograd.grad(forward_pass(leaves, x, y)["loss"], [leaves[k] for k in PARAMETER_NAMES])
    step = 1e-6
    rows = []
    for name, g_auto in zip(PARAMETER_NAMES, auto):
        up = {**point, name: point[name] + step}
        down = {**point, name: point[name] - step}
        fd = (forward_pass(up, x, y)["loss"] - forward_pass(down, x, y)["loss"]) / (2 * step)
        h = float(hand[name])
        rows.append({
            "parameter": name,
            "value": float(point[name]),
            "by_hand": h,
            "autograd": float(g_auto),
            "central_difference": float(fd),
            "rel_diff_autograd": abs(h - float(g_auto)) / max(abs(h), 1e-12),
            "rel_diff_finite_difference": abs(h - float(fd)) / max(abs(h), 1e-12),
        })  # fmt: skip
    table = pd.DataFrame(rows)

    fig, axes = new_figure(2, 4, width=3.0, height=2.6)
    loss0 = float(forward_pass(point, x, y)["loss"])
    for ax, name, letter in zip(axes.flat, PARAMETER_NAMES, "abcdefgh"):
        c = float(point[name])
        grid = np.linspace(c - 0.5, c + 0.5, 101)
        losses = [float(forward_pass({**point, name: torch.tensor(v, dtype=f64)}, x, y)["loss"]) for v in grid]
        ax.plot(grid, losses, label="loss")
        ax.plot(grid, loss0 + float(hand[name]) * (grid - c), "--", label="tangent (by hand)")
        ax.plot([c], [loss0], "ko", ms=3)
        ax.set(xlabel=name, ylim=(min(losses) - 0.1 * np.ptp(losses), max(losses) + 0.1 * np.ptp(losses)))
        label_panel(ax, f"{letter})")
    axes[0, 0].legend(fontsize=7, loc="upper right")
    axes[0, 0].set(ylabel=r"$\sum_i \ell_i$")
    axes[1, 0].set(ylabel=r"$\sum_i \ell_i$")

    claims = {
        "hand_equals_autograd": bool((table["rel_diff_autograd"] < 1e-10).all()),
        "hand_equals_finite_differences": bool((table["rel_diff_finite_difference"] < 1e-5).all()),
    }
    summary = (
        f"Worked example with {n} observations: hand-written backprop vs autograd, largest relative difference "
        f"{table['rel_diff_autograd'].max():.1e}; vs central differences {table['rel_diff_finite_difference'].max():.1e}. "
        f"[{time.perf_counter() - start:.1f} s]"
    )
    return ExperimentResult("backprop", {"gradients": table}, {"tangents": fig}, claims, summary)
