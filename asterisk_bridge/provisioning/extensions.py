"""Extensions: a phone number with its PJSIP endpoint, a generated SIP secret and options.

Private by default: voicemail and WebRTC are off until asked for, and a phone talks SIP over TLS
with SRTP unless it is set to plain UDP (``encryption.py``). The SIP secret is generated
here, sealed with the master key, and returned once to the caller to show; it is never logged.
The owner's name, e-mail and mobile are sealed under the owner's subject key (:mod:`.owners`),
so reading or changing an extension needs the master key.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from asterisk_bridge.provisioning import encryption, links, secrets, validate
from asterisk_bridge.provisioning.owners import OwnerFields
from asterisk_bridge.provisioning.records import Repo, Spec, transaction
from asterisk_bridge.store.engine import Bind
from asterisk_bridge.store.models.provisioning import ProvExtension


@dataclass(frozen=True)
class Extension(Spec):
    """An internal phone."""

    KEY = "number"
    WHAT = "extension"

    number: str
    name: str
    email: str = ""
    mobile: str = ""
    voicemail: bool = False
    webrtc: bool = False
    transport: str = ""  # "" = the default: tls, or wss for WebRTC (encryption.py)
    media_encryption: str = ""

    def __post_init__(self) -> None:
        self._norm("number", validate.extension)
        self._norm("name", validate.display_name)
        if self.email:
            self._norm("email", validate.email)
        if self.mobile:
            self._norm("mobile", validate.number)
        self._flag("voicemail")
        self._flag("webrtc")
        transport, media = encryption.normalise(self.transport, self.media_encryption,
                                                webrtc=self.webrtc, default="tls")
        object.__setattr__(self, "transport", transport)
        object.__setattr__(self, "media_encryption", media)


def _label(number: str) -> str:
    return f"extension:{number}:sip"


SEALED = secrets.sealed_column("extension SIP secrets", ProvExtension.sip_secret,
                                lambda row: _label(row.number))


def _check(session: Session, ext: Extension, old: str | None) -> None:
    links.ensure_number_free(session, ext.number, "number", f"extension {ext.number}")


_REPO = Repo(ProvExtension, Extension, _check, links.users_of_extension, OwnerFields())
remove = _REPO.remove


def list_all(engine: Bind, master_key: bytes) -> list[Extension]:
    """Every extension, by number, its owner's fields opened."""
    return _REPO.list_all(engine, master_key)


def get(engine: Bind, master_key: bytes, number: str) -> Extension:
    """One extension, its owner's fields opened."""
    return _REPO.get(engine, number, master_key)


def update(engine: Bind, master_key: bytes, number: str, /, **changes: object) -> Extension:
    """Change fields (validated like new values); the owner's are sealed again."""
    return _REPO.update(engine, number, master_key, **changes)


def add(engine: Bind, master_key: bytes, ext: Extension, secret: str | None = None) -> str:
    """Store *ext* with *secret* (generated when None); return the secret, to be shown once."""
    secret = validate.sip_secret(secret) if secret is not None else secrets.generate()
    _REPO.add(engine, ext, master_key,
              sip_secret=secrets.seal(master_key, _label(ext.number), secret))
    return secret


def owner(engine: Bind, number: str) -> str | None:
    """The subject id of the extension's owner."""
    with Session(engine) as session:
        return _REPO.row(session, number).owner_subject


def secret(engine: Bind, master_key: bytes, number: str) -> str:
    """The extension's SIP secret in clear (for rendering and encrypted export)."""
    with Session(engine) as session:
        return secrets.unseal(master_key, _label(number), _REPO.row(session, number).sip_secret)


def reset_secret(engine: Bind, master_key: bytes, number: str,
                 new: str | None = None) -> str:
    """Replace the SIP secret (generated when None); return it, to be shown once."""
    new = validate.sip_secret(new) if new is not None else secrets.generate()
    with transaction(engine) as session:
        _REPO.row(session, number).sip_secret = secrets.seal(master_key, _label(number), new)
    return new
