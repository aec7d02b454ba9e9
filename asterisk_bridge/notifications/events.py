"""The catalogue of events Voco raises: each kind, what it means, and the facts it carries.

A kind is what a rule subscribes to (``voco notify rule add KIND``). Its facts are the only
values a message template may use, and they are the minimum the event needs: an address and a
count for a storm of failed logins, the caller's number for a voicemail, never audio or a
transcript. A domain that raises a new kind adds one line here.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Kind:
    """One kind of event."""

    name: str
    about: str  # one line, for 'voco notify events' and the default message
    facts: tuple[str, ...]  # what publishers give; templates may use {these} and {count}
    owner: bool = False  # has an extension the event is about (e.g. the mailbox's owner)


KINDS: tuple[Kind, ...] = (
    Kind("voicemail", "a voicemail was left", ("mailbox", "caller"), owner=True),
    Kind("missed_call", "a call to an extension was not answered", ("caller",), owner=True),
    Kind("auth_failures", "authentication failures from one address passed the threshold",
         ("service", "address", "account")),
    Kind("grant_new_address", "a door's grant was used from an address not seen before",
         ("door", "grant", "address")),
    Kind("grant_expiring", "a door's grant is about to expire", ("door", "grant", "expires")),
    Kind("intrusion_blocked", "an address was blocked after repeated authentication failures",
         ("address", "until")),
    Kind("trunk_down", "a trunk's registration failed or its peer became unreachable",
         ("trunk", "status")),
    Kind("link_down", "the bridge's link to Asterisk was down longer than the threshold",
         ("link", "seconds")),
    Kind("recording_store_failed", "a recording could not be stored", ("reason",)),
    Kind("cdr_corrected", "a stored CDR differed from Asterisk's Master.csv and was corrected "
         "(an AMI event forged through caller-controlled text?)", ("record", "columns")),
    Kind("spool_full", "the RAM spool for plaintext recordings is filling up", ("percent",)),
    Kind("disk_full", "the data disk is nearly full", ("path", "percent")),
    Kind("oplog_verify_failed", "the operation log failed verification", ("problem",)),
    Kind("key_rotated", "the master key was rotated", ("key_id",)),
    Kind("certificate_expiring", "a TLS certificate is about to expire or failed to renew",
         ("name", "expires")),
    Kind("test", "a test notification ('voco notify rule test')", ("note",)),
)
BY_NAME = {k.name: k for k in KINDS}
NAMES = tuple(BY_NAME)


def kind(name: str) -> Kind:
    """The kind called *name*; ValueError for anything else (a bug in the publisher)."""
    try:
        return BY_NAME[name]
    except KeyError:
        raise ValueError(f"unknown event kind {name!r}; add it to "
                         "asterisk_bridge/notifications/events.py") from None
