"""Recording policy (rules, settings, prompts) and the consent evidence of every recorded call.

Evidence rows are append-only facts: which prompt went to which leg and when, what each party
answered, and every start/pause/resume/stop with its time and who caused it. They are keyed by the
call's linkedid (and the recording id once MixMonitor runs), which is how a recording row finds
its evidence.
"""

from __future__ import annotations

from sqlalchemy import Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from asterisk_bridge.store.models.base import NOT_SEALED, SEALED_BY_SUBJECT, SUBJECT_REF, Base


class RecordingRule(Base):
    """The recording mode of one extension, trunk or route."""

    __tablename__ = "recording_rules"
    __table_args__ = (UniqueConstraint("scope", "key", name="uq_recording_rules_scope_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    scope: Mapped[str] = mapped_column(String(8))  # ext | trunk | route
    key: Mapped[str] = mapped_column(String(64))  # extension number, trunk or route name
    mode: Mapped[str] = mapped_column(String(8))  # never | no | dontcare | yes | force
    priority: Mapped[int] = mapped_column(Integer, default=10)  # 0-99, breaks caller/callee ties
    consent: Mapped[str] = mapped_column(String(8), default="")  # both|external|none; "" inherit
    updated_at: Mapped[str] = mapped_column(String(32))


class RecordingSetting(Base):
    """One global recording setting (default mode, consent, timeout, feature codes, prompts)."""

    __tablename__ = "recording_settings"

    name: Mapped[str] = mapped_column(String(48), primary_key=True)
    value: Mapped[str] = mapped_column(String(128))


class RecordingPrompt(Base):
    """An uploaded prompt, already converted to what Asterisk plays (8 kHz mono 16-bit WAV).

    The audio lives in the store so every node can materialise the same prompts."""

    __tablename__ = "recording_prompts"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    audio: Mapped[bytes] = mapped_column(LargeBinary, info=NOT_SEALED)
    sha256: Mapped[str] = mapped_column(String(64))
    duration_ms: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(255), default="")  # uploaded file's base name
    created_at: Mapped[str] = mapped_column(String(32))


class ConsentEvidence(Base):
    """One fact about a call's recording consent or control."""

    __tablename__ = "consent_evidence"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    node: Mapped[str] = mapped_column(String(64))
    linkedid: Mapped[str] = mapped_column(String(64), index=True)
    recording_id: Mapped[str] = mapped_column(String(160), default="", index=True)
    # decision | prompt | answer | start | pause | resume | stop | end | refused
    event: Mapped[str] = mapped_column(String(16))
    leg: Mapped[str] = mapped_column(String(8), default="")  # caller | callee | ""
    # the party of the channel the fact happened on; channel and detail sealed under their key
    party_subject: Mapped[str | None] = mapped_column(String(32), nullable=True, index=True,
                                                      info=SUBJECT_REF)
    channel: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True,
                                                  info=SEALED_BY_SUBJECT)
    prompt: Mapped[str] = mapped_column(String(160), default="")
    digit: Mapped[str] = mapped_column(String(8), default="")
    outcome: Mapped[str] = mapped_column(String(32), default="")
    actor: Mapped[str] = mapped_column(String(128), default="")  # caller|callee|policy|cli:<who>
    source: Mapped[str] = mapped_column(String(16), default="")  # dialplan | dtmf | cli | bridge
    detail: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True,
                                                 info=SEALED_BY_SUBJECT)
    at: Mapped[str] = mapped_column(String(32))  # ISO 8601 UTC (Asterisk's clock when it says)
    recorded_at: Mapped[str] = mapped_column(String(32))
