"""Telling the subject about a disclosure: the notice's text, and where a sender plugs in.

Today the administrator sends the notice (by post, by e-mail from their own client) and records
it with ``--notice-sent DATE``; ``voco disclosure show`` prints the text to send. When Voco has
an SMTP door, it implements :class:`NoticeDoor`, and a disclosure about a subject with a known
e-mail address (an extension owner, a contact) can be noticed through it: the address is opened
from the subject's sealed fields at that moment, never copied into the register.
"""

from __future__ import annotations

from typing import Protocol

from asterisk_bridge.disclosures.register import DisclosureView


class NoticeDoor(Protocol):
    """Something that can deliver a notice to a subject (the SMTP door, once it exists)."""

    def send(self, to: str, subject: str, body: str) -> None:
        """Deliver one message; raise a VocoError saying why it could not."""


def compose(entry: DisclosureView) -> tuple[str, str]:
    """The notice's subject line and body for *entry* (no recipient address: the door's)."""
    items = ", ".join(entry.items)
    body = (f"We are writing to tell you that personal data we hold about you "
            f"({items}) was disclosed to {entry.recipient} on {entry.created_at[:10]}, on "
            f"this basis: {entry.basis}.\n"
            f"Our reference: disclosure {entry.id}.\n"
            "You may ask us for a copy of the data we hold about you, and for its erasure "
            "where the law allows.\n")
    return f"Notice of disclosure {entry.id}", body
