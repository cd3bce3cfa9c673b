"""The shared parts of a tool call's shape, and the JSON Schema sent as the tool.

Each tutor declares its own reply schema (a subclass of `ReplyOut`, or any `Out`) next to
it; the schema given to the model is generated from the model that validates its answer,
so they cannot drift apart. Field order is the order the model
tends to write in, which is why `summary` and `explanation` come first: they stream
to the student while the rest is still being written.
"""

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

Slug = Annotated[str, StringConstraints(min_length=1, max_length=64, strip_whitespace=True)]
Line = Annotated[str, StringConstraints(min_length=1, max_length=1_000)]
Code = Annotated[str, StringConstraints(min_length=1, max_length=20_000)]


class Out(BaseModel):
    # Extra keys from a chatty model are dropped, not fatal: only missing or wrong ones are.
    model_config = ConfigDict(extra="ignore")


class CodeOut(Out):
    role: Literal["fix", "example", "refactor", "starter", "tests"]
    code: Code
    title: Annotated[str, StringConstraints(max_length=200)] = ""


class ReplyOut(Out):
    summary: Annotated[str, StringConstraints(min_length=1, max_length=1_000)] = Field(
        description="One or two sentences the student can read on their own."
    )
    explanation: Annotated[str, StringConstraints(min_length=1, max_length=20_000)] = Field(
        description="The full answer in Markdown."
    )
    code_blocks: list[CodeOut] = Field(default_factory=list, max_length=4)
    hints: list[Line] = Field(default_factory=list, max_length=5, description="Progressive: gentlest first.")
    concepts: list[Slug] = Field(
        default_factory=list, max_length=6, description="Short concept slugs, e.g. 'for-loops', 'indexing'."
    )


def _inline(node: Any, defs: dict[str, Any]) -> Any:
    """Resolve `$ref`s and drop pydantic's titles: a flat schema every provider accepts."""
    if isinstance(node, dict):
        if "$ref" in node:
            return _inline(defs[node["$ref"].rsplit("/", 1)[-1]], defs)
        out = {k: _inline(v, defs) for k, v in node.items() if k not in ("title", "$defs", "properties")}
        if "properties" in node:
            # Property names are data ("title" is a field of an exercise), not schema keywords.
            out["properties"] = {name: _inline(sub, defs) for name, sub in node["properties"].items()}
        return out
    if isinstance(node, list):
        return [_inline(item, defs) for item in node]
    return node


def input_schema(model: type[BaseModel]) -> dict[str, Any]:
    schema = model.model_json_schema()
    return _inline(schema, schema.get("$defs", {}))
