"""Fixtures of the experiment tests: an Agg backend guard (no display needed)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
