"""The transcription setting: which engine, its language and model, and Google's credentials.

Off until an administrator chooses an engine. The service-account JSON is sealed by the master
key (a kind of the master key's registry, re-sealed at rotation) and never shown again.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from asterisk_bridge.errors import ValidationError
from asterisk_bridge.provisioning import secrets
from asterisk_bridge.store.models.voicemail import TranscriptionConfig

ENGINES = ("off", "offline", "google")
_LANGUAGE = re.compile(r"[a-z]{2,3}(-[A-Za-z0-9]{2,8}){0,3}")
_MODEL = re.compile(r"[A-Za-z0-9_.-]{0,64}")
_ENDPOINT = re.compile(r"[A-Za-z0-9_.:\[\]/-]{0,255}")
LABEL = "transcription:google:credentials"
MAX_CREDENTIALS = 64 * 1024


@dataclass(frozen=True)
class Transcription:
    """The current setting, without the credentials."""

    engine: str = "off"
    language: str = "en-US"
    model: str = ""
    endpoint: str = ""  # Google only: host:port of the Speech API (default: Google's)
    has_credentials: bool = False


def current(engine: Engine) -> Transcription:
    """The setting in force (off when never set)."""
    with Session(engine) as session:
        row = session.get(TranscriptionConfig, 1)
    if row is None:
        return Transcription()
    return Transcription(row.engine, row.language, row.model, row.endpoint,
                         row.credentials is not None)


def enabled(engine: Engine) -> bool:
    """Whether new messages are to be transcribed."""
    return current(engine).engine != "off"


def credentials(engine: Engine, master_key: bytes) -> dict[str, object] | None:
    """The Google service-account info, unsealed for the client; None when none is stored."""
    with Session(engine) as session:
        row = session.get(TranscriptionConfig, 1)
    if row is None or row.credentials is None:
        return None
    return dict(json.loads(secrets.unseal(master_key, LABEL, row.credentials)))


def check_credentials(text: str) -> str:
    """A service-account JSON file's text, checked for the fields the client needs."""
    if len(text) > MAX_CREDENTIALS:
        raise ValidationError("credentials: the file is larger than 64 KiB; it is not a "
                              "service-account key")
    try:
        info = json.loads(text)
    except ValueError:
        raise ValidationError("credentials: the file is not JSON; download the service "
                              "account's key as JSON") from None
    missing = [k for k in ("type", "client_email", "private_key", "token_uri")
               if not isinstance(info, dict) or not isinstance(info.get(k), str)]
    if missing:
        raise ValidationError(f"credentials: the file lacks {', '.join(missing)}; it is not a "
                              "service-account key")
    return text


def choose(engine: Engine, master_key: bytes, choice: str, *, language: str = "en-US",
           model: str = "", endpoint: str = "", credentials_json: str | None = None) -> None:
    """Set the engine (and its options); Google keeps earlier credentials unless new ones are
    given, and refuses to start without any."""
    if choice not in ENGINES:
        raise ValidationError(f"engine: {choice!r} is not one of {', '.join(ENGINES)}")
    if not _LANGUAGE.fullmatch(language):
        raise ValidationError(f"language: {language!r} is not a BCP-47 code such as en-US")
    if not _MODEL.fullmatch(model):
        raise ValidationError(f"model: {model!r} may hold only letters, digits, _ . -")
    if not _ENDPOINT.fullmatch(endpoint):
        raise ValidationError(f"endpoint: {endpoint!r} is not host:port")
    now = datetime.now(UTC).isoformat(timespec="seconds")
    with Session(engine) as session, session.begin():
        row = session.get(TranscriptionConfig, 1) or TranscriptionConfig(id=1, credentials=None)
        if credentials_json is not None:
            row.credentials = secrets.seal(master_key, LABEL, check_credentials(credentials_json))
        if choice == "google" and row.credentials is None:
            raise ValidationError("credentials: Google transcription needs a service-account "
                                  "file (--credentials FILE)")
        if choice == "off":
            row.credentials = None  # nothing is kept that is not used
        row.engine, row.language, row.model, row.endpoint = choice, language, model, endpoint
        row.updated_at = now
        session.add(row)


SEALED = secrets.sealed_column("transcription credentials", TranscriptionConfig.credentials,
                               lambda row: LABEL)
