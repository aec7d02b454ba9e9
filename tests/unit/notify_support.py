"""A notifier run the way the bridge runs one, for tests that watch what reaches the relay."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from asterisk_bridge.context import App
from asterisk_bridge.notifications import bus
from asterisk_bridge.notifications.notifier import Notifier, Tuning
from tests.conftest import CliCall
from tests.smtp_server import PASSWORD, USER, RelayThread

OPS = "ops.team@example.com"
FAST = Tuning(window_s=0.3, interval_s=600)


def run_notifier(app: App, *work: Callable[[], object], tuning: Tuning = FAST) -> Notifier:
    """Run each piece of *work* in a thread (as the bridge runs its rounds) while a notifier
    hears the bus; return once everything it gathered is delivered."""
    async def go() -> Notifier:
        notifier = Notifier(app, tuning, attempts=2, pauses=(0.05,))
        notifier.start()
        stop = bus.subscribe(notifier.hear)
        try:
            for job in work:
                await asyncio.to_thread(job)
            while notifier.counters.pending or notifier._tasks:
                await asyncio.sleep(0.05)
        finally:
            stop()
            await notifier.close()
        return notifier
    return asyncio.run(go())


def smtp_door(run_cli: CliCall, relay: RelayThread, password: str = PASSWORD) -> None:
    """The SMTP door through the in-process relay (its CA pinned)."""
    result = run_cli("smtp", "set", "custom", "--host", "127.0.0.1", "--port", str(relay.port),
                     "--user", USER, "--password-stdin", "--ca-file", str(relay.ca),
                     input=password + "\n")
    assert result.exit_code == 0, result.output
