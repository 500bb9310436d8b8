"""Discrete-time deep survival models: LogisticHazard and DeepHit (competing risks), on intervals cut at event-time quantiles."""

from __future__ import annotations

import os
from numbers import Real
from typing import Any

import numpy as np
import pandas as pd
import torch
from torch import Tensor

from deepstat.estimators._params import NONE, POS_INT, Interval, validate_params, store_params
from deepstat.estimators.base import _DTYPES
from deepstat.estimators.survival.base import SURVIVAL_CONSTRAINTS, SurvivalEstimator
from deepstat.nn import NetworkConfig
from deepstat.losses import DeepHitLoss, LogisticHazardLoss, discretize_times
from deepstat.utils.survival import check_survival_target, check_time_event
from deepstat.utils.survival_target import SurvivalTarget
from deepstat.utils.validation import format_values

__all__ = ["DeepHit", "LogisticHazard", "event_time_cuts"]


def event_time_cuts(time: np.ndarray, event: np.ndarray, n_durations: int) -> np.ndarray:
    """Interval boundaries ``[0, q_1, ..., q_{K-1}, max(time)]``: ``q`` the quantiles of the event times.

    Duplicated quantiles (heavily tied times) are merged, so there may be fewer than ``n_durations``
    intervals; every training time lies in ``[0, max(time)]``.

    Examples
    --------
    >>> event_time_cuts(np.array([1.0, 2.0, 3.0, 4.0, 9.0]), np.array([1, 1, 1, 1, 0], bool), 2).tolist()
    [0.0, 2.5, 9.0]
    """
    inner = np.quantile(time[event], np.linspace(0, 1, n_durations + 1)[1:-1])
    return np.unique(np.concatenate([[0.0], inner, [time.max()]]))


class _DiscreteTime(SurvivalEstimator):
    """Shared fitting and curves of the discrete-time models (not used directly)."""

    def _cuts_for(self, time: np.ndarray, event: np.ndarray) -> np.ndarray:
        cuts = event_time_cuts(time, event, int(self.n_durations))
        if cuts.shape[0] < 2:
            raise ValueError(
                f"`y` of {type(self).__name__} must span a positive time range to cut into intervals. Got every time "
                f"equal to {time.max()!r} instead."
            )
        return cuts

    def _bins(self, time: np.ndarray) -> Tensor:
        # times after the last cut (validation data) count in the last interval
        clipped = np.minimum(time, self.cuts_[-1])
        return discretize_times(torch.as_tensor(clipped), torch.as_tensor(self.cuts_))

    def _fit_discrete(
        self, X: Any, time: np.ndarray, code: np.ndarray, sample_weight: Any, eval_set: tuple | None, n_outputs: int, loss: Any
    ) -> None:
        Z = self._encode_X(X, fitting=True, sample_weight=sample_weight)
        weight, self._weight = self._weight, None
        self._check_lengths(Z.shape[0], time.shape[0], fitting=True)
        self.family_ = None
        target = self._encode_target((time, code), fitting=True)
        validation = self._eval_batches(eval_set)
        self._fit_objective(
            Z, target, weight, loss, n_outputs, strata=code.astype(np.int64), validation=validation,
            offset=self._initial_logits(target),
        )
        self.time_grid_ = self.cuts_

    def _discrete_target(self, time: np.ndarray, code: np.ndarray) -> SurvivalTarget:
        """Times (in the fit's dtype), event flags or cause codes (int64) and interval indices (int64)."""
        return SurvivalTarget(
            time=torch.as_tensor(time, dtype=_DTYPES[self.dtype_]),
            event=torch.as_tensor(np.asarray(code).astype(np.int64)),
            bin=self._bins(time),
        )

    def _initial_logits(self, target: SurvivalTarget) -> Tensor:  # pragma: no cover - by subclasses
        raise NotImplementedError

    def _interval_survival(self, X: Any) -> np.ndarray:  # pragma: no cover - by subclasses
        """S(c_1), ..., S(c_K) of each row, shape (n, K)."""
        raise NotImplementedError

    def _at_times(self, values: np.ndarray, times: np.ndarray, before: float) -> np.ndarray:
        """Step functions with jumps at the cuts, ``values[..., k]`` from cut k + 1 on, read at ``times`` (last axis)."""
        idx = np.searchsorted(self.cuts_[1:], times, side="right") - 1  # last cut <= t, -1 before the first
        return np.where(idx < 0, before, values[..., np.clip(idx, 0, None)])

    def _survival_matrix(self, X: Any, times: np.ndarray) -> np.ndarray:
        return self._at_times(self._interval_survival(X), times, before=1.0)  # (n, n_times), one gather

    def predict_risk(self, X: Any) -> np.ndarray:
        """Minus the restricted mean survival time up to the last cut, :math:`-\\int_0^{c_K} S(t)\\,dt` (higher: earlier event).

        Returns
        -------
        ndarray of shape (n_samples,)
        """
        S = self._interval_survival(X)
        widths = np.diff(self.cuts_)
        # S is a step function: S(c_k) on [c_k, c_{k+1}), S(c_0) = 1
        left = np.concatenate([np.ones((S.shape[0], 1)), S[:, :-1]], axis=1)
        return -(left * widths).sum(axis=1)


_DISCRETE_CONSTRAINTS = {**SURVIVAL_CONSTRAINTS, "n_durations": [POS_INT]}


class LogisticHazard(_DiscreteTime):
    r"""Discrete-time survival with a network hazard per interval (Gensheimer & Narasimhan 2019; pycox's ``LogisticHazard``).

    Time is cut into :math:`K` intervals :math:`(c_k, c_{k+1}]` at quantiles of the training event
    times; the network gives :math:`K` logits, the hazards :math:`h_k(x) = \sigma(\phi_k(x))` of an
    event in interval :math:`k` given survival to :math:`c_k`, and
    :math:`S(c_{k+1} \mid x) = \prod_{m \le k} (1 - h_m(x))`. The loss is
    :func:`deepstat.losses.logistic_hazard_nll`.

    Parameters
    ----------
    n_durations : int, default=10
        Number of intervals :math:`K` (fewer when event-time quantiles coincide).
    network, standardize, optimizer, lr, batch_size,
    max_epochs, penalty, alpha, l1_ratio, early_stopping, validation_fraction, patience, lr_schedule,
    clip_grad_norm, random_state, verbose, checkpoint_dir, resume, dtype
        As in :class:`DeepCoxPH`; ``batch_size`` defaults to 256 (the likelihood is a sum over rows).

    Attributes
    ----------
    cuts_ : ndarray of shape (K + 1,)
        Interval boundaries, ``cuts_[0] = 0`` and ``cuts_[-1]`` the largest training time (also ``time_grid_``).
    module_, history_, preprocessor_, n_features_in_, feature_names_in_, n_epochs_

    Notes
    -----
    The survival curve is a right-continuous step function with jumps at ``cuts_[1:]``; a row
    censored in an interval counts as having survived it (pycox's convention). The network starts
    at the pooled (Kaplan-Meier) hazard of each interval.

    Examples
    --------
    >>> import numpy as np
    >>> from deepstat.estimators import LogisticHazard
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(300, 2)); time = rng.exponential(np.exp(-X[:, 0])); event = rng.uniform(size=300) < 0.8
    >>> model = LogisticHazard(n_durations=5, max_epochs=20, random_state=0, verbose=0).fit(X, (time, event))
    >>> model.predict_survival_function(X[:2]).shape
    (2, 6)
    """

    _constraints = _DISCRETE_CONSTRAINTS
    _saved_values = ("cuts_", "time_grid_")
    _objective_label = "discrete-time hazard likelihood"

    def __init__(
        self,
        n_durations: int = 10,
        network: str | NetworkConfig = "mlp",
        standardize: bool = True,
        optimizer: str = "auto",
        lr: float | None = None,
        batch_size: int | None = 256,
        max_epochs: int = 500,
        penalty: str = "none",
        alpha: float = 0.0,
        l1_ratio: float = 0.5,
        early_stopping: bool | str = "auto",
        validation_fraction: float = 0.2,
        patience: int = 20,
        lr_schedule: str = "none",
        clip_grad_norm: float | None = None,
        random_state: Any = None,
        verbose: int = 1,
        checkpoint_dir: str | os.PathLike | None = None,
        resume: bool = False,
        dtype: str = "auto",
    ) -> None:
        store_params(self, locals())  # every argument, unchanged (the scikit-learn contract)

    def _encode_target(self, y: Any, *, fitting: bool) -> SurvivalTarget:
        time, event = check_survival_target(y, type(self).__name__)
        if fitting:
            self.cuts_ = self._cuts_for(time, event)
        return self._discrete_target(time, event)

    def fit(self, X: Any, y: Any, sample_weight: Any = None, eval_set: tuple | None = None) -> LogisticHazard:
        """Cut time at event-time quantiles and fit the hazard logits by the discrete-time likelihood.

        Parameters and errors as :meth:`DeepCoxPH.fit`.

        Returns
        -------
        self
        """
        validate_params(self, self._constraints)
        self._reset_fitted()
        time, event = check_survival_target(y, type(self).__name__)
        self.cuts_ = self._cuts_for(time, event)
        n_bins = self.cuts_.shape[0] - 1
        self._fit_discrete(X, time, event.astype(np.int64), sample_weight, eval_set, n_bins, LogisticHazardLoss())
        return self

    def _initial_logits(self, target: SurvivalTarget) -> Tensor:
        bins, event = target.bin, target.event > 0
        n_bins = self.cuts_.shape[0] - 1
        at_risk = torch.bincount(bins, minlength=n_bins).flip(0).cumsum(0).flip(0).double()
        events = torch.bincount(bins[event], minlength=n_bins).double()
        h = (events / at_risk.clamp(min=1)).clamp(1e-4, 1 - 1e-4)
        return torch.log(h) - torch.log1p(-h)

    def _interval_survival(self, X: Any) -> np.ndarray:
        log_one_minus_h = -torch.nn.functional.softplus(self._eta(X).double())  # log(1 - sigmoid(phi))
        return torch.exp(torch.cumsum(log_one_minus_h, dim=1)).numpy()


class DeepHit(_DiscreteTime):
    r"""DeepHit (Lee et al. 2018): a network for the joint distribution of (event time interval, cause), competing risks.

    The network gives :math:`R K` logits; a softmax over them and one extra cell "no event by
    :math:`c_K`" gives :math:`p_{rk}(x)`, the probability of an event of cause :math:`r` in interval
    :math:`k`. The cause-specific cumulative incidence is :math:`F_r(c_{k+1} \mid x) = \sum_{m \le k}
    p_{rm}(x)` and the overall survival :math:`S = 1 - \sum_r F_r`. The loss is
    ``nll_weight`` times the likelihood (:func:`deepstat.losses.deephit_nll`) plus ``1 - nll_weight``
    times the ranking loss (:func:`deepstat.losses.deephit_ranking_loss`), computed within each batch.

    Parameters
    ----------
    n_durations : int, default=10
        Number of intervals :math:`K`, cut at quantiles of the event times (any cause).
    n_causes : int or None, default=None
        Number of competing causes :math:`R`; ``None`` takes the largest cause code in ``y``.
    nll_weight : float in [0, 1], default=0.2
        Weight of the likelihood term (pycox's ``alpha``).
    sigma : float, default=0.1
        Scale of the ranking penalty.
    network, standardize, optimizer, lr, batch_size,
    max_epochs, penalty, alpha, l1_ratio, early_stopping, validation_fraction, patience, lr_schedule,
    clip_grad_norm, random_state, verbose, checkpoint_dir, resume, dtype
        As in :class:`LogisticHazard`.

    Attributes
    ----------
    cuts_ : ndarray of shape (K + 1,)
    n_causes_ : int
    module_, history_, preprocessor_, n_features_in_, feature_names_in_, n_epochs_

    Notes
    -----
    ``y`` is ``(time, cause)``: cause 0 for a censored time and ``1..R`` for an event of that cause
    (a bool or 0/1 event indicator is the single-risk case), as a tuple, two columns or a structured
    array. ``score`` and ``predict_risk`` use the overall (any-cause) survival.

    References
    ----------
    Lee, C., Zame, W., Yoon, J. and van der Schaar, M. (2018). DeepHit: a deep learning approach to
    survival analysis with competing risks. AAAI 32.

    Examples
    --------
    >>> import numpy as np
    >>> from deepstat.estimators import DeepHit
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(300, 2)); time = rng.exponential(1.0, 300); cause = rng.integers(0, 3, 300)
    >>> model = DeepHit(n_durations=5, max_epochs=5, random_state=0, verbose=0).fit(X, (time, cause))
    >>> cif = model.predict_cumulative_incidence(X[:2])
    >>> cif.shape, model.n_causes_
    ((2, 12), 2)
    >>> cif[1].shape  # cause 1, at each time of the grid
    (2, 6)
    """

    _constraints = {
        **_DISCRETE_CONSTRAINTS,
        "n_causes": [POS_INT, NONE],
        "nll_weight": [Interval(Real, 0, 1)],
        "sigma": [Interval(Real, 0, None, closed="neither")],
    }
    _saved_values = ("cuts_", "time_grid_", "n_causes_")

    def _standard_errors_apply(self, loss: Any) -> bool:
        return False  # its objective adds a ranking penalty to the likelihood: no observed information
    _objective_label = "DeepHit likelihood + ranking loss"

    def __init__(
        self,
        n_durations: int = 10,
        n_causes: int | None = None,
        nll_weight: float = 0.2,
        sigma: float = 0.1,
        network: str | NetworkConfig = "mlp",
        standardize: bool = True,
        optimizer: str = "auto",
        lr: float | None = None,
        batch_size: int | None = 256,
        max_epochs: int = 500,
        penalty: str = "none",
        alpha: float = 0.0,
        l1_ratio: float = 0.5,
        early_stopping: bool | str = "auto",
        validation_fraction: float = 0.2,
        patience: int = 20,
        lr_schedule: str = "none",
        clip_grad_norm: float | None = None,
        random_state: Any = None,
        verbose: int = 1,
        checkpoint_dir: str | os.PathLike | None = None,
        resume: bool = False,
        dtype: str = "auto",
    ) -> None:
        store_params(self, locals())  # every argument, unchanged (the scikit-learn contract)

    def _time_cause(self, y: Any, caller: str, *, max_cause: int | None) -> tuple[np.ndarray, np.ndarray]:
        """Times and integer cause codes 0..R from a tuple, two columns or a structured array."""
        if isinstance(y, tuple) and len(y) == 2:
            time, code = np.asarray(y[0]), np.asarray(y[1])
        elif isinstance(y, pd.DataFrame) and y.shape[1] == 2:
            time, code = y.iloc[:, 0].to_numpy(), y.iloc[:, 1].to_numpy()
        elif getattr(np.asarray(y), "dtype", None) is not None and np.asarray(y).dtype.names is not None:
            arr = np.asarray(y)
            names = arr.dtype.names
            if len(names) != 2:
                raise ValueError(f"`y` of {caller} must have a time field and a cause field. Got fields {list(names)} instead.")
            t_name = names[1] if arr.dtype[names[1]].kind == "f" else names[0]
            time, code = arr[t_name], arr[names[0] if t_name == names[1] else names[1]]
        else:
            arr = np.asarray(y)
            if arr.ndim != 2 or arr.shape[1] != 2:
                raise ValueError(
                    f"`y` of {caller} must be (time, cause) as a tuple, two columns or a structured array. "
                    f"Got shape {arr.shape} instead."
                )
            time, code = arr[:, 0], arr[:, 1]
        if code.dtype.kind == "b":
            code = code.astype(np.int64)
        if code.dtype.kind not in "iuf":
            raise ValueError(f"`y` (cause codes) of {caller} must hold integers 0..R. Got dtype {code.dtype} instead.")
        codef = code.astype(np.float64)
        bad = ~np.isfinite(codef) | (codef != np.round(codef)) | (codef < 0)
        if max_cause is not None:
            bad |= codef > max_cause
        if bad.any():
            upper = "R" if max_cause is None else str(max_cause)
            raise ValueError(
                f"`y` (cause codes) of {caller} must hold integers in 0..{upper} (0 = censored). Got {int(bad.sum())} "
                f"other value(s) {format_values(code[bad])} instead."
            )
        time, _ = check_time_event(time, codef > 0, caller, time_name="y (time)", event_name="y (cause)")
        return time, codef.astype(np.int64)

    def _encode_target(self, y: Any, *, fitting: bool) -> SurvivalTarget:
        time, code = self._time_cause(y, type(self).__name__, max_cause=self.n_causes_)
        return self._discrete_target(time, code)

    def _score_target(self, y: Any) -> tuple[np.ndarray, np.ndarray]:
        time, code = self._time_cause(y, f"{type(self).__name__}.score", max_cause=self.n_causes_)
        return time, code > 0

    def fit(self, X: Any, y: Any, sample_weight: Any = None, eval_set: tuple | None = None) -> DeepHit:
        """Cut time at event-time quantiles and fit the joint (interval, cause) distribution.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
        y : tuple (time, cause), array-like of shape (n_samples, 2) or structured array
            Cause 0 = censored, ``1..R`` the cause of the event.
        sample_weight, eval_set
            As in :meth:`DeepCoxPH.fit`.

        Returns
        -------
        self

        Raises
        ------
        ValueError
            For NaN, infinite or negative times, cause codes outside ``0..n_causes`` (or not
            integers), or every observation censored.
        """
        validate_params(self, self._constraints)
        self._reset_fitted()
        time, code = self._time_cause(y, type(self).__name__, max_cause=self.n_causes)
        self.n_causes_ = int(self.n_causes) if self.n_causes is not None else int(code.max())
        self.cuts_ = self._cuts_for(time, code > 0)
        n_bins = self.cuts_.shape[0] - 1
        loss = DeepHitLoss(n_causes=self.n_causes_, alpha=float(self.nll_weight), sigma=float(self.sigma))
        self._fit_discrete(X, time, code, sample_weight, eval_set, self.n_causes_ * n_bins, loss)
        return self

    def _initial_logits(self, target: SurvivalTarget) -> Tensor:
        return torch.zeros(self.n_causes_ * (self.cuts_.shape[0] - 1))

    def _incidence(self, X: Any) -> np.ndarray:
        """Cumulative incidences F_r(c_{k+1}) of each row, shape (n, R, K)."""
        eta = self._eta(X).double()
        n = eta.shape[0]
        logits = torch.nn.functional.pad(eta, (0, 1))  # the "no event by c_K" cell, logit 0
        pmf = torch.softmax(logits, dim=1)[:, :-1].reshape(n, self.n_causes_, -1)
        return torch.cumsum(pmf, dim=2).numpy()

    def _interval_survival(self, X: Any) -> np.ndarray:
        return np.clip(1.0 - self._incidence(X).sum(axis=1), 0.0, 1.0)

    def predict_cumulative_incidence(self, X: Any, times: Any = None) -> pd.DataFrame:
        """Cause-specific cumulative incidence :math:`F_r(t \\mid x) = P(T \\le t, \\text{cause} = r \\mid x)`.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
        times : array-like of shape (n_times,), optional
            Default ``time_grid_`` (the cuts).

        Returns
        -------
        pandas.DataFrame of shape (n_samples, n_causes * n_times)
            Columns are a MultiIndex (cause, time): ``frame[r]`` is the (n_samples, n_times) curve of cause ``r``.
        """
        grid = self._grid(times, "predict_cumulative_incidence")
        F = self._at_times(self._incidence(X), grid, before=0.0)  # (n, n_causes, n_times)
        blocks = [F[:, r] for r in range(self.n_causes_)]
        columns = pd.MultiIndex.from_product([range(1, self.n_causes_ + 1), grid], names=["cause", "time"])
        index = X.index if isinstance(X, pd.DataFrame) else pd.RangeIndex(F.shape[0])
        return pd.DataFrame(np.concatenate(blocks, axis=1), index=index, columns=columns)
