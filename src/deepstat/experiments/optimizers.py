r"""The seed's optimisers written out from its update equations, checked against ``torch.optim``.

With :math:`g_t = \partial L[\phi_t] / \partial\phi` (the sum over a batch for SGD) and
learning rate :math:`\alpha` (seed, "Optimization Algorithms", "Momentum", "AdaGrad", "Adam"):

* GD / SGD: :math:`\phi_{t+1} = \phi_t - \alpha g_t` (full batch / a random batch).
* Momentum: :math:`m_{t+1} = \beta m_t + (1 - \beta) g_t`, :math:`\phi_{t+1} = \phi_t - \alpha m_{t+1}`.
  ``torch.optim.SGD(lr=α(1-β), momentum=β)`` is the same rule: its buffer is
  :math:`m/(1-\beta)` (the seed's "velocity" form :math:`v = \gamma v - \alpha\nabla f` is it too).
* Nesterov: :math:`m_{t+1} = \beta m_t + (1-\beta)\, g(\phi_t - \alpha\beta m_t)`,
  :math:`\phi_{t+1} = \phi_t - \alpha m_{t+1}`. torch's ``nesterov=True`` (same ``lr``) stores the
  look-ahead point :math:`\phi_t - \alpha\beta m_t` instead of :math:`\phi_t` (Bengio et al. 2013),
  so that is what is compared.
* AdaGrad: :math:`v_{t+1} = v_t + g_t^2`, :math:`\phi_{t+1} = \phi_t - \alpha g_t/(\sqrt{v_{t+1}} + \epsilon)`.
* RMSprop: :math:`v_{t+1} = \gamma v_t + (1-\gamma) g_t^2`, same step as AdaGrad.
* Adam: :math:`m_{t+1} = \beta m_t + (1-\beta) g_t`, :math:`v_{t+1} = \gamma v_t + (1-\gamma) g_t^2`,
  :math:`\tilde m = m_{t+1}/(1-\beta^{t+1})`, :math:`\tilde v = v_{t+1}/(1-\gamma^{t+1})`,
  :math:`\phi_{t+1} = \phi_t - \alpha \tilde m/(\sqrt{\tilde v} + \epsilon)`.

Problems: Rosenbrock, a saddle :math:`x^2/2 + y^4/4 - y^2/2` (minima at :math:`(0, \pm 1)`),
an ill-conditioned quadratic (condition number 50), and the least-squares loss of a linear
model on scikit-learn's diabetes data (11 parameters).

References
----------
Bengio, Y., Boulanger-Lewandowski, N. and Pascanu, R. (2013). Advances in optimizing recurrent
networks. ICASSP.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch
from torch import Tensor

from deepstat.experiments._common import check_int, check_seed, label_panel, new_figure
from deepstat.experiments.result import ExperimentResult

__all__ = ["OPTIMIZER_RULES", "compare_with_torch", "hand_step", "run_optimizers"]

OPTIMIZER_RULES = ("gd", "sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam")
"""The update rules of the seed, in its order."""

# beta (momentum, first moment), gamma (RMSprop; Adam uses torch's 0.999), epsilon
BETA, GAMMA, ADAM_GAMMA, EPS = 0.9, 0.99, 0.999, 1e-8

GradFn = Callable[[Tensor, int], Tensor]  # (point, step) -> gradient on that step's batch


def hand_step(rule: str, phi: Tensor, state: dict[str, Tensor], t: int, grad: GradFn, lr: float) -> Tensor:
    r"""One update of one of the seed's rules, written out (no ``torch.optim``).

    Parameters
    ----------
    rule : str
        One of :data:`OPTIMIZER_RULES`.
    phi : Tensor
        Current point :math:`\phi_t`, shape (d,).
    state : dict of str to Tensor
        ``"m"`` and ``"v"`` (zeros before the first step); updated in place.
    t : int
        Step number, 0-based (Adam's bias correction uses :math:`t + 1`).
    grad : callable
        ``grad(phi, t)``: the gradient at ``phi`` on step ``t``'s batch.
    lr : float
        Learning rate :math:`\alpha`.

    Returns
    -------
    Tensor
        :math:`\phi_{t+1}`.

    Raises
    ------
    ValueError
        If ``rule`` is unknown.

    Examples
    --------
    >>> import torch
    >>> phi = torch.tensor([1.0], dtype=torch.float64)
    >>> state = {"m": torch.zeros(1, dtype=torch.float64), "v": torch.zeros(1, dtype=torch.float64)}
    >>> hand_step("adam", phi, state, 0, lambda p, t: 2 * p, lr=0.1)  # first Adam step: about -lr * sign(g)
    tensor([0.9000], dtype=torch.float64)
    """
    if rule not in OPTIMIZER_RULES:
        raise ValueError(f"`rule` of hand_step must be one of {OPTIMIZER_RULES}. Got {rule!r} instead.")
    m, v = state["m"], state["v"]
    if rule in ("gd", "sgd"):
        return phi - lr * grad(phi, t)
    if rule == "momentum":
        m = state["m"] = BETA * m + (1 - BETA) * grad(phi, t)
        return phi - lr * m
    if rule == "nesterov":
        m = state["m"] = BETA * m + (1 - BETA) * grad(phi - lr * BETA * m, t)  # gradient at the look-ahead point
        return phi - lr * m
    g = grad(phi, t)
    if rule == "adagrad":
        v = state["v"] = v + g**2
        return phi - lr * g / (v.sqrt() + EPS)
    if rule == "rmsprop":
        v = state["v"] = GAMMA * v + (1 - GAMMA) * g**2
        return phi - lr * g / (v.sqrt() + EPS)
    m = state["m"] = BETA * m + (1 - BETA) * g  # adam
    v = state["v"] = ADAM_GAMMA * v + (1 - ADAM_GAMMA) * g**2
    m_tilde, v_tilde = m / (1 - BETA ** (t + 1)), v / (1 - ADAM_GAMMA ** (t + 1))  # bias correction
    return phi - lr * m_tilde / (v_tilde.sqrt() + EPS)


def _torch_view(rule: str, phi: Tensor, state: dict[str, Tensor], lr: float) -> Tensor:
    """The point torch holds for the hand state: the look-ahead point for Nesterov."""
    return phi - lr * BETA * state["m"] if rule == "nesterov" else phi


def _torch_optimizer(rule: str, params: list[Tensor], lr: float) -> torch.optim.Optimizer:
    if rule in ("gd", "sgd"):
        return torch.optim.SGD(params, lr=lr)
    if rule in ("momentum", "nesterov"):
        return torch.optim.SGD(params, lr=lr * (1 - BETA), momentum=BETA, nesterov=rule == "nesterov")
    if rule == "adagrad":
        return torch.optim.Adagrad(params, lr=lr, eps=EPS)
    if rule == "rmsprop":
        return torch.optim.RMSprop(params, lr=lr, alpha=GAMMA, eps=EPS)
    return torch.optim.Adam(params, lr=lr, betas=(BETA, ADAM_GAMMA), eps=EPS)


def _torch_state(rule: str, state: dict[str, Tensor], t: int) -> dict[str, Tensor]:
    """torch's optimiser state equal to the seed's (m, v) after ``t`` steps."""
    step = torch.tensor(float(t))
    if rule in ("momentum", "nesterov"):
        return {"momentum_buffer": state["m"] / (1 - BETA)} if t > 0 else {}
    if rule == "adagrad":
        return {"sum": state["v"].clone(), "step": step}
    if rule == "rmsprop":
        return {"square_avg": state["v"].clone(), "step": step}
    if rule == "adam":
        return {"exp_avg": state["m"].clone(), "exp_avg_sq": state["v"].clone(), "step": step}
    return {}


def compare_with_torch(
    rule: str, loss: Callable[[Tensor, int], Tensor], x0: Tensor, lr: float, n_steps: int
) -> tuple[Tensor, float, float]:
    r"""Run ``rule`` by hand and compare it with ``torch.optim``, step for step and free running.

    Parameters
    ----------
    rule : str
        One of :data:`OPTIMIZER_RULES`.
    loss : callable
        ``loss(phi, t)``: the objective on step ``t``'s batch; autograd gives the gradient.
    x0 : Tensor
        Starting point, shape (d,).
    lr : float
        The seed's learning rate :math:`\alpha`.
    n_steps : int
        Number of updates.

    Returns
    -------
    path : Tensor
        Shape (n_steps + 1, d): the hand-written iterates :math:`\phi_t`.
    step_diff : float
        Largest difference between a hand update and one ``torch.optim`` step taken from the
        same point and state (for Nesterov in torch's look-ahead coordinates).
    free_diff : float
        Largest difference between the two free-running trajectories. Where an adaptive rule
        hovers around a flat minimum it is chaotic and rounding differences of 1e-16 grow;
        ``step_diff`` is the check that the rules are the same.

    Examples
    --------
    >>> import torch
    >>> f = lambda phi, t: 0.5 * (phi**2).sum()
    >>> path, step_diff, free_diff = compare_with_torch("adam", f, torch.ones(2, dtype=torch.float64), 0.1, 20)
    >>> step_diff < 1e-12, free_diff < 1e-12
    (True, True)
    """
    grad = _grad_of(loss)
    phi = x0.clone()
    state = {"m": torch.zeros_like(phi), "v": torch.zeros_like(phi)}
    free = x0.clone().requires_grad_(True)
    free_opt = _torch_optimizer(rule, [free], lr)
    path, step_diff, free_diff = [phi], 0.0, 0.0
    for t in range(n_steps):
        # one torch step from the hand state
        p = _torch_view(rule, phi, state, lr).clone().requires_grad_(True)
        opt = _torch_optimizer(rule, [p], lr)
        opt.state[p] = _torch_state(rule, state, t)
        loss(p, t).backward()
        opt.step()
        phi = hand_step(rule, phi, state, t, grad, lr)
        step_diff = max(step_diff, float((p.detach() - _torch_view(rule, phi, state, lr)).abs().max()))
        # free-running torch trajectory
        free_opt.zero_grad()
        loss(free, t).backward()
        free_opt.step()
        free_diff = max(free_diff, float((free.detach() - _torch_view(rule, phi, state, lr)).abs().max()))
        path.append(phi)
    return torch.stack(path), step_diff, free_diff


@dataclass(frozen=True)
class _Problem:
    name: str
    loss: Callable[[Tensor, int], Tensor]
    x0: Tensor
    f_star: float
    lr: dict[str, float]
    tol: float


def _rosenbrock(phi: Tensor, t: int) -> Tensor:
    return (1 - phi[0]) ** 2 + 100 * (phi[1] - phi[0] ** 2) ** 2


def _saddle(phi: Tensor, t: int) -> Tensor:
    return 0.5 * phi[0] ** 2 + 0.25 * phi[1] ** 4 - 0.5 * phi[1] ** 2


def _quadratic(phi: Tensor, t: int) -> Tensor:
    return 0.5 * (phi[0] ** 2 + 50.0 * phi[1] ** 2)


def _diabetes_problem(n_steps: int, seed: int, batch_size: int) -> _Problem:
    from sklearn.datasets import load_diabetes

    X, y = load_diabetes(return_X_y=True)
    X = (X - X.mean(0)) / X.std(0)
    y = (y - y.mean()) / y.std()
    A = torch.from_numpy(np.column_stack([np.ones(len(y)), X]))  # (442, 11)
    b = torch.from_numpy(y)
    coef = torch.linalg.lstsq(A, b.unsqueeze(-1)).solution.squeeze(-1)
    f_star = float(0.5 * ((A @ coef - b) ** 2).mean())
    gen = torch.Generator().manual_seed(seed)
    batches = [torch.randperm(len(y), generator=gen)[:batch_size] for _ in range(n_steps)]

    def loss(phi: Tensor, t: int) -> Tensor:  # phi (11,) or a stack of points (11, k)
        resid = A @ phi - (b if phi.dim() == 1 else b.unsqueeze(-1))
        return 0.5 * (resid**2).mean(0)

    def sgd_loss(phi: Tensor, t: int) -> Tensor:
        i = batches[t]
        return 0.5 * ((A[i] @ phi - b[i]) ** 2).mean()

    lr = {"gd": 0.1, "sgd": 0.02, "momentum": 0.1, "nesterov": 0.1, "adagrad": 0.5, "rmsprop": 0.01, "adam": 0.05}
    problem = _Problem("diabetes_least_squares", loss, torch.zeros(11, dtype=torch.float64), f_star, lr, 1e-4)
    object.__setattr__(problem, "sgd_loss", sgd_loss)
    return problem


def _problems(n_steps: int, seed: int) -> list[_Problem]:
    f64 = torch.float64
    return [
        _Problem("rosenbrock", _rosenbrock, torch.tensor([-1.2, 1.0], dtype=f64), 0.0,
                 {"gd": 1.5e-3, "momentum": 1e-2, "nesterov": 1e-2, "adagrad": 0.5, "rmsprop": 3e-3, "adam": 5e-2}, 1e-4),
        _Problem("saddle", _saddle, torch.tensor([1.0, 1e-4], dtype=f64), -0.25,
                 {"gd": 0.1, "momentum": 0.1, "nesterov": 0.1, "adagrad": 0.5, "rmsprop": 0.01, "adam": 0.05}, 1e-4),
        _Problem("ill_conditioned_quadratic", _quadratic, torch.tensor([1.0, 1.0], dtype=f64), 0.0,
                 {"gd": 0.035, "momentum": 0.035, "nesterov": 0.035, "adagrad": 0.5, "rmsprop": 0.01, "adam": 0.05}, 1e-4),
        _diabetes_problem(n_steps, seed, batch_size=32),
    ]  # fmt: skip


def _grad_of(loss: Callable[[Tensor, int], Tensor]) -> GradFn:
    def grad(phi: Tensor, t: int) -> Tensor:
        p = phi.detach().requires_grad_(True)
        (g,) = torch.autograd.grad(loss(p, t), p)
        return g

    return grad


def run_optimizers(n_steps: int = 1000, random_state: int = 0) -> ExperimentResult:
    """Run every rule by hand and with ``torch.optim`` on four problems; compare and time them.

    Parameters
    ----------
    n_steps : int, default=1000
        Updates per rule and problem.
    random_state : int, default=0
        Seed of the SGD batches (32 of the 442 diabetes rows per step).

    Returns
    -------
    ExperimentResult
        Table ``iterations`` (problem, rule, learning rate, iterations until
        :math:`L - L^* <` ``tol`` (NaN when not reached), final gap, largest difference
        between a hand update and a torch step from the same state, and between the
        free-running trajectories, see :func:`compare_with_torch`); figure ``paths`` (paths on the
        three 2-D problems, gap vs iteration on the diabetes loss); claims ``same_as_torch``
        (every hand update within 1e-6 of torch's step, float64), ``adaptive_escapes_saddle``
        (Adam and RMSprop reach the saddle problem's tolerance in fewer steps than GD) and
        ``momentum_helps_ill_conditioned`` (momentum needs fewer steps than GD there).

    Raises
    ------
    ValueError
        If ``n_steps`` is not a positive integer or ``random_state`` is negative.

    Examples
    --------
    >>> res = run_optimizers(n_steps=50)
    >>> res.claims["same_as_torch"]
    True
    """
    n_steps, seed = check_int(n_steps, "n_steps", "run_optimizers"), check_seed(random_state, "run_optimizers")
    start = time.perf_counter()
    rows, paths = [], {}
    for problem in _problems(n_steps, seed):
        for rule in OPTIMIZER_RULES:
            if rule == "sgd" and not hasattr(problem, "sgd_loss"):
                continue  # the analytic problems have no observations to sample
            loss = problem.sgd_loss if rule == "sgd" else problem.loss
            lr = problem.lr[rule]
            hand, step_diff, free_diff = compare_with_torch(rule, loss, problem.x0, lr, n_steps)
            with torch.no_grad():
                gap = problem.loss(hand.T, 0) - problem.f_star  # (n_steps + 1,)
            reached = torch.nonzero(gap < problem.tol)
            paths[problem.name, rule] = (hand, gap)
            rows.append({
                "problem": problem.name,
                "rule": rule,
                "lr": lr,
                "iterations_to_tol": float(reached[0, 0]) if len(reached) else float("nan"),
                "tol": problem.tol,
                "final_gap": float(gap[-1]),
                "step_diff_vs_torch": step_diff,
                "free_running_diff_vs_torch": free_diff,
            })  # fmt: skip
    table = pd.DataFrame(rows)
    fig = _figure(paths)

    def iters(problem: str, rule: str) -> float:
        value = table.loc[(table["problem"] == problem) & (table["rule"] == rule), "iterations_to_tol"].iloc[0]
        return float(value) if np.isfinite(value) else float(n_steps + 1)

    claims = {
        "same_as_torch": bool((table["step_diff_vs_torch"] < 1e-6).all()),
        "adaptive_escapes_saddle": bool(max(iters("saddle", "adam"), iters("saddle", "rmsprop")) < iters("saddle", "gd")),
        "momentum_helps_ill_conditioned": bool(
            iters("ill_conditioned_quadratic", "momentum") < iters("ill_conditioned_quadratic", "gd")
        ),
    }
    summary = (
        f"{len(table)} (problem, rule) pairs, {n_steps} steps each: largest step-for-step hand-vs-torch "
        f"difference {table['step_diff_vs_torch'].max():.1e}. Steps to tolerance: "
        + "; ".join(
            f"{p}: " + ", ".join(f"{r} {iters(p, r):.0f}" for r in OPTIMIZER_RULES if ((table.problem == p) & (table.rule == r)).any())
            for p in table["problem"].unique()
        )
        + f" ({n_steps + 1} = not reached). [{time.perf_counter() - start:.1f} s]"
    )
    return ExperimentResult("optimizers", {"iterations": table}, {"paths": fig}, claims, summary)


def _figure(paths: dict[tuple[str, str], tuple[Tensor, Tensor]]) -> object:
    fig, axes = new_figure(2, 2, width=4.8, height=4.0)
    colors = {rule: f"C{i}" for i, rule in enumerate(OPTIMIZER_RULES)}  # one colour per rule in every panel
    views = {
        "rosenbrock": (_rosenbrock, (-2.0, 2.0), (-1.0, 3.0)),
        "saddle": (_saddle, (-1.2, 1.2), (-1.5, 1.5)),
        "ill_conditioned_quadratic": (_quadratic, (-1.2, 1.2), (-1.2, 1.2)),
    }
    for ax, (name, (f, xlim, ylim)), letter in zip(axes.flat, views.items(), "abc"):
        gx, gy = torch.meshgrid(torch.linspace(*xlim, 200), torch.linspace(*ylim, 200), indexing="ij")
        z = f(torch.stack([gx, gy]), 0)
        levels = np.quantile(z.numpy(), np.linspace(0.0, 0.95, 25))
        ax.contour(gx.numpy(), gy.numpy(), z.numpy(), levels=np.unique(levels), colors="grey", linewidths=0.5)
        for (problem, rule), (path, _) in paths.items():
            if problem == name:
                ax.plot(path[:, 0], path[:, 1], lw=1.2, label=rule, color=colors[rule])
        ax.set(xlim=xlim, ylim=ylim, title=name.replace("_", " "), xlabel=r"$\phi_1$", ylabel=r"$\phi_2$")
        label_panel(ax, f"{letter})")
    axes[0, 0].legend(fontsize=7, loc="lower right")
    ax = axes[1, 1]
    for (problem, rule), (_, gap) in paths.items():
        if problem == "diabetes_least_squares":
            ax.plot(gap.clamp_min(1e-16), lw=1.2, label=rule, color=colors[rule])
    ax.set(yscale="log", xlabel="iteration", ylabel=r"$L - L^*$", title="diabetes least squares (11 parameters)")
    ax.legend(fontsize=7)
    label_panel(ax, "d)")
    return fig
