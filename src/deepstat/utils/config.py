"""Global settings of deepstat, exposed as a context manager (STYLE 9.3).

The one setting today is the number of torch intra-op threads used while deepstat fits or
predicts. It defaults to 1: small tabular networks spend their time in many tiny kernels, and
on a loaded 2-core machine torch's default thread count made such fits 10-30x slower
(measured while planning issue 2). Raise it for large convolutional or transformer models.

The default can also be set before import with the environment variable
``DEEPSTAT_NUM_THREADS``.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator
from typing import Any

import torch

__all__ = ["get_config", "set_config", "config_context", "torch_threads"]


def _default_threads() -> int:
    raw = os.environ.get("DEEPSTAT_NUM_THREADS", "1")
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(
            f"`DEEPSTAT_NUM_THREADS` must be a positive integer. Got {raw!r} instead."
        ) from None
    if value < 1:
        raise ValueError(f"`DEEPSTAT_NUM_THREADS` must be a positive integer. Got {raw!r} instead.")
    return value


_GLOBAL: dict[str, Any] = {"num_threads": _default_threads()}
_LOCAL = threading.local()


def _current() -> dict[str, Any]:
    if not hasattr(_LOCAL, "config"):
        _LOCAL.config = dict(_GLOBAL)
    return _LOCAL.config


def get_config() -> dict[str, Any]:
    """Return a copy of the current settings.

    Returns
    -------
    dict
        ``{"num_threads": int}``: torch intra-op threads used by deepstat's fits and predictions.
    """
    return dict(_current())


def set_config(*, num_threads: int | None = None) -> None:
    """Change settings for the current thread.

    Parameters
    ----------
    num_threads : int or None, default=None
        Torch intra-op threads while deepstat fits or predicts (default 1). ``None`` leaves
        the setting as it is.

    Raises
    ------
    ValueError
        If ``num_threads`` is not a positive integer.
    """
    if num_threads is not None:
        if isinstance(num_threads, bool) or not isinstance(num_threads, int) or num_threads < 1:
            raise ValueError(
                f"`num_threads` of set_config must be a positive integer. Got {num_threads!r} instead."
            )
        _current()["num_threads"] = num_threads


@contextlib.contextmanager
def config_context(*, num_threads: int | None = None) -> Iterator[None]:
    """Temporarily change settings, restoring them on exit.

    Examples
    --------
    >>> import deepstat
    >>> with deepstat.config_context(num_threads=2):
    ...     deepstat.get_config()["num_threads"]
    2
    >>> deepstat.get_config()["num_threads"]
    1
    """
    old = get_config()
    set_config(num_threads=num_threads)
    try:
        yield
    finally:
        _current().update(old)


@contextlib.contextmanager
def torch_threads(num_threads: int | None = None) -> Iterator[None]:
    """Run a block with ``torch.set_num_threads`` set to deepstat's setting, then restore it.

    Parameters
    ----------
    num_threads : int or None
        Threads to use; ``None`` takes ``get_config()["num_threads"]``.
    """
    n = get_config()["num_threads"] if num_threads is None else num_threads
    old = torch.get_num_threads()
    if n != old:
        torch.set_num_threads(n)
    try:
        yield
    finally:
        if torch.get_num_threads() != old:
            torch.set_num_threads(old)
