"""Image arrays ``(n, C, H, W)`` and volumes ``(n, C, D, H, W)``, with a per-channel normaliser."""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor

from deepstat.data.base import InputAdapter, register_adapter
from deepstat.data.batch import IndexedBatches
from deepstat.data.validation import as_float_tensor, as_target, check_finite_at
from deepstat.nn.networks import InputSpec

__all__ = ["ImageAdapter"]

_WHAT = "an array of images (n, C, H, W) or volumes (n, C, D, H, W), channels first"


@register_adapter
class ImageAdapter(InputAdapter):
    """Images or volumes held in memory, channels first.

    Accepts a numpy array or torch tensor of shape ``(n, C, H, W)`` (images) or
    ``(n, C, D, H, W)`` (volumes). A 3-D array ``(n, H, W)`` is read as single-channel images and
    gets a channel axis: ``(n, 1, H, W)``. Channels-last arrays are not detected: move the
    channel axis first (``np.moveaxis(X, -1, 1)``).

    The normaliser is per channel: the mean and standard deviation of each channel over all
    images and pixels seen in ``fit``. ``input_spec_`` is ``InputSpec("image", C, (C, H, W))``
    (or ``(C, D, H, W)``), and a later ``transform`` must match that shape.

    Parameters
    ----------
    normalize : bool, default=True
        Standardise each channel.
    dtype : {"float32", "float64"} or None, default=None
        See :class:`~deepstat.data.InputAdapter`.

    Raises
    ------
    TypeError
        If ``X`` is not a numeric array.
    ValueError
        If ``X`` has the wrong number of dimensions, is empty, holds NaN or inf (the message
        names the image and pixel), or does not match the fitted shape.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.arange(2 * 3 * 4 * 4, dtype=np.float32).reshape(2, 3, 4, 4)
    >>> adapter = ImageAdapter().fit(X)
    >>> adapter.input_spec_.shape
    (3, 4, 4)
    >>> adapter.transform(X).dtype
    torch.float32
    >>> batch = adapter.batches(X, np.array([0.0, 1.0])).take(torch.tensor([1]))
    >>> tuple(batch.inputs.shape)
    (1, 3, 4, 4)
    """

    name = "image"
    kind = "image"

    def _validate(self, X: Any, caller: str) -> Tensor:
        t = as_float_tensor(X, "X", caller, _WHAT)
        if t.ndim == 3:
            t = t.unsqueeze(1)  # (n, H, W) -> (n, 1, H, W)
        if t.ndim not in (4, 5):
            raise ValueError(f"`X` of {caller} must be {_WHAT}. Got an array of shape {tuple(t.shape)} ({t.ndim}-D) instead.")
        if t.numel() == 0:
            raise ValueError(f"`X` of {caller} must hold at least one image with at least one pixel. Got shape {tuple(t.shape)} instead.")
        check_finite_at(t, "X", caller, ("image", "channel"))
        return t

    def _fit(self, X: Any, caller: str, **kwargs: Any) -> None:
        t = self._validate(X, caller)
        C = t.shape[1]
        if self.normalize:  # one channel at a time in float64: no float64 copy of the whole array
            mean = [float(t[:, c].to(torch.float64).mean()) for c in range(C)]
            sd = [float(t[:, c].to(torch.float64).sub(m).square().mean().sqrt()) for c, m in enumerate(mean)]
            self.mean_, self.scale_ = mean, [v if v > 0 else 1.0 for v in sd]
        else:
            self.mean_, self.scale_ = [0.0] * C, [1.0] * C
        self.input_spec_ = InputSpec("image", C, tuple(t.shape[1:]))

    def transform(self, X: Any, caller: str | None = None, **kwargs: Any) -> Tensor:
        """Return the images as a tensor ``(n, C, H, W)`` or ``(n, C, D, H, W)``, standardised per channel."""
        caller = caller or type(self).__name__
        self.check_fitted(caller)
        t = self._validate(X, caller)
        expected = self.input_spec_.shape
        if tuple(t.shape[1:]) != expected:
            raise ValueError(
                f"`X` of {caller} must have per-image shape {expected}, as in fit. "
                f"Got per-image shape {tuple(t.shape[1:])} (array shape {tuple(t.shape)}) instead."
            )
        dtype = self.out_dtype(t.dtype)
        if not self.normalize:
            return t.to(dtype)
        view = (1, -1) + (1,) * (t.ndim - 2)  # broadcast over the channel axis
        mean = torch.tensor(self.mean_, dtype=dtype, device=t.device).view(view)
        scale = torch.tensor(self.scale_, dtype=dtype, device=t.device).view(view)
        return (t.to(dtype) - mean) / scale

    def n_samples(self, X: Any, **kwargs: Any) -> int:
        """Number of images (the first dimension)."""
        return int(self._validate(X, type(self).__name__).shape[0])

    def batches(self, X: Any, target: Any, weight: Any = None, caller: str | None = None, **kwargs: Any) -> IndexedBatches:
        """Batch source over ``transform(X)``: ``take(index)`` gathers images, targets and weights."""
        caller = caller or type(self).__name__
        inputs = self.transform(X, caller)
        return IndexedBatches(inputs, as_target(target, "target", caller), as_target(weight, "weight", caller), caller)

    @classmethod
    def _check_spec(cls, spec: InputSpec) -> tuple[str, str] | None:
        if len(spec.shape) not in (3, 4) or spec.shape[0] != spec.n_features:
            return "shape", f"[C, H, W] or [C, D, H, W] with C = n_features = {spec.n_features}"
        if spec.n_edge_features:
            return "n_edge_features", "0"
        return None
