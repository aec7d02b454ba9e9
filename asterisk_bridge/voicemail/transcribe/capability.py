"""The bridge capability that transcribes voicemail in the background, when an engine is set.

Every few seconds it looks for due messages (:mod:`.worker`) and runs the engine in a thread;
the engine is rebuilt when the setting changes. A crash mid-transcription leaves the message
``pending``: the next start transcribes it (the engine may hear it twice; it is stored once).
"""

from __future__ import annotations

import asyncio
import contextlib

from asterisk_bridge.bridge.capability import BridgeHandle, Gap
from asterisk_bridge.bridge.logs import fields, get_logger
from asterisk_bridge.context import App
from asterisk_bridge.voicemail.transcribe import settings, worker
from asterisk_bridge.voicemail.transcribe.engine import Engine, TranscriptionError

log = get_logger("transcription")


class TranscriptionCapability:
    """Capability ``transcription``: pending messages become sealed transcripts."""

    name = "transcription"

    def __init__(self, app: App, interval_s: float = 5.0) -> None:
        self.app = app
        self.interval_s = interval_s
        self._task: asyncio.Task[None] | None = None
        self._engine: tuple[settings.Transcription, Engine | None] | None = None

    def register(self, bridge: BridgeHandle) -> None:
        """Nothing to listen to: the store says what is due."""

    async def on_connected(self, link: str, gap: Gap | None) -> None:
        """Start the rounds on the first connection."""
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="transcription")

    async def close(self) -> None:
        """Stop (a transcription in progress finishes in its thread, or is redone)."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    def _current_engine(self) -> Engine | None:
        cfg = settings.current(self.app.engine)
        if self._engine is None or self._engine[0] != cfg:
            self._engine = (cfg, worker.make_engine(self.app))
        return self._engine[1]

    def _round(self) -> dict[str, str]:
        engine = self._current_engine()
        return {} if engine is None else worker.run_pending(self.app, engine)

    async def _run(self) -> None:
        while True:
            try:
                for msg_id, result in (await asyncio.to_thread(self._round)).items():
                    log.info("transcription.result", extra=fields(message=msg_id,
                                                                  result=result))
            except TranscriptionError as exc:  # no engine can be built: said once per round
                log.warning("transcription.unavailable", extra=fields(error=exc.reason))
            except Exception:  # keep the bridge running; the next round retries
                log.exception("transcription.failed")
            await asyncio.sleep(self.interval_s)
