"""Reading voicemail for the CLI: listings (never the caller in clear) and one message in full.

A listing shows mailbox, time, length and state; ``describe`` also opens the caller's number and
name (with their subject key) and the transcript, and lists the call's evidence (the privacy
notice). Both are reads of personal data, logged by the CLI.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from asterisk_bridge.context import App
from asterisk_bridge.recording import evidence
from asterisk_bridge.store.models.voicemail import VoicemailMessage
from asterisk_bridge.voicemail import vault

LISTED = ("id", "mailbox", "received_at", "duration_s", "heard_at", "transcript_status")


def messages(app: App, mailbox: str | None = None, *, new_only: bool = False,
             limit: int | None = None) -> Sequence[VoicemailMessage]:
    """Messages, oldest first, of one mailbox (``box`` or ``box@context``) or all."""
    query = select(VoicemailMessage).order_by(VoicemailMessage.received_at, VoicemailMessage.id)
    if mailbox:
        full = mailbox if "@" in mailbox else f"{mailbox}@default"
        query = query.where(VoicemailMessage.mailbox == full)
    if new_only:
        query = query.where(VoicemailMessage.heard_at == "")
    if limit:
        query = query.limit(limit)
    with Session(app.engine) as session:
        return session.scalars(query).all()


def as_dict(row: VoicemailMessage) -> dict[str, Any]:
    """A listing's record of one message."""
    return {k: getattr(row, k) for k in LISTED} | {
        "transcript_error": row.transcript_error}


def describe(app: App, msg_id: str) -> dict[str, Any]:
    """One message: its listing, the caller, the transcript and the call's evidence."""
    with Session(app.engine) as session:
        row = session.get(VoicemailMessage, msg_id)
        if row is None:
            raise vault.missing(session, msg_id)
        number, name = vault.caller(app, session.connection(), row)
    return {"message": as_dict(row) | {"caller_number": number, "caller_name": name,
                                        "linkedid": row.linkedid,
                                        "transcript_engine": row.transcript_engine,
                                        "transcript_attempts": row.transcript_attempts},
            "transcript": vault.transcript(app, msg_id),
            "evidence": evidence.for_call(app, row.linkedid) if row.linkedid else []}
