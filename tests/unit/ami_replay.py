"""A loopback AMI endpoint that replays bytes captured from real Asterisk to a real AmiLink.

It answers the Login and every Ping the way Asterisk does (echoing the ActionID), and sends
whatever the test gives it in between, so the bridge's socket, protocol, parser and action
matching all run as in production while the test controls the bytes exactly.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import AsyncIterator
from pathlib import Path

TRANSCRIPT = Path(__file__).parents[1] / "fixtures" / "ami" / "call.raw"
GREETING = b"Asterisk Call Manager/11.0.0\r\n"
_ACTION = re.compile(rb"(?im)^Action: *(\S+)")
_ACTION_ID = re.compile(rb"(?im)^ActionID: *(.*?)\r?$")


class ReplayServer:
    """Serves one AMI client at a time on 127.0.0.1; ``send`` pushes bytes to it."""

    def __init__(self, ping_answer_extra: bytes = b"") -> None:
        self.ping_answer_extra = ping_answer_extra
        self.port = 0
        self.pings = 0
        self._writer: asyncio.StreamWriter | None = None
        self._connected = asyncio.Event()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writer = writer
        writer.write(GREETING)
        with contextlib.suppress(asyncio.IncompleteReadError, ConnectionError,
                                 asyncio.CancelledError):
            while True:
                action = await reader.readuntil(b"\r\n\r\n")
                name = _ACTION.search(action)
                found = _ACTION_ID.search(action)
                action_id = found.group(1) if found else b""
                answer = b"Response: Success\r\nActionID: " + action_id + b"\r\n"
                if name and name.group(1).lower() == b"ping":
                    self.pings += 1
                    answer += self.ping_answer_extra + b"Ping: Pong\r\n"
                else:
                    answer += b"Message: Authentication accepted\r\n"
                writer.write(answer + b"\r\n")
                self._connected.set()

    async def send(self, data: bytes, chunk: int = 4096) -> None:
        """Write ``data`` in ``chunk``-sized pieces, letting the client read in between."""
        await self._connected.wait()
        assert self._writer is not None
        for i in range(0, len(data), chunk):
            self._writer.write(data[i:i + chunk])
            await self._writer.drain()

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[ReplayServer]:
        """Listen on a free loopback port for the block."""
        server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = server.sockets[0].getsockname()[1]
        try:
            yield self
        finally:
            if self._writer is not None:
                self._writer.close()
            server.close()
            await server.wait_closed()
