"""The AMI link: one panoramisk 1.4 connection whose lifecycle the bridge drives itself.

panoramisk reconnects on its own and logs in again after every reconnect, even after a refused
login, which would hammer Asterisk (it sleeps 1 s and raises a security event per failed login).
So this module keeps panoramisk's protocol and action/response matching, but opens each
connection and logs in explicitly, reports the loss of a connection instead of reconnecting, and
fails in-flight actions instead of re-sending them after a reconnect. Messages come from the
bridge's own splitter (:mod:`~asterisk_bridge.bridge.amiframes`), not panoramisk's, which is
quadratic on a long frame and crashes on a repeated ``Event`` header.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from panoramisk import Manager
from panoramisk.ami_protocol import AMIProtocol
from panoramisk.message import Message

from asterisk_bridge.bridge.amiframes import FrameCounts, FrameParser
from asterisk_bridge.bridge.capability import Event
from asterisk_bridge.bridge.eventfilter import ANY, include_actions, wanted_names
from asterisk_bridge.bridge.lifetime import ConnectionLifetime
from asterisk_bridge.bridge.logs import fields, get_logger
from asterisk_bridge.errors import AsteriskError

CONNECT_TIMEOUT_S = 10.0
LOGIN_TIMEOUT_S = 10.0

Sink = Callable[[str, Event], None]
Wanted = Callable[[], frozenset[str] | None]
LossHook = Callable[[float, int, str], None]
"""Told (since when, how many, why) when the link had to drop events."""

log = get_logger("ami")


class AmiUnreachable(AsteriskError):
    """No TCP connection to AMI, or it closed before login completed."""


class AmiAuthError(AsteriskError):
    """AMI refused the login: retrying would only trip Asterisk's brute-force defences."""


class LinkLost(AsteriskError):
    """The connection dropped while an action was waiting for its answer."""


def as_sendable(action: Mapping[str, Any]) -> dict[str, Any]:
    """The action as panoramisk 1.4 can send it: it reads ``Async`` unconditionally when an
    answer says "successfully queued" (Originate, Atxfer, ...), so every action carries one;
    Asterisk ignores the header where it means nothing."""
    return {"Async": "false", **action}


class SafeProtocol(AMIProtocol):
    """panoramisk's protocol (action/answer matching) fed by :class:`FrameParser`: no frame,
    however malformed, raises out of ``data_received`` (asyncio would drop the connection)."""

    counts: FrameCounts | None = None  # where the parser counts what it drops

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)
        self.parser = FrameParser(counts=self.counts)
        self.failed = 0

    def data_received(self, data: bytes) -> None:
        for message in self.parser.feed(data):
            try:
                self.handle_message(message)
            except Exception:  # a bug on one message must not end the session
                self.failed += 1
                log.exception("ami.message_failed", extra=fields(
                    event=str(message.get("Event") or message.get("Response") or "?")))


class _Protocol(SafeProtocol):
    """The bridge's protocol: records when data last arrived and what the parser dropped."""

    def __init__(self, manager: _Manager) -> None:
        super().__init__()
        self._manager = manager
        self.counts = manager.link.frames

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)
        self.factory = self._manager  # the greeting may arrive before connect() resumes
        self._began = time.time()  # when the frame being buffered started, at the latest

    def data_received(self, data: bytes) -> None:
        link = self.factory.link
        now = link.last_alive = time.time()
        if not self.parser.buffered:
            self._began = now
        before = link.frames.oversize
        super().data_received(data)
        if link.frames.oversize != before:
            link.on_loss(self._began, link.frames.oversize - before,
                         f"AMI frame over {self.parser.max_frame} bytes dropped")


class _Manager(Manager):
    """panoramisk's Manager minus its own reconnect, pinger and pattern matching."""

    pinger: asyncio.TimerHandle | None  # set by panoramisk, which has no annotations

    def __init__(self, link: AmiLink, **config: Any) -> None:
        super().__init__(**config)
        self.link = link

    def ping(self) -> None:
        """Disabled: the bridge probes idle links itself, with a deadline."""

    def dispatch(self, event: Message) -> list[str]:
        self.link.sink(event.get("Event", ""), event)
        return []

    def connection_lost(self, exc: Any) -> None:
        self._connected = False
        self.fail_pending()
        self.link.lost(exc)

    def forget(self, future: asyncio.Future[Any]) -> None:
        """Stop waiting for an answer that timed out (its answer may have been dropped as
        oversize): panoramisk would otherwise keep the action for the connection's life."""
        responses = self.protocol.responses if self.protocol is not None else {}
        for key in [k for k, a in responses.items() if a.future is future]:
            del responses[key]

    def fail_pending(self) -> None:
        """Fail actions still waiting for an answer: they are never re-sent on a new connection,
        where a repeated Originate would place a second call."""
        if self.pinger:
            self.pinger.cancel()
            self.pinger = None
        while self.awaiting_actions:
            action = self.awaiting_actions.popleft()
            if not action.future.done():
                action.future.set_exception(LinkLost(
                    f"AMI connection lost before {action['Action']!r} was answered"))


class AmiLink(ConnectionLifetime):
    """Connect, log in, filter events, send actions; report when the connection is lost.

    ``wanted`` returns the event names the handlers want (None: every event); after each login
    the session is filtered to those (see :mod:`~asterisk_bridge.bridge.eventfilter`).
    ``on_loss`` hears of every frame dropped for its size, so the bridge can record a gap.
    """

    name = "ami"

    def __init__(self, host: str, port: int, user: str, secret: str, sink: Sink,
                 wanted: Wanted = lambda: None,
                 on_loss: LossHook = lambda _since, _count, _why: None) -> None:
        super().__init__()
        self.host = host
        self.port = port
        self.user = user
        self._secret = secret
        self.sink = sink
        self._wanted = wanted
        self.on_loss = on_loss
        self.frames = FrameCounts()
        self.last_alive = 0.0
        self.event_filter: frozenset[str] | None = None  # what the session passes; None: all
        self._refusal_logged = False
        self._manager: _Manager | None = None

    @property
    def where(self) -> str:
        return f"{self.host}:{self.port}"

    async def connect(self) -> None:
        """Open a connection, log in and filter its events; AmiUnreachable or AmiAuthError if
        that fails. If Asterisk refuses the filter the session stays unfiltered; if it refuses
        only part of it, that session would drop events, so a fresh (unfiltered) one replaces
        it: events in between fall in the gap the runner records."""
        await self._login()
        if not await self._narrow(filtered=False):
            self.close()
            await self._login()

    async def widen_filter(self) -> None:
        """Let the current session pass what handlers registered since its filter was set; if
        Asterisk refuses, drop the session (the next one is filtered afresh)."""
        if self.is_up and self.event_filter is not None and not await self._narrow(True):
            self.abort()

    async def _narrow(self, filtered: bool) -> bool:
        """Add include filters until the session passes what the handlers want now; False if
        Asterisk accepted some filters and refused others (the session then misses events)."""
        installed = self.event_filter or frozenset()
        while True:
            handler_names = self._wanted()
            if handler_names is None and not filtered:
                return True
            missing = wanted_names(handler_names) - installed
            if not missing:
                return True
            refused = await self._add_filters(missing)
            if refused:
                self._log_refusal(refused)
                self.event_filter = None
                return not filtered and len(refused) == len(missing)
            filtered = True
            installed |= missing
            self.event_filter = None if ANY in installed else installed

    async def _add_filters(self, names: Iterable[str]) -> dict[str, str]:
        """Send one include filter per name at once; {name: why} for those refused."""
        actions = include_actions(names)
        answers = await asyncio.gather(*(self.action(a, LOGIN_TIMEOUT_S) for a in actions),
                                       return_exceptions=True)
        if not self.is_up:
            raise AmiUnreachable(f"AMI at {self.where} closed the connection while the bridge "
                                 "was installing its event filter")
        return {a["MatchCriteria"]: str(r if isinstance(r, BaseException) else r.get("Message", ""))
                for a, r in zip(actions, answers, strict=True)
                if isinstance(r, BaseException) or not r.success}

    def _log_refusal(self, refused: Mapping[str, str]) -> None:
        if not self._refusal_logged:
            self._refusal_logged = True
            log.warning("ami.filter_refused", extra=fields(
                at=self.where, refused=sorted(refused), reason=next(iter(refused.values())),
                effect="sessions receive every event the AMI user may read (Asterisk without "
                       "advanced filters, or an AMI user without write=system?)"))

    async def _login(self) -> None:
        """Open a connection and log in."""
        loop = asyncio.get_running_loop()
        manager = _Manager(self, loop=loop, host=self.host, port=self.port)
        try:
            transport, protocol = await asyncio.wait_for(
                loop.create_connection(lambda: _Protocol(manager), self.host, self.port),
                CONNECT_TIMEOUT_S)
        except TimeoutError:
            raise AmiUnreachable(
                f"cannot reach AMI at {self.where}: no answer within {CONNECT_TIMEOUT_S:.0f} s "
                "— is Asterisk running and manager.conf enabled?") from None
        except OSError as exc:
            reason = os.strerror(exc.errno).lower() if exc.errno else str(exc)
            raise AmiUnreachable(
                f"cannot reach AMI at {self.where}: {reason} "
                "— is Asterisk running and manager.conf enabled?") from None
        self._manager = manager
        lost = self.begin()
        done: asyncio.Future[tuple[Any, Any]] = loop.create_future()
        done.set_result((transport, protocol))
        manager.connection_made(done)
        login = manager.send_action({"Action": "Login", "Username": self.user,
                                     "Secret": self._secret, "Events": "on"})
        await asyncio.wait({login, lost}, timeout=LOGIN_TIMEOUT_S,
                           return_when=asyncio.FIRST_COMPLETED)
        if login.done() and login.result().success:
            self.last_alive = time.time()
            self.event_filter = None
            return
        self.close()
        if login.done():
            raise AmiAuthError(
                f"AMI refused login for user {self.user!r} at {self.where} "
                f"({login.result().get('Message', 'no reason given')}): wrong secret, or this "
                "host is not permitted by the user's ACL (manager.conf deny/permit)")
        login.cancel()
        raise AmiUnreachable(
            f"AMI at {self.where} closed the connection or did not answer the login within "
            f"{LOGIN_TIMEOUT_S:.0f} s")

    def lost(self, exc: Any) -> None:
        """Called by the manager when the connection ends."""
        if isinstance(exc, Message):
            reason = f"Asterisk sent {exc.get('Event')}: {exc.get('Shutdown', '')}".strip()
        else:
            reason = str(exc) if exc else "connection closed by Asterisk"
        self.end(reason)

    async def action(self, action: Mapping[str, Any], timeout: float) -> Any:
        """Send one action on the current connection and wait for its full answer."""
        if self._manager is None or not self.is_up:
            raise LinkLost("AMI is not connected")
        future = self._manager.send_action(as_sendable(action))
        try:
            return await asyncio.wait_for(future, timeout)
        except TimeoutError:
            self._manager.forget(future)
            raise AsteriskError(
                f"AMI did not answer {action.get('Action')!r} within {timeout:g} s") from None

    async def probe(self, timeout: float) -> None:
        """A Ping with a deadline; raises if the connection does not answer."""
        await self.action({"Action": "Ping"}, timeout)

    def pause(self) -> None:
        """Stop reading (shutdown: events after this point are not dispatched)."""
        if self._manager is not None and self._manager.protocol is not None:
            with contextlib.suppress(Exception):
                self._manager.protocol.transport.pause_reading()

    def abort(self) -> None:
        """Drop the connection now (a probe failed); the loss is reported as usual."""
        if self._manager is not None and self._manager.protocol is not None:
            self._manager.protocol.transport.abort()

    def close(self) -> None:
        """Close without reporting a loss."""
        self.end("closed by the bridge")
        if self._manager is not None:
            self._manager.close()
            self._manager.fail_pending()
