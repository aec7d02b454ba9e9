"""The lifetime of a link's current connection, shared by the AMI and ARI links."""

from __future__ import annotations

import asyncio


class ConnectionLifetime:
    """Up from :meth:`begin` until :meth:`end`; remembers why it ended (the runner records it)."""

    def __init__(self) -> None:
        self._lost: asyncio.Future[str] | None = None

    def begin(self) -> asyncio.Future[str]:
        """A new connection is up; the returned future resolves with why it ended."""
        self._lost = asyncio.get_running_loop().create_future()
        return self._lost

    def end(self, reason: str) -> None:
        """The connection ended (first reason wins)."""
        if self._lost is not None and not self._lost.done():
            self._lost.set_result(reason)

    async def wait_lost(self) -> str:
        """Wait until the current connection ends; return why."""
        assert self._lost is not None, "connect() first"
        return await asyncio.shield(self._lost)

    @property
    def is_up(self) -> bool:
        """Whether a connection is up now."""
        return self._lost is not None and not self._lost.done()
