"""The gateway's feedback door: a comment is masked with the one scrubber before it is stored
(PostgreSQL, read back directly), and a look-alike comment is kept as written.

Real parts: JupyterHub with the gateway as a managed service, PostgreSQL, the Tansu broker and
the agents process (see conftest.py)."""

import pytest
import sqlalchemy as sa

from tests.gateway.hub import Hub
from tests.gateway.test_hub_gateway import answered, ask, call
from tests.privacy.corpus import LOOKALIKES, SECRETS
from tests.privacy.support import leaks

pytestmark = [pytest.mark.kafka, pytest.mark.postgres, pytest.mark.usefixtures("agents_ready")]


def stored_comments(db_url: str, reply_id: str) -> list[str]:
    engine = sa.create_engine(db_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                sa.text("SELECT comment FROM feedback WHERE CAST(reply_id AS TEXT) = :r ORDER BY id"),
                {"r": reply_id},
            )
            return [row[0] for row in rows]
    finally:
        engine.dispose()


def test_a_feedback_comment_is_masked_before_it_is_stored(hub: Hub, classroom_db: str) -> None:
    query_id = ask(
        hub, "erin", {"text": "why does this fail?", "code": "print(1/0)", "target_agent": "debug"}
    )
    reply_id = answered(hub, "erin", query_id)["replies"][0]["reply_id"]
    secrets = [snippet for snippet, _ in SECRETS[:20]]
    for snippet in secrets:
        comment = f"this did not help, my setup is:\n{snippet}"
        r = call(hub, "erin", "POST", "api/feedback", {"reply_id": reply_id, "rating": 2, "comment": comment})
        assert r.status_code == 204, r.text
    lookalike = LOOKALIKES[0]
    r = call(
        hub, "erin", "POST", "api/feedback", {"reply_id": reply_id, "helpful": True, "comment": lookalike}
    )
    assert r.status_code == 204, r.text

    comments = stored_comments(classroom_db, reply_id)
    assert len(comments) == len(secrets) + 1
    assert leaks(comments) == [], "secret values stored in feedback comments"
    assert sum("«redacted»" in c for c in comments[:-1]) == len(secrets)
    assert comments[-1] == lookalike
