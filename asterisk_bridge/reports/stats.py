"""The few statistics reports need: mean, nearest-rank percentile, interval overlap."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime


def mean(values: Sequence[float]) -> float | None:
    """Arithmetic mean, None for no values."""
    return round(sum(values) / len(values), 1) if values else None


def percentile(values: Sequence[float], pct: float) -> float | None:
    """Nearest-rank percentile (the smallest value with at least *pct* % at or below it)."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(math.ceil(pct / 100 * len(ordered)) - 1, 0)]


def share(part: int, whole: int) -> float | None:
    """*part* of *whole* in per cent, None when *whole* is 0."""
    return round(100 * part / whole, 1) if whole else None


def overlap_s(start: datetime, end: datetime, lo: datetime, hi: datetime) -> int:
    """Seconds of [start, end) inside [lo, hi)."""
    return max(int((min(end, hi) - max(start, lo)).total_seconds()), 0)
