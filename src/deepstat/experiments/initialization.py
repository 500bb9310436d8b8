r"""Initialisation: vanishing and exploding gradients, and symmetry (seed, "Parameter Initialization").

Part 1 measures, at initialisation, the norm of :math:`\partial L / \partial W_l` for every layer
:math:`l` of a deep MLP under each scheme of the seed (zero, :math:`N(0, 1)`, Xavier, He,
LeCun, orthogonal) and each activation (sigmoid, tanh, ReLU, SELU). The ratio of the first to
the last layer's gradient norm shows vanishing (<< 1) or exploding (>> 1) gradients.

Part 2 trains a zero-initialised network (biases 0.01, as the seed suggests) and checks that
every hidden unit of a layer stays identical: gradient descent cannot break the symmetry.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import torch
from torch import nn

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
from deepstat.nn import MLPModule, init_weights
from deepstat.train import fit_module

__all__ = ["INIT_ACTIVATIONS", "SCHEMES", "layer_gradient_norms", "run_initialization"]

# label -> (init_weights scheme, std for "normal")
SCHEMES: dict[str, tuple[str, float]] = {
    "zero": ("zeros", 1.0),
    "normal(0,1)": ("normal", 1.0),
    "xavier": ("xavier_uniform", 1.0),
    "he": ("he", 1.0),
    "lecun": ("lecun_normal", 1.0),
    "orthogonal": ("orthogonal", 1.0),
}
"""The seed's schemes and the :func:`deepstat.nn.init_weights` name of each."""

INIT_ACTIVATIONS = ("sigmoid", "tanh", "relu", "selu")
"""Activations compared."""


def layer_gradient_norms(net: nn.Module, x: torch.Tensor, y: torch.Tensor) -> list[float]:
    r"""Frobenius norm of :math:`\partial L/\partial W_l` for each ``nn.Linear`` of ``net``, input to output.

    ``L`` is the mean half squared error of ``net(x)`` against ``y``.

    Examples
    --------
    >>> import torch
    >>> net = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.Tanh(), torch.nn.Linear(3, 1))
    >>> len(layer_gradient_norms(net, torch.randn(4, 2), torch.randn(4)))
    2
    """
    net.zero_grad()
    squared_error(net(x), y, reduction="mean").backward()
    return [float(m.weight.grad.norm()) for m in net.modules() if isinstance(m, nn.Linear)]


def _symmetry(seed: int, max_epochs: int, scheme: str) -> dict[str, float]:
    data = diabetes_split(seed)
    torch.manual_seed(seed)
    net = MLPModule(10, 1, hidden_sizes=(16, 16), activation="tanh", init="he", bias_init=0.01).double()
    init_weights(net, scheme, bias=0.01)
    cfg = train_config(optimizer="adam", lr=1e-2, max_epochs=max_epochs, random_state=seed)
    fit_module(net, squared_error, batches(data["train"]), cfg)
    hidden = [m for m in net.hidden if isinstance(m, nn.Linear)]
    with torch.no_grad():
        # largest difference between unit j and unit 0 of a layer (weights and bias together)
        spread = max(
            float((torch.cat([m.weight, m.bias.unsqueeze(-1)], 1) - torch.cat([m.weight[:1], m.bias[:1, None]], 1)).abs().max())
            for m in hidden
        )
        moved = min(float(m.weight.abs().max()) for m in hidden)
        mse = float(2 * squared_error(net(data["val"][0]), data["val"][1], reduction="mean"))
    return {"init": scheme, "max_unit_spread": spread, "min_layer_max_abs_weight": moved, "val_mse": mse}


def run_initialization(
    n_layers: int = 20, width: int = 64, n_samples: int = 256, symmetry_epochs: int = 200, random_state: int = 0
) -> ExperimentResult:
    r"""Per-layer gradient norms at initialisation, and symmetry under zero initialisation.

    Parameters
    ----------
    n_layers : int, default=20
        Linear layers of the deep network (``n_layers - 1`` hidden layers of ``width`` units).
    width : int, default=64
        Hidden units per layer (also the input dimension).
    n_samples : int, default=256
        Rows of the standard normal input batch (targets standard normal too).
    symmetry_epochs : int, default=200
        Full-batch Adam epochs of the symmetry check (tanh MLP 10-16-16-1 on diabetes).
    random_state : int, default=0
        Seed of the data and of every initialisation.

    Returns
    -------
    ExperimentResult
        Tables ``gradient_norms`` (one row per activation and scheme: the norm at each layer
        and ``ratio_first_last``) and ``symmetry`` (zero vs He initialisation after training:
        largest difference between units of a layer, validation MSE); figure
        ``gradient_norms``; claims ``sigmoid_xavier_vanishes`` (ratio < 1e-3),
        ``relu_normal_explodes`` (first-layer gradient norm > 1e6 times He's: every layer
        multiplies the scale by about :math:`\sqrt{\mathrm{width}/2}`), ``relu_he_stable``,
        ``selu_lecun_stable`` and ``tanh_orthogonal_stable`` (ratio within a factor 30 of 1),
        ``zero_init_hidden_gradients_zero`` (every hidden layer's gradient is exactly 0),
        ``zero_init_symmetry_kept`` (units identical to 1e-10 after training, weights moved)
        and ``he_init_symmetry_broken``.

    Raises
    ------
    ValueError
        If a size is not a positive integer (``n_layers`` >= 2).

    Examples
    --------
    >>> res = run_initialization(n_layers=6, width=16, n_samples=32, symmetry_epochs=5)
    >>> res.claims["zero_init_symmetry_kept"], res.claims["zero_init_hidden_gradients_zero"]
    (True, True)
    """
    caller = "run_initialization"
    n_layers = check_int(n_layers, "n_layers", caller, minimum=2)
    width, n_samples = check_int(width, "width", caller), check_int(n_samples, "n_samples", caller)
    symmetry_epochs, seed = check_int(symmetry_epochs, "symmetry_epochs", caller), check_seed(random_state, caller)
    start = time.perf_counter()
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn(n_samples, width, generator=gen, dtype=torch.float64)
    y = torch.randn(n_samples, generator=gen, dtype=torch.float64)
    rows = []
    for activation in INIT_ACTIVATIONS:
        for label, (scheme, std) in SCHEMES.items():
            torch.manual_seed(seed)
            net = MLPModule(width, 1, hidden_sizes=(width,) * (n_layers - 1), activation=activation).double()
            init_weights(net, scheme, std=std)
            norms = layer_gradient_norms(net, x, y)
            ratio = norms[0] / norms[-1] if norms[-1] > 0 else float("nan")
            rows.append({"activation": activation, "init": label, **{f"layer_{i + 1}": g for i, g in enumerate(norms)},
                         "ratio_first_last": ratio})  # fmt: skip
    grads = pd.DataFrame(rows)
    symmetry = pd.DataFrame([_symmetry(seed, symmetry_epochs, "zeros"), _symmetry(seed, symmetry_epochs, "he")])

    fig, axes = new_figure(1, len(INIT_ACTIVATIONS), width=3.6, height=3.2)
    layer_cols = [c for c in grads.columns if c.startswith("layer_")]
    for ax, activation, letter in zip(axes[0], INIT_ACTIVATIONS, "abcd"):
        for _, row in grads[grads["activation"] == activation].iterrows():
            values = row[layer_cols].to_numpy(dtype=float)
            ax.plot(np.arange(1, n_layers + 1), np.where(values > 0, values, np.nan), "o-", ms=2, label=row["init"])
        ax.set(yscale="log", xlabel="layer (input -> output)", title=activation)
        label_panel(ax, f"{letter})")
    axes[0, 0].set(ylabel=r"$\|\partial L / \partial W_l\|_F$ at initialisation")
    axes[0, -1].legend(fontsize=7)

    def ratio(activation: str, label: str) -> float:
        sel = (grads["activation"] == activation) & (grads["init"] == label)
        return float(grads.loc[sel, "ratio_first_last"].iloc[0])

    def first(activation: str, label: str) -> float:
        sel = (grads["activation"] == activation) & (grads["init"] == label)
        return float(grads.loc[sel, "layer_1"].iloc[0])

    zero_rows = grads[grads["init"] == "zero"]
    zero, he = symmetry.iloc[0], symmetry.iloc[1]
    claims = {
        "sigmoid_xavier_vanishes": ratio("sigmoid", "xavier") < 1e-3,
        "relu_normal_explodes": first("relu", "normal(0,1)") > 1e6 * first("relu", "he"),
        "relu_he_stable": 1 / 30 <= ratio("relu", "he") <= 30,
        "selu_lecun_stable": 1 / 30 <= ratio("selu", "lecun") <= 30,
        "tanh_orthogonal_stable": 1 / 30 <= ratio("tanh", "orthogonal") <= 30,
        "zero_init_hidden_gradients_zero": bool((zero_rows[layer_cols[:-1]].to_numpy() == 0).all()),
        "zero_init_symmetry_kept": bool(zero["max_unit_spread"] < 1e-10 and zero["min_layer_max_abs_weight"] > 0),
        "he_init_symmetry_broken": bool(he["max_unit_spread"] > 1e-3),
    }
    claims = {k: bool(v) for k, v in claims.items()}
    summary = (
        f"{n_layers}-layer MLP, width {width}: first/last-layer gradient ratio sigmoid+xavier "
        f"{ratio('sigmoid', 'xavier'):.1e} (vanishing); first-layer gradient norm relu+N(0,1) "
        f"{first('relu', 'normal(0,1)'):.1e} (exploding) vs relu+he {first('relu', 'he'):.1f}; ratio "
        f"relu+he {ratio('relu', 'he'):.2f}, selu+lecun {ratio('selu', 'lecun'):.2f}. Zero init: hidden units differ by "
        f"{zero['max_unit_spread']:.1e} after training (He: {he['max_unit_spread']:.2f}); validation MSE "
        f"{zero['val_mse']:.3f} vs {he['val_mse']:.3f}. [{time.perf_counter() - start:.1f} s]"
    )
    tables = {"gradient_norms": grads, "symmetry": symmetry}
    return ExperimentResult("initialization", tables, {"gradient_norms": fig}, claims, summary)
