"""A subject's export: one age file, readable with the standard ``age`` tool, holding a tar of
``manifest.json`` and the files beside it (each recording as a WAV).

``age -d -i KEY bundle.age | tar x`` unpacks it. The manifest names the subject, the identifier
the export was made by, and, per category, the records (clear fields, the subject's roles, and
the values sealed under their key; another party's sealed values stay out) and the files.
Categories kept out of the subject's own export (legal holds, the operation log, disclosures
whose notice was withheld) are absent from it entirely.

Plaintext never touches the disk: the tar is generated in memory chunk by chunk, the audio
authenticated chunk by chunk, straight into the age encryptor, into a file written through
:mod:`asterisk_bridge.safewrite`, which appears only once complete.
"""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, cast

from asterisk_bridge.context import App
from asterisk_bridge.crypto import age
from asterisk_bridge.disclosures import register as disclosures
from asterisk_bridge.errors import CryptoError
from asterisk_bridge.safewrite import private_output
from asterisk_bridge.subjects.reach import Access, BundleFile, Exported
from asterisk_bridge.subjects.reached import REACHES
from asterisk_bridge.subjects.target import Target
from asterisk_bridge.subjects.vault import SubjectVault

FORMAT = "voco-subject-export/1"
MANIFEST = "manifest.json"
BLOCK = tarfile.BLOCKSIZE


@dataclass(frozen=True)
class Bundle:
    """What was written: records and files in it, and the age file's hash and size."""

    records: int
    files: int
    sha256: str
    size: int


class _Counting(io.RawIOBase):
    """A writer that hashes and counts what passes through to *out*."""

    def __init__(self, out: BinaryIO) -> None:
        self.out, self.hash, self.size = out, hashlib.sha256(), 0

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        chunk = bytes(data)
        self.out.write(chunk)
        self.hash.update(chunk)
        self.size += len(chunk)
        return len(chunk)


def export(app: App, vault: SubjectVault, target: Target, recipients: Iterable[str],
           path: Path, actor: str, disclosure: int | None = None) -> Bundle:
    """Write the subject's bundle to *path* (mode 0600), encrypted to *recipients*; link it to
    *disclosure* when given (which must be an entry about this subject)."""
    age.recipients(recipients)  # refuse a bad recipient before any work
    subject = target.subject
    with app.engine.connect() as conn:
        if disclosure is not None:
            disclosures.check_export(conn, disclosure, subject)
        access = Access(app, conn, vault, target)
        parts = {r.category: r.exported_part(access) for r in REACHES if r.exported}
    manifest = _manifest(target, parts, actor, disclosure)
    files = [f for part in parts.values() for f in part.files]
    with private_output(path) as out:
        counting = _Counting(out)
        age.encrypt_chunks(_tar(manifest, files), cast(BinaryIO, counting), recipients)
    done = Bundle(sum(len(p.records) for p in parts.values()), len(files),
                  counting.hash.hexdigest(), counting.size)
    if disclosure is not None:
        with app.engine.begin() as conn:
            disclosures.link_export(conn, disclosure, subject, done.sha256, done.size,
                                    done.records, actor)
    return done


def _manifest(target: Target, parts: dict[str, Exported], actor: str,
              disclosure: int | None) -> bytes:
    doc = {
        "format": FORMAT,
        "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "created_by": actor,
        "disclosure": disclosure,
        "subject": {"id": target.subject, "identifier": {"kind": target.identifier.kind,
                                                         "value": target.identifier.value}},
        "categories": {name: {"count": len(p.records), "records": p.records,
                              "files": [f.name for f in p.files], "note": p.note}
                       for name, p in parts.items()},
    }
    return json.dumps(doc, indent=1, ensure_ascii=False, sort_keys=True).encode()


def _member(name: str, size: int) -> bytes:
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = size, 0o600, int(time.time())
    return info.tobuf(format=tarfile.PAX_FORMAT)


def _pad(size: int) -> bytes:
    return b"\0" * (-size % BLOCK)


def _tar(manifest: bytes, files: list[BundleFile]) -> Iterator[bytes]:
    """A POSIX tar stream of the manifest and *files*, each file's bytes checked against its
    declared size (a tar header cannot be corrected once sent)."""
    yield _member(MANIFEST, len(manifest)) + manifest + _pad(len(manifest))
    for f in files:
        yield _member(f.name, f.size)
        sent = 0
        for chunk in f.chunks():
            sent += len(chunk)
            if sent > f.size:
                break
            yield chunk
        if sent != f.size:
            raise CryptoError(f"{f.name}: {sent} bytes where the store says {f.size}; the "
                              "export was not written")
        yield _pad(f.size)
    yield b"\0" * (2 * BLOCK)
