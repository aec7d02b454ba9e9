"""One-shot AMI sessions for commands (``voco apply`` reloads, pausing a recording from the CLI).

The long-running bridge keeps its own reconnecting link; a command wants the opposite: connect,
log in, send a few actions, and fail fast with a message a sysadmin can act on.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager, suppress
from typing import Any

from panoramisk import Manager

from asterisk_bridge.bridge import listeners
from asterisk_bridge.bridge.ami import SafeProtocol, as_sendable
from asterisk_bridge.config import AsteriskSettings, read_secret
from asterisk_bridge.errors import AsteriskError, AsteriskUnreachable

NEVER = 10**6  # seconds: a one-shot session neither pings nor reconnects
# panoramisk narrates its reconnect plans, which a one-shot session never follows: keep it quiet.
_PANORAMISK_LOG = logging.getLogger("asterisk_bridge.bridge.amiclient.panoramisk")
_PANORAMISK_LOG.addHandler(logging.NullHandler())
_PANORAMISK_LOG.propagate = False


class AmiSession:
    """A logged-in AMI connection; every action is bounded by a timeout."""

    def __init__(self, manager: Manager, timeout: float) -> None:
        self._manager = manager
        self._timeout = timeout

    async def action(self, action: Mapping[str, str], timeout: float | None = None,
                     single: bool = False) -> Any:
        """Send one action; return its response (a list for multi-event answers). *single*
        says the answer is one message whatever it reads like: panoramisk takes "Added
        interface to queue" (QueueAdd) for the start of an event list and waits for ever."""
        try:
            return await asyncio.wait_for(
                self._manager.send_action(as_sendable(action), as_list=False if single
                                          else None), timeout or self._timeout)
        except TimeoutError:
            raise AsteriskError(
                f"AMI action {action.get('Action')!r} got no answer within "
                f"{timeout or self._timeout:.0f} s"
            ) from None

    async def ami_action(self, action: Mapping[str, str], timeout: float = 10.0) -> Any:
        """:meth:`action` under the bridge's name, so code written against the bridge (a
        notification call, intrusion enforcement) runs on a one-shot session too."""
        return await self.action(action, timeout)

    def on_event(self, pattern: str, callback: Callable[[Any], None]) -> None:
        """Call ``callback(message)`` for each event matching *pattern* (``*`` for all); needs a
        session opened with ``events=True``."""
        self._manager.register_event(pattern, lambda _m, message: callback(message))

    async def command(self, cli: str) -> str:
        """Run an Asterisk CLI command through AMI and return its output text."""
        resp = await self.action({"Action": "Command", "Command": cli})
        output = resp.get("Output", []) if hasattr(resp, "get") else []
        return "\n".join(output) if isinstance(output, list) else str(output)


@asynccontextmanager
async def ami_session(settings: AsteriskSettings, timeout: float = 10.0, events: bool = False,
                      ) -> AsyncIterator[AmiSession]:
    """Connect and log in; raise AsteriskError if AMI is unreachable or refuses the login."""
    secret = read_secret(settings.ami_secret_file, "AMI")
    host, port = listeners.ami_address(settings)
    where = f"{host}:{port}"
    loop = asyncio.get_running_loop()
    logged_in: asyncio.Future[None] = loop.create_future()

    def on_login(_m: Manager) -> None:
        if not logged_in.done():
            logged_in.set_result(None)

    def on_disconnect(_m: Manager, _exc: Exception | None) -> None:
        if not logged_in.done():
            logged_in.set_exception(AsteriskError(
                f"AMI at {where} refused login for user {settings.ami_user!r}: wrong secret, "
                "or this host is not permitted by the user's ACL"
            ))

    manager = Manager(loop=loop, host=host, port=port,
                      username=settings.ami_user, secret=secret,
                      events="on" if events else "off",
                      ping_delay=NEVER, ping_interval=NEVER, reconnect_timeout=NEVER,
                      protocol_factory=SafeProtocol,
                      on_login=on_login, on_disconnect=on_disconnect, log=_PANORAMISK_LOG)
    try:
        await asyncio.wait_for(manager.connect(), timeout)
    except (OSError, TimeoutError) as exc:
        manager.close()
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else "timed out"
        raise AsteriskUnreachable(
            f"cannot reach AMI at {where}: {reason.lower()} — is Asterisk running, and is "
            "manager.conf enabled on that address?"
        ) from None
    try:
        await asyncio.wait_for(logged_in, timeout)
        yield AmiSession(manager, timeout)
    except TimeoutError:
        raise AsteriskError(f"AMI at {where} did not answer the login within {timeout:.0f} s")\
            from None
    finally:
        with suppress(Exception):
            manager.close()
