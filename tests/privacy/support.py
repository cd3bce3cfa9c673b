"""What every door test shares: the corpus as queries, and the inspections (database rows,
bus records, what the model received) that must hold no secret value."""

import json
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from learnflow_agents.bus import Bus, Consumer
from learnflow_agents.contracts import StudentQuery, Topic, VariableSummary

from tests.fixtures.fake_anthropic import FakeMessagesAPI, Scripted, tool_reply
from tests.llm.support import debug_payload, triage_payload
from tests.privacy.corpus import LOOKALIKES, SECRET_VARIABLES, SECRETS

SECRET_VALUES: list[str] = sorted(
    {v for _, values in SECRETS for v in values} | {v for *_, v in SECRET_VARIABLES}, key=len
)


def secret_queries() -> list[dict[str, Any]]:
    """The corpus as query bodies (JSON, as the REST API and the gateway take them): every
    secret snippet as cell code, the tracebacks also as a traceback and the first ones as
    question text, and the secret variable summaries."""
    bodies: list[dict[str, Any]] = [
        {"text": "why does this cell fail?", "code": snippet, "target_agent": "debug"}
        for snippet, _ in SECRETS
    ]
    tracebacks = [s for s, _ in SECRETS if "Traceback" in s or "Error" in s]
    bodies.append({"text": "what went wrong?", "traceback": "\n".join(tracebacks), "code": "print(1)"})
    for snippet, _ in SECRETS[:5]:
        bodies.append({"text": f"can you explain this line? {snippet}"})
    variables = [{"name": n, "type": t, "repr": r} for n, t, r, _ in SECRET_VARIABLES]
    bodies.append(
        {"text": "why is my login failing?", "code": "login(user, password)", "variables": variables}
    )
    return bodies


def lookalike_queries() -> list[dict[str, Any]]:
    return [{"text": "is this right?", "code": code, "target_agent": "debug"} for code in LOOKALIKES]


def as_query(body: dict[str, Any]) -> StudentQuery:
    data = dict(body)
    data["variables"] = [VariableSummary(**v) for v in data.get("variables", [])]
    return StudentQuery(**data)


def leaks(texts: Iterable[str]) -> list[str]:
    """The secret values that appear in any of `texts`."""
    blob = "\n".join(texts)
    return [v for v in SECRET_VALUES if v in blob]


def database_rows(url: str) -> list[str]:
    """Every row of every table, as text (JSON columns included)."""
    engine = sa.create_engine(url)
    try:
        rows = []
        with engine.connect() as conn:
            metadata = sa.MetaData()
            metadata.reflect(conn)
            for table in metadata.sorted_tables:
                for row in conn.execute(sa.select(table)):
                    rows.append(json.dumps([str(c) for c in row], ensure_ascii=False))
                    rows.extend(str(c) for c in row)
        return rows
    finally:
        engine.dispose()


def stored_codes(url: str) -> list[str | None]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return [row[0] for row in conn.execute(sa.text("SELECT code FROM queries"))]
    finally:
        engine.dispose()


async def bus_inspector(bus: Bus, group: str = "privacy-inspector") -> Consumer:
    """A consumer group over every LearnFlow topic, joined before anything is published (the
    in-process bus drops records every group has committed, like retention)."""
    consumer = bus.consumer(group, [t.value for t in Topic], offset_reset="earliest")
    await consumer.start()
    return consumer


async def bus_records(consumer: Consumer) -> list[str]:
    """Every record the inspector can read, read back from the broker."""
    try:
        out: list[str] = []
        idle = 0
        while idle < 3:
            batch = await consumer.getmany(timeout=1.0)
            idle = 0 if batch else idle + 1
            out.extend(r.value.decode("utf-8", "replace") for r in batch)
        return out
    finally:
        await consumer.stop()


def answer_everything(fake: FakeMessagesAPI) -> None:
    """The recording fake model answers every call: triage says "debug", tutors a debug reply."""

    def reply(body: dict[str, Any]) -> Scripted:
        schema = json.dumps(body.get("tools", []))
        return tool_reply(triage_payload("debug", 0.95) if '"intent"' in schema else debug_payload())

    fake.default = reply


def model_inputs(fake: FakeMessagesAPI) -> list[str]:
    return [json.dumps(b, ensure_ascii=False) for b in fake.bodies()]
