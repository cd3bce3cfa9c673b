"""Bodies are judged before they are read: a stranger's or an oversized body is refused from
its headers (no byte of it is buffered), and JSON nested too deeply is a 400, not a 500.

Driven against the real Jupyter server (pytest-jupyter's `http_server`, listening on
`jp_http_port`) over a raw socket where the test needs to send headers without a body, or a
100 MB body, and watch the server's RSS (the server runs in this process).
"""

import asyncio
import contextlib
import json
import re
from typing import Any

from tests.jupyter_server.support import body

MB = 1024 * 1024


def peak_rss_mb(reset: bool = False) -> float:
    """This process's peak resident memory since the last reset (the server runs in it):
    a body buffered and freed again shows here, not in the current RSS."""
    if reset:
        with open("/proc/self/clear_refs", "w") as refs:
            refs.write("5")  # resets VmHWM to the current RSS
    with open("/proc/self/status") as status:
        match = re.search(r"VmHWM:\s+(\d+) kB", status.read())
    assert match is not None
    return int(match.group(1)) / 1024


async def raw_post(
    port: int,
    path: str,
    headers: dict[str, str],
    body_size: int = 0,
    chunked: bool = False,
    timeout: float = 10.0,
) -> tuple[int | None, bytes, int]:
    """POST the headers, read the answer, then push `body_size` bytes of body (1 MB chunks)
    until the server hangs up; returns (status or None, the answer, bytes of body sent).

    With `chunked` the body goes first (no length is declared, so the server can only
    judge it while reading) and the answer is read after."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    head = f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
    if chunked:
        headers = {**headers, "Transfer-Encoding": "chunked"}
    head += "".join(f"{name}: {value}\r\n" for name, value in headers.items()) + "\r\n"
    writer.write(head.encode())
    sent = 0

    async def push() -> None:
        nonlocal sent
        chunk = b" " * MB
        with contextlib.suppress(ConnectionError):
            while sent < body_size:
                writer.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n" if chunked else chunk)
                await writer.drain()
                sent += len(chunk)
            if chunked:
                writer.write(b"0\r\n\r\n")
                await writer.drain()

    async def answer() -> bytes:
        with contextlib.suppress(ConnectionError, TimeoutError):
            return await asyncio.wait_for(reader.read(64 * 1024), timeout)
        return b""

    try:
        if chunked:
            await push()
            response = await answer()
        else:
            response = await answer()
            await push()
    finally:
        writer.close()
    match = re.match(rb"HTTP/1\.1 (\d+)", response)
    return (int(match.group(1)) if match else None), response, sent


async def test_deeply_nested_json_is_a_400_not_a_500(jp_fetch: Any) -> None:
    for raw in ("[" * 100_000, '{"a":' * 100_000, '{"text": "hi", "variables": ' + "[" * 100_000):
        got = await jp_fetch(
            "learnflow", "api", "queries", method="POST", body=raw.encode(), raise_error=False
        )
        assert got.code == 400, raw[:20]
        assert "nested too deeply" in body(got)["message"]


async def test_a_stranger_is_refused_from_the_headers_alone(
    http_server: Any, jp_http_port: int, jp_base_url: str
) -> None:
    # Headers announcing 100 MB and no body at all: an answer proves nothing was waited for.
    path = f"{jp_base_url}learnflow/api/queries"
    status, _, sent = await raw_post(jp_http_port, path, {"Content-Length": str(100 * MB)})
    assert status == 403
    assert sent == 0


async def test_an_oversized_body_is_refused_from_its_declared_length(
    http_server: Any, jp_http_port: int, jp_base_url: str, jp_auth_header: dict[str, str]
) -> None:
    path = f"{jp_base_url}learnflow/api/queries"
    headers = {**jp_auth_header, "Content-Length": str(100 * MB), "Content-Type": "application/json"}
    status, response, sent = await raw_post(jp_http_port, path, headers)
    assert status == 413
    assert sent == 0
    assert b"the limit is 1,048,576" in response


async def test_a_100_mb_body_does_not_grow_the_server(
    http_server: Any, jp_http_port: int, jp_base_url: str, jp_auth_header: dict[str, str], capsys: Any
) -> None:
    path = f"{jp_base_url}learnflow/api/queries"
    length = {"Content-Length": str(100 * MB)}
    cases = [
        ("stranger", length, False, 403),
        ("student, length declared", {**jp_auth_header, **length}, False, 413),
        # No length up front: read up to the limit, then the connection is cut.
        ("student, chunked", jp_auth_header, True, None),
    ]
    figures = []
    for who, headers, chunked, expected in cases:
        before = peak_rss_mb(reset=True)
        status, _, sent = await raw_post(
            jp_http_port, path, headers, body_size=100 * MB, chunked=chunked, timeout=30
        )
        after = peak_rss_mb()
        figures.append(f"{who}: {status}, peak RSS {before:.0f} -> {after:.0f} MB ({sent // MB} MB pushed)")
        if expected is not None:
            assert status == expected, figures[-1]
        assert after - before < 20, figures[-1]
    with capsys.disabled():
        print("\n100 MB POST to the extension: " + "; ".join(figures))


async def test_a_refused_small_body_still_gets_a_clean_answer(jp_fetch: Any) -> None:
    # Up to 8x the limit the body is read and thrown away, so a client that sends it whole
    # (most do) reads the 413 instead of a reset connection.
    got = await jp_fetch(
        "learnflow",
        "api",
        "queries",
        method="POST",
        body=json.dumps({"code": "x = 1\n" * (2 * MB // 6)}).encode(),
        raise_error=False,
    )
    assert got.code == 413
    assert "the limit is 1,048,576" in body(got)["message"]


async def test_a_strangers_small_body_is_read_away_and_refused(jp_fetch: Any, learnflow: Any) -> None:
    # Small enough to be drained (so the client reads the answer), and still never handled.
    got = await jp_fetch(
        "learnflow",
        "api",
        "queries",
        method="POST",
        body=json.dumps({"text": "hi", "code": 'password = "hunter2"'}).encode(),
        headers={"Authorization": "token not-the-servers-token"},
        raise_error=False,
    )
    assert got.code == 403
    engine = await learnflow.host.get()
    assert engine.store.recent_queries("owner-student", 10) == []
