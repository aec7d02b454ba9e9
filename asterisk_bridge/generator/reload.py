"""Reload the Asterisk modules whose files changed, and prove the result is live.

What the live checks showed (reference §6): only ``Action: Reload`` reports a rejected file
(Response Error, Reload event Status 3); an unterminated comment or a truncated file reloads
"successfully", so a sentinel extension whose name changes with the content must then be found
by ``ShowDialPlan``; and parse warnings reach only messages.log, which is scanned. Even a clean
reload can leave older state behind (a global removed from the file keeps its value), so the
live state is then compared with the rendered files, kind by kind (``livestate.py``).
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from asterisk_bridge.bridge.amiclient import AmiSession, ami_session
from asterisk_bridge.config import AsteriskSettings
from asterisk_bridge.generator import livestate

#: Which modules read each file Voco renders, in the order they are reloaded (dialplan first: it
#: is the file Asterisk most often rejects, and nothing else is reloaded after a rejection).
MODULES = {
    "extensions.conf": ("pbx_config",),
    "pjsip.conf": ("res_pjsip",),
    "voicemail.conf": ("app_voicemail",),
    "confbridge.conf": ("app_confbridge",),
    "queues.conf": ("app_queue",),
    "features.conf": ("features",),
    "cdr.conf": ("cdr", "cdr_csv"),
    "cdr_manager.conf": ("cdr_manager",),
    "cel.conf": ("cel", "cel_manager"),
    "manager.conf": ("manager",),
    "logger.conf": ("logger",),
    "http.conf": ("http",),
    "ari.conf": ("res_ari",),
}
SENTINEL_CONTEXT = "voco-sentinel"
_STATUS = {"0": "success", "1": "queued", "2": "module not found", "3": "error",
           "4": "already in progress", "5": "uninitialized", "6": "not supported"}
EVENT_TIMEOUT_S = 15.0
SETTLE_S = 10.0  # how long live state may take to match (registrations are torn down async)
_LOG_PROBLEM = re.compile(r"\b(WARNING|ERROR)\[")


def modules_for(files: Iterable[str]) -> list[str]:
    """The modules to reload for *files*, in reload order, each once."""
    wanted = set(files)
    return [m for name, mods in MODULES.items() if name in wanted for m in mods]


class LogWatch:
    """New WARNING/ERROR lines in messages.log since construction that mention given names."""

    def __init__(self, log_dir: str) -> None:
        self.path = Path(log_dir) / "messages.log" if log_dir else None
        self.offset = self._size()

    def _size(self) -> int:
        try:
            return self.path.stat().st_size if self.path else 0
        except FileNotFoundError:
            return 0

    def problems(self, names: Iterable[str], settle_s: float = 0.3, limit_s: float = 3.0,
                 ) -> list[str]:
        """Wait until Asterisk's logger stops writing (it is asynchronous), then scan."""
        if self.path is None:
            return []
        deadline = time.monotonic() + limit_s
        size = self._size()
        while time.monotonic() < deadline:
            time.sleep(settle_s)
            now = self._size()
            if now == size:
                break
            size = now
        with open(self.path, "rb") as fh:
            fh.seek(self.offset)
            text = fh.read().decode("utf-8", "replace")
        keys = tuple(names)
        return [f"Asterisk logged: {line.strip()}" for line in text.splitlines()
                if _LOG_PROBLEM.search(line) and any(k in line for k in keys)]


async def _reload(ami: AmiSession, module: str, events: dict[str, asyncio.Future[str]],
                  ) -> str | None:
    """Reload one module; None if both the response and the Reload event say success."""
    future: asyncio.Future[str] = asyncio.get_running_loop().create_future()
    events[module] = future
    response = await ami.action({"Action": "Reload", "Module": module})
    try:
        status: str | None = await asyncio.wait_for(future, EVENT_TIMEOUT_S)
    except TimeoutError:
        status = None
    answer = response.get("Response") if hasattr(response, "get") else None
    if answer == "Success" and status == "0":
        return None
    detail = f"Reload event status {status} ({_STATUS.get(status, 'unknown')})" if status \
        else f"no Reload event within {EVENT_TIMEOUT_S:.0f} s"
    message = response.get("Message", "") if hasattr(response, "get") else str(response)
    return f"Asterisk refused to reload {module}: {answer or 'no answer'} {message!r}, {detail}"


async def _sentinel_live(ami: AmiSession, sentinel: str) -> bool:
    answer: Any = await ami.action({"Action": "ShowDialPlan", "Context": SENTINEL_CONTEXT,
                                    "Extension": sentinel})
    items = answer if isinstance(answer, list) else [answer]
    return any(m.get("Event") == "ListDialplan" and m.get("Extension") == sentinel
               for m in items)


def _includer(settings: AsteriskSettings) -> Callable[[str], str | None]:
    """Read a file a rendered one ``#include``\\ s (the sandbox's extensions_test.conf)."""
    def read(name: str) -> str | None:
        if not settings.ast_etc_dir or "/" in name:
            return None
        try:
            return (Path(settings.ast_etc_dir) / name).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return None
    return read


async def _live_matches(ami: AmiSession, settings: AsteriskSettings,
                        files: Mapping[str, str]) -> list[str]:
    """Clear stale globals, then wait (bounded) until live state equals *files*."""
    include = _includer(settings)
    await livestate.clear_stale_globals(ami, files, include)
    deadline = time.monotonic() + SETTLE_S
    while True:
        problems = await livestate.differences(ami, files, include)
        if not problems or time.monotonic() > deadline:
            return [f"live state differs from the rendered files: {p}" for p in problems]
        await asyncio.sleep(0.25)


async def reload_and_check(settings: AsteriskSettings, modules: list[str],
                           sentinel: str | None, files: Mapping[str, str] | None = None,
                           ) -> list[str]:
    """Reload *modules* in order (stopping at the first refusal), look for *sentinel*, then
    compare the live state with *files* (the full rendered set).

    Returns the problems found; empty means the configuration is live.
    """
    problems: list[str] = []
    async with ami_session(settings, events=True) as ami:
        events: dict[str, asyncio.Future[str]] = {}

        def on_reload(message: Any) -> None:
            future = events.get(message.get("Module", ""))
            if future is not None and not future.done():
                future.set_result(str(message.get("Status", "")))

        ami.on_event("Reload", on_reload)
        await ami.action({"Action": "Events", "EventMask": "system"})
        for module in modules:
            problem = await _reload(ami, module, events)
            if problem:
                problems.append(problem)
                break
        if not problems and sentinel and not await _sentinel_live(ami, sentinel):
            problems.append(
                f"the new dialplan is not live: sentinel extension {sentinel}@"
                f"{SENTINEL_CONTEXT} is missing after the reload (extensions.conf was "
                "truncated or only partly loaded)")
        if not problems and files:
            problems += await _live_matches(ami, settings, files)
    return problems


async def sentinel_live(settings: AsteriskSettings, sentinel: str) -> bool:
    """Whether Asterisk currently runs the dialplan carrying *sentinel*."""
    async with ami_session(settings) as ami:
        return await _sentinel_live(ami, sentinel)


async def live_differences(settings: AsteriskSettings, files: Mapping[str, str]) -> list[str]:
    """Without reloading: how Asterisk's live state differs from *files* (empty if it does
    not)."""
    async with ami_session(settings) as ami:
        return await _live_matches(ami, settings, files)
