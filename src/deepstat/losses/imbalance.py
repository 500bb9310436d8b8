r"""Losses for imbalanced classes: weighted and cost-sensitive likelihood, focal, class-balanced.

All take logits ``eta`` of shape (n, k) (softmax) or (n, 1) / (n,) for two classes (one logit,
sigmoid: it is read as the logits ``[0, eta]``), and integer class codes ``target`` in
``0 .. k-1`` (floats holding integers are accepted, as the estimators store them).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from numbers import Real
from typing import Any

import numpy as np
import torch
from torch import Tensor, nn

from deepstat.losses._common import Reduction, reduce_loss

__all__ = [
    "weighted_cross_entropy",
    "cost_sensitive_cross_entropy",
    "cost_weights",
    "focal_loss",
    "class_balanced_weights",
    "WeightedCrossEntropyLoss",
    "CostSensitiveLoss",
    "FocalLoss",
    "ClassBalancedLoss",
]


def _log_probs(logits: Tensor) -> Tensor:
    """Log class probabilities (n, k); one logit column means the logits [0, eta] (Bernoulli)."""
    if logits.ndim == 1:
        logits = logits[:, None]
    if logits.shape[1] == 1:
        logits = torch.cat([torch.zeros_like(logits), logits], dim=1)
    return torch.log_softmax(logits, dim=1)


def _n_classes(logits: Tensor) -> int:
    return 2 if logits.ndim == 1 or logits.shape[1] == 1 else int(logits.shape[1])


def _class_vector(values: Any, k: int, name: str, caller: str, *, positive: bool = False) -> np.ndarray:
    """A length-k vector of finite non-negative (or positive) floats, else ValueError."""
    arr = np.asarray(values, dtype=np.float64)
    if arr.shape != (k,):
        raise ValueError(f"`{name}` of {caller} must have shape ({k},), one value per class. Got shape {arr.shape} instead.")
    bad = ~np.isfinite(arr) | ((arr <= 0) if positive else (arr < 0))
    if bad.any():
        constraint = "positive" if positive else "non-negative"
        raise ValueError(f"`{name}` of {caller} must be finite and {constraint}. Got {arr.tolist()} instead.")
    return arr


def _picked(log_probs: Tensor, target: Tensor) -> Tensor:
    return log_probs.gather(1, target.long()[:, None])[:, 0]  # log p_{y_i}, (n,)


def weighted_cross_entropy(
    logits: Tensor,
    target: Tensor,
    *,
    class_weight: Sequence[float] | Tensor | None = None,
    weight: Tensor | None = None,
    reduction: Reduction = "mean",
) -> Tensor:
    r"""Class-weighted negative log-likelihood (the seed's weighted likelihood).

    .. math:: \ell_i = -w_{y_i} \log p_{y_i}(x_i)

    with :math:`w_c` inversely proportional to the frequency of class :math:`c` for imbalanced data
    (scikit-learn's "balanced" weights :math:`n / (k\, n_c)`).

    Parameters
    ----------
    logits : Tensor of shape (n, k), or (n, 1) / (n,) for two classes
    target : Tensor of shape (n,)
        Class codes 0..k-1.
    class_weight : sequence of k non-negative floats, optional
        ``None`` gives the plain cross-entropy.
    weight : Tensor of shape (n,), optional
        Observation weights, multiplied with the class weights.
    reduction : {"mean", "sum", "none"}, default="mean"
        "mean" divides by the sum of the observation weights (not of the class weights).

    Returns
    -------
    Tensor

    Raises
    ------
    ValueError
        If ``class_weight`` has the wrong length or negative entries.

    Examples
    --------
    >>> import torch
    >>> weighted_cross_entropy(torch.zeros(2, 2), torch.tensor([0, 1]), class_weight=[1.0, 3.0], reduction="none")
    tensor([0.6931, 2.0794])
    """
    nll = -_picked(_log_probs(logits), target)
    if class_weight is not None:
        w = _class_vector(class_weight, _n_classes(logits), "class_weight", "weighted_cross_entropy")
        nll = nll * nll.new_tensor(w)[target.long()]
    return reduce_loss(nll, weight, reduction, "weighted_cross_entropy")


def cost_weights(cost_matrix: Any, n_classes: int | None = None, caller: str = "cost_weights") -> np.ndarray:
    r"""Per-class weights from a misclassification cost matrix: :math:`w_c = \sum_{j \ne c} C_{cj}`.

    Parameters
    ----------
    cost_matrix : array-like of shape (k, k)
        ``C[c, j]`` is the cost of predicting class ``j`` for a true class ``c`` (the diagonal,
        the cost of a correct decision, is ignored).
    n_classes : int, optional
        Expected ``k``.

    Returns
    -------
    ndarray of shape (k,)

    Raises
    ------
    ValueError
        If the matrix is not (k, k), has negative or non-finite entries, or a class whose
        errors cost nothing (its weight would be 0 and the class would be ignored).

    Examples
    --------
    >>> cost_weights([[0.0, 1.0], [5.0, 0.0]]).tolist()
    [1.0, 5.0]
    """
    C = np.asarray(cost_matrix, dtype=np.float64)
    k = C.shape[0] if n_classes is None and C.ndim == 2 else n_classes
    if C.ndim != 2 or C.shape != (k, k):
        raise ValueError(
            f"`cost_matrix` of {caller} must have shape ({k}, {k}), rows true classes and columns predicted ones. "
            f"Got shape {C.shape} instead."
        )
    if not np.isfinite(C).all() or (C < 0).any():
        raise ValueError(f"`cost_matrix` of {caller} must hold finite non-negative costs. Got {C.tolist()} instead.")
    w = C.sum(axis=1) - np.diag(C)
    if (w <= 0).any():
        raise ValueError(
            f"`cost_matrix` of {caller} must give every class a positive cost of error. Got rows "
            f"{np.flatnonzero(w <= 0).tolist()} with zero off-diagonal costs instead."
        )
    return w


def cost_sensitive_cross_entropy(
    logits: Tensor,
    target: Tensor,
    *,
    cost_matrix: Any,
    weight: Tensor | None = None,
    reduction: Reduction = "mean",
) -> Tensor:
    r"""Cost-sensitive likelihood: the negative log-likelihood weighted by the cost of misclassifying each class.

    .. math:: \ell_i = -w_{y_i} \log p_{y_i}(x_i), \qquad w_c = \sum_{j \ne c} C_{cj}.

    Parameters
    ----------
    logits : Tensor of shape (n, k), or (n, 1) / (n,) for two classes
    target : Tensor of shape (n,)
    cost_matrix : array-like of shape (k, k)
        ``C[c, j]``: cost of predicting ``j`` when the truth is ``c``.
    weight : Tensor of shape (n,), optional
    reduction : {"mean", "sum", "none"}, default="mean"

    Returns
    -------
    Tensor

    Raises
    ------
    ValueError
        See :func:`cost_weights`.

    Notes
    -----
    This is the seed's cost-sensitive likelihood with class-specific penalties taken from a
    cost matrix. For two classes, weighting the examples of each class by the cost of
    misclassifying them is Elkan's rebalancing (2001, Theorem 1): the fitted probabilities
    then put the cost-optimal decision threshold :math:`p^* = C_{01} / (C_{01} + C_{10})` of the
    unweighted model at 1/2, so ``predict`` (the most probable class) makes cost-sensitive
    decisions. For more classes the row sums are the usual approximation (Zhou & Liu 2010).
    Unlike the expected cost :math:`\sum_j C_{yj} p_j`, it remains a weighted likelihood.

    References
    ----------
    Elkan, C. (2001). The foundations of cost-sensitive learning. *IJCAI*, 973-978.
    Zhou, Z.-H. & Liu, X.-Y. (2010). On multi-class cost-sensitive learning. *Comput. Intell.* 26, 232-257.

    Examples
    --------
    >>> import torch
    >>> cost_sensitive_cross_entropy(torch.zeros(2, 1), torch.tensor([0, 1]), cost_matrix=[[0, 1], [5, 0]], reduction="none")
    tensor([0.6931, 3.4657])
    """
    w = cost_weights(cost_matrix, _n_classes(logits), "cost_sensitive_cross_entropy")
    return weighted_cross_entropy(logits, target, class_weight=w, weight=weight, reduction=reduction)


def _check_gamma(gamma: float, caller: str) -> float:
    if isinstance(gamma, bool) or not isinstance(gamma, Real) or not math.isfinite(gamma) or gamma < 0:
        raise ValueError(f"`gamma` of {caller} must be a finite float >= 0. Got {gamma!r} instead.")
    return float(gamma)


def _alpha_vector(alpha: float | Sequence[float] | None, k: int, caller: str) -> np.ndarray | None:
    if alpha is None:
        return None
    if isinstance(alpha, Real) and not isinstance(alpha, bool):
        if k != 2 or not 0.0 <= alpha <= 1.0:
            raise ValueError(
                f"`alpha` of {caller} must be a float in [0, 1] for two classes (the weight of class 1) or one "
                f"weight per class. Got {alpha!r} for {k} classes instead."
            )
        return np.array([1.0 - alpha, float(alpha)])
    return _class_vector(alpha, k, "alpha", caller)


def focal_loss(
    logits: Tensor,
    target: Tensor,
    *,
    alpha: float | Sequence[float] | None = None,
    gamma: float = 2.0,
    weight: Tensor | None = None,
    reduction: Reduction = "mean",
) -> Tensor:
    r"""Focal loss: cross-entropy down-weighted on well-classified examples.

    .. math:: \ell_i = -\alpha_{y_i} (1 - p_{t})^{\gamma} \log p_{t}, \qquad p_t = p_{y_i}(x_i).

    Parameters
    ----------
    logits : Tensor of shape (n, k), or (n, 1) / (n,) for two classes
    target : Tensor of shape (n,)
    alpha : float, sequence of k floats or None, default=None
        Class weights :math:`\alpha_c`. A float (two classes only) is the weight of class 1, and
        :math:`1 - \alpha` that of class 0, as in Lin et al.; ``None`` weighs all classes 1.
    gamma : float, default=2.0
        Focusing parameter :math:`\gamma \ge 0`; 0 gives the (weighted) cross-entropy.
    weight : Tensor of shape (n,), optional
    reduction : {"mean", "sum", "none"}, default="mean"

    Returns
    -------
    Tensor

    Raises
    ------
    ValueError
        If ``gamma`` < 0 or ``alpha`` has the wrong shape or range.

    Notes
    -----
    :math:`(1 - p_t)^\gamma` is computed as ``(-expm1(log p_t)) ** gamma`` from the log-softmax,
    accurate when :math:`p_t \to 1`.

    References
    ----------
    Lin, T.-Y., Goyal, P., Girshick, R., He, K. & Dollár, P. (2017). Focal loss for dense object
    detection. *ICCV*, 2980-2988, eq. (5).

    Examples
    --------
    >>> import torch
    >>> focal_loss(torch.zeros(1, 2), torch.tensor([1]), gamma=2.0, reduction="none")  # 0.25 * log 2
    tensor([0.1733])
    """
    gamma = _check_gamma(gamma, "focal_loss")
    a = _alpha_vector(alpha, _n_classes(logits), "focal_loss")
    log_pt = _picked(_log_probs(logits), target)
    modulating = (-torch.expm1(log_pt)).pow(gamma) if gamma > 0 else torch.ones_like(log_pt)
    loss = -modulating * log_pt
    if a is not None:
        loss = loss * loss.new_tensor(a)[target.long()]
    return reduce_loss(loss, weight, reduction, "focal_loss")


def class_balanced_weights(counts: Sequence[float] | np.ndarray, beta: float = 0.999) -> np.ndarray:
    r"""Class weights from the effective number of samples (Cui et al. 2019).

    .. math:: w_c \propto \frac{1 - \beta}{1 - \beta^{n_c}}, \qquad \sum_c w_c = k.

    Parameters
    ----------
    counts : sequence of k positive numbers
        Samples per class :math:`n_c`.
    beta : float in [0, 1), default=0.999
        0 gives equal weights; :math:`\beta \to 1` approaches inverse frequency :math:`1/n_c`.

    Returns
    -------
    ndarray of shape (k,)
        Normalised to sum to the number of classes, as in Cui et al.

    Raises
    ------
    ValueError
        If ``beta`` is outside [0, 1) or a count is not positive.

    Notes
    -----
    :math:`1 - \beta^{n} = -\mathrm{expm1}(n \log\beta)`, accurate for :math:`\beta` close to 1.

    References
    ----------
    Cui, Y., Jia, M., Lin, T.-Y., Song, Y. & Belongie, S. (2019). Class-balanced loss based on
    effective number of samples. *CVPR*, 9268-9277, eq. (5)-(6).

    Examples
    --------
    >>> class_balanced_weights([900, 100], beta=0.0).tolist()
    [1.0, 1.0]
    >>> class_balanced_weights([900, 100], beta=0.999).round(3).tolist()
    [0.276, 1.724]
    """
    if isinstance(beta, bool) or not isinstance(beta, Real) or not 0.0 <= beta < 1.0:
        raise ValueError(f"`beta` of class_balanced_weights must be a float in [0, 1). Got {beta!r} instead.")
    n = np.asarray(counts, dtype=np.float64)
    if n.ndim != 1 or n.size < 2:
        raise ValueError(f"`counts` of class_balanced_weights must be 1-D with one count per class (>= 2). Got shape {n.shape} instead.")
    _class_vector(n, n.size, "counts", "class_balanced_weights", positive=True)
    if beta == 0.0:
        w = np.ones_like(n)
    else:
        w = -math.expm1(math.log(beta)) / -np.expm1(n * math.log(beta))  # (1 - beta) / (1 - beta^n_c)
    return w * (n.size / w.sum())


class _ClassificationLoss(nn.Module):
    """Base of the classification loss modules (estimators' protocol, ``reduction="sum"`` default)."""

    def forward(self, eta: Tensor, y: Tensor, *, weight: Tensor | None = None, reduction: Reduction = "sum") -> Tensor:
        raise NotImplementedError  # pragma: no cover


class WeightedCrossEntropyLoss(_ClassificationLoss):
    """:func:`weighted_cross_entropy` as a module.

    Examples
    --------
    >>> import torch
    >>> WeightedCrossEntropyLoss([1.0, 3.0])(torch.zeros(2, 1), torch.tensor([0.0, 1.0]))
    tensor(2.7726)
    """

    def __init__(self, class_weight: Sequence[float] | None = None) -> None:
        super().__init__()
        self.class_weight = None if class_weight is None else [float(v) for v in class_weight]

    def forward(self, eta: Tensor, y: Tensor, *, weight: Tensor | None = None, reduction: Reduction = "sum") -> Tensor:
        return weighted_cross_entropy(eta, y, class_weight=self.class_weight, weight=weight, reduction=reduction)


class CostSensitiveLoss(_ClassificationLoss):
    """:func:`cost_sensitive_cross_entropy` as a module.

    Examples
    --------
    >>> import torch
    >>> CostSensitiveLoss([[0, 1], [5, 0]])(torch.zeros(2, 1), torch.tensor([0.0, 1.0]))
    tensor(4.1589)
    """

    def __init__(self, cost_matrix: Any) -> None:
        super().__init__()
        self.class_weight = cost_weights(cost_matrix, None, "CostSensitiveLoss").tolist()
        self.cost_matrix = np.asarray(cost_matrix, dtype=np.float64).tolist()

    def forward(self, eta: Tensor, y: Tensor, *, weight: Tensor | None = None, reduction: Reduction = "sum") -> Tensor:
        return weighted_cross_entropy(eta, y, class_weight=self.class_weight, weight=weight, reduction=reduction)


class FocalLoss(_ClassificationLoss):
    """:func:`focal_loss` as a module.

    Examples
    --------
    >>> import torch
    >>> FocalLoss(gamma=0.0)(torch.zeros(2, 2), torch.tensor([0.0, 1.0]))  # 2 log 2
    tensor(1.3863)
    """

    def __init__(self, alpha: float | Sequence[float] | None = None, gamma: float = 2.0) -> None:
        super().__init__()
        self.alpha = alpha if alpha is None or isinstance(alpha, Real) else [float(a) for a in alpha]
        self.gamma = _check_gamma(gamma, "FocalLoss")

    def forward(self, eta: Tensor, y: Tensor, *, weight: Tensor | None = None, reduction: Reduction = "sum") -> Tensor:
        return focal_loss(eta, y, alpha=self.alpha, gamma=self.gamma, weight=weight, reduction=reduction)


class ClassBalancedLoss(_ClassificationLoss):
    r"""Class-balanced loss: :func:`class_balanced_weights` times the focal loss (cross-entropy for ``gamma = 0``).

    Parameters
    ----------
    counts : sequence of k positive numbers
        Training samples per class.
    beta : float in [0, 1), default=0.999
    gamma : float, default=0.0
        Focusing parameter; Cui et al. also use the class-balanced focal loss (``gamma > 0``).

    Examples
    --------
    >>> import torch
    >>> loss = ClassBalancedLoss([900, 100], beta=0.0)
    >>> bool(loss(torch.zeros(2, 1), torch.tensor([0.0, 1.0])) == 2 * torch.log(torch.tensor(2.0)))
    True
    """

    def __init__(self, counts: Sequence[float], beta: float = 0.999, gamma: float = 0.0) -> None:
        super().__init__()
        self.class_weight = class_balanced_weights(counts, beta).tolist()
        self.beta = float(beta)
        self.gamma = _check_gamma(gamma, "ClassBalancedLoss")

    def forward(self, eta: Tensor, y: Tensor, *, weight: Tensor | None = None, reduction: Reduction = "sum") -> Tensor:
        return focal_loss(eta, y, alpha=self.class_weight, gamma=self.gamma, weight=weight, reduction=reduction)
