"""Per-file data keys wrapped by the master key: the doc's vector, binding to the key id, faults."""

import io
import re
from collections.abc import Callable

import pytest

from asterisk_bridge.crypto.keywrap import (
    WRAPPED_SIZE,
    master_key_id,
    new_data_key,
    unwrap_key,
    wrap_key,
)
from asterisk_bridge.crypto.stream import Encryptor, decrypt_stream, read_header
from asterisk_bridge.errors import CryptoError, KeyFileError
from tests.unit.format_vectors import load_vectors

MASTER = bytes(range(0x40, 0x60))
KEY_ID = "3f2504e0-4f89-41d3-9a0c-0305e82c3301"
OTHER_ID = "9b2e1c1a-5d0e-4c39-8d6f-2f4a3f0e7b11"


def test_vector() -> None:
    [vector] = load_vectors("keywrap-vectors")
    master = bytes.fromhex(vector["master_key"])
    data_key = bytes.fromhex(vector["data_key"])
    wrapped = wrap_key(master, data_key, vector["key_id"], nonce=bytes.fromhex(vector["nonce"]))
    assert wrapped.hex() == vector["wrapped"]
    assert unwrap_key(master, wrapped, vector["key_id"]) == data_key
    assert master_key_id(master) == vector["master_key_id"]


def test_round_trip_with_random_nonces() -> None:
    data_key = new_data_key()
    first, second = wrap_key(MASTER, data_key, KEY_ID), wrap_key(MASTER, data_key, KEY_ID)
    assert first != second
    assert len(first) == WRAPPED_SIZE == 60
    assert unwrap_key(MASTER, first, KEY_ID) == unwrap_key(MASTER, second, KEY_ID) == data_key


def test_data_keys_are_fresh() -> None:
    keys = {new_data_key() for _ in range(100)}
    assert len(keys) == 100
    assert all(len(key) == 32 for key in keys)


def unwrap_error(key_id: str) -> str:
    return re.escape(f"cannot unwrap data key {key_id}: wrong master key or corrupted wrap")


def test_wrong_master_key() -> None:
    wrapped = wrap_key(MASTER, new_data_key(), KEY_ID)
    with pytest.raises(CryptoError, match=unwrap_error(KEY_ID)):
        unwrap_key(bytes(32), wrapped, KEY_ID)


def test_wrap_moved_to_another_key_id() -> None:
    wrapped = wrap_key(MASTER, new_data_key(), KEY_ID)
    with pytest.raises(CryptoError, match=unwrap_error(OTHER_ID)):
        unwrap_key(MASTER, wrapped, OTHER_ID)


@pytest.mark.parametrize("offset", [0, 12, 30, 59])
def test_corrupted_wrap(offset: int) -> None:
    wrapped = bytearray(wrap_key(MASTER, new_data_key(), KEY_ID))
    wrapped[offset] ^= 0x80
    with pytest.raises(CryptoError, match=unwrap_error(KEY_ID)):
        unwrap_key(MASTER, bytes(wrapped), KEY_ID)


def test_wrap_of_the_wrong_length() -> None:
    wrapped = wrap_key(MASTER, new_data_key(), KEY_ID)
    with pytest.raises(CryptoError, match=f"data key {KEY_ID}: wrap is 59 bytes, not 60"):
        unwrap_key(MASTER, wrapped[:-1], KEY_ID)


def test_master_key_id_is_a_stable_fingerprint() -> None:
    assert re.fullmatch(r"[0-9a-f]{16}", master_key_id(MASTER))
    assert master_key_id(MASTER) == master_key_id(bytes(MASTER))
    assert master_key_id(MASTER) != master_key_id(bytes(32))


@pytest.mark.parametrize(
    "call",
    [
        lambda: wrap_key(bytes(31), new_data_key(), KEY_ID),
        lambda: unwrap_key(bytes(33), bytes(WRAPPED_SIZE), KEY_ID),
        lambda: master_key_id(b""),
    ],
    ids=["wrap", "unwrap", "master_key_id"],
)
def test_master_key_of_the_wrong_size(call: Callable[[], object]) -> None:
    with pytest.raises(KeyFileError, match="master key must be 32 bytes"):
        call()


def test_bad_data_key_or_nonce_is_a_bug() -> None:
    with pytest.raises(ValueError, match="data key must be 32 bytes"):
        wrap_key(MASTER, bytes(16), KEY_ID)
    with pytest.raises(ValueError, match="nonce must be 12 bytes"):
        wrap_key(MASTER, new_data_key(), KEY_ID, nonce=bytes(16))


def test_header_names_the_wrap_that_opens_the_file() -> None:
    """The store's path: key id from the header, wrap from its row, then the plaintext."""
    data_key = new_data_key()
    rows = {KEY_ID: wrap_key(MASTER, data_key, KEY_ID)}
    out = io.BytesIO()
    encryptor = Encryptor(out, data_key, KEY_ID)
    encryptor.write(b"hello voicemail")
    encryptor.finish()

    out.seek(0)
    key_id = read_header(out).key_id
    out.seek(0)
    plaintext = b"".join(decrypt_stream(out, unwrap_key(MASTER, rows[key_id], key_id)))
    assert plaintext == b"hello voicemail"
