"""'voco agent login|logout|pause|unpause': the same queue-member changes the phone feature
codes make (rendered by 'voco apply' into ``voco-agent``), through AMI.

An agent is an extension; its queue interface is ``Local/<number>@voco-queue-member/n`` and
its member name its number, so queue_log and AMI name an extension, never a person. Statically
provisioned members ('voco queue member add') are always in their queue and can only pause;
any other extension logs in and out dynamically.
"""

from __future__ import annotations

import asyncio
from typing import Any

from asterisk_bridge.bridge.amiclient import ami_session
from asterisk_bridge.context import App
from asterisk_bridge.errors import AsteriskError
from asterisk_bridge.provisioning import extensions, queues, validate


def interface(number: str) -> str:
    """The queue interface of extension *number*."""
    return f"Local/{number}@voco-queue-member/n"


def _checked(app: App, number: str, queue: str | None) -> tuple[str, str | None]:
    ext = extensions.get(app.engine, app.master_key, validate.extension(number, "agent")).number
    name = queues.get(app.engine, queue).name if queue is not None else None
    return ext, name


def _send(app: App, action: dict[str, str], doing: str) -> None:
    async def run() -> Any:
        async with ami_session(app.config.asterisk) as ami:
            return await ami.action(action, single=True)

    answer = asyncio.run(run())
    first = answer[0] if isinstance(answer, list) else answer
    if not hasattr(first, "get") or first.get("Response") != "Success":
        message = first.get("Message", "") if hasattr(first, "get") else str(first)
        raise AsteriskError(f"Asterisk refused to {doing}: {message}")


def login(app: App, number: str, queue: str) -> None:
    """Extension *number* joins *queue* as a dynamic member."""
    ext, name = _checked(app, number, queue)
    assert name is not None
    _send(app, {"Action": "QueueAdd", "Queue": name, "Interface": interface(ext),
                "MemberName": ext, "Penalty": "0"}, f"log {ext} into queue {name}")


def logout(app: App, number: str, queue: str) -> None:
    """Extension *number* leaves *queue* (a static member cannot)."""
    ext, name = _checked(app, number, queue)
    assert name is not None
    _send(app, {"Action": "QueueRemove", "Queue": name, "Interface": interface(ext)},
          f"log {ext} out of queue {name} (a member provisioned with 'voco queue member "
          "add' stays logged in)")


def pause(app: App, number: str, queue: str | None, paused: bool, reason: str = "") -> None:
    """Pause (or unpause) extension *number* in *queue*, or in every queue it is in."""
    ext, name = _checked(app, number, queue)
    action = {"Action": "QueuePause", "Interface": interface(ext),
              "Paused": "true" if paused else "false"}
    if name is not None:
        action["Queue"] = name
    if paused and reason:
        action["Reason"] = validate.name(reason, "reason")
    _send(app, action, f"{'pause' if paused else 'unpause'} {ext}")
