"""What each agent's tool call must contain: pydantic models, and the JSON Schemas sent as tools.

One source for both: the schema given to the model is generated from the model that
validates its answer, so they cannot drift apart. Field order is the order the model
tends to write in, which is why `summary` and `explanation` come first: they stream
to the student while the rest is still being written.
"""

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from learnflow_agents.tutors.exercise.format import Difficulty, Topic

Slug = Annotated[str, StringConstraints(min_length=1, max_length=64, strip_whitespace=True)]
Line = Annotated[str, StringConstraints(min_length=1, max_length=1_000)]
Code = Annotated[str, StringConstraints(min_length=1, max_length=20_000)]
TutorName = Literal["concepts", "code-review", "debug", "exercise", "progress"]


class _Out(BaseModel):
    # Extra keys from a chatty model are dropped, not fatal: only missing or wrong ones are.
    model_config = ConfigDict(extra="ignore")


class CodeOut(_Out):
    role: Literal["fix", "example", "refactor", "starter", "tests"]
    code: Code
    title: Annotated[str, StringConstraints(max_length=200)] = ""


class ReplyOut(_Out):
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


class DebugOut(ReplyOut):
    error_type: Annotated[str, StringConstraints(max_length=100)] = Field(description="The exception's name.")
    root_cause: Line
    prevention_tip: Line
    conceptual: bool = Field(description="True when the root cause is a misunderstood concept.")


class Improvement(_Out):
    area: Literal["correctness", "style", "efficiency", "readability"]
    title: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    detail: Line
    line: int | None = None


class ReviewOut(ReplyOut):
    improvements: list[Improvement] = Field(min_length=1, max_length=3)
    praise: Line


class ConceptOut(ReplyOut):
    definition: Line
    pitfalls: list[Line] = Field(min_length=1, max_length=4)
    next_step: Line


class ProgressOut(ReplyOut):
    strengths: list[Line] = Field(default_factory=list, max_length=4)
    growth_areas: list[Line] = Field(default_factory=list, max_length=5)
    recommendations: list[Line] = Field(min_length=1, max_length=5)
    encouragement: Line


class ExerciseTestOut(_Out):
    name: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    source: Code = Field(description="Plain Python asserts calling the student's code.")
    hidden: bool = False


class ExerciseOut(_Out):
    title: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    statement: Annotated[str, StringConstraints(min_length=1, max_length=20_000)]
    topic: Topic
    difficulty: Difficulty
    starter: Code
    solution: Code = Field(description="Reference solution; never shown to the student.")
    tests: list[ExerciseTestOut] = Field(min_length=2, max_length=8)
    hints: list[Line] = Field(min_length=1, max_length=6)


class TriageOut(_Out):
    intent: TutorName
    confidence: float = Field(ge=0.0, le=1.0)
    reasoning: Annotated[str, StringConstraints(min_length=1, max_length=1_000)]
    secondary_intent: TutorName | None = None


OUTPUTS: dict[str, type[_Out]] = {
    "triage": TriageOut,
    "concepts": ConceptOut,
    "code-review": ReviewOut,
    "debug": DebugOut,
    "exercise": ExerciseOut,
    "progress": ProgressOut,
}

TOOL_DESCRIPTIONS = {
    "triage": "Route the student's query to one LearnFlow tutor.",
    "exercise": "Return the new exercise: statement, starter, reference solution, tests and hints.",
}
DEFAULT_DESCRIPTION = "Return your answer to the student as LearnFlow's structured reply."


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


def input_schema(agent: str) -> dict[str, Any]:
    schema = OUTPUTS[agent].model_json_schema()
    return _inline(schema, schema.get("$defs", {}))


def tool_name(agent: str) -> str:
    return "route_query" if agent == "triage" else "give_reply" if agent != "exercise" else "give_exercise"
