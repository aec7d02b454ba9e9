"""Waiting for a condition in tests: poll with a generous deadline, never assert a duration."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import pytest

DEADLINE_S = 60.0


def wait_for(cond: Callable[[], object], what: str, timeout: float = DEADLINE_S) -> None:
    """Poll ``cond`` until true; fail naming ``what`` at the deadline."""
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.1)


async def await_for(cond: Callable[[], object], what: str, timeout: float = DEADLINE_S) -> None:
    """:func:`wait_for` inside a running event loop."""
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        await asyncio.sleep(0.1)
