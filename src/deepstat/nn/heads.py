"""The head that turns any network's output into a family's raw parameters ``eta``."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor, nn

__all__ = ["DistributionalHead"]


class DistributionalHead(nn.Module):
    r"""Wrap a network so that it emits a family's ``eta``, starting at the marginal fit.

    .. math:: \eta_j(x) = o_j + s_j \, g_j(x), \qquad j = 1, \dots, n_{params}

    where :math:`g` is the wrapped network's output for the first ``n_modelled`` columns and a
    single learned constant for the others (a GLM-style constant dispersion), :math:`o` is the
    family's intercept-only estimate and :math:`s` a fixed per-column scale (the target's
    standard deviation for location columns, 1 otherwise).

    Parameters
    ----------
    body : nn.Module
        Network mapping inputs to ``(*batch, n_modelled)``: ``(n, n_modelled)`` for a table,
        ``(n, T, n_modelled)`` per time step ... The head acts on the last dimension only.
    n_params : int
        Number of raw parameters of the family.
    n_modelled : int
        Leading columns predicted by ``body``; columns ``n_modelled:`` are constants.
    offset, scale : sequence of float
        Fixed per-column offset and scale, length ``n_params``.
    data_offset : bool, default=False
        The last input column is a per-observation offset (a GLM's ``offset``, ``log(exposure)``
        for a rate), added to ``eta[..., 0]`` (the location on its link scale) and not seen by ``body``.
    data_trials : bool, default=False
        The last input column (before the offset, when there is one) is a per-observation number of
        trials (a binomial's ``n``), passed through unchanged as one more, last, column of ``eta``
        (so ``forward`` returns ``n_params + 1`` columns) and not seen by ``body``.

    Notes
    -----
    With ``offset`` the intercept-only estimate and the body's output layer initialised small,
    a new network starts near the marginal distribution of ``y``, and ``scale`` keeps the
    location columns on the scale of ``y`` so that the learning rate need not depend on the
    units of the target. Offsets, scales and constants broadcast over every leading (batch)
    dimension of the body's output, so ``forward`` returns ``(*batch, n_params)``.

    Examples
    --------
    >>> head = DistributionalHead(nn.Identity(), n_params=2, n_modelled=1, offset=[0.0, 1.0], scale=[2.0, 1.0])
    >>> head(torch.ones(4, 5, 1)).shape  # a (n, T) batch of per-step outputs
    torch.Size([4, 5, 2])
    """

    def __init__(
        self, body: nn.Module, n_params: int, n_modelled: int, offset: Sequence[float], scale: Sequence[float],
        data_offset: bool = False,
        data_trials: bool = False,
    ) -> None:
        super().__init__()
        self.data_offset = bool(data_offset)
        self.data_trials = bool(data_trials)
        if not 1 <= n_modelled <= n_params:
            raise ValueError(f"`n_modelled` of DistributionalHead must be in [1, {n_params}]. Got {n_modelled!r} instead.")
        if len(offset) != n_params or len(scale) != n_params:
            raise ValueError(
                f"`offset` and `scale` of DistributionalHead must have length {n_params}. "
                f"Got {len(offset)} and {len(scale)} instead."
            )
        self.body = body
        self.n_params = n_params
        self.n_modelled = n_modelled
        # no zero-length parameter when every column is modelled: DDP rejects parameters without gradients
        if n_modelled < n_params:
            self.constants = nn.Parameter(torch.zeros(n_params - n_modelled))
        else:
            self.register_parameter("constants", None)
        # float64 buffers: `.to(dtype)` then rounds them once, to the model's own precision
        self.register_buffer("offset", torch.as_tensor(list(offset), dtype=torch.float64))
        self.register_buffer("scale", torch.as_tensor(list(scale), dtype=torch.float64))

    def forward(self, x: Tensor) -> Tensor:
        if self.data_offset:  # the last column is the observation's offset, on the link scale of eta[..., 0]
            x, given = x[..., :-1], x[..., -1]
        if self.data_trials:  # then the number of trials, data that the family reads from eta's last column
            x, trials = x[..., :-1], x[..., -1:]
        g = self.body(x)  # (*batch, n_modelled)
        if self.n_modelled < self.n_params:
            g = torch.cat([g, self.constants.expand(*g.shape[:-1], -1)], dim=-1)  # (*batch, n_params)
        eta = self.offset + self.scale * g
        if self.data_offset:
            eta = torch.cat([eta[..., :1] + given.unsqueeze(-1), eta[..., 1:]], dim=-1)
        if self.data_trials:
            eta = torch.cat([eta, trials.to(eta.dtype)], dim=-1)  # (*batch, n_params + 1)
        return eta
