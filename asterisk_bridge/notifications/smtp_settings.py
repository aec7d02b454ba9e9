"""The SMTP door's settings: off (after ``voco init``), the machine's own mail transfer agent,
or a custom relay; stored in one row, the relay's password sealed by the master key.

``default`` hands mail to an MTA on this machine (127.0.0.1:25, plain: the message never leaves
the loopback before the MTA takes it); ``custom`` requires implicit TLS or STARTTLS with
certificate verification, and takes plain SMTP only to a loopback address and only when asked
for explicitly. A private relay's CA can be pinned (``ca_file``).
"""

from __future__ import annotations

import socket
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.orm import Session

from asterisk_bridge.errors import ValidationError
from asterisk_bridge.notifications.choices import SMTP_SECURITY
from asterisk_bridge.provisioning import secrets, validate
from asterisk_bridge.store.engine import Bind
from asterisk_bridge.store.models.notifications import SmtpSettings

DEFAULT_PORTS = {"tls": 465, "starttls": 587, "plain": 25}
_ROW = 1
_LABEL = "smtp:password"
MAX_PASSWORD = 1024

SEALED = secrets.sealed_column("SMTP relay password", SmtpSettings.password,
                               lambda _row: _LABEL)


@dataclass(frozen=True)
class Smtp:
    """The door as configured (the password stays sealed until :func:`door` opens it)."""

    mode: str = "off"
    host: str = ""
    port: int = 0
    security: str = ""
    username: str = ""
    has_password: bool = False
    ca_file: str = ""
    sender: str = ""

    def as_dict(self) -> dict[str, object]:
        """Plain data for ``voco smtp show --json`` (never the password)."""
        return dict(vars(self))


@dataclass(frozen=True)
class Door:
    """What the sender needs, password in clear: only in memory, only while sending."""

    host: str
    port: int
    security: str
    username: str
    password: str
    ca_file: str
    sender: str


def default_sender() -> str:
    """``voco@<this host's name>``, or ``voco@localhost.localdomain`` when the name is not a
    domain."""
    name = socket.gethostname()
    try:
        return validate.email(f"voco@{name}", "sender")
    except ValidationError:
        return "voco@localhost.localdomain"


def check_custom(host: str, port: int | None, security: str, allow_plain: bool,
                 ca_file: str, sender: str, username: str) -> Smtp:
    """A custom relay's settings, validated; ValidationError naming the field otherwise."""
    host = validate.host(host, "host")
    if security not in SMTP_SECURITY:
        raise ValidationError(f"security: use one of {', '.join(SMTP_SECURITY)}")
    if security == "plain":
        if not validate.is_loopback(host):
            raise ValidationError("security: plain SMTP is allowed only to a loopback address; "
                                  "use tls or starttls for any other host")
        if not allow_plain:
            raise ValidationError("security: plain SMTP must be asked for explicitly with "
                                  "--allow-plain (loopback only)")
    port = DEFAULT_PORTS[security] if port is None else port
    if not 1 <= port <= 65535:
        raise ValidationError("port: use 1 to 65535")
    if ca_file:
        path = Path(ca_file).expanduser().resolve()
        if not path.is_file():
            raise ValidationError(f"ca-file: {path} is not a readable file")
        ca_file = str(path)
    if username:
        validate.display_name(username, "user")
    return Smtp("custom", host, port, security, username.strip(), False, ca_file,
                validate.email(sender, "sender") if sender else default_sender())


def check_password(password: str) -> str:
    """A relay password read from stdin or a file: one line, never quoted in an error."""
    password = password.rstrip("\r\n")
    if not password or len(password) > MAX_PASSWORD or any(c in password for c in "\r\n\0"):
        raise ValidationError(f"password: must be one line of 1 to {MAX_PASSWORD} characters "
                              "(value not shown)")
    return password


def current(engine: Bind) -> Smtp:
    """The door's settings (``off`` when never set)."""
    with Session(engine) as session:
        row = session.get(SmtpSettings, _ROW)
        if row is None:
            return Smtp()
        return Smtp(row.mode, row.host, row.port, row.security, row.username,
                    row.password is not None, row.ca_file, row.sender)


def store(engine: Bind, master_key: bytes, smtp: Smtp, password: str | None,
          keep_password: bool = False) -> None:
    """Replace the settings; *password* (custom only) is sealed by the master key
    (``keep_password``: keep the stored one, for an import whose file withheld it)."""
    if smtp.mode == "default":
        smtp = Smtp("default", "127.0.0.1", 25, "plain", "", False, "",
                    smtp.sender or default_sender())
    elif smtp.mode == "off":
        smtp = Smtp()
    sealed = None if password is None else secrets.seal(master_key, _LABEL,
                                                        check_password(password))
    with Session(engine) as session, session.begin():
        row = session.get(SmtpSettings, _ROW) or SmtpSettings(id=_ROW)
        row.mode, row.host, row.port, row.security = smtp.mode, smtp.host, smtp.port, \
            smtp.security
        row.username, row.ca_file, row.sender = smtp.username, smtp.ca_file, smtp.sender
        if not keep_password:
            row.password = sealed
        row.updated_at = datetime.now(UTC).isoformat(timespec="seconds")
        session.add(row)


def password(engine: Bind, master_key: bytes) -> str | None:
    """The stored relay password in clear (for an export with secrets), if there is one."""
    found = door(engine, master_key)
    return found.password if found is not None and found.password else None


def door(engine: Bind, master_key: bytes) -> Door | None:
    """The door with its password opened, or None while it is off."""
    with Session(engine) as session:
        row = session.get(SmtpSettings, _ROW)
        if row is None or row.mode == "off":
            return None
        password = "" if row.password is None else secrets.unseal(master_key, _LABEL,
                                                                  row.password)
        return Door(row.host, row.port, row.security, row.username, password, row.ca_file,
                    row.sender)
