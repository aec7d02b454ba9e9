"""The bridge core: both links, their reconnection, gap records, and the capabilities.

Use it in-process::

    async with Bridge(app, capabilities=[cap]) as bridge:   # connected, gaps recorded
        await bridge.ami_action({"Action": "Ping"})

or as ``voco bridge run`` (:func:`serve`), which stops cleanly on SIGTERM/SIGINT. Startup fails
fast with one clear error; once running, a dropped link is retried forever with capped, jittered
backoff, except when Asterisk refuses the credentials: then the bridge stops with that error
rather than hammering a server that penalises every failed login.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import os
import signal
import time
from collections import deque
from collections.abc import Awaitable, Callable, Mapping, Sequence
from types import TracebackType
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from asterisk_bridge.bridge import gaps, listeners
from asterisk_bridge.bridge.ami import AmiAuthError, AmiLink
from asterisk_bridge.bridge.ari import AriAuthError, AriLink, AriUnreachable
from asterisk_bridge.bridge.backoff import Backoff
from asterisk_bridge.bridge.capabilities import default_capabilities
from asterisk_bridge.bridge.capability import Capability, Event, EventHandler, Gap
from asterisk_bridge.bridge.dispatch import HANDLER_TIMEOUT_S, MAX_BACKLOG, Dispatcher, Shed
from asterisk_bridge.bridge.logs import fields, get_logger
from asterisk_bridge.bridge.status import BridgeStatus, LinkState, single_instance, write_status
from asterisk_bridge.config import read_secret
from asterisk_bridge.context import App
from asterisk_bridge.errors import AsteriskError, StoreError, VocoError
from asterisk_bridge.services import private_files

KEEPALIVE_S = 5.0  # probe a link that has been silent this long
PROBE_TIMEOUT_S = 5.0  # ... and drop it if the probe is not answered in time
STATUS_EVERY_S = 1.0
HEARTBEAT_EVERY_S = 5.0
ARI_START_WAIT_S = 10.0  # res_ari may answer 404 for a moment after Asterisk starts
DRAIN_TIMEOUT_S = 10.0
CAPABILITY_CLOSE_TIMEOUT_S = 30.0
AUTH_ERRORS = (AmiAuthError, AriAuthError)

log = get_logger("runner")
Link = AmiLink | AriLink


class Bridge:
    """Implements :class:`~asterisk_bridge.bridge.capability.BridgeHandle`."""

    def __init__(self, app: App, capabilities: Sequence[Capability] | None = None, *,
                 handler_timeout: float = HANDLER_TIMEOUT_S,
                 max_backlog: int = MAX_BACKLOG) -> None:
        self.app = app
        self.settings = app.config.asterisk
        self.node = self.settings.node
        self.capabilities = list(
            default_capabilities(app) if capabilities is None else capabilities)
        self._dispatch = {name: Dispatcher(name, handler_timeout, max_backlog=max_backlog,
                                           on_shed=self._shed) for name in ("ami", "ari")}
        self.status = BridgeStatus(pid=os.getpid(), node=self.node, started=time.time(),
                                   links={"ami": LinkState(), "ari": LinkState()})
        self._links: dict[str, Link] = {}
        self._up = {"ami": asyncio.Event(), "ari": asyncio.Event()}
        self._stopping = asyncio.Event()
        self._tasks: set[asyncio.Task[Any]] = set()
        self._fatal: VocoError | None = None
        self._losses: deque[tuple[Gap, str]] = deque()  # events dropped, gap not yet recorded
        self._resyncing = False
        self._started = False
        self._closed = False

    # --- BridgeHandle -------------------------------------------------------------------------
    def on_ami(self, event_name: str, handler: EventHandler,
               where: tuple[str, str] | None = None) -> None:
        """Call ``handler`` for every AMI event named ``event_name`` (``"*"``: every event),
        asking Asterisk only for those whose header matches ``where`` when given. Registered
        while running, it widens the live session's event filter."""
        self._dispatch["ami"].add(event_name, handler, where)
        link = self._links.get("ami")
        if self._started and isinstance(link, AmiLink):
            self._spawn(self._widen_filter(link), "ami:widen_filter")

    def on_ari(self, event_type: str, handler: EventHandler) -> None:
        """Call ``handler`` for every ARI event of ``event_type`` (``"*"``: every event)."""
        self._dispatch["ari"].add(event_type, handler)

    async def ami_action(self, action: Mapping[str, str], timeout: float = 10.0) -> Any:
        """Send one AMI action once AMI is up (waiting up to ``timeout`` in all); return the
        response, or a list for multi-message answers. An action in flight when the link drops
        fails with AsteriskError: it is never re-sent."""
        deadline = time.monotonic() + timeout
        await self.wait_connected("ami", timeout)
        link = self._links["ami"]
        assert isinstance(link, AmiLink)
        return await link.action(action, max(0.1, deadline - time.monotonic()))

    async def ari_request(self, method: str, path: str, **params: Any) -> Any:
        """Call ARI (``path`` relative to ``/ari``); mappings such as ``variables`` go in the
        JSON body, everything else in the query string."""
        link = self._links.get("ari")
        if not isinstance(link, AriLink):
            raise AsteriskError("the bridge is not started")
        return await link.request(method, path, **params)

    # --- for tests and tools ------------------------------------------------------------------
    async def wait_connected(self, link: str, timeout: float) -> None:
        """Wait until ``link`` ("ami"/"ari") is connected; AsteriskError after ``timeout``."""
        try:
            async with asyncio.timeout(timeout):
                await self._up[link].wait()
        except TimeoutError:
            state = self.status.links[link]
            raise AsteriskError(
                f"{link.upper()} is not connected ({state.state}"
                f"{': ' + state.last_error if state.last_error else ''})") from None

    # --- lifecycle ----------------------------------------------------------------------------
    async def start(self) -> None:
        """Read the secrets, register capabilities, connect both links (raising a one-line
        error if that fails), record the gaps, and start supervising."""
        if self._started:
            return
        s = self.settings
        ami = AmiLink(*listeners.ami_address(s), s.ami_user,
                      read_secret(s.ami_secret_file, "AMI"), self._sink("ami"),
                      self._dispatch["ami"].wanted,
                      lambda since, _n, why: self._events_lost("ami", since, why))
        ari = AriLink(listeners.ari_url(s), s.ari_user, read_secret(s.ari_secret_file, "ARI"),
                      s.ari_app, self._sink("ari"))
        self._links = {"ami": ami, "ari": ari}
        for capability in self.capabilities:
            capability.register(self)
        previous = await self._store(gaps.last_seen, self.app.engine, self.node)
        for dispatcher in self._dispatch.values():
            dispatcher.start()
        try:
            await ami.connect()
            await self._first_ari_connect(ari)
        except BaseException:
            await self._close_links()
            for dispatcher in self._dispatch.values():
                await dispatcher.close(0)
            raise
        self._started = True
        for name, link in self._links.items():
            seen = previous.get(name)
            gap = None if seen is None else Gap(name, seen, gaps.utc(link.last_alive))
            await self._connected(name, gap, "bridge start: since the previous run's last sign "
                                  "of life")
        for name in self._links:
            self._spawn(self._supervise(name), f"supervise:{name}")
            self._spawn(self._keepalive(name), f"keepalive:{name}")
        self._spawn(self._housekeeping(), "housekeeping")
        self._start_resync()  # events dropped while connecting
        self._write_status()
        log.info("bridge.started", extra=fields(node=self.node, pid=self.status.pid,
                                                capabilities=[c.name for c in self.capabilities]))

    def stop(self) -> None:
        """Ask :meth:`run` to shut down (safe from a signal handler)."""
        self._stopping.set()

    async def run(self) -> None:
        """Start, run until :meth:`stop` (or a fatal error, which is then raised), close."""
        await self.start()
        try:
            await self._stopping.wait()
        finally:
            await self.close()
        if self._fatal is not None:
            raise self._fatal

    async def close(self) -> None:
        """Stop reading, let handlers and capabilities flush, close the links, and mark the
        status file stopped."""
        if self._closed or not self._started:
            return
        self._closed = True
        self._stopping.set()
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for link in self._links.values():
            link.pause()
        for dispatcher in self._dispatch.values():
            await dispatcher.close(DRAIN_TIMEOUT_S)
        await self._record_losses_now()
        for capability in self.capabilities:
            try:
                await asyncio.wait_for(capability.close(), CAPABILITY_CLOSE_TIMEOUT_S)
            except Exception:
                log.exception("capability.close_failed", extra=fields(capability=capability.name))
        seen = {n: gaps.utc(link.last_alive) for n, link in self._links.items() if link.last_alive}
        try:
            await asyncio.to_thread(gaps.beat, self.app.engine, self.node, seen)
        except (SQLAlchemyError, StoreError) as exc:
            log.error("heartbeat.failed", extra=fields(error=str(exc)))
        await self._close_links()
        now = time.time()
        for state in self.status.links.values():
            state.set("down", now)
        self.status.state = "stopped"
        self._write_status()
        log.info("bridge.stopped", extra=fields(node=self.node))

    async def __aenter__(self) -> Bridge:
        await self.start()
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        await self.close()

    # --- internals ----------------------------------------------------------------------------
    def _sink(self, name: str) -> Callable[[str, Event], None]:
        state = self.status.links[name]
        dispatch = self._dispatch[name].dispatch

        def sink(event_name: str, event: Event) -> None:
            state.events += 1
            dispatch(event_name, event)

        return sink

    def _shed(self, shed: Shed) -> None:
        """A handler's queue overflowed and it has caught up again: resynchronise."""
        self._events_lost(shed.link, shed.since, f"handler {shed.handler} fell behind: "
                          f"{shed.dropped} events dropped from its full queue")

    def _events_lost(self, name: str, since: float, reason: str) -> None:
        """The bridge dropped events of link ``name`` since ``since``: record the span as a gap
        and tell the capabilities, exactly as after a reconnect, so they reconcile it."""
        gap = Gap(name, gaps.utc(since), gaps.utc(time.time()))
        self._losses.append((gap, reason))
        log.warning("link.events_lost", extra=fields(
            link=name, reason=reason, gap_from=gaps.iso(gap.start), gap_to=gaps.iso(gap.end),
            effect="recorded as a gap; the capabilities reconcile it"))
        if self._started and not self._closed:
            self._start_resync()

    def _start_resync(self) -> None:
        """Record and reconcile the pending losses in one task (later ones join its queue)."""
        if self._losses and not self._resyncing:
            self._resyncing = True
            self._spawn(self._resync(), "resync")

    async def _resync(self) -> None:
        try:
            while self._losses:
                gap, reason = self._losses[0]  # removed once recorded: close() records the rest
                await self._store(gaps.record_gap, self.app.engine, self.node, gap, reason)
                self._losses.popleft()
                self.status.links[gap.link].resyncs += 1
                await self._notify(gap.link, gap)
        finally:
            self._resyncing = False

    async def _record_losses_now(self) -> None:
        """At shutdown: record losses not recorded yet, for the next start to reconcile."""
        while self._losses:
            gap, reason = self._losses.popleft()
            try:
                await asyncio.to_thread(gaps.record_gap, self.app.engine, self.node, gap, reason)
                self.status.links[gap.link].resyncs += 1
            except (SQLAlchemyError, StoreError) as exc:
                log.error("gap.record_failed", extra=fields(link=gap.link, error=str(exc)[:300]))

    def _spawn(self, coro: Awaitable[Any], name: str) -> None:
        task = asyncio.ensure_future(coro)
        task.set_name(name)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _first_ari_connect(self, ari: AriLink) -> None:
        deadline = time.monotonic() + ARI_START_WAIT_S
        backoff = Backoff()
        while True:
            try:
                await ari.connect()
                return
            except AriUnreachable:
                if time.monotonic() >= deadline:
                    raise
            await asyncio.sleep(backoff.next())

    async def _connected(self, name: str, gap: Gap | None, reason: str) -> None:
        """Mark ``name`` up, record its gap durably, then tell the capabilities."""
        link = self._links[name]
        state = self.status.links[name]
        state.set("connected", time.time())
        state.connects += 1
        self._up[name].set()
        if gap is None:
            await self._store(gaps.beat, self.app.engine, self.node,
                              {name: gaps.utc(link.last_alive)})
        else:
            await self._store(gaps.record_gap, self.app.engine, self.node, gap, reason)
        extra: dict[str, Any] = {"link": name, "at": link.where, "connects": state.connects}
        if gap is not None:
            extra.update(gap_from=gaps.iso(gap.start), gap_to=gaps.iso(gap.end),
                         gap_s=round((gap.end - gap.start).total_seconds(), 3))
        if isinstance(link, AriLink):
            extra["channels"] = link.channels_at_connect
        else:
            extra["events"] = self._show_filter(link) or "all"
        log.info("link.connected", extra=fields(**extra))
        self._spawn(self._notify(name, gap), f"on_connected:{name}")

    async def _widen_filter(self, link: AmiLink) -> None:
        await link.widen_filter()
        if link.is_up:
            self._show_filter(link)

    def _show_filter(self, link: AmiLink) -> list[str] | None:
        """Copy the session's event filter into the status (None: every event)."""
        state = self.status.links["ami"]
        state.event_filter = sorted(link.event_filter) if link.event_filter is not None else None
        return state.event_filter

    async def _notify(self, name: str, gap: Gap | None) -> None:
        for capability in self.capabilities:
            try:
                await capability.on_connected(name, gap)
            except Exception:
                log.exception("capability.on_connected_failed",
                              extra=fields(capability=capability.name, link=name))

    async def _store(self, fn: Callable[..., Any], *args: Any) -> Any:
        """Run a store call in a thread, retrying with backoff while the store is down: a gap
        must be on disk before capabilities are told of the reconnect."""
        backoff = Backoff(base=0.5, cap=30.0)
        while True:
            try:
                return await asyncio.to_thread(fn, *args)
            except (SQLAlchemyError, StoreError) as exc:
                log.error("store.write_failed", extra=fields(
                    call=fn.__name__, error=" ".join(str(exc).split())[:300]))
            await asyncio.sleep(backoff.next())

    async def _supervise(self, name: str) -> None:
        link = self._links[name]
        state = self.status.links[name]
        backoff = Backoff()
        while True:
            reason = await link.wait_lost()
            self._up[name].clear()
            last_alive = link.last_alive
            state.set("reconnecting", time.time(), reason)
            log.warning("link.lost", extra=fields(link=name, at=link.where, reason=reason))
            backoff.reset()
            while True:
                await asyncio.sleep(backoff.next())
                try:
                    await link.connect()
                    break
                except AUTH_ERRORS as exc:
                    state.set("down", time.time(), str(exc))
                    log.error("link.refused", extra=fields(link=name, error=str(exc)))
                    self._fatal = exc
                    self.stop()
                    return
                except AsteriskError as exc:
                    state.last_error = str(exc)
                    log.info("link.retry", extra=fields(link=name, error=str(exc),
                                                        attempt=backoff.attempt))
            gap = Gap(name, gaps.utc(last_alive), gaps.utc(link.last_alive))
            await self._connected(name, gap, f"{name} connection lost: {reason}")

    async def _keepalive(self, name: str) -> None:
        link = self._links[name]
        while True:
            await asyncio.sleep(KEEPALIVE_S / 2)
            if not link.is_up or time.time() - link.last_alive < KEEPALIVE_S:
                continue
            try:
                await link.probe(PROBE_TIMEOUT_S)
            except (AsteriskError, TimeoutError) as exc:
                if link.is_up:
                    log.warning("link.probe_failed", extra=fields(link=name, error=str(exc)))
                    link.abort()

    async def _housekeeping(self) -> None:
        next_beat = time.monotonic() + HEARTBEAT_EVERY_S
        while True:
            await asyncio.sleep(STATUS_EVERY_S)
            self._write_status()
            if time.monotonic() >= next_beat:
                next_beat = time.monotonic() + HEARTBEAT_EVERY_S
                seen = {n: gaps.utc(link.last_alive) for n, link in self._links.items()
                        if link.is_up}
                try:
                    await asyncio.to_thread(gaps.beat, self.app.engine, self.node, seen)
                except (SQLAlchemyError, StoreError) as exc:
                    log.error("heartbeat.failed", extra=fields(error=str(exc)[:300]))

    def _write_status(self) -> None:
        self.status.updated = time.time()
        for name, link in self._links.items():
            state = self.status.links[name]
            state.last_event = link.last_alive
            state.backlog = self._dispatch[name].backlog()
            state.dropped = self._dispatch[name].dropped()
            if isinstance(link, AmiLink):
                state.malformed, state.oversize = link.frames.malformed, link.frames.oversize
            else:
                state.malformed = link.malformed
        try:
            write_status(self.app.config.status_file, self.status)
        except OSError as exc:
            log.error("status.write_failed", extra=fields(error=str(exc)))

    async def _close_links(self) -> None:
        for link in self._links.values():
            if isinstance(link, AriLink):
                with contextlib.suppress(Exception):
                    await link.aclose()
            else:
                link.close()


async def serve(app: App) -> None:
    """``voco bridge run``: the bridge with every enabled capability, until SIGTERM/SIGINT.

    Refuses to start while Voco's own files holding personal data are readable by others (it
    would keep adding to them); looser Asterisk files are logged as warnings.
    """
    _check_private_files(app)
    with single_instance(app.config.data_dir / "bridge.lock"):
        bridge = Bridge(app)
        # Every module and capability is loaded: move those objects out of the collector's
        # reach. A full collection otherwise walks them all (about 90,000 objects, 25-40 ms
        # with the loop stopped), often enough to set the p99 of hang-up -> committed.
        gc.collect()
        gc.freeze()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, bridge.stop)
        await bridge.run()


def _check_private_files(app: App) -> None:
    report = private_files.check(app.config)
    for loose in report.loose:
        log.warning("file.loose", extra=fields(path=str(loose.path), mode=f"{loose.mode:04o}",
                                               owner=loose.holder.owner, fix=loose.fix))
    ours = [loose for loose in report.loose if loose.holder.owner == "voco"]
    if ours:
        raise VocoError(f"{len(ours)} of Voco's files holding personal data or secrets are "
                        f"readable by other users, e.g. {ours[0].describe()}; 'voco check' "
                        "lists them all. The bridge did not start")
