r"""The ``Family`` base class: the likelihood recipe written once.

A family turns the raw network outputs ``eta`` (shape ``(*batch, n_params)``: ``(n, n_params)`` for a
table, ``(n, T, n_params)`` per time step, ``(n, H, W, n_params)`` per pixel ...) into a
``torch.distributions.Distribution`` of batch shape ``batch`` through one link per parameter, and provides everything an
estimator needs from it: the negative log-likelihood, mean, variance, CDF, quantiles, samples,
target validation and an intercept-only starting value for the output layer's bias.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Sequence
from typing import Any, ClassVar, Literal

import numpy as np
import torch
from torch import Tensor
from torch.distributions import Distribution
from torch.distributions.constraints import Constraint

from deepstat.families.estimation import positive_or
from deepstat.families.links import Link, choose_link
from deepstat.families.search import continuous_quantile, discrete_quantile
from deepstat.utils.validation import format_values

__all__ = ["Family"]

Reduction = Literal["mean", "sum", "none"]


class Family:
    r"""Base class of likelihood families: links + a torch distribution + target checks.

    A subclass sets the class attributes below and writes ``_make_distribution`` and
    ``_init_eta``; everything else is inherited. ``eta[..., j]`` feeds parameter ``j`` of ``params``
    whatever the leading (batch) shape of ``eta`` (vector-valued families override ``split``).
    Targets have shape ``(*batch, *event_shape)`` and weights broadcast against ``batch``.

    Attributes
    ----------
    name : str
        Registry key, e.g. ``"normal"``.
    params : dict of str to Constraint
        Ordered parameters; location/mean parameter(s) first.
    links : dict of str to Link
        The link of each parameter; ``links[p].inverse(eta_column) -> params[p]``.
    support : Constraint
        Support of the target, as a ``torch.distributions.constraints`` object.
    support_text : str
        The support in words, used in error messages.
    event_shape : tuple of int
        ``()`` for univariate targets, ``(d,)`` for vector targets.
    event_rank : int
        ``len(event_shape)``, known on the class before it is sized: 0 for univariate targets,
        1 for vector targets (multivariate normal, rankings).
    sized_by_target : bool
        Whether a family given by name reads its size off the target (:meth:`from_target`).
    n_params : int
        Raw outputs per observation.
    n_location_params : int
        Leading ``eta`` columns that carry the location/mean. With ``heteroscedastic=False`` an
        estimator lets only these depend on the inputs and fits the others as constants.
    is_discrete : bool
        Whether the target is integer valued.

    Notes
    -----
    Distributions are built with ``validate_args=False``: targets are checked once at the
    public boundary by :meth:`check_target` / :meth:`prepare_target` (STYLE 7.5), and the links
    guarantee valid parameters for every finite ``eta``. ``log_prob`` returns the full
    log-likelihood with all constants (STYLE 3.2), so it matches ``scipy.stats`` ``logpdf``.

    Examples
    --------
    >>> import torch
    >>> from deepstat.families import Normal
    >>> family = Normal()
    >>> eta = torch.zeros(3, family.n_params)
    >>> family.neg_log_likelihood(eta, torch.zeros(3)).shape
    torch.Size([])
    >>> family.mean(torch.zeros(4, 5, family.n_params)).shape  # any batch shape
    torch.Size([4, 5])
    """

    name: ClassVar[str] = ""
    params: dict[str, Constraint]
    links: dict[str, Link]
    support: Constraint
    support_text: str = ""
    event_shape: tuple[int, ...] = ()
    #: len(event_shape), readable on the class before a sized family is constructed
    event_rank: ClassVar[int] = 0
    #: whether :meth:`from_target` reads the family's size (classes, dimension, items) off ``y``
    sized_by_target: ClassVar[bool] = False
    n_location_params: int = 1
    is_discrete: bool = False
    #: appended to the check_target message: how to fix the data
    target_hint: ClassVar[str] = ""
    #: ends of the support, for the quantile search of families without a torch ``icdf``
    support_bounds: ClassVar[tuple[float, float]] = (-math.inf, math.inf)
    #: whether torch's ``icdf`` exists for this family's distribution
    has_icdf: ClassVar[bool] = False
    #: links of the mean a ``link=`` argument may name, R's names, the default first (empty: no choice)
    link_choices: ClassVar[tuple[str, ...]] = ()
    #: links among them whose range leaves the mean's domain (``identity`` for a positive mean): where
    #: ``eta`` maps outside it the log-likelihood is -inf, so a line search backs off
    restricted_links: ClassVar[frozenset[str]] = frozenset()

    def _set_link(self, link: str) -> None:
        """Validate ``link`` (one of ``link_choices``) and make it the link of the first (mean) parameter."""
        first = next(iter(type(self).links))
        self.links = {**type(self).links, first: choose_link(link, self.link_choices, type(self).__name__)}
        self.link = link

    def _link_config(self) -> dict[str, Any]:
        """``{"link": ...}`` when it is not the default (so that ``Gamma()`` stays ``Gamma()``)."""
        return {} if self.link == self.link_choices[0] else {"link": self.link}

    def _mask_outside_domain(self, eta: Tensor, log_prob: Tensor) -> Tensor:
        """``log_prob`` with -inf where a restricted link maps ``eta`` outside the mean's domain."""
        if getattr(self, "link", None) not in self.restricted_links:
            return log_prob
        name, link = next(iter(self.links.items()))
        inside = self.params[name].check(link.inverse(eta[..., 0]))
        return torch.where(inside, log_prob, torch.full_like(log_prob, -math.inf))

    # ------------------------------------------------------------------ structure
    @property
    def n_params(self) -> int:
        """Number of raw network outputs per observation."""
        return len(self.params)

    @classmethod
    def from_target(cls, y: np.ndarray | Tensor, *, caller: str | None = None) -> Family:
        """The family given by name, sized by the target where its size depends on it.

        Estimators call this instead of naming families: ``FAMILIES[name].from_target(y)``.
        The default takes no size and returns ``cls()``; families sized by their target
        (categorical: the number of classes, multivariate normal: the dimension, Plackett-Luce:
        the number of items) read it off ``y`` and check what they read.

        Parameters
        ----------
        y : array-like or Tensor
            The target, shape ``(*batch, *event_shape)``.
        caller : str or None, default=None
            Named in error messages (e.g. ``"DeepRegressor"``); defaults to ``"<Family>.from_target"``.

        Returns
        -------
        Family

        Raises
        ------
        ValueError
            If the family cannot be sized from ``y`` (see each family).

        Examples
        --------
        >>> import numpy as np
        >>> from deepstat.families import Categorical, Poisson
        >>> Poisson.from_target(np.array([0.0, 3.0]))
        Poisson()
        >>> Categorical.from_target(np.array([0.0, 2.0, 1.0]))
        Categorical(n_classes=3)
        """
        return cls()

    def _check_eta(self, eta: Tensor) -> None:
        caller = type(self).__name__
        if not isinstance(eta, Tensor):
            raise TypeError(f"`eta` of {caller} must be a torch.Tensor. Got {type(eta).__name__} instead.")
        if eta.ndim < 1 or eta.shape[-1] != self.n_params or not eta.is_floating_point():
            raise ValueError(
                f"`eta` of {caller} must be a floating tensor of shape (n, {self.n_params}), or (*batch, {self.n_params}) "
                f"with any leading batch dimensions. Got shape {tuple(eta.shape)} and dtype {eta.dtype} instead."
            )

    def split(self, eta: Tensor) -> dict[str, Tensor]:
        """Apply the inverse links to the last dimension of ``eta``.

        Parameters
        ----------
        eta : Tensor
            Raw outputs of shape ``(*batch, n_params)``.

        Returns
        -------
        dict of str to Tensor
            One entry per parameter, in the order of ``params``; shape ``batch`` each for
            scalar parameters (``(*batch, k)`` for vector ones).

        Raises
        ------
        TypeError
            If ``eta`` is not a tensor.
        ValueError
            If ``eta`` does not have shape ``(*batch, n_params)``.
        """
        self._check_eta(eta)
        return {name: link.inverse(eta[..., j]) for j, (name, link) in enumerate(self.links.items())}

    def _make_distribution(self, **params: Tensor) -> Distribution:
        raise NotImplementedError(f"{type(self).__name__} must implement `_make_distribution`.")

    def distribution(self, eta: Tensor) -> Distribution:
        """The predictive distribution, batch shape ``eta.shape[:-1]`` and event shape ``event_shape``."""
        return self._make_distribution(**self.split(eta))

    # ------------------------------------------------------------------ likelihood
    def _value(self, y: Tensor) -> Tensor:
        """Convert a floating target to what the torch distribution expects (long for labels)."""
        return y

    def log_prob(self, y: Tensor, eta: Tensor) -> Tensor:
        """Full log-likelihood of each observation, constants included; shape ``eta.shape[:-1]``."""
        return self._mask_outside_domain(eta, self.distribution(eta).log_prob(self._value(y)))

    def neg_log_likelihood(
        self,
        eta: Tensor,
        y: Tensor,
        *,
        weight: Tensor | None = None,
        reduction: Reduction = "mean",
    ) -> Tensor:
        r"""Negative log-likelihood, optionally weighted and reduced.

        Parameters
        ----------
        eta : Tensor
            Raw outputs of shape ``(*batch, n_params)``, e.g. ``(n, n_params)``.
        y : Tensor
            Targets of shape ``(*batch, *event_shape)``, as returned by :meth:`prepare_target`.
        weight : Tensor or None, default=None
            Non-negative observation weights of shape ``batch``, or any shape that broadcasts
            to it (``(n, 1)`` for one weight per series of a ``(n, T)`` batch).
        reduction : {"mean", "sum", "none"}, default="mean"
            ``"mean"``: :math:`\sum_i w_i \ell_i / \sum_i w_i` over all batch entries (so weight
            2 equals a duplicated row); ``"sum"``: :math:`\sum_i w_i \ell_i`; ``"none"``:
            :math:`w_i \ell_i` per entry.

        Returns
        -------
        Tensor
            A scalar, or shape ``batch`` for ``reduction="none"``.

        Raises
        ------
        ValueError
            If ``reduction`` is unknown or ``weight`` has the wrong shape.
        """
        caller = f"{type(self).__name__}.neg_log_likelihood"
        if reduction not in ("mean", "sum", "none"):
            raise ValueError(f"`reduction` of {caller} must be one of 'mean', 'sum', 'none'. Got {reduction!r} instead.")
        nll = -self.log_prob(y, eta)  # batch shape, (n,) for a table
        if weight is not None:
            if not isinstance(weight, Tensor) or not _broadcasts_to(weight.shape, nll.shape):
                shape = tuple(weight.shape) if isinstance(weight, Tensor) else type(weight).__name__
                raise ValueError(
                    f"`weight` of {caller} must be a tensor of shape {tuple(nll.shape)}, or one that broadcasts to it. "
                    f"Got {shape!r} instead."
                )
            if weight.shape != nll.shape:
                weight = weight.expand(nll.shape)
            nll = nll * weight
        if reduction == "none":
            return nll
        if reduction == "sum":
            return nll.sum()
        return nll.sum() / weight.sum() if weight is not None else nll.mean()

    # ------------------------------------------------------------------ summaries
    def mean(self, eta: Tensor) -> Tensor:
        """Mean of the predictive distribution, shape ``(*batch, *event_shape)``."""
        return self.distribution(eta).mean

    def variance(self, eta: Tensor) -> Tensor:
        """Variance of the predictive distribution, shape ``(*batch, *event_shape)``."""
        return self.distribution(eta).variance

    def mode(self, eta: Tensor) -> Tensor:
        """Mode of the predictive distribution, shape ``(*batch, *event_shape)``."""
        return self.distribution(eta).mode

    def _require_univariate(self, method: str) -> None:
        if self.event_shape != ():
            raise ValueError(
                f"`{method}` of {type(self).__name__} must be called on a univariate family. Got event_shape "
                f"{self.event_shape} instead; use `sample` and empirical quantiles for vector targets."
            )

    def _cdf(self, y: Tensor, eta: Tensor) -> Tensor:
        """CDF at ``y`` (broadcasting against the batch shape ``eta.shape[:-1]``); override where torch has none."""
        return self.distribution(eta).cdf(y)

    def cdf(self, y: Tensor, eta: Tensor) -> Tensor:
        """Cumulative distribution function :math:`P(Y \\le y)` of each entry, shape ``eta.shape[:-1]``.

        ``y`` broadcasts against the batch shape of ``eta``.

        Raises
        ------
        ValueError
            For multivariate families.
        """
        self._require_univariate("cdf")
        self._check_eta(eta)
        return self._cdf(y, eta)

    def _log_survival(self, y: Tensor, eta: Tensor) -> Tensor:
        """:math:`\\log S(y)` from the CDF; override with a closed form where one exists."""
        # log1p(-F) keeps the upper tail's small S = 1 - F relative accurate as long as F is
        # not itself rounded to 1; the closed forms of the positive families go further.
        return torch.log1p(-self._cdf(y, eta))

    def log_survival(self, y: Tensor, eta: Tensor) -> Tensor:
        r"""Log survival function :math:`\log S(y) = \log P(Y > y) = \log(1 - F(y))` of each entry, shape ``eta.shape[:-1]``.

        Used for right-censored observations: a row censored at ``y`` contributes
        :math:`\log S(y)` to the likelihood (:func:`deepstat.losses.censored_nll`). The default is
        ``log1p(-cdf)``; the positive families (exponential, Weibull, gamma, log-normal,
        log-logistic) override it with a closed form that stays finite and accurate far in the
        upper tail, where ``1 - cdf`` rounds to zero.

        Parameters
        ----------
        y : Tensor
            Values, broadcasting against the batch shape ``eta.shape[:-1]``.
        eta : Tensor
            Raw outputs of shape ``(*batch, n_params)``.

        Returns
        -------
        Tensor
            :math:`\log S(y)`, in ``eta``'s dtype.

        Raises
        ------
        ValueError
            For multivariate families.

        Examples
        --------
        >>> import torch
        >>> from deepstat.families import Exponential
        >>> Exponential().log_survival(torch.tensor([2.0]), torch.tensor([[0.0]]))  # -rate * y
        tensor([-2.])
        """
        self._require_univariate("log_survival")
        self._check_eta(eta)
        return self._log_survival(y, eta)

    def quantile(self, eta: Tensor, q: float | Sequence[float] | Tensor) -> Tensor:
        """Quantiles of each row's predictive distribution at the levels ``q``.

        Torch's ``icdf`` is used where it exists (differentiable). Otherwise the CDF is inverted
        in float64 by vectorised bisection (continuous families) or by a search for the smallest
        integer ``y`` with ``CDF(y) >= q`` (discrete families); these results carry no gradient.

        Parameters
        ----------
        eta : Tensor
            Raw outputs of shape ``(*batch, n_params)``.
        q : float, sequence of float or Tensor
            Levels in the open interval (0, 1).

        Returns
        -------
        Tensor
            Shape ``(*batch, m)`` for ``m`` levels (``(n, m)`` for a table), in ``eta``'s dtype.

        Raises
        ------
        ValueError
            If a level is outside (0, 1) or the family is multivariate.
        """
        self._require_univariate("quantile")
        self._check_eta(eta)
        levels = self._check_levels(q)  # (m,)
        batch = eta.shape[:-1]
        if self.has_icdf:
            grid = levels.to(eta).reshape(-1, *[1] * len(batch))  # (m, 1, ..., 1)
            return self.distribution(eta).icdf(grid).movedim(0, -1)  # (*batch, m)
        eta64 = eta.detach().to(torch.float64)
        grid = levels.reshape(-1, *[1] * len(batch)).expand(len(levels), *batch)  # (m, *batch)

        def cdf(y: Tensor) -> Tensor:
            return self._cdf(y, eta64)

        if self.is_discrete:
            out = discrete_quantile(cdf, grid, lower=int(self.support_bounds[0]))
        else:
            out = continuous_quantile(cdf, grid, *self.support_bounds)
        return out.movedim(0, -1).to(eta.dtype)

    def _check_levels(self, q: float | Sequence[float] | Tensor) -> Tensor:
        caller = f"{type(self).__name__}.quantile"
        try:
            levels = torch.as_tensor(q, dtype=torch.float64).detach().cpu().reshape(-1)
        except (TypeError, ValueError, RuntimeError):
            raise TypeError(f"`q` of {caller} must be a float or a sequence of floats. Got {q!r} instead.") from None
        bad = ~((levels > 0) & (levels < 1))
        if levels.numel() == 0 or bool(bad.any()):
            shown = format_values(levels[bad]) if bad.any() else "[]"
            raise ValueError(f"`q` of {caller} must lie in the open interval (0, 1). Got {shown} instead.")
        return levels

    def sample(self, eta: Tensor, n_samples: int = 1, generator: torch.Generator | None = None) -> Tensor:
        """Draw from each entry's predictive distribution.

        Parameters
        ----------
        eta : Tensor
            Raw outputs of shape ``(*batch, n_params)``.
        n_samples : int, default=1
            Draws per entry.
        generator : torch.Generator or None, default=None
            Source of randomness. Torch's ``Distribution.sample`` takes no generator, so a seed
            is drawn from ``generator`` and the sampling runs under ``torch.random.fork_rng``:
            the global RNG is left untouched and equal generators give equal draws.

        Returns
        -------
        Tensor
            Shape ``(n_samples, *batch, *event_shape)`` in ``eta``'s dtype (labels and rankings too).

        Raises
        ------
        ValueError
            If ``n_samples`` is not a positive integer.
        """
        if isinstance(n_samples, bool) or not isinstance(n_samples, (int, np.integer)) or n_samples < 1:
            raise ValueError(
                f"`n_samples` of {type(self).__name__}.sample must be a positive integer. Got {n_samples!r} instead."
            )
        dist = self.distribution(eta.detach())
        with torch.no_grad():
            if generator is None:
                draws = dist.sample((int(n_samples),))
            else:
                seed = int(torch.randint(0, 2**62, (1,), generator=generator, device=generator.device).item())
                devices = [eta.device] if eta.device.type == "cuda" else []
                with torch.random.fork_rng(devices=devices):
                    torch.manual_seed(seed)
                    draws = dist.sample((int(n_samples),))
        return draws.to(eta.dtype)

    # ------------------------------------------------------------------ targets
    def _as_array(self, y: np.ndarray | Tensor) -> np.ndarray:
        if isinstance(y, Tensor):
            y = y.detach().cpu().numpy()
        try:
            return np.asarray(y, dtype=np.float64)
        except (TypeError, ValueError):
            raise TypeError(f"`y` of {type(self).__name__} must be numeric. Got {type(y).__name__} instead.") from None

    def _target_shape(self, arr: np.ndarray, batch_shape: Sequence[int] | None = None) -> tuple[int, ...]:
        """Shape the target is converted to.

        Without ``batch_shape`` (a table): univariate ``(n,)`` from ``(n,)`` or ``(n, 1)``, vector
        targets ``(n, *event_shape)``. With it: exactly ``(*batch_shape, *event_shape)``.
        """
        if batch_shape is not None:
            expected = (*(int(b) for b in batch_shape), *self.event_shape)
            if tuple(arr.shape) == expected:
                return expected
            raise ValueError(
                f"`y` of {type(self).__name__} must have shape (*batch, *event_shape) = {expected}. "
                f"Got shape {arr.shape} instead."
            )
        return self._table_target_shape(arr)

    def _table_target_shape(self, arr: np.ndarray) -> tuple[int, ...]:
        """Univariate table targets: ``(n,)`` from ``(n,)`` or ``(n, 1)``."""
        if arr.ndim == 1 or (arr.ndim == 2 and arr.shape[1] == 1):
            return (arr.shape[0],)
        raise ValueError(f"`y` of {type(self).__name__} must have shape (n,) or (n, 1). Got shape {arr.shape} instead.")

    def _outside_support(self, arr: np.ndarray) -> np.ndarray:
        """Boolean mask of target entries outside the support (NaN and inf included)."""
        inside = self.support.check(torch.as_tensor(np.array(arr))).numpy()  # a copy: arr may be read-only
        return ~(np.isfinite(arr) & inside)

    def check_target(self, y: np.ndarray | Tensor, *, batch_shape: Sequence[int] | None = None) -> None:
        """Raise if ``y`` has the wrong shape or values outside the family's support.

        Parameters
        ----------
        y : array-like or Tensor
            Targets: shape ``(n,)`` (or ``(n, 1)``) for univariate families, ``(n, *event_shape)``
            otherwise; with ``batch_shape``, exactly ``(*batch_shape, *event_shape)``.
        batch_shape : sequence of int or None, default=None
            The batch shape of the matching ``eta`` (``eta.shape[:-1]``), for targets that are
            not a table (per time step, per pixel ...).

        Raises
        ------
        TypeError
            If ``y`` is not numeric.
        ValueError
            Naming the family, its support and how many values fall outside it (NaN and inf
            count as outside), with the first offending values.
        """
        arr = self._as_array(y)
        arr = arr.reshape(self._target_shape(arr, batch_shape))
        bad = self._outside_support(arr)
        if bad.any():
            raise ValueError(
                f"`y` of {type(self).__name__} must lie in the support {self.support_text}. "
                f"Got {int(bad.sum())} value(s) outside it: {format_values(arr[bad])} instead."
                + (f" {self.target_hint}" if self.target_hint else "")
            )

    def prepare_target(
        self, y: np.ndarray | Tensor, dtype: torch.dtype = torch.float32, *, batch_shape: Sequence[int] | None = None
    ) -> Tensor:
        """Check ``y`` and convert it to a floating tensor of shape ``(n, *event_shape)``.

        With ``batch_shape`` (see :meth:`check_target`) the shape is ``(*batch_shape, *event_shape)``.

        Raises
        ------
        ValueError
            As :meth:`check_target`, or if ``dtype`` is not a floating dtype.
        """
        if not isinstance(dtype, torch.dtype) or not dtype.is_floating_point:
            raise ValueError(
                f"`dtype` of {type(self).__name__}.prepare_target must be a floating torch dtype. Got {dtype!r} instead."
            )
        self.check_target(y, batch_shape=batch_shape)
        if isinstance(y, Tensor):
            return y.detach().reshape(self._target_shape(self._as_array(y), batch_shape)).to(dtype)
        arr = self._as_array(y)
        # torch.tensor copies, so a read-only array (a memory map, a pandas buffer) is fine
        return torch.tensor(arr.reshape(self._target_shape(arr, batch_shape)), dtype=dtype)

    # ------------------------------------------------------------------ initialisation
    def _init_eta(self, y: Tensor, w: Tensor) -> Tensor:
        raise NotImplementedError(f"{type(self).__name__} must implement `_init_eta`.")

    def init_eta(self, y: Tensor, weight: Tensor | None = None) -> Tensor:
        """Intercept-only estimate on the ``eta`` scale, shape ``(n_params,)``.

        An estimator sets the output layer's bias to it, so a fresh network starts at the
        marginal distribution of ``y``. Computed in float64, returned in ``y``'s dtype.

        Parameters
        ----------
        y : Tensor
            Targets as returned by :meth:`prepare_target`, shape ``(n, *event_shape)``, or
            ``(*batch, *event_shape)``: the entries of a batch are pooled into one sample (one
            intercept for every pixel or time step).
        weight : Tensor or None, default=None
            Non-negative observation weights of shape ``(n,)`` (one per entry), or a shape that
            broadcasts to the batch shape.

        Returns
        -------
        Tensor
            Shape ``(n_params,)``.

        Notes
        -----
        Where the intercept-only MLE lies on the boundary of the parameter space (a constant
        target, all-zero counts, a class never observed) it is moved just inside, as each
        family's ``_init_eta`` documents, so that the bias is finite. Only the starting point
        is affected; the data are not changed.
        """
        y64, w = self._pool(y, weight, "init_eta")
        dtype = y.dtype if y.is_floating_point() else torch.get_default_dtype()
        return self._init_eta(y64, w / w.sum()).to(dtype)

    def _pool(self, y: Tensor, weight: Tensor | None, method: str) -> tuple[Tensor, Tensor]:
        """Pool a batch of targets into one sample: ``y`` (*batch, *event_shape) -> (N, *event_shape) in
        float64 with weights (N,); a table (``batch = (n,)``) is unchanged. Weights hold one value
        per entry or broadcast to the batch shape."""
        y64 = y.detach().to(torch.float64)
        batch = y64.shape[: y64.ndim - len(self.event_shape)]
        n = math.prod(batch)
        y64 = y64.reshape(n, *self.event_shape)
        if weight is None:
            return y64, torch.ones(n, dtype=torch.float64, device=y64.device)
        w = torch.as_tensor(weight).detach().to(device=y64.device, dtype=torch.float64)
        if w.numel() != n and _broadcasts_to(w.shape, batch):
            w = w.expand(batch)  # e.g. one weight per series of a (n, T) batch
        w = w.reshape(-1)
        if w.shape[0] != n or bool((w < 0).any()) or not bool(w.sum() > 0):
            raise ValueError(
                f"`weight` of {type(self).__name__}.{method} must be {n} non-negative values with a "
                f"positive sum, or broadcast to the batch shape {tuple(batch)}. Got {format_values(w)} instead."
            )
        return y64, w

    # ------------------------------------------------------------------ eta layout
    #: whether the location parameter is measured in the units of ``y`` (so that an estimator
    #: scales its column by the target's standard deviation; see :meth:`eta_scale`)
    location_on_target_scale: ClassVar[bool] = False
    #: the point prediction an estimator's ``predict`` returns: "mean", or "mode" where the
    #: mean is not defined (rankings)
    point_prediction: ClassVar[str] = "mean"

    def eta_columns(self) -> list[tuple[str, Link]]:
        """The parameter name and link of each column of ``eta``, in order (length ``n_params``)."""
        return list(self.links.items())[: self.n_params]

    def eta_names(self) -> list[str]:
        """Readable names of the ``eta`` columns: ``["loc", "scale"]``, ``["logits[0]", ...]`` ...

        Examples
        --------
        >>> from deepstat.families import Normal, GaussianMixture
        >>> Normal().eta_names()
        ['loc', 'scale']
        >>> GaussianMixture(2).eta_names()
        ['logits[0]', 'logits[1]', 'loc[0]', 'loc[1]', 'scale[0]', 'scale[1]']
        """
        names = [name for name, _ in self.eta_columns()]
        counts: dict[str, int] = {}
        out = []
        for name in names:
            if names.count(name) == 1:
                out.append(name)
            else:
                out.append(f"{name}[{counts.get(name, 0)}]")
                counts[name] = counts.get(name, 0) + 1
        return out

    def eta_scale(self, y: Tensor, weight: Tensor | None = None) -> Tensor:
        r"""A typical size of each ``eta`` column at the intercept-only fit, shape ``(n_params,)``.

        An estimator multiplies its network's output by this (a fixed reparametrisation,
        :class:`deepstat.nn.DistributionalHead`) so that training does not depend on the units
        of ``y``: location columns measured in units of ``y`` get the target's standard deviation;
        softplus-linked columns get :math:`p / p'(\eta_0)`, so that a unit change of the network
        output changes the parameter by about its own size, as a log link would; all others 1.
        """
        eta0 = self.init_eta(y, weight).to(torch.float64)
        y64, w = self._pool(y, weight, "eta_scale")
        w = w / w.sum()
        sd = positive_or((w @ (y64 - w @ y64) ** 2).sqrt(), 1.0)  # () or (d,)
        scale = torch.ones(self.n_params, dtype=torch.float64)
        for j, (name, link) in enumerate(self.eta_columns()):
            if link.name == "softplus":
                scale[j] = torch.nn.functional.softplus(eta0[j]) / torch.sigmoid(eta0[j])
            elif (name, link.name) in _RESCALED_MEAN_LINKS:
                # eta moves by |g'(mu)| per unit of mu: scale by that times the target's SD, as for an identity loc
                with torch.enable_grad():
                    mu0 = link.inverse(eta0[j]).detach().requires_grad_(True)
                    (slope,) = torch.autograd.grad(link.forward(mu0), mu0)
                scale[j] = positive_or(slope.abs() * sd, 1.0)
            elif self.location_on_target_scale and name == "loc" and link.name == "identity":
                scale[j] = sd if sd.ndim == 0 else sd[j]  # vector targets: column j is loc[j]
        return scale.to(y.dtype if y.is_floating_point() else torch.get_default_dtype())

    # ------------------------------------------------------------------ config
    def _config(self) -> dict[str, Any]:
        """Constructor arguments that recreate this family (JSON-able)."""
        return {}

    def to_config(self) -> dict[str, Any]:
        """JSON-able description, e.g. ``{"name": "gaussian_mixture", "n_components": 3}``."""
        return {"name": self.name, **self._config()}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Family:
        """Recreate a family from :meth:`to_config` output.

        Raises
        ------
        TypeError
            If ``config`` is not a dict.
        ValueError
            If its name is not this family's or it holds unknown keys.
        """
        caller = f"{cls.__name__}.from_config"
        if not isinstance(config, dict):
            raise TypeError(f"`config` of {caller} must be a dict. Got {type(config).__name__} instead.")
        kwargs = dict(config)
        name = kwargs.pop("name", None)
        if name != cls.name:
            raise ValueError(f"`config['name']` of {caller} must be {cls.name!r}. Got {name!r} instead.")
        allowed = [p for p in inspect.signature(cls.__init__).parameters if p != "self"]
        unknown = sorted(set(kwargs) - set(allowed))
        if unknown:
            raise ValueError(
                f"`config` of {caller} must hold only the keys {['name', *allowed]}. Got unknown keys {unknown} instead."
            )
        return cls(**kwargs)

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self._config().items())
        return f"{type(self).__name__}({args})"

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other) and self.to_config() == other.to_config()  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash((type(self).__name__, tuple(sorted(self._config().items()))))


#: (parameter, link) pairs of a mean whose eta column is scaled by |g'(mu_0)| * SD(y) (see Family.eta_scale)
_RESCALED_MEAN_LINKS = frozenset(
    {("mean", "identity"), ("mean", "inverse"), ("mean", "inverse_squared"), ("rate", "identity"), ("rate", "sqrt"), ("loc", "log")}
)


def _broadcasts_to(shape: torch.Size, target: torch.Size) -> bool:
    """Whether a tensor of ``shape`` broadcasts to ``target`` without enlarging it."""
    try:
        return torch.broadcast_shapes(shape, target) == target
    except RuntimeError:
        return False


def vector_size(y: Any, name: str, caller: str) -> int:
    """The length ``d`` of the last dimension of a vector target ``(*batch, d)``, for :meth:`Family.from_target`."""
    shape = tuple(y.shape) if hasattr(y, "shape") else np.shape(y)
    if len(shape) < 2:
        raise ValueError(
            f"`y` of {caller} must be 2-D (n_samples, d), or (*batch, d), for family {name!r}. Got shape {shape} instead."
        )
    return int(shape[-1])


def check_size(value: Any, name: str, caller: str, minimum: int) -> int:
    """Validate an integer size argument (``n_classes``, ``dim`` ...)."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"`{name}` of {caller} must be an integer >= {minimum}. Got {value!r} instead.")
    if value < minimum:
        raise ValueError(f"`{name}` of {caller} must be an integer >= {minimum}. Got {value!r} instead.")
    return int(value)
