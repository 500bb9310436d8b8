r"""The seed's activation functions and their derivatives (seed, "Activation Functions", panels a-f).

Each activation of :mod:`deepstat.nn` is written here in closed form together with its
derivative, checked against the module's output and against autograd on a float64 grid
(kinks at 0 excluded), and drawn in the seed's six panels:
a) logistic sigmoid and tanh; b) leaky ReLU (slope 0.1) and parametric ReLU (0.25);
c) SoftPlus, GELU and SiLU; d) ELU with :math:`\alpha` = 0.5 and 1.0; e) SELU;
f) Swish with :math:`\beta` = 0.4, 1.0 and 1.4. ReLU is drawn in panel b.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

import pandas as pd
import torch
from torch import Tensor

from deepstat.experiments._common import check_int, label_panel, new_figure
from deepstat.experiments.result import ExperimentResult
from deepstat.nn import get_activation

__all__ = ["ACTIVATION_PANELS", "closed_forms", "run_activations"]

# torch's LeakyReLU backward rounds the slope to float32: |0.1 - fl32(0.1)| = 1.5e-9 in float64.
_TOL = 1e-8
_SELU_LAMBDA = 1.0507009873554804934193349852946  # Klambauer et al. (2017), eq. (14)
_SELU_ALPHA = 1.6732632423543772848170429916717


def _phi(x: Tensor) -> Tensor:
    return torch.exp(-0.5 * x**2) / math.sqrt(2 * math.pi)


def _Phi(x: Tensor) -> Tensor:
    return 0.5 * (1 + torch.erf(x / math.sqrt(2)))


def closed_forms(name: str, params: dict[str, float]) -> tuple[Callable[[Tensor], Tensor], Callable[[Tensor], Tensor]]:
    r"""The activation ``name`` and its derivative, written out by hand.

    Parameters
    ----------
    name : str
        A name from :data:`deepstat.nn.ACTIVATIONS`.
    params : dict of str to float
        Its parameters, as for :func:`deepstat.nn.get_activation` (``negative_slope``,
        ``init``, ``alpha``, ``beta``).

    Returns
    -------
    (f, df) : tuple of callables
        Elementwise :math:`a(x)` and :math:`a'(x)`.

    Raises
    ------
    ValueError
        If ``name`` is unknown.

    Notes
    -----
    With :math:`\sigma(x) = 1/(1+e^{-x})`: :math:`\sigma' = \sigma(1-\sigma)`;
    :math:`\tanh' = 1 - \tanh^2`; SoftPlus' :math:`= \sigma(x)`;
    GELU' :math:`= \Phi(x) + x\varphi(x)`; Swish' :math:`= \sigma(\beta x) + \beta x
    \sigma(\beta x)(1 - \sigma(\beta x))` (SiLU: :math:`\beta = 1`); ELU' :math:`= 1` for
    :math:`x > 0`, else :math:`\alpha e^x`; SELU' :math:`= \lambda\,\mathrm{ELU}'_\alpha`.

    Examples
    --------
    >>> import torch
    >>> f, df = closed_forms("tanh", {})
    >>> float(df(torch.tensor(0.0)))
    1.0
    """
    sig = torch.sigmoid
    if name == "sigmoid":
        return sig, lambda x: sig(x) * (1 - sig(x))
    if name == "tanh":
        return torch.tanh, lambda x: 1 - torch.tanh(x) ** 2
    if name == "relu":
        return lambda x: x.clamp_min(0), lambda x: (x > 0).to(x.dtype)
    if name in ("leaky_relu", "prelu"):
        a = params.get("negative_slope", params.get("init", 0.01 if name == "leaky_relu" else 0.25))
        return lambda x: torch.where(x > 0, x, a * x), lambda x: torch.where(x > 0, 1.0, a).to(x.dtype)
    if name == "softplus":
        return lambda x: torch.log1p(torch.exp(x)), sig
    if name == "gelu":
        return lambda x: x * _Phi(x), lambda x: _Phi(x) + x * _phi(x)
    if name in ("silu", "swish"):
        b = params.get("beta", 1.0)
        return lambda x: x * sig(b * x), lambda x: sig(b * x) + b * x * sig(b * x) * (1 - sig(b * x))
    if name in ("elu", "selu"):
        alpha, scale = (params.get("alpha", 1.0), 1.0) if name == "elu" else (_SELU_ALPHA, _SELU_LAMBDA)
        return (
            lambda x: scale * torch.where(x > 0, x, alpha * torch.expm1(x)),
            lambda x: scale * torch.where(x > 0, torch.ones_like(x), alpha * torch.exp(x)),
        )
    raise ValueError(f"`name` of closed_forms must be an activation of deepstat.nn. Got {name!r} instead.")


# (panel, name, params), in the seed's order.
ACTIVATION_PANELS: tuple[tuple[str, str, dict[str, float]], ...] = (
    ("a", "sigmoid", {}),
    ("a", "tanh", {}),
    ("b", "relu", {}),
    ("b", "leaky_relu", {"negative_slope": 0.1}),
    ("b", "prelu", {"init": 0.25}),
    ("c", "softplus", {}),
    ("c", "gelu", {}),
    ("c", "silu", {}),
    ("d", "elu", {"alpha": 0.5}),
    ("d", "elu", {"alpha": 1.0}),
    ("e", "selu", {}),
    ("f", "swish", {"beta": 0.4}),
    ("f", "swish", {"beta": 1.0}),
    ("f", "swish", {"beta": 1.4}),
)
"""The seed's panels a-f: ``(panel, name, params)`` for every curve drawn."""


def _label(name: str, params: dict[str, float]) -> str:
    return name if not params else f"{name} ({', '.join(f'{k}={v:g}' for k, v in params.items())})"


def run_activations(n_grid: int = 2001) -> ExperimentResult:
    """Every activation of the seed and its derivative, checked against torch and autograd.

    Parameters
    ----------
    n_grid : int, default=2001
        Points of the float64 grid on [-5, 5] (0 is dropped: ReLU-type kinks).

    Returns
    -------
    ExperimentResult
        Table ``checks`` (panel, activation, max |closed form - module|, max |closed-form
        derivative - autograd|); figure ``activations`` (2 x 6: functions above, derivatives
        below); claims ``values_match_modules`` and ``derivatives_match_autograd`` (all
        differences < 1e-8; all are below 1e-15 except torch's LeakyReLU backward, which
        rounds the slope to float32, an error of 1.5e-9).

    Raises
    ------
    ValueError
        If ``n_grid`` is not an integer >= 3.

    Examples
    --------
    >>> res = run_activations(n_grid=101)
    >>> res.claims
    {'values_match_modules': True, 'derivatives_match_autograd': True}
    """
    n_grid = check_int(n_grid, "n_grid", "run_activations", minimum=3)
    start = time.perf_counter()
    x = torch.linspace(-5.0, 5.0, n_grid, dtype=torch.float64)
    x = x[x != 0].requires_grad_(True)
    fig, axes = new_figure(2, 6, width=2.7, height=2.4)
    rows = []
    for panel, name, params in ACTIVATION_PANELS:
        label = _label(name, params)
        module = get_activation(name, params).double()
        if name == "swish":  # Swish keeps beta as a float32 buffer: use the value it holds
            params = {"beta": float(module.beta)}
        f, df = closed_forms(name, params)
        y = module(x)
        (grad,) = torch.autograd.grad(y.sum(), x)
        with torch.no_grad():
            rows.append({
                "panel": panel,
                "activation": label,
                "max_abs_value_diff": float((f(x) - y).abs().max()),
                "max_abs_derivative_diff": float((df(x) - grad).abs().max()),
            })  # fmt: skip
            col = "abcdef".index(panel)
            axes[0, col].plot(x, y, label=label)
            axes[1, col].plot(x, df(x), label=label)
    for col, panel in enumerate("abcdef"):
        axes[0, col].legend(fontsize=6, loc="lower right")
        label_panel(axes[0, col], f"{panel})")
        axes[1, col].set(xlabel="x")
        for ax in axes[:, col]:
            ax.axhline(0, color="grey", lw=0.5)
            ax.axvline(0, color="grey", lw=0.5)
    axes[0, 0].set(ylabel="a(x)")
    axes[1, 0].set(ylabel="a'(x)")
    checks = pd.DataFrame(rows)
    claims = {
        "values_match_modules": bool((checks["max_abs_value_diff"] < _TOL).all()),
        "derivatives_match_autograd": bool((checks["max_abs_derivative_diff"] < _TOL).all()),
    }
    summary = (
        f"{len(checks)} activations (seed panels a-f): largest |closed form - module| "
        f"{checks['max_abs_value_diff'].max():.1e}, largest |closed-form derivative - autograd| "
        f"{checks['max_abs_derivative_diff'].max():.1e}. [{time.perf_counter() - start:.1f} s]"
    )
    return ExperimentResult("activations", {"checks": checks}, {"activations": fig}, claims, summary)
