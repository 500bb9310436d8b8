r"""The default fit of an MLP with a linear skip: the classical model first, the network on top of it.

``MLP(linear_skip=True)`` (the default network) builds :math:`\eta = W x + b + g(x)`
(:class:`~deepstat.nn.skip.LinearSkipModule`). Before the network is trained, its linear part is
fitted alone as the classical model of the same family or loss: the location columns of ``eta``
linear in ``x``, the other parameters constant (a GLM's dispersion, the Cox model's log-risk
...), by L-BFGS on all the rows (training and validation: the classical model a baseline fits to the same
data); for classes, on the training rows, early-stopped on the validation rows after a first
epoch of steps (which keeps coefficients finite when the classes are separable). The network's output layer then starts at
zero, so the whole model starts at the classical fit; with early stopping the starting weights
are a candidate (the engine's epoch 0), and the network is kept only when it beats the start on the validation rows by more than one
standard error (:func:`keep_network_if_it_helps`). This is the combined actuarial neural network (CANN) of Schelldorfer and
Wuethrich (2019), "Nesting classical actuarial models into neural networks", with the GLM part
trained further together with the network, as in R's deepregression. When the training rows are
too few for the linear model (no more distinct rows than coefficients: it would interpolate, and
its likelihood is unbounded), there is no start: the linear part starts at zero and the network as
initialised.
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
import warnings
from collections.abc import Iterator
from typing import Any

import torch
from torch import Tensor

from deepstat.data.batch import take
from deepstat.nn import DistributionalHead, MLPModule
from deepstat.nn.skip import LinearSkipModule
from deepstat.train import BatchSource, SubsetBatches, TensorBatches, TrainConfig, TrainingDivergedError, fit_module
from deepstat.train.engine import NoImprovementWarning
from deepstat.utils.validation import user_stacklevel

__all__ = ["fit_linear_start", "keep_network_if_it_helps", "network_on_linear_start"]

# groups of the delete-a-group jackknife of the validation loss difference (network vs linear start)
_JACKKNIFE_GROUPS = 20
# L-BFGS steps between validation checks of the linear start, and checks without improvement before it stops
_START_ITERATIONS, _START_PATIENCE, _START_EPOCHS = 5, 5, 200


def fit_linear_start(
    module: DistributionalHead, loss: Any, train: BatchSource, validation: BatchSource | None, config: TrainConfig, n_linear: int,
    *, early_stop: bool = True, residual_scale: bool = False,
) -> None:
    """Fit the linear part of ``module.body`` (a LinearSkipModule) as the classical model and zero its network.

    Parameters
    ----------
    module : DistributionalHead
        The model to be trained, whose body is a :class:`~deepstat.nn.skip.LinearSkipModule`;
        changed in place.
    loss : callable
        The fit's loss, ``loss(eta, target, *, weight=None, reduction="sum")``.
    train, validation : BatchSource
        The training rows, and the validation rows (None: no early stopping of the start).
    config : TrainConfig
        The fit's settings; the start uses its seed and device, with L-BFGS on the full batch.
    n_linear : int
        The leading columns of ``eta`` that are linear in ``x`` in the classical model (the
        location parameters); the later ones are constants in it.
    early_stop : bool, default=True
        Early-stop the start on ``validation`` (for classes, whose likelihood can grow without bound
        when they are separable); otherwise the start is the classical fit on the training and
        validation rows together, the classical model that a baseline fits to the same data.
    residual_scale : bool, default=False
        The model is a Normal one whose scale (``eta[..., 1]``, softplus) is constant in the
        classical model: it becomes the classical residual standard error
        :math:`\sqrt{\mathrm{RSS} / (n - p)}` (R's ``lm`` sigma, statsmodels' ``scale``), not the
        maximum-likelihood :math:`\sqrt{\mathrm{RSS} / n}`, which is biased low and makes the
        predictive distribution too narrow on new rows (:math:`n` the total weight, :math:`p` the
        coefficients).
    """
    body = module.body
    if not isinstance(body, LinearSkipModule):
        raise TypeError(f"`module.body` of fit_linear_start must be a LinearSkipModule. Got {type(body).__name__} instead.")
    n_in, n_modelled = body.linear.in_features, body.linear.out_features
    n_linear = min(int(n_linear), n_modelled)
    if not early_stop and validation is not None:
        train, validation = _concat(train, validation), None
    if _n_distinct_rows(train) <= n_in + 1:  # the linear model interpolates: its MLE does not exist (a scale -> 0)
        with torch.no_grad():
            body.linear.weight.zero_()
            body.linear.bias.zero_()
        return
    # in float64 whatever the network's precision: L-BFGS's line search can overflow float32 (a scale -> 0)
    start = DistributionalHead(
        MLPModule(n_in, n_linear, ()), module.n_params, n_linear, module.offset.tolist(), module.scale.tolist(),
        data_offset=module.data_offset, data_trials=module.data_trials,
    ).double()
    no_intercept = not body.linear.bias.requires_grad  # fit_intercept=False: the bias stays 0 (see _intercept)
    with torch.no_grad():
        start.body.output_layer.weight.zero_()  # from the intercept-only fit
        start.body.output_layer.bias.zero_()
    start.body.output_layer.bias.requires_grad_(not no_intercept)
    settings = dataclasses.replace(
        config, optimizer="lbfgs", lr=1.0, lbfgs_max_iter=_START_ITERATIONS, penalty="none", alpha=0.0,
        early_stopping=validation is not None, patience=_START_PATIENCE, max_epochs=_START_EPOCHS, lr_schedule="none",
        clip_grad_norm=None, verbose=0, checkpoint_dir=None, resume=False, tol=None,
        grad_tol=1e-7,
    )
    with warnings.catch_warnings():  # the start's own convergence is not the user's concern: the fit goes on from it
        warnings.simplefilter("ignore")
        try:
            # one epoch of L-BFGS steps first: the zero weights (the intercept-only model) are not a
            # candidate of the early stopping that follows (a few validation rows, as on spector's 32,
            # would otherwise often prefer them to any fitted slope)
            first = dataclasses.replace(settings, early_stopping=False, max_epochs=1)
            fit_module(start, loss, _float64(train), first)
            fit_module(start, loss, _float64(train), settings, validation=None if validation is None else _float64(validation))
        except TrainingDivergedError:  # the start keeps its best weights
            pass
    start = start.to(body.linear.weight.dtype)
    with torch.no_grad():
        body.linear.weight.zero_()
        body.linear.bias.zero_()
        body.linear.weight[:n_linear] = start.body.output_layer.weight
        body.linear.bias[:n_linear] = 0.0 if no_intercept else start.body.output_layer.bias
        if start.constants is not None:  # constants of the classical model: the body's later columns, then the head's
            constants = start.constants.detach()
            body.linear.bias[n_linear:] = constants[: n_modelled - n_linear]
            if module.constants is not None:
                module.constants.copy_(constants[n_modelled - n_linear :])
    if residual_scale and not early_stop:
        n_weight = float(len(train)) if train.take(torch.arange(1)).weight is None else float(_all_weights(train).sum())
        p = n_in + (0 if no_intercept else 1)
        if n_weight > p + 1:
            _inflate_scale(module, n_linear, math.sqrt(n_weight / (n_weight - p)))
    body.start_network_at_zero()


def _all_weights(source: BatchSource) -> Tensor:
    return source.take(torch.arange(len(source))).weight


def _inflate_scale(module: DistributionalHead, n_linear: int, factor: float) -> None:
    """Multiply the constant scale ``softplus(eta[..., 1])`` of the start by ``factor``, in place."""
    body = module.body
    n_modelled = body.linear.out_features
    with torch.no_grad():
        if n_modelled > 1:  # the scale is the body's constant column 1 (its bias; its weights are 0 in the start)
            holder, at = body.linear.bias, 1
        elif module.constants is not None:
            holder, at = module.constants, 1 - n_modelled
        else:
            return
        offset, scale = float(module.offset[1]), float(module.scale[1])
        eta = offset + scale * holder[at].double()
        sigma = torch.nn.functional.softplus(eta) * factor
        new_eta = sigma + torch.log(-torch.expm1(-sigma))  # softplus^-1
        holder[at] = ((new_eta - offset) / scale).to(holder.dtype)


def keep_network_if_it_helps(
    module: DistributionalHead, loss: Any, validation: BatchSource, start: dict[str, Tensor], seed: int, estimator: str,
    history: Any = None,
) -> bool:
    r"""Keep the trained network only if it beats the linear start by more than one standard error.

    Early stopping picks the best of many epochs on the same validation rows, so the winner's
    validation loss is optimistic: on a few hundred rows (a Cox model on rossi, a quantile model
    on engel) a network that "improves" on the classical fit by chance loses to it on new data.
    The rule here is the one-standard-error rule of model selection: with
    :math:`D = L_{\text{network}} - L_{\text{linear}}` the difference of the validation losses
    (the engine's weighted mean, so a Cox partial likelihood too) and :math:`\widehat{se}(D)` its
    delete-a-group jackknife standard error (20 random groups of validation rows, or one row each
    when fewer than 40), the network is kept when :math:`D < -\widehat{se}(D)`; otherwise the
    module is restored to the linear start and a :class:`NoImprovementWarning` says so.

    Parameters
    ----------
    module : DistributionalHead
        The trained model (changed in place when the start is restored).
    loss : callable
        The fit's loss.
    validation : BatchSource
        The validation rows.
    start : dict
        The module's ``state_dict`` at the linear start.
    seed : int
        Seeds the jackknife's groups.
    estimator : str
        Named in the warning.
    history : History, optional
        The fit's history: when the start is restored, its ``best_epoch`` becomes 0 and its
        ``best_loss`` the start's validation loss.

    Returns
    -------
    bool
        Whether the network was kept.
    """
    n = len(validation)
    if n < 2:
        return True
    groups = min(_JACKKNIFE_GROUPS, n)
    perm = torch.randperm(n, generator=torch.Generator().manual_seed(int(seed)))
    member = torch.empty(n, dtype=torch.long)
    member[perm] = torch.arange(n) % groups
    subsets = [torch.arange(n)] + [torch.nonzero(member != g).squeeze(1) for g in range(groups)]
    batch = validation.take(torch.arange(n))
    trained = {k: v.detach().clone() for k, v in module.state_dict().items()}

    def losses(state: dict[str, Tensor]) -> Tensor:
        module.load_state_dict(state)
        with torch.no_grad():
            was = module.training
            module.eval()
            eta = module(batch.inputs)
            module.train(was)
            out = []
            for index in subsets:
                target = take(batch.target, index)
                weight = None if batch.weight is None else batch.weight[index]
                total = float(index.numel()) if weight is None else float(weight.sum())
                value = loss(eta[index], target, weight=weight, reduction="sum")
                out.append(float(value) / total if total > 0 else math.nan)
        return torch.tensor(out, dtype=torch.float64)

    at_start = losses(start)
    d = losses(trained) - at_start  # (1 + groups,): all rows, then each group deleted
    module.load_state_dict(trained)
    if not torch.isfinite(d).all():
        return True
    loo = d[1:]
    se = float(((groups - 1) / groups * ((loo - loo.mean()) ** 2).sum()).sqrt())
    diff = float(d[0])
    if diff < -se:
        return True
    module.load_state_dict(start)
    if history is not None:  # the kept weights are the start's: the engine's epoch 0
        history.best_epoch, history.best_loss = 0, float(at_start[0])
    warnings.warn(
        f"The network of {estimator} improved the validation loss of the linear model it started from (the classical fit "
        f"of the same family, fitted first) by {-diff:.3g}, less than one standard error ({se:.3g}): the fitted model is "
        "that linear model (the one-standard-error rule). The inputs may act linearly, or the data be too few for the "
        "network; network='linear' fits the linear model alone, with standard errors.",
        NoImprovementWarning,
        stacklevel=user_stacklevel(),
    )
    return False


@contextlib.contextmanager
def network_on_linear_start(estimator: str) -> Iterator[None]:
    """Say what "no improvement" means for a fit that started at the linear model.

    The engine's :class:`~deepstat.train.engine.NoImprovementWarning` speaks of starting weights;
    here they are the classical linear fit, and keeping them is the answer to "does the network
    add anything to the linear model?" (no, on these validation rows). Other warnings pass through.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield
    for w in caught:
        if issubclass(w.category, NoImprovementWarning):
            warnings.warn_explicit(
                NoImprovementWarning(
                    f"The network of {estimator} did not improve on the linear model it started from (the classical fit "
                    "of the same family, fitted first) on the validation rows: the fitted model is that linear model. "
                    "The inputs may act linearly, or the data be too few for the network; "
                    "network='linear' fits the linear model alone, with standard errors."
                ),
                NoImprovementWarning, w.filename, w.lineno,
            )
        else:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno, source=w.source)


def _n_distinct_rows(train: BatchSource) -> int:
    """The number of distinct input rows of positive weight: the design's rank is at most this.

    Counted on the rows themselves, so that a row of weight k and k copies of it count once (a fit
    with weights is the fit on repeated rows, scikit-learn's sample-weight equivalence).
    """
    batch = train.take(torch.arange(len(train)))
    x = batch.inputs
    if not isinstance(x, Tensor) or x.ndim != 2:
        return len(train)
    if batch.weight is not None:
        x = x[batch.weight > 0]
    if x.shape[0] > 10 * (x.shape[1] + 1):  # plainly more than enough: skip the sort
        return int(x.shape[0])
    return int(torch.unique(x, dim=0).shape[0])


def _cat(a: Any, b: Any) -> Any:
    if isinstance(a, Tensor):
        return torch.cat([a, b])
    if isinstance(a, (tuple, list)):
        return type(a)(_cat(x, y) for x, y in zip(a, b))
    if dataclasses.is_dataclass(a):  # a SurvivalTarget: its tensor fields, the others as they are
        return dataclasses.replace(a, **{f.name: _cat(getattr(a, f.name), getattr(b, f.name))
                                         for f in dataclasses.fields(a) if isinstance(getattr(a, f.name), (Tensor, tuple, list))})
    return a


def _concat(train: BatchSource, validation: BatchSource) -> TensorBatches:
    """The training and validation rows as one source (in memory: tables only)."""
    a, b = (s.take(torch.arange(len(s))) for s in (train, validation))
    weight = None
    if a.weight is not None or b.weight is not None:
        like = a.weight if a.weight is not None else b.weight
        weight = torch.cat([w if w is not None else torch.ones(len(x), dtype=like.dtype) for w, x in ((a.weight, a), (b.weight, b))])
    return TensorBatches(_cat(a.inputs, b.inputs), _cat(a.target, b.target), weight)


def _to_float64(value: Any) -> Any:
    if isinstance(value, Tensor):
        return value.double() if value.is_floating_point() else value
    if isinstance(value, (tuple, list)):
        return type(value)(_to_float64(v) for v in value)
    if dataclasses.is_dataclass(value):  # a SurvivalTarget: its float fields
        return dataclasses.replace(value, **{f.name: _to_float64(getattr(value, f.name)) for f in dataclasses.fields(value)})
    return value


def _float64(source: BatchSource) -> BatchSource:
    """The same rows with float64 inputs and targets (a TensorBatches, or a subset of one)."""
    if isinstance(source, SubsetBatches):
        return SubsetBatches(_float64(source.source), source.index)
    if isinstance(source, TensorBatches):
        return TensorBatches(_to_float64(source.inputs), _to_float64(source.target), source.weight)
    raise TypeError(f"`train` of fit_linear_start must be a TensorBatches or a subset of one. Got {type(source).__name__} instead.")
