"""The voicemail menu on the phone, as a Stasis application of the bridge (ARI).

The owner dials the voicemail code; the dialplan hands the channel to the bridge's Stasis app
with ``voicemail,<extension>`` (the extension comes from the caller's endpoint, never from what
they dial). The menu asks for the mailbox PIN (checked against its scrypt hash, wrong tries
limited and logged as security events, :mod:`.pins`), then plays each new, then each old message:
its audio is decrypted into the RAM spool only for the playback and removed right after. Keys
while or after a message plays: 1 repeat, 2 next, 5 the caller's number, 7 delete, 9 save
(mark heard), # end. Asterisk plays everything; the bridge only decides what.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from asterisk_bridge.bridge.capability import BridgeHandle, Event, Gap
from asterisk_bridge.bridge.logs import fields, get_logger
from asterisk_bridge.context import App
from asterisk_bridge.errors import VocoError
from asterisk_bridge.safewrite import write_private
from asterisk_bridge.store.models.voicemail import VoicemailMessage
from asterisk_bridge.voicemail import pins, query, shred, spool, vault

ARG = "voicemail"
PLAY_DIR = "voco-play"  # under the voicemail RAM spool
DIGIT_WAIT_S = 8.0
MAX_PIN_TRIES = 3
SECURITY_EVENT = "voicemail pin refused"

log = get_logger("voicemail")


@dataclass
class Session_:
    """One caller in the menu: their channel, and the DTMF and playback events it receives."""

    channel: str
    mailbox: str
    digits: asyncio.Queue[str] = field(default_factory=asyncio.Queue)
    finished: dict[str, asyncio.Event] = field(default_factory=dict)
    gone: asyncio.Event = field(default_factory=asyncio.Event)


class Hangup(Exception):
    """The caller left the menu."""


class VoicemailMenu:
    """Capability ``voicemail-menu``: the Stasis application behind the voicemail code."""

    name = "voicemail-menu"

    def __init__(self, app: App) -> None:
        self.app = app
        self._bridge: BridgeHandle | None = None
        self._sessions: dict[str, Session_] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    def register(self, bridge: BridgeHandle) -> None:
        """Listen for callers entering and leaving the app, their keys and playbacks."""
        self._bridge = bridge
        bridge.on_ari("StasisStart", self._on_start)
        bridge.on_ari("StasisEnd", self._on_end)
        bridge.on_ari("ChannelHangupRequest", self._on_end)
        bridge.on_ari("ChannelDtmfReceived", self._on_dtmf)
        bridge.on_ari("PlaybackFinished", self._on_playback)

    async def on_connected(self, link: str, gap: Gap | None) -> None:
        """Nothing to reconcile: a caller cut off by a dropped link simply calls again."""

    async def close(self) -> None:
        """End every session (their temporary audio is removed by each session)."""
        for task in list(self._tasks):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    async def _on_start(self, event: Event) -> None:
        args = event.get("args") or []
        channel = (event.get("channel") or {}).get("id", "")
        if len(args) != 2 or args[0] != ARG or not channel:
            return
        try:
            mailbox = pins.mailbox_id(str(args[1]))
        except VocoError:
            await self._ari("DELETE", f"/channels/{channel}")
            return
        session = Session_(channel, mailbox)
        self._sessions[channel] = session
        task = asyncio.create_task(self._serve(session), name=f"vm-menu-{channel}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _on_end(self, event: Event) -> None:
        channel = (event.get("channel") or {}).get("id", "")
        if channel in self._sessions:
            self._sessions[channel].gone.set()

    async def _on_dtmf(self, event: Event) -> None:
        channel = (event.get("channel") or {}).get("id", "")
        if channel in self._sessions:
            self._sessions[channel].digits.put_nowait(str(event.get("digit", "")))

    async def _on_playback(self, event: Event) -> None:
        playback = event.get("playback") or {}
        target = str(playback.get("target_uri", "")).removeprefix("channel:")
        session = self._sessions.get(target)
        if session is not None and playback.get("id") in session.finished:
            session.finished[playback["id"]].set()

    async def _ari(self, method: str, path: str, **params: Any) -> Any:
        assert self._bridge is not None
        return await self._bridge.ari_request(method, path, **params)

    # --- one caller ---------------------------------------------------------------------
    async def _serve(self, s: Session_) -> None:
        try:
            await self._ari("POST", f"/channels/{s.channel}/answer")
            if await self._login(s):
                await self._messages(s)
                await self._play(s, "sound:vm-goodbye")
        except Hangup:
            pass
        except Exception:  # a broken session must not take the bridge down
            log.exception("voicemail.menu_failed")
        finally:
            self._sessions.pop(s.channel, None)
            with contextlib.suppress(VocoError):
                await self._ari("DELETE", f"/channels/{s.channel}")

    async def _play(self, s: Session_, *media: str, interruptible: bool = False) -> str:
        """Play *media* in order; with *interruptible*, a key stops it and is returned."""
        for item in media:
            playback_id = secrets.token_hex(8)
            done = s.finished[playback_id] = asyncio.Event()
            await self._ari("POST", f"/channels/{s.channel}/play/{playback_id}", media=item)
            waits: list[asyncio.Future[Any]] = [asyncio.ensure_future(done.wait()),
                                                asyncio.ensure_future(s.gone.wait())]
            if interruptible:
                waits.append(asyncio.ensure_future(s.digits.get()))
            finished, pending = await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
            for w in pending:
                w.cancel()
            s.finished.pop(playback_id, None)
            if s.gone.is_set():
                raise Hangup
            key = next((str(w.result()) for w in finished if isinstance(w.result(), str)), "")
            if key:
                with contextlib.suppress(VocoError):
                    await self._ari("DELETE", f"/playbacks/{playback_id}")
                return key
        return ""

    async def _key(self, s: Session_, timeout: float = DIGIT_WAIT_S) -> str:
        getter = asyncio.ensure_future(s.digits.get())
        gone = asyncio.ensure_future(s.gone.wait())
        done, pending = await asyncio.wait([getter, gone], timeout=timeout,
                                           return_when=asyncio.FIRST_COMPLETED)
        for w in pending:
            w.cancel()
        if gone in done:
            raise Hangup
        return getter.result() if getter in done else ""

    async def _login(self, s: Session_) -> bool:
        for _ in range(MAX_PIN_TRIES):
            await self._play(s, "sound:vm-password")
            typed = ""
            while len(typed) < 12:
                key = await self._key(s)
                if key in ("", "#"):
                    break
                typed += key
            verdict = await asyncio.to_thread(pins.verify, self.app.engine, s.mailbox, typed)
            if verdict.ok:
                return True
            self._refused(s, verdict)
            await self._play(s, "sound:vm-incorrect")
            if verdict.locked:
                return False
        return False

    def _refused(self, s: Session_, verdict: pins.Verdict) -> None:
        detail = {"mailbox": s.mailbox, "channel": s.channel, "locked": verdict.locked,
                  "failures": verdict.failures}
        log.warning("voicemail.pin_refused", extra=fields(**detail))
        self.app.record(SECURITY_EVENT, detail, "refused",
                        "mailbox locked" if verdict.locked else "wrong PIN", "bridge")

    async def _messages(self, s: Session_) -> None:
        rows = await asyncio.to_thread(query.messages, self.app, s.mailbox)
        ordered = [r for r in rows if not r.heard_at] + [r for r in rows if r.heard_at]
        if not ordered:
            await self._play(s, "sound:vm-no")
            return
        for index, row in enumerate(ordered):
            await self._play(s, "sound:vm-message", f"number:{index + 1}")
            while True:
                key = await self._listen(s, row)
                if key == "1":
                    continue
                if key == "5":
                    number = await asyncio.to_thread(self._caller, row)
                    key = await self._play(s, f"digits:{number}" if number else "sound:vm-no",
                                           interruptible=True) or await self._key(s)
                if key == "7":
                    await asyncio.to_thread(shred.delete_message, self.app, row.id,
                                            "deleted by its owner from the phone",
                                            f"phone:{s.mailbox}")
                    await self._play(s, "sound:vm-deleted")
                    break
                if key == "#":
                    return
                await asyncio.to_thread(_mark_heard, self.app, row.id)
                if key == "9":
                    await self._play(s, "sound:vm-saved")
                break

    async def _listen(self, s: Session_, row: VoicemailMessage) -> str:
        """Play one message from the RAM spool; returns the key pressed during or after it."""
        path = await asyncio.to_thread(self._stage, row.id)
        try:
            media = "sound:" + self.app.config.asterisk.as_seen_by_asterisk(path.with_suffix(""))
            key = await self._play(s, media, interruptible=True)
            return key or await self._key(s)
        finally:
            path.unlink(missing_ok=True)

    def _stage(self, msg_id: str) -> Path:
        """Decrypt a message into the RAM spool for one playback (0600, random name)."""
        root = spool.spool_root(self.app.config.asterisk)
        spool.require_ram_backed(root)
        target = root / PLAY_DIR / f"{secrets.token_hex(12)}.wav"
        target.parent.mkdir(mode=0o750, exist_ok=True)
        write_private(target, vault.audio_bytes(self.app, msg_id), mode=0o640, durable=False)
        return target

    def _caller(self, row: VoicemailMessage) -> str:
        with self.app.engine.connect() as conn:
            number = vault.caller(self.app, conn, row)[0]
        return "".join(c for c in number if c.isdigit())


def _mark_heard(app: App, msg_id: str) -> None:
    with Session(app.engine) as session, session.begin():
        row = session.get(VoicemailMessage, msg_id)
        if row is not None and not row.heard_at:
            row.heard_at = datetime.now(UTC).isoformat(timespec="milliseconds")
