r"""Depth versus width on the seed's sawtooth (seed, "Motivation for Deep Learning").

The hat function :math:`m(x) = 2x` on :math:`[0, 1/2]`, :math:`2 - 2x` on :math:`[1/2, 1]`, 0
elsewhere, composed with itself :math:`n` times, :math:`m^{(n)} = m \circ \dots \circ m`, is a
sawtooth with :math:`2^{n-1}` teeth and :math:`2^n` linear pieces on :math:`[0, 1]`.

* Depth multiplies: on :math:`[0, 1]`, :math:`m(x) = 2\sigma(x) - 4\sigma(x - 1/2)` with
  :math:`\sigma = \max(0, \cdot)`, so :math:`n` hidden layers of width 2 represent
  :math:`m^{(n)}` exactly, with :math:`3n + 1` nodes (the input, and per composition two ReLU
  units and one linear output that the next layer's affine map absorbs).
* Width adds: a one-hidden-layer ReLU network with :math:`k` units is piecewise linear with at
  most :math:`k + 1` pieces. :math:`m^{(n)}` is its own interpolant at the knots
  :math:`j/2^n`, which takes :math:`2^n + 1` units.
* Fewer units cannot work: if one linear piece holds three consecutive knots (values 0, 1, 0
  or 1, 0, 1), its error at one of them is at least 1/2. Each breakpoint lies strictly inside
  at most two of the :math:`2^n - 1` knot triples, so a shallow net with fewer than
  :math:`(2^n - 1)/2` units has sup-error at least 1/2, however it is trained.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import torch
from torch import Tensor, nn

from deepstat.experiments._common import (
    check_int,
    check_int_sequence,
    check_seed,
    new_figure,
    squared_error,
    train_config,
)
from deepstat.experiments.result import ExperimentResult
from deepstat.nn import MLPModule
from deepstat.train import TensorBatches, fit_module

__all__ = ["deep_sawtooth_network", "run_depth_vs_width", "sawtooth", "shallow_sawtooth_network"]


def sawtooth(x: np.ndarray, n: int) -> np.ndarray:
    r"""The seed's hat function :math:`m` composed :math:`n` times, :math:`m^{(n)}(x)`.

    Parameters
    ----------
    x : numpy.ndarray
        Points, any shape.
    n : int
        Number of compositions, >= 1.

    Returns
    -------
    numpy.ndarray
        :math:`m^{(n)}(x)`, same shape as ``x``.

    Examples
    --------
    >>> import numpy as np
    >>> sawtooth(np.array([0.0, 0.25, 0.5, 0.75, 1.0, 2.0]), 2).tolist()
    [0.0, 1.0, 0.0, 1.0, 0.0, 0.0]
    """
    n = check_int(n, "n", "sawtooth")
    out = np.asarray(x, dtype=np.float64)
    for _ in range(n):
        out = np.where((out >= 0) & (out <= 0.5), 2 * out, np.where((out > 0.5) & (out <= 1), 2 - 2 * out, 0.0))
    return out


def deep_sawtooth_network(n: int, dtype: torch.dtype = torch.float64) -> nn.Sequential:
    r"""Hand-built ReLU network of depth :math:`n` and width 2 equal to :math:`m^{(n)}` on [0, 1].

    Layer 1 computes :math:`(\sigma(x), \sigma(x - 1/2))`; layer :math:`k > 1` computes the
    same two units of :math:`y_{k-1} = 2h_1 - 4h_2` (the previous composition's output folded
    into its affine map); the output layer returns :math:`y_n = 2h_1 - 4h_2`.

    Parameters
    ----------
    n : int
        Number of compositions, >= 1.
    dtype : torch.dtype, default=torch.float64
        Weight dtype.

    Returns
    -------
    torch.nn.Sequential
        ``n`` hidden layers of width 2 (``3n + 1`` nodes); maps shape (m, 1) to (m, 1).

    Examples
    --------
    >>> import torch
    >>> net = deep_sawtooth_network(3)
    >>> net(torch.tensor([[0.0625], [0.125]], dtype=torch.float64)).squeeze(-1).tolist()
    [0.5, 1.0]
    """
    n = check_int(n, "n", "deep_sawtooth_network")
    layers: list[nn.Module] = []
    for k in range(n):
        lin = nn.Linear(1 if k == 0 else 2, 2, dtype=dtype)
        with torch.no_grad():
            # previous output y = 2 h1 - 4 h2 composed with (y, y - 1/2)
            lin.weight.copy_(torch.tensor([[1.0], [1.0]] if k == 0 else [[2.0, -4.0], [2.0, -4.0]]))
            lin.bias.copy_(torch.tensor([0.0, -0.5]))
        layers += [lin, nn.ReLU()]
    out = nn.Linear(2, 1, dtype=dtype)
    with torch.no_grad():
        out.weight.copy_(torch.tensor([[2.0, -4.0]]))
        out.bias.zero_()
    return nn.Sequential(*layers, out)


def shallow_sawtooth_network(n: int, dtype: torch.dtype = torch.float64) -> nn.Sequential:
    r"""Hand-built one-hidden-layer ReLU network with :math:`2^n + 1` units equal to :math:`m^{(n)}` on R.

    Unit :math:`j` is :math:`\sigma(x - j/2^n)`, :math:`j = 0, \dots, 2^n`; its output weight
    is the change of slope at that knot: :math:`+2^n` at 0, :math:`\mp 2^{n+1}` at the interior
    peaks and valleys, :math:`+2^n` at 1 (the slope returns to 0).

    Parameters
    ----------
    n : int
        Number of compositions, >= 1.
    dtype : torch.dtype, default=torch.float64
        Weight dtype.

    Returns
    -------
    torch.nn.Sequential
        Linear(1, 2^n + 1) -> ReLU -> Linear(2^n + 1, 1).

    Examples
    --------
    >>> import torch
    >>> net = shallow_sawtooth_network(2)
    >>> net[0].out_features
    5
    >>> net(torch.tensor([[0.25], [1.5]], dtype=torch.float64)).squeeze(-1).tolist()
    [1.0, 0.0]
    """
    n = check_int(n, "n", "shallow_sawtooth_network")
    n_knots = 2**n + 1
    slope = float(2**n)
    change = torch.empty(n_knots, dtype=dtype)
    change[0], change[-1] = slope, slope
    change[1:-1] = torch.tensor([(-2 * slope if j % 2 else 2 * slope) for j in range(1, n_knots - 1)], dtype=dtype)
    hidden, out = nn.Linear(1, n_knots, dtype=dtype), nn.Linear(n_knots, 1, dtype=dtype)
    with torch.no_grad():
        hidden.weight.fill_(1.0)
        hidden.bias.copy_(-torch.arange(n_knots, dtype=dtype) / 2**n)
        out.weight.copy_(change.unsqueeze(0))
        out.bias.zero_()
    return nn.Sequential(hidden, nn.ReLU(), out)


def _sup_error(net: nn.Module, x: Tensor, target: Tensor) -> float:
    with torch.no_grad():
        return float((net(x.unsqueeze(-1)).squeeze(-1) - target).abs().max())


def _mean_abs_error(net: nn.Module, x: Tensor, target: Tensor) -> float:
    with torch.no_grad():
        return float((net(x.unsqueeze(-1)).squeeze(-1) - target).abs().mean())


def run_depth_vs_width(
    n_max: int = 10,
    n_trained: int = 6,
    units: tuple[int, ...] = (2, 4, 8, 16, 31),
    max_epochs: int = 1500,
    n_grid: int = 2**15 + 1,
    random_state: int = 0,
) -> ExperimentResult:
    r"""Depth vs width on :math:`m^{(n)}`: exact deep and shallow nets, and trained narrow shallow nets.

    Parameters
    ----------
    n_max : int, default=10
        Build the exact deep and shallow networks for :math:`n = 1, \dots, n_{max}`.
    n_trained : int, default=6
        The :math:`n` whose sawtooth the shallow networks are trained on.
    units : tuple of int, default=(2, 4, 8, 16, 31)
        Hidden units of the trained shallow networks; the 1/2 bound applies to those below
        :math:`(2^n - 1)/2`.
    max_epochs : int, default=1500
        Full-batch Adam epochs per trained network.
    n_grid : int, default=32769
        Points of the uniform grid on [0, 1] (a multiple of :math:`2^n` plus 1 includes the knots).
    random_state : int, default=0
        Seed of the trained networks' initialisation.

    Returns
    -------
    ExperimentResult
        Tables ``exact`` (n, nodes, parameters and sup-error of both exact networks) and
        ``trained`` (units, sup-error, bound); figure ``sawtooth``; claims
        ``deep_exact`` (deep sup-error < 1e-6 for every n), ``shallow_exact`` (same for the
        :math:`2^n + 1`-unit network) and ``narrow_shallow_fails`` (every trained net below
        the unit bound has sup-error >= 1/2).

    Raises
    ------
    ValueError
        If an argument is not a positive integer (``random_state`` >= 0).

    Examples
    --------
    >>> res = run_depth_vs_width(n_max=3, n_trained=3, units=(2,), max_epochs=5, n_grid=257)
    >>> res.claims["deep_exact"], res.claims["narrow_shallow_fails"]
    (True, True)
    """
    caller = "run_depth_vs_width"
    n_max, n_trained = check_int(n_max, "n_max", caller), check_int(n_trained, "n_trained", caller)
    units = check_int_sequence(units, "units", caller)
    max_epochs, n_grid = check_int(max_epochs, "max_epochs", caller), check_int(n_grid, "n_grid", caller, 2)
    seed = check_seed(random_state, caller)
    start = time.perf_counter()

    grid = np.linspace(0.0, 1.0, n_grid)
    x = torch.from_numpy(grid)
    rows = []
    for n in range(1, n_max + 1):
        target = torch.from_numpy(sawtooth(grid, n))
        deep, shallow = deep_sawtooth_network(n), shallow_sawtooth_network(n)
        rows.append({
            "n": n,
            "teeth": 2 ** (n - 1),
            "deep_nodes": 3 * n + 1,
            "deep_width": 2,
            "deep_parameters": sum(p.numel() for p in deep.parameters()),
            "deep_sup_error": _sup_error(deep, x, target),
            "shallow_units": 2**n + 1,
            "shallow_parameters": sum(p.numel() for p in shallow.parameters()),
            "shallow_sup_error": _sup_error(shallow, x, target),
        })  # fmt: skip
    exact = pd.DataFrame(rows)

    target = torch.from_numpy(sawtooth(grid, n_trained))
    bound = (2**n_trained - 1) / 2
    # train on 8 points per linear piece (knots included); measure on the dense grid
    x_train = torch.linspace(0.0, 1.0, 8 * 2**n_trained + 1, dtype=torch.float64)
    y_train = torch.from_numpy(sawtooth(x_train.numpy(), n_trained))
    trained_rows, fits = [], {}
    for k in units:
        torch.manual_seed(seed + k)
        net = MLPModule(1, 1, hidden_sizes=(k,), activation="relu").double()
        cfg = train_config(optimizer="adam", lr=1e-2, max_epochs=max_epochs, lr_schedule="cosine", random_state=seed)
        fit_module(net, squared_error, TensorBatches(x_train.unsqueeze(-1), y_train), cfg)
        fits[k] = net
        trained_rows.append({
            "n": n_trained,
            "units": k,
            "parameters": sum(p.numel() for p in net.parameters()),
            "sup_error": _sup_error(net, x, target),
            "mean_abs_error": _mean_abs_error(net, x, target),
            "below_unit_bound": k < bound,
        })  # fmt: skip
    trained = pd.DataFrame(trained_rows)

    fig, axes = new_figure(1, 2, width=5.0)
    ax = axes[0, 0]
    ax.plot(grid, target.numpy(), color="black", lw=2, label=f"$m^{{({n_trained})}}$ (deep: width 2, {3 * n_trained + 1} nodes)")
    with torch.no_grad():
        for k in units[-2:]:
            ax.plot(grid, fits[k](x.unsqueeze(-1)).squeeze(-1).numpy(), lw=1.2, label=f"trained shallow, {k} units")
    ax.set(xlabel="x", ylabel="y", title=f"Sawtooth with {2 ** (n_trained - 1)} teeth")
    ax.legend(fontsize=7, loc="lower center")
    ax = axes[0, 1]
    ax.plot(exact["n"], exact["deep_parameters"], "o-", label="deep exact (width 2)")
    ax.plot(exact["n"], exact["shallow_parameters"], "s-", label="shallow exact ($2^n+1$ units)")
    ax.set(yscale="log", xlabel="n (compositions)", ylabel="parameters for zero error", title="Depth multiplies, width adds")
    ax.legend(fontsize=8)

    claims = {
        "deep_exact": bool((exact["deep_sup_error"] < 1e-6).all()),
        "shallow_exact": bool((exact["shallow_sup_error"] < 1e-6).all()),
        "narrow_shallow_fails": bool((trained.loc[trained["below_unit_bound"], "sup_error"] >= 0.5 - 1e-12).all()),
    }
    best = trained["sup_error"].min()
    summary = (
        f"m^(n) for n = 1..{n_max}: the width-2 deep ReLU net ({3 * n_max + 1} nodes at n = {n_max}) has sup-error "
        f"{exact['deep_sup_error'].max():.1e}; the exact shallow net needs 2^n + 1 = {2**n_max + 1} units. "
        f"Trained shallow nets with {min(units)}-{max(units)} units on m^({n_trained}) reach sup-error >= {best:.3f} "
        f"(bound 1/2 below {bound:g} units). [{time.perf_counter() - start:.1f} s]"
    )
    return ExperimentResult("depth_vs_width", {"exact": exact, "trained": trained}, {"sawtooth": fig}, claims, summary)
