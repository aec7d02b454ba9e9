"""Recording audio as a response body: decrypted chunk by chunk (memory bounded whatever the
length), optionally age-encrypted on the fly, and stopped as soon as the token is revoked."""

from __future__ import annotations

import io
import queue
import threading
from collections.abc import Callable, Iterator
from typing import BinaryIO, cast

from asterisk_bridge.crypto.age import encrypt_chunks

CHECK_EVERY = 16  # chunks (1 MiB of 64 KiB chunks) between two checks of the grant
_DEPTH = 8  # encrypted pieces waiting for the client, at most


class Revoked(Exception):
    """The token was revoked (or expired) during the download: the body stops there."""


def while_open(chunks: Iterator[bytes], still_open: Callable[[], bool]) -> Iterator[bytes]:
    """*chunks*, checking every :data:`CHECK_EVERY` that the grant still admits its party."""
    for n, chunk in enumerate(chunks, 1):
        if n % CHECK_EVERY == 0 and not still_open():
            raise Revoked("the token was revoked during the download")
        yield chunk


def coalesce(chunks: Iterator[bytes], size: int = 1 << 20) -> Iterator[bytes]:
    """*chunks* joined into pieces of about *size* bytes: one write to the client per MiB
    rather than per 64 KiB chunk, still holding at most one piece."""
    pending: list[bytes] = []
    held = 0
    for chunk in chunks:
        pending.append(chunk)
        held += len(chunk)
        if held >= size:
            yield b"".join(pending)
            pending, held = [], 0
    if pending:
        yield b"".join(pending)


class _QueueSink(io.RawIOBase):
    """A writable stream handing each write to a bounded queue (the age encryptor writes)."""

    def __init__(self, out: queue.Queue[bytes | BaseException | None],
                 stop: threading.Event) -> None:
        self._out, self._stop = out, stop

    def writable(self) -> bool:
        return True

    def write(self, data: bytes | bytearray | memoryview) -> int:  # type: ignore[override]
        piece = bytes(data)
        while True:
            if self._stop.is_set():
                raise BrokenPipeError("the client went away")
            try:
                self._out.put(piece, timeout=0.5)
                return len(piece)
            except queue.Full:
                continue


def age_stream(chunks: Iterator[bytes], recipient: str) -> Iterator[bytes]:
    """*chunks* encrypted to the age *recipient*, produced in a thread as the client reads;
    at most :data:`_DEPTH` pieces wait in memory."""
    pieces: queue.Queue[bytes | BaseException | None] = queue.Queue(maxsize=_DEPTH)
    stop = threading.Event()

    def produce() -> None:
        try:
            encrypt_chunks(chunks, cast(BinaryIO, _QueueSink(pieces, stop)), [recipient])
            item: bytes | BaseException | None = None
        except BaseException as exc:  # handed to the consumer, which raises it
            item = exc
        while not stop.is_set():
            try:
                pieces.put(item, timeout=0.5)
                return
            except queue.Full:
                continue

    worker = threading.Thread(target=produce, name="age-stream", daemon=True)
    worker.start()
    try:
        while True:
            piece = pieces.get()
            if piece is None:
                return
            if isinstance(piece, BaseException):
                raise piece
            yield piece
    finally:
        stop.set()
