"""Chunked, authenticated encryption of recordings: the STREAM construction on AES-256-GCM.

STREAM is due to Hoang, Reyhanitabar, Rogaway and Vizár (2015). Why chunks rather than one AES-GCM
call: a one-hour recording is encrypted and decrypted with bounded memory, and every chunk is
authenticated before it is released. The nonce (random prefix ‖ counter ‖ last-chunk flag) and the
header as associated data make reordering, truncation, appended data and header edits detectable.
The layout and test vectors are frozen in docs/recording-format.md: changing the bytes needs a new
version.
"""

import hashlib
import os
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, NamedTuple

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from asterisk_bridge.errors import CryptoError
from asterisk_bridge.safewrite import private_output

MAGIC = b"VOCOREC"
VERSION = 1
KEY_SIZE = 32
CHUNK_SIZE = 64 * 1024
MAX_CHUNK_SIZE = 1024 * 1024  # bounds what a reader allocates for a hostile header
NONCE_PREFIX_SIZE = 7
TAG_SIZE = 16
_MAX_CHUNKS = 2**32  # the counter has 4 bytes; a nonce must never repeat
_READ_SIZE = 1024 * 1024
_FIXED = struct.Struct(">7sBI7sB")  # magic, version, chunk size, nonce prefix, key id length
_COUNTER = struct.Struct(">IB")  # chunk counter, last-chunk flag

StrPath = str | os.PathLike[str]


@dataclass(frozen=True, slots=True)
class Header:
    """The plaintext header: it names the data key, so the store can find the wrap without a key."""

    key_id: str
    chunk_size: int
    nonce_prefix: bytes

    def __post_init__(self) -> None:
        if not 1 <= len(self.key_id.encode()) <= 255:
            raise ValueError("key id must be 1 to 255 bytes of UTF-8")
        if not 1 <= self.chunk_size <= MAX_CHUNK_SIZE:
            raise ValueError(f"chunk size must be 1 to {MAX_CHUNK_SIZE}, got {self.chunk_size}")
        if len(self.nonce_prefix) != NONCE_PREFIX_SIZE:
            raise ValueError(f"nonce prefix must be {NONCE_PREFIX_SIZE} bytes")

    def encode(self) -> bytes:
        """The header bytes; they are also the associated data of every chunk."""
        key_id = self.key_id.encode()
        fixed = _FIXED.pack(MAGIC, VERSION, self.chunk_size, self.nonce_prefix, len(key_id))
        return fixed + key_id


class Ciphertext(NamedTuple):
    """What the store records about an encrypted file, to verify it later without a key."""

    size: int
    sha256: str


@dataclass(frozen=True, slots=True)
class Recovered:
    """Outcome of :func:`decrypt_prefix`: ``complete`` is False whenever anything was dropped."""

    complete: bool
    chunks: int
    plaintext_size: int
    discarded_bytes: int
    reason: str | None


def read_header(src: BinaryIO) -> Header:
    """Parse the header at the current position; needs no key, so it names the key to fetch."""
    fixed = _read_exact(src, _FIXED.size)
    if not MAGIC.startswith(fixed[: len(MAGIC)]):
        raise CryptoError("not a Voco recording (bad magic)")
    if len(fixed) < _FIXED.size:
        raise CryptoError("recording header is truncated")
    _, version, chunk_size, nonce_prefix, key_id_size = _FIXED.unpack(fixed)
    if version != VERSION:
        raise CryptoError(f"unsupported recording format version {version} (this build reads 1)")
    raw_key_id = _read_exact(src, key_id_size)
    if len(raw_key_id) < key_id_size:
        raise CryptoError("recording header is truncated")
    try:
        return Header(raw_key_id.decode(), chunk_size, nonce_prefix)
    except ValueError as exc:  # includes UnicodeDecodeError
        raise CryptoError(f"invalid recording header: {exc}") from None


class Encryptor:
    """Encrypts a plaintext fed in pieces of any size to *dst*; call :meth:`finish` once at the end.

    A full chunk is held back until more data arrives: only then is it known not to be the last,
    and the last chunk may be empty only if the whole plaintext is.
    """

    def __init__(
        self,
        dst: BinaryIO,
        key: bytes,
        key_id: str,
        *,
        chunk_size: int = CHUNK_SIZE,
        nonce_prefix: bytes | None = None,
    ) -> None:
        """Write the header; *nonce_prefix* is injectable for the test vectors only."""
        prefix = os.urandom(NONCE_PREFIX_SIZE) if nonce_prefix is None else nonce_prefix
        self.header = Header(key_id, chunk_size, prefix)
        self._aead = _aead(key)
        self._aad = self.header.encode()
        self._dst = dst
        self._buf = memoryview(bytearray(chunk_size))
        self._filled = 0
        self._index = 0
        self._size = 0
        self._sha256 = hashlib.sha256()
        self._finished = False
        self._emit(self._aad)

    def write(self, data: bytes | bytearray | memoryview) -> None:
        """Buffer *data*, sealing every chunk that is known not to be the last."""
        if self._finished:
            raise ValueError("write() after finish()")
        size = self.header.chunk_size
        view = memoryview(data).cast("B")
        while view:
            if self._filled == size:  # more data follows, so the held chunk is not the last
                self._seal(self._buf, last=False)
                self._filled = 0
            while self._filled == 0 and len(view) > size:  # whole chunks, straight from the caller
                self._seal(view[:size], last=False)
                view = view[size:]
            take = min(size - self._filled, len(view))
            self._buf[self._filled : self._filled + take] = view[:take]
            self._filled += take
            view = view[take:]

    def finish(self) -> Ciphertext:
        """Seal the last chunk and return the ciphertext's size and SHA-256."""
        if self._finished:
            raise ValueError("finish() called twice")
        self._finished = True
        self._seal(self._buf[: self._filled], last=True)
        return Ciphertext(self._size, self._sha256.hexdigest())

    def _seal(self, chunk: memoryview, *, last: bool) -> None:
        if self._index == _MAX_CHUNKS:
            raise CryptoError("recording is too long for the 32-bit chunk counter")
        nonce = self.header.nonce_prefix + _COUNTER.pack(self._index, last)
        self._emit(self._aead.encrypt(nonce, chunk, self._aad))
        self._index += 1

    def _emit(self, data: bytes) -> None:
        self._dst.write(data)
        self._sha256.update(data)
        self._size += len(data)


class Decryptor:
    """Yields plaintext chunk by chunk; every chunk yielded has been authenticated.

    Truncation shows only at the end, so the CryptoError comes after the authentic chunks: treat
    the output as whole only when iteration ends normally. ``chunks`` and ``plaintext_size`` count
    what was yielded, for partial recovery.
    """

    def __init__(self, src: BinaryIO, key: bytes) -> None:
        """Read the header now, so a foreign or unsupported file fails before any output."""
        self.header = read_header(src)
        self.chunks = 0
        self.plaintext_size = 0
        self._src = src
        self._aead = _aead(key)

    def __iter__(self) -> Iterator[bytes]:
        aad = self.header.encode()
        full = self.header.chunk_size + TAG_SIZE
        data = _read_exact(self._src, full)
        if not data:
            raise CryptoError(
                "recording ciphertext is truncated: no final chunk (nothing after the header)"
            )
        index = 0
        while True:
            following = _read_exact(self._src, full) if len(data) == full else b""
            last = not following
            plaintext, flag_ok = self._open(index, data, aad, last=last)
            if last and flag_ok and index and not plaintext:
                raise CryptoError(
                    f"chunk {index} is an empty last chunk after a non-empty recording"
                )
            self.chunks += 1
            self.plaintext_size += len(plaintext)
            yield plaintext
            if not flag_ok and last:
                raise CryptoError(
                    f"recording ciphertext is truncated: no final chunk after chunk {index}"
                )
            if not flag_ok:
                raise CryptoError(f"unexpected data after the final chunk (chunk {index})")
            if last:
                return
            index += 1
            if index == _MAX_CHUNKS:
                raise CryptoError("recording has more chunks than the 32-bit counter allows")
            data = following

    def _open(self, index: int, data: bytes, aad: bytes, *, last: bool) -> tuple[bytes, bool]:
        """Authenticate chunk *index*; the other flag is tried only to name the fault."""
        prefix = self.header.nonce_prefix
        try:
            return self._aead.decrypt(prefix + _COUNTER.pack(index, last), data, aad), True
        except InvalidTag:
            pass
        try:
            return self._aead.decrypt(prefix + _COUNTER.pack(index, not last), data, aad), False
        except InvalidTag:
            if last:
                raise CryptoError(
                    f"chunk {index} (the last in the file) failed authentication"
                    " (truncated, tampered, or wrong key)"
                ) from None
            raise CryptoError(
                f"chunk {index} failed authentication (tampered, reordered, or wrong key)"
            ) from None


def encrypt_file(
    src_path: StrPath,
    dst_path: StrPath,
    key: bytes,
    key_id: str,
    *,
    chunk_size: int = CHUNK_SIZE,
    nonce_prefix: bytes | None = None,
) -> Ciphertext:
    """Encrypt with bounded memory; *dst_path* appears only complete and fsynced.

    Durability matters here because the caller deletes the plaintext next.
    """
    buf = bytearray(_READ_SIZE)
    view = memoryview(buf)
    with open(src_path, "rb", buffering=0) as src, private_output(Path(dst_path)) as dst:
        encryptor = Encryptor(dst, key, key_id, chunk_size=chunk_size, nonce_prefix=nonce_prefix)
        while size := src.readinto(buf):
            encryptor.write(view[:size])
        return encryptor.finish()


def decrypt_stream(src: BinaryIO, key: bytes) -> Iterator[bytes]:
    """Authenticated plaintext chunks of *src*; raises CryptoError at the first fault."""
    return iter(Decryptor(src, key))


def decrypt_file(src_path: StrPath, dst_path: StrPath, key: bytes) -> int:
    """Decrypt to *dst_path*, which appears only if the whole recording authenticates."""
    with open(src_path, "rb") as src, private_output(Path(dst_path), durable=False) as dst:
        decryptor = Decryptor(src, key)
        for plaintext in decryptor:
            dst.write(plaintext)
    return decryptor.plaintext_size


def decrypt_prefix(src_path: StrPath, dst_path: StrPath, key: bytes) -> Recovered:
    """Keep the authenticated prefix of a recording whose writer crashed before the final chunk.

    What was dropped is reported, never hidden. Raises CryptoError for a bad header, or when not
    even the first chunk authenticates (most likely the wrong key): there is nothing to recover.
    """
    with open(src_path, "rb") as src, private_output(Path(dst_path), durable=False) as dst:
        decryptor = Decryptor(src, key)
        error: CryptoError | None = None
        try:
            for plaintext in decryptor:
                dst.write(plaintext)
        except CryptoError as exc:
            error = exc
        authentic = len(decryptor.header.encode()) + decryptor.plaintext_size
        authentic += decryptor.chunks * TAG_SIZE
        discarded = os.fstat(src.fileno()).st_size - authentic
        if error is not None and decryptor.chunks == 0 and discarded:
            raise error
    return Recovered(
        complete=error is None,
        chunks=decryptor.chunks,
        plaintext_size=decryptor.plaintext_size,
        discarded_bytes=discarded,
        reason=None if error is None else str(error),
    )


def _aead(key: bytes) -> AESGCM:
    if len(key) != KEY_SIZE:
        raise ValueError(f"data key must be {KEY_SIZE} bytes, got {len(key)}")
    return AESGCM(key)


def _read_exact(src: BinaryIO, size: int) -> bytes:
    """Read *size* bytes, fewer only at end of file: raw files and pipes may return short reads."""
    data = src.read(size)
    while 0 < len(data) < size:
        more = src.read(size - len(data))
        if not more:
            break
        data += more
    return data
