"""The message-waiting indicator phones see, computed from the store, not from the spool.

Messages leave Asterisk's spool as soon as they are sealed, so app_voicemail's own count is zero;
phones therefore watch mailbox ``<box>@voco`` (pjsip ``mailboxes``), whose state the bridge
publishes after every change with app_minivm's ``MinivmMWI`` run on a throw-away Local channel
(Debian's Asterisk has no ``MWIUpdate`` action). ``res_pjsip_mwi`` sends the NOTIFYs.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from asterisk_bridge.errors import AsteriskError, ValidationError
from asterisk_bridge.store.models.provisioning import ProvExtension
from asterisk_bridge.store.models.voicemail import VoicemailMessage

MWI_CONTEXT = "voco"  # the MWI mailbox context phones subscribe to
DIALPLAN_CONTEXT = "voco-mwi"  # the Local channel's far end: answers and hangs up
_BOX = re.compile(r"[0-9]{1,20}")

AmiAction = Callable[[Mapping[str, str]], Awaitable[Any]]


def counts(engine: Engine, mailbox: str) -> tuple[int, int]:
    """(new, old) messages of *mailbox* (``box@context``) in the store."""
    with Session(engine) as session:
        rows = dict(session.execute(
            select(VoicemailMessage.heard_at == "", func.count())
            .where(VoicemailMessage.mailbox == mailbox)
            .group_by(VoicemailMessage.heard_at == "")).all())
    return int(rows.get(True, 0)), int(rows.get(False, 0))


def all_counts(engine: Engine, node: str) -> dict[str, tuple[int, int]]:
    """(new, old) of every mailbox of *node*: each extension's with voicemail on (zeros when
    empty, so phones are told after a restart), and any other that holds messages."""
    with Session(engine) as session:
        out = {f"{n}@default": (0, 0) for n in session.scalars(
            select(ProvExtension.number).where(ProvExtension.voicemail.is_(True)))}
        for mailbox, new, count in session.execute(
                select(VoicemailMessage.mailbox, VoicemailMessage.heard_at == "", func.count())
                .where(VoicemailMessage.node == node)
                .group_by(VoicemailMessage.mailbox, VoicemailMessage.heard_at == "")):
            was = out.get(mailbox, (0, 0))
            out[mailbox] = (was[0] + count, was[1]) if new else (was[0], was[1] + count)
    return out


def mwi_mailbox(mailbox: str) -> str:
    """``<box>@voco`` for a store mailbox ``<box>@<context>``; ValidationError otherwise."""
    box = mailbox.partition("@")[0]
    if not _BOX.fullmatch(box):
        raise ValidationError(f"mailbox: {mailbox!r} is not an extension's mailbox")
    return f"{box}@{MWI_CONTEXT}"


async def publish(ami_action: AmiAction, mailbox: str, new: int, old: int) -> None:
    """Tell every subscriber of *mailbox* how many new and old messages it holds."""
    answer = await ami_action({
        "Action": "Originate", "Channel": f"Local/s@{DIALPLAN_CONTEXT}",
        "Application": "MinivmMWI", "Data": f"{mwi_mailbox(mailbox)},0,{new:d},{old:d}",
        "Variable": "CDR_PROP(disable)=1", "Async": "false"})
    first = answer[0] if isinstance(answer, list) else answer
    if first.get("Response") != "Success":
        raise AsteriskError(f"MWI update of {mailbox} refused: {first.get('Message', first)}")

