"""Sending one message through the SMTP door: aiosmtplib, certificates verified, nothing kept.

The message exists only in memory. A delivery that fails for a reason worth retrying (the relay
unreachable, a timeout, a temporary 4xx) is retried a bounded number of times with a growing
pause, then dropped; a permanent failure (credentials refused, a certificate that does not
verify, a recipient refused) is not retried. Either way the caller gets an :class:`Outcome`
saying what failed in words a sysadmin can act on, never the message or the password.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Sequence
from dataclasses import dataclass
from email.message import EmailMessage

from asterisk_bridge.notifications.smtp_settings import Door

ATTEMPTS = 3
PAUSES = (2.0, 10.0)  # seconds before the 2nd and 3rd attempts
TIMEOUT_S = 30.0


@dataclass(frozen=True)
class Attachment:
    """A file to attach (voicemail audio, when the admin allowed it for the extension)."""

    name: str
    content_type: str  # e.g. audio/wav
    data: bytes


@dataclass(frozen=True)
class Outcome:
    """How a delivery went: ``error`` is empty when it was accepted by the relay."""

    attempts: int
    error: str = ""

    @property
    def ok(self) -> bool:
        """Whether the relay accepted the message."""
        return not self.error


class _Permanent(Exception):
    """A failure retrying cannot fix."""


def tls_context(door: Door) -> ssl.SSLContext:
    """Verification on, against the pinned CA when there is one, else the system's."""
    return ssl.create_default_context(cafile=door.ca_file or None)


def compose(door: Door, to: str, subject: str, body: str,
            attachments: Sequence[Attachment] = ()) -> EmailMessage:
    """The message, in memory."""
    msg = EmailMessage()
    msg["From"] = door.sender
    msg["To"] = to
    msg["Subject"] = subject
    msg.set_content(body)
    for part in attachments:
        main, _, sub = part.content_type.partition("/")
        msg.add_attachment(part.data, maintype=main, subtype=sub, filename=part.name)
    return msg


async def _send_once(door: Door, msg: EmailMessage, timeout: float) -> None:
    import aiosmtplib  # loaded by the first message: an idle bridge never needs it

    try:
        await aiosmtplib.send(
            msg, hostname=door.host, port=door.port, timeout=timeout,
            use_tls=door.security == "tls", start_tls=door.security == "starttls",
            tls_context=tls_context(door) if door.security != "plain" else None,
            username=door.username or None, password=door.password or None)
    except aiosmtplib.SMTPAuthenticationError as exc:
        raise _Permanent(f"the relay refused the credentials (SMTP {exc.code}); set them "
                         "again with 'voco smtp set custom'") from None
    except aiosmtplib.SMTPRecipientsRefused:
        raise _Permanent("the relay refused the recipient") from None
    except aiosmtplib.SMTPNotSupported as exc:
        raise _Permanent(f"the relay does not support what is required ({exc.message})"
                         ) from None
    except aiosmtplib.SMTPResponseException as exc:
        if 500 <= exc.code < 600:
            raise _Permanent(f"the relay refused the message (SMTP {exc.code})") from None
        raise
    except ssl.SSLCertVerificationError as exc:
        raise _Permanent(f"the relay's certificate does not verify ({exc.verify_message}); "
                         "pin its CA with --ca-file") from None


def _transient(exc: BaseException, door: Door) -> str:
    import aiosmtplib

    if isinstance(exc, aiosmtplib.SMTPConnectError | ConnectionError | OSError):
        return f"cannot reach the relay {door.host}:{door.port}"
    if isinstance(exc, aiosmtplib.SMTPTimeoutError | TimeoutError):
        return f"the relay {door.host}:{door.port} timed out"
    if isinstance(exc, aiosmtplib.SMTPResponseException):
        return f"the relay answered a temporary error (SMTP {exc.code})"
    return f"SMTP failed ({type(exc).__name__})"


async def deliver(door: Door, msg: EmailMessage, attempts: int = ATTEMPTS,
                  pauses: Sequence[float] = PAUSES, timeout: float = TIMEOUT_S) -> Outcome:
    """Send *msg*, retrying transient failures up to *attempts* times in all."""
    import aiosmtplib

    error = ""
    for attempt in range(1, attempts + 1):
        try:
            await _send_once(door, msg, timeout)
            return Outcome(attempt)
        except _Permanent as exc:
            return Outcome(attempt, str(exc))
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            error = _transient(exc, door)
        if attempt < attempts:
            await asyncio.sleep(pauses[min(attempt - 1, len(pauses) - 1)] if pauses else 0)
    return Outcome(attempts, f"{error}; dropped after {attempts} attempts")
