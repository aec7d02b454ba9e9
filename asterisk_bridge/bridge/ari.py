"""The ARI link: REST over httpx and the event websocket over websockets.

Third-party ARI clients either do not import on Python 3, spin on a dropped websocket, or never
reconnect (see dependencies.md), hence this thin client. The websocket subscribes the bridge's
Stasis app by connecting to ``/ari/events?app=...``: while it is down the app is inactive (dialplan
``Stasis()`` fails), so the bridge reconnects it quickly. Credentials travel in an Authorization
header rather than the URL's ``api_key``, so no URL that may end up in a log or an exception
message carries a secret.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import os
import ssl
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import quote, urlsplit

import httpx
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus

from asterisk_bridge.bridge.capability import Event
from asterisk_bridge.bridge.lifetime import ConnectionLifetime
from asterisk_bridge.errors import AsteriskError

CONNECT_TIMEOUT_S = 10.0
REQUEST_TIMEOUT_S = 10.0
CLOSE_TIMEOUT_S = 2.0
MAX_EVENT_BYTES = 1024 * 1024
"""A larger websocket message makes the websockets library close the connection (code 1009): the
bridge reconnects and records the gap. ARI events are a few KiB."""
MAX_QUEUE = 64
"""Messages the websocket buffers before it stops reading (TCP then pushes back on Asterisk):
with :data:`MAX_EVENT_BYTES`, at most 64 MiB. The reader empties it at once into the dispatcher,
whose queues are bounded in turn."""

Sink = Callable[[str, Event], None]


class AriUnreachable(AsteriskError):
    """No HTTP connection to Asterisk, or ARI is not (yet) serving."""


class AriAuthError(AsteriskError):
    """ARI refused the credentials: retrying cannot help."""


def _no_tls() -> ssl.SSLContext:
    """The TLS context of a plain ``http://`` ARI URL, which never uses it: httpx builds one
    per client, and its default loads the whole CA bundle (about 6 MB resident for the life of
    the bridge). This one trusts nothing, so a TLS connection through it would fail closed."""
    return ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)


class AriLink(ConnectionLifetime):
    """The event websocket (connect, read, report its loss) and REST requests."""

    name = "ari"

    def __init__(self, url: str, user: str, secret: str, app: str, sink: Sink) -> None:
        super().__init__()
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise AsteriskError(
                f"asterisk.ari_url {url!r} is not an http:// or https:// URL")
        self.base = url.rstrip("/")
        self.user = user
        self.app = app
        self.sink = sink
        self.last_alive = 0.0
        ws_scheme = "wss" if parts.scheme == "https" else "ws"
        self._ws_url = (f"{ws_scheme}://{parts.netloc}{parts.path.rstrip('/')}/ari/events"
                        f"?app={quote(app)}&subscribeAll=false")
        token = base64.b64encode(f"{user}:{secret}".encode()).decode()
        self._auth_header = {"Authorization": f"Basic {token}"}
        self.http = httpx.AsyncClient(base_url=f"{self.base}/ari", headers=self._auth_header,
                                      timeout=REQUEST_TIMEOUT_S, trust_env=False,
                                      verify=True if parts.scheme == "https" else _no_tls())
        self._ws: ClientConnection | None = None
        self._reader: asyncio.Task[None] | None = None
        self.channels_at_connect: int | None = None
        self.malformed = 0  # messages that were not a JSON object: skipped

    @property
    def where(self) -> str:
        return self.base

    async def connect(self) -> None:
        """Open the websocket (subscribing the app), then re-read Asterisk's channel list."""
        try:
            ws = await connect(
                self._ws_url, additional_headers=self._auth_header, proxy=None,
                open_timeout=CONNECT_TIMEOUT_S, close_timeout=CLOSE_TIMEOUT_S,
                ping_interval=None, max_size=MAX_EVENT_BYTES, max_queue=MAX_QUEUE)
        except InvalidStatus as exc:
            status = exc.response.status_code
            if status in (401, 403):
                raise AriAuthError(
                    f"ARI at {self.base} refused user {self.user!r} (HTTP {status}): wrong "
                    "secret, or the user is missing from ari.conf") from None
            raise AriUnreachable(
                f"ARI at {self.base} answered HTTP {status} to the event websocket "
                "— res_ari may still be loading, or is not loaded") from None
        except (OSError, TimeoutError, InvalidHandshake) as exc:
            errno = getattr(exc, "errno", None)
            reason = os.strerror(errno).lower() if errno else str(exc) or type(exc).__name__
            raise AriUnreachable(
                f"cannot reach ARI at {self.base}: {reason} — is Asterisk running with "
                "http.conf and ari.conf enabled?") from None
        self._ws = ws
        self.begin()
        self.last_alive = time.time()
        self._reader = asyncio.create_task(self._read(ws), name="ari-reader")
        try:
            channels = await self.request("GET", "/channels")
        except AsteriskError as exc:
            self.close()
            raise AriUnreachable(str(exc)) from None
        self.channels_at_connect = len(channels) if isinstance(channels, list) else None

    async def _read(self, ws: ClientConnection) -> None:
        reason = "websocket closed"
        sink = self.sink
        try:
            async for raw in ws:
                self.last_alive = time.time()
                decoded = decode_event(raw)
                if decoded is None:
                    self.malformed += 1
                else:
                    sink(*decoded)
        except ConnectionClosed as exc:
            reason = f"websocket closed: {exc}"
        except OSError as exc:
            reason = f"websocket failed: {exc}"
        finally:
            self.end(reason)

    async def request(self, method: str, path: str, **params: Any) -> Any:
        """Call ARI; scalar params go in the query string, mappings (``variables``) in a JSON
        body. AsteriskError on a transport failure or a non-2xx answer."""
        query = {k: _query_value(v) for k, v in params.items() if not isinstance(v, dict)}
        body = {k: v for k, v in params.items() if isinstance(v, dict)} or None
        try:
            resp = await self.http.request(method, path, params=query, json=body)
        except httpx.HTTPError as exc:
            raise AsteriskError(f"ARI {method} {path} failed: {exc}") from None
        if resp.status_code >= 300:
            try:
                message = resp.json().get("message", resp.text)
            except ValueError:
                message = resp.text
            raise AsteriskError(f"ARI {method} {path} answered HTTP {resp.status_code}: {message}")
        if not resp.content:
            return None
        return resp.json()

    async def probe(self, timeout: float) -> None:
        """A websocket ping with a deadline; raises if no pong comes back."""
        if self._ws is None or not self.is_up:
            raise AsteriskError("ARI websocket is not connected")
        try:
            pong = await self._ws.ping()
            async with asyncio.timeout(timeout):
                await pong
        except ConnectionClosed as exc:
            raise AsteriskError(f"ARI websocket closed: {exc}") from None
        self.last_alive = time.time()

    def pause(self) -> None:
        """Stop reading events (shutdown)."""
        if self._reader is not None:
            self._reader.cancel()

    def abort(self) -> None:
        """Drop the websocket now (a probe failed); the loss is reported as usual."""
        if self._ws is not None:
            self._ws.transport.abort()

    def close(self) -> None:
        """Close the websocket without reporting a loss (REST stays usable until aclose)."""
        self.end("closed by the bridge")
        if self._reader is not None:
            self._reader.cancel()
        if self._ws is not None:
            self._ws.transport.close()

    async def aclose(self) -> None:
        """Close the websocket with a close handshake, then the HTTP client."""
        self.end("closed by the bridge")
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
        if self._ws is not None:
            await self._ws.close()
        await self.http.aclose()


def decode_event(raw: str | bytes) -> tuple[str, dict[str, Any]] | None:
    """``(type, event)`` from one websocket message; None for anything but a JSON object
    (bad UTF-8, bad JSON, nesting too deep for the decoder, an integer too long to convert)."""
    try:
        event = json.loads(raw)
    except (ValueError, RecursionError):
        return None
    if not isinstance(event, dict):
        return None
    kind = event.get("type")
    return (kind if isinstance(kind, str) else ""), event


def _query_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return ",".join(str(v) for v in value)
    return str(value)
