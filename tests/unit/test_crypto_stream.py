"""The recording format: the doc's test vectors, round trips, every fault, and partial recovery."""

import hashlib
import io
import os
import re
import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from asterisk_bridge.crypto.stream import (
    CHUNK_SIZE,
    Encryptor,
    decrypt_file,
    decrypt_prefix,
    decrypt_stream,
    encrypt_file,
    read_header,
)
from asterisk_bridge.errors import CryptoError
from tests.unit.format_vectors import load_vectors

KEY = bytes(range(32))
KEY_ID = "3f2504e0-4f89-41d3-9a0c-0305e82c3301"
PREFIX = bytes.fromhex("a0a1a2a3a4a5a6")
HEADER_SIZE = 20 + len(KEY_ID)
SMALL = 64  # chunk size for the fault tests: a full chunk is 80 bytes on disk
FULL = SMALL + 16


def pattern(size: int) -> bytes:
    return bytes(i % 251 for i in range(size))


def plaintext_of(vector: dict[str, str]) -> bytes:
    match = re.fullmatch(r"pattern\((\d+)\)", vector["plaintext"])
    assert match, vector["plaintext"]
    return pattern(int(match.group(1)))


def spec_encrypt(chunk_size: int, pieces: list[bytes], key: bytes = KEY) -> bytes:
    """The format rebuilt from the doc's prose, independently of Encryptor."""
    key_id = KEY_ID.encode()
    header = b"VOCOREC\x01" + chunk_size.to_bytes(4, "big") + PREFIX + bytes([len(key_id)]) + key_id
    out = [header]
    for index, piece in enumerate(pieces):
        flag = b"\x01" if index == len(pieces) - 1 else b"\x00"
        out.append(AESGCM(key).encrypt(PREFIX + index.to_bytes(4, "big") + flag, piece, header))
    return b"".join(out)


def split(plaintext: bytes, chunk_size: int) -> list[bytes]:
    pieces = [plaintext[i : i + chunk_size] for i in range(0, len(plaintext), chunk_size)]
    return pieces or [b""]


def seal(plaintext: bytes, chunk_size: int = SMALL, nonce_prefix: bytes | None = PREFIX) -> bytes:
    out = io.BytesIO()
    encryptor = Encryptor(out, KEY, KEY_ID, chunk_size=chunk_size, nonce_prefix=nonce_prefix)
    encryptor.write(plaintext)
    encryptor.finish()
    return out.getvalue()


def open_all(ciphertext: bytes, key: bytes = KEY) -> bytes:
    return b"".join(decrypt_stream(io.BytesIO(ciphertext), key))


STREAM_VECTORS = load_vectors("stream-vectors")


def test_doc_lists_every_vector() -> None:
    names = [vector["name"] for vector in STREAM_VECTORS]
    assert names == ["empty", "one-chunk", "exact-two-chunks", "four-chunks", "default-chunks"]


@pytest.mark.parametrize("vector", STREAM_VECTORS, ids=lambda vector: vector["name"])
def test_vector(vector: dict[str, str]) -> None:
    key = bytes.fromhex(vector["key"])
    chunk_size = int(vector["chunk_size"])
    plaintext = plaintext_of(vector)
    out = io.BytesIO()
    encryptor = Encryptor(
        out,
        key,
        vector["key_id"],
        chunk_size=chunk_size,
        nonce_prefix=bytes.fromhex(vector["nonce_prefix"]),
    )
    encryptor.write(plaintext)
    result = encryptor.finish()
    ciphertext = out.getvalue()

    if "ciphertext" in vector:
        assert ciphertext.hex() == vector["ciphertext"]
    else:
        assert len(ciphertext) == int(vector["ciphertext_size"])
        assert hashlib.sha256(ciphertext).hexdigest() == vector["ciphertext_sha256"]
    assert result == (len(ciphertext), hashlib.sha256(ciphertext).hexdigest())
    assert ciphertext == spec_encrypt(chunk_size, split(plaintext, chunk_size), key)
    assert open_all(ciphertext, key) == plaintext


@pytest.mark.parametrize("chunk_size", [SMALL, CHUNK_SIZE])
@pytest.mark.parametrize(
    ("chunks", "extra"),
    [(0, 0), (0, 1), (1, -1), (1, 0), (1, 1), (5, -1), (5, 0), (5, 3)],
    ids=["0", "1", "chunk-1", "chunk", "chunk+1", "5chunks-1", "5chunks", "5chunks+3"],
)
def test_round_trip(chunk_size: int, chunks: int, extra: int) -> None:
    size = chunks * chunk_size + extra
    plaintext = os.urandom(size)
    ciphertext = seal(plaintext, chunk_size)
    assert len(ciphertext) == HEADER_SIZE + size + 16 * max(1, -(-size // chunk_size))
    assert open_all(ciphertext) == plaintext


def test_output_does_not_depend_on_how_writes_are_split() -> None:
    plaintext = pattern(1000)
    out = io.BytesIO()
    encryptor = Encryptor(out, KEY, KEY_ID, chunk_size=SMALL, nonce_prefix=PREFIX)
    view = memoryview(plaintext)
    for start, end in [(0, 1), (1, 64), (64, 64), (64, 200), (200, 264), (264, 999), (999, 1000)]:
        encryptor.write(view[start:end])
    encryptor.finish()
    assert out.getvalue() == seal(plaintext)


def test_random_nonce_prefix_by_default() -> None:
    first, second = seal(b"same", nonce_prefix=None), seal(b"same", nonce_prefix=None)
    assert first[12:19] != second[12:19]
    assert open_all(first) == open_all(second) == b"same"


def test_files_round_trip(tmp_path: Path) -> None:
    src, enc, dec = tmp_path / "call.wav", tmp_path / "call.wav.voco", tmp_path / "out.wav"
    plaintext = os.urandom(3 * CHUNK_SIZE + 123)
    src.write_bytes(plaintext)

    result = encrypt_file(src, enc, KEY, KEY_ID)

    ciphertext = enc.read_bytes()
    assert result.size == len(ciphertext)
    assert result.sha256 == hashlib.sha256(ciphertext).hexdigest()
    assert stat.S_IMODE(enc.stat().st_mode) == 0o600
    assert decrypt_file(enc, dec, KEY) == len(plaintext)
    assert dec.read_bytes() == plaintext
    assert sorted(path.name for path in tmp_path.iterdir()) == [
        "call.wav",
        "call.wav.voco",
        "out.wav",
    ]


def test_header_is_readable_without_the_key() -> None:
    header = read_header(io.BytesIO(seal(pattern(200))))
    assert (header.key_id, header.chunk_size, header.nonce_prefix) == (KEY_ID, SMALL, PREFIX)
    assert len(header.encode()) == HEADER_SIZE


def chunk(ciphertext: bytes, index: int) -> bytes:
    start = HEADER_SIZE + index * FULL
    return ciphertext[start : start + FULL]


def swap_chunks(ciphertext: bytes) -> bytes:
    """Chunks 1 and 2 change places."""
    head, rest = ciphertext[:HEADER_SIZE], ciphertext[HEADER_SIZE + 3 * FULL :]
    return head + chunk(ciphertext, 0) + chunk(ciphertext, 2) + chunk(ciphertext, 1) + rest


def flip(ciphertext: bytes, offset: int) -> bytes:
    data = bytearray(ciphertext)
    data[offset] ^= 0x01
    return bytes(data)


def replace(ciphertext: bytes, offset: int, value: bytes) -> bytes:
    return ciphertext[:offset] + value + ciphertext[offset + len(value) :]


FOUR = seal(pattern(200))  # three full chunks and an 8-byte last chunk
TWO = seal(pattern(128))  # two full chunks, the second one last
OTHER = seal(pattern(200), nonce_prefix=bytes(7))  # same key and key id, another file
LAST_FAILED = "(the last in the file) failed authentication (truncated, tampered, or wrong key)"
FAILED = "failed authentication (tampered, reordered, or wrong key)"


@pytest.mark.parametrize(
    ("ciphertext", "message"),
    [
        pytest.param(
            FOUR[: HEADER_SIZE + 3 * FULL],
            "truncated: no final chunk after chunk 2",
            id="truncated-at-chunk-boundary",
        ),
        pytest.param(
            TWO[: HEADER_SIZE + FULL],
            "truncated: no final chunk after chunk 0",
            id="truncated-at-boundary-before-full-last",
        ),
        pytest.param(
            FOUR[:HEADER_SIZE],
            "truncated: no final chunk (nothing after the header)",
            id="header-only",
        ),
        pytest.param(FOUR[:-1], f"chunk 3 {LAST_FAILED}", id="truncated-by-one-byte"),
        pytest.param(TWO[:-1], f"chunk 1 {LAST_FAILED}", id="truncated-full-last-by-one-byte"),
        pytest.param(
            FOUR[: HEADER_SIZE + FULL + 30], f"chunk 1 {LAST_FAILED}", id="truncated-inside-a-chunk"
        ),
        pytest.param(FOUR[: HEADER_SIZE + 10], f"chunk 0 {LAST_FAILED}", id="shorter-than-a-tag"),
        pytest.param(FOUR[:30], "recording header is truncated", id="truncated-header"),
        pytest.param(b"", "recording header is truncated", id="empty-file"),
        pytest.param(swap_chunks(FOUR), f"chunk 1 {FAILED}", id="swapped-chunks"),
        pytest.param(
            FOUR[: HEADER_SIZE + FULL] + FOUR[HEADER_SIZE + 2 * FULL :],
            f"chunk 1 {FAILED}",
            id="dropped-chunk",
        ),
        pytest.param(
            replace(FOUR, HEADER_SIZE + FULL, chunk(OTHER, 1)),
            f"chunk 1 {FAILED}",
            id="chunk-spliced-from-another-file",
        ),
        pytest.param(
            flip(FOUR, HEADER_SIZE + 2 * FULL + 5), f"chunk 2 {FAILED}", id="flipped-bit-in-chunk"
        ),
        pytest.param(flip(FOUR, len(FOUR) - 1), f"chunk 3 {LAST_FAILED}", id="flipped-bit-in-tag"),
        pytest.param(flip(FOUR, 14), f"chunk 0 {FAILED}", id="tampered-nonce-prefix"),
        pytest.param(flip(FOUR, HEADER_SIZE - 1), f"chunk 0 {FAILED}", id="tampered-key-id"),
        pytest.param(
            replace(FOUR, 8, (65).to_bytes(4, "big")), f"chunk 0 {FAILED}", id="tampered-chunk-size"
        ),
        pytest.param(FOUR + b"x", f"chunk 3 {LAST_FAILED}", id="appended-after-short-last"),
        pytest.param(
            TWO + b"xxxxx",
            "unexpected data after the final chunk (chunk 1)",
            id="appended-after-full-last",
        ),
        pytest.param(
            TWO + chunk(TWO, 0),
            "unexpected data after the final chunk (chunk 1)",
            id="appended-replayed-chunk",
        ),
        pytest.param(b"RIFF" + FOUR[4:], "not a Voco recording (bad magic)", id="wav-file"),
        pytest.param(b"age-encryption.org/v1\n", "not a Voco recording (bad magic)", id="age-file"),
        pytest.param(
            replace(FOUR, 7, b"\x02"),
            "unsupported recording format version 2 (this build reads 1)",
            id="version",
        ),
        pytest.param(
            replace(FOUR, 8, bytes(4)), "invalid recording header: chunk size", id="zero-chunk-size"
        ),
        pytest.param(
            replace(FOUR, 8, (2**20 + 1).to_bytes(4, "big")),
            "invalid recording header: chunk size",
            id="huge-chunk-size",
        ),
        pytest.param(
            replace(FOUR, 19, b"\x00"), "invalid recording header: key id", id="empty-key-id"
        ),
        pytest.param(
            replace(FOUR, 20, b"\xff"),
            "invalid recording header: 'utf-8' codec",
            id="key-id-not-utf8",
        ),
    ],
)
def test_fault_is_rejected(ciphertext: bytes, message: str) -> None:
    with pytest.raises(CryptoError, match=re.escape(message)):
        open_all(ciphertext)


def test_wrong_key_is_rejected() -> None:
    wrong = bytes(32)
    with pytest.raises(CryptoError, match=re.escape(f"chunk 0 {FAILED}")):
        open_all(FOUR, wrong)
    with pytest.raises(CryptoError, match=re.escape(f"chunk 0 {LAST_FAILED}")):
        open_all(seal(b"short"), wrong)


def test_empty_last_chunk_after_data_is_rejected() -> None:
    ciphertext = spec_encrypt(SMALL, [pattern(SMALL), b""])
    with pytest.raises(CryptoError, match="chunk 1 is an empty last chunk after a non-empty"):
        open_all(ciphertext)


def test_authentic_chunks_come_before_the_error() -> None:
    received = []
    with pytest.raises(CryptoError, match="no final chunk after chunk 2"):
        for piece in decrypt_stream(io.BytesIO(FOUR[: HEADER_SIZE + 3 * FULL]), KEY):
            received.append(piece)
    assert b"".join(received) == pattern(3 * SMALL)


def test_failed_decrypt_file_leaves_nothing(tmp_path: Path) -> None:
    src = tmp_path / "call.voco"
    src.write_bytes(FOUR[:-1])
    with pytest.raises(CryptoError):
        decrypt_file(src, tmp_path / "out.wav", KEY)
    assert [path.name for path in tmp_path.iterdir()] == ["call.voco"]


@pytest.mark.parametrize(
    ("ciphertext", "chunks", "kept", "discarded", "reason"),
    [
        pytest.param(
            FOUR[: HEADER_SIZE + 3 * FULL],
            3,
            3 * SMALL,
            0,
            "no final chunk after chunk 2",
            id="crash-between-chunks",
        ),
        pytest.param(
            FOUR[: HEADER_SIZE + 2 * FULL + 30],
            2,
            2 * SMALL,
            30,
            f"chunk 2 {LAST_FAILED}",
            id="crash-inside-a-chunk",
        ),
        pytest.param(
            FOUR[:HEADER_SIZE], 0, 0, 0, "nothing after the header", id="crash-after-header"
        ),
        pytest.param(
            TWO + b"junk",
            2,
            2 * SMALL,
            4,
            "unexpected data after the final chunk",
            id="appended-data",
        ),
    ],
)
def test_prefix_recovery_is_flagged_partial(
    tmp_path: Path, ciphertext: bytes, chunks: int, kept: int, discarded: int, reason: str
) -> None:
    src, dst = tmp_path / "call.voco", tmp_path / "recovered.wav"
    src.write_bytes(ciphertext)
    recovered = decrypt_prefix(src, dst, KEY)
    assert not recovered.complete
    assert (recovered.chunks, recovered.plaintext_size) == (chunks, kept)
    assert recovered.discarded_bytes == discarded
    assert recovered.reason is not None
    assert reason in recovered.reason
    assert dst.read_bytes() == pattern(kept)


def test_prefix_of_a_whole_file_is_complete(tmp_path: Path) -> None:
    src, dst = tmp_path / "call.voco", tmp_path / "recovered.wav"
    src.write_bytes(FOUR)
    recovered = decrypt_prefix(src, dst, KEY)
    assert (recovered.complete, recovered.chunks, recovered.plaintext_size) == (True, 4, 200)
    assert (recovered.discarded_bytes, recovered.reason) == (0, None)
    assert dst.read_bytes() == pattern(200)


def test_prefix_recovery_with_wrong_key_raises(tmp_path: Path) -> None:
    src, dst = tmp_path / "call.voco", tmp_path / "recovered.wav"
    src.write_bytes(FOUR[: HEADER_SIZE + 3 * FULL])
    with pytest.raises(CryptoError, match=re.escape(f"chunk 0 {FAILED}")):
        decrypt_prefix(src, dst, bytes(32))
    assert not dst.exists()


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ((KEY, KEY_ID, 0, PREFIX), "chunk size"),
        ((KEY, KEY_ID, 2**20 + 1, PREFIX), "chunk size"),
        ((KEY, KEY_ID, SMALL, bytes(8)), "nonce prefix"),
        ((KEY, "", SMALL, PREFIX), "key id"),
        ((KEY, "x" * 256, SMALL, PREFIX), "key id"),
        ((bytes(16), KEY_ID, SMALL, PREFIX), "data key must be 32 bytes"),
    ],
)
def test_encryptor_rejects_bad_parameters(
    arguments: tuple[bytes, str, int, bytes], message: str
) -> None:
    key, key_id, chunk_size, nonce_prefix = arguments
    with pytest.raises(ValueError, match=message):
        Encryptor(io.BytesIO(), key, key_id, chunk_size=chunk_size, nonce_prefix=nonce_prefix)


def test_encryptor_is_finished_once() -> None:
    encryptor = Encryptor(io.BytesIO(), KEY, KEY_ID)
    encryptor.finish()
    with pytest.raises(ValueError, match="after finish"):
        encryptor.write(b"late")
    with pytest.raises(ValueError, match="twice"):
        encryptor.finish()
