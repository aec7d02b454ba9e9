"""Per-token rate limits: a token bucket per grant, in memory (a restart forgives)."""

from __future__ import annotations

import threading
import time


class RateLimiter:
    """``allow(key, per_minute)`` -> seconds to wait (0.0 when the request may go ahead)."""

    def __init__(self) -> None:
        self._buckets: dict[int, tuple[float, float]] = {}  # key -> (tokens, last refill)
        self._lock = threading.Lock()

    def allow(self, key: int, per_minute: int) -> float:
        """Take one token from *key*'s bucket (capacity *per_minute*, refilled continuously)."""
        now = time.monotonic()
        rate = per_minute / 60.0
        with self._lock:
            tokens, last = self._buckets.get(key, (float(per_minute), now))
            tokens = min(float(per_minute), tokens + (now - last) * rate)
            if tokens < 1.0:
                self._buckets[key] = (tokens, now)
                return (1.0 - tokens) / rate
            self._buckets[key] = (tokens - 1.0, now)
            return 0.0
