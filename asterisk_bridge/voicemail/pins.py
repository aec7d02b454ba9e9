"""Mailbox PINs: stored only as salted scrypt hashes; wrong tries are limited and logged.

After :data:`MAX_FAILURES` wrong PINs in a row a mailbox is locked for :data:`LOCK_S` seconds,
whatever PIN is typed meanwhile; a right PIN clears the count. Every refusal is a security
event (the bridge logs it and the operation log records it), never with the digits typed.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from asterisk_bridge.errors import ValidationError
from asterisk_bridge.store.models.voicemail import VoicemailPin

N, R, P = 2**14, 8, 1  # scrypt cost: ~16 MiB and tens of milliseconds per try
MAX_FAILURES = 3
LOCK_S = 900
_PIN = re.compile(r"[0-9]{4,12}")
_MAILBOX = re.compile(r"[0-9]{1,20}(@[A-Za-z0-9_-]{1,40})?")


@dataclass(frozen=True)
class Verdict:
    """What a PIN try gave: ``ok``, or refused (``locked`` says the mailbox is locked now)."""

    ok: bool
    locked: bool = False
    failures: int = 0


def mailbox_id(mailbox: str) -> str:
    """``box@context`` (``@default`` when none is given); ValidationError for anything else."""
    if not _MAILBOX.fullmatch(mailbox):
        raise ValidationError(f"mailbox: {mailbox!r} is not an extension number (or box@context)")
    return mailbox if "@" in mailbox else f"{mailbox}@default"


def hash_pin(pin: str, salt: bytes | None = None) -> str:
    """``scrypt$N$r$p$salt$hash`` of *pin*."""
    salt = salt or os.urandom(16)
    digest = hashlib.scrypt(pin.encode(), salt=salt, n=N, r=R, p=P, dklen=32)
    b64 = base64.b64encode
    return f"scrypt${N}${R}${P}${b64(salt).decode()}${b64(digest).decode()}"


def matches(pin: str, stored: str) -> bool:
    """Whether *pin* hashes to *stored* (constant-time comparison)."""
    try:
        _, n, r, p, salt, digest = stored.split("$")
        want = base64.b64decode(digest)
        got = hashlib.scrypt(pin.encode(), salt=base64.b64decode(salt), n=int(n), r=int(r),
                             p=int(p), dklen=len(want))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, want)


def set_pin(engine: Engine, mailbox: str, pin: str) -> str:
    """Store *pin*'s hash for *mailbox* (clearing any lock); returns the mailbox id."""
    full = mailbox_id(mailbox)
    if not _PIN.fullmatch(pin):
        raise ValidationError("pin: use 4 to 12 digits")
    now = datetime.now(UTC).isoformat(timespec="seconds")
    with Session(engine) as session, session.begin():
        row = session.get(VoicemailPin, full) or VoicemailPin(mailbox=full)
        row.pin_hash, row.failures, row.locked_until, row.updated_at = hash_pin(pin), 0, "", now
        session.add(row)
    return full


def verify(engine: Engine, mailbox: str, pin: str, now: datetime | None = None) -> Verdict:
    """Check a PIN try against *mailbox*, counting failures and locking after too many.

    A mailbox without a PIN never opens: the owner sets one with ``voco voicemail pin``."""
    when = now or datetime.now(UTC)
    with Session(engine) as session, session.begin():
        row = session.get(VoicemailPin, mailbox, with_for_update=True)
        if row is None:
            return Verdict(False)
        if row.locked_until and datetime.fromisoformat(row.locked_until) > when:
            return Verdict(False, locked=True, failures=row.failures)
        if matches(pin, row.pin_hash):
            row.failures, row.locked_until = 0, ""
            return Verdict(True)
        row.failures += 1
        if row.failures >= MAX_FAILURES:
            row.locked_until = (when + timedelta(seconds=LOCK_S)).isoformat(timespec="seconds")
            row.failures = 0
            return Verdict(False, locked=True, failures=MAX_FAILURES)
        return Verdict(False, failures=row.failures)
