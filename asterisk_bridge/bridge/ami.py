"""The AMI link: one panoramisk 1.4 connection whose lifecycle the bridge drives itself.

panoramisk reconnects on its own and logs in again after every reconnect, even after a refused
login, which would hammer Asterisk (it sleeps 1 s and raises a security event per failed login).
So this module keeps panoramisk's protocol, action/response matching and message parsing, but
opens each connection and logs in explicitly, reports the loss of a connection instead of
reconnecting, and fails in-flight actions instead of re-sending them after a reconnect.
"""

from __future__ import annotations

import asyncio
import codecs
import contextlib
import os
import time
from collections.abc import Callable, Mapping
from typing import Any

from panoramisk import Manager
from panoramisk.ami_protocol import AMIProtocol
from panoramisk.message import Message

from asterisk_bridge.bridge.capability import Event
from asterisk_bridge.bridge.lifetime import ConnectionLifetime
from asterisk_bridge.errors import AsteriskError

CONNECT_TIMEOUT_S = 10.0
LOGIN_TIMEOUT_S = 10.0
FRAME_END = "\r\n\r\n"

Sink = Callable[[str, Event], None]


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


class FrameParser:
    """Splits AMI's byte stream into messages.

    Decodes UTF-8 incrementally (a character split across two reads is kept whole), tolerates
    messages that start with blank lines (Debian's TestEvent leaves an extra CRLF) and skips frames
    that are neither an event nor a response, counting them.
    """

    def __init__(self) -> None:
        self._decoder = codecs.getincrementaldecoder("utf-8")("replace")
        self._tail = ""
        self.malformed = 0

    def feed(self, data: bytes) -> list[Message]:
        """Every complete message in ``data`` plus what was buffered before it."""
        frames = (self._tail + self._decoder.decode(data)).split(FRAME_END)
        self._tail = frames.pop()
        messages = []
        for frame in frames:
            frame = frame.strip("\r\n")
            if not frame:
                continue
            message = Message.from_line(frame)
            if message is None:
                self.malformed += 1
                continue
            messages.append(message)
        return messages


class _Protocol(AMIProtocol):
    """panoramisk's protocol with our parser; records when data last arrived."""

    def __init__(self, manager: _Manager) -> None:
        super().__init__()
        self._manager = manager

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)
        self.factory = self._manager  # the greeting may arrive before connect() resumes
        self.parser = FrameParser()

    def data_received(self, data: bytes) -> None:
        link = self.factory.link
        link.last_alive = time.time()
        for message in self.parser.feed(data):
            self.handle_message(message)


class _Manager(Manager):
    """panoramisk's Manager minus its own reconnect, pinger and pattern matching."""

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
    """Connect, log in, send actions; report when the connection is lost."""

    name = "ami"

    def __init__(self, host: str, port: int, user: str, secret: str, sink: Sink) -> None:
        super().__init__()
        self.host = host
        self.port = port
        self.user = user
        self._secret = secret
        self.sink = sink
        self.last_alive = 0.0
        self._manager: _Manager | None = None

    @property
    def where(self) -> str:
        return f"{self.host}:{self.port}"

    async def connect(self) -> None:
        """Open a connection and log in; AmiUnreachable or AmiAuthError if that fails."""
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
