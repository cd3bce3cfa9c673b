"""Validated tool output -> the shared AgentReply.

Actions are derived here rather than asked of the model: which buttons a reply offers
is the product's decision, and a model cannot invent an action the widgets do not know.
"""

from typing import Any
from uuid import UUID

from pydantic import BaseModel, ValidationError

from learnflow_agents.contracts import (
    Action,
    ActionKind,
    AgentReply,
    CodeBlock,
    CodeRole,
    Provenance,
)
from learnflow_agents.llm.providers.base import LLMResult
from learnflow_agents.llm.schemas import ReplyOut

MAX_PROBLEMS = 8
_APPLY_LABEL = {CodeRole.FIX: "Apply the fix", CodeRole.REFACTOR: "Use the refactored version"}


def parse_output(schema: type[BaseModel], result: LLMResult) -> tuple[Any | None, str | None]:
    """The validated payload, or None and a list of problems the repair turn can quote."""
    if result.output_error is not None or result.tool_input is None:
        return None, f"- {result.output_error or 'no tool input'}"
    try:
        return schema.model_validate(result.tool_input), None
    except ValidationError as err:
        lines = [
            f"- {'.'.join(str(p) for p in e['loc']) or '(input)'}: {e['msg']}"
            for e in err.errors()[:MAX_PROBLEMS]
        ]
        return None, "\n".join(lines)


def derive_actions(
    blocks: list[CodeBlock],
    hints: list[str],
    concepts: list[str],
    *,
    linked: list[str] | None = None,
    more: list[Action] | None = None,
) -> list[Action]:
    """Buttons for a reply: apply/insert code, explain the `linked` concepts (default: the
    first two), `more` (a tutor's own), a hint, and the rating."""
    actions: list[Action] = []
    for index, block in enumerate(blocks):
        if block.role in _APPLY_LABEL:
            actions.append(
                Action(kind=ActionKind.APPLY_FIX, label=_APPLY_LABEL[block.role], args={"code_block": index})
            )
        elif block.role is CodeRole.STARTER:
            actions.append(
                Action(
                    kind=ActionKind.INSERT_STARTER, label="Insert starter code", args={"code_block": index}
                )
            )
    actions += [
        Action(kind=ActionKind.EXPLAIN_CONCEPT, label=f"Explain {name}", args={"concept": name})
        for name in (concepts[:2] if linked is None else linked)
    ]
    actions += more or []
    if hints:
        actions.append(
            Action(
                kind=ActionKind.SHOW_HINT, label="Show a hint", args={"hint_index": 0, "total": len(hints)}
            )
        )
    actions.append(Action(kind=ActionKind.RATE, label="Was this helpful?", args={}))
    return actions


def to_reply(
    agent: str,
    out: ReplyOut,
    query_id: UUID,
    provenance: Provenance,
    *,
    linked: list[str] | None = None,
    more: list[Action] | None = None,
) -> AgentReply:
    blocks = [CodeBlock(role=CodeRole(b.role), code=b.code, title=b.title) for b in out.code_blocks]
    # Agent-specific fields (root cause, improvements, strengths...) ride in `data` for renderers.
    extras = out.model_dump(mode="json", exclude=set(ReplyOut.model_fields))
    return AgentReply(
        query_id=query_id,
        agent=agent,
        summary=out.summary,
        explanation=out.explanation,
        code_blocks=blocks,
        hints=list(out.hints),
        actions=derive_actions(blocks, list(out.hints), list(out.concepts), linked=linked, more=more),
        concepts=list(out.concepts),
        provenance=provenance,
        data=extras,
    )
