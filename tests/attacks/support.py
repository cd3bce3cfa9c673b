"""What the attacks share: a raw HTTP client (paths, headers and bodies exactly as an attacker
writes them, with no normalisation by a client library), and snapshots of a victim's rows
read straight from the database."""

import socket
import time
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from learnflow_agents.store.schema import exercise_attempts as attempts
from learnflow_agents.store.schema import feedback, mastery, queries, replies


@dataclass
class Raw:
    status: int | None
    head: str
    body: bytes
    seconds: float

    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


def raw_request(
    port: int,
    method: str,
    path: str,
    headers: dict[str, str] | list[tuple[str, str]] | None = None,
    body: bytes = b"",
    *,
    send_body: bool = True,
    timeout: float = 30.0,
) -> Raw:
    """One HTTP/1.1 request written byte for byte (the request target is not normalised:
    `..`, `%2e%2e`, `//` and absolute URLs reach the server as written). `send_body=False`
    sends the headers (with their declared Content-Length) and reads the answer without
    sending a byte of the body: a server that waits for the body before answering times out.
    """
    pairs = list(headers.items()) if isinstance(headers, dict) else list(headers or [])
    names = {name.lower() for name, _ in pairs}
    if "host" not in names:
        pairs.insert(0, ("Host", f"127.0.0.1:{port}"))
    if body and "content-length" not in names:
        pairs.append(("Content-Length", str(len(body))))
    pairs.append(("Connection", "close"))
    head = f"{method} {path} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in pairs) + "\r\n"
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(head.encode("latin-1") + (body if send_body else b""))
        chunks = []
        try:
            while True:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                chunks.append(chunk)
                data = _final(b"".join(chunks))
                if not send_body and b"\r\n\r\n" in data and _complete(data):
                    break
        except TimeoutError:
            pass
        except ConnectionResetError:
            pass
    data = _final(b"".join(chunks))
    seconds = time.monotonic() - started
    head_bytes, _, rest = data.partition(b"\r\n\r\n")
    head_text = head_bytes.decode("latin-1")
    status = None
    if head_text.startswith("HTTP/1."):
        status = int(head_text.split(" ", 2)[1])
    if "transfer-encoding: chunked" in head_text.lower():
        rest = _dechunk(rest)
    return Raw(status, head_text, rest, seconds)


def _final(data: bytes) -> bytes:
    """The response after any interim ones (`100 Continue`)."""
    while data.startswith(b"HTTP/1.1 1") and b"\r\n\r\n" in data:
        data = data.partition(b"\r\n\r\n")[2]
    return data


def _complete(data: bytes) -> bool:
    head, _, rest = data.partition(b"\r\n\r\n")
    for line in head.decode("latin-1").split("\r\n"):
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-length":
            return len(rest) >= int(value.strip())
    return b"\r\n0\r\n\r\n" in rest or rest.endswith(b"0\r\n\r\n")


def _dechunk(data: bytes) -> bytes:
    out, rest = [], data
    while rest:
        size_line, _, rest = rest.partition(b"\r\n")
        try:
            size = int(size_line.split(b";")[0], 16)
        except ValueError:
            break
        if size == 0:
            break
        out.append(rest[:size])
        rest = rest[size + 2 :]
    return b"".join(out)


def rows(url: str, table: sa.Table, *where: Any) -> list[dict[str, Any]]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            stmt = sa.select(table).where(*where)
            return [dict(r._mapping) for r in conn.execute(stmt)]
    finally:
        engine.dispose()


def student_rows(url: str, student: str) -> dict[str, Any]:
    """Everything stored about one student: queries, replies, feedback they gave, attempts,
    mastery. Two snapshots equal means an attack wrote nothing of theirs."""

    def key(row: dict[str, Any]) -> str:
        return str(row.get("query_id") or row.get("reply_id") or row.get("id") or row.get("topic"))

    def plain(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return sorted(items, key=key)

    return {
        "queries": plain(rows(url, queries, queries.c.student_id == student)),
        "replies": plain(rows(url, replies, replies.c.student_id == student)),
        "feedback": plain(rows(url, feedback, feedback.c.student_id == student)),
        "attempts": plain(rows(url, attempts, attempts.c.student_id == student)),
        "mastery": plain(rows(url, mastery, mastery.c.student_id == student)),
    }


def feedback_on(url: str, reply_id: UUID | str) -> list[dict[str, Any]]:
    return rows(url, feedback, feedback.c.reply_id == UUID(str(reply_id)))


def replies_to(url: str, query_id: UUID | str) -> list[dict[str, Any]]:
    return rows(url, replies, replies.c.query_id == UUID(str(query_id)))


def query_row(url: str, query_id: UUID | str) -> dict[str, Any] | None:
    found = rows(url, queries, queries.c.query_id == UUID(str(query_id)))
    return found[0] if found else None


def attempts_of(url: str, student: str) -> list[dict[str, Any]]:
    return rows(url, attempts, attempts.c.student_id == student)


def query_ids(url: str, student: str) -> set[str]:
    """The ids of a student's stored queries (rows that only ever grow: safe to compare while
    earlier queries are still being answered)."""
    return {str(r["query_id"]) for r in rows(url, queries, queries.c.student_id == student)}


def reply_row(url: str, reply_id: UUID | str) -> dict[str, Any] | None:
    found = rows(url, replies, replies.c.reply_id == UUID(str(reply_id)))
    return found[0] if found else None


def settled_rows(url: str, student: str, quiet: float = 2.0, timeout: float = 60.0) -> dict[str, Any]:
    """`student_rows` once they stop changing for `quiet` seconds (the progress agent learns
    from a reply after it is stored)."""
    deadline = time.monotonic() + timeout
    last = student_rows(url, student)
    while time.monotonic() < deadline:
        time.sleep(quiet)
        now = student_rows(url, student)
        if now == last:
            return now
        last = now
    raise AssertionError(f"{student}'s rows kept changing for {timeout} s")
