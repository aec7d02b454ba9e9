"""ARI's REST calls: HTTP/1.1 on asyncio streams, one connection per call.

The bridge's ARI calls are few (one at each connect, a handful per voicemail-menu call) and
small JSON, usually over loopback. httpx, with the httpcore, anyio and h11 it loads, held about
5.5 MB of the idle bridge's memory for them; this holds next to nothing. Each call opens its
own connection and sends ``Connection: close``: no pool to go stale under Asterisk's session
timeout, no question whether a POST may be re-sent on a fresh connection, and calls never wait
for each other. Over ``https://`` the server is verified against the system's CA store, as the
event websocket verifies it.
"""

from __future__ import annotations

import asyncio
import json
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

MAX_HEAD = 64 * 1024
MAX_BODY = 64 * 1024 * 1024
"""An answer larger than this is refused (``GET /channels`` on a busy node is well below)."""


class HttpError(Exception):
    """The call did not complete: no connection, lost connection, timeout, or not HTTP."""


@dataclass(frozen=True)
class Response:
    """One answer, its body read in full."""

    status: int
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def json(self) -> Any:
        """The body as JSON (ValueError if it is not)."""
        return json.loads(self.body)


class RestClient:
    """Calls under one base URL (``http://host:port/ari``) with fixed headers."""

    def __init__(self, base: str, headers: Mapping[str, str], timeout: float) -> None:
        parts = urlsplit(base)
        tls = parts.scheme == "https"
        self._host = parts.hostname or ""
        self._port = parts.port or (443 if tls else 80)
        self._netloc = parts.netloc.rpartition("@")[2]
        self._prefix = parts.path.rstrip("/")
        self._headers = dict(headers)
        self._timeout = timeout
        self._tls = ssl.create_default_context() if tls else None

    async def request(self, method: str, path: str, query: Mapping[str, str] | None = None,
                      body: Any = None) -> Response:
        """Send one call (``body``, if not None, as JSON) and read its answer."""
        target = self._prefix + quote(path)
        if query:
            target += "?" + urlencode(query, quote_via=quote)
        payload = b"" if body is None else json.dumps(body).encode()
        lines = [f"{method} {target} HTTP/1.1", f"Host: {self._netloc}", "Connection: close",
                 "Accept: application/json", f"Content-Length: {len(payload)}",
                 *(["Content-Type: application/json"] if body is not None else []),
                 *(f"{name}: {value}" for name, value in self._headers.items())]
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        try:
            async with asyncio.timeout(self._timeout):
                reader, writer = await asyncio.open_connection(
                    self._host, self._port, ssl=self._tls, limit=MAX_HEAD)
                try:
                    writer.write(head + payload)
                    await writer.drain()
                    return await read_response(reader, method)
                finally:
                    writer.close()
        except TimeoutError:
            raise HttpError(f"no answer within {self._timeout:g} s") from None
        except (OSError, EOFError, ValueError, asyncio.LimitOverrunError) as exc:
            raise HttpError(str(exc) or type(exc).__name__) from None


async def read_response(reader: asyncio.StreamReader, method: str = "GET") -> Response:
    """One HTTP/1.1 answer: its body by Content-Length, chunked, or up to the end of the
    connection. ValueError when it is not HTTP or too large; IncompleteReadError (an EOFError)
    when the connection ends early."""
    head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
    version, _, rest = head[0].partition(" ")
    code = rest.partition(" ")[0]
    if not version.startswith("HTTP/1.") or not (code.isdigit() and len(code) == 3):
        raise ValueError(f"not an HTTP answer: {head[0][:80]!r}")
    headers = {}
    for line in head[1:]:
        name, sep, value = line.partition(":")
        if sep:
            headers[name.strip().lower()] = value.strip()
    status = int(code)
    if method == "HEAD" or status in (204, 304) or status < 200:
        return Response(status, b"")
    if headers.get("transfer-encoding", "").lower() == "chunked":
        return Response(status, await _chunked(reader))
    if "content-length" in headers:
        length = int(headers["content-length"])
        if not 0 <= length <= MAX_BODY:
            raise ValueError(f"answer of {length} bytes refused")
        return Response(status, await reader.readexactly(length))
    body = bytearray()
    while chunk := await reader.read(65536):
        body += chunk
        if len(body) > MAX_BODY:
            raise ValueError(f"answer over {MAX_BODY} bytes refused")
    return Response(status, bytes(body))


async def _chunked(reader: asyncio.StreamReader) -> bytes:
    parts: list[bytes] = []
    total = 0
    while size := int((await reader.readuntil(b"\r\n")).split(b";")[0].strip(), 16):
        total += size
        if total > MAX_BODY:
            raise ValueError(f"answer over {MAX_BODY} bytes refused")
        parts.append(await reader.readexactly(size))
        await reader.readexactly(2)
    while await reader.readuntil(b"\r\n") != b"\r\n":  # trailers
        pass
    return b"".join(parts)
