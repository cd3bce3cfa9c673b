"""The student's own server on PostgreSQL (a lab machine pointed at a shared database): text
PostgreSQL cannot store (NUL, lone surrogates, bytes that are not UTF-8) in a path or query
parameter is refused at the door, never a 500 from the database.

Real parts: a Jupyter server with LearnFlow enabled (pytest-jupyter), its engine on a fresh
PostgreSQL schema, the offline agents.
"""

import asyncio
import json
from typing import Any

import pytest
from learnflow_agents.store import Store

from tests.attacks.support import query_ids
from tests.jupyter_server.conftest import OWNER

pytestmark = pytest.mark.postgres


@pytest.fixture
def db_url(postgres_schema_url: str) -> str:
    """A migrated schema (the server does not migrate PostgreSQL by itself)."""
    Store.open(postgres_schema_url, upgrade=True).close()
    return postgres_schema_url


async def raw_get(port: int, path: str, headers: dict[str, str]) -> tuple[int, bytes]:
    """GET with the request target exactly as written (no client re-encodes it)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    head = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n"
    writer.write((head + "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n").encode())
    await writer.drain()
    try:
        answer = await asyncio.wait_for(reader.read(), 30)
    finally:
        writer.close()
    status_line, _, rest = answer.partition(b"\r\n")
    return int(status_line.split()[1]), rest.partition(b"\r\n\r\n")[2]


@pytest.mark.parametrize(
    "path",
    [
        "attempts?topic=%00",
        "attempts?topic=loops%00",
        "attempts?topic=%ED%A0%80",
        "attempts?topic=%ff",
        "progress?x%00=1",
        "queries/%00",
        "queries/%ED%A0%80",
    ],
)
async def test_unstorable_text_in_a_parameter_is_a_400(
    http_server: Any,
    jp_http_port: int,
    jp_base_url: str,
    jp_auth_header: dict[str, str],
    learnflow: Any,
    db_url: str,
    path: str,
) -> None:
    await learnflow.host.get()
    status, body = await raw_get(jp_http_port, f"{jp_base_url}learnflow/api/{path}", jp_auth_header)
    assert status in (400, 404), (path, status, body[:300])
    assert json.loads(body)["message"]
    assert query_ids(db_url, OWNER) == set()
