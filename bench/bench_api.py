"""REST API throughput, each against a baseline measured in the same run.

Usage: .venv/bin/python bench/bench_api.py [--cdrs 20000] [--minutes 60] [--rounds 200]

1. A CDR page (100 rows, JSON) fetched over HTTP from a real uvicorn on loopback, token checked
   and the access logged, against the same page read directly with the domain query
   (``page_cdrs``) in the same process: pages/s and the ratio.
2. A recording of ``--minutes`` minutes (8 kHz 16-bit mono WAV) downloaded over HTTP, decrypted
   on the fly, against reading its ciphertext file from disk: MB/s and the ratio.
"""

from __future__ import annotations

import argparse
import shutil
import socket
import sys
import tempfile
import threading
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import uvicorn

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchdoc import replace_section

from asterisk_bridge.api.app import create_api
from asterisk_bridge.api.tokens import issue
from asterisk_bridge.cdr.query import CdrFilter, page_cdrs
from asterisk_bridge.cdr.sealing import CdrSealer
from asterisk_bridge.cdr.store import insert_rows
from asterisk_bridge.context import App
from asterisk_bridge.recording import pipeline
from asterisk_bridge.recording.vault import recordings_dir
from asterisk_bridge.services.init import initialise
from asterisk_bridge.subjects.vault import SubjectVault
from tests.audio_tones import tone_wav

REC_ID = "voco-1795911331_0-1795911331_1"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _cdrs(n: int) -> list[dict[str, object]]:
    start = datetime(2026, 11, 1)
    return [{"node": "node1", "uniqueid": f"{i}.1", "sequence": 1, "linkedid": f"{i}.1",
             "accountcode": "", "src": "1001", "dst": f"+4930{i:07d}", "dcontext": "voco",
             "clid": '"Alice" <1001>', "channel": f"PJSIP/1001-{i:08x}",
             "dstchannel": "PJSIP/carrier-0001", "lastapp": "Dial", "lastdata": "x",
             "start": start + timedelta(seconds=i), "answer": None,
             "end": start + timedelta(seconds=i + 30), "duration": 30, "billsec": 0,
             "disposition": "NO ANSWER", "amaflags": "DOCUMENTATION", "userfield": "",
             "peeraccount": "", "rec_id": None, "consent": None, "origin": "ami"}
            for i in range(n)]


def _rate(fn: object, rounds: int) -> float:
    began = time.perf_counter()
    for _ in range(rounds):
        fn()  # type: ignore[operator]
    return rounds / (time.perf_counter() - began)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cdrs", type=int, default=20_000)
    parser.add_argument("--minutes", type=float, default=60.0)
    parser.add_argument("--rounds", type=int, default=200)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="voco-bench-api-"))
    spool = Path("/dev/shm") / f"voco-bench-{uuid.uuid4().hex[:8]}"
    spool.mkdir(mode=0o700)
    server = None
    try:
        app = App(initialise(root / "voco.toml", root / "data", None))
        insert_rows(app.engine, _cdrs(args.cdrs), CdrSealer(app.master_key))
        tone_wav(spool / f"{REC_ID}.wav", args.minutes * 60, 440)
        (spool / f"{REC_ID}.wav.done").touch()
        pipeline.sweep(app, spool, active=set())
        with app.engine.begin() as conn:
            _, token = issue(conn, "bench", "bench", ["cdr:read", "recordings:read"],
                             ["127.0.0.1"], None, "bench", rate=100_000)
        port = _free_port()
        server = uvicorn.Server(uvicorn.Config(create_api(app), host="127.0.0.1", port=port,
                                               log_level="warning"))
        threading.Thread(target=server.run, daemon=True).start()
        while not server.started:
            time.sleep(0.05)
        client = httpx.Client(base_url=f"http://127.0.0.1:{port}",
                              headers={"Authorization": f"Bearer {token}"}, timeout=600)
        flt = CdrFilter()
        vault = SubjectVault(app.master_key)
        direct = _rate(lambda: page_cdrs(app.engine, vault, flt, 100), args.rounds)
        over_http = _rate(lambda: client.get("/v1/cdr", params={"limit": 100}).raise_for_status(),
                          args.rounds)
        with app.engine.connect() as conn:
            from sqlalchemy import text
            path = conn.execute(text("SELECT path FROM recordings")).scalar_one()
        cipher = recordings_dir(app) / path
        size = cipher.stat().st_size

        def read_file() -> None:
            with cipher.open("rb") as f:
                while f.read(1 << 20):
                    pass

        def download() -> None:
            with client.stream("GET", f"/v1/recordings/{REC_ID}/audio") as r:
                r.raise_for_status()
                for _ in r.iter_bytes(1 << 20):
                    pass

        read_rate = _rate(read_file, 5) * size / 1e6
        down_rate = _rate(download, 3) * size / 1e6
        section = "\n".join([
            "## REST API (bench/bench_api.py)",
            "",
            f"SQLite store with {args.cdrs} CDRs; uvicorn on loopback, one client; every "
            "request checks its token against the grant and writes an operation-log entry.",
            "",
            "| what | baseline | through the API | ratio |",
            "|---|---|---|---|",
            f"| a 100-row CDR page (JSON) | {direct:.0f} pages/s (direct query) | "
            f"{over_http:.0f} pages/s | {over_http / direct:.2f} |",
            f"| a {args.minutes:g}-minute recording ({size / 1e6:.0f} MB) | {read_rate:.0f} MB/s "
            f"(reading the file) | {down_rate:.0f} MB/s (decrypted on the fly) | "
            f"{down_rate / read_rate:.2f} |",
        ])
        print(section)
        replace_section(section)
    finally:
        if server is not None:
            server.should_exit = True
        shutil.rmtree(root, ignore_errors=True)
        shutil.rmtree(spool, ignore_errors=True)


if __name__ == "__main__":
    main()
