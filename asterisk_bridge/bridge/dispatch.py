"""Routes events to handlers by exact name, each handler behind its own bounded queue.

The read loop only appends to queues (a dict lookup and a few appends per event), so a slow
handler delays nothing but its own backlog, and events reach each handler in arrival order. A
handler that raises or exceeds its time limit is logged with the event name and keeps receiving.

A queue holds at most :data:`MAX_BACKLOG` events. When it is full, new events for that handler
are dropped and counted (never blocking the read loop, never growing memory): a *shed episode*
starts. It ends once the handler has worked its backlog down to half the bound; the dispatcher
then reports the span and the count to ``on_shed``, which the bridge turns into a gap record
and an ``on_connected`` call, so the capabilities reconcile from Asterisk's durable records
exactly as after a dropped connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass

from asterisk_bridge.bridge.capability import Event, EventHandler
from asterisk_bridge.bridge.eventfilter import ANY, filter_spec
from asterisk_bridge.bridge.logs import fields, get_logger

HANDLER_TIMEOUT_S = 30.0
MAX_BACKLOG = 10_000
"""Events queued per handler: ~18 s of Cdr events at a 2-core machine's ceiling (180 calls/s),
tens of MiB at most; a handler further behind than that sheds (see the module docstring)."""

log = get_logger("dispatch")


def _handler_name(handler: EventHandler) -> str:
    return getattr(handler, "__qualname__", None) or repr(handler)


@dataclass(frozen=True)
class Shed:
    """One shed episode of one handler: events from ``since`` to ``until`` may be missing."""

    link: str
    handler: str
    since: float  # POSIX time of the first drop
    until: float  # POSIX time the handler had caught up again
    dropped: int


ShedHook = Callable[[Shed], None]


class _Worker:
    """One handler, its bounded queue of pending events, and the task that feeds it."""

    def __init__(self, link: str, handler: EventHandler, timeout: float, max_backlog: int,
                 on_shed: ShedHook) -> None:
        self.link = link
        self.handler = handler
        self.name = _handler_name(handler)
        self.timeout = timeout
        self.queue: asyncio.Queue[Event] = asyncio.Queue(max_backlog)
        self.warn_at = self.warn_floor = max(1, max_backlog // 2)
        self.on_shed = on_shed
        self.dropped = 0  # over the worker's life
        self.shed_since: float | None = None  # the open shed episode, if any
        self.shed_count = 0
        self.task: asyncio.Task[None] | None = None

    def put(self, event: Event) -> None:
        try:
            self.queue.put_nowait(event)
        except asyncio.QueueFull:
            self.dropped += 1
            self.shed_count += 1
            if self.shed_since is None:
                self.shed_since = time.time()
                log.warning("dispatch.queue_full", extra=fields(
                    link=self.link, handler=self.name, backlog=self.queue.qsize(),
                    effect="dropping this handler's events until it catches up; the gap is "
                           "then recorded and reconciled"))
            return
        if self.queue.qsize() >= self.warn_at:
            log.warning("dispatch.backlog", extra=fields(
                link=self.link, handler=self.name, backlog=self.queue.qsize()))
            self.warn_at *= 2

    def end_shed(self) -> None:
        """Close the open shed episode (if any) and report it."""
        if self.shed_since is None:
            return
        shed = Shed(self.link, self.name, self.shed_since, time.time(), self.shed_count)
        self.shed_since, self.shed_count = None, 0
        log.warning("dispatch.shed", extra=fields(
            link=shed.link, handler=shed.handler, dropped=shed.dropped,
            seconds=round(shed.until - shed.since, 3)))
        self.on_shed(shed)

    async def run(self) -> None:
        while True:
            event = await self.queue.get()
            try:
                async with asyncio.timeout(self.timeout):
                    await self.handler(event)
            except TimeoutError:
                log.error("dispatch.handler_timeout", extra=fields(
                    link=self.link, handler=self.name, event=_event_name(event),
                    timeout_s=self.timeout))
            except Exception:
                log.exception("dispatch.handler_failed", extra=fields(
                    link=self.link, handler=self.name, event=_event_name(event)))
            finally:
                self.queue.task_done()
            backlog = self.queue.qsize()
            if backlog < self.warn_at // 4:
                self.warn_at = max(self.warn_floor, self.warn_at // 2)
            if self.shed_since is not None and backlog <= self.warn_floor:
                self.end_shed()


def _event_name(event: Event) -> str:
    return str(event.get("Event") or event.get("type") or "?")


class Dispatcher:
    """Handlers of one link, registered by event name (``"*"``: every event)."""

    def __init__(self, link: str, handler_timeout: float = HANDLER_TIMEOUT_S, *,
                 max_backlog: int = MAX_BACKLOG,
                 on_shed: ShedHook = lambda _shed: None) -> None:
        self.link = link
        self.handler_timeout = handler_timeout
        self.max_backlog = max_backlog
        self.on_shed = on_shed
        self._workers: list[_Worker] = []
        self._exact: dict[str, list[_Worker]] = {}
        self._any: tuple[_Worker, ...] = ()
        self._routes: dict[str, tuple[_Worker, ...]] = {}
        self._whole: set[str] = set()  # names some handler wants every event of
        self._narrowed: dict[str, set[str]] = {}  # name -> filter specs of narrowed handlers
        self._started = False

    def add(self, name: str, handler: EventHandler,
            where: tuple[str, str] | None = None) -> None:
        """Register ``handler`` for events named ``name``; ``where=(header, value)`` narrows
        what the session filter asks for (the handler still checks it)."""
        worker = _Worker(self.link, handler, self.handler_timeout, self.max_backlog,
                         self.on_shed)
        self._workers.append(worker)
        if name == ANY:
            self._any = (*self._any, worker)
        else:
            self._exact.setdefault(name, []).append(worker)
            if where is None:
                self._whole.add(name)
            else:
                self._narrowed.setdefault(name, set()).add(filter_spec(name, *where))
        self._routes = {n: (*ws, *self._any) for n, ws in self._exact.items()}
        if self._started:
            worker.task = asyncio.create_task(worker.run(), name=f"handler:{worker.name}")

    def wanted(self) -> frozenset[str] | None:
        """The filter specs the handlers need (event names, or ``Name:Header=Value`` where
        every handler of that name narrowed it); None if a ``"*"`` handler wants every event.
        The AMI link asks Asterisk for no more than this."""
        if self._any:
            return None
        narrowed = {spec for name, specs in self._narrowed.items() if name not in self._whole
                    for spec in specs}
        return frozenset(self._whole | narrowed)

    def start(self) -> None:
        """Start one task per handler (inside the running loop)."""
        self._started = True
        for worker in self._workers:
            if worker.task is None:
                worker.task = asyncio.create_task(worker.run(), name=f"handler:{worker.name}")

    def dispatch(self, name: str, event: Event) -> None:
        """Queue ``event`` for every handler of ``name`` and every ``"*"`` handler."""
        for worker in self._routes.get(name, self._any):
            worker.put(event)

    def backlog(self) -> int:
        """Events queued but not yet handled, over all handlers."""
        return sum(w.queue.qsize() for w in self._workers)

    def dropped(self) -> int:
        """Events dropped because a handler's queue was full, over all handlers."""
        return sum(w.dropped for w in self._workers)

    async def close(self, drain_timeout: float) -> None:
        """Let handlers finish what is queued (up to ``drain_timeout``), then stop them."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(drain_timeout):
                for worker in self._workers:
                    await worker.queue.join()
        tasks = [w.task for w in self._workers if w.task is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        left = self.backlog()
        if left:
            log.warning("dispatch.dropped_at_shutdown", extra=fields(link=self.link, events=left))
        for worker in self._workers:
            worker.end_shed()
        self._started = False
        for worker in self._workers:
            worker.task = None
