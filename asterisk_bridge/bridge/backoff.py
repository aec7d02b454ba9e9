"""Reconnect delays: capped exponential growth with jitter.

Jitter keeps several bridges (or a bridge's two links) from reconnecting in lock-step after a
restart of the Asterisk they share.
"""

from __future__ import annotations

import random


class Backoff:
    """Delays of ``base * 2**n`` seconds, capped at ``cap``, each drawn from [d/2, d]."""

    def __init__(self, base: float = 0.25, cap: float = 10.0,
                 rng: random.Random | None = None) -> None:
        self.base = base
        self.cap = cap
        self.attempt = 0
        self._rng = rng or random.Random()

    def next(self) -> float:
        """The delay before the next attempt; each call doubles the ceiling until the cap."""
        ceiling = min(self.cap, self.base * (2 ** min(self.attempt, 32)))
        self.attempt += 1
        return ceiling / 2 + self._rng.uniform(0, ceiling / 2)

    def reset(self) -> None:
        """Start again from ``base`` (after a successful connect)."""
        self.attempt = 0
