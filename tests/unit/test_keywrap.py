"""Per-file data keys wrapped by the master key: the doc's vectors, binding to the key id and
the owning row, version 1 wraps, faults."""

import io
import re
from collections.abc import Callable

import pytest

from asterisk_bridge.crypto.keywrap import (
    WRAPPED_SIZE,
    is_legacy,
    master_key_id,
    new_data_key,
    unwrap_key,
    unwrap_legacy_key,
    wrap_key,
)
from asterisk_bridge.crypto.stream import Encryptor, decrypt_stream, read_header
from asterisk_bridge.errors import CryptoError, KeyFileError
from tests.unit.format_vectors import load_vectors

MASTER = bytes(range(0x40, 0x60))
KEY_ID = "3f2504e0-4f89-41d3-9a0c-0305e82c3301"
OTHER_ID = "9b2e1c1a-5d0e-4c39-8d6f-2f4a3f0e7b11"
OWNER = "recording:voco-1795911331_0-1795911331_1"


def test_vectors() -> None:
    v2, v1 = load_vectors("keywrap-vectors")
    master = bytes.fromhex(v2["master_key"])
    data_key = bytes.fromhex(v2["data_key"])
    wrapped = wrap_key(master, data_key, v2["key_id"], v2["owner"],
                       nonce=bytes.fromhex(v2["nonce"]))
    assert wrapped.hex() == v2["wrapped"]
    assert unwrap_key(master, wrapped, v2["key_id"], v2["owner"]) == data_key
    assert master_key_id(master) == v2["master_key_id"] == v1["master_key_id"]
    legacy = bytes.fromhex(v1["wrapped"])
    assert is_legacy(legacy) and not is_legacy(wrapped)
    assert unwrap_legacy_key(master, legacy, v1["key_id"]) == data_key


def test_round_trip_with_random_nonces() -> None:
    data_key = new_data_key()
    first, second = (wrap_key(MASTER, data_key, KEY_ID, OWNER) for _ in range(2))
    assert first != second
    assert len(first) == WRAPPED_SIZE == 61 and first[0] == 2
    assert unwrap_key(MASTER, first, KEY_ID, OWNER) == unwrap_key(MASTER, second, KEY_ID, OWNER)
    assert unwrap_key(MASTER, first, KEY_ID, OWNER) == data_key


def test_data_keys_are_fresh() -> None:
    keys = {new_data_key() for _ in range(100)}
    assert len(keys) == 100
    assert all(len(key) == 32 for key in keys)


def unwrap_error(key_id: str, owner: str = OWNER) -> str:
    return re.escape(f"cannot unwrap data key {key_id}: wrong master key, corrupted wrap, or a "
                     f"wrap that belongs to another row than {owner}")


def test_wrong_master_key() -> None:
    wrapped = wrap_key(MASTER, new_data_key(), KEY_ID, OWNER)
    with pytest.raises(CryptoError, match=unwrap_error(KEY_ID)):
        unwrap_key(bytes(32), wrapped, KEY_ID, OWNER)


def test_wrap_moved_to_another_key_id_or_owner() -> None:
    wrapped = wrap_key(MASTER, new_data_key(), KEY_ID, OWNER)
    with pytest.raises(CryptoError, match=unwrap_error(OTHER_ID)):
        unwrap_key(MASTER, wrapped, OTHER_ID, OWNER)
    with pytest.raises(CryptoError, match=unwrap_error(KEY_ID, "recording:other")):
        unwrap_key(MASTER, wrapped, KEY_ID, "recording:other")
    # Length prefixes: moving bytes between the key id and the owner changes the binding.
    with pytest.raises(CryptoError):
        unwrap_key(MASTER, wrap_key(MASTER, new_data_key(), "ab", "c"), "a", "bc")


def test_a_bound_wrap_never_opens_as_a_legacy_one() -> None:
    wrapped = wrap_key(MASTER, new_data_key(), KEY_ID, OWNER)
    with pytest.raises(CryptoError, match="not a version 1 wrap of 60 bytes"):
        unwrap_legacy_key(MASTER, wrapped, KEY_ID)
    with pytest.raises(CryptoError, match="wrong master key or corrupted wrap"):
        unwrap_legacy_key(MASTER, wrapped[1:], KEY_ID)  # version byte stripped: still refused


@pytest.mark.parametrize("offset", [0, 1, 13, 31, 60])
def test_corrupted_wrap(offset: int) -> None:
    wrapped = bytearray(wrap_key(MASTER, new_data_key(), KEY_ID, OWNER))
    wrapped[offset] ^= 0x80
    with pytest.raises(CryptoError, match=f"cannot unwrap data key {KEY_ID}"):
        unwrap_key(MASTER, bytes(wrapped), KEY_ID, OWNER)


def test_wrap_of_the_wrong_length() -> None:
    wrapped = wrap_key(MASTER, new_data_key(), KEY_ID, OWNER)
    with pytest.raises(CryptoError, match=f"data key {KEY_ID}: not a version 2 wrap of 61 bytes "
                                          r"\(60 bytes\)"):
        unwrap_key(MASTER, wrapped[:-1], KEY_ID, OWNER)


def test_master_key_id_is_a_stable_fingerprint() -> None:
    assert re.fullmatch(r"[0-9a-f]{16}", master_key_id(MASTER))
    assert master_key_id(MASTER) == master_key_id(bytes(MASTER))
    assert master_key_id(MASTER) != master_key_id(bytes(32))


@pytest.mark.parametrize(
    "call",
    [
        lambda: wrap_key(bytes(31), new_data_key(), KEY_ID, OWNER),
        lambda: unwrap_key(bytes(33), bytes(WRAPPED_SIZE), KEY_ID, OWNER),
        lambda: master_key_id(b""),
    ],
    ids=["wrap", "unwrap", "master_key_id"],
)
def test_master_key_of_the_wrong_size(call: Callable[[], object]) -> None:
    with pytest.raises(KeyFileError, match="master key must be 32 bytes"):
        call()


def test_bad_data_key_or_nonce_is_a_bug() -> None:
    with pytest.raises(ValueError, match="data key must be 32 bytes"):
        wrap_key(MASTER, bytes(16), KEY_ID, OWNER)
    with pytest.raises(ValueError, match="nonce must be 12 bytes"):
        wrap_key(MASTER, new_data_key(), KEY_ID, OWNER, nonce=bytes(16))


def test_header_names_the_wrap_that_opens_the_file() -> None:
    """The store's path: key id from the header, wrap from its row, then the plaintext."""
    data_key = new_data_key()
    rows = {KEY_ID: wrap_key(MASTER, data_key, KEY_ID, OWNER)}
    out = io.BytesIO()
    encryptor = Encryptor(out, data_key, KEY_ID)
    encryptor.write(b"hello voicemail")
    encryptor.finish()

    out.seek(0)
    key_id = read_header(out).key_id
    out.seek(0)
    plaintext = b"".join(decrypt_stream(out, unwrap_key(MASTER, rows[key_id], key_id, OWNER)))
    assert plaintext == b"hello voicemail"
