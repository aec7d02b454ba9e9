"""A notifier for processes other than the bridge, so events raised there reach the rules too.

The bus is in-process: an event published where no notifier subscribed is counted and dropped.
The bridge runs one for its whole life (:mod:`.capability`); the REST API server runs one for
its own (:func:`serving`); a CLI command whose domain publishes (``voco keys rotate``) wraps its
work in :func:`told_after`, and what it raised is delivered once, when the work is done (each
event once, one attempt: a command must not hang on a relay that is down; the outcome is
recorded as the bridge's are).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager

from asterisk_bridge.bridge.logs import get_logger
from asterisk_bridge.context import App
from asterisk_bridge.notifications import bus
from asterisk_bridge.notifications.notifier import Notifier, Tuning

log = get_logger("notifications")


def make_notifier(app: App, tuning: Tuning | None = None, attempts: int | None = None
                  ) -> Notifier:
    """The installation's notifier: its folding settings and its message templates."""
    settings = app.config.notifications
    notifier = Notifier(app, tuning or Tuning(settings.window_s, settings.interval_s),
                        template_dir=app.config.path.parent / "notifications")
    if attempts is not None:
        notifier.attempts = attempts
    return notifier


@asynccontextmanager
async def serving(app: App) -> AsyncIterator[Notifier]:
    """Run a notifier in this event loop for the block (a server's lifetime)."""
    notifier = make_notifier(app)
    notifier.start()
    unsubscribe = bus.subscribe(notifier.hear)
    try:
        yield notifier
    finally:
        unsubscribe()
        await notifier.close()


@contextmanager
def told_after(app: App) -> Iterator[None]:
    """Deliver what the block publishes once it ends (a synchronous CLI command).

    Delivery happens after the block, so the block may change what delivery needs (a key
    rotation re-seals the rules' recipients: ``app`` must load the new key by then)."""
    heard: list[bus.Event] = []
    unsubscribe = bus.subscribe(heard.append)
    try:
        yield
    finally:
        unsubscribe()
        if heard:
            try:
                asyncio.run(_deliver(app, heard))
            except Exception:  # the command's own work is done; the log says what failed
                log.exception("notifications.delivery_failed")


async def _deliver(app: App, events: list[bus.Event]) -> None:
    notifier = make_notifier(app, attempts=1)
    for event in events:
        await notifier.deliver(event)
