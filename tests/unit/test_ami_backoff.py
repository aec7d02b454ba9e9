"""The reconnect schedule: capped exponential growth, jittered within [d/2, d]."""

from __future__ import annotations

import random

from asterisk_bridge.bridge.backoff import Backoff


def test_schedule_doubles_to_the_cap_with_bounded_jitter() -> None:
    backoff = Backoff(base=0.25, cap=10.0, rng=random.Random(1))
    ceilings = [0.25, 0.5, 1, 2, 4, 8, 10, 10, 10]
    for ceiling in ceilings:
        delay = backoff.next()
        assert ceiling / 2 <= delay <= ceiling
    for _ in range(100):  # far beyond 2**32 attempts stays capped, no overflow
        assert 5.0 <= backoff.next() <= 10.0


def test_jitter_spreads_delays_and_reset_starts_over() -> None:
    first = [Backoff(rng=random.Random(seed)).next() for seed in range(20)]
    assert len(set(first)) > 10
    backoff = Backoff(base=1.0, cap=60.0, rng=random.Random(3))
    for _ in range(6):
        backoff.next()
    backoff.reset()
    assert 0.5 <= backoff.next() <= 1.0
