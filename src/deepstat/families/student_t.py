"""Student-t family: robust regression with heavy tails (learned or fixed degrees of freedom)."""

from __future__ import annotations

import math
from typing import Any, ClassVar

import numpy as np
import scipy.special
import scipy.stats
import torch
from torch import Tensor
from torch.distributions import Distribution, constraints

from deepstat.families.base import Family
from deepstat.families.estimation import positive_or, weighted_mean, weighted_quantile
from deepstat.families.links import IdentityLink, SoftplusLink

__all__ = ["StudentT"]


class StudentT(Family):
    r"""Student-t family: :math:`y = \mu + \sigma T_\nu`, with :math:`\mu = \eta_1`,
    :math:`\sigma = \mathrm{softplus}(\eta_2)` and :math:`\nu = \mathrm{softplus}(\eta_3)` unless ``df`` is fixed.

    .. math:: \log p(y) = \log\Gamma\!\left(\tfrac{\nu+1}{2}\right) - \log\Gamma\!\left(\tfrac{\nu}{2}\right)
              - \tfrac12\log(\nu\pi) - \log\sigma - \tfrac{\nu+1}{2}\log\!\left(1 + \tfrac{z^2}{\nu}\right),
              \quad z = \frac{y - \mu}{\sigma}

    scipy: ``scipy.stats.t(df=df, loc=loc, scale=scale)``.

    Parameters
    ----------
    df : float or None, default=None
        Fixed degrees of freedom (then ``n_params`` is 2); ``None`` learns them (``n_params`` 3).

    Raises
    ------
    ValueError
        If ``df`` is not a positive finite number.

    Notes
    -----
    Torch has no Student-t CDF; :meth:`cdf` uses ``scipy.special.stdtr`` in float64 (no gradient),
    and :meth:`quantile` inverts it by bisection. The variance is infinite for
    :math:`\nu \le 2` and undefined (NaN) for :math:`\nu \le 1`, as in torch.

    Examples
    --------
    >>> import torch
    >>> StudentT(df=3.0).n_params
    2
    >>> StudentT().cdf(torch.tensor([0.0]), torch.tensor([[0.0, 1.0, 2.0]]))
    tensor([0.5000])
    """

    name: ClassVar[str] = "student_t"
    location_on_target_scale = True
    support = constraints.real
    support_text = "real numbers (-inf, inf)"

    def __init__(self, df: float | None = None) -> None:
        if df is not None:
            if isinstance(df, bool) or not isinstance(df, (int, float, np.floating, np.integer)) or not (0 < df < math.inf):
                raise ValueError(f"`df` of StudentT must be None or a positive finite number. Got {df!r} instead.")
            df = float(df)
        self.df = df
        self.params = {"loc": constraints.real, "scale": constraints.positive}
        self.links = {"loc": IdentityLink(), "scale": SoftplusLink()}
        if df is None:
            self.params["df"] = constraints.positive
            self.links["df"] = SoftplusLink()

    def _config(self) -> dict[str, Any]:
        return {"df": self.df}

    def split(self, eta: Tensor) -> dict[str, Tensor]:
        out = super().split(eta)
        if self.df is not None:
            out["df"] = torch.full_like(out["loc"], self.df)
        return out

    def _make_distribution(self, loc: Tensor, scale: Tensor, df: Tensor) -> Distribution:
        return torch.distributions.StudentT(df, loc, scale, validate_args=False)

    def _cdf(self, y: Tensor, eta: Tensor) -> Tensor:
        p = {k: v.detach().cpu().to(torch.float64).numpy() for k, v in self.split(eta).items()}
        z = (y.detach().cpu().to(torch.float64).numpy() - p["loc"]) / p["scale"]
        out = scipy.special.stdtr(p["df"], z)
        return torch.as_tensor(out, dtype=torch.promote_types(y.dtype, eta.dtype), device=eta.device)

    def _init_eta(self, y: Tensor, w: Tensor) -> Tensor:
        # Robust start: loc = weighted median; for each df on a grid (or the fixed df), scale =
        # MAD / t_df.ppf(0.75), the median of |T| being t_df.ppf(0.75); keep the df with the
        # highest weighted log-likelihood (a profile over the grid).
        loc = weighted_quantile(y, w, torch.tensor(0.5, dtype=y.dtype))
        mad = weighted_quantile((y - loc).abs(), w, torch.tensor(0.5, dtype=y.dtype))
        mad = positive_or(mad, positive_or(weighted_mean((y - loc).abs(), w), 1e-3 * max(1.0, float(loc.abs()))))
        grid = [self.df] if self.df is not None else [0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0]
        df = torch.tensor(grid, dtype=y.dtype)
        scale = mad / torch.as_tensor(scipy.stats.t.ppf(0.75, df.numpy()), dtype=y.dtype)
        log_lik = torch.distributions.StudentT(df[:, None], loc, scale[:, None]).log_prob(y) @ w
        best = int(torch.argmax(log_lik))
        parts = [loc, self.links["scale"].forward(scale[best])]
        if self.df is None:
            parts.append(self.links["df"].forward(df[best]))
        return torch.stack(parts)
