"""Personal contacts: the owner's passphrase reads them; nothing the admin holds does.

The admin has the master key, the database and every file: the CLI and a raw dump show nothing,
every secret Voco holds fails to open the keyring, and a keyring forged with a trivial scrypt cost
is refused rather than trusted.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt
from sqlalchemy import inspect, select, text, update
from sqlalchemy.orm import Session

from asterisk_bridge.config import read_secret
from asterisk_bridge.contacts import crypto, personal
from asterisk_bridge.context import App
from asterisk_bridge.crypto import keywrap
from asterisk_bridge.errors import CryptoError, ValidationError
from asterisk_bridge.generator.apply import render
from asterisk_bridge.provisioning import conferences, extensions, secrets, trunks
from asterisk_bridge.provisioning.conferences import Conference
from asterisk_bridge.provisioning.trunks import Trunk
from asterisk_bridge.services.init import initialise
from asterisk_bridge.store.models.contacts import PersonalContact, PersonalKeyring
from tests.conftest import CliCall

NAME, NUMBER, EMAIL = "Zelda Quincy-Private", "+4917055501234", "zelda@private.example"
OTHER_NAME, OTHER_NUMBER = "Yannick Hidden", "+4917099988877"
SIP = {"1001": "sip-secret-of-1001", "1002": "sip-secret-of-1002"}
PASSPHRASE = "correct horse battery staple"
OTHER_PASSPHRASE = "another owner's own words"


@pytest.fixture
def installed(db_url: str, config_path: Path, tmp_path: Path) -> App:
    """A Voco installation on the parametrised store (SQLite or PostgreSQL)."""
    url = None if db_url.startswith("sqlite") else db_url
    app = App(initialise(config_path, tmp_path / "data", url))
    for number, name in (("1001", "Owner One"), ("1002", "Owner Two")):
        extensions.add(app.engine, app.master_key,
                       extensions.Extension(number, name, voicemail=True), SIP[number])
    return app


def _file(tmp_path: Path, name: str, value: str) -> str:
    path = tmp_path / name
    path.write_text(value + "\n")
    return str(path)


def _provision(run_cli: CliCall, passphrase_file: str) -> None:
    for args in (
        ("contact", "add", "Acme Support", "--number", "+4930123456", "--company", "Acme"),
        ("contact", "grant", "1001", "view"),
        ("contact", "personal", "add", "--extension", "1001", NAME, "--number", NUMBER,
         "--email", EMAIL, "--notes", "met at the fair, call Tuesdays", "--passphrase-file",
         passphrase_file),
        ("contact", "personal", "add", "--extension", "1001", OTHER_NAME, "--number",
         OTHER_NUMBER, "--passphrase-file", passphrase_file),
    ):
        result = run_cli(*args)
        assert result.exit_code == 0, result.output


def _assert_hidden(blob: str) -> None:
    for needle in (NAME, "Zelda", NUMBER, "55501234", EMAIL, OTHER_NAME, OTHER_NUMBER, "Tuesdays",
                   PASSPHRASE):
        assert needle not in blob


def _dump(app: App) -> list[object]:
    """Every value of every table, as the database would dump it."""
    values: list[object] = []
    with app.engine.connect() as conn:
        for table in inspect(conn).get_table_names():
            for row in conn.execute(text(f'SELECT * FROM "{table}"')):
                values += list(row)
    return values


def _keyring(app: App, extension: str) -> crypto.Keyring:
    with Session(app.engine) as s:
        row = s.get_one(PersonalKeyring, extension)
        return crypto.Keyring(row.salt, row.scrypt_log_n, row.scrypt_r, row.scrypt_p,
                              row.wrapped_key)


def test_admin_cli_and_raw_database_reveal_nothing(
    installed: App, run_cli: CliCall, tmp_path: Path
) -> None:
    _provision(run_cli, _file(tmp_path, "p1001", PASSPHRASE))

    admin_outputs = []
    for args in (("contact", "list"), ("contact", "list", "--json"),
                 ("contact", "show", "Acme Support"), ("contact", "show", "1", "--json"),
                 ("contact", "grants"), ("contact", "grants", "--json"),
                 ("contact", "personal", "count", "1001"),
                 ("contact", "personal", "count", "1001", "--json"),
                 ("oplog", "list")):
        result = run_cli(*args)
        assert result.exit_code == 0, (args, result.output)
        admin_outputs.append(result.output)
    _assert_hidden("\n".join(admin_outputs))
    assert json.loads(admin_outputs[7]) == {"extension": "1001", "count": 2}

    joined = "\n".join(v.hex() + bytes(v).decode("latin-1") if isinstance(v, bytes | memoryview)
                       else str(v) for v in _dump(installed))
    # The dump did read the store: the company contact is there, sealed under its own key.
    assert "Acme Support" not in joined and "contact add" in joined
    _assert_hidden(joined)
    engine = installed.engine
    if engine.url.get_backend_name() == "sqlite":
        engine.dispose()
        files = Path(str(engine.url.database)).parent.glob("voco.db*")
        raw = b"".join(p.read_bytes() for p in files)
        for needle in (NAME, NUMBER, EMAIL, OTHER_NUMBER, PASSPHRASE):
            assert needle.encode() not in raw
            assert needle.encode("utf-16-le") not in raw


def test_nothing_the_admin_holds_opens_the_keyring(
    installed: App, run_cli: CliCall, tmp_path: Path
) -> None:
    """Every secret Voco holds is tried as the passphrase, and the master key and its derived
    keys as the wrap key; every value in the store, the config, the data files and the rendered
    Asterisk files is searched for the passphrase (an scrypt guess costs ~0.1 s, so the
    thousands of other values are searched rather than each tried)."""
    trunks.add(installed.engine, installed.master_key,
               Trunk("carrier", "sip.example.net", username="acct"), "trunk-password-1234")
    conferences.add(installed.engine, installed.master_key, Conference("board", "7001"), "4711")
    _provision(run_cli, _file(tmp_path, "p1001", PASSPHRASE))
    app, key, cfg = installed, installed.master_key, installed.config

    held = [*(extensions.secret(app.engine, key, n) for n in SIP),
            str(trunks.secret(app.engine, key, "carrier")),
            str(conferences.pin(app.engine, key, "board")),
            *(secrets.mailbox_password(key, n) for n in SIP),
            read_secret(cfg.asterisk.ami_secret_file, "AMI"),
            read_secret(cfg.asterisk.ari_secret_file, "ARI"),
            key.hex(), key.decode("latin-1"), str(cfg.db_url)]
    assert set(SIP.values()) <= set(held)  # the admin can unseal every one of these
    ring = _keyring(app, "1001")
    for candidate in held:
        with pytest.raises(crypto.WrongSecretError):
            crypto.unlock("1001", ring, candidate)
    for kek in (key, secrets._key(key)):  # the master key and the provisioning key as the KEK
        with pytest.raises(CryptoError):
            keywrap.unwrap_key(kek, ring.wrapped_key, "personal-contacts", "1001")

    corpus = [bytes(v) if isinstance(v, bytes | memoryview) else str(v).encode()
              for v in _dump(app)]
    corpus += [p.read_bytes() for p in (cfg.path, *cfg.data_dir.rglob("*")) if p.is_file()]
    corpus += [content.encode() for content in render(app).values()]
    assert any(b"contact add" in blob for blob in corpus)  # the search does read the store
    for blob in corpus:
        assert PASSPHRASE.encode() not in blob and PASSPHRASE.encode("utf-16-le") not in blob
        assert NAME.encode() not in blob and NUMBER.encode() not in blob
    with Session(app.engine) as s:
        assert [e.name for e in personal.entries(s, "1001", PASSPHRASE)] == [OTHER_NAME, NAME]


def test_a_keyring_forged_below_the_cost_floor_is_refused(
    installed: App, run_cli: CliCall, tmp_path: Path
) -> None:
    _provision(run_cli, _file(tmp_path, "p1001", PASSPHRASE))
    real = _keyring(installed, "1001")
    with Session(installed.engine) as s:
        contacts_key = personal.unlock(s, "1001", PASSPHRASE)
    # A genuine wrap of the real key under the real passphrase, but at a trivial cost: one
    # scrypt guess would then cost nothing, so Voco must refuse it rather than read the row.
    cheap_salt = os.urandom(crypto.SALT_SIZE)
    kek = Scrypt(salt=cheap_salt, length=32, n=2, r=1, p=1).derive(PASSPHRASE.encode())
    forged = {"salt": cheap_salt, "scrypt_log_n": 1, "scrypt_r": 1, "scrypt_p": 1,
              "wrapped_key": keywrap.wrap_key(kek, contacts_key, "personal-contacts", "1001")}
    genuine = {"salt": real.salt, "scrypt_log_n": real.log_n, "scrypt_r": real.r,
               "scrypt_p": real.p, "wrapped_key": real.wrapped_key}
    for change in (forged, {"scrypt_log_n": 10}, {"scrypt_r": 1}, {"scrypt_p": 0},
                   {"scrypt_log_n": 40}, {"scrypt_p": 1000}, {"salt": b"short"}):
        with Session(installed.engine) as s, s.begin():
            s.execute(update(PersonalKeyring).where(PersonalKeyring.extension == "1001")
                      .values({**genuine, **change}))
        result = run_cli("contact", "personal", "list", "--extension", "1001",
                         "--passphrase-file", _file(tmp_path, "p", PASSPHRASE))
        assert result.exit_code == 1, (change, result.output)
        assert "outside what Voco accepts" in result.output and "forged or damaged" in result.output
        _assert_hidden(result.output)


def test_owner_passphrase_reads_and_wrong_one_is_refused(
    installed: App, run_cli: CliCall, tmp_path: Path
) -> None:
    good = _file(tmp_path, "good", PASSPHRASE)
    _provision(run_cli, good)

    listed = run_cli("contact", "personal", "list", "--extension", "1001", "--passphrase-file",
                     good, "--json")
    assert listed.exit_code == 0, listed.output
    entries = json.loads(listed.output)
    assert [(e["name"], e["numbers"], e["email"]) for e in entries] == [
        (OTHER_NAME, [OTHER_NUMBER], ""), (NAME, [NUMBER], EMAIL)]

    for guess in ("guess", SIP["1001"], "correct horse battery stapl"):
        wrong = run_cli("contact", "personal", "list", "--extension", "1001",
                        "--passphrase-file", _file(tmp_path, "bad", guess))
        assert wrong.exit_code != 0
        assert "wrong passphrase for extension 1001" in wrong.output
        _assert_hidden(wrong.output)

    prompted = run_cli("contact", "personal", "list", "--extension", "1001",
                       input=PASSPHRASE + "\n")
    assert prompted.exit_code == 0 and NAME in prompted.output
    assert PASSPHRASE not in prompted.output  # hidden input is not echoed

    # A wrong passphrase must not create a second keyring or add anything.
    added = run_cli("contact", "personal", "add", "--extension", "1001", "Intruder",
                    "--number", "123", "--passphrase-file", _file(tmp_path, "x", "not the one"))
    assert added.exit_code != 0 and "wrong passphrase" in added.output
    assert run_cli("contact", "personal", "count", "1001").output.strip() == "2"

    removed = run_cli("contact", "personal", "remove", "--extension", "1001", NAME,
                      "--passphrase-file", good)
    assert removed.exit_code == 0, removed.output
    assert run_cli("contact", "personal", "count", "1001").output.strip() == "1"
    _assert_hidden(run_cli("oplog", "list").output)


def test_the_first_contact_sets_a_passphrase_of_the_owners_own(
    installed: App, run_cli: CliCall, tmp_path: Path
) -> None:
    def add(extension: str, value: str) -> tuple[int, str]:
        result = run_cli("contact", "personal", "add", "--extension", extension, NAME,
                         "--passphrase-file", _file(tmp_path, "p", value))
        return result.exit_code, result.output

    assert add("1001", "too short") == (
        2, "Error: passphrase: at least 12 characters (several words are easiest to remember); "
           "anyone holding a copy of the database can try guesses offline\n")
    code, out = add("1001", SIP["1001"])
    assert code == 2 and "must not be the extension's SIP secret" in out
    code, out = add("1009", PASSPHRASE)
    assert code == 4 and "extension '1009' does not exist" in out
    assert run_cli("contact", "personal", "count", "1001").output.strip() == "0"

    mismatch = run_cli("contact", "personal", "add", "--extension", "1001", NAME,
                       input=f"{PASSPHRASE}\n{PASSPHRASE}!\n")  # the prompt asks twice
    assert mismatch.exit_code != 0 and "do not match" in mismatch.output
    first = run_cli("contact", "personal", "add", "--extension", "1001", NAME,
                    input=f"{PASSPHRASE}\n{PASSPHRASE}\n")
    assert first.exit_code == 0, first.output
    assert "Voco does not keep it and cannot reset it" in first.output
    later = run_cli("contact", "personal", "add", "--extension", "1001", OTHER_NAME,
                    input=f"{PASSPHRASE}\n")  # asked once, once the keyring exists
    assert later.exit_code == 0, later.output
    assert run_cli("contact", "personal", "count", "1001").output.strip() == "2"


def test_swapped_or_moved_rows_are_detected(installed: App, run_cli: CliCall,
                                            tmp_path: Path) -> None:
    good = _file(tmp_path, "good", PASSPHRASE)
    _provision(run_cli, good)
    with Session(installed.engine) as s, s.begin():
        a, b = s.scalars(select(PersonalContact).order_by(PersonalContact.id)).all()
        a.sealed, b.sealed = b.sealed, a.sealed
    result = run_cli("contact", "personal", "list", "--extension", "1001", "--passphrase-file",
                     good)
    assert result.exit_code != 0
    assert "failed authentication" in result.output and "swapped" in result.output

    with Session(installed.engine) as s, s.begin():  # swap back: readable again
        a, b = s.scalars(select(PersonalContact).order_by(PersonalContact.id)).all()
        a.sealed, b.sealed = b.sealed, a.sealed
    with Session(installed.engine) as s:
        assert len(personal.entries(s, "1001", PASSPHRASE)) == 2

    # Another extension copying 1001's ciphertext under its own keyring cannot open it either.
    with Session(installed.engine) as s, s.begin():
        personal.add(s, installed.master_key, "1002", OTHER_PASSPHRASE,
                     personal.clean("Mine", ["555"]))
        stolen = s.scalars(select(PersonalContact).where(PersonalContact.extension == "1001")
                           ).first()
        assert stolen is not None
        s.execute(update(PersonalContact).where(PersonalContact.extension == "1002")
                  .values(sealed=stolen.sealed))
    with Session(installed.engine) as s, pytest.raises(CryptoError, match="failed authentication"):
        personal.entries(s, "1002", OTHER_PASSPHRASE)
    # Nor does 1001's keyring moved to 1002: the wrap is bound to its extension.
    ring = _keyring(installed, "1001")
    with pytest.raises(crypto.WrongSecretError):
        crypto.unlock("1002", ring, PASSPHRASE)


def test_rewrap_changes_the_passphrase_and_the_key(installed: App, run_cli: CliCall,
                                                   tmp_path: Path) -> None:
    old = _file(tmp_path, "old", PASSPHRASE)
    new = _file(tmp_path, "new", "a brand new passphrase")
    _provision(run_cli, old)
    with Session(installed.engine) as s:
        old_key = personal.unlock(s, "1001", PASSPHRASE)

    moved = run_cli("contact", "personal", "rewrap", "--extension", "1001",
                    "--old-passphrase-file", old, "--new-passphrase-file", new)
    assert moved.exit_code == 0, moved.output
    assert "2 personal contact(s) of extension 1001" in moved.output
    assert NAME in run_cli("contact", "personal", "list", "--extension", "1001",
                           "--passphrase-file", new).output
    assert run_cli("contact", "personal", "list", "--extension", "1001",
                   "--passphrase-file", old).exit_code != 0
    with Session(installed.engine) as s:  # whoever kept the old key reads nothing any more
        for row in s.scalars(select(PersonalContact)):
            with pytest.raises(CryptoError):
                crypto.open_sealed(old_key, "1001", row.id, row.sealed)

    short = run_cli("contact", "personal", "rewrap", "--extension", "1001",
                    "--old-passphrase-file", new, "--new-passphrase-file",
                    _file(tmp_path, "s", "short"))
    assert short.exit_code == 2 and "at least 12 characters" in short.output

    purged = run_cli("contact", "personal", "purge", "1001", "--yes")
    assert purged.exit_code == 0 and "purged 2" in purged.output
    assert run_cli("contact", "personal", "count", "1001").output.strip() == "0"


def test_a_keyring_from_before_passphrases_must_move_to_one(
    installed: App, run_cli: CliCall, tmp_path: Path
) -> None:
    """Before passphrases, the keyring was wrapped (version 1) under the SIP secret, which the
    admin can unseal: it opens only to be moved to the owner's passphrase, under a new key."""
    contacts_key = keywrap.new_data_key()
    salt = os.urandom(crypto.SALT_SIZE)
    kek = Scrypt(salt=salt, length=32, n=2**15, r=8, p=1).derive(SIP["1001"].encode())
    nonce = os.urandom(12)
    legacy = nonce + AESGCM(kek).encrypt(nonce, contacts_key, b"voco-wrap-v1personal-contacts/1001")
    with Session(installed.engine) as s, s.begin():
        s.add(PersonalKeyring(extension="1001", salt=salt, scrypt_log_n=15, scrypt_r=8,
                              scrypt_p=1, wrapped_key=legacy))
        s.add(PersonalContact(id="a" * 32, extension="1001", sealed=crypto.seal(
            contacts_key, "1001", "a" * 32, personal.clean(NAME, [NUMBER]))))

    sip = _file(tmp_path, "sip", SIP["1001"])
    refused = run_cli("contact", "personal", "list", "--extension", "1001",
                      "--passphrase-file", sip)
    assert refused.exit_code == 1 and "still locked with the extension's SIP secret" in \
        refused.output and "rewrap" in refused.output
    _assert_hidden(refused.output)

    moved = run_cli("contact", "personal", "rewrap", "--extension", "1001",
                    "--old-passphrase-file", sip, "--new-passphrase-file",
                    _file(tmp_path, "new", PASSPHRASE))
    assert moved.exit_code == 0, moved.output
    listed = run_cli("contact", "personal", "list", "--extension", "1001",
                     "--passphrase-file", _file(tmp_path, "p", PASSPHRASE))
    assert listed.exit_code == 0 and NAME in listed.output
    ring = _keyring(installed, "1001")
    assert not keywrap.is_legacy(ring.wrapped_key)
    with pytest.raises(crypto.WrongSecretError):
        crypto.unlock("1001", ring, SIP["1001"])
    with Session(installed.engine) as s:
        row = s.get_one(PersonalContact, "a" * 32)
        with pytest.raises(CryptoError):
            crypto.open_sealed(contacts_key, "1001", row.id, row.sealed)


def test_a_short_passphrase_is_refused_before_any_key_exists() -> None:
    with pytest.raises(ValidationError, match="at least 12 characters"):
        crypto.new_keyring("1001", "x" * 11)
    ring, _ = crypto.new_keyring("1001", "x" * 12)
    assert (ring.log_n, ring.r, ring.p, len(ring.salt)) == (15, 8, 1, 16)
