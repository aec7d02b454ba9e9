"""The REST API: tokens shown once and stored as a hash, scoped, IP-bound, expiring, revocable
and rate-limited; CDR pages by cursor in JSON and CSV; recordings' metadata, evidence and
audio (decrypted on the fly, or age-encrypted to the token's recipient); deletion where scoped,
refused under a legal hold; every error problem+json with no data; every access in the log."""

from __future__ import annotations

import csv
import io
import json
import time
from pathlib import Path

import pyrage
import pytest
from sqlalchemy import text, update

from asterisk_bridge import oplog
from asterisk_bridge.api import streaming
from asterisk_bridge.context import App
from asterisk_bridge.store.models.grants import Grant
from tests.conftest import CliCall
from tests.unit.api_support import CLIENT, REC_ID, Store, bearer, build
from tests.unit.cli_support import ok


@pytest.fixture
def store(app: App, run_cli: CliCall, ram_spool: Path) -> Store:
    return build(app, run_cli, ram_spool)


def _entries(app: App, command: str) -> list[dict[str, object]]:
    return [json.loads(e.args) | {"actor": e.actor, "result": e.result}
            for e in oplog.entries(app.engine, oplog.Filters(command=command))]


def _dump(app: App) -> str:
    with app.engine.connect() as conn:
        return "\n".join(str(tuple(r)) for t in ("grants", "oplog")
                         for r in conn.execute(text(f"SELECT * FROM {t}")))


def test_a_token_is_shown_once_and_stored_only_as_a_hash(store: Store) -> None:
    token = store.token("crm", "cdr:read")
    assert token.startswith("voco_") and len(token) > 40
    assert token not in _dump(store.app)
    [grant] = json.loads(ok(store.cli, "grants", "list", "--json"))
    assert grant["door"] == "api" and grant["scopes"] == ["cdr:read"]
    assert grant["options"] == {"rate_per_minute": 120}


def test_cdr_pages_by_cursor_in_json_and_csv(store: Store) -> None:
    token = store.token("crm", "cdr:read")
    client = store.client()
    seen: list[int] = []
    cursor = None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = client.get("/v1/cdr", params=params, headers=bearer(token))
        assert page.status_code == 200, page.text
        body = page.json()
        seen += [r["id"] for r in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    with store.app.engine.connect() as conn:
        ids = [r[0] for r in conn.execute(text("SELECT id FROM cdr ORDER BY start DESC, id DESC"))]
    assert seen == ids and len(ids) > 4
    got = client.get("/v1/cdr", params={"format": "csv", "limit": 3, "number": "1001"},
                     headers=bearer(token))
    assert got.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(got.text)))
    assert len(rows) == 3 and got.headers["x-next-cursor"]
    assert all("1001" in r["src"] + r["dst"] + r["clid"] for r in rows)
    logged = _entries(store.app, "api cdr list")
    assert logged[-1]["name"] == "crm" and logged[-1]["client"] == CLIENT
    assert logged[-1]["rows"] == 3 and logged[-1]["actor"] == "api token crm"


def test_calls_are_grouped_and_paged(store: Store) -> None:
    token = store.token("crm", "calls:read")
    first = store.client().get("/v1/calls", params={"limit": 1}, headers=bearer(token))
    assert first.status_code == 200, first.text
    [call] = first.json()["items"]
    nxt = store.client().get("/v1/calls", params={"limit": 5, "cursor":
                                                  first.json()["next_cursor"]},
                             headers=bearer(token)).json()
    assert nxt["items"] and all(c["start"] < call["start"] for c in nxt["items"])


def test_a_recording_downloads_as_the_stored_audio_and_is_logged(store: Store) -> None:
    token = store.token("crm", "recordings:read")
    client = store.client()
    listed = client.get("/v1/recordings", headers=bearer(token)).json()
    assert [r["id"] for r in listed["items"]] == [REC_ID]
    detail = client.get(f"/v1/recordings/{REC_ID}", headers=bearer(token)).json()
    assert detail["recording"]["id"] == REC_ID and "evidence" in detail
    got = client.get(f"/v1/recordings/{REC_ID}/audio", headers=bearer(token))
    assert got.status_code == 200 and got.headers["content-type"] == "audio/wav"
    assert got.content == store.wav
    [entry] = _entries(store.app, "api recording audio")
    assert entry["id"] == REC_ID and entry["name"] == "crm" and entry["client"] == CLIENT


def test_a_token_with_a_recipient_only_ever_gets_age_files(store: Store) -> None:
    identity = pyrage.x25519.Identity.generate()
    token = store.token("court", "recordings:read",
                        extra=("--age-recipient", str(identity.to_public())))
    got = store.client().get(f"/v1/recordings/{REC_ID}/audio", headers=bearer(token))
    assert got.status_code == 200, got.text
    assert got.content[:21] == b"age-encryption.org/v1"
    assert pyrage.decrypt(got.content, [identity]) == store.wav


def test_deletion_needs_its_scope_and_honours_legal_holds(store: Store) -> None:
    reader = store.token("reader", "recordings:read")
    deleter = store.token("deleter", "recordings:delete")
    client = store.client()
    url = f"/v1/recordings/{REC_ID}"
    assert client.delete(url, params={"reason": "x"}, headers=bearer(reader)).status_code == 403
    ok(store.cli, "hold", "add", "--call", "1795911331.0", "--reason", "case 7")
    held = client.delete(url, params={"reason": "their request"}, headers=bearer(deleter))
    assert held.status_code == 409 and "legal hold 1" in held.json()["detail"]
    ok(store.cli, "hold", "release", "1", "--reason", "closed")
    gone = client.delete(url, params={"reason": "their request"}, headers=bearer(deleter))
    assert gone.status_code == 200 and gone.json()["deleted_by"] == "api token deleter"
    assert client.get(url + "/audio", headers=bearer(reader)).status_code == 404
    [entry] = _entries(store.app, "api recording delete")
    assert entry["client"] == CLIENT and entry["name"] == "deleter"


def _problem(resp: object, status: int) -> dict[str, object]:
    r = resp  # an httpx.Response
    assert r.status_code == status, (r.status_code, r.text)  # type: ignore[attr-defined]
    assert r.headers["content-type"] == "application/problem+json"  # type: ignore[attr-defined]
    body: dict[str, object] = r.json()  # type: ignore[attr-defined]
    assert body["status"] == status and body["detail"]
    assert "items" not in body and "src" not in json.dumps(body)
    return body


def test_bad_requests_get_the_right_problem_and_no_data(store: Store) -> None:
    token = store.token("crm", "cdr:read")
    client = store.client()
    _problem(client.get("/v1/cdr"), 401)
    _problem(client.get("/v1/cdr", headers=bearer("voco_guess")), 401)
    _problem(store.client("198.51.100.7").get("/v1/cdr", headers=bearer(token)), 403)
    _problem(client.get("/v1/recordings", headers=bearer(token)), 403)  # out of scope
    _problem(client.get("/v1/cdr", params={"limit": 100_000}, headers=bearer(token)), 422)
    for bad in ("nonsense", "WzEsMl0", "W10", "x" * 300):
        _problem(client.get("/v1/cdr", params={"cursor": bad}, headers=bearer(token)),
                 400 if len(bad) < 200 else 422)
    _problem(client.get("/v1/cdr", params={"number": "1;DROP"}, headers=bearer(token)), 400)
    reader = store.token("rec", "recordings:read")
    for trick in ("..%2F..%2Fmaster.key", "..", "a%00b", "%2e%2e"):
        r = client.get(f"/v1/recordings/{trick}/audio", headers=bearer(reader))
        assert r.status_code in (404, 422), (trick, r.status_code)
        assert r.headers["content-type"] == "application/problem+json"
    _problem(client.get("/v1/recordings/voco-nope/audio", headers=bearer(reader)), 404)


def test_revoked_and_expired_tokens_are_refused_at_once(store: Store) -> None:
    token = store.token("crm", "cdr:read")
    client = store.client()
    assert client.get("/v1/cdr", headers=bearer(token)).status_code == 200
    ok(store.cli, "grants", "revoke", "1", "--reason", "contract ended")
    _problem(client.get("/v1/cdr", headers=bearer(token)), 401)
    other = store.token("other", "cdr:read")
    with store.app.engine.begin() as conn:
        conn.execute(update(Grant).where(Grant.name == "other").values(
            until="2000-01-01T00:00:00+00:00"))
    _problem(client.get("/v1/cdr", headers=bearer(other)), 401)


def test_each_token_has_its_rate_limit(store: Store) -> None:
    token = store.token("crm", "cdr:read", extra=("--rate", "2"))
    client = store.client()
    assert [client.get("/v1/cdr", headers=bearer(token)).status_code for _ in range(2)] == [
        200, 200]
    limited = client.get("/v1/cdr", headers=bearer(token))
    _problem(limited, 429)
    assert int(limited.headers["retry-after"]) >= 1


def test_a_download_stops_when_the_token_is_revoked() -> None:
    state = {"open": True}
    chunks = iter([b"x" * 10] * (streaming.CHECK_EVERY * 3))
    got = []
    with pytest.raises(streaming.Revoked):
        for n, chunk in enumerate(streaming.while_open(chunks, lambda: state["open"]), 1):
            got.append(chunk)
            if n == 3:
                state["open"] = False
    assert len(got) == streaming.CHECK_EVERY - 1


def test_the_age_stream_holds_only_a_few_pieces(store: Store) -> None:
    identity = pyrage.x25519.Identity.generate()
    produced = []

    def chunks() -> object:
        for _ in range(200):
            produced.append(1)
            yield b"\0" * 65536

    out = streaming.age_stream(chunks(), str(identity.to_public()))  # type: ignore[arg-type]
    next(out)
    time.sleep(0.5)  # the producer runs ahead only as far as the queue lets it
    assert len(produced) < 60
    rest = b"".join(out)
    assert len(produced) == 200 and rest
