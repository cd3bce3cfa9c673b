"""The offline docstring coach: which definitions lack a docstring, and a skeleton for each."""

import ast
from dataclasses import dataclass

from learnflow_agents.contracts import (
    Action,
    ActionKind,
    AgentReply,
    CodeBlock,
    CodeRole,
    Provenance,
    ReplyStatus,
    StudentQuery,
)

AGENT = "docs"


@dataclass(frozen=True)
class Finding:
    name: str
    line: int
    problem: str


def _parameters(node: ast.FunctionDef | ast.AsyncFunctionDef) -> list[str]:
    args = node.args
    names = [a.arg for a in [*args.posonlyargs, *args.args, *args.kwonlyargs]]
    names += [f"*{args.vararg.arg}"] if args.vararg else []
    names += [f"**{args.kwarg.arg}"] if args.kwarg else []
    return [n for n in names if n not in ("self", "cls")]


def _returns_value(node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    return any(isinstance(n, ast.Return) and n.value is not None for n in ast.walk(node))


def review(code: str) -> tuple[list[Finding], str]:
    """The findings, and the code with a docstring skeleton where one is missing."""
    tree = ast.parse(code)
    lines = code.splitlines()
    findings: list[Finding] = []
    inserts: list[tuple[int, str]] = []  # (line index to insert before, text)
    for node in ast.walk(tree):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            continue
        doc = ast.get_docstring(node)
        params = _parameters(node) if not isinstance(node, ast.ClassDef) else []
        if doc is None:
            findings.append(Finding(node.name, node.lineno, "has no docstring"))
            indent = " " * (node.body[0].col_offset if node.body else node.col_offset + 4)
            sections: list[str] = []
            if params:
                sections += ["", f"{indent}Args:", *(f"{indent}    {p}: TODO" for p in params)]
            if not isinstance(node, ast.ClassDef) and _returns_value(node):
                sections += ["", f"{indent}Returns:", f"{indent}    TODO"]
            first = f'{indent}"""TODO: say what {node.name} does.'
            text = "\n".join([first, *sections, f'{indent}"""']) if sections else first + '"""'
            inserts.append((node.body[0].lineno - 1, text))
        else:
            missing = [p for p in params if p.lstrip("*") not in doc]
            if missing:
                findings.append(Finding(node.name, node.lineno, f"does not mention {', '.join(missing)}"))
    for index, text in sorted(inserts, reverse=True):
        lines[index:index] = text.splitlines()
    return sorted(findings, key=lambda f: f.line), "\n".join(lines) + "\n"


def coach(query: StudentQuery) -> AgentReply:
    code = query.code or ""
    provenance = Provenance(agent=AGENT, provider="offline")
    if not code.strip():
        return AgentReply(
            query_id=query.query_id,
            agent=AGENT,
            status=ReplyStatus.PARTIAL,
            summary="Send me the code whose docstrings I should read.",
            provenance=provenance,
        )
    try:
        findings, documented = review(code)
    except SyntaxError as err:
        return AgentReply(
            query_id=query.query_id,
            agent=AGENT,
            status=ReplyStatus.PARTIAL,
            summary=f"This code does not parse (line {err.lineno}): fix that first, then ask me again.",
            actions=[Action(kind=ActionKind.ASK_AGENT, label="Ask the debug tutor", args={"agent": "debug"})],
            provenance=provenance,
        )
    if not findings:
        return AgentReply(
            query_id=query.query_id,
            agent=AGENT,
            summary="Every function and class here has a docstring that names its parameters. 👏",
            provenance=provenance,
            concepts=["docstrings"],
        )
    listed = "\n".join(f"- `{f.name}` (line {f.line}) {f.problem}" for f in findings)
    return AgentReply(
        query_id=query.query_id,
        agent=AGENT,
        summary=f"{len(findings)} definition(s) need a better docstring: "
        + ", ".join(f"`{f.name}`" for f in findings[:3]),
        explanation=(
            "A docstring is the first thing a reader (and `help()`) sees: say what the code does, "
            f"what each parameter means and what it returns.\n\n{listed}"
        ),
        code_blocks=[CodeBlock(role=CodeRole.REFACTOR, code=documented, title="With docstring skeletons")],
        hints=["Start with one sentence in the imperative: 'Return the ...'."],
        actions=[
            Action(kind=ActionKind.APPLY_FIX, label="Use the documented version", args={"code_block": 0})
        ],
        concepts=["docstrings"],
        provenance=provenance,
        data={"undocumented": [f.name for f in findings]},
    )
