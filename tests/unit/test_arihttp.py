"""ARI's REST client: the request it writes, and the answers it reads (by Content-Length,
chunked, or up to the end of the connection), against a real socket server."""

from __future__ import annotations

import asyncio
import json

import pytest

from asterisk_bridge.bridge.arihttp import HttpError, RestClient, read_response


async def _reader(data: bytes) -> asyncio.StreamReader:
    reader = asyncio.StreamReader()
    reader.feed_data(data)
    reader.feed_eof()
    return reader


@pytest.mark.parametrize("answer", [
    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 9\r\n\r\n[1, 2, 3]",
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4;x=y\r\n[1, \r\n5\r\n2, 3]\r\n0\r\n"
    b"Trailer: z\r\n\r\n",
    b"HTTP/1.0 200 OK\r\nServer: x\r\n\r\n[1, 2, 3]",
])
def test_answers_are_read_whatever_frames_their_body(answer: bytes) -> None:
    async def go() -> None:
        resp = await read_response(await _reader(answer))
        assert (resp.status, resp.json()) == (200, [1, 2, 3])
    asyncio.run(go())


def test_no_content_has_no_body_and_garbage_is_refused() -> None:
    async def go() -> None:
        assert (await read_response(await _reader(b"HTTP/1.1 204 No Content\r\n\r\n"))).body == b""
        with pytest.raises(ValueError):
            await read_response(await _reader(b"SSH-2.0-OpenSSH\r\n\r\n"))
        with pytest.raises(EOFError):
            await read_response(await _reader(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n{}"))
    asyncio.run(go())


def test_a_call_sends_method_path_query_json_and_headers() -> None:
    seen: list[bytes] = []

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        length = int(head.split(b"Content-Length: ")[1].split(b"\r\n")[0])
        seen.append(head + await reader.readexactly(length))
        body = b'{"message": "No such thing"}'
        writer.write(b"HTTP/1.1 404 Not Found\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))
        await writer.drain()
        writer.close()

    async def go() -> None:
        server = await asyncio.start_server(serve, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        async with server:
            client = RestClient(f"http://127.0.0.1:{port}/ari", {"Authorization": "Basic eA=="},
                                5.0)
            resp = await client.request("POST", "/channels/1.2/play/p 1",
                                        {"media": "sound:vm-goodbye"}, {"variables": {"A": "b"}})
        assert (resp.status, resp.json()) == (404, {"message": "No such thing"})
        head, _, body = seen[0].partition(b"\r\n\r\n")
        lines = head.decode().split("\r\n")
        assert lines[0] == "POST /ari/channels/1.2/play/p%201?media=sound%3Avm-goodbye HTTP/1.1"
        assert {f"Host: 127.0.0.1:{port}", "Connection: close", "Authorization: Basic eA==",
                "Content-Type: application/json"} <= set(lines)
        assert json.loads(body) == {"variables": {"A": "b"}}
    asyncio.run(go())


def test_no_server_and_no_answer_are_http_errors() -> None:
    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read()  # never answers; the client gives up

    async def go() -> None:
        server = await asyncio.start_server(silent, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        async with server:
            with pytest.raises(HttpError, match="no answer within"):
                await RestClient(f"http://127.0.0.1:{port}", {}, 0.2).request("GET", "/x")
        with pytest.raises(HttpError):
            await RestClient(f"http://127.0.0.1:{port}", {}, 5.0).request("GET", "/x")
    asyncio.run(go())
