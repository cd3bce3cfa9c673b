"""`learnflow-agents ask`: one query or a JSONL batch, replies printed as JSON lines."""

import argparse
import asyncio
import json
import sys
from pathlib import Path
from typing import Any
from uuid import UUID

from pydantic import ValidationError

from learnflow_agents.api.errors import validation_message
from learnflow_agents.contracts import SkillLevel, StudentContext, StudentQuery
from learnflow_agents.runtime.engine import Engine, QueryTimeoutError, explicit_routing
from learnflow_agents.settings import Settings

ROUTING_FIELDS = {"target_agent", "confidence", "reasoning", "router"}


class AskError(ValueError):
    """A usage problem the user can fix (no question, unreadable file)."""


def _read(path: str | None) -> str | None:
    if path is None:
        return None
    if path == "-":
        return sys.stdin.read()
    try:
        return Path(path).read_text()
    except OSError as err:
        raise AskError(f"cannot read {path}: {err.strerror}") from None


def _queries(args: argparse.Namespace) -> list[tuple[str, str, StudentQuery | str]]:
    """(id, student, query or error text) in input order; bad lines become error results."""
    context = StudentContext(skill_level=SkillLevel(args.level))
    if args.batch:
        items: list[tuple[str, str, StudentQuery | str]] = []
        lines = (_read(args.batch) or "").splitlines()
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                raw: dict[str, Any] = json.loads(line)
                if not isinstance(raw, dict):
                    raise ValueError("each line must be a JSON object")
            except ValueError as err:
                items.append((f"line-{number}", args.student, f"line {number} is not a JSON object: {err}"))
                continue
            ident = str(raw.get("id", f"line-{number}"))
            try:
                query = StudentQuery(
                    text=raw.get("text") or "",
                    code=raw.get("code"),
                    traceback=raw.get("traceback"),
                    target_agent=raw.get("agent"),
                    context=StudentContext.model_validate(raw["context"]) if "context" in raw else context,
                    source="cli",
                )
            except ValidationError as err:
                items.append((ident, str(raw.get("student", args.student)), validation_message(err)))
                continue
            items.append((ident, str(raw.get("student", args.student)), query))
        if not items:
            raise AskError(f"{args.batch} holds no queries")
        return items
    if not (args.text or args.code or args.traceback):
        raise AskError("give a question, --code or --traceback (or --batch FILE)")
    try:
        query = StudentQuery(
            text=args.text or "",
            code=_read(args.code),
            traceback=_read(args.traceback),
            target_agent=args.agent,
            context=context,
            source="cli",
        )
    except ValidationError as err:
        raise AskError(validation_message(err)) from None
    return [("1", args.student, query)]


async def _answer(engine: Engine, ident: str, query_id: UUID, timeout: float) -> dict[str, Any]:
    assert engine.store is not None
    try:
        reply = await engine.wait(query_id, timeout)
    except QueryTimeoutError as err:
        return {"id": ident, "query_id": str(query_id), "error": str(err)}
    record = await asyncio.to_thread(engine.store.get_query, query_id)
    decision = None
    if record is not None:
        decision = record.routing or (
            explicit_routing(query_id, record.target_agent) if record.target_agent else None
        )
    routing = decision.model_dump(mode="json", include=ROUTING_FIELDS) if decision else None
    return {
        "id": ident,
        "query_id": str(query_id),
        "routing": routing,
        "reply": reply.model_dump(mode="json"),
    }


async def run_ask(args: argparse.Namespace, settings: Settings) -> int:
    # Installed tutors are valid targets once their declarations are loaded (topic map).
    from learnflow_agents.runtime.registry import tutors

    await asyncio.to_thread(tutors)
    items = _queries(args)
    # With the in-process bus nobody else will answer, so the agents run here too.
    engine = Engine(settings, run_agents=settings.bus_url.startswith("memory"))
    await engine.start()
    try:
        valid = [(student, q) for _, student, q in items if isinstance(q, StudentQuery)]
        await engine.submit_many(valid)
        results = []
        for ident, _, query in items:
            if isinstance(query, StudentQuery):
                results.append(_answer(engine, ident, query.query_id, args.timeout))
        answers = iter(await asyncio.gather(*results))
        failed = 0
        for ident, _, query in items:
            out = next(answers) if isinstance(query, StudentQuery) else {"id": ident, "error": query}
            failed += "error" in out
            print(json.dumps(out, default=str), flush=True)
        return 1 if failed else 0
    finally:
        await engine.stop()
